//! `yiwang bench kpi`: the KPIs over a large history.
//!
//! 1. The demo city, then N cases (default 10,000,000) over three years of its published items
//!    by set-based SQL (`INSERT … SELECT` over a recursive counter), with first ratings for a
//!    third of the concluded ones and a follow-up per bad rating ([`history`]).
//! 2. The full refresh (`SupervisionService::refresh`: every domain's facts over the three
//!    years, one grouped pass per family, the months rolled up), timed; beside a bare
//!    `GROUP BY` of the same cases per department and Shanghai day in the same run (the floor
//!    any refresh pays); then the incremental (daily) refresh.
//! 3. The leader's screen over HTTP (`GET /api/v1/supervision/screen`, a signed-in leader) at
//!    16 clients: p50 and p99. Target: p99 < 200 ms.

pub mod history;

use std::sync::Arc;
use std::time::Instant;

use hyper::StatusCode;
use yiwang_identity::{Keys, StaffInput};
use yiwang_kernel::auth::Ctx;
use yiwang_store::{Backend, Conn};
use yiwang_supervision::kpi::RefreshMode;
use yiwang_web::{AppState, ServiceSettings, Services, WebConfig};

use crate::http::{Http, Server};
use crate::load::{cores, drive, first_error};
use crate::setup::{PASSWORD, Scratch, clock};

/// The leader's screen.
const SCREEN: &str = "/api/v1/supervision/screen";

/// The screen's target p99 (milliseconds).
const TARGET_P99_MS: f64 = 200.0;

/// The bare floor: the cases concluded per department and Shanghai day, with the on-time
/// count — the work of the heaviest family of facts, without Yiwang.
fn bare_group_by(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT department_id, date(concluded_at, '+8 hours') AS d, COUNT(*), \
             SUM(CASE WHEN promised_due IS NULL OR promised_due >= date(concluded_at, '+8 hours') \
             THEN 1 ELSE 0 END) FROM cases WHERE concluded_at IS NOT NULL GROUP BY 1, 2"
        }
        Backend::Postgres => {
            "SELECT department_id, (concluded_at AT TIME ZONE 'Asia/Shanghai')::date AS d, COUNT(*), \
             SUM(CASE WHEN promised_due IS NULL OR promised_due >= (concluded_at AT TIME ZONE 'Asia/Shanghai')::date \
             THEN 1 ELSE 0 END) FROM cases WHERE concluded_at IS NOT NULL GROUP BY 1, 2"
        }
    }
}

#[derive(sqlx::FromRow)]
struct Grouped {
    department_id: i64,
}

