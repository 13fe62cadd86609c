//! The resource catalog's vocabulary (政务信息资源目录, docs/standards STANDARDS §8.2–8.3): data-item
//! type codes, sharing, open and update-cycle attributes, formats, the classification and the
//! resource code, a data item with its quality rules, and a resource version.
//!
//! Pure: no SQL, no clock. Every enum has a stable stored code (`code`/`parse`) and a Chinese
//! label (`zh`); serde uses the stored code.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $v:ident => ($code:literal, $zh:literal, $en:literal), )* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $code)] $v, )*
        }

        // Written by hand: the derive cannot read a `rename` passed through this macro, and
        // would document the variants' Rust names instead of the stored codes.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),*]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$v, )* ];
            /// The stored and exchanged code.
            pub fn code(self) -> &'static str { match self { $( $name::$v => $code, )* } }
            pub fn zh(self) -> &'static str { match self { $( $name::$v => $zh, )* } }
            pub fn en(self) -> &'static str { match self { $( $name::$v => $en, )* } }
            /// Reads the code or the Chinese label (as people write it in a spreadsheet).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $( if s == $code || s == $zh { return Some($name::$v); } )*
                None
            }
        }
    };
}

coded! {
    /// 信息项数据类型 (STANDARDS §8.3; identical in ≥4 independent codebases).
    ItemType {
        Char => ("C", "字符型", "character"),
        Numeric => ("N", "数值型", "numeric"),
        Currency => ("Y", "货币型", "currency"),
        Date => ("D", "日期型", "date"),
        DateTime => ("T", "日期时间型", "date-time"),
        Logical => ("L", "逻辑型", "logical"),
        Memo => ("M", "备注型", "memo"),
        General => ("G", "通用型", "general"),
        Double => ("B", "双精度型", "double"),
        Integer => ("I", "整型", "integer"),
        Float => ("F", "浮点型", "float"),
    }
}

coded! {
    /// 共享类型 (国发〔2016〕51号): who may obtain the resource.
    ShareType {
        /// 无条件共享: every government department, granted at once (still logged).
        Unconditional => ("unconditional", "无条件共享", "unconditional"),
        /// 有条件共享: the provider decides each request within 10 working days.
        Conditional => ("conditional", "有条件共享", "conditional"),
        /// 不予共享: never provided; the legal basis is recorded and quoted on refusal.
        NotShared => ("not_shared", "不予共享", "not shared"),
    }
}

coded! {
    /// 开放类型 (local rules) — whether the resource is opened to the public.
    OpenType {
        Unconditional => ("unconditional", "无条件开放", "open"),
        Conditional => ("conditional", "有条件开放", "open with conditions"),
        NotOpen => ("not_open", "不予开放", "not open"),
    }
}

coded! {
    /// 更新周期.
    UpdateCycle {
        Realtime => ("realtime", "实时", "real time"),
        Daily => ("daily", "每日", "daily"),
        Weekly => ("weekly", "每周", "weekly"),
        Monthly => ("monthly", "每月", "monthly"),
        Quarterly => ("quarterly", "每季度", "quarterly"),
        HalfYearly => ("half_yearly", "每半年", "half-yearly"),
        Yearly => ("yearly", "每年", "yearly"),
        Irregular => ("irregular", "不定期", "irregular"),
    }
}

impl UpdateCycle {
    /// How many days old the latest load may be before the resource counts as stale (not
    /// "mounted with fresh data" on the responsibility list). `None` for irregular resources.
    /// Real-time resources are given one day.
    pub fn max_age_days(self) -> Option<i64> {
        match self {
            UpdateCycle::Realtime | UpdateCycle::Daily => Some(1),
            UpdateCycle::Weekly => Some(7),
            UpdateCycle::Monthly => Some(31),
            UpdateCycle::Quarterly => Some(92),
            UpdateCycle::HalfYearly => Some(183),
            UpdateCycle::Yearly => Some(366),
            UpdateCycle::Irregular => None,
        }
    }
}

coded! {
    /// 信息资源格式 (编制指南 top-level formats).
    ResourceFormat {
        ElectronicFile => ("file", "电子文件", "electronic file"),
        Spreadsheet => ("spreadsheet", "电子表格", "spreadsheet"),
        Database => ("database", "数据库", "database"),
        Image => ("image", "图形图像", "graphics and images"),
        Streaming => ("streaming", "流媒体", "streaming media"),
        SelfDescribing => ("self_describing", "自描述格式", "self-describing format"),
        ServiceInterface => ("service", "服务接口", "service interface"),
    }
}

