//! Every SQL statement of the bulk import: jobs and their claims, the stored file chunks, row
//! problems, the lookups of existing licences, and the batched inserts.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};
use yiwang_org::Department;
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Tx, Value as Bind, args};

use yiwang_kernel::Result;

use super::ImportProblem;
use crate::service::LicenceType;

/// Rows per multi-row `INSERT` (12 binds each). Small on purpose: SQLite looks each bind's
/// name up by a linear scan (`sqlite3_bind_parameter_name`), quadratic in binds per statement;
/// at 100 rows (1,208 binds) that scan alone took a tenth of an import's CPU, at 20 rows 3 %.
const INSERT_ROWS: usize = 10;

/// A job as stored, with its type's and department's names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct JobRow {
    pub id: i64,
    pub type_code: String,
    pub department_id: i64,
    pub format: String,
    pub encoding: Option<String>,
    pub file_name: String,
    pub file_sha: String,
    pub file_size: i64,
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported_rows: i64,
    pub error_count: i64,
    pub warning_count: i64,
    pub serial_year: Option<i64>,
    pub serial_first: Option<i64>,
    pub attempts: i64,
    pub message: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub revision: i64,
    pub type_name: String,
    /// The org domain's, filled in by [`job`] and [`latest_jobs`].
    #[sqlx(skip)]
    pub department_name: String,
    #[sqlx(skip)]
    pub division_code: String,
}

const JOB_COLS: &str = "j.id, j.type_code, j.department_id, j.format, j.encoding, j.file_name, j.file_sha, j.file_size, j.status, \
    j.total_rows, j.processed_rows, j.imported_rows, j.error_count, j.warning_count, j.serial_year, j.serial_first, \
    j.attempts, j.message, j.created_by, j.created_at, j.started_at, j.finished_at, j.revision, t.name AS type_name";
const JOB_FROM: &str = "FROM licence_imports j JOIN licence_types t ON t.code = j.type_code";

/// Names each job's department and its division (the org domain's), dropping a job whose
/// department is gone.
async fn with_departments(c: &mut impl Conn, rows: Vec<JobRow>) -> Result<Vec<JobRow>> {
    let mut known: HashMap<i64, Option<Department>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for mut r in rows {
        let d = match known.get(&r.department_id) {
            Some(d) => d.clone(),
            None => {
                let d = department_in(c, r.department_id).await?;
                known.insert(r.department_id, d.clone());
                d
            }
        };
        if let Some(d) = d {
            r.department_name = d.name;
            r.division_code = d.division_code.as_str().to_string();
            out.push(r);
        }
    }
    Ok(out)
}

pub(super) async fn job(c: &mut impl Conn, id: i64) -> Result<Option<JobRow>> {
    let row: Option<JobRow> = c
        .fetch_optional(
            &format!("SELECT {JOB_COLS} {JOB_FROM} WHERE j.id = $1"),
            args![id],
        )
        .await?;
    Ok(with_departments(c, row.into_iter().collect()).await?.pop())
}

/// The latest 500 jobs, newest first.
pub(super) async fn latest_jobs(c: &mut impl Conn) -> Result<Vec<JobRow>> {
    let rows: Vec<JobRow> = c
        .fetch_all(
            &format!("SELECT {JOB_COLS} {JOB_FROM} ORDER BY j.id DESC LIMIT 500"),
            args![],
        )
        .await?;
    with_departments(c, rows).await
}

pub(super) async fn type_exists(c: &mut impl Conn, code: &str) -> Result<Option<String>> {
    let r: Option<(String,)> = c
        .fetch_optional(
            "SELECT code FROM licence_types WHERE code = $1",
            args![code],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

pub(super) async fn licence_type(c: &mut impl Conn, code: &str) -> Result<LicenceType> {
    c.fetch_one(
        "SELECT code, name, definer_name, holder_type, face_schema, validity_years FROM licence_types WHERE code = $1",
        args![code],
    )
    .await
}

/// A new job, queued.
pub(super) struct NewJob<'a> {
    pub type_code: &'a str,
    pub department_id: i64,
    pub format: &'a str,
    pub file_name: &'a str,
    pub file_sha: &'a str,
    pub file_size: usize,
    pub created_by: &'a str,
    pub now: OffsetDateTime,
}

pub(super) async fn insert_job(tx: &mut Tx, j: &NewJob<'_>) -> Result<i64> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO licence_imports (type_code, department_id, format, file_name, file_sha, file_size, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8) RETURNING id",
            args![
                j.type_code,
                j.department_id,
                j.format,
                j.file_name,
                j.file_sha,
                j.file_size,
                j.created_by,
                j.now
            ],
        )
        .await?;
    Ok(id)
}

