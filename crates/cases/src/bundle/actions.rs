//! What the applicant does to a whole bundle application: withdraw it (every part not yet
//! ended, in one transaction, by the same rules as one case's withdrawal), rate it once (the
//! rating reaches every concluded part's department, 好差评), and answer the parts' one-time
//! notices with one upload of a bundle material (一次性告知 at bundle level).

use serde_json::{Value, json};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use super::{BundleCaseView, BundleMaterialRef};
use crate::model::{MaterialRef, Status};
use crate::repo::bundles::{self as brepo, BundleCaseRow};
use crate::repo::{self, NewEvent, ratings};
use crate::service::{CaseService, actor_name, invalid_state};
use crate::transitions::{self, State, Transition};

fn stale(row: &BundleCaseRow) -> Error {
    Error::new(ErrorCode::Conflict).with_detail(
        format!(
            "一件事申办 {} 已有新的进展（版本 {}），请刷新后重试",
            row.bundle_no, row.revision
        ),
        format!(
            "Bundle application {} has moved on (revision {}); reload and try again",
            row.bundle_no, row.revision
        ),
    )
}

impl CaseService {
    /// Loads an application in a write transaction for its applicant (anyone else: 404).
    async fn open_own(
        &self,
        ctx: &Ctx,
        bundle_no: &str,
        expected: Option<i64>,
    ) -> Result<(yiwang_store::Tx, BundleCaseRow)> {
        self.defs()?;
        let mut tx = self.db.write().await?;
        let Some(row) = brepo::by_no(&mut tx, bundle_no.trim()).await? else {
            tx.rollback().await?;
            return Err(Error::not_found());
        };
        if !Self::owns_bundle(&ctx.actor, &row, true) {
            tx.rollback().await?;
            return Err(Error::not_found());
        }
        if let Some(r) = expected
            && r != row.revision
        {
            tx.rollback().await?;
            return Err(stale(&row));
        }
        Ok((tx, row))
    }

    /// The applicant withdraws the whole application: every started part's case is withdrawn
    /// (if one can no longer be, nothing is), every waiting part is withdrawn; one transaction.
    pub async fn withdraw_bundle(
        &self,
        ctx: &Ctx,
        bundle_no: &str,
        revision: Option<i64>,
        reason: &str,
    ) -> Result<BundleCaseView> {
        let reason = text::optional("reason", reason, 500).map_err(Error::field)?;
        let (mut tx, row) = self.open_own(ctx, bundle_no, revision).await?;
        if row.status != "handling" {
            tx.rollback().await?;
            return Err(invalid_state(
                "该一件事申办已办结或已撤回",
                "The bundle application has already concluded or been withdrawn",
            ));
        }
        let now = self.clock.now();
        let mut parts = brepo::parts(&mut tx, row.id).await?;
        for p in parts.iter().filter(|p| p.state == "started") {
            let no = p.case_no.clone().unwrap_or_default();
            let Some(case) = repo::by_no(&mut tx, &no).await? else {
                continue;
            };
            let state = State {
                status: case.status()?,
                notice_given: case.notice_given,
            };
            if let Err(e) = transitions::check(Transition::Withdraw, state) {
                tx.rollback().await?;
                let name = self.part_label(&row, &p.part_key).await;
                return Err(invalid_state(
                    format!(
                        "“{name}”（办件 {no}）已不能撤回：{}",
                        e.message(yiwang_kernel::i18n::Lang::Zh)
                    ),
                    format!(
                        "\"{name}\" (case {no}) can no longer be withdrawn: {}",
                        e.message(yiwang_kernel::i18n::Lang::En)
                    ),
                ));
            }
        }
        for p in parts.iter_mut().filter(|p| p.state == "waiting") {
            p.state = "withdrawn".into();
            p.reason_zh = "申请人已撤回".into();
            p.reason_en = "withdrawn by the applicant".into();
            p.ended_at = Some(now);
            brepo::save_part(&mut tx, p).await?;
        }
        let started: Vec<String> = parts
            .iter()
            .filter(|p| p.state == "started")
            .filter_map(|p| p.case_no.clone())
            .collect();
        for no in started {
            let mut c = self
                .begin_in(ctx, tx, &no, None, Transition::Withdraw)
                .await?;
            self.withdraw_change(&mut c, &reason).await?;
            self.save_change(ctx, &mut c).await?;
            tx = c.tx;
        }
        // The parts' hooks settled the application as they ended; waiting parts alone still
        // need it.
        let mut b = brepo::by_no(&mut tx, &row.bundle_no)
            .await?
            .ok_or_else(Error::not_found)?;
        if b.status == "handling" {
            let parts = brepo::parts(&mut tx, b.id).await?;
            self.settle(&mut tx, &mut b, &parts, now).await?;
        }
        tx.commit().await?;
        self.bundle_view_of(&b).await
    }

