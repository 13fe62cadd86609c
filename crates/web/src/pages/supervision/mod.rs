//! The supervision dashboards (一屏全览): the leader's screen, a KPI's page with its trend,
//! league and map (and its CSV/XLSX export), the drill-down to the members behind a figure, a
//! department's scorecard, the bulletin (通报) as PDF and the KPI definitions' admin page.
//!
//! Figures come from `SupervisionService` (`state.supervision`, through [`source`], the one
//! module that knows its types); the service decides who may read what (`supervision.view`,
//! `supervision.admin` for the definitions). The pages only lay the figures out: every chart
//! ([`charts`], [`cartogram`]) is SVG drawn on the server with a table of the same numbers
//! beside it, and every figure links to its drill-down.

mod admin;
mod bulletin;
mod cartogram;
mod charts;
mod kpi;
mod screen;
mod source;
mod view;

use axum::Router;
use axum::routing::get;
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode};

use super::ser;
use crate::AppState;
use view::{DivisionView, KpiView, LeagueRowView, TileView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(screen::screen))
        .route("/supervision/bulletin.pdf", get(screen::bulletin))
        .route("/supervision/kpis/{code}", get(kpi::page))
        .route("/supervision/kpis/{code}/drill", get(kpi::drill))
        .route("/supervision/departments/{id}", get(kpi::scorecard))
        .route("/admin/kpis", get(admin::list).post(admin::save))
}

/// The query of the dashboards: `scope` (a division code or `department:<id>`), `month`
/// (`YYYY-MM`), the KPIs of the league and the map, the drill-down's `period` and `page`, an
/// export's `format`.
#[derive(Debug, Default, serde::Deserialize, Serialize)]
struct Params {
    scope: Option<String>,
    month: Option<String>,
    league: Option<String>,
    map: Option<String>,
    period: Option<String>,
    page: Option<u32>,
    format: Option<String>,
}

