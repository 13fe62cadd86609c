//! Sharing requests and grants (共享申请与授权) through the API: the negative-list refusal with
//! its basis, the unconditional grant at once, the provider's decision on a conditional
//! request, the supervisor's yellow and red on the right working days, revocation, expiry,
//! statistics. Also the fixtures and markers the route matrix uses for these routes.

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;
use yiwang_exchange::fixtures::{population_meta, published};
use yiwang_exchange::{Resource, ShareType};
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

/// A published population resource of `dept` with this sharing type.
pub async fn resource(w: &World, dept: i64, share: ShareType) -> Resource {
    published(&w.state.exchange, dept, "101001", population_meta(share))
        .await
        .unwrap()
}

fn ask(code: &str, consumer: i64) -> Value {
    json!({
        "resource_code": code,
        "consumer_department_id": consumer,
        "fields": ["id_number", "name"],
        "purpose": "核验食品经营许可申请人身份",
        "scenario": "食品经营许可证核发",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "service_items": ["11440800MB2C12341000117008000"],
        "from": "2026-11-23",
        "to": "2027-11-22",
    })
}

#[tokio::test]
async fn a_negative_list_resource_is_refused_at_once_with_its_basis() {
    let w = World::new().await;
    let r = resource(&w, w.city_scjg, ShareType::NotShared).await;
    let consumer = staff(&w, "steward_ck", w.chikan_scjg, "data_steward").await;
    let resp = w
        .post(
            &consumer,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.chikan_scjg),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    let v = resp.json();
    assert_eq!(v["status"], "refused");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("《中华人民共和国居民身份证法》第十九条") && reason.contains("负面清单"),
        "{reason}"
    );
    assert!(v["grant"].is_null());
    // Nothing to decide for the provider, nothing held by the consumer.
    let provider = staff(&w, "steward_city", w.city_scjg, "data_steward").await;
    let inbox = w
        .get(&provider, "/api/v1/exchange/inbox?status=submitted")
        .await;
    assert_eq!(inbox.json().as_array().unwrap().len(), 0);
    let held = w.get(&consumer, "/api/v1/exchange/grants").await;
    assert_eq!(held.json().as_array().unwrap().len(), 0);
    let id = v["id"].as_i64().unwrap();
    let again = w
        .post(
            &provider,
            &format!("/api/v1/exchange/requests/{id}/grant"),
            json!({"rate_per_minute": 60}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    let stats = w
        .get(
            &provider,
            &format!(
                "/api/v1/exchange/departments/{}/stats?from=2026-11-01&to=2026-11-30",
                w.city_scjg
            ),
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    assert_eq!(stats.json()["refusals"], 1);
    assert_eq!(stats.json()["requests_received"], 1);
}

#[tokio::test]
async fn an_unconditional_resource_is_granted_at_once_and_can_be_revoked() {
    let w = World::new().await;
    let r = resource(&w, w.city_scjg, ShareType::Unconditional).await;
    let consumer = staff(&w, "steward_ck", w.chikan_scjg, "data_steward").await;
    // Validation first: unknown field, bad code, reversed period — nothing written.
    let mut bad = ask(r.code.as_str(), w.chikan_scjg);
    bad["fields"] = json!(["id_number", "salary"]);
    bad["service_items"] = json!(["abc"]);
    bad["to"] = json!("2026-11-01");
    let resp = w.post(&consumer, "/api/v1/exchange/requests", bad).await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.text()
    );
    let fields: Vec<String> = resp.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    for f in ["fields[1]", "service_items[0]", "to"] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    // Another department's staff cannot ask in Chikan's name.
    let other = staff(&w, "steward_zsj", w.city_zsj, "data_steward").await;
    let resp = w
        .post(
            &other,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.chikan_scjg),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN, "{}", resp.text());
    let resp = w
        .post(
            &consumer,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.chikan_scjg),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    let v = resp.json();
    assert_eq!(v["status"], "granted");
    assert_eq!(v["grant"]["fields"], json!(["id_number", "name"]));
    assert_eq!(
        v["grant"]["status"], "pending",
        "the period starts tomorrow"
    );
    assert_eq!(v["grant"]["valid_from"], "2026-11-22T16:00:00Z");
    assert_eq!(v["grant"]["valid_to"], "2027-11-22T16:00:00Z");
    let grant = v["grant"]["id"].as_i64().unwrap();
    // The grant the data API reads.
    let mut db = w.state.db.clone();
    let g = yiwang_exchange::repo::grants::active_for(
        &mut db,
        w.chikan_scjg,
        r.id,
        datetime!(2026-12-01 00:00 UTC),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(g.id, grant);
    let held = w.get(&consumer, "/api/v1/exchange/grants").await.json();
    assert_eq!(held[0]["id"], grant);
    assert_eq!(held[0]["resource_code"], r.code.as_str());
    // Revocation: the consumer cannot, the provider must give a reason.
    let path = format!("/api/v1/exchange/grants/{grant}/revoke");
    let resp = w
        .post(&consumer, &path, json!({"reason": "不再需要"}))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN, "{}", resp.text());
    let provider = staff(&w, "steward_city", w.city_scjg, "data_steward").await;
    let resp = w.post(&provider, &path, json!({"reason": " "})).await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.text()
    );
    assert_eq!(resp.json()["error"]["fields"][0]["field"], "reason");
    let given = w
        .get(&provider, "/api/v1/exchange/grants/given")
        .await
        .json();
    assert_eq!(given[0]["id"], grant);
    let resp = w
        .post(&provider, &path, json!({"reason": "使用超出约定用途"}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json()["status"], "revoked");
    assert_eq!(resp.json()["revoke_reason"], "使用超出约定用途");
    let mut db = w.state.db.clone();
    assert!(
        yiwang_exchange::repo::grants::active_for(
            &mut db,
            w.chikan_scjg,
            r.id,
            datetime!(2026-12-01 00:00 UTC)
        )
        .await
        .unwrap()
        .is_none()
    );
    let id = v["id"].as_i64().unwrap();
    let one = w
        .get(&consumer, &format!("/api/v1/exchange/requests/{id}"))
        .await;
    assert_eq!(one.json()["status"], "revoked");
    let resp = w
        .post(&provider, &path, json!({"reason": "再撤一次"}))
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text());
    // A second request is granted again, and expires after its period.
    let mut short = ask(r.code.as_str(), w.chikan_scjg);
    short["to"] = json!("2026-11-30");
    let resp = w.post(&consumer, "/api/v1/exchange/requests", short).await;
    assert_eq!(resp.json()["status"], "granted");
    let id2 = resp.json()["id"].as_i64().unwrap();
    w.clock.set(datetime!(2026-12-01 01:00 UTC));
    let consumer = w.sign_in("steward_ck").await;
    let one = w
        .get(&consumer, &format!("/api/v1/exchange/requests/{id2}"))
        .await;
    assert_eq!(one.json()["status"], "expired");
    assert_eq!(one.json()["grant"]["status"], "expired");
    let expired = w
        .get(&consumer, "/api/v1/exchange/requests?status=expired")
        .await
        .json();
    assert_eq!(expired.as_array().unwrap().len(), 1);
    let bad = w
        .get(&consumer, "/api/v1/exchange/requests?status=lost")
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "status");
}

