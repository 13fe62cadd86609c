//! The pure working-day calendar: which dates are working days, and counting them.
//!
//! Plain Rust, no I/O. A [`Calendar`] is immutable and cheap to share behind an `Arc`; the
//! service builds a new one when an administrator imports a year.
//!
//! # Rules (docs/standards/calendar.md)
//!
//! * A date is a **working day** when it is a make-up working day (调休上班, always a weekend
//!   day), or a Monday–Friday that is not a holiday. Everything else is a rest day.
//! * Only **covered years** are known. A date in a year without data is an error naming the year
//!   ([`CalendarError::YearNotCovered`]), never a silent Monday–Friday guess.
//! * A period of `n` working days **starts the day after** the triggering event (受理, 民法典
//!   §201): the start day never counts, whether or not it is a working day.
//!   [`Calendar::add_working_days`] returns the date of the `n`-th working day after `start`.
//! * A deadline that would land on a rest day moves to the next working day (民法典 §203). For a
//!   working-day period this falls out of the counting itself: the `n`-th *working* day is by
//!   construction a working day. For a period in calendar days, use [`Calendar::roll_forward`].
//! * Time in special procedures (特别程序, 行政许可法 §45) and waiting for the applicant's
//!   corrections (补正) does not count (docs/standards/cases.md §5.6): see [`Calendar::deadline`] and [`Pause`].

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use time::{Date, Weekday};
use utoipa::ToSchema;

/// What a listed date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A day off (放假), weekend days inside a holiday period included.
    Holiday,
    /// A Saturday or Sunday that is a working day (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "holiday" | "放假" | "休息" | "休" => Some(DayKind::Holiday),
            "workday" | "上班" | "调休上班" | "班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One date that departs from the Monday–Friday working week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: Date,
    pub kind: DayKind,
    /// The holiday it belongs to, e.g. `春节`.
    pub occasion_zh: String,
    /// The same in English, e.g. `Spring Festival` (may be empty).
    pub occasion_en: String,
}

/// Where a covered year's arrangement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum YearSource {
    /// Shipped in the binary (`crates/calendar/data/cn-holidays.csv`).
    Embedded,
    /// Imported by an administrator into the database (table `calendar_days`).
    Imported,
}

impl YearSource {
    pub fn as_str(self) -> &'static str {
        match self {
            YearSource::Embedded => "embedded",
            YearSource::Imported => "imported",
        }
    }
}

/// Why a calendar question has no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarError {
    /// The holiday arrangement of this year is not loaded.
    YearNotCovered { year: i32 },
    /// The date arithmetic left the representable range of dates.
    OutOfRange,
}

impl CalendarError {
    pub fn zh(&self) -> String {
        match self {
            CalendarError::YearNotCovered { year } => {
                format!("尚未载入{year}年的节假日安排，无法计算工作日，请系统管理员导入该年度安排")
            }
            CalendarError::OutOfRange => "日期超出可计算的范围".to_string(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            CalendarError::YearNotCovered { year } => format!(
                "The holiday arrangement for {year} is not loaded, so working days cannot be \
                 computed; a system administrator must import that year"
            ),
            CalendarError::OutOfRange => {
                "The date is outside the range that can be computed".into()
            }
        }
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

impl std::error::Error for CalendarError {}

impl From<CalendarError> for yiwang_kernel::Error {
    fn from(e: CalendarError) -> Self {
        let code = match e {
            CalendarError::YearNotCovered { .. } => yiwang_kernel::ErrorCode::CalendarYearMissing,
            CalendarError::OutOfRange => yiwang_kernel::ErrorCode::Validation,
        };
        yiwang_kernel::Error::new(code).with_detail(e.zh(), e.en())
    }
}

pub type CalResult<T> = Result<T, CalendarError>;

/// One covered year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Year {
    pub year: i32,
    pub source: YearSource,
    days: BTreeMap<Date, Day>,
}

impl Year {
    /// The listed dates, in order.
    pub fn days(&self) -> impl Iterator<Item = &Day> {
        self.days.values()
    }

    pub fn holidays(&self) -> usize {
        self.days
            .values()
            .filter(|d| d.kind == DayKind::Holiday)
            .count()
    }

    pub fn workdays(&self) -> usize {
        self.days
            .values()
            .filter(|d| d.kind == DayKind::Workday)
            .count()
    }
}

/// Why a period was paused (docs/standards/cases.md §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// 特别程序: hearing, tendering, auction, inspection, testing, quarantine, appraisal, expert
    /// review (行政许可法 §45), and the approved extension's own procedure.
    SpecialProcedure,
    /// Waiting for the applicant's corrections (补正).
    Correction,
}

/// Days that do not count towards a time limit: the calendar dates `from..=to`, both included.
///
/// The caller decides which dates a procedure covers; docs/standards/calendar.md §11.3 recommends from the day
/// after the special procedure started through the day it ended. A pause still running can be
/// passed with `to` = today to get the earliest possible deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: Date,
    pub to: Date,
    pub reason: PauseReason,
}

