//! Estimates across a year whose holiday arrangement is not loaded (暂定期限).
//!
//! The State Council publishes a year's arrangement in October or November of the year before
//! (docs/standards/calendar.md §11.2), and an administrator imports it. Until then a time limit
//! that runs into that year cannot be computed exactly. Refusing a citizen's act for that reason
//! (filing an appeal, rating a case, a department deciding a sharing request) would be wrong, so
//! the acts that must go on take an **estimate**, as docs/standards/calendar.md allows ("or fall
//! back to Mon–Fri with a warning"): a day of a year without data is a working day when it is a
//! Monday–Friday other than a fixed-date statutory holiday of 《全国年节及纪念日放假办法》 (as
//! revised in 2024, in force from 2025) [R]: 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October.
//! The lunar-calendar holidays (春节, 清明, 端午, 中秋), the days joined to them and the make-up
//! working days (调休上班) cannot be known before the notice and are not guessed [U] — so an
//! estimate can be off by a few days either way.
//!
//! An estimate always says so ([`Estimate::assumed_year`]); pages mark it 暂定 (provisional),
//! and domains that store one recompute it when the year is imported. The exact questions
//! ([`Calendar::deadline`], [`Calendar::add_working_days`] …) still refuse a missing year.

use time::{Date, Month};

use crate::calendar::{CalResult, Calendar, CalendarError, Deadline, Pause, is_weekend};

/// The fixed-date statutory holidays (month, day) every year has by law [R].
const FIXED_HOLIDAYS: [(Month, u8); 6] = [
    (Month::January, 1),
    (Month::May, 1),
    (Month::May, 2),
    (Month::October, 1),
    (Month::October, 2),
    (Month::October, 3),
];

/// A value computed with the working days of a year whose arrangement is not loaded estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate<T> {
    pub value: T,
    /// The first year without data the value relied on; `None` when the value is exact.
    pub assumed_year: Option<i32>,
}

impl<T> Estimate<T> {
    /// Whether the value is provisional (暂定).
    pub fn is_estimate(&self) -> bool {
        self.assumed_year.is_some()
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Estimate<U> {
        Estimate {
            value: f(self.value),
            assumed_year: self.assumed_year,
        }
    }
}

/// Whether `d` would be a working day in a year without data: Monday–Friday and not a
/// fixed-date statutory holiday.
pub fn estimated_working_day(d: Date) -> bool {
    !is_weekend(d) && !FIXED_HOLIDAYS.contains(&(d.month(), d.day()))
}

impl Calendar {
    /// The working-day answer for `d`: exact in a covered year, else estimated (noting the year).
    fn judge(&self, d: Date, assumed: &mut Option<i32>) -> CalResult<bool> {
        match self.is_working_day(d) {
            Err(CalendarError::YearNotCovered { year }) => {
                assumed.get_or_insert(year);
                Ok(estimated_working_day(d))
            }
            other => other,
        }
    }

    /// [`Calendar::deadline`], estimating the days of years without data.
    pub fn deadline_estimate(
        &self,
        accepted: Date,
        n: u32,
        pauses: &[Pause],
    ) -> CalResult<Estimate<Deadline>> {
        let mut assumed = None;
        let value = self.deadline_by(accepted, n, pauses, &mut |d| self.judge(d, &mut assumed))?;
        Ok(Estimate {
            value,
            assumed_year: assumed,
        })
    }

    /// [`Calendar::add_working_days`], estimating the days of years without data.
    pub fn add_working_days_estimate(&self, start: Date, n: u32) -> CalResult<Estimate<Date>> {
        Ok(self.deadline_estimate(start, n, &[])?.map(|d| d.due))
    }

