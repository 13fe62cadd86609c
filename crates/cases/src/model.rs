//! What a case is and how it is shown: statuses, views, inputs.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

time::serde::format_description!(pub ymd, Date, "[year]-[month]-[day]");

/// Where a case stands (docs/standards/cases.md §5.5). Stored as its `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已申报 (online) or 已收件 (window): waiting for the pre-check and acceptance.
    Submitted,
    /// 待补正: before acceptance, the one-time notice (一次性告知) lists what is missing.
    Supplement,
    /// 不予受理 (final).
    NotAccepted,
    /// 办理中: accepted, the workflow runs.
    Handling,
    /// 补正中: during handling, an officer asked for supplements; the clock stops.
    Paused,
    /// 特别程序中 (hearing, inspection, expert review …): the clock stops.
    Special,
    /// 已办结: decided (granted or refused), result code set.
    Concluded,
    /// 已送达: the result reached the applicant (final).
    Delivered,
    /// 已撤回: the applicant withdrew before the decision (final).
    Withdrawn,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Submitted,
        Status::Supplement,
        Status::NotAccepted,
        Status::Handling,
        Status::Paused,
        Status::Special,
        Status::Concluded,
        Status::Delivered,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Supplement => "supplement",
            Status::NotAccepted => "not_accepted",
            Status::Handling => "handling",
            Status::Paused => "paused",
            Status::Special => "special",
            Status::Concluded => "concluded",
            Status::Delivered => "delivered",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|x| x.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Submitted => "待受理",
            Status::Supplement => "待补正",
            Status::NotAccepted => "不予受理",
            Status::Handling => "办理中",
            Status::Paused => "补正中",
            Status::Special => "特别程序中",
            Status::Concluded => "已办结",
            Status::Delivered => "已送达",
            Status::Withdrawn => "已撤回",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Status::Submitted => "awaiting acceptance",
            Status::Supplement => "awaiting supplements",
            Status::NotAccepted => "not accepted",
            Status::Handling => "in progress",
            Status::Paused => "awaiting supplements (clock stopped)",
            Status::Special => "special procedure (clock stopped)",
            Status::Concluded => "concluded",
            Status::Delivered => "delivered",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Accepted and not yet decided: the clock runs (or is stopped) and warnings apply.
    /// The case waits on the applicant: supplements were asked for (待补正 before acceptance,
    /// 补正中 during handling). "My cases" lists these first and marks them.
    pub fn waits_on_applicant(self) -> bool {
        matches!(self, Status::Supplement | Status::Paused)
    }

    pub fn is_open(self) -> bool {
        matches!(self, Status::Handling | Status::Paused | Status::Special)
    }

    /// Nothing more happens to the case (ratings aside).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::NotAccepted | Status::Delivered | Status::Withdrawn
        )
    }

    /// The applicant may still withdraw (before the decision).
    pub fn may_withdraw(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::Supplement
                | Status::Handling
                | Status::Paused
                | Status::Special
        )
    }

    /// 好差评 `proStatus`: 1 待受理, 2 办理中, 3 已办结.
    pub fn pro_status(self) -> &'static str {
        match self {
            Status::Submitted | Status::Supplement => "1",
            Status::Handling | Status::Paused | Status::Special => "2",
            _ => "3",
        }
    }
}

/// Deadline warning colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    None,
    /// 黄牌: one working day (or 20 % of the limit) remains.
    Yellow,
    /// 红牌: overdue.
    Red,
}

impl Warning {
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::None => "none",
            Warning::Yellow => "yellow",
            Warning::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Warning> {
        match s {
            "none" => Some(Warning::None),
            "yellow" => Some(Warning::Yellow),
            "red" => Some(Warning::Red),
            _ => None,
        }
    }
}

/// The decision on an accepted case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 准予.
    Grant,
    /// 不予.
    Refuse,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Grant => "grant",
            Decision::Refuse => "refuse",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "grant" => Some(Decision::Grant),
            "refuse" => Some(Decision::Refuse),
            _ => None,
        }
    }
}

/// 办结结果代码 (docs/standards/cases.md §5.3 BJJGDM) used here.
pub mod result_code {
    /// 出证办结 — the result is a licence (issued by the licence domain).
    pub const ISSUED: &str = "0";
    /// 作废办结 — used for an application the applicant withdrew. [U] the code lists do not
    /// name withdrawal; 作废 is the closest and the counterpart mapping must confirm it.
    pub const VOID: &str = "2";
    /// 准予许可.
    pub const GRANTED: &str = "6";
    /// 不予许可.
    pub const REFUSED: &str = "7";

    pub fn zh(code: &str) -> &'static str {
        match code {
            "0" => "出证办结",
            "1" => "退回办结",
            "2" => "作废办结",
            "5" => "补正不来办结",
            "6" => "准予许可",
            "7" => "不予许可",
            _ => "其他",
        }
    }
}

/// How the result reaches the applicant (送达).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// 窗口领取.
    Window,
    /// 快递送达 (tracking number required).
    Mail,
    /// 电子送达 (the result is online).
    Electronic,
}

impl DeliveryMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMethod::Window => "window",
            DeliveryMethod::Mail => "mail",
            DeliveryMethod::Electronic => "electronic",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryMethod> {
        match s {
            "window" => Some(DeliveryMethod::Window),
            "mail" => Some(DeliveryMethod::Mail),
            "electronic" => Some(DeliveryMethod::Electronic),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            DeliveryMethod::Window => "窗口领取",
            DeliveryMethod::Mail => "邮寄送达",
            DeliveryMethod::Electronic => "电子送达",
        }
    }
}

