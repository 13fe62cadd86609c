//! `/metrics`: Prometheus text for loopback scrapers and for holders of the metrics token;
//! nothing (404) for anyone else. Requests are labelled by route template, never by path.

use std::net::SocketAddr;

use axum::http::{Method, StatusCode};
use yiwang_web::WebConfig;

use crate::harness::{Client, World};

fn peer(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap(), 40_000)
}

async fn scrape(w: &World, from: &str, headers: &[(&str, &str)]) -> crate::harness::Resp {
    w.send_from(
        peer(from),
        &Client::default(),
        Method::GET,
        "/metrics",
        headers,
        Vec::new(),
    )
    .await
}

#[tokio::test]
async fn metrics_open_to_loopback_and_the_token_only() {
    let w = World::with_config(WebConfig {
        metrics_token: Some("scrape-secret-1".into()),
        ..WebConfig::default()
    })
    .await;
    let anon = w.anonymous();
    // A page with a path parameter, so its template (not the number) must be the label.
    let r = w.get(&anon, "/items/NO-SUCH-ITEM-123").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(w.get(&anon, "/healthz").await.status, StatusCode::OK);

    // Another host without the token, or with a wrong one, or no known source: nothing here.
    assert_eq!(
        scrape(&w, "203.0.113.9", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let wrong = scrape(
        &w,
        "203.0.113.9",
        &[("authorization", "Bearer scrape-secret-2")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(w.get(&anon, "/metrics").await.status, StatusCode::NOT_FOUND);

    // Loopback reads them; so does the token holder from elsewhere.
    let local = scrape(&w, "127.0.0.1", &[]).await;
    assert_eq!(local.status, StatusCode::OK);
    let remote = scrape(
        &w,
        "203.0.113.9",
        &[("authorization", "Bearer scrape-secret-1")],
    )
    .await;
    assert_eq!(remote.status, StatusCode::OK);
    let text = remote.text();
    assert!(
        text.contains(r#"yiwang_http_requests_total{method="GET",route="/healthz",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains("yiwang_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        !text.contains("NO-SUCH-ITEM-123"),
        "paths never become labels: {text}"
    );
    assert!(
        text.contains(r#"yiwang_db_pool_connections{state="max"}"#),
        "{text}"
    );
    // Every write to SQLite queues for the gate (World's setup wrote), so its wait is measured.
    if w.state.db.backend() == yiwang_store::Backend::Sqlite {
        assert!(
            text.contains("yiwang_db_write_gate_wait_seconds_count"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn metrics_without_a_token_are_loopback_only() {
    let w = World::new().await;
    let bearer = scrape(&w, "203.0.113.9", &[("authorization", "Bearer ")]).await;
    assert_eq!(bearer.status, StatusCode::NOT_FOUND);
    assert_eq!(scrape(&w, "::1", &[]).await.status, StatusCode::OK);
}
