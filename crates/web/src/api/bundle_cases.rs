//! Applications for "one thing" bundles (一件事一次办): an online application (with an
//! `Idempotency-Key`, like a case's), the applicant's list and one progress, withdrawal, the
//! one rating, supplements at bundle level; a window's reception of a bundle, the staff's list
//! and view; statistics. The domain (`yiwang_cases::bundle`) checks ownership and reach.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_calendar::data::parse_date;
use yiwang_cases::WindowApplicant;
use yiwang_cases::bundle::{
    BundleApplication, BundleCaseFilter, BundleCaseSummary, BundleCaseView, BundleMaterialRef,
    BundleStats,
};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::api::auth::PageQuery;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(apply))
        .routes(routes!(my_bundle_cases))
        .routes(routes!(my_bundle_case))
        .routes(routes!(withdraw))
        .routes(routes!(rate))
        .routes(routes!(supplement))
        .routes(routes!(receive))
        .routes(routes!(bundle_cases))
        .routes(routes!(bundle_case))
        .routes(routes!(stats))
}

/// Applies online for a bundle (一件事): the questionnaire's answers, the merged form, the one
/// set of materials. Every problem of every part comes back at once (422); otherwise one
/// application and a case per part that does not wait. Send an `Idempotency-Key` header: a
/// retry with the same key answers the application created the first time (200).
#[utoipa::path(post, path = "/api/v1/bundles/{code}/applications", tag = "bundle-cases", security(("person" = [])),
    params(("code" = String, Path, description = "The bundle's code"),
        ("Idempotency-Key" = Option<String>, Header, description = "1–100 letters, digits or - _ . :")),
    request_body = BundleApplication,
    responses((status = 201, body = BundleCaseView), (status = 200, body = BundleCaseView, description = "a retry: the application the key created"),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn apply(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<BundleApplication>,
) -> ApiResult<(StatusCode, Json<BundleCaseView>)> {
    body.bundle = code;
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_string());
    let (view, created) = state
        .cases
        .submit_bundle(&ctx, &body, key.as_deref())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}

