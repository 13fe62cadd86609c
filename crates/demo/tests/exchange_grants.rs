//! The demo's sharing requests and grants: every state is there, and the supervisor sees red
//! and yellow requests on the day of the load. Loading twice writes nothing the second time.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;

use time::macros::datetime;
use yiwang_calendar::CalendarService;
use yiwang_exchange::SharingService;
use yiwang_exchange::sharing::{Side, Warning};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_store::testing::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_requests_and_grants_in_every_state() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-03-02 01:30 UTC)));
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    yiwang_demo::load(&t.db, clock.clone(), keys.clone())
        .await
        .unwrap();
    let svc = SharingService::new(
        t.db.clone(),
        clock.clone(),
        CalendarService::new(t.db.clone(), clock.clone()),
    );
    let ctx = Ctx::system("test");
    let all = svc.requests(&ctx, Side::Made, None).await.unwrap();
    let states: HashSet<&str> = all.iter().map(|r| r.status.as_str()).collect();
    for s in [
        "submitted",
        "granted",
        "refused",
        "withdrawn",
        "revoked",
        "expired",
    ] {
        assert!(states.contains(s), "{s} in {states:?}");
    }
    let negative = all.iter().find(|r| r.share_type == "not_shared").unwrap();
    assert!(
        negative.reason.contains("刑事诉讼法"),
        "{}",
        negative.reason
    );
    let warnings: Vec<Warning> = svc
        .supervision(&ctx)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.timing.map(|t| t.warning))
        .collect();
    assert_eq!(warnings, [Warning::Red, Warning::Yellow, Warning::None]);
    let n = all.len();
    yiwang_demo::load(&t.db, clock.clone(), keys).await.unwrap();
    assert_eq!(svc.requests(&ctx, Side::Made, None).await.unwrap().len(), n);
}
