//! Facts for the platform's figures (指标事实): what a domain counts, per day and department,
//! for the supervision domain's KPIs (`yiwang-supervision`), and the things behind each count
//! (the drill-down). Domains compute them from their own tables; supervision materialises and
//! combines them. A KPI is reproducible by hand: the sum of its members' values over a scope and
//! period equals the figure.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

/// How a measure's daily values add up over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Events counted on the day they happen (submitted, concluded, rated): a period's value is
    /// the sum of its days.
    Sum,
    /// A state counted as it stood at the end of the day (published items, mounted resources): a
    /// period's value is its last day's.
    Last,
}

/// A measure a domain provides: a stable code (`cases.concluded`), its names and how it adds
/// up. The catalog of measures is each domain's `MEASURES` constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub aggregation: Aggregation,
}

/// One day's value of one measure for one department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactRow {
    pub day: Date,
    pub department_id: i64,
    pub measure: &'static str,
    pub value: i64,
}

/// One thing behind a figure (a case, an item, a rating, a work order, a resource…) with what it
/// contributes to each measure it counts in: summing `values[m]` over the members of a scope
/// and period gives that measure's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactMember {
    /// The day it counts on (for `Last` measures: the day the list was read).
    pub day: Date,
    pub department_id: i64,
    /// What it is: `case`, `item`, `rating`, `appeal`, `resource`, `request`, `call`, `licence`,
    /// `bundle`.
    pub kind: &'static str,
    /// Its number or code as people know it (办件编号, 事项编码, 工单编号…).
    pub reference: String,
    /// A short label (the item's name, the case's item name…), never personal data.
    pub label: String,
    /// The staff page that shows it, when there is one.
    pub href: Option<String>,
    pub values: BTreeMap<&'static str, i64>,
}

/// What a drill-down asks for: members counting in any of `measures`, of the given departments
/// (all the caller reaches when `None`), in `[from, to]`, one page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberQuery {
    pub measures: Vec<&'static str>,
    pub departments: Option<Vec<i64>>,
    pub from: Date,
    pub to: Date,
    pub limit: i64,
    pub offset: i64,
}

/// A fact's day is a China (Asia/Shanghai) day: [`crate::clock::day_of`] of an instant,
/// `[day_start(d), day_start(d + 1))` as instants.
pub use crate::clock::{day_of, day_start};

/// The end (exclusive, UTC) of the China day range `[from, to]`.
pub fn day_end(to: Date) -> OffsetDateTime {
    day_start(to) + Duration::days(1)
}

/// Every day of `[from, to]` in order (empty when `to < from`).
pub fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(from), |d| d.next_day()).take_while(move |d| *d <= to)
}

/// One page over member lists read one after another in a fixed order: given each list's
/// total, which slice of which list to read, as `(list index, offset, limit)`.
pub fn page_over(totals: &[i64], offset: i64, limit: i64) -> Vec<(usize, i64, i64)> {
    let mut out = Vec::new();
    let mut skip = offset.max(0);
    let mut left = limit.max(0);
    for (i, &n) in totals.iter().enumerate() {
        if left == 0 {
            break;
        }
        if skip >= n {
            skip -= n;
            continue;
        }
        let take = left.min(n - skip);
        out.push((i, skip, take));
        left -= take;
        skip = 0;
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn shanghai_days() {
        assert_eq!(
            day_start(date!(2026 - 03 - 01)),
            datetime!(2026-02-28 16:00 UTC)
        );
        assert_eq!(
            day_end(date!(2026 - 03 - 01)),
            datetime!(2026-03-01 16:00 UTC)
        );
        assert_eq!(
            day_of(datetime!(2026-02-28 16:00 UTC)),
            date!(2026 - 03 - 01)
        );
        assert_eq!(
            day_of(datetime!(2026-02-28 15:59:59 UTC)),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            days(date!(2026 - 02 - 27), date!(2026 - 03 - 01)).count(),
            3
        );
        assert_eq!(
            days(date!(2026 - 03 - 02), date!(2026 - 03 - 01)).count(),
            0
        );
    }

    #[test]
    fn pages_over_lists() {
        assert_eq!(page_over(&[3, 0, 5], 0, 4), vec![(0, 0, 3), (2, 0, 1)]);
        assert_eq!(page_over(&[3, 0, 5], 4, 10), vec![(2, 1, 4)]);
        assert_eq!(page_over(&[3, 5], 8, 10), vec![]);
        assert_eq!(page_over(&[3, 5], 1, 1), vec![(0, 1, 1)]);
    }
}
