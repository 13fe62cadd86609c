//! Electronic licences (电子证照): the public verification and what a verifier needs offline
//! (seal public keys, the status list), licence types, issuing and lifecycle by issuing staff,
//! and the holder's wallet with its PDFs and annotated copies (加注件).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};
use yiwang_licences::{
    CopyInput, ImportJob, ImportProblem, IssueInput, IssuedFilter, Licence, LicenceCopy,
    LicenceType, Notices, PublicSealKey, UseRecord, Verification,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(public_keys))
        .routes(routes!(status_list))
        .routes(routes!(list_types, define_type))
        .routes(routes!(issued, issue))
        .routes(routes!(set_status))
        .routes(routes!(rotate_seal))
        .routes(routes!(wallet))
        .routes(routes!(uses))
        .routes(routes!(notices))
        .routes(routes!(read_notices))
        .routes(routes!(licence_pdf))
        .routes(routes!(make_copy))
        .routes(routes!(my_copies))
        .routes(routes!(copy_pdf))
        .merge(
            // A million licences are some 150 MiB of CSV: this route alone takes large bodies.
            OpenApiRouter::new()
                .routes(routes!(create_import))
                .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .routes(routes!(import_status))
        .routes(routes!(import_errors))
}

/// Largest import file accepted (bytes).
pub const IMPORT_BODY_LIMIT: usize = 512 * 1024 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The licence type code (21 characters).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub type_code: Option<String>,
    /// The importing (issuing) department; its seal signs every licence.
    pub department: Option<i64>,
    /// The file's name, kept with the job.
    pub name: Option<String>,
}

/// Starts a bulk import (归集) of licences issued elsewhere: the body is the CSV (UTF-8 or GBK)
/// or XLSX file, with the columns 证照标识 (optional), 证照编号, 持证主体, 持证主体代码,
/// 发证日期, 有效期起始日期, 有效期截止日期 (optional) and one per face field (key or label).
/// Answers 202 with the job at once; every row is checked, then every licence sealed with
/// the department's key, in the background. Poll `GET /api/v1/licences/imports/{id}`.
#[utoipa::path(post, path = "/api/v1/licences/imports", tag = "licences", security(("session" = ["licence.issue"])),
    params(ImportQuery),
    request_body(content = Vec<u8>, description = "the CSV or XLSX file", content_type = "text/csv"),
    responses((status = 202, body = ImportJob), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_import(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportJob>)> {
    let mut errs = Vec::new();
    let type_code = q.type_code.unwrap_or_default();
    if type_code.trim().is_empty() {
        errs.push(FieldError::required("type"));
    }
    if q.department.is_none() {
        errs.push(FieldError::required("department"));
    }
    let Some(department) = q.department.filter(|_| errs.is_empty()) else {
        return Err(Error::validation(errs).into());
    };
    let job = state
        .imports
        .create(
            &ctx,
            &type_code,
            department,
            q.name.as_deref().unwrap_or(""),
            &body,
        )
        .await?;
    spawn_import(&state, job.id);
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Runs an accepted import job on its own task (the server resumes unfinished ones at start-up).
pub fn spawn_import(state: &AppState, id: i64) {
    let imports = state.imports.clone();
    tokio::spawn(async move {
        if let Err(e) = imports.drive(id).await {
            tracing::error!(job = id, error = %e, "licence import stopped");
        }
    });
}

/// An import job: status (`queued`, `checking`, `sealing`, `done`, `rejected`, `failed`),
/// row counts and percent done.
#[utoipa::path(get, path = "/api/v1/licences/imports/{id}", tag = "licences", security(("session" = ["licence.issue"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ImportJob), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn import_status(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ImportJob>> {
    Ok(Json(state.imports.job(&ctx, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ErrorsQuery {
    /// `json` (default) or `csv` (a file to download).
    pub format: Option<String>,
}

/// The row problems of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrors {
    pub job: ImportJob,
    pub errors: Vec<ImportProblem>,
}

/// The row problems of an import job (errors, and warnings such as a foreign identifier whose
/// check character differs), by line; `?format=csv` downloads them as a CSV file.
#[utoipa::path(get, path = "/api/v1/licences/imports/{id}/errors", tag = "licences", security(("session" = ["licence.issue"])),
    params(("id" = i64, Path), ErrorsQuery),
    responses((status = 200, description = "JSON, or a CSV file with `?format=csv`", content((ImportErrors = "application/json"), (String = "text/csv"))), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn import_errors(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ErrorsQuery>,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(Error::field(FieldError::one_of("format", &["json", "csv"])).into()),
    };
    let (job, errors) = state
        .imports
        .problems(&ctx, id, if csv { 1_000_000 } else { 10_000 })
        .await?;
    if !csv {
        return Ok(Json(ImportErrors { job, errors }).into_response());
    }
    let sheet = yiwang_sheets::Sheet {
        name: "errors".into(),
        headers: ["行号", "列", "规则", "级别", "说明", "message"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: errors
            .into_iter()
            .enumerate()
            .map(|(i, p)| yiwang_sheets::SheetRow {
                line: i + 2,
                cells: vec![
                    p.line.to_string(),
                    p.field,
                    p.code,
                    p.level,
                    p.message_zh,
                    p.message_en,
                ],
            })
            .collect(),
    };
    let bytes = yiwang_sheets::write_csv(&sheet)?;
    Ok(crate::transfer::sheet_response(
        bytes,
        yiwang_sheets::Format::Csv,
        &format!("licence-import-{id}-errors"),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// 证照标识 (`1.2.156.3005.2.…`).
    pub identifier: Option<String>,
    /// The code of an annotated copy (加注件) of this licence: the answer then also says
    /// whether the copy is good for its stated use (`copy`).
    pub copy: Option<String>,
}

/// Verifies a licence: valid, suspended, revoked, expired, tampered (or unknown), who sealed it
/// and when. Public (the QR code printed on the licence leads here).
#[utoipa::path(get, path = "/api/v1/licences/verify", tag = "licences", security(()),
    params(VerifyQuery),
    responses((status = 200, body = Verification), (status = 422, body = ErrorResponse)))]
pub async fn verify(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<Json<Verification>> {
    let id = q.identifier.unwrap_or_default();
    if id.trim().is_empty() {
        return Err(
            yiwang_kernel::Error::field(yiwang_kernel::FieldError::required("identifier")).into(),
        );
    }
    match q.copy.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Ok(Json(state.licences.verify_copy(&id, code).await?)),
        None => Ok(Json(state.licences.verify(&id).await?)),
    }
}

/// Every issuer's seal public keys, current and retired (SM2, `04‖x‖y` hex; default ID
/// `1234567812345678`), for offline verification.
#[utoipa::path(get, path = "/api/v1/licences/keys", tag = "licences", security(()),
    responses((status = 200, body = Vec<PublicSealKey>)))]
pub async fn public_keys(State(state): State<AppState>) -> ApiResult<Json<Vec<PublicSealKey>>> {
    Ok(Json(state.licences.public_keys().await?))
}

/// One entry of the status list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusEntry {
    pub identifier: String,
    /// `suspended` or `revoked`.
    pub status: String,
}

/// The status list: every suspended or revoked licence.
#[utoipa::path(get, path = "/api/v1/licences/status-list", tag = "licences", security(()),
    responses((status = 200, body = Vec<StatusEntry>)))]
