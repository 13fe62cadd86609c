//! A KPI's page (`/supervision/kpis/{code}`: the figure, twelve months, the league and the
//! map, each with its numbers, and `?format=csv|xlsx` for the numbers as a spreadsheet), its
//! drill-down (`…/drill`: the members behind the figure, each with what it adds to the
//! numerator and the denominator, and the totals that reproduce the figure) and a
//! department's scorecard (`/supervision/departments/{id}`).

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value, context};
use yiwang_kernel::Error;
use yiwang_sheets::{Column, Format, Sheet, sheet_for};

use super::super::appform;
use super::super::casework::need_staff;
use super::view::{KpiPageView, shown};
use super::{Params, charts, is_input, league_block, map_block, source};
use crate::AppState;
use crate::pages::{PageCx, id_of, pager, ser, urlencode};

/// The drill-down's page size.
pub const DRILL_PAGE: u32 = 100;

const EXPORT_COLUMNS: &[Column] = &[
    Column::new("table", "表", true),
    Column::new("name", "月份/部门/区县", true),
    Column::new("value", "指标值", true),
    Column::new("numerator", "分子", true),
    Column::new("denominator", "分母", true),
    Column::new("rank", "排名", false),
];

/// The page's numbers as one sheet: the months, the league, the divisions.
fn export_sheet(v: &KpiPageView) -> Sheet {
    let mut rows = Vec::new();
    for (m, f) in &v.trend {
        rows.push(vec![
            "趋势".to_string(),
            m.clone(),
            f.shown.clone(),
            f.numerator.to_string(),
            f.denominator.to_string(),
            String::new(),
        ]);
    }
    for r in &v.league {
        rows.push(vec![
            "部门排名".to_string(),
            r.name.clone(),
            r.fig.shown.clone(),
            r.fig.numerator.to_string(),
            r.fig.denominator.to_string(),
            r.rank.map(|n| n.to_string()).unwrap_or_default(),
        ]);
    }
    for d in &v.divisions {
        rows.push(vec![
            "区县".to_string(),
            d.name.clone(),
            d.fig.shown.clone(),
            d.fig.numerator.to_string(),
            d.fig.denominator.to_string(),
            String::new(),
        ]);
    }
    sheet_for(&format!("{} {}", v.kpi.name, v.month), EXPORT_COLUMNS, rows)
}

fn export(v: &KpiPageView, format: Format) -> Result<Response, Error> {
    let sheet = export_sheet(v);
    let bytes = match format {
        Format::Xlsx => yiwang_sheets::write_xlsx(&[sheet])?,
        _ => yiwang_sheets::write_csv(&sheet)?,
    };
    let name = format!("kpi-{}-{}", v.kpi.code, v.month);
    Ok(crate::transfer::sheet_response(bytes, format, &name))
}

fn page_context(v: &KpiPageView, cx: &PageCx) -> Result<Value, Error> {
    let labels: Vec<String> = v.trend.iter().map(|(m, _)| m.clone()).collect();
    let series = [charts::Series {
        name: v.kpi.name.clone(),
        values: v.trend.iter().map(|(_, f)| f.value).collect(),
    }];
    let label = format!("{}：{}", v.kpi.name, crate::i18n::text("sv.trend", cx.lang));
    let trend_svg = charts::trend_svg(&charts::Trend {
        label: &label,
        labels: &labels,
        series: &series,
        percent: v.kpi.percent(),
        target: v.kpi.target,
    })?;
    let trend: Vec<Value> = v
        .trend
        .iter()
        .map(|(m, f)| context! { month => m, fig => ser(f) })
        .collect();
    let league = if v.league.is_empty() {
        None
    } else {
        Some(league_block(&v.kpi, &v.league, cx.lang)?)
    };
    let map = if v.divisions.is_empty() {
        None
    } else {
        Some(map_block(&v.kpi, &v.divisions, cx.lang)?)
    };
    Ok(context! {
        kpi => ser(&v.kpi),
        fig => ser(&v.fig),
        scope => v.scope.clone(),
        scope_name => v.scope_name.clone(),
        month => v.month.clone(),
        trend_svg => Value::from_safe_string(trend_svg),
        trend => trend,
        league => league,
        map => map,
    })
}

