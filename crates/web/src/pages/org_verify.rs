//! The window's enterprise verification (企业身份核验, `/staff/enterprises/verify`): a clerk who
//! has seen the business licence and the legal representative's identity card binds the
//! enterprise to that registered person (`IdentityService::verify_org_at_window`, which decides
//! who may and what must match).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use serde::Serialize;
use yiwang_identity::OrgWindowVerification;
use yiwang_kernel::Error;
use yiwang_kernel::auth::Permission;

use super::auth::FormData;
use super::casework::need_staff;
use super::{PageCx, flash, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/enterprises/verify", get(page).post(submit))
}

/// What the clerk typed, shown again after a refusal (never the full ID number).
#[derive(Serialize, Default)]
struct Shown {
    uscc: String,
    name: String,
    legal_representative: String,
}

fn allowed(cx: &PageCx) -> Result<(), Error> {
    need_staff(cx)?;
    if cx.ctx.actor.has(Permission::OrgVerify) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

async fn page(cx: PageCx) -> Response {
    if let Err(e) = allowed(&cx) {
        return cx.fail(&e);
    }
    cx.render(
        "staff/org_verify.html",
        "window",
        context! { form => ser(&Shown::default()), flash => flash(&cx) },
    )
}

async fn submit(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = allowed(&cx) {
        return cx.fail(&e);
    }
    let input = OrgWindowVerification {
        uscc: form.get("uscc").trim().to_string(),
        name: form.get("name").trim().to_string(),
        legal_representative: form.get("legal_representative").trim().to_string(),
        id_number: form.get("id_number").trim().to_string(),
    };
    match state.identity.verify_org_at_window(&cx.ctx, &input).await {
        Ok(_) => Redirect::to("/staff/enterprises/verify?done=org_verified").into_response(),
        Err(e) => {
            let shown = Shown {
                uscc: input.uscc,
                name: input.name,
                legal_representative: input.legal_representative,
            };
            cx.render_error(
                "staff/org_verify.html",
                "window",
                &e,
                context! { form => ser(&shown), flash => None::<String> },
            )
        }
    }
}
