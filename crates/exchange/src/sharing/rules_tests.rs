use super::*;
use proptest::prelude::*;
use time::Duration;
use time::macros::date;

fn cal() -> Calendar {
    yiwang_calendar::data::embedded().unwrap()
}

fn at(cal: &Calendar, submitted: Date, today: Date) -> Timing {
    let due = due_date(cal, submitted).unwrap();
    timing(cal, submitted, due, today).unwrap()
}

#[test]
fn due_is_the_tenth_working_day_after_submission() {
    let c = cal();
    // Monday 23 November 2026: 24–27, 30 Nov, 1–4 Dec, 7 Dec.
    assert_eq!(
        due_date(&c, date!(2026 - 11 - 23)).unwrap(),
        date!(2026 - 12 - 07)
    );
    // Submitted on a Sunday: counting starts on Monday.
    assert_eq!(
        due_date(&c, date!(2026 - 11 - 22)).unwrap(),
        date!(2026 - 12 - 04)
    );
    // Across the National Day holiday 2026 (1–7 October off, 10 October worked).
    assert_eq!(
        due_date(&c, date!(2026 - 09 - 28)).unwrap(),
        date!(2026 - 10 - 16)
    );
}

#[test]
fn a_request_late_in_a_year_whose_successor_is_not_loaded_gets_an_estimated_due_date() {
    let c = cal();
    // Friday 18 December 2026: 21–24, 28–31 Dec (25 Dec is a Friday: 21–25 is five), then
    // 2027 is estimated: 1 January off by law, Monday 4 January is the tenth.
    assert_eq!(
        due_date(&c, date!(2026 - 12 - 18)).unwrap(),
        date!(2027 - 01 - 04)
    );
    // Read on 5 January 2027 (not loaded either): red, one working day over.
    let t = at(&c, date!(2026 - 12 - 18), date!(2027 - 01 - 05));
    assert_eq!((t.warning, t.days_overdue), (Warning::Red, 1));
    assert_eq!(t.elapsed_working_days, 11);
}

#[test]
fn yellow_from_eight_working_days_red_after_the_due_date() {
    let c = cal();
    let s = date!(2026 - 11 - 23);
    let t = |d| at(&c, s, d);
    assert_eq!(t(s).warning, Warning::None);
    assert_eq!(t(date!(2026 - 12 - 02)).elapsed_working_days, 7);
    assert_eq!(t(date!(2026 - 12 - 02)).warning, Warning::None);
    assert_eq!(t(date!(2026 - 12 - 03)).warning, Warning::Yellow);
    // A Saturday changes nothing: still 9 working days.
    assert_eq!(t(date!(2026 - 12 - 05)).elapsed_working_days, 9);
    assert_eq!(t(date!(2026 - 12 - 05)).warning, Warning::Yellow);
    assert_eq!(t(date!(2026 - 12 - 07)).warning, Warning::Yellow);
    assert_eq!(t(date!(2026 - 12 - 07)).days_overdue, 0);
    let red = t(date!(2026 - 12 - 08));
    assert_eq!((red.warning, red.days_overdue), (Warning::Red, 1));
    assert_eq!(t(date!(2026 - 12 - 14)).days_overdue, 5);
    // Due on a Friday: the weekend after it is red with no working day overdue yet.
    let s = date!(2026 - 11 - 22);
    let sat = at(&c, s, date!(2026 - 12 - 05));
    assert_eq!((sat.warning, sat.days_overdue), (Warning::Red, 0));
    assert_eq!(at(&c, s, date!(2026 - 12 - 07)).days_overdue, 1);
}

#[test]
fn negative_list_refusals_quote_their_basis() {
    let (zh, en) = refusal_text("《中华人民共和国保守国家秘密法》");
    assert!(
        zh.contains("保守国家秘密法") && zh.contains("不予共享"),
        "{zh}"
    );
    assert!(en.contains("保守国家秘密法"), "{en}");
    let (zh, en) = refusal_text("  ");
    assert!(zh.contains("未载明") && en.contains("not stated"));
}

#[test]
fn periods_and_codes_are_checked() {
    let today = date!(2026 - 11 - 22);
    let mut e = Vec::new();
    assert_eq!(
        period(&mut e, "2026-12-01", "2027-11-30", today, None),
        Some((date!(2026 - 12 - 01), date!(2027 - 11 - 30)))
    );
    assert!(e.is_empty());
    assert_eq!(
        period(&mut e, "2026-12-01", "2026-11-30", today, None),
        None
    );
    assert_eq!(e[0].rule, "exchange.period_order");
    let mut e = Vec::new();
    assert_eq!(period(&mut e, "2026/12/01", "", today, None), None);
    assert_eq!(
        (e[0].field.as_str(), e[1].rule.as_str()),
        ("from", "required")
    );
    let mut e = Vec::new();
    let within = Some((date!(2026 - 12 - 01), date!(2027 - 01 - 31)));
    assert_eq!(
        period(&mut e, "2026-12-01", "2027-02-01", today, within),
        None
    );
    assert_eq!(e[0].rule, "exchange.period_within");
    let mut e = Vec::new();
    service_items(
        &mut e,
        &[
            "11440800MB2C12341000117008000".into(),
            "abc".into(),
            "11440800MB2C12341000117008000".into(),
        ],
    );
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].field, "service_items[1]");
    assert_eq!(e[1].rule, "exchange.duplicate_item");
    let mut e = Vec::new();
    rate(&mut e, 0);
    rate(&mut e, 60);
    assert_eq!(e.len(), 1);
}

fn day_2025_2026() -> impl Strategy<Value = Date> {
    // 1 January 2025 up to early December 2026, so that the due date stays in covered years.
    (0i64..700).prop_map(|n| date!(2025 - 01 - 01) + Duration::days(n))
}

proptest! {
    /// Whatever the submission day and the day it is seen: the due date is exactly 10 working
    /// days on, a working day; the colour is none → yellow → red in that order, yellow only
    /// from the 8th working day through the due date, red exactly after it; days overdue are
    /// counted only when red.
    #[test]
    fn warnings_follow_the_working_days(submitted in day_2025_2026(), gap in 0i64..30) {
        let c = cal();
        let due = due_date(&c, submitted).unwrap();
        prop_assert!(c.is_working_day(due).unwrap());
        prop_assert_eq!(c.working_days_between(submitted, due).unwrap(), 10);
        let today = submitted + Duration::days(gap);
        let t = timing(&c, submitted, due, today).unwrap();
        let next = timing(&c, submitted, due, today + Duration::days(1)).unwrap();
        let rank = |w: Warning| match w { Warning::None => 0, Warning::Yellow => 1, Warning::Red => 2 };
        prop_assert!(rank(next.warning) >= rank(t.warning));
        prop_assert_eq!(t.warning == Warning::Red, today > due);
        if t.warning == Warning::Yellow {
            prop_assert!((8..=10).contains(&t.elapsed_working_days));
        }
        if t.warning == Warning::None {
            prop_assert!(t.elapsed_working_days < 8);
        }
        prop_assert_eq!(t.days_overdue > 0, t.warning == Warning::Red && t.elapsed_working_days > 10);
        if t.warning == Warning::Red {
            prop_assert_eq!(t.days_overdue, t.elapsed_working_days - 10);
        }
    }
}
