//! Moving a case through its definition: starting work on steps, advancing along a branch,
//! settling parallel branches (并联), concluding a stage and entering the next, ending the case.

use super::{Jump, Run, corrupt};

use crate::definition::{DepartmentRef, OnFail, OnPass, Place, SignMode, Step};
use crate::error::WorkflowError;
use crate::instance::{BranchState, Pool, Signer, Status, What, Who, Work};

impl<'a> Run<'a> {
    pub(super) fn end(&mut self, status: Status) {
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
    pub(super) fn start_work(
        &mut self,
        stage: usize,
        b: usize,
        index: usize,
    ) -> Result<(), WorkflowError> {
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
    pub(super) fn advance(&mut self, stage: usize, b: usize) -> Result<(), WorkflowError> {
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
            let evaluation = auto.rule.evaluate_with(&self.inst.fields, self.facts);
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
    pub(super) fn after_move(&mut self, stage: usize, b: usize) -> Result<(), WorkflowError> {
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
    pub(super) fn enter(
        &mut self,
        stage: usize,
        start: Option<(usize, usize)>,
    ) -> Result<(), WorkflowError> {
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
