//! SQL of the credit lists (`credit_entries`, migration 0032). Only this module touches the
//! table.

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, args, like_contains};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub list_kind: String,
    pub subject_kind: String,
    pub subject_idx: String,
    pub subject_enc: String,
    pub subject_mask: String,
    pub subject_name: String,
    pub basis: String,
    pub measures: String,
    pub facilitation: String,
    pub authority: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub source: String,
    pub status: String,
    pub revoked_reason: String,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

const COLS: &str = "id, list_kind, subject_kind, subject_idx, subject_enc, subject_mask, \
    subject_name, basis, measures, facilitation, authority, valid_from, valid_to, source, status, \
    revoked_reason, revoked_by, revoked_at, created_by, created_at";

/// Inserts or (same list, subject, authority and start) updates an entry; answers whether it
/// was new.
pub async fn upsert(c: &mut impl Conn, r: &EntryRow, at: OffsetDateTime) -> Result<bool> {
    let existing: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM credit_entries WHERE list_kind = $1 AND subject_idx = $2 \
             AND authority = $3 AND valid_from = $4",
            args![&r.list_kind, &r.subject_idx, &r.authority, r.valid_from],
        )
        .await?;
    match existing {
        Some((id,)) => {
            c.execute(
                "UPDATE credit_entries SET subject_kind = $1, subject_enc = $2, subject_mask = $3, \
                 subject_name = $4, basis = $5, measures = $6, facilitation = $7, valid_to = $8, \
                 source = $9, updated_at = $10 WHERE id = $11",
                args![
                    &r.subject_kind,
                    &r.subject_enc,
                    &r.subject_mask,
                    &r.subject_name,
                    &r.basis,
                    &r.measures,
                    &r.facilitation,
                    r.valid_to,
                    &r.source,
                    at,
                    id
                ],
            )
            .await?;
            Ok(false)
        }
        None => {
            c.execute(
                "INSERT INTO credit_entries (list_kind, subject_kind, subject_idx, subject_enc, \
                 subject_mask, subject_name, basis, measures, facilitation, authority, valid_from, \
                 valid_to, source, status, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'active', $14, $15, $15)",
                args![
                    &r.list_kind,
                    &r.subject_kind,
                    &r.subject_idx,
                    &r.subject_enc,
                    &r.subject_mask,
                    &r.subject_name,
                    &r.basis,
                    &r.measures,
                    &r.facilitation,
                    &r.authority,
                    r.valid_from,
                    r.valid_to,
                    &r.source,
                    &r.created_by,
                    at
                ],
            )
            .await?;
            Ok(true)
        }
    }
}

pub async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<EntryRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM credit_entries WHERE id = $1"),
        args![id],
    )
    .await
}

/// Active entries of the subject with blind index `idx` in force on `today`.
pub async fn in_force(c: &mut impl Conn, idx: &str, today: Date) -> Result<Vec<EntryRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM credit_entries WHERE subject_idx = $1 AND status = 'active' \
             AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) ORDER BY id"
        ),
        args![idx, today],
    )
    .await
}

/// What a list query asks for.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub list: Option<&'a str>,
    /// A name fragment.
    pub name: Option<&'a str>,
    /// The blind index of a USCC or ID number searched for.
    pub idx: Option<&'a str>,
    pub include_revoked: bool,
}

fn filtered(base: &str, f: &Filter<'_>) -> Sql {
    let mut w = Sql::new(base);
    w.push(" WHERE 1 = 1");
    if let Some(l) = f.list {
        w.cond(" AND list_kind = ?", [l]);
    }
    if let Some(n) = f.name {
        w.cond(" AND subject_name LIKE ? ESCAPE '\\'", [like_contains(n)]);
    }
    if let Some(i) = f.idx {
        w.cond(" AND subject_idx = ?", [i]);
    }
    if !f.include_revoked {
        w.push(" AND status = 'active'");
    }
    w
}

/// One page of entries, newest first, and the total.
pub async fn list(
    c: &mut impl Conn,
    f: &Filter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<EntryRow>, i64)> {
    let count = filtered("SELECT COUNT(*) FROM credit_entries", f);
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let mut q = filtered(&format!("SELECT {COLS} FROM credit_entries"), f);
    q.cond(" ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset]);
    Ok((c.fetch_all(&q.text, &q.args).await?, total))
}

pub async fn revoke(
    c: &mut impl Conn,
    id: i64,
    reason: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<u64> {
    c.execute(
        "UPDATE credit_entries SET status = 'revoked', revoked_reason = $1, revoked_by = $2, \
         revoked_at = $3, updated_at = $3 WHERE id = $4 AND status = 'active'",
        args![reason, by, at, id],
    )
    .await
}

/// The entry held for (list, subject, authority, start), whatever its status.
pub async fn find(
    c: &mut impl Conn,
    list_kind: &str,
    subject_idx: &str,
    authority: &str,
    valid_from: Date,
) -> Result<Option<EntryRow>> {
    c.fetch_optional(
        &format!(
            "SELECT {COLS} FROM credit_entries WHERE list_kind = $1 AND subject_idx = $2 \
             AND authority = $3 AND valid_from = $4"
        ),
        args![list_kind, subject_idx, authority, valid_from],
    )
    .await
}

/// The ids of the active entries that came from `source` (`exchange:<code>`).
pub async fn active_of_source(c: &mut impl Conn, source: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            "SELECT id FROM credit_entries WHERE source = $1 AND status = 'active' ORDER BY id",
            args![source],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The source of the entry most recently written from an exchange resource, if any.
pub async fn last_exchange_source(c: &mut impl Conn) -> Result<Option<String>> {
    let row: Option<(String,)> = c
        .fetch_optional(
            "SELECT source FROM credit_entries WHERE source LIKE 'exchange:%' \
             ORDER BY updated_at DESC, id DESC LIMIT 1",
            args![],
        )
        .await?;
    Ok(row.map(|(s,)| s))
}

/// Active (black, red) entries in force on `day`.
pub async fn in_force_counts(c: &mut impl Conn, day: Date) -> Result<(i64, i64)> {
    c.fetch_one(
        "SELECT COALESCE(SUM(CASE WHEN list_kind = 'black' THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN list_kind = 'red' THEN 1 ELSE 0 END), 0) \
         FROM credit_entries WHERE status = 'active' AND valid_from <= $1 \
         AND (valid_to IS NULL OR valid_to >= $1)",
        args![day],
    )
    .await
}
