//! Writing new cases. Online applications and window receptions go through [`CaseWriter`], a
//! [`GroupWriter`]: the cases that arrive while one transaction commits are written together by
//! the next — their idempotency keys looked up, their numbers taken in one step per item and
//! day, each case's row, materials, first event (and, for staff, audit entry) written as when
//! alone — in one durable commit. Each caller is still answered only once that commit is
//! durable; a batch that fails is written again one case at a time, so one bad case (a licence
//! that may not be used, a key another process took first) cannot refuse its neighbours.
//!
//! Two applications under the same idempotency key in one batch resolve to one case: the first
//! is written, the second answered with it (and refused if it asked for something else), as
//! when the second arrives after the first was committed. Locks are taken in one order —
//! sequences by prefix, then the rows, then the audit head — so two writers on PostgreSQL
//! cannot deadlock on the sequences.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use time::Date;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Tx;
use yiwang_store::batch::{GroupWriter, Written};

use super::{CaseService, actor_name, context, same_request};
use crate::model::{CaseEvent, CaseMaterial, CaseView, Milestone, Status};
use crate::repo::{self, CaseRow, NewEvent, NewMaterial};

/// Most cases written in one transaction.
const BATCH: usize = 64;

/// Maximum daily sequence (six digits): the case number stays within 50 characters.
const MAX_SEQUENCE: i64 = 999_999;

/// Fixed-width parts of case numbers: the implementation code's letters and digits, upper-case.
fn number_prefix(code: &str, today: Date) -> String {
    code_date_prefix(code, 36, today)
}

