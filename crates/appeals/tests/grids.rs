//! Grids through the appeals service, on a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set): the import report (dry run, then commit), a bad file
//! refused naming the feature and nothing written, overlaps measured, workers resolved and
//! replaced, grids absent from a later file reported (not deactivated), routing after an
//! import (a point inside grid X reaches X's first worker), the map.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::{Value, json};
use time::macros::datetime;
use yiwang_appeals::AppealService;
use yiwang_appeals::model::LonLat;
use yiwang_appeals::views::{CategoryInput, MapRequest};
use yiwang_calendar::CalendarService;
use yiwang_files::MemoryFileStore;
use yiwang_identity::{IdentityConfig, IdentityService, Keys, StaffInput};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

struct Fx {
    _t: TestDb,
    svc: AppealService,
    admin: Ctx,
    worker: Ctx,
    office: String,
    office_id: i64,
}

fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

async fn staff(identity: &IdentityService, username: &str, dept: i64, role: Role) -> Ctx {
    let a = identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id: dept,
                roles: vec![role.as_str().to_string()],
                password: "Passw0rd-for-tests".into(),
            },
        )
        .await
        .unwrap();
    Ctx::new(
        Actor::Staff(Staff {
            user_id: a.id,
            username: a.username,
            name: a.name,
            department_id: dept,
            division: DivisionCode::parse("440802").unwrap(),
            roles: vec![role],
        }),
        "10.0.0.9",
    )
}

async fn fixture() -> Fx {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-12-07 02:00 UTC)));
    let keys = Keys::ephemeral().unwrap();
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), clock.clone());
    let office = uscc("11440802MB2C0001");
    let office_id = org
        .create_department(
            &sys,
            &DepartmentInput {
                uscc: office.clone(),
                name: "湛江市赤坎区中华街道办事处".into(),
                division_code: "440802001".into(),
                kind: "township".into(),
                phone: "0759-3100000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let identity = IdentityService::new(
        t.db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let admin = staff(&identity, "gridadmin", office_id, Role::AppealAdmin).await;
    let worker = staff(&identity, "wgy_a", office_id, Role::GridWorker).await;
    staff(&identity, "wgy_b", office_id, Role::GridWorker).await;
    staff(&identity, "reviewer_x", office_id, Role::CatalogReviewer).await;
    let svc = AppealService::new(
        t.db.clone(),
        clock.clone(),
        keys,
        identity,
        CalendarService::new(t.db.clone(), clock),
        Arc::new(MemoryFileStore::new()),
    );
    Fx {
        _t: t,
        svc,
        admin,
        worker,
        office,
        office_id,
    }
}

fn square(x: f64, y: f64, s: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]})
}

fn feature(
    code: &str,
    kind: &str,
    specialty: Option<&str>,
    geometry: Value,
    dept: &str,
    workers: &[&str],
) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": {
        "code": code, "name": format!("{code}网格"), "kind": kind, "specialty": specialty,
        "division": "440802", "department": dept, "workers": workers}})
}

fn file(features: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap()
}

fn district(f: &Fx) -> Vec<u8> {
    file(vec![
        feature(
            "A",
            "unit",
            None,
            square(110.35, 21.27, 0.01),
            &f.office,
            &["wgy_a", "wgy_b"],
        ),
        feature(
            "B",
            "单元网格",
            None,
            square(110.36, 21.27, 0.01),
            &f.office,
            &["wgy_b"],
        ),
        feature(
            "CG",
            "professional",
            Some("city_management"),
            square(110.355, 21.265, 0.02),
            &f.office,
            &[],
        ),
    ])
}

