//! The exchange domain's facts (指标事实) on a fresh database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): the responsibility list now (mounted and fresh for the update
//! cycle), data API calls and decided requests by Shanghai day, in the provider's department;
//! the members add up to the facts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use yiwang_calendar::CalendarService;
use yiwang_exchange::kpi_facts::MEASURES;
use yiwang_exchange::{ExchangeService, SharingService};
use yiwang_identity::Keys;
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::facts::MemberQuery;
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::facts::testing::{member_sums, sums};
use yiwang_store::testing::TestDb;
use yiwang_store::{Conn, Db, args};

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

async fn resource(
    db: &mut Db,
    id: i64,
    dept: i64,
    share: &str,
    cycle: &str,
    loaded: Option<OffsetDateTime>,
    rows: i64,
) {
    let t = datetime!(2026-10-01 02:00 UTC);
    db.execute(
        "INSERT INTO exchange_resources (id, code, classification, department_id, \
         published_version, last_loaded_at, row_count, created_at, created_by) \
         VALUES ($1, $2, '101001', $3, 1, $4, $5, $6, 'test')",
        args![id, format!("101001/00000{id}"), dept, loaded, rows, t],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO exchange_resource_versions (resource_id, version, status, name, meta, \
         share_type, update_cycle, created_at, created_by) \
         VALUES ($1, 1, 'published', $2, '{}', $3, $4, $5, 'test')",
        args![id, format!("资源{id}"), share, cycle, t],
    )
    .await
    .unwrap();
}

async fn call(db: &mut Db, provider: i64, consumer: i64, at: OffsetDateTime) {
    db.execute(
        "INSERT INTO exchange_calls (at, consumer_department_id, provider_department_id, \
         resource_id, resource_code, resource_name, grant_id, actor, kind, purpose, case_number, \
         fields, row_count) VALUES ($1, $2, $3, 1, '101001/000001', '资源1', 1, 'staff:x', \
         'lookup', '审批', 'C1', '[]', 1)",
        args![at, consumer, provider],
    )
    .await
    .unwrap();
}

