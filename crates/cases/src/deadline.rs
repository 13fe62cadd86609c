//! Time limits of a case (docs/standards/cases.md §5.6, docs/standards/calendar.md): due dates from the item's promised and
//! statutory limits, the working-day calendar and the periods that do not count, and the
//! warning colour.
//!
//! Rules:
//! * Counting starts the day after acceptance (民法典 §201): `Calendar::deadline`.
//! * A limit in working days (unit `1`) uses the calendar; calendar days (`2`) count every day;
//!   hours (`3`) count as working days of 8 hours, rounded up [U: no national rule found];
//!   months (`4`) and years (`5`) add calendar months (clamped to the month's last day).
//! * Periods that do not count: special procedures of type 2 (hearing, inspection … — 行政许可法
//!   §45) and waits for the applicant's supplements during handling, each from the day after
//!   it started through the day it ended (docs/standards/calendar.md §11.3); a period still running counts through today.
//!   For calendar-day, month and year limits, the paused calendar days are added.
//! * An extension (延长审批, special procedure type 1) adds its working days to the limit.
//! * Instant cases (即办件, limit 0) are due on the day of acceptance.
//! * Warning: red once today is after the due date; yellow when at most one working day remains
//!   after today, or at most 20 % of the limit.

use time::{Date, Duration, Month};
use yiwang_calendar::{Calendar, CalendarError, Pause, PauseReason};

use crate::model::Warning;

/// A limit as the item declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub amount: i64,
    /// 时限单位 code (catalog `time_unit`).
    pub unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    WorkingDays,
    CalendarDays,
    Hours,
    Months,
    Years,
}

impl Unit {
    pub fn parse(code: &str) -> Unit {
        match code {
            "2" => Unit::CalendarDays,
            "3" => Unit::Hours,
            "4" => Unit::Months,
            "5" => Unit::Years,
            _ => Unit::WorkingDays,
        }
    }
}

/// A period that does not count, as stored: started and (maybe) ended, dates in China.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    pub start: Date,
    pub end: Option<Date>,
    pub reason: PauseReason,
}

/// The pauses the calendar should not count: from the day after the start through the end
/// (or today while it runs). A stop that started and ended the same day pauses nothing.
pub fn pauses(stops: &[Stop], today: Date) -> Vec<Pause> {
    stops
        .iter()
        .filter_map(|s| {
            let from = s.start.next_day()?;
            let to = s.end.unwrap_or(today);
            (from <= to).then_some(Pause {
                from,
                to,
                reason: s.reason,
            })
        })
        .collect()
}

/// The working days a limit in hours stands for.
fn hours_as_days(h: i64) -> u32 {
    u32::try_from((h.max(0) + 7) / 8).unwrap_or(u32::MAX)
}

fn add_months(d: Date, months: i64) -> Option<Date> {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).ok()
}

/// The due date of `limit` (plus `extension` working days) for a case accepted on `accepted`.
pub fn due(
    cal: &Calendar,
    accepted: Date,
    limit: Limit,
    extension: i64,
    stops: &[Stop],
    today: Date,
) -> Result<Date, CalendarError> {
    let ext = u32::try_from(extension.max(0)).unwrap_or(0);
    let paused = pauses(stops, today);
    match limit.unit {
        Unit::WorkingDays | Unit::Hours => {
            let n = match limit.unit {
                Unit::Hours => hours_as_days(limit.amount),
                _ => u32::try_from(limit.amount.max(0)).unwrap_or(u32::MAX),
            };
            if n == 0 && ext == 0 {
                return Ok(accepted);
            }
            Ok(cal.deadline(accepted, n.saturating_add(ext), &paused)?.due)
        }
        Unit::CalendarDays | Unit::Months | Unit::Years => {
            let paused_days: i64 = yiwang_calendar::merge_pauses(&paused)
                .iter()
                .map(|(a, b)| (*b - *a).whole_days() + 1)
                .sum();
            let base = match limit.unit {
                Unit::CalendarDays => accepted.checked_add(Duration::days(limit.amount.max(0))),
                Unit::Months => add_months(accepted, limit.amount.max(0)),
                _ => add_months(accepted, limit.amount.max(0).saturating_mul(12)),
            }
            .ok_or(CalendarError::OutOfRange)?;
            let base = base
                .checked_add(Duration::days(paused_days))
                .ok_or(CalendarError::OutOfRange)?;
            if ext > 0 {
                cal.add_working_days(base, ext)
            } else {
                Ok(base)
            }
        }
    }
}

