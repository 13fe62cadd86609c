//! Basic directory items, implementation items, their versions and elements (GB/T 39046 表4).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_forms::FormField;
use yiwang_workflow::Definition;

use crate::codes::{self, CodeTable};

/// A basic directory item (基本目录): the elements shared by every level that claims it
/// (三级四同: name, code, type, legal basis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct BasicItem {
    pub id: i64,
    /// 基本编码, at most 12 characters `[0-9A-Z]`.
    pub code: String,
    pub name: String,
    /// 事项类型 code (GB/T 39046 表A.1).
    pub item_type: String,
    /// 设定依据.
    pub legal_basis: String,
    /// 基本编码 of the main item when this is a sub-item (子项).
    pub parent_code: String,
    /// Suggested exercising levels (codes of 表A.2, comma-separated).
    pub levels: String,
    pub statutory_limit: Option<i64>,
    pub statutory_unit: String,
    /// `active` or `retired`.
    pub status: String,
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct BasicItemInput {
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub legal_basis: String,
    pub parent_code: String,
    pub levels: String,
    pub statutory_limit: Option<i64>,
    pub statutory_unit: String,
}

/// One material (申请材料) of an item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Material {
    /// Stable key within the item (kept across versions; cases link to it).
    pub key: String,
    pub name: String,
    /// 来源渠道 code ([`codes::MATERIAL_SOURCES`]).
    pub source: String,
    /// 出具机构 (for materials issued by someone else).
    pub issuer: String,
    /// 原件份数.
    pub originals: i64,
    /// 复印件份数.
    pub copies: i64,
    /// 是否必备材料.
    pub required: bool,
    /// When the material is needed if it is not always needed (情形说明).
    pub condition: String,
    /// 材料形式 code ([`codes::MATERIAL_FORMATS`]).
    pub format: String,
    /// 受理标准 / 填报须知.
    pub notes: String,
    /// Blank form (空白表格): address of the downloadable file.
    pub blank_form: String,
    /// Filled-in example (示例样表): address of the downloadable file.
    pub sample: String,
    /// The electronic licence type (证照类型代码, 21 characters) that may replace this material
    /// (免证办); empty when none.
    pub licence_type: String,
    /// The base library whose record of the applicant replaces this material (数据代替材料):
    /// `population` (人口库: the applicant's registered address, e.g. for 户口簿/居住证明) or
    /// `legal_person` (法人库: the enterprise's registration, e.g. for 营业执照); empty when
    /// none ([`DATA_REPLACEMENTS`]). When the library holds the record, the material is not
    /// asked for and the case records the fact used instead.
    pub replaced_by: String,
}

/// The base libraries a material may be replaced by (数据代替材料): code, Chinese, English.
pub const DATA_REPLACEMENTS: &[(&str, &str, &str)] = &[
    ("population", "人口库", "population library"),
    ("legal_person", "法人库", "legal-person library"),
];

/// One fee item (收费项目).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Fee {
    pub name: String,
    /// 收费标准, e.g. `每件10元`.
    pub standard: String,
    pub basis: String,
    /// 是否允许减免.
    pub reducible: bool,
}

/// One frequently asked question (常见问题).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// One step of the handling process (办理流程), with its time limit in the promised unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProcessStep {
    pub name: String,
    pub limit: i64,
    pub description: String,
}

