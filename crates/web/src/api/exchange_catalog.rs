//! Data sharing and exchange — the resource catalog (政务信息资源目录) and the three lists
//! (三清单): browse and search the published catalog, a resource's detail; the steward's
//! resources, drafts, new versions and submission; the data administrator's review queue,
//! approval, rejection and retirement; import and export; the responsibility, negative and
//! demand lists. Reads are open to every holder of `exchange.consume` (the catalog is every
//! department's); the domain checks each write's department.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_exchange::catalog::{CatalogFilter, CatalogImport, ResourceView, VersionDetail};
use yiwang_exchange::lists::{
    ClaimDemand, Demand, DemandStatus, DepartmentDuties, NegativeEntry, NewDemand,
};
use yiwang_exchange::{NewResource, Resource, ResourceMeta};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::transfer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(browse, register))
        .routes(routes!(resource))
        .routes(routes!(export_catalog))
        .routes(routes!(import_catalog))
        .routes(routes!(my_resources))
        .routes(routes!(review_queue))
        .routes(routes!(new_version))
        .routes(routes!(version, save_draft))
        .routes(routes!(submit))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(retire))
        .routes(routes!(responsibility_list))
        .routes(routes!(negative_list))
        .routes(routes!(demands, create_demand))
        .routes(routes!(claim_demand))
        .routes(routes!(demand_provided))
        .routes(routes!(decline_demand))
}

