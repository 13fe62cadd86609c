//! Natural and legal persons, agents, staff roles, API tokens, key rotation and the audit log.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_identity::{AccountChange, AdminChange};
use yiwang_identity::{
    AgentGrant, AgentGrantInput, ApiToken, IssuedToken, OrgRegistration, OrgWindowVerification,
    Organisation, PersonProfile, PersonRecord, PersonRegistration, StaffAccount, TokenInput,
};

use crate::AppState;
use crate::api::auth::{SessionInfo, required, with_session};
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, SMALL_JSON};
use crate::session::{CurrentSession, end_previous};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(person_sign_in))
        .routes(routes!(my_profile))
        .routes(routes!(act_as))
        .routes(routes!(register_org))
        .routes(routes!(verify_org))
        .routes(routes!(list_agents, grant_agent))
        .routes(routes!(revoke_agent))
        .routes(routes!(lookup_person))
        .routes(routes!(set_roles))
        .routes(routes!(deactivate_staff))
        .routes(routes!(activate_staff))
        .routes(routes!(list_tokens, issue_token))
        .routes(routes!(revoke_token))
        .routes(routes!(rotate_keys))
        .routes(routes!(audit_search))
        .routes(routes!(audit_head))
        .routes(routes!(audit_events))
}

/// Registers a natural person (自然人注册) and signs them in.
#[utoipa::path(post, path = "/api/v1/people/register", tag = "identity", security(()),
    request_body = PersonRegistration,
    responses((status = 200, body = SessionInfo), (status = 422, body = ErrorResponse)))]