coded! {
    /// 共享方式.
    ShareMethod {
        Database => ("database", "共享平台-数据库", "platform: database"),
        FileDownload => ("file", "共享平台-文件下载", "platform: file download"),
        ServiceInterface => ("api", "共享平台-服务接口", "platform: service interface"),
    }
}

coded! {
    /// 资源属性分类 — the 类 digit of the classification.
    Category {
        Base => ("1", "基础信息资源", "base information resource"),
        Theme => ("2", "主题信息资源", "thematic information resource"),
        Department => ("3", "部门信息资源", "departmental information resource"),
    }
}

/// A quality rule of one data item, checked on every load (归集). The collection module decides
/// them; the catalog only stores them with the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum QualityRule {
    /// The value must be present (not blank).
    Required,
    /// At most this many characters (Unicode scalar values).
    MaxLength { max: u32 },
    /// The whole value matches this regular expression.
    Pattern { pattern: String },
    /// A citizen ID number with a correct check character (GB 11643).
    IdNumber,
    /// A unified social credit code with a correct check character (GB 32100).
    Uscc,
    /// One of these values.
    CodeList { values: Vec<String> },
    /// A date (`YYYY-MM-DD`) within the range, ends included (ends written `YYYY-MM-DD`).
    DateRange {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// No two rows of one load (and of the current data) share the value.
    Unique,
    /// The value is the key of a current row of another resource (by its code).
    Reference { resource: String },
}

/// One column of a resource (信息项): name, type, length, whether it is part of the key, and its
/// quality rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataItem {
    /// 信息项名称, unique within the resource; also the key of the value in a stored row.
    pub name: String,
    /// The item's English/identifier name used by the data API (`[a-z][a-z0-9_]*`).
    pub field: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// 数据长度 (characters); `None` where the type has no length (dates, logical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Part of the resource's key (ID number, USCC…). A resource has at least one key item.
    #[serde(default)]
    pub key: bool,
    /// Personal data: masked in views unless the reader's grant includes the item.
    #[serde(default)]
    pub personal: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<QualityRule>,
}

/// A resource's classification (信息资源分类): 类 (1 digit) / 项 (2) / 目 (3) / 细目 (0–6 digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Classification(pub String);

impl Classification {
    pub fn parse(s: &str) -> Result<Classification> {
        let s = s.trim();
        let ok = (6..=12).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_digit())
            && Category::parse(&s[..1]).is_some();
        if ok {
            Ok(Classification(s.to_string()))
        } else {
            Err(field_error(
                "classification",
                "exchange.classification",
                "信息资源分类应为数字：类（1 位，1 基础/2 主题/3 部门）+ 项（2 位）+ 目（3 位）+ 细目（0–6 位）",
                "The classification is digits: category (1: 1 base, 2 theme, 3 department) + item (2) + entry (3) + sub-entry (0–6)",
            ))
        }
    }
    pub fn category(&self) -> Category {
        Category::parse(&self.0[..1]).unwrap_or(Category::Department)
    }
    /// 类 / 项 / 目 / 细目 as written in the catalog.
    pub fn parts(&self) -> (&str, &str, &str, &str) {
        let s = self.0.as_str();
        (&s[..1], &s[1..3], &s[3..6], &s[6..])
    }
}

/// 信息资源代码 `前段码/后段码`: the classification, a slash, a 6-digit sequence within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct ResourceCode(pub String);

