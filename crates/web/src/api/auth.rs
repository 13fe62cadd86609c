//! Sign-in, sign-out, the current session; staff accounts.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_identity::{StaffAccount, StaffInput};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiQuery, Caller, SMALL_JSON};
use crate::session::{CurrentSession, clear_cookie, end_previous, session_cookie};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me))
        .routes(routes!(list_staff, create_staff))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

/// Who the session belongs to, and the token to send as `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub signed_in: bool,
    /// `staff`, `person` or `anonymous`.
    pub kind: String,
    /// For a person acting for an enterprise: its USCC and name.
    pub acting_for: Option<ActingForInfo>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub division_code: Option<String>,
    pub roles: Vec<String>,
    pub csrf_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActingForInfo {
    pub org_id: i64,
    pub uscc: String,
    pub name: String,
    pub administrator: bool,
    pub scopes: Vec<String>,
}

pub fn info(actor: &Actor, csrf: Option<String>) -> SessionInfo {
    if let Some(p) = actor.person() {
        return SessionInfo {
            signed_in: true,
            kind: "person".into(),
            acting_for: p.acting_for.as_ref().map(|a| ActingForInfo {
                org_id: a.org_id,
                uscc: a.uscc.clone(),
                name: a.name.clone(),
                administrator: a.administrator,
                scopes: a.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            }),
            username: None,
            name: Some(p.name.clone()),
            department_id: None,
            division_code: None,
            roles: Vec::new(),
            csrf_token: csrf,
        };
    }
    match actor.staff() {
        Some(s) => SessionInfo {
            signed_in: true,
            kind: "staff".into(),
            acting_for: None,
            username: Some(s.username.clone()),
            name: Some(s.name.clone()),
            department_id: Some(s.department_id),
            division_code: Some(s.division.to_string()),
            roles: s.roles.iter().map(|r| r.as_str().to_string()).collect(),
            csrf_token: csrf,
        },
        None => SessionInfo {
            signed_in: false,
            kind: "anonymous".into(),
            acting_for: None,
            username: None,
            name: None,
            department_id: None,
            division_code: None,
            roles: Vec::new(),
            csrf_token: None,
        },
    }
}

/// Signs a member of staff in and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", security(()),
    request_body = SignInRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn sign_in(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Extension(cur): Extension<CurrentSession>,
    ApiJson(body): ApiJson<SignInRequest, SMALL_JSON>,
) -> ApiResult<Response> {
    required(&[("username", &body.username), ("password", &body.password)])?;
    let (token, session) = state
        .identity
        .sign_in(&body.username, &body.password, &ctx.source)
        .await?;
    end_previous(&state, cur.1.as_deref(), &ctx.source).await;
    Ok(with_session(&state, &token, &session))
}

/// Refuses empty credentials by field before anything is looked up.
pub fn required(fields: &[(&str, &str)]) -> Result<(), Error> {
    let errs: Vec<FieldError> = fields
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(f, _)| FieldError::required(*f))
        .collect();
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(errs))
    }
}

/// The session info of a new session, with its cookie set.
pub fn with_session(state: &AppState, token: &str, session: &yiwang_identity::Session) -> Response {
    let max_age = (session.expires_at - state.clock.now()).whole_seconds();
    let mut resp = Json(info(&session.actor, Some(session.csrf.clone()))).into_response();
    let cookie = session_cookie(token, max_age, state.config.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Ends the session for good and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth", security(()),
    responses((status = 204)))]
pub async fn sign_out(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Extension(cur): Extension<CurrentSession>,
) -> ApiResult<Response> {
    if let Some(token) = &cur.1 {
        state.identity.sign_out(token, &ctx.source).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(state.config.secure_cookies)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The current session (anonymous callers get `signed_in: false`).
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(()),
    responses((status = 200, body = SessionInfo)))]
pub async fn me(Extension(cur): Extension<CurrentSession>) -> Json<SessionInfo> {
    match &cur.0 {
        Some(s) => Json(info(&s.actor, Some(s.csrf.clone()))),
        None => Json(info(&Actor::Anonymous, None)),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// Staff accounts in the caller's division (system administrators).
#[utoipa::path(get, path = "/api/v1/staff", tag = "auth", security(("session" = ["accounts.manage"])),
    params(PageQuery),
    responses((status = 200, body = Paged<StaffAccount>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn list_staff(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<StaffAccount>>> {
    let page = Page::new(q.page, q.size)?;
    Ok(Json(state.identity.list_staff(&ctx, page).await?))
}

/// Creates a staff account (system administrators, within their division).
#[utoipa::path(post, path = "/api/v1/staff", tag = "auth", security(("session" = ["accounts.manage"])),
    request_body = StaffInput,
    responses((status = 201, body = StaffAccount), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_staff(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<StaffInput, SMALL_JSON>,
) -> ApiResult<(StatusCode, Json<StaffAccount>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.identity.create_staff(&ctx, &body).await?),
    ))
}
