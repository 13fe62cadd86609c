//! Pre-check: acceptance (受理) or not, the one-time notice of supplements (一次性告知) and
//! handing supplements in.

use serde_json::{Value, json};
use yiwang_kernel::auth::Ctx;

use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, FieldError, Result, text};
use yiwang_workflow::{Action, Participant};

use super::shared_facts::Planned;
use super::{CaseService, Change, context, required_text};
use crate::model::{CaseView, MaterialRef, NoticeItem, Status};
use crate::repo::{self};
use crate::transitions::Transition;

impl CaseService {
    /// 受理: the pre-check passed; the workflow starts and the clock runs from tomorrow.
    pub async fn accept(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
    ) -> Result<CaseView> {
        // The applicant's credit listings (信用核查), read before the transaction.
        let credit = self.credit_at_accept(case_no).await?;
        self.accept_with(ctx, case_no, expected, credit, &[]).await
    }

    /// Acceptance with the credit check `credit` already read and the materials `tolerated`
    /// under 容缺受理.
    pub(crate) async fn accept_with(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        credit: Option<super::credit::Found>,
        tolerated: &[NoticeItem],
    ) -> Result<CaseView> {
        // Shared facts of the automatic steps acceptance starts, read before the transaction.
        let facts = self.facts_for(ctx, case_no, Planned::Accept).await?;
        let c = self
            .begin(ctx, case_no, expected, Transition::Accept)
            .await?;
        let mut c = self.permit(ctx, c, Transition::Accept).await?;
        let checked = match self
            .record_accept_check(ctx, &mut c, credit, tolerated)
            .await?
        {
            Ok(r) => r,
            Err(found) => {
                let (id, no) = (c.row.id, c.row.case_no.clone());
                c.tx.rollback().await?;
                return self.refuse_unacknowledged(ctx, id, &no, found).await;
            }
        };
        let e = &c.info.elements;
        c.row.accepted_at = Some(c.now);
        c.row.accept_date = Some(c.today);
        c.row.promised_days = Some(e.promised_limit.max(0));
        c.row.statutory_days = Some(e.statutory_limit.max(0));
        let doc_no = format!("{}SL", c.row.case_no);
        Self::step(
            &mut c,
            "accepted",
            Status::Handling,
            "",
            json!({ "accept_doc_no": doc_no }),
        );
        Self::milestone(&mut c, "已受理", "accepted");
        let fields = self.form_fields(&c.row)?;
        let (inst, events) = yiwang_workflow::start_with_facts(
            &c.info.definition,
            c.row.department_id,
            fields,
            &facts,
            c.now,
        )?;
        self.absorb(&mut c, inst, events)?;
        c.audit = Some((
            "case.accept",
            json!({ "accept_doc_no": doc_no, "credit": checked, "tolerated": tolerated.len() }),
        ));
        self.finish(ctx, c).await
    }

    /// 不予受理, with the reason.
    pub async fn not_accept(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        reason: &str,
    ) -> Result<CaseView> {
        let reason = required_text("reason", reason, 1000)?;
        let c = self
            .begin(ctx, case_no, expected, Transition::NotAccept)
            .await?;
        let mut c = self.permit(ctx, c, Transition::NotAccept).await?;
        Self::step(
            &mut c,
            "not_accepted",
            Status::NotAccepted,
            &reason,
            json!({}),
        );
        Self::milestone(&mut c, format!("不予受理：{reason}"), "not accepted");
        c.row.concluded_at = Some(c.now);
        c.tasks = Some(Vec::new());
        c.audit = Some(("case.not_accept", json!({ "reason": reason })));
        self.finish(ctx, c).await
    }

