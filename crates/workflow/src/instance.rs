//! The state of one case in its workflow, and the events an action produces.
//!
//! Everything here is serde data: the caller stores an [`Instance`] as JSON and each
//! [`Event`] as a row of process data (办件过程数据).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::definition::{Definition, OfficerId, SignMode};
use crate::error::WorkflowError;
use crate::rules::{Evaluation, Fields};

/// How many recallable actions are remembered; older ones can no longer be recalled.
pub const MAX_UNDO: usize = 16;

/// One case's workflow state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The definition's code and version this case runs on.
    pub definition: String,
    pub version: u32,
    /// The item's department (resolves [`crate::DepartmentRef::Item`]).
    pub department_id: i64,
    /// The form fields automatic steps read; supplements may change them.
    pub fields: Fields,
    pub flow: Flow,
    /// Recallable actions, newest last; each remembers the flow before it.
    #[serde(default)]
    pub undo: Vec<Undo>,
    /// Every event so far, oldest first.
    #[serde(default)]
    pub history: Vec<Event>,
}

/// Where the case stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// Flattened: `"status": "paused"` with the pause's `by`, `step`, `items`, `at` beside it.
    #[serde(flatten)]
    pub status: Status,
    /// Index of the current stage (meaningless once finished).
    pub stage: usize,
    /// One entry per branch of the current stage (a single step is one branch); empty once
    /// finished.
    pub branches: Vec<BranchState>,
}

/// The case's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Running,
    /// Waiting for supplements (补正); nothing but their receipt is accepted.
    Paused(Pause),
    /// Approved through the last stage (or by an automatic step).
    Completed,
    /// Refused (不予许可).
    Refused,
}

/// A request for supplements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pause {
    pub by: OfficerId,
    pub step: String,
    pub items: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One branch of the current stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BranchState {
    /// A step of this branch is being handled.
    Active(Work),
    /// Every step of this branch is approved.
    Done,
}

/// The work on one active step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    pub step: String,
    /// The step's position in its branch.
    pub index: usize,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// The step's time limit in working days (0: none), copied from the definition.
    pub limit_days: u32,
    /// Set while the step waits to be claimed by an officer of this role and department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<Pool>,
    pub signers: Vec<Signer>,
}

/// Who may claim a pooled step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    pub role: String,
    pub department_id: i64,
}

/// One signer (assignee) of a step and their decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signer {
    pub officer: OfficerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Approval>,
    /// 委派: the delegate handles the work; their report comes back to this signer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<Delegation>,
}

/// A signer's approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub opinion: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A delegation (委派) of a signer's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delegation {
    pub to: OfficerId,
    /// The delegate's opinion once they reported back; until then the delegate holds the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// A recallable action: who did it, on which step, and the flow before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Undo {
    pub actor: OfficerId,
    pub step: String,
    pub action: String,
    pub flow: Flow,
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Who {
    Officer(OfficerId),
    Applicant,
    /// The engine itself (automatic steps).
    System,
}

/// Something that happened to a case: stored by the caller as process data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the case's history, from 0.
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub who: Who,
    /// The step concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(flatten)]
    pub what: What,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<String>,
    /// Where the case stood before the action that caused this event…
    pub from: Position,
    /// …and after it.
    pub to: Position,
}

/// What happened. Its fields are flattened into the [`Event`], so none may be called `seq`,
/// `at`, `who`, `step`, `opinion`, `from` or `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum What {
    /// The case entered the workflow.
    Started,
    /// A step became active, with its signers (or its pool).
    StepStarted {
        signers: Vec<OfficerId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pool: Option<Pool>,
    },
    /// An officer claimed a pooled step (签收).
    Claimed,
    /// A signer approved.
    Approved,
    /// A delegate reported back to the signer who delegated (委派办理完毕).
    Reported { delegator: OfficerId },
    /// An automatic step evaluated its rule.
    AutoDecided {
        passed: bool,
        evaluation: Evaluation,
        /// `next`, `complete`, `manual` or the step the case jumped to.
        outcome: String,
    },
    /// A step's sign condition was met.
    StepCompleted,
    /// A stage was skipped by an automatic step's jump.
    StageSkipped { stage: String },
    /// Every branch of a stage completed.
    StageCompleted { stage: String },
    /// 退回.
    Returned { to_step: String },
    /// A step's pending work was withdrawn (by a return or a refusal elsewhere).
    StepCancelled,
    /// 转办.
    Transferred { officer: OfficerId },
    /// 委派.
    Delegated { officer: OfficerId },
    /// 加签.
    SignerAdded { officer: OfficerId },
    /// 减签.
    SignerRemoved { officer: OfficerId },
    /// 抄送.
    CopiedTo { officer: OfficerId },
    /// 催办, to everyone holding an active step.
    Urged { pending: Vec<OfficerId> },
    /// 撤回 of the actor's last action.
    Recalled { undone: String },
    /// 补正告知: the case is paused.
    SupplementRequested { items: Vec<String> },
    /// 补正受理: the case runs again; the listed form fields were updated.
    Supplemented { fields: Vec<String> },
    /// 办结 (approved).
    Completed,
    /// 不予许可.
    Refused,
}

/// A case's position, as recorded in events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub status: StatusCode,
    /// The active steps.
    pub steps: Vec<String>,
}

