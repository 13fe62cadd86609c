//! The demo city's resource catalog and three lists after a load (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set): the base resources published under their fixed codes,
//! the negative list, the demands in every state, drafts and the review queue.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_exchange::ExchangeService;
use yiwang_exchange::catalog::CatalogFilter;
use yiwang_exchange::lists::DemandStatus;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::paging::Page;
use yiwang_store::testing::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_catalog_and_lists_are_there() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-03-02 01:30 UTC)));
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    yiwang_demo::load(&t.db, clock.clone(), keys.clone())
        .await
        .unwrap();
    let svc = ExchangeService::new(t.db.clone(), clock.clone(), keys.clone());
    let ctx = Ctx::system("test");
    let all = svc
        .browse(&ctx, &CatalogFilter::default(), Page::default())
        .await
        .unwrap();
    assert!(all.total >= 60, "{}", all.total);
    let pop = svc.resource_by_code(&ctx, "101001/000001").await.unwrap();
    assert_eq!(pop.resource.meta.name, "人口基本信息");
    assert_eq!(pop.department_name, "湛江市公安局");
    let legal = svc.resource_by_code(&ctx, "102001/000001").await.unwrap();
    assert_eq!(legal.department_name, "湛江市市场监督管理局");
    assert!(svc.negative_list(&ctx).await.unwrap().len() >= 5);
    assert!(svc.review_queue(&ctx).await.unwrap().len() >= 2);
    let duties = svc.responsibility_list(&ctx, None).await.unwrap();
    assert!(duties.len() >= 15, "{}", duties.len());
    for s in [
        DemandStatus::Open,
        DemandStatus::Claimed,
        DemandStatus::Provided,
        DemandStatus::Declined,
    ] {
        assert!(
            !svc.demands(&ctx, Some(s)).await.unwrap().is_empty(),
            "{s:?}"
        );
    }
    // A second load writes nothing.
    let again = yiwang_demo::load(&t.db, clock, keys).await.unwrap();
    assert!(!again.loaded);
}
