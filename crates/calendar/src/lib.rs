//! The working-day calendar (工作日历, docs/standards/calendar.md): official holidays and make-up working
//! days (调休上班), and counting time limits in working days (docs/standards/cases.md §5.6, docs/standards/calendar.md §11.3).
//!
//! * [`calendar`] — the pure [`Calendar`] type: is a date a working day, add N working days,
//!   working days between two dates, deadlines with paused intervals. No I/O.
//! * [`data`] — the embedded 2004–2026 table (`data/cn-holidays.csv`, see its SOURCE.md) and
//!   the parser that checks imported years row by row.
//! * [`service`] — [`CalendarService`]: the effective calendar (embedded years plus years an
//!   administrator imported into `calendar_days`), cached, and the audited import.
//!
//! * [`estimate`] — answers across a year without data for the acts that must go on,
//!   estimated and always marked so ([`Estimate`]).
//!
//! Must not know HTTP. A date in a year without data is an error naming the year, never a
//! silent Monday–Friday guess; an estimate is asked for by name and says it is one.

pub mod calendar;
pub mod data;
pub mod estimate;
pub mod repo;
pub mod service;

pub use calendar::{
    CalResult, Calendar, CalendarError, Day, DayKind, Deadline, Pause, PauseReason, Year,
    YearSource, merge_pauses,
};
pub use estimate::{Estimate, estimated_working_day};
pub use service::{CalendarService, ImportOptions, ImportReport};
