//! The chain against a real database (SQLite, or PostgreSQL with YIWANG_TEST_DATABASE_URL):
//! every kind of direct tampering is detected and the first bad entry is named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::macros::datetime;
use yiwang_audit::{Entry, Verdict, head, record_all, record_now, verify};
use yiwang_kernel::auth::Actor;
use yiwang_store::testing::TestDb;
use yiwang_store::{Backend, Conn, Db, args};

/// Five entries, and the triggers that keep the application from changing them dropped, as
/// someone with the database owner's rights could.
async fn log_of_five() -> TestDb {
    let t = TestDb::new().await.unwrap();
    let actor = Actor::system("test");
    for i in 1..=5 {
        let e = Entry::success(&actor, "org.department.create", format!("department:{i}"))
            .reason("测试");
        record_now(&t.db, &e, datetime!(2026-11-22 02:00 UTC))
            .await
            .unwrap();
    }
    assert!(matches!(
        verify(&t.db, None).await.unwrap(),
        Verdict::Intact { entries: 5, .. }
    ));
    t
}

async fn drop_guards(db: &Db) {
    let mut c = db.clone();
    let stmts: &[&str] = match db.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER tr_audit_log_no_update",
            "DROP TRIGGER tr_audit_log_no_delete",
        ],
        Backend::Postgres => &["ALTER TABLE audit_log DISABLE TRIGGER USER"],
    };
    for s in stmts {
        c.execute(s, args![]).await.unwrap();
    }
}

fn broken_at(v: Verdict) -> (i64, String) {
    match v {
        Verdict::Broken { seq, problem } => (seq, problem),
        Verdict::Intact { .. } => panic!("tampering not detected"),
    }
}

