//! Sharing statistics per department and period (issue 13 item 9; the supervision KPIs build on
//! them). Every figure is computed from the stored catalog, requests and grants when asked —
//! none is typed in. Calls and rows shared come from the data API's call log through
//! [`CallLog`], which the node wires (`SharingService::with_call_log`); unwired, they are `null`.
//!
//! Definitions (period = `from`–`to`, China dates, both included):
//! * `resources_published`: the department's resources with a published version now (what it
//!   must provide); `resources_mounted`: those of them holding rows (挂接);
//!   `mounting_rate` = mounted / published (`null` without any).
//! * `requests_received` / `requests_made`: requests submitted in the period to / by it.
//! * `decisions`, `decision_days_avg`, `decision_days_max`: conditional requests it received
//!   and decided (granted or refused) in the period, in working days from submission.
//! * `overdue_decisions`: conditional requests received in the period decided after their due
//!   date, or still undecided past it today.
//! * `refusals`: requests it received refused in the period (negative-list refusals included).
//! * `grants_active` / `grants_held`: grants on its resources / held by it, active at the end
//!   of the period (or now, if earlier).

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_org::Department;
use yiwang_org::repo::DepartmentFilter;
use yiwang_store::Conn;

use super::{SharingService, china_date, end_of, start_of, target};
use crate::model::ShareType;
use crate::repo::requests;
use crate::service::ExchangeService;

/// Calls served from a department's resources in a period and the rows they returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub calls: i64,
    pub rows: i64,
}

/// The data API's call log as the statistics read it (implemented by the data API module).
pub trait CallLog: Send + Sync {
    /// Calls made in `[from, before)` to resources of `department_id`, and rows returned.
    fn counts(
        &self,
        department_id: i64,
        from: OffsetDateTime,
        before: OffsetDateTime,
    ) -> Pin<Box<dyn Future<Output = Result<CallCounts>> + Send + '_>>;
}

/// One department's sharing figures for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentStats {
    pub department_id: i64,
    pub department_name: String,
    #[schema(value_type = String)]
    #[serde(with = "super::ymd")]
    pub from: Date,
    #[schema(value_type = String)]
    #[serde(with = "super::ymd")]
    pub to: Date,
    pub resources_published: i64,
    pub resources_published_in_period: i64,
    pub resources_mounted: i64,
    /// Mounted / published, 0–1; `null` when nothing is published.
    pub mounting_rate: Option<f64>,
    pub requests_received: i64,
    pub requests_made: i64,
    pub decisions: i64,
    pub decision_days_avg: Option<f64>,
    pub decision_days_max: Option<i64>,
    pub overdue_decisions: i64,
    pub refusals: i64,
    pub grants_active: i64,
    pub grants_held: i64,
    /// Data API calls to its resources; `null` until the call log is wired.
    pub calls: Option<i64>,
    /// Rows those calls returned; `null` until the call log is wired.
    pub rows_shared: Option<i64>,
}

/// Checks a statistics period: both dates, in order, at most about ten years.
pub fn period(from: Date, to: Date) -> Result<()> {
    if to < from || (to - from).whole_days() > 3700 {
        return Err(Error::validation(vec![FieldError::new(
            "to",
            "exchange.period_order",
            "统计期间：截止日期不能早于开始日期，且不超过十年",
            "The period ends on or after its start, at most ten years later",
        )]));
    }
    Ok(())
}

impl SharingService {
    /// The figures of one department: its steward (`exchange.provide`), or the supervisor or
    /// administrator of its division.
    pub async fn stats(
        &self,
        ctx: &Ctx,
        department_id: i64,
        from: Date,
        to: Date,
    ) -> Result<DepartmentStats> {
        period(from, to)?;
        let mut tx = self.db.read().await?;
        let d = ExchangeService::department(&mut tx, department_id).await?;
        let t = target(&d);
        let a = &ctx.actor;
        let allowed = a.may_on(Permission::ExchangeProvide, t)
            || a.may_on(Permission::ExchangeSupervise, t)
            || a.may_on(Permission::ExchangeAdmin, t);
        if !allowed {
            tx.rollback().await?;
            return Err(self
                .deny(ctx, format!("department:{department_id}"), "exchange.stats")
                .await);
        }
        let s = self.figures(&mut tx, &d, from, to).await?;
        tx.commit().await?;
        self.with_calls(s).await
    }

