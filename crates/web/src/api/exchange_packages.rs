//! The return flow (回流): a lower-level node's data administrator uploads a package exported
//! upstream (`yiwang exchange export-package`); it is verified part by part and imported.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_exchange::package::PackageImportReport;
use yiwang_exchange::package::container::MAX_PACKAGE;

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::Caller;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_package))
        .layer(DefaultBodyLimit::max(
            usize::try_from(MAX_PACKAGE).unwrap_or(usize::MAX),
        ))
}

/// Imports a return-flow package (回流数据包): the body is the zip file. Every part's SM3
/// digest and the manifest's are verified first — a package with one byte changed is refused
/// (422, the field `package.<part>` names the altered part). Then the resource is registered
/// and published on this node if absent (its provider department found by USCC; the caller
/// must be the data administrator over it) and every row version is written exactly as
/// exported; versions already here unchanged are counted, one with other data refuses the
/// package (409).
#[utoipa::path(post, path = "/api/v1/exchange/packages", tag = "exchange", security(("session" = ["exchange.admin"])),
    request_body(content = Vec<u8>, description = "the package (zip)", content_type = "application/zip"),
    responses((status = 200, body = PackageImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn import_package(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    body: Bytes,
) -> ApiResult<Json<PackageImportReport>> {
    Ok(Json(state.exchange.import_package(&ctx, &body).await?))
}
