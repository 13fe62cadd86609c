//! What an application for a bundle sends and what its one progress shows: the inputs and
//! views the cases domain (`yiwang_cases::bundle`) answers and the API and pages use.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::rules::Savings;

time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");

/// An application for a bundle by the signed-in person (for themselves, or for the enterprise
/// they act for when the bundle's holder is `org`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct BundleApplication {
    /// The bundle's code; its current published version is used.
    pub bundle: String,
    /// The questionnaire's answers: question key → choice value.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    /// The merged form's values, keyed by the bundle's field keys.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// The one set of materials: each bundle material once.
    pub materials: Vec<BundleMaterialRef>,
    /// 申报来源: `2` computer (default) or `3` mobile.
    pub channel: String,
}

/// One bundle material: an uploaded file's ticket (from the cases upload), or the identifier
/// of the applicant's electronic licence that replaces it (免证办).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct BundleMaterialRef {
    /// The bundle material's key.
    pub material: String,
    pub ticket: String,
    pub licence: String,
}

/// The states of a bundle application (the parent case).
pub const BUNDLE_STATES: &[(&str, &str, &str)] = &[
    ("handling", "办理中", "in progress"),
    ("concluded", "已办结", "concluded"),
    ("withdrawn", "已撤回", "withdrawn"),
];

/// The states of one part.
pub const PART_STATES: &[(&str, &str, &str)] = &[
    (
        "waiting",
        "等待前置事项结果",
        "waiting for another part's result",
    ),
    ("started", "办理中", "in progress"),
    ("concluded", "已办结", "concluded"),
    ("withdrawn", "已撤回", "withdrawn"),
    (
        "cancelled",
        "未启动（前置事项未准予）",
        "not started (a part it needs was not granted)",
    ),
];

/// The outcome of a concluded bundle.
pub const OUTCOMES: &[(&str, &str, &str)] = &[
    ("granted", "全部准予", "all granted"),
    ("partly", "部分准予", "partly granted"),
    ("refused", "均未准予", "none granted"),
];

/// The one progress of a bundle application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleCaseView {
    /// The bundle application's number (一件事申办编号).
    pub bundle_no: String,
    pub bundle_code: String,
    pub bundle_name: String,
    pub bundle_version: i64,
    pub theme: String,
    /// The applicant's name (a person's masked on staff views as on cases) and masked number.
    pub applicant_name: String,
    pub applicant_cert_mask: String,
    /// One of [`BUNDLE_STATES`].
    pub status: String,
    /// One of [`OUTCOMES`] once concluded.
    pub outcome: Option<String>,
    /// `2`/`3` online, `1` at a window (窗口收件).
    pub channel: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// Promised date of the whole bundle (working days from submission), `YYYY-MM-DD`.
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub promised_due: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub concluded_at: Option<OffsetDateTime>,
    /// The questionnaire as answered: question text and the chosen label.
    pub answers: Vec<AnsweredQuestion>,
    pub parts: Vec<PartView>,
    /// The results of the granted parts (licences), shown together once the bundle concluded.
    pub results: Vec<ResultView>,
    pub rating: Option<BundleRatingView>,
    /// What this application saved the applicant against applying for each part alone.
    pub savings: Savings,
    /// Compare-and-set revision for withdrawal and rating.
    pub revision: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnsweredQuestion {
    pub key: String,
    pub question: String,
    pub answer: String,
    pub answer_label: String,
}

/// One department's part of a bundle application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartView {
    pub key: String,
    pub name: String,
    pub item_code: String,
    pub department_id: i64,
    pub department_name: String,
    /// One of [`PART_STATES`].
    pub state: String,
    /// Why a part is waiting, was cancelled or withdrawn (zh, en).
    pub reason_zh: String,
    pub reason_en: String,
    /// Names of the parts it waits for.
    pub waits_for: Vec<String>,
    /// The part's case once started.
    pub case_no: Option<String>,
    /// The case's status (`yiwang_cases::model::Status` as text) and its words.
    pub case_status: Option<String>,
    pub case_status_zh: String,
    pub case_status_en: String,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub promised_due: Option<Date>,
    /// `grant` or `refuse` once decided, with the opinion (a refusal's reason).
    pub decision: Option<String>,
    pub opinion: String,
    /// The one-time notice (一次性告知) waiting on the applicant, when there is one: the
    /// material entries asked for and the note.
    pub notice: Option<String>,
    pub result: Option<ResultView>,
}

/// A result delivered: the licence a granted part issued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResultView {
    pub part: String,
    pub licence_identifier: String,
    pub licence_type: String,
}

/// The one rating for the whole service (好差评, 1–5).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleRatingView {
    pub score: i64,
    pub comment: String,
    #[serde(with = "time::serde::rfc3339")]
    pub rated_at: OffsetDateTime,
}

/// A line of "my bundle applications" and of the staff's bundle list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleCaseSummary {
    pub bundle_no: String,
    pub bundle_code: String,
    pub bundle_name: String,
    pub applicant_name: String,
    pub status: String,
    pub outcome: Option<String>,
    pub parts: i64,
    pub parts_concluded: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub promised_due: Option<Date>,
}

/// Statistics of one bundle over a period: facts the supervision KPIs use.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct BundleStats {
    pub bundle_code: String,
    pub bundle_name: String,
    pub submitted: i64,
    pub concluded: i64,
    pub withdrawn: i64,
    /// Concluded within the bundle's promised time.
    pub on_time: i64,
    /// Average working days from submission to conclusion of the concluded ones.
    pub avg_days: Option<f64>,
    /// The bundle's promised days and the average sum of its applied parts' promised days.
    pub promised_days: i64,
    pub avg_items_days: Option<f64>,
    /// Totals over the period's applications: on-site visits saved (跑动次数), item fields
    /// and merged fields (减环节: the fields not typed again), checklist entries and bundle
    /// materials (减材料).
    pub visits_saved: i64,
    pub item_fields: i64,
    pub asked_fields: i64,
    pub item_materials: i64,
    pub asked_materials: i64,
}
