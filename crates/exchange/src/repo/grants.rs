//! Sharing grants (`exchange_grants`): which fields of a resource a consumer department may read,
//! for which period, at which rate. Written by the sharing module (requests), read by the data
//! API on every call.

use time::OffsetDateTime;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, args};

use super::resources::PublishedStamp;

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub resource_id: i64,
    pub consumer_department_id: i64,
    pub request_id: Option<i64>,
    pub fields: String,
    pub purpose: String,
    pub valid_from: OffsetDateTime,
    pub valid_to: OffsetDateTime,
    pub rate_per_minute: i64,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<String>,
    pub revoke_reason: String,
}

impl GrantRow {
    /// The granted item field names.
    pub fn field_names(&self) -> Result<Vec<String>> {
        serde_json::from_str(&self.fields)
            .map_err(|e| Error::internal(format!("exchange grant fields: {e}")))
    }

    /// Whether the grant allows reading at `at`: not revoked, within its period.
    pub fn active_at(&self, at: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.valid_from <= at && at < self.valid_to
    }
}

/// What a new grant holds.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    pub resource_id: i64,
    pub consumer_department_id: i64,
    pub request_id: Option<i64>,
    pub fields: &'a [String],
    pub purpose: &'a str,
    pub valid_from: OffsetDateTime,
    pub valid_to: OffsetDateTime,
    pub rate_per_minute: i64,
}

const COLS: &str = "id, resource_id, consumer_department_id, request_id, fields, purpose, valid_from, valid_to, rate_per_minute, created_at, created_by, revoked_at, revoked_by, revoke_reason";

pub async fn insert(
    c: &mut impl Conn,
    g: &NewGrant<'_>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let fields = serde_json::to_string(g.fields)
        .map_err(|e| Error::internal(format!("exchange grant fields: {e}")))?;
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO exchange_grants (resource_id, consumer_department_id, request_id, fields, purpose, valid_from, valid_to, rate_per_minute, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            args![g.resource_id, g.consumer_department_id, g.request_id, fields, g.purpose, g.valid_from, g.valid_to, g.rate_per_minute, now, actor],
        )
        .await?;
    Ok(id)
}

pub async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<GrantRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM exchange_grants WHERE id = $1"),
        args![id],
    )
    .await
}

/// The grant a consumer department reads a resource under at `at`: not revoked, within its
/// period; the latest-starting one when several overlap.
pub async fn active_for(
    c: &mut impl Conn,
    consumer_department_id: i64,
    resource_id: i64,
    at: OffsetDateTime,
) -> Result<Option<GrantRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM exchange_grants WHERE consumer_department_id = $1 AND resource_id = $2 AND revoked_at IS NULL AND valid_from <= $3 AND valid_to > $3 ORDER BY valid_from DESC, id DESC LIMIT 1"),
        args![consumer_department_id, resource_id, at],
    )
    .await
}

/// A published resource's stamp with a consumer's active grant on it, as one row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StampGrantRow {
    resource_id: i64,
    version: i64,
    revision: i64,
    department_id: i64,
    g_id: Option<i64>,
    g_request_id: Option<i64>,
    g_fields: Option<String>,
    g_purpose: Option<String>,
    g_valid_from: Option<OffsetDateTime>,
    g_valid_to: Option<OffsetDateTime>,
    g_rate_per_minute: Option<i64>,
    g_created_at: Option<OffsetDateTime>,
    g_created_by: Option<String>,
}

/// The columns of [`StampGrantRow`]: resource `r`, its published version `v`, the grant `g`.
pub(crate) const STAMP_GRANT_COLS: &str = "r.id AS resource_id, v.version, v.revision, r.department_id, \
     g.id AS g_id, g.request_id AS g_request_id, g.fields AS g_fields, g.purpose AS g_purpose, \
     g.valid_from AS g_valid_from, g.valid_to AS g_valid_to, g.rate_per_minute AS g_rate_per_minute, \
     g.created_at AS g_created_at, g.created_by AS g_created_by";

