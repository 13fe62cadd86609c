//! Property tests: random definitions (sequential and parallel stages, single, all-sign and
//! any-sign steps with random signer sets, pooled steps, automatic steps, random allowed
//! actions) driven by random action sequences from random actors, biased towards the officers
//! who currently hold a step so that cases get far. After every action, the invariants of
//! `check_transition` hold; a sanity test makes sure the random runs really reach the
//! interesting places (parallel stages completing, recalls, returns, completion).

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use yiwang_kernel::ErrorCode;
use yiwang_workflow::*;

const DEPT: i64 = 7;
const ROLE: &str = "case_officer";
const T0: OffsetDateTime = datetime!(2025-03-03 09:00 UTC);

/// Officers 1–4 hold the role in the item's department, 5–6 in another department, 7 has no
/// role; 8–9 exist only as transfer/delegate/add targets.
fn officer(id: OfficerId) -> Officer {
    Officer {
        id,
        department_id: if id == 5 || id == 6 { DEPT + 1 } else { DEPT },
        roles: if id == 7 { vec![] } else { vec![ROLE.into()] },
    }
}

// ---------------------------------------------------------------------------------------
// Random definitions

#[derive(Debug, Clone)]
enum SignShape {
    Pool,
    Single(OfficerId),
    All(Vec<OfficerId>),
    Any(Vec<OfficerId>),
}

#[derive(Debug, Clone)]
struct StepShape {
    sign: SignShape,
    /// Allowed actions besides approve.
    extra: Vec<ActionKind>,
    /// Automatic: the threshold on field `x` (holds when x >= threshold).
    auto: Option<i64>,
    /// For a top-level automatic step: complete at once when it holds; hand over to a later
    /// step (by index among the candidates) when it does not.
    complete_on_pass: bool,
    jump_on_fail: Option<usize>,
}

