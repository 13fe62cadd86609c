//! API tokens of department systems (`api_tokens`), found by the SM3 hash of the token.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, args};

use super::Departments;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TokenRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) department_id: i64,
    pub(crate) permissions: String,
    pub(crate) created_by: String,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) revoked_at: Option<OffsetDateTime>,
    pub(crate) last_used_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "t.id, t.name, t.department_id, t.permissions, t.created_by, t.created_at, t.expires_at, t.revoked_at, t.last_used_at";

/// A new token, as stored.
pub(crate) struct NewToken<'a> {
    pub name: &'a str,
    pub department_id: i64,
    pub token_hash: &'a str,
    /// Comma-separated permission codes.
    pub permissions: &'a str,
    pub created_by: &'a str,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub(crate) async fn insert(c: &mut impl Conn, t: &NewToken<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO api_tokens (name, department_id, token_hash, permissions, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![t.name, t.department_id, t.token_hash, t.permissions, t.created_by, t.now, t.expires_at],
        )
        .await?;
    Ok(id)
}

/// The tokens of the departments `reach` names, newest first (at most 500).
pub(crate) async fn list(c: &mut impl Conn, reach: &Departments) -> Result<Vec<TokenRow>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM api_tokens t WHERE 1 = 1"));
    if !reach.restrict(&mut q, "t.department_id") {
        return Ok(Vec::new());
    }
    q.push(" ORDER BY t.id DESC LIMIT 500");
    c.fetch_all(&q.text, &q.args).await
}

pub(crate) async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<TokenRow>> {
    c.fetch_optional(
        &format!("SELECT {COLUMNS} FROM api_tokens t WHERE t.id = $1"),
        args![id],
    )
    .await
}

pub(crate) async fn by_hash(c: &mut impl Conn, hash: &str) -> Result<Option<TokenRow>> {
    c.fetch_optional(
        &format!("SELECT {COLUMNS} FROM api_tokens t WHERE t.token_hash = $1"),
        args![hash],
    )
    .await
}

/// Revokes a token unless it already is.
pub(crate) async fn revoke(c: &mut impl Conn, id: i64, now: OffsetDateTime) -> Result<()> {
    c.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        args![now, id],
    )
    .await?;
    Ok(())
}

pub(crate) async fn set_last_used(c: &mut impl Conn, id: i64, now: OffsetDateTime) -> Result<()> {
    c.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        args![now, id],
    )
    .await?;
    Ok(())
}
