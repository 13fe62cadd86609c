//! Example-based tests: one or more per action, on sequential, parallel and multi-signer
//! steps, and the automatic step's decisions and recorded reasons.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use yiwang_kernel::ErrorCode;
use yiwang_workflow::*;

const DEPT: i64 = 7;
const T0: OffsetDateTime = datetime!(2025-03-03 09:00 UTC);

fn step(code: &str, sign: SignMode, signers: &[OfficerId]) -> Step {
    Step {
        code: code.into(),
        name: format!("环节{code}"),
        performer: Performer {
            role: "case_officer".into(),
            department: DepartmentRef::Item,
        },
        sign,
        signers: signers.to_vec(),
        limit_days: 5,
        actions: ActionKind::ALL.to_vec(),
        auto: None,
    }
}

fn single(code: &str, who: OfficerId) -> Stage {
    Stage::Step(Box::new(step(code, SignMode::Single, &[who])))
}

fn def(stages: Vec<Stage>) -> Definition {
    Definition {
        code: "test.flow".into(),
        version: 1,
        name: "测试流程".into(),
        stages,
    }
}

fn officer(id: OfficerId) -> Participant {
    Participant::Officer(Officer {
        id,
        department_id: DEPT,
        roles: vec!["case_officer".into()],
    })
}

fn begin(d: &Definition) -> Instance {
    start(d, DEPT, Fields::new(), T0).unwrap().0
}

fn ok(d: &Definition, i: &Instance, a: Action, by: OfficerId) -> (Instance, Vec<Event>) {
    match apply(d, i, a.clone(), &officer(by), T0) {
        Ok(r) => r,
        Err(e) => panic!("{a:?} by {by}: {e}"),
    }
}

fn err(d: &Definition, i: &Instance, a: Action, by: OfficerId) -> WorkflowError {
    apply(d, i, a, &officer(by), T0).unwrap_err()
}

fn approve() -> Action {
    Action::Approve {
        opinion: "同意".into(),
    }
}

fn ret(to: &str) -> Action {
    Action::Return {
        to_step: to.into(),
        opinion: "材料不全".into(),
    }
}

fn active(i: &Instance) -> Vec<String> {
    i.flow.position().steps
}