fn signers(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<OfficerId>> {
    proptest::sample::subsequence((1..=6).collect::<Vec<OfficerId>>(), n).prop_shuffle()
}

fn sign_shape() -> impl Strategy<Value = SignShape> {
    prop_oneof![
        2 => Just(SignShape::Pool),
        3 => (1..=6i64).prop_map(SignShape::Single),
        3 => signers(1..=3).prop_map(SignShape::All),
        2 => signers(1..=3).prop_map(SignShape::Any),
    ]
}

fn extra_actions() -> impl Strategy<Value = Vec<ActionKind>> {
    let others: Vec<ActionKind> = ActionKind::ALL
        .iter()
        .copied()
        .filter(|a| *a != ActionKind::Approve)
        .collect();
    let n = others.len();
    prop_oneof![
        // Mostly everything, so that the interesting actions happen.
        3 => Just(others.clone()),
        1 => proptest::sample::subsequence(others, 0..=n),
    ]
}

fn step_shape() -> impl Strategy<Value = StepShape> {
    (
        sign_shape(),
        extra_actions(),
        proptest::option::weighted(0.15, 0..10i64),
        proptest::bool::weighted(0.3),
        proptest::option::weighted(0.3, any::<usize>()),
    )
        .prop_map(
            |(sign, extra, auto, complete_on_pass, jump_on_fail)| StepShape {
                sign,
                extra,
                auto,
                complete_on_pass,
                jump_on_fail,
            },
        )
}

#[derive(Debug, Clone)]
enum StageShape {
    Step(StepShape),
    Parallel(Vec<Vec<StepShape>>),
}

fn stage_shape() -> impl Strategy<Value = StageShape> {
    prop_oneof![
        3 => step_shape().prop_map(StageShape::Step),
        2 => prop::collection::vec(prop::collection::vec(step_shape(), 1..=2), 2..=3)
            .prop_map(StageShape::Parallel),
    ]
}

fn build_step(code: String, s: &StepShape, top_level: bool) -> Step {
    let (sign, signers) = match &s.sign {
        SignShape::Pool => (SignMode::Single, vec![]),
        SignShape::Single(o) => (SignMode::Single, vec![*o]),
        SignShape::All(v) => (SignMode::All, v.clone()),
        SignShape::Any(v) => (SignMode::Any, v.clone()),
    };
    let mut actions = vec![ActionKind::Approve];
    actions.extend(s.extra.iter().copied());
    Step {
        name: format!("环节{code}"),
        code,
        performer: Performer {
            role: ROLE.into(),
            department: DepartmentRef::Item,
        },
        sign,
        signers,
        limit_days: 5,
        actions,
        auto: s.auto.map(|t| Auto {
            rule: Rule::Check(Check {
                code: "x_high".into(),
                field: "x".into(),
                op: Op::Ge,
                value: json!(t),
            }),
            on_pass: if top_level && s.complete_on_pass {
                OnPass::Complete
            } else {
                OnPass::Next
            },
            on_fail: OnFail::Manual,
        }),
    }
}

fn build(shapes: &[StageShape]) -> Definition {
    let mut n = 0;
    let mut code = || {
        n += 1;
        format!("s{n}")
    };
    let mut stages: Vec<Stage> = shapes
        .iter()
        .map(|sh| match sh {
            StageShape::Step(s) => Stage::Step(Box::new(build_step(code(), s, true))),
            StageShape::Parallel(branches) => Stage::Parallel(Parallel {
                code: code(),
                name: "并联".into(),
                branches: branches
                    .iter()
                    .map(|b| Branch {
                        steps: b.iter().map(|s| build_step(code(), s, false)).collect(),
                    })
                    .collect(),
            }),
        })
        .collect();
    // Top-level automatic steps may hand over to a later top-level manual single step.
    for si in 0..stages.len() {
        let Some(StageShape::Step(shape)) = shapes.get(si) else {
            continue;
        };
        let Some(pick) = shape.jump_on_fail else {
            continue;
        };
        let later: Vec<String> = stages[si + 1..]
            .iter()
            .filter_map(|s| match s {
                Stage::Step(st) if st.auto.is_none() => Some(st.code.clone()),
                _ => None,
            })
            .collect();
        if later.is_empty() {
            continue;
        }
        if let Stage::Step(st) = &mut stages[si]
            && let Some(auto) = &mut st.auto
        {
            auto.on_fail = OnFail::Step(later[pick % later.len()].clone());
        }
    }
    Definition {
        code: "prop.flow".into(),
        version: 1,
        name: "随机流程".into(),
        stages,
    }
}

fn definition() -> impl Strategy<Value = Definition> {
    prop::collection::vec(stage_shape(), 1..=4).prop_map(|s| build(&s))
}

// ---------------------------------------------------------------------------------------
// Random actions

#[derive(Debug, Clone)]
enum Kind {
    Claim,
    Approve,
    Return(usize),
    Refuse,
    Transfer(OfficerId),
    Delegate(OfficerId),
    AddSigner(OfficerId),
    RemoveSigner(OfficerId),
    CopyTo(OfficerId),
    Urge,
    Recall,
    Request,
    Supplemented(i64),
}

#[derive(Debug, Clone)]
enum ActorPick {
    /// Someone who may decide an active step now (index into them), if any.
    Holder(usize),
    /// Someone taking part in an active step.
    Participant(usize),
    Officer(OfficerId),
    Applicant,
}

#[derive(Debug, Clone)]
struct Move {
    kind: Kind,
    actor: ActorPick,
    /// Name the step (index into the definition's steps) instead of letting the engine find it.
    step: Option<usize>,
}

fn target() -> impl Strategy<Value = OfficerId> {
    1..=9i64
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Claim),
        16 => Just(Kind::Approve),
        8 => any::<usize>().prop_map(Kind::Return),
        1 => Just(Kind::Refuse),
        2 => target().prop_map(Kind::Transfer),
        2 => target().prop_map(Kind::Delegate),
        2 => target().prop_map(Kind::AddSigner),
        2 => target().prop_map(Kind::RemoveSigner),
        1 => target().prop_map(Kind::CopyTo),
        1 => Just(Kind::Urge),
        4 => Just(Kind::Recall),
        1 => Just(Kind::Request),
        2 => (0..10i64).prop_map(Kind::Supplemented),
    ]
}

fn actor() -> impl Strategy<Value = ActorPick> {
    prop_oneof![
        6 => any::<usize>().prop_map(ActorPick::Holder),
        2 => any::<usize>().prop_map(ActorPick::Participant),
        3 => (1..=9i64).prop_map(ActorPick::Officer),
        1 => Just(ActorPick::Applicant),
    ]
}