/// The browse query: the filter's parameters and the page.
#[derive(Debug, Deserialize)]
pub struct BrowseQuery {
    pub q: Option<String>,
    pub class: Option<String>,
    pub department: Option<i64>,
    pub share_type: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// The published catalog, browsed by classification (类/项/目 prefix), provider and share
/// type, and searched by words (two-character words match, as in the item search).
#[utoipa::path(get, path = "/api/v1/exchange/resources", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(CatalogFilter, ("page" = Option<u32>, Query), ("size" = Option<u32>, Query)),
    responses((status = 200, body = Paged<ResourceView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn browse(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<BrowseQuery>,
) -> ApiResult<Json<Paged<ResourceView>>> {
    let page = Page::new(q.page, q.size)?;
    let f = CatalogFilter {
        q: q.q,
        class: q.class,
        department: q.department,
        share_type: q.share_type,
    };
    Ok(Json(state.exchange.browse(&ctx, &f, page).await?))
}

/// Registers a resource of a department as a draft (version 1): its data steward, or the
/// division's data administrator.
#[utoipa::path(post, path = "/api/v1/exchange/resources", tag = "exchange", security(("session" = ["exchange.provide"])),
    request_body = NewResource,
    responses((status = 201, body = Resource), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn register(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<NewResource>,
) -> ApiResult<(StatusCode, Json<Resource>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.exchange.register(&ctx, &b).await?),
    ))
}

/// A published resource with all its metadata and data items.
#[utoipa::path(get, path = "/api/v1/exchange/resources/{id}", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ResourceView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn resource(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ResourceView>> {
    Ok(Json(state.exchange.resource(&ctx, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// The published catalog as a file: one row per data item, the resource's columns repeated
/// (the import's format).
#[utoipa::path(get, path = "/api/v1/exchange/resources/export", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(ExportQuery),
    responses((status = 200, description = "CSV table or XLSX workbook", content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn export_catalog(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = transfer::format_of(q.format.as_deref())?;
    let bytes = state.exchange.export_catalog(&ctx, format).await?;
    Ok(transfer::sheet_response(bytes, format, "exchange-catalog"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Publish the resources at once (default: submitted for review).
    pub publish: Option<bool>,
}

/// Imports resources from a CSV (UTF-8 or GBK) or XLSX file in the export's format (one row
/// per data item), all or nothing: any bad row rejects the file (422 `import_rejected`, one
/// entry per problem with its line). The division's data administrator.
#[utoipa::path(post, path = "/api/v1/exchange/resources/import", tag = "exchange", security(("session" = ["exchange.admin"])),
    params(ImportQuery),
    request_body(content = Vec<u8>, description = "the CSV or XLSX file", content_type = "text/csv"),
    responses((status = 200, body = CatalogImport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "import_rejected with one entry per bad row")))]
pub async fn import_catalog(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<CatalogImport>> {
    let publish = q.publish.unwrap_or(false);
    Ok(Json(
        state
            .exchange
            .import_catalog(&ctx, body.to_vec(), publish)
            .await?,
    ))
}

/// The latest version of every resource of the departments I am a data steward of (drafts,
/// submitted, published, retired).
#[utoipa::path(get, path = "/api/v1/exchange/my-resources", tag = "exchange", security(("session" = ["exchange.provide"])),
    responses((status = 200, body = Vec<ResourceView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn my_resources(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<ResourceView>>> {
    Ok(Json(state.exchange.my_resources(&ctx).await?))
}

/// Submitted versions waiting for my review (my division's data administrator).
#[utoipa::path(get, path = "/api/v1/exchange/review", tag = "exchange", security(("session" = ["exchange.admin"])),
    responses((status = 200, body = Vec<ResourceView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn review_queue(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<ResourceView>>> {
    Ok(Json(state.exchange.review_queue(&ctx).await?))
}

/// Starts a new draft version as a copy of the published one (the published one never
/// changes).
#[utoipa::path(post, path = "/api/v1/exchange/resources/{id}/versions", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path)),
    responses((status = 201, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn new_version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<VersionDetail>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.exchange.new_version(&ctx, id).await?),
    ))
}

/// One version with the resource's history (its department's stewards and the division's
/// data administrator).
#[utoipa::path(get, path = "/api/v1/exchange/resources/{id}/versions/{version}", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<VersionDetail>> {
    Ok(Json(
        state.exchange.version_detail(&ctx, id, version).await?,
    ))
}

/// A draft's new metadata with the revision the editor showed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DraftBody {
    pub meta: ResourceMeta,
    /// The revision read (stale → 409).
    #[serde(default)]
    pub revision: Option<i64>,
}

/// Saves a draft (only drafts change; a stale revision is 409).
#[utoipa::path(put, path = "/api/v1/exchange/resources/{id}/versions/{version}", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path), ("version" = i64, Path)),
    request_body = DraftBody,
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_draft(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<DraftBody>,
) -> ApiResult<Json<VersionDetail>> {
    Ok(Json(
        state
            .exchange
            .save_draft(&ctx, id, version, &b.meta, b.revision)
            .await?,
    ))
}

/// Submits a draft for the data administrator's review.
#[utoipa::path(post, path = "/api/v1/exchange/resources/{id}/versions/{version}/submit", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<VersionDetail>> {
    Ok(Json(state.exchange.submit(&ctx, id, version).await?))
}

/// Approves a submitted version: it is published (发布) and the previous one superseded.
#[utoipa::path(post, path = "/api/v1/exchange/resources/{id}/versions/{version}/approve", tag = "exchange", security(("session" = ["exchange.admin"])),
    params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn approve(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<VersionDetail>> {
    Ok(Json(state.exchange.approve(&ctx, id, version).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NoteBody {
    /// The reviewer's note (required).
    pub note: String,
}

/// Sends a submitted version back to its steward as a draft, with a note.
#[utoipa::path(post, path = "/api/v1/exchange/resources/{id}/versions/{version}/reject", tag = "exchange", security(("session" = ["exchange.admin"])),
    params(("id" = i64, Path), ("version" = i64, Path)),
    request_body = NoteBody,
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn reject(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<NoteBody>,
) -> ApiResult<Json<VersionDetail>> {
    Ok(Json(
        state.exchange.reject(&ctx, id, version, &b.note).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReasonBody {
    /// Why (required).
    pub reason: String,
}

/// Retires the published version of a resource (it leaves the catalog and the lists).
#[utoipa::path(post, path = "/api/v1/exchange/resources/{id}/retire", tag = "exchange", security(("session" = ["exchange.admin"])),
    params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn retire(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<VersionDetail>> {
    Ok(Json(state.exchange.retire(&ctx, id, &b.reason).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DutiesQuery {
    /// One department only.
    pub department: Option<i64>,
}

/// The responsibility list (共享责任清单): per department, the resources it must provide,
/// whether each is mounted (挂接: rows loaded) and fresh (loaded within its update cycle).
#[utoipa::path(get, path = "/api/v1/exchange/lists/responsibility", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(DutiesQuery),
    responses((status = 200, body = Vec<DepartmentDuties>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn responsibility_list(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<DutiesQuery>,
) -> ApiResult<Json<Vec<DepartmentDuties>>> {
    Ok(Json(
        state
            .exchange
            .responsibility_list(&ctx, q.department)
            .await?,
    ))
}

/// The negative list (负面清单): resources not shared (不予共享), with their legal basis.
#[utoipa::path(get, path = "/api/v1/exchange/lists/negative", tag = "exchange", security(("session" = ["exchange.consume"])),
    responses((status = 200, body = Vec<NegativeEntry>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn negative_list(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<NegativeEntry>>> {
    Ok(Json(state.exchange.negative_list(&ctx).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandsQuery {
    /// `open`, `claimed`, `provided` or `declined`.
    pub status: Option<String>,
}

/// The demand list (需求清单), newest first.
#[utoipa::path(get, path = "/api/v1/exchange/demands", tag = "exchange", security(("session" = ["exchange.consume"])),
    params(DemandsQuery),
    responses((status = 200, body = Vec<Demand>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn demands(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<DemandsQuery>,
) -> ApiResult<Json<Vec<Demand>>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DemandStatus::parse(s).ok_or_else(|| {
            Error::field(FieldError::one_of(
                "status",
                &["open", "claimed", "provided", "declined"],
            ))
        })?),
    };
    Ok(Json(state.exchange.demands(&ctx, status).await?))
}

/// Registers a demand of my department: data it needs that no resource provides yet.
#[utoipa::path(post, path = "/api/v1/exchange/demands", tag = "exchange", security(("session" = ["exchange.consume"])),
    request_body = NewDemand,
    responses((status = 201, body = Demand), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_demand(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<NewDemand>,
) -> ApiResult<(StatusCode, Json<Demand>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.exchange.create_demand(&ctx, &b).await?),
    ))
}

/// A provider department claims an open demand with the code of its resource that serves it.
#[utoipa::path(post, path = "/api/v1/exchange/demands/{id}/claim", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path)),
    request_body = ClaimDemand,
    responses((status = 200, body = Demand), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn claim_demand(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ClaimDemand>,
) -> ApiResult<Json<Demand>> {
    Ok(Json(state.exchange.claim_demand(&ctx, id, &b).await?))
}

/// The claiming department marks a demand provided (its resource is published).
#[utoipa::path(post, path = "/api/v1/exchange/demands/{id}/provided", tag = "exchange", security(("session" = ["exchange.provide"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Demand), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn demand_provided(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Demand>> {
    Ok(Json(state.exchange.demand_provided(&ctx, id).await?))
}

/// The division's data administrator declines an open or claimed demand, with the reason.
#[utoipa::path(post, path = "/api/v1/exchange/demands/{id}/decline", tag = "exchange", security(("session" = ["exchange.admin"])),
    params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = Demand), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn decline_demand(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Demand>> {
    Ok(Json(
        state.exchange.decline_demand(&ctx, id, &b.reason).await?,
    ))
}
