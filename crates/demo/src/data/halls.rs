//! Service halls (政务服务大厅) and their windows: the city centre, one centre per county-level
//! division, a few township centres and a 24-hour self-service area.

use super::departments::{COUNTIES, County, CountyKind, Desk};

/// Opening hours of the city centre.
pub const CITY_HOURS: &str =
    "工作日上午8:30-12:00，下午14:30-17:30（法定节假日除外）；周六上午9:00-12:00提供预约延时服务";
/// Opening hours of county and township centres.
pub const COUNTY_HOURS: &str = "工作日上午8:00-12:00，下午14:30-17:30（法定节假日除外）";

pub const CITY_HALL: &str = "湛江市政务服务中心";
pub const CITY_HALL_ADDRESS: &str = "湛江市赤坎区海北路1号湛江市民服务中心";

/// A window: number, name, kind code, and the key of the department it serves (department
/// windows only).
#[derive(Debug, Clone)]
pub struct WindowDef {
    pub number: String,
    pub name: String,
    pub kind: &'static str,
    pub dept: Option<&'static str>,
}

/// A hall; `county` is `None` for the city's halls.
#[derive(Debug, Clone)]
pub struct HallDef {
    pub name: String,
    /// [`yiwang_org::HallKind`] code.
    pub kind: &'static str,
    pub division: String,
    pub county: Option<&'static County>,
    /// Key of the managing department (the service administration).
    pub dept: Option<&'static str>,
    pub address: String,
    pub phone: String,
    pub hours: String,
    pub windows: Vec<WindowDef>,
}

fn w(number: &str, name: &str, kind: &'static str, dept: Option<&'static str>) -> WindowDef {
    WindowDef {
        number: number.to_string(),
        name: name.to_string(),
        kind,
        dept,
    }
}

/// Name of a county's government service centre.
pub fn county_hall(c: &County) -> String {
    format!("{}政务服务中心", c.prefix)
}

/// 办理地点 of an item handled at `desk` in a county's centre.
pub fn county_location(c: &County, desk: Desk) -> String {
    let hall = county_hall(c);
    match desk {
        Desk::Police => format!("{hall}一楼公安户政窗口（05号）"),
        Desk::Property if c.kind != CountyKind::District => {
            format!("{hall}二楼不动产登记窗口（06号）")
        }
        Desk::Tax => format!("{hall}二楼税务窗口（07号）"),
        Desk::Social => format!("{hall}一楼社保医保窗口（08号）"),
        _ => format!("{hall}一楼综合受理窗口（01-04号）"),
    }
}

/// 办理地点 of an item handled at `desk` in the city centre.
pub fn city_location(desk: Desk) -> &'static str {
    match desk {
        Desk::Police => "湛江市政务服务中心一楼B区公安专窗（B01-B03）",
        Desk::Property => "湛江市政务服务中心二楼C区不动产登记窗口（C01-C03）",
        Desk::Tax => "湛江市政务服务中心二楼C区税务窗口（C04）",
        Desk::Fund => "湛江市政务服务中心二楼D区住房公积金窗口（D01）",
        Desk::Social => "湛江市政务服务中心二楼D区社保医保窗口（D02-D03）",
        Desk::Comprehensive | Desk::Office => "湛江市政务服务中心一楼A区综合受理窗口（A01-A12）",
    }
}

