//! Group commit: concurrent writers are all acknowledged and all there after the database is
//! opened again; on SQLite their commits share syncs of the log, and a commit whose log cannot
//! be synced is reported as unavailable, never as done. Runs on PostgreSQL too when
//! YIWANG_TEST_DATABASE_URL is set (the SQLite-only tests always use a temporary SQLite file).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yiwang_kernel::ErrorCode;
use yiwang_store::testing::TestDb;
use yiwang_store::{Backend, Conn, Db, DbOptions, args};

const WRITERS: i64 = 32;
const EACH: i64 = 25;

async fn table(db: &Db) {
    let mut c = db.clone();
    c.execute(
        "CREATE TABLE gc (id BIGINT PRIMARY KEY, writer BIGINT NOT NULL, n BIGINT NOT NULL, note TEXT NOT NULL)",
        args![],
    )
    .await
    .unwrap();
}

async fn count(db: &Db) -> i64 {
    let (n,): (i64,) = db
        .clone()
        .fetch_one("SELECT COUNT(*) FROM gc", args![])
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_are_all_acknowledged_and_there_after_reopening() {
    let t = TestDb::new().await.unwrap();
    table(&t.db).await;
    let before = t.db.group_stats();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = t.db.clone();
            tokio::spawn(async move {
                for n in 0..EACH {
                    let mut tx = db.write().await.unwrap();
                    // Read, then write, as the domain's transactions do.
                    let (seen,): (i64,) = tx
                        .fetch_one("SELECT COUNT(*) FROM gc WHERE writer = $1", args![w])
                        .await
                        .unwrap();
                    assert_eq!(seen, n, "writer {w} sees its own earlier commits");
                    tx.execute(
                        "INSERT INTO gc (id, writer, n, note) VALUES ($1, $2, $3, $4)",
                        args![w * 1000 + n, w, n, format!("受理 {w}-{n}")],
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(count(&t.db).await, WRITERS * EACH);
    if let (Some((c0, s0)), Some((c1, s1))) = (before, t.db.group_stats()) {
        let (commits, syncs) = (c1 - c0, s1 - s0);
        assert_eq!(
            commits as i64,
            WRITERS * EACH,
            "every commit waited for a sync"
        );
        assert!(
            (1..=commits).contains(&syncs),
            "{commits} commits, {syncs} syncs"
        );
        eprintln!("{commits} commits shared {syncs} syncs of the log");
    }

    // Opened again (SQLite: a new pool on the same file, the log replayed if need be).
    t.db.close().await;
    let again = Db::connect(
        &t.url,
        DbOptions {
            max_connections: 2,
            pg_schema: t.schema.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(count(&again).await, WRITERS * EACH, "{}", t.describe());
    let rows: Vec<(i64, i64, i64, String)> = again
        .clone()
        .fetch_all("SELECT id, writer, n, note FROM gc ORDER BY id", args![])
        .await
        .unwrap();
    for (id, w, n, note) in rows {
        assert_eq!(id, w * 1000 + n);
        assert_eq!(note, format!("受理 {w}-{n}"));
    }
    again.close().await;
}

#[tokio::test]
async fn only_transactions_and_statements_that_wrote_wait_for_a_sync() {
    let t = TestDb::sqlite().await.unwrap();
    let db = t.db.clone();
    table(&db).await;
    let stats = || db.group_stats().unwrap();
    let s = stats();
    // A write transaction that only read, and one rolled back: nothing to sync.
    let mut tx = db.write().await.unwrap();
    let _: Option<(i64,)> = tx
        .fetch_optional("SELECT id FROM gc WHERE id = 1", args![])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.write().await.unwrap();
    tx.execute(
        "INSERT INTO gc (id, writer, n, note) VALUES (1, 0, 0, '')",
        args![],
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    // Reads on the pool: nothing either.
    assert_eq!(count(&db).await, 0);
    assert_eq!(stats(), s);
    // A statement on the pool that writes (SQLite commits it on its own) waits, as does a
    // write transaction that wrote, and a `RETURNING` on the pool.
    db.clone()
        .execute(
            "INSERT INTO gc (id, writer, n, note) VALUES (1, 0, 0, '')",
            args![],
        )
        .await
        .unwrap();
    assert_eq!(stats().0, s.0 + 1);
    let mut tx = db.write().await.unwrap();
    tx.execute("UPDATE gc SET n = 1 WHERE id = 1", args![])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stats().0, s.0 + 2);
    let (id,): (i64,) = db
        .clone()
        .fetch_one(
            "INSERT INTO gc (id, writer, n, note) VALUES (2, 0, 0, '') RETURNING id",
            args![],
        )
        .await
        .unwrap();
    assert_eq!(id, 2);
    assert_eq!(stats().0, s.0 + 3);
    // `durable` asks for a sync of its own, which covers whatever the files hold.
    db.durable().await.unwrap();
    let (commits, syncs) = stats();
    assert_eq!(commits, s.0 + 4);
    assert!((s.1 + 1..=s.1 + 4).contains(&syncs), "{syncs}");
}

#[tokio::test]
async fn a_commit_whose_log_cannot_be_synced_is_not_acknowledged() {
    let t = TestDb::sqlite().await.unwrap();
    let db = t.db.clone();
    table(&db).await;
    let mut tx = db.write().await.unwrap();
    tx.execute(
        "INSERT INTO gc (id, writer, n, note) VALUES (1, 0, 0, 'kept')",
        args![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);

    // The log's name now leads nowhere (a symbolic link to itself), while SQLite keeps writing
    // through the descriptor it opened: the commit goes through in SQLite, but nothing can
    // prove it reached the disk.
    let dir = t.dir.as_ref().unwrap().path();
    let wal = dir.join("yiwang.db-wal");
    let moved = dir.join("moved-wal");
    std::fs::rename(&wal, &moved).unwrap();
    std::os::unix::fs::symlink(&wal, &wal).unwrap();

    let mut tx = db.write().await.unwrap();
    tx.execute(
        "INSERT INTO gc (id, writer, n, note) VALUES (2, 0, 0, 'unconfirmed')",
        args![],
    )
    .await
    .unwrap();
    let e = tx.commit().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
    assert!(format!("{e:?}").contains("group commit"), "{e:?}");
    assert_eq!(e.status(), 503);
    // `durable` too; a statement on the pool fails as well (in the sync, or in SQLite when the
    // pool opens a new connection, which cannot find the log either).
    assert_eq!(db.durable().await.unwrap_err().code, ErrorCode::Unavailable);
    let r = db
        .clone()
        .execute(
            "INSERT INTO gc (id, writer, n, note) VALUES (3, 0, 0, '')",
            args![],
        )
        .await;
    assert!(r.is_err(), "{r:?}");

    // The name back: nothing was lost (no sync failed), so commits are acknowledged again.
    std::fs::remove_file(&wal).unwrap();
    std::fs::rename(&moved, &wal).unwrap();
    let mut tx = db.write().await.unwrap();
    tx.execute(
        "INSERT INTO gc (id, writer, n, note) VALUES (4, 0, 0, 'again')",
        args![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (n,): (i64,) = db
        .clone()
        .fetch_one("SELECT COUNT(*) FROM gc WHERE id IN (1, 2, 4)", args![])
        .await
        .unwrap();
    assert_eq!(n, 3);
}

#[tokio::test]
async fn an_in_memory_database_needs_no_sync() {
    let db = Db::connect("sqlite::memory:", DbOptions::default())
        .await
        .unwrap();
    assert_eq!(db.group_stats(), None);
    db.durable().await.unwrap();
}

#[tokio::test]
async fn a_deferring_handle_commits_without_syncs_until_durable_is_asked() {
    let t = TestDb::sqlite().await.unwrap();
    let db = t.db.clone();
    table(&db).await;
    let s = db.group_stats().unwrap();
    let loader = db.deferring_syncs();
    assert_eq!(
        loader.group_stats(),
        None,
        "the loader's handle has no group sync"
    );
    for i in 0..20 {
        let mut tx = loader.write().await.unwrap();
        tx.execute(
            "INSERT INTO gc (id, writer, n, note) VALUES ($1, 0, $1, '装载')",
            args![i],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Visible at once, and not one of the twenty waited for a sync.
    assert_eq!(count(&db).await, 20);
    assert_eq!(db.group_stats().unwrap(), s);
    // Asking the ordinary handle for durability syncs the log once, for all of them.
    db.durable().await.unwrap();
    let (calls, syncs) = db.group_stats().unwrap();
    assert_eq!((calls, syncs), (s.0 + 1, s.1 + 1));
    // Writers through the ordinary handle still wait for theirs.
    let mut tx = db.write().await.unwrap();
    tx.execute(
        "INSERT INTO gc (id, writer, n, note) VALUES (100, 1, 0, '')",
        args![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.group_stats().unwrap().0, calls + 1);
}
