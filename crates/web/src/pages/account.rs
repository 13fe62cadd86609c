//! A natural person's own pages: sign-up (实名注册) and the account page — profile with masked
//! numbers, the enterprises they administer or act for, the switch between acting for an
//! enterprise and for oneself, enterprise registration, and an administrator's agent grants.
//!
//! Handlers only turn forms into inputs and errors into pages; `IdentityService` decides who
//! may do what (a member of staff or an anonymous caller is refused there).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_identity::{AgentGrantInput, OrgRegistration, PersonRegistration};
use yiwang_kernel::auth::AgentScope;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::auth::{FormData, redirect_signed_in};
use super::{PageCx, china_date, flash, id_of, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/account", get(account_page))
        .route("/account/act-as", post(act_as))
        .route("/account/organisations", post(register_org))
        .route("/account/organisations/{id}/agents", post(grant_agent))
        .route(
            "/account/organisations/{id}/agents/{grant}/revoke",
            post(revoke_agent),
        )
}

/// The sign-up form as shown again after a problem (never the passwords).
#[derive(Serialize, Default)]
struct SignupShown {
    name: String,
    id_number: String,
    phone: String,
}

async fn signup_page(cx: PageCx) -> Response {
    cx.render(
        "signup.html",
        "",
        context! { form => ser(&SignupShown::default()) },
    )
}

async fn signup(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let input = PersonRegistration {
        name: form.get("name").trim().to_string(),
        id_number: form.get("id_number").trim().to_string(),
        phone: form.get("phone").trim().to_string(),
        password: form.get("password").to_string(),
    };
    let result = if form.get("password") != form.get("password2") {
        Err(Error::field(FieldError::new(
            "password2",
            "password.mismatch",
            "两次输入的密码不一致",
            "The two passwords differ",
        )))
    } else {
        state.identity.register_person(&input, &cx.ctx.source).await
    };
    match result {
        Ok((token, session)) => {
            crate::session::end_previous(&state, cx.token.as_deref(), &cx.ctx.source).await;
            redirect_signed_in(&state, "/account?done=registered", &token, &session)
        }
        Err(e) => {
            let shown = SignupShown {
                name: input.name,
                id_number: input.id_number,
                phone: input.phone,
            };
            cx.render_error("signup.html", "", &e, context! { form => ser(&shown) })
        }
    }
}

#[derive(Serialize)]
struct Labelled {
    code: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct GrantView {
    id: i64,
    person_name: String,
    id_number: String,
    scopes: String,
    granted: String,
    last_day: String,
    status: String,
    status_label: String,
    active: bool,
}

#[derive(Serialize)]
struct OrgView {
    org_id: i64,
    uscc: String,
    name: String,
    administrator: bool,
    verified: bool,
    scopes: String,
    last_day: Option<String>,
    acting: bool,
    grants: Vec<GrantView>,
}

fn scope_labels(cx: &PageCx, scopes: &[String]) -> String {
    scopes
        .iter()
        .map(|s| {
            AgentScope::parse(s)
                .map(|x| cx.lang.pick(x.zh(), x.en()).to_string())
                .unwrap_or_else(|| s.clone())
        })
        .collect::<Vec<_>>()
        .join(if cx.lang == yiwang_kernel::i18n::Lang::Zh {
            "、"
        } else {
            ", "
        })
}

/// The last day of a grant: it ends at the midnight after that day (China time).
fn last_day(expires_at: time::OffsetDateTime) -> String {
    china_date(expires_at - time::Duration::days(1))
}

/// Everything the account page shows, read through the identity service.
async fn account_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let me = state.identity.me(&cx.ctx).await?;
    let acting_id = me.acting_for.as_ref().map(|m| m.org_id);
    let mut orgs = Vec::with_capacity(me.organisations.len());
    for m in &me.organisations {
        let grants = if m.administrator && m.verified {
            state
                .identity
                .list_agents(&cx.ctx, m.org_id)
                .await?
                .into_iter()
                .map(|g| GrantView {
                    id: g.id,
                    scopes: scope_labels(cx, &g.scopes),
                    granted: china_date(g.granted_at),
                    last_day: last_day(g.expires_at),
                    active: g.status == "active",
                    status_label: crate::i18n::text(&format!("grant.status.{}", g.status), cx.lang),
                    status: g.status,
                    person_name: g.person_name,
                    id_number: g.id_number,
                })
                .collect()
        } else {
            Vec::new()
        };
        orgs.push(OrgView {
            org_id: m.org_id,
            uscc: m.uscc.clone(),
            name: m.name.clone(),
            administrator: m.administrator,
            verified: m.verified,
            scopes: scope_labels(cx, &m.scopes),
            last_day: m.expires_at.map(last_day),
            acting: acting_id == Some(m.org_id),
            grants,
        });
    }
    let scopes: Vec<Labelled> = AgentScope::ALL
        .iter()
        .map(|s| Labelled {
            code: s.as_str(),
            label: cx.lang.pick(s.zh(), s.en()),
        })
        .collect();
    Ok(context! {
        me => context! {
            name => me.name,
            id_number => me.id_number,
            phone => me.phone,
            acting_for => me.acting_for.map(|a| a.name),
        },
        orgs => ser(&orgs),
        scopes => ser(&scopes),
        today => china_date(state.clock.now()),
    })
}

