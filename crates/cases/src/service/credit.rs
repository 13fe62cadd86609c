//! 信用核查 at acceptance (联合奖惩): the applicant (an enterprise by its USCC, a person by their
//! ID number) is checked against the credit red and black lists. The clerk's case page reads
//! them without recording anything ([`CaseService::credit_preview`]: a GET writes nothing);
//! the clerk's actions record the check — a pre-check ([`CaseService::credit_precheck`]), the
//! acknowledgement of a black-list hit ([`CaseService::acknowledge_credit`]) and acceptance
//! itself ([`CaseService::accept`]). Every check is recorded on the case (`case_credit_checks`)
//! with what the lists held then.
//!
//! * No entry: nothing happens.
//! * Black list (失信惩戒): never blocks by itself, but the clerk sees the basis and the measures
//!   and must acknowledge them ([`CaseService::acknowledge_credit`]) before accepting; acceptance
//!   without an acknowledgement of every black entry in force is refused naming them.
//! * Red list (守信激励) with 容缺受理 (`tolerant_acceptance`): the clerk may accept with
//!   non-key materials missing ([`CaseService::accept_tolerant`]); they are recorded as
//!   supplements due.
//!
//! The lists live in the supervision domain; the platform wires a [`CreditCheck`] in
//! (`web::services`), as the base libraries are. Without one nothing is checked. A check that
//! fails (the lists cannot be read) is recorded as `unavailable` and does not block.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use super::{CaseService, context, invalid_state};
use crate::model::{CaseView, NoticeItem, ymd};
use crate::repo::credit::{CreditCheckRow, NewCheck};
use crate::repo::{self, CaseRow};

/// The red-list facilitation that allows 容缺受理.
pub const TOLERANT_ACCEPTANCE: &str = "tolerant_acceptance";

/// One listing of the applicant on a red or black list, as the clerk sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditListing {
    pub entry_id: i64,
    /// `red` (守信激励) or `black` (失信惩戒).
    pub list: String,
    pub subject_name: String,
    /// 认定依据.
    pub basis: String,
    /// 惩戒或激励措施.
    pub measures: String,
    /// Red lists: `tolerant_acceptance` 容缺受理, `priority` 优先办理, `fewer_checks` 减少检查.
    pub facilitation: Vec<String>,
    /// 认定部门.
    pub authority: String,
    #[schema(value_type = String)]
    #[serde(with = "ymd")]
    pub valid_from: Date,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub valid_to: Option<Date>,
}

/// The credit lists as the cases domain sees them.
pub trait CreditCheck: Send + Sync + std::fmt::Debug {
    /// The listings in force today of the subject: `kind` is `person` (`number` an ID number)
    /// or `enterprise` (a USCC). Read as the platform, audited by the lists' owner.
    fn listings<'a>(
        &'a self,
        kind: &'a str,
        number: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<CreditListing>>> + Send + 'a>>;
}

pub(crate) type Source = Option<Arc<dyn CreditCheck>>;

/// One recorded check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditCheckRecord {
    pub id: i64,
    /// `precheck` or `accept`.
    pub stage: String,
    /// `none`, `red`, `black` or `unavailable`.
    pub result: String,
    pub entries: Vec<CreditListing>,
    pub checked_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
    pub acknowledged_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
    /// Materials tolerated at acceptance (容缺受理), to be handed in later.
    pub supplements_due: Vec<NoticeItem>,
}

/// The credit checks of a case and what they ask of the clerk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditStatus {
    pub case_no: String,
    /// Whether the lists are wired in (false: nothing is checked).
    pub enabled: bool,
    /// Oldest first.
    pub checks: Vec<CreditCheckRecord>,
    /// The latest check's result (`None`: never checked).
    pub result: Option<String>,
    /// The latest check found black entries nobody acknowledged yet.
    pub needs_acknowledgement: bool,
    /// The latest check found a red entry allowing 容缺受理.
    pub tolerant_acceptance: bool,
    /// What the lists hold now, read for a page and not recorded (a clerk's view of a case
    /// awaiting acceptance, [`CaseService::credit_preview`]); the flags above then speak of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<CreditCheckRecord>,
}

/// How many cases had their applicant checked in a period, and what the checks found (the
/// supervision bulletin). A case counts once per result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CreditCheckCounts {
    pub checked: i64,
    pub black: i64,
    pub red: i64,
    pub unavailable: i64,
}

