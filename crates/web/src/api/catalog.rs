//! The service-item catalog: code tables, basic directory, implementation items and their
//! lifecycle, search.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_catalog::codes::{ALL_TABLES, CodeTable};
use yiwang_catalog::io::{ImportFiles, ImportReport, Table};
use yiwang_catalog::model::{AdminItemRow, HistoryEntry};
use yiwang_catalog::repo::AdminFilter;
use yiwang_catalog::search::SearchParams;
use yiwang_catalog::{
    BasicItem, BasicItemInput, ClaimInput, Elements, Item, ItemSummary, ItemVersion, NoteInput,
};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};
use yiwang_sheets::Format;

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::transfer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(code_tables))
        .routes(routes!(list_basic, create_basic))
        .routes(routes!(get_basic, update_basic))
        .routes(routes!(search_items, claim_item))
        .routes(routes!(get_item))
        .routes(routes!(list_versions, new_version))
        .routes(routes!(get_version, save_version))
        .routes(routes!(save_draft, discard_draft))
        .routes(routes!(submit_item))
        .routes(routes!(withdraw_item))
        .routes(routes!(approve_item))
        .routes(routes!(reject_item))
        .routes(routes!(retire_item))
        .routes(routes!(item_history))
        .routes(routes!(admin_items))
        .routes(routes!(import_items))
        .routes(routes!(export_items))
}

/// Imports items from an XLSX workbook (sheets 事项, 材料, 收费, 常见问题, 办理环节) or CSV files,
/// all or nothing; imported items become drafts for review.
#[utoipa::path(post, path = "/api/v1/items/import", tag = "catalog", security(("session" = ["catalog.import"])),
    request_body(content = Vec<u8>, description = "multipart/form-data with parts `items` (CSV or XLSX, required) and optional `materials`, `fees`, `faqs`, `steps` CSVs; or the XLSX workbook as the raw body", content_type = "multipart/form-data"),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "import_rejected with one entry per bad row")))]
pub async fn import_items(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    let parts: Vec<(String, Vec<u8>)> = if transfer::is_multipart(&headers) {
        transfer::multipart_parts_for(&ctx, &headers, body).await?
    } else {
        vec![("items".to_string(), body.to_vec())]
    };
    let part = |n: &str| {
        parts
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_slice())
            .filter(|b| !b.is_empty())
    };
    let items = part("items").unwrap_or(&[]);
    let files = ImportFiles {
        items,
        materials: part("materials"),
        fees: part("fees"),
        faqs: part("faqs"),
        steps: part("steps"),
    };
    Ok(Json(state.catalog.import_items(&ctx, files).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemExportQuery {
    /// `xlsx` (default: the whole workbook) or `csv` (one table).
    pub format: Option<String>,
    /// For CSV: `items` (default), `materials`, `fees`, `faqs` or `steps`.
    pub table: Option<String>,
}

/// Exports the published items in the caller's scope.
#[utoipa::path(get, path = "/api/v1/items/export", tag = "catalog", security(("session" = ["catalog.import"])), params(ItemExportQuery),
    responses((status = 200, description = "XLSX workbook or CSV table", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn export_items(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ItemExportQuery>,
) -> ApiResult<Response> {
    let format = match q.format.as_deref() {
        None => Format::Xlsx,
        Some(f) => transfer::format_of(Some(f))?,
    };
    let table = match q.table.as_deref() {
        None => Table::Items,
        Some(t) => Table::parse(t).ok_or_else(|| {
            Error::field(FieldError::one_of(
                "table",
                &["items", "materials", "fees", "faqs", "steps"],
            ))
        })?,
    };
    let bytes = state.catalog.export_items(&ctx, format, table).await?;
    let name = if format == Format::Xlsx {
        "items".to_string()
    } else {
        format!("items-{}", table.as_str())
    };
    Ok(transfer::sheet_response(bytes, format, &name))
}

/// Every code table of the catalog (item types, levels, service objects, themes …).
#[utoipa::path(get, path = "/api/v1/catalog/codes", tag = "catalog", security(()),
    responses((status = 200, body = Vec<Object>)))]
pub async fn code_tables() -> Json<Vec<CodeTable>> {
    Json(ALL_TABLES.iter().map(|t| **t).collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BasicQuery {
    /// Name contains, or exact basic code.
    pub q: Option<String>,
    /// 事项类型 code.
    pub item_type: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// The basic directory (基本目录).
#[utoipa::path(get, path = "/api/v1/basic-items", tag = "catalog", security(()), params(BasicQuery),
    responses((status = 200, body = Paged<BasicItem>), (status = 422, body = ErrorResponse)))]
pub async fn list_basic(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<BasicQuery>,
) -> ApiResult<Json<Paged<BasicItem>>> {
    let page = Page::new(q.page, q.size)?;
    Ok(Json(
        state
            .catalog
            .list_basic(q.q.as_deref(), q.item_type.as_deref(), page)
            .await?,
    ))
}

/// Adds a basic directory item.
#[utoipa::path(post, path = "/api/v1/basic-items", tag = "catalog", security(("session" = ["catalog.directory"])), request_body = BasicItemInput,
    responses((status = 201, body = BasicItem), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_basic(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<BasicItemInput>,
) -> ApiResult<(StatusCode, Json<BasicItem>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.catalog.create_basic(&ctx, &body).await?),
    ))
}

/// One basic directory item.
#[utoipa::path(get, path = "/api/v1/basic-items/{code}", tag = "catalog", security(()), params(("code" = String, Path, description = "基本编码")),
    responses((status = 200, body = BasicItem), (status = 404, body = ErrorResponse)))]
