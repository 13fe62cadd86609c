//! A request id on every request: taken from a sane incoming `X-Request-Id` (a reverse proxy's,
//! 1–64 characters of `A-Z a-z 0-9 . _ -`), else a fresh random one (32 hex digits). Every log
//! line written while the request is handled carries it (a `request` span with `request_id`,
//! `method` and `path`), the response carries it back in `X-Request-Id`, and one line at debug
//! level (`yiwang_web::request_id=debug`) records each request's status and duration.
//!
//! Outermost layer of the router, so answers of every inner layer (refusals, panics) carry it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header, in and out.
pub const HEADER: &str = "x-request-id";

/// The id of the request being handled (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// Whether an incoming id may be used as it is (it ends up in logs and a response header).
pub fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn fresh() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The middleware (`axum::middleware::from_fn`).
pub async fn layer(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| sane(s))
        .map_or_else(fresh, str::to_string);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = std::time::Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::debug!(
            status = resp.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "request handled"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn sane_ids() {
        assert!(super::sane("a1B2-c3_d4.e5"));
        assert!(super::sane(&"x".repeat(64)));
        for bad in ["", "with space", "a/b", "ünï", "x\r\ny", &"x".repeat(65)] {
            assert!(!super::sane(bad), "{bad:?}");
        }
        let f = super::fresh();
        assert_eq!(f.len(), 32);
        assert!(super::sane(&f));
        assert_ne!(f, super::fresh());
    }
}