fn whats(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            serde_json::to_value(&e.what).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// 受理 → 审查 → 审核 → 决定, one officer each.
fn sequential() -> Definition {
    def(vec![
        single("accept", 1),
        single("review", 2),
        single("check", 3),
        single("decide", 4),
    ])
}

/// 受理 → 并联 [甲: 审查a → 审核a | 乙: 审查b] → 决定.
fn parallel() -> Definition {
    def(vec![
        single("accept", 1),
        Stage::Parallel(Parallel {
            code: "joint".into(),
            name: "并联审批".into(),
            branches: vec![
                Branch {
                    steps: vec![
                        step("review_a", SignMode::Single, &[2]),
                        step("check_a", SignMode::Single, &[3]),
                    ],
                },
                Branch {
                    steps: vec![step("review_b", SignMode::Single, &[5])],
                },
            ],
        }),
        single("decide", 4),
    ])
}

#[test]
fn definitions_validate_and_round_trip() {
    for d in [sequential(), parallel()] {
        d.validate().unwrap();
        let json = serde_json::to_string(&d).unwrap();
        let back: Definition = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
    let json = serde_json::to_value(parallel()).unwrap();
    assert_eq!(json["stages"][1]["kind"], "parallel");
    assert_eq!(json["stages"][0]["sign"], "single");
}

#[test]
fn validation_names_field_and_rule() {
    let mut bad_single = step("a", SignMode::Single, &[1, 2]);
    bad_single.actions = vec![ActionKind::Return, ActionKind::Return];
    let mut auto = step("auto", SignMode::Single, &[]);
    auto.auto = Some(Auto {
        rule: Rule::All(vec![]),
        on_pass: OnPass::Complete,
        on_fail: OnFail::Step("nowhere".into()),
    });
    let d = Definition {
        code: "bad code".into(),
        version: 1,
        name: "".into(),
        stages: vec![
            Stage::Step(Box::new(bad_single)),
            Stage::Parallel(Parallel {
                code: "a".into(),
                name: "并联".into(),
                branches: vec![Branch {
                    steps: vec![step("all", SignMode::All, &[]), auto],
                }],
            }),
        ],
    };
    let errs = d.validate().unwrap_err();
    let got: Vec<(&str, &str)> = errs
        .iter()
        .map(|e| (e.field.as_str(), e.rule.as_str()))
        .collect();
    let want = [
        ("code", "workflow.code_chars"),
        ("name", "required"),
        ("stages[0].signers", "workflow.single_signers"),
        ("stages[0].actions", "workflow.approve_required"),
        ("stages[0].actions", "workflow.duplicate_action"),
        ("stages[1].code", "workflow.duplicate_code"),
        ("stages[1].branches", "workflow.parallel_branches"),
        (
            "stages[1].branches[0].steps[0].signers",
            "workflow.signers_required",
        ),
        (
            "stages[1].branches[0].steps[1].auto.rule.all",
            "workflow.rule_empty",
        ),
        (
            "stages[1].branches[0].steps[1].auto.on_pass",
            "workflow.jump_in_group",
        ),
        (
            "stages[1].branches[0].steps[1].auto.on_fail",
            "workflow.jump_in_group",
        ),
    ];
    assert_eq!(got, want);
    assert!(errs.iter().all(|e| !e.zh.is_empty() && !e.en.is_empty()));
    // Starting on an invalid definition is refused as a validation error.
    let e = start(&d, DEPT, Fields::new(), T0).unwrap_err();
    assert_eq!(e.kind(), ErrorCode::Validation);
}

#[test]
fn sequential_flow_completes_and_then_accepts_nothing() {
    let d = sequential();
    let (i, events) = start(&d, DEPT, Fields::new(), T0).unwrap();
    assert_eq!(active(&i), ["accept"]);
    assert_eq!(whats(&events), ["started", "step_started"]);
    // Only the assignee may act.
    assert_eq!(err(&d, &i, approve(), 2).kind(), ErrorCode::Forbidden);
    assert_eq!(
        apply(&d, &i, approve(), &Participant::Applicant, T0)
            .unwrap_err()
            .kind(),
        ErrorCode::Forbidden
    );
    let (i, events) = ok(&d, &i, approve(), 1);
    assert_eq!(active(&i), ["review"]);
    assert_eq!(
        whats(&events),
        ["approved", "step_completed", "step_started"]
    );
    assert_eq!(events[0].who, Who::Officer(1));
    assert_eq!(events[0].opinion.as_deref(), Some("同意"));
    assert_eq!(events[0].from.steps, ["accept"]);
    assert_eq!(events[0].to.steps, ["review"]);
    assert_eq!(i.history.len(), 5);
    let (i, _) = ok(&d, &i, approve(), 2);
    let (i, _) = ok(&d, &i, approve(), 3);
    let (i, events) = ok(&d, &i, approve(), 4);
    assert_eq!(i.flow.status, Status::Completed);
    assert_eq!(whats(&events), ["approved", "step_completed", "completed"]);
    assert!(i.undo.is_empty());
    for a in [approve(), Action::Urge, Action::Recall, ret("accept")] {
        assert_eq!(err(&d, &i, a, 4), WorkflowError::Finished);
    }
}

#[test]
fn pooled_step_is_claimed_by_its_role_in_its_department() {
    let d = def(vec![Stage::Step(Box::new(step(
        "accept",
        SignMode::Single,
        &[],
    )))]);
    let i = begin(&d);
    let w = i.work("accept").unwrap();
    assert!(w.signers.is_empty());
    assert_eq!(w.pool.as_ref().unwrap().department_id, DEPT);
    assert_eq!(err(&d, &i, approve(), 9), WorkflowError::NotYourTurn);
    let outsider = Participant::Officer(Officer {
        id: 9,
        department_id: DEPT + 1,
        roles: vec!["case_officer".into()],
    });
    assert_eq!(
        apply(&d, &i, Action::Claim, &outsider, T0).unwrap_err(),
        WorkflowError::NotEligible
    );
    let (i, _) = ok(&d, &i, Action::Claim, 9);
    assert_eq!(
        err(&d, &i, Action::Claim, 8).kind(),
        ErrorCode::Forbidden,
        "claimed steps cannot be claimed again"
    );
    let (i, _) = ok(&d, &i, approve(), 9);
    assert_eq!(i.flow.status, Status::Completed);
}

#[test]
fn return_goes_back_to_an_earlier_step_only() {
    let d = sequential();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let (i, _) = ok(&d, &i, approve(), 2);
    assert_eq!(active(&i), ["check"]);
    assert!(matches!(
        err(&d, &i, ret("decide"), 3),
        WorkflowError::BadReturnTarget(_)
    ));
    assert!(matches!(
        err(&d, &i, ret("check"), 3),
        WorkflowError::BadReturnTarget(_)
    ));
    assert!(matches!(
        err(&d, &i, ret("nowhere"), 3),
        WorkflowError::UnknownStep(_)
    ));
    let no_opinion = Action::Return {
        to_step: "accept".into(),
        opinion: " ".into(),
    };
    assert_eq!(
        err(&d, &i, no_opinion, 3),
        WorkflowError::Required("opinion")
    );
    let (i, events) = ok(&d, &i, ret("accept"), 3);
    assert_eq!(active(&i), ["accept"]);
    assert_eq!(whats(&events), ["returned", "step_started"]);
    // The step starts afresh with its initial signer.
    assert!(i.work("accept").unwrap().signers[0].approved.is_none());
}

#[test]
fn parallel_stage_waits_for_every_branch() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    assert_eq!(active(&i), ["review_a", "review_b"]);
    let (i, _) = ok(&d, &i, approve(), 5);
    assert_eq!(active(&i), ["review_a"]);
    assert_eq!(i.flow.branches[1], BranchState::Done);
    let (i, _) = ok(&d, &i, approve(), 2);
    assert_eq!(active(&i), ["check_a"]);
    let (i, events) = ok(&d, &i, approve(), 3);
    assert_eq!(active(&i), ["decide"]);
    assert_eq!(
        whats(&events),
        [
            "approved",
            "step_completed",
            "stage_completed",
            "step_started"
        ]
    );
}

#[test]
fn return_within_a_branch_keeps_the_siblings() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let (i, _) = ok(&d, &i, approve(), 5); // branch 乙 done
    let (i, _) = ok(&d, &i, approve(), 2); // 甲 at check_a
    let (i, events) = ok(&d, &i, ret("review_a"), 3);
    assert_eq!(active(&i), ["review_a"]);
    assert_eq!(i.flow.branches[1], BranchState::Done);
    assert_eq!(whats(&events), ["returned", "step_started"]);
    // A sibling branch is not an earlier step.
    let i2 = {
        let i = begin(&d);
        ok(&d, &i, approve(), 1).0
    };
    assert!(matches!(
        err(&d, &i2, ret("review_a"), 5),
        WorkflowError::BadReturnTarget(_)
    ));
}

