//! The state machine: [`start`] a case, [`apply`] an action. Pure functions of their inputs;
//! they never panic and never change the instance they are given.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yiwang_kernel::auth::Staff;
use yiwang_kernel::clock::normalize;

use crate::definition::{
    ActionKind, Definition, DepartmentRef, OfficerId, OnFail, OnPass, Place, SignMode, Step,
};
use crate::error::WorkflowError;
use crate::instance::{
    Approval, BranchState, Delegation, Event, Flow, Instance, MAX_UNDO, Pause, Pool, Position,
    Signer, Status, StatusCode, Undo, What, Who, Work,
};
use crate::rules::Fields;

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
    let mut run = Run::new(def, inst, at, Who::System);
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
    apply_inner(def, inst, None, action, actor, at)
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
    apply_inner(def, inst, Some(step), action, actor, at)
}

fn apply_inner(
    def: &Definition,
    inst: &Instance,
    step: Option<&str>,
    action: Action,
    actor: &Participant,
    at: OffsetDateTime,
) -> Result<(Instance, Vec<Event>), WorkflowError> {
    def.validate().map_err(WorkflowError::InvalidDefinition)?;
    inst.check(def)?;
    let before = inst.flow.position();
    let mut run = Run::new(def, inst.clone(), at, actor.who());
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
    fn new(def: &'a Definition, inst: Instance, at: OffsetDateTime, who: Who) -> Run<'a> {
        Run {
            def,
            inst,
            at: normalize(at),
            who,
            drafts: Vec::new(),
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

    fn act(
        &mut self,
        step: Option<&str>,
        action: Action,
        actor: &Participant,
    ) -> Result<(), WorkflowError> {
        match &self.inst.flow.status {
            Status::Completed | Status::Refused => return Err(WorkflowError::Finished),
            Status::Paused(_) if !matches!(action, Action::Supplemented { .. }) => {
                return Err(WorkflowError::Paused);
            }
            Status::Running if matches!(action, Action::Supplemented { .. }) => {
                return Err(WorkflowError::NotPaused);
            }
            _ => {}
        }
        match action {
            Action::Urge => {
                let pending = self
                    .inst
                    .flow
                    .active()
                    .flat_map(|(_, w)| w.holders())
                    .collect();
                self.emit(self.who, None, What::Urged { pending }, None);
                Ok(())
            }
            Action::Supplemented { fields } => {
                let names = fields.keys().cloned().collect();
                let step = match &self.inst.flow.status {
                    Status::Paused(p) => Some(p.step.clone()),
                    _ => None,
                };
                self.inst.fields.extend(fields);
                self.inst.flow.status = Status::Running;
                self.inst.undo.clear();
                self.emit(
                    self.who,
                    step.as_deref(),
                    What::Supplemented { fields: names },
                    None,
                );
                Ok(())
            }
            Action::Recall => {
                let Participant::Officer(officer) = actor else {
                    return Err(WorkflowError::NothingToRecall);
                };
                self.recall(officer)
            }
            action => {
                let Participant::Officer(officer) = actor else {
                    return Err(WorkflowError::NotYourTurn);
                };
                self.step_action(step, action, officer)
            }
        }
    }

    fn recall(&mut self, officer: &Officer) -> Result<(), WorkflowError> {
        let Some(top) = self.inst.undo.last() else {
            return Err(WorkflowError::NothingToRecall);
        };
        if top.actor != officer.id {
            return Err(if self.inst.undo.iter().any(|u| u.actor == officer.id) {
                WorkflowError::RecallNotLast
            } else {
                WorkflowError::NothingToRecall
            });
        }
        let Some((_, step)) = self.def.find(&top.step) else {
            return Err(WorkflowError::UnknownStep(top.step.clone()));
        };
        if !step.allows(ActionKind::Recall) {
            return Err(WorkflowError::ActionNotAllowed {
                step: step.code.clone(),
                action: ActionKind::Recall.as_str(),
            });
        }
        let Some(top) = self.inst.undo.pop() else {
            return Err(WorkflowError::NothingToRecall);
        };
        self.inst.flow = top.flow;
        self.emit(
            Who::Officer(officer.id),
            Some(&top.step),
            What::Recalled { undone: top.action },
            None,
        );
        Ok(())
    }

    /// Finds the branch of the step the action is for.
    fn target(
        &self,
        step: Option<&str>,
        need: Need,
        officer: &Officer,
    ) -> Result<usize, WorkflowError> {
        let flow = &self.inst.flow;
        let refuse = || {
            if need == Need::Claimer {
                WorkflowError::NotEligible
            } else {
                WorkflowError::NotYourTurn
            }
        };
        match step {
            Some(code) => {
                if self.def.find(code).is_none() {
                    return Err(WorkflowError::UnknownStep(code.to_string()));
                }
                let Some((b, work)) = flow.active().find(|(_, w)| w.step == code) else {
                    return Err(WorkflowError::StepNotActive(code.to_string()));
                };
                if need == Need::Claimer && work.pool.is_none() {
                    return Err(WorkflowError::NotPooled(code.to_string()));
                }
                if need.met(work, officer) {
                    Ok(b)
                } else {
                    Err(refuse())
                }
            }
            None => {
                let found: Vec<(usize, &Work)> = flow
                    .active()
                    .filter(|(_, w)| need.met(w, officer))
                    .collect();
                match found.as_slice() {
                    [] => Err(refuse()),
                    [(b, _)] => Ok(*b),
                    many => Err(WorkflowError::AmbiguousStep(
                        many.iter().map(|(_, w)| w.step.clone()).collect(),
                    )),
                }
            }
        }
    }

    fn work_mut(&mut self, b: usize) -> Result<&mut Work, WorkflowError> {
        match self.inst.flow.branches.get_mut(b) {
            Some(BranchState::Active(w)) => Ok(w),
            _ => Err(corrupt(format!("branch {b} is not active"))),
        }
    }

    fn place_of(&self, b: usize) -> Result<(Place, &'a Step), WorkflowError> {
        let Some(BranchState::Active(w)) = self.inst.flow.branches.get(b) else {
            return Err(corrupt(format!("branch {b} is not active")));
        };
        let place = Place {
            stage: self.inst.flow.stage,
            branch: b,
            index: w.index,
        };
        let step = self
            .def
            .step_at(place)
            .ok_or_else(|| corrupt(format!("no step at {place:?}")))?;
        Ok((place, step))
    }

    fn step_action(
        &mut self,
        step: Option<&str>,
        action: Action,
        officer: &Officer,
    ) -> Result<(), WorkflowError> {
        let need = Need::of(&action);
        let b = self.target(step, need, officer)?;
        let (place, step) = self.place_of(b)?;
        if let Some(kind) = action.kind()
            && !step.allows(kind)
        {
            return Err(WorkflowError::ActionNotAllowed {
                step: step.code.clone(),
                action: kind.as_str(),
            });
        }
        let me = officer.id;
        let who = Who::Officer(me);
        let code = step.code.as_str();
        let before = self.inst.flow.clone();
        let name = action.name();
        let mut recallable = true;
        match action {
            Action::Claim => {
                let w = self.work_mut(b)?;
                w.pool = None;
                w.signers = vec![Signer::new(me)];
                self.emit(who, Some(code), What::Claimed, None);
            }
            Action::Approve { opinion } => {
                check_text("opinion", &opinion, MAX_OPINION)?;
                let at = self.at;
                let w = self.work_mut(b)?;
                let Some(s) = w.signers.iter_mut().find(|s| s.holder() == Some(me)) else {
                    return Err(WorkflowError::NotYourTurn);
                };
                if s.officer == me {
                    s.approved = Some(Approval {
                        opinion: opinion.clone(),
                        at,
                    });
                    self.emit(who, Some(code), What::Approved, Some(opinion));
                    self.complete_if_met(b, place, step, who)?;
                } else {
                    let delegator = s.officer;
                    if let Some(d) = &mut s.delegation {
                        d.report = Some(opinion.clone());
                    }
                    self.emit(who, Some(code), What::Reported { delegator }, Some(opinion));
                }
            }
            Action::Return { to_step, opinion } => {
                required_text("opinion", &opinion, MAX_OPINION)?;
                let Some((target, _)) = self.def.find(&to_step) else {
                    return Err(WorkflowError::UnknownStep(to_step));
                };
                let earlier = target.stage < place.stage
                    || (target.stage == place.stage
                        && target.branch == place.branch
                        && target.index < place.index);
                if !earlier {
                    return Err(WorkflowError::BadReturnTarget(to_step));
                }
                self.emit(
                    who,
                    Some(code),
                    What::Returned {
                        to_step: to_step.clone(),
                    },
                    Some(opinion),
                );
                if target.stage == place.stage {
                    // Within the branch: only this branch rewinds; siblings keep their state.
                    self.start_work(target.stage, target.branch, target.index)?;
                    self.after_move(target.stage, target.branch)?;
                } else {
                    // To an earlier stage: every branch's pending work here is withdrawn, and
                    // the target's stage starts again (other branches of a target group from
                    // their first step).
                    self.cancel_others(b);
                    self.enter(target.stage, Some((target.branch, target.index)))?;
                }
            }
            Action::Refuse { opinion } => {
                required_text("opinion", &opinion, MAX_OPINION)?;
                self.emit(who, Some(code), What::Refused, Some(opinion));
                self.cancel_others(b);
                self.end(Status::Refused);
                recallable = false;
            }
            Action::Transfer { to } => {
                let w = self.work_mut(b)?;
                if takes_part(w, to, me) {
                    return Err(WorkflowError::AlreadyOnStep(to));
                }
                if let Some(s) = w.signers.iter_mut().find(|s| s.officer == me) {
                    s.officer = to;
                    s.delegation = None;
                }
                self.emit(who, Some(code), What::Transferred { officer: to }, None);
            }
            Action::Delegate { to } => {
                let w = self.work_mut(b)?;
                if takes_part(w, to, me) {
                    return Err(WorkflowError::AlreadyOnStep(to));
                }
                if let Some(s) = w.signers.iter_mut().find(|s| s.officer == me) {
                    s.delegation = Some(Delegation { to, report: None });
                }
                self.emit(who, Some(code), What::Delegated { officer: to }, None);
            }
            Action::AddSigner { who: added } => {
                if step.sign == SignMode::Single {
                    return Err(WorkflowError::SingleStep(code.to_string()));
                }
                let w = self.work_mut(b)?;
                if w.involves(added) {
                    return Err(WorkflowError::AlreadyOnStep(added));
                }
                w.signers.push(Signer::new(added));
                self.emit(who, Some(code), What::SignerAdded { officer: added }, None);
            }
            Action::RemoveSigner { who: removed } => {
                if step.sign == SignMode::Single {
                    return Err(WorkflowError::SingleStep(code.to_string()));
                }
                if removed == me {
                    return Err(WorkflowError::CannotRemoveSelf);
                }
                let w = self.work_mut(b)?;
                let Some(i) = w.signers.iter().position(|s| s.officer == removed) else {
                    return Err(WorkflowError::NotASigner(removed));
                };
                if w.signers.get(i).is_some_and(|s| s.approved.is_some()) {
                    return Err(WorkflowError::SignerDecided(removed));
                }
                w.signers.remove(i);
                self.emit(
                    who,
                    Some(code),
                    What::SignerRemoved { officer: removed },
                    None,
                );
                self.complete_if_met(b, place, step, who)?;
            }
            Action::CopyTo { who: copied } => {
                self.emit(who, Some(code), What::CopiedTo { officer: copied }, None);
                return Ok(());
            }
            Action::RequestSupplement { items } => {
                if items.is_empty() {
                    return Err(WorkflowError::Required("items"));
                }
                for item in &items {
                    required_text("items", item, MAX_ITEM)?;
                }
                self.inst.flow.status = Status::Paused(Pause {
                    by: me,
                    step: code.to_string(),
                    items: items.clone(),
                    at: self.at,
                });
                self.inst.undo.clear();
                self.emit(who, Some(code), What::SupplementRequested { items }, None);
                recallable = false;
            }
            Action::Urge | Action::Recall | Action::Supplemented { .. } => {
                return Err(corrupt("not a step action"));
            }
        }
        if self.inst.flow.status.is_finished() {
            self.inst.undo.clear();
        } else if recallable {
            self.inst.undo.push(Undo {
                actor: me,
                step: code.to_string(),
                action: name.to_string(),
                flow: before,
            });
            if self.inst.undo.len() > MAX_UNDO {
                self.inst.undo.remove(0);
            }
        }
        Ok(())
    }

    /// If the step at branch `b` met its sign condition, completes it and moves on.
    fn complete_if_met(
        &mut self,
        b: usize,
        place: Place,
        step: &Step,
        who: Who,
    ) -> Result<(), WorkflowError> {
        let done = match self.inst.flow.branches.get(b) {
            Some(BranchState::Active(w)) => w.is_complete(step.sign),
            _ => false,
        };
        if done {
            self.emit(who, Some(&step.code), What::StepCompleted, None);
            self.advance(place.stage, b)?;
            self.after_move(place.stage, b)?;
        }
        Ok(())
    }

    /// Withdraws the pending work of every active branch but `b`.
    fn cancel_others(&mut self, b: usize) {
        let cancelled: Vec<String> = self
            .inst
            .flow
            .active()
            .filter(|(i, _)| *i != b)
            .map(|(_, w)| w.step.clone())
            .collect();
        for code in cancelled {
            self.emit(Who::System, Some(&code), What::StepCancelled, None);
        }
    }

    fn end(&mut self, status: Status) {
        let what = if status == Status::Refused {
            None
        } else {
            Some(What::Completed)
        };
        self.inst.flow.status = status;
        self.inst.flow.branches.clear();
        self.inst.undo.clear();
        if let Some(what) = what {
            self.emit(Who::System, None, what, None);
        }
    }

    fn new_work(&self, step: &Step, index: usize) -> Work {
        let pool = (step.sign == SignMode::Single && step.signers.is_empty()).then(|| Pool {
            role: step.performer.role.clone(),
            department_id: match step.performer.department {
                DepartmentRef::Item => self.inst.department_id,
                DepartmentRef::Id(id) => id,
            },
        });
        Work {
            step: step.code.clone(),
            index,
            started_at: self.at,
            limit_days: step.limit_days,
            pool,
            signers: step.signers.iter().copied().map(Signer::new).collect(),
        }
    }

    /// Activates a step of the current stage's branch.
    fn start_work(&mut self, stage: usize, b: usize, index: usize) -> Result<(), WorkflowError> {
        let place = Place {
            stage,
            branch: b,
            index,
        };
        let def = self.def;
        let step = def
            .step_at(place)
            .ok_or_else(|| corrupt(format!("no step at {place:?}")))?;
        let work = self.new_work(step, index);
        let what = What::StepStarted {
            signers: step.signers.clone(),
            pool: work.pool.clone(),
        };
        let slot = self
            .inst
            .flow
            .branches
            .get_mut(b)
            .ok_or_else(|| corrupt(format!("no branch {b}")))?;
        *slot = BranchState::Active(work);
        self.emit(Who::System, Some(&step.code), what, None);
        Ok(())
    }

    /// Moves branch `b` past its completed step: the next step of the branch, or done.
    fn advance(&mut self, stage: usize, b: usize) -> Result<(), WorkflowError> {
        let index = match self.inst.flow.branches.get(b) {
            Some(BranchState::Active(w)) => w.index,
            _ => return Err(corrupt(format!("branch {b} is not active"))),
        };
        let next = Place {
            stage,
            branch: b,
            index: index + 1,
        };
        if self.def.step_at(next).is_some() {
            self.start_work(stage, b, index + 1)
        } else {
            if let Some(slot) = self.inst.flow.branches.get_mut(b) {
                *slot = BranchState::Done;
            }
            Ok(())
        }
    }

    /// Runs the automatic steps that branch `b` has just reached.
    fn settle(&mut self, stage: usize, b: usize) -> Result<Option<Jump>, WorkflowError> {
        let def = self.def;
        loop {
            let index = match self.inst.flow.branches.get(b) {
                Some(BranchState::Active(w)) => w.index,
                _ => return Ok(None),
            };
            let place = Place {
                stage,
                branch: b,
                index,
            };
            let step = def
                .step_at(place)
                .ok_or_else(|| corrupt(format!("no step at {place:?}")))?;
            let Some(auto) = &step.auto else {
                return Ok(None);
            };
            let evaluation = auto.rule.evaluate(&self.inst.fields);
            let code = Some(step.code.as_str());
            if evaluation.passed {
                let outcome = match &auto.on_pass {
                    OnPass::Next => "next".to_string(),
                    OnPass::Complete => "complete".to_string(),
                    OnPass::Step(s) => s.clone(),
                };
                self.emit(
                    Who::System,
                    code,
                    What::AutoDecided {
                        passed: true,
                        evaluation,
                        outcome,
                    },
                    None,
                );
                self.emit(Who::System, code, What::StepCompleted, None);
                match &auto.on_pass {
                    OnPass::Next => self.advance(stage, b)?,
                    OnPass::Complete => return Ok(Some(Jump::Complete)),
                    OnPass::Step(s) => return Ok(Some(Jump::To(s.clone()))),
                }
            } else {
                let outcome = match &auto.on_fail {
                    OnFail::Manual => "manual".to_string(),
                    OnFail::Step(s) => s.clone(),
                };
                self.emit(
                    Who::System,
                    code,
                    What::AutoDecided {
                        passed: false,
                        evaluation,
                        outcome,
                    },
                    None,
                );
                return Ok(match &auto.on_fail {
                    OnFail::Manual => None,
                    OnFail::Step(s) => Some(Jump::To(s.clone())),
                });
            }
        }
    }

    /// After branch `b` moved: run its automatic steps, then finish the stage if every branch
    /// is done.
    fn after_move(&mut self, stage: usize, b: usize) -> Result<(), WorkflowError> {
        let jump = self.settle(stage, b)?;
        if let Some(next) = self.conclude(stage, jump)? {
            self.enter(next, None)?;
        }
        Ok(())
    }

    /// Decides where the case goes from `stage`: a jump, the next stage when every branch is
    /// done, or nowhere (still working).
    fn conclude(
        &mut self,
        stage: usize,
        jump: Option<Jump>,
    ) -> Result<Option<usize>, WorkflowError> {
        match jump {
            Some(Jump::Complete) => {
                self.end(Status::Completed);
                Ok(None)
            }
            Some(Jump::To(code)) => {
                let Some((target, _)) = self.def.find(&code) else {
                    return Err(WorkflowError::UnknownStep(code));
                };
                for skipped in stage + 1..target.stage {
                    if let Some(s) = self.def.stages.get(skipped) {
                        let what = What::StageSkipped {
                            stage: s.code().to_string(),
                        };
                        self.emit(Who::System, None, what, None);
                    }
                }
                Ok(Some(target.stage))
            }
            None => {
                let all_done = self
                    .inst
                    .flow
                    .branches
                    .iter()
                    .all(|s| matches!(s, BranchState::Done));
                if !all_done {
                    return Ok(None);
                }
                if let Some(s) = self.def.stages.get(stage)
                    && s.is_parallel()
                {
                    let what = What::StageCompleted {
                        stage: s.code().to_string(),
                    };
                    self.emit(Who::System, None, what, None);
                }
                Ok(Some(stage + 1))
            }
        }
    }

    /// Enters a stage (every branch at its first step, or the branch of `start` at its step),
    /// runs automatic steps, and keeps going while stages complete at once.
    fn enter(&mut self, stage: usize, start: Option<(usize, usize)>) -> Result<(), WorkflowError> {
        let mut next = Some((stage, start));
        while let Some((si, start)) = next.take() {
            let Some(st) = self.def.stages.get(si) else {
                self.end(Status::Completed);
                return Ok(());
            };
            let n = st.branches().len();
            self.inst.flow.stage = si;
            self.inst.flow.branches = vec![BranchState::Done; n];
            for b in 0..n {
                let index = match start {
                    Some((sb, i)) if sb == b => i,
                    _ => 0,
                };
                self.start_work(si, b, index)?;
            }
            let mut jump = None;
            for b in 0..n {
                jump = self.settle(si, b)?;
                if jump.is_some() {
                    break;
                }
            }
            next = self.conclude(si, jump)?.map(|s| (s, None));
        }
        Ok(())
    }
}
