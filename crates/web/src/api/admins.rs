//! Changes to administrator accounts waiting for a second administrator (三员分立, two-person
//! rule): list, confirm, reject. Declared `("session" = ["administrator"])`: the gate lets any
//! of the three administrators through; the domain decides who may confirm what.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_identity::AdminChange;

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiPath, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_changes))
        .routes(routes!(confirm_change))
        .routes(routes!(reject_change))
}

/// Pending changes to administrator accounts, then the recent decisions (any administrator,
/// within their reach).
#[utoipa::path(get, path = "/api/v1/admin-changes", tag = "auth", security(("session" = ["administrator"])),
    responses((status = 200, body = Vec<AdminChange>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list_changes(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<AdminChange>>> {
    Ok(Json(state.identity.admin_changes(&ctx).await?))
}

/// Confirms and applies a pending change: an administrator of another role than the
/// requester's, neither the requester nor the account concerned.
#[utoipa::path(post, path = "/api/v1/admin-changes/{id}/confirm", tag = "auth", security(("session" = ["administrator"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AdminChange), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn confirm_change(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AdminChange>> {
    Ok(Json(state.identity.confirm_change(&ctx, id).await?))
}

/// Rejects a pending change, or withdraws one's own; nothing is applied.
#[utoipa::path(post, path = "/api/v1/admin-changes/{id}/reject", tag = "auth", security(("session" = ["administrator"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AdminChange), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn reject_change(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AdminChange>> {
    Ok(Json(state.identity.reject_change(&ctx, id).await?))
}
