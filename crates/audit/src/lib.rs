//! The audit log: append-only, hash-chained with SM3 (docs/standards/sm-crypto.md), verifiable offline.
//!
//! Every privileged action appends one [`Entry`] *in the same transaction* as the change it
//! records, so a change and its trace commit together or not at all. Refused and failed
//! attempts are recorded too, in their own transaction ([`record_now`]).
//!
//! ## Chain
//! Entry `n` stores `prev_hash` (the hash of entry `n-1`, or 64 zeros for the first) and
//! `hash = SM3(prev_hash ‖ canonical(entry))`, where the canonical form is every field in a
//! fixed order, each as a 4-byte big-endian length followed by its UTF-8 bytes:
//! `seq, at, actor, acting_for, action, object, outcome, source, reason, data` (`at` as
//! `YYYY-MM-DDTHH:MM:SS.ffffffZ`, `seq` in decimal). The single-row `audit_head` table holds the
//! last `seq` and `hash`; appending updates it first, which serialises appenders on both
//! databases. [`verify`] walks the chain and names the first entry that was altered, deleted or
//! inserted; [`head`] gives the value an outside party keeps to prove later that the log was not
//! rewritten.
//!
//! Every event type is declared in [`EVENTS`]; recording an undeclared one is a bug and fails.

use serde::Serialize;
use sm3::{Digest, Sm3};
use time::OffsetDateTime;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::{Conn, Db, Value};

mod events;
mod grouped;
mod repo;

pub use grouped::Grouped;

pub use events::EVENTS;
pub use repo::{head, search};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn describe(action: &str) -> Option<(&'static str, &'static str)> {
    EVENTS.iter().find(|e| e.0 == action).map(|e| (e.1, e.2))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    /// Set when the actor acts on behalf of someone else (an agent for an enterprise); taken
    /// from the actor, so it cannot be forgotten.
    pub acting_for: String,
    /// An action from [`EVENTS`].
    pub action: &'a str,
    /// What was acted on, e.g. `item:44080011440800MB2C…` or `department:12`.
    pub object: String,
    pub outcome: Outcome,
    /// Source address of the request (empty for the command line).
    pub source: &'a str,
    pub reason: &'a str,
    /// Extra facts as JSON (never personal data in clear).
    pub data: serde_json::Value,
}