/// Every hall of the demo city.
pub fn halls() -> Vec<HallDef> {
    let mut out = Vec::new();
    let mut windows: Vec<WindowDef> = (1..=12)
        .map(|i| w(&format!("A{i:02}"), "综合受理窗口", "comprehensive", None))
        .collect();
    for i in 1..=3 {
        windows.push(w(
            &format!("B{i:02}"),
            "公安专窗（户政、出入境）",
            "department",
            Some("gaj"),
        ));
    }
    for i in 1..=3 {
        windows.push(w(
            &format!("C{i:02}"),
            "不动产登记窗口",
            "department",
            Some("bdc"),
        ));
    }
    windows.push(w("C04", "税务窗口", "department", Some("tax")));
    windows.push(w("D01", "住房公积金窗口", "department", Some("gjj")));
    windows.push(w("D02", "社保窗口", "department", Some("sbj")));
    windows.push(w("D03", "医保窗口", "department", Some("ybj")));
    windows.push(w("E01", "统一出件窗口", "pickup", None));
    windows.push(w("E02", "咨询导办台", "consult", None));
    windows.push(w("E03", "帮办代办窗口", "assisted", None));
    out.push(HallDef {
        name: CITY_HALL.to_string(),
        kind: "center",
        division: "440800".to_string(),
        county: None,
        dept: Some("zsj"),
        address: CITY_HALL_ADDRESS.to_string(),
        phone: "0759-3338800".to_string(),
        hours: CITY_HOURS.to_string(),
        windows,
    });
    out.push(HallDef {
        name: "湛江市政务服务中心24小时自助服务区".to_string(),
        kind: "self_service",
        division: "440800".to_string(),
        county: None,
        dept: Some("zsj"),
        address: format!("{CITY_HALL_ADDRESS}东侧一楼"),
        phone: "0759-3338800".to_string(),
        hours: "全天24小时开放（自助终端可办理社保、公积金、不动产查询和证明打印等）".to_string(),
        windows: vec![w("Z01", "自助服务引导台", "consult", None)],
    });
    for c in COUNTIES {
        let mut windows: Vec<WindowDef> = (1..=4)
            .map(|i| w(&format!("{i:02}"), "综合受理窗口", "comprehensive", None))
            .collect();
        windows.push(w("05", "公安户政窗口", "department", Some("gaj")));
        if c.kind != CountyKind::District {
            windows.push(w("06", "不动产登记窗口", "department", Some("bdc")));
        }
        windows.push(w("07", "税务窗口", "department", Some("tax")));
        windows.push(w("08", "社保医保窗口", "department", Some("rsj")));
        windows.push(w("09", "统一出件窗口", "pickup", None));
        windows.push(w("10", "咨询导办台", "consult", None));
        out.push(HallDef {
            name: county_hall(c),
            kind: "center",
            division: c.code.to_string(),
            county: Some(c),
            dept: Some("zsj"),
            address: c.center_address.to_string(),
            phone: crate::ids::phone(c.phone_lead, &county_hall(c)),
            hours: COUNTY_HOURS.to_string(),
            windows,
        });
    }
    for (code, county, name, address) in [
        (
            "440802002",
            "440802",
            "湛江市赤坎区寸金街道便民服务中心",
            "湛江市赤坎区寸金路6号",
        ),
        (
            "440823001",
            "440823",
            "遂溪县遂城街道便民服务中心",
            "遂溪县遂城街道中山路18号",
        ),
        (
            "440881108",
            "440881",
            "廉江市安铺镇便民服务中心",
            "廉江市安铺镇新民路2号",
        ),
        (
            "440882100",
            "440882",
            "雷州市白沙镇便民服务中心",
            "雷州市白沙镇政府大院内",
        ),
        (
            "440883100",
            "440883",
            "吴川市浅水镇便民服务中心",
            "吴川市浅水镇浅水大道9号",
        ),
    ] {
        let c = COUNTIES.iter().find(|c| c.code == county);
        out.push(HallDef {
            name: name.to_string(),
            kind: "town",
            division: code.to_string(),
            county: c,
            dept: None,
            address: address.to_string(),
            phone: c
                .map(|c| crate::ids::phone(c.phone_lead, name))
                .unwrap_or_default(),
            hours: COUNTY_HOURS.to_string(),
            windows: vec![
                w("01", "综合受理窗口", "comprehensive", None),
                w("02", "综合受理窗口", "comprehensive", None),
                w("03", "帮办代办窗口", "assisted", None),
            ],
        });
    }
    out
}
