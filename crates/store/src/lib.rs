//! The one storage layer of Yiwang: SQLite (embedded default) and PostgreSQL from one code base.
//!
//! * [`Db`] is a typed pool of either backend, chosen once from the database URL
//!   ([`Db::connect`]); a URL with an unknown scheme is an error, never a silently created file.
//! * Every query is **one SQL text for both backends**: `$1…$n` placeholders, `RETURNING`,
//!   `ON CONFLICT`, no backend-specific functions. Arguments are passed as [`Value`]s and rows
//!   decode into structs deriving `sqlx::FromRow` (the [`Row`] bound covers both backends).
//!   The only backend branching in the code base is in this crate.
//! * An optional filter bound as NULL is written typed-use-first, `(col = $1 OR $1 IS NULL)`:
//!   PostgreSQL infers an untyped NULL parameter's type from its first use.
//! * Migrations live in twin folders `migrations/sqlite` and `migrations/postgres` with the same
//!   versions and names, embedded in the binary ([`migrate`]).
//! * SQLite runs in WAL mode with foreign keys on, and write transactions start with
//!   `BEGIN IMMEDIATE` so a read-then-write transaction can never fail to upgrade. Commits are
//!   durable when acknowledged: `synchronous=NORMAL` plus a group sync of the log that many
//!   concurrent commits share (`group`), instead of one `fsync` per commit under the write lock.
//!
//! * Several server processes may share one database ([`cluster`]: the node registry and the
//!   leases of periodic jobs; docs/replicas.md).
//!
//! Domain crates hold their SQL in one `repo` module each and call it through [`Conn`], which
//! both a pool ([`Db`]) and a transaction ([`Tx`]) implement.

pub mod batch;
pub mod cluster;
mod conn;
pub mod facts;
mod group;
mod sql;
mod value;

pub mod testing;

pub use conn::{Backend, Conn, Db, DbOptions, PoolStats, Row, SqliteTurn, Tx, WRITE_GATE_WAIT};
pub use group::{GROUP_SYNC_COMMITS, GROUP_SYNC_SECONDS};
pub use sql::Sql;
pub use value::Value;

/// Builds a `&[Value]` argument list: `args![id, name, now]`.
#[macro_export]
macro_rules! args {
    () => { &[] as &[$crate::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::Value::from($v)),+] as &[$crate::Value] };
}

/// A `LIKE` pattern matching values that contain `s` literally; use with `ESCAPE '\\'`.
pub fn like_contains(s: &str) -> String {
    format!("%{}%", like_escape(s))
}

/// A `LIKE` pattern matching values that start with `s` literally; use with `ESCAPE '\\'`.
pub fn like_prefix(s: &str) -> String {
    format!("{}%", like_escape(s))
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A database address fit for logs and screens: `postgres://user:secret@host/db` →
/// `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The embedded migrations of a backend.
pub fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> Result<(), yiwang_kernel::Error> {
    let r = match db {
        Db::Sqlite(p, _) => SQLITE_MIGRATIONS.run(p).await,
        Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
    };
    r.map_err(|e| yiwang_kernel::Error::unavailable(format!("migration failed: {e}")))?;
    // The migrator commits on its own connection, outside the group commit: on disk now.
    db.durable().await
}

/// Whether the database answers and every embedded migration has been applied (`/readyz`).
pub async fn ready(db: &Db) -> Result<(), yiwang_kernel::Error> {
    let expected: Vec<i64> = migrator(db.backend())
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    let mut c = db.clone();
    let applied: Vec<(i64,)> = c
        .fetch_all(
            "SELECT version FROM _sqlx_migrations WHERE success = $1 ORDER BY version",
            args![true],
        )
        .await?;
    let applied: Vec<i64> = applied.into_iter().map(|r| r.0).collect();
    if expected.iter().all(|v| applied.contains(v)) {
        Ok(())
    } else {
        Err(yiwang_kernel::Error::unavailable("migrations pending"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The twin migration folders must list the same versions and names (vaultwarden's drifted
    /// because nothing checked).
    #[test]
    fn twin_migration_folders_match() {
        let names = |b| {
            super::migrator(b)
                .iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect::<BTreeSet<_>>()
        };
        let s = names(super::Backend::Sqlite);
        let p = names(super::Backend::Postgres);
        assert!(!s.is_empty());
        assert_eq!(s, p);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact_url("sqlite://./data/yiwang.db"),
            "sqlite://./data/yiwang.db"
        );
    }
}