fn op() -> impl Strategy<Value = Move> {
    (
        kind(),
        actor(),
        proptest::option::weighted(0.25, any::<usize>()),
    )
        .prop_map(|(kind, actor, step)| Move { kind, actor, step })
}

fn action(kind: &Kind, def: &Definition, i: &Instance) -> Action {
    let codes: Vec<String> = def.steps().iter().map(|(_, s)| s.code.clone()).collect();
    // Return targets: mostly steps up to the current stage (valid or sideways), some anywhere.
    let reachable: Vec<String> = def
        .steps()
        .iter()
        .filter(|(p, _)| p.stage <= i.flow.stage)
        .map(|(_, s)| s.code.clone())
        .collect();
    match kind {
        Kind::Claim => Action::Claim,
        Kind::Approve => Action::Approve {
            opinion: "同意".into(),
        },
        Kind::Return(n) => Action::Return {
            to_step: if n % 4 == 0 || reachable.is_empty() {
                codes[n % codes.len()].clone()
            } else {
                reachable[n % reachable.len()].clone()
            },
            opinion: "退回补充".into(),
        },
        Kind::Refuse => Action::Refuse {
            opinion: "不予许可".into(),
        },
        Kind::Transfer(o) => Action::Transfer { to: *o },
        Kind::Delegate(o) => Action::Delegate { to: *o },
        Kind::AddSigner(o) => Action::AddSigner { who: *o },
        Kind::RemoveSigner(o) => Action::RemoveSigner { who: *o },
        Kind::CopyTo(o) => Action::CopyTo { who: *o },
        Kind::Urge => Action::Urge,
        Kind::Recall => Action::Recall,
        Kind::Request => Action::RequestSupplement {
            items: vec!["补充材料".into()],
        },
        Kind::Supplemented(x) => {
            let mut fields = Fields::new();
            fields.insert("x".into(), json!(x));
            Action::Supplemented { fields }
        }
    }
}

fn holders(i: &Instance) -> Vec<OfficerId> {
    i.flow.active().flat_map(|(_, w)| w.holders()).collect()
}

fn participants(i: &Instance) -> Vec<OfficerId> {
    let mut out = Vec::new();
    for (_, w) in i.flow.active() {
        for s in &w.signers {
            out.push(s.officer);
            if let Some(d) = &s.delegation {
                out.push(d.to);
            }
        }
    }
    out
}

fn participant(pick: &ActorPick, i: &Instance) -> Participant {
    let from = |v: Vec<OfficerId>, n: usize| {
        if v.is_empty() {
            Participant::Officer(officer(1 + (n % 7) as i64))
        } else {
            Participant::Officer(officer(v[n % v.len()]))
        }
    };
    match pick {
        ActorPick::Holder(n) => from(holders(i), *n),
        ActorPick::Participant(n) => from(participants(i), *n),
        ActorPick::Officer(o) => Participant::Officer(officer(*o)),
        ActorPick::Applicant => Participant::Applicant,
    }
}

// ---------------------------------------------------------------------------------------
// The invariants

/// The sign condition, written independently of the engine.
fn condition_met(mode: SignMode, signers: &[Signer]) -> bool {
    let approved = signers.iter().filter(|s| s.approved.is_some()).count();
    match mode {
        SignMode::Single => signers.len() == 1 && approved == 1,
        SignMode::All => !signers.is_empty() && approved == signers.len(),
        SignMode::Any => approved >= 1,
    }
}

fn step_def<'a>(def: &'a Definition, code: &str) -> &'a Step {
    def.find(code).unwrap().1
}

