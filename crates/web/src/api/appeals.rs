//! Work orders (工单, 12345 诉求): filing (anyone: the web, the hotline operator on a caller's
//! behalf), a citizen's own orders, the staff queue by role (dispatcher, handler, supervisor),
//! one order, every flow action (派单、签收、办理、答复、退单、延期、督办、回访…), likely
//! duplicates before filing, statistics. Photos travel on the pages (multipart). Outside apps
//! use Open311 instead (`crate::open311`). The appeals service decides who may read and do what.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_appeals::views::{
    ActInput, AppealBrief, AppealView, Filed, NewAppeal, QueueFilter, StatRow, StatsBy, StatsQuery,
};
use yiwang_appeals::{LonLat, Status};
use yiwang_calendar::data::parse_date;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue, submit))
        .routes(routes!(mine))
        .routes(routes!(my_appeal))
        .routes(routes!(appeal))
        .routes(routes!(act))
        .routes(routes!(duplicates))
        .routes(routes!(stats))
}

/// Files an appeal. Anyone may: an anonymous filer gets the number and the query code
/// (`token`, shown once) to follow it at `/appeals/track`; a signed-in citizen owns it; a
/// hotline operator files calls (`channel: phone`). Routed at once to the point's grid and its
/// worker, else to the category's department. Likely duplicates are listed with it.
#[utoipa::path(post, path = "/api/v1/appeals", tag = "appeals", security(()),
    request_body = NewAppeal,
    responses((status = 201, body = Filed), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<NewAppeal>,
) -> ApiResult<(StatusCode, Json<Filed>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.appeals.submit(&ctx, b).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// The signed-in citizen's own appeals, newest first.
#[utoipa::path(get, path = "/api/v1/me/appeals", tag = "appeals", security(("person" = [])),
    params(PageQuery),
    responses((status = 200, body = Paged<AppealBrief>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn mine(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<AppealBrief>>> {
    let page = Page::new(q.page, q.size)?;
    Ok(Json(state.appeals.mine(&ctx, page).await?))
}

/// One of the citizen's own appeals, with its flow record and the reply.
#[utoipa::path(get, path = "/api/v1/me/appeals/{no}", tag = "appeals", security(("person" = [])),
    params(("no" = String, Path, description = "工单编号")),
    responses((status = 200, body = AppealView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn my_appeal(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<AppealView>> {
    Ok(Json(state.appeals.get(&ctx, &no).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// A status code (`received`, `dispatched`, `signed`, `handling`, `replied`, …).
    pub status: Option<String>,
    /// Only open orders past their time limit.
    pub overdue: Option<bool>,
    /// A grid's code.
    pub grid: Option<String>,
    pub department_id: Option<i64>,
    /// A category's code.
    pub category: Option<String>,
    /// Number, title or address contains.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// The staff queue: a dispatcher sees the division's orders, a handler those of their
/// department and those assigned to them, a supervisor the division's; filtered.
#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals",
    security(("session" = ["appeal.dispatch"]), ("session" = ["appeal.handle"]), ("session" = ["appeal.supervise"])),
    params(QueueQuery),
    responses((status = 200, body = Paged<AppealBrief>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn queue(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<Paged<AppealBrief>>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            Error::field(FieldError::new(
                "status",
                "one_of",
                format!("工单状态“{s}”无效"),
                format!("Unknown work-order status \"{s}\""),
            ))
        })?),
    };
    let filter = QueueFilter {
        status,
        overdue: q.overdue.unwrap_or(false),
        grid: q.grid,
        department_id: q.department_id,
        category: q.category,
        q: q.q,
    };
    let page = Page::new(q.page, q.size)?;
    Ok(Json(state.appeals.queue(&ctx, filter, page).await?))
}

/// One work order as the caller may see it (staff in reach): the flow record, photos, what
/// the caller may do now (`allowed`) and, for the dispatcher, likely duplicates. The contact of
/// a confidential order reads 保密 for handlers and supervisors.
#[utoipa::path(get, path = "/api/v1/appeals/{no}", tag = "appeals",
    security(("session" = ["appeal.dispatch"]), ("session" = ["appeal.handle"]), ("session" = ["appeal.supervise"]), ("session" = ["appeal.intake"])),
    params(("no" = String, Path, description = "工单编号")),
    responses((status = 200, body = AppealView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn appeal(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<AppealView>> {
    Ok(Json(state.appeals.get(&ctx, &no).await?))
}

/// One action on the order (`action` and the `revision` as read; a stale revision is a 409
/// `appeal.stale`): dispatch, sign, handle, reply, return (退单, with a reason), transfer,
/// extension request and decision, redo (退回重办), supervise (督办), visit (回访), reopen,
/// merge, archive. Reasons are required where the flow says so (422 naming `text`).
#[utoipa::path(post, path = "/api/v1/appeals/{no}/actions", tag = "appeals",
    security(("session" = ["appeal.dispatch"]), ("session" = ["appeal.handle"]), ("session" = ["appeal.supervise"]), ("session" = ["appeal.intake"])),
    params(("no" = String, Path, description = "工单编号")),
    request_body = ActInput,
    responses((status = 200, body = AppealView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn act(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<ActInput>,
) -> ApiResult<Json<AppealView>> {
    Ok(Json(state.appeals.act(&ctx, &no, b).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// The category's code.
    pub category: String,
    /// WGS 84 longitude of the place, with `lat`.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// Likely duplicates of an appeal about to be filed: the same category, within 100 m, in the
/// last 72 hours (offered before filing).
#[utoipa::path(get, path = "/api/v1/appeal-duplicates", tag = "appeals", security(()),
    params(DuplicatesQuery),
    responses((status = 200, body = Vec<AppealBrief>), (status = 422, body = ErrorResponse)))]
pub async fn duplicates(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<DuplicatesQuery>,
) -> ApiResult<Json<Vec<AppealBrief>>> {
    let point = match (q.lon, q.lat) {
        (None, None) => None,
        (Some(lon), Some(lat)) => Some(LonLat::new(lon, lat).ok_or_else(|| {
            Error::field(FieldError::new(
                "lon",
                "lonlat.range",
                "经纬度超出范围（经度−180～180，纬度−90～90）",
                "Out of range (longitude −180..180, latitude −90..90)",
            ))
        })?),
        (lon, _) => {
            let missing = if lon.is_none() { "lon" } else { "lat" };
            return Err(Error::field(FieldError::new(
                missing,
                "required",
                "经度和纬度须同时提供",
                "Longitude and latitude go together",
            ))
            .into());
        }
    };
    Ok(Json(
        state.appeals.duplicates(&ctx, &q.category, point).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day received, `YYYY-MM-DD` (Asia/Shanghai).
    pub from: String,
    /// Last day received, `YYYY-MM-DD`.
    pub to: String,
    /// `grid`, `department`, `category` or `type` (default `department`).
    pub by: Option<String>,
}

fn date_of(field: &str, s: &str) -> Result<time::Date, Error> {
    parse_date(s.trim()).ok_or_else(|| {
        Error::field(FieldError::new(
            field,
            "date.format",
            format!("日期“{s}”无效，应为 YYYY-MM-DD"),
            format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
        ))
    })
}

/// Completion rate (办结率), on-time rate and satisfaction rate (满意率) per grid, department,
/// category or appeal type, for orders received in a period.
#[utoipa::path(get, path = "/api/v1/appeal-stats", tag = "appeals",
    security(("session" = ["appeal.supervise"]), ("session" = ["appeal.dispatch"])),
    params(StatsParams),
    responses((status = 200, body = Vec<StatRow>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn stats(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<StatsParams>,
) -> ApiResult<Json<Vec<StatRow>>> {
    let by = match q.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => StatsBy::Department,
        Some(s) => StatsBy::parse(s).ok_or_else(|| {
            Error::field(FieldError::new(
                "by",
                "one_of",
                "只能是 grid、department、category 或 type",
                "Must be grid, department, category or type",
            ))
        })?,
    };
    let query = StatsQuery {
        from: date_of("from", &q.from)?,
        to: date_of("to", &q.to)?,
        by,
    };
    Ok(Json(state.appeals.stats(&ctx, query).await?))
}
