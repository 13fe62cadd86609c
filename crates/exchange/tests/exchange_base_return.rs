//! Base libraries and the return flow (回流) against a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set): records assembled from several sources with provenance and
//! the declared conflict rules, current and as of; packages exported (whole or one county),
//! refused with one byte changed, imported exactly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::json;
use time::macros::datetime;
use yiwang_exchange::base::sources::{
    INSURANCE_CLASS, INSURANCE_NAME, POPULATION_CLASS, POPULATION_NAME, source_meta,
};
use yiwang_exchange::base::{BaseLibraries, Library, load_rows};
use yiwang_exchange::package::PackageFilter;
use yiwang_exchange::repo::{base as repo, rows};
use yiwang_exchange::{ExchangeService, Resource, fixtures};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

const ID1: &str = "440802198805120013";
const ID2: &str = "440803199203180028";
const T1: time::OffsetDateTime = datetime!(2026-01-05 02:00 UTC);
const T2: time::OffsetDateTime = datetime!(2026-06-01 02:00 UTC);

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
    // Every node has its own key ring (a package carries clear rows between them).
    let svc = ExchangeService::new(
        t.db.clone(),
        clock.clone(),
        yiwang_identity::Keys::ephemeral().unwrap(),
    );
    (t, svc, d.id, clock)
}

async fn source(svc: &ExchangeService, dept: i64, class: &str, name: &str) -> Resource {
    fixtures::published(svc, dept, class, source_meta(class, name).unwrap())
        .await
        .unwrap()
}

fn person(id: &str, name: &str, address: &str, division: &str) -> serde_json::Value {
    json!({"id_number": id, "name": name, "sex": "1", "birth_date": "1988-05-12",
           "address": address, "division": division})
}

/// A population source with two people (ID1 moved on T2) and an insurance source.
async fn populated(svc: &ExchangeService, dept: i64) -> Resource {
    let p = source(svc, dept, POPULATION_CLASS, POPULATION_NAME).await;
    let s = source(svc, dept, INSURANCE_CLASS, INSURANCE_NAME).await;
    let db = svc;
    load_rows(
        db,
        &p,
        &[
            person(ID1, "陈小明", "湛江市赤坎区海滨大道1号", "440802"),
            person(ID2, "黄丽", "湛江市霞山区人民大道2号", "440803"),
        ],
        T1,
    )
    .await
    .unwrap();
    load_rows(
        db,
        &p,
        &[person(ID1, "陈小明", "湛江市赤坎区康宁路8号", "440802")],
        T2,
    )
    .await
    .unwrap();
    load_rows(
        db,
        &s,
        &[
            json!({"id_number": ID1, "name": "陈晓明", "phone": "13800759001",
                 "address": "湛江市坡头区乾塘镇3号"}),
        ],
        datetime!(2026-03-01 02:00 UTC),
    )
    .await
    .unwrap();
    p
}

fn admin(department_id: i64, role: Role) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 9,
            username: "someone".into(),
            name: "某人".into(),
            department_id,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![role],
        }),
        "127.0.0.1",
    )
}

#[tokio::test]
async fn a_population_record_is_assembled_with_provenance_by_the_declared_rules() {
    let (_t, svc, dept, _) = env().await;
    let p = populated(&svc, dept).await;
    let lib = BaseLibraries::new(&svc);
    let ctx = Ctx::system("test");
    let r = lib
        .lookup(&ctx, Library::Population, ID1, None, "test")
        .await
        .unwrap()
        .unwrap();
    // Authority: the public-security name wins over the insurance register's, which is kept.
    let name = r.attribute("name").unwrap();
    assert_eq!(name.value, json!("陈小明"));
    assert_eq!(name.source.resource, p.code.as_str());
    assert_eq!(name.source.rank, 1);
    assert_eq!(name.overruled[0].value, json!("陈晓明"));
    // Newest: the residence moved on T2 in the population register, later than the insurance.
    let res = r.attribute("residence").unwrap();
    assert_eq!(res.value, json!("湛江市赤坎区康宁路8号"));
    assert_eq!(res.source.since, T2);
    assert_eq!(r.text("phone").as_deref(), Some("13800759001"));
    // As of before the move: the insurance address (March) is the newest.
    let before = lib
        .lookup(
            &ctx,
            Library::Population,
            ID1,
            Some(datetime!(2026-04-01 00:00 UTC)),
            "test",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        before.text("residence").as_deref(),
        Some("湛江市坡头区乾塘镇3号")
    );
    assert_eq!(
        before.text("address").as_deref(),
        Some("湛江市赤坎区海滨大道1号")
    );
    // Nobody's record before the first load; a malformed key names the field.
    assert!(
        lib.lookup(
            &ctx,
            Library::Population,
            ID1,
            Some(T1 - time::Duration::DAY),
            "t"
        )
        .await
        .unwrap()
        .is_none()
    );
    let e = lib
        .lookup(&ctx, Library::Population, "440802198805120014", None, "t")
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "key");
    // A data steward (a consumer) may not read the libraries; the administrator may.
    let e = lib
        .lookup(
            &admin(dept, Role::DataSteward),
            Library::Population,
            ID1,
            None,
            "t",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(
        lib.lookup(
            &admin(dept, Role::DataAdmin),
            Library::Population,
            ID2,
            None,
            "t"
        )
        .await
        .unwrap()
        .is_some()
    );
}

