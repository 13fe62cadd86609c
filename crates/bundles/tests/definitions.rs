//! Bundle definitions through their service, on a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set): the lifecycle (create → submit → approve publishes,
//! reject, new version, retire), a published version that never changes (by the service and
//! by the database's trigger), submission refused with every problem listed, permissions
//! (deny by default, refusals audited), the public list, search and plan.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::{Value, json};
use time::macros::datetime;
use yiwang_bundles::service::BundleService;
use yiwang_bundles::{Bundle, BundleDefs};
use yiwang_catalog::CatalogService;
use yiwang_catalog::model::{BasicItemInput, Elements};
use yiwang_catalog::service::ClaimInput;
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Person, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

struct Fx {
    t: TestDb,
    catalog: CatalogService,
    svc: BundleService,
    /// Item codes: the business registration, the food licence, the signboard permit.
    items: [String; 3],
    editor: Ctx,
    reviewer: Ctx,
}

fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

fn staff(user_id: i64, dept: i64, role: Role) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id,
            username: format!("u{user_id}"),
            name: format!("测试{user_id}"),
            department_id: dept,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![role],
        }),
        "10.0.0.9",
    )
}

fn citizen() -> Ctx {
    Ctx::new(
        Actor::Person(Person {
            person_id: 1,
            name: "陈小明".into(),
            acting_for: None,
        }),
        "10.0.0.8",
    )
}