/// One material in an application: an uploaded file for a checklist entry, proven by the
/// upload's ticket.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MaterialRef {
    /// The checklist entry (`Material::key` of the item, e.g. `M01`).
    pub entry: String,
    /// The ticket returned by the upload.
    pub ticket: String,
    /// Or, instead of a file, the identifier of the applicant's electronic licence that this
    /// entry accepts (免证办): using it authorises the case's department to view it for this
    /// case (用证授权).
    pub licence: String,
}

/// An online application by the signed-in person (for themselves or the enterprise they act
/// for).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Application {
    /// The implementation item (实施编码).
    pub item_code: String,
    /// The form values, keyed by the item's form field keys.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub materials: Vec<MaterialRef>,
    /// 申报来源: `2` computer (default) or `3` mobile.
    pub channel: String,
}

/// Who applies at the window (窗口收件): the clerk enters the applicant's identity.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WindowApplicant {
    /// `person` or `org`.
    pub kind: String,
    /// The person's or the enterprise's name.
    pub name: String,
    /// ID number (person) or USCC (enterprise).
    pub cert_no: String,
    /// The person handling it (for an enterprise, its agent or representative).
    pub contact_name: String,
    pub contact_phone: String,
    /// 法定代表人 (enterprise).
    pub legal_representative: String,
}

/// A window reception: applicant, form and materials.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WindowApplication {
    pub item_code: String,
    pub applicant: WindowApplicant,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub materials: Vec<MaterialRef>,
}

/// An item of the one-time notice (一次性告知): what is missing or wrong, and why.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NoticeItem {
    /// The checklist entry concerned (empty for a form problem).
    pub entry: String,
    pub reason: String,
}

/// A file of a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseMaterial {
    pub entry: String,
    pub entry_name: String,
    pub file_name: String,
    /// SM3 of the content (its address in the file store).
    pub sha: String,
    pub media_type: String,
    pub size: i64,
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    /// For a material replaced by base-library data (`source` `data`, 数据代替材料): where the
    /// fact comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<DataProvenance>,
}

/// Where a fact that replaced a material comes from (数据代替材料): the base library and its
/// attribute, the source resource and data item, and when the value became valid there. The
/// value itself is not kept with the material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataProvenance {
    /// `population` or `legal_person`.
    pub library: String,
    /// The library's attribute that proves the material (`address`, `legal_representative`).
    pub attribute: String,
    /// The source resource's code (前段码/后段码) and name.
    pub resource: String,
    pub resource_name: String,
    /// The source resource's data item.
    pub field: String,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// One event of the case timeline (process data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseEvent {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Actor label (`person:3`, `staff:wang`, `system:…`).
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    /// Chinese and English name of the action.
    pub action_zh: String,
    pub action_en: String,
    pub from_status: String,
    pub to_status: String,
    pub step_code: String,
    pub step_name: String,
    pub opinion: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A special procedure or a wait for supplements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CasePause {
    pub id: i64,
    pub kind: String,
    /// A.7: `1` 延长审批, `2` other (hearing, inspection …); empty for supplements.
    pub special_type: String,
    pub name: String,
    pub reason: String,
    pub expected_days: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub result: String,
    pub opinion: String,
}

/// An active workflow step and who may act on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActiveStep {
    pub code: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// The step's own due date, when it has a time limit.
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub due: Option<Date>,
    /// Officers holding a place (account ids).
    pub officers: Vec<i64>,
    /// Set while the step waits to be claimed: the role and department.
    pub pool_role: Option<String>,
    pub pool_department_id: Option<i64>,
    /// What the step allows (`approve`, `return` …).
    pub actions: Vec<String>,
    /// Earlier steps a return may go to.
    pub return_to: Vec<(String, String)>,
}

/// A case as its applicant or the staff handling it see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub case_no: String,
    pub item_code: String,
    pub item_name: String,
    pub item_version: i64,
    pub department_id: i64,
    pub division_code: String,
    pub case_type: String,
    pub channel: String,
    pub applicant_type: String,
    pub applicant_name: String,
    /// Masked.
    pub applicant_cert: String,
    pub contact_name: String,
    /// Masked.
    pub contact_phone: String,
    pub status: Status,
    pub status_zh: String,
    pub status_en: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub promised_due: Option<Date>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub statutory_due: Option<Date>,
    pub warning: Warning,
    pub decision: Option<Decision>,
    pub decision_opinion: String,
    pub result_code: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub concluded_at: Option<OffsetDateTime>,
    pub delivery_method: Option<DeliveryMethod>,
    pub delivery_ref: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    /// Supplements were requested before acceptance (the one-time notice was given).
    pub notice_given: bool,
    /// Optimistic concurrency: send it back with the next action.
    pub revision: i64,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub materials: Vec<CaseMaterial>,
    pub events: Vec<CaseEvent>,
    pub pauses: Vec<CasePause>,
    pub steps: Vec<ActiveStep>,
    /// The bundle application (一件事) the case is a part of, and the bundle's name.
    pub bundle_no: Option<String>,
    pub bundle_name: Option<String>,
}

/// One line of a case list (inbox, my cases).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct CaseSummary {
    pub case_no: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub applicant_name: String,
    pub status: String,
    pub warning: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub promised_due: Option<Date>,
    pub revision: i64,
}

/// What the public progress query answers: steps and dates, no personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progress {
    pub case_no: String,
    pub item_name: String,
    pub status: Status,
    pub status_zh: String,
    pub status_en: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub promised_due: Option<Date>,
    pub result_zh: Option<String>,
    pub milestones: Vec<Milestone>,
}

/// One milestone of the progress view.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub zh: String,
    pub en: String,
}

/// A row of the supervisor's view: overdue and at-risk cases.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarningRow {
    pub department_id: i64,
    pub department_name: String,
    pub red: i64,
    pub yellow: i64,
    pub open: i64,
    pub cases: Vec<CaseSummary>,
}
