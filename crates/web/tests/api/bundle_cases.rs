//! Bundle applications (一件事) through the router: an online application with an
//! idempotency key, the applicant's list and progress, the window's reception, the staff's
//! view, withdrawal, rating refused before the conclusion, statistics, and who is refused.
//! The definitions come from `StaticDefs` (the bundles domain's service replaces it when
//! wired); the service-level behaviour is tested in `crates/cases/tests/bundles.rs`.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cases::{ID_A, PHONE_A, pdf, person_elements, upload};
use crate::harness::{World, publish_item_with, register_person};

fn definition(item: &str) -> yiwang_bundles::Bundle {
    serde_json::from_value(json!({
        "code": "open-shop",
        "name": "开店一件事",
        "theme": "开店经营",
        "promised_days": 5,
        "questions": [{"key": "food", "text": "是否经营食品？", "choices": [
            {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}],
        "fields": [
            {"key": "shop", "label": "店名", "kind": "text", "required": true},
            {"key": "area", "label": "面积", "kind": "number", "required": true, "min": 1}
        ],
        "materials": [{"key": "form", "name": "申请书"}],
        "parts": [
            {"key": "first", "item": item, "fields": [
                {"to": "shop", "from": {"field": {"field": "shop"}}},
                {"to": "area", "from": {"field": {"field": "area"}}}
             ], "materials": [{"entry": "M01", "material": "form"}]},
            {"key": "second", "item": item, "name": "第二项",
             "when": {"answer": {"question": "food", "values": ["yes"]}},
             "fields": [
                {"to": "shop", "from": {"field": {"field": "shop"}}},
                {"to": "area", "from": {"field": {"field": "area"}}}
             ], "materials": [{"entry": "M01", "material": "form"}]}
        ]
    }))
    .unwrap()
}

/// A world whose one bundle combines an item of the city market regulator twice.
async fn world() -> World {
    let probe = World::new().await;
    // The item's code is the same in every world (department, basic item and sequence).
    let code = publish_item_with(&probe, person_elements()).await;
    drop(probe);
    let defs = yiwang_bundles::StaticDefs::of(vec![definition(&code)]);
    let w = World::with_bundles(Arc::new(defs)).await;
    assert_eq!(publish_item_with(&w, person_elements()).await, code);
    w
}

#[tokio::test]
async fn key_rotation_rewraps_the_sealed_bundle_columns() {
    let w = world().await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(1)).await;
    let r = w
        .post(
            &citizen,
            "/api/v1/bundles/open-shop/applications",
            json!({"answers": {"food": "no"}, "form": {"shop": "海滨小馆", "area": 36},
                   "materials": [{"material": "form", "ticket": t}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let no = r.json()["bundle_no"].as_str().unwrap().to_string();
    let sec = w.sign_in("security").await;
    let r = w.post(&sec, "/api/v1/keys/rotate", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let key = r.json()["key_id"].as_str().unwrap().to_string();
    let mut db = w.state.db.clone();
    let (cert, phone, form): (String, String, String) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT applicant_cert_enc, contact_phone_enc, form_enc FROM bundle_cases",
        &[],
    )
    .await
    .unwrap();
    let (result,): (String,) =
        yiwang_store::Conn::fetch_one(&mut db, "SELECT result_enc FROM bundle_parts", &[])
            .await
            .unwrap();
    for v in [&cert, &phone, &form, &result] {
        assert!(v.starts_with(&format!("v1.{key}.")), "{v}");
    }
    let r = w
        .get(&citizen, &format!("/api/v1/me/bundle-cases/{no}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_bundle_is_applied_for_followed_and_withdrawn_through_the_api() {
    let w = world().await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let other = register_person(&w, "李二", "440803198506150024", "13800000002").await;
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(1)).await;
    let body = json!({
        "answers": {"food": "yes"},
        "form": {"shop": "海滨小馆", "area": 36},
        "materials": [{"material": "form", "ticket": t}]
    });
    let send = |key: &'static str, body: Value| {
        let w = &w;
        let citizen = citizen.clone();
        async move {
            w.send_with(
                &citizen,
                Method::POST,
                "/api/v1/bundles/open-shop/applications",
                &[("idempotency-key", key)],
                serde_json::to_vec(&body).unwrap(),
            )
            .await
        }
    };
    let r = send("k-1", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let no = v["bundle_no"].as_str().unwrap().to_string();
    assert_eq!(v["parts"].as_array().unwrap().len(), 2);
    assert_eq!(v["parts"][1]["name"], "第二项");
    let r = send("k-1", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "a retry: {}", r.text());
    assert_eq!(r.json()["bundle_no"], no.as_str());
    // Every problem at once, nothing written.
    let r = send("k-2", json!({"answers": {}, "form": {}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .post(
            &citizen,
            "/api/v1/bundles/no-such/applications",
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let mine = w.get(&citizen, "/api/v1/me/bundle-cases").await.json();
    assert_eq!(mine["total"], 1, "{mine}");
    let r = w
        .get(&citizen, &format!("/api/v1/me/bundle-cases/{no}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let case_no = r.json()["parts"][0]["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let case = w
        .get(&citizen, &format!("/api/v1/me/cases/{case_no}"))
        .await
        .json();
    assert_eq!(case["bundle_no"], no.as_str());
    assert_eq!(case["bundle_name"], "开店一件事");
    assert_eq!(case["form"]["shop"], "海滨小馆");
    assert_eq!(case["form"]["name"], "陈小明", "the item's prefill");
    let r = w
        .get(&other, &format!("/api/v1/me/bundle-cases/{no}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Staff: the window sees the whole; a department officer is refused at the door.
    let clerk = w.sign_in("clerk").await;
    let r = w.get(&clerk, &format!("/api/v1/bundle-cases/{no}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w.get(&clerk, "/api/v1/bundle-cases?status=handling").await;
    assert_eq!(r.json()["total"], 1, "{}", r.text());
    let officer = w.sign_in("officer").await;
    let r = w.get(&officer, &format!("/api/v1/bundle-cases/{no}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&citizen, "/api/v1/bundle-cases").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Rating waits for the conclusion; withdrawal takes every part.
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/bundle-cases/{no}/rating"),
            json!({"score": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = w
        .post(
            &other,
            &format!("/api/v1/bundle-cases/{no}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let rev = w
        .get(&citizen, &format!("/api/v1/me/bundle-cases/{no}"))
        .await
        .json()["revision"]
        .as_i64()
        .unwrap();
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/bundle-cases/{no}/withdraw"),
            json!({"revision": rev, "reason": "不开了"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "withdrawn");
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/bundle-cases/{no}/supplements"),
            json!({"materials": [{"material": "form", "ticket": "x"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // The window receives one for a person it serves.
    let t = upload(&w, &clerk, "/api/v1/window/uploads", "申请书.pdf", pdf(2)).await;
    let r = w
        .post(
            &clerk,
            "/api/v1/window/bundle-cases",
            json!({
                "applicant": {"kind": "person", "name": "陈小明", "cert_no": ID_A, "contact_phone": PHONE_A},
                "bundle": "open-shop",
                "answers": {"food": "no"},
                "form": {"shop": "海滨小馆", "area": 36},
                "materials": [{"material": "form", "ticket": t}]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["channel"], "1");
    assert_eq!(r.json()["parts"].as_array().unwrap().len(), 1);
    let audit = w.sign_in("auditor").await;
    let log = w
        .get(&audit, "/api/v1/audit?action=bundle_case.receive")
        .await;
    assert_eq!(log.json().as_array().unwrap().len(), 1, "{}", log.text());

    // Statistics for supervisors.
    let supervisor = w.sign_in("supervisor").await;
    let r = w
        .get(
            &supervisor,
            "/api/v1/bundle-stats?from=2026-11-01&to=2026-11-30",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()[0]["submitted"], 2, "{}", r.text());
    assert_eq!(r.json()[0]["withdrawn"], 1);
    let r = w
        .get(&supervisor, "/api/v1/bundle-stats?from=2026-11-01")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
