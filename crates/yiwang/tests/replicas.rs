//! Several replicas (issue 17): two real `yiwang serve` processes share one PostgreSQL database
//! and one SeaweedFS bucket, and consecutive requests land on different processes, as behind a
//! load balancer with no session affinity. A citizen registers on one and uploads on the other;
//! the application is made on the first with the ticket the second issued (the file is in the
//! bucket) and retried with the same `Idempotency-Key` on the second (one case); a clerk accepts
//! on one, officers claim and approve alternating; the licence the decision sealed verifies on
//! the first. Concurrent clerks (and officers) on both replicas get one winner and one 409.
//! Lockouts count failures from both; a catalog change committed elsewhere reaches both
//! searches; the material file and the licence read back from either.
//!
//! Runs in the PostgreSQL pass (`YIWANG_TEST_DATABASE_URL`): it creates a database of its own
//! on that server and drops it at the end. Without `weed` it skips with a reason, except under
//! `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use yiwang_files::testing::{Seaweed, pdf_with};
use yiwang_kernel::auth::Ctx;
use yiwang_store::{Conn, Db, DbOptions};

mod common;

const PASSWORD: &str = "Replica@2026pass";
const ID_NUMBER: &str = "440802198805120013";
const PHONE: &str = "13800759001";

type Http = Client<HttpConnector, Full<Bytes>>;

/// A database of this test's own on the server `YIWANG_TEST_DATABASE_URL` names; dropped (with
/// its connections) at the end.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create(server: &str) -> PgDatabase {
        let (base, _) = server
            .rsplit_once('/')
            .expect("YIWANG_TEST_DATABASE_URL is postgres://…/database");
        let base = base.to_string();
        let name = format!("yiwang_replicas_{:08x}", rand_u32());
        let admin = format!("{base}/postgres");
        let db = Db::connect(&admin, DbOptions::default()).await.unwrap();
        let mut c = db.clone();
        c.execute(&format!("CREATE DATABASE {name}"), &[])
            .await
            .unwrap();
        db.close().await;
        let url = format!("{base}/{name}");
        PgDatabase { admin, name, url }
    }

    async fn drop_now(admin: String, name: String) {
        let db = Db::connect(&admin, DbOptions::default()).await.unwrap();
        let mut c = db.clone();
        c.execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
            .await
            .unwrap();
        db.close().await;
    }
}

/// Dropped also when the test fails (on a thread of its own: no runtime to block here).
impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(PgDatabase::drop_now(admin, name));
            }
        })
        .join();
    }
}

fn rand_u32() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    t.subsec_nanos() ^ std::process::id().rotate_left(16)
}

/// The elements of 食品经营许可证核发 for natural persons, whose form carries the licence's
/// face fields (`shop`, `area`), so that a grant issues the licence (出证办结).
fn elements() -> yiwang_catalog::model::Elements {
    let mut e = common::food_licence_elements();
    e["form"] = json!([
        {"key": "shop", "label": "店铺名称", "kind": "text", "required": true},
        {"key": "area", "label": "经营面积（平方米）", "kind": "number", "required": true,
         "min": 1, "max": 100000}
    ]);
    serde_json::from_value(e).unwrap()
}

