//! The appeal settings (网格化管理员: categories 事项分类, the knowledge base 知识库, the
//! working-day limits per appeal type) and the Open311 api keys (安全管理员). Reading the
//! categories, the knowledge base and the limits is public (citizens choose a category and find
//! answers before filing). The appeals service authorises and audits every change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_appeals::TimeLimits;
use yiwang_appeals::views::{
    CategoryInput, CategoryView, KnowledgeInput, KnowledgeView, Open311KeyView,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories, save_category))
        .routes(routes!(knowledge, save_knowledge))
        .routes(routes!(time_limits, set_time_limits))
        .routes(routes!(keys, issue_key))
        .routes(routes!(revoke_key))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoriesQuery {
    /// Include inactive categories (default: active only).
    pub all: Option<bool>,
}

/// The categories (事项分类) with their owning departments.
#[utoipa::path(get, path = "/api/v1/appeal-categories", tag = "appeals", security(()),
    params(CategoriesQuery),
    responses((status = 200, body = Vec<CategoryView>), (status = 422, body = ErrorResponse)))]
pub async fn categories(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CategoriesQuery>,
) -> ApiResult<Json<Vec<CategoryView>>> {
    let active_only = !q.all.unwrap_or(false);
    Ok(Json(state.appeals.categories(active_only).await?))
}

/// Creates or changes a category (by its code).
#[utoipa::path(post, path = "/api/v1/appeal-categories", tag = "appeals", security(("session" = ["appeal.admin"])),
    request_body = CategoryInput,
    responses((status = 200, body = CategoryView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_category(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<CategoryInput>,
) -> ApiResult<Json<CategoryView>> {
    Ok(Json(state.appeals.save_category(&ctx, b).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KnowledgeQuery {
    /// Words of the question (empty: the most used answers).
    pub q: Option<String>,
    /// A category's code.
    pub category: Option<String>,
    /// At most this many (1–50, default 10).
    pub limit: Option<i64>,
}

/// Searches the knowledge base (知识库): question, keywords and answer.
#[utoipa::path(get, path = "/api/v1/appeal-knowledge", tag = "appeals", security(()),
    params(KnowledgeQuery),
    responses((status = 200, body = Vec<KnowledgeView>), (status = 422, body = ErrorResponse)))]
pub async fn knowledge(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<KnowledgeQuery>,
) -> ApiResult<Json<Vec<KnowledgeView>>> {
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let category = q.category.as_deref().filter(|c| !c.trim().is_empty());
    Ok(Json(
        state
            .appeals
            .knowledge(q.q.as_deref().unwrap_or(""), category, limit)
            .await?,
    ))
}

/// Creates (no `id`) or changes a knowledge-base answer.
#[utoipa::path(post, path = "/api/v1/appeal-knowledge", tag = "appeals", security(("session" = ["appeal.admin"])),
    request_body = KnowledgeInput,
    responses((status = 200, body = KnowledgeView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_knowledge(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<KnowledgeInput>,
) -> ApiResult<Json<KnowledgeView>> {
    Ok(Json(state.appeals.save_knowledge(&ctx, b).await?))
}

/// The working-day limit of each appeal type (Guangdong's by default: 咨询 2; 求助/建议 10;
/// 投诉/举报 15).
#[utoipa::path(get, path = "/api/v1/appeal-time-limits", tag = "appeals", security(()),
    responses((status = 200, body = TimeLimits)))]
pub async fn time_limits(State(state): State<AppState>) -> ApiResult<Json<TimeLimits>> {
    Ok(Json(state.appeals.time_limits().await?))
}

/// Sets the limits (1–60 working days each); orders already filed keep theirs.
#[utoipa::path(put, path = "/api/v1/appeal-time-limits", tag = "appeals", security(("session" = ["appeal.admin"])),
    request_body = TimeLimits,
    responses((status = 200, body = TimeLimits), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn set_time_limits(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<TimeLimits>,
) -> ApiResult<Json<TimeLimits>> {
    Ok(Json(state.appeals.set_time_limits(&ctx, b).await?))
}

/// The Open311 api keys issued to outside apps (never the keys themselves).
#[utoipa::path(get, path = "/api/v1/open311-keys", tag = "appeals", security(("session" = ["api_tokens.manage"])),
    responses((status = 200, body = Vec<Open311KeyView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn keys(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<Open311KeyView>>> {
    Ok(Json(state.appeals.keys(&ctx).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct KeyRequest {
    /// The outside app (e.g. 湛江市民App).
    pub name: String,
    /// Who answers for it (name and phone).
    #[serde(default)]
    pub contact: String,
}

/// An issued key: shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKey {
    pub info: Open311KeyView,
    /// The api key; only its digest is kept.
    pub key: String,
}

/// Issues an Open311 api key to an outside app (the key is in the answer, once).
#[utoipa::path(post, path = "/api/v1/open311-keys", tag = "appeals", security(("session" = ["api_tokens.manage"])),
    request_body = KeyRequest,
    responses((status = 201, body = IssuedKey), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn issue_key(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<KeyRequest>,
) -> ApiResult<(StatusCode, Json<IssuedKey>)> {
    let (info, key) = state.appeals.issue_key(&ctx, &b.name, &b.contact).await?;
    Ok((StatusCode::CREATED, Json(IssuedKey { info, key })))
}

/// Revokes a key at once: its next POST is a 403.
#[utoipa::path(post, path = "/api/v1/open311-keys/{id}/revoke", tag = "appeals", security(("session" = ["api_tokens.manage"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Open311KeyView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Open311KeyView>> {
    Ok(Json(state.appeals.revoke_key(&ctx, id).await?))
}
