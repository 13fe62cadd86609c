//! The lifecycle of an implementation item's versions, as plain rules.
//!
//! ```text
//!            edit            submit              approve
//!  (claim) ─▶ Draft ◀──────▶ ...  Draft ──────▶ Submitted ─────────▶ Published ──▶ Retired
//!              ▲  withdraw / reject │                                   │ (next approval)
//!              └────────────────────┘                                   ▼
//!                                                                   Superseded
//! ```
//! * At most one *open* version (draft or submitted) per item; a new version starts as a copy
//!   of the published one ("an edit makes a new version").
//! * Published, superseded and retired versions never change again.
//! * Approving a version supersedes the previously published one.
//! * Retiring needs no version in progress ([`retire_allowed`]); retirement is final.

use yiwang_kernel::{Error, ErrorCode};

use crate::model::VersionStatus;

/// Something done to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Submit,
    Withdraw,
    Approve,
    Reject,
    Retire,
    Discard,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Retire => "retire",
            Action::Discard => "discard",
        }
    }
}

fn refuse(from: VersionStatus, action: Action) -> Error {
    if matches!(
        from,
        VersionStatus::Published | VersionStatus::Superseded | VersionStatus::Retired
    ) && matches!(action, Action::Edit | Action::Discard)
    {
        return Error::new(ErrorCode::PublishedImmutable);
    }
    Error::new(ErrorCode::InvalidState).with_detail(
        format!("当前版本状态为“{}”，不能执行此操作", from.zh()),
        format!(
            "The version is {}; cannot {} it",
            from.en(),
            action.as_str()
        ),
    )
}

/// The status a version moves to, or why it cannot. `Discard` yields `Draft` (the caller deletes
/// the version).
pub fn transition(from: VersionStatus, action: Action) -> Result<VersionStatus, Error> {
    use Action as A;
    use VersionStatus as S;
    match (from, action) {
        (S::Draft, A::Edit) => Ok(S::Draft),
        (S::Draft, A::Submit) => Ok(S::Submitted),
        (S::Draft, A::Discard) => Ok(S::Draft),
        (S::Submitted, A::Withdraw) => Ok(S::Draft),
        (S::Submitted, A::Reject) => Ok(S::Draft),
        (S::Submitted, A::Approve) => Ok(S::Published),
        (S::Published, A::Retire) => Ok(S::Retired),
        _ => Err(refuse(from, action)),
    }
}

/// An item can be retired only when no version is in progress (a draft or a version under
/// review would otherwise be orphaned). `open` is the status of the open version, if any.
pub fn retire_allowed(open: Option<VersionStatus>) -> Result<(), Error> {
    match open {
        None => Ok(()),
        Some(s) => Err(Error::new(ErrorCode::InvalidState).with_detail(
            format!("该事项有“{}”状态的新版本，请先撤回或删除后再下线", s.zh()),
            format!(
                "The item has a version that is {}; withdraw or discard it before retiring",
                s.en()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VersionStatus as S;
    use proptest::prelude::*;

    #[test]
    fn published_versions_are_immutable() {
        for s in [S::Published, S::Superseded, S::Retired] {
            assert_eq!(
                transition(s, Action::Edit).unwrap_err().code,
                ErrorCode::PublishedImmutable
            );
        }
        assert_eq!(
            transition(S::Submitted, Action::Edit).unwrap_err().code,
            ErrorCode::InvalidState
        );
    }

    /// A whole item driven by the rules above, as the service drives it.
    #[derive(Debug, Clone, Default)]
    struct Item {
        /// (status, content) per version.
        versions: Vec<(S, u32)>,
        retired: bool,
    }

    #[derive(Debug, Clone, Copy)]
    enum Op {
        NewVersion,
        Act(Action),
    }

    impl Item {
        fn open(&self) -> Option<usize> {
            self.versions
                .iter()
                .position(|(s, _)| matches!(s, S::Draft | S::Submitted))
        }

        fn published(&self) -> Option<usize> {
            self.versions.iter().position(|(s, _)| *s == S::Published)
        }

        fn apply(&mut self, op: Op, content: u32) -> bool {
            match op {
                Op::NewVersion => {
                    if self.open().is_some() || self.retired {
                        return false;
                    }
                    let base = self.published().map(|i| self.versions[i].1).unwrap_or(0);
                    self.versions.push((S::Draft, base));
                    true
                }
                Op::Act(a) => {
                    let target = match a {
                        Action::Retire => {
                            if retire_allowed(self.open().map(|i| self.versions[i].0)).is_err() {
                                return false;
                            }
                            self.published()
                        }
                        _ => self.open(),
                    };
                    let Some(i) = target else { return false };
                    let Ok(next) = transition(self.versions[i].0, a) else {
                        return false;
                    };
                    match a {
                        Action::Edit => self.versions[i].1 = content,
                        Action::Discard => {
                            self.versions.remove(i);
                            return true;
                        }
                        Action::Approve => {
                            if let Some(p) = self.published() {
                                self.versions[p].0 = S::Superseded;
                            }
                        }
                        Action::Retire => self.retired = true,
                        _ => {}
                    }
                    self.versions[i].0 = next;
                    true
                }
            }
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::NewVersion),
            prop::sample::select(vec![
                Action::Edit,
                Action::Submit,
                Action::Withdraw,
                Action::Approve,
                Action::Reject,
                Action::Retire,
                Action::Discard,
            ])
            .prop_map(Op::Act),
        ]
    }

    proptest! {
        #[test]
        fn invariants_hold_over_any_sequence(ops in prop::collection::vec((op(), any::<u32>()), 0..60)) {
            let mut item = Item::default();
            item.apply(Op::NewVersion, 0);
            for (op, content) in ops {
                let frozen: Vec<(usize, u32)> = item.versions.iter().enumerate()
                    .filter(|(_, (s, _))| !matches!(s, S::Draft | S::Submitted))
                    .map(|(i, (_, c))| (i, *c)).collect();
                let was_retired = item.retired;
                item.apply(op, content);
                // at most one open and one published version
                let open = item.versions.iter().filter(|(s, _)| matches!(s, S::Draft | S::Submitted)).count();
                let published = item.versions.iter().filter(|(s, _)| *s == S::Published).count();
                prop_assert!(open <= 1);
                prop_assert!(published <= 1);
                // frozen versions keep their content and stay frozen
                for (i, c) in frozen {
                    prop_assert_eq!(item.versions[i].1, c);
                    prop_assert!(!matches!(item.versions[i].0, S::Draft | S::Submitted));
                }
                // retirement is final and leaves nothing published or open
                if was_retired {
                    prop_assert!(item.retired);
                }
                if item.retired {
                    prop_assert_eq!(published, 0);
                    prop_assert_eq!(open, 0);
                }
            }
        }
    }
}