pub async fn register(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Extension(cur): Extension<CurrentSession>,
    ApiJson(body): ApiJson<PersonRegistration, SMALL_JSON>,
) -> ApiResult<Response> {
    let (token, session) = state.identity.register_person(&body, &ctx.source).await?;
    end_previous(&state, cur.1.as_deref(), &ctx.source).await;
    Ok(with_session(&state, &token, &session))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonSignIn {
    /// ID number or mobile number.
    pub login: String,
    pub password: String,
}

/// Signs a natural person in by ID number or mobile number.
#[utoipa::path(post, path = "/api/v1/people/sign-in", tag = "identity", security(()),
    request_body = PersonSignIn,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorResponse), (status = 429, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn person_sign_in(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Extension(cur): Extension<CurrentSession>,
    ApiJson(body): ApiJson<PersonSignIn, SMALL_JSON>,
) -> ApiResult<Response> {
    required(&[("login", &body.login), ("password", &body.password)])?;
    let (token, session) = state
        .identity
        .sign_in_person(&body.login, &body.password, &ctx.source)
        .await?;
    end_previous(&state, cur.1.as_deref(), &ctx.source).await;
    Ok(with_session(&state, &token, &session))
}

/// The signed-in person's profile: masked numbers, enterprises, acting-for.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", security(("person" = [])),
    responses((status = 200, body = PersonProfile), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn my_profile(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<PersonProfile>> {
    Ok(Json(state.identity.me(&ctx).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActAs {
    /// The enterprise to act for; `null` to act for oneself.
    pub org_id: Option<i64>,
}

/// Acts for an enterprise (as its administrator or agent), or for oneself again.
#[utoipa::path(post, path = "/api/v1/me/acting-as", tag = "identity", security(("person" = [])),
    request_body = ActAs,
    responses((status = 200, body = PersonProfile), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn act_as(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Extension(cur): Extension<CurrentSession>,
    ApiJson(body): ApiJson<ActAs, SMALL_JSON>,
) -> ApiResult<Json<PersonProfile>> {
    let token = cur.1.clone().unwrap_or_default();
    state.identity.act_as(&ctx, &token, body.org_id).await?;
    let ctx = match state.identity.session(&token).await? {
        Some(s) => yiwang_kernel::auth::Ctx::new(s.actor, ctx.source),
        None => ctx,
    };
    Ok(Json(state.identity.me(&ctx).await?))
}

/// Registers an enterprise (法人); the caller becomes its administrator.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "identity", security(("person" = [])),
    request_body = OrgRegistration,
    responses((status = 201, body = Organisation), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn register_org(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<OrgRegistration, SMALL_JSON>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.identity.register_org(&ctx, &body).await?),
    ))
}

/// Confirms at a window that an enterprise belongs to its legal representative, after seeing
/// the business licence (企业身份核验); the registered person becomes its verified administrator.
#[utoipa::path(post, path = "/api/v1/organisations/verify", tag = "identity", security(("session" = ["org.verify"])),
    request_body = OrgWindowVerification,
    responses((status = 200, body = Organisation), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn verify_org(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<OrgWindowVerification, SMALL_JSON>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(
        state.identity.verify_org_at_window(&ctx, &body).await?,
    ))
}

/// The enterprise's agent grants (its administrator only).
#[utoipa::path(get, path = "/api/v1/organisations/{id}/agents", tag = "identity", security(("person" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AgentGrant>), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn list_agents(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<AgentGrant>>> {
    Ok(Json(state.identity.list_agents(&ctx, id).await?))
}

/// Grants an agent (经办人) scopes until a day (the enterprise's administrator only).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/agents", tag = "identity", security(("person" = [])),
    params(("id" = i64, Path)), request_body = AgentGrantInput,
    responses((status = 201, body = AgentGrant), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn grant_agent(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgentGrantInput, SMALL_JSON>,
) -> ApiResult<(StatusCode, Json<AgentGrant>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.identity.grant_agent(&ctx, id, &body).await?),
    ))
}

/// Revokes an agent's grant at once.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/agents/{grant_id}/revoke", tag = "identity", security(("person" = [])),
    params(("id" = i64, Path), ("grant_id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn revoke_agent(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((id, grant_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    state.identity.revoke_agent(&ctx, id, grant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonLookup {
    pub id_number: String,
    /// Show full numbers (needs `personal_data.reveal` and a reason; audited).
    pub reveal: bool,
    pub reason: String,
}

/// Finds a registered person by ID number (POST so the number stays out of URLs and logs).
#[utoipa::path(post, path = "/api/v1/people/lookup", tag = "identity", security(("session" = ["people.read"])),
    request_body = PersonLookup,
    responses((status = 200, body = PersonRecord), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn lookup_person(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<PersonLookup, SMALL_JSON>,
) -> ApiResult<Json<PersonRecord>> {
    Ok(Json(
        state
            .identity
            .lookup_person(&ctx, &body.id_number, body.reveal, &body.reason)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RolesInput {
    /// Role codes, e.g. `catalog_editor`; the list replaces the current roles.
    pub roles: Vec<String>,
}

/// 200 with the account when applied; 202 with the pending change when it waits for another
/// administrator's confirmation (a change to, or making, an administrator account).
fn change_response(change: AccountChange) -> Response {
    match change {
        AccountChange::Applied(a) => (StatusCode::OK, Json(a)).into_response(),
        AccountChange::Pending(c) => (StatusCode::ACCEPTED, Json(c)).into_response(),
    }
}

/// Sets a staff account's roles (security administrators; never one's own). An administrator
/// account holds its one role alone; changes to administrator accounts wait for another
/// administrator's confirmation (202).
#[utoipa::path(put, path = "/api/v1/staff/{id}/roles", tag = "auth", security(("session" = ["roles.manage"])),
    params(("id" = i64, Path)), request_body = RolesInput,
    responses((status = 200, body = StaffAccount), (status = 202, body = AdminChange, description = "Waiting for another administrator's confirmation"), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn set_roles(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RolesInput, SMALL_JSON>,
) -> ApiResult<Response> {
    Ok(change_response(
        state.identity.set_roles(&ctx, id, &body.roles).await?,
    ))
}

/// Deactivates a staff account and ends its sessions (system administrators); for an
/// administrator account, once another administrator confirms (202).
#[utoipa::path(post, path = "/api/v1/staff/{id}/deactivate", tag = "auth", security(("session" = ["accounts.manage"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = StaffAccount), (status = 202, body = AdminChange, description = "Waiting for another administrator's confirmation"), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn deactivate_staff(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    Ok(change_response(
        state.identity.set_active(&ctx, id, false).await?,
    ))
}

/// Reactivates a staff account (system administrators); for an administrator account, once
/// another administrator confirms (202).
#[utoipa::path(post, path = "/api/v1/staff/{id}/activate", tag = "auth", security(("session" = ["accounts.manage"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = StaffAccount), (status = 202, body = AdminChange, description = "Waiting for another administrator's confirmation"), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn activate_staff(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    Ok(change_response(
        state.identity.set_active(&ctx, id, true).await?,
    ))
}

/// API tokens of department systems in the caller's division.
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "auth", security(("session" = ["api_tokens.manage"])),
    responses((status = 200, body = Vec<ApiToken>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(state.identity.list_tokens(&ctx).await?))
}

/// Issues an API token to a department system; the secret is in the answer only.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "auth", security(("session" = ["api_tokens.manage"])),
    request_body = TokenInput,
    responses((status = 201, body = IssuedToken), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn issue_token(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<TokenInput, SMALL_JSON>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.identity.issue_token(&ctx, &body).await?),
    ))
}

