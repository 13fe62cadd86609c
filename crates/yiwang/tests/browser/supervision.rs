//! The leader's one screen (一屏全览) on the demo city, in the browser: the leader signs in,
//! opens the screen, clicks the on-time rate (按时办结率), opens its drill-down, adds the
//! members' numerators and denominators up — they give the figure the screen showed — and
//! clicks a case, landing on its page.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::support::*;

/// Computes the demo city's figures (the KPI refresh `serve` runs in the background), over the
/// last two years.
pub async fn refreshed(state: &yiwang_web::AppState) {
    let today = time::OffsetDateTime::now_utc().date();
    state
        .supervision
        .refresh(
            &yiwang_kernel::auth::Ctx::system("kpi"),
            yiwang_supervision::kpi::RefreshMode::Full {
                from: today - time::Duration::days(730),
            },
        )
        .await
        .unwrap();
}

/// The cells of a column of the drill-down's table, as numbers.
async fn column(c: &Client, class: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for e in c
        .find_all(Locator::Css(&format!("#drill-members tbody td.{class}")))
        .await
        .unwrap()
    {
        out.push(e.text().await.unwrap().trim().parse::<i64>().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_drills_from_the_on_time_rate_to_a_case() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    refreshed(&state).await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;

    // The latest month the demo has concluded cases in (this month may have none yet).
    let screen = state
        .supervision
        .screen(
            &yiwang_kernel::auth::Ctx::system("kpi"),
            yiwang_supervision::kpi::ScreenQuery::default(),
        )
        .await
        .unwrap();
    let month = screen
        .trends
        .iter()
        .find(|t| t.code == "on_time_rate")
        .and_then(|t| t.points.iter().rev().find(|p| p.value.is_some()))
        .map(|p| p.month.label())
        .unwrap_or_else(|| {
            let figures: Vec<String> = screen
                .figures
                .iter()
                .map(|f| format!("{} {}/{}", f.def.code, f.numerator, f.denominator))
                .collect();
            panic!("the demo has no on-time rate in the last twelve months: {figures:?}")
        });

    sign_in_staff(&c, &base, "leader").await;
    click(&c, "nav-dashboards").await;
    wait_for_address(&c, "/supervision").await;
    c.goto(&format!("{base}/supervision?month={month}"))
        .await
        .unwrap();
    let shown = text_of(&c, "#value-on_time_rate").await;
    assert!(
        shown.ends_with('%'),
        "the on-time rate is a percentage: {shown}"
    );

    // The KPI's page shows the same figure, then its drill-down.
    click(&c, "tile-on_time_rate").await;
    wait_for_address(&c, "/supervision/kpis/on_time_rate").await;
    assert_eq!(text_of(&c, "#kpi-value").await, shown);
    click(&c, "drill-link").await;
    wait_for_address(&c, "/drill").await;
    let figure = text_of(&c, "#drill-figure").await;
    assert_eq!(figure, shown, "the drill-down's figure is the screen's");

    // Σ numerators / Σ denominators of the members is the figure (every member on one page).
    let total: i64 = text_of(&c, "#drill-total").await.parse().unwrap();
    assert!(total > 0, "the demo has concluded cases this month");
    assert!(total <= 100, "one page holds the demo's members ({total})");
    let num: i64 = column(&c, "num").await.iter().sum();
    let den: i64 = column(&c, "den").await.iter().sum();
    assert!(den > 0);
    let by_hand = format!(
        "{:.2}%",
        ((num as f64 * 100.0 / den as f64) * 100.0).round() / 100.0
    );
    assert_eq!(by_hand, figure, "{num} / {den}");
    assert_eq!(text_of(&c, "#drill-numerator").await, num.to_string());
    assert_eq!(text_of(&c, "#drill-denominator").await, den.to_string());
    let check = c
        .find(Locator::Id("drill-check"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        check.contains("success"),
        "the page says the sums reproduce the figure"
    );

    // A case behind the figure opens on its page.
    let link = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#drill-members a.member-link"))
        .await
        .unwrap();
    let case_no = link.text().await.unwrap();
    link.click().await.unwrap();
    wait_for_address(&c, &format!("/staff/cases/{case_no}")).await;
    assert_eq!(text_of(&c, "#case-no").await, case_no);

    c.close().await.unwrap();
}