async fn account_page(State(state): State<AppState>, cx: PageCx) -> Response {
    match account_context(&state, &cx).await {
        Ok(ctx) => cx.render(
            "account.html",
            "account",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// After a failed action: the account page again with the error and what was entered, or the
/// plain error page when the page itself cannot be shown (not signed in, not a person).
async fn account_error(state: &AppState, cx: &PageCx, e: &Error, extra: Value) -> Response {
    if e.code == ErrorCode::Unauthenticated {
        return cx.fail(e);
    }
    match account_context(state, cx).await {
        Ok(ctx) => cx.render_error("account.html", "account", e, context! { ..extra, ..ctx }),
        Err(e2) => cx.fail(&e2),
    }
}

async fn act_as(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let org = form.get("org_id").trim();
    let org_id = if org.is_empty() {
        Ok(None)
    } else {
        org.parse::<i64>().map(Some).map_err(|_| {
            Error::field(FieldError::new(
                "org_id",
                "org_id.number",
                "企业编号不正确",
                "Not a valid enterprise id",
            ))
        })
    };
    let token = cx.token.clone().unwrap_or_default();
    let result = match org_id {
        Ok(org_id) => state
            .identity
            .act_as(&cx.ctx, &token, org_id)
            .await
            .map(|_| org_id),
        Err(e) => Err(e),
    };
    match result {
        Ok(Some(_)) => Redirect::to("/account?done=acting").into_response(),
        Ok(None) => Redirect::to("/account?done=personal").into_response(),
        Err(e) => account_error(&state, &cx, &e, context! {}).await,
    }
}

async fn register_org(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let input = OrgRegistration {
        uscc: form.get("uscc").trim().to_uppercase(),
        name: form.get("name").trim().to_string(),
        legal_representative: form.get("legal_representative").trim().to_string(),
    };
    match state.identity.register_org(&cx.ctx, &input).await {
        Ok(o) if o.verified_via.is_empty() => {
            Redirect::to("/account?done=org_pending#orgs").into_response()
        }
        Ok(_) => Redirect::to("/account?done=org_registered#orgs").into_response(),
        Err(e) => {
            account_error(
                &state,
                &cx,
                &e,
                context! { which => "org", org_form => ser(&input) },
            )
            .await
        }
    }
}

async fn grant_agent(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let input = AgentGrantInput {
        name: form.get("name").trim().to_string(),
        id_number: form.get("id_number").trim().to_string(),
        scopes: form.all("scopes"),
        until: form.get("until").trim().to_string(),
    };
    let result = match id_of(&id) {
        Ok(org_id) => state
            .identity
            .grant_agent(&cx.ctx, org_id, &input)
            .await
            .map(|_| org_id),
        Err(e) => Err(e),
    };
    match result {
        Ok(org_id) => {
            Redirect::to(&format!("/account?done=agent_granted#org-{org_id}")).into_response()
        }
        Err(e) => {
            account_error(
                &state,
                &cx,
                &e,
                context! { which => format!("grant-{id}"), grant_form => ser(&input) },
            )
            .await
        }
    }
}

async fn revoke_agent(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, grant)): Path<(String, String)>,
) -> Response {
    let result = match (id_of(&id), id_of(&grant)) {
        (Ok(org_id), Ok(grant_id)) => state
            .identity
            .revoke_agent(&cx.ctx, org_id, grant_id)
            .await
            .map(|_| org_id),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(org_id) => {
            Redirect::to(&format!("/account?done=agent_revoked#org-{org_id}")).into_response()
        }
        Err(e) => account_error(&state, &cx, &e, context! {}).await,
    }
}
