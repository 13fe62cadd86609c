//! The state machine: [`start`] a case, [`apply`] an action. Pure functions of their inputs;
//! they never panic and never change the instance they are given.
//!
//! This module holds the actions, the participants, the entry points and the run a call works
//! on; `actions` applies one action, `flow` moves the case through its stages.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yiwang_kernel::auth::Staff;
use yiwang_kernel::clock::normalize;

use crate::definition::{ActionKind, Definition, OfficerId};
use crate::error::WorkflowError;
use crate::facts::Facts;
use crate::instance::{Event, Flow, Instance, Pool, Position, Status, StatusCode, What, Who, Work};
use crate::rules::Fields;

mod actions;
mod flow;

/// Longest opinion (GB/T 39046 表7 环节处理意见 an..1000).
pub const MAX_OPINION: usize = 1000;
/// Longest supplement item.
pub const MAX_ITEM: usize = 200;

/// Something done to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 签收: take a pooled step (no assignee yet) as its handler.
    Claim,
    /// 通过. From a delegate: report back to the delegator (委派办理完毕).
    Approve {
        #[serde(default)]
        opinion: String,
    },
    /// 退回 to an earlier step (opinion required).
    Return { to_step: String, opinion: String },
    /// 不予许可: the case ends refused (opinion required).
    Refuse { opinion: String },
    /// 转办: the place passes to another officer; the actor loses it.
    Transfer { to: OfficerId },
    /// 委派: another officer handles the place and reports back; the actor then decides.
    Delegate { to: OfficerId },
    /// 加签 (all-sign and any-sign steps).
    AddSigner { who: OfficerId },
    /// 减签 of an undecided signer (all-sign and any-sign steps).
    RemoveSigner { who: OfficerId },
    /// 抄送: an event only.
    CopyTo { who: OfficerId },
    /// 催办: an event only; anyone may urge while the case runs.
    Urge,
    /// 撤回 of the actor's own last action, if nobody acted after it.
    Recall,
    /// 补正告知: pause the case until the supplements arrive.
    RequestSupplement { items: Vec<String> },
    /// 补正受理: the supplements arrived (form fields may change); the case runs again.
    Supplemented {
        #[serde(default)]
        fields: Fields,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Claim => "claim",
            Action::Approve { .. } => "approve",
            Action::Return { .. } => "return",
            Action::Refuse { .. } => "refuse",
            Action::Transfer { .. } => "transfer",
            Action::Delegate { .. } => "delegate",
            Action::AddSigner { .. } => "add_signer",
            Action::RemoveSigner { .. } => "remove_signer",
            Action::CopyTo { .. } => "copy_to",
            Action::Urge => "urge",
            Action::Recall => "recall",
            Action::RequestSupplement { .. } => "request_supplement",
            Action::Supplemented { .. } => "supplemented",
        }
    }

    /// The step permission this action needs; `None` for claim and the case-level actions.
    pub fn kind(&self) -> Option<ActionKind> {
        Some(match self {
            Action::Approve { .. } => ActionKind::Approve,
            Action::Return { .. } => ActionKind::Return,
            Action::Refuse { .. } => ActionKind::Refuse,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::Delegate { .. } => ActionKind::Delegate,
            Action::AddSigner { .. } => ActionKind::AddSigner,
            Action::RemoveSigner { .. } => ActionKind::RemoveSigner,
            Action::CopyTo { .. } => ActionKind::CopyTo,
            Action::RequestSupplement { .. } => ActionKind::RequestSupplement,
            Action::Recall => ActionKind::Recall,
            Action::Claim | Action::Urge | Action::Supplemented { .. } => return None,
        })
    }

    /// Whether this action is done on one step by someone taking part in it.
    pub fn is_step_action(&self) -> bool {
        !matches!(
            self,
            Action::Urge | Action::Recall | Action::Supplemented { .. }
        )
    }
}

/// Who performs an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Participant {
    Officer(Officer),
    /// The applicant (reports supplements, urges).
    Applicant,
    /// The platform (timers, integrations).
    System,
}

/// A member of staff as the engine sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub id: OfficerId,
    pub department_id: i64,
    /// Role codes; a pooled step may be claimed by a holder of its role in its department.
    pub roles: Vec<String>,
}

impl Officer {
    /// The officer for a signed-in member of staff.
    pub fn from_staff(s: &Staff) -> Officer {
        Officer {
            id: s.user_id,
            department_id: s.department_id,
            roles: s.roles.iter().map(|r| r.as_str().to_string()).collect(),
        }
    }

    fn may_claim(&self, pool: &Pool) -> bool {
        self.department_id == pool.department_id && self.roles.contains(&pool.role)
    }
}

impl Participant {
    pub fn who(&self) -> Who {
        match self {
            Participant::Officer(o) => Who::Officer(o.id),
            Participant::Applicant => Who::Applicant,
            Participant::System => Who::System,
        }
    }
}

/// Starts a case: enters the first stage (running automatic steps at once).
pub fn start(
    def: &Definition,
    department_id: i64,
    fields: Fields,
    at: OffsetDateTime,
) -> Result<(Instance, Vec<Event>), WorkflowError> {
    start_with_facts(def, department_id, fields, &Facts::default(), at)
}