/// The result of a check from its listings.
pub fn result_of(listings: &[CreditListing]) -> &'static str {
    if listings.iter().any(|l| l.list == "black") {
        "black"
    } else if listings.iter().any(|l| l.list == "red") {
        "red"
    } else {
        "none"
    }
}

fn record_of(r: CreditCheckRow) -> CreditCheckRecord {
    CreditCheckRecord {
        id: r.id,
        stage: r.stage,
        result: r.result,
        entries: serde_json::from_str(&r.entries).unwrap_or_default(),
        checked_by: r.checked_by,
        checked_at: r.checked_at,
        acknowledged_by: r.acknowledged_by,
        acknowledged_at: r.acknowledged_at,
        supplements_due: serde_json::from_str(&r.supplements_due).unwrap_or_default(),
    }
}

fn black_ids(l: &[CreditListing]) -> Vec<i64> {
    l.iter()
        .filter(|x| x.list == "black")
        .map(|x| x.entry_id)
        .collect()
}

/// Whether every black entry of `now` was acknowledged on an earlier check of the case; the
/// acknowledging clerk.
fn acknowledged_by(checks: &[CreditCheckRecord], now: &[CreditListing]) -> Option<String> {
    let wanted = black_ids(now);
    if wanted.is_empty() {
        return None;
    }
    checks
        .iter()
        .rev()
        .filter(|c| c.acknowledged_at.is_some())
        .find(|c| {
            let seen = black_ids(&c.entries);
            wanted.iter().all(|w| seen.contains(w))
        })
        .and_then(|c| c.acknowledged_by.clone())
}

/// A listing's line for a refusal: list, basis, measures, authority.
fn describe(l: &CreditListing) -> String {
    format!(
        "{}（依据：{}；措施：{}；认定部门：{}）",
        l.subject_name, l.basis, l.measures, l.authority
    )
}

fn entries_json(l: &[CreditListing]) -> Result<String> {
    serde_json::to_string(l).map_err(|e| Error::internal(format!("credit entries: {e}")))
}

/// What acceptance found: the listings, or why they could not be read.
pub(crate) struct Found {
    pub result: &'static str,
    pub listings: Vec<CreditListing>,
}

/// The status of recorded `checks` (and of a `live` read, which then decides the flags).
fn status_from(
    row: &CaseRow,
    enabled: bool,
    checks: Vec<CreditCheckRecord>,
    live: Option<CreditCheckRecord>,
) -> CreditStatus {
    let latest = live.as_ref().or(checks.last());
    let needs = latest.is_some_and(|l| {
        l.result == "black"
            && l.acknowledged_at.is_none()
            && acknowledged_by(&checks, &l.entries).is_none()
    });
    let tolerant = latest.is_some_and(|l| {
        l.entries
            .iter()
            .any(|e| e.list == "red" && e.facilitation.iter().any(|f| f == TOLERANT_ACCEPTANCE))
    });
    CreditStatus {
        case_no: row.case_no.clone(),
        enabled,
        result: latest.map(|l| l.result.clone()),
        needs_acknowledgement: needs,
        tolerant_acceptance: tolerant,
        checks,
        live,
    }
}

impl CaseService {
    /// Checks the applicant against `credit` (the credit lists the platform wires in).
    pub fn with_credit_check(mut self, credit: Arc<dyn CreditCheck>) -> Self {
        self.credit = Some(credit);
        self
    }

    /// The applicant's listings now; `None` when no lists are wired in.
    async fn credit_lookup(&self, row: &CaseRow) -> Result<Option<Found>> {
        let Some(src) = &self.credit else {
            return Ok(None);
        };
        let number = self.keys.open(context::CERT, &row.applicant_cert_enc)?;
        let kind = if row.applicant_type == "1" {
            "person"
        } else {
            "enterprise"
        };
        Ok(Some(match src.listings(kind, number.as_str()).await {
            Ok(listings) => Found {
                result: result_of(&listings),
                listings,
            },
            Err(e) => {
                tracing::warn!(error = %e, case_no = %row.case_no, "credit check failed");
                Found {
                    result: "unavailable",
                    listings: Vec::new(),
                }
            }
        }))
    }

