//! Sign-in hardening (issue 11, findings 2 and 8): nothing a caller sends grows the audit log
//! without bound, sign-in bodies are small, failures are throttled per source address as well
//! as per account (a person's phone and ID number are one account), signing in ends the
//! browser's previous session, and a 413 speaks the usual error format.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{Client, PASSWORD, World, client_of, register_person};

const ID_A: &str = "440802199001011238";
const PHONE_A: &str = "13800000001";

async fn staff_sign_in(w: &World, username: &str, password: &str) -> crate::harness::Resp {
    w.post(
        &Client::default(),
        "/api/v1/auth/sign-in",
        json!({ "username": username, "password": password }),
    )
    .await
}

#[tokio::test]
async fn a_huge_login_name_neither_fills_the_audit_log_nor_passes_the_door() {
    let w = World::new().await;
    // A body far above what a sign-in needs: refused before anything is read, in JSON.
    let r = staff_sign_in(&w, &"x".repeat(1024 * 1024), "wrong").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert_eq!(r.code(), "payload_too_large");
    // A long name within the limit: the failure is audited with a capped object.
    let r = staff_sign_in(&w, &"y".repeat(10_000), "wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=auth.sign_in_failed")
        .await
        .json();
    let object = log[0]["object"].as_str().unwrap();
    assert!(object.chars().count() < 300, "{} chars", object.len());
    // Any JSON route refuses a body over its limit with the JSON error, not plain text.
    let editor = w.sign_in("editor").await;
    let big = json!({ "basic_code": "000117008000", "pad": "z".repeat(2 * 1024 * 1024) });
    let r = w.post(&editor, "/api/v1/items", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.code(), "payload_too_large");
}

#[tokio::test]
async fn one_source_guessing_many_names_is_stopped() {
    let w = World::new().await;
    for i in 0..30 {
        let r = staff_sign_in(&w, &format!("guess{i}"), "wrong").await;
        assert_eq!(r.code(), "bad_credentials", "attempt {i}");
    }
    // The address is locked now: even a right password from it waits.
    let r = staff_sign_in(&w, "editor", PASSWORD).await;
    assert_eq!(r.code(), "auth.locked", "{}", r.text());
}

#[tokio::test]
async fn a_persons_phone_and_id_number_share_one_lockout() {
    let w = World::new().await;
    register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let person = |login: &'static str, password: &'static str| {
        let w = &w;
        async move {
            w.post(
                &Client::default(),
                "/api/v1/people/sign-in",
                json!({ "login": login, "password": password }),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(person(PHONE_A, "wrong").await.code(), "bad_credentials");
    }
    for _ in 0..2 {
        assert_eq!(person(ID_A, "wrong").await.code(), "bad_credentials");
    }
    // Five failures on one account, whichever number named it: locked for both.
    assert_eq!(person(ID_A, PASSWORD).await.code(), "auth.locked");
    assert_eq!(person(PHONE_A, PASSWORD).await.code(), "auth.locked");
}

#[tokio::test]
async fn signing_in_as_someone_else_ends_the_previous_session() {
    let w = World::new().await;
    let first = w.sign_in("editor").await;
    assert_eq!(
        w.get(&first, "/api/v1/admin/items").await.status,
        StatusCode::OK
    );
    // Someone else signs in at the same browser (the first session's cookie is sent along).
    let r = w
        .post(
            &first,
            "/api/v1/auth/sign-in",
            json!({ "username": "reviewer", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let second = client_of(&r);
    assert_eq!(
        w.get(&first, "/api/v1/auth/me").await.json()["signed_in"],
        false
    );
    assert_eq!(
        w.get(&second, "/api/v1/auth/me").await.json()["username"],
        "reviewer"
    );
}

/// The `_csrf` query parameter is only for a page's multipart upload; a JSON request must send
/// the header (issue 11, finding 8).
#[tokio::test]
async fn a_json_request_cannot_carry_its_csrf_token_in_the_query() {
    let w = World::new().await;
    let editor = w.sign_in("editor").await;
    let token = editor.csrf.clone().unwrap();
    let no_header = Client {
        cookie: editor.cookie.clone(),
        csrf: None,
    };
    let r = w
        .post(
            &no_header,
            &format!("/api/v1/items?_csrf={token}"),
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.code(), "csrf_rejected");
}