/// Every element of an implementation item version (GB/T 39046 表4 and the national exchange
/// fields), as edited and as published. Stored as one JSON document per version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Elements {
    // Inherited from the basic directory (三级四同): cannot be changed locally.
    /// 事项名称.
    pub name: String,
    /// 基本编码.
    pub basic_code: String,
    /// 事项类型 code.
    pub item_type: String,
    /// 设定依据.
    pub legal_basis: String,

    // Implementing body.
    /// 实施主体 (filled from the department).
    pub department_name: String,
    /// 实施主体代码: USCC of the department.
    pub department_uscc: String,
    /// 行使层级 code.
    pub exercise_level: String,
    /// 实施主体性质 code.
    pub subject_nature: String,
    /// 权力来源 code.
    pub power_source: String,
    /// 权限划分.
    pub authority_division: String,
    /// 行使内容.
    pub exercise_content: String,
    /// 共同实施部门.
    pub joint_departments: String,
    /// 承办机构.
    pub handling_body: String,

    // Conditions and process.
    /// 受理条件.
    pub acceptance_conditions: String,
    /// 办理流程 (narrative).
    pub process: String,
    /// 办理流程 (table of steps).
    pub process_steps: Vec<ProcessStep>,
    /// 特别程序.
    pub special_procedures: String,
    /// 中介服务.
    pub intermediary_services: String,
    /// 数量限制.
    pub quantity_limit: String,

    // Time limits.
    /// 法定办结时限 (0 = 即办).
    pub statutory_limit: i64,
    pub statutory_unit: String,
    pub statutory_note: String,
    /// 承诺办结时限 (0 = 即办).
    pub promised_limit: i64,
    pub promised_unit: String,
    pub promised_note: String,
    /// 办件类型 code (1 即办件, 2 承诺件).
    pub case_type: String,

    // Result.
    pub result_type: String,
    pub result_name: String,
    /// 结果样本: address of the sample file.
    pub result_sample: String,

    // Fees.
    pub is_fee: bool,
    pub fee_basis: String,
    pub fees: Vec<Fee>,

    // Who and what.
    /// 服务对象 codes.
    pub service_objects: Vec<String>,
    /// 自然人主题 codes.
    pub personal_themes: Vec<String>,
    /// 法人主题 codes.
    pub enterprise_themes: Vec<String>,
    /// Search keywords (comma- or space-separated).
    pub keywords: String,

    // Channels.
    /// 办理形式 codes.
    pub handling_forms: Vec<String>,
    /// 网上办理深度 codes.
    pub online_depth: Vec<String>,
    /// 网办地址.
    pub online_url: String,
    /// 到办事现场次数.
    pub visits: i64,
    /// 必须现场办理原因说明.
    pub visits_reason: String,
    /// 通办范围 code (empty = not handled across regions).
    pub cross_scope: String,
    /// 是否支持预约办理.
    pub appointment: bool,
    /// 是否支持网上支付.
    pub online_payment: bool,
    /// 是否支持物流快递 (results delivered by post).
    pub express: bool,
    /// 是否进驻政务服务大厅.
    pub in_hall: bool,

    // Where, when, whom to ask.
    /// 办理地点.
    pub location: String,
    /// 办理时间.
    pub hours: String,
    /// 咨询电话.
    pub consult_phone: String,
    /// 监督投诉电话.
    pub supervise_phone: String,
    pub faqs: Vec<Faq>,

    /// 申请材料.
    pub materials: Vec<Material>,

    /// 申请表单: the fields an applicant fills in ([`yiwang_forms`]).
    pub form: Vec<FormField>,
    /// 办理流程: the case workflow (stages, parallel groups, steps; `yiwang_workflow`), when the
    /// item declares one. Its JSON shape is documented in `yiwang_workflow::Definition`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub workflow: Option<Definition>,
}

/// The time-limit reduction rate (时间压减率) = (statutory − promised) / statutory, when both
/// are in the same unit and the statutory limit is not instant.
pub fn reduction_rate(e: &Elements) -> Option<f64> {
    if e.statutory_limit > 0 && e.statutory_unit == e.promised_unit && e.promised_limit >= 0 {
        Some((e.statutory_limit - e.promised_limit) as f64 / e.statutory_limit as f64)
    } else {
        None
    }
}

impl Elements {
    pub fn reduction_rate(&self) -> Option<f64> {
        reduction_rate(self)
    }

    /// Summary online level Ⅰ–Ⅳ from the depth capabilities and visits (docs/standards/service-items.md §4.7: only
    /// Ⅳ = 全程网办 is attested; the lower levels follow common usage [U]):
    /// Ⅳ = enquiry … result feedback all online (1–6) and no visit; Ⅲ = online acceptance (4);
    /// Ⅱ = online receipt or pre-check (2, 3); Ⅰ = online enquiry only; 0 = none.
    pub fn online_level(&self) -> i64 {
        let has = |c: &str| self.online_depth.iter().any(|d| d == c);
        if ["1", "2", "3", "4", "5", "6"].iter().all(|c| has(c)) && self.visits == 0 {
            4
        } else if has("4") || has("5") {
            3
        } else if has("2") || has("3") {
            2
        } else if has("1") {
            1
        } else {
            0
        }
    }

