//! An acknowledged `put` survives `kill -9`.
//!
//! The test spawns this test binary again, running only `crash_child` with
//! `YIWANG_FILES_CRASH_DIR` set. The child stores distinct files one after another and prints
//! `acked <digest>` after each `put` returns. The parent reads those lines and, right after the
//! n-th, kills the child with SIGKILL — typically in the middle of the next `put`. Then every
//! acknowledged digest must be present and verify, and every file under a final name must be
//! complete (a half-written file may only ever exist as a `.put-*.tmp`).
//!
//! No sleeps: the parent synchronises on the child's output lines only. (SIGKILL loses the
//! process, not the page cache; the power-loss half of the promise rests on the fsyncs, which
//! this test cannot observe.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use bytes::Bytes;
use yiwang_files::{FileStore, LocalFileStore, Sm3Hex};

const CHILD_ENV: &str = "YIWANG_FILES_CRASH_DIR";

/// Runs only as the child (when the variable is set); otherwise passes at once.
#[tokio::test]
async fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = LocalFileStore::open(&dir).unwrap();
    let mut out = std::io::stdout();
    for i in 0..200u32 {
        // Distinct PNGs of 256 KiB to 1.25 MiB, so that a kill may land inside a write.
        let comment = format!("{i:08x}").repeat(32_768 * (1 + (i as usize % 5)));
        let stored = store
            .put(Bytes::from(common::png_with(comment.as_bytes())))
            .await
            .unwrap();
        writeln!(out, "acked {}", stored.digest_sm3_hex).unwrap();
        out.flush().unwrap();
    }
    // Never expected to get here; wait for the parent without sleeping (EOF when it is gone).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

fn run_and_kill_after(acks_wanted: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(digest) = line.strip_prefix("acked ") {
            acked.push(Sm3Hex::parse(digest).unwrap());
            if acked.len() == acks_wanted {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
    }
    let status = child.wait().unwrap();
    assert_eq!(
        acked.len(),
        acks_wanted,
        "the child stopped early: {status:?}"
    );
    assert_eq!(
        status.signal(),
        Some(9),
        "the child was killed, not finished"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = LocalFileStore::open(dir.path()).unwrap();
        for digest in &acked {
            let bytes = store.get(digest).await.unwrap();
            let bytes = bytes.unwrap_or_else(|| panic!("acknowledged {digest} is missing"));
            assert!(digest.matches(&bytes));
        }
        // Whatever else is under a final name is complete too; leftovers are only temp files.
        let mut finals = 0;
        for ab in std::fs::read_dir(store.root()).unwrap() {
            for cd in std::fs::read_dir(ab.unwrap().path()).unwrap() {
                for f in std::fs::read_dir(cd.unwrap().path()).unwrap() {
                    let name = f.unwrap().file_name().into_string().unwrap();
                    if name.starts_with(".put-") && name.ends_with(".tmp") {
                        continue;
                    }
                    let digest = Sm3Hex::parse(&name).unwrap();
                    assert!(store.get(&digest).await.unwrap().is_some());
                    finals += 1;
                }
            }
        }
        assert!(
            finals == acked.len() || finals == acked.len() + 1,
            "{finals}"
        );
    });
}

#[test]
fn acknowledged_puts_survive_sigkill() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    for acks in [1, 4, 9] {
        run_and_kill_after(acks);
    }
}
