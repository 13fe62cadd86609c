//! Several `yiwang serve` processes (replicas) on one database: who is running ([`Node`], the
//! `nodes` table) and which of them runs a periodic background job (the `job_leases` table).
//! docs/replicas.md lists every piece of process state and how it behaves with replicas.
//!
//! **Nodes.** Each serving process is a [`Node`] with a random id. Its heartbeat
//! ([`Node::heartbeat`], every [`HEARTBEAT_EVERY`]) writes its row (listen address, version,
//! start, last seen) and counts the *live* nodes: those seen within [`LIVE_WITHIN`]. The count is
//! kept in memory ([`Node::live_nodes`], at least 1), so a limit that must hold across the
//! replicas can be split between them without a database round trip per call
//! ([`Node::share`]: each gets `ceil(limit / live nodes)`). Rows not seen for [`FORGET_AFTER`]
//! are deleted; a node stopping cleanly deletes its own ([`Node::leave`]).
//!
//! **Leases — one rule for every claim on work.** A claim is held by a *holder* token until a
//! time (`lease_until`); it may be taken when nobody holds it, when the holder's lease has
//! lapsed (`lease_until < now`), or by the holder itself (a renewal). The resumable jobs in their
//! own tables follow the same rule on their rows (licence imports, `licence_imports.runner`;
//! exchange loads, `exchange_loads.runner`). The periodic jobs of `serve` share `job_leases`,
//! one row per job name ([`Node::take_lease`]): the holder renews its leases with every
//! heartbeat and before each run, so exactly one node runs a job; a node that dies stops
//! renewing, and another takes the job over once [`JOB_LEASE`] has passed. A node stopping
//! cleanly releases its leases at once ([`Node::release_all`]).
//!
//! The statements are single `INSERT … ON CONFLICT … DO UPDATE … WHERE` upserts: atomic on
//! PostgreSQL (the conflicting row is locked) and on SQLite (one writer), so two nodes asking
//! at the same instant never both get a lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use time::{Duration, OffsetDateTime};
use yiwang_kernel::Error;

use crate::args;
use crate::conn::{Conn, Db};

/// How often a node renews its row and its job leases.
pub const HEARTBEAT_EVERY: Duration = Duration::seconds(10);
/// A node seen within this long is live (counted in [`Node::live_nodes`]).
pub const LIVE_WITHIN: Duration = Duration::seconds(30);
/// How long a job lease holds without renewal: a dead holder's jobs move to another node
/// after at most this long.
pub const JOB_LEASE: Duration = Duration::seconds(60);
/// Rows of nodes not seen for this long are deleted.
pub const FORGET_AFTER: Duration = Duration::days(1);

/// This process as one of the replicas. Cheap to clone; clones share the live count.
#[derive(Clone, Debug)]
pub struct Node {
    id: Arc<str>,
    live: Arc<AtomicUsize>,
}

impl Default for Node {
    fn default() -> Self {
        Node::new()
    }
}

impl Node {
    /// A node with a fresh random id; alone (1 live node) until its first heartbeat.
    pub fn new() -> Node {
        Node {
            id: format!(
                "{:016x}{:08x}",
                rand::random::<u64>(),
                rand::random::<u32>()
            )
            .into(),
            live: Arc::new(AtomicUsize::new(1)),
        }
    }

    /// The node's id (random, 24 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Live nodes at the last heartbeat (this one included; 1 before any heartbeat).
    pub fn live_nodes(&self) -> usize {
        self.live.load(Ordering::Relaxed).max(1)
    }

    /// This node's part of a limit shared by the live nodes: `ceil(limit / live)`, at least 1.
    pub fn share(&self, limit: i64) -> i64 {
        let n = i64::try_from(self.live_nodes()).unwrap_or(i64::MAX);
        let limit = limit.max(1);
        (limit / n + i64::from(limit % n != 0)).max(1)
    }

    /// Registers or renews this node's row, deletes rows of nodes long gone, and counts the
    /// live nodes (remembered for [`Node::share`]).
    pub async fn heartbeat(
        &self,
        db: &Db,
        listen: &str,
        version: &str,
        started: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<usize, Error> {
        let mut tx = db.write().await?;
        tx.execute(
            "INSERT INTO nodes (node_id, listen, version, started_at, last_seen) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (node_id) DO UPDATE SET listen = excluded.listen, version = excluded.version, last_seen = excluded.last_seen",
            args![self.id(), listen, version, started, now],
        )
        .await?;
        tx.execute(
            "DELETE FROM nodes WHERE last_seen < $1",
            args![now - FORGET_AFTER],
        )
        .await?;
        let (n,): (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM nodes WHERE last_seen >= $1 OR node_id = $2",
                args![now - LIVE_WITHIN, self.id()],
            )
            .await?;
        tx.commit().await?;
        let n = usize::try_from(n).unwrap_or(1).max(1);
        self.live.store(n, Ordering::Relaxed);
        Ok(n)
    }

    /// Deletes this node's row (a clean stop): the others stop counting it at once.
    pub async fn leave(&self, db: &Db) -> Result<(), Error> {
        let mut tx = db.write().await?;
        tx.execute("DELETE FROM nodes WHERE node_id = $1", args![self.id()])
            .await?;
        tx.commit().await
    }

    /// Takes or renews the lease of periodic job `job` until `now + ttl`: true when this node
    /// holds it now (it was free, lapsed, or already this node's), false when another live
    /// holder has it.
    pub async fn take_lease(
        &self,
        db: &Db,
        job: &str,
        ttl: Duration,
        now: OffsetDateTime,
    ) -> Result<bool, Error> {
        let mut tx = db.write().await?;
        let n = tx
            .execute(
                "INSERT INTO job_leases (job, holder, lease_until, taken_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until, \
                 taken_at = CASE WHEN job_leases.holder = excluded.holder THEN job_leases.taken_at ELSE excluded.taken_at END \
                 WHERE job_leases.holder = excluded.holder OR job_leases.lease_until < excluded.taken_at",
                args![job, self.id(), now + ttl, now],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The holder of job `job`'s lease, if it has not lapsed at `now`.
    pub async fn lease_holder(
        db: &Db,
        job: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, Error> {
        let mut c = db.clone();
        let row: Option<(String,)> = c
            .fetch_optional(
                "SELECT holder FROM job_leases WHERE job = $1 AND lease_until >= $2",
                args![job, now],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Gives up every lease this node holds (a clean stop): another node takes the jobs at its
    /// next try instead of waiting for the leases to lapse.
    pub async fn release_all(&self, db: &Db) -> Result<u64, Error> {
        let mut tx = db.write().await?;
        let n = tx
            .execute("DELETE FROM job_leases WHERE holder = $1", args![self.id()])
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_live(n: usize) -> Node {
        let node = Node::new();
        node.live.store(n, Ordering::Relaxed);
        node
    }

    #[test]
    fn a_limit_is_split_rounding_up() {
        assert_eq!(with_live(1).share(60), 60);
        assert_eq!(with_live(2).share(60), 30);
        assert_eq!(with_live(7).share(60), 9);
        assert_eq!(with_live(3).share(1), 1);
        assert_eq!(with_live(0).share(10), 10);
        assert_eq!(with_live(2).share(0), 1);
    }

    #[test]
    fn node_ids_differ() {
        let (a, b) = (Node::new(), Node::new());
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 24);
        assert_eq!(a.clone().id(), a.id());
    }
}
