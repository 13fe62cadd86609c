//! Which actions a case allows, and to whom: one pure rule. The service refuses whatever it
//! does not allow (the state part answers `invalid_state`, 409); the pages offer exactly what it
//! allows (`CaseService::allowed`) and decide nothing themselves.
//!
//! The inputs are the case's state ([`State`]) and the caller's relation to the case
//! ([`Relation`], worked out by the service from the caller's permissions and reach, ownership
//! and the workflow's steps). Which step action an officer may take inside the workflow is the
//! engine's rule (`yiwang-workflow`); [`allowed`] only mirrors it for the buttons from the
//! active steps the case view lists.

use serde::Serialize;
use yiwang_kernel::{Error, ErrorCode, Result};

use crate::model::{ActiveStep, Status};

/// A case action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// 受理 (window clerk).
    Accept,
    /// 不予受理 (window clerk).
    NotAccept,
    /// 一次性告知 (window clerk), once per case.
    RequestSupplements,
    /// Handing supplements in (the applicant, or a clerk on their behalf).
    Supplement,
    /// A workflow step action (officer; the engine decides which step and action).
    Act,
    /// 督办 (supervisor, or an officer within reach).
    Urge,
    /// 特别程序 starts (officer).
    StartSpecial,
    /// 特别程序 ends (officer).
    EndSpecial,
    /// 送达 (window clerk).
    Deliver,
    /// The applicant withdraws the application.
    Withdraw,
}

impl Transition {
    pub const ALL: [Transition; 10] = [
        Transition::Accept,
        Transition::NotAccept,
        Transition::RequestSupplements,
        Transition::Supplement,
        Transition::Act,
        Transition::Urge,
        Transition::StartSpecial,
        Transition::EndSpecial,
        Transition::Deliver,
        Transition::Withdraw,
    ];

    /// The permission the action needs (named in `auth.denied` audit entries).
    pub fn permission(self) -> &'static str {
        match self {
            Transition::Accept
            | Transition::NotAccept
            | Transition::RequestSupplements
            | Transition::Supplement
            | Transition::Deliver => "case.receive",
            Transition::Act | Transition::StartSpecial | Transition::EndSpecial => "case.handle",
            Transition::Urge => "case.supervise",
            Transition::Withdraw => "case.withdraw",
        }
    }

    /// Whether a caller so related to the case may take this action (in a state that allows
    /// it). `Act` needs `case.handle`; the engine then decides on the step.
    pub fn permits(self, r: &Relation) -> bool {
        match self {
            Transition::Accept
            | Transition::NotAccept
            | Transition::RequestSupplements
            | Transition::Deliver => r.receive,
            Transition::Supplement => r.owner || r.receive,
            Transition::Act => r.staff.as_ref().is_some_and(|s| s.handles),
            Transition::Urge => r.urge,
            Transition::StartSpecial | Transition::EndSpecial => r.handle,
            Transition::Withdraw => r.owner,
        }
    }
}

/// What the state rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    /// The one-time notice was given already.
    pub notice_given: bool,
}

fn invalid(zh: String, en: String) -> Error {
    Error::new(ErrorCode::InvalidState).with_detail(zh, en)
}

/// Whether the case's state allows `t` (to whoever may take it); the refusal names the state.
pub fn check(t: Transition, s: State) -> Result<()> {
    let st = s.status;
    let ok = match t {
        Transition::Accept | Transition::RequestSupplements => st == Status::Submitted,
        Transition::NotAccept => matches!(st, Status::Submitted | Status::Supplement),
        Transition::Supplement => matches!(st, Status::Supplement | Status::Paused),
        Transition::Act | Transition::Urge => matches!(st, Status::Handling | Status::Paused),
        Transition::StartSpecial => st == Status::Handling,
        Transition::EndSpecial => st == Status::Special,
        Transition::Deliver => st == Status::Concluded,
        Transition::Withdraw => st.may_withdraw(),
    };
    let (zh, en) = (st.zh(), st.en());
    if !ok {
        return Err(match t {
            Transition::Accept => invalid(
                format!("办件当前为“{zh}”，不能受理"),
                format!("The case is {en}; it cannot be accepted"),
            ),
            Transition::NotAccept => invalid(
                format!("办件当前为“{zh}”，不能作不予受理"),
                format!("The case is {en}; it cannot be refused acceptance"),
            ),
            Transition::RequestSupplements => invalid(
                format!("办件当前为“{zh}”，不能要求补正"),
                format!("The case is {en}; supplements cannot be requested"),
            ),
            Transition::Supplement => invalid(
                format!("办件当前为“{zh}”，无需补正"),
                format!("The case is {en}; no supplements are expected"),
            ),
            Transition::Act | Transition::Urge => invalid(
                format!("办件当前为“{zh}”，不在审批环节"),
                format!("The case is {en}; no step is open"),
            ),
            Transition::StartSpecial => invalid(
                format!("办件当前为“{zh}”，不能启动特别程序"),
                format!("The case is {en}; a special procedure cannot start"),
            ),
            Transition::EndSpecial => invalid(
                "没有进行中的特别程序".into(),
                "No special procedure is running".into(),
            ),
            Transition::Deliver => invalid(
                format!("办件当前为“{zh}”，不能送达"),
                format!("The case is {en}; it cannot be delivered"),
            ),
            Transition::Withdraw => invalid(
                format!("办件当前为“{zh}”，已不能撤回"),
                format!("The case is {en}; it can no longer be withdrawn"),
            ),
        });
    }
    if t == Transition::RequestSupplements && s.notice_given {
        return Err(invalid(
            "补正材料应一次性告知：本件已发出过补正告知，请作出受理或不予受理决定".into(),
            "Everything missing must be notified at once: this case already had its notice; accept it or refuse acceptance".into(),
        ));
    }
    Ok(())
}

