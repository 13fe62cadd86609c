//! Licence PDFs and annotated copies (加注件) through the real router: the holder downloads the
//! PDF (its QR code leads to the configured public address), makes a copy for one use and
//! downloads it; the public verification (API and page) answers for the copy; another citizen
//! gets nothing.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::cases::{ID_A, PHONE_A, issue_id_card};
use crate::harness::{World, register_person};

fn hex16(s: &str) -> String {
    s.encode_utf16().map(|u| format!("{u:04X}")).collect()
}

#[tokio::test]
async fn the_holder_downloads_pdfs_and_makes_annotated_copies() {
    let w = World::new().await;
    let id = issue_id_card(&w, "陈小明", ID_A).await;
    let holder = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let other = register_person(&w, "黄丽", "440811199203040017", "13900000002").await;

    let url = format!("/api/v1/me/licences/{id}/pdf");
    let r = w.get(&holder, &url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\""),
    );
    assert_eq!(r.headers["cache-control"], "no-store");
    assert!(r.body.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert!(text.contains(&hex16("陈小明")));
    assert!(text.contains(&hex16("居民身份证")));
    assert!(
        text.contains("(http://127.0.0.1:8080/verify?id="),
        "QR caption"
    );
    // Another citizen, an anonymous caller, a member of staff: refused.
    let r = w.get(&other, &url).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert_eq!(
        w.get(&w.anonymous(), &url).await.status,
        StatusCode::UNAUTHORIZED
    );
    let staff = w.sign_in("chikan").await;
    assert_eq!(w.get(&staff, &url).await.status, StatusCode::FORBIDDEN);

    // A copy for one use: a bad date names the field; another citizen cannot make one.
    let copies = format!("/api/v1/me/licences/{id}/copies");
    let r = w
        .post(
            &holder,
            &copies,
            json!({"purpose": "办理公积金提取", "valid_until": "2027-03-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "valid_until");
    let body = json!({"purpose": "办理公积金提取", "recipient": "湛江市住房公积金管理中心", "valid_until": "2026-12-01"});
    let r = w.post(&other, &copies, body.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = w.post(&holder, &copies, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(r.json()["purpose"], "办理公积金提取");

    let copy_url = format!("/api/v1/me/licences/{id}/copies/{code}/pdf");
    let r = w.get(&holder, &copy_url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/pdf");
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert!(text.contains(&hex16(
        "仅供办理公积金提取使用，有效期至2026-12-01 23:59，他用无效"
    )));
    assert!(text.contains(&format!("copy={code}")) || text.contains("&copy="));
    assert_eq!(w.get(&other, &copy_url).await.status, StatusCode::NOT_FOUND);

    // The public verification answers for the copy.
    let r = w
        .get(
            &w.anonymous(),
            &format!("/api/v1/licences/verify?identifier={id}&copy={code}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["copy"]["verdict"], "valid");
    assert_eq!(v["copy"]["purpose"], "办理公积金提取");
    let r = w
        .get(
            &w.anonymous(),
            &format!("/api/v1/licences/verify?identifier={id}&copy=23456789ABCDEFGHJKLM"),
        )
        .await;
    assert_eq!(r.json()["copy"]["verdict"], "unknown");
    let page = w
        .get(&w.anonymous(), &format!("/verify?id={id}&copy={code}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("加注件有效（仅限所载用途）"), "{html}");
    assert!(html.contains("办理公积金提取"));

    // The wallet: the PDF link, the copy, the use log.
    let page = w.get(&holder, "/my/licences").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&format!("/api/v1/me/licences/{id}/pdf")),
        "{html}"
    );
    assert!(html.contains(&code));
    assert!(html.contains("制作加注件"));
    let uses = w.get(&holder, "/api/v1/me/licences/uses").await.json();
    assert_eq!(uses[0]["action"], "copied");
    let mine = w.get(&holder, "/api/v1/me/licences/copies").await.json();
    assert_eq!(mine[0]["code"], code.as_str());
    assert_eq!(
        w.get(&other, "/api/v1/me/licences/copies").await.json(),
        json!([])
    );

    // The wallet's form: a refused copy shows the problem next to its input and keeps what
    // was typed; a good one leads back to the wallet with the new copy.
    let form = |purpose: &str, until: &str| {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("_csrf", holder.csrf.as_deref().unwrap())
            .append_pair("identifier", &id)
            .append_pair("purpose", purpose)
            .append_pair("recipient", "")
            .append_pair("valid_until", until)
            .finish();
        body.into_bytes()
    };
    let send = |body: Vec<u8>| {
        w.send(
            &holder,
            Method::POST,
            "/my/licences/copies",
            Some("application/x-www-form-urlencoded"),
            body,
        )
    };
    let r = send(form("办理社保卡", "2030-01-01")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("valid_until-error"), "{}", r.text());
    assert!(r.text().contains("办理社保卡"));
    let r = send(form("办理社保卡", "2026-11-30")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers["location"], "/my/licences?done=copy_made#copies");
    let html = w.get(&holder, "/my/licences?done=copy_made").await.text();
    assert!(html.contains("加注件已制作"), "{html}");
    assert!(html.contains("办理社保卡"));
}