/// A computed deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The last day of the period; the act is due by the end of this day (Asia/Shanghai).
    pub due: Date,
    /// The working days counted (the time limit).
    pub counted: u32,
    /// Working days that fell inside a pause between acceptance and `due`, not counted.
    pub paused_working_days: u32,
}

/// Merges pauses into sorted, disjoint, non-adjacent inclusive ranges; a pause whose `to` is
/// before its `from` is ignored.
pub fn merge_pauses(pauses: &[Pause]) -> Vec<(Date, Date)> {
    let mut v: Vec<(Date, Date)> = pauses
        .iter()
        .filter(|p| p.from <= p.to)
        .map(|p| (p.from, p.to))
        .collect();
    v.sort();
    let mut out: Vec<(Date, Date)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if last.1.next_day().is_none_or(|n| a <= n) => {
                if b > last.1 {
                    last.1 = b;
                }
            }
            _ => out.push((a, b)),
        }
    }
    out
}

pub(crate) fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The working-day calendar: the covered years and their arrangements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

impl Calendar {
    /// A calendar that covers no year at all.
    pub fn empty() -> Calendar {
        Calendar::default()
    }

    /// Adds (or replaces) one year's arrangement. `days` outside `year` are ignored: the
    /// parsers in [`crate::data`] have already refused them.
    pub fn with_year(mut self, year: i32, source: YearSource, days: Vec<Day>) -> Calendar {
        let days = days
            .into_iter()
            .filter(|d| d.date.year() == year)
            .map(|d| (d.date, d))
            .collect();
        self.years.insert(year, Year { year, source, days });
        self
    }

    /// Adds every year present in `days`, grouped by the year of each date.
    pub fn with_days(mut self, source: YearSource, days: Vec<Day>) -> Calendar {
        let mut by_year: BTreeMap<i32, Vec<Day>> = BTreeMap::new();
        for d in days {
            by_year.entry(d.date.year()).or_default().push(d);
        }
        for (y, ds) in by_year {
            self = self.with_year(y, source, ds);
        }
        self
    }

    /// The covered years in order.
    pub fn years(&self) -> impl Iterator<Item = &Year> {
        self.years.values()
    }

