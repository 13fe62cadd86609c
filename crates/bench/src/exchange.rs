//! `yiwang bench exchange --rows N`: collection (归集) of a generated N-row population resource
//! (valid ID numbers with their check characters) through the real domain path
//! (`Collector::load_path` + `drive`: a streamed CSV, every quality rule of the items, batched
//! incremental writes with their checkpoint), beside the database's own bulk path for the same
//! rows into the same table and indexes in the same run (SQLite: one prepared `INSERT` per row
//! in transactions of 50,000; PostgreSQL: `COPY … FROM STDIN`). Prints rows/s of both, the
//! ratio, and the peak memory of the process (VmHWM).

use std::io::Write;
use std::time::Instant;

use yiwang_exchange::collect::sample::{POPULATION_HEADER, id_number, population_line};
use yiwang_exchange::collect::{Collector, LoadOptions};
use yiwang_exchange::{ExchangeService, ShareType, fixtures};
use yiwang_kernel::auth::Ctx;
use yiwang_store::Db;

use crate::setup::{Scratch, clock, department, uscc};

/// The resource id the bare path writes under (no resource has it: the rows table has no
/// foreign key, and its own key range keeps the two loads apart).
const BARE_RESOURCE: i64 = -1;
/// Rows per transaction of the bare SQLite path.
const BARE_TX_ROWS: usize = 50_000;

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|k| k / 1024)
        .unwrap_or(0)
}

/// Person `i`'s row as the bare path writes it: the stored shape of a sealed row without the
/// cryptography — the key a 32-hex-character digest of the ID number (a blind index's length and
/// scattered order, so both paths insert into the clustered key at random places), the document
/// the values in clear padded to a sealed document's length, a bare SM3 digest. The database's
/// own cost of the same rows and index; the domain path also pays for the HMAC-SM3 index and
/// the SM4-GCM seal (`repo::seal`).
fn bare_row(i: usize) -> (String, String, String) {
    let line = population_line(i, 0);
    let c: Vec<&str> = line.split(',').collect();
    let mut data = serde_json::json!({
        "k": c[0], "v": { "id_number": c[0], "name": c[1], "sex": c[2], "birth_date": c[3], "address": c[4], "division": c[5] },
    })
    .to_string();
    // `v1.<key id>.` + base64url of nonce, ciphertext and tag.
    let sealed_len = 12 + (data.len() + 28).div_ceil(3) * 4;
    while data.len() < sealed_len {
        data.push(' ');
    }
    let digest = yiwang_exchange::package::sm3_hex(data.as_bytes());
    let key = yiwang_exchange::package::sm3_hex(id_number(i).as_bytes())[..32].to_string();
    (key, digest, data)
}

