//! The security administrator's Open311 api keys page (`/admin/open311-keys`): the list, a key
//! issued (shown once, on a page the browser must not keep) and used, a key revoked (its next
//! POST is a 403), other staff refused; and the same through `/api/v1/open311-keys`.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Client, World};

const FORM: &str = "application/x-www-form-urlencoded";

async fn form(w: &World, c: &Client, path: &str, fields: &[(&str, &str)]) -> crate::harness::Resp {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.append_pair("_csrf", c.csrf.as_deref().unwrap_or(""));
    let c = Client {
        cookie: c.cookie.clone(),
        csrf: None,
    };
    w.send(&c, Method::POST, path, Some(FORM), s.finish().into_bytes())
        .await
}

/// The key shown on the page after issuing.
fn key_in(html: &str) -> String {
    let start = "<code id=\"key-secret\">";
    let at = html.find(start).expect("the issued key");
    let rest = &html[at + start.len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

async fn seed_category(w: &World) {
    w.state
        .appeals
        .save_category(
            &yiwang_kernel::auth::Ctx::system("test"),
            yiwang_appeals::views::CategoryInput {
                code: "CG01".into(),
                name: "路灯不亮".into(),
                parent_code: None,
                department_id: Some(w.city_scjg),
                specialty: None,
                description: String::new(),
                keywords: String::new(),
                active: true,
            },
        )
        .await
        .unwrap();
}

async fn open311_post(w: &World, key: &str) -> StatusCode {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("api_key", key),
            ("service_code", "CG01"),
            ("address_string", "赤坎区人民大道北1号"),
            ("description", "路灯不亮"),
        ])
        .finish();
    w.send(
        &Client::default(),
        Method::POST,
        "/open311/v2/requests.json",
        Some(FORM),
        body.into_bytes(),
    )
    .await
    .status
}

#[tokio::test]
async fn the_security_administrator_issues_and_revokes_keys() {
    let w = World::new().await;
    seed_category(&w).await;
    let sec = w.sign_in("security").await;
    let page = w.get(&sec, "/admin/open311-keys").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Open311接口密钥"));
    assert!(html.contains("尚未签发密钥"));
    assert!(html.contains("id=\"o311-jurisdiction\">440800<"));
    // The dashboard links it.
    assert!(
        w.get(&sec, "/admin")
            .await
            .text()
            .contains("/admin/open311-keys")
    );

    // A name is required (the service names the field on the page).
    let r = form(
        &w,
        &sec,
        "/admin/open311-keys",
        &[("name", ""), ("contact", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("key-form"));

    let r = form(
        &w,
        &sec,
        "/admin/open311-keys",
        &[("name", "湛江市民App"), ("contact", "张工 0759-3100000")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let key = key_in(&r.text());
    assert!(key.len() >= 20, "{key}");
    assert!(r.text().contains("湛江市民App"));
    assert_eq!(open311_post(&w, &key).await, StatusCode::OK);
    // The list shows the app and the key's beginning, never the key.
    let list = w.get(&sec, "/admin/open311-keys").await.text();
    assert!(list.contains("湛江市民App") && list.contains("张工 0759-3100000"));
    assert!(!list.contains(&key));
    let keys = w
        .state
        .appeals
        .keys(&yiwang_kernel::auth::Ctx::system("t"))
        .await
        .unwrap();
    let id = keys[0].id;
    assert!(list.contains(&format!("{}…", keys[0].key_prefix)));
    assert!(list.contains(&format!("revoke-key-{id}")));

    let r = form(&w, &sec, &format!("/admin/open311-keys/{id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = w
        .get(&sec, "/admin/open311-keys?done=open311_key_revoked")
        .await
        .text();
    assert!(after.contains("密钥已吊销"));
    assert!(!after.contains(&format!("revoke-key-{id}")));
    assert_eq!(open311_post(&w, &key).await, StatusCode::FORBIDDEN);
    // Revoking an unknown key is a not-found page.
    let r = form(&w, &sec, "/admin/open311-keys/999999/revoke", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_staff_and_citizens_are_refused() {
    let w = World::new().await;
    for user in ["editor", "sysadmin", "auditor"] {
        let c = w.sign_in(user).await;
        let r = w.get(&c, "/admin/open311-keys").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}: {}", r.text());
        let r = form(&w, &c, "/admin/open311-keys", &[("name", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    assert!(
        w.state
            .appeals
            .keys(&yiwang_kernel::auth::Ctx::system("t"))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn keys_through_the_api() {
    let w = World::new().await;
    seed_category(&w).await;
    let sec = w.sign_in("security").await;
    let r = w
        .post(
            &sec,
            "/api/v1/open311-keys",
            json!({"name": "媒体随手拍", "contact": "李编辑"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let key = r.json()["key"].as_str().unwrap().to_string();
    let id = r.json()["info"]["id"].as_i64().unwrap();
    assert_eq!(open311_post(&w, &key).await, StatusCode::OK);
    let list = w.get(&sec, "/api/v1/open311-keys").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.text().contains(&key));
    assert_eq!(list.json()[0]["name"], "媒体随手拍");
    let r = w
        .post(
            &sec,
            &format!("/api/v1/open311-keys/{id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["revoked_at"].is_string());
    assert_eq!(open311_post(&w, &key).await, StatusCode::FORBIDDEN);
    let editor = w.sign_in("editor").await;
    let r = w.get(&editor, "/api/v1/open311-keys").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
