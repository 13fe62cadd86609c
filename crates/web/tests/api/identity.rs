//! Unified identity end to end: natural and legal persons, agents, lockout, separation of the
//! three administrators, API tokens, personal data at rest and key rotation.

use axum::http::{Method, StatusCode};
use serde_json::json;
use time::Duration;

use crate::harness::{Client, PASSWORD, World, client_of, uscc};

const ID_P1: &str = "440802199001011238";
const ID_P3: &str = "440811199203040017";

async fn register(w: &World, name: &str, id: &str, phone: &str) -> Client {
    let r = w
        .post(
            &Client::default(),
            "/api/v1/people/register",
            json!({ "name": name, "id_number": id, "phone": phone, "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["kind"], "person");
    client_of(&r)
}

async fn person_sign_in(w: &World, login: &str, password: &str) -> crate::harness::Resp {
    w.post(
        &Client::default(),
        "/api/v1/people/sign-in",
        json!({ "login": login, "password": password }),
    )
    .await
}

/// A window clerk confirms the enterprise after seeing the business licence.
pub async fn verify_at_window(w: &World, usc: &str, name: &str, rep: &str, id: &str) {
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            "/api/v1/organisations/verify",
            json!({ "uscc": usc, "name": name, "legal_representative": rep, "id_number": id }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["verified_via"], "window");
}

pub fn rules_of(r: &crate::harness::Resp) -> Vec<(String, String)> {
    r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn registration_rejects_bad_numbers_and_weak_passwords_by_field() {
    let w = World::new().await;
    let cases = [
        (
            "440802199001011239",
            "13800000001",
            PASSWORD,
            "id_number",
            "id_number.check_digit",
        ),
        (
            "440802199002301234",
            "13800000001",
            PASSWORD,
            "id_number",
            "id_number.birth_date",
        ),
        (
            "44080219900101",
            "13800000001",
            PASSWORD,
            "id_number",
            "id_number.format",
        ),
        (ID_P1, "12800000001", PASSWORD, "phone", "phone.mobile"),
        (
            ID_P1,
            "13800000001",
            "password",
            "password",
            "password.weak",
        ),
    ];
    for (id, phone, pw, field, rule) in cases {
        let r = w
            .post(
                &Client::default(),
                "/api/v1/people/register",
                json!({ "name": "张一", "id_number": id, "phone": phone, "password": pw }),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{id}: {}",
            r.text()
        );
        let rules = rules_of(&r);
        assert!(
            rules
                .iter()
                .any(|(f, ru)| f == field && ru.starts_with(rule.split('.').next().unwrap())),
            "{id} {phone}: expected {field}/{rule}, got {rules:?}"
        );
        let body = r.json();
        assert!(
            body["error"]["fields"][0]["zh"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        );
        assert!(
            !body["error"]["fields"][0]["en"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    // Nothing was written.
    let mut db = w.state.db.clone();
    let (n,): (i64,) = yiwang_store::Conn::fetch_one(&mut db, "SELECT COUNT(*) FROM people", &[])
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A 15-digit legacy number is upgraded; the profile shows it masked.
    let p = register(&w, "张一", "440802900101123", "13800000001").await;
    let me = w.get(&p, "/api/v1/me").await.json();
    assert_eq!(me["id_number"], "440802********1238");
    assert_eq!(me["phone"], "138****0001");
    // The same person cannot register twice.
    let r = w
        .post(
            &Client::default(),
            "/api/v1/people/register",
            json!({ "name": "张一", "id_number": ID_P1, "phone": "13900000009", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        rules_of(&r),
        vec![("id_number".into(), "id_number.registered".into())]
    );
}

#[tokio::test]
async fn id_and_phone_numbers_never_appear_in_clear_in_the_database() {
    let w = World::new().await;
    let p = register(&w, "张一", ID_P1, "13812345678").await;
    // Sign in by either number.
    assert_eq!(
        person_sign_in(&w, ID_P1, PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        person_sign_in(&w, "138 1234 5678", PASSWORD).await.status,
        StatusCode::OK
    );
    let me = w.get(&p, "/api/v1/me").await;
    assert!(!me.text().contains(ID_P1) && !me.text().contains("13812345678"));
    // Every text column of every table, on either database.
    let mut db = w.state.db.clone();
    let tables: Vec<(String,)> = match w.state.db.backend() {
        yiwang_store::Backend::Sqlite => yiwang_store::Conn::fetch_all(
            &mut db,
            "SELECT name FROM sqlite_master WHERE type = 'table'",
            &[],
        )
        .await
        .unwrap(),
        yiwang_store::Backend::Postgres => yiwang_store::Conn::fetch_all(
            &mut db,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .await
        .unwrap(),
    };
    let mut seen = 0;
    let mut named = 0;
    for (t,) in tables {
        if t.starts_with("sqlite_") || t.starts_with("_sqlx") {
            continue;
        }
        let sql = match w.state.db.backend() {
            // Every column as text (`json_array(*)` would be an empty array in SQLite).
            yiwang_store::Backend::Sqlite => {
                let cols: Vec<(String,)> = yiwang_store::Conn::fetch_all(
                    &mut db,
                    "SELECT name FROM pragma_table_info($1)",
                    yiwang_store::args![t.as_str()],
                )
                .await
                .unwrap();
                let list: Vec<String> = cols
                    .iter()
                    .map(|(c,)| format!("CAST(\"{c}\" AS TEXT)"))
                    .collect();
                format!("SELECT json_array({}) FROM \"{t}\"", list.join(", "))
            }
            yiwang_store::Backend::Postgres => format!("SELECT row_to_json(x)::text FROM {t} x"),
        };
        let dump: Vec<(String,)> = yiwang_store::Conn::fetch_all(&mut db, &sql, &[])
            .await
            .unwrap();
        for (row,) in dump {
            seen += 1;
            if row.contains("张一") {
                named += 1;
            }
            assert!(
                !row.contains(ID_P1),
                "{t} holds the ID number in clear: {row}"
            );
            assert!(
                !row.contains("13812345678"),
                "{t} holds the phone in clear: {row}"
            );
        }
    }
    assert!(seen > 10, "{seen} rows scanned");
    // The scan really sees the columns: the person's name is stored in clear.
    assert!(named >= 1, "the scan saw no column");
}

#[tokio::test]
async fn lockout_after_five_failures_is_the_same_for_real_and_unknown_names() {
    let w = World::new().await;
    register(&w, "张一", ID_P1, "13800000001").await;
    for login in [ID_P1, "440811199203040017"] {
        for i in 0..5 {
            let r = person_sign_in(&w, login, "Wrong@password1").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{login} try {i}");
            assert_eq!(r.code(), "bad_credentials");
        }
        // Now locked, even with the right password, and the same for the made-up account.
        let r = person_sign_in(&w, login, PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{login}: {}",
            r.text()
        );
        assert_eq!(r.code(), "auth.locked");
    }
    // Staff names lock the same way.
    for _ in 0..5 {
        let r = w
            .post(
                &Client::default(),
                "/api/v1/auth/sign-in",
                json!({ "username": "editor", "password": "Wrong@password1" }),
            )
            .await;
        assert_eq!(r.code(), "bad_credentials");
    }
    let r = w
        .post(
            &Client::default(),
            "/api/v1/auth/sign-in",
            json!({ "username": "editor", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.code(), "auth.locked");
    // The lock is audited, and lifts when the failures age out of the window.
    let auditor = w.sign_in("auditor").await;
    let r = w.get(&auditor, "/api/v1/audit?action=auth.locked").await;
    assert_eq!(r.json().as_array().unwrap().len(), 3, "{}", r.text());
    assert!(!r.text().contains(ID_P1), "no ID number in the audit log");
    w.clock.advance(Duration::minutes(16));
    assert_eq!(
        person_sign_in(&w, ID_P1, PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn agents_act_for_their_enterprise_until_revoked() {
    let w = World::new().await;
    let admin = register(&w, "张一", ID_P1, "13800000001").await;
    let agent = register(&w, "王三", ID_P3, "13800000003").await;
    let usc = uscc("91440802MA5XXXXX");
    let r = w
        .post(
            &admin,
            "/api/v1/organisations",
            json!({ "uscc": usc, "name": "湛江市赤坎区甲餐饮有限公司", "legal_representative": "张一" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let org = r.json()["id"].as_i64().unwrap();
    // No register names the enterprise: it waits for the window, and meanwhile acts for nothing.
    assert_eq!(r.json()["verified_via"], "");
    verify_at_window(&w, &usc, "湛江市赤坎区甲餐饮有限公司", "张一", ID_P1).await;
    // A bad USCC is refused by field.
    let r = w
        .post(
            &admin,
            "/api/v1/organisations",
            json!({ "uscc": "91440802MA5XXXXX0", "name": "乙公司", "legal_representative": "张一" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rules_of(&r)[0].0.starts_with("uscc"));
    // The agent cannot act for the enterprise before a grant.
    let r = w
        .post(&agent, "/api/v1/me/acting-as", json!({ "org_id": org }))
        .await;
    assert_eq!(r.code(), "auth.not_acting_for");
    // A name that does not match the number is refused without telling which is wrong.
    let r = w
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/agents"),
            json!({ "name": "王四", "id_number": ID_P3, "scopes": ["apply"], "until": "2027-06-30" }),
        )
        .await;
    assert_eq!(
        rules_of(&r),
        vec![("id_number".into(), "agent.not_found".into())]
    );
    let r = w
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/agents"),
            json!({ "name": "王三", "id_number": ID_P3, "scopes": ["apply", "licences"], "until": "2027-06-30" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let grant = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["id_number"], "440811********0017");
    // The agent acts for the enterprise; the session says so, and so does the audit log.
    let r = w
        .post(&agent, "/api/v1/me/acting-as", json!({ "org_id": org }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["acting_for"]["uscc"], usc.as_str());
    let me = w.get(&agent, "/api/v1/auth/me").await.json();
    assert_eq!(me["acting_for"]["uscc"], usc.as_str());
    assert_eq!(me["acting_for"]["scopes"], json!(["apply", "licences"]));
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=auth.act_as")
        .await
        .json();
    assert_eq!(log[0]["acting_for"], format!("org:{usc}"));
    // The agent cannot manage the enterprise's agents.
    let r = w
        .get(&agent, &format!("/api/v1/organisations/{org}/agents"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Revocation takes effect on the agent's very next request.
    let r = w
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/agents/{grant}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    // Revoking it again: 409, and the answer is in the document (found by the generated-request
    // run, docs/fuzzing.md).
    let r = w
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/agents/{grant}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.code(), "invalid_state");
    let me = w.get(&agent, "/api/v1/auth/me").await.json();
    assert!(me["acting_for"].is_null(), "{me}");
    let r = w
        .post(&agent, "/api/v1/me/acting-as", json!({ "org_id": org }))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "auth.not_acting_for");
    let grants = w
        .get(&admin, &format!("/api/v1/organisations/{org}/agents"))
        .await
        .json();
    assert_eq!(grants[0]["status"], "revoked");
    // An expired grant ends the same way.
    let r = w
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/agents"),
            json!({ "name": "王三", "id_number": ID_P3, "scopes": ["cases"], "until": "2026-11-23" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = w
        .post(&agent, "/api/v1/me/acting-as", json!({ "org_id": org }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    w.clock.advance(Duration::days(2));
    let fresh = client_of(&person_sign_in(&w, ID_P3, PASSWORD).await);
    let r = w
        .post(&fresh, "/api/v1/me/acting-as", json!({ "org_id": org }))
        .await;
    assert_eq!(r.code(), "auth.not_acting_for");
}

#[tokio::test]
async fn the_three_administrators_cannot_do_each_others_jobs() {
    let w = World::new().await;
    let sys = w.sign_in("sysadmin").await;
    let sec = w.sign_in("security").await;
    let aud = w.sign_in("auditor").await;
    // The system administrator creates accounts, but cannot grant roles.
    let r = w
        .post(
            &sys,
            "/api/v1/staff",
            json!({ "username": "newbie", "name": "新同事", "department_id": w.city_scjg, "roles": ["catalog_editor"], "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w
        .post(
            &sys,
            "/api/v1/staff",
            json!({ "username": "newbie", "name": "新同事", "department_id": w.city_scjg, "roles": [], "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let r = w
        .put(
            &sys,
            &format!("/api/v1/staff/{id}/roles"),
            json!({ "roles": ["catalog_editor"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The security administrator grants roles, but not two administrator roles to one account,
    // and not to themself; and cannot create accounts or read the audit log.
    let r = w
        .put(
            &sec,
            &format!("/api/v1/staff/{id}/roles"),
            json!({ "roles": ["catalog_editor"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .put(
            &sec,
            &format!("/api/v1/staff/{id}/roles"),
            json!({ "roles": ["system_admin", "audit_admin"] }),
        )
        .await;
    assert_eq!(
        rules_of(&r),
        vec![("roles".into(), "roles.separation_of_duties".into())]
    );
    let me = w.get(&sec, "/api/v1/auth/me").await.json();
    let r = w.get(&sys, "/api/v1/staff?size=100").await.json();
    let sec_id = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == me["username"])
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = w
        .put(
            &sec,
            &format!("/api/v1/staff/{sec_id}/roles"),
            json!({ "roles": ["security_admin", "catalog_admin"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (who, c, method, path) in [
        ("security", &sec, Method::POST, "/api/v1/staff"),
        ("security", &sec, Method::GET, "/api/v1/audit"),
        ("system", &sys, Method::GET, "/api/v1/audit"),
        ("system", &sys, Method::POST, "/api/v1/api-tokens"),
        ("audit", &aud, Method::GET, "/api/v1/staff"),
        ("audit", &aud, Method::POST, "/api/v1/keys/rotate"),
        ("audit", &aud, Method::PUT, "/api/v1/items/x/draft"),
    ] {
        let r = w.json(c, method, path, json!({})).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{who} administrator: {path}: {}",
            r.text()
        );
    }
    // None of them can look people up (and so none reads applicants' data).
    for c in [&sys, &sec, &aud] {
        let r = w
            .post(c, "/api/v1/people/lookup", json!({ "id_number": ID_P1 }))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // The audit administrator reads the log, including these refusals.
    let r = w
        .get(&aud, "/api/v1/audit?action=auth.denied&limit=100")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json().as_array().unwrap().len() >= 10, "{}", r.text());
    // Deactivation ends the account's sessions at once.
    let newbie_pw = w.sign_in("editor").await;
    let r = w.get(&sys, "/api/v1/staff?size=100").await.json();
    let editor_id = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "editor")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = w
        .post(
            &sys,
            &format!("/api/v1/staff/{editor_id}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w.get(&newbie_pw, "/api/v1/admin/items").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_tokens_carry_their_scopes_within_their_department() {
    let w = World::new().await;
    let sec = w.sign_in("security").await;
    // Administrator powers never go into a token.
    let r = w
        .post(
            &sec,
            "/api/v1/api-tokens",
            json!({ "name": "审批系统", "department_id": w.city_scjg, "permissions": ["roles.manage"], "days": 30 }),
        )
        .await;
    assert_eq!(rules_of(&r)[0].0, "permissions[0]");
    let r = w
        .post(
            &sec,
            "/api/v1/api-tokens",
            json!({ "name": "市场监管审批系统", "department_id": w.city_scjg, "permissions": ["catalog.edit"], "days": 30 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let id = r.json()["id"].as_i64().unwrap();
    let list = w.get(&sec, "/api/v1/api-tokens").await;
    assert!(
        !list.text().contains(&token),
        "the secret is shown once only"
    );
    let bearer = |t: &str| {
        let w = &w;
        let t = t.to_string();
        move |method: Method, path: &str, body: serde_json::Value| {
            let path = path.to_string();
            let t = t.clone();
            async move {
                use axum::body::Body;
                use http_body_util::BodyExt;
                use tower::ServiceExt;
                let req = axum::http::Request::builder()
                    .method(method)
                    .uri(path)
                    .header("host", "localhost")
                    .header("authorization", format!("Bearer {t}"))
                    .header("content-type", "application/json")
                    .body(Body::from(serde_json::to_vec(&body).unwrap()))
                    .unwrap();
                let resp = w.app.clone().oneshot(req).await.unwrap();
                let status = resp.status();
                let body = resp.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8_lossy(&body).into_owned())
            }
        }
    };
    let call = bearer(&token);
    // Its own department: allowed, without any CSRF token (no cookie, no ambient credential).
    let (s, b) = call(
        Method::POST,
        "/api/v1/items",
        json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // Another department, or a permission it lacks: refused.
    let (s, _) = call(
        Method::POST,
        "/api/v1/items",
        json!({ "basic_code": "000117008000", "department_id": w.chikan_scjg }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(Method::GET, "/api/v1/staff", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Forged, revoked and expired tokens answer 401 auth.token_rejected.
    let (s, b) = bearer("yw_forged")(Method::GET, "/api/v1/items", json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(b.contains("auth.token_rejected"));
    let r = w
        .post(&sec, &format!("/api/v1/api-tokens/{id}/revoke"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let (s, _) = call(Method::GET, "/api/v1/items", json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let r = w
        .post(
            &sec,
            "/api/v1/api-tokens",
            json!({ "name": "短期系统", "department_id": w.city_scjg, "permissions": ["catalog.edit"], "days": 1 }),
        )
        .await;
    let short = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer(&short)(Method::GET, "/api/v1/items", json!({}))
            .await
            .0,
        StatusCode::OK
    );
    w.clock.advance(Duration::days(2));
    assert_eq!(
        bearer(&short)(Method::GET, "/api/v1/items", json!({}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // A forged session cookie is simply no session.
    let forged = Client {
        cookie: Some("yiwang_session=forged-token-value".into()),
        csrf: Some("x".into()),
    };
    let r = w.get(&forged, "/api/v1/admin/items").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn full_numbers_are_revealed_only_with_a_reason_and_audited_and_keys_rotate() {
    let w = World::new().await;
    register(&w, "张一", ID_P1, "13812345678").await;
    let officer = w.sign_in("idofficer").await;
    let r = w
        .post(
            &officer,
            "/api/v1/people/lookup",
            json!({ "id_number": ID_P1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["id_number"], "440802********1238");
    assert_eq!(r.json()["phone"], "138****5678");
    let r = w
        .post(
            &officer,
            "/api/v1/people/lookup",
            json!({ "id_number": ID_P1, "reveal": true }),
        )
        .await;
    assert_eq!(
        rules_of(&r),
        vec![("reason".into(), "reason.required".into())]
    );
    let r = w
        .post(
            &officer,
            "/api/v1/people/lookup",
            json!({ "id_number": ID_P1, "reveal": true, "reason": "窗口核验申请人身份" }),
        )
        .await;
    assert_eq!(r.json()["id_number"], ID_P1);
    assert_eq!(r.json()["phone"], "13812345678");
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=personal_data.reveal")
        .await
        .json();
    assert_eq!(log[0]["reason"], "窗口核验申请人身份");
    assert_eq!(log[0]["actor"], "staff:idofficer");
    // Key rotation re-encrypts while serving; old sessions and sign-in keep working.
    let sec = w.sign_in("security").await;
    let r = w.post(&sec, "/api/v1/keys/rotate", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["key_id"], "k2");
    assert_eq!(r.json()["rewrapped_rows"], 1);
    let mut db = w.state.db.clone();
    let (enc,): (String,) =
        yiwang_store::Conn::fetch_one(&mut db, "SELECT id_number_enc FROM people", &[])
            .await
            .unwrap();
    assert!(enc.starts_with("v1.k2."), "{enc}");
    assert_eq!(
        person_sign_in(&w, ID_P1, PASSWORD).await.status,
        StatusCode::OK
    );
    let r = w
        .post(
            &officer,
            "/api/v1/people/lookup",
            json!({ "id_number": ID_P1 }),
        )
        .await;
    assert_eq!(r.json()["id_number"], "440802********1238");
}

/// Tokens hold only what a department system needs (an allow-list): the calendar, the
/// administrators' powers and personal data stay with people — even for a token row written
/// before the allow-list (issue 11, finding 3).
#[tokio::test]
async fn a_token_never_rewrites_the_calendar() {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    use yiwang_store::{Conn, args};
    let w = World::new().await;
    let sec = w.sign_in("security").await;
    for perm in [
        "calendar.manage",
        "personal_data.reveal",
        "people.read",
        "org.verify",
        "case.supervise",
        "licence.manage",
    ] {
        let r = w
            .post(
                &sec,
                "/api/v1/api-tokens",
                json!({ "name": "审批系统", "department_id": w.city_scjg, "permissions": [perm], "days": 30 }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{perm}");
        assert_eq!(rules_of(&r)[0].0, "permissions[0]", "{perm}");
    }
    let r = w
        .post(
            &sec,
            "/api/v1/api-tokens",
            json!({ "name": "审批系统", "department_id": w.city_scjg, "permissions": ["catalog.edit"], "days": 30 }),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    let id = r.json()["id"].as_i64().unwrap();
    // A token row that holds the calendar permission anyway (issued before the allow-list).
    let mut db = w.state.db.clone();
    db.execute(
        "UPDATE api_tokens SET permissions = 'catalog.edit,calendar.manage' WHERE id = $1",
        args![id],
    )
    .await
    .unwrap();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/calendar/years/2027?replace=true")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(Body::from(
            "date,kind,occasion_zh,occasion_en\n2027-01-04,holiday,假,Fake\n",
        ))
        .unwrap();
    let resp = w.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let years = w.get(&w.anonymous(), "/api/v1/calendar/years").await.text();
    assert!(!years.contains("2027"), "{years}");
}
