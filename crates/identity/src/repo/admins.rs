//! Requested changes to administrator accounts (`admin_changes`), with the names of the
//! accounts concerned (`staff_accounts`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ChangeRow {
    pub(crate) id: i64,
    pub(crate) account_id: i64,
    pub(crate) account: String,
    pub(crate) kind: String,
    pub(crate) payload: String,
    pub(crate) requested_by_id: i64,
    pub(crate) requested_by: String,
    pub(crate) requested_role: String,
    pub(crate) requested_at: OffsetDateTime,
    pub(crate) status: String,
    pub(crate) decided_by: Option<String>,
    pub(crate) decided_at: Option<OffsetDateTime>,
}

const SELECT: &str = "SELECT c.id, c.account_id, a.username AS account, c.kind, c.payload, \
     c.requested_by AS requested_by_id, r.username AS requested_by, c.requested_role, c.requested_at, \
     c.status, d.username AS decided_by, c.decided_at \
     FROM admin_changes c JOIN staff_accounts a ON a.id = c.account_id \
     JOIN staff_accounts r ON r.id = c.requested_by \
     LEFT JOIN staff_accounts d ON d.id = c.decided_by";

/// A new pending change, as stored.
pub(crate) struct NewChange<'a> {
    pub account_id: i64,
    /// `roles` or `active`.
    pub kind: &'a str,
    pub payload: &'a str,
    pub requested_by: i64,
    pub requested_role: &'a str,
    pub now: OffsetDateTime,
}

/// The id of the account's pending change, if any.
pub(crate) async fn pending_for(c: &mut impl Conn, account_id: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM admin_changes WHERE account_id = $1 AND status = 'pending'",
            args![account_id],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

pub(crate) async fn insert(c: &mut impl Conn, ch: &NewChange<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO admin_changes (account_id, kind, payload, requested_by, requested_role, requested_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id",
            args![ch.account_id, ch.kind, ch.payload, ch.requested_by, ch.requested_role, ch.now],
        )
        .await?;
    Ok(id)
}

pub(crate) async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<ChangeRow>> {
    c.fetch_optional(&format!("{SELECT} WHERE c.id = $1"), args![id])
        .await
}

/// Pending changes first, then the most recent decisions (at most 100).
pub(crate) async fn recent(c: &mut impl Conn) -> Result<Vec<ChangeRow>> {
    c.fetch_all(
        &format!(
            "{SELECT} ORDER BY CASE WHEN c.status = 'pending' THEN 0 ELSE 1 END, c.id DESC LIMIT 100"
        ),
        args![],
    )
    .await
}

/// Decides a pending change (`confirmed` when `confirm`, `rejected` otherwise); rows written
/// (0 when it was no longer pending).
pub(crate) async fn decide(
    c: &mut impl Conn,
    id: i64,
    confirm: bool,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<u64> {
    let sql = if confirm {
        "UPDATE admin_changes SET status = 'confirmed', decided_by = $1, decided_at = $2 WHERE id = $3 AND status = 'pending'"
    } else {
        "UPDATE admin_changes SET status = 'rejected', decided_by = $1, decided_at = $2 WHERE id = $3 AND status = 'pending'"
    };
    c.execute(sql, args![by, now, id]).await
}
