//! The pure rules of sharing requests: the provider's time limit and its warning colour, the
//! negative-list refusal, and the shape of a request, a grant and a refusal.
//!
//! Time limit (国发〔2016〕51号; STANDARDS §8.4): the provider replies within **10 working
//! days** of the official calendar, counted from the day after submission (the submission day
//! is not counted, like every period of the calendar). Warning: **yellow** once 8 working days
//! have elapsed, **red** once the due date has passed; the days overdue are the working days
//! after the due date up to today (0 on the rest days straight after it).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use yiwang_calendar::{CalResult, Calendar};
use yiwang_kernel::FieldError;

use crate::model::{Resource, parse_ymd};

/// Working days the provider has to decide a conditional request.
pub const DECISION_WORKING_DAYS: u32 = 10;
/// Working days elapsed from which an undecided request is shown yellow.
pub const YELLOW_FROM_WORKING_DAYS: i64 = 8;
/// Calls per minute of a grant made at once (unconditional sharing).
pub const DEFAULT_RATE_PER_MINUTE: i64 = 120;
/// The largest rate a provider may grant.
pub const MAX_RATE_PER_MINUTE: i64 = 6000;
/// The longest period a request may ask for (days, about three years).
pub const MAX_PERIOD_DAYS: i64 = 1096;

/// The warning colour of an undecided request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SharingWarning)]
pub enum Warning {
    None,
    /// 黄牌: 8 or more working days have elapsed.
    Yellow,
    /// 红牌: past the due date.
    Red,
}

impl Warning {
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::None => "none",
            Warning::Yellow => "yellow",
            Warning::Red => "red",
        }
    }
}

/// Where an undecided request stands against its time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SharingTiming)]
pub struct Timing {
    /// Working days elapsed since submission (the submission day not counted).
    pub elapsed_working_days: i64,
    pub warning: Warning,
    /// Working days after the due date up to today; 0 while not overdue.
    pub days_overdue: i64,
}

/// The due date of a request submitted on `submitted`: the 10th working day after it. Across a
/// year whose holiday arrangement is not loaded it is estimated (`yiwang_calendar::estimate`) —
/// a request is never refused for the calendar's sake — and views recompute it from the
/// submission date, so it becomes exact once the year is imported.
pub fn due_date(cal: &Calendar, submitted: Date) -> CalResult<Date> {
    Ok(cal
        .add_working_days_estimate(submitted, DECISION_WORKING_DAYS)?
        .value)
}

/// Working days in `(a, b]`, estimated across a year not loaded.
pub fn working_days(cal: &Calendar, a: Date, b: Date) -> CalResult<i64> {
    Ok(cal.working_days_between_estimate(a, b)?.value)
}

/// The timing of a request submitted on `submitted`, due on `due`, seen on `today`.
pub fn timing(cal: &Calendar, submitted: Date, due: Date, today: Date) -> CalResult<Timing> {
    let elapsed = working_days(cal, submitted, today)?.max(0);
    let (warning, days_overdue) = if today > due {
        (Warning::Red, working_days(cal, due, today)?.max(0))
    } else if elapsed >= YELLOW_FROM_WORKING_DAYS {
        (Warning::Yellow, 0)
    } else {
        (Warning::None, 0)
    };
    Ok(Timing {
        elapsed_working_days: elapsed,
        warning,
        days_overdue,
    })
}

/// The refusal text of a request for a resource on the negative list (负面清单), quoting the
/// `basis` that `crate::lists::refusal_for` — the one place that decides — returned.
pub fn refusal_text(basis: &str) -> (String, String) {
    let basis = basis.trim();
    (
        format!(
            "该信息资源列入负面清单，不予共享。依据：{}",
            if basis.is_empty() { "未载明" } else { basis }
        ),
        format!(
            "This resource is on the negative list and is not shared. Basis: {}",
            if basis.is_empty() {
                "not stated"
            } else {
                basis
            }
        ),
    )
}

fn err(errs: &mut Vec<FieldError>, field: &str, rule: &str, zh: &str, en: &str) {
    errs.push(FieldError::new(field, rule, zh, en));
}

/// Required text of at most `max` characters.
pub fn text(errs: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errs.push(FieldError::required(field));
    } else if value.chars().count() > max {
        errs.push(FieldError::new(
            field,
            "text.max_length",
            format!("不超过 {max} 个字"),
            format!("At most {max} characters"),
        ));
    }
}

