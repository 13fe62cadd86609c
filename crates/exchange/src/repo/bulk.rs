//! The bulk paths of collection (归集) over `exchange_rows`: the current digests of a batch of
//! keys, closing and inserting many rows per statement. One SQL text per statement shape for
//! both backends; the number of rows per statement is fixed (the last one of a batch shorter),
//! so prepared statements are reused.
//!
//! Unlike `repo::rows`, these functions deal in what is stored: keys are blind indexes and
//! documents are sealed, both made by [`RowSeal`] (collection computes a batch's indexes and
//! digests on its reader thread and seals the rows to write on two threads), except
//! [`existing_keys`], which answers clear values.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Value as Bind, args};

use super::seal::RowSeal;

/// Rows per multi-row `INSERT` (3 binds per row besides 3 shared). SQLite looks binds up by a
/// linear scan of their names, so statements stay small (see the licence import's note).
pub const INSERT_ROWS: usize = 64;
/// Keys per `IN (…)` list.
pub const IN_KEYS: usize = 500;

fn placeholders(sql: &mut String, first: usize, n: usize) {
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('$');
        sql.push_str(&(first + i).to_string());
    }
}

/// The current row of each of these key indexes that has one: (index, digest, valid_from).
pub async fn current_digests(
    c: &mut impl Conn,
    resource_id: i64,
    keys: &[&str],
) -> Result<Vec<(String, String, OffsetDateTime)>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(IN_KEYS) {
        let mut sql = String::from(
            "SELECT row_key, digest, valid_from FROM exchange_rows WHERE resource_id = $1 AND valid_to IS NULL AND row_key IN (",
        );
        placeholders(&mut sql, 2, chunk.len());
        sql.push(')');
        let mut binds = vec![Bind::from(resource_id)];
        binds.extend(chunk.iter().map(|k| Bind::from(*k)));
        let rows: Vec<(String, String, OffsetDateTime)> = c.fetch_all(&sql, &binds).await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Which of these clear values are keys of current rows of a resource (references).
pub async fn existing_keys(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    keys: &[&str],
) -> Result<Vec<String>> {
    let mut by_index = std::collections::HashMap::with_capacity(keys.len());
    for k in keys {
        by_index.insert(seal.index(k)?, *k);
    }
    let indexes: Vec<&str> = by_index.keys().map(String::as_str).collect();
    Ok(current_digests(c, resource_id, &indexes)
        .await?
        .into_iter()
        .filter_map(|r| by_index.get(&r.0).map(|k| (*k).to_string()))
        .collect())
}

/// Closes the current rows of these key indexes at `to`; rows opened at `to` itself (a second load
/// within the same instant) are removed instead, so no row ever has an empty interval.
/// Answers how many were closed or removed.
pub async fn close_many(
    c: &mut impl Conn,
    resource_id: i64,
    keys: &[&str],
    to: OffsetDateTime,
) -> Result<u64> {
    let mut n = 0;
    for chunk in keys.chunks(IN_KEYS) {
        let mut list = String::new();
        placeholders(&mut list, 3, chunk.len());
        let mut binds = vec![Bind::from(resource_id), Bind::from(to)];
        binds.extend(chunk.iter().map(|k| Bind::from(*k)));
        n += c
            .execute(
                &format!("DELETE FROM exchange_rows WHERE resource_id = $1 AND valid_to IS NULL AND valid_from = $2 AND row_key IN ({list})"),
                &binds,
            )
            .await?;
        n += c
            .execute(
                &format!("UPDATE exchange_rows SET valid_to = $2 WHERE resource_id = $1 AND valid_to IS NULL AND row_key IN ({list})"),
                &binds,
            )
            .await?;
    }
    Ok(n)
}

/// One row to open: key index, keyed digest, sealed document.
pub type NewRow<'a> = (&'a str, &'a str, &'a str);

/// Opens current rows (the caller closed the previous versions), [`INSERT_ROWS`] per
/// statement.
pub async fn insert_many(
    c: &mut impl Conn,
    resource_id: i64,
    from: OffsetDateTime,
    load_id: i64,
    rows: &[NewRow<'_>],
) -> Result<()> {
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut sql = String::with_capacity(120 + chunk.len() * 24);
        sql.push_str(
            "INSERT INTO exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) VALUES ",
        );
        let mut binds = Vec::with_capacity(3 + chunk.len() * 3);
        binds.extend([
            Bind::from(resource_id),
            Bind::from(from),
            Bind::from(load_id),
        ]);
        for (n, (key, digest, data)) in chunk.iter().enumerate() {
            let b = 4 + n * 3;
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${b}, $2, NULL, $3, ${}, ${})", b + 1, b + 2));
            binds.extend([Bind::from(*key), Bind::from(*digest), Bind::from(*data)]);
        }
        c.execute(&sql, &binds).await?;
    }
    Ok(())
}

/// Key indexes of current rows after the index `after`, in index order (a full load closes
/// the ones its file lacks).
pub async fn current_keys(
    c: &mut impl Conn,
    resource_id: i64,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = c
        .fetch_all(
            "SELECT row_key FROM exchange_rows WHERE resource_id = $1 AND valid_to IS NULL AND (row_key > $2 OR $2 IS NULL) ORDER BY row_key LIMIT $3",
            args![resource_id, after, limit],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
