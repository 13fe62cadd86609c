//! The demand list (需求清单, migration 0019): `exchange_demands`.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// A demand as stored (`fields` is a JSON array).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DemandRow {
    pub id: i64,
    pub department_id: i64,
    pub name: String,
    pub description: String,
    pub fields: String,
    pub purpose: String,
    pub basis: String,
    pub status: String,
    pub provider_department_id: Option<i64>,
    pub resource_code: Option<String>,
    pub reason: String,
    pub revision: i64,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, department_id, name, description, fields, purpose, basis, status, provider_department_id, resource_code, reason, revision, created_at, created_by, updated_at";

/// The fields of a new demand.
pub struct NewDemandRow<'a> {
    pub department_id: i64,
    pub name: &'a str,
    pub description: &'a str,
    pub fields: &'a str,
    pub purpose: &'a str,
    pub basis: &'a str,
}

pub async fn insert(
    c: &mut impl Conn,
    d: &NewDemandRow<'_>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO exchange_demands (department_id, name, description, fields, purpose, basis, status, reason, revision, created_at, created_by, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', '', 1, $7, $8, $7, $8) RETURNING id",
            args![d.department_id, d.name, d.description, d.fields, d.purpose, d.basis, now, actor],
        )
        .await?;
    Ok(id)
}

pub async fn get(c: &mut impl Conn, id: i64) -> Result<Option<DemandRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM exchange_demands WHERE id = $1"),
        args![id],
    )
    .await
}

/// Demands, newest first, optionally of one status.
pub async fn list(c: &mut impl Conn, status: Option<&str>) -> Result<Vec<DemandRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM exchange_demands WHERE (status = $1 OR $1 IS NULL) ORDER BY id DESC"
        ),
        args![status],
    )
    .await
}

/// Moves a demand from status `from` to `to` with the provider, resource and reason given
/// (`None` keeps the stored value); false when it was no longer in `from`.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    c: &mut impl Conn,
    id: i64,
    from: &str,
    to: &str,
    provider: Option<i64>,
    resource_code: Option<&str>,
    reason: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_demands SET status = $1, provider_department_id = COALESCE($2, provider_department_id), \
             resource_code = COALESCE($3, resource_code), reason = $4, revision = revision + 1, updated_at = $5, updated_by = $6 \
             WHERE id = $7 AND status = $8",
            args![to, provider, resource_code, reason, now, actor, id, from],
        )
        .await?;
    Ok(n == 1)
}
