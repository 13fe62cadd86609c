//! The lifecycle of a bundle version, as plain rules: which action is allowed in which status
//! and where it leads. Like items': a draft is edited and submitted; a reviewer approves
//! (publishes) or rejects it; a rejected version is edited again; a published version never
//! changes — a new version starts as its copy — and is superseded by the next publication or
//! retired.

use yiwang_kernel::{Error, ErrorCode};

/// Statuses of a version.
pub const DRAFT: &str = "draft";
pub const SUBMITTED: &str = "submitted";
pub const PUBLISHED: &str = "published";
pub const REJECTED: &str = "rejected";
pub const SUPERSEDED: &str = "superseded";
pub const RETIRED: &str = "retired";

/// Every version status with its words (zh, en).
pub const VERSION_STATES: &[(&str, &str, &str)] = &[
    (DRAFT, "草稿", "draft"),
    (SUBMITTED, "待审核", "submitted for review"),
    (PUBLISHED, "已发布", "published"),
    (REJECTED, "已退回", "returned"),
    (SUPERSEDED, "已被新版本替代", "superseded"),
    (RETIRED, "已下线", "retired"),
];

/// Statuses of a bundle: never published yet, offered, or no longer offered.
pub const BUNDLE_STATES: &[(&str, &str, &str)] = &[
    (DRAFT, "未发布", "not yet published"),
    (PUBLISHED, "已发布", "published"),
    (RETIRED, "已下线", "retired"),
];

/// An action on a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Submit,
    Approve,
    Reject,
    Retire,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Retire => "retire",
        }
    }
}

/// Whether a version in this status is frozen (its definition never changes again).
pub fn frozen(status: &str) -> bool {
    matches!(status, PUBLISHED | SUPERSEDED | RETIRED)
}

/// Whether a version in this status is still being worked on (at most one per bundle).
pub fn open(status: &str) -> bool {
    matches!(status, DRAFT | SUBMITTED | REJECTED)
}

/// Where `action` leads from `from`, or `invalid_state` naming both.
pub fn transition(from: &str, action: Action) -> Result<&'static str, Error> {
    let to = match (from, action) {
        (DRAFT | REJECTED, Action::Edit) => Some(DRAFT),
        (DRAFT | REJECTED, Action::Submit) => Some(SUBMITTED),
        (SUBMITTED, Action::Approve) => Some(PUBLISHED),
        (SUBMITTED, Action::Reject) => Some(REJECTED),
        (PUBLISHED, Action::Retire) => Some(RETIRED),
        _ => None,
    };
    to.ok_or_else(|| {
        let (zh, en) = words(from);
        Error::new(ErrorCode::InvalidState).with_detail(
            format!("版本状态为“{zh}”，不能执行该操作（{}）", action.as_str()),
            format!(
                "The version is {en}: it cannot be done ({})",
                action.as_str()
            ),
        )
    })
}

/// A version status's words (zh, en); the code itself when unknown.
pub fn words(status: &str) -> (&str, &str) {
    VERSION_STATES
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or((status, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_transitions() {
        let all = [DRAFT, SUBMITTED, PUBLISHED, REJECTED, SUPERSEDED, RETIRED];
        let acts = [
            Action::Edit,
            Action::Submit,
            Action::Approve,
            Action::Reject,
            Action::Retire,
        ];
        let mut allowed = Vec::new();
        for s in all {
            for a in acts {
                if let Ok(to) = transition(s, a) {
                    allowed.push((s, a, to));
                } else {
                    assert_eq!(
                        transition(s, a).err().map(|e| e.code),
                        Some(ErrorCode::InvalidState)
                    );
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (DRAFT, Action::Edit, DRAFT),
                (DRAFT, Action::Submit, SUBMITTED),
                (SUBMITTED, Action::Approve, PUBLISHED),
                (SUBMITTED, Action::Reject, REJECTED),
                (PUBLISHED, Action::Retire, RETIRED),
                (REJECTED, Action::Edit, DRAFT),
                (REJECTED, Action::Submit, SUBMITTED),
            ]
        );
    }

    #[test]
    fn frozen_and_open_split_the_statuses() {
        for (s, _, _) in VERSION_STATES {
            assert_ne!(frozen(s), open(s), "{s}");
        }
        assert_eq!(words("published"), ("已发布", "published"));
        assert_eq!(words("odd"), ("odd", "odd"));
    }
}