/// Field names asked for (or granted): at least one, each an item of `resource`, no repeats.
/// `within`: when given, every field must also be one of these (a grant narrows a request).
pub fn fields(
    errs: &mut Vec<FieldError>,
    field: &str,
    names: &[String],
    resource: &Resource,
    within: Option<&[String]>,
) {
    if names.is_empty() {
        err(
            errs,
            field,
            "required",
            "至少选择一个信息项",
            "Choose at least one data item",
        );
        return;
    }
    let mut seen = HashSet::new();
    for (i, n) in names.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if resource.meta.item(n).is_none() {
            errs.push(FieldError::new(
                &f,
                "exchange.unknown_field",
                format!("信息资源没有信息项“{n}”"),
                format!("The resource has no data item \"{n}\""),
            ));
        } else if within.is_some_and(|w| !w.contains(n)) {
            errs.push(FieldError::new(
                &f,
                "exchange.field_not_requested",
                format!("“{n}”不在申请的信息项内，只能缩小范围"),
                format!("\"{n}\" was not asked for: a grant may only narrow the request"),
            ));
        } else if !seen.insert(n.as_str()) {
            errs.push(FieldError::new(
                &f,
                "exchange.duplicate_item",
                format!("信息项“{n}”重复"),
                format!("Data item \"{n}\" appears twice"),
            ));
        }
    }
}

/// The 实施编码 of the service items a request serves: each 1–36 digits or upper-case letters,
/// at most 50, no repeats.
pub fn service_items(errs: &mut Vec<FieldError>, codes: &[String]) {
    if codes.len() > 50 {
        err(
            errs,
            "service_items",
            "text.max_items",
            "最多 50 个事项",
            "At most 50 service items",
        );
        return;
    }
    let mut seen = HashSet::new();
    for (i, c) in codes.iter().enumerate() {
        let ok = !c.is_empty()
            && c.len() <= 36
            && c.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        let f = format!("service_items[{i}]");
        if !ok {
            errs.push(FieldError::new(
                &f,
                "exchange.item_code",
                format!("实施编码“{c}”应为 1–36 位数字或大写字母"),
                format!("Implementation code \"{c}\" has 1 to 36 digits or upper-case letters"),
            ));
        } else if !seen.insert(c.as_str()) {
            errs.push(FieldError::new(
                &f,
                "exchange.duplicate_item",
                format!("实施编码“{c}”重复"),
                format!("Implementation code \"{c}\" appears twice"),
            ));
        }
    }
}

/// A period `from`–`to` (`YYYY-MM-DD`, both included) starting today or later, at most
/// [`MAX_PERIOD_DAYS`] long. `within`: a grant's period must lie inside the request's.
pub fn period(
    errs: &mut Vec<FieldError>,
    from: &str,
    to: &str,
    today: Date,
    within: Option<(Date, Date)>,
) -> Option<(Date, Date)> {
    let mut read = |field: &str, s: &str| {
        let d = parse_ymd(s);
        if d.is_none() {
            if s.trim().is_empty() {
                errs.push(FieldError::required(field));
            } else {
                err(
                    errs,
                    field,
                    "date.format",
                    "日期应写作 YYYY-MM-DD",
                    "A date is written YYYY-MM-DD",
                );
            }
        }
        d
    };
    let (f, t) = (read("from", from), read("to", to));
    let (f, t) = (f?, t?);
    let before = errs.len();
    if t < f {
        err(
            errs,
            "to",
            "exchange.period_order",
            "截止日期不能早于开始日期",
            "The end date cannot be before the start date",
        );
    }
    if t < today {
        err(
            errs,
            "to",
            "exchange.period_past",
            "期限已经过去",
            "The period is over already",
        );
    }
    if (t - f).whole_days() >= MAX_PERIOD_DAYS {
        err(
            errs,
            "to",
            "exchange.period_length",
            "期限最长三年",
            "The period is at most three years",
        );
    }
    if let Some((wf, wt)) = within
        && (f < wf || t > wt)
    {
        err(
            errs,
            "from",
            "exchange.period_within",
            "授权期限须在申请期限之内",
            "The granted period must lie within the requested one",
        );
    }
    (errs.len() == before).then_some((f, t))
}

/// A rate limit a provider sets: 1 to [`MAX_RATE_PER_MINUTE`] calls per minute.
pub fn rate(errs: &mut Vec<FieldError>, rate: i64) {
    if !(1..=MAX_RATE_PER_MINUTE).contains(&rate) {
        errs.push(FieldError::new(
            "rate_per_minute",
            "exchange.rate",
            format!("每分钟调用次数应在 1–{MAX_RATE_PER_MINUTE} 之间"),
            format!("Calls per minute are 1 to {MAX_RATE_PER_MINUTE}"),
        ));
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
