//! KPIs (考评指标): the leader's one screen (一屏全览), league tables, the division map, a
//! department's scorecard, a figure's drill-down to its members, the claim progress, the
//! definitions (考评管理员) and a refresh of the materialised facts. The supervision service
//! decides who may read what (the caller's reach) and audits refusals and changes.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, Result};
use yiwang_supervision::kpi::{
    DivisionRow, Drill, Figure, KpiDef, KpiDefInput, LeagueRow, MeasureInfo, Month, Period,
    RefreshMode, RefreshReport, Scope, Scorecard, Screen, ScreenQuery,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(screen))
        .routes(routes!(league))
        .routes(routes!(divisions))
        .routes(routes!(drill))
        .routes(routes!(scorecard))
        .routes(routes!(claim_progress))
        .routes(routes!(definitions))
        .routes(routes!(save_definition))
        .routes(routes!(measures))
        .routes(routes!(refresh))
}

fn scope_of(s: Option<&str>) -> Result<Option<Scope>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Scope::parse("scope", s).map(Some).map_err(Error::field),
    }
}

fn month_of(s: Option<&str>) -> Result<Option<Month>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Month::parse("month", s).map(Some).map_err(Error::field),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScreenParams {
    /// A division code (`440802`) or `department:<id>`; default: the caller's reach.
    pub scope: Option<String>,
    /// `YYYY-MM`; default: this month.
    pub month: Option<String>,
}

