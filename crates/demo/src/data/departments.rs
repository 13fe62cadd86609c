//! Departments of 湛江市 and of its nine county-level divisions.
//!
//! City bodies are listed one by one; county bodies follow templates (every county has a
//! government, a market-regulation bureau, a police (sub-)bureau, …) whose names follow the
//! real naming patterns: district bodies are `湛江市赤坎区…`, county bodies `遂溪县…`, county-level
//! cities `廉江市…`; district police and natural-resources bodies are branches of the city
//! bureau (`湛江市公安局赤坎分局`, `湛江市自然资源局赤坎分局`); tax bureaus are vertically managed
//! (`国家税务总局湛江市赤坎区税务局`).
//!
//! Addresses and telephone numbers are illustrative, not the real ones.

use crate::ids::OrgType;

/// The city's division code.
pub const CITY: &str = "440800";

/// What kind of county-level division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountyKind {
    /// 市辖区
    District,
    /// 县
    County,
    /// 县级市
    CountyCity,
}

/// One county-level division of the city.
#[derive(Debug, Clone, Copy)]
pub struct County {
    pub code: &'static str,
    /// Short name without the unit: `赤坎`.
    pub short: &'static str,
    /// Name as used in front of body names: `湛江市赤坎区`, `遂溪县`, `廉江市`.
    pub prefix: &'static str,
    /// Name on its own: `赤坎区`, `遂溪县`, `廉江市`.
    pub name: &'static str,
    pub kind: CountyKind,
    /// First digit of local seven-digit phone numbers.
    pub phone_lead: char,
    /// Street address of the county's government service centre.
    pub center_address: &'static str,
}

pub const COUNTIES: &[County] = &[
    County {
        code: "440802",
        short: "赤坎",
        prefix: "湛江市赤坎区",
        name: "赤坎区",
        kind: CountyKind::District,
        phone_lead: '3',
        center_address: "湛江市赤坎区南桥南路12号",
    },
    County {
        code: "440803",
        short: "霞山",
        prefix: "湛江市霞山区",
        name: "霞山区",
        kind: CountyKind::District,
        phone_lead: '2',
        center_address: "湛江市霞山区绿荫路8号",
    },
    County {
        code: "440804",
        short: "坡头",
        prefix: "湛江市坡头区",
        name: "坡头区",
        kind: CountyKind::District,
        phone_lead: '3',
        center_address: "湛江市坡头区坡头镇新区大道38号",
    },
    County {
        code: "440811",
        short: "麻章",
        prefix: "湛江市麻章区",
        name: "麻章区",
        kind: CountyKind::District,
        phone_lead: '2',
        center_address: "湛江市麻章区瑞云北路26号",
    },
    County {
        code: "440823",
        short: "遂溪",
        prefix: "遂溪县",
        name: "遂溪县",
        kind: CountyKind::County,
        phone_lead: '7',
        center_address: "遂溪县遂城镇湛川北路55号",
    },
    County {
        code: "440825",
        short: "徐闻",
        prefix: "徐闻县",
        name: "徐闻县",
        kind: CountyKind::County,
        phone_lead: '4',
        center_address: "徐闻县徐城街道东方一路66号",
    },
    County {
        code: "440881",
        short: "廉江",
        prefix: "廉江市",
        name: "廉江市",
        kind: CountyKind::CountyCity,
        phone_lead: '6',
        center_address: "廉江市罗州街道人民大道南168号",
    },
    County {
        code: "440882",
        short: "雷州",
        prefix: "雷州市",
        name: "雷州市",
        kind: CountyKind::CountyCity,
        phone_lead: '8',
        center_address: "雷州市雷城街道雷州大道89号",
    },
    County {
        code: "440883",
        short: "吴川",
        prefix: "吴川市",
        name: "吴川市",
        kind: CountyKind::CountyCity,
        phone_lead: '5',
        center_address: "吴川市梅菉街道解放路36号",
    },
];

/// A city department.
#[derive(Debug, Clone, Copy)]
pub struct CityDept {
    /// Key used by the item tables (`scjg` = 市场监管).
    pub key: &'static str,
    pub name: &'static str,
    pub short: &'static str,
    /// [`yiwang_org::DeptKind`] code.
    pub kind: &'static str,
    pub org: OrgType,
    /// Key of the parent department, empty for none.
    pub parent: &'static str,
    pub address: &'static str,
    /// Where items handled at the city centre are served ("一窗综办" unless the department keeps
    /// its own window area).
    pub desk: Desk,
    /// The office that handles applications (承办机构), appended to the department name.
    pub office: &'static str,
}

