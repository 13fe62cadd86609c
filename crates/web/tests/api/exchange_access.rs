//! The data API (数据调用): department B reads only the granted fields of department A's
//! resource, only within the grant's period and rate; every read is recorded — A sees it, the
//! citizen whose row was read sees it (用数记录) — and answers name why a read is refused.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use yiwang_exchange::fixtures;
use yiwang_exchange::repo::{grants, rows};
use yiwang_exchange::{Resource, ShareType};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, World, register_person};

const ID: &str = "440802199001011238";
const OTHER_ID: &str = "440802199001021233";

/// A's population resource with two people (one renamed on 2026-11-10), and B's grant on
/// `id_number` and `name` for 30 days at `rate` calls a minute.
pub async fn setup(w: &World, rate: i64) -> (Resource, i64) {
    let sys = Ctx::system("test");
    w.state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "steward".into(),
                name: "测试数据专员".into(),
                department_id: w.chikan_scjg,
                roles: vec!["data_steward".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let r = fixtures::published(
        &w.state.exchange,
        w.chikan_scjg,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await
    .unwrap();
    let mut db = w.state.db.clone();
    let t1 = time::macros::datetime!(2026-11-01 00:00 UTC);
    let t2 = time::macros::datetime!(2026-11-10 00:00 UTC);
    let row = |id: &str, name: &str| {
        json!({"id_number": id, "name": name, "sex": "1", "birth_date": "1990-01-01",
               "address": "湛江市赤坎区某路1号", "division": "440802"})
        .to_string()
    };
    for (id, name) in [(ID, "张三"), (OTHER_ID, "李四")] {
        let d = row(id, name);
        rows::insert(&mut db, w.state.exchange.seal(), r.id, id, t1, 1, &d)
            .await
            .unwrap();
    }
    rows::close(&mut db, w.state.exchange.seal(), r.id, ID, t2)
        .await
        .unwrap();
    let d = row(ID, "张叁");
    rows::insert(&mut db, w.state.exchange.seal(), r.id, ID, t2, 2, &d)
        .await
        .unwrap();
    let now = w.state.clock.now();
    let fields = vec!["id_number".to_string(), "name".to_string()];
    let grant = grants::insert(
        &mut db,
        &grants::NewGrant {
            resource_id: r.id,
            consumer_department_id: w.city_scjg,
            request_id: None,
            fields: &fields,
            purpose: "办理食品经营许可时核验申请人身份",
            valid_from: now - Duration::days(1),
            valid_to: now + Duration::days(30),
            rate_per_minute: rate,
        },
        "system:test",
        now,
    )
    .await
    .unwrap();
    (r, grant)
}

fn lookup_path(key: &str, extra: &str) -> String {
    format!(
        "/api/v1/exchange/data/101001/000001/rows/{key}?purpose=%E6%A0%B8%E9%AA%8C%E8%BA%AB%E4%BB%BD&case_number=CASE-0001{extra}"
    )
}

#[tokio::test]
async fn b_reads_only_granted_fields_and_every_read_is_seen_by_a_and_the_citizen() {
    let w = World::new().await;
    let (_r, grant) = setup(&w, 1000).await;
    let officer = w.sign_in("officer").await;

    // Purpose and case number are required.
    let r = w
        .get(
            &officer,
            &format!("/api/v1/exchange/data/101001/000001/rows/{ID}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["purpose", "case_number"]);

    // Only the granted fields come back.
    let r = w.get(&officer, &lookup_path(ID, "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let a = r.json();
    assert_eq!(a["grant_id"], grant);
    assert_eq!(a["fields"], json!(["id_number", "name"]));
    assert_eq!(a["row"]["values"], json!({"id_number": ID, "name": "张叁"}));
    assert!(!r.text().contains("赤坎区某路"), "address is not granted");

    // As of a date before the change: the old name.
    let r = w.get(&officer, &lookup_path(ID, "&as_of=2026-11-05")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["row"]["values"]["name"], "张三");
    let r = w.get(&officer, &lookup_path(ID, "&as_of=yesterday")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    // A key without a row answers null (and is still recorded).
    let r = w
        .get(&officer, &lookup_path("440802199001031230", ""))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["row"], Value::Null);

    // Queries filter on granted fields only, a page at a time.
    let q = |filters: Value, after: Value| json!({"purpose": "核验身份", "case_number": "CASE-0002", "filters": filters, "limit": 1, "after": after});
    let r = w
        .post(
            &officer,
            "/api/v1/exchange/data/101001/000001/query",
            q(json!({"sex": "1"}), Value::Null),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "filters.sex");
    let r = w
        .post(
            &officer,
            "/api/v1/exchange/data/101001/000001/query",
            q(json!({}), Value::Null),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.json();
    assert_eq!(page["rows"].as_array().unwrap().len(), 1);
    // Rows are sealed at rest and paged in the order of their keys' blind indexes: the cursor
    // is the index of the last key (opaque, never the number).
    let seal = w.state.exchange.seal();
    let mut order = [ID, OTHER_ID];
    order.sort_by_key(|k| seal.index(k).unwrap());
    assert_eq!(page["rows"][0]["key"], order[0]);
    let next = page["next"].clone();
    assert_eq!(next, seal.index(order[0]).unwrap());
    assert!(!next.as_str().unwrap().contains(order[0]));
    let r = w
        .post(
            &officer,
            "/api/v1/exchange/data/101001/000001/query",
            q(json!({}), next),
        )
        .await;
    assert_eq!(r.json()["rows"][0]["key"], order[1]);
    assert_eq!(r.json()["rows"].as_array().unwrap().len(), 1);
    let r = w
        .post(
            &officer,
            "/api/v1/exchange/data/101001/000001/query",
            q(json!({"name": "李四"}), Value::Null),
        )
        .await;
    assert_eq!(r.json()["rows"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["rows"][0]["key"], OTHER_ID);

    // A (the provider's data steward) sees every read: who, purpose, case, fields, rows.
    let steward = w.sign_in("steward").await;
    let r = w
        .get(
            &steward,
            &format!("/api/v1/exchange/departments/{}/calls", w.chikan_scjg),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let calls = r.json();
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 6, "{calls:?}");
    let first = calls.last().unwrap();
    assert_eq!(first["actor"], "staff:officer");
    assert_eq!(first["consumer_department_id"], w.city_scjg);
    assert_eq!(first["purpose"], "核验身份");
    assert_eq!(first["case_number"], "CASE-0001");
    assert_eq!(first["fields"], json!(["id_number", "name"]));
    assert_eq!(first["items"], json!(["公民身份号码", "姓名"]));
    assert_eq!(first["row_count"], 1);
    // Another department's steward does not.
    let r = w
        .get(
            &steward,
            &format!("/api/v1/exchange/departments/{}/calls", w.city_scjg),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // The citizen sees who read their data: the department, never the member of staff.
    let person = register_person(&w, "张叁", ID, "13800000011").await;
    let r = w.get(&person, "/api/v1/me/data-uses").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let uses = r.json();
    let uses = uses.as_array().unwrap();
    // Two lookups (now and as of) and the first query page read this person's row.
    assert_eq!(uses.len(), 3, "{uses:?}");
    assert_eq!(uses[2]["case_number"], "CASE-0001");
    assert_eq!(uses[2]["purpose"], "核验身份");
    assert_eq!(uses[2]["items"], json!(["公民身份号码", "姓名"]));
    assert!(!r.text().contains("officer"), "{}", r.text());
    let dept_b = w.state.org.department(w.city_scjg).await.unwrap().name;
    assert_eq!(uses[0]["department"], dept_b.as_str());
    // Another person sees none of it.
    let other = register_person(&w, "王五", "440802199001041234", "13800000012").await;
    let r = w.get(&other, "/api/v1/me/data-uses").await;
    assert_eq!(r.json(), json!([]));

    // Each read is audited.
    let mut db = w.state.db.clone();
    let n: (i64,) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'exchange.data.read' AND outcome = 'success'",
        yiwang_store::args![],
    )
    .await
    .unwrap();
    assert_eq!(n.0, 6);
}

#[tokio::test]
async fn reads_outside_the_grant_are_refused_with_the_reason() {
    let w = World::new().await;
    let (_r, grant) = setup(&w, 1000).await;
    // The provider's own case officer: its department holds no grant.
    let other = w.sign_in("chikanofficer").await;
    let r = w.get(&other, &lookup_path(ID, "")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(
        r.json()["error"]["en"]
            .as_str()
            .unwrap()
            .contains("no grant")
    );
    // A catalog editor holds no exchange.consume.
    let editor = w.sign_in("editor").await;
    let r = w.get(&editor, &lookup_path(ID, "")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // An unknown resource.
    let officer = w.sign_in("officer").await;
    let r = w
        .get(
            &officer,
            "/api/v1/exchange/data/101001/000009/rows/1?purpose=x&case_number=y",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

    // After the period: expired.
    w.clock.advance(Duration::days(31));
    let officer = w.sign_in("officer").await;
    let r = w.get(&officer, &lookup_path(ID, "")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(
        r.json()["error"]["en"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // Revoked.
    w.clock.advance(Duration::days(-31));
    let officer = w.sign_in("officer").await;
    let mut db = w.state.db.clone();
    let now = w.state.clock.now();
    grants::revoke(&mut db, grant, "system:test", "停止共享", now)
        .await
        .unwrap();
    let r = w.get(&officer, &lookup_path(ID, "")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(
        r.json()["error"]["en"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    // Refusals are audited; nothing was logged as a read.
    let calls: (i64,) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT COUNT(*) FROM exchange_calls",
        yiwang_store::args![],
    )
    .await
    .unwrap();
    assert_eq!(calls.0, 0);
    let denied: (i64,) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'",
        yiwang_store::args![],
    )
    .await
    .unwrap();
    assert!(denied.0 >= 4, "{}", denied.0);
}

#[tokio::test]
async fn the_grant_rate_limits_and_tokens_read_as_their_department() {
    let w = World::new().await;
    setup(&w, 2).await;
    let sec = w.sign_in("security").await;
    let r = w
        .post(
            &sec,
            "/api/v1/api-tokens",
            json!({ "name": "市场监管审批系统", "department_id": w.city_scjg, "permissions": ["exchange.consume"], "days": 30 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {token}");
    let path = lookup_path(ID, "");
    let anon = Client::default();
    let headers = [("authorization", auth.as_str())];
    let call = || w.send_with(&anon, Method::GET, &path, &headers, Vec::new());
    for _ in 0..2 {
        let r = call().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["row"]["values"]["name"], "张叁");
    }
    let r = call().await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    // The officer shares the department's grant, so its bucket too.
    let officer = w.sign_in("officer").await;
    let r = w.get(&officer, &lookup_path(ID, "")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    // A token's bucket fills again after a minute.
    w.clock.advance(Duration::seconds(60));
    let r = call().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The provider's log names the token as the caller.
    let steward = w.sign_in("steward").await;
    let r = w
        .get(
            &steward,
            &format!("/api/v1/exchange/departments/{}/calls", w.chikan_scjg),
        )
        .await;
    assert!(
        r.json()[0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("client:")
    );
}

#[tokio::test]
async fn the_automatic_approval_hook_checks_a_fact_through_the_grant() {
    use yiwang_kernel::auth::{Actor, ApiClient, Permission};
    let w = World::new().await;
    setup(&w, 1000).await;
    let dept = w.state.org.department(w.city_scjg).await.unwrap();
    let system = Ctx::new(
        Actor::Client(ApiClient {
            token_id: 1,
            name: "审批系统".into(),
            department_id: dept.id,
            division: dept.division_code.clone(),
            permissions: vec![Permission::ExchangeConsume],
        }),
        "",
    );
    let a = &w.state.exchange_access;
    let check = |key: &'static str, field: &'static str, value: &'static str| {
        a.check_fact(&system, "101001/000001", key, field, value, "CASE-9")
    };
    assert_eq!(check(ID, "name", "张叁").await.unwrap(), Some(true));
    assert_eq!(check(ID, "name", "张三").await.unwrap(), Some(false));
    assert_eq!(
        check("440802199001031230", "name", "张三").await.unwrap(),
        None
    );
    // A field outside the grant cannot be checked.
    let e = check(ID, "address", "x").await.unwrap_err();
    assert_eq!(e.fields[0].rule, "exchange.field_not_granted");
    // Each check is a recorded read against the case.
    let mut db = w.state.db.clone();
    let (n,): (i64,) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT COUNT(*) FROM exchange_calls WHERE case_number = 'CASE-9'",
        yiwang_store::args![],
    )
    .await
    .unwrap();
    assert_eq!(n, 4);
}
