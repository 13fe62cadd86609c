//! "One thing" bundle definitions through the router: the API's lifecycle (create, edit with
//! the revision, submit, review, the public list, guide, search and plan, the JSON export),
//! the access rules, and the pages — 主题服务, the guide with its questions, the home page's
//! section, bundles above the items in search, the staff's list, versions and JSON editor.

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use yiwang_catalog::model::BasicItemInput;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{location, post_form};
use crate::harness::{World, good_elements, publish_basic_item_with, register_person};

fn elements(form: Value, materials: Value) -> Value {
    let mut e = good_elements();
    e["service_objects"] = json!(["1", "2"]);
    e["personal_themes"] = json!(["P10"]);
    e["form"] = form;
    e["materials"] = materials;
    e
}

/// Two published items of the city market regulator: the business registration and the food
/// licence.
pub(crate) async fn items(w: &World) -> (String, String) {
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
    let material = |name: &str| json!({"key": "M01", "name": name, "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"});
    let a = publish_basic_item_with(
        w,
        "000117001000",
        elements(
            json!([
                {"key": "name", "label": "名称", "kind": "text", "required": true},
                {"key": "address", "label": "经营场所", "kind": "text", "required": true}
            ]),
            json!([material("经营场所使用证明")]),
        ),
    )
    .await;
    let b = publish_basic_item_with(
        w,
        "000117008000",
        elements(
            json!([{"key": "licence_no", "label": "营业执照号", "kind": "text", "required": true}]),
            json!([material("经营场所使用证明")]),
        ),
    )
    .await;
    (a, b)
}

