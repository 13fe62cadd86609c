//! `yiwang bench startup`: start-up time and resident memory of a node (issue 17: a node that
//! has just loaded the demo city sits under 100 MB RSS, and the first start with the demo takes
//! under 3 s).
//!
//! Spawns this very executable (`std::env::current_exe()`) as `serve --demo` on a fresh
//! temporary data directory and a free loopback port, times the start until `GET /healthz`
//! answers 200, reads the child's `VmRSS` and `VmHWM` from `/proc/<pid>/status` at that moment,
//! and again after a settling time (`--settle-seconds`: the background jobs' first round runs
//! at start), stops it with SIGTERM, then starts it again without `--demo` on the same directory and
//! measures the same. The child logs JSON (`YIWANG_LOG_FORMAT=json`); its `start-up phase`
//! lines (migrations, each part of the demo, the KPI refresh, …: time and RSS after each) are
//! printed under each start.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::Value;

use crate::http::Http;

/// The targets of issue 17.
const TARGET_RSS_MB: f64 = 100.0;
const TARGET_FIRST_START_S: f64 = 3.0;
/// The message of the server's per-phase log lines (`yiwang::startup`).
const PHASE_MESSAGE: &str = "start-up phase";

/// One start measured.
struct Start {
    /// Until `/healthz` answered 200.
    ready: Duration,
    /// Resident and peak resident set size (KiB) when it answered.
    rss_kib: u64,
    hwm_kib: u64,
    /// Of the RSS then: anonymous memory (the heap, stacks) and file pages (mostly the
    /// executable's own code and data, far smaller in a release build).
    anon_kib: u64,
    file_kib: u64,
    /// CPU time the server had used by then (user + system).
    cpu: Duration,
    /// VmRSS after the server had been left alone for the settling time (its background jobs'
    /// first round — deadline sweep, KPI refresh, supervision scan — done).
    settled_kib: u64,
    /// The server's own phase lines: (phase, milliseconds, RSS in MiB after it).
    phases: Vec<(String, f64, Option<f64>)>,
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// The user + system CPU time of a process (`/proc/<pid>/stat`, fields 14 and 15, in clock
/// ticks of 1/100 s, the `USER_HZ` of every Linux platform Yiwang runs on).
fn cpu_time(pid: u32) -> Option<Duration> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &s[s.rfind(')')? + 1..];
    let mut f = rest.split_whitespace().skip(11);
    let utime: u64 = f.next()?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// A port free on loopback now (the child binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The phase lines of the child's JSON log.
fn phases(log: &Path) -> Vec<(String, f64, Option<f64>)> {
    let Ok(text) = std::fs::read_to_string(log) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            let f = v.get("fields")?;
            if f.get("message")?.as_str()? != PHASE_MESSAGE {
                return None;
            }
            Some((
                f.get("phase")?.as_str()?.to_string(),
                f.get("ms")?.as_f64()?,
                f.get("rss_mib").and_then(Value::as_f64),
            ))
        })
        .collect()
}

