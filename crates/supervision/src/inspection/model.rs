//! Inputs and views of random inspection (the wire and the pages use them as they are).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::draw::{DrawInput, DrawOutcome, Quota};

time::serde::format_description!(pub ymd, Date, "[year]-[month]-[day]");

/// The result codes of an inspection (检查结果, docs/standards §10; labels vary by regulator).
pub const RESULT_CODES: &[(&str, &str, &str)] = &[
    ("no_problem", "未发现问题", "No problem found"),
    (
        "corrected",
        "发现问题已责令改正",
        "Problems found, ordered to correct",
    ),
    (
        "not_publicised",
        "未按规定公示应当公示的信息",
        "Required information not publicised",
    ),
    (
        "uncooperative",
        "不配合检查情节严重",
        "Seriously uncooperative with the inspection",
    ),
    (
        "unreachable",
        "通过登记的住所（经营场所）无法联系",
        "Not reachable at the registered address",
    ),
    (
        "transferred",
        "发现问题待后续处理（移送）",
        "Problems found, referred for further action",
    ),
    (
        "closed",
        "已注销或已歇业",
        "Deregistered or no longer operating",
    ),
];

/// The label of a result code in Chinese and English.
pub fn result_label(code: &str) -> Option<(&'static str, &'static str)> {
    RESULT_CODES
        .iter()
        .find(|r| r.0 == code)
        .map(|r| (r.1, r.2))
}

/// Working days after the inspection's end within which the results must be public.
pub const PUBLISH_WITHIN_WORKING_DAYS: u32 = 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ItemInput {
    pub code: String,
    pub name: String,
    pub department_id: i64,
    /// 检查依据: the law, regulation or rule that allows the inspection.
    pub legal_basis: String,
    /// 检查对象: e.g. 企业, 食品经营者.
    pub object_type: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemView {
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub department_name: String,
    pub legal_basis: String,
    pub object_type: String,
    pub active: bool,
}

/// One entity of the pool (名录库).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EntityInput {
    pub uscc: String,
    pub name: String,
    /// 分层: risk class or industry group used for quotas.
    pub stratum: String,
    pub industry: String,
    pub division: String,
    /// Comma-separated risk flags (经营异常, 投诉多 …).
    pub risk_flags: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EntityView {
    pub uscc: String,
    pub name: String,
    pub stratum: String,
    pub industry: String,
    pub division: String,
    pub risk_flags: String,
    pub active: bool,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PoolImportReport {
    pub imported: usize,
    pub total: i64,
}

/// An inspector of the pool (执法检查人员名录库).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct InspectorInput {
    /// A staff account (its name, department and division are taken from it).
    pub staff_id: i64,
    /// 执法证号 (required).
    pub cert_no: String,
    /// The item codes the inspector is qualified for.
    pub item_codes: Vec<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InspectorView {
    pub staff_id: i64,
    pub name: String,
    pub cert_no: String,
    pub department_id: i64,
    pub item_codes: Vec<String>,
    pub division: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConflictInput {
    pub staff_id: i64,
    pub uscc: String,
    /// 回避理由 (kept internal; the published inputs carry only the pair).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConflictView {
    pub staff_id: i64,
    pub uscc: String,
    pub reason: String,
}

/// Which entities of the pool a plan inspects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PlanFilter {
    /// A division code prefix (e.g. 440802 for 赤坎区); empty for all.
    pub division: String,
    /// Only these strata (empty for all).
    pub strata: Vec<String>,
    /// Only entities whose industry contains this text (empty for all).
    pub industry: String,
}

/// The quotas of a plan: a default for every stratum, and overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PlanQuotas {
    pub default: Option<Quota>,
    pub strata: BTreeMap<String, Quota>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanInput {
    pub title: String,
    pub department_id: i64,
    pub item_codes: Vec<String>,
    #[serde(default)]
    pub filter: PlanFilter,
    pub quotas: PlanQuotas,
    pub team_size: u64,
    /// How the public entropy will be obtained, announced before the draw (e.g. "the 福彩3D
    /// numbers of the draw day").
    pub entropy_source: String,
    /// Inspections end by this day (YYYY-MM-DD).
    #[serde(with = "ymd")]
    pub deadline: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InspectionPlanView {
    pub plan_no: String,
    pub title: String,
    pub department_id: i64,
    pub department_name: String,
    pub items: Vec<ItemView>,
    pub filter: PlanFilter,
    pub quotas: PlanQuotas,
    pub team_size: u64,
    pub entropy_source: String,
    #[serde(with = "ymd")]
    pub deadline: Date,
    /// draft | drawn | published
    pub status: String,
    #[serde(with = "ymd::option")]
    pub finished_on: Option<Date>,
    /// The last day the results may be published (20 working days after the inspection's end);
    /// `None` before the end, or while that stretch needs a year whose holiday arrangement is
    /// not loaded.
    #[serde(with = "ymd::option")]
    pub publish_due: Option<Date>,
    /// True when the results are (or were) published after `publish_due`.
    pub publish_late: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
}

/// One drawn entity's team and result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InspectionResultView {
    pub position: i64,
    pub uscc: String,
    pub name: String,
    pub stratum: String,
    pub inspectors: Vec<TeamMember>,
    pub result_code: Option<String>,
    pub result_zh: Option<String>,
    pub result_en: Option<String>,
    #[serde(with = "ymd::option")]
    pub inspected_on: Option<Date>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamMember {
    pub staff_id: i64,
    pub name: String,
    pub cert_no: String,
}

/// A frozen draw as published: its inputs, hashes, seed and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DrawView {
    pub plan_no: String,
    pub algorithm: String,
    pub population_hash: String,
    pub inspectors_hash: String,
    pub seed: String,
    #[serde(with = "time::serde::rfc3339")]
    pub drawn_at: OffsetDateTime,
    pub population_size: usize,
    pub input: DrawInput,
    pub outcome: DrawOutcome,
    pub results: Vec<InspectionResultView>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DrawRequest {
    /// The public entropy observed (e.g. the lottery numbers), as announced in the plan.
    pub public_entropy: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResultInput {
    pub uscc: String,
    pub result_code: String,
    /// The inspection day (required).
    #[serde(with = "ymd::option")]
    pub inspected_on: Option<Date>,
    pub notes: String,
}

/// A plan with its draw (when drawn), as the staff page and the public page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanDetail {
    pub plan: InspectionPlanView,
    pub draw: Option<DrawView>,
}

/// The comparison `yiwang inspection redraw` and the test print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Redraw {
    pub outcome: DrawOutcome,
    pub matches: bool,
}