    /// [`Calendar::working_days_between`], estimating the days of years without data.
    pub fn working_days_between_estimate(&self, a: Date, b: Date) -> CalResult<Estimate<i64>> {
        let mut assumed = None;
        let value = self.between_by(a, b, &mut |d| self.judge(d, &mut assumed))?;
        Ok(Estimate {
            value,
            assumed_year: assumed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Day, DayKind, YearSource};
    use proptest::prelude::*;
    use time::macros::date;

    fn cal() -> Calendar {
        crate::data::embedded().unwrap()
    }

    #[test]
    fn the_fixed_date_holidays_match_the_official_years_since_the_2024_revision() {
        let c = cal();
        for year in [2025, 2026] {
            for (month, day) in FIXED_HOLIDAYS {
                let d = Date::from_calendar_date(year, month, day).unwrap();
                assert_eq!(c.is_working_day(d), Ok(false), "{d}");
                assert!(!estimated_working_day(d), "{d}");
            }
        }
    }

    #[test]
    fn across_a_missing_year_the_answer_is_an_estimate_naming_it() {
        let c = cal();
        // Friday 2026-12-25: Mon 12-28 … Thu 12-31 are four; 2027-01-01 is New Year's Day
        // (fixed by law); Monday 2027-01-04 is the fifth.
        let e = c
            .add_working_days_estimate(date!(2026 - 12 - 25), 5)
            .unwrap();
        assert_eq!(e.value, date!(2027 - 01 - 04));
        assert_eq!(e.assumed_year, Some(2027));
        assert!(e.is_estimate());
        // The exact question still refuses.
        assert_eq!(
            c.add_working_days(date!(2026 - 12 - 25), 5),
            Err(CalendarError::YearNotCovered { year: 2027 })
        );
        let between = c
            .working_days_between_estimate(date!(2026 - 12 - 25), date!(2027 - 01 - 08))
            .unwrap();
        assert_eq!(between.value, 4 + 5); // 12-28..12-31, then 01-04..01-08
        assert_eq!(between.assumed_year, Some(2027));
        // Within covered years nothing is assumed.
        let exact = c
            .add_working_days_estimate(date!(2026 - 12 - 01), 5)
            .unwrap();
        assert_eq!(exact.assumed_year, None);
        // Once 2027 is imported, the same question is exact and follows the import.
        let c = c.with_year(
            2027,
            YearSource::Imported,
            [date!(2027 - 01 - 01), date!(2027 - 01 - 04)]
                .into_iter()
                .map(|date| Day {
                    date,
                    kind: DayKind::Holiday,
                    occasion_zh: "测试".into(),
                    occasion_en: "test".into(),
                })
                .collect(),
        );
        let e = c
            .add_working_days_estimate(date!(2026 - 12 - 25), 5)
            .unwrap();
        assert_eq!(e.value, date!(2027 - 01 - 05));
        assert_eq!(e.assumed_year, None);
    }

    proptest! {
        /// Inside covered years an estimate is the exact answer, marked exact.
        #[test]
        fn estimates_equal_exact_answers_in_covered_years(
            offset in 0i64..(365 * 20), n in 0u32..60, span in -90i64..90,
        ) {
            let c = cal();
            let start = date!(2005 - 01 - 01) + time::Duration::days(offset);
            let e = c.add_working_days_estimate(start, n).unwrap();
            prop_assert_eq!(Ok(e.value), c.add_working_days(start, n));
            prop_assert_eq!(e.assumed_year, None);
            let other = start + time::Duration::days(span);
            let b = c.working_days_between_estimate(start, other).unwrap();
            prop_assert_eq!(Ok(b.value), c.working_days_between(start, other));
            prop_assert_eq!(b.assumed_year, None);
        }

        /// An estimated deadline is always an estimated working day, and counting back gives n.
        #[test]
        fn estimated_deadlines_land_on_working_days(offset in 0i64..400, n in 1u32..60) {
            let c = cal();
            let start = date!(2026 - 09 - 01) + time::Duration::days(offset);
            let e = c.add_working_days_estimate(start, n).unwrap();
            let judged = c.is_working_day(e.value).unwrap_or_else(|_| estimated_working_day(e.value));
            prop_assert!(judged);
            let back = c.working_days_between_estimate(start, e.value).unwrap();
            prop_assert_eq!(back.value, i64::from(n));
            prop_assert_eq!(back.assumed_year.is_some(), e.assumed_year.is_some());
        }
    }
}