    /// The figures of every department within the caller's `exchange.supervise` reach.
    pub async fn stats_all(&self, ctx: &Ctx, from: Date, to: Date) -> Result<Vec<DepartmentStats>> {
        period(from, to)?;
        let mut tx = self.db.read().await?;
        let ids = super::queries::reach(&mut tx, ctx, Permission::ExchangeSupervise).await?;
        let all =
            yiwang_org::service::departments_in(&mut tx, &DepartmentFilter::default()).await?;
        let mut out = Vec::new();
        for d in all
            .iter()
            .filter(|d| ids.as_ref().is_none_or(|ids| ids.contains(&d.id)))
        {
            out.push(self.figures(&mut tx, d, from, to).await?);
        }
        tx.commit().await?;
        let mut done = Vec::with_capacity(out.len());
        for s in out {
            done.push(self.with_calls(s).await?);
        }
        Ok(done)
    }

    async fn with_calls(&self, mut s: DepartmentStats) -> Result<DepartmentStats> {
        if let Some(log) = &self.calls {
            let c = log
                .counts(s.department_id, start_of(s.from), end_of(s.to))
                .await?;
            s.calls = Some(c.calls);
            s.rows_shared = Some(c.rows);
        }
        Ok(s)
    }

    async fn figures(
        &self,
        c: &mut impl Conn,
        d: &Department,
        from: Date,
        to: Date,
    ) -> Result<DepartmentStats> {
        let now = self.clock.now();
        let today = china_date(now);
        let (start, before) = (start_of(from), end_of(to));
        let within = |t: OffsetDateTime| start <= t && t < before;
        let resources = requests::provided(c, d.id).await?;
        let published = resources.len() as i64;
        let mounted = resources.iter().filter(|r| r.row_count > 0).count() as i64;
        let published_in_period = resources
            .iter()
            .filter(|r| r.publish_date.is_some_and(|p| from <= p && p <= to))
            .count() as i64;
        let received = requests::for_stats(c, d.id, true, start, before).await?;
        let made = requests::for_stats(c, d.id, false, start, before).await?;
        let conditional = ShareType::Conditional.code();
        let mut days = Vec::new();
        let mut overdue = 0;
        let mut refusals = 0;
        for r in &received {
            let decided_in = r.decided_at.is_some_and(within);
            if r.state == "refused" && decided_in {
                refusals += 1;
            }
            if r.share_type != conditional {
                continue;
            }
            if decided_in && (r.state == "granted" || r.state == "refused") {
                days.push(r.decision_days.unwrap_or(0));
            }
            if within(r.submitted_at) {
                let late = match r.decided_at {
                    Some(at) if r.state != "withdrawn" => china_date(at) > r.due_date,
                    Some(_) => false,
                    None => today > r.due_date,
                };
                if late {
                    overdue += 1;
                }
            }
        }
        let at = now.min(before);
        let active = |v: &[(OffsetDateTime, OffsetDateTime, Option<OffsetDateTime>)]| {
            v.iter()
                .filter(|(f, t, rev)| *f <= at && at < *t && rev.is_none_or(|r| r > at))
                .count() as i64
        };
        let given = requests::grant_periods(c, d.id, true).await?;
        let held = requests::grant_periods(c, d.id, false).await?;
        let n = days.len() as i64;
        Ok(DepartmentStats {
            department_id: d.id,
            department_name: d.name.clone(),
            from,
            to,
            resources_published: published,
            resources_published_in_period: published_in_period,
            resources_mounted: mounted,
            mounting_rate: (published > 0).then(|| mounted as f64 / published as f64),
            requests_received: received.iter().filter(|r| within(r.submitted_at)).count() as i64,
            requests_made: made.iter().filter(|r| within(r.submitted_at)).count() as i64,
            decisions: n,
            decision_days_avg: (n > 0).then(|| days.iter().sum::<i64>() as f64 / n as f64),
            decision_days_max: days.iter().copied().max(),
            overdue_decisions: overdue,
            refusals,
            grants_active: active(&given),
            grants_held: active(&held),
            calls: None,
            rows_shared: None,
        })
    }
}

/// The data API's call log (`exchange_calls`) as the statistics read it: the node wires this
/// one (`SharingService::with_call_log`).
#[derive(Clone, Debug)]
pub struct DbCallLog {
    db: yiwang_store::Db,
}

impl DbCallLog {
    pub fn new(db: yiwang_store::Db) -> DbCallLog {
        DbCallLog { db }
    }
}

impl CallLog for DbCallLog {
    fn counts(
        &self,
        department_id: i64,
        from: OffsetDateTime,
        before: OffsetDateTime,
    ) -> Pin<Box<dyn Future<Output = Result<CallCounts>> + Send + '_>> {
        Box::pin(async move {
            let mut db = self.db.clone();
            let (calls, rows) =
                crate::repo::calls::counts_of_provider(&mut db, department_id, from, before)
                    .await?;
            Ok(CallCounts { calls, rows })
        })
    }
}