impl ResourceCode {
    pub fn new(class: &Classification, seq: u32) -> ResourceCode {
        ResourceCode(format!("{}/{:06}", class.0, seq))
    }
    pub fn parse(s: &str) -> Result<ResourceCode> {
        let s = s.trim();
        let bad = || {
            field_error(
                "code",
                "exchange.resource_code",
                "信息资源代码应为“前段码/后段码”，如 101001/000001",
                "A resource code is \"classification/sequence\", e.g. 101001/000001",
            )
        };
        let (front, back) = s.split_once('/').ok_or_else(bad)?;
        Classification::parse(front).map_err(|_| bad())?;
        if back.len() != 6 || !back.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(ResourceCode(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lifecycle of a resource version, like the service catalog's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Submitted,
    Published,
    /// Replaced by a later published version (still readable: grants name the version they saw).
    Superseded,
    Retired,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Submitted => "submitted",
            VersionStatus::Published => "published",
            VersionStatus::Superseded => "superseded",
            VersionStatus::Retired => "retired",
        }
    }
    pub fn parse(s: &str) -> Option<VersionStatus> {
        Some(match s {
            "draft" => VersionStatus::Draft,
            "submitted" => VersionStatus::Submitted,
            "published" => VersionStatus::Published,
            "superseded" => VersionStatus::Superseded,
            "retired" => VersionStatus::Retired,
            _ => return None,
        })
    }
}

/// The metadata of one resource version (核心元数据 beyond code and provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResourceMeta {
    /// 信息资源名称.
    pub name: String,
    /// 信息资源摘要.
    #[serde(default)]
    pub summary: String,
    pub format: ResourceFormat,
    /// 信息项 in order; at least one is a key item.
    pub items: Vec<DataItem>,
    pub share_type: ShareType,
    /// 共享条件 (required for conditional sharing).
    #[serde(default)]
    pub share_condition: String,
    /// Legal or policy basis; required for conditional and not-shared resources.
    #[serde(default)]
    pub share_basis: String,
    pub share_method: ShareMethod,
    pub open_type: OpenType,
    #[serde(default)]
    pub open_condition: String,
    pub update_cycle: UpdateCycle,
    /// 关联资源代码.
    #[serde(default)]
    pub related: Vec<String>,
}

impl ResourceMeta {
    /// The key items in order.
    pub fn key_items(&self) -> impl Iterator<Item = &DataItem> {
        self.items.iter().filter(|i| i.key)
    }
    pub fn item(&self, field: &str) -> Option<&DataItem> {
        self.items.iter().find(|i| i.field == field)
    }

    /// The shape rules checked on every save: names, fields, lengths, keys, sharing basis.
    pub fn check(&self) -> Result<()> {
        let mut errs = Vec::new();
        let mut push = |f: &str, rule: &str, zh: String, en: String| {
            errs.push(FieldError::new(f, rule, zh, en));
        };
        if self.name.trim().is_empty() {
            push(
                "name",
                "required",
                "请填写信息资源名称".into(),
                "The resource name is required".into(),
            );
        }
        if self.items.is_empty() {
            push(
                "items",
                "required",
                "至少要有一个信息项".into(),
                "At least one data item is required".into(),
            );
        }
        if self.key_items().next().is_none() && !self.items.is_empty() {
            push(
                "items",
                "exchange.key_item",
                "至少一个信息项须标为主键（如身份证号、统一社会信用代码）".into(),
                "At least one data item must be a key item (e.g. ID number, USCC)".into(),
            );
        }
        let mut seen_names = std::collections::HashSet::new();
        let mut seen_fields = std::collections::HashSet::new();
        for (n, i) in self.items.iter().enumerate() {
            let f = format!("items[{n}]");
            if i.name.trim().is_empty() {
                push(
                    &format!("{f}.name"),
                    "required",
                    "请填写信息项名称".into(),
                    "The data item name is required".into(),
                );
            } else if !seen_names.insert(i.name.trim().to_string()) {
                push(
                    &format!("{f}.name"),
                    "exchange.duplicate_item",
                    format!("信息项“{}”重复", i.name),
                    format!("Data item \"{}\" appears twice", i.name),
                );
            }
            let field_ok = i
                .field
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase())
                && i.field
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && i.field.len() <= 64;
            if !field_ok {
                push(
                    &format!("{f}.field"),
                    "exchange.field_name",
                    format!(
                        "信息项“{}”的字段名须为小写字母开头的字母、数字或下划线（≤64）",
                        i.name
                    ),
                    format!(
                        "The field name of \"{}\" must be lower-case letters, digits or underscores, starting with a letter (≤ 64)",
                        i.name
                    ),
                );
            } else if !seen_fields.insert(i.field.clone()) {
                push(
                    &format!("{f}.field"),
                    "exchange.duplicate_item",
                    format!("字段名“{}”重复", i.field),
                    format!("Field name \"{}\" appears twice", i.field),
                );
            }
            for r in &i.rules {
                if let Some((rule, zh, en)) = rule_problem(r) {
                    push(
                        &format!("{f}.rules.{rule}"),
                        &format!("exchange.{rule}"),
                        format!("信息项“{}”：{zh}", i.name),
                        format!("Data item \"{}\": {en}", i.name),
                    );
                }
            }
            if i.length == Some(0) || i.length.is_some_and(|l| l > 4000) {
                push(
                    &format!("{f}.length"),
                    "exchange.item_length",
                    "数据长度应在 1–4000 之间".into(),
                    "The data length is 1–4000".into(),
                );
            }
        }
        let needs_basis = matches!(
            self.share_type,
            ShareType::Conditional | ShareType::NotShared
        );
        if needs_basis && self.share_basis.trim().is_empty() {
            push(
                "share_basis",
                "exchange.share_basis",
                "有条件共享和不予共享须写明法律、法规或政策依据".into(),
                "Conditional and not-shared resources need a legal or policy basis".into(),
            );
        }
        if self.share_type == ShareType::Conditional && self.share_condition.trim().is_empty() {
            push(
                "share_condition",
                "required",
                "有条件共享须写明共享条件".into(),
                "Conditional sharing needs its condition".into(),
            );
        }
        for (n, r) in self.related.iter().enumerate() {
            if ResourceCode::parse(r).is_err() {
                push(
                    &format!("related[{n}]"),
                    "exchange.resource_code",
                    format!("关联资源代码“{r}”格式不对（如 101001/000001）"),
                    format!("Related resource code \"{r}\" is malformed (e.g. 101001/000001)"),
                );
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Error {
                fields: errs,
                ..Error::new(ErrorCode::Validation)
            })
        }
    }
}