/// Where an item is handled inside a government service centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    /// 综合受理窗口 (one window for all departments).
    Comprehensive,
    /// 公安专窗.
    Police,
    /// 不动产登记窗口.
    Property,
    /// 税务窗口.
    Tax,
    /// 住房公积金窗口.
    Fund,
    /// 社保医保窗口.
    Social,
    /// At the department's own office (not in the hall).
    Office,
}

const fn city(
    key: &'static str,
    name: &'static str,
    short: &'static str,
    kind: &'static str,
    parent: &'static str,
    address: &'static str,
) -> CityDept {
    CityDept {
        key,
        name,
        short,
        kind,
        org: OrgType::Organ,
        parent,
        address,
        desk: Desk::Comprehensive,
        office: "行政审批科",
    }
}

/// The city departments (35), government first so that parents exist before children.
pub const CITY_DEPTS: &[CityDept] = &[
    city(
        "gov",
        "湛江市人民政府",
        "市政府",
        "government",
        "",
        "湛江市赤坎区海滨大道北2号",
    ),
    CityDept {
        office: "政务服务科",
        ..city(
            "zsj",
            "湛江市政务服务和数据管理局",
            "市政务服务数据局",
            "service_admin",
            "gov",
            "湛江市赤坎区海北路1号湛江市民服务中心",
        )
    },
    city(
        "fgj",
        "湛江市发展和改革局",
        "市发展改革局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北2号市行政中心",
    ),
    city(
        "jyj",
        "湛江市教育局",
        "市教育局",
        "bureau",
        "gov",
        "湛江市赤坎区南桥北路20号",
    ),
    CityDept {
        office: "科技计划与成果科",
        ..city(
            "kjj",
            "湛江市科学技术局",
            "市科技局",
            "bureau",
            "gov",
            "湛江市赤坎区海滨大道北2号市行政中心",
        )
    },
    city(
        "gxj",
        "湛江市工业和信息化局",
        "市工业和信息化局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北2号市行政中心",
    ),
    CityDept {
        desk: Desk::Police,
        office: "治安管理支队户政科",
        ..city(
            "gaj",
            "湛江市公安局",
            "市公安局",
            "bureau",
            "gov",
            "湛江市赤坎区南方路29号",
        )
    },
    CityDept {
        office: "社会事务科",
        ..city(
            "mzj",
            "湛江市民政局",
            "市民政局",
            "bureau",
            "gov",
            "湛江市赤坎区北桥路50号",
        )
    },
    CityDept {
        office: "公共法律服务管理科",
        ..city(
            "sfj",
            "湛江市司法局",
            "市司法局",
            "bureau",
            "gov",
            "湛江市赤坎区海北路42号",
        )
    },
    city(
        "czj",
        "湛江市财政局",
        "市财政局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北2号市行政中心",
    ),
    CityDept {
        desk: Desk::Social,
        ..city(
            "rsj",
            "湛江市人力资源和社会保障局",
            "市人力资源社会保障局",
            "bureau",
            "gov",
            "湛江市赤坎区椹川大道北32号",
        )
    },
    CityDept {
        org: OrgType::Institution,
        desk: Desk::Social,
        office: "待遇审核科",
        ..city(
            "sbj",
            "湛江市社会保险基金管理局",
            "市社保局",
            "agency",
            "rsj",
            "湛江市赤坎区椹川大道北32号之一",
        )
    },
    city(
        "zrzy",
        "湛江市自然资源局",
        "市自然资源局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北15号",
    ),
    CityDept {
        org: OrgType::Institution,
        desk: Desk::Property,
        office: "登记业务科",
        ..city(
            "bdc",
            "湛江市不动产登记中心",
            "市不动产登记中心",
            "agency",
            "zrzy",
            "湛江市赤坎区海北路1号湛江市民服务中心二楼",
        )
    },
    city(
        "sthj",
        "湛江市生态环境局",
        "市生态环境局",
        "bureau",
        "gov",
        "湛江市赤坎区椹川大道北68号",
    ),
    city(
        "zjj",
        "湛江市住房和城乡建设局",
        "市住房城乡建设局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北15号之二",
    ),
    CityDept {
        org: OrgType::Institution,
        desk: Desk::Fund,
        office: "归集提取科",
        ..city(
            "gjj",
            "湛江市住房公积金管理中心",
            "市住房公积金中心",
            "agency",
            "gov",
            "湛江市赤坎区中山二路15号",
        )
    },
    city(
        "jtj",
        "湛江市交通运输局",
        "市交通运输局",
        "bureau",
        "gov",
        "湛江市霞山区人民大道南63号",
    ),
    city(
        "swuj",
        "湛江市水务局",
        "市水务局",
        "bureau",
        "gov",
        "湛江市赤坎区康宁路12号",
    ),
    city(
        "nyj",
        "湛江市农业农村局",
        "市农业农村局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北2号市行政中心",
    ),
    city(
        "swj",
        "湛江市商务局",
        "市商务局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北2号市行政中心",
    ),
    CityDept {
        office: "文化市场科",
        ..city(
            "wlj",
            "湛江市文化广电旅游体育局",
            "市文化广电旅游体育局",
            "bureau",
            "gov",
            "湛江市赤坎区海滨大道北2号市行政中心",
        )
    },
    CityDept {
        office: "医政医管科",
        ..city(
            "wjj",
            "湛江市卫生健康局",
            "市卫生健康局",
            "bureau",
            "gov",
            "湛江市赤坎区人民大道北68号",
        )
    },
    CityDept {
        office: "优抚褒扬科",
        ..city(
            "tyjr",
            "湛江市退役军人事务局",
            "市退役军人事务局",
            "bureau",
            "gov",
            "湛江市赤坎区海滨大道北2号市行政中心",
        )
    },
    CityDept {
        office: "防火监督科",
        ..city(
            "xfzd",
            "湛江市消防救援支队",
            "市消防救援支队",
            "vertical",
            "",
            "湛江市赤坎区椹川大道中42号",
        )
    },
    CityDept {
        office: "危险化学品安全监督管理科",
        ..city(
            "yjj",
            "湛江市应急管理局",
            "市应急管理局",
            "bureau",
            "gov",
            "湛江市赤坎区东园路16号",
        )
    },
    city(
        "scjg",
        "湛江市市场监督管理局",
        "市市场监管局",
        "bureau",
        "gov",
        "湛江市赤坎区海滨大道北3号",
    ),
    CityDept {
        desk: Desk::Social,
        office: "待遇保障科",
        ..city(
            "ybj",
            "湛江市医疗保障局",
            "市医保局",
            "bureau",
            "gov",
            "湛江市赤坎区椹川大道北32号之三",
        )
    },
    CityDept {
        office: "林政资源管理科",
        ..city(
            "lyj",
            "湛江市林业局",
            "市林业局",
            "bureau",
            "gov",
            "湛江市赤坎区海滨大道北15号",
        )
    },
    CityDept {
        office: "市容环境卫生管理科",
        ..city(
            "cgj",
            "湛江市城市管理和综合执法局",
            "市城市管理综合执法局",
            "bureau",
            "gov",
            "湛江市赤坎区海田路8号",
        )
    },
    CityDept {
        office: "工程管理科",
        ..city(
            "rfb",
            "湛江市人民防空办公室",
            "市人防办",
            "bureau",
            "gov",
            "湛江市赤坎区海滨大道北2号市行政中心",
        )
    },
    CityDept {
        desk: Desk::Tax,
        office: "纳税服务科",
        ..city(
            "tax",
            "国家税务总局湛江市税务局",
            "市税务局",
            "vertical",
            "",
            "湛江市赤坎区海滨大道北28号",
        )
    },
    CityDept {
        org: OrgType::Institution,
        office: "防雷减灾科",
        ..city(
            "qxj",
            "湛江市气象局",
            "市气象局",
            "vertical",
            "",
            "湛江市霞山区观海路5号",
        )
    },
    CityDept {
        org: OrgType::Institution,
        desk: Desk::Office,
        office: "档案利用科",
        ..city(
            "dag",
            "湛江市档案馆",
            "市档案馆",
            "agency",
            "",
            "湛江市赤坎区海滨大道北2号市行政中心",
        )
    },
    CityDept {
        org: OrgType::MassOrganisation,
        office: "康复服务部",
        ..city(
            "cl",
            "湛江市残疾人联合会",
            "市残联",
            "other",
            "",
            "湛江市赤坎区北桥路38号",
        )
    },
];