async fn all_versions(svc: &ExchangeService, resource_id: i64) -> Vec<rows::StoredRow> {
    let mut c = svc.db().clone();
    repo::versions_after(&mut c, svc.seal(), resource_id, None, 1_000)
        .await
        .unwrap()
}

/// Every stored text of a resource's rows (keys, digests, sealed documents) as kept at rest.
async fn at_rest(svc: &ExchangeService, resource_id: i64) -> String {
    let rows = yiwang_exchange::repo::seal::at_rest(&mut svc.db().clone(), resource_id)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    rows.into_iter()
        .map(|(k, d, x)| format!("{k} {d} {x}\n"))
        .collect()
}

#[tokio::test]
async fn a_county_package_round_trips_exactly_and_one_changed_byte_is_refused() {
    let (_t, svc, dept, _) = env().await;
    let p = populated(&svc, dept).await;
    let filter = PackageFilter {
        division: Some("440802".into()),
    };
    // A steward cannot export; the system (the command line) can.
    let e = svc
        .export_package(&admin(dept, Role::DataSteward), p.code.as_str(), &filter)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let (bytes, manifest) = svc
        .export_package(&Ctx::system("test"), p.code.as_str(), &filter)
        .await
        .unwrap();
    assert_eq!(manifest.row_count, 1, "only 赤坎区 (440802)");
    assert_eq!(manifest.version_count, 2, "with its history");

    // The other node: the same provider department, nothing else.
    let (t2, svc2, _, _) = env().await;
    // One byte changed in the rows part is refused naming it; in the manifest, likewise.
    let at = bytes
        .windows("康宁路".len())
        .position(|w| w == "康宁路".as_bytes())
        .unwrap();
    let mut bad = bytes.clone();
    bad[at] ^= 1;
    let e = svc2
        .import_package(&Ctx::system("test"), &bad)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "package.rows.jsonl", "{e:?}");
    assert_eq!(e.fields[0].rule, "package.digest");
    let at = bytes
        .windows("row_count".len())
        .position(|w| w == b"row_count")
        .unwrap();
    let mut bad = bytes.clone();
    bad[at] = b'R';
    let e = svc2
        .import_package(&Ctx::system("test"), &bad)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "package.manifest.json", "{e:?}");
    assert!(
        fixtures_absent(&t2.db, p.code.as_str()).await,
        "nothing written"
    );

    // The unaltered package imports exactly, and again changes nothing.
    let rep = svc2
        .import_package(&Ctx::system("test"), &bytes)
        .await
        .unwrap();
    assert!(rep.created);
    assert_eq!(rep.manifest_sm3.len(), 64);
    assert_eq!((rep.written, rep.row_count), (2, 1));
    let there = svc2
        .published_by_code(p.code.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(there.meta, p.meta);
    // The same versions, values and keys; each node's keyed digests and seals its own.
    let here: Vec<_> = all_versions(&svc, p.id)
        .await
        .into_iter()
        .filter(|r| r.row_key == ID1)
        .map(|r| (r.row_key, r.valid_from, r.valid_to, r.data))
        .collect();
    let imported: Vec<_> = all_versions(&svc2, there.id)
        .await
        .into_iter()
        .map(|r| (r.row_key, r.valid_from, r.valid_to, r.data))
        .collect();
    assert_eq!(here.len(), 2);
    assert_eq!(here, imported);
    for raw in [at_rest(&svc, p.id).await, at_rest(&svc2, there.id).await] {
        for clear in [ID1, "陈小明", "康宁路"] {
            assert!(!raw.contains(clear), "{clear} at rest: {raw}");
        }
    }
    let again = svc2
        .import_package(&Ctx::system("test"), &bytes)
        .await
        .unwrap();
    assert_eq!(
        (again.written, again.unchanged, again.created),
        (0, 2, false)
    );

    // The whole resource, exported later, brings the other county and closes nothing twice.
    let (all, m) = svc
        .export_package(
            &Ctx::system("test"),
            p.code.as_str(),
            &PackageFilter::default(),
        )
        .await
        .unwrap();
    assert_eq!((m.row_count, m.version_count), (2, 3));
    let rep = svc2
        .import_package(&Ctx::system("test"), &all)
        .await
        .unwrap();
    assert_eq!((rep.written, rep.unchanged, rep.row_count), (1, 2, 2));
}

async fn fixtures_absent(db: &yiwang_store::Db, code: &str) -> bool {
    let mut c = db.clone();
    yiwang_exchange::repo::resources::id_by_code(&mut c, code)
        .await
        .unwrap()
        .is_none()
}
