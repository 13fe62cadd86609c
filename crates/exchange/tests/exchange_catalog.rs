//! The resource catalog's work and the three lists against a real database (SQLite, or
//! PostgreSQL when YIWANG_TEST_DATABASE_URL is set): edit → submit → reject → submit → approve,
//! a new version leaving the published one unchanged, retire; browse and bigram search;
//! import (GBK, all or nothing, lines) and export; the responsibility, negative and demand lists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_exchange::catalog::CatalogFilter;
use yiwang_exchange::lists::{self, ClaimDemand, DemandStatus, NewDemand};
use yiwang_exchange::repo::resources;
use yiwang_exchange::{ExchangeService, NewResource, ShareType, VersionStatus, fixtures};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::paging::Page;
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

struct Env {
    t: TestDb,
    svc: ExchangeService,
    police: i64,
    market: i64,
    clock: Arc<FixedClock>,
}

async fn env() -> Env {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 02:00 UTC)));
    let org = OrgService::new(t.db.clone(), clock.clone());
    let mut ids = Vec::new();
    for (n, (name, body)) in [
        ("湛江市公安局", "11440800MB2C00001"),
        ("湛江市市场监督管理局", "11440800MB2C00002"),
    ]
    .into_iter()
    .enumerate()
    {
        let d = org
            .create_department(
                &Ctx::system("test"),
                &DepartmentInput {
                    uscc: Uscc::from_body(body).unwrap().to_string(),
                    name: name.into(),
                    division_code: "440800".into(),
                    kind: "bureau".into(),
                    phone: format!("0759-310000{n}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        ids.push(d.id);
    }
    let svc = ExchangeService::new(
        t.db.clone(),
        clock.clone(),
        yiwang_identity::Keys::ephemeral().unwrap(),
    );
    Env {
        t,
        svc,
        police: ids[0],
        market: ids[1],
        clock,
    }
}

fn staff(department_id: i64, role: Role, division: &str) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 9,
            username: role.as_str().into(),
            name: "测试".into(),
            department_id,
            division: DivisionCode::parse(division).unwrap(),
            roles: vec![role],
        }),
        "127.0.0.1",
    )
}

