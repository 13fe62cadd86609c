//! Common materials (申请材料) and the electronic licence types that can replace them (免证办).
//!
//! Licence type codes are 21 characters: the defining body's USCC and three digits
//! (docs/standards/licences.md §7.2). The 公安部 code `11100000000013127D` is the example of docs/standards/uscc.md §2.5; the
//! other ministries' codes are **made up for the demo** (valid GB 32100 and GB 11714 checks,
//! not the bodies' real codes).

/// Licence type: 居民身份证 (公安部).
pub const LT_ID_CARD: &str = "11100000000013127D001";
/// Licence type: 居民户口簿 (公安部).
pub const LT_HOUSEHOLD: &str = "11100000000013127D002";
/// Licence type: 机动车驾驶证 (公安部).
pub const LT_DRIVING: &str = "11100000000013127D003";
/// Licence type: 机动车行驶证 (公安部).
pub const LT_VEHICLE: &str = "11100000000013127D004";
/// Licence type: 结婚证 (民政部, demo code).
pub const LT_MARRIAGE: &str = "111000000000141891001";
/// Licence type: 离婚证 (民政部, demo code).
pub const LT_DIVORCE: &str = "111000000000141891002";
/// Licence type: 社会保障卡 (人力资源社会保障部, demo code).
pub const LT_SOCIAL_CARD: &str = "111000007178317096001";
/// Licence type: 就业创业证 (人力资源社会保障部, demo code).
pub const LT_EMPLOYMENT: &str = "111000007178317096002";
/// Licence type: 不动产权证书 (自然资源部, demo code).
pub const LT_PROPERTY: &str = "11100000MB1967K694001";
/// Licence type: 不动产登记证明 (自然资源部, demo code).
pub const LT_PROPERTY_PROOF: &str = "11100000MB1967K694002";
/// Licence type: 出生医学证明 (国家卫生健康委, demo code).
pub const LT_BIRTH: &str = "11100000MB1A3E7514001";
/// Licence type: 医师资格证书 (国家卫生健康委, demo code).
pub const LT_DOCTOR_QUAL: &str = "11100000MB1A3E7514002";
/// Licence type: 医师执业证书 (国家卫生健康委, demo code).
pub const LT_DOCTOR_PRACTICE: &str = "11100000MB1A3E7514003";
/// Licence type: 营业执照 (国家市场监督管理总局, demo code).
pub const LT_BUSINESS: &str = "11100000MB1A8C3H6H001";
/// Licence type: 食品经营许可证 (国家市场监督管理总局, demo code).
pub const LT_FOOD: &str = "11100000MB1A8C3H6H002";
/// Licence type: 个体工商户营业执照 (国家市场监督管理总局, demo code; held by the operator).
pub const LT_SOLE_TRADER: &str = "11100000MB1A8C3H6H003";
/// Licence type: 小餐饮经营许可证 (国家市场监督管理总局, demo code; held by the operator).
pub const LT_SMALL_CATERING: &str = "11100000MB1A8C3H6H004";
/// Licence type: 学历证书 (教育部, demo code).
pub const LT_DIPLOMA: &str = "11100000000018155E001";
/// Licence type: 教师资格证书 (教育部, demo code).
pub const LT_TEACHER: &str = "11100000000018155E002";
/// Licence type: 退役军人优待证 (退役军人事务部, demo code).
pub const LT_VETERAN: &str = "11100000MB1D2B4F3X001";
/// Licence type: 残疾人证 (中国残疾人联合会, demo code).
pub const LT_DISABILITY: &str = "13100000500008623C001";
/// Licence type: 道路运输经营许可证 (交通运输部, demo code).
pub const LT_ROAD_TRANSPORT: &str = "11100000000019369E001";
/// Licence type: 建筑业企业资质证书 (住房和城乡建设部, demo code).
pub const LT_BUILDER: &str = "11100000000019342N001";

/// Every licence type the demo uses, for the tests.
#[cfg(test)]
pub const LICENCE_TYPES: &[&str] = &[
    LT_ID_CARD,
    LT_HOUSEHOLD,
    LT_DRIVING,
    LT_VEHICLE,
    LT_MARRIAGE,
    LT_DIVORCE,
    LT_SOCIAL_CARD,
    LT_EMPLOYMENT,
    LT_PROPERTY,
    LT_PROPERTY_PROOF,
    LT_BIRTH,
    LT_DOCTOR_QUAL,
    LT_DOCTOR_PRACTICE,
    LT_BUSINESS,
    LT_FOOD,
    LT_SOLE_TRADER,
    LT_SMALL_CATERING,
    LT_DIPLOMA,
    LT_TEACHER,
    LT_VETERAN,
    LT_DISABILITY,
    LT_ROAD_TRANSPORT,
    LT_BUILDER,
];