/// Which county-level divisions have a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// Every county-level division.
    All,
    /// Counties and county-level cities only (not the districts).
    NotDistricts,
}

/// A county body template. `{p}` is the county prefix (`湛江市赤坎区`, `遂溪县`), `{s}` the
/// short name (`赤坎`).
#[derive(Debug, Clone, Copy)]
pub struct CountyDept {
    pub key: &'static str,
    /// Name in a county or county-level city.
    pub name: &'static str,
    /// Name in a district, when it differs (a branch of the city bureau).
    pub district_name: &'static str,
    pub short: &'static str,
    pub kind: &'static str,
    pub org: OrgType,
    /// Parent: a county template key, or `city:<key>` for a city department.
    pub parent: &'static str,
    /// Parent in a district, when it differs.
    pub district_parent: &'static str,
    pub where_: Where,
    pub desk: Desk,
    pub office: &'static str,
}

const fn tmpl(
    key: &'static str,
    name: &'static str,
    short: &'static str,
    kind: &'static str,
    parent: &'static str,
) -> CountyDept {
    CountyDept {
        key,
        name,
        district_name: "",
        short,
        kind,
        org: OrgType::Organ,
        parent,
        district_parent: "",
        where_: Where::All,
        desk: Desk::Comprehensive,
        office: "行政审批股",
    }
}

