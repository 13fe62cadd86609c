//! An independent oracle for the embedded calendar: `data/cn-holidays.csv` read with plain
//! string handling (not through the crate's parser) and counted the naive way, compared with
//! `yiwang_calendar::Calendar` for every acceptance date from 2015-01-01 to 2026-12-31 and a
//! handful of time limits, with and without a pause.
//!
//! The oracle's rules (docs/standards/calendar.md §11.3): a day is a working day iff it is a listed make-up
//! working day (调休上班), or a Monday–Friday that is not a listed holiday. The deadline of `n`
//! working days steps day by day from the day after acceptance and counts the working days
//! that are not inside a pause. A year without a single listed row is not covered: stepping
//! into it must make the crate answer `YearNotCovered`, never a Monday–Friday guess.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use time::macros::date;
use time::{Date, Duration, Month, Weekday};
use yiwang_calendar::{Calendar, CalendarError, Pause, PauseReason};

const CSV: &str = include_str!("../data/cn-holidays.csv");

/// The CSV as sets of dates, read by hand.
struct Oracle {
    holidays: HashSet<Date>,
    workdays: HashSet<Date>,
    years: HashSet<i32>,
}

/// `YYYY-MM-DD` by hand.
fn ymd(s: &str) -> Date {
    let mut parts = s.trim().split('-');
    let y: i32 = parts.next().unwrap().parse().unwrap();
    let m: u8 = parts.next().unwrap().parse().unwrap();
    let d: u8 = parts.next().unwrap().parse().unwrap();
    assert!(parts.next().is_none(), "{s}");
    Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
}

impl Oracle {
    fn read() -> Oracle {
        let mut o = Oracle {
            holidays: HashSet::new(),
            workdays: HashSet::new(),
            years: HashSet::new(),
        };
        let mut lines = CSV.lines();
        assert!(lines.next().unwrap().starts_with("date,kind"));
        for line in lines.filter(|l| !l.trim().is_empty()) {
            // date,kind,"occasion_en",occasion_zh — only the first two fields matter.
            let mut f = line.splitn(3, ',');
            let date = ymd(f.next().unwrap());
            let kind = f.next().unwrap().trim();
            o.years.insert(date.year());
            let fresh = match kind {
                "holiday" => o.holidays.insert(date),
                "workday" => o.workdays.insert(date),
                other => panic!("unknown kind {other} on {line}"),
            };
            assert!(fresh, "{date} listed twice");
        }
        assert!(o.holidays.is_disjoint(&o.workdays));
        o
    }

    fn covers(&self, d: Date) -> bool {
        self.years.contains(&d.year())
    }

    fn is_working(&self, d: Date) -> bool {
        let weekday = !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
        (weekday && !self.holidays.contains(&d)) || self.workdays.contains(&d)
    }

    /// `Ok((due, paused working days))`, or the first uncovered year stepped into.
    fn deadline(
        &self,
        accepted: Date,
        n: u32,
        pause: Option<(Date, Date)>,
    ) -> Result<(Date, u32), i32> {
        let mut d = accepted;
        let mut counted = 0;
        let mut paused = 0;
        while counted < n {
            d += Duration::days(1);
            if !self.covers(d) {
                return Err(d.year());
            }
            if !self.is_working(d) {
                continue;
            }
            if pause.is_some_and(|(a, b)| a <= d && d <= b) {
                paused += 1;
            } else {
                counted += 1;
            }
        }
        Ok((d, paused))
    }
}

fn calendar() -> Calendar {
    yiwang_calendar::data::embedded().unwrap()
}

const LIMITS: [u32; 7] = [1, 3, 5, 10, 15, 20, 30];

