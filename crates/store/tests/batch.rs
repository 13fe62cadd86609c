//! Shared write transactions (`yiwang_store::batch`): items handed in at the same moment are
//! written together, each caller gets its own outcome once it is committed, and a batch that
//! fails is written again one item at a time so that only the bad item is refused. Runs on
//! PostgreSQL too when YIWANG_TEST_DATABASE_URL is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};

use yiwang_kernel::Result;
use yiwang_store::batch::{GroupWriter, Written};
use yiwang_store::testing::TestDb;
use yiwang_store::{Conn, Db, DbOptions, Tx, args};

/// Transactions the writer function was called with (all tests in this file share it; each
/// test reads how much it moved).
static TRANSACTIONS: AtomicU64 = AtomicU64::new(0);

/// Writes each item as a row of `bw` and answers its square; an item that is negative makes
/// the whole transaction fail (a row that breaks the table's `CHECK`).
fn write_rows<'a>(tx: Tx, items: &'a [&'a i64]) -> Written<'a, i64> {
    Box::pin(async move {
        let mut tx = tx;
        TRANSACTIONS.fetch_add(1, Ordering::SeqCst);
        for n in items {
            tx.execute("INSERT INTO bw (n) VALUES ($1)", args![**n])
                .await?;
        }
        tx.commit().await?;
        Ok(items.iter().map(|n| **n * **n).collect::<Vec<_>>())
    })
}

async fn table(db: &Db) {
    db.clone()
        .execute(
            "CREATE TABLE bw (n BIGINT PRIMARY KEY CHECK (n >= 0))",
            args![],
        )
        .await
        .unwrap();
}

async fn rows(db: &Db) -> Vec<i64> {
    let got: Vec<(i64,)> = db
        .clone()
        .fetch_all("SELECT n FROM bw ORDER BY n", args![])
        .await
        .unwrap();
    got.into_iter().map(|(n,)| n).collect()
}

/// Hands `items` to `w` from one task each, all at once; their outcomes in the same order.
async fn all_at_once(w: &GroupWriter<i64, i64>, db: &Db, items: &[i64]) -> Vec<Result<i64>> {
    let tasks: Vec<_> = items
        .iter()
        .map(|n| {
            let (w, db, n) = (w.clone(), db.clone(), *n);
            tokio::spawn(async move { w.write(&db, n).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_handed_in_together_share_transactions_and_get_their_own_outcomes() {
    let t = TestDb::new().await.unwrap();
    table(&t.db).await;
    let w: GroupWriter<i64, i64> = GroupWriter::new(16, write_rows);
    let before = TRANSACTIONS.load(Ordering::SeqCst);
    let items: Vec<i64> = (0..64).collect();
    let out = all_at_once(&w, &t.db, &items).await;
    for (n, o) in items.iter().zip(&out) {
        assert_eq!(o.as_ref().unwrap(), &(n * n), "the outcome of {n}");
    }
    assert_eq!(rows(&t.db).await, items, "every item written once");
    let used = TRANSACTIONS.load(Ordering::SeqCst) - before;
    assert!(used < 64, "64 items took {used} transactions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_item_is_refused_alone_and_its_neighbours_are_written() {
    let t = TestDb::new().await.unwrap();
    table(&t.db).await;
    let w: GroupWriter<i64, i64> = GroupWriter::new(16, write_rows);
    let items: Vec<i64> = (100..132).chain([-1]).chain(132..164).collect();
    let out = all_at_once(&w, &t.db, &items).await;
    for (n, o) in items.iter().zip(&out) {
        match (n, o) {
            (-1, Err(_)) => {}
            (-1, Ok(v)) => panic!("the bad item was written: {v}"),
            (n, Ok(v)) => assert_eq!(*v, n * n),
            (n, Err(e)) => panic!("{n} was refused with its bad neighbour: {e:?}"),
        }
    }
    let expected: Vec<i64> = (100..164).collect();
    assert_eq!(rows(&t.db).await, expected);
}

#[tokio::test]
async fn a_writer_whose_runtime_ended_writes_in_the_caller() {
    let t = TestDb::new().await.unwrap();
    table(&t.db).await;
    let w: GroupWriter<i64, i64> = GroupWriter::new(4, write_rows);
    // Start the writer tasks on a runtime that then ends.
    let (w2, url, schema) = (w.clone(), t.url.clone(), t.schema.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let opts = DbOptions {
                pg_schema: schema,
                ..DbOptions::default()
            };
            let db = Db::connect(&url, opts).await.unwrap();
            assert_eq!(w2.write(&db, 7).await.unwrap(), 49);
            db.close().await;
        });
    })
    .join()
    .unwrap();
    // Its queue now leads nowhere: the item is written here instead of being lost.
    assert_eq!(w.write(&t.db, 8).await.unwrap(), 64);
    assert_eq!(rows(&t.db).await, vec![7, 8]);
}