/// The status without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCode {
    Running,
    Paused,
    Completed,
    Refused,
}

impl Status {
    pub fn code(&self) -> StatusCode {
        match self {
            Status::Running => StatusCode::Running,
            Status::Paused(_) => StatusCode::Paused,
            Status::Completed => StatusCode::Completed,
            Status::Refused => StatusCode::Refused,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self, Status::Completed | Status::Refused)
    }
}

impl Signer {
    pub fn new(officer: OfficerId) -> Signer {
        Signer {
            officer,
            approved: None,
            delegation: None,
        }
    }

    /// The officer who may decide this place now: the delegate while a delegation is
    /// unreported, otherwise the signer; nobody once approved.
    pub fn holder(&self) -> Option<OfficerId> {
        if self.approved.is_some() {
            return None;
        }
        match &self.delegation {
            Some(d) if d.report.is_none() => Some(d.to),
            _ => Some(self.officer),
        }
    }

    /// Whether the officer is this signer or their delegate.
    pub fn involves(&self, who: OfficerId) -> bool {
        self.officer == who || self.delegation.as_ref().is_some_and(|d| d.to == who)
    }
}

impl Work {
    /// Whether the step's sign condition is met: `Single` — its assignee approved; `All` —
    /// every current signer approved; `Any` — one approved.
    pub fn is_complete(&self, mode: SignMode) -> bool {
        match mode {
            SignMode::Single | SignMode::All => {
                !self.signers.is_empty() && self.signers.iter().all(|s| s.approved.is_some())
            }
            SignMode::Any => self.signers.iter().any(|s| s.approved.is_some()),
        }
    }

    /// Whether the officer takes part (as signer or delegate).
    pub fn involves(&self, who: OfficerId) -> bool {
        self.signers.iter().any(|s| s.involves(who))
    }

    /// The officers who may decide now.
    pub fn holders(&self) -> Vec<OfficerId> {
        self.signers.iter().filter_map(Signer::holder).collect()
    }
}

impl Flow {
    /// The active works, with their branch index.
    pub fn active(&self) -> impl Iterator<Item = (usize, &Work)> {
        self.branches
            .iter()
            .enumerate()
            .filter_map(|(b, s)| match s {
                BranchState::Active(w) => Some((b, w)),
                BranchState::Done => None,
            })
    }

    pub fn position(&self) -> Position {
        Position {
            status: self.status.code(),
            steps: self.active().map(|(_, w)| w.step.clone()).collect(),
        }
    }
}

impl Instance {
    /// The active step with this code, if any.
    pub fn work(&self, step: &str) -> Option<&Work> {
        self.flow
            .active()
            .find(|(_, w)| w.step == step)
            .map(|(_, w)| w)
    }

    /// Checks that the instance fits its definition: the stage exists, every branch state
    /// matches the definition's steps, no active step has already met its sign condition,
    /// nobody takes part twice in a step, a pause names an active step, and a finished case
    /// has no active step. [`crate::apply`] checks this before and after every action.
    pub fn check(&self, def: &Definition) -> Result<(), WorkflowError> {
        let bad = |why: String| Err(WorkflowError::Corrupt(why));
        if self.definition != def.code || self.version != def.version {
            return Err(WorkflowError::DefinitionMismatch {
                expected: format!("{}@{}", def.code, def.version),
                found: format!("{}@{}", self.definition, self.version),
            });
        }
        let flow = &self.flow;
        if flow.status.is_finished() {
            if !flow.branches.is_empty() {
                return bad("a finished case has active steps".into());
            }
            return Ok(());
        }
        let Some(stage) = def.stages.get(flow.stage) else {
            return bad(format!("no stage {}", flow.stage));
        };
        let branches = stage.branches();
        if branches.len() != flow.branches.len() {
            return bad(format!(
                "stage {} has {} branches",
                flow.stage,
                branches.len()
            ));
        }
        if flow.active().next().is_none() {
            return bad("a running case has no active step".into());
        }
        for (b, work) in flow.active() {
            let Some(step) = branches.get(b).and_then(|steps| steps.get(work.index)) else {
                return bad(format!("branch {b} has no step {}", work.index));
            };
            if step.code != work.step {
                return bad(format!("step {} is not at its place", work.step));
            }
            if work.is_complete(step.sign) {
                return bad(format!("step {} met its sign condition", work.step));
            }
            let mut seen = Vec::new();
            for s in &work.signers {
                seen.push(s.officer);
                if let Some(d) = &s.delegation {
                    seen.push(d.to);
                }
            }
            let n = seen.len();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != n {
                return bad(format!("someone takes part twice in step {}", work.step));
            }
            match (step.sign, &work.pool) {
                (SignMode::Single, Some(_)) if work.signers.is_empty() => {}
                (SignMode::Single, None) if work.signers.len() == 1 => {}
                (SignMode::All | SignMode::Any, None) if !work.signers.is_empty() => {}
                _ => return bad(format!("step {} has a wrong signer set", work.step)),
            }
        }
        if let Status::Paused(p) = &flow.status
            && self.work(&p.step).is_none()
        {
            return bad(format!("paused on inactive step {}", p.step));
        }
        Ok(())
    }
}