impl<'a> Entry<'a> {
    pub fn success(actor: &'a Actor, action: &'a str, object: impl Into<String>) -> Self {
        Entry {
            actor,
            acting_for: actor.acting_for_label(),
            action,
            object: object.into(),
            outcome: Outcome::Success,
            source: "",
            reason: "",
            data: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn failure(actor: &'a Actor, action: &'a str, object: impl Into<String>) -> Self {
        Entry {
            outcome: Outcome::Failure,
            ..Entry::success(actor, action, object)
        }
    }

    pub fn source(mut self, source: &'a str) -> Self {
        self.source = source;
        self
    }

    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = reason;
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Record {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub acting_for: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub source: String,
    pub reason: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

fn field(h: &mut Sm3, s: &str) {
    h.update((s.len() as u32).to_be_bytes());
    h.update(s.as_bytes());
}

/// `SM3(prev_hash ‖ canonical(entry))` as lower-case hex.
pub fn chain_hash(r: &Record) -> String {
    let mut h = Sm3::new();
    field(&mut h, &r.prev_hash);
    field(&mut h, &r.seq.to_string());
    field(&mut h, &Value::sqlite_time(r.at));
    for s in [
        &r.actor,
        &r.acting_for,
        &r.action,
        &r.object,
        &r.outcome,
        &r.source,
        &r.reason,
        &r.data,
    ] {
        field(&mut h, s);
    }
    hex::encode(h.finalize())
}

/// The most characters an actor, acting-for or object field keeps.
pub const MAX_NAME: usize = 200;
/// The most characters a source address keeps.
pub const MAX_SOURCE: usize = 64;
/// The most characters a reason keeps.
pub const MAX_REASON: usize = 1_000;
/// The most bytes the JSON `data` keeps; larger data is replaced by a note of its size.
pub const MAX_DATA: usize = 4_096;

/// `s` without NUL characters (PostgreSQL text refuses them) and cut to `max` characters,
/// saying how many were cut: nothing a caller sends can grow the append-only log without bound.
pub fn capped(s: &str, max: usize) -> String {
    let clean: String = if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s.to_string()
    };
    let n = clean.chars().count();
    if n <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max).collect();
    out.push_str(&format!("…(+{})", n - max));
    out
}

fn capped_data(data: &serde_json::Value) -> String {
    let text = data.to_string();
    if text.len() <= MAX_DATA && !text.contains("\\u0000") {
        return text;
    }
    serde_json::json!({ "truncated": true, "bytes": text.len() }).to_string()
}

/// Appends `entry` inside the caller's transaction; returns its sequence number.
pub async fn record(c: &mut impl Conn, entry: &Entry<'_>, at: OffsetDateTime) -> Result<i64> {
    let seqs = append_chain(c, std::iter::once((entry, at))).await?;
    seqs.first()
        .copied()
        .ok_or_else(|| Error::internal("audit: no sequence number"))
}

/// Appends `entries` (each with its time), in order, inside the caller's transaction,
/// advancing the chain head once for all of them — a group commit's entries: the data API's
/// call log writes its batch this way. Returns their sequence numbers. The chain is the same
/// as that of one [`record`] per entry.
pub async fn record_all(
    c: &mut impl Conn,
    entries: &[(Entry<'_>, OffsetDateTime)],
) -> Result<Vec<i64>> {
    append_chain(c, entries.iter().map(|(e, at)| (e, *at))).await
}

async fn append_chain<'e, 'x: 'e>(
    c: &mut impl Conn,
    entries: impl ExactSizeIterator<Item = (&'e Entry<'x>, OffsetDateTime)>,
) -> Result<Vec<i64>> {
    let Ok(n) = i64::try_from(entries.len()) else {
        return Err(Error::internal("audit: too many entries"));
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    let (last, mut prev) = repo::advance_head(c, n).await?;
    let mut records = Vec::with_capacity(entries.len());
    for (seq, (entry, at)) in (last - n + 1..).zip(entries) {
        if describe(entry.action).is_none() {
            return Err(Error::internal(format!(
                "audit event `{}` is not in the catalog",
                entry.action
            )));
        }
        let mut r = Record {
            seq,
            at: yiwang_kernel::clock::normalize(at),
            actor: capped(&entry.actor.label(), MAX_NAME),
            acting_for: capped(&entry.acting_for, MAX_NAME),
            action: entry.action.to_string(),
            object: capped(&entry.object, MAX_NAME),
            outcome: entry.outcome.as_str().to_string(),
            source: capped(entry.source, MAX_SOURCE),
            reason: capped(entry.reason, MAX_REASON),
            data: capped_data(&entry.data),
            prev_hash: prev,
            hash: String::new(),
        };
        r.hash = chain_hash(&r);
        prev = r.hash.clone();
        records.push(r);
    }
    repo::append(c, &records).await?;
    repo::set_head_hash(c, &prev).await?;
    Ok(records.iter().map(|r| r.seq).collect())
}

/// Appends `entry` in a transaction of its own (for refusals and failures, whose action
/// transaction rolls back).
pub async fn record_now(db: &Db, entry: &Entry<'_>, at: OffsetDateTime) -> Result<i64> {
    let mut tx = db.write().await?;
    let seq = record(&mut tx, entry, at).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Audits a refused attempt: appends `auth.denied` (outcome failure) with `ctx`'s actor and
/// source, the `object` and what was `attempted`, in a transaction of its own (the refused
/// action's transaction, if there was one, has rolled back: a task never opens a write
/// transaction while it holds one). A failed audit write is logged, not raised, so that the
/// caller still answers with the refusal. The one place that writes `auth.denied`.
pub async fn denied(
    db: &Db,
    ctx: &Ctx,
    object: impl Into<String>,
    attempted: &str,
    at: OffsetDateTime,
) {
    write_denied(
        db,
        ctx,
        object.into(),
        serde_json::json!({ "attempted": attempted }),
        at,
    )
    .await;
}

/// Passes `e` on, audited first as [`denied`] (with its code) when it is a refusal
/// (`forbidden` or `unauthenticated`); any other error passes unaudited.
pub async fn refused(
    db: &Db,
    ctx: &Ctx,
    object: impl Into<String>,
    attempted: &str,
    e: Error,
    at: OffsetDateTime,
) -> Error {
    if matches!(e.code, ErrorCode::Forbidden | ErrorCode::Unauthenticated) {
        let data = serde_json::json!({ "attempted": attempted, "code": e.code.as_str() });
        write_denied(db, ctx, object.into(), data, at).await;
    }
    e
}

async fn write_denied(
    db: &Db,
    ctx: &Ctx,
    object: String,
    data: serde_json::Value,
    at: OffsetDateTime,
) {
    let entry = Entry::failure(&ctx.actor, "auth.denied", object)
        .source(&ctx.source)
        .data(data);
    if let Err(e) = record_now(db, &entry, at).await {
        tracing::error!(error = %e, "could not write the audit entry of a refusal");
    }
}

/// The chain head: the last sequence number and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// The chain head for an audit administrator (permission `audit.read`); a refused attempt is
/// recorded.
pub async fn head_as(db: &Db, ctx: &Ctx, now: OffsetDateTime) -> Result<Head> {
    if let Err(e) = ctx.actor.require(Permission::AuditRead) {
        denied(db, ctx, "audit_log", "audit.head", now).await;
        return Err(e);
    }
    let mut c = db.clone();
    head(&mut c).await
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The chain is intact: `entries` entries, ending in `head`.
    Intact { entries: i64, head: String },
    /// The first broken entry (by sequence number) and what is wrong with it.
    Broken { seq: i64, problem: String },
}

/// Walks the whole chain in order. `anchor` is an earlier exported head (`seq`, `hash`) that
/// must still be found in the log.
pub async fn verify(db: &Db, anchor: Option<(i64, &str)>) -> Result<Verdict> {
    let mut c = db.clone();
    let head = head(&mut c).await?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut after = 0i64;
    let mut anchor_seen = anchor.is_none();
    loop {
        let batch = repo::entries_after(&mut c, after).await?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            if r.seq != expected_seq {
                let problem = if r.seq > expected_seq {
                    format!(
                        "entry {expected_seq} is missing (deleted); next entry is {}",
                        r.seq
                    )
                } else {
                    format!("unexpected sequence number {}", r.seq)
                };
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    problem,
                });
            }
            if r.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: "prev_hash does not match the previous entry (an entry before it was deleted, inserted or altered)".into(),
                });
            }
            if chain_hash(r) != r.hash {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: "content does not match its hash (entry altered)".into(),
                });
            }
            if let Some((s, h)) = anchor
                && s == r.seq
            {
                if h != r.hash {
                    return Ok(Verdict::Broken {
                        seq: r.seq,
                        problem: "hash differs from the exported anchor (log rewritten)".into(),
                    });
                }
                anchor_seen = true;
            }
            prev = r.hash.clone();
            expected_seq += 1;
            after = r.seq;
        }
    }
    let last = expected_seq - 1;
    if head.seq != last || head.hash != prev {
        return Ok(Verdict::Broken {
            seq: last + 1,
            problem: format!(
                "the chain head says {} entries ending in {}, the log has {last} (entries at the end deleted or head altered)",
                head.seq, head.hash
            ),
        });
    }
    if !anchor_seen {
        return Ok(Verdict::Broken {
            seq: anchor.map(|a| a.0).unwrap_or(0),
            problem: "the exported anchor entry is no longer in the log".into(),
        });
    }
    Ok(Verdict::Intact {
        entries: last,
        head: prev,
    })
}

/// Searches the log for an audit administrator (permission `audit.read`); the search itself
/// is recorded, and so is a refused attempt.
///
/// Unsure: entries carry no division, so an audit administrator sees the whole node's log;
/// a county-level audit administrator would need entries tagged with the object's division.
pub async fn search_as(db: &Db, ctx: &Ctx, q: &Query, now: OffsetDateTime) -> Result<Vec<Record>> {
    if let Err(e) = ctx.actor.require(Permission::AuditRead) {
        denied(db, ctx, "audit_log", "audit.search", now).await;
        return Err(e);
    }
    let mut c = db.clone();
    let rows = search(&mut c, q).await?;
    let entry = Entry::success(&ctx.actor, "audit.search", "audit_log")
        .source(&ctx.source)
        .data(serde_json::json!({
            "action": q.action, "actor": q.actor, "object": q.object,
            "outcome": q.outcome, "before_seq": q.before_seq, "returned": rows.len(),
        }));
    record_now(db, &entry, now).await?;
    Ok(rows)
}

/// Filters for searching the log.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

#[cfg(test)]
mod tests;
