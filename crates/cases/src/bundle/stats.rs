//! Statistics of bundle applications over a period, per bundle: facts the supervision KPIs
//! use (bundle time against the sum of its items' promised times, visits, fields and
//! materials saved).

use std::collections::BTreeMap;

use time::Date;
use yiwang_bundles::Savings;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use super::BundleStats;
use crate::repo::bundles as brepo;
use crate::service::CaseService;

fn china_start(d: Date) -> time::OffsetDateTime {
    d.midnight()
        .assume_offset(CHINA_OFFSET)
        .to_offset(time::UtcOffset::UTC)
}

impl CaseService {
    /// Per bundle, the applications submitted from `from` to `to` (inclusive, China dates):
    /// supervisors and catalog reviewers.
    pub async fn bundle_stats(&self, ctx: &Ctx, from: Date, to: Date) -> Result<Vec<BundleStats>> {
        self.defs()?;
        if !ctx.actor.has(Permission::CaseSupervise) && !ctx.actor.has(Permission::CatalogReview) {
            return Err(match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            });
        }
        if to < from || (to - from).whole_days() > 366 {
            return Err(Error::field(FieldError::new(
                "to",
                "period.range",
                "统计期间应为 1–367 天，结束日期不早于开始日期",
                "The period is 1–367 days, its end not before its start",
            )));
        }
        let before = to
            .next_day()
            .map(china_start)
            .unwrap_or_else(|| china_start(to));
        let rows =
            brepo::submitted_between(&mut self.db.clone(), china_start(from), before).await?;
        let cal = self.calendar.current().await?;
        let mut out: BTreeMap<String, (BundleStats, i64, i64, i64, i64)> = BTreeMap::new();
        for r in rows {
            let (s, days_sum, days_n, items_sum, items_n) =
                out.entry(r.bundle_code.clone()).or_insert_with(|| {
                    (
                        BundleStats {
                            bundle_code: r.bundle_code.clone(),
                            bundle_name: r.bundle_name.clone(),
                            promised_days: r.promised_days,
                            ..BundleStats::default()
                        },
                        0,
                        0,
                        0,
                        0,
                    )
                });
            s.submitted += 1;
            let sv: Savings = serde_json::from_str(&r.savings).unwrap_or_default();
            *items_sum += i64::from(sv.items_days);
            *items_n += 1;
            s.visits_saved += i64::from(sv.visits_saved);
            s.item_fields += i64::from(sv.item_fields);
            s.asked_fields += i64::from(sv.asked_fields);
            s.item_materials += i64::from(sv.item_materials);
            s.asked_materials += i64::from(sv.asked_materials);
            match r.status.as_str() {
                "withdrawn" => s.withdrawn += 1,
                "concluded" => {
                    s.concluded += 1;
                    if let Some(at) = r.concluded_at {
                        let done = at.to_offset(CHINA_OFFSET).date();
                        if r.promised_due.is_none_or(|due| done <= due) {
                            s.on_time += 1;
                        }
                        let start = r.submitted_at.to_offset(CHINA_OFFSET).date();
                        if let Ok(n) = cal.working_days_between(start, done) {
                            *days_sum += n;
                            *days_n += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(out
            .into_values()
            .map(|(mut s, days_sum, days_n, items_sum, items_n)| {
                s.avg_days = (days_n > 0).then(|| days_sum as f64 / days_n as f64);
                s.avg_items_days = (items_n > 0).then(|| items_sum as f64 / items_n as f64);
                s
            })
            .collect())
    }
}
