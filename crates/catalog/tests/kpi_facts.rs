//! The catalog's facts (指标事实) on a fresh database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): the published items' measures as the catalog stands (reported
//! on the last day), one-window items read from the halls' department windows, claim progress
//! from the parent department's claims and the basic items' levels; the members add up to the
//! facts; reach and refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use time::macros::{date, datetime};
use yiwang_catalog::CatalogService;
use yiwang_catalog::kpi_facts::MEASURES;
use yiwang_catalog::model::{BasicItemInput, Elements};
use yiwang_catalog::service::ClaimInput;
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::facts::MemberQuery;
use yiwang_org::{DepartmentInput, HallInput, OrgService, WindowInput};
use yiwang_store::facts::testing::{member_sums, sums};
use yiwang_store::testing::TestDb;

fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

fn supervisor(dept: i64, division: &str, role: Role) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 999,
            username: "leader".into(),
            name: "领导".into(),
            department_id: dept,
            division: DivisionCode::parse(division).unwrap(),
            roles: vec![role],
        }),
        "10.0.0.7",
    )
}

fn elements(visits: i64, promised: i64) -> Elements {
    let depth: &[&str] = if visits > 0 {
        &["1", "2", "3", "4"]
    } else {
        &["1", "2", "3", "4", "5", "6"]
    };
    serde_json::from_value(json!({
        "exercise_level": "3", "subject_nature": "1", "power_source": "1",
        "acceptance_conditions": "申请人已取得营业执照等合法主体资格证明。",
        "process": "申请—受理—审查—决定—送达",
        "process_steps": [
            {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
            {"name": "审查", "limit": 4, "description": "材料审查"},
            {"name": "决定", "limit": 1, "description": "作出决定"}
        ],
        "statutory_limit": 20, "statutory_unit": "1",
        "promised_limit": promised, "promised_unit": "1",
        "case_type": "2", "result_type": "2", "result_name": "批准文书",
        "result_sample": "https://www.zhanjiang.gov.cn/zwfw/samples/spjyxkz.pdf",
        "service_objects": ["2"], "enterprise_themes": ["E02"], "keywords": "餐饮",
        "handling_forms": ["1", "2"], "online_depth": depth,
        "online_url": "https://www.gdzwfw.gov.cn/", "visits": visits,
        "visits_reason": if visits > 0 { "现场核查" } else { "" },
        "in_hall": true,
        "location": "湛江市政务服务中心二楼A区综合受理窗口", "hours": "工作日 8:30-17:30",
        "consult_phone": "0759-3388123", "supervise_phone": "0759-12345",
        "faqs": [{"question": "是否需要现场核查？", "answer": "经营场所变化时需要。"}],
        "materials": [
            {"name": "申请书", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}
        ],
        "form": [
            {"key": "shop", "label": "店铺名称", "kind": "text", "required": true}
        ]
    }))
    .unwrap()
}

#[tokio::test]
async fn members_add_up_to_the_facts_of_every_measure() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-11-23 02:00 UTC)));
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), clock.clone());
    let city_uscc = uscc("11440800MB2C1234");
    let dept = |name: &str, u: &str, div: &str, parent: &str| DepartmentInput {
        uscc: u.to_string(),
        name: name.into(),
        division_code: div.into(),
        parent_uscc: parent.into(),
        kind: "bureau".into(),
        phone: "0759-3100000".into(),
        ..Default::default()
    };
    let city = org
        .create_department(
            &sys,
            &dept("湛江市市场监督管理局", &city_uscc, "440800", ""),
        )
        .await
        .unwrap()
        .id;
    let district = org
        .create_department(
            &sys,
            &dept(
                "赤坎区市场监督管理局",
                &uscc("11440802MB2C9999"),
                "440802",
                &city_uscc,
            ),
        )
        .await
        .unwrap()
        .id;
    // The city hall has the city bureau's department window; the district has none.
    let hall = org
        .create_hall(
            &sys,
            &HallInput {
                name: "湛江市政务服务中心".into(),
                kind: "center".into(),
                division_code: "440800".into(),
                address: "湛江市赤坎区".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    org.save_window(
        &sys,
        hall.id,
        None,
        &WindowInput {
            number: "A01".into(),
            name: "市场监管专窗".into(),
            kind: "department".into(),
            department_id: Some(city),
            active: Some(true),
        },
    )
    .await
    .unwrap();
    let catalog = CatalogService::new(t.db.clone(), clock.clone());
    for (code, name, levels) in [
        ("000117008000", "食品经营许可证核发", "3,4"),
        ("000117009000", "食品生产许可证核发", "3"),
        ("000117010000", "小作坊登记", ""),
    ] {
        catalog
            .create_basic(
                &sys,
                &BasicItemInput {
                    code: code.into(),
                    name: name.into(),
                    item_type: "01".into(),
                    legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
                    levels: levels.into(),
                    statutory_limit: Some(20),
                    statutory_unit: "1".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let claim = |basic: &str, department_id: i64| ClaimInput {
        basic_code: basic.into(),
        department_id,
        division_code: None,
        code: None,
    };
    let publish = |code: String, e: Elements| {
        let catalog = catalog.clone();
        let sys = sys.clone();
        async move {
            catalog.save_draft(&sys, &code, &e, None).await.unwrap();
            catalog.submit(&sys, &code).await.unwrap();
            catalog.approve(&sys, &code, "同意").await.unwrap();
        }
    };
    let i1 = catalog
        .claim(&sys, &claim("000117008000", city))
        .await
        .unwrap();
    publish(i1.code.clone(), elements(0, 6)).await;
    let i2 = catalog
        .claim(&sys, &claim("000117009000", city))
        .await
        .unwrap();
    publish(i2.code.clone(), elements(2, 10)).await;
    catalog
        .claim(&sys, &claim("000117010000", city))
        .await
        .unwrap(); // a draft
    let i4 = catalog
        .claim(&sys, &claim("000117008000", district))
        .await
        .unwrap();
    publish(i4.code.clone(), elements(0, 6)).await;

    let (from, to) = (date!(2026 - 11 - 01), date!(2026 - 11 - 23));
    let facts = catalog.kpi_facts(&sys, from, to).await.unwrap();
    assert!(facts.iter().all(|r| r.day == to));
    let want: BTreeMap<&str, i64> = [
        ("items.published", 3),
        ("items.online", 3),
        ("items.full_online", 2),
        ("items.instant", 0),
        ("items.in_hall", 3),
        ("items.one_window", 1),
        ("items.statutory_days", 60),
        ("items.days_saved", 38),
        ("items.visits", 2),
        ("items.at_most_one_visit", 2),
        ("items.licence_free", 0),
        ("items.to_claim", 5),
        ("items.claimed", 4),
    ]
    .into_iter()
    .collect();
    assert_eq!(sums(&facts), want);
    assert_eq!(catalog.kpi_facts(&sys, from, to).await.unwrap(), facts);
    let all: Vec<&'static str> = MEASURES.iter().map(|m| m.code).collect();
    let read = |ctx: Ctx| {
        let catalog = catalog.clone();
        move |q: MemberQuery| {
            let catalog = catalog.clone();
            let ctx = ctx.clone();
            async move { catalog.kpi_members(&ctx, &q).await }
        }
    };
    let mut got = member_sums(read(sys.clone()), &all, None, from, to)
        .await
        .unwrap();
    got.retain(|_, v| *v != 0);
    let mut nonzero = want.clone();
    nonzero.retain(|_, v| *v != 0);
    assert_eq!(got, nonzero);
    for m in &all {
        let one = member_sums(read(sys.clone()), &[m], None, from, to)
            .await
            .unwrap();
        assert_eq!(one.get(m).copied().unwrap_or(0), want[m], "{m}");
    }
    // The district bureau's head: its item (one window: no department window in the district)
    // and its claims (the parent's 3,4-level and any-level items, not the 3-level one).
    let head = supervisor(district, "440802", Role::DepartmentHead);
    let own = sums(&catalog.kpi_facts(&head, from, to).await.unwrap());
    assert_eq!(
        (
            own["items.published"],
            own["items.one_window"],
            own["items.to_claim"],
            own["items.claimed"]
        ),
        (1, 1, 2, 1)
    );
    let q = MemberQuery {
        measures: vec!["items.to_claim", "items.claimed"],
        departments: None,
        from,
        to,
        limit: 10,
        offset: 0,
    };
    let (page, total) = catalog.kpi_members(&head, &q).await.unwrap();
    assert_eq!(total, 2);
    let unclaimed: Vec<&str> = page
        .iter()
        .filter(|m| m.values["items.claimed"] == 0)
        .map(|m| m.reference.as_str())
        .collect();
    assert_eq!(unclaimed, ["000117010000"]);
    let q = MemberQuery {
        measures: vec!["items.published"],
        ..q
    };
    let (page, _) = catalog.kpi_members(&head, &q).await.unwrap();
    assert_eq!(
        page[0].href.as_deref(),
        Some(format!("/items/{}", i4.code).as_str())
    );
    let clerk = supervisor(district, "440802", Role::CatalogEditor);
    assert_eq!(
        catalog.kpi_facts(&clerk, from, to).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
}