pub async fn status_list(State(state): State<AppState>) -> ApiResult<Json<Vec<StatusEntry>>> {
    Ok(Json(
        state
            .licences
            .status_list()
            .await?
            .into_iter()
            .map(|(identifier, status)| StatusEntry { identifier, status })
            .collect(),
    ))
}

/// Licence types (证照类型) and their face fields.
#[utoipa::path(get, path = "/api/v1/licence-types", tag = "licences", security(()),
    responses((status = 200, body = Vec<LicenceType>)))]
pub async fn list_types(State(state): State<AppState>) -> ApiResult<Json<Vec<LicenceType>>> {
    Ok(Json(state.licences.types().await?))
}

/// Defines or updates a licence type.
#[utoipa::path(post, path = "/api/v1/licence-types", tag = "licences", security(("session" = ["licence.manage"])),
    request_body = LicenceType,
    responses((status = 200, body = LicenceType), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn define_type(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<LicenceType>,
) -> ApiResult<Json<LicenceType>> {
    Ok(Json(state.licences.define_type(&ctx, &b).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssuedQuery {
    /// 证照标识, 证照编号, the holder's name, or their ID number / USCC.
    pub q: Option<String>,
    /// 证照类型代码.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub type_code: Option<String>,
    /// `valid`, `suspended` or `revoked`.
    pub status: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// Licences issued by the departments within my reach (制证发证台账), newest first.
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences", security(("session" = ["licence.issue"])),
    params(IssuedQuery),
    responses((status = 200, body = Paged<Licence>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn issued(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<IssuedQuery>,
) -> ApiResult<Json<Paged<Licence>>> {
    let page = Page::new(q.page, q.size)?;
    let f = IssuedFilter {
        q: q.q,
        type_code: q.type_code,
        status: q.status,
    };
    Ok(Json(state.licences.issued(&ctx, &f, page).await?))
}

/// Issues and seals a licence (issuing staff of the department).
#[utoipa::path(post, path = "/api/v1/licences", tag = "licences", security(("session" = ["licence.issue"])),
    request_body = IssueInput,
    responses((status = 201, body = Licence), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn issue(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<IssueInput>,
) -> ApiResult<(StatusCode, Json<Licence>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.licences.issue(&ctx, &b).await?),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct StatusBody {
    pub identifier: String,
    /// `suspended`, `valid` (reinstate) or `revoked`.
    pub status: String,
    pub reason: String,
}

/// Suspends, reinstates or revokes a licence.
#[utoipa::path(post, path = "/api/v1/licences/status", tag = "licences", security(("session" = ["licence.issue"])),
    request_body = StatusBody,
    responses((status = 200, body = Licence), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn set_status(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<StatusBody>,
) -> ApiResult<Json<Licence>> {
    Ok(Json(
        state
            .licences
            .set_status(&ctx, &b.identifier, &b.status, &b.reason)
            .await?,
    ))
}

/// Retires a department's seal key and generates a new one (old public keys stay published).
#[utoipa::path(post, path = "/api/v1/departments/{id}/seal-keys/rotate", tag = "licences", security(("session" = ["licence.manage"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PublicSealKey), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn rotate_seal(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PublicSealKey>> {
    Ok(Json(state.licences.rotate_seal(&ctx, id).await?))
}

/// My licences (一人一企一档), or the enterprise's I act for.
#[utoipa::path(get, path = "/api/v1/me/licences", tag = "licences", security(("person" = [])),
    responses((status = 200, body = Vec<Licence>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn wallet(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<Licence>>> {
    Ok(Json(state.licences.wallet(&ctx).await?))
}

/// My licences' use log (用证记录): every authorisation I gave and every view by a department.
#[utoipa::path(get, path = "/api/v1/me/licences/uses", tag = "licences", security(("person" = [])),
    responses((status = 200, body = Vec<UseRecord>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn uses(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<UseRecord>>> {
    Ok(Json(state.licences.uses(&ctx).await?))
}

/// Notices about my licences (证照变更通知): issued, renewed, suspended, reinstated, revoked,
/// expiring, expired — newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/me/licences/notices", tag = "licences", security(("person" = [])),
    responses((status = 200, body = Notices), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn notices(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Notices>> {
    Ok(Json(state.licences.notices(&ctx).await?))
}

/// How many notices were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// Marks all my licence notices read.
#[utoipa::path(post, path = "/api/v1/me/licences/notices/read", tag = "licences", security(("person" = [])),
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn read_notices(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<MarkedRead>> {
    Ok(Json(MarkedRead {
        marked: state.licences.mark_notices_read(&ctx).await?,
    }))
}

/// One of my licences as a one-page PDF (A4) whose QR code leads to the public verification
/// page (`{public_url}/verify?id=…`). Only the holder (or a person acting for the holding
/// enterprise with the `licences` scope); anybody else gets 404.
#[utoipa::path(get, path = "/api/v1/me/licences/{identifier}/pdf", tag = "licences", security(("person" = [])),
    params(("identifier" = String, Path, description = "证照标识")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn licence_pdf(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(identifier): ApiPath<String>,
) -> ApiResult<Response> {
    let bytes = state
        .licences
        .pdf(&ctx, &identifier, &state.config.public_url)
        .await?;
    Ok(crate::transfer::pdf_response(
        &format!("{}.pdf", identifier.trim()),
        bytes,
    ))
}

/// Makes an annotated copy (加注件) of one of my licences for one stated use, valid until a
/// time at most 30 days ahead; logged in my use log and audited.
#[utoipa::path(post, path = "/api/v1/me/licences/{identifier}/copies", tag = "licences", security(("person" = [])),
    params(("identifier" = String, Path, description = "证照标识")),
    request_body = CopyInput,
    responses((status = 201, body = LicenceCopy), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn make_copy(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(identifier): ApiPath<String>,
    ApiJson(b): ApiJson<CopyInput>,
) -> ApiResult<(StatusCode, Json<LicenceCopy>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.licences.make_copy(&ctx, &identifier, &b).await?),
    ))
}

/// My annotated copies (加注件), newest first.
#[utoipa::path(get, path = "/api/v1/me/licences/copies", tag = "licences", security(("person" = [])),
    responses((status = 200, body = Vec<LicenceCopy>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn my_copies(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<LicenceCopy>>> {
    Ok(Json(state.licences.copies(&ctx).await?))
}

/// An annotated copy as a PDF: the annotation printed on the page, the QR code leading to
/// `{public_url}/verify?id=…&copy=…`. Only the holder.
#[utoipa::path(get, path = "/api/v1/me/licences/{identifier}/copies/{copy}/pdf", tag = "licences", security(("person" = [])),
    params(("identifier" = String, Path, description = "证照标识"), ("copy" = String, Path, description = "加注件编号")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn copy_pdf(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((identifier, copy)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let bytes = state
        .licences
        .copy_pdf(&ctx, &identifier, &copy, &state.config.public_url)
        .await?;
    Ok(crate::transfer::pdf_response(
        &format!("{}-{}.pdf", identifier.trim(), copy.trim()),
        bytes,
    ))
}
