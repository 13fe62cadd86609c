//! Recording the data API's calls: the call row, its data subjects and the audit entry
//! `exchange.data.read` commit together, and the caller gets its answer only after that commit
//! (no read goes unrecorded).
//!
//! Calls are written by one task per service as a **group commit**: while one transaction
//! commits, the calls arriving meanwhile queue, and the next transaction takes all of them (up
//! to [`BATCH`]), with the batch's audit entries appended by one advance of the chain head
//! (`yiwang_audit::record_all`). One durable commit per batch instead of one per call is what lets the API
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
                tokio::spawn(run(db.clone(), rx));
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

async fn run(db: Db, mut rx: mpsc::Receiver<PendingBox>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first.0];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p.0),
                Err(_) => break,
            }
        }
        match write_batch(&db, &batch).await {
            Ok(ids) => {
                for (p, id) in batch.into_iter().zip(ids) {
                    let _ = p.done.send(Ok(id));
                }
            }
            Err(_) => {
                for p in batch {
                    let one = write_batch(&db, std::slice::from_ref(&p)).await;
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

async fn write_batch(db: &Db, batch: &[Box<Pending>]) -> Result<Vec<i64>> {
    let mut tx = db.write().await?;
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