async fn request(
    db: &mut Db,
    provider: i64,
    consumer: i64,
    state: &str,
    decided: Option<OffsetDateTime>,
    due: Date,
) {
    db.execute(
        "INSERT INTO exchange_requests (resource_id, resource_version, provider_department_id, \
         consumer_department_id, share_type, fields, purpose, scenario, legal_basis, \
         service_items, period_from, period_to, state, submitted_at, submitted_by, due_date, \
         decided_at) VALUES (1, 1, $1, $2, 'conditional', '[]', '审批', '场景', '依据', '[]', \
         $3, $3, $4, $5, 'test', $6, $7)",
        args![
            provider,
            consumer,
            date!(2026 - 11 - 01),
            state,
            datetime!(2026-10-20 02:00 UTC),
            due,
            decided
        ],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn members_add_up_to_the_facts() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-11-03 02:00 UTC)));
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), clock.clone());
    let dept = |name: &str, body: &str, div: &str| DepartmentInput {
        uscc: uscc(body),
        name: name.into(),
        division_code: div.into(),
        kind: "bureau".into(),
        phone: "0759-3100000".into(),
        ..Default::default()
    };
    let a = org
        .create_department(&sys, &dept("市场监管局", "11440800MB2C0001", "440800"))
        .await
        .unwrap()
        .id;
    let b = org
        .create_department(&sys, &dept("赤坎区政数局", "11440802MB2C0002", "440802"))
        .await
        .unwrap()
        .id;
    let exchange = ExchangeService::new(t.db.clone(), clock.clone(), Keys::ephemeral().unwrap());
    let sharing = SharingService::new(
        t.db.clone(),
        clock.clone(),
        CalendarService::new(t.db.clone(), clock.clone()),
    );
    let mut db = t.db.clone();
    let (d1, d2, d3) = (
        date!(2026 - 11 - 01),
        date!(2026 - 11 - 02),
        date!(2026 - 11 - 03),
    );
    // On 3 November: daily data loaded from the start of 2 November (Shanghai; 1 November
    // 16:00 UTC) is fresh, earlier is not; a monthly load 20 days old is; an irregular one is
    // once mounted.
    resource(
        &mut db,
        1,
        a,
        "conditional",
        "daily",
        Some(datetime!(2026-11-01 16:00 UTC)),
        10,
    )
    .await;
    resource(
        &mut db,
        2,
        a,
        "unconditional",
        "daily",
        Some(datetime!(2026-11-01 15:59 UTC)),
        10,
    )
    .await;
    resource(
        &mut db,
        3,
        a,
        "conditional",
        "monthly",
        Some(datetime!(2026-10-14 02:00 UTC)),
        5,
    )
    .await;
    resource(
        &mut db,
        4,
        b,
        "unconditional",
        "irregular",
        Some(datetime!(2025-01-01 02:00 UTC)),
        1,
    )
    .await;
    resource(&mut db, 5, b, "conditional", "irregular", None, 0).await; // not mounted
    resource(&mut db, 6, b, "not_shared", "daily", None, 0).await; // negative list: no duty
    call(&mut db, a, b, datetime!(2026-10-31 15:59:59 UTC)).await; // 31 October
    call(&mut db, a, b, datetime!(2026-10-31 16:00 UTC)).await; // 1 November
    call(&mut db, b, a, datetime!(2026-11-03 15:00 UTC)).await; // 3 November
    request(
        &mut db,
        a,
        b,
        "granted",
        Some(datetime!(2026-11-01 02:00 UTC)),
        d2,
    )
    .await;
    request(
        &mut db,
        a,
        b,
        "refused",
        Some(datetime!(2026-11-02 17:00 UTC)),
        d2,
    )
    .await; // late
    request(
        &mut db,
        b,
        a,
        "withdrawn",
        Some(datetime!(2026-11-02 02:00 UTC)),
        d2,
    )
    .await;
    request(&mut db, b, a, "submitted", None, d2).await;

    let mut facts = exchange.kpi_facts(&sys, d1, d3).await.unwrap();
    assert!(
        facts.iter().all(|r| r.day == d3),
        "the list is reported on the last day"
    );
    facts.extend(sharing.kpi_facts(&sys, d1, d3).await.unwrap());
    let want: BTreeMap<&str, i64> = [
        ("exchange.responsibilities", 5),
        ("exchange.mounted", 3),
        ("exchange.calls", 2),
        ("exchange.requests_decided", 2),
        ("exchange.requests_on_time", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(sums(&facts), want);
    let all: Vec<&'static str> = MEASURES.iter().map(|m| m.code).collect();
    let (e, s) = (exchange.clone(), sharing.clone());
    let list = |q: MemberQuery| {
        let e = e.clone();
        async move { e.kpi_members(&Ctx::system("kpi"), &q).await }
    };
    let shared = |q: MemberQuery| {
        let s = s.clone();
        async move { s.kpi_members(&Ctx::system("kpi"), &q).await }
    };
    let mut got = member_sums(list, &all, None, d1, d3).await.unwrap();
    got.extend(member_sums(shared, &all, None, d1, d3).await.unwrap());
    assert_eq!(got, want);
    for m in &all {
        let one = member_sums(list, &[m], None, d1, d3)
            .await
            .unwrap()
            .get(m)
            .copied()
            .unwrap_or(0)
            + member_sums(shared, &[m], None, d1, d3)
                .await
                .unwrap()
                .get(m)
                .copied()
                .unwrap_or(0);
        assert_eq!(one, want[m], "{m}");
    }
    // The district's head sees the district department's part only.
    let head = supervisor(b, "440802", Role::DepartmentHead);
    let mut own = exchange.kpi_facts(&head, d1, d3).await.unwrap();
    own.extend(sharing.kpi_facts(&head, d1, d3).await.unwrap());
    assert!(own.iter().all(|r| r.department_id == b));
    assert_eq!(sums(&own).get("exchange.responsibilities"), Some(&2));
    assert_eq!(sums(&own).get("exchange.calls"), Some(&1));
    let clerk = supervisor(b, "440802", Role::CaseClerk);
    assert_eq!(
        sharing.kpi_facts(&clerk, d1, d3).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
}
