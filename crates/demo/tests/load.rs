//! Loads the demo city into a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set) and checks what a visitor of the demo would see: the
//! catalog, and cases in every state with their files in the file store.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use time::macros::datetime;
use yiwang_cases::{CaseConfig, CaseService, CaseView, InboxFilter};
use yiwang_catalog::CatalogService;
use yiwang_catalog::repo::AdminFilter;
use yiwang_catalog::rules;
use yiwang_catalog::search::SearchParams;
use yiwang_files::{Intake, Limits, MemoryFileStore};
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
    let store = Arc::new(MemoryFileStore::new());
    let r = yiwang_demo::load_with_files(&t.db, clock.clone(), keys.clone(), store.clone())
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
    assert_eq!(r.cases, 19, "{r:?}");

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

    check_cases(&t, clock.clone(), keys.clone(), store.clone()).await;
    check_exchange(&t, clock.clone(), keys.clone()).await;

    // A second load finds the demo and writes nothing.
    let mut c = t.db.clone();
    let head = yiwang_audit::head(&mut c).await.unwrap();
    let files = store.len();
    let again = yiwang_demo::load_with_files(&t.db, clock.clone(), keys.clone(), store.clone())
        .await
        .unwrap();
    assert_eq!(store.len(), files);
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

/// The base libraries hold the demo citizens and the enterprise (read back through the
/// domain, so the sealed rows open), and the demo's logged data API reads show in the
/// provider's access log and in each citizen's 用数记录.
async fn check_exchange(t: &TestDb, clock: Arc<dyn Clock>, keys: yiwang_identity::Keys) {
    use yiwang_exchange::base::{BaseLibraries, Library};
    let exchange = yiwang_exchange::ExchangeService::new(t.db.clone(), clock.clone(), keys.clone());
    let libs = BaseLibraries::new(&exchange);
    let ctx = Ctx::system("test");
    for (id, name) in [
        ("440802198805120013", "陈小明"),
        ("440803199203180028", "黄丽"),
    ] {
        let r = libs
            .lookup(&ctx, Library::Population, id, None, "test")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.text("name").as_deref(), Some(name));
    }
    let moved = libs
        .lookup(
            &ctx,
            Library::Population,
            "440802198805120013",
            Some(datetime!(2025-06-01 00:00 UTC)),
            "test",
        )
        .await
        .unwrap()
        .unwrap();
    assert_ne!(moved.text("address"), None);
    let uscc = yiwang_kernel::codes::Uscc::from_body("91440802MA4W8K2L5").unwrap();
    let firm = libs
        .lookup(&ctx, Library::LegalPerson, uscc.as_str(), None, "test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        firm.text("name").as_deref(),
        Some("湛江市赤坎区海滨餐饮有限公司")
    );

    let identity = yiwang_identity::IdentityService::new(
        t.db.clone(),
        clock.clone(),
        yiwang_identity::IdentityConfig::default(),
        keys.clone(),
    );
    let access = yiwang_exchange::DataAccess::new(&exchange, keys, identity.clone());
    for id in ["440802198805120013", "440803199203180028"] {
        let (_, s) = identity
            .sign_in_person(id, yiwang_demo::DEMO_PASSWORD, "")
            .await
            .unwrap();
        let reads = access.my_reads(&Ctx::new(s.actor, "")).await.unwrap();
        assert!(!reads.is_empty(), "no 用数记录 for {id}");
        assert!(
            reads
                .iter()
                .all(|r| r.department == "湛江市人力资源和社会保障局" && !r.case_number.is_empty()),
            "{reads:?}"
        );
    }
    let org = yiwang_org::OrgService::new(t.db.clone(), clock);
    let police = org
        .list_departments(
            &yiwang_org::repo::DepartmentFilter {
                q: Some("湛江市公安局".into()),
                ..Default::default()
            },
            Page { page: 1, size: 10 },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.name == "湛江市公安局")
        .unwrap();
    let log = access.provider_log(&ctx, police.id, None).await.unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
}

