//! Writing new work orders (工单) as a group: the orders that arrive while one transaction
//! commits are written together by the next — their numbers taken in one step per division
//! and day, their rows and events in multi-row statements, their audit entries appended by one
//! advance of the chain head (`yiwang_audit::record_all`) — in one durable commit.
//!
//! Each filer still waits for its own order to be durable before it is answered, and nothing
//! about an order changes: the same row, events, photos, audit entry and Open311 key check as
//! when it is written alone (a batch of one). The queue, its two writer tasks and the retry of a
//! failed batch one order at a time are `yiwang_store::batch` (as for the data API's call
//! log). Locks are taken in one order — keys by id, then sequences by division and day, then
//! the audit head — so two writers on PostgreSQL cannot deadlock.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use yiwang_audit::Entry;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, Result};
use yiwang_store::batch::{GroupWriter, Written};
use yiwang_store::{Db, Tx};

use crate::repo;
use crate::repo::appeals::AppealRow;
use crate::repo::events::NewEvent;

/// Most orders written in one transaction.
const BATCH: usize = 64;

/// An event of a new order (the owned form of [`NewEvent`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderEvent {
    pub kind: &'static str,
    pub actor: String,
    pub from_status: Option<&'static str>,
    pub to_status: Option<&'static str>,
    pub to_grid_id: Option<i64>,
    pub to_department_id: Option<i64>,
    pub to_user_id: Option<i64>,
    pub text: String,
    pub data: String,
}

/// A photo of a new order, already in the file store.
#[derive(Debug, Clone)]
pub(crate) struct OrderPhoto {
    pub digest: String,
    pub media_type: &'static str,
    pub size: i64,
    pub name: String,
}

/// A new order with everything decided but its number: `row.appeal_no` is empty until it is
/// written, numbered in the sequence of `division` (six digits) on `day` (`YYYYMMDD`).
#[derive(Debug)]
pub(crate) struct NewOrder {
    pub ctx: Ctx,
    pub row: AppealRow,
    pub division: String,
    pub day: String,
    pub events: Vec<OrderEvent>,
    pub photos: Vec<OrderPhoto>,
    /// The knowledge-base entry a direct answer cited (its use is counted).
    pub knowledge_id: Option<i64>,
    /// The Open311 key filing it: checked again (and its use stamped) in the transaction.
    pub open311_key: Option<i64>,
    pub audit_action: &'static str,
    pub audit_data: serde_json::Value,
}

/// What became of one order.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Written and durable: the row with its id and number.
    Written(Box<AppealRow>),
    /// Not written: its Open311 key (this id) was revoked since it was checked.
    KeyRevoked(i64),
}

/// The writer of new orders: a [`GroupWriter`] of at most [`BATCH`] orders a transaction.
#[derive(Debug, Clone)]
pub(crate) struct Filer(GroupWriter<NewOrder, Outcome>);

impl Default for Filer {
    fn default() -> Self {
        Filer(GroupWriter::new(BATCH, write_batch))
    }
}

impl Filer {
    /// Writes `order` with the orders queued beside it; returns once it is durable (or not
    /// written, when its key was revoked).
    pub(crate) async fn file(&self, db: &Db, order: NewOrder) -> Result<Outcome> {
        self.0.write(db, order).await
    }
}

