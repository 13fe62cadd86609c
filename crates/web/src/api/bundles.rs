//! "One thing" bundles (一件事一次办): the public list (主题服务) with search, a bundle's
//! guide and the plan of an application under a set of answers; the staff's definitions —
//! list, create (the body is the definition as JSON), a bundle's versions, edit a draft,
//! submit, review (publish or reject), new version, retire, export a version. Definitions
//! belong to no department: every holder of the permission may act, the domain decides the
//! rest (a reviewer never approves their own submission).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_bundles::Bundle;
use yiwang_bundles::service::{
    BundleEntry, BundleGuide, BundleHistory, BundleSummary, PlanView, RetireInput, ReviewInput,
    SubmitInput, VersionView,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(published_bundles))
        .routes(routes!(guide))
        .routes(routes!(plan))
        .routes(routes!(definitions, create))
        .routes(routes!(history))
        .routes(routes!(version, update))
        .routes(routes!(export))
        .routes(routes!(submit))
        .routes(routes!(review))
        .routes(routes!(new_version))
        .routes(routes!(retire))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (two-character Chinese words match); absent: every published bundle.
    pub q: Option<String>,
}

/// The published bundles (主题服务), by theme, with their parts' items and departments; with
/// `q`, those matching every word in the name, theme, keywords, summary or a part's name.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "bundles", security(()),
    params(SearchQuery),
    responses((status = 200, body = Vec<BundleSummary>), (status = 422, body = ErrorResponse)))]
pub async fn published_bundles(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<BundleSummary>>> {
    let q = q.q.unwrap_or_default();
    Ok(Json(if q.trim().is_empty() {
        state.bundles.published_list().await?
    } else {
        state.bundles.search(&q).await?
    }))
}

/// A published bundle's guide: its summary and whole definition (questions, merged form,
/// materials, parts).
#[utoipa::path(get, path = "/api/v1/bundles/{code}", tag = "bundles", security(()),
    params(("code" = String, Path)),
    responses((status = 200, body = BundleGuide), (status = 404, body = ErrorResponse)))]
pub async fn guide(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<BundleGuide>> {
    Ok(Json(state.bundles.guide(&code).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PlanBody {
    /// The questionnaire's answers: question key → choice value.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
}

/// What an application under these answers asks and does: the parts that apply and those
/// left out, the merged fields, the materials once, what each part waits for, the savings.
#[utoipa::path(post, path = "/api/v1/bundles/{code}/plan", tag = "bundles", security(()),
    params(("code" = String, Path)),
    request_body = PlanBody,
    responses((status = 200, body = PlanView), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn plan(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<PlanBody>,
) -> ApiResult<Json<PlanView>> {
    Ok(Json(state.bundles.plan(&code, &b.answers).await?))
}

/// Every bundle definition with its versions' statuses (staff who read drafts).
#[utoipa::path(get, path = "/api/v1/bundle-defs", tag = "bundles", security(("session" = ["catalog.read_drafts"])),
    responses((status = 200, body = Vec<BundleEntry>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn definitions(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<BundleEntry>>> {
    Ok(Json(state.bundles.list(&ctx).await?))
}

/// Creates a bundle: the body is the definition (its version 1, a draft). Its own rules are
/// checked on every save (422 naming each path); its fit to the items on submission.
#[utoipa::path(post, path = "/api/v1/bundle-defs", tag = "bundles", security(("session" = ["catalog.edit"])),
    request_body = Bundle,
    responses((status = 201, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<Bundle>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.bundles.create(&ctx, &b).await?),
    ))
}

/// A bundle with every version and its review trail, newest first.
#[utoipa::path(get, path = "/api/v1/bundle-defs/{code}", tag = "bundles", security(("session" = ["catalog.read_drafts"])),
    params(("code" = String, Path)),
    responses((status = 200, body = BundleHistory), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn history(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<BundleHistory>> {
    Ok(Json(state.bundles.history(&ctx, &code).await?))
}

/// One version with its definition and review trail.
#[utoipa::path(get, path = "/api/v1/bundle-defs/{code}/versions/{version}", tag = "bundles", security(("session" = ["catalog.read_drafts"])),
    params(("code" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(state.bundles.version(&ctx, &code, no).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionQuery {
    /// The revision read (stale → 409).
    pub revision: i64,
}

/// Replaces a draft's (or a returned version's) definition; the body is the definition.
#[utoipa::path(put, path = "/api/v1/bundle-defs/{code}/versions/{version}", tag = "bundles", security(("session" = ["catalog.edit"])),
    params(("code" = String, Path), ("version" = i64, Path), RevisionQuery),
    request_body = Bundle,
    responses((status = 200, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn update(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
    ApiQuery(q): ApiQuery<RevisionQuery>,
    ApiJson(b): ApiJson<Bundle>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(
        state
            .bundles
            .update(&ctx, &code, no, q.revision, &b)
            .await?,
    ))
}

/// A version's definition as a JSON file (the format create and edit take).
#[utoipa::path(get, path = "/api/v1/bundle-defs/{code}/versions/{version}/definition", tag = "bundles", security(("session" = ["catalog.read_drafts"])),
    params(("code" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = Bundle), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn export(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
) -> ApiResult<Response> {
    let v = state.bundles.version(&ctx, &code, no).await?;
    Ok(definition_download(&v))
}

/// A definition as a download named `<code>-v<version>.json`.
pub fn definition_download(v: &VersionView) -> Response {
    let mut r = yiwang_bundles::model::to_text(&v.def).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let name: String = v
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if let Ok(d) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}-v{}.json\"",
        v.version
    )) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    r
}

/// Submits a draft for review: the definition's own rules and its fit to the items' current
/// published versions; every problem in one 422.
#[utoipa::path(post, path = "/api/v1/bundle-defs/{code}/versions/{version}/submit", tag = "bundles", security(("session" = ["catalog.edit"])),
    params(("code" = String, Path), ("version" = i64, Path)),
    request_body = SubmitInput,
    responses((status = 200, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn submit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
    ApiJson(b): ApiJson<SubmitInput>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(
        state.bundles.submit(&ctx, &code, no, b.revision).await?,
    ))
}

/// Approves (publishes: the previous published version is superseded) or rejects a
/// submitted version with an opinion. A reviewer never approves their own submission.
#[utoipa::path(post, path = "/api/v1/bundle-defs/{code}/versions/{version}/review", tag = "bundles", security(("session" = ["catalog.review"])),
    params(("code" = String, Path), ("version" = i64, Path)),
    request_body = ReviewInput,
    responses((status = 200, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn review(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((code, no)): ApiPath<(String, i64)>,
    ApiJson(b): ApiJson<ReviewInput>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(
        state
            .bundles
            .review(&ctx, &code, no, b.approve, &b.opinion)
            .await?,
    ))
}

/// Starts the next version as a draft copy of the published one.
#[utoipa::path(post, path = "/api/v1/bundle-defs/{code}/new-version", tag = "bundles", security(("session" = ["catalog.edit"])),
    params(("code" = String, Path)),
    responses((status = 201, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn new_version(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.bundles.new_version(&ctx, &code).await?),
    ))
}

/// Retires the published bundle with a reason (applications already running continue).
#[utoipa::path(post, path = "/api/v1/bundle-defs/{code}/retire", tag = "bundles", security(("session" = ["catalog.review"])),
    params(("code" = String, Path)),
    request_body = RetireInput,
    responses((status = 200, body = VersionView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn retire(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<RetireInput>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(state.bundles.retire(&ctx, &code, &b.reason).await?))
}
