//! Errors as HTTP responses: JSON `{"error": {...}}` for the API, an HTML page for browsers.

use std::any::Any;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use yiwang_kernel::{Error, ErrorCode};

/// The error of an API handler.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The documented shape of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable error code, e.g. `validation_failed`, `catalog.published_immutable`.
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Per-field errors (for `validation_failed` and similar).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorDoc>,
    /// Per-row errors of a rejected file import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowErrorDoc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorDoc {
    pub field: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDoc {
    pub sheet: String,
    pub line: usize,
    pub field: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

pub fn log(e: &Error) {
    match e.code {
        ErrorCode::Internal | ErrorCode::Unavailable => {
            tracing::error!(error = %e, "request failed")
        }
        _ => tracing::debug!(error = %e, "request refused"),
    }
}

pub fn json_response(e: &Error) -> Response {
    log(e);
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, Json(serde_json::json!({ "error": e.body() }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Cookie realm=\"yiwang\""),
        );
    }
    retry_after(&mut resp, e);
    resp
}

/// `Retry-After` on a throttled answer (API and pages alike).
pub fn retry_after(resp: &mut Response, e: &Error) {
    if let Some(secs) = e.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(&self.0)
    }
}

/// Rejections of axum's own extractors (a path parameter that is not a number, a body over the
/// limit, a malformed form) answer plain text; on the API they become the error format, as the
/// OpenAPI document promises for every error.
pub async fn json_rejections(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let r = next.run(req).await;
    let status = r.status();
    let plain = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return r;
    }
    let code = match status.as_u16() {
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMedia,
        422 => ErrorCode::Validation,
        _ => ErrorCode::BadRequest,
    };
    let text = match axum::body::to_bytes(r.into_body(), 4096).await {
        Ok(b) => String::from_utf8_lossy(&b)
            .chars()
            .take(300)
            .collect::<String>(),
        Err(_) => String::new(),
    };
    let e = Error::new(code);
    let detail_en = if text.is_empty() {
        code.en().to_string()
    } else {
        format!("{}: {text}", code.en())
    };
    json_response(&e.with_detail(code.zh(), detail_en))
}

/// Header set on the answer of the router's fallback, so tests can tell "no such route" from a
/// handler's "no such record".
pub const NO_ROUTE_HEADER: &str = "x-yiwang-no-route";

pub async fn no_route(uri: Uri) -> Response {
    let mut r = if uri.path().starts_with("/api/") {
        json_response(&Error::not_found())
    } else {
        crate::pages::not_found_page()
    };
    r.headers_mut()
        .insert(NO_ROUTE_HEADER, HeaderValue::from_static("1"));
    r
}

pub async fn method_not_allowed() -> Response {
    let mut r = json_response(&Error::new(ErrorCode::MethodNotAllowed));
    r.headers_mut()
        .insert(NO_ROUTE_HEADER, HeaderValue::from_static("1"));
    r
}

/// A panic in a handler becomes a 500 with the usual error body (and a log line), never a
/// dropped connection.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    json_response(&Error::internal(format!("panic: {what}")))
}

/// Answers that an extractor made in plain text (413 from a body limit, mostly) get the usual
/// error format: JSON under `/api/`, an error page elsewhere.
pub async fn plain_errors_in_our_format(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let lang = crate::extract::lang_of(&parts);
    let r = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let plain = r
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if r.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE || !plain {
        return r;
    }
    let e = Error::new(ErrorCode::PayloadTooLarge);
    if api {
        json_response(&e)
    } else {
        crate::pages::error_page_in(&e, lang)
    }
}