#[test]
fn return_to_an_earlier_stage_cancels_every_branch() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let (i, _) = ok(&d, &i, approve(), 2); // 甲 at check_a, 乙 pending
    let (i, events) = ok(&d, &i, ret("accept"), 5);
    assert_eq!(active(&i), ["accept"]);
    assert_eq!(
        whats(&events),
        ["returned", "step_cancelled", "step_started"]
    );
    assert_eq!(events[1].step.as_deref(), Some("check_a"));
    // Coming back, the group starts over in every branch.
    let (i, _) = ok(&d, &i, approve(), 1);
    assert_eq!(active(&i), ["review_a", "review_b"]);
}

#[test]
fn return_into_an_earlier_group_restarts_it_from_the_target() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let (i, _) = ok(&d, &i, approve(), 2);
    let (i, _) = ok(&d, &i, approve(), 3);
    let (i, _) = ok(&d, &i, approve(), 5);
    assert_eq!(active(&i), ["decide"]);
    let (i, _) = ok(&d, &i, ret("check_a"), 4);
    assert_eq!(active(&i), ["check_a", "review_b"]);
}

#[test]
fn transfer_hands_the_place_over() {
    let d = sequential();
    let i = begin(&d);
    let (i, events) = ok(&d, &i, Action::Transfer { to: 11 }, 1);
    assert_eq!(whats(&events), ["transferred"]);
    assert_eq!(err(&d, &i, approve(), 1), WorkflowError::NotYourTurn);
    assert_eq!(
        err(&d, &i, Action::Transfer { to: 11 }, 11),
        WorkflowError::AlreadyOnStep(11)
    );
    let (i, _) = ok(&d, &i, approve(), 11);
    assert_eq!(active(&i), ["review"]);
}

