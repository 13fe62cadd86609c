//! Changes to administrator accounts waiting for a second administrator (三员分立, two-person
//! rule): the list, with confirm and reject buttons, for any of the three administrators.
//! `IdentityService` decides who may confirm what.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Serialize;
use yiwang_kernel::Error;
use yiwang_kernel::auth::Role;

use super::{PageCx, china_time, flash, id_of, ser};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/changes", get(changes_page))
        .route("/admin/changes/{id}/{action}", post(change_action))
}

#[derive(Serialize)]
struct ChangeRow {
    id: i64,
    account: String,
    what: String,
    requested_by: String,
    requested_at: String,
    status: String,
    decided_by: String,
    pending: bool,
    own: bool,
}

async fn changes_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let changes = match state.identity.admin_changes(&cx.ctx).await {
        Ok(c) => c,
        Err(e) => return cx.fail(&e),
    };
    let role_name = |r: &str| {
        Role::parse(r)
            .map(|r| cx.lang.pick(r.zh(), r.en()).to_string())
            .unwrap_or_else(|| r.to_string())
    };
    let me = cx.ctx.actor.user_id();
    // Who asked and who decided, by name (the stored usernames are staff actor labels).
    let labels: Vec<String> = changes
        .iter()
        .flat_map(|c| std::iter::once(&c.requested_by).chain(c.decided_by.as_ref()))
        .map(|u| format!("staff:{u}"))
        .collect();
    let names = match state
        .identity
        .actor_names(labels.iter().map(String::as_str), cx.lang)
        .await
    {
        Ok(n) => n,
        Err(e) => return cx.fail(&e),
    };
    let name = |u: &str| {
        names
            .get(&format!("staff:{u}"))
            .cloned()
            .unwrap_or_else(|| u.to_string())
    };
    let rows: Vec<ChangeRow> = changes
        .iter()
        .map(|c| ChangeRow {
            id: c.id,
            account: c.account.clone(),
            what: match (c.kind.as_str(), c.payload.as_str()) {
                ("active", "true") => i18n::text("changes.activate", cx.lang),
                ("active", _) => i18n::text("changes.deactivate", cx.lang),
                _ => format!(
                    "{}{}",
                    i18n::text("changes.roles", cx.lang),
                    c.payload
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(role_name)
                        .collect::<Vec<_>>()
                        .join(if cx.lang == yiwang_kernel::i18n::Lang::Zh {
                            "、"
                        } else {
                            ", "
                        })
                ),
            },
            requested_by: format!(
                "{} ({})",
                name(&c.requested_by),
                role_name(&c.requested_role)
            ),
            requested_at: china_time(c.requested_at),
            status: i18n::text(&format!("changes.status.{}", c.status), cx.lang),
            decided_by: c.decided_by.as_deref().map(name).unwrap_or_default(),
            pending: c.status == "pending",
            own: me == Some(c.requested_by_id),
        })
        .collect();
    cx.render(
        "admin/changes.html",
        "admin",
        context! { changes => ser(&rows), flash => flash(&cx) },
    )
}

async fn change_action(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let result = match action.as_str() {
        "confirm" => state
            .identity
            .confirm_change(&cx.ctx, id)
            .await
            .map(|_| "change_confirmed"),
        "reject" => state
            .identity
            .reject_change(&cx.ctx, id)
            .await
            .map(|_| "change_rejected"),
        _ => Err(Error::not_found()),
    };
    match result {
        Ok(done) => Redirect::to(&format!("/admin/changes?done={done}")).into_response(),
        Err(e) => cx.fail(&e),
    }
}
