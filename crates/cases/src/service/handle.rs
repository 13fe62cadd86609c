//! The workflow steps: an officer's action through the engine, and the engine's answer taken
//! into the case (events, inbox, supplement waits, the decision).

use serde_json::json;
use yiwang_kernel::auth::{Actor, Ctx, Permission};

use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_workflow::{Action, Instance, Officer, Participant};

use super::shared_facts::Planned;
use super::{CaseService, Change, ClosePause, NewPause};
use crate::flow;
use crate::model::{CaseView, Decision, Status};
use crate::transitions::Transition;

impl CaseService {
    /// An officer's workflow action (approve, return, transfer, delegate, add or remove a
    /// signer, copy, urge, recall, request supplements, claim), optionally on a named step.
    /// Approving, refusing and returning need an opinion (`transitions::check_opinion`).
    pub async fn act(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        step: Option<&str>,
        action: Action,
    ) -> Result<CaseView> {
        let Some(staff) = ctx.actor.staff().cloned() else {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        };
        let urging = matches!(action, Action::Urge);
        let perm = if urging {
            Permission::CaseSupervise
        } else {
            Permission::CaseHandle
        };
        if !(ctx.actor.has(perm) || urging && ctx.actor.has(Permission::CaseHandle)) {
            return Err(self.denied(ctx, case_no, perm.as_str()).await);
        }
        // Urging reaches within the supervisor's (or officer's) reach; a step action is the
        // engine's to allow to a participant.
        let t = if urging {
            Transition::Urge
        } else {
            Transition::Act
        };
        let officer = Participant::Officer(Officer::from_staff(&staff));
        // Shared facts of the automatic steps the action starts, read before the transaction.
        let facts = if urging {
            Default::default()
        } else {
            let planned = Planned::Act {
                step: step.filter(|_| action.is_step_action()),
                action: &action,
                actor: &officer,
            };
            self.facts_for(ctx, case_no, planned).await?
        };
        let c = self.begin(ctx, case_no, expected, t).await?;
        let mut c = self.permit(ctx, c, t).await?;
        // Transfer, delegation, added signers and copies go to case officers only.
        if let Action::Transfer { to }
        | Action::Delegate { to }
        | Action::AddSigner { who: to }
        | Action::CopyTo { who: to } = &action
        {
            self.check_officer(*to).await?;
        }
        // An approval, a refusal or a return records its opinion (审批意见).
        crate::transitions::check_opinion(&action)?;
        let inst = self.instance(&c.row)?;
        let what = action.name();
        let (inst, events) = yiwang_workflow::apply_with_facts(
            &c.info.definition,
            &inst,
            step.filter(|_| action.is_step_action()),
            action,
            &officer,
            c.now,
            &facts,
        )?;
        self.absorb(&mut c, inst, events)?;
        c.audit = Some(("case.act", json!({ "action": what, "step": step })));
        self.finish(ctx, c).await
    }

    /// A transfer/delegation/signer target must be an active member of staff who can handle
    /// cases.
    async fn check_officer(&self, id: i64) -> Result<()> {
        let handles = self
            .identity
            .active_staff_roles(id)
            .await?
            .is_some_and(|roles| {
                roles
                    .iter()
                    .any(|r| r.permissions().contains(&Permission::CaseHandle))
            });
        if handles {
            Ok(())
        } else {
            Err(Error::field(FieldError::new(
                "to",
                "case.officer_required",
                "只能转给（委派给、加签、抄送给）在岗的审批人员",
                "The target must be an active case officer",
            )))
        }
    }

    /// Takes the engine's new instance and events into the case: process data, the inbox, the
    /// supplement wait, and the decision when the workflow finished.
    pub(crate) fn absorb(
        &self,
        c: &mut Change,
        mut inst: Instance,
        events: Vec<yiwang_workflow::Event>,
    ) -> Result<()> {
        use yiwang_workflow::{Status as WfStatus, What};
        let to = match &inst.flow.status {
            WfStatus::Running => Status::Handling,
            WfStatus::Paused(_) => Status::Paused,
            WfStatus::Completed | WfStatus::Refused => Status::Concluded,
        };
        let from = c.row.status.clone();
        let mut refusal = String::new();
        for e in &events {
            let mut ne = flow::to_case_event(
                &c.info.definition,
                e,
                (&c.actor, &c.actor_name),
                c.department_id,
                &from,
                to.as_str(),
            );
            if ne.actor.starts_with("system:") {
                ne.department_id = None;
            }
            match &e.what {
                What::StepCompleted => {
                    c.milestones.push((
                        format!("{}：完成", ne.step_name),
                        format!("{}: done", ne.step_code),
                    ));
                }
                What::Returned { .. } => {
                    c.milestones
                        .push((format!("{}：退回", ne.step_name), "returned".to_string()));
                }
                What::AutoDecided {
                    passed, evaluation, ..
                } => {
                    let (zh, en) = auto_reasons(evaluation);
                    if !*passed && !zh.is_empty() {
                        // The reasons a shared-data check failed, in the case history.
                        ne.opinion = format!("{zh}（{en}）");
                    }
                    let (mzh, men) = if *passed {
                        ("智能审批通过", "approved automatically")
                    } else {
                        ("智能审批转人工", "handed to an officer")
                    };
                    c.milestones.push(if !*passed && !zh.is_empty() {
                        (format!("{mzh}：{zh}"), format!("{men}: {en}"))
                    } else {
                        (mzh.to_string(), men.to_string())
                    });
                }
                What::SupplementRequested { items } => {
                    c.open_pause = Some(NewPause {
                        kind: "supplement",
                        special_type: String::new(),
                        name: "补正".to_string(),
                        reason: items.join("；"),
                        expected_days: 0,
                    });
                    c.milestones.push((
                        "补正告知（计时暂停）".to_string(),
                        "supplements requested".to_string(),
                    ));
                }
                What::Refused => {
                    refusal = ne.opinion.clone();
                }
                _ => {}
            }
            c.events.push(ne);
        }
        if c.before == Status::Paused && to != Status::Paused {
            // The wait for supplements ends.
            c.close_pause = Some(ClosePause {
                id: None,
                result: "已补正".to_string(),
                opinion: String::new(),
            });
        }
        c.tasks = Some(flow::tasks(&c.info.definition, &inst));
        c.row.status = to.as_str().to_string();
        match inst.flow.status {
            WfStatus::Completed => self.decide(c, Decision::Grant, ""),
            WfStatus::Refused => self.decide(c, Decision::Refuse, &refusal),
            _ => {}
        }
        inst.fields = Default::default();
        c.row.flow = Some(serde_json::to_string(&inst).map_err(Error::internal)?);
        Ok(())
    }
}

/// The reasons of an automatic decision's failed shared-data checks, joined, in Chinese and
/// English (empty when none failed).
fn auto_reasons(ev: &yiwang_workflow::Evaluation) -> (String, String) {
    let reasons: Vec<&yiwang_workflow::Reason> =
        ev.failed.iter().filter_map(|o| o.reason.as_ref()).collect();
    (
        reasons
            .iter()
            .map(|r| r.zh.as_str())
            .collect::<Vec<_>>()
            .join("；"),
        reasons
            .iter()
            .map(|r| r.en.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    )
}
