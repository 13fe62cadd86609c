//! The demo's electronic licences: at least 20 types, and the citizens' and the enterprise's
//! licences issued, sealed and verifiable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_store::Conn;
use yiwang_store::testing::TestDb;

#[tokio::test(flavor = "multi_thread")]
async fn demo_licences_are_issued_and_verify() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-11-22 02:00 UTC)));
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    yiwang_demo::load(&t.db, clock.clone(), keys.clone())
        .await
        .unwrap();
    let identity = yiwang_identity::IdentityService::new(
        t.db.clone(),
        clock.clone(),
        Default::default(),
        keys.clone(),
    );
    let svc = yiwang_licences::LicenceService::new(t.db.clone(), clock, keys, identity);
    let types = svc.types().await.unwrap();
    assert!(types.len() >= 20, "{}", types.len());
    for name in [
        "居民身份证",
        "居民户口簿",
        "社会保障卡",
        "营业执照",
        "食品经营许可证",
        "不动产权证书",
        "出生医学证明",
        "结婚证",
        "机动车驾驶证",
    ] {
        assert!(types.iter().any(|t| t.name == name), "{name}");
    }
    let mut db = t.db.clone();
    let ids: Vec<(String,)> = db
        .fetch_all("SELECT identifier FROM licences ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(ids.len(), 8);
    for (id,) in ids {
        assert_eq!(svc.verify(&id).await.unwrap().verdict, "valid", "{id}");
        assert!(yiwang_licences::Identifier::parse(&id).unwrap().check_ok);
    }
}
