//! Staff and security administration pages (三员分立): the staff list where system
//! administrators create, deactivate and reactivate accounts and security administrators grant
//! roles; API tokens of department systems (issue — the secret shown once —, revoke) and the
//! rotation of the personal-data key, both for security administrators.
//!
//! `IdentityService` decides every permission and scope; the pages only hide what a role cannot
//! use and turn forms into inputs and errors into pages.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_identity::tokens::grantable_permissions;
use yiwang_identity::{AccountChange, StaffInput, TokenInput};
use yiwang_kernel::auth::{Permission, Role, Scope};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode};
use yiwang_org::Department;
use yiwang_org::repo::DepartmentFilter;

use super::auth::FormData;
use super::{PageCx, china_time, flash, found, id_of, pager, ser};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/staff", get(staff_page).post(staff_create))
        .route("/admin/staff/{id}/{action}", post(staff_action))
        .route("/admin/tokens", get(tokens_page).post(token_issue))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
        .route("/admin/keys/rotate", post(keys_rotate))
}

/// The departments the caller may act on with `perm` (for a form's department choice).
async fn departments_for(
    state: &AppState,
    cx: &PageCx,
    perm: Permission,
) -> Result<Vec<Department>, Error> {
    Ok(match cx.ctx.actor.scope_of(perm) {
        Scope::Department(id) => found(state.org.department(id).await)?.into_iter().collect(),
        Scope::Division(d) => {
            let mut out = Vec::new();
            for page in 1..=50 {
                let p = state
                    .org
                    .list_departments(
                        &DepartmentFilter {
                            division: Some(d.clone()),
                            ..Default::default()
                        },
                        Page { page, size: 100 },
                    )
                    .await?;
                let done = p.items.is_empty()
                    || out.len() + p.items.len() >= usize::try_from(p.total).unwrap_or(0);
                out.extend(p.items);
                if done {
                    break;
                }
            }
            out
        }
        Scope::Everything | Scope::Nothing => Vec::new(),
    })
}

/// Department names by id, for the departments a list mentions (a department gone shows its
/// id).
async fn department_names(
    state: &AppState,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, String>, Error> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            e.insert(
                found(state.org.department(id).await)?
                    .map(|d| d.name)
                    .unwrap_or_else(|| id.to_string()),
            );
        }
    }
    Ok(names)
}

fn sep(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "、" } else { ", " }
}

#[derive(Serialize)]
struct Opt {
    code: String,
    label: String,
}

#[derive(Serialize)]
struct StaffRow {
    id: i64,
    username: String,
    name: String,
    department: String,
    roles: Vec<String>,
    role_names: String,
    active: bool,
    is_self: bool,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<u32>,
}

fn page_of(cx: &PageCx) -> Result<u32, Error> {
    Ok(cx.query::<PageQuery>()?.page.unwrap_or(1).max(1))
}

/// The staff page's content, read through the identity service (which refuses callers who
/// manage neither accounts nor roles).
async fn staff_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let page = state
        .identity
        .list_staff(
            &cx.ctx,
            Page {
                page: page_of(cx)?,
                size: 50,
            },
        )
        .await?;
    let names = department_names(state, page.items.iter().map(|a| a.department_id)).await?;
    let me = cx.ctx.actor.user_id();
    let rows: Vec<StaffRow> = page
        .items
        .iter()
        .map(|a| StaffRow {
            id: a.id,
            username: a.username.clone(),
            name: a.name.clone(),
            department: names.get(&a.department_id).cloned().unwrap_or_default(),
            role_names: a
                .roles
                .iter()
                .map(|r| {
                    Role::parse(r)
                        .map(|r| cx.lang.pick(r.zh(), r.en()).to_string())
                        .unwrap_or_else(|| r.clone())
                })
                .collect::<Vec<_>>()
                .join(sep(cx.lang)),
            roles: a.roles.clone(),
            active: a.active,
            is_self: me == Some(a.id),
        })
        .collect();
    let can_accounts = cx.ctx.actor.has(Permission::AccountsManage);
    let departments = if can_accounts {
        departments_for(state, cx, Permission::AccountsManage).await?
    } else {
        Vec::new()
    };
    let roles: Vec<Opt> = Role::ALL
        .iter()
        .map(|r| Opt {
            code: r.as_str().to_string(),
            label: cx.lang.pick(r.zh(), r.en()).to_string(),
        })
        .collect();
    Ok(context! {
        staff => ser(&rows),
        pager => pager("/admin/staff", page.page, page.total, page.size),
        total => page.total,
        departments => ser(&departments.iter().map(|d| Opt { code: d.id.to_string(), label: d.name.clone() }).collect::<Vec<_>>()),
        roles => ser(&roles),
        can => context! { accounts => can_accounts, roles => cx.ctx.actor.has(Permission::RolesManage) },
    })
}