pub(super) async fn insert_chunk(tx: &mut Tx, id: i64, seq: usize, data: &[u8]) -> Result<()> {
    tx.execute(
        "INSERT INTO licence_import_chunks (import_id, seq, data) VALUES ($1, $2, $3)",
        args![id, seq, data],
    )
    .await?;
    Ok(())
}

pub(super) async fn chunk(c: &mut impl Conn, id: i64, seq: i64) -> Result<Option<Vec<u8>>> {
    let r: Option<(Vec<u8>,)> = c
        .fetch_optional(
            "SELECT data FROM licence_import_chunks WHERE import_id = $1 AND seq = $2",
            args![id, seq],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

pub(super) async fn drop_chunks(tx: &mut Tx, id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM licence_import_chunks WHERE import_id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

pub(super) async fn problems(
    c: &mut impl Conn,
    id: i64,
    limit: usize,
) -> Result<Vec<ImportProblem>> {
    c.fetch_all(
        "SELECT line, field, code, level, message_zh, message_en FROM licence_import_errors WHERE import_id = $1 \
         ORDER BY line, id LIMIT $2",
        args![id, limit],
    )
    .await
}

pub(super) async fn clear_problems(tx: &mut Tx, id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM licence_import_errors WHERE import_id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_problems(
    tx: &mut Tx,
    id: i64,
    problems: &[ImportProblem],
) -> Result<()> {
    for part in problems.chunks(INSERT_ROWS) {
        let mut sql = String::from(
            "INSERT INTO licence_import_errors (import_id, line, field, code, level, message_zh, message_en) VALUES ",
        );
        let mut binds: Vec<Bind> = vec![Bind::from(id)];
        for (k, p) in part.iter().enumerate() {
            let b = binds.len();
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            ));
            binds.extend([
                Bind::from(p.line),
                Bind::from(p.field.as_str()),
                Bind::from(p.code.as_str()),
                Bind::from(p.level.as_str()),
                Bind::from(p.message_zh.as_str()),
                Bind::from(p.message_en.as_str()),
            ]);
        }
        tx.execute(&sql, &binds).await?;
    }
    Ok(())
}

/// Jobs not ended (queued, checking or sealing).
pub(super) async fn unfinished(c: &mut impl Conn) -> Result<Vec<i64>> {
    let ids: Vec<(i64,)> = c
        .fetch_all(
            "SELECT id FROM licence_imports WHERE status IN ('queued', 'checking', 'sealing') ORDER BY id",
            args![],
        )
        .await?;
    Ok(ids.into_iter().map(|r| r.0).collect())
}

pub(super) async fn lease_until(c: &mut impl Conn, id: i64) -> Result<Option<OffsetDateTime>> {
    let r: Option<(Option<OffsetDateTime>,)> = c
        .fetch_optional(
            "SELECT lease_until FROM licence_imports WHERE id = $1",
            args![id],
        )
        .await?;
    Ok(r.and_then(|r| r.0))
}

/// Takes an unfinished job whose claim is free or lapsed, counting the attempt; the rows
/// changed (0: someone else holds it, or it ended).
pub(super) async fn claim(
    tx: &mut Tx,
    id: i64,
    runner: &str,
    until: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET runner = $1, lease_until = $2, started_at = COALESCE(started_at, $3), \
         status = CASE WHEN status = 'queued' THEN 'checking' ELSE status END, attempts = attempts + 1, \
         revision = revision + 1 WHERE id = $4 AND status IN ('queued', 'checking', 'sealing') AND (runner IS NULL OR lease_until IS NULL OR lease_until < $3)",
        args![runner, until, now, id],
    )
    .await
}

/// Extends the claim (and records the rows checked so far); the rows changed.
pub(super) async fn renew(
    tx: &mut Tx,
    id: i64,
    runner: &str,
    until: OffsetDateTime,
    total: Option<i64>,
) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET lease_until = $1, total_rows = COALESCE($2, total_rows) WHERE id = $3 AND runner = $4",
        args![until, total, id, runner],
    )
    .await
}