#[tokio::test]
async fn a_version_goes_through_review_and_the_published_one_never_changes() {
    let e = env().await;
    let steward = staff(e.police, Role::DataSteward, "440800");
    let admin = staff(e.police, Role::DataAdmin, "440800");
    let other = staff(e.market, Role::DataSteward, "440800");
    let r = e
        .svc
        .register(
            &steward,
            &NewResource {
                classification: "101001".into(),
                sequence: None,
                department_id: e.police,
                meta: fixtures::population_meta(ShareType::Conditional),
            },
        )
        .await
        .unwrap();
    let d = e.svc.version_detail(&steward, r.id, 1).await.unwrap();
    let mut meta = d.view.resource.meta.clone();
    meta.summary = "户籍人口基本信息（修订）".into();
    // Another department's steward may neither read nor edit the draft.
    assert_eq!(
        e.svc
            .version_detail(&other, r.id, 1)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Forbidden
    );
    let err = e
        .svc
        .save_draft(&other, r.id, 1, &meta, Some(d.view.revision))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let saved = e
        .svc
        .save_draft(&steward, r.id, 1, &meta, Some(d.view.revision))
        .await
        .unwrap();
    // A stale revision is a conflict.
    let err = e
        .svc
        .save_draft(&steward, r.id, 1, &meta, Some(d.view.revision))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(saved.view.revision, d.view.revision + 1);
    e.svc.submit(&steward, r.id, 1).await.unwrap();
    // The steward cannot approve; the administrator rejects with a note, which is required.
    assert_eq!(
        e.svc.approve(&steward, r.id, 1).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert!(e.svc.reject(&admin, r.id, 1, " ").await.unwrap_err().fields[0].field == "note");
    let back = e
        .svc
        .reject(&admin, r.id, 1, "请补充共享条件")
        .await
        .unwrap();
    assert_eq!(back.view.resource.status, VersionStatus::Draft);
    e.svc.submit(&steward, r.id, 1).await.unwrap();
    assert_eq!(e.svc.review_queue(&admin).await.unwrap().len(), 1);
    assert!(
        e.svc
            .review_queue(&staff(e.market, Role::DataAdmin, "440881"))
            .await
            .unwrap()
            .is_empty()
    );
    let p = e.svc.approve(&admin, r.id, 1).await.unwrap();
    assert_eq!(p.view.resource.status, VersionStatus::Published);
    assert_eq!(p.view.published_version, Some(1));
    // A new version is a copy; editing it leaves the published one as it was.
    let v2 = e.svc.new_version(&steward, r.id).await.unwrap();
    assert_eq!(v2.view.resource.version, 2);
    assert_eq!(
        e.svc.new_version(&steward, r.id).await.unwrap_err().code,
        ErrorCode::InvalidState
    );
    let mut m2 = v2.view.resource.meta.clone();
    m2.name = "人口基本信息（第二版）".into();
    e.svc
        .save_draft(&steward, r.id, 2, &m2, Some(v2.view.revision))
        .await
        .unwrap();
    let shown = e.svc.resource(&other, r.id).await.unwrap();
    assert_eq!(shown.resource.meta.name, "人口基本信息");
    assert_eq!(shown.resource.meta.summary, "户籍人口基本信息（修订）");
    assert_eq!(
        e.svc
            .save_draft(&steward, r.id, 1, &m2, None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidState
    );
    let mine = e.svc.my_resources(&steward).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].resource.version, 2);
    assert!(e.svc.my_resources(&other).await.unwrap().is_empty());
    let h = e
        .svc
        .version_detail(&steward, r.id, 2)
        .await
        .unwrap()
        .history;
    let actions: Vec<&str> = h.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "edit",
            "submit",
            "reject",
            "submit",
            "approve",
            "new_version",
            "edit"
        ]
    );
    assert_eq!(h[3].note, "请补充共享条件");
    // Retiring takes it out of the catalog.
    assert!(e.svc.retire(&admin, r.id, "").await.unwrap_err().fields[0].field == "reason");
    e.svc
        .retire(&admin, r.id, "数据已并入人口库")
        .await
        .unwrap();
    assert_eq!(
        e.svc.resource(&other, r.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    let mut db = e.t.db.clone();
    let any = resources::version(&mut db, r.id, 1).await.unwrap().unwrap();
    assert_eq!(any.status, VersionStatus::Retired);
    assert!(lists::refusal_for(&mut db, &any).await.unwrap().is_some());
    // A person may not read the catalog.
    let person = Ctx::new(Actor::Anonymous, "127.0.0.1");
    let err = e
        .svc
        .browse(&person, &CatalogFilter::default(), Page::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn browse_search_and_the_lists() {
    let e = env().await;
    let pop = fixtures::published(
        &e.svc,
        e.police,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let mut secret = fixtures::population_meta(ShareType::NotShared);
    secret.name = "在逃人员信息".into();
    secret.share_basis = "《中华人民共和国刑事诉讼法》第一百五十二条".into();
    let neg = fixtures::published(&e.svc, e.police, "301001", secret)
        .await
        .unwrap();
    let mut lic = fixtures::population_meta(ShareType::Unconditional);
    lic.name = "营业执照信息".into();
    lic.summary = "企业登记".into();
    lic.update_cycle = yiwang_exchange::UpdateCycle::Monthly;
    let lic = fixtures::published(&e.svc, e.market, "102001", lic)
        .await
        .unwrap();
    let reader = staff(e.market, Role::CaseOfficer, "440800");
    let all = e
        .svc
        .browse(&reader, &CatalogFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(all.total, 3);
    let f = |q: &str| CatalogFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let hits = e
        .svc
        .browse(&reader, &f("人口"), Page::default())
        .await
        .unwrap();
    assert_eq!(
        hits.items[0].resource.id, pop.id,
        "the name holds the word: first"
    );
    assert_eq!(
        e.svc
            .browse(&reader, &f("执照"), Page::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        e.svc
            .browse(&reader, &f("社保"), Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    let by_class = CatalogFilter {
        class: Some("10".into()),
        ..Default::default()
    };
    assert_eq!(
        e.svc
            .browse(&reader, &by_class, Page::default())
            .await
            .unwrap()
            .total,
        2
    );
    let by_dept = CatalogFilter {
        department: Some(e.market),
        ..Default::default()
    };
    assert_eq!(
        e.svc
            .browse(&reader, &by_dept, Page::default())
            .await
            .unwrap()
            .total,
        1
    );
    let bad = CatalogFilter {
        class: Some("9x".into()),
        ..Default::default()
    };
    assert_eq!(
        e.svc
            .browse(&reader, &bad, Page::default())
            .await
            .unwrap_err()
            .fields[0]
            .field,
        "class"
    );
    // Negative list and its refusal.
    let n = e.svc.negative_list(&reader).await.unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].code, neg.code.0);
    let mut db = e.t.db.clone();
    assert_eq!(
        lists::refusal_for(&mut db, &neg).await.unwrap().as_deref(),
        Some("《中华人民共和国刑事诉讼法》第一百五十二条")
    );
    assert_eq!(lists::refusal_for(&mut db, &pop).await.unwrap(), None);
    // Responsibility: mounted and fresh from the load state.
    resources::mark_loaded(&mut db, pop.id, e.clock.now(), 10)
        .await
        .unwrap();
    resources::mark_loaded(&mut db, lic.id, e.clock.now() - time::Duration::days(40), 5)
        .await
        .unwrap();
    let list = e.svc.responsibility_list(&reader, None).await.unwrap();
    assert_eq!(list.len(), 2);
    let police = list.iter().find(|d| d.department_id == e.police).unwrap();
    assert_eq!(
        (police.total, police.mounted, police.fresh),
        (1, 1, 1),
        "the not-shared one is not a duty"
    );
    let market = list.iter().find(|d| d.department_id == e.market).unwrap();
    assert_eq!(
        (market.total, market.mounted, market.fresh),
        (1, 1, 0),
        "loaded 40 days ago, monthly"
    );
    // Demands: open → claimed → provided; another → declined.
    let consumer = staff(e.market, Role::CaseOfficer, "440800");
    let need = NewDemand {
        department_id: e.market,
        name: "出入境证件信息".into(),
        description: "核验护照".into(),
        fields: vec!["护照号码".into(), "姓名".into()],
        purpose: "办理出国（境）人员备案".into(),
        basis: String::new(),
    };
    let err = e
        .svc
        .create_demand(&staff(e.police, Role::CaseOfficer, "440800"), &need)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let d = e.svc.create_demand(&consumer, &need).await.unwrap();
    assert_eq!(d.status, DemandStatus::Open);
    let claim = ClaimDemand {
        department_id: e.police,
        resource_code: lic.code.0.clone(),
    };
    let err = e
        .svc
        .claim_demand(&staff(e.police, Role::DataSteward, "440800"), d.id, &claim)
        .await
        .unwrap_err();
    assert_eq!(
        err.fields[0].field, "resource_code",
        "not the police's resource"
    );
    let claim = ClaimDemand {
        department_id: e.police,
        resource_code: pop.code.0.clone(),
    };
    let c = e
        .svc
        .claim_demand(&staff(e.police, Role::DataSteward, "440800"), d.id, &claim)
        .await
        .unwrap();
    assert_eq!(
        (c.status, c.provider_department_name.as_str()),
        (DemandStatus::Claimed, "湛江市公安局")
    );
    let p = e
        .svc
        .demand_provided(&staff(e.police, Role::DataSteward, "440800"), d.id)
        .await
        .unwrap();
    assert_eq!(p.status, DemandStatus::Provided);
    let d2 = e
        .svc
        .create_demand(
            &consumer,
            &NewDemand {
                name: "不动产登记信息".into(),
                ..need.clone()
            },
        )
        .await
        .unwrap();
    let admin = staff(e.police, Role::DataAdmin, "440800");
    assert_eq!(
        e.svc
            .decline_demand(&admin, d2.id, "")
            .await
            .unwrap_err()
            .fields[0]
            .field,
        "reason"
    );
    let x = e
        .svc
        .decline_demand(&admin, d2.id, "由省级平台提供")
        .await
        .unwrap();
    assert_eq!(
        (x.status, x.reason.as_str()),
        (DemandStatus::Declined, "由省级平台提供")
    );
    assert_eq!(
        e.svc
            .demands(&reader, Some(DemandStatus::Declined))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_catalog_exports_and_imports_all_or_nothing() {
    let e = env().await;
    fixtures::published(
        &e.svc,
        e.police,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await
    .unwrap();
    let admin = staff(e.police, Role::DataAdmin, "440800");
    let csv = e
        .svc
        .export_catalog(&admin, yiwang_sheets::Format::Csv)
        .await
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.contains("101001/000001") && text.contains("公民身份号码"),
        "{text}"
    );
    assert_eq!(
        text.lines().count(),
        7,
        "a header and one row per data item"
    );
    // Importing it again: the code exists, refused as a whole.
    let err = e
        .svc
        .import_catalog(&admin, text.clone().into_bytes(), true)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportRejected);
    assert_eq!(err.rows[0].line, 2);
    // Without the code, as GBK: a new resource under the next code, submitted for review.
    let fresh: String = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| {
            l.replacen("101001/000001", "", 1)
                .replace("人口基本信息", "人口基本信息（区级）")
                + "\n"
        })
        .collect();
    let (gbk, _, _) = encoding_rs::GBK.encode(&fresh);
    let rep = e
        .svc
        .import_catalog(&admin, gbk.to_vec(), false)
        .await
        .unwrap();
    assert_eq!(rep.created.len(), 1);
    assert_eq!(rep.created[0].code, "101001/000002");
    assert_eq!(rep.created[0].items, 6);
    assert_eq!(e.svc.review_queue(&admin).await.unwrap().len(), 1);
    // A bad row (type 数组型, line 4) rejects everything, naming the line; nothing written.
    let broken = fresh
        .replacen("日期型", "数组型", 1)
        .replace("人口基本信息（区级）", "人口（三）");
    let err = e
        .svc
        .import_catalog(&admin, broken.into_bytes(), true)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportRejected);
    assert!(
        err.rows
            .iter()
            .any(|r| r.field == "item_type" && r.line == 5),
        "{:?}",
        err.rows
    );
    let reader = staff(e.market, Role::CaseOfficer, "440800");
    assert_eq!(
        e.svc
            .browse(&reader, &CatalogFilter::default(), Page::default())
            .await
            .unwrap()
            .total,
        1
    );
    // Another division's administrator may not import the police's resources.
    let far = staff(e.market, Role::DataAdmin, "440881");
    let err = e
        .svc
        .import_catalog(&far, fresh.into_bytes(), true)
        .await
        .unwrap_err();
    assert_eq!(err.rows[0].rule, "forbidden");
}
