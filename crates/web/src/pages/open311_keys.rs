//! The security administrator's page of Open311 api keys (`/admin/open311-keys`): the keys
//! issued to outside apps (app, contact, issuer, last use, status), issuing one — the key is
//! shown once, on a page the browser must not keep — and revoking one. docs/open311.md.
//!
//! `AppealService` decides who may do it (`api_tokens.manage`) and audits it; the page only
//! turns forms into calls and errors into pages.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_kernel::auth::Permission;
use yiwang_kernel::{Error, ErrorCode};

use super::auth::FormData;
use super::{PageCx, china_time, flash, id_of, ser};
use crate::AppState;

const TEMPLATE: &str = "admin/open311_keys.html";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/open311-keys", get(page).post(issue))
        .route("/admin/open311-keys/{id}/revoke", post(revoke))
}

#[derive(Serialize)]
struct KeyRow {
    id: i64,
    name: String,
    contact: String,
    prefix: String,
    issued_by: String,
    issued_at: String,
    last_used_at: String,
    revoked_at: String,
    active: bool,
}

async fn keys_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let keys = state.appeals.keys(&cx.ctx).await?;
    let rows: Vec<KeyRow> = keys
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            active: k.revoked_at.is_none(),
            name: k.name,
            contact: k.contact,
            prefix: k.key_prefix,
            issued_by: k.issued_by,
            issued_at: china_time(k.issued_at),
            last_used_at: k.last_used_at.map(china_time).unwrap_or_default(),
            revoked_at: k.revoked_at.map(china_time).unwrap_or_default(),
        })
        .collect();
    let rows = super::names::actor_names(state, cx, &rows, &["issued_by"]).await?;
    Ok(context! {
        keys => ser(&rows),
        endpoint => format!("{}/open311/v2", state.config.public_url.trim_end_matches('/')),
        jurisdiction => state.config.home_division.to_string(),
        can_manage => cx.ctx.actor.has(Permission::ApiTokensManage),
    })
}

async fn page(State(state): State<AppState>, cx: PageCx) -> Response {
    match keys_context(&state, &cx).await {
        Ok(ctx) => cx.render(TEMPLATE, "admin", context! { flash => flash(&cx), ..ctx }),
        Err(e) => cx.fail(&e),
    }
}

async fn failed(state: &AppState, cx: &PageCx, e: &Error, extra: Value) -> Response {
    if matches!(
        e.code,
        ErrorCode::Unauthenticated | ErrorCode::NotFound | ErrorCode::Forbidden
    ) {
        return cx.fail(e);
    }
    match keys_context(state, cx).await {
        Ok(ctx) => cx.render_error(TEMPLATE, "admin", e, context! { ..extra, ..ctx }),
        Err(e2) => cx.fail(&e2),
    }
}

/// A page that shows a secret must not be kept by the browser or a proxy.
fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn issue(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let name = form.get("name").trim().to_string();
    let contact = form.get("contact").trim().to_string();
    match state.appeals.issue_key(&cx.ctx, &name, &contact).await {
        Ok((view, key)) => match keys_context(&state, &cx).await {
            Ok(ctx) => no_store(cx.render(
                TEMPLATE,
                "admin",
                context! { issued => context! { key => key, name => view.name }, ..ctx },
            )),
            Err(e) => cx.fail(&e),
        },
        Err(e) => {
            failed(
                &state,
                &cx,
                &e,
                context! { key_form => context! { name => name, contact => contact } },
            )
            .await
        }
    }
}

async fn revoke(State(state): State<AppState>, cx: PageCx, Path(id): Path<String>) -> Response {
    let result = match id_of(&id) {
        Ok(id) => state.appeals.revoke_key(&cx.ctx, id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/admin/open311-keys?done=open311_key_revoked").into_response(),
        Err(e) => failed(&state, &cx, &e, context! {}).await,
    }
}
