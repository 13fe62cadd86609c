//! The decision and conclusion (办结, with the result licence when the item issues one),
//! delivery (送达) and withdrawal by the applicant.

use serde_json::{Map, Value, json};
use yiwang_kernel::auth::Ctx;

use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use super::{CaseService, Change, ClosePause, context, optional_text, required_text};
use crate::model::{CaseView, Decision, DeliveryMethod, Status, result_code};
use crate::repo::{self, NewEvent};
use crate::transitions::{self, Transition};

impl CaseService {
    /// The decision and the conclusion (办结) with its result code.
    pub(crate) fn decide(&self, c: &mut Change, d: Decision, opinion: &str) {
        c.row.decision = Some(d.as_str().to_string());
        c.row.decision_opinion = opinion.to_string();
        c.row.decided_at = Some(c.now);
        let code = match d {
            Decision::Grant => result_code::GRANTED,
            Decision::Refuse => result_code::REFUSED,
        };
        c.row.result_code = Some(code.to_string());
        c.row.concluded_at = Some(c.now);
        let base = NewEvent {
            actor: c.actor.clone(),
            actor_name: c.actor_name.clone(),
            department_id: c.department_id,
            from_status: Status::Handling.as_str().to_string(),
            to_status: Status::Concluded.as_str().to_string(),
            opinion: opinion.to_string(),
            ..NewEvent::default()
        };
        c.events.push(NewEvent {
            action: "decided".to_string(),
            data: json!({ "decision": d.as_str() }),
            ..base.clone()
        });
        c.events.push(NewEvent {
            action: "concluded".to_string(),
            data: json!({ "result_code": code }),
            ..base
        });
        c.milestones.push((
            format!("已办结（{}）", result_code::zh(code)),
            format!(
                "concluded ({})",
                if d == Decision::Grant {
                    "granted"
                } else {
                    "refused"
                }
            ),
        ));
        c.tasks = Some(Vec::new());
    }

    /// A granted case whose item's result is a licence (出证办结) issues and seals it in the
    /// same transaction: type by the item's result name, holder the applicant, face fields
    /// from the form fields of the same keys. If the form lacks a face field, the case still
    /// concludes and an event asks for the licence to be issued by hand.
    pub(crate) async fn issue_result_licence(&self, c: &mut Change) -> Result<()> {
        let e = &c.info.elements;
        if e.result_type != "1" || e.result_name.trim().is_empty() {
            return Ok(());
        }
        let Some(t) = self.licences.type_by_name(e.result_name.trim()).await? else {
            return Ok(());
        };
        let holder_is_org = c.row.applicant_type != "1";
        if (t.holder_type == "org") != holder_is_org {
            return Ok(());
        }
        let cert = self.keys.open(context::CERT, &c.row.applicant_cert_enc)?;
        let form = self.form_fields_map(&c.row)?;
        let schema: Vec<yiwang_forms::FormField> =
            serde_json::from_str(&t.face_schema).unwrap_or_default();
        let face: Map<String, Value> = schema
            .iter()
            .filter_map(|f| form.get(&f.key).map(|v| (f.key.clone(), v.clone())))
            .collect();
        let input = yiwang_licences::IssueInput {
            type_code: t.code.clone(),
            holder_name: c.row.applicant_name.clone(),
            holder_code: cert.to_string(),
            face: Value::Object(face),
            issuer_department_id: c.row.department_id,
            case_no: Some(c.row.case_no.clone()),
            ..Default::default()
        };
        let sys = Ctx::system("cases");
        match self.licences.issue_in(&mut c.tx, &sys, &input).await {
            Ok(l) => {
                c.row.result_code = Some(result_code::ISSUED.to_string());
                c.issued = Some(l.clone());
                c.events.push(NewEvent {
                    actor: "system:licences".into(),
                    actor_name: "系统".into(),
                    action: "licence_issued".into(),
                    from_status: Status::Concluded.as_str().into(),
                    to_status: Status::Concluded.as_str().into(),
                    data: json!({ "identifier": l.identifier, "type": t.name }),
                    ..NewEvent::default()
                });
                c.milestones.push((
                    format!("已签发电子证照：{}", t.name),
                    "licence issued".into(),
                ));
            }
            Err(err) if err.code == ErrorCode::Validation => {
                c.events.push(NewEvent {
                    actor: "system:licences".into(),
                    actor_name: "系统".into(),
                    action: "licence_pending".into(),
                    from_status: Status::Concluded.as_str().into(),
                    to_status: Status::Concluded.as_str().into(),
                    data: json!({ "type": t.name, "missing": err.fields.iter().map(|f| f.field.clone()).collect::<Vec<_>>() }),
                    ..NewEvent::default()
                });
            }
            Err(err) => return Err(err),
        }
        Ok(())
    }

