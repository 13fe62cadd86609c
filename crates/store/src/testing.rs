//! Fresh databases for tests: one per test, never shared, no ordering.
//!
//! Without `YIWANG_TEST_DATABASE_URL` each test gets a migrated SQLite file in its own temporary
//! directory. With it (a `postgres://` URL) each test gets its own schema in that database,
//! migrated from scratch; `.ci/run` points it at a throwaway database created for the run.

use yiwang_kernel::Error;

use crate::conn::{Db, DbOptions};

/// Environment variable naming the PostgreSQL database the suite runs against.
pub const TEST_DATABASE_URL: &str = "YIWANG_TEST_DATABASE_URL";

/// A migrated database that lives as long as this value.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    /// The temporary directory of a SQLite database (removed on drop).
    pub dir: Option<tempfile::TempDir>,
    pub schema: Option<String>,
}

impl TestDb {
    /// A fresh, migrated database for one test.
    pub async fn new() -> Result<TestDb, Error> {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(url) if !url.trim().is_empty() => Self::postgres(url.trim()).await,
            _ => Self::sqlite().await,
        }
    }

    pub async fn sqlite() -> Result<TestDb, Error> {
        let dir = tempfile::tempdir().map_err(Error::internal)?;
        let url = format!("sqlite://{}", dir.path().join("yiwang.db").display());
        let db = Db::connect(
            &url,
            DbOptions {
                max_connections: 4,
                pg_schema: None,
            },
        )
        .await?;
        crate::migrate(&db).await?;
        Ok(TestDb {
            db,
            url,
            dir: Some(dir),
            schema: None,
        })
    }

    pub async fn postgres(url: &str) -> Result<TestDb, Error> {
        let schema = format!("t_{:016x}", rand::random::<u64>());
        let admin = Db::connect(
            url,
            DbOptions {
                max_connections: 2,
                pg_schema: None,
            },
        )
        .await?;
        {
            use crate::conn::Conn;
            let mut a = admin.clone();
            a.execute(&format!("CREATE SCHEMA {schema}"), &[]).await?;
        }
        admin.close().await;
        let db = Db::connect(
            url,
            DbOptions {
                max_connections: 4,
                pg_schema: Some(schema.clone()),
            },
        )
        .await?;
        crate::migrate(&db).await?;
        Ok(TestDb {
            db,
            url: url.to_string(),
            dir: None,
            schema: Some(schema),
        })
    }

    /// Which backend the suite is running on, for messages.
    pub fn describe(&self) -> String {
        match &self.schema {
            Some(s) => format!("postgres schema {s}"),
            None => format!("sqlite {}", self.url),
        }
    }
}