/// Every instance the engine hands back is well formed.
fn check_instance(def: &Definition, i: &Instance) -> Result<(), TestCaseError> {
    let flow = &i.flow;
    match &flow.status {
        Status::Completed | Status::Refused => {
            prop_assert!(flow.branches.is_empty());
            prop_assert!(i.undo.is_empty());
            return Ok(());
        }
        Status::Paused(p) => {
            prop_assert!(i.work(&p.step).is_some(), "paused on an inactive step");
        }
        Status::Running => {}
    }
    let stage = &def.stages[flow.stage];
    let branches = stage.branches();
    prop_assert_eq!(branches.len(), flow.branches.len());
    let mut active = 0;
    for (b, state) in flow.branches.iter().enumerate() {
        let BranchState::Active(w) = state else {
            continue;
        };
        active += 1;
        let step = &branches[b][w.index];
        prop_assert_eq!(&step.code, &w.step);
        // A step whose condition is met never stays active.
        prop_assert!(
            !condition_met(step.sign, &w.signers),
            "step {} met its condition but is still active",
            w.step
        );
        // Nobody takes part twice.
        let mut seen = BTreeSet::new();
        for s in &w.signers {
            prop_assert!(seen.insert(s.officer));
            if let Some(d) = &s.delegation {
                prop_assert!(seen.insert(d.to));
            }
        }
        // Single steps have one handler, or wait in the pool.
        if step.sign == SignMode::Single {
            prop_assert!(w.signers.len() + usize::from(w.pool.is_some()) == 1);
        } else {
            prop_assert!(!w.signers.is_empty() && w.pool.is_none());
        }
    }
    // A running stage has pending work: the case never sits in a stage whose branches are
    // all done (it would have moved on), and never reaches a later stage while a branch of an
    // earlier one is pending (there is one current stage, and all its pending work is in it).
    prop_assert!(active >= 1);
    for u in &i.undo {
        prop_assert!(!u.flow.status.is_finished());
    }
    Ok(())
}

#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    ok: usize,
    completed: usize,
    refused: usize,
    parallel_done: usize,
    recalled: usize,
    returned: usize,
    all_completed: usize,
    forbidden: usize,
    auto: usize,
}

