//! Operations metrics in the Prometheus text format at `/metrics`: requests and their latency
//! per route, the database pool, the SQLite write gate's queue, background jobs and the
//! warnings they raise, the live replicas and the job leases held. Recorded through the `metrics` facade (the store records the write
//! gate's wait itself); rendered by `metrics-exporter-prometheus`, installed once per process.
//!
//! Who may read it: a request from a loopback address (the resolved source address, so a
//! request forwarded by a trusted proxy counts as its client's), or one carrying
//! `Authorization: Bearer <token>` with the configured metrics token (`--metrics-token`,
//! `YIWANG_METRICS_TOKEN`). Anyone else gets 404, as if there were nothing here.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;
use crate::proxy::source_of;

/// Requests answered, by method, route template and status.
pub const REQUESTS: &str = "yiwang_http_requests_total";
/// Seconds from the request to its answer's head, by method and route template.
pub const LATENCY: &str = "yiwang_http_request_duration_seconds";
/// The database pool's connections, by state (`open`, `idle`, `max`).
pub const POOL: &str = "yiwang_db_pool_connections";
/// Background job runs, by job and outcome (`ok`, `error`).
pub const JOB_RUNS: &str = "yiwang_background_job_runs_total";
/// Seconds a background job run took, by job.
pub const JOB_SECONDS: &str = "yiwang_background_job_duration_seconds";
/// Warnings raised by background jobs, by kind (`case_red`, `case_changed`, rule codes…).
pub const WARNINGS: &str = "yiwang_warnings_raised_total";
/// Live replicas on the database as this node counted them at its last heartbeat.
pub const NODES_LIVE: &str = "yiwang_nodes_live";
/// Periodic jobs whose lease this node holds (0 on every replica but one, normally).
pub const JOBS_HELD: &str = "yiwang_job_leases_held";

const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (`None` when another recorder was installed
/// first; then `/metrics` answers 503).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(h) => {
                    describe();
                    Some(h)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!(REQUESTS, "HTTP requests answered");
    metrics::describe_histogram!(LATENCY, metrics::Unit::Seconds, "HTTP request latency");
    metrics::describe_gauge!(POOL, "database pool connections");
    metrics::describe_histogram!(
        yiwang_store::WRITE_GATE_WAIT,
        metrics::Unit::Seconds,
        "time SQLite writers queue for the write gate"
    );
    metrics::describe_counter!(JOB_RUNS, "background job runs");
    metrics::describe_histogram!(
        JOB_SECONDS,
        metrics::Unit::Seconds,
        "background job run time"
    );
    metrics::describe_counter!(WARNINGS, "warnings raised by background jobs");
    metrics::describe_gauge!(
        NODES_LIVE,
        "live replicas on the database (this node's count)"
    );
    metrics::describe_gauge!(JOBS_HELD, "periodic job leases this node holds");
}

/// Counts every request and times it, labelled with its route template (`/cases/{no}`), never
/// the concrete path (no case numbers or personal data in labels; unmatched paths share one).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Records one run of a background job: its outcome and duration.
pub fn job_ran(job: &'static str, started: Instant, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!(JOB_RUNS, "job" => job, "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_SECONDS, "job" => job).record(started.elapsed().as_secs_f64());
}

/// Records a heartbeat's count of live replicas and of the job leases this node holds.
pub fn replicas(live: usize, jobs_held: usize) {
    metrics::gauge!(NODES_LIVE).set(live as f64);
    metrics::gauge!(JOBS_HELD).set(jobs_held as f64);
}

/// Counts warnings a background job raised.
pub fn warnings_raised(kind: &'static str, count: u64) {
    if count > 0 {
        metrics::counter!(WARNINGS, "kind" => kind).increment(count);
    }
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    if !allowed(&state, &req) {
        return crate::pages::not_found_page();
    }
    let Some(handle) = handle() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        )
            .into_response();
    };
    let pool = state.db.pool_stats();
    metrics::gauge!(POOL, "state" => "open").set(f64::from(pool.open));
    metrics::gauge!(POOL, "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!(POOL, "state" => "max").set(f64::from(pool.max));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

fn allowed(state: &AppState, req: &Request) -> bool {
    let source = source_of(req.extensions());
    if source.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return true;
    }
    let Some(token) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return false;
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    constant_time_eq(presented.as_bytes(), token.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
