//! The OpenID Connect provider endpoints (single sign-on for department systems).
//!
//! * `GET /.well-known/openid-configuration` — discovery;
//! * `GET /oidc/jwks` — the token signing keys;
//! * `GET /oidc/authorize` — a page endpoint: with a staff session it answers the department
//!   system with a code, without one it sends the person to `/signin?next=…` and back;
//!   an unknown client or unregistered `redirect_uri` is a 400 page, never a redirect;
//! * `POST /oidc/token` — a machine endpoint (form-encoded, client secret or PKCE; RFC 6749
//!   error answers `{"error", "error_description"}`);
//! * `GET|POST /oidc/userinfo` — a machine endpoint (bearer access token).
//!
//! The two machine endpoints are *sessionless* ([`crate::session::SESSIONLESS_PATHS`]): the
//! session layer resolves no cookie for them, so they need no anti-forgery token and can never
//! act with a browser's authority. These protocol endpoints are specified by OpenID Connect
//! discovery, not by the OpenAPI document (which covers `/api/v1`). The domain is
//! [`yiwang_identity::oidc`].

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use yiwang_identity::oidc::{AuthorizeOutcome, AuthorizeRequest, TokenRequest};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode};

use crate::AppState;
use crate::extract::Caller;
use crate::pages::{PageCx, error_page_in, urlencode};
use crate::session::CurrentSession;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize))
        .route("/oidc/token", post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
}

fn no_store(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// An error as the protocol answers it: `{"error", "error_description"}` (RFC 6749 §5.2),
/// with the Chinese text and Yiwang's stable code alongside. `challenge` is the
/// `WWW-Authenticate` value of a 401.
pub fn protocol_error(e: &Error, challenge: &str) -> Response {
    crate::error::log(e);
    let (status, error) = match e.code.as_str().strip_prefix("oidc.") {
        Some(code) => (e.status(), code),
        None => match e.code {
            ErrorCode::Internal => (500, "server_error"),
            ErrorCode::Unavailable => (503, "temporarily_unavailable"),
            _ => (400, "invalid_request"),
        },
    };
    let body = serde_json::json!({
        "error": error,
        "error_description": e.message(Lang::En),
        "error_description_zh": e.message(Lang::Zh),
        "code": e.code.as_str(),
    });
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = no_store((status, Json(body)).into_response());
    if status == StatusCode::UNAUTHORIZED
        && let Ok(v) = HeaderValue::from_str(challenge)
    {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

async fn discovery(State(state): State<AppState>) -> Response {
    let mut r = Json(state.oidc.discovery()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

async fn jwks(State(state): State<AppState>) -> Response {
    match state.oidc.jwks().await {
        Ok(keys) => {
            let mut r = Json(keys).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            r
        }
        Err(e) => crate::error::json_response(&e),
    }
}

async fn authorize(
    State(state): State<AppState>,
    cx: PageCx,
    Extension(cur): Extension<CurrentSession>,
    uri: Uri,
) -> Response {
    let req = AuthorizeRequest::from_pairs(
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned(),
    );
    match state.oidc.authorize(&cx.ctx, cur.1.as_deref(), &req).await {
        Ok(AuthorizeOutcome::Redirect(to)) => match HeaderValue::from_str(&to) {
            Ok(v) => no_store((StatusCode::FOUND, [(header::LOCATION, v)]).into_response()),
            Err(e) => error_page_in(&Error::internal(e), cx.lang),
        },
        Ok(AuthorizeOutcome::SignInRequired { fresh: false }) => {
            Redirect::to(&format!("/signin?next={}", urlencode(&cx.path))).into_response()
        }
        Ok(AuthorizeOutcome::SignInRequired { fresh: true }) => {
            // prompt=login or max_age: the current session ends (with its SSO tokens), and the
            // request is repeated without those parameters after the new sign-in.
            if let Some(token) = cur.1.as_deref()
                && let Err(e) = state.identity.sign_out(token, &cx.ctx.source).await
            {
                return error_page_in(&e, cx.lang);
            }
            let next = format!(
                "/oidc/authorize?{}",
                AuthorizeRequest::after_sign_in(uri.query().unwrap_or(""))
            );
            let mut r = Redirect::to(&format!("/signin?next={}", urlencode(&next))).into_response();
            if cur.1.is_some()
                && let Ok(v) = HeaderValue::from_str(&crate::session::clear_cookie(
                    state.config.secure_cookies,
                ))
            {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => error_page_in(&e, cx.lang),
    }
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, Error> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        Error::new(ErrorCode::OidcInvalidClient).with_detail(
            "Authorization 头格式不正确",
            "Malformed Authorization header",
        )
    };
    let v = v.to_str().map_err(|_| bad())?;
    let (scheme, rest) = v.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let decode = |s: &str| {
        form_urlencoded::parse(s.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((decode(id), decode(secret))))
}

const BASIC_CHALLENGE: &str = "Basic realm=\"yiwang\"";

async fn token(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return protocol_error(
            &Error::new(ErrorCode::OidcInvalidRequest).with_detail(
                "请求体须为 application/x-www-form-urlencoded 表单",
                "The body must be application/x-www-form-urlencoded",
            ),
            BASIC_CHALLENGE,
        );
    }
    let mut req = TokenRequest::from_pairs(form_urlencoded::parse(&body).into_owned());
    req.basic = match basic_credentials(&headers) {
        Ok(b) => b,
        Err(e) => return protocol_error(&e, BASIC_CHALLENGE),
    };
    match state.oidc.token(&ctx.source, &req).await {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(e) => protocol_error(&e, BASIC_CHALLENGE),
    }
}

async fn userinfo(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = bearer else {
        // RFC 6750 §3.1: no credentials, no error code.
        return protocol_error(
            &Error::new(ErrorCode::OidcInvalidToken).with_detail(
                "缺少访问令牌（Authorization: Bearer）",
                "The access token is missing (Authorization: Bearer)",
            ),
            "Bearer realm=\"yiwang\"",
        );
    };
    match state.oidc.userinfo(&ctx.source, &token).await {
        Ok(claims) => no_store(Json(claims).into_response()),
        Err(e) => protocol_error(
            &e,
            "Bearer realm=\"yiwang\", error=\"invalid_token\", error_description=\"The access token is invalid or expired\"",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_url_decoded() {
        let mut h = HeaderMap::new();
        assert_eq!(basic_credentials(&h).unwrap(), None);
        let v = base64::engine::general_purpose::STANDARD.encode("ywc-1%3A2:s+e%2Fcret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {v}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&h).unwrap(),
            Some(("ywc-1:2".to_string(), "s e/cret".to_string()))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert!(basic_credentials(&h).is_err());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!"));
        assert!(basic_credentials(&h).is_err());
    }
}