#[tokio::test]
async fn a_dry_run_reports_and_a_commit_writes() {
    let f = fixture().await;
    let bytes = district(&f);
    let dry = f
        .svc
        .import_grids(&f.admin, "chikan.geojson", &bytes, false)
        .await
        .unwrap();
    assert_eq!(
        (dry.grids, dry.created, dry.updated, dry.committed),
        (3, 3, 0, false)
    );
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    assert!(dry.overlaps.is_empty(), "{:?}", dry.overlaps);
    assert!(
        f.svc.grids().await.unwrap().is_empty(),
        "a dry run writes nothing"
    );

    let done = f
        .svc
        .import_grids(&f.admin, "chikan.geojson", &bytes, true)
        .await
        .unwrap();
    assert!(done.committed);
    let grids = f.svc.grids().await.unwrap();
    assert_eq!(
        grids.iter().map(|g| g.code.as_str()).collect::<Vec<_>>(),
        ["A", "B", "CG"]
    );
    let a = &grids[0];
    assert_eq!(a.workers, ["wgy_a", "wgy_b"]);
    assert_eq!(a.worker_names, ["测试wgy_a", "测试wgy_b"]);
    assert_eq!(a.department_id, Some(f.office_id));
    assert_eq!(
        a.department_name.as_deref(),
        Some("湛江市赤坎区中华街道办事处")
    );
    // 0.01° × 0.01° at 21.27° N ≈ 1,037 m × 1,107 m.
    assert!((a.area_m2 - 1_148_000.0).abs() < 10_000.0, "{}", a.area_m2);
    assert_eq!(a.geometry["type"], "Polygon");

    // The same file again updates; a file without B reports B absent and leaves it active.
    let again = f
        .svc
        .import_grids(&f.admin, "chikan.geojson", &bytes, true)
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (0, 3));
    let partial = file(vec![feature(
        "A",
        "unit",
        None,
        square(110.35, 21.27, 0.01),
        &f.office,
        &["wgy_b"],
    )]);
    let r = f
        .svc
        .import_grids(&f.admin, "a-only.geojson", &partial, true)
        .await
        .unwrap();
    assert_eq!(r.absent, ["B", "CG"]);
    assert!(f.svc.grid("B").await.unwrap().is_some());
    assert_eq!(f.svc.grid("A").await.unwrap().unwrap().workers, ["wgy_b"]);
}

#[tokio::test]
async fn a_bad_file_is_refused_naming_the_feature_and_nothing_is_written() {
    let f = fixture().await;
    let open_ring = json!({"type": "Polygon", "coordinates": [[[110.35, 21.27], [110.36, 21.27], [110.36, 21.28], [110.35, 21.28]]]});
    let bytes = file(vec![
        feature(
            "OK",
            "unit",
            None,
            square(110.33, 21.25, 0.01),
            &f.office,
            &["wgy_a"],
        ),
        feature("OPEN", "unit", None, open_ring, &f.office, &[]),
        feature(
            "NOBODY",
            "unit",
            None,
            square(110.38, 21.25, 0.01),
            &f.office,
            &["ghost", "reviewer_x"],
        ),
        feature(
            "NODEPT",
            "unit",
            None,
            square(110.39, 21.25, 0.01),
            &uscc("11440802MB2C0999"),
            &[],
        ),
    ]);
    let dry = f
        .svc
        .import_grids(&f.admin, "bad.geojson", &bytes, false)
        .await
        .unwrap();
    let rules: Vec<(usize, &str)> = dry
        .errors
        .iter()
        .map(|e| (e.feature, e.rule.as_str()))
        .collect();
    assert!(rules.contains(&(1, "geometry.ring_open")), "{rules:?}");
    assert!(rules.contains(&(2, "workers.unknown")), "{rules:?}");
    assert!(rules.contains(&(2, "workers.role")), "{rules:?}");
    assert!(rules.contains(&(3, "department.unknown")), "{rules:?}");
    assert!(!rules.iter().any(|(i, _)| *i == 0), "{rules:?}");

    let e = f
        .svc
        .import_grids(&f.admin, "bad.geojson", &bytes, true)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ImportRejected);
    assert!(e.rows.iter().any(|r| r.field == "features[1]"
        && r.rule == "geometry.ring_open"
        && r.zh.contains("OPEN")));
    assert!(f.svc.grids().await.unwrap().is_empty(), "all or nothing");

    let e = f
        .svc
        .import_grids(&f.admin, "x.json", b"{\"type\":\"Feature\"}", false)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "file");
}

