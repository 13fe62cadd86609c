//! Department systems registered for single sign-on (OpenID Connect clients): system
//! administrators register, list and deactivate them. The protocol endpoints themselves are in
//! [`crate::oidc`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_identity::oidc::{ClientInput, OidcClient, RegisteredClient};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, register_client))
        .routes(routes!(deactivate_client))
}

/// Department systems registered for single sign-on, in the caller's division.
#[utoipa::path(get, path = "/api/v1/oidc/clients", tag = "oidc", security(("session" = ["oidc.clients"])),
    responses((status = 200, body = Vec<OidcClient>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list_clients(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<OidcClient>>> {
    Ok(Json(state.oidc.list_clients(&ctx).await?))
}

/// Registers a department system. A confidential client's `client_secret` is in this answer
/// only; Yiwang keeps its hash.
#[utoipa::path(post, path = "/api/v1/oidc/clients", tag = "oidc", security(("session" = ["oidc.clients"])),
    request_body = ClientInput,
    responses((status = 201, body = RegisteredClient), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn register_client(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<ClientInput>,
) -> ApiResult<(StatusCode, Json<RegisteredClient>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.oidc.register_client(&ctx, &body).await?),
    ))
}

/// Deactivates a department system: nobody can sign in to it through Yiwang any more and its
/// outstanding codes and access tokens stop working. The record stays for the audit trail.
#[utoipa::path(delete, path = "/api/v1/oidc/clients/{id}", tag = "oidc", security(("session" = ["oidc.clients"])),
    params(("id" = String, Path, description = "The client_id")),
    responses((status = 200, body = OidcClient), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn deactivate_client(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<OidcClient>> {
    Ok(Json(state.oidc.deactivate_client(&ctx, &id).await?))
}
