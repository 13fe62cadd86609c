//! The demo's random inspections: the organiser and four inspectors with certificate numbers,
//! a published draw whose inputs re-run to the same list, every result recorded, a plan
//! awaiting its draw. Loading twice writes nothing the second time.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_kernel::auth::{Ctx, Role};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_store::testing::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_a_published_reproducible_draw() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-03-02 01:30 UTC)));
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    yiwang_demo::load(&t.db, clock.clone(), keys.clone())
        .await
        .unwrap();
    let svc = yiwang_demo::inspections::service(&t.db, clock.clone(), keys.clone());
    let public = svc.public_inspection_plans().await.unwrap();
    assert_eq!(public.len(), 1);
    let d = svc
        .public_inspection_plan(&public[0].plan_no)
        .await
        .unwrap();
    assert_eq!(d.plan.status, "published");
    let draw = d.draw.unwrap();
    assert!(draw.results.len() >= 5, "{}", draw.results.len());
    assert!(draw.results.iter().all(|r| r.result_zh.is_some()));
    let re = yiwang_supervision::inspection::redraw(&draw.input, &draw.outcome).unwrap();
    assert!(re.matches);
    assert_eq!(draw.input.inspectors.len(), 4);
    assert!(draw.input.inspectors.iter().all(|i| !i.cert_no.is_empty()));
    // The organiser sees both plans (one awaiting its draw).
    let ctx = Ctx::system("test");
    let all = svc.inspection_plans(&ctx).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|p| p.status == "draft"));
    let identity = yiwang_identity::IdentityService::new(
        t.db.clone(),
        clock.clone(),
        Default::default(),
        keys.clone(),
    );
    for (u, role) in [
        ("choucha", Role::InspectionOrganiser),
        ("jiancha1", Role::Inspector),
        ("jiancha4", Role::Inspector),
    ] {
        let a = identity.active_staff_by_username(u).await.unwrap().unwrap();
        assert_eq!(a.roles, vec![role.as_str().to_string()], "{u}");
    }
    let again = yiwang_demo::load(&t.db, clock, keys).await.unwrap();
    assert!(!again.loaded);
}
