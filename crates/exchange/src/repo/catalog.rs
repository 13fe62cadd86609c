//! The catalog's work tables (migration 0019): `exchange_resource_history`, and the catalog
//! listings the browse, "my resources", review and list views read (over the foundation's
//! `exchange_resources` and `exchange_resource_versions`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use crate::model::Resource;
use crate::repo::resources::VersionRow;

const COLS: &str = "r.id AS resource_id, r.code, r.classification, r.department_id, v.version, v.status, v.meta, v.publish_date, v.revision";

/// One entry of a resource's history (who did what to which version).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HistoryRow {
    pub version: i64,
    pub action: String,
    pub note: String,
    pub actor: String,
    pub at: OffsetDateTime,
}

/// Appends a history entry.
pub async fn history_add(
    c: &mut impl Conn,
    resource_id: i64,
    version: i64,
    action: &str,
    note: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO exchange_resource_history (resource_id, version, action, note, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![resource_id, version, action, note, actor, now],
    )
    .await?;
    Ok(())
}

/// A resource's history, oldest first.
pub async fn history(c: &mut impl Conn, resource_id: i64) -> Result<Vec<HistoryRow>> {
    c.fetch_all(
        "SELECT version, action, note, actor, at FROM exchange_resource_history WHERE resource_id = $1 ORDER BY id",
        args![resource_id],
    )
    .await
}

fn with_revision(rows: Vec<VersionRow>) -> Result<Vec<(Resource, i64)>> {
    rows.into_iter()
        .map(|r| {
            let rev = r.revision;
            r.into_resource().map(|x| (x, rev))
        })
        .collect()
}

/// The latest version of every resource with its revision, by code.
pub async fn latest_all(c: &mut impl Conn) -> Result<Vec<(Resource, i64)>> {
    let rows: Vec<VersionRow> = c
        .fetch_all(
            &format!(
                "SELECT {COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id \
                 WHERE v.version = (SELECT MAX(x.version) FROM exchange_resource_versions x WHERE x.resource_id = r.id) ORDER BY r.code"
            ),
            args![],
        )
        .await?;
    with_revision(rows)
}

/// Every submitted version (the review queue), oldest resource code first.
pub async fn submitted(c: &mut impl Conn) -> Result<Vec<(Resource, i64)>> {
    let rows: Vec<VersionRow> = c
        .fetch_all(
            &format!(
                "SELECT {COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id \
                 WHERE v.status = 'submitted' ORDER BY r.code, v.version"
            ),
            args![],
        )
        .await?;
    with_revision(rows)
}

/// The published version number of a resource (`None` before the first publication and after
/// retirement).
pub async fn published_version(c: &mut impl Conn, resource_id: i64) -> Result<Option<i64>> {
    let row: Option<(Option<i64>,)> = c
        .fetch_optional(
            "SELECT published_version FROM exchange_resources WHERE id = $1",
            args![resource_id],
        )
        .await?;
    Ok(row.and_then(|r| r.0))
}

/// Retires the published version: it stays readable but leaves the catalog.
pub async fn retire(c: &mut impl Conn, resource_id: i64, version: i64) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_resource_versions SET status = 'retired' WHERE resource_id = $1 AND version = $2 AND status = 'published'",
            args![resource_id, version],
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    c.execute(
        "UPDATE exchange_resources SET published_version = NULL WHERE id = $1",
        args![resource_id],
    )
    .await?;
    Ok(true)
}

/// A published resource with its load state (the responsibility list's "mounted" and "fresh").
#[derive(Debug, Clone, sqlx::FromRow)]
struct LoadRow {
    #[sqlx(flatten)]
    v: VersionRow,
    last_loaded_at: Option<OffsetDateTime>,
    row_count: i64,
}

/// Every published resource with when it was last loaded and its current row count.
pub async fn published_with_load(
    c: &mut impl Conn,
) -> Result<Vec<(Resource, Option<OffsetDateTime>, i64)>> {
    let rows: Vec<LoadRow> = c
        .fetch_all(
            &format!(
                "SELECT {COLS}, r.last_loaded_at, r.row_count FROM exchange_resources r \
                 JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version ORDER BY r.code"
            ),
            args![],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            let (at, n) = (r.last_loaded_at, r.row_count);
            r.v.into_resource().map(|x| (x, at, n))
        })
        .collect()
}