    pub fn year(&self, year: i32) -> Option<&Year> {
        self.years.get(&year)
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    fn covered(&self, d: Date) -> CalResult<&Year> {
        self.years
            .get(&d.year())
            .ok_or(CalendarError::YearNotCovered { year: d.year() })
    }

    /// The listed entry of a date (holiday or make-up working day), if any.
    pub fn day(&self, d: Date) -> CalResult<Option<&Day>> {
        Ok(self.covered(d)?.days.get(&d))
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> CalResult<bool> {
        Ok(match self.covered(d)?.days.get(&d) {
            Some(day) => day.kind == DayKind::Workday,
            None => !is_weekend(d),
        })
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: Date) -> CalResult<Date> {
        self.add_working_days(d, 1)
    }

    /// `d` itself if it is a working day, else the next working day (民法典 §203: a period
    /// ending on a rest day ends on the next working day). For calendar-day (自然日) periods.
    pub fn roll_forward(&self, d: Date) -> CalResult<Date> {
        if self.is_working_day(d)? {
            Ok(d)
        } else {
            self.next_working_day(d)
        }
    }

    /// The date of the `n`-th working day after `start` (the start day is not counted);
    /// `n = 0` returns `start` (即办件: due the same day).
    pub fn add_working_days(&self, start: Date, n: u32) -> CalResult<Date> {
        Ok(self.deadline(start, n, &[])?.due)
    }

    /// The number of working days in `(a, b]`: after `a`, up to and including `b`. Negative
    /// when `b` is before `a` (minus the working days in `(b, a]`), so that
    /// `between(a, add_working_days(a, n)) == n`.
    pub fn working_days_between(&self, a: Date, b: Date) -> CalResult<i64> {
        self.between_by(a, b, &mut |d| self.is_working_day(d))
    }

    /// [`Calendar::working_days_between`] with the day judged by `working`.
    pub(crate) fn between_by(
        &self,
        a: Date,
        b: Date,
        working: &mut dyn FnMut(Date) -> CalResult<bool>,
    ) -> CalResult<i64> {
        if b < a {
            return Ok(-self.between_by(b, a, working)?);
        }
        let mut count = 0i64;
        let mut d = a;
        while d < b {
            d = d.next_day().ok_or(CalendarError::OutOfRange)?;
            if working(d)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The deadline of a time limit of `n` working days for a case accepted on `accepted`,
    /// not counting working days inside any of `pauses` (docs/standards/cases.md §5.6, docs/standards/calendar.md §11.3).
    ///
    /// Convention: counting starts the day after acceptance; a working day counts unless a
    /// pause covers it; pauses are inclusive date ranges and may overlap or touch (they are
    /// merged, a day is never discounted twice); pause days before or on the acceptance day
    /// change nothing. So a pause covering `k` working days inside the period moves the
    /// deadline `k` working days later, and the deadline itself is never a paused day.
    pub fn deadline(&self, accepted: Date, n: u32, pauses: &[Pause]) -> CalResult<Deadline> {
        self.deadline_by(accepted, n, pauses, &mut |d| self.is_working_day(d))
    }

    /// [`Calendar::deadline`] with the day judged by `working`.
    pub(crate) fn deadline_by(
        &self,
        accepted: Date,
        n: u32,
        pauses: &[Pause],
        working: &mut dyn FnMut(Date) -> CalResult<bool>,
    ) -> CalResult<Deadline> {
        let merged = merge_pauses(pauses);
        let mut d = accepted;
        let mut counted = 0u32;
        let mut paused = 0u32;
        let mut next_pause = 0usize;
        while counted < n {
            d = d.next_day().ok_or(CalendarError::OutOfRange)?;
            while merged.get(next_pause).is_some_and(|p| p.1 < d) {
                next_pause += 1;
            }
            let in_pause = merged.get(next_pause).is_some_and(|p| p.0 <= d);
            if working(d)? {
                if in_pause {
                    paused += 1;
                } else {
                    counted += 1;
                }
            }
        }
        Ok(Deadline {
            due: d,
            counted,
            paused_working_days: paused,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn cal() -> Calendar {
        crate::data::embedded().unwrap()
    }

    #[test]
    fn verified_2025_and_2026_arrangements() {
        let c = cal();
        // docs/standards/calendar.md §11.2, 2026
        for d in [
            date!(2026 - 01 - 04),
            date!(2026 - 02 - 14),
            date!(2026 - 02 - 28),
            date!(2026 - 05 - 09),
            date!(2026 - 09 - 20),
            date!(2026 - 10 - 10),
        ] {
            assert!(is_weekend(d), "{d}");
            assert_eq!(c.is_working_day(d), Ok(true), "{d}");
        }
        for d in [
            date!(2026 - 01 - 01),
            date!(2026 - 02 - 16),
            date!(2026 - 02 - 23),
            date!(2026 - 04 - 06),
            date!(2026 - 05 - 05),
            date!(2026 - 06 - 19),
            date!(2026 - 09 - 25),
            date!(2026 - 10 - 07),
        ] {
            assert_eq!(c.is_working_day(d), Ok(false), "{d}");
        }
        // 2025
        for d in [
            date!(2025 - 01 - 26),
            date!(2025 - 02 - 08),
            date!(2025 - 04 - 27),
            date!(2025 - 09 - 28),
            date!(2025 - 10 - 11),
        ] {
            assert_eq!(c.is_working_day(d), Ok(true), "{d}");
        }
        for d in [
            date!(2025 - 01 - 01),
            date!(2025 - 01 - 28),
            date!(2025 - 02 - 04),
            date!(2025 - 05 - 05),
            date!(2025 - 06 - 02),
            date!(2025 - 10 - 08),
        ] {
            assert_eq!(c.is_working_day(d), Ok(false), "{d}");
        }
        // ordinary days
        assert_eq!(c.is_working_day(date!(2026 - 03 - 02)), Ok(true)); // Monday
        assert_eq!(c.is_working_day(date!(2026 - 03 - 07)), Ok(false)); // Saturday
        let day = c.day(date!(2026 - 02 - 16)).unwrap().unwrap();
        assert_eq!(day.occasion_zh, "春节");
        assert_eq!(day.kind, DayKind::Holiday);
        // 2020's Spring Festival extension
        assert_eq!(c.is_working_day(date!(2020 - 01 - 31)), Ok(false));
        assert_eq!(c.is_working_day(date!(2020 - 02 - 03)), Ok(true));
    }

    #[test]
    fn worked_examples_of_standards_11_3() {
        let c = cal();
        assert_eq!(
            c.add_working_days(date!(2025 - 09 - 30), 20),
            Ok(date!(2025 - 11 - 04))
        );
        assert_eq!(
            c.add_working_days(date!(2025 - 09 - 26), 5),
            Ok(date!(2025 - 10 - 10))
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 3),
            Ok(date!(2026 - 02 - 25))
        );
        let special = Pause {
            from: date!(2025 - 10 - 13),
            to: date!(2025 - 10 - 17),
            reason: PauseReason::SpecialProcedure,
        };
        assert_eq!(
            c.deadline(date!(2025 - 09 - 30), 20, &[special]),
            Ok(Deadline {
                due: date!(2025 - 11 - 11),
                counted: 20,
                paused_working_days: 5
            })
        );
    }

    #[test]
    fn start_day_is_not_counted_and_zero_is_the_same_day() {
        let c = cal();
        // Friday 2026-03-06 → next working day Monday 03-09.
        assert_eq!(
            c.add_working_days(date!(2026 - 03 - 06), 1),
            Ok(date!(2026 - 03 - 09))
        );
        assert_eq!(
            c.next_working_day(date!(2026 - 03 - 06)),
            Ok(date!(2026 - 03 - 09))
        );
        // Accepted on a Saturday: the period still starts the day after.
        assert_eq!(
            c.add_working_days(date!(2026 - 03 - 07), 1),
            Ok(date!(2026 - 03 - 09))
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 03 - 07), 0),
            Ok(date!(2026 - 03 - 07))
        );
        // A rest day rolls forward; a working day stays.
        assert_eq!(
            c.roll_forward(date!(2026 - 10 - 01)),
            Ok(date!(2026 - 10 - 08))
        );
        assert_eq!(
            c.roll_forward(date!(2026 - 10 - 10)),
            Ok(date!(2026 - 10 - 10))
        );
        assert_eq!(
            c.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 25)),
            Ok(3)
        );
        assert_eq!(
            c.working_days_between(date!(2026 - 02 - 25), date!(2026 - 02 - 13)),
            Ok(-3)
        );
        assert_eq!(
            c.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 13)),
            Ok(0)
        );
    }

