//! Electronic supervision (电子监察): the warnings the monitoring rules raise and their
//! supervision cases, the rules themselves, and a scan on demand. Under
//! `/api/v1/supervision/watch/…` (`/api/v1/supervision/warnings` is the cases domain's older
//! overdue overview, whose cases appear here under rule `overdue`). The supervision service
//! authorises (reach of `supervision.view` / `supervision.handle`) and audits every change.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_supervision::watch::{
    MonitorRule, RuleInput, ScanReport, WarningAction, WarningFilter, WarningPage, WarningView,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(warnings))
        .routes(routes!(warning))
        .routes(routes!(act))
        .routes(routes!(rules))
        .routes(routes!(save_rule))
        .routes(routes!(scan))
}

/// Warnings (监察预警) within the caller's reach, newest first, filtered by rule, colour,
/// status and department.
#[utoipa::path(get, path = "/api/v1/supervision/watch/warnings", tag = "supervision", security(("session" = ["supervision.view"])),
    params(WarningFilter),
    responses((status = 200, body = WarningPage), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn warnings(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(f): ApiQuery<WarningFilter>,
) -> ApiResult<Json<WarningPage>> {
    Ok(Json(state.supervision.warnings(&ctx, &f).await?))
}

/// One warning with its supervision case's history.
#[utoipa::path(get, path = "/api/v1/supervision/watch/warnings/{id}", tag = "supervision", security(("session" = ["supervision.view"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = WarningView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn warning(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<WarningView>> {
    Ok(Json(state.supervision.warning(&ctx, id).await?))
}

/// Acts on a warning's supervision case: `take` (受理), `note`, `directive` (督办),
/// `conclude` (办结, with an outcome).
#[utoipa::path(post, path = "/api/v1/supervision/watch/warnings/{id}/actions", tag = "supervision", security(("session" = ["supervision.handle"])),
    params(("id" = i64, Path)),
    request_body = WarningAction,
    responses((status = 200, body = WarningView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn act(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<WarningAction>,
) -> ApiResult<Json<WarningView>> {
    Ok(Json(state.supervision.act_on_warning(&ctx, id, b).await?))
}

/// The monitoring rules (监察规则).
#[utoipa::path(get, path = "/api/v1/supervision/watch/rules", tag = "supervision", security(("session" = ["supervision.view"])),
    responses((status = 200, body = Vec<MonitorRule>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn rules(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<MonitorRule>>> {
    Ok(Json(state.supervision.monitor_rules(&ctx).await?))
}

/// Creates or changes a monitoring rule (its kind's settings are checked).
#[utoipa::path(put, path = "/api/v1/supervision/watch/rules/{code}", tag = "supervision", security(("session" = ["supervision.admin"])),
    params(("code" = String, Path)),
    request_body = RuleInput,
    responses((status = 200, body = MonitorRule), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_rule(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<RuleInput>,
) -> ApiResult<Json<MonitorRule>> {
    Ok(Json(
        state.supervision.save_monitor_rule(&ctx, &code, b).await?,
    ))
}

/// Runs the monitoring rules over the process data not yet read now (the server also does it
/// periodically).
#[utoipa::path(post, path = "/api/v1/supervision/watch/scan", tag = "supervision", security(("session" = ["supervision.handle"])),
    responses((status = 200, body = ScanReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn scan(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<ScanReport>> {
    Ok(Json(state.supervision.scan(&ctx).await?))
}
