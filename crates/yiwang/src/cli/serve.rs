//! `yiwang serve`: its configuration ([`ServeConfig`], one typed value from the flags and
//! environment) and the server's run: open the database, resume imports, optionally load the
//! demo city, listen, sweep deadlines and licence expiry in the background, shut down gracefully.
//! Several `serve` processes may share one database: each periodic job runs on the one replica
//! holding its lease ([`super::replica`], docs/replicas.md).

use std::process::ExitCode;
use std::sync::Arc;

use yiwang_demo::progress::Phase;
use yiwang_kernel::codes::DivisionCode;
use yiwang_web::metrics;
use yiwang_web::pages::DemoHint;
use yiwang_web::{AppState, IpNet, ServiceSettings, Services, WebConfig};

use crate::config::{self, DbArgs};
use crate::{clock, kernel_err};

use super::replica::{self, my_turn};
use super::setup::print_demo;

/// Everything `serve` is configured with: each field is a flag with an environment variable.
#[derive(clap::Args, Debug)]
pub struct ServeConfig {
    // The database settings (`--data-dir`, `--database-url` and their environment variables).
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "YIWANG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Load the demo city (湛江市) if it is not there yet.
    #[arg(long, env = "YIWANG_DEMO")]
    pub demo: bool,
    /// Mark cookies Secure (when served behind TLS).
    #[arg(long, env = "YIWANG_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The address people and department systems reach Yiwang at (`https://host[:port]`):
    /// the OpenID Connect issuer of single sign-on.
    #[arg(
        long,
        env = "YIWANG_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
    /// Failed sign-ins of one account name, within the window, that lock it.
    #[arg(long, env = "YIWANG_LOCKOUT_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub lockout_failures: i64,
    /// The lockout window in minutes.
    #[arg(long, env = "YIWANG_LOCKOUT_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(i64).range(1..=1440))]
    pub lockout_minutes: i64,
    /// Working days a department has to follow up a bad rating (差评整改).
    #[arg(long, env = "YIWANG_FOLLOWUP_DAYS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub followup_days: u32,
    /// The division this node serves (GB/T 2260, county level or above, in the embedded
    /// registry): the public pages list its halls and departments. Default 湛江市.
    #[arg(long, env = "YIWANG_HOME_DIVISION", default_value_t = yiwang_web::default_home_division(), value_parser = config::home_division)]
    pub home_division: DivisionCode,
    /// A reverse proxy whose `X-Forwarded-For` is believed: an address or CIDR block; repeat
    /// the flag or separate with commas. Empty (the default): the TCP peer is the source.
    #[arg(long = "trusted-proxy", env = "YIWANG_TRUSTED_PROXIES", value_delimiter = ',', value_parser = config::trusted_proxy)]
    pub trusted_proxies: Vec<IpNet>,
    /// The bearer token a Prometheus scraper presents to read `/metrics` from another host
    /// (without it, only loopback may read them).
    #[arg(long, env = "YIWANG_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// On SIGTERM or Ctrl-C: seconds to let requests in flight finish before closing anyway.
    #[arg(long, env = "YIWANG_DRAIN_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub drain_seconds: u64,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections; finishing requests in flight");
}

/// Waits until `stop` says true (or its sender is gone).
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Waits for the next tick, or for the stop; `false` when stopping. A job is never interrupted
/// in the middle: it runs to its end, then the loop sees the stop here (the safe point).
async fn next_tick(
    every: &mut tokio::time::Interval,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        biased;
        () = stopped(stop) => false,
        _ = every.tick() => true,
    }
}

/// How often the server recomputes due dates and warnings of open cases.
const SWEEP_EVERY_SECS: u64 = 600;
/// How often the KPI facts are refreshed (seconds).
const KPI_REFRESH_SECS: u64 = 600;

