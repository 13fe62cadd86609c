//! Loads the demo city into a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set) and checks what a visitor of the demo would see.

use std::sync::Arc;
use std::time::Instant;

use time::macros::datetime;
use yiwang_catalog::CatalogService;
use yiwang_catalog::repo::AdminFilter;
use yiwang_catalog::rules;
use yiwang_catalog::search::SearchParams;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::paging::Page;
use yiwang_store::testing::TestDb;

fn search(q: &str) -> SearchParams {
    SearchParams {
        q: Some(q.to_string()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_city_loads_once_and_is_complete() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-03-02 01:30 UTC)));

    let started = Instant::now();
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    let r = yiwang_demo::load(&t.db, clock.clone(), keys.clone())
        .await
        .unwrap();
    let took = started.elapsed();
    eprintln!("demo loaded on {} in {took:.2?}: {r:?}", t.describe());

    assert!(r.loaded);
    assert!(r.departments >= 25 + 9 * 10, "{r:?}");
    assert!(r.basic_items >= 100, "{r:?}");
    assert!(r.items >= 300, "{r:?}");
    assert!(r.published >= 290, "{r:?}");
    assert_eq!(r.items - r.published, 7, "4 drafts and 3 awaiting review");
    assert!(r.halls >= 11, "{r:?}");
    assert_eq!(r.staff, yiwang_demo::accounts().len());

    let catalog = CatalogService::new(t.db.clone(), clock.clone());
    let ctx = Ctx::system("test");

    // The review queue and the drafts.
    let queue = catalog
        .admin_items(
            &ctx,
            &AdminFilter {
                version_status: Some("submitted".into()),
                ..Default::default()
            },
            Page { page: 1, size: 50 },
        )
        .await
        .unwrap();
    assert_eq!(queue.total, 3);
    let drafts = catalog
        .admin_items(
            &ctx,
            &AdminFilter {
                version_status: Some("draft".into()),
                ..Default::default()
            },
            Page { page: 1, size: 50 },
        )
        .await
        .unwrap();
    assert_eq!(drafts.total, 4);

    // Keyword search, as a citizen types it.
    for q in ["营业", "社保", "食品经营许可", "公积金", "身份证", "不动产"] {
        let found = catalog.search(&search(q)).await.unwrap();
        assert!(found.total > 0, "nothing found for {q}");
    }
    let food = catalog.search(&search("食品经营许可")).await.unwrap();
    assert!(food.items[0].name.contains("食品经营许可"));
    assert!(
        food.total >= 10,
        "food licence in the city and the counties"
    );

    // 免证办 and 全程网办.
    let free = catalog
        .search(&SearchParams {
            licence_free: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(free.total >= 10, "{} licence-free items", free.total);
    let online = catalog
        .search(&SearchParams {
            online_level: Some(4),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(online.total >= 100, "{} fully online items", online.total);

    // Every published item passes the submission rules.
    let mut page = 1;
    let mut checked = 0;
    let (mut with_form, mut workflows) = (std::collections::BTreeSet::new(), Vec::new());
    loop {
        let p = catalog
            .search(&SearchParams {
                page: Some(page),
                size: Some(100),
                ..Default::default()
            })
            .await
            .unwrap();
        for s in &p.items {
            let item = catalog.item(&Ctx::anonymous(), &s.code).await.unwrap();
            let e = item.published.unwrap().elements;
            let errs = rules::for_submission(&e);
            assert!(errs.is_empty(), "{} {}: {errs:?}", s.code, s.name);
            if !e.form.is_empty() {
                with_form.insert(e.basic_code.clone());
            }
            if let Some(w) = e.workflow {
                assert_eq!(w.code, s.code);
                workflows.push(w);
            }
            checked += 1;
        }
        if p.items.len() < 100 {
            break;
        }
        page += 1;
    }
    assert_eq!(checked, r.published);

    // Application forms and workflows survive saving, review and publication.
    assert!(with_form.len() >= 5, "{with_form:?}");
    assert!(workflows.len() >= 2, "{} workflows", workflows.len());
    let police: Vec<i64> = workflows
        .iter()
        .flat_map(|w| w.steps().into_iter().map(|(_, s)| s.performer.department))
        .filter_map(|d| match d {
            yiwang_workflow::DepartmentRef::Id(id) => Some(id),
            yiwang_workflow::DepartmentRef::Item => None,
        })
        .collect();
    assert!(!police.is_empty());
    let org = yiwang_org::OrgService::new(t.db.clone(), clock.clone());
    for id in police {
        let d = org.department(id).await.unwrap();
        assert_eq!(d.name, "湛江市公安局");
    }

    // A second load finds the demo and writes nothing.
    let mut c = t.db.clone();
    let head = yiwang_audit::head(&mut c).await.unwrap();
    let again = yiwang_demo::load(&t.db, clock.clone(), keys.clone())
        .await
        .unwrap();
    assert!(!again.loaded);
    assert_eq!(
        yiwang_demo::DemoReport {
            loaded: true,
            ..again
        },
        r
    );
    assert_eq!(yiwang_audit::head(&mut c).await.unwrap(), head);
    assert!(matches!(
        yiwang_audit::verify(&t.db, None).await.unwrap(),
        yiwang_audit::Verdict::Intact { .. }
    ));
}
