//! `yiwang bench …`: reproducible measurements, each printed beside the bare limit measured in
//! the same run. Results and the commands that made them go to BENCHMARKS.md.
//!
//! `bench search`: catalog keyword search over HTTP with N items (default 15,000, Jiangmen's
//! catalog size) and C concurrent clients (default 64) on SQLite, beside the same query mix run
//! in process (no HTTP) with the same concurrency twice: through the in-memory index
//! (`CatalogService::search`) and through the reference SQL (`CatalogService::search_sql`);
//! plus the web layers alone (the router called in process, without TCP).
//!
//! `bench auth` (`bench_auth`) measures credential checks and sign-in; `bench cases`
//! (`bench_cases`) online applications and the progress query.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Subcommand;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use yiwang_catalog::CatalogService;
use yiwang_catalog::index::CatalogIndex;
use yiwang_catalog::search::SearchParams;
use yiwang_kernel::auth::Scope;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::{DivisionLevel, Uscc};
use yiwang_org::model::{DeptKind, NewDepartment};
use yiwang_org::registry;
use yiwang_store::{Db, DbOptions};
use yiwang_web::{AppState, WebConfig};

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Catalog search over HTTP vs. directly, with many items and concurrent clients.
    Search {
        /// Number of published items to search over.
        #[arg(long, default_value_t = 15_000)]
        items: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Session and API-token validation and sign-in throughput, beside bare SM3 and argon2id.
    Auth {
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Online applications (uploads + apply) and progress queries over HTTP, beside bare sqlx
    /// inserts and reads of the same rows.
    Cases {
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Size of each uploaded material file, in bytes.
        #[arg(long, default_value_t = 1024)]
        file_bytes: usize,
    },
    /// Bulk import of N licences through the real domain path, beside bare SM2 signing with
    /// the same number of threads.
    LicenceImport {
        /// Rows in the generated file.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Seconds of each bare-signing measurement (before and after the import).
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Signing threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// SM2 seals and verifications per second, beside the bare `sm2` crate.
    Licences {
        /// Concurrent clients (threads up to the number of cores for the CPU phases).
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

/// The query mix: two-character words, longer phrases, several terms, filters, paging.
pub const QUERIES: &[&str] = &[
    "q=%E8%90%A5%E4%B8%9A",                                      // 营业
    "q=%E7%A4%BE%E4%BF%9D",                                      // 社保
    "q=%E5%85%AC%E7%A7%AF%E9%87%91",                             // 公积金
    "q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5",                    // 食品经营
    "q=%E4%B8%8D%E5%8A%A8%E4%BA%A7%E7%99%BB%E8%AE%B0",           // 不动产登记
    "q=%E6%88%B7%E5%8F%A3",                                      // 户口
    "q=%E5%87%BA%E7%94%9F",                                      // 出生
    "q=%E5%8C%BB%E4%BF%9D",                                      // 医保
    "q=%E9%A9%BE%E9%A9%B6%E8%AF%81",                             // 驾驶证
    "q=%E8%AE%B8%E5%8F%AF",                                      // 许可
    "q=%E8%AF%81%E6%98%8E",                                      // 证明
    "q=%E5%A9%9A%E5%A7%BB",                                      // 婚姻
    "q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7+%E5%8F%98%E6%9B%B4", // 营业执照 变更
    "q=%E7%99%BB%E8%AE%B0&division=440802",                      // 登记 in 赤坎区
    "q=%E5%8A%9E%E7%90%86&page=2",                               // 办理, page 2
    "theme=E01",                                                 // enterprise theme 设立变更
    "theme=P08&division=440800",                                 // personal theme 社会保障
    "online_level=4&item_type=01",                               // fully online licensing
    "licence_free=true",
    "q=%E5%BB%BA%E8%AE%BE%E5%B7%A5%E7%A8%8B", // 建设工程
];

pub async fn run(cmd: BenchCommand) -> anyhow::Result<std::process::ExitCode> {
    match cmd {
        BenchCommand::Search {
            items,
            clients,
            seconds,
            database_url,
        } => search(items, clients, seconds, database_url).await?,
        BenchCommand::Auth { clients, seconds } => crate::bench_auth::run(clients, seconds).await?,
        BenchCommand::Cases {
            clients,
            seconds,
            file_bytes,
        } => crate::bench_cases::run(clients, seconds, file_bytes).await?,
        BenchCommand::LicenceImport {
            rows,
            seconds,
            threads,
            database_url,
        } => crate::bench_import::run(rows, seconds, threads, database_url).await?,
        BenchCommand::Licences { clients, seconds } => {
            crate::bench_licences::run(clients, seconds).await?
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn k(e: yiwang_kernel::Error) -> anyhow::Error {
    crate::kernel_err(e)
}

/// Fills the catalog: the demo city, then copies of its published items claimed by town
/// governments across Zhanjiang until `n` items are published (a large city's catalog is the
/// same items implemented in many places).
async fn populate(db: &Db, clock: Arc<dyn Clock>, n: usize) -> anyhow::Result<usize> {
    use yiwang_catalog::repo;
    yiwang_demo::load(
        db,
        clock.clone(),
        yiwang_identity::Keys::ephemeral().map_err(k)?,
    )
    .await
    .map_err(k)?;
    let mut c = db.clone();
    let templates = repo::published_in(&mut c, &Scope::Everything)
        .await
        .map_err(k)?;
    let mut have = repo::count_published(&mut c).await.map_err(k)? as usize;
    if have >= n || templates.is_empty() {
        return Ok(have);
    }
    // Town governments (乡镇/街道) of Zhanjiang as implementing departments.
    let reg = registry();
    let mut towns = Vec::new();
    for county in reg.children("440800") {
        for t in reg.children(county.code.as_str()) {
            if t.code.level() == DivisionLevel::Town {
                towns.push(t.clone());
            }
        }
    }
    let now = clock.now();
    let mut tx = db.write().await.map_err(k)?;
    let mut depts = Vec::new();
    for (i, t) in towns.iter().enumerate() {
        let body = format!("11{}BM{:07}", &t.code.as_str()[..6], i);
        let uscc = Uscc::from_body(&body).map_err(|e| anyhow::anyhow!(e.en))?;
        let name = format!("{}人民政府", t.name);
        let d = NewDepartment {
            uscc: uscc.clone(),
            name: name.clone(),
            short_name: String::new(),
            division: t.code.clone(),
            parent_uscc: None,
            kind: DeptKind::Township,
            phone: String::new(),
            address: String::new(),
        };
        let id = yiwang_org::repo::insert_department(&mut tx, &d, None, now)
            .await
            .map_err(k)?;
        depts.push((id, uscc, name, t.code.clone()));
    }
    tx.commit().await.map_err(k)?;
    let mut i = 0usize;
    while have < n {
        let mut tx = db.write().await.map_err(k)?;
        for _ in 0..500 {
            if have >= n {
                break;
            }
            let (row, v) = &templates[i % templates.len()];
            let (dept_id, uscc, name, division) = &depts[(i / templates.len()) % depts.len()];
            i += 1;
            let mut e = v.elements.clone();
            e.department_name = name.clone();
            e.department_uscc = uscc.to_string();
            e.exercise_level = "5".into();
            let code = format!("{}5{}", uscc.as_str(), e.basic_code);
            if repo::item_by_claim(&mut tx, row.basic_item_id, *dept_id, division.as_str())
                .await
                .map_err(k)?
                .is_some()
            {
                continue;
            }
            let id = repo::insert_item(
                &mut tx,
                &code,
                row.basic_item_id,
                *dept_id,
                division.as_str(),
                "system:bench",
                now,
            )
            .await
            .map_err(k)?;
            repo::insert_version(&mut tx, id, 1, &e, "system:bench", now)
                .await
                .map_err(k)?;
            repo::set_version_status(
                &mut tx,
                id,
                1,
                yiwang_catalog::VersionStatus::Draft,
                yiwang_catalog::VersionStatus::Published,
            )
            .await
            .map_err(k)?;
            repo::set_item_state(
                &mut tx,
                id,
                yiwang_catalog::ItemStatus::Published,
                Some(1),
                1,
                now,
            )
            .await
            .map_err(k)?;
            let item = repo::item_by_code(&mut tx, &code)
                .await
                .map_err(k)?
                .ok_or_else(|| anyhow::anyhow!("item vanished"))?;
            repo::index(&mut tx, &item, 1, &e, name, now)
                .await
                .map_err(k)?;
            have += 1;
        }
        tx.commit().await.map_err(k)?;
    }
    Ok(have)
}

pub(crate) struct Phase {
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) elapsed: Duration,
    pub(crate) hist: Histogram<u64>,
}

impl Phase {
    pub(crate) fn line(&self, name: &str) -> String {
        let rps = self.requests as f64 / self.elapsed.as_secs_f64();
        format!(
            "{name:<34} {rps:>10.0} /s   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   errors {}",
            self.hist.value_at_quantile(0.50) as f64 / 1000.0,
            self.hist.value_at_quantile(0.99) as f64 / 1000.0,
            self.hist.max() as f64 / 1000.0,
            self.errors
        )
    }
}

pub(crate) async fn drive<F, Fut>(clients: usize, seconds: u64, f: F) -> anyhow::Result<Phase>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    // Warm-up (statement caches, connections), then measure.
    let stop = Arc::new(AtomicBool::new(false));
    for warm in [true, false] {
        stop.store(false, Ordering::SeqCst);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let f = f.clone();
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
                let (mut n, mut errs) = (0u64, 0u64);
                let mut i = c as u64;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    if !f(c, i).await {
                        errs += 1;
                    }
                    if let Some(h) = h.as_mut() {
                        let _ = h.record(t.elapsed().as_micros() as u64);
                    }
                    n += 1;
                    i += 1;
                    // An in-memory search never waits: let the timer and the other clients in,
                    // as a server's per-request tasks would.
                    tokio::task::yield_now().await;
                }
                (n, errs, h)
            }));
        }
        let t0 = Instant::now();
        tokio::time::sleep(if warm {
            Duration::from_secs(2)
        } else {
            Duration::from_secs(seconds)
        })
        .await;
        stop.store(true, Ordering::SeqCst);
        let elapsed = t0.elapsed();
        let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        let (mut n, mut errs) = (0, 0);
        for t in tasks {
            let (tn, te, th) = t.await?;
            n += tn;
            errs += te;
            if let Some(th) = th {
                total.add(&th)?;
            }
        }
        if !warm {
            return Ok(Phase {
                requests: n,
                errors: errs,
                elapsed,
                hist: total,
            });
        }
    }
    Err(anyhow::anyhow!("no measurement"))
}

