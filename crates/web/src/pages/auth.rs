//! Sign-in and sign-out pages.

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Serialize;

use super::PageCx;
use crate::AppState;
use crate::session::{CurrentSession, clear_cookie, session_cookie};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
}

/// Demo accounts shown on the sign-in page when the demo city is loaded (set by the binary).
#[derive(Debug, Clone, Serialize)]
pub struct DemoHint {
    pub username: String,
    pub role: String,
    pub department: String,
}

/// The fields of a urlencoded form, in order.
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), "1" | "on" | "true")
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                super::error_page(&yiwang_kernel::Error::new(
                    yiwang_kernel::ErrorCode::BadRequest,
                ))
            })?;
        Ok(FormData(
            form_urlencoded::parse(&bytes).into_owned().collect(),
        ))
    }
}

/// Where to go after signing in: a local path only. Anything that a browser could read as
/// another site (`//host`, `/\host`, or those hidden behind white space or control characters,
/// which browsers strip) falls back to `/admin`.
fn safe_next(n: &str) -> String {
    if n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control() || c.is_whitespace())
        && !n.starts_with("/signin")
    {
        n.to_string()
    } else {
        "/admin".to_string()
    }
}

/// Single sign-on continues at the authorization endpoint, which sends the browser on to the
/// department system. Browsers check every redirect of a form submission against the sign-in
/// page's CSP `form-action 'self'`, which the department system is not; so the browser goes on
/// from a page instead (meta refresh, and a link), which no `form-action` governs.
fn continues_single_sign_on(next: &str) -> bool {
    next.starts_with("/oidc/authorize?")
}

async fn signin_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let q = cx
        .path
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default();
    let next = form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    render(&state, &cx, &next, "", None)
}

fn render(
    state: &AppState,
    cx: &PageCx,
    next: &str,
    username: &str,
    err: Option<&yiwang_kernel::Error>,
) -> Response {
    let demo = state.demo_hint.clone();
    let extra = context! {
        next => safe_next(next),
        username => username,
        demo_accounts => demo.as_ref().map(|d| super::ser(&d.0)),
        demo_password => demo.as_ref().map(|d| d.1.clone()),
    };
    match err {
        Some(e) => cx.render_error("signin.html", "", e, extra),
        None => cx.render("signin.html", "", extra),
    }
}

async fn signin(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let username = form.get("username").to_string();
    let next = form.get("next").to_string();
    match state
        .identity
        .sign_in(&username, form.get("password"), &cx.ctx.source)
        .await
    {
        Ok((token, session)) => {
            let target = safe_next(&next);
            let mut r = if continues_single_sign_on(&target) {
                cx.render("continue.html", "", context! { next => target })
            } else {
                Redirect::to(&target).into_response()
            };
            let max_age = (session.expires_at - state.clock.now()).whole_seconds();
            if let Ok(v) = HeaderValue::from_str(&session_cookie(
                &token,
                max_age,
                state.config.secure_cookies,
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => render(&state, &cx, &next, &username, Some(&e)),
    }
}

async fn signout(
    State(state): State<AppState>,
    cx: PageCx,
    Extension(cur): Extension<CurrentSession>,
) -> Response {
    if let Some(token) = &cur.1
        && let Err(e) = state.identity.sign_out(token, &cx.ctx.source).await
    {
        return cx.fail(&e);
    }
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(state.config.secure_cookies)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_only() {
        for ok in [
            "/admin/items",
            "/oidc/authorize?client_id=a&state=b%20c",
            "/",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            " //evil.example",
            "/signin?next=/admin",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(bad), "/admin", "{bad:?}");
        }
    }
}
