//! Data sharing requests and grants (共享申请与授权) and the sharing statistics: a consumer
//! department applies, the provider grants or refuses within 10 working days, the supervisor
//! watches the undecided ones, grants are revoked by the provider or the administrator.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use time::Date;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_exchange::sharing::{
    DepartmentStats, GrantInput, GrantView, ReasonInput, RequestInput, RequestStatus,
    SharingRequest,
};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, made))
        .routes(routes!(one))
        .routes(routes!(withdraw))
        .routes(routes!(inbox))
        .routes(routes!(grant))
        .routes(routes!(refuse))
        .routes(routes!(held))
        .routes(routes!(given))
        .routes(routes!(revoke))
        .routes(routes!(admin_revoke))
        .routes(routes!(supervision))
        .routes(routes!(stats_all))
        .routes(routes!(department_stats))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Only requests in this status: `submitted`, `granted`, `refused`, `withdrawn`,
    /// `revoked`, `expired`.
    pub status: Option<String>,
}

fn status_of(q: &StatusQuery) -> Result<Option<RequestStatus>, Error> {
    match q.status.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => RequestStatus::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == s)
            .map(Some)
            .ok_or_else(|| {
                let all: Vec<&str> = RequestStatus::ALL.iter().map(|s| s.as_str()).collect();
                Error::field(FieldError::one_of("status", &all))
            }),
    }
}