#[tokio::test]
async fn the_provider_decides_a_conditional_request() {
    let w = World::new().await;
    let r = resource(&w, w.city_scjg, ShareType::Conditional).await;
    let consumer = staff(&w, "steward_ck", w.chikan_scjg, "data_steward").await;
    let provider = staff(&w, "steward_city", w.city_scjg, "data_steward").await;
    let mut body = ask(r.code.as_str(), w.chikan_scjg);
    body["legal_basis"] = json!("");
    let resp = w.post(&consumer, "/api/v1/exchange/requests", body).await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.text()
    );
    assert_eq!(resp.json()["error"]["fields"][0]["field"], "legal_basis");
    let resp = w
        .post(
            &consumer,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.chikan_scjg),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    let v = resp.json();
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["due_date"], "2026-12-04");
    assert_eq!(v["timing"]["warning"], "none");
    assert!(v["grant"].is_null());
    let id = v["id"].as_i64().unwrap();
    // One undecided request per resource and department.
    let dup = w
        .post(
            &consumer,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.chikan_scjg),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.text());
    let inbox = w.get(&provider, "/api/v1/exchange/inbox").await.json();
    assert_eq!(inbox[0]["id"], id);
    assert_eq!(
        inbox[0]["consumer_department_name"],
        "湛江市赤坎区市场监督管理局"
    );
    // The consumer's steward decides nothing for the provider.
    let grant_path = format!("/api/v1/exchange/requests/{id}/grant");
    let resp = w
        .post(&consumer, &grant_path, json!({"rate_per_minute": 60}))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN, "{}", resp.text());
    // A grant only narrows the request.
    let resp = w
        .post(
            &provider,
            &grant_path,
            json!({"fields": ["address"], "to": "2028-01-01", "rate_per_minute": 0}),
        )
        .await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.text()
    );
    let rules: Vec<String> = resp.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    for rule in [
        "exchange.field_not_requested",
        "exchange.rate",
        "exchange.period_within",
    ] {
        assert!(rules.iter().any(|r| r == rule), "{rule} in {rules:?}");
    }
    w.clock.set(datetime!(2026-11-25 02:00 UTC));
    // Sessions end after a day idle: sign in again after moving the clock.
    let provider = w.sign_in("steward_city").await;
    let consumer = w.sign_in("steward_ck").await;
    let resp = w
        .post(
            &provider,
            &grant_path,
            json!({"fields": ["id_number"], "to": "2027-05-31", "rate_per_minute": 30}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let v = resp.json();
    assert_eq!(v["status"], "granted");
    assert_eq!(v["decision_days"], 3);
    assert_eq!(v["grant"]["fields"], json!(["id_number"]));
    assert_eq!(v["grant"]["rate_per_minute"], 30);
    assert_eq!(v["grant"]["valid_to"], "2027-05-31T16:00:00Z");
    let resp = w
        .post(
            &provider,
            &format!("/api/v1/exchange/requests/{id}/refuse"),
            json!({"reason": "迟到的拒绝"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text());
    // A second request (another department) is refused: the reason is required.
    let other = staff(&w, "steward_zsj", w.city_zsj, "data_steward").await;
    let resp = w
        .post(
            &other,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.city_zsj),
        )
        .await;
    let id2 = resp.json()["id"].as_i64().unwrap();
    let refuse = format!("/api/v1/exchange/requests/{id2}/refuse");
    let resp = w.post(&provider, &refuse, json!({})).await;
    assert_eq!(
        resp.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resp.text()
    );
    let resp = w
        .post(
            &provider,
            &refuse,
            json!({"reason": "申请用途与共享条件不符"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json()["status"], "refused");
    assert_eq!(resp.json()["reason"], "申请用途与共享条件不符");
    // A third is withdrawn by its consumer (only by it).
    let mut later = ask(r.code.as_str(), w.city_zsj);
    later["from"] = json!("2026-12-01");
    let resp = w.post(&other, "/api/v1/exchange/requests", later).await;
    let id3 = resp.json()["id"].as_i64().unwrap();
    let withdraw = format!("/api/v1/exchange/requests/{id3}/withdraw");
    let resp = w.post(&consumer, &withdraw, json!({})).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN, "{}", resp.text());
    let resp = w.post(&other, &withdraw, json!({})).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json()["status"], "withdrawn");
    // Every step is in the audit log.
    let mut db = w.state.db.clone();
    let events: Vec<(String,)> = yiwang_store::Conn::fetch_all(
        &mut db,
        "SELECT action FROM audit_log WHERE action LIKE 'exchange.request.%' ORDER BY seq",
        &[],
    )
    .await
    .unwrap();
    let events: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        events,
        [
            "exchange.request.submit",
            "exchange.request.grant",
            "exchange.request.submit",
            "exchange.request.refuse",
            "exchange.request.submit",
            "exchange.request.withdraw"
        ]
    );
    // The provider's figures for November.
    let s = w
        .get(
            &provider,
            &format!(
                "/api/v1/exchange/departments/{}/stats?from=2026-11-01&to=2026-11-30",
                w.city_scjg
            ),
        )
        .await
        .json();
    assert_eq!(s["resources_published"], 1);
    assert_eq!(s["resources_mounted"], 0);
    assert_eq!(s["mounting_rate"], 0.0);
    assert_eq!(s["requests_received"], 3);
    assert_eq!(s["decisions"], 2);
    assert_eq!(s["decision_days_max"], 3);
    assert_eq!(s["refusals"], 1);
    assert_eq!(s["grants_active"], 1);
    assert_eq!(s["overdue_decisions"], 0);
    // Calls and rows come from the data API's call log: none were made.
    assert_eq!(s["calls"], 0);
}

#[tokio::test]
async fn an_undecided_request_turns_yellow_then_red_on_the_supervisors_view() {
    let w = World::new().await;
    let r = resource(&w, w.city_scjg, ShareType::Conditional).await;
    let consumer = staff(&w, "steward_ck", w.chikan_scjg, "data_steward").await;
    // Submitted on Sunday 22 November 2026 (China): counting starts on Monday 23; the 10th
    // working day is Friday 4 December.
    let resp = w
        .post(
            &consumer,
            "/api/v1/exchange/requests",
            ask(r.code.as_str(), w.chikan_scjg),
        )
        .await;
    assert_eq!(resp.json()["due_date"], "2026-12-04");
    let id = resp.json()["id"].as_i64().unwrap();
    staff(&w, "sup_cs", w.chikan_scjg, "case_supervisor").await;
    let view = |at| {
        let w = &w;
        async move {
            w.clock.set(at);
            // Sessions end after a day idle: sign in again after moving the clock.
            let supervisor = w.sign_in("supervisor").await;
            let list = w.get(&supervisor, "/api/v1/exchange/supervision").await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.text());
            let list = list.json();
            assert_eq!(list[0]["id"], id);
            let t = &list[0]["timing"];
            (
                t["elapsed_working_days"].as_i64().unwrap(),
                t["warning"].as_str().unwrap().to_string(),
                t["days_overdue"].as_i64().unwrap(),
            )
        }
    };
    // Tuesday 1 December: 7 working days.
    assert_eq!(
        view(datetime!(2026-12-01 02:00 UTC)).await,
        (7, "none".into(), 0)
    );
    // Wednesday 2 December: the 8th working day — yellow.
    assert_eq!(
        view(datetime!(2026-12-02 02:00 UTC)).await,
        (8, "yellow".into(), 0)
    );
    // Friday 4 December, the due date: still yellow.
    assert_eq!(
        view(datetime!(2026-12-04 15:59 UTC)).await,
        (10, "yellow".into(), 0)
    );
    // Saturday 5 December (China, 00:00): past due — red, no working day overdue yet.
    assert_eq!(
        view(datetime!(2026-12-04 16:00 UTC)).await,
        (10, "red".into(), 0)
    );
    // Tuesday 8 December: two working days overdue.
    assert_eq!(
        view(datetime!(2026-12-08 02:00 UTC)).await,
        (12, "red".into(), 2)
    );
    let supervisor = w.sign_in("supervisor").await;
    let chikan_sup = w.sign_in("sup_cs").await;
    // The Chikan supervisor's reach holds no city department: the request is not theirs.
    let theirs = w
        .get(&chikan_sup, "/api/v1/exchange/supervision")
        .await
        .json();
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    // A late decision counts as overdue in the provider's figures.
    let provider = staff(&w, "steward_city", w.city_scjg, "data_steward").await;
    let resp = w
        .post(
            &provider,
            &format!("/api/v1/exchange/requests/{id}/grant"),
            json!({"rate_per_minute": 60}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json()["decision_days"], 12);
    let stats = w
        .get(
            &supervisor,
            "/api/v1/exchange/stats?from=2026-11-01&to=2026-12-31",
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let all = stats.json();
    let city = all
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["department_id"] == w.city_scjg)
        .unwrap();
    assert_eq!(city["overdue_decisions"], 1);
    assert_eq!(city["decision_days_avg"], 12.0);
    let chikan = all
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["department_id"] == w.chikan_scjg)
        .unwrap();
    assert_eq!(chikan["requests_made"], 1);
    assert_eq!(chikan["grants_held"], 1);
    let empty = w
        .get(&supervisor, "/api/v1/exchange/supervision")
        .await
        .json();
    assert_eq!(empty.as_array().unwrap().len(), 0);
}