#[test]
fn delegate_reports_back_and_the_delegator_decides() {
    let d = sequential();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, Action::Delegate { to: 12 }, 1);
    // While delegated, the delegator cannot decide and the delegate can only report.
    assert_eq!(err(&d, &i, approve(), 1), WorkflowError::NotYourTurn);
    assert_eq!(err(&d, &i, ret("accept"), 12), WorkflowError::NotYourTurn);
    assert_eq!(
        err(&d, &i, Action::Transfer { to: 13 }, 12),
        WorkflowError::NotYourTurn
    );
    let (i, events) = ok(
        &d,
        &i,
        Action::Approve {
            opinion: "已核实".into(),
        },
        12,
    );
    assert_eq!(whats(&events), ["reported"]);
    assert_eq!(
        active(&i),
        ["accept"],
        "a report does not complete the step"
    );
    let w = i.work("accept").unwrap();
    assert_eq!(
        w.signers[0].delegation.as_ref().unwrap().report.as_deref(),
        Some("已核实")
    );
    assert_eq!(err(&d, &i, approve(), 12), WorkflowError::NotYourTurn);
    let (i, _) = ok(&d, &i, approve(), 1);
    assert_eq!(active(&i), ["review"]);
}

fn all_step(signers: &[OfficerId]) -> Definition {
    def(vec![
        Stage::Step(Box::new(step("sign", SignMode::All, signers))),
        single("decide", 4),
    ])
}

#[test]
fn all_sign_needs_every_current_signer() {
    let d = all_step(&[1, 2, 3]);
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let (i, _) = ok(&d, &i, approve(), 2);
    assert_eq!(active(&i), ["sign"]);
    // 加签 by a signer who already approved: the newcomer must sign too.
    let (i, _) = ok(&d, &i, Action::AddSigner { who: 9 }, 1);
    assert_eq!(
        err(&d, &i, Action::AddSigner { who: 9 }, 1),
        WorkflowError::AlreadyOnStep(9)
    );
    let (i, _) = ok(&d, &i, approve(), 3);
    assert_eq!(active(&i), ["sign"]);
    // 减签: decided signers cannot be removed, nor oneself.
    assert_eq!(
        err(&d, &i, Action::RemoveSigner { who: 2 }, 1),
        WorkflowError::SignerDecided(2)
    );
    assert_eq!(
        err(&d, &i, Action::RemoveSigner { who: 9 }, 9),
        WorkflowError::CannotRemoveSelf
    );
    assert_eq!(
        err(&d, &i, Action::RemoveSigner { who: 8 }, 1),
        WorkflowError::NotASigner(8)
    );
    // Removing the last undecided signer completes the step.
    let (i, events) = ok(&d, &i, Action::RemoveSigner { who: 9 }, 1);
    assert_eq!(
        whats(&events),
        ["signer_removed", "step_completed", "step_started"]
    );
    assert_eq!(active(&i), ["decide"]);
}

#[test]
fn any_sign_needs_one_approval() {
    let d = def(vec![
        Stage::Step(Box::new(step("sign", SignMode::Any, &[1, 2, 3]))),
        single("decide", 4),
    ]);
    let i = begin(&d);
    let (i2, _) = ok(&d, &i, Action::RemoveSigner { who: 3 }, 2);
    assert_eq!(active(&i2), ["sign"]);
    let (i, _) = ok(&d, &i, approve(), 2);
    assert_eq!(active(&i), ["decide"]);
    assert_eq!(err(&d, &i, approve(), 1), WorkflowError::NotYourTurn);
}

#[test]
fn single_steps_take_no_extra_signers() {
    let d = sequential();
    let i = begin(&d);
    assert!(matches!(
        err(&d, &i, Action::AddSigner { who: 9 }, 1),
        WorkflowError::SingleStep(_)
    ));
}

#[test]
fn copy_and_urge_are_events_only() {
    let d = all_step(&[1, 2]);
    let i = begin(&d);
    let (i2, events) = ok(&d, &i, Action::CopyTo { who: 30 }, 1);
    assert_eq!(whats(&events), ["copied_to"]);
    assert_eq!(i2.flow, i.flow);
    let (i3, events) = apply(&d, &i2, Action::Urge, &Participant::Applicant, T0).unwrap();
    assert_eq!(
        events[0].what,
        What::Urged {
            pending: vec![1, 2]
        }
    );
    assert_eq!(events[0].who, Who::Applicant);
    assert_eq!(i3.flow, i.flow);
    assert_eq!(i3.undo, i.undo);
    assert_eq!(
        err(&d, &i, Action::CopyTo { who: 30 }, 30).kind(),
        ErrorCode::Forbidden
    );
}