#[tokio::test]
async fn overlaps_of_the_same_kind_are_reported_with_their_area() {
    let f = fixture().await;
    let bytes = file(vec![
        feature(
            "U1",
            "unit",
            None,
            square(110.35, 21.27, 0.01),
            &f.office,
            &[],
        ),
        feature(
            "U2",
            "unit",
            None,
            square(110.355, 21.27, 0.01),
            &f.office,
            &[],
        ),
        feature(
            "P1",
            "professional",
            Some("traffic"),
            square(110.35, 21.27, 0.01),
            &f.office,
            &[],
        ),
        feature(
            "P2",
            "professional",
            Some("environment"),
            square(110.35, 21.27, 0.01),
            &f.office,
            &[],
        ),
    ]);
    let r = f
        .svc
        .import_grids(&f.admin, "o.geojson", &bytes, true)
        .await
        .unwrap();
    assert!(r.committed, "overlaps are reported, not refused");
    assert_eq!(r.overlaps.len(), 1, "{:?}", r.overlaps);
    assert_eq!(
        (r.overlaps[0].a.as_str(), r.overlaps[0].b.as_str()),
        ("U1", "U2")
    );
    assert!(
        (r.overlaps[0].area_m2 - 574_000.0).abs() < 10_000.0,
        "{}",
        r.overlaps[0].area_m2
    );
}

#[tokio::test]
async fn only_the_appeal_administrator_imports_and_sets_workers() {
    let f = fixture().await;
    let e = f
        .svc
        .import_grids(&f.worker, "d.geojson", &district(&f), false)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    f.svc
        .import_grids(&f.admin, "d.geojson", &district(&f), true)
        .await
        .unwrap();
    let e = f
        .svc
        .set_grid_workers(&f.worker, "A", &["wgy_b".into()])
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let g = f
        .svc
        .set_grid_workers(&f.admin, "A", &["wgy_b".into(), "wgy_a".into()])
        .await
        .unwrap();
    assert_eq!(g.workers, ["wgy_b", "wgy_a"]);
    let e = f
        .svc
        .set_grid_workers(&f.admin, "A", &["reviewer_x".into()])
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "workers[0]");
    assert_eq!(e.fields[0].rule, "workers.role");
    let e = f
        .svc
        .set_grid_workers(&f.admin, "NOPE", &[])
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn after_an_import_a_point_inside_a_grid_reaches_its_first_worker() {
    let f = fixture().await;
    f.svc
        .save_category(
            &f.admin,
            CategoryInput {
                code: "CG01".into(),
                name: "占道经营".into(),
                parent_code: None,
                department_id: Some(f.office_id),
                specialty: None,
                description: String::new(),
                keywords: String::new(),
                active: true,
            },
        )
        .await
        .unwrap();
    let inside_a = LonLat::new(110.355, 21.275).unwrap();
    // Before the import: the category's department, nobody assigned.
    let before = f.svc.route("CG01", Some(inside_a)).await.unwrap();
    assert_eq!(before.grid, None);
    assert_eq!(before.assignee_id, None);

    f.svc
        .import_grids(&f.admin, "d.geojson", &district(&f), true)
        .await
        .unwrap();
    let to = f.svc.route("CG01", Some(inside_a)).await.unwrap();
    assert_eq!(to.grid.as_ref().map(|g| g.code.as_str()), Some("A"));
    assert_eq!(to.department_id, Some(f.office_id));
    let Actor::Staff(w) = &f.worker.actor else {
        panic!()
    };
    assert_eq!(to.assignee_id, Some(w.user_id), "A's first worker, wgy_a");

    let inside_b = LonLat::new(110.365, 21.275).unwrap();
    let to_b = f.svc.route("CG01", Some(inside_b)).await.unwrap();
    assert_eq!(to_b.grid.as_ref().map(|g| g.code.as_str()), Some("B"));
    assert_ne!(to_b.assignee_id, Some(w.user_id));
}

#[tokio::test]
async fn the_map_draws_the_grids() {
    let f = fixture().await;
    f.svc
        .import_grids(&f.admin, "d.geojson", &district(&f), true)
        .await
        .unwrap();
    let svg = f
        .svc
        .map_svg(
            &Ctx::anonymous(),
            MapRequest {
                grids: true,
                orders: true,
                status: None,
                pick: true,
                marker: Some(LonLat::new(110.355, 21.275).unwrap()),
                width: 640,
            },
        )
        .await
        .unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<path class=\"grid").count(), 3);
    assert!(svg.contains(r#"data-code="CG""#));
    assert!(svg.contains(r#"class="marker""#));
    assert!(
        !svg.contains("class=\"order"),
        "anonymous callers see no orders"
    );
}
