//! The data API's call log (`exchange_calls`) and the data subjects each call read
//! (`exchange_call_subjects`, blind indexes only).

use time::OffsetDateTime;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Sql, Value, args};

/// A call to record.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub at: OffsetDateTime,
    pub consumer_department_id: i64,
    pub provider_department_id: i64,
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub grant_id: i64,
    pub actor: String,
    pub kind: &'static str,
    pub purpose: String,
    pub case_number: String,
    /// JSON array of the field names answered.
    pub fields: String,
    pub row_count: i64,
}

/// A recorded call.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub at: OffsetDateTime,
    pub consumer_department_id: i64,
    pub provider_department_id: i64,
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub grant_id: i64,
    pub actor: String,
    pub kind: String,
    pub purpose: String,
    pub case_number: String,
    pub fields: String,
    pub row_count: i64,
}

const COLS: &str = "c.id, c.at, c.consumer_department_id, c.provider_department_id, c.resource_id, c.resource_code, c.resource_name, c.grant_id, c.actor, c.kind, c.purpose, c.case_number, c.fields, c.row_count";

/// Rows per multi-row `INSERT` (13 binds a call; SQLite looks binds up by a linear scan of
/// their names, so statements stay small).
const INSERT_ROWS: usize = 16;

/// Inserts calls, several per statement; returns their ids in the order of `calls`. Within
/// one statement ids are allocated in `VALUES` order on both backends (SQLite's rowid and
/// PostgreSQL's sequence only grow), so the returned ids, sorted, are the calls' in order —
/// whatever order `RETURNING` yields them in.
pub async fn insert_all(c: &mut impl Conn, calls: &[&NewCall]) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(calls.len());
    for chunk in calls.chunks(INSERT_ROWS) {
        let mut q = Sql::new(
            "INSERT INTO exchange_calls (at, consumer_department_id, provider_department_id, resource_id, resource_code, resource_name, grant_id, actor, kind, purpose, case_number, fields, row_count) VALUES ",
        );
        for (i, call) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.list([
                Value::from(call.at),
                call.consumer_department_id.into(),
                call.provider_department_id.into(),
                call.resource_id.into(),
                (&call.resource_code).into(),
                (&call.resource_name).into(),
                call.grant_id.into(),
                (&call.actor).into(),
                call.kind.into(),
                (&call.purpose).into(),
                (&call.case_number).into(),
                (&call.fields).into(),
                call.row_count.into(),
            ]);
        }
        q.push(" RETURNING id");
        let mut ids: Vec<(i64,)> = c.fetch_all(&q.text, &q.args).await?;
        if ids.len() != chunk.len() {
            return Err(Error::internal(
                "exchange calls: RETURNING gave another count",
            ));
        }
        ids.sort_unstable();
        out.extend(ids.into_iter().map(|(id,)| id));
    }
    Ok(out)
}

/// Records that calls read data subjects (their blind indexes): `(call id, subject)` pairs,
/// several per statement; once per call and subject.
pub async fn insert_subjects(c: &mut impl Conn, pairs: &[(i64, &str)]) -> Result<()> {
    for chunk in pairs.chunks(INSERT_ROWS * 4) {
        let mut q = Sql::new("INSERT INTO exchange_call_subjects (subject_idx, call_id) VALUES ");
        for (i, (call_id, subject)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.list([Value::from(*subject), Value::from(*call_id)]);
        }
        q.push(" ON CONFLICT DO NOTHING");
        c.execute(&q.text, &q.args).await?;
    }
    Ok(())
}

/// Reads of a provider department's resources, newest first, before call id `before`.
pub async fn of_provider(
    c: &mut impl Conn,
    provider_department_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CallRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM exchange_calls c WHERE c.provider_department_id = $1 AND (c.id < $2 OR $2 IS NULL) ORDER BY c.id DESC LIMIT $3"),
        args![provider_department_id, before, limit],
    )
    .await
}

/// Reads made by a consumer department, newest first, before call id `before`.
pub async fn of_consumer(
    c: &mut impl Conn,
    consumer_department_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CallRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM exchange_calls c WHERE c.consumer_department_id = $1 AND (c.id < $2 OR $2 IS NULL) ORDER BY c.id DESC LIMIT $3"),
        args![consumer_department_id, before, limit],
    )
    .await
}

/// The calls that read a data subject (by blind index), newest first.
pub async fn of_subject(c: &mut impl Conn, subject_idx: &str, limit: i64) -> Result<Vec<CallRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM exchange_call_subjects s JOIN exchange_calls c ON c.id = s.call_id WHERE s.subject_idx = $1 ORDER BY c.id DESC LIMIT $2"),
        args![subject_idx, limit],
    )
    .await
}

/// The calls recorded against a case number, newest first.
pub async fn of_case(c: &mut impl Conn, case_number: &str, limit: i64) -> Result<Vec<CallRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM exchange_calls c WHERE c.case_number = $1 ORDER BY c.id DESC LIMIT $2"),
        args![case_number, limit],
    )
    .await
}

/// Calls to a provider department's resources in `[from, before)` and the rows they returned.
pub async fn counts_of_provider(
    c: &mut impl Conn,
    provider_department_id: i64,
    from: OffsetDateTime,
    before: OffsetDateTime,
) -> Result<(i64, i64)> {
    c.fetch_one(
        "SELECT COUNT(*), CAST(COALESCE(SUM(row_count), 0) AS BIGINT) FROM exchange_calls WHERE provider_department_id = $1 AND at >= $2 AND at < $3",
        args![provider_department_id, from, before],
    )
    .await
}
