//! Loads (归集批次, `exchange_loads`) and their sample problems (`exchange_load_issues`): the
//! job, its claim (runner and lease), its checkpoint and counters.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Value as Bind, args};

use crate::collect::check::Issue;

/// A load as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoadRow {
    pub id: i64,
    pub resource_id: i64,
    pub resource_version: i64,
    pub department_id: i64,
    pub kind: String,
    pub format: String,
    pub encoding: Option<String>,
    pub file_name: String,
    pub file_sha: String,
    pub file_path: Option<String>,
    pub file_size: i64,
    pub mode: String,
    pub full_load: bool,
    pub delete_keys: String,
    pub status: String,
    pub load_at: OffsetDateTime,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub good_rows: i64,
    pub bad_rows: i64,
    pub inserted_rows: i64,
    pub changed_rows: i64,
    pub unchanged_rows: i64,
    pub closed_rows: i64,
    pub counts: String,
    pub attempts: i64,
    pub message: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
}

const COLS: &str = "id, resource_id, resource_version, department_id, kind, format, encoding, file_name, file_sha, file_path, file_size, \
    mode, full_load, delete_keys, status, load_at, total_rows, processed_rows, good_rows, bad_rows, inserted_rows, changed_rows, unchanged_rows, \
    closed_rows, counts, attempts, message, created_by, created_at, started_at, finished_at";

/// A load to insert.
#[derive(Debug, Clone)]
pub struct NewLoad<'a> {
    pub resource_id: i64,
    pub resource_version: i64,
    pub department_id: i64,
    pub kind: &'a str,
    pub format: &'a str,
    pub file_name: &'a str,
    pub file_sha: &'a str,
    pub file_path: Option<&'a str>,
    pub file_size: i64,
    pub mode: &'a str,
    pub full_load: bool,
    pub delete_keys: &'a str,
    pub status: &'a str,
    pub total_rows: i64,
    pub created_by: &'a str,
    pub now: OffsetDateTime,
}

pub async fn insert(c: &mut impl Conn, l: &NewLoad<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO exchange_loads (resource_id, resource_version, department_id, kind, format, file_name, file_sha, file_path, file_size, \
             mode, full_load, status, load_at, total_rows, created_by, created_at, delete_keys) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $13, $16) RETURNING id",
            args![
                l.resource_id,
                l.resource_version,
                l.department_id,
                l.kind,
                l.format,
                l.file_name,
                l.file_sha,
                l.file_path,
                l.file_size,
                l.mode,
                l.full_load,
                l.status,
                l.now,
                l.total_rows,
                l.created_by,
                l.delete_keys
            ],
        )
        .await?;
    Ok(id)
}

pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<LoadRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM exchange_loads WHERE id = $1"),
        args![id],
    )
    .await
}

/// The latest loads of a resource, newest first.
pub async fn of_resource(c: &mut impl Conn, resource_id: i64, limit: i64) -> Result<Vec<LoadRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM exchange_loads WHERE resource_id = $1 ORDER BY id DESC LIMIT $2"
        ),
        args![resource_id, limit],
    )
    .await
}

/// Loads left unfinished (to resume at start-up).
pub async fn unfinished(c: &mut impl Conn) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            "SELECT id FROM exchange_loads WHERE status IN ('queued', 'checking', 'loading') AND kind = 'file' ORDER BY id",
            args![],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Takes the job when nobody holds it (or the holder's lease lapsed): counts an attempt and
/// moves a queued job to its first state. Answers whether the claim was taken.
pub async fn claim(
    c: &mut impl Conn,
    id: i64,
    runner: &str,
    until: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_loads SET runner = $1, lease_until = $2, attempts = attempts + 1, started_at = COALESCE(started_at, $3), \
             status = CASE WHEN status = 'queued' THEN (CASE WHEN mode = 'all' THEN 'checking' ELSE 'loading' END) ELSE status END \
             WHERE id = $4 AND status IN ('queued', 'checking', 'loading') AND (lease_until IS NULL OR lease_until < $3)",
            args![runner, until, now, id],
        )
        .await?;
    Ok(n == 1)
}

pub async fn lease_until(c: &mut impl Conn, id: i64) -> Result<Option<OffsetDateTime>> {
    let row: Option<(Option<OffsetDateTime>,)> = c
        .fetch_optional(
            "SELECT lease_until FROM exchange_loads WHERE id = $1",
            args![id],
        )
        .await?;
    Ok(row.and_then(|r| r.0))
}

/// Counters a chunk adds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub processed: i64,
    pub good: i64,
    pub bad: i64,
    pub inserted: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub closed: i64,
}

