//! Divisions, departments, service halls and windows.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_kernel::Error;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_org::io::ImportReport;
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::{
    Department, DepartmentInput, DeptKind, Division, Hall, HallInput, WindowInput, registry,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::transfer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_divisions))
        .routes(routes!(get_division))
        .routes(routes!(list_departments, create_department))
        .routes(routes!(
            get_department,
            update_department,
            delete_department
        ))
        .routes(routes!(import_departments))
        .routes(routes!(export_departments))
        .routes(routes!(list_halls, create_hall))
        .routes(routes!(get_hall, update_hall))
        .routes(routes!(add_window))
        .routes(routes!(update_window, delete_window))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DivisionQuery {
    /// Children of this division (omit for provinces).
    pub parent: Option<String>,
    /// Name or code prefix to search for.
    pub q: Option<String>,
}

/// A division with its place in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionView {
    pub code: String,
    pub name: String,
    pub full_name: String,
    /// `province`, `prefecture`, `county`, `town` or `village`.
    pub level: String,
    pub statistical_only: bool,
    pub parent: Option<String>,
}

fn view(d: &Division) -> DivisionView {
    DivisionView {
        code: d.code.to_string(),
        name: d.name.clone(),
        full_name: registry().full_name(&d.code),
        level: d.level.en().to_string(),
        statistical_only: d.statistical_only,
        parent: d.code.parent().map(|p| p.to_string()),
    }
}

/// Divisions (GB/T 2260 down to counties, towns nationwide, villages of Guangdong).
#[utoipa::path(get, path = "/api/v1/divisions", tag = "org", security(()), params(DivisionQuery),
    responses((status = 200, body = Vec<DivisionView>), (status = 422, body = ErrorResponse)))]
pub async fn list_divisions(
    ApiQuery(q): ApiQuery<DivisionQuery>,
) -> ApiResult<Json<Vec<DivisionView>>> {
    let reg = registry();
    if let Some(s) = q.q.as_deref().filter(|s| !s.trim().is_empty()) {
        return Ok(Json(reg.search(s, 50).into_iter().map(view).collect()));
    }
    match q.parent.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(p) => {
            let code = DivisionCode::parse(p).map_err(|e| Error::field(e.within("parent")))?;
            if reg.get(code.as_str()).is_none() {
                return Err(Error::not_found().into());
            }
            Ok(Json(
                reg.children(code.as_str()).into_iter().map(view).collect(),
            ))
        }
        None => {
            let mut provinces: Vec<DivisionView> = (11..=82)
                .filter_map(|p| reg.get(&format!("{p}0000")))
                .map(view)
                .collect();
            provinces.sort_by(|a, b| a.code.cmp(&b.code));
            Ok(Json(provinces))
        }
    }
}

/// One division.
#[utoipa::path(get, path = "/api/v1/divisions/{code}", tag = "org", security(()),
    params(("code" = String, Path, description = "Division code")),
    responses((status = 200, body = DivisionView), (status = 404, body = ErrorResponse)))]
pub async fn get_division(ApiPath(code): ApiPath<String>) -> ApiResult<Json<DivisionView>> {
    registry()
        .get(code.trim())
        .map(|d| Json(view(d)))
        .ok_or_else(|| Error::not_found().into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Departments inside this division.
    pub division: Option<String>,
    /// Name contains, or exact USCC.
    pub q: Option<String>,
    pub parent_id: Option<i64>,
    /// Department kind code.
    pub kind: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// Departments (public information).
#[utoipa::path(get, path = "/api/v1/departments", tag = "org", security(()), params(DepartmentQuery),
    responses((status = 200, body = Paged<Department>), (status = 422, body = ErrorResponse)))]
pub async fn list_departments(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DepartmentQuery>,
) -> ApiResult<Json<Paged<Department>>> {
    let page = Page::new(q.page, q.size)?;
    let division = match q.division.as_deref() {
        Some(d) => Some(DivisionCode::parse(d).map_err(|e| Error::field(e.within("division")))?),
        None => None,
    };
    let kind = match q.kind.as_deref() {
        Some(k) => Some(DeptKind::field("kind", k).map_err(Error::field)?),
        None => None,
    };
    let f = DepartmentFilter {
        division,
        q: q.q.clone(),
        parent_id: q.parent_id,
        kind,
    };
    Ok(Json(state.org.list_departments(&f, page).await?))
}

/// Creates a department (organisation administrators, in their division).
#[utoipa::path(post, path = "/api/v1/departments", tag = "org", security(("session" = ["org.manage"])),
    request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_department(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<DepartmentInput>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.org.create_department(&ctx, &body).await?),
    ))
}

/// One department.
#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "org", security(()),
    params(("id" = i64, Path)),
    responses((status = 200, body = Department), (status = 404, body = ErrorResponse)))]