async fn bare_sqlite(pool: &sqlx::SqlitePool, rows: usize) -> anyhow::Result<()> {
    let at = yiwang_store::Value::sqlite_time(time::OffsetDateTime::now_utc());
    let mut i = 0;
    while i < rows {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for j in i..(i + BARE_TX_ROWS).min(rows) {
            let (k, d, data) = bare_row(j);
            sqlx::query("INSERT INTO exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) VALUES (?1, ?2, ?3, NULL, 0, ?4, ?5)")
                .bind(BARE_RESOURCE)
                .bind(k)
                .bind(&at)
                .bind(d)
                .bind(data)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        i += BARE_TX_ROWS;
    }
    Ok(())
}

/// Text-format COPY escaping (backslash, tab, line breaks).
fn copy_text(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

async fn bare_postgres(pool: &sqlx::PgPool, rows: usize) -> anyhow::Result<()> {
    use sqlx::postgres::PgPoolCopyExt;
    let at =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
    let mut copy = pool
        .copy_in_raw("COPY exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) FROM STDIN")
        .await?;
    let mut buf = String::with_capacity(1 << 20);
    for i in 0..rows {
        let (k, d, data) = bare_row(i);
        buf.push_str(&format!("{BARE_RESOURCE}\t"));
        copy_text(&k, &mut buf);
        buf.push('\t');
        buf.push_str(&at);
        buf.push_str("\t\\N\t0\t");
        buf.push_str(&d);
        buf.push('\t');
        copy_text(&data, &mut buf);
        buf.push('\n');
        if buf.len() > (1 << 20) - 4096 {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// Runs the benchmark over `rows` rows on a fresh SQLite file or the database at `database_url`.
pub async fn run(rows: usize, database_url: Option<String>) -> anyhow::Result<()> {
    let scratch = Scratch::open(database_url, 4).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let dept = department(
        &db,
        clock.clone(),
        &uscc("11440800MB2C12301")?,
        "湛江市公安局",
        "0759-3100002",
    )
    .await?;
    let svc = ExchangeService::new(
        db.clone(),
        clock.clone(),
        yiwang_identity::Keys::ephemeral()?,
    );
    let resource = fixtures::published(
        &svc,
        dept,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await?;
    println!(
        "exchange load: {rows} population rows ({} items, rules: {}), database {}",
        resource.meta.items.len(),
        resource
            .meta
            .items
            .iter()
            .flat_map(|i| i.rules.iter().map(|r| format!("{r:?}").to_lowercase()))
            .map(|r| r.split([' ', '{']).next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
            .join(", "),
        scratch.describe()
    );

    let t0 = Instant::now();
    let path = scratch.dir.path().join("population.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        writeln!(f, "{POPULATION_HEADER}")?;
        for i in 0..rows {
            writeln!(f, "{}", population_line(i, 0))?;
        }
        f.flush()?;
    }
    println!(
        "file: {:.1} MiB written in {:.1} s (streamed from disk by the load, never held)",
        std::fs::metadata(&path)?.len() as f64 / 1048576.0,
        t0.elapsed().as_secs_f64()
    );

    let collector = Collector::new(svc.clone());
    let sys = Ctx::system("bench");
    let t_load = Instant::now();
    let job = collector
        .load_path(
            &sys,
            resource.code.as_str(),
            path.clone(),
            LoadOptions::default(),
        )
        .await?;
    let watcher = {
        let c = collector.clone();
        let id = job.id;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                let Ok(j) = c.status(id).await else { continue };
                if j.finished() {
                    return;
                }
                println!(
                    "  … {} {}/{} ({:.1} %), peak RSS {} MiB",
                    j.status,
                    j.processed_rows,
                    j.total_rows,
                    j.percent,
                    peak_rss_mib()
                );
            }
        })
    };
    let done = collector.drive(job.id).await?;
    let t_ours = t_load.elapsed().as_secs_f64();
    watcher.abort();
    if done.status != "done" || done.inserted_rows != i64::try_from(rows)? {
        anyhow::bail!(
            "the load ended {} with {} rows inserted, {} bad: {} {:?}",
            done.status,
            done.inserted_rows,
            done.bad_rows,
            done.message,
            done.counts
        );
    }
    let ours = rows as f64 / t_ours.max(1e-9);
    let peak_ours = peak_rss_mib();
    println!(
        "domain load: {rows} rows in {t_ours:.1} s = {ours:.0} rows/s (checks, digests, history, checkpoints); peak RSS {peak_ours} MiB"
    );

    let t_bare = Instant::now();
    match &db {
        Db::Sqlite(pool, _) => bare_sqlite(pool, rows).await?,
        Db::Postgres(pool) => bare_postgres(pool, rows).await?,
    }
    let t_bare = t_bare.elapsed().as_secs_f64();
    let bare = rows as f64 / t_bare.max(1e-9);
    let kind = match &db {
        Db::Sqlite(..) => "one prepared INSERT per row, 50,000 per transaction",
        Db::Postgres(_) => "COPY FROM STDIN",
    };
    println!("bare bulk path ({kind}): {rows} rows in {t_bare:.1} s = {bare:.0} rows/s");
    println!(
        "domain/bare = {:.1} %; peak RSS {} MiB (target: ≥ 100,000 rows/s, ≥ 50 %, < 500 MiB)",
        100.0 * ours / bare.max(1e-9),
        peak_rss_mib()
    );
    db.close().await;
    Ok(())
}