#[test]
fn recall_restores_the_flow_until_someone_acts_after() {
    let d = sequential();
    let i0 = begin(&d);
    let (i1, _) = ok(&d, &i0, approve(), 1);
    assert_eq!(active(&i1), ["review"]);
    // Officer 1 recalls before the next step started.
    let (back, events) = ok(&d, &i1, Action::Recall, 1);
    assert_eq!(back.flow, i0.flow);
    assert_eq!(back.undo, i0.undo);
    assert_eq!(
        events[0].what,
        What::Recalled {
            undone: "approve".into()
        }
    );
    // Once officer 2 acted, officer 1 cannot recall, but 2 can, and then 1 again.
    let (i2, _) = ok(&d, &i1, Action::Delegate { to: 20 }, 2);
    assert_eq!(
        err(&d, &i2, Action::Recall, 1),
        WorkflowError::RecallNotLast
    );
    assert_eq!(
        err(&d, &i2, Action::Recall, 9),
        WorkflowError::NothingToRecall
    );
    let (i3, _) = ok(&d, &i2, Action::Recall, 2);
    assert_eq!(i3.flow, i1.flow);
    let (i4, _) = ok(&d, &i3, Action::Recall, 1);
    assert_eq!(i4.flow, i0.flow);
    assert_eq!(
        err(&d, &i4, Action::Recall, 1),
        WorkflowError::NothingToRecall
    );
    // Urging and copying by others do not block a recall.
    let (i5, _) = apply(&d, &i1, Action::Urge, &Participant::Applicant, T0).unwrap();
    let (i6, _) = ok(&d, &i5, Action::CopyTo { who: 40 }, 2);
    assert_eq!(ok(&d, &i6, Action::Recall, 1).0.flow, i0.flow);
}

#[test]
fn recall_of_a_signature_reopens_an_all_step() {
    let d = all_step(&[1, 2]);
    let i0 = begin(&d);
    let (i1, _) = ok(&d, &i0, approve(), 1);
    let (i2, _) = ok(&d, &i1, approve(), 2);
    assert_eq!(active(&i2), ["decide"]);
    let (back, _) = ok(&d, &i2, Action::Recall, 2);
    assert_eq!(active(&back), ["sign"]);
    assert_eq!(back.flow, i1.flow);
    let w = back.work("sign").unwrap();
    assert!(w.signers[0].approved.is_some() && w.signers[1].approved.is_none());
}

#[test]
fn recall_must_be_allowed_by_the_step() {
    let mut d = sequential();
    if let Stage::Step(s) = &mut d.stages[0] {
        s.actions.retain(|a| *a != ActionKind::Recall);
    }
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    assert!(matches!(
        err(&d, &i, Action::Recall, 1),
        WorkflowError::ActionNotAllowed { .. }
    ));
}

#[test]
fn actions_a_step_does_not_allow_are_refused() {
    let mut d = sequential();
    if let Stage::Step(s) = &mut d.stages[1] {
        s.actions = vec![ActionKind::Approve];
    }
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let e = err(&d, &i, ret("accept"), 2);
    assert_eq!(e.kind(), ErrorCode::InvalidState);
    assert_eq!(e.code(), "workflow.action_not_allowed");
}

