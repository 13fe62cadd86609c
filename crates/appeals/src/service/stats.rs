//! Statistics (`appeal.supervise` or `appeal.dispatch`): per grid, department, category or
//! type, over the orders received in a period (Shanghai days, both ends included):
//! completion rate (办结率) = concluded / (total − merged); on-time rate = concluded by the due
//! time / concluded; satisfaction rate = levels ≥ 3 / followed up. A rate with nothing to count
//! is `None`.

use std::collections::BTreeMap;

use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::{Error, FieldError, Result};

use super::view::Names;
use super::{AppealService, start_of_day};
use crate::model::{AppealType, Satisfaction, Status};
use crate::repo::{self};
use crate::views::{StatRow, StatsBy, StatsQuery};

/// The longest period one query covers, in days.
pub const MAX_STATS_DAYS: i64 = 366 * 3;

fn rate(n: i64, d: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (d > 0).then(|| n as f64 / d as f64)
}

impl AppealService {
    pub async fn stats(&self, ctx: &Ctx, q: StatsQuery) -> Result<Vec<StatRow>> {
        let scope = [Permission::AppealSupervise, Permission::AppealDispatch]
            .into_iter()
            .map(|p| ctx.actor.scope_of(p))
            .find(|s| *s != Scope::Nothing);
        let prefix = match scope {
            None => {
                let e = ctx
                    .actor
                    .require(Permission::AppealSupervise)
                    .err()
                    .unwrap_or_else(Error::forbidden);
                return Err(self
                    .refuse(ctx, "appeal_stats".into(), "appeal.stats", e)
                    .await);
            }
            Some(Scope::Division(d)) => Some(d.prefix().to_string()),
            Some(Scope::Department(_)) => Some(self.home_division.prefix().to_string()),
            Some(_) => None,
        };
        if q.to < q.from {
            return Err(Error::field(FieldError::new(
                "to",
                "stats.period",
                "结束日期不能早于开始日期",
                "The end date is before the start date",
            )));
        }
        if (q.to - q.from).whole_days() > MAX_STATS_DAYS {
            return Err(Error::field(FieldError::new(
                "from",
                "stats.period_max",
                "统计期间不能超过三年",
                "The period may not exceed three years",
            )));
        }
        let from = start_of_day(q.from);
        let to = start_of_day(q.to.next_day().unwrap_or(q.to));
        let mut c = self.db.clone();
        let facts = repo::appeals::stat_facts(&mut c, from, to, prefix.as_deref()).await?;
        let mut groups: BTreeMap<String, StatRow> = BTreeMap::new();
        for f in &facts {
            let key = match q.by {
                StatsBy::Grid => f.grid_id.map_or_else(String::new, |g| g.to_string()),
                StatsBy::Department => f.department_id.map_or_else(String::new, |d| d.to_string()),
                StatsBy::Category => f.category_code.clone(),
                StatsBy::Type => f.appeal_type.clone(),
            };
            let g = groups.entry(key.clone()).or_insert_with(|| StatRow {
                key,
                name: String::new(),
                total: 0,
                merged: 0,
                concluded: 0,
                on_time: 0,
                overdue_open: 0,
                visited: 0,
                satisfied: 0,
                completion_rate: None,
                on_time_rate: None,
                satisfaction_rate: None,
            });
            let Some(status) = Status::parse(&f.status) else {
                continue;
            };
            g.total += 1;
            if status == Status::Merged {
                g.merged += 1;
            }
            if status.is_concluded() {
                g.concluded += 1;
                if f.closed_at.is_some_and(|t| t <= f.due_at) {
                    g.on_time += 1;
                }
            }
            if status.is_open() && self.now() > f.due_at {
                g.overdue_open += 1;
            }
            if let Some(s) = f.satisfaction.and_then(Satisfaction::from_level) {
                g.visited += 1;
                if s.counts_satisfied() {
                    g.satisfied += 1;
                }
            }
        }
        // Names of the groups.
        let mut names = Names::default();
        let grid_ids: Vec<i64> = groups.keys().filter_map(|k| k.parse().ok()).collect();
        let grids = if q.by == StatsBy::Grid {
            repo::routing::grids_by_ids(&mut c, &grid_ids).await?
        } else {
            Vec::new()
        };
        let categories = repo::settings::categories(&mut c).await?;
        let mut out = Vec::with_capacity(groups.len());
        for (_, mut g) in groups {
            g.name = match q.by {
                _ if g.key.is_empty() => "（未分派）".to_string(),
                StatsBy::Grid => grids
                    .iter()
                    .find(|x| x.id.to_string() == g.key)
                    .map_or_else(|| g.key.clone(), |x| x.name.clone()),
                StatsBy::Department => match g.key.parse::<i64>() {
                    Ok(id) => names.department(&mut c, id).await?,
                    Err(_) => g.key.clone(),
                },
                StatsBy::Category => categories
                    .iter()
                    .find(|x| x.code == g.key)
                    .map_or_else(|| g.key.clone(), |x| x.name.clone()),
                StatsBy::Type => {
                    AppealType::parse(&g.key).map_or_else(|| g.key.clone(), |t| t.zh().to_string())
                }
            };
            if q.by == StatsBy::Grid
                && let Some(x) = grids.iter().find(|x| x.id.to_string() == g.key)
            {
                g.key = x.code.clone();
            }
            g.completion_rate = rate(g.concluded, g.total - g.merged);
            g.on_time_rate = rate(g.on_time, g.concluded);
            g.satisfaction_rate = rate(g.satisfied, g.visited);
            out.push(g);
        }
        Ok(out)
    }
}
