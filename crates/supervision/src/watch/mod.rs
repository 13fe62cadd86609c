//! Electronic supervision (电子监察, GB/T 39046 表11): monitoring rules kept as data
//! (`monitor_rules`: overdue, fast approval, repeated returns, decisions off hours, relatives
//! 回避), a scan over the cases' process data (`CaseService::watch_feed`, never the cases'
//! tables) raising warnings once per (rule, case, subject), and a supervision case per warning
//! handled to an outcome (属实已整改 / 不属实 / 已问责 / 有正当理由).
//!
//! By job: `model` (types), `rules` (the rules as plain functions, unit tested), `scan` (the
//! sweep), `handle` (reads, handling, rule administration), `period` (the bulletin's counts of
//! a month), `repo` (SQL of migration 0030).

mod handle;
pub mod model;
mod period;
mod repo;
pub mod rules;
mod scan;

pub use model::{
    MonitorRule, Outcome, Params, RuleInput, RuleKind, ScanReport, WarningAction, WarningFilter,
    WarningNote, WarningPage, WarningView,
};
pub use period::{PeriodCounts, RuleCounts, month_bounds};
