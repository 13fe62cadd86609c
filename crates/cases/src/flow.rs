//! Between a case and its workflow: the effective definition of an item version, the open
//! tasks (inbox) and active steps of an instance, and workflow events as process data.

use yiwang_catalog::model::Elements;
use yiwang_workflow::{
    ActionKind, BranchState, Definition, DepartmentRef, Event, Instance, Performer, SignMode,
    Stage, Step, Who,
};

use crate::model::ActiveStep;
use crate::repo::{NewEvent, Task};

/// The role that handles workflow steps unless a definition says otherwise.
pub const OFFICER_ROLE: &str = "case_officer";

/// Step names of an item's declared process that are case-level, not workflow steps.
const CASE_LEVEL: &[&str] = &[
    "申请", "申报", "收件", "受理", "送达", "办结", "领证", "领取",
];

/// The workflow of an item version: the one it declares, or one built from its process steps
/// (审查 → 决定 when it declares none), each a pooled single step of the item's department
/// for case officers.
pub fn definition(code: &str, version: i64, e: &Elements) -> Definition {
    if let Some(d) = &e.workflow {
        return d.clone();
    }
    let mut names: Vec<(String, u32)> = e
        .process_steps
        .iter()
        .filter(|s| {
            let n = s.name.trim();
            !n.is_empty() && !CASE_LEVEL.iter().any(|c| n.contains(c))
        })
        .map(|s| {
            (
                s.name.trim().chars().take(50).collect(),
                u32::try_from(s.limit.clamp(0, 365)).unwrap_or(0),
            )
        })
        .collect();
    if names.is_empty() {
        names = vec![("审查".to_string(), 0), ("决定".to_string(), 0)];
    }
    let stages = names
        .into_iter()
        .enumerate()
        .map(|(i, (name, limit))| {
            let mut actions = vec![ActionKind::Approve];
            if i > 0 {
                actions.push(ActionKind::Return);
            }
            actions.extend([
                ActionKind::Refuse,
                ActionKind::Transfer,
                ActionKind::Delegate,
                ActionKind::CopyTo,
                ActionKind::Recall,
                ActionKind::RequestSupplement,
            ]);
            Stage::Step(Box::new(Step {
                code: format!("s{}", i + 1),
                name,
                performer: Performer {
                    role: OFFICER_ROLE.to_string(),
                    department: DepartmentRef::Item,
                },
                sign: SignMode::Single,
                signers: Vec::new(),
                limit_days: limit,
                actions,
                auto: None,
            }))
        })
        .collect();
    Definition {
        code: code.chars().filter(|c| c.is_ascii_alphanumeric()).collect(),
        version: u32::try_from(version.max(0)).unwrap_or(0),
        name: e.name.chars().take(100).collect(),
        stages,
    }
}

fn department_of(step: &Step, inst: &Instance) -> i64 {
    match step.performer.department {
        DepartmentRef::Item => inst.department_id,
        DepartmentRef::Id(d) => d,
    }
}

/// The open work of an instance: one task per officer holding an undecided place (or their
/// delegate), or one pooled task per step waiting to be claimed.
pub fn tasks(def: &Definition, inst: &Instance) -> Vec<Task> {
    let mut out = Vec::new();
    if inst.flow.status != yiwang_workflow::Status::Running {
        return out;
    }
    for branch in &inst.flow.branches {
        let BranchState::Active(work) = branch else {
            continue;
        };
        let Some((_, step)) = def.find(&work.step) else {
            continue;
        };
        let department_id = department_of(step, inst);
        if let Some(pool) = &work.pool {
            out.push(Task {
                step_code: step.code.clone(),
                step_name: step.name.clone(),
                officer_id: None,
                department_id: pool.department_id,
                role: pool.role.clone(),
                since: work.started_at,
            });
            continue;
        }
        for s in &work.signers {
            if s.approved.is_some() {
                continue;
            }
            let holder = s
                .delegation
                .as_ref()
                .filter(|d| d.report.is_none())
                .map(|d| d.to)
                .unwrap_or(s.officer);
            out.push(Task {
                step_code: step.code.clone(),
                step_name: step.name.clone(),
                officer_id: Some(holder),
                department_id,
                role: step.performer.role.clone(),
                since: work.started_at,
            });
        }
    }
    out
}

/// The active steps, for the case detail.
pub fn active_steps(def: &Definition, inst: &Instance) -> Vec<ActiveStep> {
    let mut out = Vec::new();
    for branch in &inst.flow.branches {
        let BranchState::Active(work) = branch else {
            continue;
        };
        let Some((_, step)) = def.find(&work.step) else {
            continue;
        };
        let earlier: Vec<(String, String)> = def
            .steps()
            .into_iter()
            .map(|(_, s)| (s.code.clone(), s.name.clone()))
            .take_while(|(c, _)| *c != step.code)
            .collect();
        out.push(ActiveStep {
            code: step.code.clone(),
            name: step.name.clone(),
            started_at: work.started_at,
            due: None,
            officers: work
                .signers
                .iter()
                .filter(|s| s.approved.is_none())
                .map(|s| {
                    s.delegation
                        .as_ref()
                        .filter(|d| d.report.is_none())
                        .map(|d| d.to)
                        .unwrap_or(s.officer)
                })
                .collect(),
            pool_role: work.pool.as_ref().map(|p| p.role.clone()),
            pool_department_id: work.pool.as_ref().map(|p| p.department_id),
            actions: step
                .actions
                .iter()
                .map(|a| a.as_str().to_string())
                .collect(),
            return_to: earlier,
        });
    }
    out
}

/// Whether a member of staff takes part in the instance now or did before (so they may read
/// the case even outside their department's reach).
pub fn involves(inst: &Instance, officer: i64, department_id: i64) -> bool {
    let active = inst.flow.branches.iter().any(|b| match b {
        BranchState::Active(w) => {
            w.signers.iter().any(|s| s.involves(officer))
                || w.pool
                    .as_ref()
                    .is_some_and(|p| p.department_id == department_id)
        }
        BranchState::Done => false,
    });
    active || inst.history.iter().any(|e| e.who == Who::Officer(officer))
}

/// The tag of a workflow event (`approved`, `step_started` …).
pub fn event_tag(e: &Event) -> String {
    serde_json::to_value(&e.what)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

/// A workflow event as process data. `actor` is the label and name of the member of staff
/// who acted (events by the engine itself are `system:workflow`).
pub fn to_case_event(
    def: &Definition,
    e: &Event,
    actor: (&str, &str),
    department_id: Option<i64>,
    from: &str,
    to: &str,
) -> NewEvent {
    let (label, name) = match e.who {
        Who::System => ("system:workflow".to_string(), "系统".to_string()),
        Who::Applicant => (actor.0.to_string(), actor.1.to_string()),
        Who::Officer(_) => (actor.0.to_string(), actor.1.to_string()),
    };
    let step_name = e
        .step
        .as_deref()
        .and_then(|s| def.find(s))
        .map(|(_, s)| s.name.clone())
        .unwrap_or_default();
    let mut data = serde_json::to_value(e).unwrap_or(serde_json::Value::Null);
    if let Some(o) = data.as_object_mut() {
        for k in ["seq", "at", "who", "step", "opinion", "action"] {
            o.remove(k);
        }
    }
    NewEvent {
        actor: label,
        actor_name: name,
        department_id,
        action: format!("wf.{}", event_tag(e)),
        from_status: from.to_string(),
        to_status: to.to_string(),
        step_code: e.step.clone().unwrap_or_default(),
        step_name,
        opinion: e.opinion.clone().unwrap_or_default(),
        data,
    }
}