/// The outcome of a check pass as stored.
pub(super) struct Checked<'a> {
    pub encoding: Option<&'a str>,
    pub rows: i64,
    pub errors: i64,
    pub warnings: i64,
    pub generated: i64,
}

pub(super) async fn reject(
    tx: &mut Tx,
    id: i64,
    runner: &str,
    o: &Checked<'_>,
    now: OffsetDateTime,
) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET status = 'rejected', encoding = $1, total_rows = $2, error_count = $3, warning_count = $4, \
         finished_at = $5, runner = NULL, lease_until = NULL, revision = revision + 1 WHERE id = $6 AND runner = $7",
        args![o.encoding, o.rows, o.errors, o.warnings, now, id, runner],
    )
    .await
}

/// Reserves `count` serials of `prefix`; answers the last one.
pub(super) async fn reserve_serials(tx: &mut Tx, prefix: &str, count: i64) -> Result<i64> {
    let (last,): (i64,) = tx
        .fetch_one(
            "INSERT INTO licence_sequences (prefix, last_value) VALUES ($1, $2) \
             ON CONFLICT (prefix) DO UPDATE SET last_value = licence_sequences.last_value + $2 RETURNING last_value",
            args![prefix, count],
        )
        .await?;
    Ok(last)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn to_sealing(
    tx: &mut Tx,
    id: i64,
    runner: &str,
    o: &Checked<'_>,
    serial_year: i64,
    serial_first: Option<i64>,
    until: OffsetDateTime,
) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET status = 'sealing', encoding = $1, total_rows = $2, warning_count = $3, generated_rows = $4, \
         serial_year = $5, serial_first = $6, lease_until = $7, revision = revision + 1 WHERE id = $8 AND runner = $9",
        args![o.encoding, o.rows, o.warnings, o.generated, serial_year, serial_first, until, id, runner],
    )
    .await
}

pub(super) async fn fail(
    tx: &mut Tx,
    id: i64,
    runner: &str,
    message: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET status = 'failed', message = $1, finished_at = $2, runner = NULL, lease_until = NULL, \
         revision = revision + 1 WHERE id = $3 AND runner = $4",
        args![message, now, id, runner],
    )
    .await
}

pub(super) async fn finish(tx: &mut Tx, id: i64, runner: &str, now: OffsetDateTime) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET status = 'done', finished_at = $1, runner = NULL, lease_until = NULL, revision = revision + 1 \
         WHERE id = $2 AND runner = $3",
        args![now, id, runner],
    )
    .await
}

/// Identifiers of `list` already stored.
pub(super) async fn existing_identifiers(c: &mut impl Conn, list: &[&str]) -> Result<Vec<String>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ph: Vec<String> = (1..=list.len()).map(|i| format!("${i}")).collect();
    let binds: Vec<Bind> = list.iter().map(|s| Bind::from(*s)).collect();
    let found: Vec<(String,)> = c
        .fetch_all(
            &format!(
                "SELECT identifier FROM licences WHERE identifier IN ({})",
                ph.join(", ")
            ),
            &binds,
        )
        .await?;
    Ok(found.into_iter().map(|r| r.0).collect())
}

/// Numbers of `list` already stored for the type.
pub(super) async fn existing_numbers(
    c: &mut impl Conn,
    type_code: &str,
    list: &[&str],
) -> Result<Vec<String>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ph: Vec<String> = (2..=list.len() + 1).map(|i| format!("${i}")).collect();
    let mut binds: Vec<Bind> = vec![Bind::from(type_code)];
    binds.extend(list.iter().map(|s| Bind::from(*s)));
    let found: Vec<(String,)> = c
        .fetch_all(
            &format!(
                "SELECT number FROM licences WHERE type_code = $1 AND number IN ({})",
                ph.join(", ")
            ),
            &binds,
        )
        .await?;
    Ok(found.into_iter().map(|r| r.0).collect())
}

