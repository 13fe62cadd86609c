//! The citizen journey on the pages (issue 12): "my cases" as cards by item name with what
//! waits on the citizen first, the confirmation after submitting, a guide that offers the
//! online application only where the item is accepted online, and the public verify page.

use axum::http::StatusCode;
use serde_json::json;

use crate::case_pages::post_form;
use crate::cases::{ID_A, PHONE_A, apply, issue_id_card, person_elements};
use crate::harness::{
    World, good_elements, publish_basic_item_with, publish_item_with, register_person,
};

/// The position of `needle` in `hay`, or a failure naming it.
fn at(hay: &str, needle: &str) -> usize {
    hay.find(needle)
        .unwrap_or_else(|| panic!("page lacks {needle}"))
}

#[tokio::test]
async fn my_cases_are_cards_by_item_name_with_the_supplement_requested_first() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    // The older case gets the one-time notice (补正); the newer one waits for acceptance.
    let older = apply(&w, &citizen, &code, 1).await;
    let newer = apply(&w, &citizen, &code, 2).await;
    let older_no = older["case_no"].as_str().unwrap().to_string();
    let newer_no = newer["case_no"].as_str().unwrap().to_string();
    let item_name = older["item_name"].as_str().unwrap().to_string();
    assert!(!item_name.is_empty());

    // Before any notice: newest first, nothing waits on the citizen.
    let html = w.get(&citizen, "/my/cases").await.text();
    assert!(at(&html, &newer_no) < at(&html, &older_no), "newest first");
    assert!(!html.contains("waiting-on-you"), "nothing waits yet");

    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{older_no}/notice"),
            json!({"items": [{"entry": "M01", "reason": "申请书未签字"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let r = w.get(&citizen, "/my/cases").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    // The item name is the link to the case, not the case number.
    assert!(
        html.contains(&format!("<a href=\"/my/cases/{older_no}\">{item_name}</a>")),
        "the card links by item name: {html}"
    );
    assert!(
        !html.contains(&format!("<a href=\"/my/cases/{older_no}\"><code>")),
        "the case number is no longer the link"
    );
    // The supplement-requested case comes first and is marked; the number is still shown.
    let waiting = at(&html, "waiting-on-you");
    assert!(
        waiting < at(&html, &older_no),
        "the marked card is the older case"
    );
    assert!(
        at(&html, &older_no) < at(&html, &newer_no),
        "the case waiting on the citizen is listed first"
    );
    assert_eq!(
        html.matches("class=\"case-card waiting-on-you\"").count(),
        1
    );
    assert!(html.contains(&format!("<code class=\"copyable\">{older_no}</code>")));
    // Status, next step and deadline on each card.
    for s in [
        "待补正",
        "请按一次性告知补正材料后重新提交",
        "待受理",
        "等待部门受理",
        "受理后确定",
    ] {
        assert!(html.contains(s), "my cases lack {s}");
    }
}

#[tokio::test]
async fn the_confirmation_after_submitting_shows_the_due_date_and_the_case_number() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();

    let r = w
        .get(&citizen, &format!("/my/cases/{no}?done=case_applied"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    let panel = &html[at(&html, "id=\"applied\"")..];
    let panel = &panel[..at(panel, "</section>")];
    assert!(panel.contains("申请已提交"), "{panel}");
    assert!(
        panel.contains(&format!("id=\"applied-case-no\">{no}</code>")),
        "the case number to keep: {panel}"
    );
    assert!(panel.contains("部门将预审您的材料"), "what happens next");
    // The clock is fixed on Sunday 2026-11-22: accepted today, 6 working days from Monday.
    assert!(
        panel.contains("承诺于 2026-11-30 前办结"),
        "the promised due date: {panel}"
    );
    // The date is the one acceptance today really sets.
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/accept"),
            json!({"revision": case["revision"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["promised_due"], "2026-11-30");

    // Without the marker there is no confirmation; in English it is English only.
    let plain = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    assert!(!plain.contains("id=\"applied\""));
    let en = w
        .get(
            &crate::harness::Client {
                cookie: Some(format!(
                    "{}; yiwang_lang=en",
                    citizen.cookie.clone().unwrap()
                )),
                csrf: citizen.csrf.clone(),
            },
            &format!("/my/cases/{no}?done=case_applied"),
        )
        .await
        .text();
    assert!(
        en.contains("Application submitted") && en.contains("It will be decided by 2026-11-30")
    );
    assert!(!en.contains("申请已提交"));
}

#[tokio::test]
async fn a_guide_offers_online_application_only_where_the_item_is_accepted_online() {
    let w = World::new().await;
    let online = publish_item_with(&w, good_elements()).await;
    let mut e = good_elements();
    // Pre-checked online at most, handled at a window, by appointment.
    e["handling_forms"] = json!(["1", "2"]);
    e["online_depth"] = json!(["1", "2", "3"]);
    e["visits"] = json!(1);
    e["visits_reason"] = json!("双方当事人须共同到场签署声明");
    e["appointment"] = json!(true);
    w.state
        .catalog
        .create_basic(
            &yiwang_kernel::auth::Ctx::system("test"),
            &yiwang_catalog::model::BasicItemInput {
                code: "000117010000".into(),
                name: "食品经营许可证变更".into(),
                item_type: "01".into(),
                legal_basis: "《食品经营许可和备案管理办法》".into(),
                statutory_limit: Some(10),
                statutory_unit: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let counter = publish_basic_item_with(&w, "000117010000", e).await;
    let anon = w.anonymous();

    let html = w.get(&anon, &format!("/items/{online}")).await.text();
    assert!(
        html.contains("id=\"apply-online\""),
        "an online item offers it"
    );
    assert!(!html.contains("id=\"in-person\""));

    let r = w.get(&anon, &format!("/items/{counter}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(!html.contains("id=\"apply-online\""), "no apply button");
    assert!(
        !html.contains(&format!("/items/{counter}/apply")),
        "no apply link"
    );
    assert!(!html.contains("在线申请"), "no 在线申请 at all");
    let notice = &html[at(&html, "id=\"in-person\"")..];
    let notice = &notice[..at(notice, "</section>")];
    for s in [
        "现场办理",
        "双方当事人须共同到场签署声明",
        "湛江市政务服务中心二楼A区综合受理窗口",
        "工作日 上午8:30-12:00",
        "可预约办理",
        "0759-3388123",
        "href=\"/halls\"",
    ] {
        assert!(
            notice.contains(s),
            "the in-person notice lacks {s}: {notice}"
        );
    }
    // Ordered as citizens read it, with a menu: conditions, materials, how and where, time,
    // fees, then the administrative data.
    assert!(html.contains("id=\"guide-menu\""));
    let order = [
        "<h2 id=\"conditions\"",
        "<h2 id=\"materials\"",
        "<h2 id=\"where\"",
        "<h2 id=\"limits\"",
        "<h2 id=\"fees\"",
        "<h2 id=\"basic\"",
    ];
    for pair in order.windows(2) {
        assert!(
            at(&html, pair[0]) < at(&html, pair[1]),
            "{} before {}",
            pair[0],
            pair[1]
        );
    }
    // The materials become cards on a phone.
    assert!(html.contains("<table id=\"materials-table\" class=\"cards\">"));
    assert!(html.contains("data-label=\"材料名称\""), "{html}");
}

#[tokio::test]
async fn the_verify_page_is_linked_styled_and_shows_no_api_address() {
    let w = World::new().await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let id = issue_id_card(&w, "陈小明", ID_A).await;
    let anon = w.anonymous();

    // Linked from the footer of every page and from every licence in the wallet.
    let home = w.get(&anon, "/").await.text();
    assert!(home.contains("href=\"/verify\""), "footer link");
    let wallet = w.get(&citizen, "/my/licences").await.text();
    let enc: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    assert!(
        wallet.contains(&format!("href=\"/verify?id={enc}\"")),
        "{wallet}"
    );
    assert!(
        wallet.contains("class=\"status verdict-valid\""),
        "status badge"
    );
    assert!(wallet.contains("440802********1238"), "holder masked");
    assert!(!wallet.contains(ID_A));

    for path in ["/verify".to_string(), format!("/verify?id={enc}")] {
        let r = w.get(&anon, &path).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text().contains("/api/"), "{path} shows an API address");
    }
    let html = w.get(&anon, &format!("/verify?id={enc}")).await.text();
    assert!(
        html.contains("class=\"status verdict-valid\" id=\"verdict\""),
        "{html}"
    );

    // Suspended: another class, another word.
    let officer = w.sign_in("licenceofficer").await;
    let r = post_form(
        &w,
        &officer,
        "/staff/licences/status",
        &[
            ("identifier", &id),
            ("status", "suspended"),
            ("reason", "核查中"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&anon, &format!("/verify?id={enc}")).await.text();
    assert!(
        html.contains("class=\"status verdict-suspended\" id=\"verdict\""),
        "{html}"
    );
    assert!(html.contains("已暂停使用"));
    assert!(!html.contains("/api/"));
    // Unknown identifiers are styled as such.
    let html = w.get(&anon, "/verify?id=1.2.156.nothing").await.text();
    assert!(html.contains("verdict-unknown"), "{html}");
}
