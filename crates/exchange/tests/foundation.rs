//! The exchange foundation against a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set): a resource registered and published, its published version
//! frozen by the database too, and rows kept with history ("current", "as of", scan).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_exchange::fixtures;
use yiwang_exchange::repo::{resources, rows};
use yiwang_exchange::{ExchangeService, ShareType, VersionStatus};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

async fn env() -> (TestDb, ExchangeService, i64, Arc<FixedClock>) {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 02:00 UTC)));
    let org = OrgService::new(t.db.clone(), clock.clone());
    let d = org
        .create_department(
            &Ctx::system("test"),
            &DepartmentInput {
                uscc: Uscc::from_body("11440800MB2C0000X").unwrap().to_string(),
                name: "湛江市公安局".into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: "0759-3100001".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let svc = ExchangeService::new(
        t.db.clone(),
        clock.clone(),
        yiwang_identity::Keys::ephemeral().unwrap(),
    );
    (t, svc, d.id, clock)
}

fn steward(department_id: i64) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 9,
            username: "steward".into(),
            name: "数据专员".into(),
            department_id,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![Role::DataSteward],
        }),
        "127.0.0.1",
    )
}

#[tokio::test]
async fn a_published_version_is_frozen_and_a_steward_cannot_publish() {
    let (t, svc, dept, _) = env().await;
    let r = svc
        .register(
            &steward(dept),
            &yiwang_exchange::NewResource {
                classification: "101001".into(),
                sequence: None,
                department_id: dept,
                meta: fixtures::population_meta(ShareType::Conditional),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.code.as_str(), "101001/000001");
    assert_eq!(r.status, VersionStatus::Draft);
    let e = svc.publish(&steward(dept), r.id, 1).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let p = svc.publish(&Ctx::system("test"), r.id, 1).await.unwrap();
    assert_eq!(p.status, VersionStatus::Published);
    assert_eq!(p.publish_date, Some(time::macros::date!(2026 - 11 - 20)));
    // The database refuses a change to the published metadata as well as the service would.
    let mut db = t.db.clone();
    let changed = resources::update_draft(&mut db, r.id, 1, &p.meta, None)
        .await
        .unwrap();
    assert!(!changed);
    let raw = yiwang_store::Conn::execute(
        &mut db,
        "UPDATE exchange_resource_versions SET name = 'x' WHERE resource_id = $1",
        yiwang_store::args![r.id],
    )
    .await;
    assert!(raw.is_err(), "the trigger refuses");
    // A conditional resource without a basis is refused, naming the field.
    let mut bad = fixtures::population_meta(ShareType::Conditional);
    bad.share_basis.clear();
    let e = svc
        .register(
            &steward(dept),
            &yiwang_exchange::NewResource {
                classification: "101001".into(),
                sequence: None,
                department_id: dept,
                meta: bad,
            },
        )
        .await
        .unwrap_err();
    assert!(e.fields.iter().any(|f| f.field == "share_basis"), "{e:?}");
}

#[tokio::test]
async fn rows_keep_their_history_and_answer_as_of() {
    let (t, svc, dept, _) = env().await;
    let r = fixtures::published(
        &svc,
        dept,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let seal = svc.seal();
    let mut db = t.db.clone();
    let t1 = datetime!(2026-11-01 00:00 UTC);
    let t2 = datetime!(2026-11-10 00:00 UTC);
    let old = r#"{"id_number":"440802199001011234","name":"张三"}"#;
    let new = r#"{"id_number":"440802199001011234","name":"张叁"}"#;
    const A: &str = "440802199001011234";
    const B: &str = "440802199001021234";
    rows::insert(&mut db, seal, r.id, A, t1, 1, old)
        .await
        .unwrap();
    rows::insert(&mut db, seal, r.id, B, t1, 1, old)
        .await
        .unwrap();
    assert!(rows::close(&mut db, seal, r.id, A, t2).await.unwrap());
    rows::insert(&mut db, seal, r.id, A, t2, 2, new)
        .await
        .unwrap();

    let cur = rows::current(&mut db, seal, r.id, A)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cur.row_key, A);
    assert_eq!(cur.values().unwrap()["name"], "张叁");
    let before = rows::as_of(&mut db, seal, r.id, A, datetime!(2026-11-05 00:00 UTC))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.values().unwrap()["name"], "张三");
    assert!(
        rows::as_of(&mut db, seal, r.id, A, datetime!(2026-10-01 00:00 UTC))
            .await
            .unwrap()
            .is_none()
    );
    let history = rows::history(&mut db, seal, r.id, A).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|h| h.row_key == A));
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 2);
    // Keyset paging runs in blind-index order; the cursor is the index.
    let page = rows::scan(&mut db, seal, r.id, None, None, 1)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].index, seal.index(&page[0].row_key).unwrap());
    let next = rows::scan(&mut db, seal, r.id, Some(&page[0].index), None, 10)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    let mut both = vec![page[0].row_key.clone(), next[0].row_key.clone()];
    both.sort();
    assert_eq!(both, [A, B]);
    assert!(page[0].index < next[0].index);
    let old_scan = rows::scan(
        &mut db,
        seal,
        r.id,
        None,
        Some(datetime!(2026-11-05 00:00 UTC)),
        10,
    )
    .await
    .unwrap();
    assert_eq!(old_scan.len(), 2);
    assert!(
        old_scan
            .iter()
            .all(|s| s.values().unwrap()["name"] == "张三")
    );

    // At rest: no ID number, name or bare SM3 digest in the table; the key is its blind index.
    let raw = yiwang_exchange::repo::seal::at_rest(&mut db, r.id)
        .await
        .unwrap();
    assert_eq!(raw.len(), 3);
    let bare = yiwang_exchange::package::sm3_hex(old.as_bytes());
    for (k, d, data) in &raw {
        for clear in [A, B, "张三", "张叁", bare.as_str()] {
            assert!(
                !k.contains(clear) && !d.contains(clear) && !data.contains(clear),
                "{clear} stored in clear"
            );
        }
        assert!(data.starts_with("v1."), "{data}");
        assert!([seal.index(A).unwrap(), seal.index(B).unwrap()].contains(k));
    }
    // Another node's keys read nothing.
    let other =
        yiwang_exchange::repo::rows::RowSeal::new(yiwang_identity::Keys::ephemeral().unwrap());
    assert!(
        rows::current(&mut db, &other, r.id, A)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_key_rotation_rewraps_the_sealed_rows() {
    use yiwang_identity::{IdentityConfig, IdentityService, SealedData};
    let (t, svc, dept, clock) = env().await;
    let r = fixtures::published(
        &svc,
        dept,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let seal = svc.seal();
    let mut db = t.db.clone();
    let t1 = datetime!(2026-11-01 00:00 UTC);
    let data = r#"{"id_number":"440802199001011234","name":"张三"}"#;
    for n in 0..7 {
        let key = format!("44080219900101{n:04}");
        rows::insert(&mut db, seal, r.id, &key, t1, 1, data)
            .await
            .unwrap();
    }
    let keys = seal.keys().clone();
    let before = keys.current_key_id();
    // The identity's rotation rewraps the rows through the hook, in batches of 3.
    let identity = IdentityService::new(
        t.db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    )
    .with_sealed_data(Arc::new(svc.clone()));
    let admin = Ctx::new(
        Actor::Staff(Staff {
            user_id: 1,
            username: "security".into(),
            name: "安全管理员".into(),
            department_id: dept,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![Role::SecurityAdmin],
        }),
        "127.0.0.1",
    );
    let (after, n) = identity.rotate_keys(&admin).await.unwrap();
    assert_ne!(after, before);
    assert!(n >= 7, "{n}");
    let stored = yiwang_exchange::repo::seal::at_rest(&mut db, r.id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 7);
    let prefix = format!("v1.{after}.");
    assert!(
        stored.iter().all(|(_, _, d)| d.starts_with(&prefix)),
        "{stored:?}"
    );
    // Still readable, still found by key; a second pass has nothing left to do.
    let row = rows::current(&mut db, seal, r.id, "440802199001010003")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.values().unwrap()["name"], "张三");
    assert_eq!(SealedData::rewrap(&svc, 3).await.unwrap(), 0);
    // Rotated again: the exchange's own rewrap, in batches smaller than the table.
    keys.rotate().unwrap();
    assert_eq!(SealedData::rewrap(&svc, 3).await.unwrap(), 7);
}

#[tokio::test]
async fn a_grant_is_active_only_within_its_period_and_until_revoked() {
    use yiwang_exchange::repo::grants::{self, NewGrant};
    let (t, svc, dept, _) = env().await;
    let r = fixtures::published(
        &svc,
        dept,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await
    .unwrap();
    let mut db = t.db.clone();
    let fields = vec!["id_number".to_string(), "name".to_string()];
    let from = datetime!(2026-11-01 00:00 UTC);
    let to = datetime!(2026-12-01 00:00 UTC);
    let id = grants::insert(
        &mut db,
        &NewGrant {
            resource_id: r.id,
            consumer_department_id: 77,
            request_id: None,
            fields: &fields,
            purpose: "核验",
            valid_from: from,
            valid_to: to,
            rate_per_minute: 60,
        },
        "system:test",
        from,
    )
    .await
    .unwrap();
    let inside = datetime!(2026-11-15 00:00 UTC);
    let g = active(&mut db, 77, &r, inside).await.unwrap().unwrap();
    assert_eq!(g.id, id);
    assert_eq!(g.field_names().unwrap(), fields);
    assert!(g.active_at(inside) && !g.active_at(to));
    assert!(
        active(&mut db, 77, &r, to).await.unwrap().is_none(),
        "the end is exclusive"
    );
    assert!(
        active(&mut db, 78, &r, inside).await.unwrap().is_none(),
        "another department"
    );
    assert!(
        grants::revoke(&mut db, id, "system:test", "不再需要", inside)
            .await
            .unwrap()
    );
    assert!(
        !grants::revoke(&mut db, id, "system:test", "again", inside)
            .await
            .unwrap()
    );
    assert!(active(&mut db, 77, &r, inside).await.unwrap().is_none());
}

/// The grant a consumer reads under, by both reads that decide it — by resource id (the
/// sharing pages) and by code with the published stamp (the data API's one read per call) —
/// which must agree.
async fn active(
    db: &mut yiwang_store::Db,
    consumer: i64,
    r: &yiwang_exchange::model::Resource,
    at: time::OffsetDateTime,
) -> yiwang_kernel::Result<Option<yiwang_exchange::repo::grants::GrantRow>> {
    use yiwang_exchange::repo::grants;
    let by_id = grants::active_for(db, consumer, r.id, at).await?;
    let (stamp, by_code) = grants::stamp_and_grant(db, r.code.as_str(), consumer, at)
        .await?
        .expect("published");
    assert_eq!(stamp.resource_id, r.id);
    assert_eq!(by_code, by_id, "the data API's read picks the same grant");
    let lookup = yiwang_exchange::repo::lookups::read(db, r.code.as_str(), consumer, at, "", None)
        .await?
        .expect("published");
    assert_eq!(lookup.stamp, stamp);
    assert_eq!(lookup.grant, by_id, "a lookup's read picks the same grant");
    Ok(by_id)
}

#[tokio::test]
async fn a_lookup_reads_stamp_grant_and_row_at_once_and_the_row_only_under_a_grant() {
    use yiwang_exchange::repo::grants::{self, NewGrant};
    use yiwang_exchange::repo::lookups;
    let (t, svc, dept, _) = env().await;
    let r = fixtures::published(
        &svc,
        dept,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await
    .unwrap();
    let seal = svc.seal();
    let mut db = t.db.clone();
    const A: &str = "440802199001011234";
    let (t1, t2) = (
        datetime!(2026-11-01 00:00 UTC),
        datetime!(2026-11-10 00:00 UTC),
    );
    rows::insert(&mut db, seal, r.id, A, t1, 1, r#"{"name":"张三"}"#)
        .await
        .unwrap();
    assert!(rows::close(&mut db, seal, r.id, A, t2).await.unwrap());
    rows::insert(&mut db, seal, r.id, A, t2, 2, r#"{"name":"张叁"}"#)
        .await
        .unwrap();
    let fields = vec!["name".to_string()];
    let id = grants::insert(
        &mut db,
        &NewGrant {
            resource_id: r.id,
            consumer_department_id: 77,
            request_id: None,
            fields: &fields,
            purpose: "核验",
            valid_from: t1,
            valid_to: datetime!(2026-12-01 00:00 UTC),
            rate_per_minute: 60,
        },
        "system:test",
        t1,
    )
    .await
    .unwrap();
    let now = datetime!(2026-11-15 00:00 UTC);
    let index = seal.index(A).unwrap();
    let code = r.code.as_str();
    let name = |read: &lookups::LookupRead| {
        read.row.clone().map(|row| {
            seal.open_for(A, row).unwrap().values().unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
    };

    // Now, and as of a time: the same rows `rows::current` and `rows::as_of` answer.
    let read = lookups::read(&mut db, code, 77, now, &index, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.stamp.resource_id, r.id);
    assert_eq!(read.grant.as_ref().map(|g| g.id), Some(id));
    assert_eq!(name(&read).as_deref(), Some("张叁"));
    let cur = rows::current(&mut db, seal, r.id, A)
        .await
        .unwrap()
        .unwrap();
    let opened = seal.open_for(A, read.row.clone().unwrap()).unwrap();
    assert_eq!(opened, cur);
    for (at, want) in [
        (datetime!(2026-11-05 00:00 UTC), Some("张三")),
        (t2, Some("张叁")),
        (datetime!(2026-10-01 00:00 UTC), None),
    ] {
        let read = lookups::read(&mut db, code, 77, now, &index, Some(at))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(name(&read).as_deref(), want, "as of {at}");
    }
    // A key without a row; an unknown resource.
    let other = seal.index("440802199001021234").unwrap();
    let read = lookups::read(&mut db, code, 77, now, &other, None)
        .await
        .unwrap()
        .unwrap();
    assert!(read.grant.is_some() && read.row.is_none());
    assert!(
        lookups::read(&mut db, "101001/000009", 77, now, &index, None)
            .await
            .unwrap()
            .is_none()
    );
    // No grant (another department, or revoked): the row is not read at all.
    let read = lookups::read(&mut db, code, 78, now, &index, None)
        .await
        .unwrap()
        .unwrap();
    assert!(read.grant.is_none() && read.row.is_none());
    grants::revoke(&mut db, id, "system:test", "停止共享", now)
        .await
        .unwrap();
    let read = lookups::read(&mut db, code, 77, now, &index, None)
        .await
        .unwrap()
        .unwrap();
    assert!(read.grant.is_none() && read.row.is_none());
}
