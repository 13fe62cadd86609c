//! The working-day calendar's page: the system administrator sees which years are loaded and,
//! from October, a warning on the page and the start page while next year's holiday
//! arrangement is missing; a year's notice is loaded as CSV (all or nothing, problems named);
//! nobody else may see or load it.

use axum::http::StatusCode;
use time::macros::datetime;

use crate::case_pages::{location, multipart, post_multipart};
use crate::harness::{World, register_person};

const Y2027: &str = "date,kind,occasion_zh\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-20,workday,春节\n";

fn multipart_csv(year: &str, text: &str) -> Vec<u8> {
    multipart(
        &[("year", year), ("source", "国办发明电〔2026〕7号")],
        &[("file", "2027.csv", text.as_bytes().to_vec())],
    )
}

#[tokio::test]
async fn next_years_arrangement_is_asked_for_from_october_and_loaded_by_the_administrator() {
    let w = World::new().await;
    w.clock.set(datetime!(2026-12-07 02:00 UTC));
    let admin = w.sign_in("sysadmin").await;
    let page = w.get(&admin, "/admin/calendar").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("id=\"calendar-missing\"") && html.contains("2027"),
        "{html}"
    );
    assert!(html.contains("id=\"year-2026\""));
    let start = w.get(&admin, "/admin").await.text();
    assert!(
        start.contains("id=\"q-calendar\""),
        "the start page asks for it"
    );

    // A bad row: nothing is written, the problem is named.
    let bad = post_multipart(
        &w,
        &admin,
        &format!(
            "/admin/calendar?_csrf={}",
            admin.csrf.clone().unwrap_or_default()
        ),
        multipart_csv("2027", "date,kind,occasion_zh\n2027-13-01,holiday,元旦\n"),
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(
        w.get(&admin, "/admin/calendar")
            .await
            .text()
            .contains("id=\"calendar-missing\"")
    );

    let ok = post_multipart(
        &w,
        &admin,
        &format!(
            "/admin/calendar?_csrf={}",
            admin.csrf.clone().unwrap_or_default()
        ),
        multipart_csv("2027", Y2027),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(location(&ok), "/admin/calendar?done=calendar_imported");
    let html = w
        .get(&admin, "/admin/calendar?done=calendar_imported")
        .await
        .text();
    assert!(!html.contains("id=\"calendar-missing\""), "{html}");
    assert!(html.contains("id=\"year-2027\"") && html.contains("id=\"flash\""));
    // The deadline question now has an answer in 2027.
    let v = w
        .get(
            &w.anonymous(),
            "/api/v1/calendar/add?date=2026-12-28&days=10",
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());

    // Before October nothing is asked for next year.
    w.clock.set(datetime!(2026-06-01 02:00 UTC));
    let html = w.get(&admin, "/admin/calendar").await.text();
    assert!(!html.contains("id=\"calendar-missing\""));
}

#[tokio::test]
async fn only_the_calendar_manager_sees_or_loads_the_calendar() {
    let w = World::new().await;
    let clerk = w.sign_in("clerk").await;
    let citizen = register_person(&w, "王五", "440802199001011238", "13800000009").await;
    for c in [&clerk, &citizen] {
        assert_eq!(
            w.get(c, "/admin/calendar").await.status,
            StatusCode::FORBIDDEN
        );
        let r = post_multipart(
            &w,
            c,
            &format!(
                "/admin/calendar?_csrf={}",
                c.csrf.clone().unwrap_or_default()
            ),
            multipart_csv("2027", Y2027),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let anon = w.get(&w.anonymous(), "/admin/calendar").await;
    assert!(matches!(
        anon.status,
        StatusCode::FORBIDDEN | StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED
    ));
    let admin = w.sign_in("sysadmin").await;
    assert!(
        !w.get(&admin, "/admin/calendar")
            .await
            .text()
            .contains("id=\"year-2027\""),
        "nothing loaded"
    );
}