/// The joins behind [`STAMP_GRANT_COLS`] from `exchange_resources r`: the published version,
/// and the grant consumer department `$2` reads it under at `$3` (the one [`active_for`]
/// picks); the resource's code is `$1`.
pub(crate) const STAMP_GRANT_JOINS: &str = "JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version \
     LEFT JOIN exchange_grants g ON g.id = (SELECT a.id FROM exchange_grants a WHERE a.consumer_department_id = $2 AND a.resource_id = r.id AND a.revoked_at IS NULL AND a.valid_from <= $3 AND a.valid_to > $3 ORDER BY a.valid_from DESC, a.id DESC LIMIT 1)";

impl StampGrantRow {
    /// The stamp and the grant (if any) of consumer department `consumer_department_id`.
    pub(crate) fn split(
        self,
        consumer_department_id: i64,
    ) -> Result<(PublishedStamp, Option<GrantRow>)> {
        let r = self;
        let stamp = PublishedStamp {
            resource_id: r.resource_id,
            version: r.version,
            revision: r.revision,
            department_id: r.department_id,
        };
        let grant = match (
            r.g_id,
            r.g_fields,
            r.g_valid_from,
            r.g_valid_to,
            r.g_rate_per_minute,
            r.g_created_at,
        ) {
            (None, ..) => None,
            (
                Some(id),
                Some(fields),
                Some(valid_from),
                Some(valid_to),
                Some(rate),
                Some(created_at),
            ) => Some(GrantRow {
                id,
                resource_id: r.resource_id,
                consumer_department_id,
                request_id: r.g_request_id,
                fields,
                purpose: r.g_purpose.unwrap_or_default(),
                valid_from,
                valid_to,
                rate_per_minute: rate,
                created_at,
                created_by: r.g_created_by.unwrap_or_default(),
                revoked_at: None,
                revoked_by: None,
                revoke_reason: String::new(),
            }),
            _ => return Err(Error::internal("exchange grant: a column is missing")),
        };
        Ok((stamp, grant))
    }
}

/// The stamp of the published version of resource `code` and the grant consumer department
/// `consumer` reads it under at `at` (the one [`active_for`] picks), in one read: the data
/// API's per-call read of a query (a lookup reads its row too, `repo::lookups`). `None` when
/// the resource has no published version.
pub async fn stamp_and_grant(
    c: &mut impl Conn,
    code: &str,
    consumer_department_id: i64,
    at: OffsetDateTime,
) -> Result<Option<(PublishedStamp, Option<GrantRow>)>> {
    let row: Option<StampGrantRow> = c
        .fetch_optional(
            &format!("SELECT {STAMP_GRANT_COLS} FROM exchange_resources r {STAMP_GRANT_JOINS} WHERE r.code = $1"),
            args![code.trim(), consumer_department_id, at],
        )
        .await?;
    row.map(|r| r.split(consumer_department_id)).transpose()
}

/// Every grant of a consumer department (`consumer`) or on a provider's resources
/// (`resource_ids`), newest first.
pub async fn for_consumer(c: &mut impl Conn, consumer_department_id: i64) -> Result<Vec<GrantRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM exchange_grants WHERE consumer_department_id = $1 ORDER BY id DESC"
        ),
        args![consumer_department_id],
    )
    .await
}

/// Every grant on a resource, newest first.
pub async fn for_resource(c: &mut impl Conn, resource_id: i64) -> Result<Vec<GrantRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM exchange_grants WHERE resource_id = $1 ORDER BY id DESC"),
        args![resource_id],
    )
    .await
}

/// Revokes a grant; false when it was already revoked.
pub async fn revoke(
    c: &mut impl Conn,
    id: i64,
    actor: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_grants SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
            args![now, actor, reason, id],
        )
        .await?;
    Ok(n == 1)
}
