//! Departments and halls through the API, including file import and export.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{World, uscc};

#[tokio::test]
async fn departments_are_validated_field_by_field_in_both_languages() {
    let w = World::new().await;
    let admin = w.sign_in("orgadmin").await;
    let r = w.post(&admin, "/api/v1/departments", json!({ "uscc": "91310000MA1FL0F17U", "name": "", "division_code": "440899", "phone": "abc" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    assert_eq!(j["error"]["code"], "validation_failed");
    let rules: Vec<(&str, &str)> = j["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("uscc", "uscc.check_digit"),
            ("name", "required"),
            ("division_code", "division.unknown"),
            ("phone", "phone.format")
        ]
    );
    assert!(
        j["error"]["fields"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("校验码")
    );
    assert!(
        j["error"]["fields"][0]["en"]
            .as_str()
            .unwrap()
            .contains("check character")
    );

    // A division outside the administrator's jurisdiction is refused before anything else.
    let r = w
        .post(
            &admin,
            "/api/v1/departments",
            json!({ "uscc": "x", "name": "", "division_code": "130171" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let body = json!({ "uscc": uscc("11440800MB2C4321"), "name": "湛江市教育局", "division_code": "440800", "kind": "人民政府", "phone": "0759-3100001" });
    let r = w.post(&admin, "/api/v1/departments", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["division_name"], "广东省 湛江市");
    let r = w.post(&admin, "/api/v1/departments", body.clone()).await;
    assert_eq!(r.json()["error"]["fields"][0]["rule"], "uscc.taken");
    // Update with revision; a stale revision is a conflict.
    let mut upd = body.clone();
    upd["name"] = json!("湛江市教育局（更名）");
    upd["revision"] = json!(1);
    assert_eq!(
        w.put(&admin, &format!("/api/v1/departments/{id}"), upd.clone())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        w.put(&admin, &format!("/api/v1/departments/{id}"), upd)
            .await
            .status,
        StatusCode::CONFLICT
    );
    // A department with items cannot be deleted; an unused one can.
    crate::harness::publish_item(&w).await;
    let r = w
        .send(
            &admin,
            Method::DELETE,
            &format!("/api/v1/departments/{}", w.city_scjg),
            None,
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(
        w.send(
            &admin,
            Method::DELETE,
            &format!("/api/v1/departments/{id}"),
            None,
            vec![]
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    // Editors may not manage departments; the public may read them.
    let editor = w.sign_in("editor").await;
    assert_eq!(
        w.post(&editor, "/api/v1/departments", body).await.status,
        StatusCode::FORBIDDEN
    );
    let r = w
        .get(&w.anonymous(), "/api/v1/departments?division=440802")
        .await;
    assert_eq!(r.json()["total"], 1);
}

fn csv(rows: &[[&str; 4]]) -> String {
    let mut s = String::from("部门名称,统一社会信用代码,行政区划代码,上级部门统一社会信用代码\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

#[tokio::test]
async fn a_csv_with_three_bad_rows_imports_nothing_and_names_them() {
    let w = World::new().await;
    let admin = w.sign_in("orgadmin").await;
    let good1 = uscc("11440800MB2C7001");
    let good2 = uscc("11440802MB2C7002");
    let file = csv(&[
        ["湛江市卫生健康局", &good1, "440800", ""],
        ["坏代码局", "91310000MA1FL0F17U", "440800", ""],
        ["未知区划局", &uscc("11440800MB2C7003"), "449999", ""],
        ["", &uscc("11440800MB2C7004"), "440800", ""],
        ["赤坎区卫生健康局", &good2, "440802", &good1],
    ]);
    let before = w.get(&w.anonymous(), "/api/v1/departments").await.json()["total"]
        .as_i64()
        .unwrap();
    let r = w
        .send(
            &admin,
            Method::POST,
            "/api/v1/departments/import",
            Some("text/csv"),
            file.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let j = r.json();
    assert_eq!(j["error"]["code"], "import_rejected");
    let rows: Vec<(u64, &str, &str)> = j["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap(),
                r["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (3, "uscc", "uscc.check_digit"),
            (4, "division_code", "division.unknown"),
            (5, "name", "required")
        ]
    );
    let after = w.get(&w.anonymous(), "/api/v1/departments").await.json()["total"]
        .as_i64()
        .unwrap();
    assert_eq!(before, after, "nothing written");

    // The same file without the bad rows imports, in GBK, with the parent after... before its child.
    let fixed = csv(&[
        ["赤坎区卫生健康局", &good2, "440802", &good1],
        ["湛江市卫生健康局", &good1, "440800", ""],
    ]);
    let (gbk, _, _) = encoding_rs::GBK.encode(&fixed);
    let r = w
        .send(
            &admin,
            Method::POST,
            "/api/v1/departments/import",
            Some("text/csv"),
            gbk.into_owned(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["created"], 2);
    assert_eq!(r.json()["encoding"], "gb18030");
    // Importing again updates instead of duplicating.
    let r = w
        .send(
            &admin,
            Method::POST,
            "/api/v1/departments/import",
            Some("text/csv"),
            fixed.clone().into_bytes(),
        )
        .await;
    assert_eq!(r.json()["updated"], 2);

    // Export round-trips through import, as CSV and XLSX.
    for format in ["csv", "xlsx"] {
        let r = w
            .get(
                &admin,
                &format!("/api/v1/departments/export?format={format}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = w
            .send(
                &admin,
                Method::POST,
                "/api/v1/departments/import",
                Some("application/octet-stream"),
                r.body,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
        assert_eq!(r.json()["created"], 0, "{format}");
        assert_eq!(r.json()["updated"].as_i64().unwrap(), after + 2, "{format}");
    }
    // Editors cannot import; anonymous callers are told to sign in.
    let editor = w.sign_in("editor").await;
    assert_eq!(
        w.send(
            &editor,
            Method::POST,
            "/api/v1/departments/import",
            Some("text/csv"),
            fixed.clone().into_bytes()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.send(
            &w.anonymous(),
            Method::POST,
            "/api/v1/departments/import",
            Some("text/csv"),
            fixed.into_bytes()
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn halls_and_windows() {
    let w = World::new().await;
    let admin = w.sign_in("orgadmin").await;
    let r = w.post(&admin, "/api/v1/halls", json!({ "name": "湛江市政务服务中心", "kind": "center", "division_code": "440800", "address": "湛江市赤坎区海滨大道北128号", "hours": "工作日 8:30-17:30" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = w
        .post(
            &admin,
            &format!("/api/v1/halls/{id}/windows"),
            json!({ "number": "A01", "name": "综合受理一号窗", "kind": "comprehensive" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = w
        .post(
            &admin,
            &format!("/api/v1/halls/{id}/windows"),
            json!({ "number": "A01", "name": "重复", "kind": "comprehensive" }),
        )
        .await;
    assert_eq!(
        r.json()["error"]["fields"][0]["rule"],
        "window.number_taken"
    );
    let r = w
        .post(
            &admin,
            &format!("/api/v1/halls/{id}/windows"),
            json!({ "number": "B01", "name": "市场监管专窗", "kind": "department" }),
        )
        .await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "department_id");
    let r = w.post(&admin, &format!("/api/v1/halls/{id}/windows"), json!({ "number": "B01", "name": "市场监管专窗", "kind": "department", "department_id": w.city_scjg })).await;
    assert_eq!(r.json()["windows"].as_array().unwrap().len(), 2);
    let wid = r.json()["windows"][1]["id"].as_i64().unwrap();
    let r = w
        .send(
            &admin,
            Method::DELETE,
            &format!("/api/v1/halls/{id}/windows/{wid}"),
            None,
            vec![],
        )
        .await;
    assert_eq!(r.json()["windows"].as_array().unwrap().len(), 1);
    let r = w.get(&w.anonymous(), "/api/v1/halls?division=440800").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    assert_eq!(
        w.post(&w.sign_in("editor").await, "/api/v1/halls", json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn divisions_tree_and_search() {
    let w = World::new().await;
    let anon = w.anonymous();
    let r = w.get(&anon, "/api/v1/divisions?parent=440800").await;
    let j = r.json();
    let names: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 9);
    assert!(names.contains(&"赤坎区") && names.contains(&"吴川市"));
    assert_eq!(
        w.get(&anon, "/api/v1/divisions/130171").await.json()["statistical_only"],
        true
    );
    assert_eq!(
        w.get(&anon, "/api/v1/divisions?parent=12").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        w.get(&anon, "/api/v1/divisions/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let provinces = w.get(&anon, "/api/v1/divisions").await.json();
    assert_eq!(provinces.as_array().unwrap().len(), 31);
}

/// The import page names a bad cell by the column's header in the file (统一社会信用代码), never
/// by the field's internal name (`uscc`) or the rule's code.
#[tokio::test]
async fn the_import_page_names_columns_by_their_headers() {
    let w = World::new().await;
    let admin = w.sign_in("orgadmin").await;
    let file = csv(&[["坏部门", "not-a-code", "440800", ""]]);
    let path = format!(
        "/admin/import/departments?_csrf={}",
        admin.csrf.clone().unwrap()
    );
    let body = crate::case_pages::multipart(&[], &[("file", "d.csv", file.into_bytes())]);
    let r = crate::case_pages::post_multipart(&w, &admin, &path, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    let summary = html
        .split("id=\"error-summary\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or_default()
        .to_string();
    assert!(summary.contains("<td>统一社会信用代码</td>"), "{summary}");
    assert!(!summary.contains(">uscc<"), "{summary}");
    assert!(
        !summary.contains("class=\"muted\">("),
        "no rule codes: {summary}"
    );
}
