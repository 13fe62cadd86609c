//! Settings of the web layer seen through the router: the home division (what the public
//! pages show by default) and trusted reverse proxies (which address the per-source throttles
//! count).

use std::net::SocketAddr;

use axum::http::{Method, StatusCode};
use serde_json::json;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::codes::DivisionCode;
use yiwang_org::{DepartmentInput, HallInput};
use yiwang_web::WebConfig;

use crate::harness::{Client, PASSWORD, World, uscc};

/// Two halls (湛江 and 广州) and a department of 广州 besides the harness's 湛江 ones.
async fn two_cities(w: &World) {
    let sys = Ctx::system("test");
    for (name, division) in [
        ("湛江市政务服务中心", "440800"),
        ("广州市政务服务中心", "440100"),
    ] {
        w.state
            .org
            .create_hall(
                &sys,
                &HallInput {
                    name: name.into(),
                    kind: "center".into(),
                    division_code: division.into(),
                    address: "地址".into(),
                    hours: "工作日 8:30-17:30".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    w.state
        .org
        .create_department(
            &sys,
            &DepartmentInput {
                uscc: uscc("11440100MB2C7777"),
                name: "广州市市场监督管理局".into(),
                division_code: "440100".into(),
                kind: "bureau".into(),
                phone: "020-83000000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn the_public_pages_show_the_configured_home_division() {
    // The default node serves 湛江市.
    let w = World::new().await;
    two_cities(&w).await;
    let anon = w.anonymous();
    let halls = w.get(&anon, "/halls").await.text();
    assert!(halls.contains("湛江市政务服务中心"), "{halls}");
    assert!(!halls.contains("广州市政务服务中心"));
    let depts = w.get(&anon, "/departments").await.text();
    assert!(depts.contains("湛江市市场监督管理局"));
    assert!(!depts.contains("广州市市场监督管理局"));

    // A node configured for 广州市 shows 广州's halls, departments and districts instead.
    let w = World::with_config(WebConfig {
        home_division: DivisionCode::parse("440100").unwrap(),
        ..WebConfig::default()
    })
    .await;
    two_cities(&w).await;
    let halls = w.get(&anon, "/halls").await;
    assert_eq!(halls.status, StatusCode::OK);
    let halls = halls.text();
    assert!(halls.contains("广州市政务服务中心"), "{halls}");
    assert!(!halls.contains("湛江市政务服务中心"), "{halls}");
    let depts = w.get(&anon, "/departments").await.text();
    assert!(depts.contains("广州市市场监督管理局"), "{depts}");
    assert!(!depts.contains("湛江市市场监督管理局"), "{depts}");
    // The search filters offer 广州's districts (越秀区 440104), not 湛江's (赤坎区 440802).
    let search = w.get(&anon, "/items").await.text();
    assert!(search.contains("440104"), "{search}");
    assert!(!search.contains("440802"), "{search}");
    // Another division asked for explicitly is still shown.
    let depts = w.get(&anon, "/departments?division=440800").await.text();
    assert!(depts.contains("湛江市市场监督管理局"), "{depts}");
}

fn peer(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap(), 40_000)
}

async fn sign_in_from(
    w: &World,
    from: SocketAddr,
    forwarded: Option<&str>,
    username: &str,
    password: &str,
) -> crate::harness::Resp {
    let headers: Vec<(&str, &str)> = forwarded
        .map(|f| vec![("x-forwarded-for", f)])
        .unwrap_or_default();
    w.send_from(
        from,
        &Client::default(),
        Method::POST,
        "/api/v1/auth/sign-in",
        &headers,
        serde_json::to_vec(&json!({ "username": username, "password": password })).unwrap(),
    )
    .await
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing() {
    let w = World::new().await;
    let guesser = peer("203.0.113.9");
    // Thirty failures, each claiming another address: all count against the real peer.
    for i in 0..30 {
        let forged = format!("198.51.100.{i}");
        let r = sign_in_from(&w, guesser, Some(&forged), &format!("guess{i}"), "wrong").await;
        assert_eq!(r.code(), "bad_credentials", "attempt {i}");
    }
    let r = sign_in_from(&w, guesser, Some("192.0.2.200"), "editor", PASSWORD).await;
    assert_eq!(r.code(), "auth.locked", "{}", r.text());
    // Another peer is another source.
    let r = sign_in_from(&w, peer("203.0.113.10"), None, "editor", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_counts_on_its_own() {
    let w = World::with_config(WebConfig {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..WebConfig::default()
    })
    .await;
    let proxy = peer("10.0.0.2");
    for i in 0..30 {
        // What the client put in front of the proxy's entry is not believed.
        let chain = format!("192.0.2.{i}, 198.51.100.7");
        let r = sign_in_from(&w, proxy, Some(&chain), &format!("guess{i}"), "wrong").await;
        assert_eq!(r.code(), "bad_credentials", "attempt {i}");
    }
    let r = sign_in_from(&w, proxy, Some("198.51.100.7"), "editor", PASSWORD).await;
    assert_eq!(r.code(), "auth.locked", "{}", r.text());
    // Another client through the same proxy is not locked.
    let r = sign_in_from(&w, proxy, Some("198.51.100.8"), "editor", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A peer outside the trusted block is its own source whatever it claims.
    let outsider = peer("203.0.113.9");
    let r = sign_in_from(&w, outsider, Some("198.51.100.7"), "editor", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// The public progress query counts failures per source too (30 by default).
async fn progress_from(w: &World, from: SocketAddr, forwarded: &str, n: usize) -> StatusCode {
    let path =
        format!("/api/v1/progress?case_no=11440800MB2C1234X20261122{n:06}&credential=13800000000");
    w.send_from(
        from,
        &w.anonymous(),
        Method::GET,
        &path,
        &[("x-forwarded-for", forwarded)],
        Vec::new(),
    )
    .await
    .status
}

#[tokio::test]
async fn the_progress_query_counts_the_forwarded_client_only_behind_a_trusted_proxy() {
    // No trusted proxy: thirty guesses from one peer stop it, whatever each one claims.
    let w = World::new().await;
    let guesser = peer("203.0.113.9");
    for n in 0..30 {
        let s = progress_from(&w, guesser, &format!("198.51.100.{n}"), n).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "guess {n}");
    }
    let s = progress_from(&w, guesser, "192.0.2.1", 30).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    // Behind a trusted proxy: the same guesser is stopped, other clients are not.
    let w = World::with_config(WebConfig {
        trusted_proxies: vec!["10.0.0.2".parse().unwrap()],
        ..WebConfig::default()
    })
    .await;
    let proxy = peer("10.0.0.2");
    for n in 0..30 {
        let s = progress_from(&w, proxy, "198.51.100.7", n).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "guess {n}");
    }
    let s = progress_from(&w, proxy, "198.51.100.7", 30).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let s = progress_from(&w, proxy, "198.51.100.8", 31).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