/// The warning colour on `today` for a case due on `due` with a limit of `limit_days` working
/// days (used for the 20 % rule; 0 for instant cases).
pub fn warning(
    cal: &Calendar,
    today: Date,
    due: Date,
    limit_days: i64,
) -> Result<Warning, CalendarError> {
    if today > due {
        return Ok(Warning::Red);
    }
    let remaining = cal.working_days_between(today, due)?;
    if remaining <= 1 || remaining * 5 <= limit_days {
        Ok(Warning::Yellow)
    } else {
        Ok(Warning::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal() -> Calendar {
        yiwang_calendar::data::embedded().unwrap_or_else(|_| Calendar::empty())
    }

    fn wd(n: i64) -> Limit {
        Limit {
            amount: n,
            unit: Unit::WorkingDays,
        }
    }

    #[test]
    fn working_day_limits_follow_the_calendar() {
        let c = cal();
        // Accepted Monday 2026-09-28: 09-29, 09-30, then National Day (10-01..10-07 off),
        // 10-08, 10-09 and the make-up Saturday 10-10.
        assert_eq!(
            due(
                &c,
                date!(2026 - 09 - 28),
                wd(5),
                0,
                &[],
                date!(2026 - 09 - 28)
            ),
            Ok(date!(2026 - 10 - 10))
        );
        // Instant cases are due the day they are accepted.
        assert_eq!(
            due(
                &c,
                date!(2026 - 09 - 28),
                wd(0),
                0,
                &[],
                date!(2026 - 09 - 28)
            ),
            Ok(date!(2026 - 09 - 28))
        );
    }

    #[test]
    fn stops_push_the_deadline_by_the_working_days_they_cover() {
        let c = cal();
        let accepted = date!(2026 - 11 - 02); // Monday
        let plain = due(&c, accepted, wd(10), 0, &[], accepted);
        assert_eq!(plain, Ok(date!(2026 - 11 - 16)));
        // A hearing from Wednesday to the next Wednesday: the days after the start through
        // the end (Thu, Fri, Mon, Tue, Wed) do not count.
        let stop = Stop {
            start: date!(2026 - 11 - 04),
            end: Some(date!(2026 - 11 - 11)),
            reason: PauseReason::SpecialProcedure,
        };
        assert_eq!(
            due(&c, accepted, wd(10), 0, &[stop], accepted),
            Ok(date!(2026 - 11 - 23))
        );
        // An extension of 10 working days.
        assert_eq!(
            due(&c, accepted, wd(10), 10, &[], accepted),
            Ok(date!(2026 - 11 - 30))
        );
        // A stop still running counts through today.
        let open = Stop {
            start: date!(2026 - 11 - 04),
            end: None,
            reason: PauseReason::Correction,
        };
        assert_eq!(
            due(&c, accepted, wd(10), 0, &[open], date!(2026 - 11 - 06)),
            Ok(date!(2026 - 11 - 18))
        );
    }

    #[test]
    fn other_units() {
        let c = cal();
        let accepted = date!(2026 - 01 - 31);
        let m = Limit {
            amount: 1,
            unit: Unit::Months,
        };
        assert_eq!(
            due(&c, accepted, m, 0, &[], accepted),
            Ok(date!(2026 - 02 - 28))
        );
        let d = Limit {
            amount: 30,
            unit: Unit::CalendarDays,
        };
        assert_eq!(
            due(&c, accepted, d, 0, &[], accepted),
            Ok(date!(2026 - 03 - 02))
        );
        let h = Limit {
            amount: 4,
            unit: Unit::Hours,
        };
        // Friday 2026-01-30 + 1 working day = Monday 2026-02-02.
        assert_eq!(
            due(&c, date!(2026 - 01 - 30), h, 0, &[], accepted),
            Ok(date!(2026 - 02 - 02))
        );
    }

    #[test]
    fn warnings() {
        let c = cal();
        let due_date = date!(2026 - 11 - 20); // Friday
        assert_eq!(
            warning(&c, date!(2026 - 11 - 10), due_date, 20),
            Ok(Warning::None)
        );
        // 20 % of 20 = 4 working days left: yellow.
        assert_eq!(
            warning(&c, date!(2026 - 11 - 16), due_date, 20),
            Ok(Warning::Yellow)
        );
        // One working day left.
        assert_eq!(
            warning(&c, date!(2026 - 11 - 19), due_date, 3),
            Ok(Warning::Yellow)
        );
        assert_eq!(warning(&c, due_date, due_date, 3), Ok(Warning::Yellow));
        assert_eq!(
            warning(&c, date!(2026 - 11 - 21), due_date, 3),
            Ok(Warning::Red)
        );
        // A year without data is an error, never a guess.
        assert_eq!(
            warning(&c, date!(2026 - 12 - 30), date!(2027 - 01 - 20), 3),
            Err(CalendarError::YearNotCovered { year: 2027 })
        );
    }
}