#[test]
fn supplements_pause_the_whole_case() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let before = i.flow.clone();
    let request = Action::RequestSupplement {
        items: vec!["营业执照副本".into()],
    };
    assert_eq!(
        err(&d, &i, Action::RequestSupplement { items: vec![] }, 2),
        WorkflowError::Required("items")
    );
    let (p, events) = ok(&d, &i, request, 2);
    assert_eq!(whats(&events), ["supplement_requested"]);
    assert!(matches!(p.flow.status, Status::Paused(_)));
    for (a, by) in [
        (approve(), 5),
        (approve(), 2),
        (Action::Recall, 2),
        (Action::Urge, 5),
    ] {
        assert_eq!(err(&d, &p, a, by), WorkflowError::Paused);
    }
    assert_eq!(
        err(
            &d,
            &i,
            Action::Supplemented {
                fields: Fields::new()
            },
            2
        ),
        WorkflowError::NotPaused
    );
    let mut fields = Fields::new();
    fields.insert("licence".into(), json!("L-1"));
    let (r, events) = apply(
        &d,
        &p,
        Action::Supplemented { fields },
        &Participant::Applicant,
        T0,
    )
    .unwrap();
    assert_eq!(
        events[0].what,
        What::Supplemented {
            fields: vec!["licence".into()]
        }
    );
    assert_eq!(r.flow, before, "the case resumes where it stood");
    assert_eq!(r.fields["licence"], "L-1");
    assert!(r.undo.is_empty());
}

#[test]
fn refuse_ends_the_case() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    assert_eq!(
        err(&d, &i, Action::Refuse { opinion: "".into() }, 5),
        WorkflowError::Required("opinion")
    );
    let (i, events) = ok(
        &d,
        &i,
        Action::Refuse {
            opinion: "不符合条件".into(),
        },
        5,
    );
    assert_eq!(i.flow.status, Status::Refused);
    assert_eq!(whats(&events), ["refused", "step_cancelled"]);
    assert_eq!(err(&d, &i, approve(), 2), WorkflowError::Finished);
}

#[test]
fn an_officer_on_two_branches_names_the_step() {
    let d = def(vec![Stage::Parallel(Parallel {
        code: "joint".into(),
        name: "并联".into(),
        branches: vec![
            Branch {
                steps: vec![step("a", SignMode::Single, &[1])],
            },
            Branch {
                steps: vec![step("b", SignMode::Single, &[1])],
            },
        ],
    })]);
    let i = begin(&d);
    let e = err(&d, &i, approve(), 1);
    assert_eq!(
        e,
        WorkflowError::AmbiguousStep(vec!["a".into(), "b".into()])
    );
    assert_eq!(e.kind(), ErrorCode::Validation);
    let (i, _) = apply_on(&d, &i, "b", approve(), &officer(1), T0).unwrap();
    assert_eq!(active(&i), ["a"]);
    let (i, _) = ok(&d, &i, approve(), 1);
    assert_eq!(i.flow.status, Status::Completed);
}

fn check(code: &str, field: &str, op: Op, value: serde_json::Value) -> Rule {
    Rule::Check(Check {
        code: code.into(),
        field: field.into(),
        op,
        value,
    })
}

/// 秒批 → 审查 → 决定; the automatic step is first.
fn auto_def(on_pass: OnPass, on_fail: OnFail) -> Definition {
    let mut auto = step("instant", SignMode::Single, &[]);
    auto.auto = Some(Auto {
        rule: Rule::All(vec![
            check("adult", "age", Op::Ge, json!(18)),
            check("local", "division", Op::In, json!(["440802", "440803"])),
        ]),
        on_pass,
        on_fail,
    });
    def(vec![
        Stage::Step(Box::new(auto)),
        single("review", 2),
        single("decide", 4),
    ])
}

fn form(age: i64) -> Fields {
    serde_json::from_value(json!({"age": age, "division": "440802"})).unwrap()
}

fn auto_event(events: &[Event]) -> (bool, Evaluation, String) {
    events
        .iter()
        .find_map(|e| match &e.what {
            What::AutoDecided {
                passed,
                evaluation,
                outcome,
            } => Some((*passed, evaluation.clone(), outcome.clone())),
            _ => None,
        })
        .unwrap()
}

#[test]
fn automatic_step_approves_and_records_the_matched_rules() {
    let d = auto_def(OnPass::Next, OnFail::Manual);
    let (i, events) = start(&d, DEPT, form(30), T0).unwrap();
    assert_eq!(active(&i), ["review"]);
    let (passed, ev, outcome) = auto_event(&events);
    assert!(passed);
    assert_eq!(outcome, "next");
    let codes: Vec<&str> = ev.matched.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["adult", "local"]);
    assert!(ev.failed.is_empty());
    let auto = events
        .iter()
        .find(|e| matches!(e.what, What::AutoDecided { .. }))
        .unwrap();
    assert_eq!(auto.who, Who::System);
    assert_eq!(auto.step.as_deref(), Some("instant"));
}

