//! Holders are told about their licences: issued, renewed, suspended, reinstated, revoked,
//! expiring and expired — each once, only to the holder, readable and markable as read.

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::cases::{ID_A, PHONE_A};
use crate::harness::{World, person_sign_in, register_person};

const ID_B: &str = "440811199203040017";

fn social_card_type() -> yiwang_licences::LicenceType {
    yiwang_licences::LicenceType {
        code: "11100000000019713D002".into(),
        name: "社会保障卡".into(),
        definer_name: "人力资源社会保障部".into(),
        holder_type: "person".into(),
        face_schema: json!([{"key": "card_no", "label": "卡号", "kind": "text", "required": true}])
            .to_string(),
        validity_years: 1,
    }
}

fn card_for(name: &str, id: &str, dept: i64) -> yiwang_licences::IssueInput {
    yiwang_licences::IssueInput {
        type_code: "11100000000019713D002".into(),
        holder_name: name.into(),
        holder_code: id.into(),
        face: json!({"card_no": "A12345678"}),
        issuer_department_id: dept,
        ..Default::default()
    }
}

fn kinds(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn holders_are_told_of_every_change_to_their_licences_once() {
    let w = World::new().await;
    let sys = yiwang_kernel::auth::Ctx::system("test");
    w.state
        .licences
        .define_type(&sys, &social_card_type())
        .await
        .unwrap();
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let other = register_person(&w, "黄丽", ID_B, "13912345678").await;
    let l = w
        .state
        .licences
        .issue(&sys, &card_for("陈小明", ID_A, w.city_scjg))
        .await
        .unwrap();
    w.state
        .licences
        .set_status(&sys, &l.identifier, "suspended", "卡片挂失核查中")
        .await
        .unwrap();
    w.state
        .licences
        .set_status(&sys, &l.identifier, "valid", "核查完毕")
        .await
        .unwrap();
    let v = w.get(&citizen, "/api/v1/me/licences/notices").await.json();
    assert_eq!(kinds(&v), ["reinstated", "suspended", "issued"], "{v}");
    assert_eq!(v["unread"], 3);
    assert!(
        v["items"][1]["text_zh"]
            .as_str()
            .unwrap()
            .contains("社会保障卡已被暂停使用，原因：卡片挂失核查中"),
        "{v}"
    );
    assert_eq!(v["items"][0]["identifier"], l.identifier.as_str());
    // Nobody else hears of it.
    let o = w.get(&other, "/api/v1/me/licences/notices").await.json();
    assert_eq!(o["unread"], 0, "{o}");
    assert!(o["items"].as_array().unwrap().is_empty());
    // Read.
    let r = w
        .post(&citizen, "/api/v1/me/licences/notices/read", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["marked"], 3);
    let v = w.get(&citizen, "/api/v1/me/licences/notices").await.json();
    assert_eq!(v["unread"], 0);
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == true)
    );

    // Renewal: the new licence is announced as renewed.
    let renewed = w
        .state
        .licences
        .issue(
            &sys,
            &yiwang_licences::IssueInput {
                previous_identifier: Some(l.identifier.clone()),
                ..card_for("陈小明", ID_A, w.city_scjg)
            },
        )
        .await
        .unwrap();
    // Expiry: nothing yet; within 30 days "expiring" once; after the date "expired" once.
    assert_eq!(w.state.licences.sweep_expiry().await.unwrap().expiring, 0);
    w.clock.advance(Duration::days(365 - 20));
    let s = w.state.licences.sweep_expiry().await.unwrap();
    assert_eq!(
        (s.expiring, s.expired),
        (1, 0),
        "only the renewed one is valid"
    );
    assert_eq!(w.state.licences.sweep_expiry().await.unwrap().expiring, 0);
    w.clock.advance(Duration::days(30));
    let s = w.state.licences.sweep_expiry().await.unwrap();
    assert_eq!((s.expiring, s.expired), (0, 1));
    assert_eq!(w.state.licences.sweep_expiry().await.unwrap().expired, 0);
    let citizen = person_sign_in(&w, PHONE_A).await;
    let v = w.get(&citizen, "/api/v1/me/licences/notices").await.json();
    assert_eq!(
        kinds(&v),
        [
            "expired",
            "expiring",
            "renewed",
            "reinstated",
            "suspended",
            "issued"
        ],
        "{v}"
    );
    assert_eq!(v["unread"], 3);
    assert_eq!(v["items"][2]["identifier"], renewed.identifier.as_str());
    assert!(
        v["items"][0]["text_en"]
            .as_str()
            .unwrap()
            .starts_with("Your 社会保障卡 expired on "),
        "{v}"
    );
    // The wallet page shows them.
    let page = w.get(&citizen, "/my/licences").await.text();
    assert!(page.contains("到期失效"), "{page}");
    assert!(
        page.contains("已过期"),
        "the expired licence is shown as such: {page}"
    );
}