/// Checks one action: `i` before, `r` what `apply` answered.
#[allow(clippy::too_many_arguments)]
fn check_transition(
    def: &Definition,
    i: &Instance,
    action: &Action,
    who: &Participant,
    named: Option<&str>,
    r: &Result<(Instance, Vec<Event>), WorkflowError>,
    stats: &mut Stats,
) -> Result<(), TestCaseError> {
    let step_action = action.is_step_action();
    let me = match who {
        Participant::Officer(o) => Some(o.clone()),
        _ => None,
    };
    // The works the actor takes part in, or may claim.
    let on = |w: &Work| -> bool {
        let Some(o) = &me else { return false };
        if matches!(action, Action::Claim) {
            w.pool
                .as_ref()
                .is_some_and(|p| p.department_id == o.department_id && o.roles.contains(&p.role))
        } else {
            w.involves(o.id)
        }
    };
    let status = &i.flow.status;
    match r {
        Err(e) => {
            if status.is_finished() {
                prop_assert_eq!(e, &WorkflowError::Finished);
            } else if matches!(status, Status::Paused(_))
                && !matches!(action, Action::Supplemented { .. })
            {
                prop_assert_eq!(e, &WorkflowError::Paused);
            } else if step_action && matches!(status, Status::Running) {
                // Only current assignees/signers (or, to claim, the pool's role) may act.
                let forbidden = match named {
                    None => !i.flow.active().any(|(_, w)| on(w)),
                    Some(code) => i.work(code).is_some_and(|w| {
                        let claim_unpooled = matches!(action, Action::Claim) && w.pool.is_none();
                        !on(w) && !claim_unpooled
                    }),
                };
                if forbidden {
                    stats.forbidden += 1;
                    prop_assert_eq!(e.kind(), ErrorCode::Forbidden, "{:?}", e);
                }
            }
            return Ok(());
        }
        Ok((n, events)) => {
            stats.ok += 1;
            prop_assert!(
                !status.is_finished(),
                "a finished case accepted {:?}",
                action
            );
            if matches!(status, Status::Paused(_)) {
                let supplemented = matches!(action, Action::Supplemented { .. });
                prop_assert!(supplemented, "paused case accepted {:?}", action);
            }
            check_instance(def, n)?;
            // History grows by exactly the events.
            prop_assert_eq!(n.history.len(), i.history.len() + events.len());
            prop_assert_eq!(&n.history[..i.history.len()], &i.history[..]);
            prop_assert_eq!(&n.history[i.history.len()..], &events[..]);
            for (k, e) in events.iter().enumerate() {
                prop_assert_eq!(e.seq, (i.history.len() + k) as u64);
            }
            // Stored as JSON and read back, nothing changes.
            let json = serde_json::to_string(n).unwrap();
            let back: Instance = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, n);

            if step_action {
                // Only someone on the step (or eligible to claim it) acted.
                prop_assert!(
                    i.flow.active().any(|(_, w)| on(w)),
                    "{:?} by {:?} who is on no active step",
                    action,
                    who
                );
            }
            // Actions that do not decide anything never move the flow.
            if matches!(
                action,
                Action::Claim
                    | Action::Transfer { .. }
                    | Action::Delegate { .. }
                    | Action::AddSigner { .. }
                    | Action::CopyTo { .. }
                    | Action::Urge
                    | Action::RequestSupplement { .. }
                    | Action::Supplemented { .. }
            ) {
                prop_assert_eq!(n.flow.stage, i.flow.stage);
                prop_assert_eq!(n.flow.position().steps, i.flow.position().steps);
            }
            if matches!(action, Action::CopyTo { .. } | Action::Urge) {
                prop_assert_eq!(&n.flow, &i.flow);
                prop_assert_eq!(&n.undo, &i.undo);
            }
            if let Action::Supplemented { .. } = action {
                let mut resumed = n.flow.clone();
                resumed.status = Status::Running;
                let mut was = i.flow.clone();
                was.status = Status::Running;
                prop_assert_eq!(resumed, was);
            }
            if matches!(action, Action::RequestSupplement { .. }) {
                let paused = matches!(n.flow.status, Status::Paused(_));
                prop_assert!(paused, "not paused after a request");
            }

            // A step completes iff its sign condition holds after the decision.
            let acted: Option<(String, Vec<Signer>)> = match action {
                Action::Approve { .. } | Action::RemoveSigner { .. } => {
                    let Some(o) = &me else {
                        return Err(TestCaseError::fail("a non-officer approved"));
                    };
                    let work = match named {
                        Some(code) => i.work(code),
                        None => i.flow.active().map(|(_, w)| w).find(|w| {
                            if matches!(action, Action::Approve { .. }) {
                                w.holders().contains(&o.id)
                            } else {
                                w.signers.iter().any(|s| s.officer == o.id)
                            }
                        }),
                    };
                    let w = work.unwrap();
                    let mut after = w.signers.clone();
                    match action {
                        Action::Approve { .. } => {
                            let s = after.iter_mut().find(|s| s.holder() == Some(o.id)).unwrap();
                            if s.officer == o.id {
                                s.approved = Some(yiwang_workflow::instance::Approval {
                                    opinion: String::new(),
                                    at: T0,
                                });
                            }
                            // A delegate's report decides nothing.
                        }
                        Action::RemoveSigner { who } => after.retain(|s| s.officer != *who),
                        _ => {}
                    }
                    Some((w.step.clone(), after))
                }
                _ => None,
            };
            if let Some((code, after)) = acted {
                let mode = step_def(def, &code).sign;
                let met = condition_met(mode, &after);
                if n.flow.status != Status::Refused {
                    prop_assert_eq!(
                        n.work(&code).is_none(),
                        met,
                        "step {} ({:?}) completion vs condition",
                        code,
                        mode
                    );
                }
                if met && mode == SignMode::All && after.len() > 1 {
                    stats.all_completed += 1;
                }
                if !met {
                    // Nothing else moved.
                    prop_assert_eq!(n.flow.stage, i.flow.stage);
                    prop_assert_eq!(n.flow.position().steps, i.flow.position().steps);
                }
                // The stage moves on (or the case completes) only when every other branch of
                // the parallel stage was already done.
                let moved = n.flow.status == Status::Completed || n.flow.stage != i.flow.stage;
                if moved {
                    let pending = i.flow.active().count();
                    prop_assert_eq!(pending, 1, "stage left with other branches pending");
                    if def.stages[i.flow.stage].is_parallel() {
                        stats.parallel_done += 1;
                    }
                }
            }

            // Recall right after restores exactly the previous case (history aside).
            let recallable = matches!(
                action,
                Action::Claim
                    | Action::Approve { .. }
                    | Action::Return { .. }
                    | Action::Transfer { .. }
                    | Action::Delegate { .. }
                    | Action::AddSigner { .. }
                    | Action::RemoveSigner { .. }
            );
            if recallable && !n.flow.status.is_finished() {
                let Some(o) = &me else {
                    return Err(TestCaseError::fail("a non-officer acted on a step"));
                };
                let top = n.undo.last().unwrap();
                prop_assert_eq!(top.actor, o.id);
                let back = apply(def, n, Action::Recall, who, T0);
                if step_def(def, &top.step).allows(ActionKind::Recall) {
                    let (back, _) = back.unwrap();
                    prop_assert_eq!(&back.flow, &i.flow);
                    prop_assert_eq!(&back.fields, &i.fields);
                    if i.undo.len() < MAX_UNDO {
                        prop_assert_eq!(&back.undo, &i.undo);
                    }
                    check_instance(def, &back)?;
                } else {
                    let refused = matches!(back, Err(WorkflowError::ActionNotAllowed { .. }));
                    prop_assert!(refused, "recall where not allowed: {:?}", back);
                }
            }
            if let Action::Recall = action {
                stats.recalled += 1;
                // The restored flow is the one before the recalled action.
                let top = i.undo.last().unwrap();
                prop_assert_eq!(&n.flow, &top.flow);
                prop_assert_eq!(&n.undo[..], &i.undo[..i.undo.len() - 1]);
            }
            if let Action::Return { .. } = action {
                stats.returned += 1;
            }
            match n.flow.status {
                Status::Completed => stats.completed += 1,
                Status::Refused => stats.refused += 1,
                _ => {}
            }
            stats.auto += events
                .iter()
                .filter(|e| matches!(e.what, What::AutoDecided { .. }))
                .count();
        }
    }
    Ok(())
}

