//! The working-day calendar (docs/standards/calendar.md): public questions (is a date a working day, add
//! working days, working days between two dates, covered years) and the system
//! administrator's import of a new year's arrangement.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_calendar::data::{format_date, parse_date};
use yiwang_calendar::{CalendarError, DayKind, ImportOptions, ImportReport, YearSource};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::transfer::upload_for;

/// Largest number of working days `add` accepts (about fourteen years).
pub const MAX_DAYS: i64 = 3650;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(working_day))
        .routes(routes!(add_days))
        .routes(routes!(between))
        .routes(routes!(list_years))
        .routes(routes!(import_year))
}

fn date_field(p: &mut Problems, field: &str, raw: Option<&str>) -> Option<Date> {
    match raw.map(str::trim) {
        None | Some("") => {
            p.push(FieldError::required(field));
            None
        }
        Some(s) => {
            let d = parse_date(s);
            if d.is_none() {
                p.push(FieldError::new(
                    field,
                    "date.format",
                    format!("日期“{s}”无效，应为 YYYY-MM-DD"),
                    format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
                ));
            }
            d
        }
    }
}

/// A calendar error as an API error; a missing year names the field it came from.
fn calendar_error(e: CalendarError, fields: &[(&str, Date)]) -> Error {
    let mut err: Error = e.into();
    if let CalendarError::YearNotCovered { year } = e {
        let field = fields
            .iter()
            .find(|(_, d)| d.year() == year)
            .map(|(f, _)| *f)
            .unwrap_or("");
        err.fields.push(FieldError::new(
            field,
            "calendar.year_missing",
            e.zh(),
            e.en(),
        ));
    }
    err
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// The date, `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// Whether a date is a working day, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDayView {
    pub date: String,
    pub working_day: bool,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// `holiday` or `workday` (调休上班) when the date is listed in the year's arrangement.
    #[schema(value_type = Option<String>)]
    pub kind: Option<DayKind>,
    pub occasion_zh: Option<String>,
    pub occasion_en: Option<String>,
    /// Where the year's arrangement comes from: `embedded` or `imported`.
    #[schema(value_type = String)]
    pub year_source: YearSource,
}

/// Is a date a working day? Public. A year without data answers 422 `calendar.year_missing`.
#[utoipa::path(get, path = "/api/v1/calendar/working-day", tag = "calendar", security(()), params(DateQuery),
    responses((status = 200, body = WorkingDayView), (status = 422, body = ErrorResponse, description = "bad date, or calendar.year_missing")))]
pub async fn working_day(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<Json<WorkingDayView>> {
    let mut p = Problems::new();
    let date = date_field(&mut p, "date", q.date.as_deref());
    p.into_result()?;
    let Some(date) = date else {
        return Err(Error::field(FieldError::required("date")).into());
    };
    let cal = state.calendar.current().await?;
    let fields = [("date", date)];
    let working = cal
        .is_working_day(date)
        .map_err(|e| calendar_error(e, &fields))?;
    let listed = cal.day(date).map_err(|e| calendar_error(e, &fields))?;
    let source = cal
        .year(date.year())
        .map(|y| y.source)
        .unwrap_or(YearSource::Embedded);
    Ok(Json(WorkingDayView {
        date: format_date(date),
        working_day: working,
        weekday: date.weekday().number_from_monday(),
        kind: listed.map(|d| d.kind),
        occasion_zh: listed.map(|d| d.occasion_zh.clone()),
        occasion_en: listed.map(|d| d.occasion_en.clone()),
        year_source: source,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddQuery {
    /// The start date (e.g. acceptance), `YYYY-MM-DD`; it is not counted.
    pub date: Option<String>,
    /// Working days to add, 0 to 3650.
    pub days: Option<String>,
}

/// The result of adding working days.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddView {
    pub date: String,
    pub days: u32,
    /// The `days`-th working day after `date` (`date` itself for 0).
    pub result: String,
}

/// Adds N working days to a date: the period starts the day after `date` (docs/standards/calendar.md §11.3) and
/// ends on the N-th working day, so it never ends on a rest day. Public.
#[utoipa::path(get, path = "/api/v1/calendar/add", tag = "calendar", security(()), params(AddQuery),
    responses((status = 200, body = AddView), (status = 422, body = ErrorResponse, description = "bad date or days, or calendar.year_missing")))]
pub async fn add_days(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AddQuery>,
) -> ApiResult<Json<AddView>> {
    let mut p = Problems::new();
    let date = date_field(&mut p, "date", q.date.as_deref());
    let days = match q.days.as_deref().map(str::trim) {
        None | Some("") => {
            p.push(FieldError::required("days"));
            None
        }
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (0..=MAX_DAYS).contains(&n) => u32::try_from(n).ok(),
            _ => {
                p.push(FieldError::range("days", 0, MAX_DAYS));
                None
            }
        },
    };
    p.into_result()?;
    let (Some(date), Some(days)) = (date, days) else {
        return Err(Error::field(FieldError::required("date")).into());
    };
    let cal = state.calendar.current().await?;
    let result = cal
        .add_working_days(date, days)
        .map_err(|e| calendar_error(e, &[("date", date)]))?;
    Ok(Json(AddView {
        date: format_date(date),
        days,
        result: format_date(result),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BetweenQuery {
    /// `YYYY-MM-DD`, not counted.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, counted.
    pub to: Option<String>,
}

/// Working days between two dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct BetweenView {
    pub from: String,
    pub to: String,
    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub working_days: i64,
}

/// Working days after `from` up to and including `to`. Public.
#[utoipa::path(get, path = "/api/v1/calendar/between", tag = "calendar", security(()), params(BetweenQuery),
    responses((status = 200, body = BetweenView), (status = 422, body = ErrorResponse, description = "bad dates, a span over 20 years, or calendar.year_missing")))]
pub async fn between(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<BetweenQuery>,
) -> ApiResult<Json<BetweenView>> {
    let mut p = Problems::new();
    let from = date_field(&mut p, "from", q.from.as_deref());
    let to = date_field(&mut p, "to", q.to.as_deref());
    if let (Some(a), Some(b)) = (from, to)
        && (b - a).whole_days().abs() > 20 * 366
    {
        p.push(FieldError::new(
            "to",
            "calendar.span",
            "两个日期相隔不能超过20年",
            "The dates must be at most 20 years apart",
        ));
    }
    p.into_result()?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Error::field(FieldError::required("from")).into());
    };
    let cal = state.calendar.current().await?;
    let n = cal
        .working_days_between(from, to)
        .map_err(|e| calendar_error(e, &[("from", from), ("to", to)]))?;
    Ok(Json(BetweenView {
        from: format_date(from),
        to: format_date(to),
        working_days: n,
    }))
}

