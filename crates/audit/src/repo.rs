//! SQL of the audit log: the chain head (`audit_head`, one row) and the entries (`audit_log`).
//! One SQL text for both backends.

use yiwang_kernel::Result;
use yiwang_store::{Conn, Value, args};

use crate::{Head, Query, Record};

/// Advances the chain head by one: the new entry's sequence number and the previous entry's
/// hash. Updating the head first serialises appenders on both databases.
pub(crate) async fn advance_head(c: &mut impl Conn) -> Result<(i64, String)> {
    c.fetch_one(
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        args![],
    )
    .await
}

/// Appends a chained entry and makes its hash the head's.
pub(crate) async fn append(c: &mut impl Conn, r: &Record) -> Result<()> {
    c.execute(
        "INSERT INTO audit_log (seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        args![
            r.seq, r.at, &r.actor, &r.acting_for, &r.action, &r.object, &r.outcome, &r.source,
            &r.reason, &r.data, &r.prev_hash, &r.hash
        ],
    )
    .await?;
    c.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        args![&r.hash],
    )
    .await?;
    Ok(())
}

/// The chain head: the last sequence number and its hash.
pub async fn head(c: &mut impl Conn) -> Result<Head> {
    c.fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", args![])
        .await
}

/// The next 5,000 entries after sequence number `after`, in order.
pub(crate) async fn entries_after(c: &mut impl Conn, after: i64) -> Result<Vec<Record>> {
    c.fetch_all(
        "SELECT seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash \
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
        args![after],
    )
    .await
}

/// The entries matching `q`, newest first (50 by default, at most 500).
pub async fn search(c: &mut impl Conn, q: &Query) -> Result<Vec<Record>> {
    let mut sql = String::from(
        "SELECT seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash FROM audit_log WHERE 1 = 1",
    );
    let mut a: Vec<Value> = Vec::new();
    let mut push = |sql: &mut String, cond: &str, v: Value| {
        a.push(v);
        sql.push_str(&cond.replace('?', &format!("${}", a.len())));
    };
    if let Some(x) = &q.action {
        push(&mut sql, " AND action = ?", x.into());
    }
    if let Some(x) = &q.actor {
        push(&mut sql, " AND actor = ?", x.into());
    }
    if let Some(x) = &q.object {
        push(&mut sql, " AND object = ?", x.into());
    }
    if let Some(x) = &q.outcome {
        push(&mut sql, " AND outcome = ?", x.into());
    }
    if let Some(x) = q.before_seq {
        push(&mut sql, " AND seq < ?", x.into());
    }
    let limit = if q.limit <= 0 { 50 } else { q.limit.min(500) };
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {limit}"));
    c.fetch_all(&sql, &a).await
}