/// A material of the library.
#[derive(Debug, Clone, Copy)]
pub struct MaterialDef {
    pub key: &'static str,
    pub name: &'static str,
    /// 来源渠道: 1 申请人自备, 2 政府部门核发, 3 中介机构出具, 9 其他.
    pub source: &'static str,
    pub issuer: &'static str,
    pub originals: i64,
    pub copies: i64,
    /// 1 纸质, 2 电子, 3 纸质或电子.
    pub format: &'static str,
    pub notes: &'static str,
    pub licence_type: &'static str,
}

const fn issued(
    key: &'static str,
    name: &'static str,
    issuer: &'static str,
    licence_type: &'static str,
    notes: &'static str,
) -> MaterialDef {
    MaterialDef {
        key,
        name,
        source: "2",
        issuer,
        originals: 1,
        copies: 0,
        format: "3",
        notes,
        licence_type,
    }
}

const fn own(key: &'static str, name: &'static str, notes: &'static str) -> MaterialDef {
    MaterialDef {
        key,
        name,
        source: "1",
        issuer: "",
        originals: 1,
        copies: 0,
        format: "3",
        notes,
        licence_type: "",
    }
}

/// Materials a base library's record replaces (数据代替材料): key, library.
pub const DATA_REPLACED: &[(&str, &str)] = &[("hkb", "population"), ("yyzz", "legal_person")];

