//! Sign-in and sign-out pages: natural and legal persons (个人/法人, by ID number or mobile
//! number) and staff (工作人员, by account name) sign in on one page; one sign-out for both.

use crate::extract::SMALL_JSON;
use axum::Router;
use axum::extract::DefaultBodyLimit;
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
        .route(
            "/signin",
            get(signin_page)
                .post(signin)
                .layer(DefaultBodyLimit::max(SMALL_JSON)),
        )
        .route(
            "/signin/person",
            post(person_signin).layer(DefaultBodyLimit::max(SMALL_JSON)),
        )
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

/// Where to go after signing in: a path on this site ([`super::safe_next`]), never back to
/// the sign-in or sign-up page, else `default`.
pub(super) fn safe_next(n: &str, default: &str) -> String {
    let next = super::safe_next(n, default);
    if next.starts_with("/signin") || next.starts_with("/signup") {
        default.to_string()
    } else {
        next
    }
}

/// Single sign-on continues at the authorization endpoint, which sends the browser on to the
/// department system. Browsers check every redirect of a form submission against the sign-in
/// page's CSP `form-action 'self'`, which the department system is not; so the browser goes on
/// from a page instead (meta refresh, and a link), which no `form-action` governs.
fn continues_single_sign_on(next: &str) -> bool {
    next.starts_with("/oidc/authorize?")
}

/// Sets the session cookie of a new session on a response.
pub(super) fn with_session_cookie(
    state: &AppState,
    mut r: Response,
    token: &str,
    session: &yiwang_identity::Session,
) -> Response {
    let max_age = (session.expires_at - state.clock.now()).whole_seconds();
    if let Ok(v) =
        HeaderValue::from_str(&session_cookie(token, max_age, state.config.secure_cookies))
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// A redirect that also sets the session cookie of a new session.
pub(super) fn redirect_signed_in(
    state: &AppState,
    to: &str,
    token: &str,
    session: &yiwang_identity::Session,
) -> Response {
    with_session_cookie(state, Redirect::to(to).into_response(), token, session)
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
    render(&state, &cx, &next, &Shown::default(), None)
}

/// What the sign-in page shows again after a failure (never the password).
#[derive(Default)]
struct Shown {
    /// `staff` or `person`: the form that failed.
    which: &'static str,
    username: String,
    login: String,
    /// `person` or `org` (个人 or 法人).
    kind: String,
}

fn render(
    state: &AppState,
    cx: &PageCx,
    next: &str,
    shown: &Shown,
    err: Option<&yiwang_kernel::Error>,
) -> Response {
    let demo = state.demo_hint.clone();
    let extra = context! {
        next => safe_next(next, "/admin"),
        // The staff area is no place to send a citizen.
        person_next => if next.starts_with("/admin") { "/account".to_string() } else { safe_next(next, "/account") },
        which => shown.which,
        username => shown.username.clone(),
        login => shown.login.clone(),
        kind => if shown.kind == "org" { "org" } else { "person" },
        demo_accounts => demo.as_ref().map(|d| super::ser(&d.0)),
        demo_password => demo.as_ref().map(|d| d.1.clone()),
        flash => super::flash(cx),
    };
    match err {
        Some(e) => cx.render_error("signin.html", "", e, extra),
        None => cx.render("signin.html", "", extra),
    }
}

fn required(form: &FormData, fields: &[&str]) -> Result<(), yiwang_kernel::Error> {
    let missing: Vec<_> = fields
        .iter()
        .filter(|f| form.get(f).trim().is_empty())
        .map(|f| yiwang_kernel::FieldError::required(*f))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(yiwang_kernel::Error::validation(missing))
    }
}

async fn signin(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let username = form.get("username").to_string();
    let next = form.get("next").to_string();
    let result = match required(&form, &["username", "password"]) {
        Ok(()) => {
            state
                .identity
                .sign_in(&username, form.get("password"), &cx.ctx.source)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((token, session)) => {
            crate::session::end_previous(&state, cx.token.as_deref(), &cx.ctx.source).await;
            let target = safe_next(&next, "/admin");
            if continues_single_sign_on(&target) {
                let page = cx.render("continue.html", "", context! { next => target });
                with_session_cookie(&state, page, &token, &session)
            } else {
                redirect_signed_in(&state, &target, &token, &session)
            }
        }
        Err(e) => {
            let shown = Shown {
                which: "staff",
                username,
                ..Default::default()
            };
            render(&state, &cx, &next, &shown, Some(&e))
        }
    }
}

/// A natural person signs in by ID number or mobile number. Choosing 法人 (to act for an
/// enterprise) leads to the account page, acting for the enterprise at once when the person
/// has exactly one.
async fn person_signin(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let login = form.get("login").trim().to_string();
    let next = form.get("next").to_string();
    let kind = form.get("kind").to_string();
    let result = match required(&form, &["login", "password"]) {
        Ok(()) => {
            state
                .identity
                .sign_in_person(&login, form.get("password"), &cx.ctx.source)
                .await
        }
        Err(e) => Err(e),
    };
    let (token, session) = match result {
        Ok(s) => {
            crate::session::end_previous(&state, cx.token.as_deref(), &cx.ctx.source).await;
            s
        }
        Err(e) => {
            let shown = Shown {
                which: "person",
                login,
                kind,
                ..Default::default()
            };
            return render(&state, &cx, &next, &shown, Some(&e));
        }
    };
    let mut to = safe_next(&next, "/account");
    if kind == "org" {
        let ctx = yiwang_kernel::auth::Ctx::new(session.actor.clone(), cx.ctx.source.clone());
        // Signed in already: a failure to read the enterprises is the error page, with the
        // session kept.
        let orgs = match state.identity.me(&ctx).await {
            Ok(p) => p.organisations,
            Err(e) => return with_session_cookie(&state, cx.fail(&e), &token, &session),
        };
        to = match orgs.as_slice() {
            [only] => match state.identity.act_as(&ctx, &token, Some(only.org_id)).await {
                Ok(()) => "/account?done=acting".to_string(),
                Err(_) => "/account?done=choose_org".to_string(),
            },
            [] => "/account?done=no_org#register-org".to_string(),
            _ => "/account?done=choose_org#orgs".to_string(),
        };
    }
    redirect_signed_in(&state, &to, &token, &session)
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
            assert_eq!(safe_next(ok, "/admin"), ok);
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
            assert_eq!(safe_next(bad, "/admin"), "/admin", "{bad:?}");
        }
    }
}