fn elements(form: Value, materials: Value, promised: i64) -> Elements {
    serde_json::from_value(json!({
        "exercise_level": "3", "subject_nature": "1", "power_source": "1",
        "acceptance_conditions": "申请人具有完全民事行为能力。",
        "process": "申请—受理—审查—决定—送达",
        "process_steps": [
            {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
            {"name": "审查", "limit": 1, "description": "材料审查"},
            {"name": "决定", "limit": 1, "description": "作出决定"}
        ],
        "statutory_limit": 20, "statutory_unit": "1",
        "promised_limit": promised, "promised_unit": "1",
        "case_type": "2", "result_type": "2", "result_name": "批准文书",
        "result_sample": "https://www.zhanjiang.gov.cn/zwfw/samples/pzws.pdf",
        "service_objects": ["1", "2"], "enterprise_themes": ["E02"], "personal_themes": ["P10"], "keywords": "开店",
        "handling_forms": ["1", "2"], "online_depth": ["1", "2", "3", "4", "5", "6"],
        "online_url": "https://www.gdzwfw.gov.cn/", "visits": 0,
        "location": "湛江市政务服务中心二楼A区综合受理窗口", "hours": "工作日 8:30-17:30",
        "consult_phone": "0759-3388123", "supervise_phone": "0759-12345",
        "faqs": [{"question": "是否需要现场核查？", "answer": "经营场所变化时需要。"}],
        "materials": materials,
        "form": form
    }))
    .unwrap()
}

async fn publish(
    catalog: &CatalogService,
    basic: &str,
    name: &str,
    dept: i64,
    e: &Elements,
) -> String {
    let sys = Ctx::system("test");
    catalog
        .create_basic(
            &sys,
            &BasicItemInput {
                code: basic.into(),
                name: name.into(),
                item_type: "01".into(),
                legal_basis: "《中华人民共和国行政许可法》".into(),
                statutory_limit: Some(20),
                statutory_unit: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let item = catalog
        .claim(
            &sys,
            &ClaimInput {
                basic_code: basic.into(),
                department_id: dept,
                division_code: None,
                code: None,
            },
        )
        .await
        .unwrap();
    catalog.save_draft(&sys, &item.code, e, None).await.unwrap();
    catalog.submit(&sys, &item.code).await.unwrap();
    catalog.approve(&sys, &item.code, "同意").await.unwrap();
    item.code
}

fn business() -> Elements {
    elements(
        json!([
            {"key": "name", "label": "名称", "kind": "text", "required": true},
            {"key": "address", "label": "经营场所", "kind": "text", "required": true},
            {"key": "operator", "label": "经营者", "kind": "text", "required": true, "prefill": "applicant_name"}
        ]),
        json!([{"key": "M01", "name": "经营场所使用证明", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}]),
        3,
    )
}

fn food() -> Elements {
    elements(
        json!([
            {"key": "licence_no", "label": "营业执照号", "kind": "text", "required": true},
            {"key": "area_h", "label": "面积（百平方米）", "kind": "number", "decimals": 2}
        ]),
        json!([
            {"key": "M01", "name": "经营场所使用证明", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"},
            {"key": "M02", "name": "经营场所平面图", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}
        ]),
        10,
    )
}

fn sign() -> Elements {
    elements(
        json!([
            {"key": "text", "label": "招牌文字", "kind": "text", "required": true},
            {"key": "source", "label": "来源", "kind": "text"}
        ]),
        json!([{"key": "M01", "name": "招牌效果图", "source": "1", "originals": 1, "copies": 0, "required": false, "format": "3"}]),
        5,
    )
}

async fn fixture() -> Fx {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-11-23 02:00 UTC)));
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), clock.clone());
    let mut depts = Vec::new();
    for (name, body) in [
        ("湛江市市场监督管理局", "11440800MB2C1234"),
        ("湛江市城市管理和综合执法局", "11440800MB2C2345"),
    ] {
        let d = org
            .create_department(
                &sys,
                &DepartmentInput {
                    uscc: uscc(body),
                    name: name.into(),
                    division_code: "440800".into(),
                    kind: "bureau".into(),
                    phone: "0759-3100000".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        depts.push(d.id);
    }
    let catalog = CatalogService::new(t.db.clone(), clock.clone());
    let a = publish(
        &catalog,
        "000117001000",
        "个体工商户设立登记",
        depts[0],
        &business(),
    )
    .await;
    let b = publish(
        &catalog,
        "000117008000",
        "食品经营许可证核发",
        depts[0],
        &food(),
    )
    .await;
    let c = publish(
        &catalog,
        "000132005000",
        "户外招牌设置许可",
        depts[1],
        &sign(),
    )
    .await;
    let svc = BundleService::new(t.db.clone(), clock, catalog.clone());
    Fx {
        t,
        catalog,
        svc,
        items: [a, b, c],
        editor: staff(10, depts[0], Role::CatalogEditor),
        reviewer: staff(11, depts[0], Role::CatalogReviewer),
    }
}

fn definition(items: &[String; 3]) -> Bundle {
    serde_json::from_value(json!({
        "code": "open-shop",
        "name": "开店一件事",
        "name_en": "Open a shop",
        "theme": "开店经营",
        "summary": "营业执照、食品经营许可、招牌设置一次申请",
        "keywords": "饭店,餐饮",
        "holder": "person",
        "promised_days": 8,
        "questions": [
            {"key": "sells_food", "text": "是否销售食品？", "choices": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]},
            {"key": "sign", "text": "是否设置招牌？", "choices": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}
        ],
        "fields": [
            {"key": "shop_name", "label": "店名", "kind": "text", "required": true, "max_len": 50},
            {"key": "street", "label": "街道", "kind": "text", "required": true, "max_len": 50},
            {"key": "number", "label": "门牌号", "kind": "text", "required": true, "max_len": 20},
            {"key": "area", "label": "面积（平方米）", "kind": "number", "required": true, "min": 1, "max": 10000},
            {"key": "sign_text", "label": "招牌文字", "kind": "text", "max_len": 20}
        ],
        "materials": [
            {"key": "lease", "name": "经营场所使用证明"},
            {"key": "layout", "name": "经营场所平面图"}
        ],
        "parts": [
            {"key": "business", "item": items[0], "fields": [
                {"to": "name", "from": {"field": {"field": "shop_name"}}},
                {"to": "address", "from": {"join": {"fields": ["street", "number"], "separator": ""}}}
             ], "materials": [{"entry": "M01", "material": "lease"}]},
            {"key": "food", "item": items[1], "after": ["business"],
             "when": {"answer": {"question": "sells_food", "values": ["yes"]}},
             "fields": [
                {"to": "licence_no", "from": {"result": {"part": "business", "value": "number"}}},
                {"to": "area_h", "from": {"field": {"field": "area", "transform": {"scale": {"factor": 0.01}}}}}
             ], "materials": [{"entry": "M01", "material": "lease"}, {"entry": "M02", "material": "layout"}]},
            {"key": "sign", "item": items[2],
             "when": {"answer": {"question": "sign", "values": ["yes"]}},
             "fields": [
                {"to": "text", "from": {"field": {"field": "sign_text"}}},
                {"to": "source", "from": {"const": {"value": "一件事"}}}
             ], "materials": [{"entry": "M01", "material": "layout"}]}
        ]
    }))
    .unwrap()
}

