//! Open311 api keys (`open311_keys`): only the SM3 of a key is kept.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub contact: String,
    pub key_hash: String,
    pub key_prefix: String,
    pub issued_by: String,
    pub issued_at: OffsetDateTime,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

const COLS: &str = "id, name, contact, key_hash, key_prefix, issued_by, issued_at, revoked_by, \
     revoked_at, last_used_at";

pub async fn insert(
    c: &mut impl Conn,
    name: &str,
    contact: &str,
    hash: &str,
    prefix: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<KeyRow> {
    c.fetch_one(
        &format!(
            "INSERT INTO open311_keys (name, contact, key_hash, key_prefix, issued_by, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLS}"
        ),
        args![name, contact, hash, prefix, by, at],
    )
    .await
}

pub async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<KeyRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM open311_keys WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn by_hash(c: &mut impl Conn, hash: &str) -> Result<Option<KeyRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM open311_keys WHERE key_hash = $1"),
        args![hash],
    )
    .await
}

pub async fn all(c: &mut impl Conn) -> Result<Vec<KeyRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM open311_keys ORDER BY id"),
        args![],
    )
    .await
}

/// Revokes a live key; rows written (0: no such live key).
pub async fn revoke(c: &mut impl Conn, id: i64, by: &str, at: OffsetDateTime) -> Result<u64> {
    c.execute(
        "UPDATE open311_keys SET revoked_by = $1, revoked_at = $2 WHERE id = $3 AND revoked_at IS NULL",
        args![by, at, id],
    )
    .await
}

/// Records a use of the key `id` if it is still live; rows written (0: revoked meanwhile, the
/// use must be refused). Inside the filing's transaction, so a key revoked by any process
/// before the order commits is refused.
pub async fn touch_live(c: &mut impl Conn, id: i64, at: OffsetDateTime) -> Result<u64> {
    c.execute(
        "UPDATE open311_keys SET last_used_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        args![at, id],
    )
    .await
}
