//! The JSON API under `/api/v1`, its OpenAPI document, and the system endpoints
//! (`/healthz`, `/readyz`, `/openapi.json`).
//!
//! Access rules are declared on each operation as its OpenAPI `security` requirement:
//! `security(())` for public operations, `security(("session" = ["<permission>"]))` for those
//! needing a signed-in member of staff holding a permission (the domain also checks the scope).

pub mod auth;
pub mod catalog;
pub mod oidc;
pub mod org;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, Tag};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every API route, each registered with its OpenAPI operation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(org::router())
        .merge(catalog::router())
        .merge(oidc::router())
}

/// Completes the generated document: info, tags and the session security scheme.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title("Yiwang 一网通办 API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Integrated government-service platform. Errors answer `{\"error\": {\"code\", \"zh\", \"en\", \"fields\", \"rows\"}}` \
             with a stable code. State-changing calls made with the session cookie must send the session's CSRF token in \
             the `X-CSRF-Token` header (returned by sign-in and by `GET /api/v1/auth/me`).",
        ))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::session::SESSION_COOKIE,
            "Session cookie set by POST /api/v1/auth/sign-in. The scopes listed on an operation are the permissions it needs.",
        ))),
    );
    doc.tags = Some(vec![
        tag("auth", "Sign-in and sessions (统一身份认证)"),
        tag("org", "Divisions, departments, service halls (机构)"),
        tag("catalog", "Service-item catalog (事项管理)"),
        tag(
            "oidc",
            "Department systems signing staff in through Yiwang (单点登录接入系统)",
        ),
    ]);
    doc
}

fn tag(name: &str, description: &str) -> Tag {
    let mut t = Tag::new(name);
    t.description = Some(description.to_string());
    t
}

/// `/healthz`, `/readyz` and `/openapi.json`.
pub fn system_router(doc: Arc<OpenApi>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { (StatusCode::OK, "ok") }))
        .route("/readyz", get(readyz))
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
}

async fn readyz(State(state): State<AppState>) -> Response {
    match yiwang_store::ready(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => crate::error::json_response(&e),
    }
}
