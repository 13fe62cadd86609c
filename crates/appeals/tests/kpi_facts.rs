//! The appeals domain's facts (指标事实) on a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set): for every measure the members' values over a period add
//! up to the facts; orders count on their Shanghai day of receipt, in their handling
//! department; merged and undispatched orders count nowhere; reach and refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use yiwang_appeals::AppealService;
use yiwang_appeals::kpi_facts::MEASURES;
use yiwang_calendar::CalendarService;
use yiwang_files::MemoryFileStore;
use yiwang_identity::{IdentityConfig, IdentityService, Keys};
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

#[allow(clippy::too_many_arguments)]
async fn appeal(
    db: &mut Db,
    no: &str,
    dept: Option<i64>,
    status: &str,
    received: OffsetDateTime,
    due: OffsetDateTime,
    replied: Option<OffsetDateTime>,
    satisfaction: Option<i64>,
) {
    db.execute(
        "INSERT INTO appeals (appeal_no, token, channel, appeal_type, category_code, title, content, \
         division, status, department_id, received_by, received_at, due_at, limit_days, \
         replied_at, satisfaction, updated_at) VALUES ($1, $1, 'web', 'complaint', 'CG0101', \
         '路灯不亮', '内容', '440802', $2, $3, 'test', $4, $5, 5, $6, $7, $4)",
        args![no, status, dept, received, due, replied, satisfaction],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn members_add_up_to_the_facts_and_reach_is_kept() {
    let t = TestDb::new().await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(datetime!(2026-12-07 02:00 UTC)));
    let keys = Keys::ephemeral().unwrap();
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
        .create_department(&sys, &dept("赤坎区城管局", "11440802MB2C0001", "440802"))
        .await
        .unwrap()
        .id;
    let b = org
        .create_department(&sys, &dept("霞山区城管局", "11440803MB2C0002", "440803"))
        .await
        .unwrap()
        .id;
    let identity = IdentityService::new(
        t.db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let svc = AppealService::new(
        t.db.clone(),
        clock.clone(),
        keys,
        identity,
        CalendarService::new(t.db.clone(), clock.clone()),
        Arc::new(MemoryFileStore::new()),
    );
    let mut db = t.db.clone();
    let late = datetime!(2026-11-01 15:59:59 UTC); // 1 November, 23:59:59 Shanghai
    let midnight = datetime!(2026-11-01 16:00 UTC); // 2 November, 00:00
    let due = datetime!(2026-11-05 10:00 UTC);
    let (d1, d2, d3) = (
        date!(2026 - 11 - 01),
        date!(2026 - 11 - 02),
        date!(2026 - 11 - 03),
    );
    appeal(
        &mut db,
        "A1",
        Some(a),
        "visited",
        late,
        due,
        Some(datetime!(2026-11-03 10:00 UTC)),
        Some(4),
    )
    .await;
    appeal(
        &mut db,
        "A2",
        Some(a),
        "replied",
        midnight,
        due,
        Some(datetime!(2026-11-06 10:00 UTC)),
        None,
    )
    .await;
    appeal(
        &mut db,
        "A3",
        Some(a),
        "handling",
        midnight,
        due,
        None,
        None,
    )
    .await;
    appeal(
        &mut db,
        "A4",
        Some(b),
        "visited",
        midnight,
        due,
        Some(midnight),
        Some(2),
    )
    .await;
    appeal(
        &mut db,
        "A5",
        Some(b),
        "closed_direct",
        datetime!(2026-11-03 01:00 UTC),
        due,
        None,
        None,
    )
    .await;
    appeal(&mut db, "M1", Some(b), "merged", midnight, due, None, None).await; // merged: nowhere
    appeal(&mut db, "R1", None, "received", midnight, due, None, None).await; // no department yet
    appeal(
        &mut db,
        "O1",
        Some(a),
        "visited",
        datetime!(2026-11-03 16:00 UTC),
        due,
        None,
        None,
    )
    .await; // the 4th

    let facts = svc.kpi_facts(&sys, d1, d3).await.unwrap();
    let want: BTreeMap<&str, i64> = [
        ("appeals.received", 5),
        ("appeals.closed", 4),
        ("appeals.replied", 3),
        ("appeals.replied_on_time", 2),
        ("appeals.rated", 2),
        ("appeals.satisfied", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(sums(&facts), want);
    let on = |day: Date, dept: i64| {
        facts
            .iter()
            .filter(|r| r.day == day && r.department_id == dept && r.measure == "appeals.received")
            .map(|r| r.value)
            .sum::<i64>()
    };
    assert_eq!((on(d1, a), on(d2, a), on(d2, b), on(d3, b)), (1, 2, 1, 1));
    assert_eq!(svc.kpi_facts(&sys, d1, d3).await.unwrap(), facts);

    let all: Vec<&'static str> = MEASURES.iter().map(|m| m.code).collect();
    let read = |ctx: Ctx| {
        let svc = svc.clone();
        move |q: MemberQuery| {
            let svc = svc.clone();
            let ctx = ctx.clone();
            async move { svc.kpi_members(&ctx, &q).await }
        }
    };
    assert_eq!(
        member_sums(read(sys.clone()), &all, None, d1, d3)
            .await
            .unwrap(),
        want
    );
    for m in &all {
        let one = member_sums(read(sys.clone()), &[m], None, d1, d3)
            .await
            .unwrap();
        assert_eq!(one.get(m).copied().unwrap_or(0), want[m], "{m}");
    }
    // A district leader (440802) reaches department a only; its members match its facts.
    let leader = supervisor(a, "440802", Role::Leader);
    let theirs = svc.kpi_facts(&leader, d1, d3).await.unwrap();
    assert!(theirs.iter().all(|r| r.department_id == a));
    let mut got = member_sums(read(leader.clone()), &all, None, d1, d3)
        .await
        .unwrap();
    got.retain(|_, v| *v != 0);
    let mut own = sums(&theirs);
    own.retain(|_, v| *v != 0);
    assert_eq!(got, own);
    assert_eq!(own.get("appeals.received"), Some(&3));
    // Members name their order and category, never the citizen.
    let q = MemberQuery {
        measures: vec!["appeals.received"],
        departments: Some(vec![b]),
        from: d1,
        to: d3,
        limit: 10,
        offset: 0,
    };
    let (page, total) = svc.kpi_members(&sys, &q).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(page[0].href.as_deref(), Some("/staff/appeals/A4"));
    assert_eq!(page[0].label, "CG0101");
    // No SupervisionView: refused.
    let clerk = supervisor(a, "440802", Role::AppealDispatcher);
    assert_eq!(
        svc.kpi_facts(&clerk, d1, d3).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
}
