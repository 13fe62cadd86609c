//! Two nodes on one database: the job leases give a job to exactly one of them, a lapsed lease
//! moves to the other, and the heartbeat counts the live nodes. Runs on PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set.

use time::Duration;
use time::macros::datetime;
use yiwang_store::cluster::{JOB_LEASE, LIVE_WITHIN, Node};
use yiwang_store::testing::TestDb;

#[tokio::test]
async fn one_node_holds_a_job_and_another_takes_it_over_when_the_lease_lapses() {
    let t = TestDb::new().await.unwrap();
    let (a, b) = (Node::new(), Node::new());
    let t0 = datetime!(2026-12-07 10:00 UTC);
    assert!(
        a.take_lease(&t.db, "deadline_sweep", JOB_LEASE, t0)
            .await
            .unwrap()
    );
    assert!(
        !b.take_lease(&t.db, "deadline_sweep", JOB_LEASE, t0)
            .await
            .unwrap()
    );
    // Another job is free.
    assert!(
        b.take_lease(&t.db, "kpi_refresh", JOB_LEASE, t0)
            .await
            .unwrap()
    );
    // The holder renews; the other keeps failing while the renewed lease holds.
    for s in [10, 20, 50, 90] {
        let now = t0 + Duration::seconds(s);
        assert!(
            a.take_lease(&t.db, "deadline_sweep", JOB_LEASE, now)
                .await
                .unwrap()
        );
        assert!(
            !b.take_lease(&t.db, "deadline_sweep", JOB_LEASE, now)
                .await
                .unwrap()
        );
    }
    assert_eq!(
        Node::lease_holder(&t.db, "deadline_sweep", t0 + Duration::seconds(90))
            .await
            .unwrap()
            .as_deref(),
        Some(a.id())
    );
    // A stops renewing (it died at +90 s): its lease runs to +150 s, then B takes the job.
    let at = t0 + Duration::seconds(90) + JOB_LEASE;
    assert!(
        !b.take_lease(&t.db, "deadline_sweep", JOB_LEASE, at)
            .await
            .unwrap()
    );
    let later = at + Duration::seconds(1);
    assert!(
        b.take_lease(&t.db, "deadline_sweep", JOB_LEASE, later)
            .await
            .unwrap()
    );
    // A comes back: the job is B's now.
    assert!(
        !a.take_lease(&t.db, "deadline_sweep", JOB_LEASE, later)
            .await
            .unwrap()
    );
    // B stops cleanly: its leases are released at once and A takes them at its next try.
    assert_eq!(b.release_all(&t.db).await.unwrap(), 2);
    assert!(
        a.take_lease(&t.db, "deadline_sweep", JOB_LEASE, later)
            .await
            .unwrap()
    );
    assert!(
        a.take_lease(&t.db, "kpi_refresh", JOB_LEASE, later)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn nodes_asking_at_the_same_instant_get_one_lease() {
    let t = TestDb::new().await.unwrap();
    let now = datetime!(2026-12-07 10:00 UTC);
    let nodes: Vec<Node> = (0..8).map(|_| Node::new()).collect();
    for round in 0..5 {
        let at = now + JOB_LEASE * (2 * round) + Duration::seconds(1);
        let tries = nodes.iter().map(|n| {
            let (n, db) = (n.clone(), t.db.clone());
            tokio::spawn(async move { n.take_lease(&db, "supervision_scan", JOB_LEASE, at).await })
        });
        let mut won = 0;
        for h in tries.collect::<Vec<_>>() {
            if h.await.unwrap().unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1, "round {round}: exactly one node holds the job");
    }
}

#[tokio::test]
async fn the_heartbeat_counts_live_nodes_and_splits_limits() {
    let t = TestDb::new().await.unwrap();
    let (a, b) = (Node::new(), Node::new());
    let t0 = datetime!(2026-12-07 10:00 UTC);
    assert_eq!(a.live_nodes(), 1);
    assert_eq!(
        a.heartbeat(&t.db, "10.0.0.1:8080", "0.1", t0, t0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        b.heartbeat(&t.db, "10.0.0.2:8080", "0.1", t0, t0)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        a.heartbeat(&t.db, "10.0.0.1:8080", "0.1", t0, t0)
            .await
            .unwrap(),
        2
    );
    assert_eq!((a.share(60), b.share(60)), (30, 30));
    // B stops beating: after LIVE_WITHIN, A counts itself alone again and has the whole rate.
    let later = t0 + LIVE_WITHIN + Duration::seconds(1);
    assert_eq!(
        a.heartbeat(&t.db, "10.0.0.1:8080", "0.1", t0, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(a.share(60), 60);
    // B comes back; then leaves cleanly.
    assert_eq!(
        b.heartbeat(&t.db, "10.0.0.2:8080", "0.1", t0, later)
            .await
            .unwrap(),
        2
    );
    b.leave(&t.db).await.unwrap();
    assert_eq!(
        a.heartbeat(&t.db, "10.0.0.1:8080", "0.1", t0, later)
            .await
            .unwrap(),
        1
    );
}
