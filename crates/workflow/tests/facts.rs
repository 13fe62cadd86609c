//! 智能秒批 on shared data: an automatic step's fact checks read the facts the caller gives
//! (the applicant's rows of shared resources), name what they missed, and fail with a reason
//! in both languages.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use yiwang_workflow::*;

const DEPT: i64 = 7;
const T0: OffsetDateTime = datetime!(2025-03-03 09:00 UTC);

fn step(code: &str, signers: &[OfficerId]) -> Step {
    Step {
        code: code.into(),
        name: format!("环节{code}"),
        performer: Performer {
            role: "case_officer".into(),
            department: DepartmentRef::Item,
        },
        sign: SignMode::Single,
        signers: signers.to_vec(),
        limit_days: 5,
        actions: ActionKind::ALL.to_vec(),
        auto: None,
    }
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

fn ok(d: &Definition, i: &Instance, a: Action, by: OfficerId) -> Instance {
    match apply(d, i, a.clone(), &officer(by), T0) {
        Ok(r) => r.0,
        Err(e) => panic!("{a:?} by {by}: {e}"),
    }
}

fn approve() -> Action {
    Action::Approve {
        opinion: "同意".into(),
    }
}

fn active(i: &Instance) -> Vec<String> {
    i.flow.position().steps
}

fn form(age: i64) -> Fields {
    serde_json::from_value(json!({"age": age})).unwrap()
}

fn auto_event(events: &[Event]) -> (bool, Evaluation) {
    events
        .iter()
        .find_map(|e| match &e.what {
            What::AutoDecided {
                passed, evaluation, ..
            } => Some((*passed, evaluation.clone())),
            _ => None,
        })
        .unwrap()
}

/// 秒批 on shared data: the applicant's row of a resource, then 审查.
fn fact_def() -> Definition {
    let mut auto = step("instant", &[]);
    auto.auto = Some(Auto {
        rule: Rule::All(vec![
            Rule::Check(Check {
                code: "adult".into(),
                field: "age".into(),
                op: Op::Ge,
                value: json!(18),
            }),
            Rule::Fact(FactCheck {
                code: "alive".into(),
                resource: "102001/000001".into(),
                field: "status".into(),
                op: Op::Eq,
                value: json!("存续"),
            }),
        ]),
        on_pass: OnPass::Next,
        on_fail: OnFail::Manual,
    });
    def(vec![
        Stage::Step(Box::new(auto)),
        Stage::Step(Box::new(step("review", &[2]))),
    ])
}

#[test]
fn automatic_step_reads_the_facts_it_is_given() {
    let d = fact_def();
    // Without facts: the check fails and names the resource it wanted.
    let (i, events) = start(&d, DEPT, form(30), T0).unwrap();
    assert_eq!(active(&i), ["instant"]);
    let (passed, ev) = auto_event(&events);
    assert!(!passed);
    assert_eq!(ev.unread, ["102001/000001"]);
    assert_eq!(ev.failed[0].resource.as_deref(), Some("102001/000001"));

    let row = |status: &str| {
        let mut f = Facts::new();
        f.insert(
            "102001/000001",
            Fact::Row {
                values: serde_json::from_value(json!({"status": status})).unwrap(),
            },
        );
        f
    };
    let (i, events) = start_with_facts(&d, DEPT, form(30), &row("存续"), T0).unwrap();
    assert_eq!(active(&i), ["review"]);
    let (passed, ev) = auto_event(&events);
    assert!(passed && ev.unread.is_empty());
    assert_eq!(ev.matched[1].actual, Some(json!("存续")));

    let (i, events) = start_with_facts(&d, DEPT, form(30), &row("注销"), T0).unwrap();
    assert_eq!(active(&i), ["instant"]);
    let (passed, ev) = auto_event(&events);
    assert!(!passed);
    let why = ev.failed[0].reason.clone().unwrap();
    assert!(why.zh.contains("“注销”"), "{}", why.zh);
    assert!(why.en.contains("\"注销\""), "{}", why.en);

    // Facts reach steps started by an action too.
    let mut no_row = Facts::new();
    no_row.insert("102001/000001", Fact::NoRow);
    let (i, _) = start(&d, DEPT, form(30), T0).unwrap();
    let i = ok(&d, &i, Action::Claim, 3);
    let i = ok(&d, &i, approve(), 3);
    let (back, events) = apply_with_facts(
        &d,
        &i,
        None,
        Action::Return {
            to_step: "instant".into(),
            opinion: "重新核验".into(),
        },
        &officer(2),
        T0,
        &no_row,
    )
    .unwrap();
    assert_eq!(active(&back), ["instant"]);
    let (passed, ev) = auto_event(&events);
    assert!(!passed);
    assert!(
        ev.failed[0]
            .reason
            .as_ref()
            .unwrap()
            .en
            .contains("holds no row")
    );
}

#[test]
fn fact_checks_are_validated_with_the_workflow() {
    let mut d = fact_def();
    if let Stage::Step(s) = &mut d.stages[0]
        && let Some(a) = &mut s.auto
        && let Rule::All(parts) = &mut a.rule
    {
        parts[1] = Rule::Fact(FactCheck {
            code: "adult".into(),
            resource: "102001".into(),
            field: "status".into(),
            op: Op::Eq,
            value: json!(null),
        });
    }
    let errs = d.validate().unwrap_err();
    let got: Vec<(&str, &str)> = errs
        .iter()
        .map(|e| (e.field.as_str(), e.rule.as_str()))
        .collect();
    assert!(got.contains(&(
        "stages[0].auto.rule.all[1].fact.resource",
        "workflow.fact_resource"
    )));
    assert!(got.contains(&(
        "stages[0].auto.rule.all[1].fact.value",
        "workflow.rule_value.eq"
    )));
    assert!(got.contains(&(
        "stages[0].auto.rule.all[1].fact.code",
        "workflow.duplicate_code"
    )));
    // Its resources, once each.
    assert_eq!(fact_def().fact_resources(), ["102001/000001"]);
}