/// A resource (one code, one provider) with one of its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Resource {
    pub id: i64,
    pub code: ResourceCode,
    pub classification: Classification,
    /// The provider department (信息资源提供方).
    pub department_id: i64,
    pub version: i64,
    pub status: VersionStatus,
    pub meta: ResourceMeta,
    /// 发布日期 of this version (set when published), `YYYY-MM-DD`.
    #[serde(default, with = "ymd::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub publish_date: Option<Date>,
}

time::serde::format_description!(pub ymd, Date, "[year]-[month]-[day]");

/// What is wrong with a quality rule as written (its stored name, then the problem in Chinese
/// and English), or `None`: a length of 1–4000, a pattern that compiles (≤ 500 characters), a
/// code list of 1–1000 values of ≤ 100 characters, a date range written `YYYY-MM-DD` with its
/// start not after its end, a reference to a well-formed resource code.
pub fn rule_problem(r: &QualityRule) -> Option<(&'static str, String, String)> {
    match r {
        QualityRule::MaxLength { max } if *max == 0 || *max > 4000 => Some((
            "max_length",
            "长度上限应在 1–4000 之间".into(),
            "the maximum length is 1–4000".into(),
        )),
        QualityRule::Pattern { pattern } => {
            let n = pattern.chars().count();
            if n == 0 || n > 500 {
                return Some((
                    "pattern",
                    "格式规则（正则表达式）应为 1–500 字".into(),
                    "the pattern (regular expression) is 1–500 characters".into(),
                ));
            }
            regex::Regex::new(&format!("^(?:{pattern})$"))
                .err()
                .map(|_| {
                    (
                        "pattern",
                        format!("格式规则“{pattern}”不是有效的正则表达式"),
                        format!("the pattern \"{pattern}\" is not a valid regular expression"),
                    )
                })
        }
        QualityRule::CodeList { values } => {
            let bad = values.is_empty()
                || values.len() > 1000
                || values
                    .iter()
                    .any(|v| v.trim().is_empty() || v.chars().count() > 100);
            bad.then(|| {
                (
                    "code_list",
                    "代码表应有 1–1000 个取值，每个不超过 100 字".into(),
                    "a code list has 1–1000 values of at most 100 characters".into(),
                )
            })
        }
        QualityRule::DateRange { from, to } => {
            let read = |d: &Option<String>| d.as_deref().map(parse_ymd);
            match (read(from), read(to)) {
                (Some(None), _) | (_, Some(None)) => Some((
                    "date_range",
                    "日期范围应写作 YYYY-MM-DD".into(),
                    "the date range is written YYYY-MM-DD".into(),
                )),
                (None, None) => Some((
                    "date_range",
                    "日期范围至少要有起或止".into(),
                    "a date range needs a start or an end".into(),
                )),
                (Some(Some(a)), Some(Some(b))) if a > b => Some((
                    "date_range",
                    "日期范围的起始日期不能晚于截止日期".into(),
                    "the range starts after it ends".into(),
                )),
                _ => None,
            }
        }
        QualityRule::Reference { resource } => ResourceCode::parse(resource).err().map(|_| {
            (
                "reference",
                format!("引用的信息资源代码“{resource}”格式不对（如 101001/000001）"),
                format!(
                    "the referenced resource code \"{resource}\" is malformed (e.g. 101001/000001)"
                ),
            )
        }),
        _ => None,
    }
}

