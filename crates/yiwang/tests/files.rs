//! `yiwang files migrate` as an operator runs it: a local store copied into a bucket of a real
//! SeaweedFS (skipped with a reason when `weed` is missing, except under `CI=true`), every
//! digest verified, a second run resumes, a bad local file exits 1 naming its digest, and bad
//! settings are refused naming the setting and the rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use yiwang_files::testing::{Seaweed, pdf_with};
use yiwang_files::{FileStore, LocalFileStore, S3FileStore, Sm3Hex};

fn yiwang(w: &Seaweed, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yiwang"));
    c.args(args)
        .env_remove("YIWANG_FILES")
        .env_remove("AWS_SESSION_TOKEN")
        .env("YIWANG_LOG", "warn");
    for (k, v) in w.env() {
        c.env(k, v);
    }
    c.output().expect("run yiwang")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes `bytes` where the local store keeps the file named `digest`.
fn place(store: &LocalFileStore, digest: &Sm3Hex, bytes: &[u8]) {
    let path = store.path_of(digest);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn local_with(dir: &Path, n: usize) -> (LocalFileStore, Vec<Sm3Hex>) {
    let store = LocalFileStore::open(dir).unwrap();
    let digests = (0..n)
        .map(|i| {
            let bytes = pdf_with(&format!("material {i}"));
            let d = Sm3Hex::of(&bytes);
            place(&store, &d, &bytes);
            d
        })
        .collect();
    (store, digests)
}

#[tokio::test]
async fn files_migrate_copies_verifies_resumes_and_names_the_first_bad_digest() {
    let Some(w) = Seaweed::start().unwrap_or_else(|e| panic!("{e}")) else {
        return;
    };
    let target = S3FileStore::open(&w.config("city", "zj").unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (local, digests) = local_with(dir.path(), 12);

    let o = yiwang(
        &w,
        &[
            "files",
            "migrate",
            "--data-dir",
            data,
            "--to",
            "s3://city/zj",
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("12/12") && out.contains("copied 12"), "{out}");
    for (i, d) in digests.iter().enumerate() {
        let got = target.get(d).await.unwrap().unwrap();
        assert_eq!(got, pdf_with(&format!("material {i}")));
    }

    // Again: nothing copied, everything re-verified.
    let o = yiwang(
        &w,
        &[
            "files",
            "migrate",
            "--data-dir",
            data,
            "--to",
            "s3://city/zj",
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("copied 0") && out.contains("already there 12"),
        "{out}"
    );

    // Two new local files whose bytes no longer match their names: exit 1 naming the first.
    let mut bad: Vec<Sm3Hex> = ["x", "y"]
        .iter()
        .map(|n| Sm3Hex::of(&pdf_with(n)))
        .collect();
    for d in &bad {
        place(&local, d, b"%PDF-1.7 damaged");
    }
    bad.sort();
    let o = yiwang(
        &w,
        &[
            "files",
            "migrate",
            "--data-dir",
            data,
            "--to",
            "s3://city/zj",
        ],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("the first: {}", bad[0])), "{out}");
    assert!(out.contains("does not match its SM3 digest"), "{out}");
    assert!(!target.exists(&bad[0]).await.unwrap());

    // Settings refused, naming the setting and the rule.
    for (args, expect) in [
        (vec!["--to", "s3://City/zj"], "files.bucket"),
        (vec!["--to", "/srv/files"], "files.url"),
        (vec!["--to", "s3://city/../x"], "files.prefix"),
    ] {
        let mut all = vec!["files", "migrate", "--data-dir", data];
        all.extend(args);
        let o = yiwang(&w, &all);
        let out = text(&o);
        assert!(!o.status.success(), "{out}");
        assert!(out.contains(expect) && out.contains("--to"), "{out}");
    }
    let o = yiwang(
        &w,
        &[
            "files",
            "migrate",
            "--data-dir",
            "/nonexistent/yiwang",
            "--to",
            "s3://city/zj",
        ],
    );
    assert!(text(&o).contains("files.source"), "{}", text(&o));
    let mut c = Command::new(env!("CARGO_BIN_EXE_yiwang"));
    let o = c
        .args([
            "files",
            "migrate",
            "--data-dir",
            data,
            "--to",
            "s3://city/zj",
        ])
        .env("AWS_ACCESS_KEY_ID", "k")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .env("AWS_ENDPOINT_URL", "http://192.0.2.7:9000")
        .env("AWS_ALLOW_HTTP", "true")
        .output()
        .unwrap();
    let out = text(&o);
    assert!(!o.status.success());
    assert!(out.contains("AWS_ENDPOINT_URL (https)"), "{out}");
}

#[tokio::test]
async fn doctor_checks_the_configured_bucket() {
    let Some(w) = Seaweed::start().unwrap_or_else(|e| panic!("{e}")) else {
        return;
    };
    w.create_bucket("city").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let line = |out: &str| {
        out.lines()
            .find(|l| l.contains("文件存储可写"))
            .unwrap_or_default()
            .to_string()
    };
    // The bucket takes the probe and gives it back; the line names the bucket, not the disk.
    let o = yiwang(
        &w,
        &["doctor", "--data-dir", data, "--files", "s3://city/doctor"],
    );
    let out = text(&o);
    let files = line(&out);
    assert!(files.starts_with("✓"), "{out}");
    assert!(files.contains("s3://city/doctor"), "{files}");
    assert!(
        !dir.path().join("files").exists(),
        "nothing written locally"
    );
    // A wrong secret: the check fails, naming the bucket, and the exit code says so.
    let mut c = Command::new(env!("CARGO_BIN_EXE_yiwang"));
    c.args(["doctor", "--data-dir", data, "--files", "s3://city/doctor"])
        .env("YIWANG_LOG", "warn");
    for (k, v) in w.env() {
        c.env(k, v);
    }
    let o = c
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .output()
        .unwrap();
    let out = text(&o);
    let files = line(&out);
    assert!(files.starts_with("✗"), "{out}");
    assert!(files.contains("s3://city/doctor"), "{files}");
    assert_eq!(o.status.code(), Some(1), "{out}");
}

#[test]
fn a_backup_of_a_node_whose_files_are_in_a_bucket_says_they_stay_there() {
    let Some(w) = Seaweed::start().unwrap_or_else(|e| panic!("{e}")) else {
        return;
    };
    w.create_bucket("city").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let data = data.to_str().unwrap();
    let o = yiwang(&w, &["migrate", "--data-dir", data]);
    assert!(o.status.success(), "{}", text(&o));
    yiwang_vault::KeyRing::generate()
        .unwrap()
        .save(&std::path::Path::new(data).join("keys.json"))
        .unwrap();
    let pass = dir.path().join("pass");
    std::fs::write(&pass, "a long operator passphrase").unwrap();
    let to = dir.path().join("backup");
    let o = yiwang(
        &w,
        &[
            "backup",
            "--data-dir",
            data,
            "--files",
            "s3://city/zj",
            "--to",
            to.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("files stay in the bucket") && out.contains("s3://city/zj"),
        "{out}"
    );
    assert!(!to.join("files").exists(), "no files copied");
    assert!(to.join("manifest.json").is_file());
}
