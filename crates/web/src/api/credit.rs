//! Credit red and black lists (信用红黑名单, 联合奖惩) and the credit check of a case's applicant
//! at acceptance. Credit officers (`credit.manage`) import, search and revoke entries; window
//! clerks (`case.receive`) run the check at pre-check, acknowledge a black-list hit's basis and
//! measures, and accept a red-listed applicant with non-key materials to follow (容缺受理).
//! The supervision and cases services authorise and audit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_cases::{CaseView, CreditStatus, NoticeItem};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_supervision::credit::{CreditEntry, CreditImportReport, CreditQuery, CreditSyncReport};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::transfer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(entries))
        .routes(routes!(import))
        .routes(routes!(revoke))
        .routes(routes!(sync))
        .routes(routes!(case_credit))
        .routes(routes!(precheck))
        .routes(routes!(acknowledge))
        .routes(routes!(accept_tolerant))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// `red` or `black` (both when absent).
    pub list: Option<String>,
    /// A name fragment, or a whole USCC or ID number.
    pub q: Option<String>,
    /// Include revoked entries.
    pub include_revoked: Option<bool>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// The entries of the red and black lists, newest first.
#[utoipa::path(get, path = "/api/v1/credit/entries", tag = "credit", security(("session" = ["credit.manage"])),
    params(EntriesQuery),
    responses((status = 200, body = Paged<CreditEntry>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn entries(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> ApiResult<Json<Paged<CreditEntry>>> {
    let page = Page::new(q.page, q.size)?;
    let query = CreditQuery {
        list: q.list,
        q: q.q,
        include_revoked: q.include_revoked.unwrap_or(false),
    };
    Ok(Json(
        state.supervision.credit_entries(&ctx, &query, page).await?,
    ))
}

/// Imports a list file (CSV in UTF-8 or GBK, or XLSX; columns 名单类型, 主体类型, 主体名称,
/// 统一社会信用代码或身份证号, 认定依据, 惩戒或激励措施, 便利措施, 认定部门, 有效期起, 有效期止),
/// all or nothing.
#[utoipa::path(post, path = "/api/v1/credit/import", tag = "credit", security(("session" = ["credit.manage"])),
    request_body(content = Vec<u8>, description = "The file as the raw body, or as the part `file` of multipart/form-data", content_type = "application/octet-stream"),
    responses((status = 200, body = CreditImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "import_rejected with one entry per bad row")))]
pub async fn import(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<CreditImportReport>> {
    let bytes = transfer::upload_for(&ctx, &headers, body, "file").await?;
    Ok(Json(state.supervision.import_credit(&ctx, &bytes).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RevokeBody {
    /// The entry to revoke.
    pub id: i64,
    pub reason: String,
}

/// Revokes an entry (撤销), with the reason.
#[utoipa::path(post, path = "/api/v1/credit/revocations", tag = "credit", security(("session" = ["credit.manage"])),
    request_body = RevokeBody,
    responses((status = 200, body = CreditEntry), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn revoke(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<RevokeBody>,
) -> ApiResult<Json<CreditEntry>> {
    Ok(Json(
        state
            .supervision
            .revoke_credit(&ctx, b.id, &b.reason)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SyncBody {
    /// The code of the published exchange resource holding the lists (e.g. `208001/000001`);
    /// its items are the import file's columns by their English keys.
    pub resource: String,
}

/// Synchronises the lists with a resource published in the exchange: rows added or changed
/// are written, entries whose row is gone are revoked, all or nothing. Audited.
#[utoipa::path(post, path = "/api/v1/credit/sync", tag = "credit", security(("session" = ["credit.manage"])),
    request_body = SyncBody,
    responses((status = 200, body = CreditSyncReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "unknown resource, or import_rejected with one entry per bad row")))]
pub async fn sync(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<SyncBody>,
) -> ApiResult<Json<CreditSyncReport>> {
    Ok(Json(
        state.supervision.sync_credit(&ctx, &b.resource).await?,
    ))
}

/// The credit checks recorded on a case and what they ask of the clerk.
#[utoipa::path(get, path = "/api/v1/cases/{no}/credit", tag = "credit", security(("session" = ["case.read"])),
    params(("no" = String, Path)),
    responses((status = 200, body = CreditStatus), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn case_credit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<CreditStatus>> {
    Ok(Json(state.cases.credit_status(&ctx, &no).await?))
}

/// 信用核查 at pre-check: checks the applicant against the lists now and records the result.
#[utoipa::path(post, path = "/api/v1/cases/{no}/credit-checks", tag = "credit", security(("session" = ["case.receive"])),
    params(("no" = String, Path)),
    responses((status = 200, body = CreditStatus), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn precheck(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<CreditStatus>> {
    Ok(Json(state.cases.credit_precheck(&ctx, &no).await?))
}

/// The clerk acknowledges the basis and measures of the black-list entries the latest check
/// found (acceptance needs it).
#[utoipa::path(post, path = "/api/v1/cases/{no}/credit-acknowledgement", tag = "credit", security(("session" = ["case.receive"])),
    params(("no" = String, Path)),
    responses((status = 200, body = CreditStatus), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<CreditStatus>> {
    Ok(Json(state.cases.acknowledge_credit(&ctx, &no).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TolerantBody {
    pub revision: Option<i64>,
    /// The non-key materials to be handed in later (checklist entry and a note).
    pub missing: Vec<NoticeItem>,
}

/// 容缺受理: accepts a red-listed applicant's case (a listing with `tolerant_acceptance`) with
/// non-key materials recorded as supplements due.
#[utoipa::path(post, path = "/api/v1/cases/{no}/tolerant-acceptance", tag = "credit", security(("session" = ["case.receive"])),
    params(("no" = String, Path)), request_body = TolerantBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn accept_tolerant(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<TolerantBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .accept_tolerant(&ctx, &no, b.revision, &b.missing)
            .await?,
    ))
}
