//! Writing new work orders (工单) as a group: the orders that arrive while one transaction
//! commits are written together by the next — their numbers taken in one step per division
//! and day, their rows and events in multi-row statements, their audit entries appended by one
//! advance of the chain head (`yiwang_audit::record_all`) — in one durable commit.
//!
//! Each filer still waits for its own order to be durable before it is answered, and nothing
//! about an order changes: the same row, events, photos, audit entry and Open311 key check as
//! when it is written alone (a batch of one). Two writer tasks take turns, so one writes while
//! the other's commit is being synced (as the data API's call log does). A batch that fails is
//! written again one order at a time, so one bad order cannot refuse its neighbours. Locks are
//! taken in one order — keys by id, then sequences by division and day, then the audit head —
//! so two writers on PostgreSQL cannot deadlock.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use yiwang_audit::Entry;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::{Db, Tx};

use crate::repo;
use crate::repo::appeals::AppealRow;
use crate::repo::events::NewEvent;

/// Most orders written in one transaction.
const BATCH: usize = 64;
/// Writer tasks: one commits while the other's commit is being synced.
const WRITERS: usize = 2;

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

/// One order waiting to be written, and where its outcome goes.
struct Pending {
    order: NewOrder,
    done: oneshot::Sender<Result<Outcome>>,
}

/// The writers' queue, started on first use (inside the runtime serving requests).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filer {
    queue: Arc<OnceLock<mpsc::Sender<PendingBox>>>,
}

/// `Pending` behind a box, so the queue's type is `Debug` without showing its contents.
struct PendingBox(Box<Pending>);

impl std::fmt::Debug for PendingBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingOrder")
    }
}

impl Filer {
    /// Writes `order` with the orders queued beside it; returns once it is durable (or not
    /// written, when its key was revoked).
    pub(crate) async fn file(&self, db: &Db, order: NewOrder) -> Result<Outcome> {
        let queue = self
            .queue
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel(4 * BATCH);
                start(db, rx);
                tx
            })
            .clone();
        let (done, answer) = oneshot::channel();
        match queue
            .send(PendingBox(Box::new(Pending { order, done })))
            .await
        {
            Ok(()) => answer
                .await
                .unwrap_or_else(|_| Err(Error::new(ErrorCode::Unavailable))),
            // The writers are gone (their runtime ended): write it here, alone.
            Err(mpsc::error::SendError(p)) => {
                let mut out = write_batch(db.write().await?, &[&p.0.order]).await?;
                out.pop()
                    .ok_or_else(|| Error::internal("appeals filer: no outcome"))
            }
        }
    }
}

/// The queue's receiving end, shared by the [`WRITERS`].
type Queue = Arc<tokio::sync::Mutex<mpsc::Receiver<PendingBox>>>;

fn start(db: &Db, rx: mpsc::Receiver<PendingBox>) {
    let rx: Queue = Arc::new(tokio::sync::Mutex::new(rx));
    for _ in 0..WRITERS {
        tokio::spawn(run(db.clone(), rx.clone()));
    }
}

/// One writer: waits for an order, takes the write turn, then takes whatever else queued
/// meanwhile (up to [`BATCH`]) and writes them together.
async fn run(db: Db, rx: Queue) {
    loop {
        let first = match rx.lock().await.recv().await {
            Some(p) => p.0,
            None => return,
        };
        let mut batch = vec![first];
        let tx = db.write().await;
        // Orders that queued while this writer waited for its turn. The other writer holds the
        // queue only while it waits for an order (the queue was empty then): no waiting here.
        if let Ok(mut q) = rx.try_lock() {
            while batch.len() < BATCH {
                match q.try_recv() {
                    Ok(p) => batch.push(p.0),
                    Err(_) => break,
                }
            }
        }
        let orders: Vec<&NewOrder> = batch.iter().map(|p| &p.order).collect();
        let written = match tx {
            Ok(tx) => write_batch(tx, &orders).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(outcomes) => {
                for (p, o) in batch.into_iter().zip(outcomes) {
                    let _ = p.done.send(Ok(o));
                }
            }
            Err(e) if batch.len() == 1 => {
                for p in batch {
                    let _ = p.done.send(Err(e.clone()));
                }
            }
            Err(_) => {
                for p in batch {
                    let one = match db.write().await {
                        Ok(tx) => write_batch(tx, &[&p.order]).await,
                        Err(e) => Err(e),
                    };
                    let _ = p.done.send(one.and_then(|mut o| {
                        o.pop()
                            .ok_or_else(|| Error::internal("appeals filer: no outcome"))
                    }));
                }
            }
        }
    }
}

/// Writes `orders` in the write transaction `tx` and commits it (durably); one outcome per
/// order, in order.
async fn write_batch(mut tx: Tx, orders: &[&NewOrder]) -> Result<Vec<Outcome>> {
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