/// The leader's one screen (一屏全览): every active KPI's figure (numerator, denominator,
/// value, as-of) for the scope and month, and its last twelve months.
#[utoipa::path(get, path = "/api/v1/supervision/screen", tag = "kpi",
    security(("session" = ["supervision.view"])),
    params(ScreenParams),
    responses((status = 200, body = Screen), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn screen(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ScreenParams>,
) -> ApiResult<Json<Screen>> {
    let query = ScreenQuery {
        scope: scope_of(q.scope.as_deref())?,
        month: month_of(q.month.as_deref())?,
    };
    Ok(Json(state.supervision.screen(&ctx, query).await?))
}

/// The month (default: this one) a table is for.
fn month_or_now(state: &AppState, s: Option<&str>) -> Result<Month> {
    Ok(month_of(s)?.unwrap_or_else(|| Month::of(state.clock.today())))
}

/// The departments of the scope ranked by one KPI for a month (排名).
#[utoipa::path(get, path = "/api/v1/supervision/kpis/{code}/league", tag = "kpi",
    security(("session" = ["supervision.view"])),
    params(("code" = String, Path, description = "指标编码"), ScreenParams),
    responses((status = 200, body = Vec<LeagueRow>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn league(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ScreenParams>,
) -> ApiResult<Json<Vec<LeagueRow>>> {
    let month = month_or_now(&state, q.month.as_deref())?;
    let scope = scope_of(q.scope.as_deref())?;
    Ok(Json(
        state.supervision.league(&ctx, &code, month, scope).await?,
    ))
}

/// One KPI per division within the scope for a month (the map).
#[utoipa::path(get, path = "/api/v1/supervision/kpis/{code}/divisions", tag = "kpi",
    security(("session" = ["supervision.view"])),
    params(("code" = String, Path, description = "指标编码"), ScreenParams),
    responses((status = 200, body = Vec<DivisionRow>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn divisions(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ScreenParams>,
) -> ApiResult<Json<Vec<DivisionRow>>> {
    let month = month_or_now(&state, q.month.as_deref())?;
    let scope = scope_of(q.scope.as_deref())?;
    Ok(Json(
        state
            .supervision
            .by_division(&ctx, &code, month, scope)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrillParams {
    /// A division code (`440802`) or `department:<id>`; default: the caller's reach.
    pub scope: Option<String>,
    /// A day (`2026-11-05`), month (`2026-11`, the default: this month), year (`2026`) or
    /// range (`2026-01-01..2026-03-31`).
    pub period: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// A figure's drill-down (钻取): the figure, one page of the members behind it (cases, items,
/// ratings, work orders…, read live) with what each adds to the numerator and denominator,
/// and the sums over every member.
#[utoipa::path(get, path = "/api/v1/supervision/kpis/{code}/drill", tag = "kpi",
    security(("session" = ["supervision.view"])),
    params(("code" = String, Path, description = "指标编码"), DrillParams),
    responses((status = 200, body = Drill), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn drill(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<DrillParams>,
) -> ApiResult<Json<Drill>> {
    let scope = scope_of(q.scope.as_deref())?;
    let period = match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Period::parse("period", p).map_err(Error::field)?,
        None => {
            let m = Month::of(state.clock.today());
            Period::Month(m.year, m.month)
        }
    };
    let page = Page::new(q.page, q.size)?;
    Ok(Json(
        state
            .supervision
            .drill(&ctx, &code, scope, period, page)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParam {
    /// `YYYY-MM`; default: this month.
    pub month: Option<String>,
}

/// A department's scorecard (考评): its KPIs for a month with its rank among the departments.
#[utoipa::path(get, path = "/api/v1/supervision/departments/{id}/scorecard", tag = "kpi",
    security(("session" = ["supervision.view"])),
    params(("id" = i64, Path, description = "部门编号"), MonthParam),
    responses((status = 200, body = Scorecard), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn scorecard(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<MonthParam>,
) -> ApiResult<Json<Scorecard>> {
    let month = month_or_now(&state, q.month.as_deref())?;
    Ok(Json(state.supervision.scorecard(&ctx, id, month).await?))
}

/// The catalog claim progress (认领进度) of the caller's reach.
#[utoipa::path(get, path = "/api/v1/supervision/claim-progress", tag = "kpi",
    security(("session" = ["supervision.view"])),
    responses((status = 200, body = Figure), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn claim_progress(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Figure>> {
    Ok(Json(state.supervision.claim_progress(&ctx).await?))
}

/// Every KPI definition (指标定义), active or not, in display order.
#[utoipa::path(get, path = "/api/v1/supervision/kpi-definitions", tag = "kpi",
    security(("session" = ["supervision.view"])),
    responses((status = 200, body = Vec<KpiDef>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn definitions(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<KpiDef>>> {
    Ok(Json(state.supervision.definitions(&ctx).await?))
}

/// Creates or changes a KPI definition (考评管理员); its measures must be ones the domains
/// provide (`/api/v1/supervision/measures`).
#[utoipa::path(put, path = "/api/v1/supervision/kpi-definitions/{code}", tag = "kpi",
    security(("session" = ["supervision.admin"])),
    params(("code" = String, Path, description = "指标编码")),
    request_body = KpiDefInput,
    responses((status = 200, body = KpiDef), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_definition(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<KpiDefInput>,
) -> ApiResult<Json<KpiDef>> {
    Ok(Json(
        state.supervision.save_definition(&ctx, &code, &b).await?,
    ))
}

/// The measures the domains count (统计口径), for definitions.
#[utoipa::path(get, path = "/api/v1/supervision/measures", tag = "kpi",
    security(("session" = ["supervision.view"])),
    responses((status = 200, body = Vec<MeasureInfo>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn measures(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<MeasureInfo>>> {
    // Readers of the figures may read the list; checked by reading the definitions' gate.
    state.supervision.definitions(&ctx).await?;
    Ok(Json(state.supervision.measure_list()))
}

/// Refreshes the materialised facts now (incremental: from the last refreshed day minus the
/// window to today); the platform also does it every ten minutes.
#[utoipa::path(post, path = "/api/v1/supervision/kpi-refresh", tag = "kpi",
    security(("session" = ["supervision.admin"])),
    responses((status = 200, body = RefreshReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn refresh(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<RefreshReport>> {
    Ok(Json(
        state
            .supervision
            .refresh(&ctx, RefreshMode::Incremental)
            .await?,
    ))
}
