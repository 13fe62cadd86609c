//! The refresh: recompute the day rows of every measure from the domains' facts and roll the
//! touched months up. Sum measures are recomputed for every day from the start (the last
//! refreshed day minus [`WINDOW_DAYS`], so late follow-ups and closures still count, or the
//! full refresh's first day) to today; Last measures for today. Each source's rows are
//! replaced in one transaction (delete, insert); the months, the run's record and its audit
//! entry (`kpi.refresh`) commit together at the end. Recomputing gives the same rows: facts
//! depend only on stored data.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;
use time::{Date, Duration};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::facts::{Aggregation, FactRow};
use yiwang_kernel::{Error, Result};

use super::model::{Month, RefreshMode, RefreshReport, RefreshStep};
use super::repo::{self, FactOut};
use super::sources::FactSource;
use crate::SupervisionService;

/// How many days before the last refreshed day an incremental refresh starts again.
pub const WINDOW_DAYS: i64 = 45;

/// The first refresh (nothing refreshed yet) covers the last twelve months and this one, so the
/// trends are full.
const FIRST_MONTHS: u32 = 12;

impl SupervisionService {
    /// Recomputes the materialised facts from the domains (the evaluation administrator, or the
    /// platform: `serve`'s background loop, `yiwang kpi refresh`, the demo loader).
    pub async fn refresh(&self, ctx: &Ctx, mode: RefreshMode) -> Result<RefreshReport> {
        let sources = self.sources.fact_sources();
        let refs: Vec<&dyn FactSource> = sources.iter().map(|s| s.as_ref()).collect();
        self.refresh_with(ctx, mode, &refs).await
    }

    /// [`SupervisionService::refresh`] over the given sources (tests stand in for the domains).
    pub async fn refresh_with(
        &self,
        ctx: &Ctx,
        mode: RefreshMode,
        sources: &[&dyn FactSource],
    ) -> Result<RefreshReport> {
        if let Err(e) = ctx.actor.require(Permission::SupervisionAdmin) {
            return Err(self.kpi_refused(ctx, "kpi", "kpi.refresh", e).await);
        }
        let today = self.clock.today();
        let started_at = self.clock.now();
        let mut c = self.db.clone();
        let from = match mode {
            RefreshMode::Full { from } => from,
            RefreshMode::Incremental => match repo::last_done(&mut c).await? {
                Some(r) => r.to_day - Duration::days(WINDOW_DAYS),
                None => {
                    let mut m = Month::of(today);
                    for _ in 0..FIRST_MONTHS {
                        m = m.previous();
                    }
                    m.first()
                }
            },
        }
        .min(today);
        let mode_name = match mode {
            RefreshMode::Incremental => "incremental",
            RefreshMode::Full { .. } => "full",
        };
        let id = {
            let mut tx = self.db.write().await?;
            let id = repo::start_refresh(&mut tx, started_at, from, today, mode_name).await?;
            tx.commit().await?;
            id
        };
        match self.refresh_run(sources, from, today).await {
            Ok((rows, months, per_source, steps)) => {
                let finished_at = self.clock.now();
                let mut tx = self.db.write().await?;
                repo::finish_refresh(&mut tx, id, finished_at, rows, "done", "").await?;
                let entry = Entry::success(&ctx.actor, "kpi.refresh", format!("kpi-refresh:{id}"))
                    .source(&ctx.source)
                    .data(json!({
                        "mode": mode_name,
                        "from": yiwang_kernel::clock::ymd(from),
                        "to": yiwang_kernel::clock::ymd(today),
                        "rows": rows,
                        "months": months,
                        "sources": per_source,
                    }));
                record(&mut tx, &entry, finished_at).await?;
                tx.commit().await?;
                Ok(RefreshReport {
                    id,
                    mode: mode_name.to_string(),
                    from,
                    to: today,
                    rows,
                    months,
                    started_at,
                    finished_at,
                    steps,
                })
            }
            Err(e) => {
                let at = self.clock.now();
                let note = yiwang_audit::capped(&format!("{} {}", e.code.as_str(), e), 500);
                match self.db.write().await {
                    Ok(mut tx) => {
                        let done =
                            match repo::finish_refresh(&mut tx, id, at, 0, "failed", &note).await {
                                Ok(()) => tx.commit().await,
                                Err(f) => Err(f),
                            };
                        if let Err(f) = done {
                            tracing::warn!(error = %f, "cannot record the failed kpi refresh");
                        }
                    }
                    Err(f) => tracing::warn!(error = %f, "cannot record the failed kpi refresh"),
                }
                Err(e)
            }
        }
    }

