//! The catalog story through the API: claim, edit, quality rules, review, publish, search,
//! immutability of published versions, inherited elements, scope.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{World, good_elements, publish_item};

#[tokio::test]
async fn claim_edit_submit_review_publish_and_search() {
    let w = World::new().await;
    let editor = w.sign_in("editor").await;
    let reviewer = w.sign_in("reviewer").await;

    // Claim: inherits name, basic code, type and legal basis.
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let item = r.json();
    let code = item["code"].as_str().unwrap().to_string();
    let draft = &item["open"]["elements"];
    assert_eq!(draft["name"], "食品经营许可证核发");
    assert_eq!(
        draft["legal_basis"],
        "《中华人民共和国食品安全法》第三十五条"
    );
    assert_eq!(draft["department_name"], "湛江市市场监督管理局");
    assert_eq!(draft["exercise_level"], "3");
    // Claiming twice is refused.
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Not published yet: invisible to the public.
    assert_eq!(
        w.get(&w.anonymous(), &format!("/api/v1/items/{code}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Submitting the bare draft fails the completeness and quality rules, field by field.
    let r = w
        .post(&editor, &format!("/api/v1/items/{code}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "catalog.quality_failed");
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "acceptance_conditions",
        "materials",
        "consult_phone",
        "faqs",
        "result_name",
    ] {
        assert!(fields.contains(&f.to_string()), "missing {f} in {fields:?}");
    }
    for f in r.json()["error"]["fields"].as_array().unwrap() {
        assert!(!f["zh"].as_str().unwrap().is_empty() && !f["en"].as_str().unwrap().is_empty());
    }

    // Save good elements; the stale revision is refused.
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": good_elements(), "revision": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["revision"], 2);
    assert_eq!(r.json()["elements"]["materials"][0]["key"], "M01");
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": good_elements(), "revision": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "conflict");

    let r = w
        .post(&editor, &format!("/api/v1/items/{code}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["open"]["status"], "submitted");

    // The editor cannot approve; a reviewer can, but the submitter never (four eyes).
    let r = w
        .post(&editor, &format!("/api/v1/items/{code}/approve"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{code}/reject"),
            json!({ "note": "" }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs its reason"
    );
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{code}/approve"),
            json!({ "note": "要素齐全" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let item = r.json();
    assert_eq!(item["status"], "published");
    assert_eq!(item["published"]["version_no"], 1);

    // Public now: item, search by two characters, filters.
    let anon = w.anonymous();
    assert_eq!(
        w.get(&anon, &format!("/api/v1/items/{code}")).await.status,
        StatusCode::OK
    );
    for q in ["食品", "经营", "餐饮", "食品经营许可", "准营准办"] {
        let r = w
            .get(&anon, &format!("/api/v1/items?q={}", urlenc(q)))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["total"], 1, "query {q}");
        assert_eq!(r.json()["items"][0]["code"], code.as_str());
    }
    for q in ["社保", "营业执照", "食品 社保"] {
        let r = w
            .get(&anon, &format!("/api/v1/items?q={}", urlenc(q)))
            .await;
        assert_eq!(r.json()["total"], 0, "query {q}");
    }
    let r = w
        .get(
            &anon,
            "/api/v1/items?division=440800&online_level=4&item_type=01&service_object=2&theme=E02",
        )
        .await;
    assert_eq!(r.json()["total"], 1, "{}", r.text());
    let r = w.get(&anon, "/api/v1/items?division=440802").await;
    assert_eq!(r.json()["total"], 0);
    let r = w.get(&anon, "/api/v1/items?licence_free=true").await;
    assert_eq!(r.json()["total"], 0, "one material has no licence type");

    // History records who did what.
    let history = w
        .get(&editor, &format!("/api/v1/items/{code}/history"))
        .await
        .json();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["claim", "edit", "submit", "approve"]);
    assert_eq!(
        w.get(&anon, &format!("/api/v1/items/{code}/history"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn a_published_version_never_changes_and_an_edit_makes_a_new_version() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let editor = w.sign_in("editor").await;
    let reviewer = w.sign_in("reviewer").await;

    // Editing version 1 in place is refused, as is saving a draft when none is open.
    let mut changed = good_elements();
    changed["promised_limit"] = json!(5);
    changed["process_steps"][1]["limit"] = json!(3);
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/versions/1"),
            json!({ "elements": changed }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "catalog.published_immutable");
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": changed }),
        )
        .await;
    assert_eq!(r.code(), "catalog.published_immutable");

    // The database itself refuses to change a published version.
    let mut db = w.state.db.clone();
    let e = yiwang_store::Conn::execute(
        &mut db,
        "UPDATE item_versions SET elements = '{}' WHERE version_no = 1",
        &[],
    )
    .await;
    assert!(e.is_err(), "trigger must refuse");

    // A new version starts as a copy; the inherited name cannot be changed locally.
    let r = w
        .post(
            &editor,
            &format!("/api/v1/items/{code}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["open"]["version_no"], 2);
    let mut renamed = changed.clone();
    renamed["name"] = json!("餐饮许可（本地改名）");
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": renamed }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "catalog.inherited_element");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "name");
    let mut relaw = changed.clone();
    relaw["legal_basis"] = json!("本地文件");
    assert_eq!(
        w.put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": relaw })
        )
        .await
        .code(),
        "catalog.inherited_element"
    );

    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": changed }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Until approved, the public still sees version 1.
    let r = w
        .get(&w.anonymous(), &format!("/api/v1/items/{code}"))
        .await;
    assert_eq!(r.json()["published"]["elements"]["promised_limit"], 6);
    assert!(r.json()["open"].is_null(), "drafts are not public");
    let r = w
        .post(&editor, &format!("/api/v1/items/{code}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{code}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["published"]["version_no"], 2);
    assert_eq!(r.json()["published"]["elements"]["promised_limit"], 5);
    // Version 1 is kept unchanged, superseded.
    let r = w
        .get(&w.anonymous(), &format!("/api/v1/items/{code}/versions/1"))
        .await;
    assert_eq!(r.json()["status"], "superseded");
    assert_eq!(r.json()["elements"]["promised_limit"], 6);

    // Retiring needs a reason and removes the item from search.
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{code}/retire"),
            json!({ "note": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{code}/retire"),
            json!({ "note": "职能调整" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/items?q=%E9%A3%9F%E5%93%81")
            .await
            .json()["total"],
        0
    );
}

#[tokio::test]
async fn departments_act_only_on_their_own_items() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let chikan = w.sign_in("chikan").await;
    let editor = w.sign_in("editor").await;
    // Another department's editor can neither start a version nor claim for the city bureau.
    let r = w
        .post(
            &chikan,
            &format!("/api/v1/items/{code}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post(
            &chikan,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // …but may claim for its own department, in its own county.
    let r = w
        .post(
            &chikan,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.chikan_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let chikan_code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(r.json()["open"]["elements"]["exercise_level"], "4");
    // The city editor cannot see the county draft; the city reviewer can (division scope).
    assert_eq!(
        w.get(&editor, &format!("/api/v1/items/{chikan_code}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let reviewer = w.sign_in("reviewer").await;
    assert_eq!(
        w.get(&reviewer, &format!("/api/v1/items/{chikan_code}"))
            .await
            .status,
        StatusCode::OK
    );
    // Admin lists are scoped.
    let mine = w.get(&editor, "/api/v1/admin/items").await.json();
    assert_eq!(mine["total"], 1);
    let all = w.get(&reviewer, "/api/v1/admin/items").await.json();
    assert_eq!(all["total"], 2);
    let queue = w
        .get(&reviewer, "/api/v1/admin/items?version_status=draft")
        .await
        .json();
    assert_eq!(queue["total"], 1);
    // Anonymous writes are refused as unauthenticated, and every refusal is audited.
    let r = w
        .post(
            &w.anonymous(),
            &format!("/api/v1/items/{code}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut db = w.state.db.clone();
    let denied = yiwang_audit::search(
        &mut db,
        &yiwang_audit::Query {
            action: Some("auth.denied".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(denied.len() >= 3, "{denied:?}");
}

#[tokio::test]
async fn basic_directory_is_maintained_by_catalog_admins() {
    let w = World::new().await;
    let admin = w.sign_in("cataloger").await;
    let editor = w.sign_in("editor").await;
    let body = json!({ "code": "000105001000", "name": "企业设立登记", "item_type": "行政许可", "legal_basis": "《中华人民共和国市场主体登记管理条例》", "statutory_limit": 15 });
    assert_eq!(
        w.post(&editor, "/api/v1/basic-items", body.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = w.post(&admin, "/api/v1/basic-items", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["item_type"], "01");
    let r = w.post(&admin, "/api/v1/basic-items", body.clone()).await;
    assert_eq!(r.json()["error"]["fields"][0]["rule"], "basic_code.taken");
    let r = w
        .post(
            &admin,
            "/api/v1/basic-items",
            json!({ "code": "bad code", "name": "", "item_type": "99", "legal_basis": "" }),
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
    assert_eq!(fields, ["code", "name", "item_type", "legal_basis"]);
    let r = w
        .get(&w.anonymous(), "/api/v1/basic-items?q=%E8%AE%BE%E7%AB%8B")
        .await;
    assert_eq!(r.json()["total"], 1);
    let r = w.json(&admin, Method::PUT, "/api/v1/basic-items/000105001000", json!({ "name": "企业设立登记（含分支机构）", "item_type": "01", "legal_basis": "《条例》", "revision": 1 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .json(
            &admin,
            Method::PUT,
            "/api/v1/basic-items/000105001000",
            json!({ "name": "x", "item_type": "01", "legal_basis": "y", "revision": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

/// An item's application form and workflow are elements: saved and checked through the API,
/// and kept when the page editor (which edits neither) saves the draft.
#[tokio::test]
async fn the_form_and_the_workflow_are_saved_checked_and_kept() {
    let w = World::new().await;
    let editor = w.sign_in("editor").await;
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_string();
    let draft = format!("/api/v1/items/{code}/draft");

    let mut e = good_elements();
    e["form"] = json!([
        {"key": "operator_name", "label": "经营者名称", "kind": "text", "required": true,
         "prefill": "org_name"},
        {"key": "staff", "label": "从业人员", "kind": "table", "required": true,
         "columns": [{"key": "name", "label": "姓名", "kind": "text", "required": true},
                     {"key": "id_number", "label": "身份证号码", "kind": "id_number"}]}
    ]);
    e["workflow"] = json!({
        "code": code, "version": 1, "name": "食品经营许可流程",
        "stages": [{"kind": "step", "code": "accept", "name": "受理",
                    "performer": {"role": "case_officer", "department": "item"},
                    "sign": "single", "actions": ["approve"]}]
    });
    let r = w
        .put(&editor, &draft, json!({ "elements": e, "revision": 1 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["elements"]["form"][0]["prefill"], "org_name");
    assert_eq!(
        r.json()["elements"]["workflow"]["stages"][0]["code"],
        "accept"
    );

    // Broken definitions are refused, each problem on its path.
    let mut bad = e.clone();
    bad["form"][1]["columns"][0]["key"] = json!("Name");
    bad["workflow"]["stages"] = json!([]);
    let r = w
        .put(&editor, &draft, json!({ "elements": bad, "revision": 2 }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<(String, String)> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("form[1].columns[0].key".into(), "form.key".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("workflow.stages".into(), "workflow.no_stages".into())),
        "{fields:?}"
    );
    // A kind that does not exist is a wrongly typed field.
    let mut bad = e.clone();
    bad["form"][0]["kind"] = json!("colour");
    let r = w
        .put(&editor, &draft, json!({ "elements": bad, "revision": 2 }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    // The page editor saves the draft without touching the form or the workflow.
    let body = format!(
        "_csrf={}&revision=2&consult_phone=0759-3388123",
        editor.csrf.clone().unwrap()
    );
    let r = w
        .send(
            &editor,
            Method::POST,
            &format!("/admin/items/{code}/edit"),
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let item = w
        .get(&editor, &format!("/api/v1/items/{code}"))
        .await
        .json();
    let saved = &item["open"]["elements"];
    assert_eq!(item["open"]["revision"], 3);
    assert_eq!(saved["consult_phone"], "0759-3388123");
    assert_eq!(saved["form"].as_array().map(Vec::len), Some(2));
    assert_eq!(saved["form"][1]["columns"][1]["kind"], "id_number");
    assert_eq!(saved["workflow"]["code"], code.as_str());

    // The OpenAPI document describes the form (the workflow as a free-form object).
    let doc = w.get(&w.anonymous(), "/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    let form = &schemas["FormField"]["properties"];
    for p in ["key", "label", "kind", "options", "columns", "prefill"] {
        assert!(form.get(p).is_some(), "FormField.{p}: {form}");
    }
    assert!(schemas["FieldKind"].is_object() && schemas["Prefill"].is_object());
    let elements = &schemas["Elements"]["properties"];
    assert!(elements.get("form").is_some() && elements.get("workflow").is_some());
}
