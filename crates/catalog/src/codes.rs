//! Code tables of the service-item catalog (docs/standards/service-items.md §4.2, §4.3, §4.7).
//!
//! Stored values are the codes; labels come from these tables. Tables marked **[U]** in
//! docs/standards/service-items.md (no national code list was found) use codes of our own, documented here, and are
//! translated per counterpart system at the interfaces.

use serde::Serialize;
use yiwang_kernel::FieldError;
use yiwang_kernel::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Code {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn c(code: &'static str, zh: &'static str, en: &'static str) -> Code {
    Code { code, zh, en }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodeTable {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub entries: &'static [Code],
}

impl CodeTable {
    pub fn get(&self, code: &str) -> Option<&'static Code> {
        self.entries.iter().find(|e| e.code == code)
    }

    /// Accepts a code or its Chinese or English label; returns the code.
    pub fn parse(&self, s: &str) -> Option<&'static str> {
        let s = s.trim();
        self.entries
            .iter()
            .find(|e| e.code == s || e.zh == s || e.en.eq_ignore_ascii_case(s))
            .map(|e| e.code)
    }

    /// Parses for a field, with a bilingual error listing the allowed values.
    pub fn field(&self, field: &str, s: &str) -> Result<&'static str, FieldError> {
        self.parse(s).ok_or_else(|| {
            let allowed: Vec<String> = self
                .entries
                .iter()
                .map(|e| format!("{} {}", e.code, e.zh))
                .collect();
            FieldError::new(
                field,
                "code.unknown",
                format!("“{s}”不是有效的{}，可选：{}", self.zh, allowed.join("、")),
                format!(
                    "\"{s}\" is not a valid {}; allowed: {}",
                    self.en,
                    self.entries
                        .iter()
                        .map(|e| format!("{} {}", e.code, e.en))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    pub fn label(&self, code: &str, lang: Lang) -> String {
        match self.get(code) {
            Some(e) => lang.pick(e.zh, e.en).to_string(),
            None => code.to_string(),
        }
    }
}

/// 事项类型 — GB/T 39046 表A.1.
pub const ITEM_TYPES: CodeTable = CodeTable {
    key: "item_type",
    zh: "事项类型",
    en: "item type",
    entries: &[
        c("01", "行政许可", "administrative licensing"),
        c("02", "行政处罚", "administrative penalty"),
        c("03", "行政强制", "administrative enforcement"),
        c("04", "行政征收", "administrative levy"),
        c("05", "行政给付", "administrative benefit"),
        c("06", "行政检查", "administrative inspection"),
        c("07", "行政确认", "administrative confirmation"),
        c("08", "行政奖励", "administrative reward"),
        c("09", "行政裁决", "administrative adjudication"),
        c("10", "其他行政权力", "other administrative power"),
        c("20", "公共服务", "public service"),
    ],
};

/// 行使层级 — GB/T 39046 表A.2.
pub const LEVELS: CodeTable = CodeTable {
    key: "exercise_level",
    zh: "行使层级",
    en: "exercising level",
    entries: &[
        c("1", "国家级", "national"),
        c("2", "省级", "provincial"),
        c("3", "市级", "municipal"),
        c("4", "县级", "county"),
        c("5", "镇（乡、街道）级", "township"),
        c("6", "村（社区）级", "village"),
        c("7", "分级管理", "tiered"),
    ],
};

/// 实施主体性质 — GB/T 39046 表A.3.
pub const SUBJECT_NATURE: CodeTable = CodeTable {
    key: "subject_nature",
    zh: "实施主体性质",
    en: "nature of the implementing body",
    entries: &[
        c("1", "法定机关", "statutory authority"),
        c("2", "授权组织", "authorised organisation"),
        c("3", "受委托组织", "entrusted organisation"),
        c("9", "其他", "other"),
    ],
};

/// 权力来源 — national exchange `power_source` (docs/standards/service-items.md §4.3, V2).
pub const POWER_SOURCE: CodeTable = CodeTable {
    key: "power_source",
    zh: "权力来源",
    en: "source of power",
    entries: &[
        c("1", "法定本级行使", "statutory, exercised at this level"),
        c("2", "上级下放", "delegated down by a higher level"),
        c("3", "上级授权", "authorised by a higher level"),
        c("4", "同级授权", "authorised at the same level"),
        c("5", "上级委托", "entrusted by a higher level"),
        c("6", "同级委托", "entrusted at the same level"),
    ],
};

/// 服务对象 — GB/T 39046 表A.4 (the national exchange numbers 5/6 differently; translate there).
pub const SERVICE_OBJECTS: CodeTable = CodeTable {
    key: "service_object",
    zh: "服务对象",
    en: "service object",
    entries: &[
        c("1", "自然人", "natural person"),
        c("2", "企业法人", "enterprise"),
        c("3", "事业法人", "public institution"),
        c("4", "社会组织法人", "social organisation"),
        c("5", "行政机关", "government body"),
        c("6", "其他组织", "other organisation"),
    ],
};

/// 办理形式 — GB/T 39046 表A.5.
pub const HANDLING_FORMS: CodeTable = CodeTable {
    key: "handling_form",
    zh: "办理形式",
    en: "handling form",
    entries: &[
        c("1", "窗口办理", "at a window"),
        c("2", "电脑端网上办理", "online (computer)"),
        c("3", "移动端网上申请", "online (mobile)"),
        c("4", "快递申请", "by post or courier"),
        c("9", "其他", "other"),
    ],
};

/// 办件类型 — GB/T 39046 表A.6.
pub const CASE_TYPES: CodeTable = CodeTable {
    key: "case_type",
    zh: "办件类型",
    en: "case type",
    entries: &[c("1", "即办件", "instant"), c("2", "承诺件", "promised")],
};

/// 时限单位 — not coded nationally [U]; own codes. Working days are the default for
/// administrative licensing (行政许可法 §82).
pub const TIME_UNITS: CodeTable = CodeTable {
    key: "time_unit",
    zh: "时限单位",
    en: "time-limit unit",
    entries: &[
        c("1", "工作日", "working days"),
        c("2", "自然日", "calendar days"),
        c("3", "小时", "hours"),
        c("4", "月", "months"),
        c("5", "年", "years"),
    ],
};

/// 网上办理深度 — capability codes, multi-valued (docs/standards/service-items.md §4.7, V2).
pub const ONLINE_DEPTH: CodeTable = CodeTable {
    key: "online_depth",
    zh: "网上办理深度",
    en: "online handling depth",
    entries: &[
        c("1", "互联网咨询", "online enquiry"),
        c("2", "互联网收件", "online receipt of materials"),
        c("3", "互联网预审", "online pre-check"),
        c("4", "互联网受理", "online acceptance"),
        c("5", "互联网办理", "online handling"),
        c("6", "互联网办理结果信息反馈", "online result notification"),
        c(
            "7",
            "互联网电子证照反馈",
            "electronic licence delivered online",
        ),
        c("8", "其他", "other"),
    ],
};

/// 网办深度等级 Ⅰ–Ⅳ — derived ([`crate::model::Elements::online_level`]); only Ⅳ's name is
/// attested (全程网办), the others are the common usage [U].
pub const ONLINE_LEVELS: CodeTable = CodeTable {
    key: "online_level",
    zh: "网办深度等级",
    en: "online level",
    entries: &[
        c("0", "不支持网办", "not online"),
        c("1", "Ⅰ级（网上咨询）", "level I (enquiry)"),
        c("2", "Ⅱ级（网上预审）", "level II (pre-check)"),
        c(
            "3",
            "Ⅲ级（网上受理，到现场一次）",
            "level III (online acceptance, one visit)",
        ),
        c("4", "Ⅳ级（全程网办）", "level IV (fully online)"),
    ],
};

/// 通办范围 — GB/T 39046 lists the values without codes [U]; own codes.
pub const CROSS_SCOPES: CodeTable = CodeTable {
    key: "cross_scope",
    zh: "通办范围",
    en: "cross-region scope",
    entries: &[
        c("1", "全国通办", "nationwide"),
        c("2", "跨省通办", "across provinces"),
        c("3", "全省通办", "province-wide"),
        c("4", "全市通办", "city-wide"),
        c("5", "全县通办", "county-wide"),
    ],
};

/// 审批结果类型 — labels attested, codes [U].
pub const RESULT_TYPES: CodeTable = CodeTable {
    key: "result_type",
    zh: "审批结果类型",
    en: "result type",
    entries: &[
        c("1", "出证办结", "a licence or certificate"),
        c("2", "出文办结", "an official document"),
        c("3", "审批办结", "an approval"),
        c("9", "其他", "other"),
    ],
};

/// 材料来源渠道 — own codes [U].
pub const MATERIAL_SOURCES: CodeTable = CodeTable {
    key: "material_source",
    zh: "材料来源",
    en: "material source",
    entries: &[
        c("1", "申请人自备", "provided by the applicant"),
        c("2", "政府部门核发", "issued by a government department"),
        c("3", "中介机构出具", "issued by an intermediary"),
        c("9", "其他", "other"),
    ],
};

/// 材料形式 — own codes [U].
pub const MATERIAL_FORMATS: CodeTable = CodeTable {
    key: "material_format",
    zh: "材料形式",
    en: "material form",
    entries: &[
        c("1", "纸质", "paper"),
        c("2", "电子", "electronic"),
        c("3", "纸质或电子", "paper or electronic"),
    ],
};

/// 自然人服务主题 (life events of a person) — national names, own codes [U].
pub const PERSONAL_THEMES: CodeTable = CodeTable {
    key: "personal_theme",
    zh: "自然人主题",
    en: "personal life event",
    entries: &[
        c("P01", "生育收养", "birth and adoption"),
        c("P02", "户籍办理", "household registration"),
        c("P03", "教育科研", "education and research"),
        c("P04", "入伍服役", "military service"),
        c("P05", "就业创业", "employment and entrepreneurship"),
        c("P06", "婚姻登记", "marriage registration"),
        c("P07", "职业资格", "professional qualifications"),
        c("P08", "社会保障", "social security"),
        c("P09", "医疗卫生", "health care"),
        c("P10", "住房保障", "housing"),
        c("P11", "交通出行", "transport"),
        c("P12", "证件办理", "identity documents"),
        c("P13", "出境入境", "exit and entry"),
        c("P14", "民族宗教", "ethnic and religious affairs"),
        c("P15", "优待抚恤", "veterans' benefits"),
        c("P16", "规划建设", "planning and construction"),
        c("P17", "公用事业", "public utilities"),
        c("P18", "司法公证", "justice and notarisation"),
        c("P19", "知识产权", "intellectual property"),
        c("P20", "文化体育", "culture and sports"),
        c("P21", "离职退休", "retirement"),
        c("P22", "死亡殡葬", "death and funerals"),
        c("P23", "抵押质押", "mortgages and pledges"),
        c("P24", "行政缴费", "administrative fees"),
        c("P99", "其他", "other"),
    ],
};

/// 法人服务主题 (life events of an enterprise) — national names, own codes [U].
pub const ENTERPRISE_THEMES: CodeTable = CodeTable {
    key: "enterprise_theme",
    zh: "法人主题",
    en: "enterprise life event",
    entries: &[
        c("E01", "设立变更", "setting up and changes"),
        c("E02", "准营准办", "operating permits"),
        c("E03", "资质认证", "qualifications"),
        c("E04", "年检年审", "annual inspections"),
        c("E05", "税收财务", "tax and finance"),
        c("E06", "人力资源", "human resources"),
        c("E07", "社会保障", "social security"),
        c("E08", "投资审批", "investment approval"),
        c("E09", "融资信贷", "finance and credit"),
        c("E10", "抵押质押", "mortgages and pledges"),
        c("E11", "商务贸易", "commerce and trade"),
        c("E12", "招标拍卖", "tenders and auctions"),
        c("E13", "海关口岸", "customs and ports"),
        c("E14", "涉外服务", "foreign affairs"),
        c("E15", "农林牧渔", "agriculture, forestry and fishery"),
        c("E16", "规划建设", "planning and construction"),
        c("E17", "交通运输", "transport"),
        c("E18", "环保绿化", "environment"),
        c("E19", "安全生产", "work safety"),
        c("E20", "公安消防", "public security and fire"),
        c("E21", "医疗卫生", "health"),
        c("E22", "知识产权", "intellectual property"),
        c("E23", "文体教育", "culture and education"),
        c("E24", "公用事业", "public utilities"),
        c("E25", "破产注销", "bankruptcy and deregistration"),
        c("E99", "其他", "other"),
    ],
};

/// Every table, for the code-table API and documentation.
pub const ALL_TABLES: &[&CodeTable] = &[
    &ITEM_TYPES,
    &LEVELS,
    &SUBJECT_NATURE,
    &POWER_SOURCE,
    &SERVICE_OBJECTS,
    &HANDLING_FORMS,
    &CASE_TYPES,
    &TIME_UNITS,
    &ONLINE_DEPTH,
    &ONLINE_LEVELS,
    &CROSS_SCOPES,
    &RESULT_TYPES,
    &MATERIAL_SOURCES,
    &MATERIAL_FORMATS,
    &PERSONAL_THEMES,
    &ENTERPRISE_THEMES,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tables_have_unique_codes_and_labels() {
        let mut keys = HashSet::new();
        for t in ALL_TABLES {
            assert!(keys.insert(t.key));
            let mut codes = HashSet::new();
            let mut names = HashSet::new();
            for e in t.entries {
                assert!(codes.insert(e.code), "{} {}", t.key, e.code);
                assert!(names.insert(e.zh), "{} {}", t.key, e.zh);
            }
        }
    }

    #[test]
    fn parse_accepts_code_or_label() {
        assert_eq!(ITEM_TYPES.parse("01"), Some("01"));
        assert_eq!(ITEM_TYPES.parse("行政许可"), Some("01"));
        assert_eq!(ITEM_TYPES.parse("public service"), Some("20"));
        assert_eq!(
            ITEM_TYPES.field("item_type", "99").unwrap_err().rule,
            "code.unknown"
        );
    }
}
