//! The catalog's integration-test fixture: a database with two city departments and three
//! basic items, quality-clean elements, and the one-by-one path to publication.

// Helpers outside `#[test]` functions are test code too; not every test file uses every one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::Arc;

use yiwang_audit::Query;
use yiwang_catalog::model::{Faq, Fee, Material, ProcessStep};
use yiwang_catalog::repo::AdminFilter;
use yiwang_catalog::{BasicItemInput, CatalogService, ClaimInput, Elements, Item};
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::paging::Page;
use yiwang_org::{Department, DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

pub const BASIC_1: &str = "000117008000";
pub const BASIC_2: &str = "000117009000";
pub const BASIC_3: &str = "000117010000";

pub struct Env {
    pub t: TestDb,
    pub cat: CatalogService,
    pub a: Department,
    pub b: Department,
}

pub fn sys() -> Ctx {
    Ctx::system("test")
}

pub fn staff(id: i64, dept: &Department, roles: &[Role]) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: id,
            username: format!("user{id}"),
            name: format!("用户{id}"),
            department_id: dept.id,
            division: dept.division_code.clone(),
            roles: roles.to_vec(),
        }),
        "127.0.0.1",
    )
}

/// A catalog administrator for the whole city.
pub fn city_admin(env: &Env) -> Ctx {
    let mut ctx = staff(90, &env.a, &[Role::CatalogAdmin]);
    if let Actor::Staff(s) = &mut ctx.actor {
        s.division = DivisionCode::parse("440800").unwrap();
    }
    ctx
}

pub async fn setup() -> Env {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let org = OrgService::new(t.db.clone(), clock.clone());
    let cat = CatalogService::new(t.db.clone(), clock);
    let dept = |body: &str, name: &str| DepartmentInput {
        uscc: Uscc::from_body(body).unwrap().to_string(),
        name: name.into(),
        division_code: "440800".into(),
        ..Default::default()
    };
    let a = org
        .create_department(&sys(), &dept("11440800MB2C00001", "湛江市市场监督管理局"))
        .await
        .unwrap();
    let b = org
        .create_department(&sys(), &dept("11440800MB2C00002", "湛江市交通运输局"))
        .await
        .unwrap();
    for (code, name) in [
        (BASIC_1, "食品经营许可证核发"),
        (BASIC_2, "药品零售企业许可"),
        (BASIC_3, "道路运输经营许可"),
    ] {
        cat.create_basic(
            &sys(),
            &BasicItemInput {
                code: code.into(),
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
    }
    Env { t, cat, a, b }
}

/// Complete, quality-clean elements of a licensing item (inherited elements left to the draft).
pub fn good(tag: &str) -> Elements {
    Elements {
        exercise_level: "3".into(),
        subject_nature: "1".into(),
        power_source: "1".into(),
        authority_division: "市级".into(),
        acceptance_conditions: format!("申请人取得营业执照等合法主体资格（{tag}）"),
        process: "申请—受理—审查—决定—送达".into(),
        process_steps: vec![
            ProcessStep {
                name: "受理".into(),
                limit: 1,
                description: "窗口受理，当场核对材料".into(),
            },
            ProcessStep {
                name: "审查".into(),
                limit: 5,
                description: String::new(),
            },
            ProcessStep {
                name: "决定".into(),
                limit: 1,
                description: String::new(),
            },
        ],
        statutory_limit: 20,
        statutory_unit: "1".into(),
        promised_limit: 7,
        promised_unit: "1".into(),
        promised_note: "不含现场核查时间".into(),
        case_type: "2".into(),
        result_type: "1".into(),
        result_name: "食品经营许可证".into(),
        result_sample: "https://zwfw.zhanjiang.gov.cn/samples/spjyxkz.pdf".into(),
        is_fee: true,
        fee_basis: "粤价〔2019〕1号".into(),
        fees: vec![Fee {
            name: "工本费".into(),
            standard: "每证10元".into(),
            basis: "粤价〔2019〕1号".into(),
            reducible: true,
        }],
        online_payment: true,
        service_objects: vec!["1".into(), "2".into()],
        personal_themes: vec!["P05".into()],
        enterprise_themes: vec!["E02".into(), "E01".into()],
        keywords: "食品,许可,餐饮".into(),
        handling_forms: vec!["1".into(), "2".into()],
        online_depth: ["1", "2", "3", "4", "5", "6"].map(String::from).to_vec(),
        online_url: "https://www.gdzwfw.gov.cn/".into(),
        cross_scope: "3".into(),
        appointment: true,
        in_hall: true,
        location: "湛江市政务服务中心二楼 A区 12号窗口".into(),
        hours: "工作日 上午8:30-12:00，下午14:30-17:30".into(),
        consult_phone: "0759-3388123".into(),
        supervise_phone: "0759-12345".into(),
        faqs: vec![
            Faq {
                question: "需要现场核查吗？".into(),
                answer: "仅经营场所变更时需要。".into(),
            },
            Faq {
                question: "可以邮寄结果吗？".into(),
                answer: "可以, 选择\"快递送达\"即可。".into(),
            },
        ],
        materials: vec![
            Material {
                key: "M01".into(),
                name: "食品经营许可申请书".into(),
                source: "1".into(),
                originals: 1,
                format: "3".into(),
                required: true,
                notes: "须法定代表人签字".into(),
                blank_form: "https://zwfw.zhanjiang.gov.cn/forms/sq.docx".into(),
                ..Default::default()
            },
            Material {
                key: "M05".into(),
                name: "营业执照".into(),
                source: "2".into(),
                issuer: "市场监督管理部门".into(),
                originals: 0,
                copies: 1,
                format: "1".into(),
                condition: "企业申请时提供".into(),
                licence_type: "11100000000013127D001".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

/// Claims, fills, submits and publishes an item; returns its 实施编码.
pub async fn publish(env: &Env, basic: &str, dept: &Department, tag: &str) -> String {
    let item = env
        .cat
        .claim(
            &sys(),
            &ClaimInput {
                basic_code: basic.into(),
                department_id: dept.id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    env.cat
        .save_draft(&sys(), &item.code, &good(tag), None)
        .await
        .unwrap();
    env.cat.submit(&sys(), &item.code).await.unwrap();
    env.cat.approve(&sys(), &item.code, "").await.unwrap();
    item.code
}

pub async fn item(env: &Env, code: &str) -> Item {
    env.cat.item(&sys(), code).await.unwrap()
}

pub async fn item_count(env: &Env) -> i64 {
    env.cat
        .admin_items(&sys(), &AdminFilter::default(), Page::default())
        .await
        .unwrap()
        .total
}

pub async fn audit_count(env: &Env, action: &str) -> usize {
    let mut db = env.t.db.clone();
    yiwang_audit::search(
        &mut db,
        &Query {
            action: Some(action.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len()
}
