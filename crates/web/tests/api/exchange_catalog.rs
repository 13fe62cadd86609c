//! The resource catalog and the three lists over HTTP: a steward registers, edits and submits,
//! the data administrator rejects and approves; search by two-character words; the catalog
//! exported and imported back (GBK, all or nothing); the responsibility, negative and demand
//! lists. Every answer is checked against the OpenAPI document by the harness.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, World};

async fn staff(w: &World, username: &str, dept: i64, role: &str) -> Client {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id: dept,
                roles: vec![role.into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in(username).await
}

fn meta(name: &str, share: &str) -> Value {
    json!({
        "name": name,
        "summary": "企业登记的基本信息",
        "format": "database",
        "items": [
            {"name": "统一社会信用代码", "field": "uscc", "type": "C", "length": 18, "key": true, "rules": [{"rule": "uscc"}]},
            {"name": "企业名称", "field": "name", "type": "C", "length": 200},
            {"name": "成立日期", "field": "established", "type": "D"}
        ],
        "share_type": share,
        "share_condition": if share == "conditional" { "办理政务服务事项" } else { "" },
        "share_basis": if share == "unconditional" { "" } else { "《企业信息公示暂行条例》第六条" },
        "share_method": "api",
        "open_type": "not_open",
        "update_cycle": "daily"
    })
}

#[tokio::test]
async fn a_resource_is_registered_reviewed_published_and_found() {
    let w = World::new().await;
    let steward = staff(&w, "steward1", w.city_scjg, "data_steward").await;
    let admin = staff(&w, "dataadmin1", w.city_zsj, "data_admin").await;
    let other = staff(&w, "dschikan", w.chikan_scjg, "data_steward").await;
    let r = w
        .post(
            &steward,
            "/api/v1/exchange/resources",
            json!({"classification": "102001", "department_id": w.city_scjg, "meta": meta("法人基本信息", "unconditional")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let v1 = format!("/api/v1/exchange/resources/{id}/versions/1");
    let d = w.get(&steward, &v1).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    let rev = d.json()["revision"].as_i64().unwrap();
    // Another department's steward can neither read nor change the draft.
    assert_eq!(w.get(&other, &v1).await.status, StatusCode::FORBIDDEN);
    let mut m = meta("法人基本信息", "unconditional");
    m["summary"] = json!("市场主体登记信息");
    let r = w
        .put(&other, &v1, json!({"meta": m, "revision": rev}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .put(&steward, &v1, json!({"meta": m, "revision": rev}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A stale revision: 409; a bad draft: 422 naming the field.
    let r = w
        .put(&steward, &v1, json!({"meta": m, "revision": rev}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut bad = m.clone();
    bad["items"][0]["field"] = json!("USCC!");
    let r = w.put(&steward, &v1, json!({"meta": bad})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "items[0].field");
    let r = w.post(&steward, &format!("{v1}/submit"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The steward cannot approve (no exchange.admin: 403 at the gate).
    let r = w.post(&steward, &format!("{v1}/approve"), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let q = w.get(&admin, "/api/v1/exchange/review").await;
    assert_eq!(q.json().as_array().unwrap().len(), 1, "{}", q.text());
    let r = w
        .post(&admin, &format!("{v1}/reject"), json!({"note": ""}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .post(
            &admin,
            &format!("{v1}/reject"),
            json!({"note": "请补充摘要"}),
        )
        .await;
    assert_eq!(r.json()["resource"]["status"], "draft", "{}", r.text());
    w.post(&steward, &format!("{v1}/submit"), json!({})).await;
    let r = w.post(&admin, &format!("{v1}/approve"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let actions: Vec<String> = r.json()["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        ["create", "edit", "submit", "reject", "submit", "approve"]
    );
    // Found by a two-character word, by classification and department; detail for any consumer.
    let officer = w.sign_in("officer").await;
    let r = w
        .get(&officer, "/api/v1/exchange/resources?q=%E4%B8%BB%E4%BD%93")
        .await; // 主体
    assert_eq!(r.json()["total"], 1, "{}", r.text());
    let r = w
        .get(&officer, "/api/v1/exchange/resources?q=%E7%A4%BE%E4%BF%9D")
        .await; // 社保
    assert_eq!(r.json()["total"], 0);
    let r = w
        .get(&officer, "/api/v1/exchange/resources?class=102")
        .await;
    assert_eq!(r.json()["total"], 1);
    let r = w.get(&officer, "/api/v1/exchange/resources?class=x").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .get(&officer, &format!("/api/v1/exchange/resources/{id}"))
        .await;
    assert_eq!(
        r.json()["resource"]["meta"]["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(r.json()["department_name"], "湛江市市场监督管理局");
    // A new version leaves the published one as it was; retiring takes it out.
    let r = w
        .post(
            &steward,
            &format!("/api/v1/exchange/resources/{id}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["resource"]["version"], 2);
    let mine = w.get(&steward, "/api/v1/exchange/my-resources").await;
    assert_eq!(mine.json()[0]["resource"]["version"], 2);
    assert_eq!(mine.json()[0]["published_version"], 1);
    let r = w
        .post(
            &admin,
            &format!("/api/v1/exchange/resources/{id}/retire"),
            json!({"reason": "并入法人库"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .get(&officer, &format!("/api/v1/exchange/resources/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A citizen may not browse the catalog.
    let anon = w.get(&w.anonymous(), "/api/v1/exchange/resources").await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_catalog_round_trips_through_a_file_and_the_lists_fill() {
    let w = World::new().await;
    let admin = staff(&w, "dataadmin1", w.city_zsj, "data_admin").await;
    let steward = staff(&w, "steward1", w.city_scjg, "data_steward").await;
    let officer = w.sign_in("officer").await;
    let sys = Ctx::system("test");
    for (class, name, share) in [
        ("102001", "法人基本信息", "unconditional"),
        ("302001", "行政处罚案件信息", "not_shared"),
    ] {
        let meta = serde_json::from_value(meta(name, share)).unwrap();
        yiwang_exchange::fixtures::published(&w.state.exchange, w.city_scjg, class, meta)
            .await
            .unwrap();
    }
    let _ = sys;
    let csv = w
        .get(&officer, "/api/v1/exchange/resources/export?format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text());
    let text = csv.text();
    assert_eq!(
        text.lines().count(),
        7,
        "a header, one row per data item: {text}"
    );
    // Without codes and renamed, as GBK: two new resources, published at once.
    let again: String = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| {
            let l = l
                .replacen("102001/000001", "", 1)
                .replacen("302001/000001", "", 1);
            l.replace("法人基本信息", "法人登记信息")
                .replace("行政处罚案件信息", "行政处罚决定信息")
                + "\n"
        })
        .collect();
    let (gbk, _, _) = encoding_rs::GBK.encode(&again);
    let import = "/api/v1/exchange/resources/import?publish=true";
    let r = w
        .send(&admin, Method::POST, import, Some("text/csv"), gbk.to_vec())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["created"].as_array().unwrap().len(), 2);
    assert_eq!(r.json()["created"][0]["code"], "102001/000002");
    // A bad line: all refused, the line named, nothing written.
    let broken = again
        .replacen("数据库", "纸质", 1)
        .replace("登记信息", "X")
        .replace("决定信息", "Y");
    let r = w
        .send(
            &admin,
            Method::POST,
            import,
            Some("text/csv"),
            broken.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "import_rejected");
    assert_eq!(r.json()["error"]["rows"][0]["line"], 2);
    assert_eq!(
        w.get(&officer, "/api/v1/exchange/resources").await.json()["total"],
        4
    );
    // Negative list: the two not-shared resources with their basis.
    let n = w.get(&officer, "/api/v1/exchange/lists/negative").await;
    assert_eq!(n.json().as_array().unwrap().len(), 2, "{}", n.text());
    assert_eq!(n.json()[0]["basis"], "《企业信息公示暂行条例》第六条");
    // Responsibility: two shareable resources of the market bureau, none mounted.
    let l = w
        .get(
            &officer,
            &format!(
                "/api/v1/exchange/lists/responsibility?department={}",
                w.city_scjg
            ),
        )
        .await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.text());
    assert_eq!(l.json()[0]["total"], 2);
    assert_eq!(l.json()[0]["mounted"], 0);
    // Demands: the officer's department asks, the steward claims with its resource.
    let r = w
        .post(&officer, "/api/v1/exchange/demands", json!({"department_id": w.city_scjg, "name": "社保缴费信息", "fields": ["缴费月数"], "purpose": "核验缴费年限"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let did = r.json()["id"].as_i64().unwrap();
    let r = w
        .post(
            &officer,
            "/api/v1/exchange/demands",
            json!({"department_id": w.city_scjg, "name": "", "purpose": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .post(
            &steward,
            &format!("/api/v1/exchange/demands/{did}/claim"),
            json!({"department_id": w.city_scjg, "resource_code": "102001/000001"}),
        )
        .await;
    assert_eq!(r.json()["status"], "claimed", "{}", r.text());
    let r = w
        .post(
            &steward,
            &format!("/api/v1/exchange/demands/{did}/provided"),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["status"], "provided", "{}", r.text());
    let r = w
        .post(
            &admin,
            &format!("/api/v1/exchange/demands/{did}/decline"),
            json!({"reason": "已提供"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = w
        .get(&officer, "/api/v1/exchange/demands?status=provided")
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = w
        .get(&officer, "/api/v1/exchange/demands?status=nope")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
