//! The administration page of single sign-on: the department systems registered as OpenID
//! Connect clients, registering one (its secret is shown on the answer page, once) and
//! deactivating one. The same domain service as the API (`/api/v1/oidc/clients`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use yiwang_identity::oidc::{ClientInput, RegisteredClient};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::paging::Page;
use yiwang_org::repo::DepartmentFilter;

use super::auth::FormData;
use super::{PageCx, ser, urlencode};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/sso", get(page).post(register))
        .route("/admin/sso/{client_id}/deactivate", post(deactivate))
}

async fn context_of(state: &AppState, cx: &PageCx) -> Result<Value, yiwang_kernel::Error> {
    let clients = state.oidc.list_clients(&cx.ctx).await?;
    let division = cx.ctx.actor.staff().map(|s| s.division.clone());
    let departments = state
        .org
        .list_departments(
            &DepartmentFilter {
                division,
                ..Default::default()
            },
            Page { page: 1, size: 100 },
        )
        .await?
        .items;
    let names: std::collections::HashMap<i64, String> =
        departments.iter().map(|d| (d.id, d.name.clone())).collect();
    let rows: Vec<Value> = clients
        .iter()
        .map(|c| {
            context! {
                client => ser(c),
                department => names.get(&c.department_id).cloned().unwrap_or_else(|| c.department_id.to_string()),
            }
        })
        .collect();
    let departments: Vec<Value> = departments
        .iter()
        .map(|d| context! { id => d.id, name => d.name.clone() })
        .collect();
    Ok(context! {
        clients => rows,
        departments => departments,
        issuer => state.oidc.issuer(),
        discovery => format!("{}/.well-known/openid-configuration", state.oidc.issuer()),
    })
}

fn flash(cx: &PageCx) -> Option<String> {
    let q = cx.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, v)| k == "done" && v == "deactivated")
        .map(|_| i18n::text("sso.deactivated", cx.lang))
}

async fn page(State(state): State<AppState>, cx: PageCx) -> Response {
    match context_of(&state, &cx).await {
        Ok(ctx) => cx.render(
            "admin/sso.html",
            "admin",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn register(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let input = ClientInput {
        name: form.get("name").to_string(),
        department_id: form.get("department_id").trim().parse().unwrap_or(0),
        redirect_uris: form
            .get("redirect_uris")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        public: form.flag("public"),
        scopes: std::iter::once("openid".to_string())
            .chain(form.all("scopes"))
            .collect(),
    };
    match state.oidc.register_client(&cx.ctx, &input).await {
        Ok(RegisteredClient {
            client,
            client_secret,
        }) => match context_of(&state, &cx).await {
            Ok(ctx) => cx.render(
                "admin/sso.html",
                "admin",
                context! { created => ser(&client), secret => client_secret, ..ctx },
            ),
            Err(e) => cx.fail(&e),
        },
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => match context_of(&state, &cx).await {
            Ok(ctx) => cx.render_error(
                "admin/sso.html",
                "admin",
                &e,
                context! { form => ser(&input), ..ctx },
            ),
            Err(e) => cx.fail(&e),
        },
    }
}

async fn deactivate(
    State(state): State<AppState>,
    cx: PageCx,
    Path(client_id): Path<String>,
) -> Response {
    match state.oidc.deactivate_client(&cx.ctx, &client_id).await {
        Ok(_) => Redirect::to("/admin/sso?done=deactivated").into_response(),
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            Redirect::to(&format!("/signin?next={}", urlencode("/admin/sso"))).into_response()
        }
        Err(e) => cx.fail(&e),
    }
}