/// `yiwang serve`: runs the platform until Ctrl-C or SIGTERM.
pub async fn run(cfg: ServeConfig) -> anyhow::Result<ExitCode> {
    let ServeConfig {
        db,
        listen,
        demo,
        secure_cookies,
        public_url,
        lockout_failures,
        lockout_minutes,
        followup_days,
        home_division,
        trusted_proxies,
        metrics_token,
        drain_seconds,
    } = cfg;
    let lockout = yiwang_identity::LockoutPolicy {
        max_failures: lockout_failures,
        window: time::Duration::minutes(lockout_minutes),
    };
    let public_url = config::public_url(&public_url)?;
    let pool = db.open_logged().await?;
    tracing::info!(database = %db.describe(), "database ready");
    let phase = Phase::start("services");
    let keys = db.keys()?;
    let config = WebConfig {
        secure_cookies,
        public_url,
        identity: yiwang_identity::IdentityConfig {
            lockout,
            ..Default::default()
        },
        home_division,
        trusted_proxies,
        metrics_token: metrics_token.filter(|t| !t.is_empty()),
        ..WebConfig::default()
    };
    let files = db.file_store().await?;
    let services = Services::build(
        &config,
        ServiceSettings {
            db: pool.clone(),
            clock: clock(),
            keys: keys.clone(),
            files: files.clone(),
            cases: yiwang_cases::CaseConfig {
                followup_days,
                ..Default::default()
            },
        },
    );
    let mut state = AppState::new(config, services).map_err(kernel_err)?;
    if demo {
        // The sign-in page's hint: the demo's accounts and password, known before the load.
        let hints = yiwang_demo::accounts()
            .iter()
            .map(|a| DemoHint {
                username: a.username.to_string(),
                role: format!("{} {}", a.role_zh, a.role_en),
                department: a.department.to_string(),
            })
            .collect();
        state = state
            .with_demo_hint(Arc::new((hints, yiwang_demo::DEMO_PASSWORD.to_string())))
            .map_err(kernel_err)?;
    }
    // The routes are built before the demo load (issue 17): building them makes and drops the
    // OpenAPI document (about 12 MB of small blocks), so that the load can reuse that freed
    // heap. Measured: −8 MiB anonymous at `/healthz` in a debug build; in release the RSS after
    // the demo was the same within noise (BENCHMARKS.md, start-up, 2026-12-07 18:30).
    let app = yiwang_web::app(state.clone());
    report_calendar_coverage(&state).await;
    let phase = phase.next("resume imports and loads");
    // Licence imports left unfinished by a stopped process go on from their last batch.
    match state.imports.resume_all().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "resuming licence imports"),
        Err(e) => tracing::error!(error = %e, "cannot list unfinished licence imports"),
    }
    // Exchange loads (归集) left unfinished go on from their last committed batch.
    match state.collector.resume_all().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(loads = n, "resuming exchange loads"),
        Err(e) => tracing::error!(error = %e, "cannot list unfinished exchange loads"),
    }
    phase.done();
    if demo {
        let r = yiwang_demo::load_with_files(&pool, clock(), keys.clone(), files)
            .await
            .map_err(kernel_err)?;
        print_demo(&r);
        let phase = Phase::start("kpi refresh after the demo");
        crate::cli::kpi::refresh_after_demo(&state.supervision).await;
        phase.done();
    }
    let phase = Phase::start("listen");
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow::anyhow!("无法监听 cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    phase.done();
    println!("Yiwang 一网通办 is running at http://{addr}/ (Ctrl-C to stop)");
    // Keeps due dates and warning colours current (also when no one acts on a case).
    // Also tells licence holders of licences about to expire or expired (once each).
    // Background jobs share one stop signal, sent when shutdown begins.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut jobs = Vec::new();
    // This replica's heartbeat: its row in `nodes`, the live count, the leases of its jobs.
    let (node, db) = (state.node.clone(), state.db.clone());
    jobs.push(tokio::spawn(replica::heartbeat(
        node.clone(),
        db.clone(),
        state.clock.clone(),
        keys.clone(),
        addr.to_string(),
        stop_rx.clone(),
    )));
    let sweeper = state.cases.clone();
    let licences = state.licences.clone();
    let (calendar, appeals, clock) = (
        state.calendar.clone(),
        state.appeals.clone(),
        state.clock.clone(),
    );
    let mut stop = stop_rx.clone();
    let (n, d) = (node.clone(), db.clone());
    jobs.push(tokio::spawn(async move {
        let (node, db) = (n, d);
        let mut every = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_SECS));
        let mut covered: Vec<i32> = Vec::new();
        while next_tick(&mut every, &mut stop).await {
            if my_turn(&node, &db, &clock, replica::APPEAL_REDATE).await {
                redate_appeals(&calendar, &appeals, clock.today().year(), &mut covered).await;
            }
            if my_turn(&node, &db, &clock, replica::LICENCE_EXPIRY).await {
                let started = std::time::Instant::now();
                let expiry = licences.sweep_expiry().await;
                metrics::job_ran("licence_expiry", started, expiry.is_ok());
                match expiry {
                    Ok(r) => tracing::debug!(
                        expiring = r.expiring,
                        expired = r.expired,
                        "licence expiry sweep"
                    ),
                    Err(e) => tracing::warn!(error = %e, "licence expiry sweep failed"),
                }
            }
            if !my_turn(&node, &db, &clock, replica::DEADLINE_SWEEP).await {
                continue;
            }
            let started = std::time::Instant::now();
            let sweep = sweeper.sweep().await;
            metrics::job_ran("deadline_sweep", started, sweep.is_ok());
            match sweep {
                Ok(r) => {
                    metrics::warnings_raised("case_warning_changed", r.changed);
                    tracing::debug!(
                        checked = r.checked,
                        changed = r.changed,
                        red = r.red,
                        "deadline sweep"
                    )
                }
                Err(e) => tracing::warn!(error = %e, "deadline sweep failed"),
            }
        }
    }));
    // Keeps the KPI figures current (考评指标): an incremental refresh every ten minutes.
    let supervision = state.supervision.clone();
    let mut stop = stop_rx.clone();
    let (n, d, clock) = (node.clone(), db.clone(), state.clock.clone());
    jobs.push(tokio::spawn(async move {
        let (node, db) = (n, d);
        let mut every = tokio::time::interval(std::time::Duration::from_secs(KPI_REFRESH_SECS));
        let ctx = yiwang_kernel::auth::Ctx::system("kpi-refresh");
        while next_tick(&mut every, &mut stop).await {
            if !my_turn(&node, &db, &clock, replica::KPI_REFRESH).await {
                continue;
            }
            let started = std::time::Instant::now();
            let refreshed = supervision
                .refresh(&ctx, yiwang_supervision::kpi::RefreshMode::Incremental)
                .await;
            metrics::job_ran("kpi_refresh", started, refreshed.is_ok());
            match refreshed {
                Ok(r) => tracing::debug!(rows = r.rows, months = r.months, "kpi refresh"),
                Err(e) => tracing::warn!(error = %e, "kpi refresh failed"),
            }
        }
    }));
    // Electronic supervision (电子监察): the monitoring rules over new process data and the
    // open cases' colours, raising each warning once.
    let watch = state.supervision.clone();
    let mut stop = stop_rx.clone();
    let (n, d, clock) = (node.clone(), db.clone(), state.clock.clone());
    jobs.push(tokio::spawn(async move {
        let (node, db) = (n, d);
        let mut every = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_SECS));
        let ctx = yiwang_kernel::auth::Ctx::system("watch");
        while next_tick(&mut every, &mut stop).await {
            if !my_turn(&node, &db, &clock, replica::SUPERVISION_SCAN).await {
                continue;
            }
            let started = std::time::Instant::now();
            let scanned = watch.scan(&ctx).await;
            metrics::job_ran("supervision_scan", started, scanned.is_ok());
            match scanned {
                Ok(r) => {
                    metrics::warnings_raised("supervision", u64::try_from(r.raised).unwrap_or(0));
                    tracing::debug!(events = r.events, raised = r.raised, "supervision scan")
                }
                Err(e) => tracing::warn!(error = %e, "supervision scan failed"),
            }
        }
    }));
    drain(
        listener,
        app,
        stop_tx,
        stop_rx,
        jobs,
        std::time::Duration::from_secs(drain_seconds),
    )
    .await?;
    replica::leave(&node, &db).await;
    pool.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// When the calendar covers a year it did not before (an import here, on another replica or
