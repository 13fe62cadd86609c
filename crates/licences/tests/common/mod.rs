//! What the licence tests share: a real database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL), a clock fixed at 2026-11-22 10:00 China time, an identity service
//! on ephemeral keys, one issuing department and the licence service.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_identity::IdentityService;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::Uscc;
use yiwang_licences::LicenceService;
use yiwang_store::testing::TestDb;

/// A valid USCC from the start of its body (padded with zeros; check character computed).
pub fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

pub struct Base {
    pub t: TestDb,
    pub clock: Arc<FixedClock>,
    pub identity: IdentityService,
    pub svc: LicenceService,
    /// The issuing department.
    pub dept: i64,
    pub dept_uscc: String,
}

/// A city-level issuing department `name` (USCC from `uscc_body`) and the licence service.
pub async fn base(name: &str, uscc_body: &str) -> Base {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 02:00 UTC)));
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    let identity = IdentityService::new(
        t.db.clone(),
        clock.clone(),
        Default::default(),
        keys.clone(),
    );
    let org = yiwang_org::OrgService::new(t.db.clone(), clock.clone());
    let dept_uscc = uscc(uscc_body);
    let dept = org
        .create_department(
            &Ctx::system("test"),
            &yiwang_org::DepartmentInput {
                uscc: dept_uscc.clone(),
                name: name.into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: "0759-3100000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let svc = LicenceService::new(t.db.clone(), clock.clone(), keys, identity.clone());
    Base {
        t,
        clock,
        identity,
        svc,
        dept,
        dept_uscc,
    }
}