async fn published(f: &Fx) -> Bundle {
    let def = definition(&f.items);
    let v = f.svc.create(&f.editor, &def).await.unwrap();
    let v = f
        .svc
        .submit(&f.editor, "open-shop", 1, v.revision)
        .await
        .unwrap();
    assert_eq!(v.status, "submitted");
    let v = f
        .svc
        .review(&f.reviewer, "open-shop", 1, true, "同意")
        .await
        .unwrap();
    assert_eq!(v.status, "published");
    def
}

async fn audit(f: &Fx, action: &str) -> Vec<yiwang_audit::Record> {
    let mut c = f.t.db.clone();
    yiwang_audit::search(
        &mut c,
        &yiwang_audit::Query {
            action: Some(action.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn create_submit_approve_publishes_and_new_versions_supersede() {
    let f = fixture().await;
    assert!(f.svc.published("open-shop").await.unwrap().is_none());
    let def = published(&f).await;
    let p = f.svc.published("open-shop").await.unwrap().unwrap();
    assert_eq!((p.version, &p.def), (1, &def));
    // The trait the cases domain uses answers the same, and version 1 by number.
    let dyn_defs: &dyn BundleDefs = &f.svc;
    assert_eq!(
        dyn_defs
            .published("open-shop")
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    assert!(dyn_defs.version("open-shop", 1).await.unwrap().is_some());
    assert!(dyn_defs.published("no-such").await.unwrap().is_none());
    for e in ["bundle.create", "bundle.submit", "bundle.publish"] {
        assert_eq!(audit(&f, e).await.len(), 1, "{e}");
    }

    // A new version is a draft copy; editing it needs the revision read.
    let v2 = f.svc.new_version(&f.editor, "open-shop").await.unwrap();
    assert_eq!((v2.version, v2.status.as_str()), (2, "draft"));
    assert_eq!(v2.def, def);
    let e = f.svc.new_version(&f.editor, "open-shop").await.unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::InvalidState,
        "one open version at a time"
    );
    let mut changed = def.clone();
    changed.promised_days = 6;
    let e = f
        .svc
        .update(&f.editor, "open-shop", 2, v2.revision + 1, &changed)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let v2 = f
        .svc
        .update(&f.editor, "open-shop", 2, v2.revision, &changed)
        .await
        .unwrap();
    assert_eq!(v2.def.promised_days, 6);
    // The published version stays what it was while version 2 is edited.
    assert_eq!(
        f.svc
            .published("open-shop")
            .await
            .unwrap()
            .unwrap()
            .def
            .promised_days,
        8
    );

    // Rejected with an opinion (required), edited again, approved: version 1 superseded.
    f.svc
        .submit(&f.editor, "open-shop", 2, v2.revision)
        .await
        .unwrap();
    let e = f
        .svc
        .review(&f.reviewer, "open-shop", 2, false, " ")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let v2 = f
        .svc
        .review(&f.reviewer, "open-shop", 2, false, "时限应与各部门确认")
        .await
        .unwrap();
    assert_eq!(
        (v2.status.as_str(), v2.review_opinion.as_str()),
        ("rejected", "时限应与各部门确认")
    );
    changed.promised_days = 7;
    let v2 = f
        .svc
        .update(&f.editor, "open-shop", 2, v2.revision, &changed)
        .await
        .unwrap();
    assert_eq!(v2.status, "draft");
    f.svc
        .submit(&f.editor, "open-shop", 2, v2.revision)
        .await
        .unwrap();
    f.svc
        .review(&f.reviewer, "open-shop", 2, true, "")
        .await
        .unwrap();
    let p = f.svc.published("open-shop").await.unwrap().unwrap();
    assert_eq!((p.version, p.def.promised_days), (2, 7));
    let h = f.svc.history(&f.reviewer, "open-shop").await.unwrap();
    let states: Vec<(i64, &str)> = h
        .versions
        .iter()
        .map(|v| (v.version, v.status.as_str()))
        .collect();
    assert_eq!(states, vec![(2, "published"), (1, "superseded")]);
    // Version 1 stays readable (running applications were made on it).
    assert_eq!(
        f.svc
            .published_version("open-shop", 1)
            .await
            .unwrap()
            .unwrap()
            .def
            .promised_days,
        8
    );
    assert_eq!(audit(&f, "bundle.reject").await.len(), 1);
    let list = f.svc.list(&f.editor).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].status.as_str(), list[0].published_version),
        ("published", Some(2))
    );
    assert_eq!(list[0].versions.len(), 2);
}

#[tokio::test]
async fn a_published_version_never_changes() {
    let f = fixture().await;
    let mut def = published(&f).await;
    def.name = "改过的名称".into();
    // Not through the service …
    let e = f
        .svc
        .update(&f.editor, "open-shop", 1, 3, &def)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidState);
    // … nor straight in the database: the trigger refuses.
    let mut c = f.t.db.clone();
    let row = yiwang_bundles::repo::bundle_by_code(&mut c, "open-shop")
        .await
        .unwrap()
        .unwrap();
    let r = yiwang_bundles::repo::force_doc(&mut c, row.id, 1, "{}").await;
    assert!(r.is_err(), "the trigger let a published definition change");
    let v = f
        .svc
        .version(&Ctx::anonymous(), "open-shop", 1)
        .await
        .unwrap();
    assert_eq!(v.def.name, "开店一件事");
}