    #[test]
    fn uncovered_years_are_errors_naming_the_year() {
        let c = cal();
        assert_eq!(
            c.is_working_day(date!(2027 - 01 - 04)),
            Err(CalendarError::YearNotCovered { year: 2027 })
        );
        assert_eq!(
            c.is_working_day(date!(2003 - 12 - 31)),
            Err(CalendarError::YearNotCovered { year: 2003 })
        );
        // Counting across the end of the data fails, it does not guess.
        assert_eq!(
            c.add_working_days(date!(2026 - 12 - 20), 30),
            Err(CalendarError::YearNotCovered { year: 2027 })
        );
        assert_eq!(
            c.working_days_between(date!(2026 - 12 - 01), date!(2027 - 01 - 10)),
            Err(CalendarError::YearNotCovered { year: 2027 })
        );
        let e = CalendarError::YearNotCovered { year: 2027 };
        assert!(e.zh().contains("2027年"));
        assert!(e.en().contains("2027"));
        let k: yiwang_kernel::Error = e.into();
        assert_eq!(k.code, yiwang_kernel::ErrorCode::CalendarYearMissing);
        // Once the year is added, it works.
        let c = c.with_year(
            2027,
            YearSource::Imported,
            vec![Day {
                date: date!(2027 - 01 - 01),
                kind: DayKind::Holiday,
                occasion_zh: "元旦".into(),
                occasion_en: "New Year's Day".into(),
            }],
        );
        assert_eq!(c.is_working_day(date!(2027 - 01 - 01)), Ok(false));
        assert_eq!(c.is_working_day(date!(2027 - 01 - 04)), Ok(true));
        assert_eq!(c.year(2027).map(|y| y.source), Some(YearSource::Imported));
        assert_eq!(c.year(2026).map(|y| y.source), Some(YearSource::Embedded));
    }

