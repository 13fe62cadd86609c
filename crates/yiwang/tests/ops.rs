//! Operating a node with the real `yiwang` binary: a backup taken while a writer writes is
//! restored into a fresh directory whose audit chain verifies, whose rows match the manifest,
//! whose files all match their digests and which serves; restore refuses an occupied
//! directory, a wrong passphrase, an edited manifest and a damaged file and leaves nothing
//! behind; SIGTERM lets a request in flight finish and the process exits 0; every response
//! carries a request id, which JSON log lines carry too; `yiwang doctor` reports ✓/✗ and its
//! exit code, reading its settings from a configuration file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yiwang_kernel::auth::Ctx;
use yiwang_store::{Conn, Db, DbOptions, args};

mod common;

const PASSPHRASE: &str = "correct horse battery staple";
const PERSON_PASSWORD: &str = "Test@2026pass";

fn yiwang_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yiwang"));
    c.args(args)
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_MASTER_KEYS")
        .env_remove("YIWANG_BACKUP_PASSPHRASE")
        .env_remove("YIWANG_CONFIG")
        .env_remove("YIWANG_DATA_DIR")
        .env_remove("YIWANG_LOG_FORMAT")
        .env("YIWANG_LOG", "warn")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run yiwang")
}

fn yiwang(args: &[&str]) -> Output {
    yiwang_with(args, &[])
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn open(dir: &Path) -> Db {
    Db::connect(
        &format!("sqlite://{}", dir.join("yiwang.db").display()),
        DbOptions::default(),
    )
    .await
    .unwrap()
}

/// `yiwang serve` on `dir` with extra arguments, on a free port, once it accepts connections.
async fn start(
    dir: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
    log: Option<&Path>,
) -> (Child, String) {
    let listen = common::free_listen();
    let mut c = Command::new(env!("CARGO_BIN_EXE_yiwang"));
    c.args([
        "serve",
        "--data-dir",
        dir.to_str().unwrap(),
        "--listen",
        &listen,
    ])
    .args(extra)
    .env_remove("YIWANG_DATABASE_URL")
    .env_remove("YIWANG_MASTER_KEYS")
    .env_remove("YIWANG_DEMO")
    .env_remove("YIWANG_CONFIG")
    .env_remove("YIWANG_LOG_FORMAT")
    .env("YIWANG_LOG", "warn")
    .stdout(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    match log {
        Some(p) => c.stderr(Stdio::from(std::fs::File::create(p).unwrap())),
        None => c.stderr(Stdio::inherit()),
    };
    let child = c.spawn().expect("start yiwang serve");
    (common::listening(child, &listen, 30).await, listen)
}

/// One HTTP/1.1 request on a fresh connection: status, headers (lower-case names), body.
async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, BTreeMap<String, String>, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    read_response(&mut s).await
}

async fn read_response(s: &mut tokio::net::TcpStream) -> (u16, BTreeMap<String, String>, String) {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .unwrap();
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {raw:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn pdf(n: u64) -> bytes::Bytes {
    bytes::Bytes::from(format!(
        "%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n% backup test material {n}\ntrailer <<>>\n%%EOF\n"
    ))
}

/// Every stored file under `root`: name → whether its content matches its SM3 name.
fn stored_files(root: &Path) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    let Ok(a) = std::fs::read_dir(root) else {
        return out;
    };
    for a in a {
        for b in std::fs::read_dir(a.unwrap().path()).unwrap() {
            for f in std::fs::read_dir(b.unwrap().path()).unwrap() {
                let p = f.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                if name.starts_with('.') {
                    continue;
                }
                let digest = yiwang_files::Sm3Hex::parse(&name).unwrap();
                out.insert(name, digest.matches(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".restore-") || n.contains(".partial-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_writes_restores_verifies_and_serves() {
    let root = tempfile::tempdir().unwrap();
    let node = root.path().join("node");
    let n = node.to_str().unwrap();
    assert!(yiwang(&["migrate", "--data-dir", n]).status.success());
    // A person whose ID number is sealed under the node's key ring (keys.json is created).
    let db = open(&node).await;
    let clock: Arc<dyn yiwang_kernel::clock::Clock> = Arc::new(yiwang_kernel::clock::SystemClock);
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        clock.clone(),
        yiwang_identity::IdentityConfig::default(),
        yiwang_identity::Keys::load(&node).unwrap(),
    );
    identity
        .register_person(
            &yiwang_identity::PersonRegistration {
                name: "张一".into(),
                id_number: "440802199001011238".into(),
                phone: "13800000001".into(),
                password: PERSON_PASSWORD.into(),
            },
            "",
        )
        .await
        .unwrap();
    let (mut server, _) = start(&node, &[], &[], None).await;

    // The writer: audited departments and stored files, one after the other, until told.
    let writes = Arc::new(AtomicU64::new(0));
    let halt = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, node, writes, halt, clock) = (
            db.clone(),
            node.clone(),
            writes.clone(),
            halt.clone(),
            clock.clone(),
        );
        tokio::spawn(async move {
            let org = yiwang_org::OrgService::new(db, clock);
            let files = yiwang_files::LocalFileStore::open(&node).unwrap();
            let mut i = 0u64;
            while !halt.load(Ordering::SeqCst) {
                yiwang_files::FileStore::put(&files, pdf(i)).await.unwrap();
                org.create_department(
                    &Ctx::system("test"),
                    &yiwang_org::DepartmentInput {
                        uscc: yiwang_kernel::codes::Uscc::from_body(&format!("11440800MB{i:07}"))
                            .unwrap()
                            .to_string(),
                        name: format!("备份测试局{i}"),
                        division_code: "440800".into(),
                        kind: "bureau".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                i += 1;
                writes.store(i, Ordering::SeqCst);
            }
        })
    };
    while writes.load(Ordering::SeqCst) < 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = writes.load(Ordering::SeqCst);
    let pass_file = root.path().join("pass.txt");
    std::fs::write(&pass_file, format!("{PASSPHRASE}\n")).unwrap();
    let bk = root.path().join("bk");
    let out = {
        let args = [
            "backup".to_string(),
            "--data-dir".into(),
            n.to_string(),
            "--to".into(),
            bk.to_str().unwrap().to_string(),
            "--passphrase-file".into(),
            pass_file.to_str().unwrap().to_string(),
        ];
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            yiwang(&a)
        })
        .await
        .unwrap()
    };
    assert!(out.status.success(), "{}", text(&out));
    let during = writes.load(Ordering::SeqCst);
    while writes.load(Ordering::SeqCst) < during + 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    halt.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    stop(&mut server);
    db.close().await;
    assert!(leftovers(root.path()).is_empty());

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bk.join("manifest.json")).unwrap()).unwrap();
    let tables: BTreeMap<String, i64> = serde_json::from_value(manifest["tables"].clone()).unwrap();
    let departments = u64::try_from(tables["departments"]).unwrap();
    assert!(
        departments >= before && departments <= during,
        "the snapshot holds {departments} departments; {before} were written before the backup \
         began and {during} when it ended"
    );
    assert!(tables["audit_log"] >= i64::try_from(departments).unwrap());
    assert_eq!(manifest["format"], "yiwang-backup/1");
    assert!(manifest["migration_level"].as_i64().unwrap() > 0);
    let files: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sm3"].as_str().unwrap().to_string())
        .collect();
    assert!(
        files.len() as u64 >= departments,
        "every file the snapshot refers to is there"
    );
    let sealed = std::fs::read_to_string(bk.join("keys.sealed")).unwrap();
    assert!(
        sealed.starts_with("p1.argon2id."),
        "the key ring is sealed: {sealed:.20}"
    );
    let ring = std::fs::read_to_string(node.join("keys.json")).unwrap();
    assert!(
        !sealed.contains('{') && !sealed.contains(ring.trim()),
        "no key material in the clear"
    );

    // Restore refuses, and leaves nothing behind: an occupied directory…
    let b = bk.to_str().unwrap();
    let occupied = root.path().join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let env = [("YIWANG_BACKUP_PASSPHRASE", PASSPHRASE)];
    let r = yiwang_with(
        &[
            "restore",
            "--from",
            b,
            "--data-dir",
            occupied.to_str().unwrap(),
        ],
        &env,
    );
    assert!(!r.status.success());
    assert!(text(&r).contains("not empty"), "{}", text(&r));
    assert_eq!(std::fs::read_dir(&occupied).unwrap().count(), 1);
    // …a wrong passphrase…
    let restored = root.path().join("restored");
    let rd = restored.to_str().unwrap();
    let r = yiwang_with(
        &["restore", "--from", b, "--data-dir", rd],
        &[("YIWANG_BACKUP_PASSPHRASE", "not the passphrase")],
    );
    assert!(!r.status.success());
    assert!(text(&r).contains("wrong passphrase"), "{}", text(&r));
    assert!(!restored.exists());
    // …an edited manifest…
    let original = std::fs::read(bk.join("manifest.json")).unwrap();
    let edited = String::from_utf8(original.clone()).unwrap().replacen(
        &format!("\"departments\": {departments}"),
        &format!("\"departments\": {}", departments + 1),
        1,
    );
    assert_ne!(edited.as_bytes(), &original[..]);
    std::fs::write(bk.join("manifest.json"), edited).unwrap();
    let r = yiwang_with(&["restore", "--from", b, "--data-dir", rd], &env);
    assert!(text(&r).contains("manifest.sm3"), "{}", text(&r));
    std::fs::write(bk.join("manifest.json"), &original).unwrap();
    // …and a damaged file.
    let victim = &files[files.len() / 2];
    let victim_path = bk
        .join("files")
        .join(&victim[0..2])
        .join(&victim[2..4])
        .join(victim);
    let good = std::fs::read(&victim_path).unwrap();
    let mut bad = good.clone();
    bad[10] ^= 1;
    std::fs::write(&victim_path, &bad).unwrap();
    let r = yiwang_with(&["restore", "--from", b, "--data-dir", rd], &env);
    assert!(!r.status.success());
    assert!(text(&r).contains("backup.digest"), "{}", text(&r));
    assert!(!restored.exists());
    assert!(
        leftovers(root.path()).is_empty(),
        "{:?}",
        leftovers(root.path())
    );
    std::fs::write(&victim_path, &good).unwrap();

    // The restore itself.
    let r = yiwang_with(&["restore", "--from", b, "--data-dir", rd], &env);
    assert!(r.status.success(), "{}", text(&r));
    let v = yiwang(&["audit", "verify", "--data-dir", rd]);
    assert!(v.status.success(), "{}", text(&v));
    assert!(
        text(&v).contains(&format!("{} entries", tables["audit_log"])),
        "{}",
        text(&v)
    );
    let rdb = open(&restored).await;
    let mut c = rdb.clone();
    for (table, n) in &tables {
        let (count,): (i64,) = c
            .fetch_one(&format!("SELECT COUNT(*) FROM \"{table}\""), args![])
            .await
            .unwrap();
        assert_eq!(count, *n, "{table}");
    }
    rdb.close().await;
    let on_disk = stored_files(&restored.join("files"));
    assert_eq!(on_disk.keys().cloned().collect::<Vec<_>>(), files);
    assert!(
        on_disk.values().all(|ok| *ok),
        "every restored file matches its SM3"
    );

    // The restored node serves, and its key ring opens the sealed ID number.
    let (mut server, addr) = start(&restored, &[], &[], None).await;
    let (status, _, _) = http(&addr, "GET", "/readyz", &[], "").await;
    assert_eq!(status, 200);
    let (status, headers, body) = http(
        &addr,
        "POST",
        "/api/v1/people/sign-in",
        &[("content-type", "application/json")],
        &serde_json::json!({"login": "13800000001", "password": PERSON_PASSWORD}).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cookie = headers["set-cookie"].split(';').next().unwrap().to_string();
    let (status, _, body) = http(&addr, "GET", "/api/v1/me", &[("cookie", &cookie)], "").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("440802********1238"), "{body}");
    stop(&mut server);
}

#[test]
fn postgres_nodes_are_told_to_use_postgres_tools() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("bk");
    let r = yiwang(&[
        "backup",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/none",
        "--to",
        to.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    let t = text(&r);
    assert!(
        t.contains("pg_dump") && t.contains("PostgreSQL 备份"),
        "{t}"
    );
    assert!(!to.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("node");
    assert!(
        yiwang(&["migrate", "--data-dir", node.to_str().unwrap()])
            .status
            .success()
    );
    let (mut server, addr) = start(&node, &["--drain-seconds", "4"], &[], None).await;
    let body =
        serde_json::json!({"login": "13800000009", "password": "Wrong@2026pass"}).to_string();
    let head = format!(
        "POST /api/v1/people/sign-in HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nX-Request-Id: drain-1\r\n\r\n",
        body.len()
    );
    // A request in flight: its head and half its body are in, the rest comes after SIGTERM.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body.as_bytes()[..10]).await.unwrap();
    // Another that never finishes: the drain time bounds the wait for it.
    let mut stuck = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stuck.write_all(head.as_bytes()).await.unwrap();
    // Time for the server to read both heads and start both handlers (the machine may be busy).
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "no new connections once draining"
    );
    slow.write_all(&body.as_bytes()[10..]).await.unwrap();
    let (status, headers, text) = read_response(&mut slow).await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(headers["x-request-id"], "drain-1");
    let code = tokio::task::spawn_blocking(move || server.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(code.code(), Some(0));
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(12),
        "exited {took:?} after SIGTERM: the stuck request was given the drain time (4 s), no more"
    );
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_in_responses_and_json_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("node");
    assert!(
        yiwang(&["migrate", "--data-dir", node.to_str().unwrap()])
            .status
            .success()
    );
    let log = dir.path().join("log.jsonl");
    let (mut server, addr) = start(
        &node,
        &["--log-format", "json"],
        &[("YIWANG_LOG", "warn,yiwang_web::request_id=debug")],
        Some(&log),
    )
    .await;
    let (status, headers, _) = http(
        &addr,
        "GET",
        "/healthz",
        &[("x-request-id", "ops-test-42")],
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-request-id"], "ops-test-42");
    // An id that is not sane is replaced by a fresh one.
    let (_, headers, _) = http(
        &addr,
        "GET",
        "/api/v1/nothing-here",
        &[("x-request-id", "../etc/passwd")],
        "",
    )
    .await;
    let fresh = &headers["x-request-id"];
    assert_eq!(fresh.len(), 32, "{fresh}");
    assert!(fresh.bytes().all(|b| b.is_ascii_hexdigit()));
    let (_, again, _) = http(&addr, "GET", "/healthz", &[], "").await;
    assert_ne!(&again["x-request-id"], fresh);
    stop(&mut server);
    let lines = std::fs::read_to_string(&log).unwrap();
    let ours: Vec<serde_json::Value> = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["span"]["request_id"] == "ops-test-42")
        .collect();
    assert_eq!(ours.len(), 1, "{lines}");
    assert_eq!(ours[0]["fields"]["message"], "request handled");
    assert_eq!(ours[0]["fields"]["status"], 200);
    assert_eq!(ours[0]["span"]["path"], "/healthz");
    assert_eq!(ours[0]["level"], "DEBUG");
    assert!(
        lines
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "every log line is JSON: {lines}"
    );
}

fn write_config(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("yiwang.toml");
    std::fs::write(&p, body).unwrap();
    p
}

#[tokio::test]
async fn doctor_reports_each_check_and_fails_on_a_failed_one() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("node");
    let n = node.to_str().unwrap();
    // Nothing there: the database check fails, and the doctor creates nothing.
    let r = yiwang(&["doctor", "--data-dir", n]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(
        text(&r).contains("✗ 数据库可连接 database reachable"),
        "{}",
        text(&r)
    );
    assert!(!node.join("yiwang.db").exists());
    // Migrated, but no key file yet: the settings come from a configuration file (`listen`
    // belongs to `serve` and is ignored here).
    assert!(yiwang(&["migrate", "--data-dir", n]).status.success());
    let cfg = write_config(
        dir.path(),
        &format!("data_dir = \"{n}\"\nlisten = \"127.0.0.1:1\"\n"),
    );
    let c = cfg.to_str().unwrap();
    let r = yiwang(&["doctor", "--config", c]);
    let out = text(&r);
    assert_eq!(r.status.code(), Some(1), "{out}");
    for ok in [
        "✓ 数据库可连接",
        "✓ 数据库已迁移",
        "✓ 文件存储可写",
        "✗ 密钥文件可读",
        "✓ 时钟准确",
    ] {
        assert!(out.contains(ok), "{ok}: {out}");
    }
    // The key file and next year's holidays: everything passes.
    yiwang_identity::Keys::load(&node).unwrap();
    let next = time::OffsetDateTime::now_utc().year() + 1;
    let csv = dir.path().join("next.csv");
    std::fs::write(
        &csv,
        format!("date,kind,occasion_zh,occasion_en\n{next}-01-01,holiday,元旦,New Year's Day\n"),
    )
    .unwrap();
    // The embedded calendar ends with 2026: on a later real date this year must be imported
    // first, or the check could never pass.
    let this = time::OffsetDateTime::now_utc().year();
    if !yiwang_calendar::data::embedded().unwrap().covers(this) {
        let csv = dir.path().join("this.csv");
        std::fs::write(
            &csv,
            format!(
                "date,kind,occasion_zh,occasion_en\n{this}-01-01,holiday,元旦,New Year's Day\n"
            ),
        )
        .unwrap();
        let r = yiwang(&[
            "calendar",
            "import",
            "--data-dir",
            n,
            "--year",
            &this.to_string(),
            csv.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{}", text(&r));
    }
    let before = text(&yiwang(&["doctor", "--config", c]));
    let expect = if time::OffsetDateTime::now_utc().month() == time::Month::December {
        "✗ 节假日日历"
    } else {
        "⚠ 节假日日历"
    };
    assert!(before.contains(expect), "{before}");
    let r = yiwang(&[
        "calendar",
        "import",
        "--data-dir",
        n,
        "--year",
        &next.to_string(),
        csv.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", text(&r));
    let r = yiwang_with(&["doctor"], &[("YIWANG_CONFIG", c)]);
    let out = text(&r);
    assert_eq!(r.status.code(), Some(0), "{out}");
    assert_eq!(out.matches('✓').count(), 6, "{out}");
    assert!(out.contains("all checks passed"), "{out}");
    // A misspelt key in the configuration file is an error naming it.
    write_config(dir.path(), &format!("data_dir = \"{n}\"\nlisen = \"x\"\n"));
    let r = yiwang(&["doctor", "--config", c]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    assert!(text(&r).contains("`lisen`"), "{}", text(&r));
}

/// On PostgreSQL (when `YIWANG_TEST_DATABASE_URL` names one): the database, migration and clock
/// checks pass against the server's `now()`.
#[test]
fn doctor_on_postgresql() {
    let Ok(url) = std::env::var("YIWANG_TEST_DATABASE_URL") else {
        eprintln!("YIWANG_TEST_DATABASE_URL is not set: the PostgreSQL doctor check is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let m = yiwang(&["migrate", "--database-url", &url, "--data-dir", d]);
    assert!(m.status.success(), "{}", text(&m));
    let r = yiwang(&["doctor", "--database-url", &url, "--data-dir", d]);
    let out = text(&r);
    for ok in [
        "✓ 数据库可连接",
        "✓ 数据库已迁移",
        "✓ 文件存储可写",
        "✓ 时钟准确",
    ] {
        assert!(out.contains(ok), "{ok}: {out}");
    }
    // No key file in this data directory: a failure, and the exit code says so.
    assert!(out.contains("✗ 密钥文件可读"), "{out}");
    assert_eq!(r.status.code(), Some(1), "{out}");
}
