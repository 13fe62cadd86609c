//! The applicant's bundle pages (一件事) through the real router: the questionnaire, the merged
//! form with only the planned fields and materials, a refused submission (each problem next to
//! its input, the files kept, nothing written), the submission and the one progress, withdrawal
//! and the one rating, and who may see which page. The bundle is published through the bundles
//! service over two items of the city market regulator.

use axum::http::StatusCode;
use serde_json::{Value, json};
use yiwang_catalog::model::BasicItemInput;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{
    input_value, location, multipart, post_form, post_multipart, staff_action,
};
use crate::cases::{ID_A, PHONE_A, pdf};
use crate::harness::{Client, World, good_elements, publish_basic_item_with, register_person};

const CODE: &str = "open-diner";

fn elements(form: Value, materials: Value) -> Value {
    let mut e = good_elements();
    e["service_objects"] = json!(["1", "2"]);
    e["personal_themes"] = json!(["P10"]);
    e["form"] = form;
    e["materials"] = materials;
    e
}

fn material(key: &str, name: &str) -> Value {
    json!({"key": key, "name": name, "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"})
}

/// Publishes the two items and the bundle combining them: the business registration, and the
/// food licence on the question `sells_food` (its manager field and health certificate only
/// then), waiting for the registration's licence.
async fn publish(w: &World) {
    w.state
        .catalog
        .create_basic(
            &Ctx::system("test"),
            &BasicItemInput {
                code: "000117001000".into(),
                name: "个体工商户设立登记".into(),
                item_type: "01".into(),
                legal_basis: "《促进个体工商户发展条例》".into(),
                statutory_limit: Some(15),
                statutory_unit: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let a = publish_basic_item_with(
        w,
        "000117001000",
        elements(
            json!([
                {"key": "name", "label": "名称", "kind": "text", "required": true},
                {"key": "address", "label": "经营场所", "kind": "text", "required": true}
            ]),
            json!([material("M01", "经营场所使用证明")]),
        ),
    )
    .await;
    let b = publish_basic_item_with(
        w,
        "000117008000",
        elements(
            json!([
                {"key": "shop", "label": "店名", "kind": "text", "required": true},
                {"key": "manager", "label": "食品安全管理员", "kind": "text", "required": true},
                {"key": "licence_no", "label": "营业执照号", "kind": "text", "required": true}
            ]),
            json!([
                material("M01", "经营场所使用证明"),
                material("M02", "从业人员健康证明")
            ]),
        ),
    )
    .await;
    let def: yiwang_bundles::Bundle = serde_json::from_value(json!({
        "code": CODE,
        "name": "开小吃店一件事",
        "theme": "开店经营",
        "summary": "个体工商户登记与食品经营许可一次申请",
        "holder": "person",
        "promised_days": 8,
        "questions": [{"key": "sells_food", "text": "是否销售食品？", "choices": [
            {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}],
        "fields": [
            {"key": "shop_name", "label": "店名", "kind": "text", "required": true, "max_len": 50},
            {"key": "address", "label": "经营场所", "kind": "text", "required": true, "max_len": 100},
            {"key": "manager", "label": "食品安全管理员", "kind": "text", "required": true, "max_len": 20}
        ],
        "materials": [
            {"key": "lease", "name": "经营场所使用证明"},
            {"key": "health", "name": "从业人员健康证明"}
        ],
        "parts": [
            {"key": "business", "item": a, "name": "营业执照", "fields": [
                {"to": "name", "from": {"field": {"field": "shop_name"}}},
                {"to": "address", "from": {"field": {"field": "address"}}}
             ], "materials": [{"entry": "M01", "material": "lease"}]},
            {"key": "food", "item": b, "name": "食品经营许可", "after": ["business"],
             "when": {"answer": {"question": "sells_food", "values": ["yes"]}},
             "fields": [
                {"to": "shop", "from": {"field": {"field": "shop_name"}}},
                {"to": "manager", "from": {"field": {"field": "manager"}}},
                {"to": "licence_no", "from": {"result": {"part": "business", "value": "identifier"}}}
             ],
             "materials": [{"entry": "M01", "material": "lease"}, {"entry": "M02", "material": "health"}]}
        ]
    }))
    .unwrap();
    let sys = Ctx::system("test");
    let v = w.state.bundles.create(&sys, &def).await.unwrap();
    w.state
        .bundles
        .submit(&sys, CODE, 1, v.revision)
        .await
        .unwrap_or_else(|e| panic!("the bundle does not fit its items: {e:?}"));
    w.state
        .bundles
        .review(&sys, CODE, 1, true, "")
        .await
        .unwrap();
}

/// The form posted without the header token, as a browser posts the page's form (the token in
/// the address).
fn as_browser(c: &Client) -> Client {
    Client {
        cookie: c.cookie.clone(),
        csrf: None,
    }
}

fn apply_path(c: &Client) -> String {
    format!(
        "/bundles/{CODE}/apply?_csrf={}",
        c.csrf.clone().unwrap_or_default()
    )
}

/// How many bundle applications the database holds.
async fn stored(w: &World) -> i64 {
    let mut db = w.state.db.clone();
    let (n,): (i64,) =
        yiwang_store::Conn::fetch_one(&mut db, "SELECT COUNT(*) FROM bundle_cases", &[])
            .await
            .unwrap();
    n
}

/// Applies through the pages with these answers and returns the bundle's number.
async fn apply(w: &World, c: &Client, food: bool) -> String {
    let q = if food { "yes" } else { "no" };
    let page = w
        .get(c, &format!("/bundles/{CODE}/apply?a.sells_food={q}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let idem = input_value(&page.text(), "_idem");
    let mut fields = vec![
        ("_idem", idem.as_str()),
        ("a.sells_food", q),
        ("f.shop_name", "海滨小馆"),
        ("f.address", "赤坎区海滨大道北1号"),
    ];
    let mut files = vec![("m.lease", "租赁合同.pdf", pdf(11))];
    if food {
        fields.push(("f.manager", "王五"));
        files.push(("m.health", "健康证.pdf", pdf(12)));
    }
    let r = post_multipart(
        w,
        &as_browser(c),
        &apply_path(c),
        multipart(&fields, &files),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = location(&r);
    let rest = loc
        .strip_prefix("/my/bundles/")
        .unwrap_or_else(|| panic!("{loc}"));
    rest.split('?').next().unwrap().to_string()
}

#[tokio::test]
async fn a_citizen_applies_for_a_bundle_on_the_pages() {
    let w = World::new().await;
    publish(&w).await;
    let anon = w.anonymous();
    let path = format!("/bundles/{CODE}/apply");

    // Signed out: to the sign-in page first.
    let r = w.get(&anon, &path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        location(&r).starts_with("/signin?next="),
        "{}",
        location(&r)
    );
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;

    // Step 1: the questionnaire; an answer that is no choice is named next to its question.
    let r = w.get(&citizen, &path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    for s in [
        "id=\"questions-form\"",
        "name=\"a.sells_food\"",
        "是否销售食品？",
    ] {
        assert!(html.contains(s), "questionnaire lacks {s}");
    }
    let r = w.get(&citizen, &format!("{path}?a.sells_food=maybe")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("id=\"a-sells_food-error\""),
        "{}",
        r.text()
    );

    let r = w.get(&citizen, &format!("{path}?answered=1")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "nothing chosen");
    assert!(r.text().contains("请回答：是否销售食品？"), "{}", r.text());
    // Step 2: only what the answers keep.
    let r = w.get(&citizen, &format!("{path}?a.sells_food=yes")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    for s in [
        "id=\"apply-form\"",
        "name=\"f.shop_name\"",
        "name=\"f.address\"",
        "name=\"f.manager\"",
        "name=\"m.lease\"",
        "name=\"m.health\"",
        "id=\"part-business\"",
        "id=\"part-food\"",
        "name=\"a.sells_food\" value=\"yes\"",
    ] {
        assert!(html.contains(s), "step 2 (food) lacks {s}");
    }
    let r = w.get(&citizen, &format!("{path}?a.sells_food=no")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    for s in [
        "name=\"f.shop_name\"",
        "name=\"m.lease\"",
        "id=\"bundle-dropped\"",
    ] {
        assert!(html.contains(s), "step 2 (no food) lacks {s}");
    }
    for s in [
        "name=\"f.manager\"",
        "name=\"m.health\"",
        "id=\"part-food\"",
    ] {
        assert!(!html.contains(s), "step 2 (no food) shows {s}");
    }
    // Back to the questions with the answers kept.
    let r = w
        .get(&citizen, &format!("{path}?a.sells_food=no&step=1"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.text()
            .contains("value=\"no\" id=\"a-sells_food-no\" checked")
    );

    // A refused submission: each problem next to its input, the uploaded file kept, nothing
    // written.
    let page = w.get(&citizen, &format!("{path}?a.sells_food=yes")).await;
    let idem = input_value(&page.text(), "_idem");
    let r = post_multipart(
        &w,
        &as_browser(&citizen),
        &apply_path(&citizen),
        multipart(
            &[
                ("_idem", &idem),
                ("a.sells_food", "yes"),
                ("f.shop_name", ""),
                ("f.address", "赤坎区海滨大道北1号"),
                ("f.manager", "王五"),
            ],
            &[("m.lease", "租赁合同.pdf", pdf(1))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    for s in [
        "id=\"f-shop_name-error\"",
        "id=\"m-health-error\"",
        "value=\"赤坎区海滨大道北1号\"",
        "name=\"t.lease\"",
        "租赁合同.pdf",
        "name=\"a.sells_food\" value=\"yes\"",
    ] {
        assert!(html.contains(s), "the refused page lacks {s}: {html}");
    }
    assert_eq!(input_value(&html, "_idem"), idem, "the same key is kept");
    let ticket = input_value(&html, "t.lease");
    assert_eq!(stored(&w).await, 0, "nothing written");
    let mine = w.get(&citizen, "/my/bundles").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    assert!(mine.text().contains("id=\"no-bundles\""));

    // Corrected with the kept file: the application and its progress.
    let fixed = multipart(
        &[
            ("_idem", &idem),
            ("a.sells_food", "yes"),
            ("f.shop_name", "海滨小馆"),
            ("f.address", "赤坎区海滨大道北1号"),
            ("f.manager", "王五"),
            ("t.lease", &ticket),
            ("tn.lease", "租赁合同.pdf"),
        ],
        &[("m.health", "健康证.pdf", pdf(2))],
    );
    let r = post_multipart(&w, &as_browser(&citizen), &apply_path(&citizen), fixed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = location(&r);
    assert!(
        loc.starts_with("/my/bundles/YJS") && loc.ends_with("?done=bundle_applied"),
        "{loc}"
    );
    assert_eq!(stored(&w).await, 1);
    let no = loc
        .trim_start_matches("/my/bundles/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let r = w.get(&citizen, &loc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    for s in [
        "id=\"applied\"",
        "id=\"part-business\"",
        "id=\"part-food\"",
        "part-waiting",
        "营业执照",
        "食品经营许可",
        "湛江市市场监督管理局",
        "id=\"withdraw-form\"",
        "id=\"rate-later\"",
    ] {
        assert!(html.contains(s), "the progress lacks {s}");
    }
    let list = w.get(&citizen, "/my/bundles").await.text();
    assert!(list.contains(&format!("id=\"bundle-{no}\"")), "{list}");
    // English.
    let en = Client {
        cookie: Some(format!(
            "{}; yiwang_lang=en",
            citizen.cookie.clone().unwrap()
        )),
        csrf: citizen.csrf.clone(),
    };
    let r = w.get(&en, &format!("/my/bundles/{no}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Withdrawal through the page: a stale revision is answered on the page, then withdrawn.
    let page = w.get(&citizen, &format!("/my/bundles/{no}")).await.text();
    let rev = input_value(&page, "revision");
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/bundles/{no}/withdraw"),
        &[("revision", "999"), ("reason", "不开了")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("id=\"withdraw-form\""));
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/bundles/{no}/withdraw"),
        &[("revision", &rev), ("reason", "不开了")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&citizen, &format!("/my/bundles/{no}")).await.text();
    assert!(html.contains("status-withdrawn"), "{html}");
    assert!(!html.contains("id=\"withdraw-form\""));
}

#[tokio::test]
async fn the_one_rating_follows_the_conclusion_on_the_pages() {
    let w = World::new().await;
    publish(&w).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let no = apply(&w, &citizen, false).await;
    let html = w.get(&citizen, &format!("/my/bundles/{no}")).await.text();
    assert!(html.contains("id=\"part-business\"") && !html.contains("id=\"part-food\""));
    // Rating before the conclusion is refused.
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/bundles/{no}/rate"),
        &[("score", "5")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // The only part is not accepted: the bundle concludes and its refusal is explained.
    let v = w
        .state
        .cases
        .bundle_view(&Ctx::system("t"), &no)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let case_no = v.parts[0].case_no.clone().unwrap();
    let clerk = w.sign_in("clerk").await;
    let r = staff_action(
        &w,
        &clerk,
        &case_no,
        "not-accept",
        &[("reason", "经营场所证明不清晰")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&citizen, &format!("/my/bundles/{no}")).await.text();
    for s in ["status-concluded", "id=\"rate-form\"", "经营场所证明不清晰"] {
        assert!(html.contains(s), "the concluded progress lacks {s}: {html}");
    }
    assert!(!html.contains("id=\"withdraw-form\""));
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/bundles/{no}/rate"),
        &[("score", "9")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("id=\"score-error\""), "{}", r.text());
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/bundles/{no}/rate"),
        &[("score", "4"), ("comment", "一次办好")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&citizen, &format!("/my/bundles/{no}")).await.text();
    assert!(html.contains("id=\"bundle-rated\"") && html.contains("一次办好"));
    assert!(!html.contains("id=\"rate-form\""));
}

#[tokio::test]
async fn bundle_pages_are_their_applicants() {
    let w = World::new().await;
    publish(&w).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let no = apply(&w, &citizen, false).await;
    let other = register_person(&w, "黄丽", "440811199203040017", "13800759002").await;
    for p in [
        format!("/my/bundles/{no}"),
        format!("/my/bundles/{no}?done=bundle_applied"),
    ] {
        assert_eq!(w.get(&other, &p).await.status, StatusCode::NOT_FOUND, "{p}");
    }
    assert!(!w.get(&other, "/my/bundles").await.text().contains(&no));
    let r = post_form(
        &w,
        &other,
        &format!("/my/bundles/{no}/withdraw"),
        &[("revision", "1"), ("reason", "x")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert_eq!(
        w.get(&w.anonymous(), "/bundles/no-such/apply").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.get(&citizen, "/bundles/no-such/apply").await.status,
        StatusCode::NOT_FOUND
    );
    // Staff do not apply or follow bundles as persons.
    let clerk = w.sign_in("clerk").await;
    for p in [
        format!("/bundles/{CODE}/apply"),
        "/my/bundles".to_string(),
        format!("/my/bundles/{no}"),
    ] {
        assert_eq!(w.get(&clerk, &p).await.status, StatusCode::FORBIDDEN, "{p}");
    }
    let r = post_form(
        &w,
        &clerk,
        &format!("/my/bundles/{no}/withdraw"),
        &[("revision", "1"), ("reason", "x")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Signed out: to the sign-in page.
    let r = w.get(&w.anonymous(), &format!("/my/bundles/{no}")).await;
    assert!(location(&r).starts_with("/signin"), "{}", location(&r));
}