/// from the command line), recomputes the work orders whose due dates were estimated into it.
async fn redate_appeals(
    calendar: &yiwang_calendar::CalendarService,
    appeals: &yiwang_appeals::AppealService,
    this_year: i32,
    seen: &mut Vec<i32>,
) {
    let Ok(cal) = calendar.current().await else {
        return;
    };
    let now: Vec<i32> = cal.years().map(|y| y.year).collect();
    let ctx = yiwang_kernel::auth::Ctx::system("appeal-redate");
    for year in now
        .iter()
        .copied()
        .filter(|y| *y >= this_year && !seen.contains(y))
    {
        match appeals.redate(&ctx, year).await {
            Ok(r) if r.moved > 0 => {
                tracing::info!(
                    year,
                    moved = r.moved,
                    "recomputed estimated appeal due dates"
                )
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, year, "recomputing appeal due dates failed");
                return;
            }
        }
    }
    *seen = now;
}

/// Serves until SIGTERM or Ctrl-C, then drains: the listener stops accepting, idle
/// connections close, requests in flight get up to `grace` to finish (then their connections
/// are dropped), and the background jobs stop at their next safe point (a job that is running
/// finishes first; each commits its own work, so one cut short by the process ending is
/// simply run again later). Licence imports and exchange loads commit batch by batch and go on
/// from their last committed batch at the next start.
async fn drain(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    stop_tx: tokio::sync::watch::Sender<bool>,
    mut stop_rx: tokio::sync::watch::Receiver<bool>,
    jobs: Vec<tokio::task::JoinHandle<()>>,
    grace: std::time::Duration,
) -> anyhow::Result<()> {
    let signal = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    let server = yiwang_web::serve(listener, app, signal);
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => r?,
        () = async {
            stopped(&mut stop_rx).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(
                seconds = grace.as_secs(),
                "drain time over: closing the connections still open"
            );
        }
    }
    let jobs_done = async {
        for j in jobs {
            let _ = j.await;
        }
    };
    if tokio::time::timeout(grace.max(std::time::Duration::from_secs(1)), jobs_done)
        .await
        .is_err()
    {
        tracing::warn!("a background job did not reach a safe point in time; stopping anyway");
    }
    Ok(())
}

/// Says at start-up when this year or the next has no holiday arrangement loaded: working-day
/// exact questions about such a year are refused (`calendar.year_missing`); the acts that must go
/// on (appeals, ratings, sharing decisions) estimate it and say so (`yiwang_calendar::estimate`).
async fn report_calendar_coverage(state: &AppState) {
    let this_year = state.clock.today().year();
    match state.calendar.current().await {
        Ok(cal) => {
            for year in [this_year, this_year + 1] {
                if !cal.covers(year) {
                    tracing::warn!(
                        year,
                        "未载入该年度节假日安排 no holiday arrangement for this year: working-day \
                         questions about it are refused until a system administrator imports it \
                         (yiwang calendar import --year {year} FILE.csv)"
                    );
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot load the working-day calendar"),
    }
}
