//! Grids (网格) over JSON: the list (paged, by kind and division), one grid with its GeoJSON
//! geometry and workers, the GeoJSON import (a dry run answers the report — errors naming each
//! feature and rule, overlaps — and `commit=true` writes all or nothing, refusing a file with
//! any error as 422 `import_rejected`), and a grid's workers. The same domain calls as the
//! grids page (`/staff/grids`): the appeals service authorises (staff read; the appeal
//! administrator imports and assigns workers) and audits.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_appeals::GridKind;
use yiwang_appeals::views::{GridFilter, GridImportReport, GridSummary, GridView};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::transfer;

/// A GeoJSON file of a district's grids (as the page takes).
pub const GRIDS_BODY_LIMIT: usize = 32 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(grids))
        .routes(routes!(grid))
        .routes(routes!(set_workers))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import))
                .layer(DefaultBodyLimit::max(GRIDS_BODY_LIMIT)),
        )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GridsQuery {
    /// `unit` (单元网格) or `professional` (专业网格).
    pub kind: Option<String>,
    /// A division code (2–12 digits): grids in it or under it, e.g. `440802`.
    pub division: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// The active grids, unit grids first, by code; without their geometry (one grid's answer
/// has it). Staff only, as on the grids page.
#[utoipa::path(get, path = "/api/v1/appeal-grids", tag = "appeals",
    security(("session" = ["appeal.dispatch"]), ("session" = ["appeal.handle"]), ("session" = ["appeal.supervise"]), ("session" = ["appeal.intake"]), ("session" = ["appeal.admin"])),
    params(GridsQuery),
    responses((status = 200, body = Paged<GridSummary>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn grids(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<GridsQuery>,
) -> ApiResult<Json<Paged<GridSummary>>> {
    let kind = match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(GridKind::parse(k).ok_or_else(|| {
            Error::field(FieldError::new(
                "kind",
                "one_of",
                format!("网格类型“{k}”无效，只能是 unit 或 professional"),
                format!("Unknown grid kind \"{k}\": unit or professional"),
            ))
        })?),
    };
    let page = Page::new(q.page, q.size)?;
    let filter = GridFilter {
        kind,
        division: q.division,
    };
    Ok(Json(state.appeals.grid_page(&ctx, filter, page).await?))
}

/// One active grid: its GeoJSON geometry, bounding box, area, department and workers (in
/// routing order).
#[utoipa::path(get, path = "/api/v1/appeal-grids/{code}", tag = "appeals",
    security(("session" = ["appeal.dispatch"]), ("session" = ["appeal.handle"]), ("session" = ["appeal.supervise"]), ("session" = ["appeal.intake"]), ("session" = ["appeal.admin"])),
    params(("code" = String, Path, description = "网格编码")),
    responses((status = 200, body = GridView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn grid(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<GridView>> {
    Ok(Json(state.appeals.grid_as(&ctx, &code).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` writes the grids (all or nothing); absent or `false` answers the report only.
    pub commit: Option<bool>,
    /// The file's name, kept with the import (default `grids.geojson`).
    pub file_name: Option<String>,
}

/// Imports grids from a GeoJSON FeatureCollection (the raw body, or the part `file` of
/// multipart/form-data). Each feature is one grid: a Polygon or MultiPolygon in WGS 84 with
/// the properties `code`, `name`, `kind` (`unit`/`professional`), `specialty` (professional
/// grids), `division`, optional `department` (USCC) and `workers` (usernames). The shapes are
/// checked (closed rings, no self-intersection, holes inside) and overlaps of grids of one kind
/// reported. Without `commit=true` the answer is the report; with it, a file with any error is
/// refused whole (422 `import_rejected`, one entry per feature and rule: `features[i]`).
#[utoipa::path(post, path = "/api/v1/appeal-grid-imports", tag = "appeals", security(("session" = ["appeal.admin"])),
    params(ImportQuery),
    request_body(content = Vec<u8>, description = "The GeoJSON FeatureCollection as the raw body, or as the part `file` of multipart/form-data", content_type = "application/geo+json"),
    responses((status = 200, body = GridImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "not a FeatureCollection (naming `file`), or import_rejected with one entry per feature and rule")))]
pub async fn import(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<GridImportReport>> {
    let bytes = transfer::upload_for(&ctx, &headers, body, "file").await?;
    let name = q
        .file_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "grids.geojson".to_string());
    Ok(Json(
        state
            .appeals
            .import_grids(&ctx, &name, &bytes, q.commit.unwrap_or(false))
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WorkersBody {
    /// Staff usernames holding `appeal.handle` (grid workers, case officers), in routing
    /// order: the first gets routed orders. Empty: no workers (orders go to the department).
    pub workers: Vec<String>,
}

/// Replaces a grid's workers.
#[utoipa::path(put, path = "/api/v1/appeal-grids/{code}/workers", tag = "appeals", security(("session" = ["appeal.admin"])),
    params(("code" = String, Path, description = "网格编码")),
    request_body = WorkersBody,
    responses((status = 200, body = GridView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn set_workers(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<WorkersBody>,
) -> ApiResult<Json<GridView>> {
    Ok(Json(
        state
            .appeals
            .set_grid_workers(&ctx, &code, &b.workers)
            .await?,
    ))
}
