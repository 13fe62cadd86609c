//! Bad input answers 4xx JSON with a stable code and field errors, never a 500.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{World, publish_item};

#[tokio::test]
async fn malformed_and_mistyped_bodies() {
    let w = World::new().await;
    let editor = w.sign_in("editor").await;
    let r = w
        .send(
            &editor,
            Method::POST,
            "/api/v1/items",
            Some("application/json"),
            b"{\"basic_code\": ".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "bad_request");
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": "seven" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "department_id");
    let r = w
        .send(
            &editor,
            Method::POST,
            "/api/v1/items",
            Some("text/plain"),
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = w
        .get(
            &w.anonymous(),
            "/api/v1/items?page=0&size=1000&online_level=9&item_type=xx&division=44",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    let fields: Vec<&str> = j["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["page", "size", "division", "item_type", "online_level"]
    );
    let r = w.get(&w.anonymous(), "/api/v1/items?page=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "page");
    // Oversized text is refused by field, not truncated.
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    let code = r.json()["code"].as_str().unwrap().to_string();
    let mut e = crate::harness::good_elements();
    e["location"] = json!("长".repeat(201));
    e["materials"][0]["originals"] = json!(-1);
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": e }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    let fields: Vec<&str> = j["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["location", "materials[0].originals"]);
    // Unknown items and versions are 404 with the error body.
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/items/NOPE").await.code(),
        "not_found"
    );
    assert_eq!(
        w.get(
            &w.anonymous(),
            &format!("/api/v1/items/{code}/versions/abc")
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
}

/// A path segment that does not fit its type — an id beyond `i64`, letters for a number — is a
/// 400 in the error format naming the path parameter and the rule in both languages.
#[tokio::test]
async fn a_path_id_that_does_not_fit_names_the_parameter() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let anon = w.anonymous();
    let orgadmin = w.sign_in("orgadmin").await;
    for (c, method, path, field) in [
        (
            &anon,
            Method::GET,
            "/api/v1/departments/99999999999999999999".to_string(),
            "id",
        ),
        (&anon, Method::GET, "/api/v1/halls/abc".into(), "id"),
        (
            &anon,
            Method::GET,
            format!("/api/v1/items/{code}/versions/99999999999999999999"),
            "no",
        ),
        (
            &orgadmin,
            Method::DELETE,
            "/api/v1/halls/1/windows/1.5".into(),
            "window_id",
        ),
        (
            &orgadmin,
            Method::DELETE,
            "/api/v1/halls/x/windows/1".into(),
            "id",
        ),
    ] {
        let r = w.send(c, method, &path, None, Vec::new()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text());
        let e = &r.json()["error"];
        assert_eq!(e["code"], "bad_request", "{path}");
        assert_eq!(e["fields"][0]["field"], field, "{path}: {e}");
        assert_eq!(e["fields"][0]["rule"], "path.type", "{path}: {e}");
        let (zh, en) = (e["zh"].as_str().unwrap(), e["en"].as_str().unwrap());
        assert!(
            zh.contains(&format!("“{field}”")) && zh.contains("整数"),
            "{zh}"
        );
        assert!(
            en.contains(&format!("“{field}”")) && en.contains("9223372036854775807"),
            "{en}"
        );
    }
    // A number that fits is looked up as usual.
    let r = w
        .get(&anon, "/api/v1/departments/9223372036854775807")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
}

#[tokio::test]
async fn sign_in_errors_do_not_reveal_accounts_and_csrf_is_enforced() {
    let w = World::new().await;
    let anon = w.anonymous();
    let a = w
        .post(
            &anon,
            "/api/v1/auth/sign-in",
            json!({ "username": "editor", "password": "wrong-Password1" }),
        )
        .await;
    let b = w
        .post(
            &anon,
            "/api/v1/auth/sign-in",
            json!({ "username": "nobody", "password": "wrong-Password1" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.body, b.body, "same answer for unknown accounts");
    assert_eq!(
        w.post(
            &anon,
            "/api/v1/auth/sign-in",
            json!({ "username": "", "password": "" })
        )
        .await
        .json()["error"]["fields"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let mut editor = w.sign_in("editor").await;
    let me = w.get(&editor, "/api/v1/auth/me").await.json();
    assert_eq!(me["username"], "editor");
    assert_eq!(me["roles"][0], "catalog_editor");
    // Without the CSRF token, a cookie-authenticated write is refused.
    let token = editor.csrf.take();
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "csrf_rejected");
    editor.csrf = token;
    // Sign-out ends the session for good.
    assert_eq!(
        w.post(&editor, "/api/v1/auth/sign-out", json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        w.get(&editor, "/api/v1/auth/me").await.json()["signed_in"],
        false
    );
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A forged cookie is just anonymous.
    let forged = crate::harness::Client {
        cookie: Some("yiwang_session=forged".into()),
        csrf: Some("x".into()),
    };
    assert_eq!(
        w.get(&forged, "/api/v1/auth/me").await.json()["signed_in"],
        false
    );
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let w = World::new().await;
    let editor = w.sign_in("editor").await;
    w.clock.advance(time::Duration::minutes(29));
    assert_eq!(
        w.get(&editor, "/api/v1/auth/me").await.json()["signed_in"],
        true
    );
    w.clock.advance(time::Duration::minutes(31));
    assert_eq!(
        w.get(&editor, "/api/v1/auth/me").await.json()["signed_in"],
        false
    );
}

/// A NUL character in any text parameter is bad input (400 naming the field, rule `text.nul`)
/// on both databases — PostgreSQL cannot store or compare it, and used to answer 500.
#[tokio::test]
async fn a_nul_character_is_bad_input_wherever_it_hides() {
    let w = World::new().await;
    let licence = w.sign_in("licenceofficer").await;
    let auditor = w.sign_in("auditor").await;
    let editor = w.sign_in("editor").await;
    let anon = w.anonymous();
    let refused = |r: &crate::harness::Resp, field: &str, what: &str| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text());
        let e = &r.json()["error"];
        assert_eq!(e["code"], "bad_request", "{what}");
        assert_eq!(e["fields"][0]["field"], field, "{what}");
        assert_eq!(e["fields"][0]["rule"], "text.nul", "{what}");
        assert!(e["zh"].as_str().unwrap().contains("空字符"), "{what}");
        assert!(e["en"].as_str().unwrap().contains("NUL"), "{what}");
    };
    // Query strings.
    for (c, path, field) in [
        (
            &anon,
            "/api/v1/progress?case_no=a%00&credential=1234",
            "case_no",
        ),
        (&licence, "/api/v1/licences?q=%E5%BC%A0%00", "q"),
        (&auditor, "/api/v1/audit?actor=staff%3Aa%00", "actor"),
        (&anon, "/api/v1/items?q=x%00y", "q"),
    ] {
        let r = w.get(c, path).await;
        refused(&r, field, path);
    }
    // Path parameters (item codes).
    let r = w.get(&anon, "/api/v1/items/00011700%008000").await;
    refused(&r, "path", "item code");
    // JSON bodies, at any depth.
    let r = w
        .send(
            &anon,
            Method::POST,
            "/api/v1/auth/sign-in",
            Some("application/json"),
            br#"{"username":"editor\u0000","password":"x"}"#.to_vec(),
        )
        .await;
    refused(&r, "username", "staff sign-in");
    let r = w
        .send(
            &editor,
            Method::POST,
            "/api/v1/items",
            Some("application/json"),
            br#"{"basic_code":"000117008000","department_id":1,"x":[{"n":"\u0000"}]}"#.to_vec(),
        )
        .await;
    refused(&r, "x[0].n", "nested JSON");
    // Forms: the sign-in page, and the OpenID provider's token endpoint (its own error format).
    let r = w
        .send(
            &anon,
            Method::POST,
            "/signin",
            Some("application/x-www-form-urlencoded"),
            b"username=editor%00&password=x".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("username"), "{}", r.text());
    let r = w
        .send(
            &anon,
            Method::POST,
            "/oidc/token",
            Some("application/x-www-form-urlencoded"),
            b"grant_type=authorization_code&code=a%00".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["error"], "invalid_request");
    // The OpenID provider's authorization endpoint (a page).
    let r = w.get(&anon, "/oidc/authorize?client_id=a%00").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    // Escaped look-alikes are text, not NUL.
    let r = w.get(&anon, "/api/v1/items?q=%2500").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}
