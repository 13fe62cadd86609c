//! KPIs defined as data, materialised per day and month, read with their drill-down.
//!
//! * [`model`] — definitions ([`KpiDef`]: a numerator and an optional denominator over the
//!   domains' measures, a kind and a direction), figures, scopes, periods.
//! * `sources` — the domains' facts (`kpi_facts` modules) behind the [`FactSource`] trait.
//! * `refresh` — recomputes the day rows (`kpi_facts`) from the sources and rolls the touched
//!   months up (`kpi_month`); incremental (the last refreshed day minus a window) or full.
//! * `reads` — the leader's screen, league tables, the division map, scorecards, the
//!   drill-down (members read live from the domains), claim progress.
//! * `defs` — the definitions and their editing (考评管理员).
//!
//! Figures come from the materialised tables (with their as-of); the drill-down reads the
//! domains live, so its sums reproduce the figure when nothing changed since the refresh. This
//! module never reads another domain's tables: facts come through the domains' services.

pub mod defs;
pub mod model;
pub mod reads;
pub mod refresh;
pub(crate) mod repo;
pub mod sources;

pub use model::{
    Direction, DivisionRow, Drill, DrillMember, Figure, Kind, KpiDef, KpiDefInput, LeagueRow,
    MeasureInfo, Month, Period, RefreshMode, RefreshReport, RefreshStep, Scope, ScoreRow,
    Scorecard, Screen, ScreenQuery, Trend, TrendPoint, measure, measures,
};
pub use refresh::WINDOW_DAYS;
pub use sources::{BoxFuture, FactSource};

use yiwang_kernel::auth::{Ctx, Permission, Scope as Reach};
use yiwang_kernel::{Error, Result};

use crate::SupervisionService;

impl SupervisionService {
    /// Passes `e` on, audited first when it is a refusal.
    pub(crate) async fn kpi_refused(
        &self,
        ctx: &Ctx,
        object: &str,
        attempted: &str,
        e: Error,
    ) -> Error {
        yiwang_audit::refused(&self.db, ctx, object, attempted, e, self.clock.now()).await
    }

    /// The scope a reader asks for, checked against their reach (`supervision.view`); none
    /// asked: their whole reach (the home division for the platform itself).
    pub(crate) async fn kpi_scope(&self, ctx: &Ctx, asked: Option<Scope>) -> Result<Scope> {
        let object = asked
            .as_ref()
            .map(|s| format!("kpi-scope:{}", s.as_param()))
            .unwrap_or_else(|| "kpi-scope".to_string());
        if let Err(e) = ctx.actor.require(Permission::SupervisionView) {
            return Err(self.kpi_refused(ctx, &object, "supervision.view", e).await);
        }
        let reach = ctx.actor.scope_of(Permission::SupervisionView);
        let allowed = match (&reach, &asked) {
            (Reach::Nothing, _) => false,
            (Reach::Everything, _) => true,
            (_, None) => true,
            (Reach::Division(mine), Some(Scope::Division(d))) => d.within(mine),
            (Reach::Division(mine), Some(Scope::Department(id))) => {
                let mut c = self.db.clone();
                match yiwang_org::service::department_in(&mut c, *id).await? {
                    Some(dep) => dep.division_code.within(mine),
                    None => return Err(Error::not_found()),
                }
            }
            (Reach::Department(mine), Some(Scope::Department(id))) => mine == id,
            (Reach::Department(_), Some(Scope::Division(_))) => false,
        };
        if !allowed {
            return Err(self
                .kpi_refused(ctx, &object, "supervision.view", Error::forbidden())
                .await);
        }
        Ok(match (asked, reach) {
            (Some(s), _) => s,
            (None, Reach::Division(d)) => Scope::Division(d),
            (None, Reach::Department(id)) => Scope::Department(id),
            (None, _) => Scope::Division(self.home_division.clone()),
        })
    }
}
