//! Single sign-on and the Yiwang session: `prompt=login` and `max_age` force a fresh sign-in
//! (and `auth_time` says when it happened); signing out stops the SSO codes and access tokens
//! issued in that session at once.

use axum::http::{StatusCode, header};
use serde_json::Value;
use time::Duration;
use yiwang_kernel::clock::Clock;

use crate::harness::{Client, World};
use crate::oidc::{
    CALLBACK, VERIFIER, authorize_path, code_for, exchange, oauth_error, query_of, register,
    token_form, userinfo,
};

/// The ID token's claims (unverified: the signature is tested elsewhere).
fn id_claims(tokens: &Value) -> Value {
    let jwt = tokens["id_token"].as_str().unwrap();
    serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            jwt.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap()
}

/// Follows an authorize request that must end in the sign-in page; answers the `next` path.
async fn sign_in_required(w: &World, c: &Client, path: &str) -> String {
    let r = w.get(c, path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.text());
    let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    let next = form_urlencoded::parse(loc.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(next.starts_with("/oidc/authorize?"), "{next}");
    next
}

async fn signed_in(w: &World, c: &Client) -> bool {
    w.get(c, "/api/v1/auth/me").await.json()["signed_in"] == Value::Bool(true)
}

#[tokio::test]
async fn prompt_login_and_max_age_force_a_fresh_sign_in() {
    let w = World::new().await;
    let reg = register(&w, false, &[CALLBACK]).await;
    let id = reg["client_id"].as_str().unwrap();
    let secret = reg["client_secret"].as_str().unwrap();
    let signed_in_at = w.clock.now();
    let editor = w.sign_in("editor").await;
    assert!(signed_in(&w, &editor).await);
    w.clock.advance(Duration::minutes(10));

    // Within max_age: a code at once, and auth_time is the sign-in 10 minutes ago.
    let path = authorize_path(id, CALLBACK, &[("max_age", "3600")]);
    let r = w.get(&editor, &path).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    let code = query_of(loc).get("code").unwrap().clone();
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        id_claims(&r.json())["auth_time"],
        signed_in_at.unix_timestamp()
    );

    // prompt=login: the session ends and the person signs in again; the request goes on
    // without prompt=login, and auth_time is the new sign-in.
    let next = sign_in_required(
        &w,
        &editor,
        &authorize_path(id, CALLBACK, &[("prompt", "login")]),
    )
    .await;
    assert!(!next.contains("prompt"), "{next}");
    assert!(!signed_in(&w, &editor).await, "the old session ended");
    w.clock.advance(Duration::seconds(30));
    let again = w.sign_in("editor").await;
    let fresh_at = w.clock.now();
    let r = w.get(&again, &next).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    let q = query_of(loc);
    assert_eq!(q.get("state").map(String::as_str), Some("st-1"));
    let r = exchange(
        &w,
        &token_form(id, secret, q.get("code").unwrap(), VERIFIER),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(id_claims(&r.json())["auth_time"], fresh_at.unix_timestamp());

    // max_age exceeded, and max_age=0: a fresh sign-in too.
    w.clock.advance(Duration::minutes(6));
    let next = sign_in_required(
        &w,
        &again,
        &authorize_path(id, CALLBACK, &[("max_age", "300")]),
    )
    .await;
    assert!(!next.contains("max_age"), "{next}");
    assert!(!signed_in(&w, &again).await);
    let third = w.sign_in("editor").await;
    sign_in_required(
        &w,
        &third,
        &authorize_path(id, CALLBACK, &[("max_age", "0")]),
    )
    .await;

    // With prompt=none nobody can be asked: login_required goes back to the system; and
    // prompt=none with another value, or a malformed max_age, is invalid_request.
    let fourth = w.sign_in("editor").await;
    for (extra, error) in [
        (vec![("prompt", "none"), ("max_age", "0")], "login_required"),
        (vec![("prompt", "none login")], "invalid_request"),
        (vec![("max_age", "-1")], "invalid_request"),
        (vec![("max_age", "soon")], "invalid_request"),
    ] {
        let r = w.get(&fourth, &authorize_path(id, CALLBACK, &extra)).await;
        assert_eq!(r.status, StatusCode::FOUND, "{extra:?}: {}", r.text());
        let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
        assert_eq!(
            query_of(loc).get("error").map(String::as_str),
            Some(error),
            "{extra:?}"
        );
    }
    assert!(signed_in(&w, &fourth).await, "prompt=none never signs out");
}

#[tokio::test]
async fn signing_out_stops_the_sessions_sso_tokens_at_once() {
    let w = World::new().await;
    let reg = register(&w, false, &[CALLBACK]).await;
    let id = reg["client_id"].as_str().unwrap();
    let secret = reg["client_secret"].as_str().unwrap();
    let editor = w.sign_in("editor").await;
    let elsewhere = w.sign_in("editor").await;

    let code = code_for(&w, &editor, id).await;
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let access = r.json()["access_token"].as_str().unwrap().to_string();
    let other = code_for(&w, &elsewhere, id).await;
    let r = exchange(&w, &token_form(id, secret, &other, VERIFIER)).await;
    let other_access = r.json()["access_token"].as_str().unwrap().to_string();
    let pending = code_for(&w, &editor, id).await;
    assert_eq!(userinfo(&w, &access).await.status(), StatusCode::OK);

    let r = w.post(&editor, "/api/v1/auth/sign-out", Value::Null).await;
    assert!(r.status.is_success(), "{}", r.text());

    // The access token of that session stops at once (not 10 minutes later) …
    let r = userinfo(&w, &access).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // … a code issued in it can no longer be exchanged …
    let r = exchange(&w, &token_form(id, secret, &pending, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(oauth_error(&r), "invalid_grant");
    // … and the same person's other session, and its token, go on.
    assert_eq!(userinfo(&w, &other_access).await.status(), StatusCode::OK);
}
