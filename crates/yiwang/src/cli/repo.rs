//! The SQL of the operations commands (`backup`, `restore`, `doctor`): reading a database
//! snapshot and asking the database about itself. No domain's data is written here.

use std::collections::BTreeMap;
use std::path::Path;

use sqlx::{Connection, Row};
use yiwang_store::{Conn, Db, DbOptions, args};

/// Writes one consistent snapshot of the SQLite database at `source` to `snapshot` (which must
/// not exist) with `VACUUM INTO`: a read transaction, so writers go on meanwhile.
pub async fn vacuum_into(source: &Path, snapshot: &Path) -> anyhow::Result<()> {
    let pool = Db::connect(
        &format!("sqlite://{}", source.display()),
        DbOptions {
            max_connections: 2,
            pg_schema: None,
        },
    )
    .await
    .map_err(crate::kernel_err)?;
    let mut c = pool.clone();
    let done = c
        .execute(
            "VACUUM INTO $1",
            args![snapshot.to_string_lossy().to_string()],
        )
        .await;
    pool.close().await;
    done.map_err(crate::kernel_err)?;
    Ok(())
}

/// What the snapshot file holds: SQLite version, migration level, rows per table. Opened
/// read-only, so the file stays byte for byte as written.
pub async fn inspect_snapshot(path: &Path) -> anyhow::Result<(String, i64, BTreeMap<String, i64>)> {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    let mut c = sqlx::sqlite::SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| anyhow::anyhow!("无法打开 cannot open {}: {e}", path.display()))?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut c)
        .await?;
    let level: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1",
    )
    .fetch_one(&mut c)
    .await?;
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite^_%' \
         ESCAPE '^' ORDER BY name",
    )
    .fetch_all(&mut c)
    .await?
    .into_iter()
    .map(|r| r.get::<String, _>(0))
    .collect();
    let mut tables = BTreeMap::new();
    for name in names {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", name.replace('"', "\"\""));
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut c)
            .await?;
        tables.insert(name, n);
    }
    c.close().await?;
    Ok((version, level, tables))
}

/// The database's own clock (`now()`), as a Unix time in seconds.
pub async fn database_now(db: &Db) -> Result<i64, yiwang_kernel::Error> {
    let mut c = db.clone();
    let sql = match db.backend() {
        yiwang_store::Backend::Sqlite => "SELECT CAST(strftime('%s', 'now') AS INTEGER)",
        yiwang_store::Backend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)",
    };
    let (t,): (i64,) = c.fetch_one(sql, args![]).await?;
    Ok(t)
}