    /// Whether a citizen can apply for the item on this platform: it is offered online
    /// (办理形式 电脑端/移动端网上办理) and accepted online (网上办理深度 4 网上受理 or beyond).
    /// An item only pre-checked online (Ⅱ) or enquired online (Ⅰ) is done at a window: its
    /// guide says where to go instead of offering "在线申请".
    pub fn applies_online(&self) -> bool {
        self.handling_forms.iter().any(|f| f == "2" || f == "3") && self.online_level() >= 3
    }

    /// 免证办: every material can be replaced by an electronic licence.
    pub fn licence_free(&self) -> bool {
        !self.materials.is_empty()
            && self
                .materials
                .iter()
                .all(|m| !m.licence_type.trim().is_empty())
    }

    pub fn is_instant(&self) -> bool {
        self.case_type == "1"
    }

    /// The text searched by keyword: name, keywords, theme names, result name.
    pub fn search_fields(&self) -> Vec<String> {
        let mut v = vec![self.name.clone()];
        v.extend(
            self.keywords
                .split([',', '，', ';', '；', ' ', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        for (table, codes) in [
            (&codes::PERSONAL_THEMES, &self.personal_themes),
            (&codes::ENTERPRISE_THEMES, &self.enterprise_themes),
        ] {
            for c in codes {
                if let Some(e) = table.get(c) {
                    v.push(e.zh.to_string());
                }
            }
        }
        if !self.result_name.is_empty() {
            v.push(self.result_name.clone());
        }
        v
    }

    /// Copies the inherited elements from a basic item (三级四同).
    pub fn inherit(&mut self, b: &BasicItem) {
        self.name = b.name.clone();
        self.basic_code = b.code.clone();
        self.item_type = b.item_type.clone();
        self.legal_basis = b.legal_basis.clone();
    }

    /// Gives every material without a key a fresh one (`M01`, `M02`, … not yet used).
    pub fn assign_material_keys(&mut self) {
        let mut next = 1;
        let used: Vec<String> = self.materials.iter().map(|m| m.key.clone()).collect();
        for m in &mut self.materials {
            if m.key.trim().is_empty() {
                loop {
                    let k = format!("M{next:02}");
                    next += 1;
                    if !used.contains(&k) {
                        m.key = k;
                        break;
                    }
                }
            }
        }
    }
}

/// Status of one version of an implementation item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// 草稿: being edited.
    Draft,
    /// 待审核: submitted for review.
    Submitted,
    /// 已发布: the version citizens see.
    Published,
    /// 已被替代: an earlier published version replaced by a newer one.
    Superseded,
    /// 已下线: the item was retired (取消).
    Retired,
}

impl VersionStatus {
    pub const ALL: &'static [VersionStatus] = &[
        VersionStatus::Draft,
        VersionStatus::Submitted,
        VersionStatus::Published,
        VersionStatus::Superseded,
        VersionStatus::Retired,
    ];

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
        VersionStatus::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            VersionStatus::Draft => "草稿",
            VersionStatus::Submitted => "待审核",
            VersionStatus::Published => "已发布",
            VersionStatus::Superseded => "已被新版本替代",
            VersionStatus::Retired => "已下线",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Submitted => "awaiting review",
            VersionStatus::Published => "published",
            VersionStatus::Superseded => "superseded",
            VersionStatus::Retired => "retired",
        }
    }
}

/// Status of an implementation item as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Claimed, never published yet.
    Draft,
    /// Has a published version.
    Published,
    /// Retired (取消): no longer offered.
    Retired,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Published => "published",
            ItemStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<ItemStatus> {
        match s {
            "draft" => Some(ItemStatus::Draft),
            "published" => Some(ItemStatus::Published),
            "retired" => Some(ItemStatus::Retired),
            _ => None,
        }
    }
}

/// One version of an implementation item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemVersion {
    pub version_no: i64,
    pub status: VersionStatus,
    /// Optimistic-concurrency revision of a draft: send it back when saving.
    pub revision: i64,
    pub elements: Elements,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub submitted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<String>,
    pub review_note: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
}

/// An implementation item (实施清单) with its current versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: i64,
    /// 实施编码.
    pub code: String,
    pub basic_item_id: i64,
    pub department_id: i64,
    pub division_code: String,
    pub division_name: String,
    pub status: ItemStatus,
    pub published_version: Option<i64>,
    pub latest_version: i64,
    /// The version citizens see (absent before the first publication and after retirement).
    pub published: Option<ItemVersion>,
    /// The version being edited or reviewed, if any (only for callers allowed to see drafts).
    pub open: Option<ItemVersion>,
}

