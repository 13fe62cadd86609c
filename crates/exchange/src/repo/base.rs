//! SQL of base libraries and the return flow: resolving a library's source resources by
//! classification and name, and writing row versions exactly as a package carries them.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use crate::model::Resource;
use crate::repo::resources::VersionRow;
use crate::repo::seal::{COLS, RowSeal, SealedRow, StoredRow};

/// The published resource with this classification and name (the oldest if several).
pub async fn published_by_class_name(
    c: &mut impl Conn,
    classification: &str,
    name: &str,
) -> Result<Option<Resource>> {
    let row: Option<VersionRow> = c
        .fetch_optional(
            "SELECT r.id AS resource_id, r.code, r.classification, r.department_id, v.version, v.status, v.meta, v.publish_date, v.revision \
             FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version \
             WHERE r.classification = $1 AND v.name = $2 ORDER BY r.id LIMIT 1",
            args![classification, name],
        )
        .await?;
    row.map(VersionRow::into_resource).transpose()
}

/// Writes one row version (clear key and JSON text, sealed here) exactly as given (open when
/// `to` is `None`): the import of a package. A version already present with the same (keyed)
/// digest takes the given `valid_to` (a later package closed it). False when a version of the
/// key starting at `from` holds other data.
#[allow(clippy::too_many_arguments)]
pub async fn put_version(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    key: &str,
    from: OffsetDateTime,
    to: Option<OffsetDateTime>,
    load_id: i64,
    data: &str,
) -> Result<bool> {
    let row = seal.prepare(key, data)?;
    let n = c
        .execute(
            "INSERT INTO exchange_rows (resource_id, row_key, valid_from, valid_to, load_id, digest, data) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (resource_id, row_key, valid_from) DO UPDATE SET valid_to = excluded.valid_to WHERE exchange_rows.digest = excluded.digest",
            args![resource_id, row.index, from, to, load_id, row.digest, row.sealed],
        )
        .await?;
    Ok(n == 1)
}

/// Every version of every key of a resource, opened, in key-index order after `after` (the
/// last row's index and `valid_from`: keyset paging over the primary key): at most `limit`
/// rows, each key's versions oldest first.
pub async fn versions_after(
    c: &mut impl Conn,
    seal: &RowSeal,
    resource_id: i64,
    after: Option<(&str, OffsetDateTime)>,
    limit: i64,
) -> Result<Vec<StoredRow>> {
    let (k, t) = match after {
        Some((k, t)) => (Some(k), Some(t)),
        None => (None, None),
    };
    let rows: Vec<SealedRow> = c
        .fetch_all(
            &format!(
                "SELECT {COLS} FROM exchange_rows \
                 WHERE resource_id = $1 AND (row_key > $2 OR (row_key = $2 AND valid_from > $3) OR $2 IS NULL) \
                 ORDER BY row_key, valid_from LIMIT $4"
            ),
            args![resource_id, k, t, limit],
        )
        .await?;
    seal.open_all(rows)
}
