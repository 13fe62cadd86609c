//! The data API's call log (`exchange_calls`) and the data subjects each call read
//! (`exchange_call_subjects`, blind indexes only).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

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

pub async fn insert(c: &mut impl Conn, call: &NewCall) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO exchange_calls (at, consumer_department_id, provider_department_id, resource_id, resource_code, resource_name, grant_id, actor, kind, purpose, case_number, fields, row_count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            args![call.at, call.consumer_department_id, call.provider_department_id, call.resource_id, call.resource_code.as_str(), call.resource_name.as_str(), call.grant_id, call.actor.as_str(), call.kind, call.purpose.as_str(), call.case_number.as_str(), call.fields.as_str(), call.row_count],
        )
        .await?;
    Ok(id)
}

/// Records that a call read a data subject (its blind index); once per call and subject.
pub async fn insert_subject(c: &mut impl Conn, call_id: i64, subject_idx: &str) -> Result<()> {
    c.execute(
        "INSERT INTO exchange_call_subjects (subject_idx, call_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        args![subject_idx, call_id],
    )
    .await?;
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