/// The caller's relation to one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relation {
    /// The applicant, or an agent of the enterprise allowed to apply.
    pub owner: bool,
    /// `case.receive` over the case's department and division.
    pub receive: bool,
    /// `case.handle` over the case's department and division, or holding one of its open
    /// steps.
    pub handle: bool,
    /// `case.supervise` or `case.handle` over the case.
    pub urge: bool,
    /// The member of staff, for the workflow's steps.
    pub staff: Option<Officer>,
}

/// A member of staff as the step rules see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Officer {
    pub user_id: i64,
    pub department_id: i64,
    /// Role names (`case_officer`, …).
    pub roles: Vec<String>,
    /// Holds `case.handle` (anywhere).
    pub handles: bool,
}

/// What the caller may do on one open step.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StepAllowed {
    pub code: String,
    /// Take the step from its pool (a role of the caller in the pool's department).
    pub claim: bool,
    pub approve: bool,
    pub refuse: bool,
    pub request_supplement: bool,
    /// Steps it may be returned to, code and name (empty: no return).
    pub return_to: Vec<(String, String)>,
}

/// What the caller may do with the case now.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Allowed {
    pub accept: bool,
    pub not_accept: bool,
    pub notice: bool,
    pub supplement: bool,
    pub withdraw: bool,
    pub special_start: bool,
    pub special_end: bool,
    pub deliver: bool,
    pub urge: bool,
    pub steps: Vec<StepAllowed>,
    /// Any staff action at all (the page shows its action panel).
    pub any: bool,
}

/// Whether `r` may take `t` in state `s`.
pub fn may(t: Transition, s: State, r: &Relation) -> bool {
    t.permits(r) && check(t, s).is_ok()
}

/// Everything the caller may do with the case (state `s`, open steps `steps`).
pub fn allowed(s: State, steps: &[ActiveStep], r: &Relation) -> Allowed {
    let m = |t| may(t, s, r);
    let mut a = Allowed {
        accept: m(Transition::Accept),
        not_accept: m(Transition::NotAccept),
        notice: m(Transition::RequestSupplements),
        supplement: m(Transition::Supplement),
        withdraw: m(Transition::Withdraw),
        special_start: m(Transition::StartSpecial),
        special_end: m(Transition::EndSpecial),
        deliver: m(Transition::Deliver),
        urge: m(Transition::Urge),
        ..Allowed::default()
    };
    if let Some(me) = &r.staff {
        // A paused workflow takes no step action until the supplements arrive.
        let running = s.status == Status::Handling && m(Transition::Act);
        for st in steps {
            let holder = st.officers.contains(&me.user_id);
            let may_do = |x: &str| running && holder && st.actions.iter().any(|y| y == x);
            a.steps.push(StepAllowed {
                code: st.code.clone(),
                claim: running
                    && st.pool_role.as_ref().is_some_and(|p| me.roles.contains(p))
                    && st.pool_department_id == Some(me.department_id),
                approve: may_do("approve"),
                refuse: may_do("refuse"),
                request_supplement: may_do("request_supplement"),
                return_to: if may_do("return") {
                    st.return_to.clone()
                } else {
                    Vec::new()
                },
            });
        }
    }
    a.any = r.staff.is_some()
        && (a.accept
            || a.not_accept
            || a.notice
            || a.special_start
            || a.special_end
            || a.deliver
            || a.urge
            || a.steps.iter().any(|s| {
                s.claim || s.approve || s.refuse || s.request_supplement || !s.return_to.is_empty()
            }));
    a
}

/// Fewest characters of the opinion (审批意见) an approval, a refusal or a return records.
pub const MIN_OPINION_CHARS: usize = 2;

