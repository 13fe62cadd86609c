//! The data sharing pages: the consumer's form (problems next to their inputs, what was typed
//! kept), "my requests", the provider's inbox with its grant and refuse forms, revocation, the
//! supervisor's yellow/red view and the statistics page.

use axum::http::StatusCode;
use time::macros::datetime;
use yiwang_exchange::ShareType;
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{location, post_form};
use crate::exchange_sharing::resource;
use crate::harness::{Client, PASSWORD, World};

async fn staff(w: &World, username: &str, dept: i64, role: &str) -> Client {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id: dept,
                roles: vec![role.into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in(username).await
}

#[tokio::test]
async fn request_decide_supervise_and_count_through_the_pages() {
    let w = World::new().await;
    let r = resource(&w, w.city_scjg, ShareType::Conditional).await;
    let code = r.code.as_str();
    let consumer = staff(&w, "steward_ck", w.chikan_scjg, "data_steward").await;
    staff(&w, "steward_city", w.city_scjg, "data_steward").await;
    // The form shows the resource's items as choices.
    let page = w
        .get(
            &consumer,
            &format!(
                "/staff/exchange/requests/new?resource={}",
                code.replace('/', "%2F")
            ),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("id=\"field-id_number\"") && html.contains("有条件共享"),
        "{html}"
    );
    // Nothing chosen, no purpose: the problems are shown next to their inputs, typed kept.
    let bad = post_form(
        &w,
        &consumer,
        "/staff/exchange/requests",
        &[
            ("resource_code", code),
            ("scenario", "食品经营许可证核发"),
            ("legal_basis", "《食品安全法》"),
            ("from", "2026-11-23"),
            ("to", "2027-11-22"),
        ],
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let html = bad.text();
    assert!(html.contains("error-summary"), "{html}");
    assert!(html.contains("id=\"purpose\"") && html.contains("aria-invalid=\"true\""));
    assert!(html.contains("食品经营许可证核发"), "typed text kept");
    let ok = post_form(
        &w,
        &consumer,
        "/staff/exchange/requests",
        &[
            ("resource_code", code),
            ("fields", "id_number"),
            ("fields", "name"),
            ("purpose", "核验申请人身份"),
            ("scenario", "食品经营许可证核发"),
            ("legal_basis", "《食品安全法》第三十五条"),
            ("service_items", "11440800MB2C12341000117008000"),
            ("from", "2026-11-23"),
            ("to", "2027-11-22"),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(location(&ok).starts_with("/staff/exchange/requests?done=exchange_submitted"));
    let mine = w
        .get(
            &consumer,
            "/staff/exchange/requests?done=exchange_submitted",
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    let html = mine.text();
    assert!(
        html.contains("待审批") && html.contains("2026-12-04") && html.contains("id=\"flash\""),
        "{html}"
    );
    // Yellow on the supervisor's page on the 8th working day.
    w.clock.set(datetime!(2026-12-02 02:00 UTC));
    let supervisor = w.sign_in("supervisor").await;
    let sup = w.get(&supervisor, "/staff/exchange/supervision").await;
    assert_eq!(sup.status, StatusCode::OK, "{}", sup.text());
    assert!(sup.text().contains("badge amber"), "{}", sup.text());
    // The provider's inbox: a rate that is not a number is refused next to its input.
    let provider = w.sign_in("steward_city").await;
    let inbox = w.get(&provider, "/staff/exchange/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    let html = inbox.text();
    let id = html
        .split("id=\"grant-form-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let bad = post_form(
        &w,
        &provider,
        &format!("/staff/exchange/requests/{id}/grant"),
        &[("fields", "id_number"), ("rate_per_minute", "many")],
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(
        bad.text().contains(&format!(
            "id=\"grant-rate-{id}\" name=\"rate_per_minute\" value=\"many\""
        )),
        "{}",
        bad.text()
    );
    let ok = post_form(
        &w,
        &provider,
        &format!("/staff/exchange/requests/{id}/grant"),
        &[("fields", "id_number"), ("rate_per_minute", "30")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let inbox = w
        .get(&provider, "/staff/exchange/inbox?done=exchange_granted")
        .await
        .text();
    assert!(
        inbox.contains("已授权") && inbox.contains("revoke-form-"),
        "{inbox}"
    );
    let grant = inbox
        .split("id=\"revoke-form-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let bad = post_form(
        &w,
        &provider,
        &format!("/staff/exchange/grants/{grant}/revoke"),
        &[("reason", "")],
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let ok = post_form(
        &w,
        &provider,
        &format!("/staff/exchange/grants/{grant}/revoke"),
        &[("reason", "用途变更")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    // Statistics: the supervisor's every department, the steward's own.
    let stats = w
        .get(
            &supervisor,
            "/staff/exchange/stats?from=2026-11-01&to=2026-12-31",
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    assert!(
        stats
            .text()
            .contains(&format!("id=\"stats-{}\"", w.chikan_scjg))
    );
    let own = w.get(&provider, "/staff/exchange/stats").await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    assert!(
        own.text()
            .contains(&format!("id=\"stats-{}\"", w.city_scjg))
    );
    assert!(
        !own.text()
            .contains(&format!("id=\"stats-{}\"", w.chikan_scjg))
    );
    let bad = w
        .get(&provider, "/staff/exchange/stats?from=yesterday")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Pages are for staff: a citizen is refused, the anonymous sent to sign in.
    let anon = w.get(&w.anonymous(), "/staff/exchange/inbox").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    // A case officer has no inbox of data requests.
    let officer = w.sign_in("officer").await;
    let r = w.get(&officer, "/staff/exchange/inbox").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
