//! Health, readiness, the OpenAPI document against the real routes, security headers.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{World, publish_item};

#[tokio::test]
async fn health_and_readiness() {
    let w = World::new().await;
    assert_eq!(
        w.get(&w.anonymous(), "/healthz").await.status,
        StatusCode::OK
    );
    assert_eq!(
        w.get(&w.anonymous(), "/readyz").await.status,
        StatusCode::OK
    );
}

/// Every operation in `/openapi.json` reaches a real handler (never the router's fallback), and
/// every operation declares its access rule.
#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let doc = w.get(&w.anonymous(), "/openapi.json").await.json();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 31, "{} paths", paths.len());
    let mut operations = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            assert!(
                op.get("security").is_some(),
                "{method} {path} declares no access rule"
            );
            assert!(
                op.get("responses")
                    .and_then(Value::as_object)
                    .map(|r| !r.is_empty())
                    .unwrap_or(false),
                "{method} {path}"
            );
            let concrete = path
                .replace("{code}", &code)
                .replace("{no}", "1")
                .replace("{id}", "1")
                .replace("{window_id}", "1")
                .replace("{grant_id}", "1")
                .replace("{sha}", "0")
                .replace("{identifier}", "0")
                .replace("{copy}", "0")
                .replace("{year}", "2027")
                .replace("{class}", "101001")
                .replace("{seq}", "000001")
                .replace("{key}", "1")
                .replace("{version}", "1");
            assert!(!concrete.contains('{'), "unknown parameter in {path}");
            let r = w
                .send(
                    &w.anonymous(),
                    m,
                    &concrete,
                    Some("application/json"),
                    b"{}".to_vec(),
                )
                .await;
            assert!(
                r.headers.get(yiwang_web::error::NO_ROUTE_HEADER).is_none(),
                "{method} {path} is documented but not routed ({})",
                r.status
            );
            operations += 1;
        }
    }
    assert!(operations >= 35, "{operations} operations");
    // And the fallback does mark unknown routes.
    let r = w.get(&w.anonymous(), "/api/v1/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers.get(yiwang_web::error::NO_ROUTE_HEADER).is_some());
    assert_eq!(r.code(), "not_found");
    let r = w
        .send(&w.anonymous(), Method::PATCH, "/api/v1/items", None, vec![])
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn security_headers_are_set_everywhere() {
    let w = World::new().await;
    for path in ["/", "/api/v1/items", "/nowhere"] {
        let r = w.get(&w.anonymous(), path).await;
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}");
        assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
    }
}