    /// The case for a clerk's credit action: found, within reach, not yet accepted.
    async fn credit_row(&self, ctx: &Ctx, case_no: &str, attempted: &str) -> Result<CaseRow> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if ctx.actor.staff().is_none() || !self.may_read(ctx, &row) {
            return Err(self.hidden(ctx, &row.case_no, attempted).await);
        }
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        if !self.relation(&ctx.actor, &row, &info).receive {
            return Err(self.denied(ctx, &row.case_no, attempted).await);
        }
        Ok(row)
    }

    /// The cases of `departments` (those within the caller's `supervision.view` reach; all of
    /// the reach when `None`) whose applicant was checked in `[from, to)`.
    pub async fn credit_check_counts(
        &self,
        ctx: &Ctx,
        departments: Option<&[i64]>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<CreditCheckCounts> {
        let reach = yiwang_org::service::facts_reach(
            &self.db,
            ctx,
            departments,
            "kpi:credit_checks",
            self.clock.now(),
        )
        .await?;
        let mut db = self.db.clone();
        let (checked, black, red, unavailable) =
            repo::credit::period_counts(&mut db, reach.as_deref(), from, to).await?;
        Ok(CreditCheckCounts {
            checked,
            black,
            red,
            unavailable,
        })
    }

    /// The credit checks recorded on a case (anyone who may read the case, staff only).
    pub async fn credit_status(&self, ctx: &Ctx, case_no: &str) -> Result<CreditStatus> {
        let mut db = self.db.clone();
        let row = repo::by_no(&mut db, case_no.trim())
            .await?
            .ok_or_else(Error::not_found)?;
        if ctx.actor.staff().is_none() || !self.may_read(ctx, &row) {
            return Err(self.hidden(ctx, &row.case_no, "case.read").await);
        }
        self.status_of(&row).await
    }

    async fn status_of(&self, row: &CaseRow) -> Result<CreditStatus> {
        let mut db = self.db.clone();
        let checks: Vec<CreditCheckRecord> = repo::credit::of_case(&mut db, row.id)
            .await?
            .into_iter()
            .map(record_of)
            .collect();
        Ok(status_from(row, self.credit.is_some(), checks, None))
    }

    /// The credit block of a clerk's page (read only: nothing is recorded): the checks on
    /// record and, for a case awaiting acceptance that the caller may accept, what the lists
    /// hold about its applicant now (`live`), so a black-list hit is flagged with its basis
    /// before anyone records a check. The checks are recorded by the clerk's actions
    /// ([`Self::credit_precheck`], [`Self::acknowledge_credit`], acceptance).
    pub async fn credit_preview(&self, ctx: &Ctx, case_no: &str) -> Result<CreditStatus> {
        let status = self.credit_status(ctx, case_no).await?;
        if !status.enabled {
            return Ok(status);
        }
        let mut db = self.db.clone();
        let Some(row) = repo::by_no(&mut db, case_no.trim()).await? else {
            return Err(Error::not_found());
        };
        if row.status != crate::model::Status::Submitted.as_str() {
            return Ok(status);
        }
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        if !self.relation(&ctx.actor, &row, &info).receive {
            return Ok(status);
        }
        let Some(found) = self.credit_lookup(&row).await? else {
            return Ok(status);
        };
        let ack = acknowledged_by(&status.checks, &found.listings);
        let live = CreditCheckRecord {
            id: 0,
            stage: "preview".into(),
            result: found.result.into(),
            entries: found.listings,
            checked_by: ctx.actor.label(),
            checked_at: self.clock.now(),
            acknowledged_at: ack.as_ref().map(|_| self.clock.now()),
            acknowledged_by: ack,
            supplements_due: Vec::new(),
        };
        Ok(status_from(&row, true, status.checks, Some(live)))
    }

    /// 预审信用核查: checks the applicant of a case awaiting acceptance and records the result
    /// (clerks with `case.receive` over the case). Audited.
    pub async fn credit_precheck(&self, ctx: &Ctx, case_no: &str) -> Result<CreditStatus> {
        let row = self.credit_row(ctx, case_no, "case.credit_check").await?;
        let Some(found) = self.credit_lookup(&row).await? else {
            return self.status_of(&row).await;
        };
        let now = self.clock.now();
        let label = ctx.actor.label();
        let mut tx = self.db.write().await?;
        repo::credit::insert(
            &mut tx,
            &NewCheck {
                case_id: row.id,
                stage: "precheck",
                result: found.result,
                entries: entries_json(&found.listings)?,
                checked_by: &label,
                checked_at: now,
                acknowledged_by: None,
                acknowledged_at: None,
                supplements_due: "[]".into(),
            },
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "case.credit_check",
                format!("case:{}", row.case_no),
            )
            .source(&ctx.source)
            .data(json!({ "stage": "precheck", "result": found.result,
                    "entries": found.listings.iter().map(|l| l.entry_id).collect::<Vec<_>>() })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.status_of(&row).await
    }

    /// The clerk saw the basis and measures of the black-list entries the lists hold about the
    /// applicant now (as the case page showed them). The latest recorded check is marked when
    /// it found exactly those entries; otherwise the check is recorded now, acknowledged.
    /// Audited.
    pub async fn acknowledge_credit(&self, ctx: &Ctx, case_no: &str) -> Result<CreditStatus> {
        let row = self
            .credit_row(ctx, case_no, "case.credit_acknowledge")
            .await?;
        let status = self.status_of(&row).await?;
        let found = self.credit_lookup(&row).await?;
        let Some(found) = found.filter(|f| f.result == "black") else {
            return Err(invalid_state(
                "申请人目前不在失信黑名单中，无需确认",
                "The lists hold no black-list entry about the applicant to acknowledge",
            ));
        };
        if acknowledged_by(&status.checks, &found.listings).is_some() {
            return Ok(status);
        }
        let now = self.clock.now();
        let label = ctx.actor.label();
        let wanted = black_ids(&found.listings);
        let mut tx = self.db.write().await?;
        let check = match status.checks.last().filter(|l| {
            l.result == "black" && l.acknowledged_at.is_none() && black_ids(&l.entries) == wanted
        }) {
            Some(latest) => {
                repo::credit::acknowledge(&mut tx, latest.id, &label, now).await?;
                latest.id
            }
            None => {
                repo::credit::insert(
                    &mut tx,
                    &NewCheck {
                        case_id: row.id,
                        stage: "precheck",
                        result: found.result,
                        entries: entries_json(&found.listings)?,
                        checked_by: &label,
                        checked_at: now,
                        acknowledged_by: Some(&label),
                        acknowledged_at: Some(now),
                        supplements_due: "[]".into(),
                    },
                )
                .await?
            }
        };
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "case.credit_acknowledge",
                format!("case:{}", row.case_no),
            )
            .source(&ctx.source)
            .data(json!({ "check": check, "entries": wanted })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.status_of(&row).await
    }

    /// The check acceptance runs before its transaction: `None` without lists.
    pub(crate) async fn credit_at_accept(&self, case_no: &str) -> Result<Option<Found>> {
        if self.credit.is_none() {
            return Ok(None);
        }
        let mut db = self.db.clone();
        let Some(row) = repo::by_no(&mut db, case_no.trim()).await? else {
            return Ok(None);
        };
        self.credit_lookup(&row).await
    }

    /// Records the acceptance's check in its transaction. `Err(found)`: a black entry nobody
    /// acknowledged — the caller rolls back and refuses ([`Self::refuse_unacknowledged`]).
    /// `tolerated`: materials a red-listed applicant hands in later.
    pub(crate) async fn record_accept_check(
        &self,
        ctx: &Ctx,
        c: &mut super::Change,
        found: Option<Found>,
        tolerated: &[NoticeItem],
    ) -> Result<std::result::Result<Option<&'static str>, Found>> {
        let Some(found) = found else {
            return Ok(Ok(None));
        };
        let checks: Vec<CreditCheckRecord> = repo::credit::of_case(&mut c.tx, c.row.id)
            .await?
            .into_iter()
            .map(record_of)
            .collect();
        let ack = acknowledged_by(&checks, &found.listings);
        if found.result == "black" && ack.is_none() {
            return Ok(Err(found));
        }
        let label = ctx.actor.label();
        repo::credit::insert(
            &mut c.tx,
            &NewCheck {
                case_id: c.row.id,
                stage: "accept",
                result: found.result,
                entries: entries_json(&found.listings)?,
                checked_by: &label,
                checked_at: c.now,
                acknowledged_by: ack.as_deref(),
                acknowledged_at: ack.as_ref().map(|_| c.now),
                supplements_due: serde_json::to_string(tolerated)
                    .map_err(|e| Error::internal(format!("supplements due: {e}")))?,
            },
        )
        .await?;
        Ok(Ok(Some(found.result)))
    }

    /// Records the refused acceptance's check (after its transaction rolled back, so the flag
    /// stays on the case) and answers the refusal naming the black entries.
    pub(crate) async fn refuse_unacknowledged(
        &self,
        ctx: &Ctx,
        case_id: i64,
        case_no: &str,
        found: Found,
    ) -> Result<CaseView> {
        let now = self.clock.now();
        let label = ctx.actor.label();
        let mut tx = self.db.write().await?;
        repo::credit::insert(
            &mut tx,
            &NewCheck {
                case_id,
                stage: "accept",
                result: found.result,
                entries: entries_json(&found.listings)?,
                checked_by: &label,
                checked_at: now,
                acknowledged_by: None,
                acknowledged_at: None,
                supplements_due: "[]".into(),
            },
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "case.credit_check", format!("case:{case_no}"))
                .source(&ctx.source)
                .data(json!({ "stage": "accept", "result": found.result,
                    "entries": black_ids(&found.listings) })),
            now,
        )
        .await?;
        tx.commit().await?;
        let lines: Vec<String> = found
            .listings
            .iter()
            .filter(|l| l.list == "black")
            .map(describe)
            .collect();
        Err(Error::new(ErrorCode::InvalidState).with_detail(
            format!(
                "申请人在失信黑名单中：{}。请阅知认定依据和惩戒措施并确认后再受理",
                lines.join("；")
            ),
            format!(
                "The applicant is on a credit black list: {}. Acknowledge the basis and measures before accepting",
                lines.join("; ")
            ),
        ))
    }

    /// 容缺受理: a red-listed applicant whose listing allows it is accepted with the non-key
    /// materials `missing` (checklist entries that are not required) to be handed in later;
    /// they are recorded on the acceptance's credit check as supplements due.
    pub async fn accept_tolerant(
        &self,
        ctx: &Ctx,
        case_no: &str,
        expected: Option<i64>,
        missing: &[NoticeItem],
    ) -> Result<CaseView> {
        // Who may: a clerk reaching the case; then what was asked.
        let row = self.credit_row(ctx, case_no, "case.accept").await?;
        let mut p = Problems::new();
        if missing.is_empty() {
            p.push(FieldError::required("missing"));
        }
        let mut list = Vec::new();
        for (i, it) in missing.iter().enumerate() {
            let entry = p.take(text::required(
                &format!("missing[{i}].entry"),
                &it.entry,
                100,
            ));
            let reason = p.take(text::optional(
                &format!("missing[{i}].reason"),
                &it.reason,
                200,
            ));
            if let (Some(entry), Some(reason)) = (entry, reason) {
                list.push(NoticeItem { entry, reason });
            }
        }
        p.into_result()?;
        let info = self.info(&row.item_code, Some(row.item_version)).await?;
        for (i, it) in list.iter().enumerate() {
            match info.elements.materials.iter().find(|m| m.key == it.entry) {
                None => {
                    return Err(Error::field(FieldError::new(
                        format!("missing[{i}].entry"),
                        "material.unknown_entry",
                        format!("材料清单中没有“{}”", it.entry),
                        format!("The checklist has no entry \"{}\"", it.entry),
                    )));
                }
                Some(m) if m.required && m.condition.trim().is_empty() => {
                    return Err(Error::field(FieldError::new(
                        format!("missing[{i}].entry"),
                        "credit.key_material",
                        format!("“{}”是必要材料，不能容缺", m.name),
                        format!("\"{}\" is a key material; it cannot be tolerated", m.name),
                    )));
                }
                Some(_) => {}
            }
        }
        let found = self.credit_lookup(&row).await?;
        let allowed = found.as_ref().is_some_and(|f| {
            f.result == "red"
                && f.listings.iter().any(|l| {
                    l.list == "red" && l.facilitation.iter().any(|x| x == TOLERANT_ACCEPTANCE)
                })
        });
        if !allowed {
            return Err(invalid_state(
                "申请人不在允许容缺受理的红名单中",
                "The applicant is not on a red list allowing tolerant acceptance (容缺受理)",
            ));
        }
        self.accept_with(ctx, case_no, expected, found, &list).await
    }
}