/// Runs the benchmark.
pub async fn run(
    cases: u64,
    clients: usize,
    seconds: u64,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let scratch = Scratch::open(database_url, 16).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let keys = Keys::ephemeral()?;
    let t0 = Instant::now();
    yiwang_demo::load(&db, clock.clone(), keys.clone()).await?;
    let config = WebConfig::default();
    let settings = ServiceSettings::new(db.clone(), clock.clone(), keys.clone());
    let state = AppState::new(config.clone(), Services::build(&config, settings))?;
    let items = history::items(&db).await?;
    println!(
        "kpi: demo city ({} published items) in {:.1} s on {}; {} cores",
        items.len(),
        t0.elapsed().as_secs_f64(),
        scratch.describe(),
        cores()
    );

    // 1. The history.
    let today = clock.today();
    let t1 = Instant::now();
    let step = (cases / 10).max(1);
    let mut next = step;
    let w = history::write(&db, &keys, &items, cases, today, |n| {
        if n >= next {
            println!(
                "  {n} cases written ({:.0} /s)",
                n as f64 / t1.elapsed().as_secs_f64().max(1e-9)
            );
            next += step;
        }
    })
    .await?;
    let written = t1.elapsed();
    println!(
        "generated {} cases over three years, {} ratings and {} follow-ups in {:.1} s ({:.0} cases/s, INSERT … SELECT)",
        w.cases,
        w.ratings,
        w.followups,
        written.as_secs_f64(),
        w.cases as f64 / written.as_secs_f64().max(1e-9)
    );

    // 2. The full refresh beside the bare GROUP BY.
    let from = today
        .replace_year(today.year() - 3)
        .unwrap_or(today)
        .replace_day(1)
        .unwrap_or(today);
    let t2 = Instant::now();
    let r = state
        .supervision
        .refresh(&Ctx::system("bench"), RefreshMode::Full { from })
        .await?;
    let refresh = t2.elapsed();
    let t3 = Instant::now();
    let mut c = db.clone();
    let groups: Vec<Grouped> = c.fetch_all(bare_group_by(db.backend()), &[]).await?;
    let bare = t3.elapsed();
    let departments: std::collections::HashSet<i64> =
        groups.iter().map(|g| g.department_id).collect();
    println!(
        "full refresh: {:.1} s ({} day rows, {} months); bare GROUP BY of the cases per department and day: {:.1} s ({} groups, {} departments); refresh = {:.1}× the bare GROUP BY",
        refresh.as_secs_f64(),
        r.rows,
        r.months,
        bare.as_secs_f64(),
        groups.len(),
        departments.len(),
        refresh.as_secs_f64() / bare.as_secs_f64().max(1e-9)
    );
    for step in &r.steps {
        println!(
            "  {:<9} {:>8} rows {:>7.1} s",
            step.name,
            step.rows,
            step.elapsed.as_secs_f64()
        );
    }
    let t4 = Instant::now();
    let inc = state
        .supervision
        .refresh(&Ctx::system("bench"), RefreshMode::Incremental)
        .await?;
    println!(
        "incremental refresh (45-day window): {:.1} s ({} day rows)",
        t4.elapsed().as_secs_f64(),
        inc.rows
    );

    // 3. The leader's screen over HTTP.
    let city = yiwang_org::service::departments_in(
        &mut c,
        &yiwang_org::repo::DepartmentFilter {
            division: Some(state.supervision.home_division().clone()),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| anyhow::anyhow!("no department in the home division"))?;
    state
        .identity
        .create_staff(
            &Ctx::system("bench"),
            &StaffInput {
                username: "bench_leader".into(),
                name: "压测领导".into(),
                department_id: city.id,
                roles: vec!["leader".into()],
                password: PASSWORD.into(),
            },
        )
        .await?;
    let (token, _) = state.identity.sign_in("bench_leader", PASSWORD, "").await?;
    let cookie = Arc::new(format!("yiwang_session={token}"));
    let server = Server::start(state.clone()).await?;
    let http = Http::new(&server.base, clients);
    let get = move |http: Http, cookie: Arc<String>| async move {
        let Ok(req) = http
            .request(hyper::Method::GET, SCREEN)
            .header("cookie", cookie.as_str())
            .body(http_body_util::Full::default())
        else {
            return false;
        };
        match http.send(req).await {
            Some(a) if a.status == StatusCode::OK => true,
            Some(a) => {
                first_error(
                    "screen",
                    &format!("{} {}", a.status, String::from_utf8_lossy(&a.body)),
                );
                false
            }
            None => {
                first_error("screen", "no answer");
                false
            }
        }
    };
    if !get(http.clone(), cookie.clone()).await {
        anyhow::bail!("the leader's screen failed");
    }
    let screen = {
        let (http, cookie) = (http.clone(), cookie.clone());
        drive(clients, seconds, move |_, _| {
            get(http.clone(), cookie.clone())
        })
        .await?
    };
    server.stop();
    println!("{}", screen.line("leader screen (HTTP)"));
    let p99 = screen.hist.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "leader screen p99 {p99:.1} ms (target < {TARGET_P99_MS:.0} ms): {}",
        if p99 < TARGET_P99_MS {
            "met"
        } else {
            "NOT met"
        }
    );
    db.close().await;
    Ok(())
}
