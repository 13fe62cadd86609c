//! The data API's one read per lookup: the published resource's stamp, the consumer's active
//! grant on it and the key's row (by its blind index) in one statement, so a lookup costs one
//! round trip to the database before its record is written. The row is joined only when the
//! grant is there: nothing of a resource's rows is read for a caller without one.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use super::grants::{GrantRow, STAMP_GRANT_COLS, STAMP_GRANT_JOINS, StampGrantRow};
use super::resources::PublishedStamp;
use super::seal::SealedRow;

/// What a lookup reads: the stamp, the grant, and the sealed row of the key when the grant is
/// there and the key has one (then, or as it stood "as of" a time).
#[derive(Debug)]
pub struct LookupRead {
    pub stamp: PublishedStamp,
    pub grant: Option<GrantRow>,
    /// The sealed row (still to open with `RowSeal::open_for` and the clear key).
    pub row: Option<SealedRow>,
}

#[derive(Debug, sqlx::FromRow)]
struct LookupRow {
    #[sqlx(flatten)]
    stamp_grant: StampGrantRow,
    x_valid_from: Option<OffsetDateTime>,
    x_valid_to: Option<OffsetDateTime>,
    x_load_id: Option<i64>,
    x_digest: Option<String>,
    x_data: Option<String>,
}

/// The row columns of [`LookupRow`] from `exchange_rows x`.
const ROW_COLS: &str = "x.valid_from AS x_valid_from, x.valid_to AS x_valid_to, x.load_id AS x_load_id, x.digest AS x_digest, x.data AS x_data";

/// The stamp of the published version of resource `code`, the grant consumer department
/// `consumer` reads it under at `at` (as `grants::stamp_and_grant`), and the row of the key
/// whose blind index is `index`: the current one, or the one valid at `as_of` (as
/// `rows::current` and `rows::as_of`). `None` when the resource has no published version.
pub async fn read(
    c: &mut impl Conn,
    code: &str,
    consumer_department_id: i64,
    at: OffsetDateTime,
    index: &str,
    as_of: Option<OffsetDateTime>,
) -> Result<Option<LookupRead>> {
    let row: Option<LookupRow> = match as_of {
        None => c
            .fetch_optional(
                &format!(
                    "SELECT {STAMP_GRANT_COLS}, {ROW_COLS} FROM exchange_resources r {STAMP_GRANT_JOINS} \
                     LEFT JOIN exchange_rows x ON g.id IS NOT NULL AND x.resource_id = r.id AND x.row_key = $4 AND x.valid_to IS NULL \
                     WHERE r.code = $1"
                ),
                args![code.trim(), consumer_department_id, at, index],
            )
            .await?,
        Some(t) => c
            .fetch_optional(
                &format!(
                    "SELECT {STAMP_GRANT_COLS}, {ROW_COLS} FROM exchange_resources r {STAMP_GRANT_JOINS} \
                     LEFT JOIN exchange_rows x ON g.id IS NOT NULL AND x.resource_id = r.id AND x.row_key = $4 \
                     AND x.valid_from = (SELECT y.valid_from FROM exchange_rows y WHERE y.resource_id = r.id AND y.row_key = $4 \
                     AND y.valid_from <= $5 AND (y.valid_to IS NULL OR y.valid_to > $5) ORDER BY y.valid_from DESC LIMIT 1) \
                     WHERE r.code = $1"
                ),
                args![code.trim(), consumer_department_id, at, index, t],
            )
            .await?,
    };
    let Some(r) = row else {
        return Ok(None);
    };
    let (stamp, grant) = r.stamp_grant.split(consumer_department_id)?;
    let row = match (r.x_valid_from, r.x_load_id, r.x_digest, r.x_data) {
        (Some(valid_from), Some(load_id), Some(digest), Some(data)) => Some(SealedRow {
            row_key: index.to_string(),
            valid_from,
            valid_to: r.x_valid_to,
            load_id,
            digest,
            data,
        }),
        _ => None,
    };
    Ok(Some(LookupRead { stamp, grant, row }))
}