impl Params {
    fn scope(&self) -> Option<&str> {
        self.scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
    fn month(&self) -> Option<&str> {
        self.month
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// Whether a failure is the caller's input (shown on the page beside the form) rather than a
/// refusal or a fault (the error page).
fn is_input(e: &Error) -> bool {
    e.code == ErrorCode::Validation
}

#[derive(Serialize)]
struct SeriesView {
    name: String,
    colour: String,
    shown: Vec<String>,
}

/// The screen's trend charts: one per group of KPIs of the same kind (rates together, counts
/// and averages apart so their scales do not crush each other).
fn trend_groups(tiles: &[TileView], months: &[String], lang: Lang) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for g in view::GROUPS {
        for percent in [true, false] {
            let members: Vec<&TileView> = tiles
                .iter()
                .filter(|t| t.kpi.group == g && t.kpi.percent() == percent)
                .filter(|t| percent || t.kpi.kind == "average")
                .collect();
            if members.is_empty() {
                continue;
            }
            let series: Vec<charts::Series> = members
                .iter()
                .map(|t| charts::Series {
                    name: t.kpi.name.clone(),
                    values: t.trend.clone(),
                })
                .collect();
            let label = format!(
                "{}{}",
                crate::i18n::text(&format!("sv.group.{g}"), lang),
                crate::i18n::text("sv.trend_suffix", lang)
            );
            let svg = charts::trend_svg(&charts::Trend {
                label: &label,
                labels: months,
                series: &series,
                percent,
                target: None,
            })?;
            let legend: Vec<SeriesView> = members
                .iter()
                .enumerate()
                .map(|(i, t)| SeriesView {
                    name: t.kpi.name.clone(),
                    colour: charts::colour_hex(i),
                    shown: t
                        .trend
                        .iter()
                        .map(|v| view::shown(&t.kpi.kind, &t.kpi.unit, *v))
                        .collect(),
                })
                .collect();
            out.push(context! {
                key => if percent { g.to_string() } else { format!("{g}_avg") },
                title => label,
                svg => Value::from_safe_string(svg),
                series => ser(&legend),
            });
        }
    }
    Ok(out)
}

/// A league table's block: the bars and the rows.
fn league_block(kpi: &KpiView, rows: &[LeagueRowView], lang: Lang) -> Result<Value, Error> {
    let bars: Vec<charts::Bar> = rows
        .iter()
        .map(|r| charts::Bar {
            name: r.name.clone(),
            value: r.fig.value,
        })
        .collect();
    let label = format!("{}：{}", crate::i18n::text("sv.league", lang), kpi.name);
    let svg = charts::bars_svg(&label, &bars, kpi.percent(), kpi.target)?;
    Ok(context! {
        kpi => ser(kpi),
        rows => ser(rows),
        svg => Value::from_safe_string(svg),
    })
}

#[derive(Serialize)]
struct LegendStep {
    colour: String,
    shown: String,
}

/// The map's block: the cartogram, its legend and the rows.
fn map_block(kpi: &KpiView, rows: &[DivisionView], lang: Lang) -> Result<Value, Error> {
    let cells: Vec<cartogram::Cell> = rows
        .iter()
        .map(|r| cartogram::Cell {
            code: r.code.clone(),
            name: r.name.clone(),
            value: r.fig.value,
            shown: r.fig.shown.clone(),
        })
        .collect();
    let label = format!("{}：{}", crate::i18n::text("sv.map", lang), kpi.name);
    let svg = cartogram::cartogram_svg(&label, &cells)?;
    let legend: Vec<LegendStep> = cartogram::legend(&cells)
        .into_iter()
        .map(|(colour, lo)| LegendStep {
            colour,
            shown: view::shown(&kpi.kind, &kpi.unit, Some(lo)),
        })
        .collect();
    Ok(context! {
        kpi => ser(kpi),
        rows => ser(rows),
        legend => ser(&legend),
        svg => Value::from_safe_string(svg),
    })
}

#[cfg(test)]
mod tests;

/// The open warnings (电子监察) within the reader's reach on the start page of those who watch
/// them (`supervision.view`: the supervision officer, the department head, the leader): red
/// and yellow, not yet concluded, linking to the warnings list. Nothing for others.
pub(super) async fn warnings_block(
    state: &AppState,
    cx: &super::PageCx,
) -> Result<Option<Value>, Error> {
    use yiwang_kernel::auth::{Permission, Scope as Reach};
    if cx.ctx.actor.staff().is_none()
        || !cx.ctx.actor.has(Permission::SupervisionView)
        || matches!(
            cx.ctx.actor.scope_of(Permission::SupervisionView),
            Reach::Nothing
        )
    {
        return Ok(None);
    }
    let (yellow, red) = state.supervision.open_warning_counts(&cx.ctx).await?;
    Ok(Some(context! { yellow, red, total => yellow + red }))
}

/// The department head's claim progress (认领进度) on the start page: claimed of expected, as
/// of the last refresh, for callers whose figures are their department's; nothing for others
/// or when the KPI is not defined.
pub(super) async fn claim_block(
    state: &AppState,
    cx: &super::PageCx,
) -> Result<Option<Value>, Error> {
    use yiwang_kernel::auth::{Permission, Scope as Reach};
    if !matches!(
        cx.ctx.actor.scope_of(Permission::SupervisionView),
        Reach::Department(_)
    ) {
        return Ok(None);
    }
    match state.supervision.claim_progress(&cx.ctx).await {
        Ok(f) => {
            let k = source::kpi_view(&f.def, cx.lang);
            let shown = view::shown(&k.kind, &k.unit, f.value);
            Ok(Some(context! {
                shown,
                claimed => f.numerator,
                expected => f.denominator,
                line => crate::i18n::text("sv.claim_line", cx.lang)
                    .replace("{c}", &f.numerator.to_string())
                    .replace("{t}", &f.denominator.to_string()),
            }))
        }
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