/// A covered year.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearView {
    pub year: i32,
    /// `embedded` (shipped with Yiwang) or `imported` (by an administrator).
    #[schema(value_type = String)]
    pub source: YearSource,
    pub holidays: usize,
    /// Make-up working days (调休上班).
    pub workdays: usize,
}

/// The years the calendar covers; any other year is refused with `calendar.year_missing`.
/// Public.
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar", security(()),
    responses((status = 200, body = Vec<YearView>)))]
pub async fn list_years(State(state): State<AppState>) -> ApiResult<Json<Vec<YearView>>> {
    let cal = state.calendar.current().await?;
    Ok(Json(
        cal.years()
            .map(|y| YearView {
                year: y.year,
                source: y.source,
                holidays: y.holidays(),
                workdays: y.workdays(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` to replace a year that is already covered (embedded or imported).
    pub replace: Option<bool>,
    /// Where the arrangement comes from, e.g. the State Council notice (stored and audited).
    pub source: Option<String>,
}

/// Imports a year's official holiday arrangement (国务院办公厅关于YYYY年部分节假日安排的通知)
/// from CSV: columns `date`, `kind` (`holiday`|`workday`), `occasion_zh`, optional
/// `occasion_en` (or 日期, 类别, 节日名称, 节日英文名称). All or nothing: every bad row is
/// reported. A covered year needs `replace=true`. System administrators only.
#[utoipa::path(post, path = "/api/v1/calendar/years/{year}", tag = "calendar", security(("session" = ["calendar.manage"])),
    params(("year" = String, Path, description = "The year, e.g. 2027"), ImportQuery),
    request_body(content = Vec<u8>, description = "The CSV file as the raw body, or as the part `file` of multipart/form-data", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "the year is already covered (duplicate); use replace=true"),
        (status = 422, body = ErrorResponse, description = "import_rejected with one entry per bad row, or a bad year")))]
pub async fn import_year(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(year): ApiPath<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    let year: i32 = year.trim().parse().map_err(|_| {
        Error::field(FieldError::new(
            "year",
            "year.format",
            format!("年份“{year}”无效，应为四位数字"),
            format!("Invalid year \"{year}\"; expected four digits"),
        ))
    })?;
    let bytes = upload_for(&ctx, &headers, body, "file").await?;
    let opts = ImportOptions {
        replace: q.replace.unwrap_or(false),
        source: q.source.unwrap_or_else(|| "api".into()),
    };
    Ok(Json(
        state
            .calendar
            .import_year(&ctx, year, &bytes, &opts)
            .await?,
    ))
}
