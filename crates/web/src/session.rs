//! The session layer: resolves the session cookie once per request and enforces the
//! anti-forgery rules on every state-changing request.
//!
//! * A request carrying a valid session cookie and using POST/PUT/PATCH/DELETE must prove it
//!   came from our own pages: the session's CSRF token in the `X-CSRF-Token` header (API
//!   clients, scripts), in the `_csrf` field of a urlencoded form, or in the `_csrf` query
//!   parameter of a multipart form (file uploads).
//! * Any state-changing request whose `Origin` header names another site — another host, or
//!   another scheme than the public address's — is refused (this also covers sign-in forms,
//!   before a session exists).
//! * Session cookies are `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` behind TLS.
//! * The machine endpoints in [`SESSIONLESS_PATHS`] never see a session: the cookie is not
//!   resolved for them (their callers authenticate with their own credentials), so they are
//!   exempt from the anti-forgery rules without weakening any other route. The Open311 paths
//!   (`/open311/…`) are treated the same way (see [`sessionless`]).
//! * Elsewhere, a department system authenticates with `Authorization: Bearer yw_…` (an API token) and no
//!   cookie; such a request carries no ambient credential, so it needs no CSRF token. An
//!   unknown, expired or revoked token is refused outright (401), never treated as anonymous.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use yiwang_identity::Session;
use yiwang_kernel::auth::ApiClient;
use yiwang_kernel::{Error, ErrorCode};

use crate::AppState;

pub const SESSION_COOKIE: &str = "yiwang_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "_csrf";

/// Machine endpoints that authenticate their callers by their own credentials (a client secret,
/// a bearer token), never by the session cookie: the OpenID Connect token and userinfo
/// endpoints, called by department systems from their servers. Exact paths only.
pub const SESSIONLESS_PATHS: &[&str] = &["/oidc/token", "/oidc/userinfo"];

/// Whether `path` is a machine endpoint that never sees a session: one of
/// [`SESSIONLESS_PATHS`], or an Open311 GeoReport v2 path (`/open311/…`), whose reads are
/// public and whose only write carries its own credential (the `api_key` form field) and is
/// posted by outside apps that hold no cookie of ours.
pub fn sessionless(path: &str) -> bool {
    SESSIONLESS_PATHS.contains(&path) || path.starts_with(crate::open311::PREFIX)
}

/// The resolved session (if any) and its token, put in the request extensions by [`layer`].
#[derive(Clone, Default)]
pub struct CurrentSession(pub Option<Session>, pub Option<String>);

/// The department system behind a valid bearer token, put in the extensions by [`layer`].
#[derive(Clone)]
pub struct CurrentClient(pub ApiClient);

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Reads one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value for the session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn reject(path: &str, e: Error) -> Response {
    if path.starts_with("/api/") {
        crate::error::json_response(&e)
    } else {
        crate::pages::error_page(&e)
    }
}

/// Whether a state-changing request's `Origin` names another site: anything but exactly
/// `<scheme>://<Host>`, with the scheme of the platform's public address (so an `http://` page
/// of the same host cannot post to an `https://` platform).
fn foreign_origin(headers: &HeaderMap, scheme: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin != format!("{scheme}://{host}")
}

fn field_from_query(q: Option<&str>) -> Option<String> {
    form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned())
}

/// Constant-time comparison of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if sessionless(&path) {
        let mut req = req;
        req.extensions_mut().insert(CurrentSession::default());
        return next.run(req).await;
    }
    if let Some(t) = bearer(req.headers()) {
        let client = match state.identity.client(&t).await {
            Ok(Some(c)) => c,
            Ok(None) => return reject(&path, Error::new(ErrorCode::TokenRejected)),
            Err(e) => return reject(&path, e),
        };
        let mut req = req;
        req.extensions_mut().insert(CurrentClient(client));
        req.extensions_mut().insert(CurrentSession(None, None));
        return next.run(req).await;
    }
    let token = cookie(req.headers(), SESSION_COOKIE).filter(|t| !t.is_empty());
    let session = match &token {
        None => None,
        Some(t) => match state.identity.session(t).await {
            Ok(s) => s,
            Err(e) => return reject(&path, e),
        },
    };
    let mut req = req;
    if unsafe_method(req.method()) {
        let scheme = if state.config.public_url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        if foreign_origin(req.headers(), scheme) {
            return reject(&path, Error::new(ErrorCode::CsrfRejected));
        }
        if let Some(s) = &session {
            let header_token = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let content_type = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let presented = if header_token.is_some() {
                header_token
            } else if content_type.starts_with("application/x-www-form-urlencoded") {
                let (parts, body) = req.into_parts();
                let bytes = match axum::body::to_bytes(body, state.config.max_upload).await {
                    Ok(b) => b,
                    Err(_) => return reject(&path, Error::new(ErrorCode::PayloadTooLarge)),
                };
                let t = form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v.into_owned());
                req = Request::from_parts(parts, Body::from(bytes));
                t
            } else if content_type.starts_with("multipart/form-data") {
                // A page's file upload: the form's body is streamed to the handler, so its
                // token travels in the action's query string. Nowhere else.
                field_from_query(req.uri().query())
            } else {
                None
            };
            if !presented.map(|p| same(&p, &s.csrf)).unwrap_or(false) {
                return reject(&path, Error::new(ErrorCode::CsrfRejected));
            }
        }
    }
    req.extensions_mut().insert(CurrentSession(session, token));
    next.run(req).await
}

/// Signing in (or registering) ends the session the browser held before, whoever it was: a
/// second person at the same browser must not inherit the first one's session.
pub async fn end_previous(state: &AppState, previous: Option<&str>, source: &str) {
    if let Some(token) = previous
        && let Err(e) = state.identity.sign_out(token, source).await
    {
        tracing::warn!(error = %e, "could not end the previous session");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_are_found_among_several() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; yiwang_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn origin_must_be_ours() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!foreign_origin(&h, "http"));
        for (origin, scheme, foreign) in [
            ("http://127.0.0.1:8080", "http", false),
            ("https://127.0.0.1:8080", "https", false),
            // The same host under another scheme is another site.
            ("http://127.0.0.1:8080", "https", true),
            ("https://127.0.0.1:8080", "http", true),
            ("https://evil.example", "http", true),
            ("http://127.0.0.1:8080.evil.example", "http", true),
            ("null", "http", true),
        ] {
            h.insert(header::ORIGIN, HeaderValue::from_static(origin));
            assert_eq!(foreign_origin(&h, scheme), foreign, "{origin} {scheme}");
        }
    }

    #[test]
    fn only_the_machine_endpoints_are_sessionless() {
        assert_eq!(SESSIONLESS_PATHS, &["/oidc/token", "/oidc/userinfo"]);
        for p in SESSIONLESS_PATHS {
            assert!(!p.starts_with("/api/") && !p.starts_with("/admin") && !p.ends_with('/'));
        }
    }

    #[test]
    fn token_comparison() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
