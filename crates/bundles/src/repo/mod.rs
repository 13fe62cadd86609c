//! SQL of the bundles domain (migration 0025): `bundles` and `bundle_versions`. One SQL text
//! per query for both backends; only this module touches these tables.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// A bundle as stored: the code, its latest version's name and theme, and which version is
/// offered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BundleRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub theme: String,
    pub status: String,
    pub published_version: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One version as stored; `doc` is the definition as JSON.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    pub bundle_id: i64,
    pub version_no: i64,
    pub status: String,
    pub doc: String,
    pub revision: i64,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub submitted_by: Option<String>,
    pub submitted_by_user: Option<i64>,
    pub submitted_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub review_opinion: String,
    pub published_at: Option<OffsetDateTime>,
    pub retire_reason: String,
}

const BUNDLE_COLS: &str =
    "id, code, name, theme, status, published_version, created_at, updated_at";
const VERSION_COLS: &str = "bundle_id, version_no, status, doc, revision, created_by, created_at, submitted_by, \
     submitted_by_user, submitted_at, reviewed_by, reviewed_at, review_opinion, published_at, retire_reason";

/// Inserts a bundle (status `draft`) and returns its id.
pub async fn insert_bundle(
    c: &mut impl Conn,
    code: &str,
    name: &str,
    theme: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO bundles (code, name, theme, status, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
            args![code, name, theme, now],
        )
        .await?;
    Ok(id)
}

/// Inserts a draft version.
pub async fn insert_version(
    c: &mut impl Conn,
    bundle_id: i64,
    no: i64,
    doc: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO bundle_versions (bundle_id, version_no, status, doc, created_by, created_at) \
         VALUES ($1, $2, 'draft', $3, $4, $5)",
        args![bundle_id, no, doc, actor, now],
    )
    .await?;
    Ok(())
}

pub async fn bundle_by_code(c: &mut impl Conn, code: &str) -> Result<Option<BundleRow>> {
    c.fetch_optional(
        &format!("SELECT {BUNDLE_COLS} FROM bundles WHERE code = $1"),
        args![code],
    )
    .await
}

/// Every bundle, by code.
pub async fn bundles(c: &mut impl Conn) -> Result<Vec<BundleRow>> {
    c.fetch_all(
        &format!("SELECT {BUNDLE_COLS} FROM bundles ORDER BY code"),
        args![],
    )
    .await
}

pub async fn version(c: &mut impl Conn, bundle_id: i64, no: i64) -> Result<Option<VersionRow>> {
    c.fetch_optional(
        &format!(
            "SELECT {VERSION_COLS} FROM bundle_versions WHERE bundle_id = $1 AND version_no = $2"
        ),
        args![bundle_id, no],
    )
    .await
}

/// A bundle's versions, oldest first.
pub async fn versions(c: &mut impl Conn, bundle_id: i64) -> Result<Vec<VersionRow>> {
    c.fetch_all(
        &format!(
            "SELECT {VERSION_COLS} FROM bundle_versions WHERE bundle_id = $1 ORDER BY version_no"
        ),
        args![bundle_id],
    )
    .await
}

/// Every version's number and status (for the staff list), by bundle and number.
pub async fn version_states(c: &mut impl Conn) -> Result<Vec<(i64, i64, String)>> {
    c.fetch_all(
        "SELECT bundle_id, version_no, status FROM bundle_versions ORDER BY bundle_id, version_no",
        args![],
    )
    .await
}

/// The published version of every offered bundle: code and version row, by code.
pub async fn published(c: &mut impl Conn) -> Result<Vec<(String, VersionRow)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        #[sqlx(flatten)]
        v: VersionRow,
    }
    let rows: Vec<Row> = c
        .fetch_all(
            "SELECT b.code, v.bundle_id, v.version_no, v.status, v.doc, v.revision, v.created_by, v.created_at, \
             v.submitted_by, v.submitted_by_user, v.submitted_at, v.reviewed_by, v.reviewed_at, v.review_opinion, \
             v.published_at, v.retire_reason FROM bundles b \
             JOIN bundle_versions v ON v.bundle_id = b.id AND v.version_no = b.published_version \
             WHERE b.status = 'published' ORDER BY b.code",
            args![],
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.code, r.v)).collect())
}