fn case_service(
    t: &TestDb,
    clock: Arc<dyn Clock>,
    keys: yiwang_identity::Keys,
    store: Arc<MemoryFileStore>,
) -> CaseService {
    let identity = yiwang_identity::IdentityService::new(
        t.db.clone(),
        clock.clone(),
        yiwang_identity::IdentityConfig::default(),
        keys.clone(),
    );
    CaseService::new(
        t.db.clone(),
        clock.clone(),
        keys.clone(),
        CatalogService::new(t.db.clone(), clock.clone()),
        yiwang_calendar::CalendarService::new(t.db.clone(), clock.clone()),
        identity.clone(),
        Intake::new(store, Limits::default()),
        CaseConfig::default(),
        yiwang_licences::LicenceService::new(t.db.clone(), clock, keys, identity),
    )
}

/// The demo cases: every state, the workflows, warnings for the supervisor, deliveries,
/// ratings, readable files, and no ID or phone number in clear anywhere in the database.
async fn check_cases(
    t: &TestDb,
    clock: Arc<dyn Clock>,
    keys: yiwang_identity::Keys,
    store: Arc<MemoryFileStore>,
) {
    let cases = case_service(t, clock, keys, store);
    let sys = Ctx::system("test");
    let all = cases
        .inbox(&sys, &InboxFilter::default(), Page { page: 1, size: 100 })
        .await
        .unwrap();
    let mut views: Vec<CaseView> = Vec::new();
    for c in &all.items {
        views.push(cases.case(&sys, &c.case_no).await.unwrap());
    }
    let count = |status: &str| views.iter().filter(|v| v.status.as_str() == status).count();
    for (status, n) in [
        // The third: the black-listed trader's application (the credit lists).
        ("submitted", 3),
        ("supplement", 1),
        ("not_accepted", 1),
        ("handling", 5),
        ("paused", 1),
        ("special", 1),
        ("concluded", 3),
        ("delivered", 3),
        ("withdrawn", 1),
    ] {
        assert_eq!(count(status), n, "{status}");
    }
    let with_action = |a: &str| {
        views
            .iter()
            .filter(|v| v.events.iter().any(|e| e.action == a))
            .collect::<Vec<_>>()
    };
    // Online and window, with the one-time notice still pending.
    assert_eq!(views.iter().filter(|v| v.channel == "1").count(), 3);
    assert!(
        views
            .iter()
            .any(|v| v.status.as_str() == "supplement" && v.notice_given)
    );
    // The parallel review: the police branch done, the culture branch open.
    let venue = views
        .iter()
        .find(|v| v.item_name.contains("娱乐场所"))
        .unwrap();
    assert_eq!(venue.status.as_str(), "handling");
    let open: Vec<&str> = venue.steps.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(open, ["culture_review"]);
    assert!(
        venue
            .events
            .iter()
            .any(|e| e.step_code == "police_review" && e.action == "wf.approved")
    );
    // 秒批: one filing approved automatically, one handed to an officer.
    let auto: Vec<bool> = with_action("wf.auto_decided")
        .iter()
        .flat_map(|v| v.events.iter())
        .filter(|e| e.action == "wf.auto_decided")
        .map(|e| e.data["passed"].as_bool().unwrap())
        .collect();
    assert_eq!(auto.len(), 2, "{auto:?}");
    assert!(auto.contains(&true) && auto.contains(&false));
    // Special procedure, supplements during handling, decisions, deliveries, withdrawal.
    assert!(views.iter().any(|v| {
        v.pauses
            .iter()
            .any(|p| p.kind == "special" && p.ended_at.is_none())
    }));
    assert!(views.iter().any(|v| {
        v.pauses
            .iter()
            .any(|p| p.kind == "supplement" && p.ended_at.is_none())
    }));
    let decisions: Vec<&str> = views
        .iter()
        .filter_map(|v| v.decision.map(|d| d.as_str()))
        .collect();
    assert!(
        decisions.contains(&"grant") && decisions.contains(&"refuse"),
        "{decisions:?}"
    );
    let mut methods: Vec<&str> = views
        .iter()
        .filter_map(|v| v.delivery_method.map(|m| m.as_str()))
        .collect();
    methods.sort();
    assert_eq!(methods, ["electronic", "mail", "window"]);
    assert!(views.iter().any(|v| v.delivery_ref == "SF1402759881"));
    assert_eq!(
        with_action("supervision.urge").len() + with_action("wf.urged").len(),
        1
    );
    // The supervisor's view is not empty: overdue and at-risk cases.
    let warnings = cases.warnings(&sys).await.unwrap();
    let red: i64 = warnings.iter().map(|w| w.red).sum();
    let yellow: i64 = warnings.iter().map(|w| w.yellow).sum();
    assert!(red >= 1 && yellow >= 2, "red {red}, yellow {yellow}");
    // Ratings: a good one, and a bad one whose follow-up is under way.
    let mut levels = Vec::new();
    for v in views
        .iter()
        .filter(|v| v.events.iter().any(|e| e.action == "rated"))
    {
        for r in cases.ratings_of(&sys, &v.case_no).await.unwrap() {
            levels.push((r.level, r.followup.map(|f| f.status)));
        }
    }
    levels.sort();
    assert_eq!(
        levels,
        [(2, Some("rectified".to_string())), (5, None), (5, None)]
    );
    // Every material file is in the file store and reads back; progress by phone number works.
    let mut files = 0;
    for v in &views {
        for m in &v.materials {
            let (_, media, bytes) = cases.material(&sys, &v.case_no, &m.sha).await.unwrap();
            assert_eq!(media, "pdf");
            assert!(bytes.starts_with(b"%PDF-"));
            files += 1;
        }
    }
    assert!(files >= 40, "{files} files");
    for p in ["13800759001", "13800759002"] {
        let mine = views
            .iter()
            .filter(|v| v.contact_phone.ends_with(&p[7..]))
            .count();
        assert!(mine >= 5, "{p}: {mine}");
    }
    let s = &views[0];
    let phone = if s.contact_phone.ends_with("9001") {
        "13800759001"
    } else {
        "13800759002"
    };
    cases
        .progress(&Ctx::anonymous(), &s.case_no, phone)
        .await
        .unwrap();

    // No ID or phone number of the demo citizens in clear, in any row of any table.
    let secrets = [
        "440802198805120013",
        "440803199203180028",
        "13800759001",
        "13800759002",
    ];
    let mut db = t.db.clone();
    let backend = t.db.backend();
    let tables: Vec<(String,)> = match backend {
        yiwang_store::Backend::Sqlite => yiwang_store::Conn::fetch_all(
            &mut db,
            "SELECT name FROM sqlite_master WHERE type = 'table'",
            &[],
        )
        .await
        .unwrap(),
        yiwang_store::Backend::Postgres => yiwang_store::Conn::fetch_all(
            &mut db,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .await
        .unwrap(),
    };
    let mut rows = 0;
    let mut masks = 0;
    for (table,) in tables {
        if table.starts_with("sqlite_") || table.starts_with("_sqlx") {
            continue;
        }
        let sql = match backend {
            // Every column as text (`json_array(*)` would be an empty array in SQLite).
            yiwang_store::Backend::Sqlite => {
                let cols: Vec<(String,)> = yiwang_store::Conn::fetch_all(
                    &mut db,
                    "SELECT name FROM pragma_table_info($1)",
                    yiwang_store::args![table.as_str()],
                )
                .await
                .unwrap();
                let list: Vec<String> = cols
                    .iter()
                    .map(|(c,)| format!("CAST(\"{c}\" AS TEXT)"))
                    .collect();
                format!("SELECT json_array({}) FROM \"{table}\"", list.join(", "))
            }
            yiwang_store::Backend::Postgres => {
                format!("SELECT row_to_json(x)::text FROM {table} x")
            }
        };
        let dump: Vec<(String,)> = yiwang_store::Conn::fetch_all(&mut db, &sql, &[])
            .await
            .unwrap();
        for (row,) in dump {
            rows += 1;
            for s in secrets {
                assert!(!row.contains(s), "{table} holds {s} in clear: {row}");
            }
            if row.contains("440802********0013") {
                masks += 1;
            }
        }
    }
    // The scan really sees the columns: masks are stored beside the sealed values.
    assert!(masks >= 5, "{masks} rows with the mask");
    assert!(rows > 1000, "{rows} rows scanned");
}
