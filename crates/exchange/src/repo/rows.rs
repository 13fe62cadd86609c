//! Collected rows (`exchange_rows`): one stored row per (resource, key, validity interval).
//!
//! A key's current row has `valid_to IS NULL`; "as of" a time `t` is the row with
//! `valid_from <= t` and (`valid_to` NULL or `> t`). Every read here is a range of the primary
//! key `(resource_id, row_key, valid_from)`.

use time::OffsetDateTime;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, args};

/// Separates the values of a compound key in `row_key`.
pub const KEY_SEPARATOR: char = '\u{1f}';

/// One stored row version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredRow {
    pub row_key: String,
    pub valid_from: OffsetDateTime,
    pub valid_to: Option<OffsetDateTime>,
    pub load_id: i64,
    pub digest: String,
    pub data: String,
}

impl StoredRow {
    /// The values by field name.
    pub fn values(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        serde_json::from_str(&self.data)
            .map_err(|e| Error::internal(format!("exchange row data: {e}")))
    }
}

const COLS: &str = "row_key, valid_from, valid_to, load_id, digest, data";

/// The row key of a compound key's values, in key-item order.
pub fn join_key<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut k = String::new();
    for (n, v) in values.into_iter().enumerate() {
        if n > 0 {
            k.push(KEY_SEPARATOR);
        }
        k.push_str(v.trim());
    }
    k
}

/// The current row of a key.
pub async fn current(c: &mut impl Conn, resource_id: i64, key: &str) -> Result<Option<StoredRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND row_key = $2 AND valid_to IS NULL"),
        args![resource_id, key],
    )
    .await
}

/// The row of a key as it stood at `at`.
pub async fn as_of(
    c: &mut impl Conn,
    resource_id: i64,
    key: &str,
    at: OffsetDateTime,
) -> Result<Option<StoredRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND row_key = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) ORDER BY valid_from DESC LIMIT 1"),
        args![resource_id, key, at],
    )
    .await
}

/// Every version of a key, oldest first.
pub async fn history(c: &mut impl Conn, resource_id: i64, key: &str) -> Result<Vec<StoredRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND row_key = $2 ORDER BY valid_from"),
        args![resource_id, key],
    )
    .await
}

/// Current rows (or rows as of `at`) in key order after `after` (keyset paging): at most `limit`.
pub async fn scan(
    c: &mut impl Conn,
    resource_id: i64,
    after: Option<&str>,
    at: Option<OffsetDateTime>,
    limit: i64,
) -> Result<Vec<StoredRow>> {
    match at {
        None => c.fetch_all(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND valid_to IS NULL AND (row_key > $2 OR $2 IS NULL) ORDER BY row_key LIMIT $3"),
            args![resource_id, after, limit],
        )
        .await,
        Some(t) => c.fetch_all(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) AND (row_key > $3 OR $3 IS NULL) ORDER BY row_key LIMIT $4"),
            args![resource_id, t, after, limit],
        )
        .await,
    }
}

/// How many keys have a current row.
pub async fn count_current(c: &mut impl Conn, resource_id: i64) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM exchange_rows WHERE resource_id = $1 AND valid_to IS NULL",
            args![resource_id],
        )
        .await?;
    Ok(n)
}

/// Opens a new current row (the caller has closed the previous one, if any).
pub async fn insert(
    c: &mut impl Conn,
    resource_id: i64,
    key: &str,
    from: OffsetDateTime,
    load_id: i64,
    digest: &str,
    data: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) VALUES ($1, $2, $3, NULL, $4, $5, $6)",
        args![resource_id, key, from, load_id, digest, data],
    )
    .await?;
    Ok(())
}

/// Closes the current row of a key at `to` (a change or a deletion). False when none was open.
pub async fn close(
    c: &mut impl Conn,
    resource_id: i64,
    key: &str,
    to: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_rows SET valid_to = $1 WHERE resource_id = $2 AND row_key = $3 AND valid_to IS NULL",
            args![to, resource_id, key],
        )
        .await?;
    Ok(n == 1)
}

/// The SM3 digest (hex) of a row's canonical JSON text.
pub fn digest(data: &str) -> String {
    use sm3::Digest;
    hex::encode(sm3::Sm3::digest(data.as_bytes()))
}
