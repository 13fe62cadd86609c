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
    let svc = ExchangeService::new(t.db.clone(), clock.clone());
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
    let mut db = t.db.clone();
    let t1 = datetime!(2026-11-01 00:00 UTC);
    let t2 = datetime!(2026-11-10 00:00 UTC);
    let old = r#"{"id_number":"440802199001011234","name":"张三"}"#;
    let new = r#"{"id_number":"440802199001011234","name":"张叁"}"#;
    rows::insert(
        &mut db,
        r.id,
        "440802199001011234",
        t1,
        1,
        &rows::digest(old),
        old,
    )
    .await
    .unwrap();
    rows::insert(
        &mut db,
        r.id,
        "440802199001021234",
        t1,
        1,
        &rows::digest(old),
        old,
    )
    .await
    .unwrap();
    assert!(
        rows::close(&mut db, r.id, "440802199001011234", t2)
            .await
            .unwrap()
    );
    rows::insert(
        &mut db,
        r.id,
        "440802199001011234",
        t2,
        2,
        &rows::digest(new),
        new,
    )
    .await
    .unwrap();

    let cur = rows::current(&mut db, r.id, "440802199001011234")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cur.values().unwrap()["name"], "张叁");
    let before = rows::as_of(
        &mut db,
        r.id,
        "440802199001011234",
        datetime!(2026-11-05 00:00 UTC),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(before.values().unwrap()["name"], "张三");
    assert!(
        rows::as_of(
            &mut db,
            r.id,
            "440802199001011234",
            datetime!(2026-10-01 00:00 UTC)
        )
        .await
        .unwrap()
        .is_none()
    );
    assert_eq!(
        rows::history(&mut db, r.id, "440802199001011234")
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 2);
    let page = rows::scan(&mut db, r.id, None, None, 1).await.unwrap();
    assert_eq!(page.len(), 1);
    let next = rows::scan(&mut db, r.id, Some(&page[0].row_key), None, 10)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_ne!(page[0].row_key, next[0].row_key);
    let old_scan = rows::scan(
        &mut db,
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
    Ok(by_id)
}