#[tokio::test]
async fn retiring_takes_the_bundle_off_but_keeps_its_version_readable() {
    let f = fixture().await;
    published(&f).await;
    let e = f
        .svc
        .retire(&f.reviewer, "open-shop", "")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let e = f
        .svc
        .retire(&f.editor, "open-shop", "合并")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "an editor does not retire");
    let v = f
        .svc
        .retire(&f.reviewer, "open-shop", "已并入新的一件事")
        .await
        .unwrap();
    assert_eq!(
        (v.status.as_str(), v.retire_reason.as_str()),
        ("retired", "已并入新的一件事")
    );
    assert!(f.svc.published("open-shop").await.unwrap().is_none());
    assert!(f.svc.published_list().await.unwrap().is_empty());
    assert!(
        f.svc
            .published_version("open-shop", 1)
            .await
            .unwrap()
            .is_some()
    );
    let e = f.svc.plan("open-shop", &json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = f
        .svc
        .retire(&f.reviewer, "open-shop", "再次")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidState);
    assert_eq!(audit(&f, "bundle.retire").await.len(), 1);
}

#[tokio::test]
async fn submission_lists_every_problem_with_the_items() {
    let f = fixture().await;
    let mut def = definition(&f.items);
    // The business part loses the source of a required field; the sign part names an item
    // that is not published; the food part maps a field its item does not have.
    def.parts[0].fields.retain(|m| m.to != "address");
    def.parts[2].item = "11440800MB2C2345000000000000000000".into();
    def.parts[1].fields[1].to = "no_such_field".into();
    let v = f.svc.create(&f.editor, &def).await.unwrap();
    let e = f
        .svc
        .submit(&f.editor, "open-shop", 1, v.revision)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let rules: Vec<(&str, &str)> = e
        .fields
        .iter()
        .map(|x| (x.field.as_str(), x.rule.as_str()))
        .collect();
    assert!(
        rules.contains(&("parts[0].fields", "bundle.unmapped_field")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("parts[2].item", "item.not_published")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("parts[1].fields[1].to", "bundle.unknown_item_field")),
        "{rules:?}"
    );
    assert_eq!(
        f.svc
            .version(&f.editor, "open-shop", 1)
            .await
            .unwrap()
            .status,
        "draft"
    );

    // An item retired after submission: the reviewer's approval checks again.
    let def = definition(&f.items);
    let v = f
        .svc
        .update(&f.editor, "open-shop", 1, v.revision, &def)
        .await
        .unwrap();
    f.svc
        .submit(&f.editor, "open-shop", 1, v.revision)
        .await
        .unwrap();
    f.catalog
        .retire(&Ctx::system("test"), &f.items[1], "停办")
        .await
        .unwrap();
    let e = f
        .svc
        .review(&f.reviewer, "open-shop", 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(
        e.fields
            .iter()
            .any(|x| x.field == "parts[1].item" && x.rule == "item.not_published")
    );
    assert!(f.svc.published("open-shop").await.unwrap().is_none());

    // A definition breaking its own rules is refused on every save.
    let mut bad = definition(&f.items);
    bad.code = "Bad Code".into();
    bad.promised_days = 0;
    let e = f.svc.create(&f.editor, &bad).await.unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|x| x.field.as_str()).collect();
    assert!(
        fields.contains(&"code") && fields.contains(&"promised_days"),
        "{fields:?}"
    );
    // A taken code.
    let e = f.svc.create(&f.editor, &def).await.unwrap_err();
    assert_eq!(e.fields[0].rule, "bundle.code_taken");
}

