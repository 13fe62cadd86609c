//! Agent grants (`org_agents`): who may act for an enterprise, with which scopes, until when.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct GrantRow {
    pub(crate) id: i64,
    pub(crate) org_id: i64,
    pub(crate) person_id: i64,
    pub(crate) revoked_at: Option<OffsetDateTime>,
}

/// A grant as its enterprise's administrator lists it: id, scopes, granted, expires, revoked,
/// and the agent's name and sealed ID number.
pub(crate) type ListedGrant = (
    i64,
    String,
    OffsetDateTime,
    OffsetDateTime,
    Option<OffsetDateTime>,
    String,
    String,
);

/// A live grant to a person, with its verified enterprise: org id, USCC, name, scopes, expiry.
pub(crate) type LiveGrant = (i64, String, String, String, OffsetDateTime);

/// A new grant, as stored.
pub(crate) struct NewGrant<'a> {
    pub org_id: i64,
    pub person_id: i64,
    /// Comma-separated scope codes.
    pub scopes: &'a str,
    pub granted_by: i64,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// The scopes of the person's newest live grant for the enterprise.
pub(crate) async fn live_scopes(
    c: &mut impl Conn,
    org_id: i64,
    person_id: i64,
    now: OffsetDateTime,
) -> Result<Option<String>> {
    let row: Option<(String,)> = c
        .fetch_optional(
            "SELECT scopes FROM org_agents WHERE org_id = $1 AND person_id = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY id DESC LIMIT 1",
            args![org_id, person_id, now],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// The person's live grants for verified enterprises, by enterprise.
pub(crate) async fn live_for_person(
    c: &mut impl Conn,
    person_id: i64,
    now: OffsetDateTime,
) -> Result<Vec<LiveGrant>> {
    c.fetch_all(
        "SELECT o.id, o.uscc, o.name, g.scopes, g.expires_at FROM org_agents g JOIN organisations o ON o.id = g.org_id \
         WHERE g.person_id = $1 AND g.revoked_at IS NULL AND g.expires_at > $2 AND o.verified_at IS NOT NULL ORDER BY o.id",
        args![person_id, now],
    )
    .await
}

/// The enterprise's grants with their agents, newest first (at most 500).
pub(crate) async fn list(c: &mut impl Conn, org_id: i64) -> Result<Vec<ListedGrant>> {
    c.fetch_all(
        "SELECT g.id, g.scopes, g.granted_at, g.expires_at, g.revoked_at, p.name, p.id_number_enc \
         FROM org_agents g JOIN people p ON p.id = g.person_id WHERE g.org_id = $1 ORDER BY g.id DESC LIMIT 500",
        args![org_id],
    )
    .await
}

pub(crate) async fn by_id(c: &mut impl Conn, id: i64, org_id: i64) -> Result<Option<GrantRow>> {
    c.fetch_optional(
        "SELECT id, org_id, person_id, revoked_at FROM org_agents WHERE id = $1 AND org_id = $2",
        args![id, org_id],
    )
    .await
}

pub(crate) async fn insert(c: &mut impl Conn, g: &NewGrant<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO org_agents (org_id, person_id, scopes, granted_by, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![g.org_id, g.person_id, g.scopes, g.granted_by, g.now, g.expires_at],
        )
        .await?;
    Ok(id)
}

/// Revokes the person's live grants for the enterprise.
pub(crate) async fn revoke_live(
    c: &mut impl Conn,
    org_id: i64,
    person_id: i64,
    now: OffsetDateTime,
    by: i64,
) -> Result<()> {
    c.execute(
        "UPDATE org_agents SET revoked_at = $1, revoked_by = $2 WHERE org_id = $3 AND person_id = $4 AND revoked_at IS NULL",
        args![now, by, org_id, person_id],
    )
    .await?;
    Ok(())
}

pub(crate) async fn revoke(c: &mut impl Conn, id: i64, now: OffsetDateTime, by: i64) -> Result<()> {
    c.execute(
        "UPDATE org_agents SET revoked_at = $1, revoked_by = $2 WHERE id = $3",
        args![now, by, id],
    )
    .await?;
    Ok(())
}

/// Ends every live grant of the enterprise (by nobody: its administrator changed).
pub(crate) async fn end_all(c: &mut impl Conn, org_id: i64, now: OffsetDateTime) -> Result<()> {
    c.execute(
        "UPDATE org_agents SET revoked_at = $1 WHERE org_id = $2 AND revoked_at IS NULL",
        args![now, org_id],
    )
    .await?;
    Ok(())
}