    /// 一次性告知: before acceptance, one notice listing everything missing. Only once per case.
    pub async fn request_supplements(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        items: &[NoticeItem],
    ) -> Result<CaseView> {
        let mut p = Problems::new();
        if items.is_empty() {
            p.push(FieldError::required("items"));
        }
        let mut list = Vec::new();
        for (i, it) in items.iter().enumerate() {
            if let Some(r) = p.take(text::required(
                &format!("items[{i}].reason"),
                &it.reason,
                200,
            )) {
                list.push(NoticeItem {
                    entry: it.entry.trim().to_string(),
                    reason: r,
                });
            }
        }
        p.into_result()?;
        let c = self
            .begin(ctx, case_no, expected, Transition::RequestSupplements)
            .await?;
        let mut c = self.permit(ctx, c, Transition::RequestSupplements).await?;
        for it in &list {
            if !it.entry.is_empty() && !c.info.elements.materials.iter().any(|m| m.key == it.entry)
            {
                return Err(Error::field(FieldError::new(
                    "items.entry",
                    "material.unknown_entry",
                    format!("材料清单中没有“{}”", it.entry),
                    format!("The checklist has no entry \"{}\"", it.entry),
                )));
            }
        }
        c.row.notice_given = true;
        Self::step(
            &mut c,
            "supplement_requested",
            Status::Supplement,
            "",
            json!({ "items": list }),
        );
        Self::milestone(&mut c, "一次性告知补正材料", "supplements requested");
        c.audit = Some(("case.request_supplements", json!({ "items": list.len() })));
        self.finish(ctx, c).await
    }

    /// The applicant (or a clerk on their behalf) hands in supplements: files and changed form
    /// fields. Before acceptance the case goes back to pre-check; during handling the workflow
    /// resumes where it stood.
    pub async fn supplement(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        form: &Value,
        materials: &[MaterialRef],
    ) -> Result<CaseView> {
        let c = self
            .begin(ctx, case_no, expected, Transition::Supplement)
            .await?;
        let mut c = self.permit(ctx, c, Transition::Supplement).await?;
        self.supplement_change(&mut c, form, materials).await?;
        self.finish(ctx, c).await
    }

    /// Supplements handed in on a case opened and permitted for it.
    pub(crate) async fn supplement_change(
        &self,
        c: &mut Change,
        form: &Value,
        materials: &[MaterialRef],
    ) -> Result<()> {
        let by_owner = c.rel.owner;
        let mut p = Problems::new();
        // Changed fields are merged into the form and the whole form validated again.
        let mut merged = self.form_fields_map(&c.row)?;
        let mut changed = Vec::new();
        if let Value::Object(m) = form {
            for (k, v) in m {
                merged.insert(k.clone(), v.clone());
                changed.push(k.clone());
            }
        } else if !form.is_null() {
            p.push(FieldError::new(
                "form",
                "form.object",
                "表单应为对象（字段名 → 值）",
                "The form must be an object (field key → value)",
            ));
        }
        let merged = Self::check_form(
            &c.info.elements,
            &Value::Object(merged),
            &[],
            c.today,
            &mut p,
        );
        let already = repo::material_bytes(&mut c.tx, c.row.id).await?;
        let files = self.check_materials(
            &c.actor,
            &c.info.elements,
            materials,
            &[],
            already,
            false,
            "supplement",
            &mut p,
        )?;
        if files.is_empty() && changed.is_empty() {
            p.push(FieldError::new(
                "materials",
                "supplement.empty",
                "请提交补正材料或修改表单内容",
                "Hand in at least one file or changed form field",
            ));
        }
        p.into_result()?;
        c.row.form_enc = self
            .keys
            .seal(context::FORM, &Value::Object(merged.clone()).to_string())?;
        let data = json!({
            "fields": changed,
            "materials": files.iter().map(|m| json!({"entry": m.entry, "sha": m.sha})).collect::<Vec<_>>(),
        });
        c.materials = files;
        if c.before == Status::Supplement {
            Self::step(c, "supplemented", Status::Submitted, "", data);
            Self::milestone(c, "已补正材料，待受理", "supplements handed in");
        } else {
            Self::step(c, "supplemented", Status::Handling, "", data);
            let inst = self.instance(&c.row)?;
            let fields: yiwang_workflow::Fields = merged
                .into_iter()
                .filter(|(k, _)| changed.contains(k))
                .collect();
            let participant = if by_owner {
                Participant::Applicant
            } else {
                Participant::System
            };
            let (inst, events) = yiwang_workflow::apply(
                &c.info.definition,
                &inst,
                Action::Supplemented { fields },
                &participant,
                c.now,
            )?;
            self.absorb(c, inst, events)?;
            Self::milestone(c, "已补正材料，继续办理", "supplements received");
        }
        if !by_owner {
            c.audit = Some(("case.supplement", json!({})));
        }
        Ok(())
    }
}