/// The random-key indexes of a growing table outgrow SQLite's default 16 MB page cache: the
/// connection that writes the batches keeps more of them (256 MB at most).
pub(super) async fn larger_cache(tx: &mut Tx) -> Result<()> {
    if matches!(tx, Tx::Sqlite(..)) {
        tx.execute("PRAGMA cache_size = -262144", args![]).await?;
    }
    Ok(())
}

/// What every licence of a batch shares.
pub(super) struct BatchCommon<'a> {
    pub sealed_at: OffsetDateTime,
    pub type_code: &'a str,
    pub holder_type: &'a str,
    pub department_id: i64,
    pub issuer_name: &'a str,
    pub issuer_uscc: &'a str,
    pub seal_key_id: &'a str,
    pub import_id: i64,
}

/// One sealed licence to insert.
pub(super) struct LicenceRow {
    pub line: usize,
    pub identifier: String,
    pub number: String,
    pub holder_name: String,
    pub holder_enc: String,
    pub holder_idx: String,
    pub holder_mask: String,
    pub issue_date: Date,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub face: String,
    pub signature: String,
}

/// Inserts the licences, [`INSERT_ROWS`] per statement (the rows' strings move into the binds).
pub(super) async fn insert_licences(
    tx: &mut Tx,
    c: &BatchCommon<'_>,
    rows: impl IntoIterator<Item = LicenceRow>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<LicenceRow> = rows.by_ref().take(INSERT_ROWS).collect();
        let mut sql = String::from(
            "INSERT INTO licences (identifier, type_code, number, holder_type, holder_name, holder_code_enc, holder_code_idx, holder_code_mask, \
             issuer_department_id, issuer_name, issuer_uscc, issue_date, valid_from, valid_to, face, status, previous_identifier, case_no, \
             seal_key_id, signature, sealed_at, revision, updated_at, source, import_id, import_line) VALUES ",
        );
        let mut binds: Vec<Bind> = vec![
            Bind::from(c.sealed_at),
            Bind::from(c.type_code),
            Bind::from(c.holder_type),
            Bind::from(c.department_id),
            Bind::from(c.issuer_name),
            Bind::from(c.issuer_uscc),
            Bind::from(c.seal_key_id),
            Bind::from(c.import_id),
        ];
        for (k, r) in part.into_iter().enumerate() {
            let b = binds.len();
            if k > 0 {
                sql.push_str(", ");
            }
            let p = |i: usize| format!("${}", b + i);
            sql.push_str(&format!(
                "({}, $2, {}, $3, {}, {}, {}, {}, $4, $5, $6, {}, {}, {}, {}, 'valid', NULL, NULL, $7, {}, $1, 1, $1, 'imported', $8, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(9),
                p(10),
                p(11),
                p(12)
            ));
            binds.extend([
                Bind::from(r.identifier),
                Bind::from(r.number),
                Bind::from(r.holder_name),
                Bind::from(r.holder_enc),
                Bind::from(r.holder_idx),
                Bind::from(r.holder_mask),
                Bind::from(r.issue_date),
                Bind::from(r.valid_from),
                Bind::from(r.valid_to),
                Bind::from(r.face),
                Bind::from(r.signature),
                Bind::from(r.line),
            ]);
        }
        tx.execute(&sql, &binds).await?;
    }
    Ok(())
}

/// Records a committed batch (compare-and-set on the rows processed so far); the rows changed.
#[allow(clippy::too_many_arguments)]
pub(super) async fn advance(
    tx: &mut Tx,
    id: i64,
    runner: &str,
    processed_before: i64,
    processed: i64,
    imported: i64,
    until: OffsetDateTime,
) -> Result<u64> {
    tx.execute(
        "UPDATE licence_imports SET processed_rows = $1, imported_rows = $2, lease_until = $3, revision = revision + 1 \
         WHERE id = $4 AND runner = $5 AND processed_rows = $6",
        args![processed, imported, until, id, runner, processed_before],
    )
    .await
}