fn run(def: &Definition, x: i64, ops: &[Move], stats: &mut Stats) -> Result<(), TestCaseError> {
    let mut fields = Fields::new();
    fields.insert("x".into(), json!(x));
    let (mut i, events) = start(def, DEPT, fields, T0).unwrap();
    check_instance(def, &i)?;
    prop_assert_eq!(&i.history, &events);
    let codes: Vec<String> = def.steps().iter().map(|(_, s)| s.code.clone()).collect();
    for op in ops {
        let a = action(&op.kind, def, &i);
        let who = participant(&op.actor, &i);
        let named = op.step.map(|k| codes[k % codes.len()].clone());
        let before = i.clone();
        let r = match &named {
            Some(code) if a.is_step_action() => apply_on(def, &i, code, a.clone(), &who, T0),
            _ => apply(def, &i, a.clone(), &who, T0),
        };
        // The input is never changed.
        prop_assert_eq!(&before, &i);
        let named = named.filter(|_| a.is_step_action());
        check_transition(def, &i, &a, &who, named.as_deref(), &r, stats)?;
        if let Ok((n, _)) = r {
            i = n;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn random_definitions_validate(def in definition()) {
        prop_assert_eq!(def.validate(), Ok(()));
        let json = serde_json::to_string(&def).unwrap();
        let back: Definition = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, def);
    }

    #[test]
    fn invariants_hold_over_random_action_sequences(
        def in definition(),
        x in 0..10i64,
        ops in prop::collection::vec(op(), 0..60),
    ) {
        let mut stats = Stats::default();
        run(&def, x, &ops, &mut stats)?;
    }
}

/// The random runs reach every interesting place (so the properties above are not vacuous).
#[test]
fn random_runs_cover_the_interesting_cases() {
    // Deterministic, so that the thresholds below cannot flake.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = (definition(), 0..10i64, prop::collection::vec(op(), 0..60));
    let mut total = Stats::default();
    for _ in 0..400 {
        let (def, x, ops) = strategy.new_tree(&mut runner).unwrap().current();
        let mut stats = Stats::default();
        run(&def, x, &ops, &mut stats).unwrap();
        total.ok += stats.ok;
        total.completed += stats.completed.min(1);
        total.refused += stats.refused.min(1);
        total.parallel_done += stats.parallel_done;
        total.recalled += stats.recalled;
        total.returned += stats.returned;
        total.all_completed += stats.all_completed;
        total.forbidden += stats.forbidden;
        total.auto += stats.auto;
    }
    println!("{total:?}");
    assert!(total.completed >= 40, "{total:?}");
    assert!(total.refused >= 20, "{total:?}");
    assert!(total.parallel_done >= 30, "{total:?}");
    assert!(total.recalled >= 30, "{total:?}");
    assert!(total.returned >= 25, "{total:?}");
    assert!(total.all_completed >= 30, "{total:?}");
    assert!(total.forbidden >= 1000, "{total:?}");
    assert!(total.auto >= 40, "{total:?}");
}
