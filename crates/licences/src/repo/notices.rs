//! Holder notices (`licence_notices`).

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// A notice with what its text needs of the licence.
#[derive(sqlx::FromRow)]
pub(crate) struct NoticeRow {
    pub(crate) id: i64,
    pub(crate) identifier: String,
    pub(crate) type_name: String,
    pub(crate) valid_to: Option<Date>,
    pub(crate) kind: String,
    pub(crate) reason: String,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) read_at: Option<OffsetDateTime>,
}

/// Writes a notice of `kind` to the holder of licence `licence_id`.
pub(crate) async fn insert(
    c: &mut impl Conn,
    licence_id: i64,
    kind: &str,
    reason: &str,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO licence_notices (holder_code_idx, licence_id, kind, reason, created_at) \
         SELECT holder_code_idx, id, $2, $3, $4 FROM licences WHERE id = $1",
        args![licence_id, kind, reason, at],
    )
    .await?;
    Ok(())
}

/// The holder's newest 200 notices and how many of all are unread.
pub(crate) async fn of_holder(c: &mut impl Conn, idx: &str) -> Result<(Vec<NoticeRow>, i64)> {
    let rows: Vec<NoticeRow> = c
        .fetch_all(
            "SELECT n.id, l.identifier, COALESCE(t.name, '') AS type_name, l.valid_to, n.kind, n.reason, n.created_at, n.read_at \
             FROM licence_notices n JOIN licences l ON l.id = n.licence_id LEFT JOIN licence_types t ON t.code = l.type_code \
             WHERE n.holder_code_idx = $1 ORDER BY n.id DESC LIMIT 200",
            args![idx],
        )
        .await?;
    let (unread,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM licence_notices WHERE holder_code_idx = $1 AND read_at IS NULL",
            args![idx],
        )
        .await?;
    Ok((rows, unread))
}

/// Marks the holder's unread notices read; answers how many.
pub(crate) async fn mark_read(c: &mut impl Conn, idx: &str, now: OffsetDateTime) -> Result<u64> {
    c.execute(
        "UPDATE licence_notices SET read_at = $1 WHERE holder_code_idx = $2 AND read_at IS NULL",
        args![now, idx],
    )
    .await
}

/// Tells at most `batch` holders of valid licences that expired before `today`, once each.
pub(crate) async fn sweep_expired(
    c: &mut impl Conn,
    now: OffsetDateTime,
    today: Date,
    batch: i64,
) -> Result<u64> {
    c.execute(
        "INSERT INTO licence_notices (holder_code_idx, licence_id, kind, reason, created_at) \
         SELECT l.holder_code_idx, l.id, 'expired', '', $1 FROM licences l \
         WHERE l.status = 'valid' AND l.valid_to IS NOT NULL AND l.valid_to < $2 \
         AND NOT EXISTS (SELECT 1 FROM licence_notices n WHERE n.licence_id = l.id AND n.kind = 'expired') \
         ORDER BY l.id LIMIT $3",
        args![now, today, batch],
    )
    .await
}

/// Tells at most `batch` holders of valid licences expiring in `[today, soon)`, once each (and
/// never after an `expired` notice).
pub(crate) async fn sweep_expiring(
    c: &mut impl Conn,
    now: OffsetDateTime,
    today: Date,
    soon: Date,
    batch: i64,
) -> Result<u64> {
    c.execute(
        "INSERT INTO licence_notices (holder_code_idx, licence_id, kind, reason, created_at) \
         SELECT l.holder_code_idx, l.id, 'expiring', '', $1 FROM licences l \
         WHERE l.status = 'valid' AND l.valid_to IS NOT NULL AND l.valid_to >= $2 AND l.valid_to < $3 \
         AND NOT EXISTS (SELECT 1 FROM licence_notices n WHERE n.licence_id = l.id AND n.kind IN ('expiring', 'expired')) \
         ORDER BY l.id LIMIT $4",
        args![now, today, soon, batch],
    )
    .await
}