/// My bundle applications (or the enterprise's I act for), newest first.
#[utoipa::path(get, path = "/api/v1/me/bundle-cases", tag = "bundle-cases", security(("person" = [])),
    params(PageQuery),
    responses((status = 200, body = Paged<BundleCaseSummary>), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn my_bundle_cases(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<BundleCaseSummary>>> {
    let page = Page::new(q.page, q.size)?;
    Ok(Json(state.cases.my_bundles(&ctx, page).await?))
}

/// The one progress of my bundle application: each department's part, the results once the
/// bundle concluded.
#[utoipa::path(get, path = "/api/v1/me/bundle-cases/{no}", tag = "bundle-cases", security(("person" = [])),
    params(("no" = String, Path, description = "The bundle application's number (一件事申办编号)")),
    responses((status = 200, body = BundleCaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn my_bundle_case(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<BundleCaseView>> {
    Ok(Json(state.cases.bundle_view(&ctx, &no).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BundleWithdrawal {
    /// The revision the caller last saw.
    pub revision: Option<i64>,
    pub reason: String,
}

/// Withdraws my whole bundle application: every part not yet concluded (if one can no longer
/// be withdrawn, nothing is).
#[utoipa::path(post, path = "/api/v1/bundle-cases/{no}/withdraw", tag = "bundle-cases", security(("person" = [])),
    params(("no" = String, Path)), request_body = BundleWithdrawal,
    responses((status = 200, body = BundleCaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<BundleWithdrawal>,
) -> ApiResult<Json<BundleCaseView>> {
    Ok(Json(
        state
            .cases
            .withdraw_bundle(&ctx, &no, b.revision, &b.reason)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BundleRatingInput {
    /// 1 (very dissatisfied) to 5 (very satisfied); 1 and 2 need a comment.
    pub score: i64,
    pub comment: String,
}

/// Rates the whole service once, after the bundle concluded (好差评); the rating reaches every
/// concluded part's department.
#[utoipa::path(post, path = "/api/v1/bundle-cases/{no}/rating", tag = "bundle-cases", security(("person" = [])),
    params(("no" = String, Path)), request_body = BundleRatingInput,
    responses((status = 200, body = BundleCaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn rate(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<BundleRatingInput>,
) -> ApiResult<Json<BundleCaseView>> {
    Ok(Json(
        state
            .cases
            .rate_bundle(&ctx, &no, b.score, &b.comment)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BundleSupplements {
    /// Bundle materials (uploads' tickets or licences), each once.
    pub materials: Vec<BundleMaterialRef>,
}

/// Hands in supplements once for the whole bundle (一次性告知): each material answers every
/// part whose notice asks for an entry it serves.
#[utoipa::path(post, path = "/api/v1/bundle-cases/{no}/supplements", tag = "bundle-cases", security(("person" = [])),
    params(("no" = String, Path)), request_body = BundleSupplements,
    responses((status = 200, body = BundleCaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn supplement(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<BundleSupplements>,
) -> ApiResult<Json<BundleCaseView>> {
    Ok(Json(
        state
            .cases
            .supplement_bundle(&ctx, &no, b.materials)
            .await?,
    ))
}

/// A bundle application received at a window (窗口收件) for the applicant served.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WindowBundleApplication {
    pub applicant: WindowApplicant,
    /// The bundle's code.
    pub bundle: String,
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// Materials uploaded at the window (`/api/v1/window/uploads`).
    pub materials: Vec<BundleMaterialRef>,
}

/// A window clerk receives a bundle application for the applicant served (窗口收件), for every
/// part's department within the clerk's reach.
#[utoipa::path(post, path = "/api/v1/window/bundle-cases", tag = "bundle-cases", security(("session" = ["case.receive"])),
    request_body = WindowBundleApplication,
    responses((status = 201, body = BundleCaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn receive(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<WindowBundleApplication>,
) -> ApiResult<(StatusCode, Json<BundleCaseView>)> {
    let app = BundleApplication {
        bundle: b.bundle,
        answers: b.answers,
        form: b.form,
        materials: b.materials,
        channel: "1".to_string(),
    };
    let v = state.cases.receive_bundle(&ctx, &b.applicant, &app).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BundleCaseQuery {
    /// `handling`, `concluded` or `withdrawn`.
    pub status: Option<String>,
    /// A bundle's code.
    pub bundle: Option<String>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// Bundle applications, newest first (window clerks).
#[utoipa::path(get, path = "/api/v1/bundle-cases", tag = "bundle-cases", security(("session" = ["case.receive"])),
    params(BundleCaseQuery),
    responses((status = 200, body = Paged<BundleCaseSummary>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn bundle_cases(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<BundleCaseQuery>,
) -> ApiResult<Json<Paged<BundleCaseSummary>>> {
    let page = Page::new(q.page, q.size)?;
    let f = BundleCaseFilter {
        status: q.status,
        bundle: q.bundle,
    };
    Ok(Json(state.cases.bundle_cases(&ctx, &f, page).await?))
}

/// A bundle application's one progress (window clerks; a department works on its part's case).
#[utoipa::path(get, path = "/api/v1/bundle-cases/{no}", tag = "bundle-cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)),
    responses((status = 200, body = BundleCaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn bundle_case(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<BundleCaseView>> {
    Ok(Json(state.cases.bundle_view(&ctx, &no).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day, `YYYY-MM-DD` (China).
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
}

fn date(field: &str, raw: Option<&str>) -> Result<Date, Error> {
    let s = raw.map(str::trim).unwrap_or("");
    if s.is_empty() {
        return Err(Error::field(FieldError::required(field)));
    }
    parse_date(s).ok_or_else(|| {
        Error::field(FieldError::new(
            field,
            "date.format",
            format!("日期“{s}”无效，应为 YYYY-MM-DD"),
            format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
        ))
    })
}

/// Per bundle, the applications submitted in a period: conclusions, time against the items'
/// promised times, visits, fields and materials saved (supervisors).
#[utoipa::path(get, path = "/api/v1/bundle-stats", tag = "bundle-cases", security(("session" = ["case.supervise"])),
    params(StatsQuery),
    responses((status = 200, body = Vec<BundleStats>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn stats(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<Vec<BundleStats>>> {
    let from = date("from", q.from.as_deref())?;
    let to = date("to", q.to.as_deref())?;
    Ok(Json(state.cases.bundle_stats(&ctx, from, to).await?))
}
