//! Audit entries written in groups: entries that are the only write of their request (an
//! audited read, such as a base-library lookup) queue on a [`Grouped`] writer, and those that
//! arrive while one transaction commits are appended by the next in one advance of the chain
//! head ([`crate::record_all`]) and one durable commit. Each caller is answered only once its
//! entry is durable, so what was read is never handed out before its audit entry is on disk.

use serde_json::Value;
use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Actor;
use yiwang_store::batch::{GroupWriter, Written};
use yiwang_store::{Db, Tx};

use crate::{Entry, Outcome, record_all};

/// Most entries appended in one transaction.
const BATCH: usize = 128;

/// An entry waiting to be appended (the owned form of [`Entry`]) with its time.
struct Pending {
    actor: Actor,
    acting_for: String,
    action: String,
    object: String,
    outcome: Outcome,
    source: String,
    reason: String,
    data: Value,
    at: OffsetDateTime,
}

impl Pending {
    fn of(e: &Entry<'_>, at: OffsetDateTime) -> Pending {
        Pending {
            actor: e.actor.clone(),
            acting_for: e.acting_for.clone(),
            action: e.action.to_string(),
            object: e.object.clone(),
            outcome: e.outcome,
            source: e.source.to_string(),
            reason: e.reason.to_string(),
            data: e.data.clone(),
            at,
        }
    }

    fn entry(&self) -> Entry<'_> {
        Entry {
            actor: &self.actor,
            acting_for: self.acting_for.clone(),
            action: &self.action,
            object: self.object.clone(),
            outcome: self.outcome,
            source: &self.source,
            reason: &self.reason,
            data: self.data.clone(),
        }
    }
}

/// A writer of audit entries in groups (clones share its queue; one per node and purpose).
#[derive(Debug, Clone)]
pub struct Grouped(GroupWriter<Pending, i64>);

impl Default for Grouped {
    fn default() -> Self {
        Grouped(GroupWriter::new(BATCH, write_batch))
    }
}

impl Grouped {
    /// Appends `entry` (at `at`) with the entries queued beside it; its sequence number once
    /// the transaction that appended it is durable.
    pub async fn record(&self, db: &Db, entry: &Entry<'_>, at: OffsetDateTime) -> Result<i64> {
        self.0.write(db, Pending::of(entry, at)).await
    }
}

fn write_batch<'a>(tx: Tx, items: &'a [&'a Pending]) -> Written<'a, i64> {
    Box::pin(append(tx, items))
}

async fn append(mut tx: Tx, items: &[&Pending]) -> Result<Vec<i64>> {
    let entries: Vec<(Entry<'_>, OffsetDateTime)> =
        items.iter().map(|p| (p.entry(), p.at)).collect();
    let seqs = record_all(&mut tx, &entries).await?;
    tx.commit().await?;
    Ok(seqs)
}
