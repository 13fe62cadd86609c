//! SQL of the calendar: the imported years in `calendar_days`. One SQL text for both backends.

use time::{Date, OffsetDateTime};
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, args};

use crate::calendar::{Day, DayKind};

#[derive(Debug, sqlx::FromRow)]
struct DayRow {
    date: Date,
    kind: String,
    occasion_zh: String,
    occasion_en: String,
}

/// Every imported day, in date order.
pub async fn imported_days(c: &mut impl Conn) -> Result<Vec<Day>> {
    let rows: Vec<DayRow> = c
        .fetch_all(
            "SELECT date, kind, occasion_zh, occasion_en FROM calendar_days ORDER BY date",
            args![],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            let kind = DayKind::parse(&r.kind).ok_or_else(|| {
                Error::internal(format!("stored calendar kind is invalid: {}", r.kind))
            })?;
            Ok(Day {
                date: r.date,
                kind,
                occasion_zh: r.occasion_zh,
                occasion_en: r.occasion_en,
            })
        })
        .collect()
}

/// How many days of `year` are stored.
pub async fn count_year(c: &mut impl Conn, year: i32) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM calendar_days WHERE year = $1",
            args![year],
        )
        .await?;
    Ok(n)
}

/// Removes every stored day of `year`.
pub async fn delete_year(c: &mut impl Conn, year: i32) -> Result<u64> {
    c.execute("DELETE FROM calendar_days WHERE year = $1", args![year])
        .await
}

pub async fn insert_day(
    c: &mut impl Conn,
    day: &Day,
    source: &str,
    created_by: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO calendar_days (date, year, kind, occasion_zh, occasion_en, source, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            day.date,
            day.date.year(),
            day.kind.as_str(),
            day.occasion_zh.as_str(),
            day.occasion_en.as_str(),
            source,
            created_by,
            now
        ],
    )
    .await?;
    Ok(())
}