    #[test]
    fn pauses_merge_and_only_working_days_inside_count() {
        let c = cal();
        let p = |a, b, reason| Pause {
            from: a,
            to: b,
            reason,
        };
        let accepted = date!(2026 - 03 - 02); // Monday
        let plain = c.deadline(accepted, 10, &[]).unwrap();
        assert_eq!(plain.due, date!(2026 - 03 - 16));
        // A pause over a weekend only changes nothing.
        let weekend = p(
            date!(2026 - 03 - 07),
            date!(2026 - 03 - 08),
            PauseReason::Correction,
        );
        assert_eq!(c.deadline(accepted, 10, &[weekend]).unwrap().due, plain.due);
        // Overlapping pauses count each day once: 03-04..03-06 (3 working days).
        let a = p(
            date!(2026 - 03 - 04),
            date!(2026 - 03 - 05),
            PauseReason::Correction,
        );
        let b = p(
            date!(2026 - 03 - 05),
            date!(2026 - 03 - 06),
            PauseReason::SpecialProcedure,
        );
        let d = c.deadline(accepted, 10, &[b, a]).unwrap();
        assert_eq!(d.paused_working_days, 3);
        assert_eq!(d.due, date!(2026 - 03 - 19));
        assert_eq!(
            merge_pauses(&[b, a]),
            vec![(date!(2026 - 03 - 04), date!(2026 - 03 - 06))]
        );
        // Touching pauses merge too; reversed ones are ignored.
        let c1 = p(
            date!(2026 - 03 - 10),
            date!(2026 - 03 - 10),
            PauseReason::Correction,
        );
        let c2 = p(
            date!(2026 - 03 - 11),
            date!(2026 - 03 - 12),
            PauseReason::Correction,
        );
        let bad = p(
            date!(2026 - 03 - 20),
            date!(2026 - 03 - 01),
            PauseReason::Correction,
        );
        assert_eq!(
            merge_pauses(&[c2, bad, c1]),
            vec![(date!(2026 - 03 - 10), date!(2026 - 03 - 12))]
        );
        // A pause before acceptance changes nothing; one after the deadline neither.
        let before = p(
            date!(2026 - 02 - 01),
            date!(2026 - 03 - 02),
            PauseReason::Correction,
        );
        let after = p(
            date!(2026 - 04 - 01),
            date!(2026 - 04 - 30),
            PauseReason::Correction,
        );
        assert_eq!(c.deadline(accepted, 10, &[before, after]).unwrap(), plain);
        // The deadline is never a paused day.
        let tail = p(
            date!(2026 - 03 - 16),
            date!(2026 - 03 - 17),
            PauseReason::SpecialProcedure,
        );
        assert_eq!(
            c.deadline(accepted, 10, &[tail]).unwrap().due,
            date!(2026 - 03 - 18)
        );
    }