fn write_batch<'a>(tx: Tx, orders: &'a [&'a NewOrder]) -> Written<'a, Outcome> {
    Box::pin(write_orders(tx, orders))
}

/// Writes `orders` in the write transaction `tx` and commits it (durably); one outcome per
/// order, in order.
async fn write_orders(mut tx: Tx, orders: &[&NewOrder]) -> Result<Vec<Outcome>> {
    // The Open311 keys, each once, by id: revoked since they were checked (by any process),
    // their orders are not written.
    let mut keys: BTreeMap<i64, (OffsetDateTime, bool)> = BTreeMap::new();
    for o in orders {
        if let Some(k) = o.open311_key {
            keys.entry(k).or_insert((o.row.received_at, true));
        }
    }
    for (k, (at, live)) in keys.iter_mut() {
        *live = repo::keys::touch_live(&mut tx, *k, *at).await? > 0;
    }
    let writes = |o: &NewOrder| {
        o.open311_key
            .is_none_or(|k| keys.get(&k).is_some_and(|v| v.1))
    };
    // Numbers: one step of each division's daily sequence for all its orders here.
    let mut wanted: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for o in orders.iter().filter(|o| writes(o)) {
        *wanted
            .entry((o.division.as_str(), o.day.as_str()))
            .or_default() += 1;
    }
    let mut next: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for ((division, day), n) in &wanted {
        let last = repo::appeals::next_sequences(&mut tx, division, day, *n).await?;
        next.insert((division, day), last - n + 1);
    }
    let mut rows: Vec<AppealRow> = Vec::with_capacity(orders.len());
    let mut written: Vec<&NewOrder> = Vec::with_capacity(orders.len());
    for o in orders.iter().filter(|o| writes(o)) {
        let seq = next
            .get_mut(&(o.division.as_str(), o.day.as_str()))
            .ok_or_else(|| Error::internal("appeals filer: no sequence"))?;
        let mut row = o.row.clone();
        row.appeal_no = format!("{}{}{:06}", o.division, o.day, *seq);
        row.revision = 1;
        *seq += 1;
        rows.push(row);
        written.push(o);
    }
    let ids = repo::appeals::insert_all(&mut tx, &rows.iter().collect::<Vec<_>>()).await?;
    for (row, id) in rows.iter_mut().zip(&ids) {
        row.id = *id;
    }
    let events: Vec<(i64, NewEvent<'_>, OffsetDateTime)> = written
        .iter()
        .zip(&rows)
        .flat_map(|(o, row)| {
            o.events.iter().map(|e| {
                (
                    row.id,
                    NewEvent {
                        kind: e.kind,
                        actor: &e.actor,
                        from_status: e.from_status,
                        to_status: e.to_status,
                        to_grid_id: e.to_grid_id,
                        to_department_id: e.to_department_id,
                        to_user_id: e.to_user_id,
                        text: &e.text,
                        data: e.data.clone(),
                    },
                    row.received_at,
                )
            })
        })
        .collect();
    let event_refs: Vec<(i64, &NewEvent<'_>, OffsetDateTime)> =
        events.iter().map(|(id, e, at)| (*id, e, *at)).collect();
    repo::events::insert_all(&mut tx, &event_refs).await?;
    for (o, row) in written.iter().zip(&rows) {
        if let Some(k) = o.knowledge_id {
            repo::settings::knowledge_used(&mut tx, k).await?;
        }
        for ph in &o.photos {
            repo::appeals::insert_photo(
                &mut tx,
                row.id,
                &ph.digest,
                ph.media_type,
                ph.size,
                &ph.name,
                &row.received_by,
                row.received_at,
            )
            .await?;
        }
    }
    let entries: Vec<(Entry<'_>, OffsetDateTime)> = written
        .iter()
        .zip(&rows)
        .map(|(o, row)| {
            (
                Entry::success(
                    &o.ctx.actor,
                    o.audit_action,
                    format!("appeal:{}", row.appeal_no),
                )
                .source(&o.ctx.source)
                .data(o.audit_data.clone()),
                row.received_at,
            )
        })
        .collect();
    yiwang_audit::record_all(&mut tx, &entries).await?;
    tx.commit().await?;
    let mut rows = rows.into_iter();
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        match o.open311_key {
            Some(k) if !writes(o) => out.push(Outcome::KeyRevoked(k)),
            _ => out.push(Outcome::Written(Box::new(rows.next().ok_or_else(
                || Error::internal("appeals filer: a written order went missing"),
            )?))),
        }
    }
    Ok(out)
}
