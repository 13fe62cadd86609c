//! Every page renders, in both languages and in elder mode, for the callers who may see it;
//! forms are protected against forgery.

use axum::http::{Method, StatusCode, header};

use crate::harness::{Client, World, publish_item};

fn with_cookie(c: &Client, extra: &str) -> Client {
    let cookie = match &c.cookie {
        Some(s) => format!("{s}; {extra}"),
        None => extra.to_string(),
    };
    Client {
        cookie: Some(cookie),
        csrf: c.csrf.clone(),
    }
}

#[tokio::test]
async fn public_pages_render_in_both_languages_and_elder_mode() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let anon = w.anonymous();
    let pages = [
        "/".to_string(),
        "/items".into(),
        "/items?q=%E9%A3%9F%E5%93%81".into(),
        format!("/items/{code}"),
        "/departments".into(),
        "/halls".into(),
        "/signin".into(),
    ];
    for p in &pages {
        let r = w.get(&anon, p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text());
        let html = r.text();
        assert!(html.contains("lang=\"zh-CN\""), "{p}");
        assert!(html.contains("一网通办"), "{p}");
        let en = w.get(&with_cookie(&anon, "yiwang_lang=en"), p).await.text();
        assert!(en.contains("lang=\"en\""), "{p}");
        let elder = w.get(&with_cookie(&anon, "yiwang_elder=1"), p).await.text();
        assert!(elder.contains("class=\"elder\""), "{p}");
    }
    // The guide shows every element group.
    let guide = w.get(&anon, &format!("/items/{code}")).await.text();
    for s in [
        "食品经营许可证核发",
        "申请材料",
        "食品经营许可申请书",
        "法定办结时限",
        "20个工作日",
        "6个工作日",
        "70.0%",
        "0759-3388123",
        "常见问题",
        "设定依据",
        "《中华人民共和国食品安全法》第三十五条",
        "可用电子证照",
        "湛江市政务服务中心二楼A区综合受理窗口",
    ] {
        assert!(guide.contains(s), "guide lacks {s}");
    }
    let guide_en = w
        .get(
            &with_cookie(&anon, "yiwang_lang=en"),
            &format!("/items/{code}"),
        )
        .await
        .text();
    for s in [
        "Materials",
        "Statutory time limit",
        "20 working days",
        "administrative licensing",
        "fully online",
    ] {
        assert!(guide_en.contains(s), "English guide lacks {s}");
    }
    // Search results link to the guide.
    let results = w.get(&anon, "/items?q=%E7%BB%8F%E8%90%A5").await.text();
    assert!(results.contains(&format!("/items/{code}")));
    // Unknown pages are a page, not JSON.
    let r = w.get(&anon, "/items/NOPE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("<html"));
    // Preferences are cookies and never redirect off-site.
    let r = w.get(&anon, "/prefs?lang=en&next=/items").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/items");
    assert!(
        r.headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("yiwang_lang=en")
    );
    let r = w.get(&anon, "/prefs?elder=1&next=//evil.example").await;
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/");
}

#[tokio::test]
async fn admin_pages_render_for_staff_and_send_others_to_sign_in() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let anon = w.anonymous();
    let admin_pages = [
        "/admin".to_string(),
        "/admin/items".into(),
        format!("/admin/items/{code}"),
        "/admin/claim".into(),
        "/admin/basic".into(),
        "/admin/org".into(),
        "/admin/import".into(),
    ];
    for p in &admin_pages {
        let r = w.get(&anon, p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(
            r.headers
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("/signin?next="),
            "{p}"
        );
    }
    for user in ["editor", "reviewer", "cataloger", "orgadmin", "auditor"] {
        let c = w.sign_in(user).await;
        for p in &admin_pages {
            let r = w.get(&c, p).await;
            assert!(
                r.status == StatusCode::OK
                    || r.status == StatusCode::NOT_FOUND
                    || r.status == StatusCode::FORBIDDEN,
                "{user} {p}: {}",
                r.status
            );
            assert!(r.text().contains("<html"), "{user} {p}");
        }
    }
    // The editor starts a new version from the page, edits it, and submits.
    let editor = w.sign_in("editor").await;
    let r = w
        .send(
            &editor,
            Method::POST,
            &format!("/admin/items/{code}/new-version"),
            Some("application/x-www-form-urlencoded"),
            format!("_csrf={}", editor.csrf.clone().unwrap()).into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let edit = w.get(&editor, &format!("/admin/items/{code}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text().contains("name=\"m0_name\""));
}

#[tokio::test]
async fn forms_without_the_token_are_refused() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let mut editor = w.sign_in("editor").await;
    editor.csrf = None;
    let r = w
        .send(
            &editor,
            Method::POST,
            &format!("/admin/items/{code}/new-version"),
            Some("application/x-www-form-urlencoded"),
            b"_csrf=wrong".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("<html"));
    // A cross-site form post is refused even before sign-in.
    let mut req_headers = w.anonymous();
    req_headers.cookie = None;
    let r = w
        .app
        .clone()
        .oneshot_with_origin("/signin", "https://evil.example")
        .await;
    assert_eq!(r, StatusCode::FORBIDDEN);
}

trait OriginExt {
    async fn oneshot_with_origin(self, path: &str, origin: &str) -> StatusCode;
}

impl OriginExt for axum::Router {
    async fn oneshot_with_origin(self, path: &str, origin: &str) -> StatusCode {
        use tower::ServiceExt;
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("username=a&password=b"))
            .unwrap();
        self.oneshot(req).await.unwrap().status()
    }
}

#[tokio::test]
async fn sign_in_page_flow() {
    let w = World::new().await;
    let r = w
        .send(
            &w.anonymous(),
            Method::POST,
            "/signin",
            Some("application/x-www-form-urlencoded"),
            b"username=editor&password=wrong&next=/admin".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("账号或密码错误"));
    let body = format!(
        "username=editor&password={}&next=/admin/items",
        crate::harness::PASSWORD.replace('@', "%40")
    );
    let r = w
        .send(
            &w.anonymous(),
            Method::POST,
            "/signin",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/admin/items");
    let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}
