//! How the OpenAPI document describes an officer's workflow action (`POST
//! /api/v1/cases/{no}/actions`): the handler reads `cases::ActBody` (the workflow's `Action`
//! flattened beside the revision), whose shape the generator cannot see through; these types
//! spell it out field by field. The rules stay in the domain (`yiwang_cases::transitions`).

use serde::Serialize;
use utoipa::ToSchema;

/// The action taken on the step.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActName {
    /// 签收 a pooled step.
    Claim,
    /// 通过 (an opinion is required).
    Approve,
    /// 退回 to the earlier step `to_step` (an opinion is required).
    Return,
    /// 不予许可: the case ends refused (an opinion is required).
    Refuse,
    /// 转办 to the officer `to`.
    Transfer,
    /// 委派 to the officer `to`.
    Delegate,
    /// 加签 the officer `who`.
    AddSigner,
    /// 减签 the officer `who`.
    RemoveSigner,
    /// 抄送 the officer `who`.
    CopyTo,
    /// 催办.
    Urge,
    /// 撤回 the officer's own last action.
    Recall,
    /// 补正告知 with the `items` to hand in.
    RequestSupplement,
}

/// An officer's workflow action on a case (审批操作).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActRequest {
    /// The case's revision as last read (a stale one is refused with 409).
    pub revision: Option<i64>,
    /// The step to act on, when the officer takes part in several (parallel branches).
    pub step: Option<String>,
    pub action: ActName,
    /// 审批意见: required for `approve`, `refuse` and `return`, at least
    /// `yiwang_cases::transitions::MIN_OPINION_CHARS` (2) characters besides blanks, at most
    /// 1000; without it the answer is 422 with a field error on `opinion`
    /// (rule `case.opinion_required`). Recorded in the case's history and process data.
    #[schema(min_length = 2, max_length = 1000)]
    pub opinion: Option<String>,
    /// The step a `return` goes back to.
    pub to_step: Option<String>,
    /// The officer (staff id) of a `transfer` or `delegate`.
    pub to: Option<i64>,
    /// The officer (staff id) of `add_signer`, `remove_signer`, `copy_to`.
    pub who: Option<i64>,
    /// What a `request_supplement` asks for, one entry each.
    pub items: Option<Vec<String>>,
}