/// A common phrase (常用语) offered beside the opinion: the words recorded (Chinese, as the
/// case file is kept) and what they mean in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Phrase {
    pub zh: &'static str,
    pub en: &'static str,
}

const fn p(zh: &'static str, en: &'static str) -> Phrase {
    Phrase { zh, en }
}

/// The common phrases of the opinion, by step action (`approve`, `refuse`, `return`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Phrases {
    pub approve: &'static [Phrase],
    pub refuse: &'static [Phrase],
    #[serde(rename = "return")]
    pub return_: &'static [Phrase],
}

pub const PHRASES: Phrases = Phrases {
    approve: &[
        p("同意。", "Agreed."),
        p(
            "材料齐全，符合法定条件，准予许可。",
            "The materials are complete and the statutory conditions are met; granted.",
        ),
        p(
            "经审查，申请材料真实有效，同意。",
            "Reviewed: the materials are genuine and valid; agreed.",
        ),
        p(
            "经现场核查，符合要求，同意。",
            "Inspected on site: the requirements are met; agreed.",
        ),
    ],
    refuse: &[
        p(
            "不符合法定条件，不予许可。",
            "The statutory conditions are not met; refused.",
        ),
        p(
            "申请材料不真实，不予许可。",
            "The materials are not genuine; refused.",
        ),
        p(
            "经现场核查，不符合要求，不予许可。",
            "Inspected on site: the requirements are not met; refused.",
        ),
    ],
    return_: &[
        p(
            "材料不齐全，退回补充审查。",
            "The materials are incomplete; returned for another review.",
        ),
        p(
            "审查意见不明确，请重新审查。",
            "The review is unclear; please review again.",
        ),
    ],
};

/// The opinion as recorded from a common phrase chosen beside it (pages without scripts send
/// both): the phrase first, then what the officer wrote, unless it already says it.
pub fn with_phrase(phrase: &str, written: &str) -> String {
    let (phrase, written) = (phrase.trim(), written.trim());
    if phrase.is_empty() || written.contains(phrase) {
        written.to_string()
    } else if written.is_empty() {
        phrase.to_string()
    } else {
        format!("{phrase}{written}")
    }
}