/// Reads `YYYY-MM-DD`.
pub fn parse_ymd(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), f).ok()
}

pub(crate) fn field_error(field: &str, rule: &str, zh: &str, en: &str) -> Error {
    Error {
        fields: vec![FieldError::new(field, rule, zh, en)],
        ..Error::new(ErrorCode::Validation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_type_codes_are_the_eleven_of_the_standard() {
        let codes: String = ItemType::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes, "CNYDTLMGBIF");
        assert_eq!(ItemType::parse("日期型"), Some(ItemType::Date));
        assert_eq!(ItemType::parse("X"), None);
    }

    #[test]
    fn resource_codes_are_classification_slash_six_digits() {
        assert!(ResourceCode::parse("101001/000001").is_ok());
        assert!(ResourceCode::parse("301002001/000123").is_ok());
        for bad in [
            "101001",
            "101001/1",
            "901001/000001",
            "10100/000001",
            "1010a1/000001",
            "101001/0000011",
        ] {
            assert!(ResourceCode::parse(bad).is_err(), "{bad}");
        }
        let c = Classification::parse("201003").unwrap();
        assert_eq!(c.category(), Category::Theme);
        assert_eq!(c.parts(), ("2", "01", "003", ""));
        assert_eq!(ResourceCode::new(&c, 7).0, "201003/000007");
    }

    #[test]
    fn quality_rules_are_checked_as_written() {
        let ok = [
            QualityRule::Required,
            QualityRule::MaxLength { max: 18 },
            QualityRule::Pattern {
                pattern: "[0-9]{6}".into(),
            },
            QualityRule::CodeList {
                values: vec!["1".into(), "2".into()],
            },
            QualityRule::DateRange {
                from: Some("1900-01-01".into()),
                to: None,
            },
            QualityRule::Reference {
                resource: "101001/000001".into(),
            },
        ];
        for r in &ok {
            assert_eq!(rule_problem(r), None, "{r:?}");
        }
        let date = |f: Option<&str>, t: Option<&str>| QualityRule::DateRange {
            from: f.map(str::to_string),
            to: t.map(str::to_string),
        };
        let bad = [
            (QualityRule::MaxLength { max: 0 }, "max_length"),
            (QualityRule::MaxLength { max: 4001 }, "max_length"),
            (
                QualityRule::Pattern {
                    pattern: "([0-9]".into(),
                },
                "pattern",
            ),
            (
                QualityRule::Pattern {
                    pattern: String::new(),
                },
                "pattern",
            ),
            (QualityRule::CodeList { values: vec![] }, "code_list"),
            (
                QualityRule::CodeList {
                    values: vec!["1".into(), " ".into()],
                },
                "code_list",
            ),
            (date(Some("2026-13-01"), None), "date_range"),
            (date(None, None), "date_range"),
            (date(Some("2026-02-01"), Some("2026-01-31")), "date_range"),
            (
                QualityRule::Reference {
                    resource: "101001".into(),
                },
                "reference",
            ),
        ];
        for (r, rule) in &bad {
            assert_eq!(rule_problem(r).map(|p| p.0), Some(*rule), "{r:?}");
        }
        // In a resource, the problem is named by the item's row and the rule.
        let mut meta = crate::fixtures::population_meta(ShareType::Unconditional);
        meta.items[2].rules.push(QualityRule::Pattern {
            pattern: "(".into(),
        });
        let e = meta.check().unwrap_err();
        assert_eq!(e.fields[0].field, "items[2].rules.pattern");
        assert!(e.fields[0].zh.contains("性别"), "{}", e.fields[0].zh);
    }

    #[test]
    fn quality_rules_are_tagged_json() {
        let r: Vec<QualityRule> = serde_json::from_str(
            r#"[{"rule":"required"},{"rule":"max_length","max":18},{"rule":"code_list","values":["1","2"]},{"rule":"date_range","from":"1900-01-01"}]"#,
        )
        .unwrap();
        assert_eq!(r[1], QualityRule::MaxLength { max: 18 });
        assert!(matches!(
            r[3],
            QualityRule::DateRange {
                from: Some(_),
                to: None
            }
        ));
    }
}
