//! Applying one action to a run: the dispatch, recall (撤回), the targets of a return or a
//! transfer, the step actions with their sign modes (single, 会签, 或签) and completing a step
//! once its sign mode is met.

use super::{
    Action, MAX_ITEM, MAX_OPINION, Need, Officer, Participant, Run, check_text, corrupt,
    required_text, takes_part,
};

use crate::definition::{ActionKind, Place, SignMode, Step};
use crate::error::WorkflowError;
use crate::instance::{
    Approval, BranchState, Delegation, MAX_UNDO, Pause, Signer, Status, Undo, What, Who, Work,
};

impl<'a> Run<'a> {
    pub(super) fn act(
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
}
