//! SQL of the audit log: the chain head (`audit_head`, one row) and the entries (`audit_log`).
//! One SQL text for both backends.

use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, Value, args};

use crate::{Head, Query, Record};

/// Advances the chain head by `n` entries: the last new entry's sequence number and the hash
/// of the entry before the first. Updating the head first serialises appenders on both
/// databases.
pub(crate) async fn advance_head(c: &mut impl Conn, n: i64) -> Result<(i64, String)> {
    c.fetch_one(
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
        args![n],
    )
    .await
}

/// Rows per multi-row `INSERT` of entries (12 binds a row; SQLite looks binds up by a linear
/// scan of their names, so statements stay small).
const APPEND_ROWS: usize = 16;

/// Appends chained entries, several per statement (the caller then sets the head's hash:
/// [`set_head_hash`]).
pub(crate) async fn append(c: &mut impl Conn, rs: &[Record]) -> Result<()> {
    for chunk in rs.chunks(APPEND_ROWS) {
        let mut q = Sql::new(
            "INSERT INTO audit_log (seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.list([
                Value::from(r.seq),
                r.at.into(),
                (&r.actor).into(),
                (&r.acting_for).into(),
                (&r.action).into(),
                (&r.object).into(),
                (&r.outcome).into(),
                (&r.source).into(),
                (&r.reason).into(),
                (&r.data).into(),
                (&r.prev_hash).into(),
                (&r.hash).into(),
            ]);
        }
        c.execute(&q.text, &q.args).await?;
    }
    Ok(())
}

/// Makes `hash` (the last appended entry's) the chain head's.
pub(crate) async fn set_head_hash(c: &mut impl Conn, hash: &str) -> Result<()> {
    c.execute("UPDATE audit_head SET hash = $1 WHERE id = 1", args![hash])
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
