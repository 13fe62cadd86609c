//! Pools, transactions and the [`Conn`] trait. The only place that branches on the backend.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Arguments, AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use yiwang_kernel::{Error, ErrorCode};

use crate::group::GroupSync;
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A row type that decodes from both backends (derive `sqlx::FromRow` with portable field
/// types: `i64`, `f64`, `bool`, `String`, `Vec<u8>`, `OffsetDateTime`, `Date`, `Option<_>`).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// A connection pool to one of the two backends. On SQLite, the pool's write transactions
/// queue for the [`WriteGate`] first, and their commits share syncs of the log
/// ([`crate::group`]: acknowledged only once on disk).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// SQLite has one writer at a time. A write transaction waiting for the lock inside SQLite
/// sleeps in the busy handler (1, 2, 5, 10 … ms) and may wake long after the lock was freed;
/// with many writers the lock then stands idle and the slowest of them waits for seconds. So
/// this process's write transactions on one database queue here, first come first served, and
/// each reaches `BEGIN IMMEDIATE` when the previous one has finished. Writers in other processes
/// (the command line) still meet the busy handler, as before.
///
/// The gate also carries the database's group commit (none for an in-memory database).
#[derive(Clone, Debug)]
pub struct WriteGate(
    std::sync::Arc<tokio::sync::Semaphore>,
    Option<std::sync::Arc<GroupSync>>,
);

/// A SQLite transaction's turn of the [`WriteGate`] (write transactions only) and what its
/// commit must wait for.
#[derive(Debug)]
pub struct SqliteTurn {
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    group: Option<std::sync::Arc<GroupSync>>,
    /// Whether a statement that may write ran (anything but a `SELECT`).
    wrote: bool,
}

/// Whether a statement may change the database: anything that does not start with `SELECT`
/// (a `WITH … SELECT` counts as a write: at worst one sync too many).
fn may_write(sql: &str) -> bool {
    !sql.trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("select"))
}

/// How long a write transaction waits for the gate: the busy timeout SQLite itself would
/// apply. A task that opens a second write transaction while it holds one (which SQLite could
/// never grant either) gets `unavailable` after this, as it would from SQLite.
const WRITE_WAIT: Duration = Duration::from_secs(15);

/// The histogram of the seconds SQLite writers wait for the [`WriteGate`].
pub const WRITE_GATE_WAIT: &str = "yiwang_db_write_gate_wait_seconds";

/// A pool's connections at one moment ([`Db::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Pool sizing and connection settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// PostgreSQL only: run every connection with this `search_path` (tests use one schema each).
    pub pg_schema: Option<String>,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 16,
            pg_schema: None,
        }
    }
}

fn sql_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return Error {
                internal: Some(d.message().into()),
                ..Error::new(ErrorCode::Duplicate)
            };
        }
        if d.is_foreign_key_violation() {
            return Error {
                internal: Some(d.message().into()),
                ..Error::new(ErrorCode::InvalidState).with_detail(
                    "该记录仍被其他数据引用，或引用的数据不存在",
                    "The record is still referenced, or refers to a record that does not exist",
                )
            };
        }
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            Error::unavailable(e)
        }
        other => Error::internal(other),
    }
}