/// Starts a case; automatic steps read `facts` (the shared data the caller read for the
/// applicant).
pub fn start_with_facts(
    def: &Definition,
    department_id: i64,
    fields: Fields,
    facts: &Facts,
    at: OffsetDateTime,
) -> Result<(Instance, Vec<Event>), WorkflowError> {
    def.validate().map_err(WorkflowError::InvalidDefinition)?;
    let inst = Instance {
        definition: def.code.clone(),
        version: def.version,
        department_id,
        fields,
        flow: Flow {
            status: Status::Running,
            stage: 0,
            branches: Vec::new(),
        },
        undo: Vec::new(),
        history: Vec::new(),
    };
    let before = Position {
        status: StatusCode::Running,
        steps: Vec::new(),
    };
    let mut run = Run::new(def, inst, at, Who::System, facts);
    run.emit(Who::System, None, What::Started, None);
    run.enter(0, None)?;
    run.finish(before)
}

/// Applies an action to a case. For a step action the step is the one the actor takes part
/// in (an error asks to name it, see [`apply_on`], if there are several).
pub fn apply(
    def: &Definition,
    inst: &Instance,
    action: Action,
    actor: &Participant,
    at: OffsetDateTime,
) -> Result<(Instance, Vec<Event>), WorkflowError> {
    apply_with_facts(def, inst, None, action, actor, at, &Facts::default())
}

/// Applies a step action to a named active step.
pub fn apply_on(
    def: &Definition,
    inst: &Instance,
    step: &str,
    action: Action,
    actor: &Participant,
    at: OffsetDateTime,
) -> Result<(Instance, Vec<Event>), WorkflowError> {
    apply_with_facts(def, inst, Some(step), action, actor, at, &Facts::default())
}

/// Applies an action (to the named step, if given); automatic steps it starts read `facts`
/// (the shared data the caller read for the applicant).
pub fn apply_with_facts(
    def: &Definition,
    inst: &Instance,
    step: Option<&str>,
    action: Action,
    actor: &Participant,
    at: OffsetDateTime,
    facts: &Facts,
) -> Result<(Instance, Vec<Event>), WorkflowError> {
    def.validate().map_err(WorkflowError::InvalidDefinition)?;
    inst.check(def)?;
    let before = inst.flow.position();
    let mut run = Run::new(def, inst.clone(), at, actor.who(), facts);
    run.act(step, action, actor)?;
    run.finish(before)
}

/// What an actor must be on a step to do an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The one who may decide the place now (the signer, or their unreported delegate).
    Decider,
    /// A signer holding their own place (not delegated away, not decided).
    Holder,
    /// Any signer of the step, decided or not.
    Signer,
    /// Eligible to claim the pooled step.
    Claimer,
}

impl Need {
    fn of(action: &Action) -> Need {
        match action {
            Action::Approve { .. } => Need::Decider,
            Action::AddSigner { .. } | Action::RemoveSigner { .. } | Action::CopyTo { .. } => {
                Need::Signer
            }
            Action::Claim => Need::Claimer,
            _ => Need::Holder,
        }
    }

    fn met(self, work: &Work, officer: &Officer) -> bool {
        let id = officer.id;
        match self {
            Need::Decider => work.signers.iter().any(|s| s.holder() == Some(id)),
            Need::Holder => work
                .signers
                .iter()
                .any(|s| s.officer == id && s.holder() == Some(id)),
            Need::Signer => work.signers.iter().any(|s| s.officer == id),
            Need::Claimer => work.pool.as_ref().is_some_and(|p| officer.may_claim(p)),
        }
    }
}

enum Jump {
    Complete,
    To(String),
}

struct Draft {
    who: Who,
    step: Option<String>,
    what: What,
    opinion: Option<String>,
}

struct Run<'a> {
    def: &'a Definition,
    inst: Instance,
    at: OffsetDateTime,
    who: Who,
    drafts: Vec<Draft>,
    facts: &'a Facts,
}

fn corrupt(why: impl Into<String>) -> WorkflowError {
    WorkflowError::Corrupt(why.into())
}

/// Whether `who` takes part in the step other than as `me`'s own (former) delegate.
fn takes_part(w: &Work, who: OfficerId, me: OfficerId) -> bool {
    who == me
        || w.signers.iter().any(|s| {
            s.officer == who
                || (s.officer != me && s.delegation.as_ref().is_some_and(|d| d.to == who))
        })
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), WorkflowError> {
    if text.chars().count() > max {
        return Err(WorkflowError::TooLong { field, max });
    }
    Ok(())
}

fn required_text(field: &'static str, text: &str, max: usize) -> Result<(), WorkflowError> {
    if text.trim().is_empty() {
        return Err(WorkflowError::Required(field));
    }
    check_text(field, text, max)
}

impl<'a> Run<'a> {
    fn new(
        def: &'a Definition,
        inst: Instance,
        at: OffsetDateTime,
        who: Who,
        facts: &'a Facts,
    ) -> Run<'a> {
        Run {
            def,
            inst,
            at: normalize(at),
            who,
            drafts: Vec::new(),
            facts,
        }
    }

    fn emit(&mut self, who: Who, step: Option<&str>, what: What, opinion: Option<String>) {
        self.drafts.push(Draft {
            who,
            step: step.map(str::to_string),
            what,
            opinion,
        });
    }

    fn finish(mut self, before: Position) -> Result<(Instance, Vec<Event>), WorkflowError> {
        let after = self.inst.flow.position();
        let base = self.inst.history.len() as u64;
        let events: Vec<Event> = self
            .drafts
            .into_iter()
            .enumerate()
            .map(|(i, d)| Event {
                seq: base + i as u64,
                at: self.at,
                who: d.who,
                step: d.step,
                what: d.what,
                opinion: d.opinion,
                from: before.clone(),
                to: after.clone(),
            })
            .collect();
        self.inst.history.extend(events.iter().cloned());
        // A guard against bugs: never hand back an instance that does not fit.
        self.inst.check(self.def)?;
        Ok((self.inst, events))
    }
}
