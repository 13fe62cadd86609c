//! Bundle applications (一件事一次办) through the cases service, on a fresh database (SQLite,
//! or PostgreSQL when `YIWANG_TEST_DATABASE_URL` is set): a restaurant-like bundle over items
//! published in the test in three departments. One submission makes a case per part in each
//! department's inbox; a field typed once reaches every part; a material uploaded once is
//! attached to every part that needs it; the food part waits for the business licence and
//! takes its number; the bundle concludes when every part did; refusal, withdrawal, rating,
//! idempotency and an all-or-nothing submission.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::{Value, json};
use time::macros::datetime;
use yiwang_bundles::StaticDefs;
use yiwang_bundles::views::{BundleApplication, BundleCaseView, BundleMaterialRef};
use yiwang_calendar::CalendarService;
use yiwang_cases::{CaseConfig, CaseService, CaseView, InboxFilter, WindowApplicant};
use yiwang_catalog::CatalogService;
use yiwang_catalog::model::{BasicItemInput, Elements};
use yiwang_catalog::service::ClaimInput;
use yiwang_files::{Intake, Limits, MemoryFileStore};
use yiwang_identity::{IdentityConfig, IdentityService, Keys, PersonRegistration, StaffInput};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::paging::Page;
use yiwang_licences::{LicenceService, LicenceType};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;
use yiwang_workflow::Action;

const ID: &str = "440802199001011238";
const PHONE: &str = "13812345678";

struct Fx {
    _t: TestDb,
    cases: CaseService,
    plain: CaseService,
    licences: LicenceService,
    citizen: Ctx,
    clerk: Ctx,
    /// Officers of the market regulator, city management and fire brigade.
    sc: Ctx,
    cg: Ctx,
    xf: Ctx,
    codes: Codes,
}

/// The items' codes: business licence, food licence, signboard, fire safety.
struct Codes {
    sign: String,
    fire: String,
}

fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

fn elements(result: (&str, &str), form: Value, materials: &[&str]) -> Elements {
    let mats: Vec<Value> = materials
        .iter()
        .map(|m| json!({"name": m, "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}))
        .collect();
    serde_json::from_value(json!({
        "exercise_level": "3", "subject_nature": "1", "power_source": "1",
        "acceptance_conditions": "申请人具备相应条件。",
        "process": "申请—受理—审查—决定—送达",
        "process_steps": [
            {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
            {"name": "审查", "limit": 2, "description": "材料审查"},
            {"name": "决定", "limit": 1, "description": "作出决定"}
        ],
        "statutory_limit": 20, "statutory_unit": "1",
        "promised_limit": 5, "promised_unit": "1",
        "case_type": "2", "result_type": result.0, "result_name": result.1,
        "result_sample": "https://www.zhanjiang.gov.cn/zwfw/samples/sample.pdf",
        "service_objects": ["1"], "personal_themes": ["P05"], "keywords": "开餐馆",
        "handling_forms": ["1", "2"], "online_depth": ["1", "2", "3", "4", "5", "6"],
        "online_url": "https://www.gdzwfw.gov.cn/", "visits": 0,
        "location": "湛江市政务服务中心二楼", "hours": "工作日 8:30-17:30",
        "consult_phone": "0759-3388123", "supervise_phone": "0759-12345",
        "faqs": [{"question": "是否需要现场核查？", "answer": "需要时通知。"}],
        "materials": mats,
        "form": form
    }))
    .unwrap()
}

fn restaurant() -> yiwang_bundles::Bundle {
    serde_json::from_value(json!({
        "code": "open-restaurant",
        "name": "开餐馆一件事",
        "theme": "开店经营",
        "holder": "person",
        "promised_days": 8,
        "questions": [
            {"key": "sells_food", "text": "是否经营食品？", "choices": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]},
            {"key": "sign", "text": "是否设置户外招牌？", "choices": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]}
        ],
        "fields": [
            {"key": "shop_name", "label": "店名", "kind": "text", "required": true, "max_len": 50},
            {"key": "street", "label": "街道", "kind": "text", "required": true, "max_len": 50},
            {"key": "house_no", "label": "门牌号", "kind": "text", "required": true, "max_len": 20},
            {"key": "area", "label": "面积（平方米）", "kind": "number", "required": true, "min": 1, "max": 10000},
            {"key": "sign_text", "label": "招牌文字", "kind": "text", "max_len": 30},
            {"key": "operator", "label": "经营者", "kind": "text", "max_len": 20},
            {"key": "kind", "label": "经营类别", "kind": "choice", "required": true,
             "options": [{"code": "meal", "label": "餐饮"}, {"code": "retail", "label": "零售"}]}
        ],
        "materials": [
            {"key": "lease", "name": "经营场所使用证明"},
            {"key": "layout", "name": "经营场所平面图"},
            {"key": "design", "name": "招牌效果图"}
        ],
        "parts": [
            {"key": "business", "item": "BIZ", "fields": [
                {"to": "name", "from": {"field": {"field": "shop_name"}}},
                {"to": "address", "from": {"join": {"fields": ["street", "house_no"], "separator": ""}}},
                {"to": "operator", "from": {"field": {"field": "operator"}}}
             ], "materials": [{"entry": "M01", "material": "lease"}]},
            {"key": "food", "item": "FOOD", "after": ["business"],
             "when": {"answer": {"question": "sells_food", "values": ["yes"]}},
             "fields": [
                {"to": "licence_no", "from": {"result": {"part": "business", "value": "number"}}},
                {"to": "category", "from": {"field": {"field": "kind", "transform": {"map": {"table": [["meal", "01"], ["retail", "02"]]}}}}},
                {"to": "area_h", "from": {"field": {"field": "area", "transform": {"scale": {"factor": 0.01}}}}}
             ], "materials": [{"entry": "M01", "material": "lease"}, {"entry": "M02", "material": "layout"}]},
            {"key": "sign", "item": "SIGN",
             "when": {"answer": {"question": "sign", "values": ["yes"]}},
             "fields": [
                {"to": "text", "from": {"field": {"field": "sign_text"}}},
                {"to": "shop", "from": {"field": {"field": "shop_name"}}}
             ], "materials": [{"entry": "M01", "material": "design"}]},
            {"key": "fire", "item": "FIRE", "fields": [
                {"to": "name", "from": {"field": {"field": "shop_name"}}},
                {"to": "address", "from": {"join": {"fields": ["street", "house_no"], "separator": ""}}},
                {"to": "area", "from": {"field": {"field": "area"}}}
             ], "materials": [{"entry": "M01", "material": "layout"}]}
        ]
    }))
    .unwrap()
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
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![role],
        }),
        "10.0.0.9",
    )
}

