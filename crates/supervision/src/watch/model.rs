//! The types of electronic supervision: monitoring rules (as stored and as parsed), warnings
//! with their supervision case, the handling actions and the filter of the warnings list.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// What a monitoring rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// An open case near or past its time limit (the deadline sweep's yellow and red).
    Overdue,
    /// Approved too soon after acceptance for the materials to have been read.
    FastApproval,
    /// Returned or sent back for supplements repeatedly.
    RepeatedReturns,
    /// Decided on a non-working day or outside working hours.
    OffHours,
    /// The approver shares the applicant's surname and declared home address (回避).
    Relative,
}

impl RuleKind {
    pub const ALL: &'static [RuleKind] = &[
        RuleKind::Overdue,
        RuleKind::FastApproval,
        RuleKind::RepeatedReturns,
        RuleKind::OffHours,
        RuleKind::Relative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Overdue => "overdue",
            RuleKind::FastApproval => "fast_approval",
            RuleKind::RepeatedReturns => "repeated_returns",
            RuleKind::OffHours => "off_hours",
            RuleKind::Relative => "relative",
        }
    }

    pub fn parse(s: &str) -> Option<RuleKind> {
        RuleKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            RuleKind::Overdue => "超期预警",
            RuleKind::FastApproval => "审批过快",
            RuleKind::RepeatedReturns => "多次退回补正",
            RuleKind::OffHours => "非工作时间审批",
            RuleKind::Relative => "亲属回避",
        }
    }
}

/// A monitoring rule (监察规则) as stored; `params` is the kind's settings object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MonitorRule {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `overdue`, `fast_approval`, `repeated_returns`, `off_hours` or `relative`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub params: Value,
    /// `yellow` or `red` (for `overdue`, the case's own colour counts).
    pub severity: String,
    pub active: bool,
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

/// A rule to create or change (by its code, in the path).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RuleInput {
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub params: Value,
    pub severity: String,
    pub active: bool,
}

/// A rule's settings, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    Overdue,
    FastApproval {
        seconds_per_material: i64,
        min_seconds: i64,
    },
    RepeatedReturns {
        min_returns: i64,
    },
    OffHours {
        /// Minutes after midnight (Asia/Shanghai) the working day starts and ends.
        start: i64,
        end: i64,
        working_days_only: bool,
    },
    Relative,
}

/// The outcome a supervision case concludes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 属实已整改
    Rectified,
    /// 不属实
    Unfounded,
    /// 已问责
    Accountable,
    /// 情况属实但有正当理由
    Justified,
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Rectified,
        Outcome::Unfounded,
        Outcome::Accountable,
        Outcome::Justified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Rectified => "rectified",
            Outcome::Unfounded => "unfounded",
            Outcome::Accountable => "accountable",
            Outcome::Justified => "justified",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.iter().copied().find(|o| o.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Outcome::Rectified => "属实已整改",
            Outcome::Unfounded => "不属实",
            Outcome::Accountable => "已问责",
            Outcome::Justified => "有正当理由",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Outcome::Rectified => "confirmed and rectified",
            Outcome::Unfounded => "unfounded",
            Outcome::Accountable => "held accountable",
            Outcome::Justified => "justified",
        }
    }
}

/// One entry of a warning's supervision case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WarningNote {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_name: String,
    /// `take`, `note`, `directive` or `conclude`.
    pub kind: String,
    pub text: String,
}

/// A warning (监察预警, GB/T 39046 表11) and its supervision case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WarningView {
    pub id: i64,
    /// 监察编号
    pub warning_no: String,
    /// 监察规则编号
    pub rule_code: String,
    pub rule_name_zh: String,
    pub rule_name_en: String,
    /// 办件编号
    pub case_no: String,
    /// What makes the warning unique on its case (the colour, the event, the approver).
    pub subject: String,
    /// 机构 / 责任部门
    pub department_id: i64,
    pub department_name: String,
    pub division_code: String,
    pub item_code: String,
    pub item_name: String,
    /// 事项类型
    pub case_type: String,
    /// 监察预警类型: 1 yellow, 2 red.
    pub level: i64,
    /// `yellow` or `red`.
    pub colour: String,
    /// 状态产生时间
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub raised_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub detected_at: OffsetDateTime,
    /// 监察结果描述
    pub description: String,
    /// `open`, `handling` or `concluded`.
    pub status: String,
    pub handler_id: Option<i64>,
    pub handler_name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub taken_at: Option<OffsetDateTime>,
    /// 督办内容
    pub directive: String,
    /// 督办发出时间
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub directive_at: Option<OffsetDateTime>,
    pub outcome: Option<String>,
    pub outcome_zh: Option<String>,
    pub conclusion: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub concluded_at: Option<OffsetDateTime>,
    pub revision: i64,
    /// The supervision case's history (only in the one-warning view).
    pub notes: Vec<WarningNote>,
}

/// A page of warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WarningPage {
    pub items: Vec<WarningView>,
    pub total: i64,
}

/// The filter of the warnings list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct WarningFilter {
    /// A rule's code.
    pub rule: Option<String>,
    /// `yellow` or `red`.
    pub colour: Option<String>,
    /// `open`, `handling`, `concluded` or `unconcluded`.
    pub status: Option<String>,
    pub department_id: Option<i64>,
    /// A case number.
    pub case_no: Option<String>,
    /// At most this many (1–200, default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// An action on a warning's supervision case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WarningAction {
    /// `take` (受理), `note` (记录), `directive` (督办) or `conclude` (办结).
    pub action: String,
    /// The note, the directive's content (督办内容) or the conclusion.
    pub text: String,
    /// For `conclude`: `rectified`, `unfounded`, `accountable` or `justified`.
    pub outcome: Option<String>,
    /// The revision the caller saw (a stale one is a conflict).
    pub revision: Option<i64>,
}

/// What one scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScanReport {
    /// Process events read.
    pub events: i64,
    /// Open cases with a deadline colour looked at.
    pub overdue_cases: i64,
    /// New warnings raised.
    pub raised: i64,
    /// The last process event read (the cursor).
    pub cursor: i64,
}