/// Revokes an API token at once.
#[utoipa::path(post, path = "/api/v1/api-tokens/{id}/revoke", tag = "auth", security(("session" = ["api_tokens.manage"])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.identity.revoke_token(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rotated {
    pub key_id: String,
    pub rewrapped_rows: u64,
}

/// Rotates the personal-data key and re-encrypts stored values (security administrators).
#[utoipa::path(post, path = "/api/v1/keys/rotate", tag = "auth", security(("session" = ["keys.rotate"])),
    responses((status = 200, body = Rotated), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn rotate_keys(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Rotated>> {
    let (key_id, rewrapped_rows) = state.identity.rotate_keys(&ctx).await?;
    Ok(Json(Rotated {
        key_id,
        rewrapped_rows,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Event type, e.g. `auth.sign_in`.
    pub action: Option<String>,
    /// e.g. `staff:zhangsan`, `person:12`.
    pub actor: Option<String>,
    pub object: Option<String>,
    /// `success` or `failure`.
    pub outcome: Option<String>,
    /// Entries before this sequence number (paging backwards).
    pub before: Option<i64>,
    /// At most 500.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    pub actor: String,
    pub acting_for: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub source: String,
    pub reason: String,
    /// Extra facts as a JSON text.
    pub data: String,
    pub hash: String,
}

/// Searches the audit log, newest first (audit administrators; the search is audited).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("session" = ["audit.read"])),
    params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn audit_search(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let rows = yiwang_audit::search_as(
        &state.db,
        &ctx,
        &yiwang_audit::Query {
            action: q.action,
            actor: q.actor,
            object: q.object,
            outcome: q.outcome,
            before_seq: q.before,
            limit: q.limit.unwrap_or(50),
        },
        state.clock.now(),
    )
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditEntry {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                acting_for: r.acting_for,
                action: r.action,
                object: r.object,
                outcome: r.outcome,
                source: r.source,
                reason: r.reason,
                data: r.data,
                hash: r.hash,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// The current head of the audit chain: keep it outside to prove later that the log was not
/// rewritten (`yiwang audit verify --anchor SEQ:HASH`).
#[utoipa::path(get, path = "/api/v1/audit/head", tag = "audit", security(("session" = ["audit.read"])),
    responses((status = 200, body = AuditHead), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn audit_head(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<AuditHead>> {
    let h = yiwang_audit::head_as(&state.db, &ctx, state.clock.now()).await?;
    Ok(Json(AuditHead {
        seq: h.seq,
        hash: h.hash,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub action: String,
    pub zh: String,
    pub en: String,
}

/// The audit event catalog: every event type the log can hold.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", security(()),
    responses((status = 200, body = Vec<AuditEvent>)))]
pub async fn audit_events() -> Json<Vec<AuditEvent>> {
    Json(
        yiwang_audit::EVENTS
            .iter()
            .map(|(a, zh, en)| AuditEvent {
                action: a.to_string(),
                zh: zh.to_string(),
                en: en.to_string(),
            })
            .collect(),
    )
}
