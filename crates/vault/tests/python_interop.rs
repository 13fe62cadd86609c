//! Checks SM4-GCM sealing and the HMAC-SM3 blind index against an independent implementation:
//! Python with pyca `cryptography` (OpenSSL's SM4-GCM) and OpenSSL's SM3 through `hashlib`
//! (or `gmssl`'s SM3). Both directions: Python opens what Rust sealed and Rust opens what
//! Python sealed, reading the keys from the key file Rust wrote.
//!
//! Skips with a printed reason when Python or a package is missing, except under `CI=true`,
//! where a missing dependency fails the test. `YIWANG_PYTHON` names another interpreter.

// Test helpers outside `#[test]` functions are not covered by clippy.toml's test allowances.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use yiwang_vault::KeyRing;

const MISSING: i32 = 77;

fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("python interop test cannot run under CI=true: {reason}");
    }
    // Written past the test harness's capture, so the reason is seen.
    let _ = writeln!(
        std::io::stderr(),
        "python_interop: SKIPPED: {reason} (fails instead under CI=true)"
    );
}

#[test]
fn sm4_gcm_and_hmac_sm3_agree_with_python() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("keys.json");
    let mut ring = KeyRing::load_or_create(&key_file).unwrap();

    let values = [
        ("citizen.id_number", "440802199001011234"),
        ("citizen.phone", "13800138000"),
        ("citizen.name", "张三丰"),
        ("dept.seal_key", ""),
    ];
    let mut opened = Vec::new();
    for (context, plaintext) in values {
        let stored = ring.seal(context, plaintext).unwrap();
        opened.push(
            serde_json::json!({"context": context, "stored": stored, "plaintext": plaintext}),
        );
    }
    // A second key: Python must pick each value's key by its id.
    ring.rotate().unwrap();
    ring.save(&key_file).unwrap();
    for (context, plaintext) in values {
        let stored = ring.seal(context, plaintext).unwrap();
        assert!(stored.starts_with("v1.k2."));
        opened.push(
            serde_json::json!({"context": context, "stored": stored, "plaintext": plaintext}),
        );
    }
    let indexed: Vec<_> = values
        .iter()
        .map(|(context, value)| {
            serde_json::json!({
                "context": context,
                "value": value,
                "index": ring.blind_index(context, value).unwrap(),
            })
        })
        .collect();
    let seal: Vec<_> = values
        .iter()
        .map(|(context, plaintext)| serde_json::json!({"context": context, "plaintext": plaintext}))
        .collect();
    let request = serde_json::json!({
        "key_file": key_file,
        "opened": opened,
        "indexed": indexed,
        "seal": seal,
    });

    let Some(output) = run_python(&request) else {
        return;
    };
    let answer: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let sealed = answer["sealed"].as_array().unwrap();
    assert_eq!(sealed.len(), values.len());
    for ((context, plaintext), stored) in values.iter().zip(sealed) {
        let stored = stored.as_str().unwrap();
        assert!(stored.starts_with("v1.k2."), "{stored}");
        assert_eq!(&*ring.open(context, stored).unwrap(), *plaintext);
        assert!(ring.open("other.context", stored).is_err());
    }
    let _ = writeln!(
        std::io::stderr(),
        "python_interop: agreed with pyca cryptography SM4-GCM and {}",
        answer["hmac"].as_str().unwrap_or("?")
    );
}

/// Runs tests/interop.py; `None` when skipped for a missing dependency.
fn run_python(request: &serde_json::Value) -> Option<Vec<u8>> {
    let python = std::env::var("YIWANG_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop.py");
    let child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip_or_fail(&format!("no `{python}` on PATH"));
            return None;
        }
        Err(e) => panic!("cannot start {python}: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Some(out.stdout),
        Some(MISSING) => {
            skip_or_fail(stderr.trim());
            None
        }
        _ => panic!("{python} interop.py failed ({}): {stderr}", out.status),
    }
}