pub async fn get_department(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Department>> {
    Ok(Json(state.org.department(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DepartmentUpdate {
    #[serde(flatten)]
    pub department: DepartmentInput,
    /// The revision read; a stale one answers 409.
    pub revision: Option<i64>,
}

/// Changes a department.
#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "org", security(("session" = ["org.manage"])),
    params(("id" = i64, Path)), request_body = DepartmentUpdate,
    responses((status = 200, body = Department), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn update_department(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DepartmentUpdate>,
) -> ApiResult<Json<Department>> {
    Ok(Json(
        state
            .org
            .update_department(&ctx, id, &body.department, body.revision)
            .await?,
    ))
}

/// Deletes a department that nothing refers to.
#[utoipa::path(delete, path = "/api/v1/departments/{id}", tag = "org", security(("session" = ["org.manage"])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn delete_department(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.org.delete_department(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports departments from a CSV (UTF-8 or GBK) or XLSX file, all or nothing.
#[utoipa::path(post, path = "/api/v1/departments/import", tag = "org", security(("session" = ["org.import"])),
    request_body(content = Vec<u8>, description = "The file as the raw body, or as the part `file` of multipart/form-data", content_type = "application/octet-stream"),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "import_rejected with one entry per bad row")))]
pub async fn import_departments(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    let bytes = transfer::upload_for(&ctx, &headers, body, "file").await?;
    Ok(Json(state.org.import_departments(&ctx, &bytes).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// Exports the departments of the caller's division.
#[utoipa::path(get, path = "/api/v1/departments/export", tag = "org", security(("session" = ["org.import"])), params(ExportQuery),
    responses((status = 200, description = "CSV (UTF-8 with BOM) or XLSX file", content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn export_departments(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = transfer::format_of(q.format.as_deref())?;
    let bytes = state.org.export_departments(&ctx, format).await?;
    Ok(transfer::sheet_response(bytes, format, "departments"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HallQuery {
    /// Halls inside this division.
    pub division: Option<String>,
}

/// Service halls with their windows (public information).
#[utoipa::path(get, path = "/api/v1/halls", tag = "org", security(()), params(HallQuery),
    responses((status = 200, body = Vec<Hall>), (status = 422, body = ErrorResponse)))]
pub async fn list_halls(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HallQuery>,
) -> ApiResult<Json<Vec<Hall>>> {
    let division = match q.division.as_deref() {
        Some(d) => Some(DivisionCode::parse(d).map_err(|e| Error::field(e.within("division")))?),
        None => None,
    };
    Ok(Json(state.org.list_halls(division.as_ref()).await?))
}

/// Creates a service hall.
#[utoipa::path(post, path = "/api/v1/halls", tag = "org", security(("session" = ["org.manage"])), request_body = HallInput,
    responses((status = 201, body = Hall), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_hall(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<HallInput>,
) -> ApiResult<(StatusCode, Json<Hall>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.org.create_hall(&ctx, &body).await?),
    ))
}

/// One hall with its windows.
#[utoipa::path(get, path = "/api/v1/halls/{id}", tag = "org", security(()), params(("id" = i64, Path)),
    responses((status = 200, body = Hall), (status = 404, body = ErrorResponse)))]
pub async fn get_hall(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Hall>> {
    Ok(Json(state.org.hall(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HallUpdate {
    #[serde(flatten)]
    pub hall: HallInput,
    pub revision: Option<i64>,
}

/// Changes a hall.
#[utoipa::path(put, path = "/api/v1/halls/{id}", tag = "org", security(("session" = ["org.manage"])), params(("id" = i64, Path)), request_body = HallUpdate,
    responses((status = 200, body = Hall), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn update_hall(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HallUpdate>,
) -> ApiResult<Json<Hall>> {
    Ok(Json(
        state
            .org
            .update_hall(&ctx, id, &body.hall, body.revision)
            .await?,
    ))
}

/// Adds a window to a hall.
#[utoipa::path(post, path = "/api/v1/halls/{id}/windows", tag = "org", security(("session" = ["org.manage"])), params(("id" = i64, Path)), request_body = WindowInput,
    responses((status = 201, body = Hall), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn add_window(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WindowInput>,
) -> ApiResult<(StatusCode, Json<Hall>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.org.save_window(&ctx, id, None, &body).await?),
    ))
}

/// Changes a window.
#[utoipa::path(put, path = "/api/v1/halls/{id}/windows/{window_id}", tag = "org", security(("session" = ["org.manage"])),
    params(("id" = i64, Path), ("window_id" = i64, Path)), request_body = WindowInput,
    responses((status = 200, body = Hall), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn update_window(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, window_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<WindowInput>,
) -> ApiResult<Json<Hall>> {
    Ok(Json(
        state
            .org
            .save_window(&ctx, id, Some(window_id), &body)
            .await?,
    ))
}

/// Removes a window.
#[utoipa::path(delete, path = "/api/v1/halls/{id}/windows/{window_id}", tag = "org", security(("session" = ["org.manage"])),
    params(("id" = i64, Path), ("window_id" = i64, Path)),
    responses((status = 200, body = Hall), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn delete_window(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, window_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Hall>> {
    Ok(Json(state.org.delete_window(&ctx, id, window_id).await?))
}