#[test]
fn every_start_date_2015_to_2026_matches_the_oracle() {
    let o = Oracle::read();
    let cal = calendar();
    for y in 2004..=2026 {
        assert!(o.years.contains(&y) && cal.covers(y), "{y}");
    }
    assert!(!o.years.contains(&2027) && !cal.covers(2027));

    let first = date!(2015 - 01 - 01);
    let last = date!(2026 - 12 - 31);
    let (mut compared, mut uncovered, mut paused_somewhere) = (0, 0, 0);
    let mut start = first;
    while start <= last {
        assert_eq!(
            cal.is_working_day(start),
            Ok(o.is_working(start)),
            "{start}"
        );
        let pause = Pause {
            from: start + Duration::days(3),
            to: start + Duration::days(9),
            reason: PauseReason::SpecialProcedure,
        };
        for n in LIMITS {
            for with_pause in [false, true] {
                let window = with_pause.then_some((pause.from, pause.to));
                let pauses: &[Pause] = if with_pause { &[pause] } else { &[] };
                let got = cal.deadline(start, n, pauses);
                match o.deadline(start, n, window) {
                    Ok((due, paused)) => {
                        let got = got
                            .unwrap_or_else(|e| panic!("{start} +{n} (pause {with_pause}): {e}"));
                        assert_eq!(got.due, due, "{start} +{n} (pause {with_pause})");
                        assert_eq!(got.counted, n);
                        assert_eq!(got.paused_working_days, paused, "{start} +{n}");
                        assert!(o.is_working(due), "{due} is a rest day");
                        if paused > 0 {
                            paused_somewhere += 1;
                        }
                        if !with_pause {
                            assert_eq!(cal.add_working_days(start, n), Ok(due));
                            assert_eq!(
                                cal.working_days_between(start, due),
                                Ok(i64::from(n)),
                                "{start}..{due}"
                            );
                        }
                        compared += 1;
                    }
                    Err(year) => {
                        assert_eq!(year, 2027);
                        assert_eq!(
                            got.map(|d| d.due),
                            Err(CalendarError::YearNotCovered { year }),
                            "{start} +{n}: must not guess Monday–Friday past 2026"
                        );
                        uncovered += 1;
                    }
                }
            }
        }
        start += Duration::days(1);
    }
    // 4383 days × 7 limits × 2; the last weeks of 2026 run into 2027.
    assert_eq!(compared + uncovered, 4383 * LIMITS.len() * 2);
    assert!(uncovered > 0 && paused_somewhere > 0);
}

#[test]
fn spring_festival_2020_extension() {
    let o = Oracle::read();
    let cal = calendar();
    // The State Council extended the 2020 Spring Festival to 2 February (COVID-19): 31 January
    // (a Friday) became a holiday, and the weekend of 1–2 February was listed as holiday too.
    for d in [
        date!(2020 - 01 - 31),
        date!(2020 - 02 - 01),
        date!(2020 - 02 - 02),
    ] {
        assert!(o.holidays.contains(&d), "{d} not listed as a holiday");
        assert_eq!(cal.is_working_day(d), Ok(false), "{d}");
    }
    assert_eq!(date!(2020 - 01 - 31).weekday(), Weekday::Friday);
    // Accepted on Thursday 23 January: 24 January – 2 February are all rest days, so the five
    // working days are 3–7 February.
    let accepted = date!(2020 - 01 - 23);
    assert_eq!(
        o.deadline(accepted, 5, None),
        Ok((date!(2020 - 02 - 07), 0))
    );
    assert_eq!(cal.add_working_days(accepted, 5), Ok(date!(2020 - 02 - 07)));
    assert_eq!(cal.add_working_days(accepted, 1), Ok(date!(2020 - 02 - 03)));
}

#[test]
fn make_up_working_days_of_2024() {
    let o = Oracle::read();
    let cal = calendar();
    for (d, weekday) in [
        (date!(2024 - 02 - 04), Weekday::Sunday),
        (date!(2024 - 02 - 18), Weekday::Sunday),
        (date!(2024 - 04 - 07), Weekday::Sunday),
        (date!(2024 - 04 - 28), Weekday::Sunday),
        (date!(2024 - 05 - 11), Weekday::Saturday),
        (date!(2024 - 09 - 14), Weekday::Saturday),
        (date!(2024 - 09 - 29), Weekday::Sunday),
        (date!(2024 - 10 - 12), Weekday::Saturday),
    ] {
        assert_eq!(d.weekday(), weekday, "{d}");
        assert!(
            o.workdays.contains(&d),
            "{d} not listed as a make-up working day"
        );
        assert!(o.is_working(d), "{d}");
        assert_eq!(cal.is_working_day(d), Ok(true), "{d}");
    }
    // And they are all of 2024's make-up days.
    let listed = o.workdays.iter().filter(|d| d.year() == 2024).count();
    assert_eq!(listed, 8);
    assert_eq!(cal.year(2024).map(|y| y.workdays()), Some(8));
    // Accepted Friday 2 February 2024: Saturday 3rd rests, Sunday 4th is worked.
    assert_eq!(
        cal.add_working_days(date!(2024 - 02 - 02), 1),
        Ok(date!(2024 - 02 - 04))
    );
}
