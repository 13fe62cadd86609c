//! Collected rows (`exchange_rows`): one stored row per (resource, key, validity interval),
//! sealed at rest ([`RowSeal`], `repo::seal`): `row_key` is the blind index of the clear key,
//! `data` the sealed document holding the clear key and values, `digest` keyed.
//!
//! A key's current row has `valid_to IS NULL`; "as of" a time `t` is the row with
//! `valid_from <= t` and (`valid_to` NULL or `> t`). Every read here is a range of the primary
//! key `(resource_id, row_key, valid_from)`; the functions take and answer clear keys and
//! values, the seal turns them into what is stored.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use super::seal::COLS;
pub use super::seal::{RowSeal, SealedNew, SealedRow, StoredRow};

/// Separates the values of a compound key in the clear key.
pub const KEY_SEPARATOR: char = '\u{1f}';

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
pub async fn current(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    key: &str,
) -> Result<Option<StoredRow>> {
    let row: Option<SealedRow> = c
        .fetch_optional(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND row_key = $2 AND valid_to IS NULL"),
            args![resource_id, seal.index(key)?],
        )
        .await?;
    row.map(|r| seal.open_for(key, r)).transpose()
}

/// The row of a key as it stood at `at`.
pub async fn as_of(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    key: &str,
    at: OffsetDateTime,
) -> Result<Option<StoredRow>> {
    let row: Option<SealedRow> = c
        .fetch_optional(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND row_key = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) ORDER BY valid_from DESC LIMIT 1"),
            args![resource_id, seal.index(key)?, at],
        )
        .await?;
    row.map(|r| seal.open_for(key, r)).transpose()
}

/// Every version of a key, oldest first.
pub async fn history(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    key: &str,
) -> Result<Vec<StoredRow>> {
    let rows: Vec<SealedRow> = c
        .fetch_all(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND row_key = $2 ORDER BY valid_from"),
            args![resource_id, seal.index(key)?],
        )
        .await?;
    rows.into_iter().map(|r| seal.open_for(key, r)).collect()
}

/// Current rows (or rows as of `at`) in blind-index order after the index `after` (keyset
/// paging: pass the last row's [`StoredRow::index`]): at most `limit`.
pub async fn scan(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    after: Option<&str>,
    at: Option<OffsetDateTime>,
    limit: i64,
) -> Result<Vec<StoredRow>> {
    let rows: Vec<SealedRow> = match at {
        None => c.fetch_all(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND valid_to IS NULL AND (row_key > $2 OR $2 IS NULL) ORDER BY row_key LIMIT $3"),
            args![resource_id, after, limit],
        )
        .await?,
        Some(t) => c.fetch_all(
            &format!("SELECT {COLS} FROM exchange_rows WHERE resource_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) AND (row_key > $3 OR $3 IS NULL) ORDER BY row_key LIMIT $4"),
            args![resource_id, t, after, limit],
        )
        .await?,
    };
    seal.open_all(rows)
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

/// Opens a new current row of a clear key with its canonical JSON text, sealed (the caller
/// has closed the previous one, if any). Answers the keyed digest stored.
pub async fn insert(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    key: &str,
    from: OffsetDateTime,
    load_id: i64,
    data: &str,
) -> Result<String> {
    let n = seal.prepare(key, data)?;
    c.execute(
        "INSERT INTO exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) VALUES ($1, $2, $3, NULL, $4, $5, $6)",
        args![resource_id, n.index, from, load_id, n.digest.as_str(), n.sealed],
    )
    .await?;
    Ok(n.digest)
}

/// Closes the current row of a key at `to` (a change or a deletion). False when none was open.
pub async fn close(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    key: &str,
    to: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_rows SET valid_to = $1 WHERE resource_id = $2 AND row_key = $3 AND valid_to IS NULL",
            args![to, resource_id, seal.index(key)?],
        )
        .await?;
    Ok(n == 1)
}