/// What the route matrix needs of these routes: objects of department A.
pub struct MatrixFixtures {
    /// A's conditional and unconditional resources.
    pub a_conditional: String,
    pub a_unconditional: String,
    /// The city's conditional and unconditional resources (A asks for them).
    pub city_conditional: String,
    pub city_unconditional: String,
    /// A's undecided request for the city's conditional resource.
    pub made_a: i64,
    /// The city's undecided request for A's conditional resource.
    pub received_a: i64,
    /// The city's grant on A's unconditional resource.
    pub grant_a: i64,
}

pub async fn matrix_fixtures(w: &World, dept_a: i64) -> MatrixFixtures {
    let svc = &w.state.sharing;
    let sys = Ctx::system("matrix");
    let a_conditional = resource(w, dept_a, ShareType::Conditional).await;
    let a_unconditional = resource(w, dept_a, ShareType::Unconditional).await;
    let city_conditional = resource(w, w.city_scjg, ShareType::Conditional).await;
    let city_unconditional = resource(w, w.city_scjg, ShareType::Unconditional).await;
    let input = |code: &str, consumer: i64| -> yiwang_exchange::sharing::RequestInput {
        serde_json::from_value(ask(code, consumer)).unwrap()
    };
    let made_a = svc
        .submit(&sys, &input(city_conditional.code.as_str(), dept_a))
        .await
        .unwrap()
        .id;
    svc.submit(&sys, &input(city_unconditional.code.as_str(), dept_a))
        .await
        .unwrap();
    let received_a = svc
        .submit(&sys, &input(a_conditional.code.as_str(), w.city_scjg))
        .await
        .unwrap()
        .id;
    let grant_a = svc
        .submit(&sys, &input(a_unconditional.code.as_str(), w.city_scjg))
        .await
        .unwrap()
        .grant
        .unwrap()
        .id;
    MatrixFixtures {
        a_conditional: a_conditional.code.0,
        a_unconditional: a_unconditional.code.0,
        city_conditional: city_conditional.code.0,
        city_unconditional: city_unconditional.code.0,
        made_a,
        received_a,
        grant_a,
    }
}

