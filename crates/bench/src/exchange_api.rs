//! `yiwang bench exchange-api`: key lookups through the data API (数据调用) over HTTP — the
//! real server, an API token with `exchange.consume`, the consumer's grant, every call
//! recorded in the call log with its audit entry before it is answered — at C concurrent
//! clients (default 64) over N rows of a population resource (default 1,000,000), beside a
//! bare indexed read of the same keys (one `SELECT` of the current row by primary key) in the
//! same run. The rows are bulk-inserted with bare SQL (multi-row `INSERT`s in large
//! transactions), sealed at rest by the exchange's own sealing (`RowSeal::prepare`: the key's
//! blind index, the keyed digest, the SM4-GCM document), not through collection (归集), which
//! has its own benchmark. The bare read computes the blind index, reads the row and opens it
//! (`repo::rows::current`).

use std::sync::Arc;
use std::time::Instant;

use http_body_util::Full;
use hyper::body::Bytes;
use yiwang_exchange::fixtures;
use yiwang_exchange::repo::grants::{self, NewGrant};
use yiwang_exchange::repo::rows::{self, RowSeal};
use yiwang_exchange::{ExchangeService, ShareType};
use yiwang_identity::{IdentityConfig, IdentityService, Keys, TokenInput};
use yiwang_kernel::auth::Ctx;
use yiwang_store::{Conn, Db, Value};
use yiwang_web::{AppState, WebConfig};

use crate::http::{Http, Server};
use crate::load::{cores, drive, first_error};
use crate::setup::{Scratch, clock, department, id_number, uscc};

/// Rows per multi-row `INSERT` (7 binds each: within SQLite's and PostgreSQL's bind limits).
const ROWS_PER_STATEMENT: usize = 500;
/// Rows per transaction of the bulk insert.
const ROWS_PER_TX: usize = 50_000;

/// The `i`-th call's row: spread over the rows (a multiplicative hash, so clients do not walk
/// the table in order).
fn pick(i: u64, n: usize) -> usize {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as usize % n.max(1)
}

/// Inserts `n` current rows of resource `resource_id` (keys `id_number(0..n)`), sealed.
async fn bulk_rows(db: &Db, seal: &RowSeal, resource_id: i64, n: usize) -> anyhow::Result<()> {
    let at = clock().now();
    let mut i = 0usize;
    while i < n {
        let mut tx = db.write().await?;
        let end_tx = (i + ROWS_PER_TX).min(n);
        while i < end_tx {
            let end = (i + ROWS_PER_STATEMENT).min(end_tx);
            let mut args: Vec<Value> = Vec::with_capacity((end - i) * 5);
            for j in i..end {
                let id = id_number(j);
                let data = serde_json::json!({
                    "id_number": id,
                    "name": format!("测试{j}"),
                    "sex": if j % 2 == 0 { "1" } else { "2" },
                    "birth_date": format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]),
                    "address": format!("湛江市赤坎区某路{}号", j % 997),
                    "division": "440802",
                })
                .to_string();
                let sealed = seal.prepare(&id, &data)?;
                args.push(Value::from(resource_id));
                args.push(Value::from(sealed.index));
                args.push(Value::from(at));
                args.push(Value::from(sealed.digest));
                args.push(Value::from(sealed.sealed));
            }
            tx.execute(&insert_sql(end - i), &args).await?;
            i = end;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A multi-row `INSERT` of `rows` current rows, five placeholders a row.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) VALUES ",
    );
    for k in 0..rows {
        let b = k * 5;
        if k > 0 {
            sql.push(',');
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, NULL, 1, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
    }
    sql
}