impl Db {
    /// Opens the database named by `url`: `sqlite://path/to/file.db` (created if missing) or
    /// `postgres://user@host/db`. Any other scheme is an error.
    pub async fn connect(url: &str, opts: DbOptions) -> Result<Db, Error> {
        let bad = |why: String| {
            Error::new(ErrorCode::BadRequest).with_detail(
                format!("数据库地址无效：{why}"),
                format!("Invalid database URL: {why}"),
            )
        };
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(bad("no file path".into()));
            }
            let path = rest.split('?').next().unwrap_or(rest);
            if let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    bad(format!("cannot create directory {}: {e}", parent.display()))
                })?;
            }
            // `NORMAL`: a commit writes the log without syncing it; `Tx::commit` waits for the
            // group sync instead (crate::group).
            let o = SqliteConnectOptions::from_str(&format!("sqlite://{rest}"))
                .map_err(|e| bad(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(15))
                .pragma("temp_store", "memory")
                .pragma("cache_size", "-16000");
            // No ping before each acquire: an SQLite connection is a file handle in this
            // process and cannot be hung up on, and the ping is one more round trip to the
            // connection's worker thread on every statement.
            let pool = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(opts.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(o)
                .await
                .map_err(|e| Error::unavailable(format!("cannot open SQLite {rest}: {e}")))?;
            let in_memory = path.starts_with(":memory:") || rest.contains("mode=memory");
            let group = if in_memory {
                None
            } else {
                Some(std::sync::Arc::new(GroupSync::new(std::path::Path::new(
                    path,
                ))?))
            };
            Ok(Db::Sqlite(
                pool,
                WriteGate(std::sync::Arc::new(tokio::sync::Semaphore::new(1)), group),
            ))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut o = PgConnectOptions::from_str(url).map_err(|e| bad(e.to_string()))?;
            if let Some(schema) = &opts.pg_schema {
                o = o.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(o)
                .await
                .map_err(|e| Error::unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
            Ok(Db::Postgres(pool))
        } else {
            let scheme = url.split(':').next().unwrap_or("");
            Err(bad(format!(
                "unknown scheme `{scheme}` (use sqlite:// or postgres://)"
            )))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction that will write: `BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL.
    /// On SQLite it first queues for the [`WriteGate`].
    pub async fn write(&self) -> Result<Tx, Error> {
        match self {
            Db::Sqlite(p, gate) => {
                let queued = std::time::Instant::now();
                let permit = tokio::time::timeout(WRITE_WAIT, gate.0.clone().acquire_owned())
                    .await
                    .map_err(|_| Error::unavailable("database busy: no write turn within 15 s"))?
                    .map_err(|_| Error::unavailable("database closed"))?;
                // How long writers queue for their turn (Prometheus, `/metrics`).
                metrics::histogram!(WRITE_GATE_WAIT).record(queued.elapsed().as_secs_f64());
                Ok(Tx::Sqlite(
                    p.begin_with("BEGIN IMMEDIATE").await.map_err(sql_err)?,
                    SqliteTurn {
                        permit: Some(permit),
                        group: gate.1.clone(),
                        wrote: false,
                    },
                ))
            }
            Db::Postgres(p) => Ok(Tx::Postgres(p.begin().await.map_err(sql_err)?)),
        }
    }

    /// Starts a read-only snapshot transaction.
    pub async fn read(&self) -> Result<Tx, Error> {
        match self {
            Db::Sqlite(p, gate) => Ok(Tx::Sqlite(
                p.begin().await.map_err(sql_err)?,
                SqliteTurn {
                    permit: None,
                    group: gate.1.clone(),
                    wrote: false,
                },
            )),
            Db::Postgres(p) => Ok(Tx::Postgres(
                p.begin_with("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
                    .map_err(sql_err)?,
            )),
        }
    }

    /// Waits until everything committed to the database before the call is on disk (on SQLite:
    /// a group sync that starts after the call). SQLite shows a commit to readers a few milliseconds before its group sync
    /// ([`crate::group`]); code that answers a request from data it did not write itself (an
    /// idempotent replay) calls this first. Immediate on PostgreSQL, whose commits are on disk
    /// before anyone sees them.
    pub async fn durable(&self) -> Result<(), Error> {
        match self {
            Db::Sqlite(_, WriteGate(_, Some(g))) => g.committed().await,
            _ => Ok(()),
        }
    }

    /// A handle on the same database whose commits return as soon as SQLite has them, without
    /// waiting for the group sync of the log ([`crate::group`]); on PostgreSQL, whose commits are
    /// on disk when they return, the same handle. For a loader that runs before the node answers
    /// anyone (the demo city): it calls [`Db::durable`] on an ordinary handle when it is done,
    /// which returns once everything committed through this one is on disk, and only then
    /// reports or serves anything. A crash before that may lose the last of its commits — the
    /// log with `synchronous=NORMAL` stays consistent, so the database is as after an earlier
    /// commit — and the loader, which skips what is there, loads the rest again. Drop it when the
    /// load is done: nothing acknowledged to anyone may be written through it.
    pub fn deferring_syncs(&self) -> Db {
        match self {
            Db::Sqlite(p, WriteGate(turns, _)) => {
                Db::Sqlite(p.clone(), WriteGate(turns.clone(), None))
            }
            Db::Postgres(p) => Db::Postgres(p.clone()),
        }
    }

    /// SQLite's group commit so far: (commits and [`Db::durable`] calls that waited for a
    /// sync, syncs of the log); `None` without one (PostgreSQL, in-memory SQLite).
    pub fn group_stats(&self) -> Option<(u64, u64)> {
        match self {
            Db::Sqlite(_, WriteGate(_, Some(g))) => Some(g.stats()),
            _ => None,
        }
    }

    /// After a statement outside a transaction that may have written (SQLite commits it on its
    /// own): wait for the group sync, as [`Tx::commit`] does.
    async fn autocommitted(&self, sql: &str) -> Result<(), Error> {
        match self {
            Db::Sqlite(_, WriteGate(_, Some(g))) if may_write(sql) => g.committed().await,
            _ => Ok(()),
        }
    }

    /// The pool's connections now: (open, idle, most allowed).
    pub fn pool_stats(&self) -> PoolStats {
        match self {
            Db::Sqlite(p, _) => PoolStats {
                open: p.size(),
                idle: p.num_idle() as u32,
                max: p.options().get_max_connections(),
            },
            Db::Postgres(p) => PoolStats {
                open: p.size(),
                idle: p.num_idle() as u32,
                max: p.options().get_max_connections(),
            },
        }
    }

    /// Whether [`Db::close`] has been called (background tasks stop then).
    pub fn is_closed(&self) -> bool {
        match self {
            Db::Sqlite(p, _) => p.is_closed(),
            Db::Postgres(p) => p.is_closed(),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, _) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// An open transaction on either backend. Dropped without [`Tx::commit`] it rolls back. A
/// SQLite write transaction holds its turn of the [`WriteGate`] until it ends.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, SqliteTurn),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Commits; returns once the commit is on disk. On SQLite the write turn is released as
    /// soon as `COMMIT` returns, and the commit then waits for the group sync of the log that
    /// it shares with the commits around it ([`crate::group`]); an error there means the
    /// commit is not acknowledged (it may or may not survive a crash).
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            Tx::Sqlite(t, turn) => {
                t.commit().await.map_err(sql_err)?;
                let SqliteTurn {
                    permit,
                    group,
                    wrote,
                } = turn;
                drop(permit);
                match group {
                    Some(g) if wrote => g.committed().await,
                    _ => Ok(()),
                }
            }
            Tx::Postgres(t) => t.commit().await.map_err(sql_err),
        }
    }

    pub async fn rollback(self) -> Result<(), Error> {
        match self {
            Tx::Sqlite(t, _turn) => t.rollback().await.map_err(sql_err),
            Tx::Postgres(t) => t.rollback().await.map_err(sql_err),
        }
    }
}

fn sqlite_args(args: &[Value]) -> Result<SqliteArguments, Error> {
    let mut a = SqliteArguments::default();
    for v in args {
        let r = match v {
            Value::Null => a.add(None::<i64>),
            Value::I64(i) => a.add(*i),
            Value::F64(f) => a.add(*f),
            Value::Bool(b) => a.add(*b),
            Value::Text(s) => a.add(s.clone()),
            Value::Bytes(b) => a.add(b.clone()),
            Value::Time(t) => a.add(Value::sqlite_time(*t)),
            Value::Date(d) => a.add(*d),
        };
        r.map_err(|e| Error::internal(format!("bind: {e}")))?;
    }
    Ok(a)
}

/// A NULL whose type PostgreSQL infers from the statement (parameter type OID 0), so that
/// `($1 IS NULL OR col = $1)` works whatever the column type.
struct PgNull;

impl sqlx::Type<Postgres> for PgNull {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        sqlx::postgres::PgTypeInfo::with_oid(sqlx::postgres::types::Oid(0))
    }
}

impl sqlx::Encode<'_, Postgres> for PgNull {
    fn encode_by_ref(
        &self,
        _buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        Ok(sqlx::encode::IsNull::Yes)
    }
}

fn pg_args(args: &[Value]) -> Result<PgArguments, Error> {
    let mut a = PgArguments::default();
    for v in args {
        let r = match v {
            Value::Null => a.add(PgNull),
            Value::I64(i) => a.add(*i),
            Value::F64(f) => a.add(*f),
            Value::Bool(b) => a.add(*b),
            Value::Text(s) => a.add(s.clone()),
            Value::Bytes(b) => a.add(b.clone()),
            Value::Time(t) => a.add(*t),
            Value::Date(d) => a.add(*d),
        };
        r.map_err(|e| Error::internal(format!("bind: {e}")))?;
    }
    Ok(a)
}

/// Runs SQL on a pool or inside a transaction. Implemented by [`Db`] and [`Tx`].
pub trait Conn: Send {
    fn backend(&self) -> Backend;

    /// Executes a statement, returning the number of affected rows.
    fn execute(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> impl Future<Output = Result<u64, Error>> + Send;

    fn fetch_all<T: Row>(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> impl Future<Output = Result<Vec<T>, Error>> + Send;

    fn fetch_optional<T: Row>(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> impl Future<Output = Result<Option<T>, Error>> + Send;

    /// Exactly one row; none is [`ErrorCode::NotFound`].
    fn fetch_one<T: Row>(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> impl Future<Output = Result<T, Error>> + Send {
        async move {
            self.fetch_optional(sql, args)
                .await?
                .ok_or_else(Error::not_found)
        }
    }
}

impl Conn for Db {
    fn backend(&self) -> Backend {
        Db::backend(self)
    }

    async fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, Error> {
        let q = AssertSqlSafe(sql.to_string());
        match self {
            Db::Sqlite(p, _) => {
                let n = sqlx::query_with(q, sqlite_args(args)?)
                    .execute(&*p)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(sql_err)?;
                self.autocommitted(sql).await?;
                Ok(n)
            }
            Db::Postgres(p) => sqlx::query_with(q, pg_args(args)?)
                .execute(&*p)
                .await
                .map(|r| r.rows_affected())
                .map_err(sql_err),
        }
    }

    async fn fetch_all<T: Row>(&mut self, sql: &str, args: &[Value]) -> Result<Vec<T>, Error> {
        let q = AssertSqlSafe(sql.to_string());
        match self {
            Db::Sqlite(p, _) => {
                let rows = sqlx::query_as_with::<Sqlite, T, _>(q, sqlite_args(args)?)
                    .fetch_all(&*p)
                    .await
                    .map_err(sql_err)?;
                self.autocommitted(sql).await?;
                Ok(rows)
            }
            Db::Postgres(p) => sqlx::query_as_with::<Postgres, T, _>(q, pg_args(args)?)
                .fetch_all(&*p)
                .await
                .map_err(sql_err),
        }
    }

    async fn fetch_optional<T: Row>(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<Option<T>, Error> {
        let q = AssertSqlSafe(sql.to_string());
        match self {
            Db::Sqlite(p, _) => {
                let row = sqlx::query_as_with::<Sqlite, T, _>(q, sqlite_args(args)?)
                    .fetch_optional(&*p)
                    .await
                    .map_err(sql_err)?;
                self.autocommitted(sql).await?;
                Ok(row)
            }
            Db::Postgres(p) => sqlx::query_as_with::<Postgres, T, _>(q, pg_args(args)?)
                .fetch_optional(&*p)
                .await
                .map_err(sql_err),
        }
    }
}

impl Conn for Tx {
    fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    async fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, Error> {
        let q = AssertSqlSafe(sql.to_string());
        match self {
            Tx::Sqlite(t, turn) => {
                turn.wrote |= may_write(sql);
                sqlx::query_with(q, sqlite_args(args)?)
                    .execute(&mut **t)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(sql_err)
            }
            Tx::Postgres(t) => sqlx::query_with(q, pg_args(args)?)
                .execute(&mut **t)
                .await
                .map(|r| r.rows_affected())
                .map_err(sql_err),
        }
    }

    async fn fetch_all<T: Row>(&mut self, sql: &str, args: &[Value]) -> Result<Vec<T>, Error> {
        let q = AssertSqlSafe(sql.to_string());
        match self {
            Tx::Sqlite(t, turn) => {
                turn.wrote |= may_write(sql);
                sqlx::query_as_with::<Sqlite, T, _>(q, sqlite_args(args)?)
                    .fetch_all(&mut **t)
                    .await
                    .map_err(sql_err)
            }
            Tx::Postgres(t) => sqlx::query_as_with::<Postgres, T, _>(q, pg_args(args)?)
                .fetch_all(&mut **t)
                .await
                .map_err(sql_err),
        }
    }

    async fn fetch_optional<T: Row>(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<Option<T>, Error> {
        let q = AssertSqlSafe(sql.to_string());
        match self {
            Tx::Sqlite(t, turn) => {
                turn.wrote |= may_write(sql);
                sqlx::query_as_with::<Sqlite, T, _>(q, sqlite_args(args)?)
                    .fetch_optional(&mut **t)
                    .await
                    .map_err(sql_err)
            }
            Tx::Postgres(t) => sqlx::query_as_with::<Postgres, T, _>(q, pg_args(args)?)
                .fetch_optional(&mut **t)
                .await
                .map_err(sql_err),
        }
    }
}