/// Materials referred to by key from the item tables.
pub const LIBRARY: &[MaterialDef] = &[
    issued(
        "sfz",
        "申请人居民身份证",
        "公安机关",
        LT_ID_CARD,
        "核验原件；已授权调用电子证照的，无需提交。",
    ),
    issued(
        "sfz2",
        "双方当事人居民身份证",
        "公安机关",
        LT_ID_CARD,
        "双方当事人各提交本人有效居民身份证原件。",
    ),
    issued(
        "fmsfz",
        "父母双方居民身份证",
        "公安机关",
        LT_ID_CARD,
        "核验原件；一方无法到场的可提交其身份证复印件。",
    ),
    issued(
        "frsfz",
        "法定代表人（负责人）身份证件",
        "公安机关",
        LT_ID_CARD,
        "可通过电子证照核验，无需提交复印件。",
    ),
    issued(
        "jbrsfz",
        "经办人身份证件",
        "公安机关",
        LT_ID_CARD,
        "经办人有效身份证件；已实名认证登录办理的无需提交。",
    ),
    issued(
        "hkb",
        "居民户口簿",
        "公安机关",
        LT_HOUSEHOLD,
        "核验户主页及本人页原件。",
    ),
    issued(
        "jsz",
        "机动车驾驶证",
        "公安机关交通管理部门",
        LT_DRIVING,
        "核验原件或电子驾驶证。",
    ),
    issued(
        "xsz",
        "机动车行驶证",
        "公安机关交通管理部门",
        LT_VEHICLE,
        "核验原件或电子行驶证。",
    ),
    issued(
        "jhz",
        "结婚证",
        "婚姻登记机关",
        LT_MARRIAGE,
        "已婚的提交；可调用电子证照。",
    ),
    issued(
        "lhz",
        "离婚证或离婚判决（调解）书",
        "婚姻登记机关或人民法院",
        LT_DIVORCE,
        "离婚的提交。",
    ),
    issued(
        "sbk",
        "社会保障卡",
        "人力资源社会保障部门",
        LT_SOCIAL_CARD,
        "核验原件或电子社保卡。",
    ),
    issued(
        "jyz",
        "就业创业证",
        "人力资源社会保障部门",
        LT_EMPLOYMENT,
        "已办理的提交；可调用电子证照。",
    ),
    issued(
        "bdcqz",
        "不动产权证书",
        "不动产登记机构",
        LT_PROPERTY,
        "核验原件；可调用电子证照。",
    ),
    issued(
        "bdczm",
        "不动产登记证明（抵押）",
        "不动产登记机构",
        LT_PROPERTY_PROOF,
        "办理抵押权注销或变更的提交。",
    ),
    issued(
        "csyxzm",
        "出生医学证明",
        "助产医疗机构",
        LT_BIRTH,
        "新生儿出生医学证明原件；可调用电子证照。",
    ),
    issued(
        "yszgz",
        "医师资格证书",
        "卫生健康主管部门",
        LT_DOCTOR_QUAL,
        "核验原件；可调用电子证照。",
    ),
    issued(
        "yszyz",
        "医师执业证书",
        "卫生健康主管部门",
        LT_DOCTOR_PRACTICE,
        "变更注册的提交原证书。",
    ),
    issued(
        "yyzz",
        "营业执照",
        "市场监督管理部门",
        LT_BUSINESS,
        "可通过电子营业执照核验，无需提交复印件。",
    ),
    issued(
        "spjyxkz",
        "食品经营许可证",
        "市场监督管理部门",
        LT_FOOD,
        "提交原证正、副本；可调用电子证照。",
    ),
    issued(
        "xlzs",
        "学历证书",
        "高等学校或中等学校",
        LT_DIPLOMA,
        "核验原件；可通过学信网电子证照核验。",
    ),
    issued(
        "jszgz",
        "教师资格证书",
        "教育行政部门",
        LT_TEACHER,
        "核验原件。",
    ),
    issued(
        "ydz",
        "退役军人优待证",
        "退役军人事务部门",
        LT_VETERAN,
        "已领取的提交；可调用电子证照。",
    ),
    issued(
        "cjrz",
        "残疾人证",
        "残疾人联合会",
        LT_DISABILITY,
        "第二代残疾人证；可调用电子证照。",
    ),
    issued(
        "dlyszz",
        "道路运输经营许可证",
        "交通运输主管部门",
        LT_ROAD_TRANSPORT,
        "核验原件；可调用电子证照。",
    ),
    issued(
        "jzyzz",
        "建筑业企业资质证书",
        "住房城乡建设主管部门",
        LT_BUILDER,
        "施工单位资质证书，可调用电子证照核验。",
    ),
    MaterialDef {
        copies: 1,
        ..own(
            "cszm",
            "住所（经营场所）使用证明",
            "自有房产提交不动产权证书；租赁的提交租赁合同。实行住所申报承诺制的可以承诺代替。",
        )
    },
    MaterialDef {
        format: "3",
        ..own(
            "wts",
            "授权委托书及受托人身份证件",
            "委托他人办理的提交；授权委托书须载明委托事项和权限。",
        )
    },
    MaterialDef {
        originals: 2,
        format: "1",
        ..own(
            "zp",
            "近期二寸免冠彩色照片",
            "白色背景，近6个月内拍摄；在窗口现场采集的无需提交。",
        )
    },
    own(
        "zc",
        "公司章程",
        "全体股东（发起人）签署；可使用登记机关提供的章程参考文本。",
    ),
    own(
        "gdzm",
        "股东（发起人）主体资格证明",
        "自然人股东提交身份证件；法人股东提交营业执照。",
    ),
    MaterialDef {
        source: "9",
        issuer: "医疗机构",
        ..own(
            "tjbg",
            "体检报告（健康证明）",
            "由县级以上医疗机构或具备资质的体检机构出具，3个月内有效。",
        )
    },
    MaterialDef {
        source: "9",
        issuer: "县级以上医疗机构",
        ..own(
            "stzm",
            "机动车驾驶人身体条件证明",
            "可在具备资质的医疗机构体检后由医疗机构网上传输，无需提交纸质证明。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "gfht",
            "不动产买卖合同（或其他转移原因证明）",
            "已网签备案的商品房买卖合同可通过系统调取。",
        )
    },
    MaterialDef {
        source: "2",
        issuer: "税务机关",
        ..own(
            "wspz",
            "完税（或减免税）凭证",
            "已实现税费信息共享的，无需提交。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "dyht",
            "抵押合同及主债权合同",
            "抵押合同须载明抵押物、担保范围及债务履行期限。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "ldht",
            "劳动合同或终止（解除）劳动关系证明",
            "用人单位出具，加盖单位公章。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "yhk",
            "本人银行账户（社会保障卡金融账户）信息",
            "用于待遇发放；已开通社会保障卡金融功能的无需提交。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "fyfp",
            "医疗费用票据及费用明细清单",
            "定点医疗机构开具的医疗收费票据原件和费用清单。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "blzl",
            "病历资料（出院小结、诊断证明）",
            "由就诊医疗机构出具并加盖公章。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "sjtz",
            "建设工程设计方案（总平面图）",
            "由具有相应资质的设计单位编制，需加盖出图章。",
        )
    },
    MaterialDef {
        source: "2",
        issuer: "自然资源主管部门",
        copies: 1,
        ..own(
            "ydpz",
            "建设用地批准文件或不动产权证书（土地）",
            "可通过部门间共享获取的，无需提交。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "cnsh",
            "告知承诺书",
            "申请人对符合许可条件作出书面承诺，承诺内容不实的依法承担法律责任。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "jgzm",
            "经营场所平面布局图及设备设施清单",
            "标明功能分区、面积和主要设备位置。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "zyzm",
            "专业技术人员资格证明",
            "提交相关人员的职称或执业资格证书。",
        )
    },
    MaterialDef {
        source: "3",
        issuer: "具有相应资质的技术服务机构",
        copies: 1,
        ..own(
            "jsbg",
            "技术评价报告",
            "由具有相应能力的技术服务机构编制并加盖公章。",
        )
    },
    MaterialDef {
        copies: 1,
        ..own(
            "srzm",
            "家庭收入和财产状况声明",
            "如实申报家庭成员收入和财产，授权民政部门开展家庭经济状况核对。",
        )
    },
];

pub fn material(key: &str) -> Option<&'static MaterialDef> {
    LIBRARY.iter().find(|m| m.key == key)
}
