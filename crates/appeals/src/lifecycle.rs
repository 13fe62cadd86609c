//! The work order's state machine, pure: which action a status allows and where it leads.
//! Who may take an action (permission, assignment, ownership) is the service's decision; the
//! pages ask [`allowed`] to offer only what the status allows.
//!
//! ```text
//! received ──dispatch──▶ dispatched ──sign──▶ signed ──handle──▶ handling ──reply──▶ replied
//!    ▲                      │  ▲                 │                  │                 │ │
//!    └──────return──────────┘  └───transfer──────┴──────────────────┘    redo/reopen ◀┘ │
//!                                                                                      visit
//! replied/visited ──archive──▶ archived          any open ──merge──▶ merged            ▼
//!                                                                                   visited
//! ```
//!
//! Extension requests and supervision (督办) leave the status alone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Status;

/// Everything that can happen to an order after intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 派单: to a grid (its workers) or a department.
    Dispatch,
    /// 签收.
    Sign,
    /// 转办: to another grid or department, with a reason.
    Transfer,
    /// 退单: back to the dispatcher, with a reason.
    Return,
    /// 延期申请: more working days, with a reason; the dispatcher decides.
    RequestExtension,
    /// 延期审批.
    DecideExtension,
    /// 办理记录: what was done, optionally with photos.
    Handle,
    /// 反馈/答复: the reply to the citizen (办结).
    Reply,
    /// 退回重办: the dispatcher finds the reply wanting.
    Redo,
    /// 回访: the citizen's satisfaction, recorded by the citizen or an operator.
    Visit,
    /// 重新办理: the citizen is not satisfied and the problem is not solved.
    Reopen,
    /// 督办: a supervisor's note on an order, with a level.
    Supervise,
    /// 合并: a duplicate folded into another order.
    Merge,
    /// 归档.
    Archive,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Dispatch,
        Action::Sign,
        Action::Transfer,
        Action::Return,
        Action::RequestExtension,
        Action::DecideExtension,
        Action::Handle,
        Action::Reply,
        Action::Redo,
        Action::Visit,
        Action::Reopen,
        Action::Supervise,
        Action::Merge,
        Action::Archive,
    ];

    /// The stored event kind (`appeal_events.kind`) and audit suffix (`appeal.<kind>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Sign => "sign",
            Action::Transfer => "transfer",
            Action::Return => "return",
            Action::RequestExtension => "request_extension",
            Action::DecideExtension => "decide_extension",
            Action::Handle => "handle",
            Action::Reply => "reply",
            Action::Redo => "redo",
            Action::Visit => "visit",
            Action::Reopen => "reopen",
            Action::Supervise => "supervise",
            Action::Merge => "merge",
            Action::Archive => "archive",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Action::Dispatch => "派单",
            Action::Sign => "签收",
            Action::Transfer => "转办",
            Action::Return => "退单",
            Action::RequestExtension => "延期申请",
            Action::DecideExtension => "延期审批",
            Action::Handle => "办理记录",
            Action::Reply => "答复",
            Action::Redo => "退回重办",
            Action::Visit => "回访",
            Action::Reopen => "重新办理",
            Action::Supervise => "督办",
            Action::Merge => "合并",
            Action::Archive => "归档",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Sign => "sign for",
            Action::Transfer => "transfer",
            Action::Return => "return",
            Action::RequestExtension => "request an extension",
            Action::DecideExtension => "decide an extension",
            Action::Handle => "record handling",
            Action::Reply => "reply",
            Action::Redo => "send back to redo",
            Action::Visit => "follow up",
            Action::Reopen => "reopen",
            Action::Supervise => "supervise",
            Action::Merge => "merge",
            Action::Archive => "archive",
        }
    }

    /// Whether the action must state a reason or content (转办、退单、延期、退回重办、重新办理、督办
    /// and the reply itself).
    pub fn needs_text(self) -> bool {
        matches!(
            self,
            Action::Transfer
                | Action::Return
                | Action::RequestExtension
                | Action::Handle
                | Action::Reply
                | Action::Redo
                | Action::Reopen
                | Action::Supervise
        )
    }
}

/// Where `action` leads from `status`; `None` when the status does not allow it.
pub fn next(status: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (action, status) {
        (A::Dispatch, S::Received | S::Dispatched) => Some(S::Dispatched),
        (A::Sign, S::Dispatched) => Some(S::Signed),
        (A::Transfer, S::Dispatched | S::Signed | S::Handling) => Some(S::Dispatched),
        (A::Return, S::Dispatched | S::Signed) => Some(S::Received),
        (A::RequestExtension | A::DecideExtension, S::Signed | S::Handling) => Some(status),
        (A::Handle, S::Signed | S::Handling) => Some(S::Handling),
        (A::Reply, S::Signed | S::Handling) => Some(S::Replied),
        (A::Redo, S::Replied) => Some(S::Handling),
        (A::Visit, S::Replied) => Some(S::Visited),
        (A::Reopen, S::Replied | S::Visited) => Some(S::Handling),
        (A::Supervise, s) if s.is_open() => Some(s),
        (A::Merge, s) if s.is_open() => Some(S::Merged),
        (A::Archive, S::Replied | S::Visited | S::ClosedDirect) => Some(S::Archived),
        _ => None,
    }
}

/// The actions `status` allows, in the order pages offer them.
pub fn allowed(status: Status) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| next(status, *a).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let mut s = Status::Received;
        for a in [
            Action::Dispatch,
            Action::Sign,
            Action::Handle,
            Action::Reply,
            Action::Visit,
            Action::Archive,
        ] {
            s = next(s, a).expect("the happy path is allowed");
        }
        assert_eq!(s, Status::Archived);
    }

    #[test]
    fn returns_go_back_to_the_dispatcher_and_need_a_reason() {
        assert_eq!(next(Status::Signed, Action::Return), Some(Status::Received));
        assert_eq!(next(Status::Handling, Action::Return), None);
        assert!(Action::Return.needs_text());
        assert!(Action::Transfer.needs_text());
        assert!(!Action::Sign.needs_text());
    }

    #[test]
    fn a_dissatisfied_citizen_reopens() {
        assert_eq!(
            next(Status::Visited, Action::Reopen),
            Some(Status::Handling)
        );
        assert_eq!(next(Status::Archived, Action::Reopen), None);
        assert_eq!(next(Status::Merged, Action::Reopen), None);
    }

    fn any_status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }
    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        /// Nothing leaves a final state but archiving; merged and archived orders are final.
        #[test]
        fn final_states_stay_final(s in any_status(), a in any_action()) {
            if matches!(s, Status::Merged | Status::Archived) {
                prop_assert_eq!(next(s, a), None);
            }
            if let Some(n) = next(s, a) {
                prop_assert!(allowed(s).contains(&a));
                // Supervision and extensions never change the status.
                if matches!(a, Action::Supervise | Action::RequestExtension | Action::DecideExtension) {
                    prop_assert_eq!(n, s);
                }
            }
        }

        /// Action codes round-trip.
        #[test]
        fn action_codes_round_trip(a in any_action()) {
            prop_assert_eq!(Action::parse(a.as_str()), Some(a));
        }
    }
}