async fn publish(
    catalog: &CatalogService,
    basic: &str,
    name: &str,
    dept: i64,
    e: Elements,
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
    catalog
        .save_draft(&sys, &item.code, &e, None)
        .await
        .unwrap();
    catalog.submit(&sys, &item.code).await.unwrap();
    catalog.approve(&sys, &item.code, "同意").await.unwrap();
    item.code
}

async fn fixture() -> Fx {
    let t = TestDb::new().await.unwrap();
    let clock = FixedClock::new(datetime!(2026-11-23 02:00 UTC));
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = Keys::ephemeral().unwrap();
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), shared.clone());
    let mut depts = Vec::new();
    for (name, body, kind) in [
        ("湛江市市场监督管理局", "11440800MB2C1234", "bureau"),
        ("湛江市城市管理和综合执法局", "11440800MB2C2345", "bureau"),
        ("湛江市消防救援支队", "11440800MB2C3456", "bureau"),
        (
            "湛江市政务服务和数据管理局",
            "11440800MB2C5678",
            "service_admin",
        ),
    ] {
        let d = org
            .create_department(
                &sys,
                &DepartmentInput {
                    uscc: uscc(body),
                    name: name.into(),
                    division_code: "440800".into(),
                    kind: kind.into(),
                    phone: "0759-3100000".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        depts.push(d.id);
    }
    let identity = IdentityService::new(
        t.db.clone(),
        shared.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let licences =
        LicenceService::new(t.db.clone(), shared.clone(), keys.clone(), identity.clone());
    licences
        .define_type(
            &sys,
            &LicenceType {
                code: format!("{}001", uscc("11440800MB2C1234")),
                name: "营业执照".into(),
                definer_name: "湛江市市场监督管理局".into(),
                holder_type: "person".into(),
                face_schema: json!([
                    {"key": "name", "label": "名称", "kind": "text", "required": true},
                    {"key": "number", "label": "注册号", "kind": "text"}
                ])
                .to_string(),
                validity_years: 0,
            },
        )
        .await
        .unwrap();
    let catalog = CatalogService::new(t.db.clone(), shared.clone());
    let biz = publish(
        &catalog,
        "000101001000",
        "个体工商户设立登记",
        depts[0],
        elements(
            ("1", "营业执照"),
            json!([
                {"key": "name", "label": "名称", "kind": "text", "required": true},
                {"key": "address", "label": "经营场所", "kind": "text", "required": true},
                {"key": "operator", "label": "经营者", "kind": "text", "required": true, "prefill": "applicant_name"}
            ]),
            &["经营场所使用证明"],
        ),
    )
    .await;
    let food = publish(
        &catalog,
        "000117008000",
        "食品经营许可证核发",
        depts[0],
        elements(
            ("2", "批准文书"),
            json!([
                {"key": "licence_no", "label": "营业执照注册号", "kind": "text", "required": true},
                {"key": "category", "label": "类别", "kind": "choice", "required": true,
                 "options": [{"code": "01", "label": "餐饮服务"}, {"code": "02", "label": "食品销售"}]},
                {"key": "area_h", "label": "面积（百平方米）", "kind": "number", "decimals": 2}
            ]),
            &["场所证明", "平面图"],
        ),
    )
    .await;
    let sign = publish(
        &catalog,
        "000130001000",
        "户外招牌设置审批",
        depts[1],
        elements(
            ("2", "批准文书"),
            json!([
                {"key": "text", "label": "招牌文字", "kind": "text", "required": true, "max_len": 10},
                {"key": "shop", "label": "店铺名称", "kind": "text", "required": true}
            ]),
            &["招牌效果图"],
        ),
    )
    .await;
    let fire = publish(
        &catalog,
        "000140001000",
        "公众聚集场所投入使用、营业前消防安全检查",
        depts[2],
        elements(
            ("2", "批准文书"),
            json!([
                {"key": "name", "label": "场所名称", "kind": "text", "required": true},
                {"key": "address", "label": "场所地址", "kind": "text", "required": true},
                {"key": "area", "label": "建筑面积", "kind": "number", "required": true}
            ]),
            &["平面布置图"],
        ),
    )
    .await;
    let mut def = restaurant();
    for (from, to) in [
        ("BIZ", &biz),
        ("FOOD", &food),
        ("SIGN", &sign),
        ("FIRE", &fire),
    ] {
        for p in def.parts.iter_mut().filter(|p| p.item == from) {
            p.item = to.clone();
        }
    }
    let (_, session) = identity
        .register_person(
            &PersonRegistration {
                name: "陈小明".into(),
                id_number: ID.into(),
                phone: PHONE.into(),
                password: "Passw0rd-for-tests".into(),
            },
            "",
        )
        .await
        .unwrap();
    let clerk = staff(&identity, "clerk", depts[3], Role::CaseClerk).await;
    let sc = staff(&identity, "scofficer", depts[0], Role::CaseOfficer).await;
    let cg = staff(&identity, "cgofficer", depts[1], Role::CaseOfficer).await;
    let xf = staff(&identity, "xfofficer", depts[2], Role::CaseOfficer).await;
    let plain = CaseService::new(
        t.db.clone(),
        shared.clone(),
        keys.clone(),
        catalog.clone(),
        CalendarService::new(t.db.clone(), shared.clone()),
        identity.clone(),
        Intake::new(Arc::new(MemoryFileStore::new()), Limits::default()),
        CaseConfig::default(),
        licences.clone(),
    );
    let cases = plain
        .clone()
        .with_bundles(Arc::new(StaticDefs::of(vec![def])));
    Fx {
        _t: t,
        cases,
        plain,
        licences,
        citizen: Ctx::new(session.actor, "10.0.0.1"),
        clerk,
        sc,
        cg,
        xf,
        codes: Codes { sign, fire },
    }
}

fn pdf(n: u32) -> bytes::Bytes {
    bytes::Bytes::from(format!(
        "%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj % {n}\ntrailer <<>>\n%%EOF\n"
    ))
}

fn code_of<T: std::fmt::Debug>(r: yiwang_kernel::Result<T>) -> ErrorCode {
    r.expect_err("refused").code
}

impl Fx {
    async fn ticket(&self, who: &Ctx, n: u32) -> String {
        self.cases
            .upload(who, &format!("材料{n}.pdf"), pdf(n))
            .await
            .unwrap()
            .ticket
    }

    async fn application(&self, who: &Ctx, food: bool, sign: bool) -> BundleApplication {
        let yn = |b: bool| if b { "yes" } else { "no" };
        let mut materials = vec![
            BundleMaterialRef {
                material: "lease".into(),
                ticket: self.ticket(who, 1).await,
                licence: String::new(),
            },
            BundleMaterialRef {
                material: "layout".into(),
                ticket: self.ticket(who, 2).await,
                licence: String::new(),
            },
        ];
        if sign {
            materials.push(BundleMaterialRef {
                material: "design".into(),
                ticket: self.ticket(who, 3).await,
                licence: String::new(),
            });
        }
        BundleApplication {
            bundle: "open-restaurant".into(),
            answers: json!({"sells_food": yn(food), "sign": yn(sign)}),
            form: json!({"shop_name": "海滨小馆", "street": "赤坎区海滨大道", "house_no": "18号",
                         "area": 120, "sign_text": "海滨小馆", "kind": "meal"}),
            materials,
            channel: String::new(),
        }
    }

    async fn submitted(&self, food: bool, sign: bool) -> BundleCaseView {
        let app = self.application(&self.citizen, food, sign).await;
        self.cases
            .submit_bundle(&self.citizen, &app, None)
            .await
            .unwrap()
            .0
    }

    fn officer_of(&self, v: &CaseView) -> &Ctx {
        if v.item_code == self.codes.sign {
            &self.cg
        } else if v.item_code == self.codes.fire {
            &self.xf
        } else {
            &self.sc
        }
    }

    /// Accepts a part's case and takes it through its two steps: granted or refused.
    async fn conclude(&self, case_no: &str, grant: bool) -> CaseView {
        let v = self.cases.case(&self.clerk, case_no).await.unwrap();
        let v = self
            .cases
            .accept(&self.clerk, case_no, Some(v.revision))
            .await
            .unwrap();
        let officer = self.officer_of(&v);
        let mut v = v;
        for step in 0..2 {
            self.cases
                .act(officer, case_no, None, None, Action::Claim)
                .await
                .unwrap();
            let action = if grant || step == 0 {
                Action::Approve {
                    opinion: "同意".into(),
                }
            } else {
                Action::Refuse {
                    opinion: "招牌位置不符合规划".into(),
                }
            };
            v = self
                .cases
                .act(officer, case_no, None, None, action)
                .await
                .unwrap();
        }
        assert_eq!(v.status.as_str(), "concluded", "{v:?}");
        v
    }
}

fn part<'a>(v: &'a BundleCaseView, key: &str) -> &'a yiwang_bundles::views::PartView {
    v.parts.iter().find(|p| p.key == key).unwrap()
}