#[tokio::test]
async fn deny_by_default_and_audit_refusals() {
    let f = fixture().await;
    let def = definition(&f.items);
    let clerk = staff(20, 1, Role::CaseClerk);
    for who in [&citizen(), &clerk, &f.reviewer] {
        let e = f.svc.create(who, &def).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
    }
    let e = f.svc.create(&Ctx::anonymous(), &def).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    let v = f.svc.create(&f.editor, &def).await.unwrap();
    for who in [&citizen(), &clerk] {
        assert_eq!(
            f.svc.list(who).await.unwrap_err().code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            f.svc.history(who, "open-shop").await.unwrap_err().code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            f.svc
                .submit(who, "open-shop", 1, v.revision)
                .await
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
        // A draft is not found for those who may not read drafts.
        assert_eq!(
            f.svc.version(who, "open-shop", 1).await.unwrap_err().code,
            ErrorCode::NotFound
        );
    }
    f.svc
        .submit(&f.editor, "open-shop", 1, v.revision)
        .await
        .unwrap();
    // The editor (holding no review permission) may not review; a reviewer who submitted a
    // version may not approve it.
    let e = f
        .svc
        .review(&f.editor, "open-shop", 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let both = Ctx::new(
        Actor::Staff(Staff {
            user_id: 10,
            username: "u10".into(),
            name: "测试10".into(),
            department_id: 1,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![Role::CatalogEditor, Role::CatalogReviewer],
        }),
        "",
    );
    let e = f
        .svc
        .review(&both, "open-shop", 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SelfReview);
    let denied = audit(&f, "auth.denied").await;
    assert!(denied.len() >= 9, "{}", denied.len());
    assert!(denied.iter().all(|d| d.object.starts_with("bundle")));
    assert_eq!(audit(&f, "bundle.create").await.len(), 1);
}

#[tokio::test]
async fn the_public_list_search_and_plan() {
    let f = fixture().await;
    published(&f).await;
    let list = f.svc.published_list().await.unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(
        (s.code.as_str(), s.promised_days, s.items_days),
        ("open-shop", 8, 18)
    );
    let names: Vec<&str> = s.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "个体工商户设立登记",
            "食品经营许可证核发",
            "户外招牌设置许可"
        ]
    );
    assert_eq!(s.parts[2].department_name, "湛江市城市管理和综合执法局");
    assert!(s.parts[1].conditional && !s.parts[0].conditional);

    for (q, n) in [
        ("开店", 1),
        ("餐饮", 1),
        ("招牌", 1),
        ("开店 社保", 0),
        ("", 0),
        ("社保", 0),
    ] {
        assert_eq!(f.svc.search(q).await.unwrap().len(), n, "{q}");
    }

    let p = f
        .svc
        .plan("open-shop", &json!({"sells_food": "yes", "sign": "no"}))
        .await
        .unwrap();
    assert_eq!(p.plan.parts, vec!["business", "food"]);
    assert_eq!(p.dropped, vec!["户外招牌设置许可"]);
    let fields: Vec<&str> = p.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(fields, vec!["shop_name", "street", "number", "area"]);
    let lease = p.materials.iter().find(|m| m.key == "lease").unwrap();
    assert!(lease.required);
    assert_eq!(
        lease.parts,
        vec!["个体工商户设立登记", "食品经营许可证核发"]
    );
    assert_eq!(p.parts[1].waits_for, vec!["个体工商户设立登记"]);
    assert_eq!(p.parts[1].promised_days, 10);
    assert_eq!(p.savings.parts, 2);
    assert_eq!(p.savings.items_days, 13);
    assert_eq!(p.savings.visits_saved, 1);
    assert_eq!(
        (p.savings.item_materials, p.savings.asked_materials),
        (3, 2)
    );

    let e = f
        .svc
        .plan("open-shop", &json!({"sells_food": "maybe"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let fields: Vec<&str> = e.fields.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(fields, vec!["answers.sells_food", "answers.sign"]);
    assert_eq!(
        f.svc.plan("no-such", &json!({})).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}
