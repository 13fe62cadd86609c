//! The resource catalog's tables: `exchange_resources` and `exchange_resource_versions`.

use time::{Date, OffsetDateTime};
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, args};

use crate::model::{Classification, Resource, ResourceCode, ResourceMeta, VersionStatus};

/// A version row as stored; [`VersionRow::into_resource`] reads its JSON.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub resource_id: i64,
    pub code: String,
    pub classification: String,
    pub department_id: i64,
    pub version: i64,
    pub status: String,
    pub meta: String,
    pub publish_date: Option<Date>,
    pub revision: i64,
}

impl VersionRow {
    pub fn into_resource(self) -> Result<Resource> {
        let meta: ResourceMeta = serde_json::from_str(&self.meta)
            .map_err(|e| Error::internal(format!("exchange resource meta: {e}")))?;
        Ok(Resource {
            id: self.resource_id,
            code: ResourceCode(self.code),
            classification: Classification(self.classification),
            department_id: self.department_id,
            version: self.version,
            status: VersionStatus::parse(&self.status).unwrap_or(VersionStatus::Draft),
            meta,
            publish_date: self.publish_date,
        })
    }
}

const VERSION_COLS: &str = "r.id AS resource_id, r.code, r.classification, r.department_id, v.version, v.status, v.meta, v.publish_date, v.revision";

/// The next free 后段码 (sequence) within a classification.
pub async fn next_sequence(c: &mut impl Conn, class: &Classification) -> Result<u32> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM exchange_resources WHERE classification = $1",
            args![class.0.as_str()],
        )
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX - 1) + 1)
}

/// Inserts a resource and its first version (a draft). Returns the resource id.
pub async fn insert(
    c: &mut impl Conn,
    code: &ResourceCode,
    class: &Classification,
    department_id: i64,
    meta: &ResourceMeta,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO exchange_resources (code, classification, department_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            args![code.as_str(), class.0.as_str(), department_id, now, actor],
        )
        .await?;
    insert_version(c, id, 1, meta, actor, now).await?;
    Ok(id)
}

/// Inserts a draft version of a resource.
pub async fn insert_version(
    c: &mut impl Conn,
    resource_id: i64,
    version: i64,
    meta: &ResourceMeta,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let json = serde_json::to_string(meta)
        .map_err(|e| Error::internal(format!("exchange resource meta: {e}")))?;
    c.execute(
        "INSERT INTO exchange_resource_versions (resource_id, version, status, name, meta, share_type, update_cycle, revision, created_at, created_by) \
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, 1, $7, $8)",
        args![resource_id, version, meta.name.trim(), json, meta.share_type.code(), meta.update_cycle.code(), now, actor],
    )
    .await?;
    Ok(())
}

/// Replaces a draft's metadata; false when the version is not a draft or the revision is stale.
pub async fn update_draft(
    c: &mut impl Conn,
    resource_id: i64,
    version: i64,
    meta: &ResourceMeta,
    revision: Option<i64>,
) -> Result<bool> {
    let json = serde_json::to_string(meta)
        .map_err(|e| Error::internal(format!("exchange resource meta: {e}")))?;
    let n = c
        .execute(
            "UPDATE exchange_resource_versions SET name = $1, meta = $2, share_type = $3, update_cycle = $4, revision = revision + 1 \
             WHERE resource_id = $5 AND version = $6 AND status = 'draft' AND (revision = $7 OR $7 IS NULL)",
            args![meta.name.trim(), json, meta.share_type.code(), meta.update_cycle.code(), resource_id, version, revision],
        )
        .await?;
    Ok(n == 1)
}

/// Moves a version from one status to another; false when it was not in `from`.
pub async fn set_status(
    c: &mut impl Conn,
    resource_id: i64,
    version: i64,
    from: VersionStatus,
    to: VersionStatus,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_resource_versions SET status = $1 WHERE resource_id = $2 AND version = $3 AND status = $4",
            args![to.as_str(), resource_id, version, from.as_str()],
        )
        .await?;
    Ok(n == 1)
}