pub async fn get_basic(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<BasicItem>> {
    Ok(Json(state.catalog.basic(&code).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BasicUpdate {
    #[serde(flatten)]
    pub item: BasicItemInput,
    pub revision: Option<i64>,
}

/// Changes a basic directory item (its code cannot change).
#[utoipa::path(put, path = "/api/v1/basic-items/{code}", tag = "catalog", security(("session" = ["catalog.directory"])),
    params(("code" = String, Path, description = "基本编码")), request_body = BasicUpdate,
    responses((status = 200, body = BasicItem), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn update_basic(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<BasicUpdate>,
) -> ApiResult<Json<BasicItem>> {
    Ok(Json(
        state
            .catalog
            .update_basic(&ctx, &code, &body.item, body.revision)
            .await?,
    ))
}

/// Searches the published catalog (keyword search finds two-character Chinese words).
#[utoipa::path(get, path = "/api/v1/items", tag = "catalog", security(()), params(SearchParams),
    responses((status = 200, body = Paged<ItemSummary>), (status = 422, body = ErrorResponse)))]
pub async fn search_items(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<Paged<ItemSummary>>> {
    Ok(Json(state.catalog.search(&q).await?))
}

/// Claims a basic item for a department (认领), creating the implementation item's first draft.
#[utoipa::path(post, path = "/api/v1/items", tag = "catalog", security(("session" = ["catalog.edit"])), request_body = ClaimInput,
    responses((status = 201, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn claim_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<ClaimInput>,
) -> ApiResult<(StatusCode, Json<Item>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.catalog.claim(&ctx, &body).await?),
    ))
}

/// An implementation item: its published version, and its version in progress for staff who
/// may see drafts.
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "catalog", security(()), params(("code" = String, Path, description = "实施编码")),
    responses((status = 200, body = Item), (status = 404, body = ErrorResponse)))]
pub async fn get_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Item>> {
    Ok(Json(state.catalog.item(&ctx, &code).await?))
}

/// All versions the caller may see.
#[utoipa::path(get, path = "/api/v1/items/{code}/versions", tag = "catalog", security(()), params(("code" = String, Path)),
    responses((status = 200, body = Vec<ItemVersion>), (status = 404, body = ErrorResponse)))]
pub async fn list_versions(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Vec<ItemVersion>>> {
    Ok(Json(state.catalog.versions(&ctx, &code).await?))
}

/// Starts a new version as a copy of the published one (an edit makes a new version).
#[utoipa::path(post, path = "/api/v1/items/{code}/versions", tag = "catalog", security(("session" = ["catalog.edit"])), params(("code" = String, Path)),
    responses((status = 201, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn new_version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Item>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.catalog.new_version(&ctx, &code).await?),
    ))
}

/// One version.
#[utoipa::path(get, path = "/api/v1/items/{code}/versions/{no}", tag = "catalog", security(()),
    params(("code" = String, Path), ("no" = i64, Path, description = "Version number")),
    responses((status = 200, body = ItemVersion), (status = 404, body = ErrorResponse)))]
pub async fn get_version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
) -> ApiResult<Json<ItemVersion>> {
    Ok(Json(state.catalog.version(&ctx, &code, no).await?))
}

/// Elements to save, with the draft revision that was read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DraftUpdate {
    pub elements: Elements,
    /// The revision read; a stale one answers 409 `conflict`.
    pub revision: Option<i64>,
}