fn case_no(v: &BundleCaseView, key: &str) -> String {
    part(v, key).case_no.clone().unwrap()
}

#[tokio::test]
async fn one_submission_makes_a_case_in_each_department_with_the_same_field_and_file() {
    let f = fixture().await;
    let v = f.submitted(true, true).await;
    assert!(
        v.bundle_no.starts_with("YJSOPENRESTAURANT20261123"),
        "{}",
        v.bundle_no
    );
    assert_eq!(v.status, "handling");
    assert_eq!(v.parts.len(), 4);
    assert_eq!(part(&v, "food").state, "waiting");
    assert!(part(&v, "food").case_no.is_none());
    assert_eq!(
        part(&v, "food").waits_for,
        vec!["个体工商户设立登记".to_string()]
    );
    let mut depts = Vec::new();
    for key in ["business", "sign", "fire"] {
        assert_eq!(part(&v, key).state, "started");
        let c = f.cases.case(&f.citizen, &case_no(&v, key)).await.unwrap();
        assert_eq!(c.bundle_no.as_deref(), Some(v.bundle_no.as_str()));
        assert_eq!(c.bundle_name.as_deref(), Some("开餐馆一件事"));
        depts.push(c.department_id);
    }
    depts.dedup();
    assert_eq!(depts.len(), 3, "three departments");
    // A field typed once is in every part's form; the item's own prefill applies.
    let biz = f
        .cases
        .case(&f.citizen, &case_no(&v, "business"))
        .await
        .unwrap();
    let sign = f
        .cases
        .case(&f.citizen, &case_no(&v, "sign"))
        .await
        .unwrap();
    let fire = f
        .cases
        .case(&f.citizen, &case_no(&v, "fire"))
        .await
        .unwrap();
    assert_eq!(biz.form["name"], "海滨小馆");
    assert_eq!(biz.form["address"], "赤坎区海滨大道18号");
    assert_eq!(biz.form["operator"], "陈小明");
    assert_eq!(sign.form["shop"], "海滨小馆");
    assert_eq!(fire.form["name"], "海滨小馆");
    assert_eq!(fire.form["area"], 120);
    // Savings: four items' fields and materials asked as one form and one set.
    assert_eq!(v.savings.parts, 4);
    assert_eq!(v.savings.asked_materials, 3);
    assert_eq!(v.savings.item_materials, 5);
    assert_eq!(v.savings.visits_saved, 3);
    // Each department sees its part only; the bundle's whole view is the applicant's, the
    // window's and the supervisors'.
    assert!(f.cases.case(&f.cg, &sign.case_no).await.is_ok());
    assert_eq!(
        code_of(f.cases.case(&f.cg, &biz.case_no).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(f.cases.case(&f.xf, &sign.case_no).await),
        ErrorCode::NotFound
    );
    let inbox = f
        .cases
        .inbox(
            &f.cg,
            &InboxFilter::default(),
            Page::new(None, None).unwrap(),
        )
        .await
        .unwrap();
    let nos: Vec<&str> = inbox.items.iter().map(|c| c.case_no.as_str()).collect();
    assert_eq!(nos, vec![sign.case_no.as_str()]);
    assert_eq!(
        code_of(f.cases.bundle_view(&f.cg, &v.bundle_no).await),
        ErrorCode::NotFound
    );
    assert!(f.cases.bundle_view(&f.clerk, &v.bundle_no).await.is_ok());
    let mine = f
        .cases
        .my_bundles(&f.citizen, Page::new(None, None).unwrap())
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.items[0].parts, 4);
    let listed = f
        .cases
        .bundle_cases(
            &f.clerk,
            &Default::default(),
            Page::new(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(
        code_of(
            f.cases
                .bundle_cases(&f.cg, &Default::default(), Page::new(None, None).unwrap())
                .await
        ),
        ErrorCode::Forbidden
    );
    // Without definitions every bundle call is "not found".
    let app = f.application(&f.citizen, true, true).await;
    assert_eq!(
        code_of(f.plain.submit_bundle(&f.citizen, &app, None).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(f.plain.bundle_view(&f.citizen, &v.bundle_no).await),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn the_food_part_waits_for_the_business_licence_and_takes_its_number() {
    let f = fixture().await;
    let v = f.submitted(true, true).await;
    let biz_no = case_no(&v, "business");
    f.conclude(&biz_no, true).await;
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert_eq!(part(&v, "business").state, "concluded");
    assert_eq!(part(&v, "business").decision.as_deref(), Some("grant"));
    assert!(
        part(&v, "business").result.is_none(),
        "results wait for the bundle"
    );
    assert_eq!(
        part(&v, "business").reason_zh,
        "已办结，结果随一件事统一送达"
    );
    assert_eq!(part(&v, "food").state, "started", "{v:?}");
    let wallet = f.licences.wallet(&f.citizen).await.unwrap();
    assert_eq!(wallet.len(), 1);
    let food = f
        .cases
        .case(&f.citizen, &case_no(&v, "food"))
        .await
        .unwrap();
    assert_eq!(
        food.form["licence_no"],
        wallet[0].number.as_str(),
        "nobody typed it"
    );
    assert_eq!(food.form["category"], "01");
    assert_eq!(food.form["area_h"], 1.2);
    assert_eq!(food.bundle_no.as_deref(), Some(v.bundle_no.as_str()));
    // The lease uploaded once is attached to both parts that need it, the layout likewise.
    let biz = f.cases.case(&f.citizen, &biz_no).await.unwrap();
    let fire = f
        .cases
        .case(&f.citizen, &case_no(&v, "fire"))
        .await
        .unwrap();
    let sha = |c: &CaseView, entry: &str| {
        c.materials
            .iter()
            .find(|m| m.entry == entry)
            .map(|m| m.sha.clone())
            .unwrap()
    };
    assert_eq!(sha(&food, "M01"), sha(&biz, "M01"));
    assert_eq!(sha(&food, "M02"), sha(&fire, "M01"));
    assert_eq!(v.status, "handling", "the bundle waits for every part");
    // The rating waits for the conclusion.
    assert_eq!(
        code_of(f.cases.rate_bundle(&f.citizen, &v.bundle_no, 5, "").await),
        ErrorCode::InvalidState
    );
    for key in ["food", "sign", "fire"] {
        f.conclude(&case_no(&v, key), true).await;
    }
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert_eq!(v.status, "concluded");
    assert_eq!(v.outcome.as_deref(), Some("granted"));
    assert!(v.concluded_at.is_some());
    assert_eq!(v.results.len(), 1, "the licence, delivered with the bundle");
    assert_eq!(v.results[0].licence_identifier, wallet[0].identifier);
    assert_eq!(v.results[0].part, "business");
    // One rating for the whole service reaches every part's case.
    let r = f
        .cases
        .rate_bundle(&f.citizen, &v.bundle_no, 2, "跑了两次窗口")
        .await
        .unwrap();
    assert_eq!(r.rating.as_ref().map(|r| r.score), Some(2));
    assert_eq!(
        code_of(f.cases.rate_bundle(&f.citizen, &v.bundle_no, 5, "").await),
        ErrorCode::Duplicate
    );
    for key in ["business", "food", "sign", "fire"] {
        let ratings = f
            .cases
            .ratings_of(&f.citizen, &case_no(&v, key))
            .await
            .unwrap();
        assert_eq!(ratings.len(), 1, "{key}");
        assert!(ratings[0].followup.is_some(), "a bad rating is followed up");
    }
    // Statistics.
    let stats = f
        .cases
        .bundle_stats(
            &Ctx::system("test"),
            time::macros::date!(2026 - 11 - 01),
            time::macros::date!(2026 - 11 - 30),
        )
        .await
        .unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].submitted, stats[0].concluded, stats[0].on_time),
        (1, 1, 1)
    );
    assert_eq!(stats[0].visits_saved, 3);
    assert_eq!(
        code_of(
            f.cases
                .bundle_stats(
                    &f.citizen,
                    time::macros::date!(2026 - 11 - 01),
                    time::macros::date!(2026 - 11 - 30)
                )
                .await
        ),
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn no_food_drops_the_food_part() {
    let f = fixture().await;
    let v = f.submitted(false, false).await;
    let keys: Vec<&str> = v.parts.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, vec!["business", "fire"]);
    assert_eq!(v.answers.len(), 2);
    assert_eq!(v.answers[0].answer_label, "否");
}

#[tokio::test]
async fn a_refused_part_leaves_the_others_granted_and_is_explained() {
    let f = fixture().await;
    let v = f.submitted(true, true).await;
    f.conclude(&case_no(&v, "business"), false).await;
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    let food = part(&v, "food");
    assert_eq!(food.state, "cancelled");
    assert!(
        food.reason_zh.contains("个体工商户设立登记"),
        "{}",
        food.reason_zh
    );
    assert!(food.case_no.is_none());
    let biz = part(&v, "business");
    assert_eq!(biz.decision.as_deref(), Some("refuse"));
    assert!(
        biz.reason_zh.contains("招牌位置不符合规划"),
        "{}",
        biz.reason_zh
    );
    f.conclude(&case_no(&v, "sign"), true).await;
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert_eq!(v.status, "handling");
    f.conclude(&case_no(&v, "fire"), true).await;
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert_eq!(v.status, "concluded");
    assert_eq!(v.outcome.as_deref(), Some("partly"));
    assert_eq!(part(&v, "sign").decision.as_deref(), Some("grant"));
    assert!(
        v.results.is_empty(),
        "the refused business licence issued nothing"
    );
}

#[tokio::test]
async fn the_applicant_withdraws_the_whole_bundle() {
    let f = fixture().await;
    let v = f.submitted(true, true).await;
    assert_eq!(
        code_of(
            f.cases
                .withdraw_bundle(&f.citizen, &v.bundle_no, Some(v.revision + 1), "")
                .await
        ),
        ErrorCode::Conflict
    );
    assert_eq!(
        code_of(
            f.cases
                .withdraw_bundle(&f.clerk, &v.bundle_no, None, "")
                .await
        ),
        ErrorCode::NotFound
    );
    let w = f
        .cases
        .withdraw_bundle(&f.citizen, &v.bundle_no, Some(v.revision), "不开了")
        .await
        .unwrap();
    assert_eq!(w.status, "withdrawn", "{w:?}");
    for p in &w.parts {
        assert_eq!(p.state, "withdrawn", "{}", p.key);
    }
    let biz = f
        .cases
        .case(&f.citizen, &case_no(&w, "business"))
        .await
        .unwrap();
    assert_eq!(biz.status.as_str(), "withdrawn");
    assert_eq!(
        code_of(
            f.cases
                .withdraw_bundle(&f.citizen, &v.bundle_no, None, "")
                .await
        ),
        ErrorCode::InvalidState
    );
}

#[tokio::test]
async fn a_withdrawal_after_a_part_concluded_keeps_that_part() {
    let f = fixture().await;
    let v = f.submitted(false, false).await;
    f.conclude(&case_no(&v, "fire"), true).await;
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    let w = f
        .cases
        .withdraw_bundle(&f.citizen, &v.bundle_no, Some(v.revision), "")
        .await
        .unwrap();
    assert_eq!(part(&w, "fire").state, "concluded");
    assert_eq!(part(&w, "business").state, "withdrawn");
    assert_eq!(w.status, "concluded");
    assert_eq!(w.outcome.as_deref(), Some("partly"));
}

#[tokio::test]
async fn a_retry_with_the_same_key_answers_the_first_application() {
    let f = fixture().await;
    let app = f.application(&f.citizen, true, false).await;
    let (a, created) = f
        .cases
        .submit_bundle(&f.citizen, &app, Some("k-1"))
        .await
        .unwrap();
    assert!(created);
    let (b, created) = f
        .cases
        .submit_bundle(&f.citizen, &app, Some("k-1"))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(a.bundle_no, b.bundle_no);
    let mut other = app.clone();
    other.form["shop_name"] = json!("另一家");
    let e = f
        .cases
        .submit_bundle(&f.citizen, &other, Some("k-1"))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].rule, "idempotency_key.reused");
    let mine = f
        .cases
        .my_cases(&f.citizen, Page::new(None, None).unwrap())
        .await
        .unwrap();
    assert_eq!(mine.total, 2, "business and fire, once");
}

#[tokio::test]
async fn every_problem_of_every_part_comes_back_and_nothing_is_written() {
    let f = fixture().await;
    let mut app = f.application(&f.citizen, true, true).await;
    // The merged form allows 30 characters; the signboard item 10.
    app.form["sign_text"] = json!("海滨小馆海鲜大排档欢迎您光临");
    app.materials.retain(|m| m.material != "lease");
    let e = f
        .cases
        .submit_bundle(&f.citizen, &app, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let fields: Vec<&str> = e.fields.iter().map(|x| x.field.as_str()).collect();
    assert!(fields.contains(&"form.sign_text"), "{fields:?}");
    assert!(fields.contains(&"materials.lease"), "{fields:?}");
    assert_eq!(
        fields.iter().filter(|x| **x == "materials.lease").count(),
        1,
        "one problem for the two parts: {fields:?}"
    );
    let mine = f
        .cases
        .my_cases(&f.citizen, Page::new(None, None).unwrap())
        .await
        .unwrap();
    assert_eq!(mine.total, 0);
    let bundles = f
        .cases
        .my_bundles(&f.citizen, Page::new(None, None).unwrap())
        .await
        .unwrap();
    assert_eq!(bundles.total, 0);
    // A merged field's own rule is named by its key once (`form.<key>`).
    let mut small = f.application(&f.citizen, true, true).await;
    small.form["area"] = json!(0);
    let e = f
        .cases
        .submit_bundle(&f.citizen, &small, None)
        .await
        .unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(fields, ["form.area"]);
    // Answers outside the questionnaire are refused before anything else.
    let mut bad = f.application(&f.citizen, true, true).await;
    bad.answers = json!({"sells_food": "maybe"});
    let e = f
        .cases
        .submit_bundle(&f.citizen, &bad, None)
        .await
        .unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|x| x.field.as_str()).collect();
    assert!(
        fields.contains(&"answers.sells_food") && fields.contains(&"answers.sign"),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_window_clerk_receives_a_bundle_and_prefills_are_offered() {
    let f = fixture().await;
    let app = f.application(&f.clerk, false, true).await;
    let who = WindowApplicant {
        kind: "person".into(),
        name: "陈小明".into(),
        cert_no: ID.into(),
        contact_phone: PHONE.into(),
        ..Default::default()
    };
    let v = f.cases.receive_bundle(&f.clerk, &who, &app).await.unwrap();
    assert_eq!(v.channel, "1");
    assert_eq!(v.parts.len(), 3);
    let biz = f
        .cases
        .case(&f.clerk, &case_no(&v, "business"))
        .await
        .unwrap();
    assert_eq!(biz.channel, "1");
    assert_eq!(biz.form["operator"], "陈小明");
    // The person identified at the window owns it.
    assert!(f.cases.bundle_view(&f.citizen, &v.bundle_no).await.is_ok());
    assert_eq!(
        code_of(f.cases.receive_bundle(&f.citizen, &who, &app).await),
        ErrorCode::Forbidden
    );
    // The merged field mapped to the business licence's prefilled operator is offered the
    // signed-in person's name; left empty, the item's own prefill fills it (above).
    let pre = f
        .cases
        .bundle_prefill(&f.citizen, "open-restaurant")
        .await
        .unwrap();
    assert_eq!(pre.len(), 1, "{pre:?}");
    assert_eq!(pre["operator"], "陈小明");
    assert_eq!(
        code_of(f.cases.bundle_prefill(&f.clerk, "open-restaurant").await),
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn one_upload_answers_every_parts_notice_and_a_part_withdrawn_alone_cancels_its_followers() {
    let f = fixture().await;
    let v = f.submitted(true, false).await;
    let ask = |entry: &str| {
        vec![yiwang_cases::NoticeItem {
            entry: entry.into(),
            reason: "请提交清晰的扫描件".into(),
        }]
    };
    for key in ["business", "fire"] {
        f.cases
            .request_supplements(&f.clerk, &case_no(&v, key), None, &ask("M01"))
            .await
            .unwrap();
    }
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert!(
        part(&v, "business")
            .notice
            .as_deref()
            .unwrap()
            .contains("清晰的扫描件")
    );
    assert!(part(&v, "fire").notice.is_some());
    let lease = f.ticket(&f.citizen, 11).await;
    let layout = f.ticket(&f.citizen, 12).await;
    let s = f
        .cases
        .supplement_bundle(
            &f.citizen,
            &v.bundle_no,
            vec![
                BundleMaterialRef {
                    material: "lease".into(),
                    ticket: lease,
                    licence: String::new(),
                },
                BundleMaterialRef {
                    material: "layout".into(),
                    ticket: layout,
                    licence: String::new(),
                },
            ],
        )
        .await
        .unwrap();
    for key in ["business", "fire"] {
        assert_eq!(
            part(&s, key).case_status.as_deref(),
            Some("submitted"),
            "{key}"
        );
        assert!(part(&s, key).notice.is_none());
    }
    let fire = f
        .cases
        .case(&f.citizen, &case_no(&s, "fire"))
        .await
        .unwrap();
    assert_eq!(
        fire.materials.iter().filter(|m| m.entry == "M01").count(),
        2
    );
    // Nothing asked any more: refused.
    let again = f.ticket(&f.citizen, 13).await;
    assert_eq!(
        code_of(
            f.cases
                .supplement_bundle(
                    &f.citizen,
                    &v.bundle_no,
                    vec![BundleMaterialRef {
                        material: "lease".into(),
                        ticket: again,
                        licence: String::new(),
                    }],
                )
                .await
        ),
        ErrorCode::InvalidState
    );
    // The applicant withdraws the business part alone: the food part, which needs its
    // licence, is cancelled; the bundle runs on with the fire part.
    f.cases
        .withdraw(&f.citizen, &case_no(&s, "business"), None, "")
        .await
        .unwrap();
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert_eq!(part(&v, "business").state, "withdrawn");
    assert_eq!(part(&v, "food").state, "cancelled");
    assert_eq!(v.status, "handling");
    f.conclude(&case_no(&v, "fire"), true).await;
    let v = f.cases.bundle_view(&f.citizen, &v.bundle_no).await.unwrap();
    assert_eq!(
        (v.status.as_str(), v.outcome.as_deref()),
        ("concluded", Some("partly"))
    );
}
