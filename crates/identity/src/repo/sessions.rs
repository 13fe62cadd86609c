//! Sessions (`sessions`), found by the SM3 hash of their token.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub(crate) account_kind: String,
    pub(crate) acting_for_org: Option<i64>,
    pub(crate) account_id: i64,
    pub(crate) csrf_token: String,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) last_seen_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
}

/// A new session, as stored.
pub(crate) struct NewSession<'a> {
    pub token_hash: &'a str,
    /// `staff` or `person`.
    pub kind: &'a str,
    pub account_id: i64,
    pub csrf: &'a str,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub source: &'a str,
}

pub(crate) async fn insert(c: &mut impl Conn, s: &NewSession<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO sessions (token_hash, account_kind, account_id, csrf_token, created_at, last_seen_at, expires_at, source) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        args![s.token_hash, s.kind, s.account_id, s.csrf, s.now, s.expires_at, s.source],
    )
    .await?;
    Ok(())
}

pub(crate) async fn by_hash(c: &mut impl Conn, hash: &str) -> Result<Option<SessionRow>> {
    c.fetch_optional(
        "SELECT account_kind, acting_for_org, account_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1",
        args![hash],
    )
    .await
}

pub(crate) async fn delete(c: &mut impl Conn, hash: &str) -> Result<()> {
    c.execute("DELETE FROM sessions WHERE token_hash = $1", args![hash])
        .await?;
    Ok(())
}

/// Ends every session of a staff account.
pub(crate) async fn delete_staff(c: &mut impl Conn, account_id: i64) -> Result<()> {
    c.execute(
        "DELETE FROM sessions WHERE account_kind = 'staff' AND account_id = $1",
        args![account_id],
    )
    .await?;
    Ok(())
}

pub(crate) async fn touch(c: &mut impl Conn, hash: &str, now: OffsetDateTime) -> Result<()> {
    c.execute(
        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
        args![now, hash],
    )
    .await?;
    Ok(())
}

/// The session stops acting for an enterprise.
pub(crate) async fn stop_acting(c: &mut impl Conn, hash: &str) -> Result<()> {
    c.execute(
        "UPDATE sessions SET acting_for_org = NULL WHERE token_hash = $1",
        args![hash],
    )
    .await?;
    Ok(())
}

/// A person's session acts for `org_id` (or for the person alone); only the person's own
/// session changes.
pub(crate) async fn set_acting(
    c: &mut impl Conn,
    hash: &str,
    person_id: i64,
    org_id: Option<i64>,
) -> Result<()> {
    c.execute(
        "UPDATE sessions SET acting_for_org = $1 WHERE token_hash = $2 AND account_kind = 'person' AND account_id = $3",
        args![org_id, hash, person_id],
    )
    .await?;
    Ok(())
}
