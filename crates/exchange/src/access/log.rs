//! Recording the data API's calls: the call row, its data subjects and the audit entry
//! `exchange.data.read` commit together, and the caller gets its answer only after that commit
//! (no read goes unrecorded).
//!
//! Calls are written by two tasks per service as a **group commit**: while one transaction
//! commits, the calls arriving meanwhile queue, and the next transaction takes all of them (up
//! to [`BATCH`]), with the batch's audit entries appended by one advance of the chain head
//! (`yiwang_audit::record_all`); the second task writes the next batch while the first one's
//! commit waits for its sync. One durable commit per batch instead of one per call is what lets the API
//! answer thousands of lookups a second on SQLite with `synchronous=FULL`; each call still
//! waits for its own record to be durable. A batch that fails is retried one call at a time, so
//! one bad call cannot refuse its neighbours.

use std::sync::{Arc, OnceLock};

use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use yiwang_audit::Entry;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Db;

use crate::repo::calls::{self, NewCall};

/// Most calls written in one transaction.
pub const BATCH: usize = 256;
/// Writer tasks: one commits while the other's commit is being synced.
const WRITERS: usize = 2;

/// One call waiting to be written.
struct Pending {
    ctx: Ctx,
    call: NewCall,
    /// The fields answered (`call.fields` as a list, for the audit entry).
    fields: Vec<String>,
    subjects: Vec<String>,
    done: oneshot::Sender<Result<i64>>,
}

/// The writer: a queue to a task started on first use (inside the runtime serving requests).
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    queue: Arc<OnceLock<mpsc::Sender<PendingBox>>>,
}

/// `Pending` behind a box, so the queue's type is `Debug`-free of its contents.
struct PendingBox(Box<Pending>);

impl std::fmt::Debug for PendingBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingCall")
    }
}

impl CallLog {
    /// Records a call (with the subjects it read) and its audit entry; returns the call id
    /// once committed.
    pub async fn record(
        &self,
        db: &Db,
        ctx: &Ctx,
        call: NewCall,
        fields: Vec<String>,
        subjects: Vec<String>,
    ) -> Result<i64> {
        let tx = self
            .queue
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel(4 * BATCH);
                start(db, rx);
                tx
            })
            .clone();
        let (done, answer) = oneshot::channel();
        let p = Pending {
            ctx: ctx.clone(),
            call,
            fields,
            subjects,
            done,
        };
        if tx.send(PendingBox(Box::new(p))).await.is_err() {
            return Err(Error::new(ErrorCode::Unavailable));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(Error::new(ErrorCode::Unavailable)))
    }
}

/// The queue's receiving end, shared by the [`WRITERS`].
type Queue = Arc<tokio::sync::Mutex<mpsc::Receiver<PendingBox>>>;

/// Starts the writers on the queue.
fn start(db: &Db, rx: mpsc::Receiver<PendingBox>) {
    let rx: Queue = Arc::new(tokio::sync::Mutex::new(rx));
    for _ in 0..WRITERS {
        tokio::spawn(run(db.clone(), rx.clone()));
    }
}

/// One writer: waits for a call, takes the write turn, then takes whatever else queued
/// meanwhile (up to [`BATCH`]) and commits them together. With two writers, one writes and
/// commits its batch while the other waits for its sync to reach the disk (SQLite: the group
/// sync of `yiwang_store`; PostgreSQL: the server's flush), so the log's sync time is no longer
/// added to the next batch's wait.
async fn run(db: Db, rx: Queue) {
    loop {
        let first = match rx.lock().await.recv().await {
            Some(p) => p.0,
            None => return,
        };
        let mut batch = vec![first];
        let tx = db.write().await;
        // Calls that queued while this writer waited for its turn. The other writer holds the
        // queue only while it waits for a call (the queue was empty then): no waiting here.
        if let Ok(mut q) = rx.try_lock() {
            while batch.len() < BATCH {
                match q.try_recv() {
                    Ok(p) => batch.push(p.0),
                    Err(_) => break,
                }
            }
        }
        let written = match tx {
            Ok(tx) => write_batch(tx, &batch).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(ids) => {
                for (p, id) in batch.into_iter().zip(ids) {
                    let _ = p.done.send(Ok(id));
                }
            }
            Err(_) => {
                for p in batch {
                    let one = match db.write().await {
                        Ok(tx) => write_batch(tx, std::slice::from_ref(&p)).await,
                        Err(e) => Err(e),
                    };
                    let _ = p.done.send(one.and_then(|ids| {
                        ids.first()
                            .copied()
                            .ok_or_else(|| Error::internal("exchange call log: no id"))
                    }));
                }
            }
        }
    }
}

/// Writes a batch of calls in the write transaction `tx` and commits it (durably).
async fn write_batch(mut tx: yiwang_store::Tx, batch: &[Box<Pending>]) -> Result<Vec<i64>> {
    let calls: Vec<&NewCall> = batch.iter().map(|p| &p.call).collect();
    let ids = calls::insert_all(&mut tx, &calls).await?;
    let subjects: Vec<(i64, &str)> = batch
        .iter()
        .zip(&ids)
        .flat_map(|(p, id)| p.subjects.iter().map(|s| (*id, s.as_str())))
        .collect();
    calls::insert_subjects(&mut tx, &subjects).await?;
    let entries: Vec<_> = batch
        .iter()
        .zip(&ids)
        .map(|(p, id)| (entry(p, *id), p.call.at))
        .collect();
    yiwang_audit::record_all(&mut tx, &entries).await?;
    tx.commit().await?;
    Ok(ids)
}

/// The audit entry `exchange.data.read` of call `id`.
fn entry(p: &Pending, id: i64) -> Entry<'_> {
    let c = &p.call;
    Entry::success(
        &p.ctx.actor,
        "exchange.data.read",
        format!("resource:{}", c.resource_code),
    )
    .source(&p.ctx.source)
    .reason(&c.purpose)
    .data(json!({
        "call": id,
        "grant": c.grant_id,
        "consumer_department_id": c.consumer_department_id,
        "case_number": c.case_number,
        "kind": c.kind,
        "fields": p.fields,
        "rows": c.row_count,
    }))
}
