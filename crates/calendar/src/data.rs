//! Reading holiday arrangements from CSV: the embedded 2004–2026 table (`data/cn-holidays.csv`,
//! see its SOURCE.md) and the files administrators import for a new year.
//!
//! Both go through [`parse`], which checks every row and reports every problem with its line,
//! field and rule (zh/en). The embedded table is checked by the test `embedded_data_is_valid`,
//! so a bad line fails the build's tests instead of reaching a running server.

use std::collections::HashMap;
use std::sync::OnceLock;

use time::{Date, Weekday};
use yiwang_kernel::error::RowError;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_sheets::{Column, Layout, read_csv};

use crate::calendar::{Calendar, Day, DayKind, YearSource};

/// The embedded table.
pub const EMBEDDED_CSV: &str = include_str!("../data/cn-holidays.csv");

/// The sheet name used in row errors.
pub const SHEET: &str = "节假日安排";

/// Years an import may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub const COLUMNS: &[Column] = &[
    Column::new("date", "日期", true),
    Column {
        aliases: &["类型", "kind_zh"],
        ..Column::new("kind", "类别", true)
    },
    Column {
        aliases: &["节日", "节假日"],
        ..Column::new("occasion_zh", "节日名称", true)
    },
    Column {
        aliases: &["英文名称"],
        ..Column::new("occasion_en", "节日英文名称", false)
    },
];

const TIME_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), TIME_FORMAT).ok()
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(TIME_FORMAT).unwrap_or_default()
}

fn weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Parses and checks a holiday table. With `year`, every date must lie in that year (an
/// import); without, any year goes (the embedded table). Rules: `date` is `YYYY-MM-DD`, no date
/// twice, `kind` is `holiday` or `workday` (or 放假/上班), a `workday` is a Saturday or Sunday
/// (a Monday–Friday is a working day anyway), `occasion_zh` is present (≤ 50 characters),
/// `occasion_en` ≤ 100 characters, and the file has at least one row.
pub fn parse(bytes: &[u8], year: Option<i32>) -> std::result::Result<Vec<Day>, Vec<RowError>> {
    let sheet = match read_csv(SHEET, bytes) {
        Ok((s, _)) => s,
        Err(e) => {
            return Err(vec![RowError::from_field(
                SHEET,
                1,
                FieldError::new(
                    "",
                    "file.unreadable",
                    e.message(yiwang_kernel::i18n::Lang::Zh),
                    e.message(yiwang_kernel::i18n::Lang::En),
                ),
            )]);
        }
    };
    let layout = Layout::resolve(&sheet, COLUMNS)?;
    let mut errors = Vec::new();
    let mut days = Vec::with_capacity(sheet.rows.len());
    let mut seen: HashMap<Date, usize> = HashMap::new();
    for row in &sheet.rows {
        let err = |field: &str, rule: &str, zh: String, en: String| {
            RowError::from_field(SHEET, row.line, FieldError::new(field, rule, zh, en))
        };
        let raw_date = layout.get(row, "date");
        let date = match parse_date(raw_date) {
            Some(d) => Some(d),
            None if raw_date.is_empty() => {
                errors.push(RowError::from_field(
                    SHEET,
                    row.line,
                    FieldError::required("date"),
                ));
                None
            }
            None => {
                errors.push(err(
                    "date",
                    "date.format",
                    format!("日期“{raw_date}”无效，应为 YYYY-MM-DD"),
                    format!("Invalid date \"{raw_date}\"; expected YYYY-MM-DD"),
                ));
                None
            }
        };
        if let (Some(d), Some(y)) = (date, year)
            && d.year() != y
        {
            errors.push(err(
                "date",
                "date.other_year",
                format!("日期{}不在{y}年内", format_date(d)),
                format!("{} is not in {y}", format_date(d)),
            ));
        }
        if let Some(d) = date
            && let Some(first) = seen.insert(d, row.line)
        {
            errors.push(err(
                "date",
                "date.duplicate_in_file",
                format!("与第{first}行的日期重复"),
                format!("Same date as line {first}"),
            ));
        }
        let raw_kind = layout.get(row, "kind");
        let kind = DayKind::parse(raw_kind);
        if kind.is_none() {
            errors.push(RowError::from_field(
                SHEET,
                row.line,
                FieldError::one_of("kind", &["holiday", "workday"]),
            ));
        }
        if let (Some(d), Some(DayKind::Workday)) = (date, kind)
            && !weekend(d)
        {
            errors.push(err(
                "kind",
                "workday.not_weekend",
                format!("{}不是周六或周日，调休上班日只能是周末", format_date(d)),
                format!(
                    "{} is not a Saturday or Sunday; only a weekend day can be a make-up working day",
                    format_date(d)
                ),
            ));
        }
        let zh = layout.get(row, "occasion_zh");
        if zh.is_empty() {
            errors.push(RowError::from_field(
                SHEET,
                row.line,
                FieldError::required("occasion_zh"),
            ));
        } else if zh.chars().count() > 50 {
            errors.push(RowError::from_field(
                SHEET,
                row.line,
                FieldError::max_chars("occasion_zh", 50),
            ));
        }
        let en = layout.get(row, "occasion_en");
        if en.chars().count() > 100 {
            errors.push(RowError::from_field(
                SHEET,
                row.line,
                FieldError::max_chars("occasion_en", 100),
            ));
        }
        if let (Some(date), Some(kind)) = (date, kind) {
            days.push(Day {
                date,
                kind,
                occasion_zh: zh.to_string(),
                occasion_en: en.to_string(),
            });
        }
    }
    if sheet.rows.is_empty() {
        errors.push(RowError::from_field(
            SHEET,
            1,
            FieldError::new(
                "",
                "file.empty",
                "文件中没有任何日期（每年至少有元旦）",
                "The file lists no dates (every year has at least New Year's Day)",
            ),
        ));
    }
    if errors.is_empty() {
        days.sort_by_key(|d| d.date);
        Ok(days)
    } else {
        Err(errors)
    }
}

/// The embedded days, parsed once.
pub fn embedded_days() -> Result<&'static [Day]> {
    static DAYS: OnceLock<std::result::Result<Vec<Day>, Vec<RowError>>> = OnceLock::new();
    match DAYS.get_or_init(|| parse(EMBEDDED_CSV.as_bytes(), None)) {
        Ok(d) => Ok(d),
        Err(rows) => Err(Error::internal(format!(
            "the embedded holiday table is invalid: {} problem(s), first on line {}",
            rows.len(),
            rows.first().map(|r| r.line).unwrap_or(0)
        ))),
    }
}