    /// The one rating of the whole service (1–5), once the application concluded; every
    /// concluded part's case is rated with it in the same transaction (a bad rating opens
    /// each department's follow-up).
    pub async fn rate_bundle(
        &self,
        ctx: &Ctx,
        bundle_no: &str,
        score: i64,
        comment: &str,
    ) -> Result<BundleCaseView> {
        let mut p = Problems::new();
        if !(1..=5).contains(&score) {
            p.push(FieldError::range("score", 1, 5));
        }
        let comment = p
            .take(text::optional("comment", comment, 500))
            .unwrap_or_default();
        if score <= 2 && comment.trim().is_empty() {
            p.push(FieldError::new(
                "comment",
                "rating.comment_required",
                "差评请说明原因，以便部门核实整改",
                "Please say what went wrong, so the department can follow it up",
            ));
        }
        p.into_result()?;
        let (mut tx, row) = self.open_own(ctx, bundle_no, None).await?;
        if row.status != "concluded" {
            tx.rollback().await?;
            return Err(invalid_state(
                "一件事办结后才能评价",
                "The bundle can be rated once it concluded",
            ));
        }
        if brepo::rating(&mut tx, row.id).await?.is_some() {
            tx.rollback().await?;
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                "该一件事已评价",
                "This bundle application was already rated",
            ));
        }
        let now = self.clock.now();
        let by = ctx.actor.label();
        brepo::insert_rating(&mut tx, row.id, score, &comment, &by, now).await?;
        let parts = brepo::parts(&mut tx, row.id).await?;
        let cal = self.calendar.current().await?;
        for part in parts.iter().filter(|p| p.state == "concluded") {
            let Some(case) = repo::by_no(&mut tx, part.case_no.as_deref().unwrap_or("")).await?
            else {
                continue;
            };
            if !matches!(case.status()?, Status::Concluded | Status::Delivered)
                || ratings::count(&mut tx, case.id, "conclude").await? > 0
            {
                continue;
            }
            let id = ratings::insert(
                &mut tx,
                &ratings::NewRating {
                    case_id: case.id,
                    service: "conclude",
                    assess_number: 1,
                    level: score,
                    indicators: String::new(),
                    comment: &comment,
                    channel: "1",
                    person_id: ctx.actor.person().map(|p| p.person_id),
                    rated_at: now,
                },
            )
            .await?;
            if score <= 2 {
                let due = cal
                    .add_working_days_estimate(self.today(), self.config.followup_days)?
                    .value;
                ratings::open_followup(&mut tx, id, case.id, case.department_id, due, now).await?;
            }
            let seq = repo::next_event_seq(&mut tx, case.id).await?;
            repo::insert_event(
                &mut tx,
                case.id,
                seq,
                now,
                &NewEvent {
                    actor: by.clone(),
                    actor_name: actor_name(&ctx.actor),
                    action: "rated".to_string(),
                    from_status: case.status.clone(),
                    to_status: case.status.clone(),
                    data: json!({ "service": "conclude", "level": score, "assess_number": 1, "bundle_no": row.bundle_no }),
                    ..NewEvent::default()
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.bundle_view_of(&row).await
    }

    /// One upload of each bundle material answers every part whose open one-time notice (or
    /// supplement request) asks for an entry the material serves; one transaction.
    pub async fn supplement_bundle(
        &self,
        ctx: &Ctx,
        bundle_no: &str,
        materials: Vec<BundleMaterialRef>,
    ) -> Result<BundleCaseView> {
        if materials.is_empty() {
            return Err(Error::field(FieldError::required("materials")));
        }
        let (mut tx, row) = self.open_own(ctx, bundle_no, None).await?;
        let pb = self.def_of(&row).await?;
        let parts = brepo::parts(&mut tx, row.id).await?;
        let mut answered = 0;
        for part in parts.iter().filter(|p| p.state == "started") {
            let no = part.case_no.clone().unwrap_or_default();
            let Some(case) = repo::by_no(&mut tx, &no).await? else {
                continue;
            };
            if !matches!(case.status()?, Status::Supplement | Status::Paused) {
                continue;
            }
            let Some(pdef) = pb.def.parts.iter().find(|x| x.key == part.part_key) else {
                continue;
            };
            let refs: Vec<MaterialRef> = pdef
                .materials
                .iter()
                .filter_map(|mm| {
                    materials
                        .iter()
                        .find(|m| m.material.trim() == mm.material)
                        .map(|m| MaterialRef {
                            entry: mm.entry.clone(),
                            ticket: m.ticket.clone(),
                            licence: m.licence.clone(),
                        })
                })
                .collect();
            if refs.is_empty() {
                continue;
            }
            let c = self
                .begin_in(ctx, tx, &no, None, Transition::Supplement)
                .await?;
            let mut c = self.permit(ctx, c, Transition::Supplement).await?;
            self.supplement_change(&mut c, &Value::Null, &refs)
                .await
                .map_err(|e| match e.code {
                    ErrorCode::Validation => Error::validation(
                        e.fields
                            .into_iter()
                            .map(|f| f.within(&format!("parts.{}", part.part_key)))
                            .collect(),
                    ),
                    _ => e,
                })?;
            self.save_change(ctx, &mut c).await?;
            tx = c.tx;
            answered += 1;
        }
        if answered == 0 {
            tx.rollback().await?;
            return Err(invalid_state(
                "没有事项在等待这些补正材料",
                "No part is waiting for these supplements",
            ));
        }
        let mut b = brepo::by_no(&mut tx, &row.bundle_no)
            .await?
            .ok_or_else(Error::not_found)?;
        let parts = brepo::parts(&mut tx, b.id).await?;
        self.settle(&mut tx, &mut b, &parts, self.clock.now())
            .await?;
        tx.commit().await?;
        self.bundle_view_of(&b).await
    }
}
