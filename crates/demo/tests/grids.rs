//! The demo city's 12345 hotline and 赤坎区's grids, loaded into a fresh database (SQLite, or
//! PostgreSQL when `YIWANG_TEST_DATABASE_URL` is set): one unit grid per community with its
//! street's grid worker, three professional grids, the categories and the knowledge base; a
//! point inside a community's grid reaches its street's worker; a second load writes nothing.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_appeals::AppealService;
use yiwang_appeals::model::{GridKind, LonLat};
use yiwang_calendar::CalendarService;
use yiwang_files::MemoryFileStore;
use yiwang_identity::{IdentityConfig, IdentityService};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_store::testing::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn chikan_is_gridded_and_routes_to_its_grid_workers() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-03-02 01:30 UTC)));
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    let store = Arc::new(MemoryFileStore::new());
    let r = yiwang_demo::load_with_files(&t.db, clock.clone(), keys.clone(), store.clone())
        .await
        .unwrap();
    assert!(r.loaded);
    assert_eq!(r.staff, yiwang_demo::accounts().len());

    let identity = IdentityService::new(
        t.db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let appeals = AppealService::new(
        t.db.clone(),
        clock.clone(),
        keys.clone(),
        identity.clone(),
        CalendarService::new(t.db.clone(), clock.clone()),
        store.clone(),
    );
    let grids = appeals.grids().await.unwrap();
    let units: Vec<_> = grids.iter().filter(|g| g.kind == GridKind::Unit).collect();
    assert_eq!(units.len(), 40);
    assert_eq!(grids.len(), 43);
    let nanfang = grids.iter().find(|g| g.code == "CK440802001001").unwrap();
    assert_eq!(nanfang.name, "中华街道南方社区网格");
    assert_eq!(nanfang.workers, ["wgy_zhonghua"]);
    assert_eq!(
        nanfang.department_name.as_deref(),
        Some("湛江市赤坎区中华街道办事处")
    );
    let cg = grids.iter().find(|g| g.code == "CK-ZY-CG").unwrap();
    assert_eq!(cg.specialty.as_deref(), Some("city_management"));
    assert_eq!(
        cg.department_name.as_deref(),
        Some("湛江市城市管理和综合执法局")
    );

    assert!(appeals.categories(true).await.unwrap().len() >= 20);
    let kb = appeals.knowledge("社保卡", None, 10).await.unwrap();
    assert!(kb.iter().any(|k| k.question.contains("社保卡")), "{kb:?}");

    // A point in the middle of 南方社区's grid (bbox centre of a star-shaped cell) reaches
    // 中华街道's worker for a category without specialty.
    let [x0, y0, x1, y1] = nanfang.bbox;
    let p = LonLat::new((x0 + x1) / 2.0, (y0 + y1) / 2.0).unwrap();
    let to = appeals.route("RS01", Some(p)).await.unwrap();
    assert_eq!(
        to.grid.as_ref().map(|g| g.code.as_str()),
        Some("CK440802001001")
    );
    let worker = identity
        .active_staff_by_username("wgy_zhonghua")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(to.assignee_id, Some(worker.id));

    let again = yiwang_demo::load_with_files(&t.db, clock, keys, store)
        .await
        .unwrap();
    assert!(!again.loaded, "{again:?}");
    assert_eq!(appeals.grids().await.unwrap().len(), 43);
}