    fn covered_date() -> impl Strategy<Value = Date> {
        // 2004-01-01 ..= 2025-12-31, so that adding up to 250 working days stays in 2026.
        let first = date!(2004 - 01 - 01).to_julian_day();
        let last = date!(2025 - 12 - 31).to_julian_day();
        (first..=last).prop_map(|j| Date::from_julian_day(j).unwrap())
    }

    proptest! {
        #[test]
        fn adding_lands_on_a_working_day_and_counts_back(d in covered_date(), n in 0u32..250) {
            let c = cal();
            let end = c.add_working_days(d, n).unwrap();
            if n >= 1 {
                prop_assert!(end > d);
                prop_assert!(c.is_working_day(end).unwrap());
            } else {
                prop_assert_eq!(end, d);
            }
            prop_assert_eq!(c.working_days_between(d, end).unwrap(), i64::from(n));
            prop_assert_eq!(c.working_days_between(end, d).unwrap(), -i64::from(n));
        }

        #[test]
        fn adding_is_monotonic(d in covered_date(), n in 0u32..200, k in 0u32..50, shift in 0i64..30) {
            let c = cal();
            prop_assert!(c.add_working_days(d, n).unwrap() <= c.add_working_days(d, n + k).unwrap());
            let later = d + time::Duration::days(shift);
            prop_assert!(c.add_working_days(d, n).unwrap() <= c.add_working_days(later, n).unwrap());
        }

        #[test]
        fn make_up_weekend_days_count_and_holidays_do_not(d in covered_date()) {
            let c = cal();
            let listed = c.day(d).unwrap().map(|x| x.kind);
            let working = c.is_working_day(d).unwrap();
            match listed {
                Some(DayKind::Workday) => prop_assert!(working && is_weekend(d)),
                Some(DayKind::Holiday) => prop_assert!(!working),
                None => prop_assert_eq!(working, !is_weekend(d)),
            }
            // A make-up day is counted by the day before it.
            if working {
                let before = d.previous_day().unwrap();
                prop_assert_eq!(c.add_working_days(before, 1).unwrap(), d);
            }
        }

        #[test]
        fn a_pause_delays_by_its_working_days(d in covered_date(), n in 1u32..120, off in 0i64..60, len in 0i64..40) {
            let c = cal();
            let from = d + time::Duration::days(1 + off);
            let to = from + time::Duration::days(len);
            let pause = Pause { from, to, reason: PauseReason::SpecialProcedure };
            let with = c.deadline(d, n, &[pause]).unwrap();
            let plain = c.add_working_days(d, n).unwrap();
            prop_assert!(with.due >= plain);
            prop_assert!(!(from <= with.due && with.due <= to));
            // the total working days spent is the limit plus the paused ones
            prop_assert_eq!(
                c.working_days_between(d, with.due).unwrap(),
                i64::from(n + with.paused_working_days)
            );
            prop_assert_eq!(with.due, c.add_working_days(d, n + with.paused_working_days).unwrap());
        }
    }
}
