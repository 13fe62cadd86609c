//! The dashboards' templates rendered over sample views: the figures, the charts with their
//! tables, the drill-down's totals, the scorecard and the definitions' form.

use minijinja::{Value, context};
use yiwang_kernel::i18n::Lang;

use super::view::tests::kpi;
use super::view::*;
use super::*;
use crate::pages::templates;

fn fig(k: &KpiView, n: i64, d: i64) -> FigView {
    let (v, _) = kpi::recomputed(&k.kind, &k.unit, n, d);
    FigView::new(k, n, d, v, "2026-12-07 08:00".into())
}

fn base() -> Value {
    context! { lang => "zh", nav => "dashboards", csrf => "x", path => "/supervision", user => context! { name => "林" }, nav_can => context! { dashboards => true } }
}

fn render(name: &str, extra: Value) -> String {
    templates()
        .render(name, context! { ..extra, ..base() })
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sample_tiles() -> (Vec<String>, Vec<TileView>) {
    let months: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
    let rate = kpi("on_time_rate", "ratio", "up", Some(95.0));
    let visits = kpi("avg_visits", "average", "down", Some(1.0));
    let mut calls = kpi("data_calls", "count", "up", None);
    calls.numerator = "exchange.calls".into();
    calls.group = view::group_of("exchange.calls");
    let trend = |v: f64| {
        (0..12)
            .map(|i| Some(v + i as f64 / 10.0))
            .collect::<Vec<_>>()
    };
    let tiles = vec![
        TileView::new(rate.clone(), fig(&rate, 968, 1000), trend(90.0), Lang::Zh),
        TileView::new(visits.clone(), fig(&visits, 135, 100), trend(1.0), Lang::Zh),
        TileView::new(calls.clone(), fig(&calls, 4321, 0), trend(4000.0), Lang::Zh),
    ];
    (months, tiles)
}

fn league_rows(k: &KpiView) -> Vec<LeagueRowView> {
    vec![
        LeagueRowView {
            rank: Some(1),
            id: 3,
            name: "湛江市市场监督管理局".into(),
            fig: fig(k, 99, 100),
        },
        LeagueRowView {
            rank: None,
            id: 4,
            name: "湛江市公安局".into(),
            fig: fig(k, 0, 0),
        },
    ]
}

fn division_rows(k: &KpiView) -> Vec<DivisionView> {
    vec![
        DivisionView {
            code: "440802".into(),
            name: "赤坎区".into(),
            fig: fig(k, 9, 10),
        },
        DivisionView {
            code: "440803".into(),
            name: "霞山区".into(),
            fig: fig(k, 0, 0),
        },
    ]
}

#[test]
fn the_screen_shows_tiles_trends_league_and_map_with_their_numbers() {
    let (months, tiles) = sample_tiles();
    let k = tiles[0].kpi.clone();
    let groups = trend_groups(&tiles, &months, Lang::Zh).unwrap();
    // Rates of the cases group; the average apart; a count has no trend chart.
    assert_eq!(groups.len(), 2);
    let html = render(
        "staff/supervision_screen.html",
        context! {
            scopes => ser(&[ScopeOpt { value: "440800".into(), label: "湛江市".into() }]),
            scope => "440800", scope_name => "湛江市", month => "2026-12", as_of => "2026-12-07 08:00",
            months => ser(&months), tiles => ser(&tiles), groups => groups,
            league => league_block(&k, &league_rows(&k), Lang::Zh).unwrap(),
            map => map_block(&k, &division_rows(&k), Lang::Zh).unwrap(),
        },
    );
    assert!(html.contains(r#"id="tile-on_time_rate""#), "{html}");
    assert!(html.contains(r#"id="value-on_time_rate">96.80%</b>"#));
    assert!(html.contains("968 / 1000"));
    assert!(html.contains("较上月改善 5.80 个百分点"));
    assert!(html.contains("sv-tile met"));
    assert!(html.contains(r#"<svg class="chart" role="img""#));
    assert!(html.contains(r#"class="visually-hidden"><table><caption>办件与评价近12个月趋势"#));
    assert!(
        html.contains(r#"id="league-table""#)
            && html.contains("/supervision/departments/3?month=2026-12")
    );
    assert!(html.contains(r#"class="chart map""#) && html.contains(r#"id="map-table""#));
    assert!(html.contains("/supervision/bulletin.pdf?scope=440800&amp;month=2026-12"));
    assert!(!html.contains("sv."), "every text is in the catalog");
}

#[test]
fn the_screen_without_figures_says_so_and_shows_a_bad_month() {
    let html = render(
        "staff/supervision_screen.html",
        context! { tiles => Vec::<Value>::new(), month => "2026-13", errs => context! { month => context! { id => "month-error", text => "月份应为“年-月”格式" } } },
    );
    assert!(html.contains(r#"id="no-figures""#));
    assert!(html.contains(r#"aria-describedby="month-error""#));
}

#[test]
fn a_kpi_page_has_its_trend_league_map_exports_and_drill_link() {
    let k = kpi("on_time_rate", "ratio", "up", Some(95.0));
    let v = KpiPageView {
        kpi: k.clone(),
        fig: fig(&k, 968, 1000),
        scope: "440800".into(),
        scope_name: "湛江市".into(),
        month: "2026-12".into(),
        trend: vec![
            ("2026-11".into(), fig(&k, 1, 2)),
            ("2026-12".into(), fig(&k, 968, 1000)),
        ],
        league: league_rows(&k),
        divisions: division_rows(&k),
    };
    let cx = context! {};
    let _ = cx;
    let labels: Vec<String> = v.trend.iter().map(|(m, _)| m.clone()).collect();
    let svg = charts::trend_svg(&charts::Trend {
        label: "t",
        labels: &labels,
        series: &[],
        percent: true,
        target: k.target,
    })
    .unwrap();
    let html = render(
        "staff/supervision_kpi.html",
        context! {
            kpi => ser(&v.kpi), fig => ser(&v.fig), scope => "440800", scope_name => "湛江市", month => "2026-12",
            scopes => Vec::<Value>::new(),
            trend_svg => Value::from_safe_string(svg),
            trend => v.trend.iter().map(|(m, f)| context! { month => m, fig => ser(f) }).collect::<Vec<_>>(),
            league => league_block(&k, &v.league, Lang::Zh).unwrap(),
            map => map_block(&k, &v.divisions, Lang::Zh).unwrap(),
        },
    );
    assert!(html.contains(r#"id="kpi-value">96.80%</b>"#));
    assert!(html.contains("/supervision/kpis/on_time_rate/drill?scope=440800&amp;period=2026-12"));
    assert!(html.contains("format=csv") && html.contains("format=xlsx"));
    assert!(html.contains(r#"id="trend-table""#));
}

#[test]
fn the_drill_down_lists_members_with_totals_that_reproduce_the_figure() {
    let k = kpi("on_time_rate", "ratio", "up", None);
    let d = DrillView {
        kpi: k.clone(),
        fig: fig(&k, 1, 2),
        scope: "440800".into(),
        scope_name: "湛江市".into(),
        period: "2026-12".into(),
        members: vec![
            MemberView {
                day: "2026-12-01".into(),
                department: "市场监管局".into(),
                kind: "case".into(),
                reference: "C1".into(),
                label: "食品经营许可".into(),
                href: Some("/staff/cases/C1".into()),
                numerator: 1,
                denominator: 1,
            },
            MemberView {
                day: "2026-12-02".into(),
                department: "市场监管局".into(),
                kind: "case".into(),
                reference: "C2".into(),
                label: "食品经营许可".into(),
                href: None,
                numerator: 0,
                denominator: 1,
            },
        ],
        total: 2,
        numerator_sum: 1,
        denominator_sum: 2,
        recomputed: "50.00%".into(),
        reproduced: true,
        as_of: "2026-12-07 08:00".into(),
    };
    let html = render(
        "staff/supervision_drill.html",
        context! { page_numerator => 1, page_denominator => 2, month => "2026-12", pager => crate::pages::pager("/x", 1, 2, 100), ..ser(&d) },
    );
    assert!(html.contains(r#"id="drill-figure">50.00%</b>"#));
    assert!(html.contains(r#"class="member-link">C1</a>"#), "{html}");
    assert!(html.contains(r#"class="num">1</td>"#) && html.contains(r#"class="den">1</td>"#));
    assert!(html.contains("1 / 2 = 50.00%"));
    assert!(html.contains("办件"));
}

#[test]
fn the_scorecard_and_the_definitions_render() {
    let k = kpi("on_time_rate", "ratio", "up", Some(95.0));
    let rows = vec![ScoreView {
        kpi: k.clone(),
        fig: fig(&k, 9, 10),
        rank: Some(2),
        of: 7,
        status: "missed",
    }];
    let html = render(
        "staff/supervision_scorecard.html",
        context! { department_id => 3, department => "市场监管局", scope => "department:3", month => "2026-12", rows => ser(&rows) },
    );
    assert!(html.contains("2 / 7") && html.contains("未达标"));
    let html = render(
        "admin/supervision_kpis.html",
        context! { defs => ser(std::slice::from_ref(&k)), measures => ser(&[context! { code => "cases.concluded", name => "办结" }]), f => context! { existing => true, code => "on_time_rate", kind => "ratio", direction => "up", denominator => "cases.concluded", active => true } },
    );
    assert!(html.contains(r#"name="existing" value="1""#));
    assert!(html.contains(r#"<option value="cases.concluded" selected>"#));
    assert!(html.contains("越高越好"));
}

/// Writes the sample charts into one page (`$TMPDIR/yiwang-charts.html`) to look at.
#[test]
fn sample_charts_page() {
    let (months, tiles) = sample_tiles();
    let k = tiles[0].kpi.clone();
    let groups = trend_groups(&tiles, &months, Lang::Zh).unwrap();
    let league = league_block(&k, &league_rows(&k), Lang::Zh).unwrap();
    let mut rows = division_rows(&k);
    for (i, (code, _, _, _)) in cartogram::ZHANJIANG.iter().enumerate() {
        rows.push(DivisionView {
            code: (*code).into(),
            name: cartogram::ZHANJIANG[i].1.into(),
            fig: fig(&k, 50 + i as i64 * 5, 100),
        });
    }
    rows.drain(0..2);
    let map = map_block(&k, &rows, Lang::Zh).unwrap();
    let mut html =
        String::from("<html><head><meta charset=utf-8></head><body style='width:800px'>");
    for g in groups {
        html.push_str(&g.get_attr("svg").unwrap().to_string());
    }
    html.push_str(&league.get_attr("svg").unwrap().to_string());
    html.push_str(&map.get_attr("svg").unwrap().to_string());
    html.push_str("</body></html>");
    std::fs::write(std::env::temp_dir().join("yiwang-charts.html"), html).unwrap();
}
