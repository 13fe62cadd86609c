//! `serve` as one of several replicas on one database (docs/replicas.md): the node's heartbeat
//! and the leases of the periodic jobs ([`yiwang_store::cluster`] holds the rule).
//!
//! Every replica runs the job loops of `serve`, but at each tick a loop first takes (or
//! renews) its job's lease ([`my_turn`]); only the holder runs the job. The heartbeat
//! ([`heartbeat`]) renews the node's row and every lease it can hold every 10 s, so a holder
//! keeps its jobs between ticks and a dead holder's jobs move to another replica within a
//! minute (they are also safe to run twice, see docs/replicas.md). The heartbeat also re-reads
//! the key file, so a data key rotated on another replica is used here within seconds. On a clean stop, once its
//! jobs have ended, the node releases its leases and leaves the node list ([`leave`]).

use std::sync::Arc;

use time::OffsetDateTime;
use yiwang_kernel::clock::Clock;
use yiwang_store::Db;
use yiwang_store::cluster::{HEARTBEAT_EVERY, JOB_LEASE, Node};

/// The periodic jobs of `serve`, each under its own lease.
pub const JOBS: &[&str] = &[
    APPEAL_REDATE,
    LICENCE_EXPIRY,
    DEADLINE_SWEEP,
    KPI_REFRESH,
    SUPERVISION_SCAN,
];
pub const APPEAL_REDATE: &str = "appeal_redate";
pub const LICENCE_EXPIRY: &str = "licence_expiry";
pub const DEADLINE_SWEEP: &str = "deadline_sweep";
pub const KPI_REFRESH: &str = "kpi_refresh";
pub const SUPERVISION_SCAN: &str = "supervision_scan";

/// Whether this node runs `job` now: takes or renews its lease. A database error counts as
/// "not my turn" (logged): the job waits for the next tick rather than risk running twice.
pub async fn my_turn(node: &Node, db: &Db, clock: &Arc<dyn Clock>, job: &str) -> bool {
    match node.take_lease(db, job, JOB_LEASE, clock.now()).await {
        Ok(mine) => mine,
        Err(e) => {
            tracing::warn!(job, error = %e, "cannot take the job's lease; skipping this run");
            false
        }
    }
}

/// One beat: renews the node's row (and counts the live nodes), then takes or renews the
/// lease of every job this node may hold. Answers the live nodes and the jobs held.
pub async fn beat(
    node: &Node,
    db: &Db,
    listen: &str,
    started: OffsetDateTime,
    now: OffsetDateTime,
) -> yiwang_kernel::Result<(usize, Vec<&'static str>)> {
    let live = node
        .heartbeat(db, listen, env!("CARGO_PKG_VERSION"), started, now)
        .await?;
    let mut held = Vec::new();
    for job in JOBS {
        if node.take_lease(db, job, JOB_LEASE, now).await? {
            held.push(*job);
        }
    }
    Ok((live, held))
}

/// The heartbeat loop: a beat every [`HEARTBEAT_EVERY`] until `stop` (then [`leave`], once
/// the jobs have reached their safe point).
pub async fn heartbeat(
    node: Node,
    db: Db,
    clock: Arc<dyn Clock>,
    keys: yiwang_identity::Keys,
    listen: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let started = clock.now();
    let every = std::time::Duration::from_secs(HEARTBEAT_EVERY.unsigned_abs().as_secs());
    let mut every = tokio::time::interval(every);
    let mut held_before: Vec<&'static str> = Vec::new();
    loop {
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            _ = every.tick() => {}
        }
        match beat(&node, &db, &listen, started, clock.now()).await {
            Ok((live, held)) => {
                yiwang_web::metrics::replicas(live, held.len());
                if held != held_before {
                    tracing::info!(node = node.id(), live, jobs = ?held, "periodic jobs held by this node");
                    held_before = held;
                }
            }
            Err(e) => tracing::warn!(error = %e, "node heartbeat failed"),
        }
        // Another replica may have rotated the data key: seal under the new one from now on.
        match keys.refresh() {
            Ok(true) => {
                tracing::info!(key = %keys.current_key_id(), "data key rotated elsewhere; using the new key")
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot re-read the key file"),
        }
    }
}

/// A clean stop, after the job loops have ended: releases this node's leases (another replica
/// takes the jobs at its next beat instead of waiting for them to lapse) and leaves the node
/// list (the others count one node fewer at once).
pub async fn leave(node: &Node, db: &Db) {
    if let Err(e) = node.release_all(db).await {
        tracing::warn!(error = %e, "cannot release the job leases");
    }
    if let Err(e) = node.leave(db).await {
        tracing::warn!(error = %e, "cannot remove the node from the node list");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;
    use yiwang_kernel::clock::FixedClock;
    use yiwang_store::testing::TestDb;

    /// Two replicas beating on one database: the first holds every job, the second none; the
    /// first dies and the second has them all once the leases lapse.
    #[tokio::test]
    async fn jobs_run_on_one_replica_and_move_when_it_dies() {
        let t = TestDb::new().await.unwrap();
        let t0 = datetime!(2026-12-07 10:00 UTC);
        let (a, b) = (Node::new(), Node::new());
        let (live, held) = beat(&a, &t.db, "a", t0, t0).await.unwrap();
        assert_eq!((live, held.len()), (1, JOBS.len()));
        let (live, held) = beat(&b, &t.db, "b", t0, t0).await.unwrap();
        assert_eq!((live, held.len()), (2, 0));
        // At each tick exactly one of them runs each job.
        let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(t0 + Duration::seconds(5)));
        for job in JOBS {
            assert!(my_turn(&a, &t.db, &clock, job).await);
            assert!(!my_turn(&b, &t.db, &clock, job).await);
        }
        // A stops beating; B's beats fail to take the jobs until the leases lapse.
        let mut now = t0 + Duration::seconds(5);
        let mut taken = None;
        while now < t0 + Duration::minutes(5) {
            now += HEARTBEAT_EVERY;
            let (_, held) = beat(&b, &t.db, "b", t0, now).await.unwrap();
            if !held.is_empty() {
                assert_eq!(held.len(), JOBS.len());
                taken = Some(now);
                break;
            }
        }
        let taken = taken.unwrap();
        assert!(taken > t0 + Duration::seconds(5) + JOB_LEASE);
        assert!(taken <= t0 + Duration::seconds(5) + JOB_LEASE + HEARTBEAT_EVERY);
        // B alone now (A not seen for 30 s).
        let (live, _) = beat(&b, &t.db, "b", t0, taken).await.unwrap();
        assert_eq!(live, 1);
        let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(taken));
        assert!(!my_turn(&a, &t.db, &clock, DEADLINE_SWEEP).await);
        assert!(my_turn(&b, &t.db, &clock, DEADLINE_SWEEP).await);
    }
}