/// One row of the "who did what" history of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct HistoryEntry {
    pub version_no: i64,
    pub action: String,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub note: String,
}

/// A published item as listed in search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct ItemSummary {
    pub item_id: i64,
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub department_id: i64,
    pub department_name: String,
    pub division_code: String,
    pub case_type: String,
    pub online_level: i64,
    pub visits: i64,
    pub cross_scope: String,
    pub promised_limit: i64,
    pub promised_unit: String,
    pub statutory_limit: i64,
    pub statutory_unit: String,
    pub licence_free: bool,
}

/// An item in an administrator's list (any status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct AdminItemRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    /// Filled in from the org domain after the read (no catalog query joins its tables).
    #[sqlx(default)]
    pub department_name: String,
    pub division_code: String,
    pub status: String,
    pub published_version: Option<i64>,
    pub latest_version: i64,
    /// Status of the latest version.
    pub latest_status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Looks up a code's label for display.
pub fn label(table: &CodeTable, code: &str, lang: yiwang_kernel::i18n::Lang) -> String {
    table.label(code, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduction_rate_needs_same_unit_and_a_statutory_limit() {
        let mut e = Elements {
            statutory_limit: 20,
            statutory_unit: "1".into(),
            promised_limit: 5,
            promised_unit: "1".into(),
            ..Default::default()
        };
        assert_eq!(e.reduction_rate(), Some(0.75));
        e.promised_unit = "2".into();
        assert_eq!(e.reduction_rate(), None);
        e.promised_unit = "1".into();
        e.statutory_limit = 0;
        assert_eq!(e.reduction_rate(), None);
    }

    #[test]
    fn only_an_item_accepted_online_is_applied_for_online() {
        let mut e = Elements {
            handling_forms: vec!["1".into(), "2".into()],
            online_depth: vec!["1".into(), "2".into(), "3".into()],
            visits: 1,
            ..Default::default()
        };
        assert!(!e.applies_online(), "pre-checked online, done at a window");
        e.online_depth.push("4".into());
        assert!(e.applies_online(), "accepted online");
        e.handling_forms = vec!["1".into()];
        assert!(!e.applies_online(), "offered at a window only");
    }

    #[test]
    fn online_levels() {
        let mut e = Elements::default();
        assert_eq!(e.online_level(), 0);
        e.online_depth = vec!["1".into()];
        assert_eq!(e.online_level(), 1);
        e.online_depth.push("3".into());
        assert_eq!(e.online_level(), 2);
        e.online_depth.push("4".into());
        e.visits = 1;
        assert_eq!(e.online_level(), 3);
        e.online_depth = ["1", "2", "3", "4", "5", "6"].map(String::from).to_vec();
        assert_eq!(e.online_level(), 3);
        e.visits = 0;
        assert_eq!(e.online_level(), 4);
    }

    #[test]
    fn material_keys_are_stable_and_fresh() {
        let mut e = Elements {
            materials: vec![
                Material {
                    key: "M02".into(),
                    ..Default::default()
                },
                Material::default(),
                Material::default(),
            ],
            ..Default::default()
        };
        e.assign_material_keys();
        let keys: Vec<&str> = e.materials.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["M02", "M01", "M03"]);
    }

    #[test]
    fn versions_stored_before_forms_and_workflows_still_load() {
        let old: Elements =
            serde_json::from_str(r#"{"name": "出生登记", "materials": [{"key": "M01"}]}"#).unwrap();
        assert!(old.form.is_empty() && old.workflow.is_none());
        assert_eq!(old.materials[0].key, "M01");
        let v = serde_json::to_value(Elements::default()).unwrap();
        assert_eq!(v["form"], serde_json::json!([]));
        assert!(v.get("workflow").is_none());
    }

    #[test]
    fn licence_free_needs_every_material_replaceable() {
        let mut e = Elements::default();
        assert!(!e.licence_free());
        e.materials = vec![Material {
            licence_type: "11100000000013127D001".into(),
            ..Default::default()
        }];
        assert!(e.licence_free());
        e.materials.push(Material::default());
        assert!(!e.licence_free());
    }
}