/// Replaces a draft's (or a rejected version's) definition if its revision is still
/// `revision`; it becomes a draft again. `false` when someone changed it meanwhile.
pub async fn update_doc(
    c: &mut impl Conn,
    bundle_id: i64,
    no: i64,
    revision: i64,
    doc: &str,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE bundle_versions SET doc = $1, revision = revision + 1, status = 'draft' \
             WHERE bundle_id = $2 AND version_no = $3 AND revision = $4 AND status IN ('draft', 'rejected')",
            args![doc, bundle_id, no, revision],
        )
        .await?;
    Ok(n == 1)
}

/// Moves a version from one status to another; `false` when it was not in `from`.
pub async fn set_status(
    c: &mut impl Conn,
    bundle_id: i64,
    no: i64,
    from: &str,
    to: &str,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE bundle_versions SET status = $1, revision = revision + 1 \
             WHERE bundle_id = $2 AND version_no = $3 AND status = $4",
            args![to, bundle_id, no, from],
        )
        .await?;
    Ok(n == 1)
}

pub async fn mark_submitted(
    c: &mut impl Conn,
    bundle_id: i64,
    no: i64,
    by: &str,
    user: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE bundle_versions SET submitted_by = $1, submitted_by_user = $2, submitted_at = $3, \
         reviewed_by = NULL, reviewed_at = NULL, review_opinion = '' WHERE bundle_id = $4 AND version_no = $5",
        args![by, user, now, bundle_id, no],
    )
    .await?;
    Ok(())
}

/// Records the review; `published` also sets the publication time.
pub async fn mark_reviewed(
    c: &mut impl Conn,
    bundle_id: i64,
    no: i64,
    by: &str,
    opinion: &str,
    published: bool,
    now: OffsetDateTime,
) -> Result<()> {
    let at = published.then_some(now);
    c.execute(
        "UPDATE bundle_versions SET reviewed_by = $1, reviewed_at = $2, review_opinion = $3, published_at = $4 \
         WHERE bundle_id = $5 AND version_no = $6",
        args![by, now, opinion, at, bundle_id, no],
    )
    .await?;
    Ok(())
}

pub async fn mark_retired(c: &mut impl Conn, bundle_id: i64, no: i64, reason: &str) -> Result<()> {
    c.execute(
        "UPDATE bundle_versions SET retire_reason = $1 WHERE bundle_id = $2 AND version_no = $3",
        args![reason, bundle_id, no],
    )
    .await?;
    Ok(())
}

/// Sets a bundle's shown name and theme, status and offered version.
pub async fn set_bundle(
    c: &mut impl Conn,
    id: i64,
    name: &str,
    theme: &str,
    status: &str,
    published_version: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE bundles SET name = $1, theme = $2, status = $3, published_version = $4, updated_at = $5 WHERE id = $6",
        args![name, theme, status, published_version, now, id],
    )
    .await?;
    Ok(())
}

/// The highest version number of a bundle.
pub async fn latest_no(c: &mut impl Conn, bundle_id: i64) -> Result<i64> {
    let (n,): (Option<i64>,) = c
        .fetch_one(
            "SELECT MAX(version_no) FROM bundle_versions WHERE bundle_id = $1",
            args![bundle_id],
        )
        .await?;
    Ok(n.unwrap_or(0))
}

/// Writes a version's definition whatever its status: only for tests proving the database
/// refuses changing a published one.
#[doc(hidden)]
pub async fn force_doc(c: &mut impl Conn, bundle_id: i64, no: i64, doc: &str) -> Result<u64> {
    c.execute(
        "UPDATE bundle_versions SET doc = $1 WHERE bundle_id = $2 AND version_no = $3",
        args![doc, bundle_id, no],
    )
    .await
}