/// Runs the benchmark.
pub async fn run(
    rows: usize,
    clients: usize,
    seconds: u64,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let scratch = Scratch::open(database_url, 32).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let keys = Keys::ephemeral()?;
    let provider = department(
        &db,
        clock.clone(),
        &uscc("11440800MB2C12341")?,
        "湛江市公安局",
        "",
    )
    .await?;
    let consumer = department(
        &db,
        clock.clone(),
        &uscc("11440800MB2C12342")?,
        "湛江市市场监督管理局",
        "",
    )
    .await?;
    let exchange = ExchangeService::new(db.clone(), clock.clone(), keys.clone());
    let resource = fixtures::published(
        &exchange,
        provider,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await?;
    let t0 = Instant::now();
    bulk_rows(&db, exchange.seal(), resource.id, rows).await?;
    let load_s = t0.elapsed().as_secs_f64();
    println!(
        "rows: {rows} current rows of {} bulk-inserted in {load_s:.1} s ({:.0} rows/s) on {}",
        resource.code.as_str(),
        rows as f64 / load_s.max(1e-9),
        scratch.describe()
    );
    let now = clock.now();
    let fields: Vec<String> = ["id_number", "name", "sex", "birth_date"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut c = db.clone();
    grants::insert(
        &mut c,
        &NewGrant {
            resource_id: resource.id,
            consumer_department_id: consumer,
            request_id: None,
            fields: &fields,
            purpose: "基准测试",
            valid_from: now - time::Duration::days(1),
            valid_to: now + time::Duration::days(30),
            rate_per_minute: 1_000_000_000,
        },
        "system:bench",
        now,
    )
    .await?;
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let token = identity
        .issue_token(
            &Ctx::system("bench"),
            &TokenInput {
                name: "市场监管审批系统".into(),
                department_id: consumer,
                permissions: vec!["exchange.consume".into()],
                days: 30,
            },
        )
        .await?
        .token;
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up",
        cores()
    );

    let state = AppState::standalone(db.clone(), clock.clone(), WebConfig::default(), keys)?;
    let (class, seq) = resource
        .code
        .as_str()
        .split_once('/')
        .ok_or_else(|| anyhow::anyhow!("resource code"))?;
    let prefix = Arc::new(format!("/api/v1/exchange/data/{class}/{seq}/rows/"));
    let server = Server::start(state.clone()).await?;
    let client = Http::new(&server.base, clients);
    let auth = Arc::new(format!("Bearer {token}"));
    // Sanity: one lookup answers the granted fields of the row.
    let probe = client
        .request(hyper::Method::GET, &lookup_path(&prefix, &id_number(0)))
        .header("authorization", auth.as_str())
        .body(Full::<Bytes>::default())?;
    let a = client
        .send(probe)
        .await
        .ok_or_else(|| anyhow::anyhow!("no answer"))?;
    if !a.status.is_success() || !String::from_utf8_lossy(&a.body).contains(&id_number(0)) {
        anyhow::bail!(
            "the lookup failed: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
    }
    let calls_before = count(&db, "exchange_calls").await?;
    let http = drive(clients, seconds, {
        let (client, prefix, auth) = (client.clone(), prefix.clone(), auth.clone());
        move |_, i| {
            let (client, prefix, auth) = (client.clone(), prefix.clone(), auth.clone());
            async move {
                let key = id_number(pick(i, rows));
                let Ok(req) = client
                    .request(hyper::Method::GET, &lookup_path(&prefix, &key))
                    .header("authorization", auth.as_str())
                    .body(Full::<Bytes>::default())
                else {
                    return false;
                };
                match client.send(req).await {
                    Some(a) if a.status.is_success() => true,
                    Some(a) => {
                        first_error("lookup", &String::from_utf8_lossy(&a.body));
                        false
                    }
                    None => false,
                }
            }
        }
    })
    .await?;
    server.stop();
    let calls = count(&db, "exchange_calls").await? - calls_before;

    // The bare limit: the same keys, one indexed read of the current row each.
    let bare = drive(clients, seconds, {
        let db = db.clone();
        let rid = resource.id;
        let seal = exchange.seal().clone();
        move |_, i| {
            let mut db = db.clone();
            let seal = seal.clone();
            async move {
                let key = id_number(pick(i, rows));
                let r = rows::current(&mut db, &seal, rid, &key).await;
                matches!(r, Ok(Some(_)))
            }
        }
    })
    .await?;

    println!();
    println!("{}", http.line("HTTP GET data API lookup (recorded)"));
    println!("{}", bare.line("bare indexed read of the row"));
    println!(
        "HTTP reaches {:.0}% of the bare read rate; {calls} calls recorded in the call log (warm-up and measured) — target: ≥ 10,000 lookups/s, p99 < 20 ms over HTTP",
        http.percent_of(&bare),
    );
    db.close().await;
    Ok(())
}

fn lookup_path(prefix: &str, key: &str) -> String {
    format!("{prefix}{key}?purpose=bench&case_number=BENCH-1")
}

async fn count(db: &Db, table: &str) -> anyhow::Result<i64> {
    let mut c = db.clone();
    let (n,): (i64,) = c
        .fetch_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_spread_over_the_rows() {
        let n = 1000;
        let seen: std::collections::HashSet<usize> = (0..2000).map(|i| pick(i, n)).collect();
        assert!(seen.len() > 800, "{}", seen.len());
        assert!(seen.iter().all(|&k| k < n));
    }

    #[test]
    fn statements_number_five_placeholders_a_row() {
        let s = insert_sql(2);
        assert!(s.ends_with("($1, $2, $3, NULL, 1, $4, $5),($6, $7, $8, NULL, 1, $9, $10)"));
    }
}