pub(super) async fn page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let p: Params = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let format = match p.format.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(f) => match crate::transfer::format_of(Some(f)) {
            Ok(f) => Some(f),
            Err(e) => return cx.fail(&e),
        },
    };
    let result = source::kpi_page(&state, &cx, &code, p.scope(), p.month()).await;
    let v = match result {
        Ok(v) => v,
        Err(e) if is_input(&e) => {
            let scopes = source::scopes(&state, &cx).await.unwrap_or_default();
            return cx.render_error(
                "staff/supervision_kpi.html",
                "dashboards",
                &e,
                context! {
                    errs => ser(&appform::place_errors(&e, cx.lang, &[])),
                    scopes => ser(&scopes),
                    kpi => context! { code => code.clone(), name => code.clone() },
                    scope => p.scope().unwrap_or_default(),
                    month => p.month().unwrap_or_default(),
                },
            );
        }
        Err(e) => return cx.fail(&e),
    };
    if let Some(f) = format {
        return match export(&v, f) {
            Ok(r) => r,
            Err(e) => cx.fail(&e),
        };
    }
    let scopes = match source::scopes(&state, &cx).await {
        Ok(s) => s,
        Err(e) => return cx.fail(&e),
    };
    match page_context(&v, &cx) {
        Ok(ctx) => cx.render(
            "staff/supervision_kpi.html",
            "dashboards",
            context! { scopes => ser(&scopes), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

pub(super) async fn drill(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let p: Params = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let page = p.page.unwrap_or(1).max(1);
    let period = p.period.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let d = match source::drill(&state, &cx, &code, p.scope(), period, page).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let page_numerator: i64 = d.members.iter().map(|m| m.numerator).sum();
    let page_denominator: i64 = d.members.iter().map(|m| m.denominator).sum();
    let base = format!(
        "/supervision/kpis/{}/drill?scope={}&period={}",
        urlencode(&d.kpi.code),
        urlencode(&d.scope),
        urlencode(&d.period)
    );
    // The month the crumbs go back to: the period's when it is one.
    let month = if d.period.len() == 7 {
        d.period.clone()
    } else {
        d.period.chars().take(7).collect()
    };
    cx.render(
        "staff/supervision_drill.html",
        "dashboards",
        context! {
            page_numerator,
            page_denominator,
            month,
            pager => pager(&base, page, d.total, DRILL_PAGE),
            ..ser(&d)
        },
    )
}

pub(super) async fn scorecard(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let p: Params = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    match source::scorecard(&state, &cx, id, p.month()).await {
        Ok((s, month)) => cx.render(
            "staff/supervision_scorecard.html",
            "dashboards",
            context! {
                department_id => s.department_id,
                department => s.department.clone(),
                scope => s.scope.clone(),
                as_of => s.as_of.clone(),
                rows => ser(&s.rows),
                month,
            },
        ),
        Err(e) if is_input(&e) => cx.render_error(
            "staff/supervision_scorecard.html",
            "dashboards",
            &e,
            context! {
                errs => ser(&appform::place_errors(&e, cx.lang, &[])),
                department_id => id,
                month => p.month().unwrap_or_default(),
                rows => Vec::<Value>::new(),
            },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// The value a drill-down's sums give, as shown (for the check beside the figure).
pub fn recomputed(
    kind: &str,
    unit: &str,
    numerator: i64,
    denominator: i64,
) -> (Option<f64>, String) {
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    let v = match kind {
        "count" => Some(numerator as f64),
        "ratio" if denominator != 0 => Some(round2(numerator as f64 * 100.0 / denominator as f64)),
        "average" if denominator != 0 => Some(round2(numerator as f64 / denominator as f64)),
        _ => None,
    };
    (v, shown(kind, unit, v))
}

#[cfg(test)]
mod tests {
    use super::super::view::tests::kpi;
    use super::super::view::{DivisionView, FigView, LeagueRowView};
    use super::*;

    fn fig(n: i64, d: i64) -> FigView {
        let k = kpi("on_time_rate", "ratio", "up", None);
        let (v, _) = recomputed("ratio", "", n, d);
        FigView::new(&k, n, d, v, String::new())
    }

    #[test]
    fn the_export_has_the_months_the_league_and_the_divisions() {
        let v = KpiPageView {
            kpi: kpi("on_time_rate", "ratio", "up", Some(95.0)),
            fig: fig(9, 10),
            scope: "440800".into(),
            scope_name: "湛江市".into(),
            month: "2026-11".into(),
            trend: vec![
                ("2026-10".into(), fig(1, 2)),
                ("2026-11".into(), fig(9, 10)),
            ],
            league: vec![LeagueRowView {
                rank: Some(1),
                id: 3,
                name: "=市场监管局".into(),
                fig: fig(9, 10),
            }],
            divisions: vec![DivisionView {
                code: "440802".into(),
                name: "赤坎区".into(),
                fig: fig(0, 0),
            }],
        };
        let s = export_sheet(&v);
        assert_eq!(s.rows.len(), 4);
        assert_eq!(s.headers[0], "表");
        assert_eq!(s.rows[1].cells[2], "90.00%");
        assert_eq!(s.rows[2].cells[5], "1");
        assert_eq!(s.rows[3].cells[2], "—");
        let csv = String::from_utf8(yiwang_sheets::write_csv(&s).unwrap()).unwrap();
        assert!(csv.contains("2026-10"));
        assert!(!csv.contains(",=市场"), "formulas are neutralised: {csv}");
        assert!(!yiwang_sheets::write_xlsx(&[s]).unwrap().is_empty());
    }

    #[test]
    fn the_sums_give_the_figure_the_same_way() {
        assert_eq!(
            recomputed("ratio", "", 1, 3),
            (Some(33.33), "33.33%".into())
        );
        assert_eq!(recomputed("ratio", "", 1, 0).1, "—");
        assert_eq!(recomputed("average", "次", 3, 2).1, "1.50 次");
        assert_eq!(recomputed("count", "次", 7, 0).1, "7 次");
    }
}