    /// 送达: the result reaches the applicant (window pickup, mail with its tracking number,
    /// or electronically).
    pub async fn deliver(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        method: &str,
        reference: &str,
    ) -> Result<CaseView> {
        let Some(m) = DeliveryMethod::parse(method.trim()) else {
            return Err(Error::field(FieldError::one_of(
                "method",
                &["window", "mail", "electronic"],
            )));
        };
        let reference = if m == DeliveryMethod::Mail {
            let r = required_text("reference", reference, 50)?;
            if !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(Error::field(FieldError::new(
                    "reference",
                    "tracking.format",
                    "快递单号只能包含字母、数字和连字符",
                    "A tracking number may contain only letters, digits and '-'",
                )));
            }
            r
        } else {
            optional_text("reference", reference, 50)?
        };
        let c = self
            .begin(ctx, case_no, expected, Transition::Deliver)
            .await?;
        let mut c = self.permit(ctx, c, Transition::Deliver).await?;
        c.row.delivery_method = Some(m.as_str().to_string());
        c.row.delivery_ref = reference.clone();
        c.row.delivered_at = Some(c.now);
        Self::step(
            &mut c,
            "delivered",
            Status::Delivered,
            "",
            json!({ "method": m.as_str(), "reference": reference }),
        );
        Self::milestone(
            &mut c,
            format!("已送达（{}）", m.zh()),
            format!("delivered ({})", m.as_str()),
        );
        c.audit = Some(("case.deliver", json!({ "method": m.as_str() })));
        self.finish(ctx, c).await
    }

    /// The applicant withdraws the application before the decision.
    pub async fn withdraw(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        reason: &str,
    ) -> Result<CaseView> {
        let reason = optional_text("reason", reason, 500)?;
        let mut c = self
            .begin(ctx, case_no, expected, Transition::Withdraw)
            .await?;
        if !c.rel.owner {
            // Only the applicant withdraws; to anyone else the case is not theirs to see here.
            c.tx.rollback().await?;
            return Err(Error::not_found());
        }
        self.withdraw_change(&mut c, &reason).await?;
        self.finish(ctx, c).await
    }

    /// The withdrawal of a case opened for it (the caller checked it is the applicant's).
    pub(crate) async fn withdraw_change(&self, c: &mut Change, reason: &str) -> Result<()> {
        transitions::check(Transition::Withdraw, c.state())?;
        let pauses = repo::pauses(&mut c.tx, c.row.id).await?;
        if let Some(open) = pauses.iter().find(|p| p.ended_at.is_none()) {
            c.close_pause = Some(ClosePause {
                id: Some(open.id),
                result: "申请人撤回".to_string(),
                opinion: String::new(),
            });
        }
        c.row.result_code = Some(result_code::VOID.to_string());
        c.row.concluded_at = Some(c.now);
        Self::step(c, "withdrawn", Status::Withdrawn, reason, json!({}));
        Self::milestone(c, "申请人已撤回申请", "withdrawn");
        c.tasks = Some(Vec::new());
        Ok(())
    }
}
