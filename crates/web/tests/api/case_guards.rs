//! Guards of the cases API: the progress query's throttle (429 with `Retry-After`, the same
//! answer for a wrong credential and an unknown number), reach before state (404 for a case
//! outside the caller's reach, whatever its state or revision) and idempotency keys reused
//! with another body (422).

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::case_pages::post_form;
use crate::cases::{ID_A, PHONE_A, apply, pdf, person_elements, upload};
use crate::harness::{World, publish_item_with, register_person};

#[tokio::test]
async fn the_progress_query_is_throttled_and_answers_a_wrong_credential_like_an_unknown_case() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let no = apply(&w, &citizen, &code, 1).await["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let anon = w.anonymous();
    let query = |no: &str, cred: &str| format!("/api/v1/progress?case_no={no}&credential={cred}");

    // A wrong credential and a made-up number: the same status and the same body.
    let wrong = w.get(&anon, &query(&no, "13800000000")).await;
    let unknown = w
        .get(
            &anon,
            &query("11440800MB2C1234X20261122999999", "13800000000"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.text(), wrong.text());

    // Ten failures for one case number within 15 minutes: the next query is refused, even with
    // the right credential, in the JSON error format with Retry-After.
    for n in 1..10 {
        let r = w.get(&anon, &query(&no, &format!("1380000000{n}"))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "guess {n}");
    }
    let r = w.get(&anon, &query(&no, ID_A)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.code(), "rate_limited");
    assert!(r.json()["error"]["en"].is_string());
    let wait: u64 = r
        .headers
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");

    // The page says so too.
    let p = post_form(
        &w,
        &anon,
        "/progress",
        &[("case_no", &no), ("credential", PHONE_A)],
    )
    .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.headers.get("retry-after").is_some());
    assert!(p.text().contains("请求过于频繁"), "{}", p.text());

    // After the window the owner's query passes again.
    w.clock.advance(time::Duration::minutes(16));
    let r = w.get(&anon, &query(&no, PHONE_A)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_case_outside_the_callers_reach_is_not_found_before_its_state_or_revision() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // 赤坎's officer holds case.handle, but not over the city's cases: every action and read
    // answers exactly as for a number that does not exist, stale revision or wrong state alike.
    let chikan = w.sign_in("chikanofficer").await;
    let unknown = "11440800MB2C1234X20261122999999";
    for (path, body) in [
        (
            "special-procedures",
            json!({"special_type": "2", "name": "听证", "reason": "试探", "days": 5, "revision": 1}),
        ),
        (
            "special-procedures/end",
            json!({"result": "x", "revision": 99}),
        ),
        ("actions", json!({"action": "claim", "revision": 1})),
    ] {
        let mine = w
            .post(&chikan, &format!("/api/v1/cases/{no}/{path}"), body.clone())
            .await;
        let none = w
            .post(&chikan, &format!("/api/v1/cases/{unknown}/{path}"), body)
            .await;
        assert_eq!(
            mine.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            mine.text()
        );
        assert_eq!(mine.text(), none.text(), "{path}");
    }
    let r = w.get(&chikan, &format!("/api/v1/cases/{no}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Within reach, the stale revision is still named.
    let officer = w.sign_in("officer").await;
    let r = w
        .post(
            &officer,
            &format!("/api/v1/cases/{no}/special-procedures/end"),
            json!({"result": "x", "revision": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
}

#[tokio::test]
async fn an_idempotency_key_reused_for_another_application_is_refused() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let ticket = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(1)).await;
    let body = |shop: &str| {
        serde_json::to_vec(&json!({
            "item_code": code,
            "form": {"shop": shop, "area": "36.5"},
            "materials": [{"entry": "M01", "ticket": ticket}],
        }))
        .unwrap()
    };
    let send = |b: Vec<u8>| {
        w.send_with(
            &citizen,
            Method::POST,
            "/api/v1/me/cases",
            &[("idempotency-key", "k-1")],
            b,
        )
    };
    let first = send(body("海滨小馆")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = send(body("海滨小馆")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["case_no"], first.json()["case_no"]);
    let other = send(body("另一家店")).await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.text()
    );
    assert_eq!(
        other.json()["error"]["fields"][0]["rule"],
        "idempotency_key.reused"
    );
    let mine = w.get(&citizen, "/api/v1/me/cases").await.json();
    assert_eq!(mine["total"], 1);
}
