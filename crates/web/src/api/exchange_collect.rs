//! Collection (归集) of a resource's rows: a provider (the department's data steward, or a
//! department system's token with `exchange.provide`) uploads a file or pushes rows; loads run
//! in the background with their progress and quality report.
//!
//! The resource code `前段码/后段码` sits in the path with its slash percent-encoded
//! (`101001%2F000001`) or written as a dash (`101001-000001`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_exchange::collect::report::Report;
use yiwang_exchange::collect::{LoadOptions, LoadView, Mode, PushInput};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(
            // Ten million rows are some 1.5 GiB of CSV; the command line reads such files in
            // place. Uploads take up to this much.
            OpenApiRouter::new()
                .routes(routes!(list_loads, upload))
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(push))
                .layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT)),
        )
        .routes(routes!(load_status))
        .routes(routes!(load_report))
}

/// Largest file accepted by upload (bytes).
pub const UPLOAD_BODY_LIMIT: usize = 512 * 1024 * 1024;
/// Largest push body (bytes): 10,000 rows.
pub const PUSH_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The resource code as written in a path: `101001/000001` (slash encoded) or `101001-000001`.
pub fn path_code(s: &str) -> String {
    let s = s.trim();
    if s.contains('/') {
        s.to_string()
    } else {
        s.replacen('-', "/", 1)
    }
}

/// The code as a path segment (`101001-000001`).
pub fn code_segment(code: &str) -> String {
    code.replacen('/', "-", 1)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `good` (default: load the good rows, report the others) or `all` (reject the whole
    /// file when any row is bad; nothing written).
    pub mode: Option<String>,
    /// `true`: a full load, closing the current keys the file lacks (default `false`:
    /// incremental, absent keys stay).
    pub full: Option<bool>,
    /// The file's name, kept with the load (`.jsonl` names a JSON-lines file).
    pub name: Option<String>,
}

/// Parses `mode` (a 422 naming it otherwise).
pub fn mode_of(s: Option<&str>) -> Result<Mode, Error> {
    match s.map(str::trim) {
        None | Some("") => Ok(Mode::Good),
        Some(m) => {
            Mode::parse(m).ok_or_else(|| Error::field(FieldError::one_of("mode", &["good", "all"])))
        }
    }
}

/// Uploads a file of the resource's rows (CSV in UTF-8 or GBK/GB18030, XLSX, or JSON lines;
/// headers are the items' names 信息项名称 or field names). Answers 202 with the load at once;
/// it is checked and written in the background. Poll `GET …/loads/{id}`.
#[utoipa::path(post, path = "/api/v1/exchange/resources/{code}/loads", tag = "exchange-collect", security(("session" = ["exchange.provide"])),
    params(("code" = String, Path, description = "resource code, `101001%2F000001` or `101001-000001`"), UploadQuery),
    request_body(content = Vec<u8>, description = "the CSV, XLSX or JSON-lines file", content_type = "text/csv"),
    responses((status = 202, body = LoadView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn upload(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<LoadView>)> {
    let opts = LoadOptions {
        mode: mode_of(q.mode.as_deref())?,
        full: q.full.unwrap_or(false),
    };
    let v = state
        .collector
        .upload(
            &ctx,
            &path_code(&code),
            q.name.as_deref().unwrap_or(""),
            body,
            opts,
        )
        .await?;
    spawn_load(&state, v.id);
    Ok((StatusCode::ACCEPTED, Json(v)))
}

/// Runs an accepted load on its own task (the server resumes unfinished ones at start-up).
pub fn spawn_load(state: &AppState, id: i64) {
    let c = state.collector.clone();
    tokio::spawn(async move {
        if let Err(e) = c.drive(id).await {
            tracing::error!(load = id, error = %e, "exchange load stopped");
        }
    });
}

/// Pushes rows (API): `upsert` objects keyed by field or item names, `delete` objects with the
/// key items' values, `mode` as for uploads. At most 10,000 rows; loaded at once, answering
/// the finished load (status `done` or `rejected`).
#[utoipa::path(post, path = "/api/v1/exchange/resources/{code}/loads/push", tag = "exchange-collect", security(("session" = ["exchange.provide"])),
    params(("code" = String, Path, description = "resource code, `101001%2F000001` or `101001-000001`")),
    request_body = PushInput,
    responses((status = 200, body = LoadView), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn push(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<PushInput>,
) -> ApiResult<Json<LoadView>> {
    Ok(Json(
        state.collector.push(&ctx, &path_code(&code), &body).await?,
    ))
}

/// The loads of a resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadList {
    pub resource_code: String,
    pub resource_name: String,
    /// Newest first, at most 50.
    pub loads: Vec<LoadView>,
}

/// The latest loads of a resource (its provider).
#[utoipa::path(get, path = "/api/v1/exchange/resources/{code}/loads", tag = "exchange-collect", security(("session" = ["exchange.provide"])),
    params(("code" = String, Path, description = "resource code, `101001%2F000001` or `101001-000001`")),
    responses((status = 200, body = LoadList), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn list_loads(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<LoadList>> {
    let (r, loads) = state.collector.loads(&ctx, &path_code(&code)).await?;
    Ok(Json(LoadList {
        resource_code: r.code.as_str().to_string(),
        resource_name: r.meta.name,
        loads,
    }))
}

/// A load: status (`queued`, `checking`, `loading`, `done`, `rejected`, `failed`), rows done
/// of the total, percent, counts.
#[utoipa::path(get, path = "/api/v1/exchange/resources/{code}/loads/{id}", tag = "exchange-collect", security(("session" = ["exchange.provide"])),
    params(("code" = String, Path, description = "resource code"), ("id" = i64, Path)),
    responses((status = 200, body = LoadView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn load_status(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, id)): ApiPath<(String, i64)>,
) -> ApiResult<Json<LoadView>> {
    Ok(Json(
        state.collector.load(&ctx, &path_code(&code), id).await?.1,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default), `csv` or `xlsx` (a file to download).
    pub format: Option<String>,
}

/// The quality report of a load: problems per rule and sample rows (line, item, value —
/// masked when personal —, rule, zh/en message); `?format=csv|xlsx` downloads it.
#[utoipa::path(get, path = "/api/v1/exchange/resources/{code}/loads/{id}/report", tag = "exchange-collect", security(("session" = ["exchange.provide"])),
    params(("code" = String, Path, description = "resource code"), ("id" = i64, Path), ReportQuery),
    responses((status = 200, description = "JSON, or a CSV/XLSX file", content((Report = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn load_report(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let format = match q.format.as_deref() {
        None | Some("json") => None,
        Some("csv") => Some(yiwang_sheets::Format::Csv),
        Some("xlsx") => Some(yiwang_sheets::Format::Xlsx),
        Some(_) => {
            return Err(
                Error::field(FieldError::one_of("format", &["json", "csv", "xlsx"])).into(),
            );
        }
    };
    let report = state.collector.report(&ctx, &path_code(&code), id).await?;
    let Some(format) = format else {
        return Ok(Json(report).into_response());
    };
    let bytes = match format {
        yiwang_sheets::Format::Csv => report.csv()?,
        yiwang_sheets::Format::Xlsx => report.xlsx()?,
    };
    Ok(crate::transfer::sheet_response(
        bytes,
        format,
        &format!("exchange-load-{id}-report"),
    ))
}