/// Applies for a published resource (共享申请): fields, purpose (用途), scenario (应用场景),
/// legal basis, the service items served (实施编码), period. Answers the request as stored:
/// `refused` at once for a 不予共享 resource (the reason quotes its legal basis), `granted`
/// at once for a 无条件共享 one (with its grant), else `submitted` to the provider, due in 10
/// working days. 409 when the department already has an undecided request for the resource.
#[utoipa::path(post, path = "/api/v1/exchange/requests", tag = "exchange", security(("session" = ["exchange.consume"])),
    request_body = RequestInput,
    responses((status = 201, body = SharingRequest), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<(StatusCode, Json<SharingRequest>)> {
    let r = state.sharing.submit(&ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The requests the caller's departments made, newest first (at most 500).
#[utoipa::path(get, path = "/api/v1/exchange/requests", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(StatusQuery),
    responses((status = 200, body = Vec<SharingRequest>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn made(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<Json<Vec<SharingRequest>>> {
    let status = status_of(&q)?;
    Ok(Json(
        state
            .sharing
            .requests(&ctx, yiwang_exchange::sharing::Side::Made, status)
            .await?,
    ))
}

/// One request: its consumer's or provider's staff, the supervisor or the administrator.
#[utoipa::path(get, path = "/api/v1/exchange/requests/{id}", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = SharingRequest), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn one(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SharingRequest>> {
    Ok(Json(state.sharing.request(&ctx, id).await?))
}

/// The consumer withdraws an undecided request (an optional note). 409 once decided.
#[utoipa::path(post, path = "/api/v1/exchange/requests/{id}/withdraw", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = SharingRequest), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Json<SharingRequest>> {
    Ok(Json(state.sharing.withdraw(&ctx, id, &input).await?))
}

/// The requests the caller's departments received as providers (the inbox), newest first.
#[utoipa::path(get, path = "/api/v1/exchange/inbox", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(StatusQuery),
    responses((status = 200, body = Vec<SharingRequest>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn inbox(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<Json<Vec<SharingRequest>>> {
    let status = status_of(&q)?;
    Ok(Json(
        state
            .sharing
            .requests(&ctx, yiwang_exchange::sharing::Side::Received, status)
            .await?,
    ))
}

/// The provider grants a conditional request: optionally fewer fields and a shorter period
/// than asked, and the rate per minute. 409 once decided.
#[utoipa::path(post, path = "/api/v1/exchange/requests/{id}/grant", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path)), request_body = GrantInput,
    responses((status = 200, body = SharingRequest), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn grant(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<GrantInput>,
) -> ApiResult<Json<SharingRequest>> {
    Ok(Json(state.sharing.grant(&ctx, id, &input).await?))
}

/// The provider refuses a conditional request; the reason is required. 409 once decided.
#[utoipa::path(post, path = "/api/v1/exchange/requests/{id}/refuse", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = SharingRequest), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn refuse(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Json<SharingRequest>> {
    Ok(Json(state.sharing.refuse(&ctx, id, &input).await?))
}

/// Grants the caller's departments hold, newest first.
#[utoipa::path(get, path = "/api/v1/exchange/grants", tag = "exchange", security(("session" = ["exchange.consume"])),
    responses((status = 200, body = Vec<GrantView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn held(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<GrantView>>> {
    Ok(Json(state.sharing.grants(&ctx, false).await?))
}

/// Grants given on the caller's departments' resources, newest first.
#[utoipa::path(get, path = "/api/v1/exchange/grants/given", tag = "exchange", security(("session" = ["exchange.provide"])),
    responses((status = 200, body = Vec<GrantView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn given(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<GrantView>>> {
    Ok(Json(state.sharing.grants(&ctx, true).await?))
}

/// The provider revokes a grant on its resource; the reason is required. 409 when revoked
/// already.
#[utoipa::path(post, path = "/api/v1/exchange/grants/{id}/revoke", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = GrantView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(state.sharing.revoke(&ctx, id, &input).await?))
}

/// The data administrator of the provider's division revokes a grant; the reason is required.
#[utoipa::path(post, path = "/api/v1/exchange/admin/grants/{id}/revoke", tag = "exchange", security(("session" = ["exchange.admin"])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = GrantView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn admin_revoke(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(state.sharing.revoke(&ctx, id, &input).await?))
}

/// The supervisor's view: undecided requests to providers within the caller's reach, red
/// (past due, most working days overdue first), then yellow (8 or more working days elapsed),
/// then the others.
#[utoipa::path(get, path = "/api/v1/exchange/supervision", tag = "exchange", security(("session" = ["exchange.supervise"])),
    responses((status = 200, body = Vec<SharingRequest>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn supervision(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<SharingRequest>>> {
    Ok(Json(state.sharing.supervision(&ctx).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD` (default: the first of this month).
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
}

/// The period of a statistics query, with its defaults.
pub fn period_of(q: &PeriodQuery, today: Date) -> Result<(Date, Date), Error> {
    let read = |field: &str, v: &Option<String>, default: Date| match v.as_deref() {
        None | Some("") => Ok(default),
        Some(s) => yiwang_exchange::model::parse_ymd(s).ok_or_else(|| {
            Error::field(FieldError::new(
                field,
                "date.format",
                "日期应写作 YYYY-MM-DD",
                "A date is written YYYY-MM-DD",
            ))
        }),
    };
    let first = today.replace_day(1).unwrap_or(today);
    Ok((read("from", &q.from, first)?, read("to", &q.to, today)?))
}

/// Sharing statistics of every department within the caller's supervision reach, for a
/// period: mounting rate, resources published, requests received and made, decision times in
/// working days, overdue decisions, refusals, grants active; calls and rows shared (`null`
/// until the data API's call log is wired).
#[utoipa::path(get, path = "/api/v1/exchange/stats", tag = "exchange", security(("session" = ["exchange.supervise"])),
    params(PeriodQuery),
    responses((status = 200, body = Vec<DepartmentStats>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn stats_all(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<Vec<DepartmentStats>>> {
    let today = yiwang_kernel::clock::Clock::today(state.clock.as_ref());
    let (from, to) = period_of(&q, today)?;
    Ok(Json(state.sharing.stats_all(&ctx, from, to).await?))
}

/// One department's sharing statistics for a period (its data steward).
#[utoipa::path(get, path = "/api/v1/exchange/departments/{id}/stats", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path), PeriodQuery),
    responses((status = 200, body = DepartmentStats), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn department_stats(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<DepartmentStats>> {
    let today = yiwang_kernel::clock::Clock::today(state.clock.as_ref());
    let (from, to) = period_of(&q, today)?;
    Ok(Json(state.sharing.stats(&ctx, id, from, to).await?))
}
