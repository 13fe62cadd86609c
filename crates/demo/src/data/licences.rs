//! The demo's electronic licence types — the 22 codes the materials name (免证办) — and the
//! licences the demo citizens and their enterprise hold, issued and sealed by the departments
//! that issue them in Zhanjiang.

use super::materials::*;

/// One licence type: code, name, defining body, holder (`person`/`org`), face fields
/// (key, label, kind), years valid (0: no expiry).
pub struct TypeDef {
    pub code: &'static str,
    pub name: &'static str,
    pub definer: &'static str,
    pub holder: &'static str,
    pub face: &'static [(&'static str, &'static str, &'static str)],
    pub years: i64,
}

const ADDRESS: (&str, &str, &str) = ("address", "住址", "address");

pub const TYPES: &[TypeDef] = &[
    TypeDef {
        code: LT_ID_CARD,
        name: "居民身份证",
        definer: "公安部",
        holder: "person",
        face: &[
            ("sex", "性别", "text"),
            ("ethnicity", "民族", "text"),
            ADDRESS,
        ],
        years: 20,
    },
    TypeDef {
        code: LT_HOUSEHOLD,
        name: "居民户口簿",
        definer: "公安部",
        holder: "person",
        face: &[("household_type", "户别", "text"), ADDRESS],
        years: 0,
    },
    TypeDef {
        code: LT_DRIVING,
        name: "机动车驾驶证",
        definer: "公安部",
        holder: "person",
        face: &[("class", "准驾车型", "text"), ADDRESS],
        years: 6,
    },
    TypeDef {
        code: LT_VEHICLE,
        name: "机动车行驶证",
        definer: "公安部",
        holder: "person",
        face: &[("plate", "号牌号码", "text"), ("model", "品牌型号", "text")],
        years: 0,
    },
    TypeDef {
        code: LT_MARRIAGE,
        name: "结婚证",
        definer: "民政部",
        holder: "person",
        face: &[
            ("spouse", "配偶姓名", "text"),
            ("registered_on", "登记日期", "date"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_DIVORCE,
        name: "离婚证",
        definer: "民政部",
        holder: "person",
        face: &[("registered_on", "登记日期", "date")],
        years: 0,
    },
    TypeDef {
        code: LT_SOCIAL_CARD,
        name: "社会保障卡",
        definer: "人力资源社会保障部",
        holder: "person",
        face: &[
            ("card_no", "社会保障卡号", "text"),
            ("bank", "开户银行", "text"),
        ],
        years: 10,
    },
    TypeDef {
        code: LT_EMPLOYMENT,
        name: "就业创业证",
        definer: "人力资源社会保障部",
        holder: "person",
        face: &[("status", "就业状况", "text")],
        years: 0,
    },
    TypeDef {
        code: LT_PROPERTY,
        name: "不动产权证书",
        definer: "自然资源部",
        holder: "person",
        face: &[
            ("location", "坐落", "address"),
            ("area", "面积（平方米）", "text"),
            ("use", "用途", "text"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_PROPERTY_PROOF,
        name: "不动产登记证明",
        definer: "自然资源部",
        holder: "person",
        face: &[
            ("location", "坐落", "address"),
            ("matter", "证明权利或事项", "text"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_BIRTH,
        name: "出生医学证明",
        definer: "国家卫生健康委员会",
        holder: "person",
        face: &[
            ("born_on", "出生日期", "date"),
            ("place", "出生地点", "text"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_DOCTOR_QUAL,
        name: "医师资格证书",
        definer: "国家卫生健康委员会",
        holder: "person",
        face: &[("category", "类别", "text")],
        years: 0,
    },
    TypeDef {
        code: LT_DOCTOR_PRACTICE,
        name: "医师执业证书",
        definer: "国家卫生健康委员会",
        holder: "person",
        face: &[("scope", "执业范围", "text"), ("place", "执业地点", "text")],
        years: 5,
    },
    TypeDef {
        code: LT_BUSINESS,
        name: "营业执照",
        definer: "国家市场监督管理总局",
        holder: "org",
        face: &[
            ("legal_representative", "法定代表人", "text"),
            ("business_scope", "经营范围", "textarea"),
            ("residence", "住所", "address"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_FOOD,
        name: "食品经营许可证",
        definer: "国家市场监督管理总局",
        holder: "org",
        face: &[
            ("premises", "经营场所", "address"),
            ("business_type", "主体业态", "text"),
            ("items", "经营项目", "text"),
        ],
        years: 5,
    },
    TypeDef {
        code: LT_SOLE_TRADER,
        name: "个体工商户营业执照",
        definer: "国家市场监督管理总局",
        holder: "person",
        face: &[
            ("trade_name", "名称", "text"),
            ("premises_address", "经营场所", "address"),
            ("business_scope", "经营范围", "textarea"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_SMALL_CATERING,
        name: "小餐饮经营许可证",
        definer: "国家市场监督管理总局",
        holder: "person",
        face: &[
            ("trade_name", "名称", "text"),
            ("premises_address", "经营场所", "address"),
            ("safety_manager", "食品安全管理员", "text"),
        ],
        years: 5,
    },
    TypeDef {
        code: LT_DIPLOMA,
        name: "学历证书",
        definer: "教育部",
        holder: "person",
        face: &[
            ("school", "学校", "text"),
            ("major", "专业", "text"),
            ("level", "层次", "text"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_TEACHER,
        name: "教师资格证书",
        definer: "教育部",
        holder: "person",
        face: &[
            ("kind", "资格种类", "text"),
            ("subject", "任教学科", "text"),
        ],
        years: 0,
    },
    TypeDef {
        code: LT_VETERAN,
        name: "退役军人优待证",
        definer: "退役军人事务部",
        holder: "person",
        face: &[("card_no", "优待证号", "text")],
        years: 0,
    },
    TypeDef {
        code: LT_DISABILITY,
        name: "残疾人证",
        definer: "中国残疾人联合会",
        holder: "person",
        face: &[
            ("category", "残疾类别", "text"),
            ("grade", "残疾等级", "text"),
        ],
        years: 10,
    },
    TypeDef {
        code: LT_ROAD_TRANSPORT,
        name: "道路运输经营许可证",
        definer: "交通运输部",
        holder: "org",
        face: &[("scope", "经营范围", "text")],
        years: 4,
    },
    TypeDef {
        code: LT_BUILDER,
        name: "建筑业企业资质证书",
        definer: "住房和城乡建设部",
        holder: "org",
        face: &[("grade", "资质等级", "text")],
        years: 5,
    },
];

/// A licence to issue: type, holder (`None`: the enterprise; `Some(i)`: `PEOPLE[i]`), the
/// issuing department (county or the city, department key), face values.
pub struct Issue {
    pub code: &'static str,
    pub holder: Option<usize>,
    pub county: Option<&'static str>,
    pub dept: &'static str,
    pub face: &'static [(&'static str, &'static str)],
}

pub const ISSUED: &[Issue] = &[
    Issue {
        code: LT_ID_CARD,
        holder: Some(0),
        county: None,
        dept: "gaj",
        face: &[
            ("sex", "男"),
            ("ethnicity", "汉"),
            ("address", "广东省湛江市赤坎区海滨大道北8号"),
        ],
    },
    Issue {
        code: LT_HOUSEHOLD,
        holder: Some(0),
        county: None,
        dept: "gaj",
        face: &[
            ("household_type", "家庭户"),
            ("address", "广东省湛江市赤坎区海滨大道北8号"),
        ],
    },
    Issue {
        code: LT_DRIVING,
        holder: Some(0),
        county: None,
        dept: "gaj",
        face: &[
            ("class", "C1"),
            ("address", "广东省湛江市赤坎区海滨大道北8号"),
        ],
    },
    Issue {
        code: LT_SOCIAL_CARD,
        holder: Some(0),
        county: None,
        dept: "rsj",
        face: &[("card_no", "G44080012"), ("bank", "中国工商银行湛江分行")],
    },
    Issue {
        code: LT_ID_CARD,
        holder: Some(1),
        county: None,
        dept: "gaj",
        face: &[
            ("sex", "女"),
            ("ethnicity", "汉"),
            ("address", "广东省湛江市霞山区人民大道南38号"),
        ],
    },
    Issue {
        code: LT_SOCIAL_CARD,
        holder: Some(1),
        county: None,
        dept: "rsj",
        face: &[("card_no", "G44080345"), ("bank", "中国建设银行湛江分行")],
    },
    Issue {
        code: LT_BUSINESS,
        holder: None,
        county: Some("440802"),
        dept: "scjg",
        face: &[
            ("legal_representative", "陈小明"),
            ("business_scope", "餐饮服务；食品销售"),
            ("residence", "湛江市赤坎区海滨大道北8号首层"),
        ],
    },
    Issue {
        code: LT_FOOD,
        holder: None,
        county: Some("440802"),
        dept: "scjg",
        face: &[
            ("premises", "湛江市赤坎区海滨大道北8号首层"),
            ("business_type", "餐饮服务经营者（中型餐馆）"),
            ("items", "热食类食品制售"),
        ],
    },
];