#[test]
fn automatic_step_hands_over_and_records_why() {
    let d = auto_def(OnPass::Next, OnFail::Manual);
    let (i, events) = start(&d, DEPT, form(16), T0).unwrap();
    assert_eq!(active(&i), ["instant"], "its performer handles it by hand");
    assert!(i.work("instant").unwrap().pool.is_some());
    let (passed, ev, outcome) = auto_event(&events);
    assert!(!passed);
    assert_eq!(outcome, "manual");
    assert_eq!(ev.failed.len(), 1);
    assert_eq!(ev.failed[0].code, "adult");
    assert_eq!(ev.failed[0].actual, Some(json!(16)));
    let (i, _) = ok(&d, &i, Action::Claim, 3);
    let (i, _) = ok(&d, &i, approve(), 3);
    assert_eq!(active(&i), ["review"]);
}

#[test]
fn automatic_step_can_complete_at_once_or_jump() {
    let d = auto_def(OnPass::Complete, OnFail::Step("decide".into()));
    d.validate().unwrap();
    let (i, events) = start(&d, DEPT, form(30), T0).unwrap();
    assert_eq!(i.flow.status, Status::Completed);
    assert_eq!(
        whats(&events),
        [
            "started",
            "step_started",
            "auto_decided",
            "step_completed",
            "completed"
        ]
    );
    let (i, events) = start(&d, DEPT, form(3), T0).unwrap();
    assert_eq!(active(&i), ["decide"]);
    assert!(events.iter().any(|e| e.what
        == What::StageSkipped {
            stage: "review".into()
        }));
    // Jumps go forward to single top-level steps only.
    let bad = auto_def(OnPass::Step("instant".into()), OnFail::Manual);
    let errs = bad.validate().unwrap_err();
    assert_eq!(errs[0].field, "stages[0].auto.on_pass");
    assert_eq!(errs[0].rule, "workflow.jump_target");
}

#[test]
fn supplemented_fields_feed_automatic_steps_reached_later() {
    // 受理 → 秒批: a supplement during 受理 changes what the automatic step sees.
    let mut d = auto_def(OnPass::Next, OnFail::Manual);
    d.stages.insert(0, single("accept", 1));
    let (i, _) = start(&d, DEPT, form(16), T0).unwrap();
    let (p, _) = ok(
        &d,
        &i,
        Action::RequestSupplement {
            items: vec!["年龄证明".into()],
        },
        1,
    );
    let (r, _) = apply(
        &d,
        &p,
        Action::Supplemented { fields: form(20) },
        &Participant::Applicant,
        T0,
    )
    .unwrap();
    let (r, _) = ok(&d, &r, approve(), 1);
    assert_eq!(active(&r), ["review"]);
}

#[test]
fn instances_round_trip_as_json() {
    let d = parallel();
    let i = begin(&d);
    let (i, _) = ok(&d, &i, approve(), 1);
    let (i, _) = ok(&d, &i, Action::Delegate { to: 20 }, 2);
    let json = serde_json::to_string(&i).unwrap();
    let back: Instance = serde_json::from_str(&json).unwrap();
    assert_eq!(back, i);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["flow"]["status"], "running");
    assert_eq!(v["flow"]["branches"][0]["state"], "active");
    assert_eq!(v["history"][0]["action"], "started");
    let delegated = &v["history"].as_array().unwrap().last().unwrap();
    assert_eq!(delegated["action"], "delegated");
    assert_eq!(delegated["officer"], 20);
    assert_eq!(delegated["who"]["id"], 2);
    assert_eq!(delegated["to"]["steps"], json!(["review_a", "review_b"]));
}

#[test]
fn a_stored_instance_that_does_not_fit_is_refused() {
    let d = sequential();
    let mut i = begin(&d);
    i.flow.stage = 9;
    let e = err(&d, &i, approve(), 1);
    assert_eq!(e.code(), "workflow.corrupt_instance");
    let mut other = sequential();
    other.version = 2;
    let i = begin(&d);
    assert!(matches!(
        err(&other, &i, approve(), 1),
        WorkflowError::DefinitionMismatch { .. }
    ));
}

#[test]
fn errors_become_kernel_errors() {
    let d = sequential();
    let i = begin(&d);
    let e: yiwang_kernel::Error = err(&d, &i, approve(), 2).into();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(e.status(), 403);
}
