//! The stylesheet and the one small script every page shares, served from the binary. Their
//! addresses carry a digest of the content (`/static/style.css?v=…`), so a browser caches them
//! for a day and still gets a new version the moment the server changes.

use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

const STYLE: &str = include_str!("../../static/style.css");
/// Progressive enhancement only: every page works without it.
const SCRIPT: &str = include_str!("../../static/pages.js");

/// A short digest of both files, for the `?v=` of their addresses.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    STYLE.hash(&mut h);
    SCRIPT.hash(&mut h);
    format!("{:x}", h.finish() & 0xffff_ffff)
});

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let headers = r.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/style.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/pages.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
}
