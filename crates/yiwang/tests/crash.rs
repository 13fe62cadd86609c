//! The real `yiwang serve` on an SQLite data directory is killed with SIGKILL while applicants
//! submit applications (an upload, then the application with its own `Idempotency-Key`), and
//! started again on the same directory: every application that was acknowledged (201) is there
//! with its material file readable, and every application whose answer was lost, retried with
//! the same key, answers its case if it was committed or creates it now — each key one case.
//!
//! The server runs SQLite's group commit (issue 17): 24 concurrent applicants, whose new cases
//! are written in groups (the applications waiting while one transaction commits share the
//! next, `cases::service::create`) and whose commits share syncs of the log (reported from
//! `/metrics` before the kill), none acknowledged before the sync that covers it. A `kill -9` loses no page the process had written, so what this
//! shows is that acknowledging after the shared sync keeps every acknowledged case through a
//! crash and replay; that the sync reaches the disk is shown in `yiwang-store`'s tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use yiwang_kernel::auth::Ctx;
use yiwang_store::{Db, DbOptions};

mod common;

const PASSWORD: &str = "Crash@2026pass";
const CLIENTS: usize = 24;

type Http = Client<HttpConnector, Full<Bytes>>;

fn pdf(n: u64) -> Bytes {
    Bytes::from(format!(
        "%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n% crash test material {n}\ntrailer <<>>\n%%EOF\n"
    ))
}

