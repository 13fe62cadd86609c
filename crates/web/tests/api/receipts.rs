//! The acceptance receipt (受理回执) through the real router: after window reception (收件回执,
//! with the promised date as if accepted today) and after acceptance (受理回执), from the case
//! page and from the window page; read back by poppler's `pdftotext`; for the window only;
//! audited.

use std::process::Command;

use axum::http::{StatusCode, header};
use serde_json::json;

use crate::case_pages::post_form;
use crate::cases::{ID_A, PHONE_A, pdf, person_elements, upload};
use crate::harness::{Client, World, publish_item_with};

/// The PDF's text as poppler reads it, white space removed; `None` (test skipped, reason
/// printed) without `pdftotext`, except under `CI=true`.
fn pdftotext(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipt.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = match Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("CI").map(|v| v != "true").unwrap_or(true),
                "no pdftotext under CI=true"
            );
            eprintln!("receipts: SKIPPED the text check: no `pdftotext` (poppler-utils)");
            return None;
        }
        Err(e) => panic!("cannot start pdftotext: {e}"),
    };
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "pdftotext complained: {stderr}");
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .collect(),
    )
}

async fn receive(w: &World, clerk: &Client, code: &str) -> String {
    let t = upload(w, clerk, "/api/v1/window/uploads", "申请书.pdf", pdf(1)).await;
    let r = w
        .post(
            clerk,
            "/api/v1/window/cases",
            json!({
                "item_code": code,
                "applicant": {"kind": "person", "name": "陈小明", "cert_no": ID_A, "contact_phone": PHONE_A},
                "form": {"shop": "海滨小馆", "area": 20},
                "materials": [{"entry": "M01", "ticket": t}],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["case_no"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_window_prints_a_receipt_with_the_case_number_and_the_promised_date() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let clerk = w.sign_in("clerk").await;
    let no = receive(&w, &clerk, &code).await;

    // Received, not yet accepted: 收件回执, the date as if accepted today (Sunday 22 November:
    // six working days from tomorrow).
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains(&format!("href=\"/staff/cases/{no}/receipt.pdf\"")));
    let r = w
        .get(&clerk, &format!("/staff/cases/{no}/receipt.pdf"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(r.body.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&r.body) {
        for s in [
            no.as_str(),
            "收件回执",
            "尚未受理",
            "2026-11-30",
            "0759-3388123",
            "/progress",
        ] {
            assert!(text.contains(s), "receipt lacks {s}: {text}");
        }
        assert!(!text.contains(ID_A), "the ID number is masked");
    }

    // Accepted: 受理回执 with the case's own promised date, also from the window page.
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let promised = r.json()["promised_due"].as_str().unwrap().to_string();
    assert_eq!(promised, "2026-11-30");
    let window = w.get(&clerk, "/staff/window").await.text();
    assert!(window.contains("action=\"/staff/window/receipt\""));
    let r = w
        .get(&clerk, &format!("/staff/window/receipt?no={no}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&r.body) {
        for s in [
            no.as_str(),
            "受理回执",
            "受理日期2026-11-22",
            &promised,
            "陈小明（证件号码440802********1238）",
            "食品经营许可申请书（1份文件）",
        ] {
            assert!(text.contains(s), "receipt lacks {s}: {text}");
        }
    }
    // The API twin.
    let r = w
        .get(&clerk, &format!("/api/v1/cases/{no}/receipt.pdf"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.starts_with(b"%PDF-"));
    let r = w.get(&clerk, "/staff/window/receipt?no=").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The window's job: a case officer of the department reads the case but prints no
    // receipt; another department does not see the case at all.
    let officer = w.sign_in("officer").await;
    let r = w
        .get(&officer, &format!("/staff/cases/{no}/receipt.pdf"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = w.get(&officer, &format!("/staff/cases/{no}")).await.text();
    assert!(!page.contains("receipt.pdf"));
    let chikan = w.sign_in("chikanofficer").await;
    let r = w
        .get(&chikan, &format!("/staff/cases/{no}/receipt.pdf"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Every receipt printed is audited.
    let auditor = w.sign_in("auditor").await;
    let a = w
        .get(&auditor, "/api/v1/audit?action=case.receipt")
        .await
        .json();
    assert_eq!(a.as_array().unwrap().len(), 3, "{a}");
    assert_eq!(a[0]["actor"], "staff:clerk");
}

#[tokio::test]
async fn a_case_refused_acceptance_has_no_receipt() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let clerk = w.sign_in("clerk").await;
    let no = receive(&w, &clerk, &code).await;
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    let rev = page
        .split("name=\"revision\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = post_form(
        &w,
        &clerk,
        &format!("/staff/cases/{no}/not-accept"),
        &[("revision", &rev), ("reason", "不属于本部门职权范围")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .get(&clerk, &format!("/staff/cases/{no}/receipt.pdf"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("不予受理的办件没有受理回执"));
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(!page.contains("receipt.pdf"));
}