/// Publishes a submitted (or, for imports by the division's administrator, draft) version: the
/// previous published version becomes superseded and the resource points at this one.
pub async fn publish(
    c: &mut impl Conn,
    resource_id: i64,
    version: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_resource_versions SET status = 'published', publish_date = $1, published_at = $2, published_by = $3 \
             WHERE resource_id = $4 AND version = $5 AND status IN ('draft', 'submitted')",
            args![now.to_offset(yiwang_kernel::clock::CHINA_OFFSET).date(), now, actor, resource_id, version],
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    c.execute(
        "UPDATE exchange_resource_versions SET status = 'superseded' WHERE resource_id = $1 AND version <> $2 AND status = 'published'",
        args![resource_id, version],
    )
    .await?;
    c.execute(
        "UPDATE exchange_resources SET published_version = $1 WHERE id = $2",
        args![version, resource_id],
    )
    .await?;
    Ok(true)
}

/// The published version of a resource by id.
pub async fn published(c: &mut impl Conn, resource_id: i64) -> Result<Option<Resource>> {
    let row: Option<VersionRow> = c
        .fetch_optional(
            &format!("SELECT {VERSION_COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version WHERE r.id = $1"),
            args![resource_id],
        )
        .await?;
    row.map(VersionRow::into_resource).transpose()
}

/// What identifies the published state of a resource without its metadata: the resource, its
/// published version and that version's revision, and the provider. A cache of parsed
/// resources stays valid while the stamp is the same (a published version is frozen; any
/// change of it or of the resource's provider changes the stamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedStamp {
    pub resource_id: i64,
    pub version: i64,
    pub revision: i64,
    pub department_id: i64,
}

/// The published version of a resource by code.
pub async fn published_by_code(c: &mut impl Conn, code: &str) -> Result<Option<Resource>> {
    let row: Option<VersionRow> = c
        .fetch_optional(
            &format!("SELECT {VERSION_COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version WHERE r.code = $1"),
            args![code.trim()],
        )
        .await?;
    row.map(VersionRow::into_resource).transpose()
}

/// One version of a resource, whatever its status.
pub async fn version(
    c: &mut impl Conn,
    resource_id: i64,
    version: i64,
) -> Result<Option<Resource>> {
    let row: Option<VersionRow> = c
        .fetch_optional(
            &format!("SELECT {VERSION_COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id WHERE r.id = $1 AND v.version = $2"),
            args![resource_id, version],
        )
        .await?;
    row.map(VersionRow::into_resource).transpose()
}

/// The latest version of a resource (the draft being edited, or the published one).
pub async fn latest(c: &mut impl Conn, resource_id: i64) -> Result<Option<(Resource, i64)>> {
    let row: Option<VersionRow> = c
        .fetch_optional(
            &format!("SELECT {VERSION_COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id WHERE r.id = $1 ORDER BY v.version DESC LIMIT 1"),
            args![resource_id],
        )
        .await?;
    match row {
        Some(r) => {
            let rev = r.revision;
            Ok(Some((r.into_resource()?, rev)))
        }
        None => Ok(None),
    }
}

/// Every published resource, by code (the whole catalog is a few thousand rows).
pub async fn all_published(c: &mut impl Conn) -> Result<Vec<Resource>> {
    let rows: Vec<VersionRow> = c
        .fetch_all(
            &format!("SELECT {VERSION_COLS} FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version ORDER BY r.code"),
            args![],
        )
        .await?;
    rows.into_iter().map(VersionRow::into_resource).collect()
}

/// The id of the resource with this code, whatever the state of its versions.
pub async fn id_by_code(c: &mut impl Conn, code: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM exchange_resources WHERE code = $1",
            args![code.trim()],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// Records a finished load: when, and how many current rows the resource now has (the
/// responsibility list's "mounted with fresh data" reads this).
pub async fn mark_loaded(
    c: &mut impl Conn,
    resource_id: i64,
    at: OffsetDateTime,
    row_count: i64,
) -> Result<()> {
    c.execute(
        "UPDATE exchange_resources SET last_loaded_at = $1, row_count = $2 WHERE id = $3",
        args![at, row_count, resource_id],
    )
    .await?;
    Ok(())
}

/// When a resource was last loaded and its current row count.
pub async fn load_state(
    c: &mut impl Conn,
    resource_id: i64,
) -> Result<(Option<OffsetDateTime>, i64)> {
    c.fetch_one(
        "SELECT last_loaded_at, row_count FROM exchange_resources WHERE id = $1",
        args![resource_id],
    )
    .await
}