/// A published item of a market regulator with one checklist entry to upload (`M01`), and a
/// case officer who may read the files; made in process before the server starts.
async fn prepare(dir: &std::path::Path) -> String {
    let db = Db::connect(
        &format!("sqlite://{}", dir.join("yiwang.db").display()),
        DbOptions::default(),
    )
    .await
    .unwrap();
    yiwang_store::migrate(&db).await.unwrap();
    let clock: Arc<dyn yiwang_kernel::clock::Clock> = Arc::new(yiwang_kernel::clock::SystemClock);
    let sys = Ctx::system("test");
    let dept = yiwang_org::OrgService::new(db.clone(), clock.clone())
        .create_department(
            &sys,
            &yiwang_org::DepartmentInput {
                uscc: yiwang_kernel::codes::Uscc::from_body("11440800MB2C12340")
                    .unwrap()
                    .to_string(),
                name: "湛江市市场监督管理局".into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: "0759-3100000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let catalog = yiwang_catalog::CatalogService::new(db.clone(), clock.clone());
    catalog
        .create_basic(
            &sys,
            &yiwang_catalog::model::BasicItemInput {
                code: "000117008000".into(),
                name: "食品经营许可证核发".into(),
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
                basic_code: "000117008000".into(),
                department_id: dept.id,
                division_code: None,
                code: None,
            },
        )
        .await
        .unwrap();
    let mut e = serde_json::to_value(item.open.unwrap().elements).unwrap();
    let more = common::food_licence_elements();
    for (k, v) in more.as_object().unwrap() {
        e[k] = v.clone();
    }
    let e: yiwang_catalog::model::Elements = serde_json::from_value(e).unwrap();
    catalog
        .save_draft(&sys, &item.code, &e, None)
        .await
        .unwrap();
    catalog.submit(&sys, &item.code).await.unwrap();
    catalog.approve(&sys, &item.code, "同意").await.unwrap();
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        clock,
        yiwang_identity::IdentityConfig::default(),
        yiwang_identity::Keys::load(dir).unwrap(),
    );
    identity
        .create_staff(
            &sys,
            &yiwang_identity::service::StaffInput {
                username: "officer".into(),
                name: "测试审批员".into(),
                department_id: dept.id,
                roles: vec!["case_officer".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    db.close().await;
    item.code
}

/// `yiwang serve` on `dir`, listening on a free port; answers once `/healthz` does.
async fn start(dir: &std::path::Path) -> (Child, String) {
    let listen = common::free_listen();
    let child = Command::new(env!("CARGO_BIN_EXE_yiwang"))
        .args([
            "serve",
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            &listen,
        ])
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_MASTER_KEYS")
        .env_remove("YIWANG_DEMO")
        .env("YIWANG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start yiwang serve");
    let child = common::listening(child, &listen, 20).await;
    (child, format!("http://{listen}"))
}

#[derive(Clone, Default)]
struct Session {
    cookie: String,
    csrf: String,
}

async fn call(
    http: &Http,
    method: &str,
    url: &str,
    s: &Session,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Result<(StatusCode, Bytes, Option<String>), String> {
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
        .request(req.body(Full::new(body)).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body, cookie))
}

async fn sign_in(http: &Http, base: &str, path: &str, body: Value) -> Session {
    let (status, b, cookie) = call(
        http,
        "POST",
        &format!("{base}{path}"),
        &Session::default(),
        &[("content-type", "application/json")],
        Bytes::from(body.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let v: Value = serde_json::from_slice(&b).unwrap();
    Session {
        cookie: cookie.unwrap(),
        csrf: v["csrf_token"].as_str().unwrap().to_string(),
    }
}

/// A summary's `_sum` and `_count` in the Prometheus text of `/metrics`.
async fn summary(http: &Http, base: &str, name: &str) -> (f64, f64) {
    let (status, b, _) = call(
        http,
        "GET",
        &format!("{base}/metrics"),
        &Session::default(),
        &[],
        Bytes::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8_lossy(&b).to_string();
    let value = |suffix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{suffix} ")))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{name}{suffix} missing from /metrics"))
    };
    (value("_sum"), value("_count"))
}

/// Uploads file `n`; its ticket.
async fn upload(http: &Http, base: &str, s: &Session, n: u64) -> Result<String, String> {
    let (status, b, _) = call(
        http,
        "POST",
        &format!("{base}/api/v1/me/uploads?name=form-{n}.pdf"),
        s,
        &[("content-type", "application/octet-stream")],
        pdf(n),
    )
    .await?;
    if status != StatusCode::CREATED {
        return Err(format!("upload {status}"));
    }
    let v: Value = serde_json::from_slice(&b).map_err(|e| e.to_string())?;
    Ok(v["ticket"].as_str().unwrap_or_default().to_string())
}

/// Applies with `key`; the status and the case number.
async fn apply(
    http: &Http,
    base: &str,
    s: &Session,
    item: &str,
    key: &str,
    ticket: &str,
) -> Result<(StatusCode, String), String> {
    let body = json!({"item_code": item, "materials": [{"entry": "M01", "ticket": ticket}]});
    let (status, b, _) = call(
        http,
        "POST",
        &format!("{base}/api/v1/me/cases"),
        s,
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Bytes::from(body.to_string()),
    )
    .await?;
    let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
    Ok((
        status,
        v["case_no"].as_str().unwrap_or_default().to_string(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_applications_survive_kill_9_and_retries_create_each_case_once() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let item = prepare(dir.path()).await;
    let (mut server, base) = start(dir.path()).await;
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let r = call(
        &http,
        "POST",
        &format!("{base}/api/v1/people/register"),
        &Session::default(),
        &[("content-type", "application/json")],
        Bytes::from(
            json!({"name": "陈小明", "id_number": "440802198805120013", "phone": "13800759001",
                   "password": PASSWORD})
            .to_string(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.0, StatusCode::OK, "{}", String::from_utf8_lossy(&r.1));
    let me = Session {
        cookie: r.2.unwrap(),
        csrf: serde_json::from_slice::<Value>(&r.1).unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_string(),
    };

    // Load: each client uploads a new file and applies with a new key, until the server dies.
    // `sent`: every key whose application went out, with its file number; `acked`: key → case.
    let sent: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, me, item) = (http.clone(), base.clone(), me.clone(), item.clone());
        let (sent, acked) = (sent.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0u64.. {
                let n = (c as u64) * 1_000_000 + i;
                let Ok(ticket) = upload(&http, &base, &me, n).await else {
                    return;
                };
                let key = format!("crash-{c}-{i}");
                sent.lock().unwrap().insert(key.clone(), n);
                match apply(&http, &base, &me, &item, &key, &ticket).await {
                    Ok((StatusCode::CREATED, no)) => {
                        acked.lock().unwrap().insert(key, no);
                    }
                    Ok((status, _)) => panic!("{key}: {status} before the crash"),
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill mid-load, once enough applications were acknowledged.
    let until = Instant::now() + Duration::from_secs(8);
    while acked.lock().unwrap().len() < 40 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // How many commits shared each sync of the log: printed, not asserted — whether commits
    // overlap depends on the machine's speed (a fast disk and a busy CPU give one per sync);
    // sharing itself is proven by crates/store's group-commit tests.
    let (commits, syncs) = summary(&http, &base, yiwang_store::GROUP_SYNC_COMMITS).await;
    assert!(
        syncs >= 1.0,
        "{commits} commits, {syncs} syncs: nothing was synced"
    );
    eprintln!(
        "group commit before the kill: {commits} commits in {syncs} syncs of the log ({:.1} per sync)",
        commits / syncs
    );
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let sent = sent.lock().unwrap().clone();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 20, "only {} acknowledged", acked.len());
    eprintln!(
        "{} applications sent, {} acknowledged before SIGKILL after {:.1?}",
        sent.len(),
        acked.len(),
        started.elapsed()
    );

    // Restart on the same directory; a new client (the old connections died with the server).
    let (mut server, base) = start(dir.path()).await;
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let me = sign_in(
        &http,
        &base,
        "/api/v1/people/sign-in",
        json!({"login": "13800759001", "password": PASSWORD}),
    )
    .await;
    let officer = sign_in(
        &http,
        &base,
        "/api/v1/auth/sign-in",
        json!({"username": "officer", "password": PASSWORD}),
    )
    .await;

    // Every acknowledged case is there, with the file that was uploaded for it.
    for (key, no) in &acked {
        let (status, b, _) = call(
            &http,
            "GET",
            &format!("{base}/api/v1/me/cases/{no}"),
            &me,
            &[],
            Bytes::new(),
        )
        .await
        .unwrap();
        assert_eq!(status, StatusCode::OK, "{key} {no} lost");
        let v: Value = serde_json::from_slice(&b).unwrap();
        let sha = v["materials"][0]["sha"].as_str().unwrap();
        let (status, file, _) = call(
            &http,
            "GET",
            &format!("{base}/api/v1/cases/{no}/materials/{sha}"),
            &officer,
            &[],
            Bytes::new(),
        )
        .await
        .unwrap();
        assert_eq!(status, StatusCode::OK, "{key}: file of {no} unreadable");
        assert_eq!(file, pdf(sent[key]), "{key}: file of {no} differs");
    }

    // Unacknowledged applications are retried with their key (the file uploaded again: its
    // upload may not have been acknowledged either): the committed ones answer their case
    // (200), the others are created now (201); a second retry answers the same case.
    let mut numbers: HashSet<String> = acked.values().cloned().collect();
    let mut replayed = 0;
    for (key, n) in sent.iter().filter(|(k, _)| !acked.contains_key(*k)) {
        let ticket = upload(&http, &base, &me, *n).await.unwrap();
        let (status, no) = apply(&http, &base, &me, &item, key, &ticket).await.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::CREATED,
            "{key}: {status}"
        );
        if status == StatusCode::OK {
            replayed += 1;
        }
        let (again, same) = apply(&http, &base, &me, &item, key, &ticket).await.unwrap();
        assert_eq!((again, &same), (StatusCode::OK, &no), "{key}");
        assert!(
            numbers.insert(no.clone()),
            "{key}: {no} answered for two keys"
        );
    }
    // Acknowledged keys answer their case too, and nothing else was created: one case per key.
    for (key, no) in acked.iter().take(5) {
        let ticket = upload(&http, &base, &me, sent[key]).await.unwrap();
        let (status, again) = apply(&http, &base, &me, &item, key, &ticket).await.unwrap();
        assert_eq!((status, &again), (StatusCode::OK, no), "{key}");
    }
    let (_, b, _) = call(
        &http,
        "GET",
        &format!("{base}/api/v1/me/cases?size=1"),
        &me,
        &[],
        Bytes::new(),
    )
    .await
    .unwrap();
    let total = serde_json::from_slice::<Value>(&b).unwrap()["total"]
        .as_i64()
        .unwrap();
    assert_eq!(total as usize, sent.len(), "one case per key sent");
    assert_eq!(numbers.len(), sent.len());
    eprintln!(
        "after restart: {} acknowledged cases intact, {} unacknowledged keys retried ({replayed} had been committed), in {:.1?}",
        acked.len(),
        sent.len() - acked.len(),
        started.elapsed()
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
