//! The data API (数据调用) of the exchange: lookups by key and filtered queries of a published
//! resource through the caller's department's grant (department systems with an API token, or
//! staff), every call recorded; the provider's access log; a person's "who used my data"
//! (用数记录). A resource code `前段码/后段码` is written as two path segments.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_exchange::access::reads::{CallRecord, MyGrant, SubjectRead};
use yiwang_exchange::access::{CallPurpose, LookupAnswer, QueryAnswer, QueryInput, parse_as_of};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lookup))
        .routes(routes!(query))
        .routes(routes!(my_grants))
        .routes(routes!(provider_calls))
        .routes(routes!(my_data_uses))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// 用途: what the data is used for (required).
    pub purpose: Option<String>,
    /// 办件编号: the case the read serves (required).
    pub case_number: Option<String>,
    /// Read the row as it stood at this time (RFC 3339) or at the end of this date
    /// (`YYYY-MM-DD`, China time).
    pub as_of: Option<String>,
}

/// Looks up the row of a key (ID number, USCC; a compound key's values separated by commas in
/// key-item order) in a published resource, through the caller's department's active grant:
/// only the granted fields come back. Purpose and case number are required; the call is
/// recorded (provider's access log, the data subject's 用数记录, audit `exchange.data.read`).
/// 403 names why there is no active grant (none, expired, revoked, not started); 429 when the
/// grant's rate per minute is spent.
#[utoipa::path(get, path = "/api/v1/exchange/data/{class}/{seq}/rows/{key}", tag = "exchange-data", security(("session" = ["exchange.consume"])),
    params(("class" = String, Path, description = "前段码"), ("seq" = String, Path, description = "后段码"), ("key" = String, Path, description = "键值"), LookupQuery),
    responses((status = 200, body = LookupAnswer), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn lookup(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((class, seq, key)): ApiPath<(String, String, String)>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<LookupAnswer>> {
    let as_of = q.as_of.as_deref().map(parse_as_of).transpose()?;
    let purpose = CallPurpose {
        purpose: q.purpose.unwrap_or_default(),
        case_number: q.case_number.unwrap_or_default(),
    };
    let code = format!("{}/{}", class.trim(), seq.trim());
    Ok(Json(
        state
            .exchange_access
            .lookup(&ctx, &code, &key, &purpose, as_of)
            .await?,
    ))
}

/// Rows of a published resource matching equality filters on granted fields, in key order,
/// a page (≤ 100) after the cursor `after`; at most 5,000 rows are examined per call, so a page
/// may be short with a `next` cursor. Recorded like a lookup.
#[utoipa::path(post, path = "/api/v1/exchange/data/{class}/{seq}/query", tag = "exchange-data", security(("session" = ["exchange.consume"])),
    params(("class" = String, Path, description = "前段码"), ("seq" = String, Path, description = "后段码")),
    request_body = QueryInput,
    responses((status = 200, body = QueryAnswer), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn query(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((class, seq)): ApiPath<(String, String)>,
    ApiJson(q): ApiJson<QueryInput>,
) -> ApiResult<Json<QueryAnswer>> {
    let code = format!("{}/{}", class.trim(), seq.trim());
    Ok(Json(state.exchange_access.query(&ctx, &code, &q).await?))
}

/// The active grants of the caller's department: which resources and fields it may read.
#[utoipa::path(get, path = "/api/v1/exchange/data/grants", tag = "exchange-data", security(("session" = ["exchange.consume"])),
    responses((status = 200, body = Vec<MyGrant>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn my_grants(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<MyGrant>>> {
    Ok(Json(state.exchange_access.my_grants(&ctx).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallsQuery {
    /// Calls older than this call id (the last id of the previous page).
    pub before: Option<i64>,
}

/// Every read of a provider department's data (who, when, purpose, case number, fields,
/// rows), newest first, 100 a page: the department's data steward.
#[utoipa::path(get, path = "/api/v1/exchange/departments/{id}/calls", tag = "exchange-data", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path), CallsQuery),
    responses((status = 200, body = Vec<CallRecord>), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn provider_calls(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<CallsQuery>,
) -> ApiResult<Json<Vec<CallRecord>>> {
    Ok(Json(
        state
            .exchange_access
            .provider_log(&ctx, id, q.before)
            .await?,
    ))
}

/// Who used my data (用数记录): reads of shared data whose subject is my ID number — or, acting
/// for an enterprise, its USCC — with the reading department, purpose and case number.
#[utoipa::path(get, path = "/api/v1/me/data-uses", tag = "exchange-data", security(("person" = [])),
    responses((status = 200, body = Vec<SubjectRead>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn my_data_uses(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<SubjectRead>>> {
    Ok(Json(state.exchange_access.my_reads(&ctx).await?))
}
