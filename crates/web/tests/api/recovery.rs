//! Account recovery (找回账号) through the real router: the identity officer issues a one-time
//! code on `/staff/recovery` after checking the document; the person sets a new password on
//! `/recover`; the old password stops working, the new one works, the code works once, an
//! expired code is refused, a wrong code and an unknown account answer the same, an
//! administrator account is refused; issue, use and failure are audited.

use axum::http::StatusCode;
use serde_json::json;

use crate::case_pages::{location, post_form};
use crate::cases::{ID_A, PHONE_A};
use crate::harness::{Client, PASSWORD, World, register_person};

const NEW_PASSWORD: &str = "Fresh@2026word";

/// The code shown once on the officer's page.
fn issued_code(html: &str) -> String {
    html.split("id=\"issued-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no code shown: {html}"))
        .to_string()
}

async fn issue(w: &World, officer: &Client, kind: &str, login: &str) -> String {
    let r = post_form(
        w,
        officer,
        "/staff/recovery",
        &[("kind", kind), ("login", login), ("document_seen", "1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["cache-control"], "no-store");
    issued_code(&r.text())
}

async fn recover(w: &World, login: &str, code: &str, password: &str) -> crate::harness::Resp {
    post_form(
        w,
        &Client::default(),
        "/recover",
        &[
            ("login", login),
            ("code", code),
            ("password", password),
            ("password2", password),
        ],
    )
    .await
}

async fn person_signs_in(w: &World, login: &str, password: &str) -> StatusCode {
    w.post(
        &Client::default(),
        "/api/v1/people/sign-in",
        json!({ "login": login, "password": password }),
    )
    .await
    .status
}

#[tokio::test]
async fn a_citizen_recovers_the_account_with_a_code_from_the_identity_officer() {
    let w = World::new().await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let officer = w.sign_in("idofficer").await;

    // The sign-in page says how.
    let signin = w.get(&Client::default(), "/signin").await.text();
    assert!(signin.contains("href=\"/recover\"") && signin.contains("忘记密码？"));
    let page = w.get(&Client::default(), "/recover").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("政务服务大厅窗口"));

    // The officer's page: the document must have been seen.
    let r = w.get(&officer, "/staff/recovery").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = post_form(
        &w,
        &officer,
        "/staff/recovery",
        &[("kind", "person"), ("login", ID_A)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("id=\"document_seen-error\""),
        "{}",
        r.text()
    );
    let code = issue(&w, &officer, "person", ID_A).await;

    // A wrong code and an unknown account get the same page.
    let wrong = recover(&w, PHONE_A, "2222-2222-2222", NEW_PASSWORD).await;
    let unknown = recover(&w, "13900000009", &code, NEW_PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    let summary = |html: &str| {
        html.split("id=\"error-summary\"")
            .nth(1)
            .and_then(|s| s.split("</div>").next())
            .unwrap()
            .to_string()
    };
    assert_eq!(summary(&wrong.text()), summary(&unknown.text()));
    assert!(wrong.text().contains("账号或重置码不正确"));

    // The right code sets the password; old sessions end.
    let r = recover(&w, PHONE_A, &code, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(location(&r), "/signin?done=recovered");
    assert!(
        w.get(&Client::default(), "/signin?done=recovered")
            .await
            .text()
            .contains("新密码已设置")
    );
    let r = w.get(&citizen, "/api/v1/me/cases").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "old sessions end");
    assert_eq!(
        person_signs_in(&w, ID_A, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        person_signs_in(&w, ID_A, NEW_PASSWORD).await,
        StatusCode::OK
    );
    // Once only.
    let r = recover(&w, ID_A, &code, "Other@2026word").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A code expires after 24 hours.
    let code = issue(&w, &officer, "person", ID_A).await;
    w.clock.advance(time::Duration::hours(25));
    let r = recover(&w, ID_A, &code, "Other@2026word").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        person_signs_in(&w, ID_A, NEW_PASSWORD).await,
        StatusCode::OK
    );

    // Audited: issued twice, used once, failed four times.
    let auditor = w.sign_in("auditor").await;
    for (action, n) in [
        ("account.reset_issued", 2),
        ("account.reset_used", 1),
        ("account.reset_failed", 4),
    ] {
        let log = w
            .get(&auditor, &format!("/api/v1/audit?action={action}"))
            .await
            .json();
        assert_eq!(log.as_array().unwrap().len(), n, "{action}: {log}");
    }
    let log = w
        .get(&auditor, "/api/v1/audit?action=account.reset_issued")
        .await
        .json();
    assert_eq!(log[0]["actor"], "staff:idofficer");
}

#[tokio::test]
async fn staff_recover_too_but_administrators_and_other_roles_do_not() {
    let w = World::new().await;
    let officer = w.sign_in("idofficer").await;
    // Not for an administrator of 三员分立.
    let r = post_form(
        &w,
        &officer,
        "/staff/recovery",
        &[
            ("kind", "staff"),
            ("login", "sysadmin"),
            ("document_seen", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("双人规则"));
    // Only the identity officer issues codes.
    let clerk = w.sign_in("clerk").await;
    let r = w.get(&clerk, "/staff/recovery").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(
        &w,
        &clerk,
        "/staff/recovery",
        &[
            ("kind", "staff"),
            ("login", "editor"),
            ("document_seen", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A member of staff.
    let code = issue(&w, &officer, "staff", "editor").await;
    let r = recover(&w, "editor", &code, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .post(
            &Client::default(),
            "/api/v1/auth/sign-in",
            json!({ "username": "editor", "password": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // The new password follows the sign-up policy, and is typed twice alike.
    let code = issue(&w, &officer, "staff", "editor").await;
    let r = recover(&w, "editor", &code, "short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"password-error\""));
}
