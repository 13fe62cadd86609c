//! `yiwang bench search`: catalog keyword search over HTTP with N items (default 15,000,
//! Jiangmen's catalog size) and C concurrent clients (default 64) on SQLite, beside the same
//! query mix run in process (no HTTP) with the same concurrency twice: through the in-memory
//! index (`CatalogService::search`) and through the reference SQL
//! (`CatalogService::search_sql`); plus the web layers alone (the router called in process,
//! without TCP).

use std::sync::Arc;
use std::time::{Duration, Instant};

use yiwang_catalog::CatalogService;
use yiwang_catalog::index::CatalogIndex;
use yiwang_catalog::search::SearchParams;
use yiwang_web::{AppState, WebConfig};

use crate::http::{Http, InProcess, Server};
use crate::load::{cores, drive};
use crate::search_seed::populate;
use crate::setup::{Scratch, clock};

/// The index build the benchmark holds to (issue 17: a province's 150,000 items).
pub const BUILD_LIMIT: Duration = Duration::from_secs(2);

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

/// Runs the benchmark: `n` items, `clients` concurrent clients, `seconds` per phase, on a fresh
/// SQLite file or the database at `database_url`.
pub async fn run(
    n: usize,
    clients: usize,
    seconds: u64,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let scratch = Scratch::open(database_url, 16).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let t0 = Instant::now();
    let seeded = populate(&db, clock.clone(), n).await?;
    println!(
        "catalog: {} published items ({:.1} s to fill: {} basic items copied to {} town governments, \
         {} copies through the catalog repository one by one, {} cloned by SQL) on {}",
        seeded.items,
        t0.elapsed().as_secs_f64(),
        seeded.templates,
        seeded.departments,
        seeded.per_item,
        seeded.cloned,
        scratch.describe()
    );
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up",
        cores()
    );

    // The index (re)build, three times: the read of the snapshot and the build apart.
    let mut builds = Vec::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        let (generation, rows, tags) = CatalogIndex::read(&db).await?;
        let read = t0.elapsed();
        let index =
            tokio::task::spawn_blocking(move || CatalogIndex::build(generation, rows, tags))
                .await?;
        builds.push((t0.elapsed(), read, index));
    }
    builds.sort_by_key(|b| b.0);
    let (best, read, index) = &builds[0];
    let worst = builds[builds.len() - 1].0;
    println!(
        "index: {} items, {} bigrams, {:.1} MB; (re)built from the database in {:.0} ms best / {:.0} ms worst of 3 \
         (read {:.0} ms + build {:.0} ms; limit {:.0} ms: {})",
        index.len(),
        index.gram_count(),
        index.heap_bytes() as f64 / 1e6,
        best.as_secs_f64() * 1000.0,
        worst.as_secs_f64() * 1000.0,
        read.as_secs_f64() * 1000.0,
        (*best - *read).as_secs_f64() * 1000.0,
        BUILD_LIMIT.as_secs_f64() * 1000.0,
        if worst < BUILD_LIMIT {
            "met"
        } else {
            "NOT met"
        }
    );
    drop(builds);

    // Sanity: the query mix finds things, and the index answers exactly like the SQL.
    let state = AppState::standalone(
        db.clone(),
        clock.clone(),
        WebConfig::default(),
        yiwang_identity::Keys::ephemeral()?,
    )?;
    let params: Vec<SearchParams> = QUERIES
        .iter()
        .map(|q| yiwang_web::extract::parse_query::<SearchParams>(q).map_err(|e| e.0))
        .collect::<Result<_, _>>()?;
    for (q, p) in QUERIES.iter().zip(&params) {
        let r = state.catalog.search(p).await?;
        let sql = state.catalog.search_sql(p).await?;
        if (r.total, &r.items) != (sql.total, &sql.items) {
            anyhow::bail!("the index and the SQL disagree on {}", decode(q));
        }
        // One client alone: the index's own cost per query (best of 5 batches of 100, so
        // that other load on the machine disturbs it less).
        let mut per = Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..100 {
                state.catalog.search(p).await?;
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

    let paths: Arc<Vec<String>> = Arc::new(
        QUERIES
            .iter()
            .map(|q| format!("/api/v1/items?{q}"))
            .collect(),
    );
    let server = Server::start(state.clone()).await?;
    let client = Http::new(&server.base, clients);
    let uris: Arc<Vec<hyper::Uri>> = Arc::new(
        paths
            .iter()
            .map(|p| client.url(p).parse())
            .collect::<Result<_, _>>()?,
    );
    let http = drive(clients, seconds, move |_, i| {
        let (client, uris) = (client.clone(), uris.clone());
        async move {
            let uri = uris[(i as usize) % uris.len()].clone();
            matches!(client.get(uri).await, Some(a) if a.status.is_success())
        }
    })
    .await?;
    server.stop();

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
        let app = InProcess::new(state.clone());
        drive(clients, seconds, move |_, i| {
            let (app, paths) = (app.clone(), paths.clone());
            async move {
                let path = &paths[(i as usize) % paths.len()];
                matches!(app.get(path).await, Some(a) if a.status.is_success())
            }
        })
        .await?
    };

    println!();
    println!("{}", http.line("HTTP GET /api/v1/items (full stack)"));
    println!("{}", router.line("router without TCP (tower oneshot)"));
    println!("{}", index.line("direct CatalogService::search"));
    println!("{}", sql.line("direct CatalogService::search_sql"));
    println!(
        "HTTP reaches {:.0}% of the in-process index rate and {:.1}x the raw SQL rate (target: ≥ 5,000 searches/s, p99 < 20 ms over HTTP: {})",
        http.percent_of(&index),
        http.rate() / sql.rate().max(1e-9),
        if http.rate() >= 5000.0 && http.hist.value_at_quantile(0.99) < 20_000 {
            "met"
        } else {
            "NOT met"
        }
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