/// Advances the checkpoint and the counters, renewing the lease: only while `runner` holds
/// the job (compare-and-set). False when the claim was lost.
pub async fn advance(
    c: &mut impl Conn,
    id: i64,
    runner: &str,
    p: &Progress,
    counts: &str,
    total: i64,
    until: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_loads SET processed_rows = processed_rows + $1, good_rows = good_rows + $2, bad_rows = bad_rows + $3, \
             inserted_rows = inserted_rows + $4, changed_rows = changed_rows + $5, unchanged_rows = unchanged_rows + $6, \
             closed_rows = closed_rows + $7, counts = $8, total_rows = $9, lease_until = $10 WHERE id = $11 AND runner = $12",
            args![
                p.processed,
                p.good,
                p.bad,
                p.inserted,
                p.changed,
                p.unchanged,
                p.closed,
                counts,
                total,
                until,
                id,
                runner
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Sets the status (and the message, the encoding, the finish time when it ends), while
/// `runner` holds the job (`None`: a push, never claimed).
#[allow(clippy::too_many_arguments)]
pub async fn set_status(
    c: &mut impl Conn,
    id: i64,
    runner: Option<&str>,
    status: &str,
    message: &str,
    encoding: Option<&str>,
    finished: Option<OffsetDateTime>,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_loads SET status = $1, message = $2, encoding = COALESCE($3, encoding), finished_at = $4, \
             runner = CASE WHEN $4 IS NULL THEN runner ELSE NULL END, lease_until = CASE WHEN $4 IS NULL THEN lease_until ELSE NULL END \
             WHERE id = $5 AND (runner = $6 OR $6 IS NULL)",
            args![status, message, encoding, finished, id, runner],
        )
        .await?;
    Ok(n == 1)
}

/// Starts a pass over from the first row in `status` (a check pass run again after a crash,
/// or the load pass after a clean check pass): checkpoint, row counters and counts back to 0.
pub async fn restart(c: &mut impl Conn, id: i64, runner: &str, status: &str) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_loads SET status = $1, processed_rows = 0, good_rows = 0, bad_rows = 0, counts = '{}' WHERE id = $2 AND runner = $3",
            args![status, id, runner],
        )
        .await?;
    Ok(n == 1)
}

/// Clears the problems of an unfinished check pass (it runs again from the start).
pub async fn clear_issues(c: &mut impl Conn, id: i64) -> Result<()> {
    c.execute(
        "DELETE FROM exchange_load_issues WHERE load_id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

/// How many sample problems a load has stored.
pub async fn issue_count(c: &mut impl Conn, id: i64) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM exchange_load_issues WHERE load_id = $1",
            args![id],
        )
        .await?;
    Ok(n)
}

/// Stores sample problems numbered from `first_seq`.
pub async fn insert_issues(
    c: &mut impl Conn,
    id: i64,
    first_seq: i64,
    issues: &[Issue],
) -> Result<()> {
    for (chunk_no, chunk) in issues.chunks(50).enumerate() {
        let mut sql = String::from(
            "INSERT INTO exchange_load_issues (load_id, seq, line, item, value, rule, message_zh, message_en) VALUES ",
        );
        let mut binds: Vec<Bind> = vec![Bind::from(id)];
        for (n, i) in chunk.iter().enumerate() {
            let b = binds.len();
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
            let seq = first_seq + i64::try_from(chunk_no * 50 + n).unwrap_or(0);
            binds.extend([
                Bind::from(seq),
                Bind::from(i.line),
                Bind::from(i.item.as_str()),
                Bind::from(i.value.as_str()),
                Bind::from(i.rule.as_str()),
                Bind::from(i.message_zh.as_str()),
                Bind::from(i.message_en.as_str()),
            ]);
        }
        c.execute(&sql, &binds).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct IssueRow {
    line: i64,
    item: String,
    value: String,
    rule: String,
    message_zh: String,
    message_en: String,
}

/// The sample problems of a load, by line.
pub async fn issues(c: &mut impl Conn, id: i64, limit: i64) -> Result<Vec<Issue>> {
    let rows: Vec<IssueRow> = c
        .fetch_all(
            "SELECT line, item, value, rule, message_zh, message_en FROM exchange_load_issues WHERE load_id = $1 ORDER BY line, seq LIMIT $2",
            args![id, limit],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Issue {
            line: r.line,
            item: r.item,
            value: r.value,
            rule: r.rule,
            message_zh: r.message_zh,
            message_en: r.message_en,
        })
        .collect())
}

/// Stores one chunk of a load's file.
pub async fn insert_chunk(c: &mut impl Conn, id: i64, seq: usize, data: &[u8]) -> Result<()> {
    c.execute(
        "INSERT INTO exchange_load_chunks (load_id, seq, data) VALUES ($1, $2, $3)",
        args![id, seq, data],
    )
    .await?;
    Ok(())
}

/// A load's stored file, whole (uploads are bounded by the route's body limit).
pub async fn file(c: &mut impl Conn, id: i64) -> Result<Vec<u8>> {
    let rows: Vec<(Vec<u8>,)> = c
        .fetch_all(
            "SELECT data FROM exchange_load_chunks WHERE load_id = $1 ORDER BY seq",
            args![id],
        )
        .await?;
    Ok(rows.into_iter().flat_map(|r| r.0).collect())
}

/// Drops a finished load's file.
pub async fn drop_chunks(c: &mut impl Conn, id: i64) -> Result<()> {
    c.execute(
        "DELETE FROM exchange_load_chunks WHERE load_id = $1",
        args![id],
    )
    .await?;
    Ok(())
}