/// The letters and digits of `code` upper-case (at most `most`), then `today` as `YYYYMMDD`:
/// the fixed part of case and bundle numbers.
pub(crate) fn code_date_prefix(code: &str, most: usize, today: Date) -> String {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(most)
        .collect();
    format!(
        "{code}{:04}{:02}{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    )
}

/// The number prefix of a new case: its item code and the day it was submitted (China time).
fn prefix_of(row: &CaseRow) -> String {
    number_prefix(
        &row.item_code,
        row.submitted_at.to_offset(CHINA_OFFSET).date(),
    )
}

/// The case number of sequence value `seq` under `prefix`.
fn case_no(prefix: &str, seq: i64) -> Result<String> {
    if seq > MAX_SEQUENCE {
        return Err(Error::unavailable("daily case-number sequence exhausted"));
    }
    Ok(format!("{prefix}{seq:06}"))
}

/// A new case waiting to be written: everything decided but its number and id.
pub(crate) struct PendingCase {
    svc: CaseService,
    ctx: Ctx,
    row: CaseRow,
    materials: Vec<NewMaterial>,
    action: &'static str,
    digest: String,
}

/// What became of one new case.
pub(crate) enum Outcome {
    /// Written and durable: the row with its id and number, and what its view shows.
    Created(Box<CaseRow>, Box<Created>),
    /// Not written: a case under its idempotency key exists (filed before, or earlier in the
    /// same batch) — that case and the digest of what it asked for.
    Existing(Box<CaseRow>, String),
}

/// The writer of new cases: a [`GroupWriter`] of at most [`BATCH`] cases a transaction.
#[derive(Clone)]
pub(crate) struct CaseWriter(GroupWriter<PendingCase, Outcome>);

impl Default for CaseWriter {
    fn default() -> Self {
        CaseWriter(GroupWriter::new(BATCH, write_batch))
    }
}

fn write_batch<'a>(tx: Tx, cases: &'a [&'a PendingCase]) -> Written<'a, Outcome> {
    Box::pin(write_cases(tx, cases))
}

/// How one case of a batch is answered.
enum Plan {
    Write,
    Existing(Box<CaseRow>, String),
    /// As the earlier case of the batch at this index, under the same idempotency key.
    SameAs(usize),
}

/// Writes `cases` in the write transaction `tx` and commits it (durably); one outcome per
/// case, in order.
async fn write_cases(mut tx: Tx, cases: &[&PendingCase]) -> Result<Vec<Outcome>> {
    // Idempotency keys: a case filed before under one answers it; so does an earlier case of
    // this batch.
    let mut plans = Vec::with_capacity(cases.len());
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, p) in cases.iter().enumerate() {
        let plan = match p.row.idem_key.as_deref() {
            None => Plan::Write,
            Some(k) => match first_of.get(k) {
                Some(&j) => Plan::SameAs(j),
                None => {
                    first_of.insert(k, i);
                    match repo::by_idem(&mut tx, k).await? {
                        Some((row, first)) => Plan::Existing(Box::new(row), first),
                        None => Plan::Write,
                    }
                }
            },
        };
        plans.push(plan);
    }
    // Numbers: one step of each prefix's daily sequence for all its cases here, by prefix.
    let prefixes: Vec<String> = cases.iter().map(|p| prefix_of(&p.row)).collect();
    let mut next: BTreeMap<&str, i64> = BTreeMap::new();
    for (plan, prefix) in plans.iter().zip(&prefixes) {
        if matches!(plan, Plan::Write) {
            *next.entry(prefix.as_str()).or_default() += 1;
        }
    }
    for (prefix, n) in next.iter_mut() {
        let last = repo::next_sequences(&mut tx, prefix, *n).await?;
        *n = last - *n + 1;
    }
    // Each case, in the order they came.
    let mut out: Vec<Outcome> = Vec::with_capacity(cases.len());
    for ((p, plan), prefix) in cases.iter().zip(plans).zip(&prefixes) {
        let outcome = match plan {
            Plan::Write => {
                let seq = next
                    .get_mut(prefix.as_str())
                    .ok_or_else(|| Error::internal("case writer: a prefix without numbers"))?;
                let mut row = p.row.clone();
                row.case_no = case_no(prefix, *seq)?;
                *seq += 1;
                let created = p
                    .svc
                    .write_numbered(&mut tx, &p.ctx, &mut row, &p.materials, p.action, &p.digest)
                    .await?;
                Outcome::Created(Box::new(row), Box::new(created))
            }
            Plan::Existing(row, first) => Outcome::Existing(row, first),
            Plan::SameAs(j) => match out.get(j) {
                Some(Outcome::Created(row, _)) => {
                    Outcome::Existing(row.clone(), cases[j].digest.clone())
                }
                Some(Outcome::Existing(row, first)) => {
                    Outcome::Existing(row.clone(), first.clone())
                }
                None => return Err(Error::internal("case writer: an earlier case missing")),
            },
        };
        out.push(outcome);
    }
    tx.commit().await?;
    Ok(out)
}

impl CaseService {
    /// Stores a new case (`form` is the validated form in clear, sealed in `row`) with the
    /// cases written beside it, and answers its view from what was written (`false`: a case
    /// under the same idempotency key answers instead).
    pub(crate) async fn create(
        &self,
        ctx: &Ctx,
        row: CaseRow,
        form: Map<String, Value>,
        materials: Vec<NewMaterial>,
        action: &'static str,
        idem_digest: &str,
    ) -> Result<(CaseView, bool)> {
        let key = row.idem_key.clone();
        let pending = PendingCase {
            svc: self.clone(),
            ctx: ctx.clone(),
            row,
            materials,
            action,
            digest: idem_digest.to_string(),
        };
        match self.writer.0.write(&self.db, pending).await {
            Ok(Outcome::Created(row, created)) => {
                let view = Self::assemble_view(
                    *row,
                    form,
                    created.materials,
                    vec![created.event],
                    Vec::new(),
                    Vec::new(),
                )?;
                Ok((view, true))
            }
            Ok(Outcome::Existing(existing, first)) => {
                same_request(&first, idem_digest)?;
                // Answered from a commit another request made: on disk before it is confirmed.
                self.db.durable().await?;
                Ok((self.view_of(ctx, *existing).await?, false))
            }
            Err(e) => match key {
                // Another process wrote a case under the same key first (PostgreSQL): answer it.
                Some(k) if e.code == ErrorCode::Duplicate => {
                    let (existing, first) = repo::by_idem(&mut self.db.clone(), &k)
                        .await?
                        .ok_or_else(|| Error::internal("idempotent case vanished"))?;
                    same_request(&first, idem_digest)?;
                    Ok((self.view_of(ctx, existing).await?, false))
                }
                _ => Err(e),
            },
        }
    }

    /// Writes a new case in the caller's transaction: its number, row (`row.id` and
    /// `row.case_no` set), materials (licences authorised for it), first event and, for staff,
    /// the audit entry. A case that is a bundle's part (`row.bundle_no`) says so in a
    /// milestone. Answers what `view_of` would read back of the materials and the event.
    pub(crate) async fn create_in(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        row: &mut CaseRow,
        materials: &[NewMaterial],
        action: &str,
        idem_digest: &str,
    ) -> Result<Created> {
        let prefix = prefix_of(row);
        let seq = repo::next_sequence(tx, &prefix).await?;
        row.case_no = case_no(&prefix, seq)?;
        self.write_numbered(tx, ctx, row, materials, action, idem_digest)
            .await
    }

    /// [`Self::create_in`] for a case whose number (`row.case_no`) is already taken.
    async fn write_numbered(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        row: &mut CaseRow,
        materials: &[NewMaterial],
        action: &str,
        idem_digest: &str,
    ) -> Result<Created> {
        let now = row.submitted_at;
        let (zh, en) = crate::events::describe(action);
        let mut milestones = vec![Milestone {
            at: now,
            zh: zh.to_string(),
            en: en.to_string(),
        }];
        if let Some(b) = &row.bundle_no {
            milestones.push(Milestone {
                at: now,
                zh: format!("属于一件事申办 {b}，与其他部门事项并联办理"),
                en: format!("part of the bundle application {b}, handled in parallel"),
            });
        }
        row.milestones = serde_json::to_string(&milestones).map_err(Error::internal)?;
        let id = repo::insert(tx, row, idem_digest).await?;
        row.id = id;
        let by = ctx.actor.label();
        let mut attached = Vec::with_capacity(materials.len());
        for (i, m) in materials.iter().enumerate() {
            attached.push(self.attach(tx, row, m, i, &by).await?);
        }
        repo::insert_materials(tx, id, &attached, now, &by).await?;
        let mut data = json!({
            "channel": row.channel,
            "materials": materials.iter().map(|m| json!({"entry": m.entry, "sha": m.sha})).collect::<Vec<_>>(),
        });
        if let (Some(b), Value::Object(d)) = (&row.bundle_no, &mut data) {
            d.insert("bundle_no".into(), Value::String(b.clone()));
        }
        let ev = NewEvent {
            actor: by.clone(),
            actor_name: actor_name(&ctx.actor),
            department_id: ctx.actor.staff().map(|s| s.department_id),
            action: action.to_string(),
            from_status: String::new(),
            to_status: Status::Submitted.as_str().to_string(),
            data,
            ..NewEvent::default()
        };
        repo::insert_event(tx, id, 1, now, &ev).await?;
        if ctx.actor.staff().is_some() {
            record(
                tx,
                &Entry::success(&ctx.actor, "case.receive", format!("case:{}", row.case_no))
                    .source(&ctx.source)
                    .data(json!({ "item": row.item_code })),
                now,
            )
            .await?;
        }
        // What `view_of` would read back: the materials in order (licences named after their
        // type), the one event, no stops.
        let materials = attached
            .into_iter()
            .map(|m| CaseMaterial {
                entry: m.entry,
                entry_name: m.entry_name,
                file_name: m.file_name,
                sha: m.sha,
                media_type: m.media_type,
                size: m.size,
                source: m.source.to_string(),
                added_at: now,
                provenance: m.provenance,
            })
            .collect();
        let event = CaseEvent {
            seq: 1,
            at: now,
            actor: ev.actor,
            actor_name: ev.actor_name,
            action: ev.action,
            action_zh: zh.to_string(),
            action_en: en.to_string(),
            from_status: ev.from_status,
            to_status: ev.to_status,
            step_code: ev.step_code,
            step_name: ev.step_name,
            opinion: ev.opinion,
            data: ev.data,
        };
        Ok(Created { materials, event })
    }

    /// A material as stored: a file as is; a licence once the applicant's use of it is
    /// authorised for this case (免证办, 用证授权), named after its type.
    pub(crate) async fn attach(
        &self,
        tx: &mut Tx,
        row: &CaseRow,
        m: &NewMaterial,
        i: usize,
        by: &str,
    ) -> Result<NewMaterial> {
        let mut m = m.clone();
        if m.source == "licence" {
            let cert = self.keys.open(context::CERT, &row.applicant_cert_enc)?;
            m.file_name = self
                .licences
                .authorise_in(
                    tx,
                    &m.sha,
                    &cert,
                    &m.licence_type,
                    &row.case_no,
                    row.department_id,
                    &m.entry,
                    by,
                    &format!("materials[{i}].licence"),
                )
                .await?;
        }
        Ok(m)
    }
}

/// What a new case's writing answers for its view.
pub(crate) struct Created {
    pub materials: Vec<CaseMaterial>,
    pub event: CaseEvent,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn case_numbers_are_code_date_sequence() {
        let p = number_prefix("11440800MB2C91234X4442117008000", date!(2026 - 11 - 22));
        assert_eq!(p, "11440800MB2C91234X444211700800020261122");
        assert!(format!("{p}{:06}", MAX_SEQUENCE).len() <= 50 + 14);
        let long = number_prefix(&"A".repeat(60), date!(2026 - 01 - 02));
        assert_eq!(format!("{long}{:06}", 1).len(), 50);
        assert_eq!(case_no("P", 7).ok().as_deref(), Some("P000007"));
        assert!(case_no("P", MAX_SEQUENCE + 1).is_err());
    }
}
