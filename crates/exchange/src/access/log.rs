//! Recording the data API's calls: the call row, its data subjects and the audit entry
//! `exchange.data.read` commit together, and the caller gets its answer only after that commit
//! (no read goes unrecorded).
//!
//! Calls are written as a **group commit** (`yiwang_store::batch`): while one transaction
//! commits, the calls arriving meanwhile queue, and the next transaction takes all of them (up
//! to [`BATCH`]), with the batch's audit entries appended by one advance of the chain head
//! (`yiwang_audit::record_all`); a second writer task writes the next batch while the first
//! one's commit waits for its sync. One durable commit per batch instead of one per call is what
//! lets the API answer thousands of lookups a second on SQLite; each call still waits for its
//! own record to be durable. A batch that fails is retried one call at a time, so one bad call
//! cannot refuse its neighbours.

use serde_json::json;
use yiwang_audit::Entry;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_store::batch::{GroupWriter, Written};
use yiwang_store::{Db, Tx};

use crate::repo::calls::{self, NewCall};

/// Most calls written in one transaction.
pub const BATCH: usize = 256;

/// One call to be written.
struct Pending {
    ctx: Ctx,
    call: NewCall,
    /// The fields answered (`call.fields` as a list, for the audit entry).
    fields: Vec<String>,
    subjects: Vec<String>,
}

/// The writer: a [`GroupWriter`] of at most [`BATCH`] calls a transaction (clones share it).
#[derive(Debug, Clone)]
pub struct CallLog(GroupWriter<Pending, i64>);

impl Default for CallLog {
    fn default() -> Self {
        CallLog(GroupWriter::new(BATCH, write_batch))
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
        let p = Pending {
            ctx: ctx.clone(),
            call,
            fields,
            subjects,
        };
        self.0.write(db, p).await
    }
}

fn write_batch<'a>(tx: Tx, batch: &'a [&'a Pending]) -> Written<'a, i64> {
    Box::pin(write_calls(tx, batch))
}

/// Writes a batch of calls in the write transaction `tx` and commits it (durably).
async fn write_calls(mut tx: Tx, batch: &[&Pending]) -> Result<Vec<i64>> {
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