/// Publishes an item of basic item `basic` (named `name`) for `dept`; its code.
async fn publish(
    catalog: &yiwang_catalog::CatalogService,
    dept: i64,
    basic: &str,
    name: &str,
) -> String {
    let sys = Ctx::system("test");
    catalog
        .create_basic(
            &sys,
            &yiwang_catalog::model::BasicItemInput {
                code: basic.into(),
                name: name.into(),
                item_type: "01".into(),
                legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
                statutory_limit: Some(20),
                statutory_unit: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let item = catalog
        .claim(
            &sys,
            &yiwang_catalog::ClaimInput {
                basic_code: basic.into(),
                department_id: dept,
                division_code: None,
                code: None,
            },
        )
        .await
        .unwrap();
    catalog
        .save_draft(&sys, &item.code, &elements(), None)
        .await
        .unwrap();
    catalog.submit(&sys, &item.code).await.unwrap();
    catalog.approve(&sys, &item.code, "同意").await.unwrap();
    item.code
}

/// The city: a market regulator (its item, officers and licence type) and the service
/// centre's clerks, made in process before the replicas start. Answers the item's code and the
/// key ring both replicas are given (`YIWANG_MASTER_KEYS`), as an operator would.
async fn prepare(db: &Db, keys_dir: &std::path::Path) -> (String, String, i64) {
    yiwang_store::migrate(db).await.unwrap();
    let clock: Arc<dyn yiwang_kernel::clock::Clock> = Arc::new(yiwang_kernel::clock::SystemClock);
    let sys = Ctx::system("test");
    let org = yiwang_org::OrgService::new(db.clone(), clock.clone());
    let dept = |name: &str, body: &str, kind: &str| yiwang_org::DepartmentInput {
        uscc: yiwang_kernel::codes::Uscc::from_body(body)
            .unwrap()
            .to_string(),
        name: name.into(),
        division_code: "440800".into(),
        kind: kind.into(),
        phone: "0759-3100000".into(),
        ..Default::default()
    };
    let scjg = org
        .create_department(
            &sys,
            &dept("湛江市市场监督管理局", "11440800MB2C12340", "bureau"),
        )
        .await
        .unwrap()
        .id;
    let zsj = org
        .create_department(
            &sys,
            &dept(
                "湛江市政务服务和数据管理局",
                "11440800MB2C56780",
                "service_admin",
            ),
        )
        .await
        .unwrap()
        .id;
    let catalog = yiwang_catalog::CatalogService::new(db.clone(), clock.clone());
    let code = publish(&catalog, scjg, "000117008000", "食品经营许可证核发").await;
    let keys = yiwang_identity::Keys::load(keys_dir).unwrap();
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        clock.clone(),
        yiwang_identity::IdentityConfig::default(),
        keys.clone(),
    );
    let licences = yiwang_licences::LicenceService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        identity.clone(),
    );
    licences
        .define_type(
            &sys,
            &yiwang_licences::LicenceType {
                code: "11100000MB0143235W001".into(),
                name: "食品经营许可证".into(),
                definer_name: "国家市场监督管理总局".into(),
                holder_type: "person".into(),
                face_schema: json!([
                    {"key": "shop", "label": "店铺名称", "kind": "text", "required": true},
                    {"key": "area", "label": "经营面积", "kind": "number", "required": true}
                ])
                .to_string(),
                validity_years: 5,
            },
        )
        .await
        .unwrap();
    for (username, d, role) in [
        ("clerk", zsj, "case_clerk"),
        ("clerk2", zsj, "case_clerk"),
        ("officer", scjg, "case_officer"),
        ("officer2", scjg, "case_officer"),
    ] {
        identity
            .create_staff(
                &sys,
                &yiwang_identity::service::StaffInput {
                    username: username.into(),
                    name: format!("测试{username}"),
                    department_id: d,
                    roles: vec![role.into()],
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
    }
    let ring = std::fs::read_to_string(keys_dir.join("keys.json")).unwrap();
    (code, ring, scjg)
}

/// A replica: `yiwang serve` on the shared database and bucket, with its own (empty) data
/// directory, on a free port; answers once it accepts connections.
struct Replica {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Replica {
    async fn start(db_url: &str, ring: &str, w: &Seaweed) -> Replica {
        let dir = tempfile::tempdir().unwrap();
        let listen = common::free_listen();
        let mut c = Command::new(env!("CARGO_BIN_EXE_yiwang"));
        c.args([
            "serve",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--database-url",
            db_url,
            "--files",
            "s3://yiwang/city",
            "--listen",
            &listen,
        ])
        .env_remove("YIWANG_DEMO")
        .env_remove("YIWANG_CONFIG")
        .env_remove("YIWANG_LOG_FORMAT")
        .env_remove("AWS_SESSION_TOKEN")
        .env("YIWANG_MASTER_KEYS", ring)
        .env("YIWANG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in w.env() {
            c.env(k, v);
        }
        let child = c.spawn().expect("start yiwang serve");
        Replica {
            child: common::listening(child, &listen, 30).await,
            base: format!("http://{listen}"),
            _dir: dir,
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Default)]
struct Session {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    body: Bytes,
    cookie: Option<String>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

async fn call(
    http: &Http,
    method: &str,
    url: &str,
    s: &Session,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Answer {
    let mut req = hyper::Request::builder().method(method).uri(url);
    if !s.cookie.is_empty() {
        req = req
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = http
        .request(req.body(Full::new(body)).unwrap())
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body,
        cookie,
    }
}

async fn get(http: &Http, base: &str, path: &str, s: &Session) -> Answer {
    call(http, "GET", &format!("{base}{path}"), s, &[], Bytes::new()).await
}

async fn post(http: &Http, base: &str, path: &str, s: &Session, body: Value) -> Answer {
    call(
        http,
        "POST",
        &format!("{base}{path}"),
        s,
        &[("content-type", "application/json")],
        Bytes::from(body.to_string()),
    )
    .await
}

fn session_of(a: &Answer) -> Session {
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    Session {
        cookie: a.cookie.clone().expect("a session cookie"),
        csrf: a.json()["csrf_token"].as_str().unwrap().to_string(),
    }
}

async fn staff(http: &Http, base: &str, username: &str) -> Session {
    session_of(
        &post(
            http,
            base,
            "/api/v1/auth/sign-in",
            &Session::default(),
            json!({"username": username, "password": PASSWORD}),
        )
        .await,
    )
}

fn revision(v: &Value) -> i64 {
    v["revision"].as_i64().unwrap()
}

/// Uploads a PDF on `base`; its ticket.
async fn upload(http: &Http, base: &str, s: &Session, note: &str) -> String {
    let a = call(
        http,
        "POST",
        &format!("{base}/api/v1/me/uploads?name=form.pdf"),
        s,
        &[("content-type", "application/octet-stream")],
        Bytes::from(pdf_with(note)),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    a.json()["ticket"].as_str().unwrap().to_string()
}

/// Applies on `base` with `key`.
async fn apply(http: &Http, base: &str, s: &Session, item: &str, key: &str, t: &str) -> Answer {
    call(
        http,
        "POST",
        &format!("{base}/api/v1/me/cases"),
        s,
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Bytes::from(
            json!({"item_code": item, "form": {"shop": "海滨小馆", "area": "36.5"},
                   "materials": [{"entry": "M01", "ticket": t}]})
            .to_string(),
        ),
    )
    .await
}

/// The same request sent to both replicas at once: the two statuses, sorted.
async fn race(
    http: &Http,
    bases: [&str; 2],
    path: &str,
    who: [&Session; 2],
    body: Value,
) -> Vec<u16> {
    let (a, b) = tokio::join!(
        post(http, bases[0], path, who[0], body.clone()),
        post(http, bases[1], path, who[1], body.clone())
    );
    for x in [&a, &b] {
        assert!(
            x.status == StatusCode::OK || x.status == StatusCode::CONFLICT,
            "{path}: {} {}",
            x.status,
            x.text()
        );
        if x.status == StatusCode::CONFLICT {
            assert!(x.json()["error"]["code"].is_string(), "{}", x.text());
        }
    }
    let mut s = vec![a.status.as_u16(), b.status.as_u16()];
    s.sort_unstable();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_database_and_bucket_take_a_case_to_its_licence() {
    let Ok(server) = std::env::var(yiwang_store::testing::TEST_DATABASE_URL) else {
        eprintln!(
            "YIWANG_TEST_DATABASE_URL is not set: the two-replica test runs in the PostgreSQL \
             pass of .ci/run (replicas need PostgreSQL)"
        );
        return;
    };
    let Some(weed) = Seaweed::start().unwrap_or_else(|e| panic!("{e}")) else {
        return;
    };
    weed.create_bucket("yiwang").unwrap();
    let pg = PgDatabase::create(server.trim()).await;
    let keys_dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&pg.url, DbOptions::default()).await.unwrap();
    let (item, ring, scjg) = prepare(&db, keys_dir.path()).await;
    std::fs::remove_file(keys_dir.path().join("keys.json")).unwrap();

    let replicas = [
        Replica::start(&pg.url, &ring, &weed).await,
        Replica::start(&pg.url, &ring, &weed).await,
    ];
    let (a, b) = (replicas[0].base.as_str(), replicas[1].base.as_str());
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let anon = Session::default();

    // Both search the published item; a catalog change committed elsewhere (here: this test's
    // own connection, as another replica or the CLI would) reaches both indexes.
    for base in [a, b] {
        let r = get(&http, base, "/api/v1/items?q=食品经营", &anon).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["total"], 1, "{base}: {}", r.text());
    }
    let catalog = yiwang_catalog::CatalogService::new(
        db.clone(),
        Arc::new(yiwang_kernel::clock::SystemClock),
    );
    publish(&catalog, scjg, "000117009000", "食品经营许可证延续").await;
    for base in [a, b] {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let r = get(&http, base, "/api/v1/items?q=食品经营", &anon).await;
            if r.json()["total"] == 2 {
                break;
            }
            assert!(
                Instant::now() < until,
                "{base} still finds {} items: {}",
                r.json()["total"],
                r.text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // The citizen registers on A; the session (and its CSRF token) works on B.
    let me = session_of(
        &post(
            &http,
            a,
            "/api/v1/people/register",
            &anon,
            json!({"name": "陈小明", "id_number": ID_NUMBER, "phone": PHONE,
                   "password": PASSWORD}),
        )
        .await,
    );
    let r = get(&http, b, "/api/v1/me", &me).await;
    assert_eq!(r.status, StatusCode::OK, "session on B: {}", r.text());
    // Without the CSRF token B refuses the write, as A would.
    let no_csrf = Session {
        cookie: me.cookie.clone(),
        csrf: "wrong".into(),
    };
    let r = call(
        &http,
        "POST",
        &format!("{b}/api/v1/me/uploads?name=form.pdf"),
        &no_csrf,
        &[("content-type", "application/octet-stream")],
        Bytes::from(pdf_with("no csrf")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // Upload on B, apply on A with B's ticket, retry with the same key on B: one case.
    let ticket = upload(&http, b, &me, "application form").await;
    let first = apply(&http, a, &me, &item, "replica-key-1", &ticket).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let case = first.json();
    let no = case["case_no"].as_str().unwrap().to_string();
    let sha = case["materials"][0]["sha"].as_str().unwrap().to_string();
    let again = apply(&http, b, &me, &item, "replica-key-1", &ticket).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["case_no"], no.as_str());
    let mine = get(&http, b, "/api/v1/me/cases?size=10", &me).await.json();
    assert_eq!(mine["total"], 1, "one case for one key: {mine}");

    // The clerk signs in on A and accepts on B; officers claim on A and approve on B.
    let clerk = staff(&http, a, "clerk").await;
    let r = post(
        &http,
        b,
        &format!("/api/v1/cases/{no}/accept"),
        &clerk,
        json!({"revision": revision(&case)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "handling");
    let file = get(
        &http,
        a,
        &format!("/api/v1/cases/{no}/materials/{sha}"),
        &clerk,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text());
    assert_eq!(file.body.as_ref(), pdf_with("application form").as_slice());
    let officer = staff(&http, b, "officer").await;
    let mut v = Value::Null;
    for step in 0..2 {
        let r = post(
            &http,
            a,
            &format!("/api/v1/cases/{no}/actions"),
            &officer,
            json!({"action": "claim"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "claim {step}: {}", r.text());
        let r = post(
            &http,
            b,
            &format!("/api/v1/cases/{no}/actions"),
            &officer,
            json!({"action": "approve", "opinion": "同意", "revision": revision(&r.json())}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "approve {step}: {}", r.text());
        v = r.json();
    }
    assert_eq!(v["status"], "concluded", "{v}");
    assert_eq!(v["result_code"], "0", "出证办结: {v}");
    let identifier = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "licence_issued")
        .and_then(|e| e["data"]["identifier"].as_str())
        .unwrap_or_else(|| panic!("no licence issued: {v}"))
        .to_string();

    // The licence sealed on B verifies on A, is in the wallet on A, and its PDF draws on both.
    let r = get(
        &http,
        a,
        &format!("/api/v1/licences/verify?identifier={identifier}"),
        &anon,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["verdict"], "valid", "{}", r.text());
    let wallet = get(&http, a, "/api/v1/me/licences", &me).await.json();
    assert_eq!(wallet[0]["identifier"], identifier.as_str(), "{wallet}");
    let pdfs: Vec<Bytes> = {
        let mut out = Vec::new();
        for base in [a, b] {
            let r = get(
                &http,
                base,
                &format!("/api/v1/me/licences/{identifier}/pdf"),
                &me,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{base}: {}", r.text());
            assert!(r.body.starts_with(b"%PDF-"), "{base}");
            out.push(r.body);
        }
        out
    };
    assert_eq!(
        pdfs[0], pdfs[1],
        "the licence PDF is drawn the same on both"
    );

    // Concurrent clerks on both replicas: one accepts, the other gets 409 — five cases over.
    let clerk2 = staff(&http, b, "clerk2").await;
    let officer2 = staff(&http, a, "officer2").await;
    for n in 0..5 {
        let t = upload(&http, a, &me, &format!("race {n}")).await;
        let r = apply(&http, b, &me, &item, &format!("race-{n}"), &t).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let c = r.json();
        let no = c["case_no"].as_str().unwrap().to_string();
        let accept = race(
            &http,
            [a, b],
            &format!("/api/v1/cases/{no}/accept"),
            [&clerk, &clerk2],
            json!({"revision": revision(&c)}),
        )
        .await;
        assert_eq!(accept, vec![200, 409], "accept of {no}");
        // Two officers claim the same step at once: one holds it.
        let claim = race(
            &http,
            [a, b],
            &format!("/api/v1/cases/{no}/actions"),
            [&officer2, &officer],
            json!({"action": "claim"}),
        )
        .await;
        assert_eq!(claim, vec![200, 409], "claim of {no}");
    }

    // Lockout counts failures on both replicas: five wrong passwords alternating lock the
    // account everywhere, the right password included.
    for n in 0..5 {
        let base = if n % 2 == 0 { a } else { b };
        let r = post(
            &http,
            base,
            "/api/v1/auth/sign-in",
            &anon,
            json!({"username": "officer2", "password": "wrong-password-1"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    }
    for base in [a, b] {
        let r = post(
            &http,
            base,
            "/api/v1/auth/sign-in",
            &anon,
            json!({"username": "officer2", "password": PASSWORD}),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{base}: {}",
            r.text()
        );
        assert_eq!(
            r.json()["error"]["code"],
            "auth.locked",
            "{base}: {}",
            r.text()
        );
    }

    db.close().await;
    drop(http);
    drop(replicas);
    drop(pg);
}