async fn search(
    n: usize,
    clients: usize,
    seconds: u64,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let db = Db::connect(
        &url,
        DbOptions {
            max_connections: 16,
            pg_schema: None,
        },
    )
    .await
    .map_err(k)?;
    yiwang_store::migrate(&db).await.map_err(k)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let t0 = Instant::now();
    let have = populate(&db, clock.clone(), n).await?;
    println!(
        "catalog: {have} published items ({:.1} s to build) on {}",
        t0.elapsed().as_secs_f64(),
        crate::config::redact(&url)
    );
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );

    let t0 = Instant::now();
    let index = CatalogIndex::load(&db).await.map_err(k)?;
    println!(
        "index: {} items, {} bigrams, built from the database in {:.0} ms",
        index.len(),
        index.gram_count(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    drop(index);

    // Sanity: the query mix finds things, and the index answers exactly like the SQL.
    let state = AppState::standalone(
        db.clone(),
        clock.clone(),
        WebConfig::default(),
        yiwang_identity::Keys::ephemeral().map_err(k)?,
    )
    .map_err(k)?;
    let parse = |q: &str| yiwang_web::extract::parse_query::<SearchParams>(q).map_err(|e| k(e.0));
    let params: Vec<SearchParams> = QUERIES
        .iter()
        .map(|q| parse(q))
        .collect::<anyhow::Result<_>>()?;
    for (q, p) in QUERIES.iter().zip(&params) {
        let r = state.catalog.search(p).await.map_err(k)?;
        let sql = state.catalog.search_sql(p).await.map_err(k)?;
        if (r.total, &r.items) != (sql.total, &sql.items) {
            anyhow::bail!("the index and the SQL disagree on {}", decode(q));
        }
        // One client alone: the index's own cost per query (best of 5 batches of 100, so
        // that other load on the machine disturbs it less).
        let mut per = Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..100 {
                state.catalog.search(p).await.map_err(k)?;
            }
            per = per.min(t.elapsed() / 100);
        }
        println!(
            "  {:>6} hits  index {:>7.1} µs  {}",
            r.total,
            per.as_secs_f64() * 1e6,
            decode(q)
        );
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = yiwang_web::app(state.clone());
    let server = tokio::spawn(yiwang_web::serve(listener, app, std::future::pending()));

    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(clients)
        .build_http();
    let uris: Arc<Vec<hyper::Uri>> = Arc::new(
        QUERIES
            .iter()
            .map(|q| format!("http://{addr}/api/v1/items?{q}").parse())
            .collect::<Result<_, _>>()?,
    );
    let http = drive(clients, seconds, move |_, i| {
        let client = client.clone();
        let uris = uris.clone();
        async move {
            let uri = uris[(i as usize) % uris.len()].clone();
            match client.get(uri).await {
                Ok(resp) => {
                    let ok = resp.status().is_success();
                    ok && resp.into_body().collect().await.is_ok()
                }
                Err(_) => false,
            }
        }
    })
    .await?;
    server.abort();

    let direct = |sql: bool| {
        let catalog: CatalogService = state.catalog.clone();
        let params = Arc::new(params.clone());
        drive(clients, seconds, move |_, i| {
            let catalog = catalog.clone();
            let params = params.clone();
            async move {
                let p = &params[(i as usize) % params.len()];
                if sql {
                    catalog.search_sql(p).await.is_ok()
                } else {
                    catalog.search(p).await.is_ok()
                }
            }
        })
    };
    let index = direct(false).await?;
    let sql = direct(true).await?;

    // The web layers without TCP: router, session and header layers, query parsing, JSON.
    let router = {
        let app = yiwang_web::app(state.clone());
        let paths: Arc<Vec<String>> = Arc::new(
            QUERIES
                .iter()
                .map(|q| format!("/api/v1/items?{q}"))
                .collect(),
        );
        drive(clients, seconds, move |_, i| {
            let app = app.clone();
            let paths = paths.clone();
            async move {
                use tower::ServiceExt;
                let Ok(req) = axum::http::Request::builder()
                    .uri(paths[(i as usize) % paths.len()].as_str())
                    .body(axum::body::Body::empty())
                else {
                    return false;
                };
                match app.oneshot(req).await {
                    Ok(resp) => {
                        resp.status().is_success() && resp.into_body().collect().await.is_ok()
                    }
                    Err(_) => false,
                }
            }
        })
        .await?
    };

    let rate = |p: &Phase| p.requests as f64 / p.elapsed.as_secs_f64();
    println!();
    println!("{}", http.line("HTTP GET /api/v1/items (full stack)"));
    println!("{}", router.line("router without TCP (tower oneshot)"));
    println!("{}", index.line("direct CatalogService::search"));
    println!("{}", sql.line("direct CatalogService::search_sql"));
    println!(
        "HTTP reaches {:.0}% of the in-process index rate and {:.1}x the raw SQL rate (target: ≥ 5,000 searches/s, p99 < 20 ms over HTTP)",
        100.0 * rate(&http) / rate(&index),
        rate(&http) / rate(&sql)
    );
    db.close().await;
    Ok(())
}

fn decode(q: &str) -> String {
    form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}