/// County body templates, government first.
pub const COUNTY_DEPTS: &[CountyDept] = &[
    tmpl("gov", "{p}人民政府", "{s}政府", "government", "city:gov"),
    CountyDept {
        office: "政务服务股",
        ..tmpl(
            "zsj",
            "{p}政务服务数据管理局",
            "{s}政务服务数据局",
            "service_admin",
            "gov",
        )
    },
    tmpl(
        "scjg",
        "{p}市场监督管理局",
        "{s}市场监管局",
        "bureau",
        "gov",
    ),
    CountyDept {
        district_name: "湛江市公安局{s}分局",
        district_parent: "city:gaj",
        desk: Desk::Police,
        office: "户政管理大队",
        ..tmpl("gaj", "{p}公安局", "{s}公安局", "bureau", "gov")
    },
    CountyDept {
        desk: Desk::Social,
        office: "社会保险股",
        ..tmpl(
            "rsj",
            "{p}人力资源和社会保障局",
            "{s}人社局",
            "bureau",
            "gov",
        )
    },
    CountyDept {
        office: "社会救助股",
        ..tmpl("mzj", "{p}民政局", "{s}民政局", "bureau", "gov")
    },
    CountyDept {
        district_name: "湛江市自然资源局{s}分局",
        district_parent: "city:zrzy",
        office: "国土空间规划股",
        ..tmpl("zrzy", "{p}自然资源局", "{s}自然资源局", "bureau", "gov")
    },
    CountyDept {
        org: OrgType::Institution,
        where_: Where::NotDistricts,
        desk: Desk::Property,
        office: "登记业务股",
        ..tmpl(
            "bdc",
            "{p}不动产登记中心",
            "{s}不动产登记中心",
            "agency",
            "zrzy",
        )
    },
    CountyDept {
        office: "医政医管股",
        ..tmpl("wjj", "{p}卫生健康局", "{s}卫生健康局", "bureau", "gov")
    },
    tmpl(
        "zjj",
        "{p}住房和城乡建设局",
        "{s}住房城乡建设局",
        "bureau",
        "gov",
    ),
    CountyDept {
        office: "人事股",
        ..tmpl("jyj", "{p}教育局", "{s}教育局", "bureau", "gov")
    },
    CountyDept {
        desk: Desk::Social,
        office: "待遇保障股",
        ..tmpl("ybj", "{p}医疗保障局", "{s}医保局", "bureau", "gov")
    },
    CountyDept {
        office: "优抚安置股",
        ..tmpl(
            "tyjr",
            "{p}退役军人事务局",
            "{s}退役军人事务局",
            "bureau",
            "gov",
        )
    },
    CountyDept {
        office: "计划财务股",
        ..tmpl("nyj", "{p}农业农村局", "{s}农业农村局", "bureau", "gov")
    },
    CountyDept {
        kind: "vertical",
        parent: "city:tax",
        desk: Desk::Tax,
        office: "纳税服务股",
        ..tmpl("tax", "国家税务总局{p}税务局", "{s}税务局", "vertical", "")
    },
];

impl CountyDept {
    /// Whether `c` has this body.
    pub fn exists_in(&self, c: &County) -> bool {
        match self.where_ {
            Where::All => true,
            Where::NotDistricts => c.kind != CountyKind::District,
        }
    }

    fn district(&self, c: &County) -> bool {
        c.kind == CountyKind::District
    }

    pub fn name_in(&self, c: &County) -> String {
        let t = if self.district(c) && !self.district_name.is_empty() {
            self.district_name
        } else {
            self.name
        };
        fill(t, c)
    }

    pub fn short_in(&self, c: &County) -> String {
        fill(self.short, c)
    }

    /// The parent reference in `c`: a county key or `city:<key>`.
    pub fn parent_in(&self, c: &County) -> &'static str {
        if self.district(c) && !self.district_parent.is_empty() {
            self.district_parent
        } else {
            self.parent
        }
    }

    /// Division whose establishment office registered the body (USCC positions 3–8): branches
    /// of city bureaus are registered by the city.
    pub fn registered_in(&self, c: &County) -> &'static str {
        if self.district(c) && !self.district_name.is_empty() {
            CITY
        } else {
            c.code
        }
    }
}

fn fill(t: &str, c: &County) -> String {
    t.replace("{p}", c.prefix).replace("{s}", c.short)
}
