//! The source of "now". Production uses [`SystemClock`]; tests use [`FixedClock`] and move it.
//!
//! Every timestamp is UTC truncated to whole microseconds so that it survives a round trip
//! through PostgreSQL (microsecond precision) and SQLite (text) unchanged.

use std::sync::{Arc, Mutex};

use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time, the offset in which dates (deadlines, birth dates) are judged.
pub const CHINA_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, UTC, whole microseconds.
    fn now(&self) -> OffsetDateTime;

    /// Today's date in China (Asia/Shanghai, UTC+8, no daylight saving).
    fn today(&self) -> Date {
        day_of(self.now())
    }
}

/// The China (Asia/Shanghai) day of an instant: the day of deadlines, facts and plans.
pub fn day_of(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA_OFFSET).date()
}

/// The instant (UTC) a China day starts: a day `d` is `[day_start(d), day_start(d + 1))`.
pub fn day_start(day: Date) -> OffsetDateTime {
    day.midnight()
        .assume_offset(CHINA_OFFSET)
        .to_offset(UtcOffset::UTC)
}

/// A date as `YYYY-MM-DD`.
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An instant in China time, `YYYY-MM-DD HH:MM:SS`.
pub fn china_datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA_OFFSET);
    format!(
        "{} {:02}:{:02}:{:02}",
        ymd(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Truncates an instant to whole microseconds in UTC.
pub fn normalize(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    let micros = t.microsecond();
    t.replace_nanosecond(micros * 1000).unwrap_or(t)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        normalize(OffsetDateTime::now_utc())
    }
}

/// A clock that stands still until moved; shared between clones.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        FixedClock(Arc::new(Mutex::new(normalize(at))))
    }

    pub fn set(&self, at: OffsetDateTime) {
        if let Ok(mut g) = self.0.lock() {
            *g = normalize(at);
        }
    }

    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut g) = self.0.lock() {
            *g = normalize(*g + by);
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        match self.0.lock() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn fixed_clock_moves_and_judges_dates_in_china() {
        let c = FixedClock::new(datetime!(2026-01-01 15:59:59.123456789 UTC));
        assert_eq!(c.now().nanosecond(), 123_456_000);
        assert_eq!(c.today(), time::macros::date!(2026 - 01 - 01));
        c.advance(time::Duration::seconds(1));
        // 16:00 UTC is midnight in Beijing.
        assert_eq!(c.today(), time::macros::date!(2026 - 01 - 02));
    }

    #[test]
    fn dates_and_times_print_in_china_time() {
        assert_eq!(ymd(time::macros::date!(2026 - 03 - 07)), "2026-03-07");
        assert_eq!(
            china_datetime(datetime!(2026-12-31 16:00:05 UTC)),
            "2027-01-01 00:00:05"
        );
    }
}
