//! The calendar service against a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set): import a year, all or nothing, authorised and audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::{date, datetime};
use yiwang_calendar::{CalendarError, CalendarService, ImportOptions, YearSource};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::DivisionCode;
use yiwang_store::testing::TestDb;

const Y2027: &str = "date,kind,occasion_zh,occasion_en\n\
    2027-01-01,holiday,元旦,New Year's Day\n\
    2027-02-06,holiday,春节,Spring Festival\n\
    2027-02-07,holiday,春节,Spring Festival\n\
    2027-02-08,holiday,春节,Spring Festival\n\
    2027-02-20,workday,春节,Spring Festival\n";

fn staff(roles: &[Role]) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 7,
            username: "admin".into(),
            name: "管理员".into(),
            department_id: 1,
            division: DivisionCode::parse("440800").unwrap(),
            roles: roles.to_vec(),
        }),
        "127.0.0.1",
    )
}

async fn env() -> (TestDb, CalendarService) {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 02:00 UTC)));
    let svc = CalendarService::new(t.db.clone(), clock);
    (t, svc)
}

#[tokio::test]
async fn a_system_administrator_imports_a_new_year() {
    let (t, svc) = env().await;
    let before = svc.current().await.unwrap();
    assert_eq!(
        before.is_working_day(date!(2027 - 02 - 08)),
        Err(CalendarError::YearNotCovered { year: 2027 })
    );
    let admin = staff(&[Role::SystemAdmin]);
    let r = svc
        .import_year(&admin, 2027, Y2027.as_bytes(), &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (r.year, r.holidays, r.workdays, r.replaced),
        (2027, 4, 1, None)
    );
    let cal = svc.current().await.unwrap();
    assert_eq!(cal.is_working_day(date!(2027 - 02 - 08)), Ok(false)); // Monday, holiday
    assert_eq!(cal.is_working_day(date!(2027 - 02 - 20)), Ok(true)); // Saturday, make-up
    assert_eq!(cal.year(2027).unwrap().source, YearSource::Imported);
    assert_eq!(
        cal.add_working_days(date!(2026 - 12 - 31), 1),
        Ok(date!(2027 - 01 - 04))
    );
    // A fresh service (another node) reads it from the database.
    let other = CalendarService::new(
        t.db.clone(),
        Arc::new(FixedClock::new(datetime!(2026-11-20 02:00 UTC))),
    );
    assert!(other.current().await.unwrap().covers(2027));

    // Importing again needs `replace`; with it the year is replaced whole.
    let again = svc
        .import_year(&admin, 2027, Y2027.as_bytes(), &ImportOptions::default())
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::Duplicate);
    let smaller = "date,kind,occasion_zh\n2027-01-01,holiday,元旦\n";
    let r = svc
        .import_year(
            &admin,
            2027,
            smaller.as_bytes(),
            &ImportOptions {
                replace: true,
                source: "国办发明电〔2026〕1号".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.replaced, Some(YearSource::Imported));
    let cal = svc.current().await.unwrap();
    assert_eq!(cal.is_working_day(date!(2027 - 02 - 08)), Ok(true));

    // An embedded year is not overwritten by accident either.
    let e = svc
        .import_year(
            &admin,
            2026,
            "date,kind,occasion_zh\n2026-01-01,holiday,元旦\n".as_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Duplicate);
    assert!(e.message(yiwang_kernel::i18n::Lang::Zh).contains("2026年"));

    // Both imports are in the audit log.
    let mut c = t.db.clone();
    let log = yiwang_audit::search(
        &mut c,
        &yiwang_audit::Query {
            action: Some("calendar.import".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].object, "calendar:2027");
    assert_eq!(log[0].actor, "staff:admin");
}

#[tokio::test]
async fn bad_rows_are_all_reported_and_nothing_is_written() {
    let (_t, svc) = env().await;
    let admin = staff(&[Role::SystemAdmin]);
    let bad = "date,kind,occasion_zh\n2027-01-01,holiday,元旦\n2026-12-31,holiday,元旦\n2027-02-03,workday,春节\n";
    let e = svc
        .import_year(&admin, 2027, bad.as_bytes(), &ImportOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ImportRejected);
    let rows: Vec<(usize, &str)> = e.rows.iter().map(|r| (r.line, r.rule.as_str())).collect();
    assert_eq!(
        rows,
        vec![(3, "date.other_year"), (4, "workday.not_weekend")]
    );
    assert!(!svc.reload().await.unwrap().covers(2027));
    let e = svc
        .import_year(&admin, 1999, Y2027.as_bytes(), &ImportOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "year");
}

#[tokio::test]
async fn only_the_system_administrator_imports() {
    let (t, svc) = env().await;
    for ctx in [
        staff(&[Role::CatalogEditor]),
        staff(&[Role::SecurityAdmin]),
        Ctx::anonymous(),
    ] {
        let e = svc
            .import_year(&ctx, 2027, Y2027.as_bytes(), &ImportOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(
            e.code,
            ErrorCode::Forbidden | ErrorCode::Unauthenticated
        ));
    }
    assert!(!svc.reload().await.unwrap().covers(2027));
    let mut c = t.db.clone();
    let denied = yiwang_audit::search(
        &mut c,
        &yiwang_audit::Query {
            action: Some("auth.denied".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(denied.len(), 3);
    assert!(denied.iter().all(|d| d.object == "calendar:2027"));
}