fn definition(a: &str, b: &str) -> Value {
    json!({
        "code": "open-shop",
        "name": "开店一件事",
        "theme": "开店经营",
        "summary": "个体工商户登记与食品经营许可一次申请",
        "keywords": "饭店,餐饮",
        "holder": "person",
        "promised_days": 8,
        "questions": [{"key": "sells_food", "text": "是否销售食品？", "choices": [
            {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}],
        "fields": [
            {"key": "shop_name", "label": "店名", "kind": "text", "required": true, "max_len": 50},
            {"key": "address", "label": "经营场所", "kind": "text", "required": true, "max_len": 100}
        ],
        "materials": [{"key": "lease", "name": "经营场所使用证明"}],
        "parts": [
            {"key": "business", "item": a, "fields": [
                {"to": "name", "from": {"field": {"field": "shop_name"}}},
                {"to": "address", "from": {"field": {"field": "address"}}}
             ], "materials": [{"entry": "M01", "material": "lease"}]},
            {"key": "food", "item": b, "after": ["business"],
             "when": {"answer": {"question": "sells_food", "values": ["yes"]}},
             "fields": [{"to": "licence_no", "from": {"result": {"part": "business", "value": "number"}}}],
             "materials": [{"entry": "M01", "material": "lease"}]}
        ]
    })
}

/// Creates, submits and publishes the bundle through the API.
pub(crate) async fn publish(w: &World, a: &str, b: &str) {
    let editor = w.sign_in("editor").await;
    let reviewer = w.sign_in("reviewer").await;
    let r = w
        .post(&editor, "/api/v1/bundle-defs", definition(a, b))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rev = r.json()["revision"].as_i64().unwrap();
    let r = w
        .post(
            &editor,
            "/api/v1/bundle-defs/open-shop/versions/1/submit",
            json!({ "revision": rev }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(
            &reviewer,
            "/api/v1/bundle-defs/open-shop/versions/1/review",
            json!({ "approve": true, "opinion": "同意" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "published");
}

#[tokio::test]
async fn definitions_through_the_api() {
    let w = World::new().await;
    let (a, b) = items(&w).await;
    let editor = w.sign_in("editor").await;
    let reviewer = w.sign_in("reviewer").await;
    let citizen = register_person(&w, "陈小明", "440802199001011238", "13812345678").await;
    let clerk = w.sign_in("clerk").await;

    // Deny by default: anonymous 401, a citizen and a clerk 403.
    for (c, status) in [
        (w.anonymous(), StatusCode::UNAUTHORIZED),
        (citizen.clone(), StatusCode::FORBIDDEN),
        (clerk.clone(), StatusCode::FORBIDDEN),
    ] {
        let r = w.post(&c, "/api/v1/bundle-defs", definition(&a, &b)).await;
        assert_eq!(r.status, status, "{}", r.text());
        let r = w.get(&c, "/api/v1/bundle-defs").await;
        assert_eq!(r.status, status, "{}", r.text());
    }
    // An unknown key is refused with its path.
    let mut bad = definition(&a, &b);
    bad["parts"][1]["colour"] = json!("red");
    let r = w.post(&editor, "/api/v1/bundle-defs", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "parts[1].colour");

    let r = w
        .post(&editor, "/api/v1/bundle-defs", definition(&a, &b))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rev = r.json()["revision"].as_i64().unwrap();
    // A draft is nobody's business but staff's.
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/bundles").await.json(),
        json!([])
    );
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/bundles/open-shop")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A stale revision is a conflict; a missing required source fails the submission.
    let mut def = definition(&a, &b);
    def["parts"][0]["fields"] = json!([{"to": "name", "from": {"field": {"field": "shop_name"}}}]);
    let r = w
        .put(
            &editor,
            &format!(
                "/api/v1/bundle-defs/open-shop/versions/1?revision={}",
                rev + 5
            ),
            def.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = w
        .put(
            &editor,
            &format!("/api/v1/bundle-defs/open-shop/versions/1?revision={rev}"),
            def,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rev = r.json()["revision"].as_i64().unwrap();
    let r = w
        .post(
            &editor,
            "/api/v1/bundle-defs/open-shop/versions/1/submit",
            json!({ "revision": rev }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"]["fields"][0]["rule"],
        "bundle.unmapped_field"
    );
    let r = w
        .put(
            &editor,
            &format!("/api/v1/bundle-defs/open-shop/versions/1?revision={rev}"),
            definition(&a, &b),
        )
        .await;
    let rev = r.json()["revision"].as_i64().unwrap();
    let r = w
        .post(
            &editor,
            "/api/v1/bundle-defs/open-shop/versions/1/submit",
            json!({ "revision": rev }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The editor may not review; the reviewer publishes.
    let r = w
        .post(
            &editor,
            "/api/v1/bundle-defs/open-shop/versions/1/review",
            json!({ "approve": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w
        .post(
            &reviewer,
            "/api/v1/bundle-defs/open-shop/versions/1/review",
            json!({ "approve": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Public: the list, search, the guide and the plan.
    let list = w.get(&w.anonymous(), "/api/v1/bundles").await.json();
    assert_eq!(list[0]["code"], "open-shop");
    assert_eq!(
        list[0]["parts"][0]["department_name"],
        "湛江市市场监督管理局"
    );
    let found = w
        .get(&w.anonymous(), "/api/v1/bundles?q=%E9%A4%90%E9%A5%AE")
        .await
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1, "餐饮");
    let none = w
        .get(&w.anonymous(), "/api/v1/bundles?q=%E7%A4%BE%E4%BF%9D")
        .await
        .json();
    assert_eq!(none, json!([]), "社保");
    let g = w.get(&w.anonymous(), "/api/v1/bundles/open-shop").await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text());
    assert_eq!(g.json()["savings"]["visits_saved"], 1);
    let p = w
        .post(
            &w.anonymous(),
            "/api/v1/bundles/open-shop/plan",
            json!({ "answers": { "sells_food": "no" } }),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    assert_eq!(p.json()["plan"]["parts"], json!(["business"]));
    let p = w
        .post(
            &w.anonymous(),
            "/api/v1/bundles/open-shop/plan",
            json!({ "answers": {} }),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.text());
    assert_eq!(
        p.json()["error"]["fields"][0]["field"],
        "answers.sells_food"
    );

    // Staff: the list, the history, the export (the create body's format).
    let r = w.get(&editor, "/api/v1/bundle-defs").await;
    assert_eq!(
        r.json()[0]["versions"],
        json!([{"version": 1, "status": "published"}])
    );
    let r = w.get(&reviewer, "/api/v1/bundle-defs/open-shop").await;
    assert_eq!(r.json()["versions"][0]["review_opinion"], "");
    let r = w
        .get(
            &editor,
            "/api/v1/bundle-defs/open-shop/versions/1/definition",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("open-shop-v1.json")
    );
    let exported: yiwang_bundles::Bundle = serde_json::from_slice(&r.body).unwrap();
    let original: yiwang_bundles::Bundle = serde_json::from_value(definition(&a, &b)).unwrap();
    assert_eq!(exported, original);
    // New version, then retire (the reviewer, with a reason).
    let r = w
        .post(
            &editor,
            "/api/v1/bundle-defs/open-shop/new-version",
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    let r = w
        .post(
            &reviewer,
            "/api/v1/bundle-defs/open-shop/retire",
            json!({ "reason": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .post(
            &reviewer,
            "/api/v1/bundle-defs/open-shop/retire",
            json!({ "reason": "并入新的一件事" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/bundles").await.json(),
        json!([])
    );
}

#[tokio::test]
async fn the_public_pages_show_published_bundles() {
    let w = World::new().await;
    let (a, b) = items(&w).await;
    let anon = w.anonymous();
    let r = w.get(&anon, "/bundles").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("id=\"bundles-empty\""));
    assert!(
        !w.get(&anon, "/")
            .await
            .text()
            .contains("id=\"home-bundles\"")
    );
    publish(&w, &a, &b).await;

    let html = w.get(&anon, "/bundles").await.text();
    assert!(html.contains("id=\"bundle-open-shop\"") && html.contains("开店经营"));
    assert!(html.contains("个体工商户设立登记") && html.contains("湛江市市场监督管理局"));
    let html = w.get(&anon, "/").await.text();
    assert!(html.contains("id=\"home-bundles\"") && html.contains("href=\"/bundles/open-shop\""));
    let html = w.get(&anon, "/items?q=%E5%BC%80%E5%BA%97").await.text();
    assert!(
        html.contains("id=\"bundle-results\"") && html.contains("开店一件事"),
        "开店"
    );
    let html = w.get(&anon, "/items?q=%E7%A4%BE%E4%BF%9D").await.text();
    assert!(!html.contains("id=\"bundle-results\""), "社保");

    let r = w.get(&anon, "/bundles/open-shop").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("href=\"/bundles/open-shop/apply\""));
    assert!(html.contains("id=\"bundle-questions\"") && !html.contains("id=\"bundle-plan\""));
    let html = w
        .get(&anon, "/bundles/open-shop?sells_food=no")
        .await
        .text();
    assert!(html.contains("id=\"bundle-plan\"") && html.contains("id=\"bundle-dropped\""));
    assert_eq!(
        w.get(&anon, "/bundles/no-such").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_staff_pages_edit_review_and_refuse_others() {
    let w = World::new().await;
    let (a, b) = items(&w).await;
    let editor = w.sign_in("editor").await;
    let reviewer = w.sign_in("reviewer").await;
    let clerk = w.sign_in("clerk").await;
    let citizen = register_person(&w, "陈小明", "440802199001011238", "13812345678").await;

    // Refused to those without the work; the anonymous are sent to sign in.
    for path in ["/staff/bundles", "/staff/bundles/new"] {
        let r = w.get(&w.anonymous(), path).await;
        assert!(location(&r).starts_with("/signin"), "{path}");
        for (who, c) in [("clerk", &clerk), ("citizen", &citizen)] {
            assert_eq!(
                w.get(c, path).await.status,
                StatusCode::FORBIDDEN,
                "{who} {path}"
            );
        }
    }
    let text = serde_json::to_string_pretty(&definition(&a, &b)).unwrap();
    let r = post_form(&w, &clerk, "/staff/bundles/new", &[("definition", &text)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        w.state
            .bundles
            .list(&Ctx::system("t"))
            .await
            .unwrap()
            .is_empty()
    );

    // The editor: a new bundle from the skeleton; bad JSON lists the problem by its path.
    let html = w.get(&editor, "/staff/bundles/new").await.text();
    assert!(html.contains("id=\"definition\""));
    let r = post_form(
        &w,
        &editor,
        "/staff/bundles/new",
        &[("definition", "{\"code\": \"x\", \"parts\": 3}")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("parts"), "{}", r.text());
    let r = post_form(&w, &editor, "/staff/bundles/new", &[("definition", &text)]).await;
    assert_eq!(
        location(&r),
        "/staff/bundles/open-shop/versions/1?done=bundle_created"
    );
    let html = w
        .get(&editor, "/staff/bundles/open-shop/versions/1")
        .await
        .text();
    assert!(html.contains("id=\"bundle-no-problems\""), "{html}");
    assert!(html.contains("id=\"preview-food\"") && html.contains("result(business.number)"));
    // Saving a definition that misses a required source and submitting it: every problem shown.
    let mut def = definition(&a, &b);
    def["parts"][0]["fields"] = json!([]);
    let rev = w
        .state
        .bundles
        .version(&Ctx::system("t"), "open-shop", 1)
        .await
        .unwrap()
        .revision;
    let r = post_form(
        &w,
        &editor,
        "/staff/bundles/open-shop/versions/1",
        &[
            ("definition", &serde_json::to_string(&def).unwrap()),
            ("revision", &rev.to_string()),
            ("then", "submit"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("parts[0].fields") && html.contains("没有来源"),
        "{html}"
    );
    // Fixed and submitted from the editor; the reviewer approves from the bundle's page.
    let rev = w
        .state
        .bundles
        .version(&Ctx::system("t"), "open-shop", 1)
        .await
        .unwrap()
        .revision;
    let r = post_form(
        &w,
        &editor,
        "/staff/bundles/open-shop/versions/1",
        &[
            ("definition", &text),
            ("revision", &rev.to_string()),
            ("then", "submit"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/staff/bundles/open-shop/versions/1?done=bundle_submitted"
    );
    let html = w.get(&reviewer, "/staff/bundles/open-shop").await.text();
    assert!(html.contains("id=\"approve-1\""));
    let r = post_form(
        &w,
        &editor,
        "/staff/bundles/open-shop/versions/1/approve",
        &[],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the editor does not review"
    );
    let r = post_form(
        &w,
        &reviewer,
        "/staff/bundles/open-shop/versions/1/approve",
        &[("opinion", "同意")],
    )
    .await;
    assert_eq!(
        location(&r),
        "/staff/bundles/open-shop?done=bundle_published"
    );
    let html = w.get(&editor, "/staff/bundles").await.text();
    assert!(html.contains("id=\"def-open-shop\"") && html.contains("已发布"));
    let r = w
        .get(&editor, "/staff/bundles/open-shop/versions/1/export")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("\"open-shop\""));
    // A published version is read-only in the editor.
    let html = w
        .get(&editor, "/staff/bundles/open-shop/versions/1")
        .await
        .text();
    assert!(html.contains("readonly") && !html.contains("id=\"bundle-save\""));
    // New version and retirement from the bundle's page.
    let r = post_form(&w, &editor, "/staff/bundles/open-shop/new-version", &[]).await;
    assert_eq!(
        location(&r),
        "/staff/bundles/open-shop/versions/2?done=bundle_new_version"
    );
    let r = post_form(
        &w,
        &reviewer,
        "/staff/bundles/open-shop/retire",
        &[("reason", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_form(
        &w,
        &reviewer,
        "/staff/bundles/open-shop/retire",
        &[("reason", "停办")],
    )
    .await;
    assert_eq!(location(&r), "/staff/bundles/open-shop?done=bundle_retired");
}
