//! The `yiwang` binary as an operator runs it, on an SQLite data directory: `audit verify`
//! names the first tampered entry and exits non-zero; `audit head` exports the anchor;
//! `keys rotate` re-encrypts personal data and the data stays readable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use yiwang_kernel::auth::Ctx;
use yiwang_store::{Conn, Db, DbOptions, args};

fn yiwang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiwang"))
        .args(args)
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_MASTER_KEYS")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run yiwang")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn open(dir: &std::path::Path) -> Db {
    Db::connect(
        &format!("sqlite://{}", dir.join("yiwang.db").display()),
        DbOptions::default(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn audit_verify_names_the_tampered_entry_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(yiwang(&["migrate", "--data-dir", d]).status.success());
    // A few audited actions.
    let db = open(dir.path()).await;
    let org = yiwang_org::OrgService::new(
        db.clone(),
        std::sync::Arc::new(yiwang_kernel::clock::SystemClock),
    );
    for (body, name) in [
        ("11440800MB2C1234", "甲局"),
        ("11440800MB2C5678", "乙局"),
        ("11440800MB2C9012", "丙局"),
    ] {
        org.create_department(
            &Ctx::system("test"),
            &yiwang_org::DepartmentInput {
                uscc: yiwang_kernel::codes::Uscc::from_body(&format!("{body:0<17}"))
                    .unwrap()
                    .to_string(),
                name: name.into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    db.close().await;
    let ok = yiwang(&["audit", "verify", "--data-dir", d]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("3 entries"), "{}", text(&ok));
    let head = yiwang(&["audit", "head", "--data-dir", d]);
    let anchor = String::from_utf8_lossy(&head.stdout).trim().to_string();
    assert!(anchor.starts_with("3:"), "{anchor}");
    let ok = yiwang(&["audit", "verify", "--data-dir", d, "--anchor", &anchor]);
    assert!(ok.status.success(), "{}", text(&ok));
    // Someone with the database file edits entry 2 directly.
    let db = open(dir.path()).await;
    let mut c = db.clone();
    c.execute("DROP TRIGGER tr_audit_log_no_update", args![])
        .await
        .unwrap();
    c.execute(
        "UPDATE audit_log SET actor = 'staff:nobody' WHERE seq = 2",
        args![],
    )
    .await
    .unwrap();
    db.close().await;
    let bad = yiwang(&["audit", "verify", "--data-dir", d]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(text(&bad).contains("entry 2"), "{}", text(&bad));
    // A malformed anchor is a clear error, not a panic.
    let r = yiwang(&["audit", "verify", "--data-dir", d, "--anchor", "nonsense"]);
    assert!(!r.status.success());
    assert!(text(&r).contains("SEQ:HASH"), "{}", text(&r));
}

#[tokio::test]
async fn keys_rotate_re_encrypts_and_the_data_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(yiwang(&["migrate", "--data-dir", d]).status.success());
    let keys_path = dir.path().join("keys.json");
    let db = open(dir.path()).await;
    let keys = yiwang_identity::Keys::load(dir.path()).unwrap();
    assert!(
        keys_path.exists(),
        "the key file is created in the data directory"
    );
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        std::sync::Arc::new(yiwang_kernel::clock::SystemClock),
        yiwang_identity::IdentityConfig::default(),
        keys.clone(),
    );
    identity
        .register_person(
            &yiwang_identity::PersonRegistration {
                name: "张一".into(),
                id_number: "440802199001011238".into(),
                phone: "13800000001".into(),
                password: "Test@2026pass".into(),
            },
            "",
        )
        .await
        .unwrap();
    let r = yiwang(&["keys", "rotate", "--data-dir", d]);
    assert!(r.status.success(), "{}", text(&r));
    assert!(
        text(&r).contains("k2") && text(&r).contains("1 rows"),
        "{}",
        text(&r)
    );
    let mut c = db.clone();
    let (enc,): (String,) = c
        .fetch_one("SELECT id_number_enc FROM people", args![])
        .await
        .unwrap();
    assert!(enc.starts_with("v1.k2."), "{enc}");
    // This process still holds the old ring: it picks the new key up from the file by itself.
    let (_, s) = identity
        .sign_in_person("440802199001011238", "Test@2026pass", "")
        .await
        .unwrap();
    let me = identity.me(&Ctx::new(s.actor, "")).await.unwrap();
    assert_eq!(me.id_number, "440802********1238");
    db.close().await;
}

/// `watch scan` on the demo city raises its fast-approval warning (the case both officers
/// approved the minute it was accepted) once: a second scan raises nothing.
#[tokio::test]
async fn watch_scan_raises_the_demo_warning_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let r = yiwang(&["demo", "--data-dir", d]);
    assert!(r.status.success(), "{}", text(&r));
    let r = yiwang(&["watch", "scan", "--data-dir", d]);
    assert!(r.status.success(), "{}", text(&r));
    let out = text(&r);
    let raised: i64 = out
        .split(": ")
        .last()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(raised >= 1, "{out}");
    let db = open(dir.path()).await;
    let mut c = db.clone();
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM watch_warnings WHERE rule_code = 'fast_approval'",
            args![],
        )
        .await
        .unwrap();
    assert!(n >= 1, "{out}");
    let r = yiwang(&["watch", "scan", "--data-dir", d]);
    assert!(text(&r).ends_with(": 0 new warnings\n"), "{}", text(&r));
}

/// `credit sync` on the demo city: the demo's credit-list resource in the exchange was
/// synchronised at load, so a run finds its three rows unchanged and writes nothing; an unknown
/// resource is refused naming the field.
#[tokio::test]
async fn credit_sync_reads_the_demo_resource_and_writes_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let r = yiwang(&["demo", "--data-dir", d]);
    assert!(r.status.success(), "{}", text(&r));
    let r = yiwang(&[
        "credit",
        "sync",
        "--resource",
        "208001/000001",
        "--data-dir",
        d,
    ]);
    assert!(r.status.success(), "{}", text(&r));
    assert!(
        text(&r).contains("3 current rows — 0 added, 0 updated, 3 unchanged, 0 revoked"),
        "{}",
        text(&r)
    );
    let r = yiwang(&[
        "credit",
        "sync",
        "--resource",
        "208001/999999",
        "--data-dir",
        d,
    ]);
    assert!(!r.status.success());
    assert!(text(&r).contains("resource"), "{}", text(&r));
}