async fn staff_page(State(state): State<AppState>, cx: PageCx) -> Response {
    match staff_context(&state, &cx).await {
        Ok(ctx) => cx.render(
            "admin/staff.html",
            "admin",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// After a failed action: the staff page with the error, or the plain error page when the
/// caller may not see the page at all.
async fn staff_error(state: &AppState, cx: &PageCx, e: &Error, extra: Value) -> Response {
    if e.code == ErrorCode::Unauthenticated {
        return cx.fail(e);
    }
    match staff_context(state, cx).await {
        Ok(ctx) => cx.render_error("admin/staff.html", "admin", e, context! { ..extra, ..ctx }),
        Err(e2) => cx.fail(&e2),
    }
}

#[derive(Serialize)]
struct CreateShown {
    username: String,
    name: String,
    department_id: String,
}

async fn staff_create(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let department = form.get("department_id").trim().to_string();
    let input = StaffInput {
        username: form.get("username").trim().to_string(),
        name: form.get("name").trim().to_string(),
        department_id: department.parse().unwrap_or(0),
        // A system administrator creates accounts without roles; roles are granted by the
        // security administrator afterwards (三员分立).
        roles: Vec::new(),
        password: form.get("password").to_string(),
    };
    match state.identity.create_staff(&cx.ctx, &input).await {
        Ok(a) => {
            Redirect::to(&format!("/admin/staff?done=staff_created#staff-{}", a.id)).into_response()
        }
        Err(e) => {
            let shown = CreateShown {
                username: input.username,
                name: input.name,
                department_id: department,
            };
            staff_error(
                &state,
                &cx,
                &e,
                context! { which => "create", create_form => ser(&shown) },
            )
            .await
        }
    }
}

/// The flash after a change: done, or submitted for another administrator's confirmation.
fn done_or_pending(change: AccountChange, done: &'static str) -> &'static str {
    match change {
        AccountChange::Applied(_) => done,
        AccountChange::Pending(_) => "change_requested",
    }
}

async fn staff_action(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, action)): Path<(String, String)>,
    form: FormData,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let ctx = &cx.ctx;
    let result = match action.as_str() {
        "deactivate" => state
            .identity
            .set_active(ctx, id, false)
            .await
            .map(|c| done_or_pending(c, "staff_deactivated")),
        "activate" => state
            .identity
            .set_active(ctx, id, true)
            .await
            .map(|c| done_or_pending(c, "staff_activated")),
        "roles" => state
            .identity
            .set_roles(ctx, id, &form.all("roles"))
            .await
            .map(|c| done_or_pending(c, "roles_saved")),
        "home_address" => state
            .identity
            .set_staff_home_address(ctx, id, form.get("home_address"))
            .await
            .map(|_| "home_address_saved"),
        _ => Err(Error::not_found()),
    };
    match result {
        Ok(done) => Redirect::to(&format!("/admin/staff?done={done}#staff-{id}")).into_response(),
        Err(e) if e.code == ErrorCode::NotFound => cx.fail(&e),
        Err(e) => {
            let extra = if action == "roles" {
                context! { roles_edit => context! { id, roles => form.all("roles") } }
            } else {
                context! {}
            };
            staff_error(&state, &cx, &e, extra).await
        }
    }
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    department: String,
    permissions: String,
    created_by: String,
    created_at: String,
    expires_at: String,
    last_used_at: String,
    /// `active`, `expired` or `revoked`.
    status: &'static str,
}

fn permission_label(p: &str, lang: Lang) -> String {
    let key = format!("perm.{p}");
    let t = i18n::text(&key, lang);
    if t == key { p.to_string() } else { t }
}

/// The tokens page's content, read through the identity service (security administrators).
async fn tokens_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let tokens = state.identity.list_tokens(&cx.ctx).await?;
    let names = department_names(state, tokens.iter().map(|t| t.department_id)).await?;
    let now = state.clock.now();
    let rows: Vec<TokenRow> = tokens
        .into_iter()
        .map(|t| TokenRow {
            status: if t.revoked_at.is_some() {
                "revoked"
            } else if t.expires_at <= now {
                "expired"
            } else {
                "active"
            },
            id: t.id,
            department: names.get(&t.department_id).cloned().unwrap_or_default(),
            permissions: t
                .permissions
                .iter()
                .map(|p| permission_label(p, cx.lang))
                .collect::<Vec<_>>()
                .join(sep(cx.lang)),
            created_by: t.created_by,
            created_at: china_time(t.created_at),
            expires_at: china_time(t.expires_at),
            last_used_at: t.last_used_at.map(china_time).unwrap_or_default(),
            name: t.name,
        })
        .collect();
    let departments = departments_for(state, cx, Permission::ApiTokensManage).await?;
    let permissions: Vec<Opt> = grantable_permissions()
        .map(|p| Opt {
            code: p.as_str().to_string(),
            label: permission_label(p.as_str(), cx.lang),
        })
        .collect();
    let rows = super::names::actor_names(state, cx, &rows, &["created_by"]).await?;
    Ok(context! {
        tokens => ser(&rows),
        departments => ser(&departments.iter().map(|d| Opt { code: d.id.to_string(), label: d.name.clone() }).collect::<Vec<_>>()),
        permissions => ser(&permissions),
        key_id => state.identity.keys().current_key_id(),
        can => context! {
            tokens => cx.ctx.actor.has(Permission::ApiTokensManage),
            keys => cx.ctx.actor.has(Permission::KeysRotate),
        },
    })
}

/// A page that shows a secret must not be kept by the browser or a proxy.
fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn tokens_page(State(state): State<AppState>, cx: PageCx) -> Response {
    match tokens_context(&state, &cx).await {
        Ok(ctx) => cx.render(
            "admin/tokens.html",
            "admin",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn tokens_error(state: &AppState, cx: &PageCx, e: &Error, extra: Value) -> Response {
    if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::NotFound) {
        return cx.fail(e);
    }
    match tokens_context(state, cx).await {
        Ok(ctx) => cx.render_error("admin/tokens.html", "admin", e, context! { ..extra, ..ctx }),
        Err(e2) => cx.fail(&e2),
    }
}

#[derive(Serialize)]
struct TokenShown {
    name: String,
    department_id: String,
    permissions: Vec<String>,
    days: String,
}

async fn token_issue(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let days_text = form.get("days").trim().to_string();
    let department = form.get("department_id").trim().to_string();
    let input = TokenInput {
        name: form.get("name").trim().to_string(),
        department_id: department.parse().unwrap_or(0),
        permissions: form.all("permissions"),
        // Not a number: out of range, so the service names the field.
        days: days_text.parse().unwrap_or(0),
    };
    match state.identity.issue_token(&cx.ctx, &input).await {
        Ok(issued) => match tokens_context(&state, &cx).await {
            Ok(ctx) => no_store(cx.render(
                "admin/tokens.html",
                "admin",
                context! { issued => context! { token => issued.token, name => issued.info.name, expires_at => china_time(issued.info.expires_at) }, ..ctx },
            )),
            Err(e) => cx.fail(&e),
        },
        Err(e) => {
            let shown = TokenShown {
                name: input.name,
                department_id: department,
                permissions: input.permissions,
                days: days_text,
            };
            tokens_error(
                &state,
                &cx,
                &e,
                context! { which => "token", token_form => ser(&shown) },
            )
            .await
        }
    }
}

async fn token_revoke(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
) -> Response {
    let result = match id_of(&id) {
        Ok(id) => state.identity.revoke_token(&cx.ctx, id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to("/admin/tokens?done=token_revoked").into_response(),
        Err(e) => tokens_error(&state, &cx, &e, context! {}).await,
    }
}

async fn keys_rotate(State(state): State<AppState>, cx: PageCx) -> Response {
    match state.identity.rotate_keys(&cx.ctx).await {
        Ok((key_id, rows)) => {
            let text = i18n::text("keys.rotated", cx.lang)
                .replace("{k}", &key_id)
                .replace("{n}", &rows.to_string());
            match tokens_context(&state, &cx).await {
                Ok(ctx) => cx.render(
                    "admin/tokens.html",
                    "admin",
                    context! { flash => text, ..ctx },
                ),
                Err(e) => cx.fail(&e),
            }
        }
        Err(e) => tokens_error(&state, &cx, &e, context! {}).await,
    }
}