/// Starts `serve` on `data`, waits for `/healthz`, measures, stops it with SIGTERM.
async fn start(
    exe: &Path,
    data: &Path,
    demo: bool,
    log: &Path,
    settle: Duration,
) -> anyhow::Result<Start> {
    let port = free_port()?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--public-url")
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("--drain-seconds")
        .arg("5");
    if demo {
        cmd.arg("--demo");
    }
    // Only what is given here: no database, file store, key ring or config of the caller's.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("YIWANG_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("YIWANG_LOG_FORMAT", "json")
        .env("YIWANG_LOG", "info,sqlx=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the server exited at once"))?;
    let http = Http::new(&format!("http://127.0.0.1:{port}"), 1);
    let health: hyper::Uri = http.url("/healthz").parse()?;
    let ready = loop {
        if let Some(a) = http.get(health.clone()).await
            && a.status == StatusCode::OK
        {
            break started.elapsed();
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!(
                "the server stopped before answering ({status}); its log: {}",
                log.display()
            );
        }
        if started.elapsed() > Duration::from_secs(600) {
            anyhow::bail!(
                "no answer from /healthz within 600 s; log: {}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let rss_kib = status_kib(pid, "VmRSS").unwrap_or(0);
    let hwm_kib = status_kib(pid, "VmHWM").unwrap_or(0);
    let anon_kib = status_kib(pid, "RssAnon").unwrap_or(0);
    let file_kib = status_kib(pid, "RssFile").unwrap_or(0);
    let cpu = cpu_time(pid).unwrap_or_default();
    tokio::time::sleep(settle).await;
    let settled_kib = status_kib(pid, "VmRSS").unwrap_or(0);
    let term = tokio::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .await?;
    if !term.success() {
        anyhow::bail!("kill -TERM {pid} failed");
    }
    match tokio::time::timeout(Duration::from_secs(60), child.wait()).await {
        Ok(status) => {
            let status = status?;
            if !status.success() {
                anyhow::bail!("the server exited with {status}; log: {}", log.display());
            }
        }
        Err(_) => anyhow::bail!("the server did not stop within 60 s of SIGTERM"),
    }
    Ok(Start {
        ready,
        rss_kib,
        hwm_kib,
        anon_kib,
        file_kib,
        cpu,
        settled_kib,
        phases: phases(log),
    })
}

fn print(title: &str, s: &Start, time_target: Option<f64>) {
    let secs = s.ready.as_secs_f64();
    let time_verdict = match time_target {
        Some(t) if secs < t => format!(" (target < {t} s: met)"),
        Some(t) => format!(" (target < {t} s: not met)"),
        None => String::new(),
    };
    let rss = mb(s.rss_kib);
    let rss_verdict = if rss < TARGET_RSS_MB {
        "met"
    } else {
        "not met"
    };
    println!("{title}");
    println!(
        "  /healthz 200 after {secs:.2} s{time_verdict}; the server's CPU time by then {:.2} s",
        s.cpu.as_secs_f64()
    );
    println!(
        "  VmRSS {:.1} MiB = {rss:.1} MB (target < {TARGET_RSS_MB} MB: {rss_verdict}); VmHWM {:.1} MiB = {:.1} MB",
        mib(s.rss_kib),
        mib(s.hwm_kib),
        mb(s.hwm_kib)
    );
    println!(
        "  of the RSS: anonymous {:.1} MiB, file pages (the executable) {:.1} MiB; VmRSS after settling {:.1} MiB = {:.1} MB",
        mib(s.anon_kib),
        mib(s.file_kib),
        mib(s.settled_kib),
        mb(s.settled_kib)
    );
    if !s.phases.is_empty() {
        println!("  phases (the server's `{PHASE_MESSAGE}` lines: time, RSS after):");
        for (phase, ms, rss) in &s.phases {
            match rss {
                Some(r) => println!("    {phase:<28} {:>8.2} s  {r:>7.1} MiB", ms / 1000.0),
                None => println!("    {phase:<28} {:>8.2} s", ms / 1000.0),
            }
        }
    }
}

/// Runs the benchmark: the first start with the demo, then a restart without it. `keep`
/// leaves the data directory and logs in place (their path is printed).
pub async fn run(keep: bool, settle_seconds: u64) -> anyhow::Result<()> {
    let settle = Duration::from_secs(settle_seconds);
    let exe = std::env::current_exe()?;
    let dir = tempfile::Builder::new()
        .prefix("yiwang-startup-")
        .tempdir()?;
    let data: PathBuf = dir.path().join("data");
    println!(
        "start-up: {} serve on a fresh data directory ({}){}",
        exe.display(),
        data.display(),
        if cfg!(debug_assertions) {
            " — DEBUG build: re-measure in release"
        } else {
            ""
        }
    );
    let first = start(&exe, &data, true, &dir.path().join("first.log"), settle).await?;
    print(
        "first start, serve --demo (migrations, demo city, KPI refresh):",
        &first,
        Some(TARGET_FIRST_START_S),
    );
    let second = start(&exe, &data, false, &dir.path().join("restart.log"), settle).await?;
    print("restart without --demo, same directory:", &second, None);
    if keep {
        let kept = dir.keep();
        println!("kept: {} (data/, first.log, restart.log)", kept.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_lines_are_read_from_the_json_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        std::fs::write(
            &log,
            concat!(
                "{\"level\":\"INFO\",\"fields\":{\"message\":\"database ready\"}}\n",
                "not json\n",
                "{\"level\":\"INFO\",\"fields\":{\"message\":\"start-up phase\",\"phase\":\"migrations\",\"ms\":12.5,\"rss_mib\":20.0}}\n",
                "{\"level\":\"INFO\",\"fields\":{\"message\":\"start-up phase\",\"phase\":\"demo: cases\",\"ms\":3}}\n",
            ),
        )
        .unwrap();
        assert_eq!(
            phases(&log),
            vec![
                ("migrations".to_string(), 12.5, Some(20.0)),
                ("demo: cases".to_string(), 3.0, None),
            ]
        );
    }

    #[test]
    fn this_process_has_a_resident_set() {
        let pid = std::process::id();
        let rss = status_kib(pid, "VmRSS").unwrap();
        let hwm = status_kib(pid, "VmHWM").unwrap();
        assert!(rss > 0 && hwm >= rss, "{rss} {hwm}");
        assert_eq!(status_kib(pid, "NoSuchField"), None);
        assert!(cpu_time(pid).is_some());
    }
}