    /// Writes every source's rows for `[from, to]`, then rolls the months up. Returns the rows
    /// written, the months rolled up, the rows per source and each step's time.
    async fn refresh_run(
        &self,
        sources: &[&dyn FactSource],
        from: Date,
        to: Date,
    ) -> Result<(i64, i64, serde_json::Value, Vec<RefreshStep>)> {
        let mut steps = Vec::new();
        // The sources answer the platform (refresh reads everything; the caller was checked).
        let sys = Ctx::system("kpi");
        let mut divisions: HashMap<i64, String> = HashMap::new();
        let mut total = 0i64;
        let mut per_source = serde_json::Map::new();
        let mut sums: BTreeSet<&'static str> = BTreeSet::new();
        let mut lasts: BTreeSet<&'static str> = BTreeSet::new();
        for src in sources {
            let began = std::time::Instant::now();
            let known: HashMap<&str, Aggregation> = src
                .measures()
                .iter()
                .map(|m| (m.code, m.aggregation))
                .collect();
            let sum_codes: Vec<&'static str> = src
                .measures()
                .iter()
                .filter(|m| m.aggregation == Aggregation::Sum)
                .map(|m| m.code)
                .collect();
            let last_codes: Vec<&'static str> = src
                .measures()
                .iter()
                .filter(|m| m.aggregation == Aggregation::Last)
                .map(|m| m.code)
                .collect();
            sums.extend(sum_codes.iter().copied());
            lasts.extend(last_codes.iter().copied());
            let rows: Vec<FactRow> = src.facts(&sys, from, to).await?;
            let mut kept: Vec<FactRow> = Vec::with_capacity(rows.len());
            for r in rows {
                let ok = match known.get(r.measure) {
                    Some(Aggregation::Sum) => r.day >= from && r.day <= to,
                    Some(Aggregation::Last) => r.day == to,
                    None => false,
                };
                if !ok {
                    return Err(Error::internal(format!(
                        "kpi source {} gave a row outside its measures or days: {} {}",
                        src.name(),
                        r.measure,
                        r.day
                    )));
                }
                if r.value != 0 {
                    kept.push(r);
                }
            }
            // Merge duplicate keys (a source may report a department twice for a day).
            let mut merged: HashMap<(Date, &'static str, i64), i64> = HashMap::new();
            for r in &kept {
                *merged
                    .entry((r.day, r.measure, r.department_id))
                    .or_default() += r.value;
            }
            let mut c = self.db.clone();
            for (_, _, dept) in merged.keys() {
                if !divisions.contains_key(dept) {
                    let code = yiwang_org::service::department_in(&mut c, *dept)
                        .await?
                        .map(|d| d.division_code.as_str().to_string())
                        .unwrap_or_default();
                    divisions.insert(*dept, code);
                }
            }
            let mut out: Vec<FactOut<'_>> = merged
                .iter()
                .map(|((day, measure, dept), value)| FactOut {
                    day: *day,
                    measure,
                    department_id: *dept,
                    division_code: divisions.get(dept).map(String::as_str).unwrap_or(""),
                    value: *value,
                })
                .collect();
            out.sort_by(|a, b| {
                (a.measure, a.department_id, a.day).cmp(&(b.measure, b.department_id, b.day))
            });
            let mut tx = self.db.write().await?;
            repo::delete_facts(&mut tx, &sum_codes, from, to).await?;
            repo::delete_facts(&mut tx, &last_codes, to, to).await?;
            repo::insert_facts(&mut tx, &out).await?;
            tx.commit().await?;
            let n = i64::try_from(out.len()).unwrap_or(i64::MAX);
            per_source.insert(src.name().to_string(), json!(n));
            total += n;
            steps.push(RefreshStep {
                name: src.name().to_string(),
                rows: n,
                elapsed: began.elapsed(),
            });
        }
        let began = std::time::Instant::now();
        let sums: Vec<&str> = sums.into_iter().collect();
        let lasts: Vec<&str> = lasts.into_iter().collect();
        let mut months = 0i64;
        let mut m = Month::of(from);
        let end = Month::of(to);
        while m <= end {
            let mut tx = self.db.write().await?;
            repo::roll_up_month(&mut tx, m.first(), m.last(), &sums, &lasts).await?;
            tx.commit().await?;
            months += 1;
            m = m.next();
        }
        steps.push(RefreshStep {
            name: "months".to_string(),
            rows: months,
            elapsed: began.elapsed(),
        });
        Ok((total, months, serde_json::Value::Object(per_source), steps))
    }

    /// When the figures were last materialised (the end of the last finished refresh).
    pub async fn kpi_as_of(&self) -> Result<Option<time::OffsetDateTime>> {
        let mut c = self.db.clone();
        Ok(repo::last_done(&mut c).await?.and_then(|r| r.finished_at))
    }
}
