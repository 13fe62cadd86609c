//! What the benchmarks set up before measuring: a scratch database, a department, people's ID
//! numbers.

use std::sync::Arc;

use tempfile::TempDir;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::Uscc;
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::{Db, DbOptions};

/// Every benchmark person's password.
pub const PASSWORD: &str = "Bench@2026pass";

/// A migrated database for one run, with a temporary directory (removed at the end) for its
/// SQLite file and any other files the benchmark writes.
pub struct Scratch {
    pub db: Db,
    pub url: String,
    pub dir: TempDir,
}

impl Scratch {
    /// A fresh SQLite file in the temporary directory, or the database at `url` (PostgreSQL),
    /// with a pool of `max_connections`; migrated.
    pub async fn open(url: Option<String>, max_connections: u32) -> anyhow::Result<Scratch> {
        let dir = tempfile::tempdir()?;
        let url =
            url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
        let db = Db::connect(
            &url,
            DbOptions {
                max_connections,
                pg_schema: None,
            },
        )
        .await?;
        yiwang_store::migrate(&db).await?;
        Ok(Scratch { db, url, dir })
    }

    /// The database's address without its password.
    pub fn describe(&self) -> String {
        yiwang_store::redact_url(&self.url)
    }
}

pub fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A USCC from its 17-character body (the check character computed).
pub fn uscc(body: &str) -> anyhow::Result<String> {
    Ok(Uscc::from_body(body)
        .map_err(|e| anyhow::anyhow!(e.en))?
        .to_string())
}

/// A bureau of Zhanjiang (division 440800): created, or found by its USCC in a database reused
/// between runs. Its id.
pub async fn department(
    db: &Db,
    clock: Arc<dyn Clock>,
    uscc: &str,
    name: &str,
    phone: &str,
) -> anyhow::Result<i64> {
    let created = OrgService::new(db.clone(), clock)
        .create_department(
            &Ctx::system("bench"),
            &DepartmentInput {
                uscc: uscc.to_string(),
                name: name.into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: phone.into(),
                ..Default::default()
            },
        )
        .await;
    match created {
        Ok(d) => Ok(d.id),
        Err(e) => {
            let mut c = db.clone();
            match yiwang_org::repo::department_by_uscc(&mut c, uscc).await? {
                Some(d) => Ok(d.id),
                None => Err(e.into()),
            }
        }
    }
}

/// A valid ID number (GB 11643) for person `i`: division 440802, a birth date from 1960 on
/// (a new day every 1,000 people), sequence `i % 1000` — distinct for the first 15 million.
pub fn id_number(i: usize) -> String {
    let day =
        time::macros::date!(1960 - 01 - 01) + time::Duration::days((i / 1000 % 15_000) as i64);
    let body = format!(
        "440802{:04}{:02}{:02}{:03}",
        day.year(),
        u8::from(day.month()),
        day.day(),
        i % 1000
    );
    let mut b = [0u8; 17];
    b.copy_from_slice(body.as_bytes());
    let check = yiwang_kernel::codes::iso7064::mod11_2_check(&b) as char;
    format!("{body}{check}")
}

/// A plain sqlx pool on the same SQLite file whose commits are durable the plain way
/// (`synchronous=FULL`: one `fsync` per transaction) — the bare limit beside Yiwang's group
/// commit (`synchronous=NORMAL` and one shared WAL sync).
pub async fn full_sync_pool(url: &str) -> anyhow::Result<sqlx::SqlitePool> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    use std::str::FromStr;
    let o = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(15))
        .pragma("temp_store", "memory")
        .pragma("cache_size", "-16000");
    Ok(SqlitePoolOptions::new()
        .test_before_acquire(false)
        .max_connections(16)
        .connect_with(o)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in (0..3000).chain([14_999_999]) {
            let n = id_number(i);
            let today = time::macros::date!(2026 - 12 - 01);
            assert!(
                yiwang_kernel::codes::IdNumber::parse(&n, today).is_ok(),
                "{i}: {n}"
            );
            assert!(seen.insert(n));
        }
        assert_eq!(&id_number(1001)[6..14], "19600102");
    }

    #[tokio::test]
    async fn a_department_is_created_once_and_found_again() {
        let s = Scratch::open(None, 2).await.unwrap();
        let u = uscc("11440800MB2C12509").unwrap();
        let a = department(&s.db, clock(), &u, "湛江市教育局", "0759-3100001")
            .await
            .unwrap();
        let b = department(&s.db, clock(), &u, "湛江市教育局", "0759-3100001")
            .await
            .unwrap();
        assert_eq!(a, b);
        // A refusal that is not "already there" stays a refusal.
        let bad = department(&s.db, clock(), "not a uscc", "x", "").await;
        assert!(bad.is_err());
        assert!(s.describe().starts_with("sqlite://"));
        s.db.close().await;
    }
}