#[tokio::test]
async fn the_application_cannot_change_or_remove_entries() {
    let t = log_of_five().await;
    let mut c = t.db.clone();
    assert!(
        c.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", args![])
            .await
            .is_err()
    );
    assert!(
        c.execute("DELETE FROM audit_log WHERE seq = 2", args![])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_altered_entry_is_named() {
    let t = log_of_five().await;
    drop_guards(&t.db).await;
    let mut c = t.db.clone();
    c.execute(
        "UPDATE audit_log SET object = 'department:99' WHERE seq = 3",
        args![],
    )
    .await
    .unwrap();
    let (seq, problem) = broken_at(verify(&t.db, None).await.unwrap());
    assert_eq!(seq, 3);
    assert!(problem.contains("altered"), "{problem}");
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    let t = log_of_five().await;
    drop_guards(&t.db).await;
    let mut c = t.db.clone();
    c.execute("DELETE FROM audit_log WHERE seq = 2", args![])
        .await
        .unwrap();
    let (seq, problem) = broken_at(verify(&t.db, None).await.unwrap());
    assert_eq!(seq, 2);
    assert!(problem.contains("deleted"), "{problem}");
    // The last entry too (the head still remembers it).
    let t = log_of_five().await;
    drop_guards(&t.db).await;
    let mut c = t.db.clone();
    c.execute("DELETE FROM audit_log WHERE seq = 5", args![])
        .await
        .unwrap();
    assert_eq!(broken_at(verify(&t.db, None).await.unwrap()).0, 5);
}

#[tokio::test]
async fn an_inserted_entry_is_named() {
    let t = log_of_five().await;
    let mut c = t.db.clone();
    // A forged entry copied from entry 5, appended as 6 without a valid hash.
    c.execute(
        "INSERT INTO audit_log (seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash) \
         SELECT 6, at, actor, acting_for, action, 'department:66', outcome, source, reason, data, hash, hash FROM audit_log WHERE seq = 5",
        args![],
    )
    .await
    .unwrap();
    assert_eq!(broken_at(verify(&t.db, None).await.unwrap()).0, 6);
    // An entry slipped in between (renumbering the rest) breaks the chain where it went in.
    let t = log_of_five().await;
    drop_guards(&t.db).await;
    let mut c = t.db.clone();
    for seq in (3..=5).rev() {
        c.execute(
            "UPDATE audit_log SET seq = $1 WHERE seq = $2",
            args![seq + 1, seq],
        )
        .await
        .unwrap();
    }
    c.execute(
        "INSERT INTO audit_log (seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash) \
         SELECT 3, at, actor, acting_for, action, 'department:33', outcome, source, reason, data, hash, hash FROM audit_log WHERE seq = 2",
        args![],
    )
    .await
    .unwrap();
    assert_eq!(broken_at(verify(&t.db, None).await.unwrap()).0, 3);
}

#[tokio::test]
async fn a_rewritten_log_fails_against_an_exported_head() {
    let t = log_of_five().await;
    let mut c = t.db.clone();
    let h = head(&mut c).await.unwrap();
    assert_eq!(h.seq, 5);
    assert!(matches!(
        verify(&t.db, Some((h.seq, &h.hash))).await.unwrap(),
        Verdict::Intact { .. }
    ));
    // Someone rewrites entry 5 and recomputes the chain and the head consistently: only the
    // exported anchor tells.
    drop_guards(&t.db).await;
    let r: yiwang_audit::Record = c
        .fetch_one(
            "SELECT seq, at, actor, acting_for, action, object, outcome, source, reason, data, prev_hash, hash FROM audit_log WHERE seq = 5",
            args![],
        )
        .await
        .unwrap();
    let forged = yiwang_audit::Record {
        object: "department:55".into(),
        ..r
    };
    let new_hash = yiwang_audit::chain_hash(&forged);
    c.execute(
        "UPDATE audit_log SET object = $1, hash = $2 WHERE seq = 5",
        args!["department:55", &new_hash],
    )
    .await
    .unwrap();
    c.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        args![&new_hash],
    )
    .await
    .unwrap();
    assert!(matches!(
        verify(&t.db, None).await.unwrap(),
        Verdict::Intact { .. }
    ));
    let (seq, problem) = broken_at(verify(&t.db, Some((h.seq, &h.hash))).await.unwrap());
    assert_eq!(seq, 5);
    assert!(problem.contains("anchor"), "{problem}");
}

/// A group of entries appended with one advance of the head chains exactly like single
/// appends: consecutive sequence numbers, each with its own time, and the chain verifies
/// across single and grouped appends; an entry outside the catalog fails the whole group.
#[tokio::test]
async fn a_group_of_entries_chains_like_single_appends() {
    let t = log_of_five().await;
    let actor = Actor::system("test");
    let group: Vec<(Entry, time::OffsetDateTime)> = (0..3)
        .map(|i| {
            (
                Entry::success(&actor, "org.department.create", format!("department:g{i}")),
                datetime!(2026-11-22 03:00 UTC) + time::Duration::seconds(i),
            )
        })
        .collect();
    let mut tx = t.db.write().await.unwrap();
    let seqs = record_all(&mut tx, &group).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(seqs, [6, 7, 8]);
    let one = Entry::success(&actor, "org.department.create", "department:after");
    record_now(&t.db, &one, datetime!(2026-11-22 04:00 UTC))
        .await
        .unwrap();
    assert!(matches!(
        verify(&t.db, None).await.unwrap(),
        Verdict::Intact { entries: 9, .. }
    ));
    let mut c = t.db.clone();
    let (at,): (time::OffsetDateTime,) = c
        .fetch_one("SELECT at FROM audit_log WHERE seq = 8", args![])
        .await
        .unwrap();
    assert_eq!(at, datetime!(2026-11-22 03:00:02 UTC));
    assert_eq!(head(&mut c).await.unwrap().seq, 9);

    let bad = vec![
        group[0].clone(),
        (Entry::success(&actor, "no.such.event", "x"), group[0].1),
    ];
    let mut tx = t.db.write().await.unwrap();
    assert!(record_all(&mut tx, &bad).await.is_err());
    drop(tx);
    assert_eq!(head(&mut c).await.unwrap().seq, 9);
}