/// A calendar of the embedded years (2004–2026).
pub fn embedded() -> Result<Calendar> {
    Ok(Calendar::empty().with_days(YearSource::Embedded, embedded_days()?.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_is_valid() {
        let rows = parse(EMBEDDED_CSV.as_bytes(), None);
        assert!(rows.is_ok(), "{rows:?}");
        let cal = embedded().unwrap();
        let years: Vec<i32> = cal.years().map(|y| y.year).collect();
        assert_eq!(years, (2004..=2026).collect::<Vec<_>>());
        assert_eq!(embedded_days().unwrap().len(), 771);
        let y2026 = cal.year(2026).unwrap();
        assert_eq!((y2026.holidays(), y2026.workdays()), (33, 6));
    }

    #[test]
    fn import_rows_are_checked() {
        let csv = "date,kind,occasion_zh,occasion_en\n\
                   2027-01-01,holiday,元旦,New Year's Day\n\
                   2027-01-01,holiday,元旦,New Year's Day\n\
                   2026-12-31,holiday,元旦,\n\
                   2027-02-03,workday,春节,\n\
                   2027-13-01,holiday,春节,\n\
                   2027-02-06,rest,春节,\n\
                   2027-02-07,workday,,\n";
        let errs = parse(csv.as_bytes(), Some(2027)).unwrap_err();
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "date", "date.duplicate_in_file"),
                (4, "date", "date.other_year"),
                (5, "kind", "workday.not_weekend"),
                (6, "date", "date.format"),
                (7, "kind", "one_of"),
                (8, "occasion_zh", "required"),
            ]
        );
        assert!(errs.iter().all(|e| !e.zh.is_empty() && !e.en.is_empty()));
        // Chinese headers and kinds are accepted; a holiday on a weekend is fine.
        let ok = "日期,类别,节日名称\n2027-01-01,放假,元旦\n2027-01-02,放假,元旦\n2027-02-20,上班,春节\n";
        let days = parse(ok.as_bytes(), Some(2027)).unwrap();
        assert_eq!(days.len(), 3);
        assert_eq!(days[2].kind, DayKind::Workday);
        // A missing column and an empty file are reported.
        let e = parse(b"date,occasion_zh\n2027-01-01,x\n", Some(2027)).unwrap_err();
        assert_eq!(e[0].rule, "missing_column");
        let e = parse(b"date,kind,occasion_zh\n", Some(2027)).unwrap_err();
        assert_eq!(e[0].rule, "file.empty");
    }
}