/// An approval, a refusal or a return records an opinion of at least [`MIN_OPINION_CHARS`]
/// characters (blanks do not count); other step actions need none. The refusal names the field
/// `opinion`.
pub fn check_opinion(action: &yiwang_workflow::Action) -> Result<()> {
    use yiwang_workflow::Action as A;
    let opinion = match action {
        A::Approve { opinion } | A::Refuse { opinion } | A::Return { opinion, .. } => opinion,
        _ => return Ok(()),
    };
    let n = opinion.chars().filter(|c| !c.is_whitespace()).count();
    if n >= MIN_OPINION_CHARS {
        Ok(())
    } else {
        Err(Error::field(yiwang_kernel::FieldError::new(
            "opinion",
            "case.opinion_required",
            format!("请填写审批意见（至少 {MIN_OPINION_CHARS} 个字），可选用常用语"),
            format!(
                "Write an opinion of at least {MIN_OPINION_CHARS} characters, or choose a common phrase"
            ),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn clerk() -> Relation {
        Relation {
            receive: true,
            staff: Some(Officer {
                user_id: 1,
                department_id: 1,
                roles: vec!["case_clerk".into()],
                handles: false,
            }),
            ..Relation::default()
        }
    }

    fn state(status: Status) -> State {
        State {
            status,
            notice_given: false,
        }
    }

    #[test]
    fn a_clerk_accepts_only_submitted_cases_and_notifies_once() {
        let r = clerk();
        assert!(may(Transition::Accept, state(Status::Submitted), &r));
        assert!(!may(Transition::Accept, state(Status::Supplement), &r));
        assert!(may(Transition::NotAccept, state(Status::Supplement), &r));
        let noticed = State {
            status: Status::Submitted,
            notice_given: true,
        };
        assert!(!may(Transition::RequestSupplements, noticed, &r));
        let e = check(Transition::Accept, state(Status::Handling)).err();
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::InvalidState));
        // Not the clerk's to handle or to withdraw.
        assert!(!may(Transition::StartSpecial, state(Status::Handling), &r));
        assert!(!may(Transition::Withdraw, state(Status::Submitted), &r));
    }

    #[test]
    fn the_applicant_withdraws_before_the_decision_and_supplements_when_asked() {
        let me = Relation {
            owner: true,
            ..Relation::default()
        };
        assert!(may(Transition::Withdraw, state(Status::Handling), &me));
        assert!(!may(Transition::Withdraw, state(Status::Concluded), &me));
        assert!(may(Transition::Supplement, state(Status::Paused), &me));
        assert!(!may(Transition::Supplement, state(Status::Handling), &me));
        let a = allowed(state(Status::Supplement), &[], &me);
        assert!(a.supplement && a.withdraw && !a.any);
    }

    #[test]
    fn step_buttons_follow_the_steps_and_a_running_workflow() {
        let r = Relation {
            handle: true,
            staff: Some(Officer {
                user_id: 7,
                department_id: 3,
                roles: vec!["case_officer".into()],
                handles: true,
            }),
            ..Relation::default()
        };
        let step = |code: &str, officers: Vec<i64>, pool: bool, actions: &[&str]| ActiveStep {
            code: code.into(),
            name: code.into(),
            started_at: time::OffsetDateTime::UNIX_EPOCH,
            due: None,
            officers,
            pool_role: pool.then(|| "case_officer".to_string()),
            pool_department_id: pool.then_some(3),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            return_to: vec![("start".into(), "收件".into())],
        };
        let steps = vec![
            step("review", vec![7], false, &["approve", "return"]),
            step("decide", Vec::new(), true, &["approve"]),
        ];
        let a = allowed(state(Status::Handling), &steps, &r);
        assert!(a.steps[0].approve && !a.steps[0].refuse && a.steps[0].return_to.len() == 1);
        assert!(a.steps[1].claim && !a.steps[1].approve);
        assert!(a.special_start && a.any);
        let paused = allowed(state(Status::Paused), &steps, &r);
        assert!(paused.steps.iter().all(|s| !s.approve && !s.claim));
    }

    fn any_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    fn any_relation() -> impl Strategy<Value = Relation> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(any::<bool>()),
        )
            .prop_map(|(owner, receive, handle, urge, staff)| Relation {
                owner,
                receive,
                handle,
                urge,
                staff: staff.map(|handles| Officer {
                    user_id: 1,
                    department_id: 1,
                    roles: vec!["case_officer".into()],
                    handles,
                }),
            })
    }

    proptest! {
        /// The page offers an action exactly when the service would let it through, and a
        /// closed case offers nothing.
        #[test]
        fn allowed_agrees_with_the_rule(status in any_status(), notice_given in any::<bool>(), r in any_relation()) {
            let s = State { status, notice_given };
            let a = allowed(s, &[], &r);
            let pairs = [
                (Transition::Accept, a.accept),
                (Transition::NotAccept, a.not_accept),
                (Transition::RequestSupplements, a.notice),
                (Transition::Supplement, a.supplement),
                (Transition::Withdraw, a.withdraw),
                (Transition::StartSpecial, a.special_start),
                (Transition::EndSpecial, a.special_end),
                (Transition::Deliver, a.deliver),
                (Transition::Urge, a.urge),
            ];
            for (t, shown) in pairs {
                prop_assert_eq!(shown, t.permits(&r) && check(t, s).is_ok());
            }
            if matches!(status, Status::Delivered | Status::Withdrawn | Status::NotAccepted) {
                prop_assert!(Transition::ALL.iter().all(|t| check(*t, s).is_err()));
                prop_assert_eq!(a, Allowed::default());
            }
            // Without any relation nothing is allowed.
            prop_assert!(Transition::ALL.iter().all(|t| !may(*t, s, &Relation::default())));
        }
    }
    #[test]
    fn deciding_step_actions_need_an_opinion_of_two_characters() {
        use yiwang_workflow::Action as A;
        let approve = |o: &str| A::Approve { opinion: o.into() };
        for bad in ["", "  ", "好", " 好 \n"] {
            let e = check_opinion(&approve(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::Validation, "{bad:?}");
            assert_eq!(e.fields[0].field, "opinion");
            assert!(e.fields[0].zh.contains("审批意见") && e.fields[0].en.contains("opinion"));
            assert!(
                check_opinion(&A::Refuse {
                    opinion: bad.into()
                })
                .is_err()
            );
            assert!(
                check_opinion(&A::Return {
                    to_step: "s1".into(),
                    opinion: bad.into()
                })
                .is_err()
            );
        }
        assert!(check_opinion(&approve("同意")).is_ok());
        for p in PHRASES
            .approve
            .iter()
            .chain(PHRASES.refuse)
            .chain(PHRASES.return_)
        {
            assert!(check_opinion(&approve(p.zh)).is_ok(), "{}", p.zh);
        }
        // Other actions record no opinion.
        assert!(check_opinion(&A::Claim).is_ok());
        assert!(check_opinion(&A::Urge).is_ok());
    }

    #[test]
    fn a_chosen_phrase_comes_first_once() {
        assert_eq!(with_phrase("同意。", ""), "同意。");
        assert_eq!(with_phrase("", "经审查，同意"), "经审查，同意");
        assert_eq!(with_phrase("同意。", "已核验身份"), "同意。已核验身份");
        assert_eq!(
            with_phrase("同意。", "同意。已核验身份"),
            "同意。已核验身份"
        );
        assert_eq!(with_phrase(" ", " "), "");
    }
}