/// The concrete path of one of these routes (with a query where it needs one).
pub fn matrix_path(path: &str, f: &MatrixFixtures, dept_a: i64) -> Option<String> {
    // Only the sharing module's routes; the other exchange modules' fixtures are the matrix's.
    let ours = [
        "requests",
        "grants",
        "admin/grants",
        "inbox",
        "supervision",
        "stats",
    ]
    .iter()
    .any(|p| path.starts_with(&format!("/api/v1/exchange/{p}")))
        || (path.starts_with("/api/v1/exchange/departments/") && path.ends_with("/stats"));
    if !ours {
        return None;
    }
    let id = if path.contains("/grants/") {
        f.grant_a
    } else if path.ends_with("/grant") || path.ends_with("/refuse") {
        f.received_a
    } else if path.starts_with("/api/v1/exchange/departments/") {
        dept_a
    } else {
        f.made_a
    };
    Some(path.replace("{id}", &id.to_string()))
}

/// A body that succeeds for department A.
pub fn matrix_body(op: &str, f: &MatrixFixtures, dept_a: i64) -> Option<Value> {
    Some(match op {
        "POST /api/v1/exchange/requests" => ask(&f.city_conditional, dept_a),
        "POST /api/v1/exchange/requests/{id}/grant" => json!({"rate_per_minute": 60}),
        "POST /api/v1/exchange/requests/{id}/refuse"
        | "POST /api/v1/exchange/grants/{id}/revoke"
        | "POST /api/v1/exchange/admin/grants/{id}/revoke" => json!({"reason": "矩阵测试"}),
        "POST /api/v1/exchange/requests/{id}/withdraw" => json!({}),
        _ => return None,
    })
}

/// The filtered lists of these routes: the marker of A that A sees and B does not.
pub fn matrix_marker(path: &str, f: &MatrixFixtures) -> Option<String> {
    Some(match path {
        "/api/v1/exchange/requests" => f.city_conditional.clone(),
        "/api/v1/exchange/inbox" | "/api/v1/exchange/supervision" => f.a_conditional.clone(),
        "/api/v1/exchange/grants" => f.city_unconditional.clone(),
        "/api/v1/exchange/grants/given" => f.a_unconditional.clone(),
        "/api/v1/exchange/stats" => "湛江市赤坎区市场监督管理局".to_string(),
        _ => return None,
    })
}

/// The filtered lists among these routes.
pub const MATRIX_FILTERED: &[&str] = &[
    "GET /api/v1/exchange/requests",
    "GET /api/v1/exchange/inbox",
    "GET /api/v1/exchange/grants",
    "GET /api/v1/exchange/grants/given",
    "GET /api/v1/exchange/supervision",
    "GET /api/v1/exchange/stats",
];