/// Saves a version in place: only a draft can change (`409 catalog.published_immutable`
/// for a published version — start a new version instead).
#[utoipa::path(put, path = "/api/v1/items/{code}/versions/{no}", tag = "catalog", security(("session" = ["catalog.edit"])),
    params(("code" = String, Path), ("no" = i64, Path)), request_body = DraftUpdate,
    responses((status = 200, body = ItemVersion), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<DraftUpdate>,
) -> ApiResult<Json<ItemVersion>> {
    Ok(Json(
        state
            .catalog
            .save_version(&ctx, &code, no, &body.elements, body.revision)
            .await?,
    ))
}

/// Saves the draft. Inherited elements (name, basic code, type, legal basis) must be left
/// empty or unchanged (`422 catalog.inherited_element`).
#[utoipa::path(put, path = "/api/v1/items/{code}/draft", tag = "catalog", security(("session" = ["catalog.edit"])),
    params(("code" = String, Path)), request_body = DraftUpdate,
    responses((status = 200, body = ItemVersion), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_draft(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<DraftUpdate>,
) -> ApiResult<Json<ItemVersion>> {
    Ok(Json(
        state
            .catalog
            .save_draft(&ctx, &code, &body.elements, body.revision)
            .await?,
    ))
}

/// Deletes the draft (an item never published disappears with it: answers 204).
#[utoipa::path(delete, path = "/api/v1/items/{code}/draft", tag = "catalog", security(("session" = ["catalog.edit"])), params(("code" = String, Path)),
    responses((status = 200, body = Item), (status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn discard_draft(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok(match state.catalog.discard(&ctx, &code).await? {
        Some(item) => Json(item).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Submits the draft for review; the completeness and data-quality rules run first
/// (`422 catalog.quality_failed` with one entry per failed field).
#[utoipa::path(post, path = "/api/v1/items/{code}/submit", tag = "catalog", security(("session" = ["catalog.edit"])), params(("code" = String, Path)),
    responses((status = 200, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Item>> {
    Ok(Json(state.catalog.submit(&ctx, &code).await?))
}

/// Takes a submitted version back to draft.
#[utoipa::path(post, path = "/api/v1/items/{code}/withdraw", tag = "catalog", security(("session" = ["catalog.edit"])), params(("code" = String, Path)),
    responses((status = 200, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn withdraw_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Item>> {
    Ok(Json(state.catalog.withdraw(&ctx, &code).await?))
}

/// Approves and publishes the submitted version (not by its own submitter).
#[utoipa::path(post, path = "/api/v1/items/{code}/approve", tag = "catalog", security(("session" = ["catalog.review"])), params(("code" = String, Path)), request_body = NoteInput,
    responses((status = 200, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn approve_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<NoteInput>,
) -> ApiResult<Json<Item>> {
    Ok(Json(state.catalog.approve(&ctx, &code, &body.note).await?))
}

/// Returns the submitted version to its editor (a note is required).
#[utoipa::path(post, path = "/api/v1/items/{code}/reject", tag = "catalog", security(("session" = ["catalog.review"])), params(("code" = String, Path)), request_body = NoteInput,
    responses((status = 200, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn reject_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<NoteInput>,
) -> ApiResult<Json<Item>> {
    Ok(Json(state.catalog.reject(&ctx, &code, &body.note).await?))
}

/// Retires the item (取消; a reason is required).
#[utoipa::path(post, path = "/api/v1/items/{code}/retire", tag = "catalog", security(("session" = ["catalog.review"])), params(("code" = String, Path)), request_body = NoteInput,
    responses((status = 200, body = Item), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn retire_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<NoteInput>,
) -> ApiResult<Json<Item>> {
    Ok(Json(state.catalog.retire(&ctx, &code, &body.note).await?))
}

/// Who did what to the item.
#[utoipa::path(get, path = "/api/v1/items/{code}/history", tag = "catalog", security(("session" = ["catalog.read_drafts"])), params(("code" = String, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn item_history(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(state.catalog.history_of(&ctx, &code).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminQuery {
    pub q: Option<String>,
    /// Item status: draft, published, retired.
    pub status: Option<String>,
    /// Latest version status: draft, submitted, published, superseded, retired.
    pub version_status: Option<String>,
    pub department_id: Option<i64>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// Items in any status within the caller's scope (department for editors, division for
/// reviewers).
#[utoipa::path(get, path = "/api/v1/admin/items", tag = "catalog", security(("session" = ["catalog.read_drafts"])), params(AdminQuery),
    responses((status = 200, body = Paged<AdminItemRow>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn admin_items(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<AdminQuery>,
) -> ApiResult<Json<Paged<AdminItemRow>>> {
    let page = Page::new(q.page, q.size)?;
    let f = AdminFilter {
        q: q.q,
        status: q.status,
        version_status: q.version_status,
        department_id: q.department_id,
    };
    Ok(Json(state.catalog.admin_items(&ctx, &f, page).await?))
}
