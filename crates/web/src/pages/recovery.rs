//! Account recovery (找回账号), both halves: the identity officer's page
//! (`/staff/recovery`, issuing a one-time reset code after checking the person's identity
//! document) and the public page (`/recover`, login + code + new password). The rules —
//! who may issue, for whom, lifetime, single use, throttling, identical answers, audit — are
//! `IdentityService::issue_reset` and `IdentityService::recover`.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use serde::Serialize;
use yiwang_identity::ResetRequest;
use yiwang_kernel::Error;
use yiwang_kernel::auth::Permission;

use super::auth::FormData;
use super::casework::need_staff;
use super::{PageCx, flash, ser};
use crate::AppState;
use crate::extract::SMALL_JSON;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/recovery", get(officer_page).post(issue))
        .route(
            "/recover",
            get(recover_page)
                .post(recover)
                .layer(DefaultBodyLimit::max(SMALL_JSON)),
        )
}

/// What the officer typed, shown again after a refusal.
#[derive(Serialize, Default)]
struct Shown {
    kind: String,
    login: String,
}

/// A code just issued, shown on this response only.
#[derive(Serialize)]
struct Issued {
    code: String,
    account_name: String,
    kind: String,
    expires_at: String,
}

fn allowed(cx: &PageCx) -> Result<(), Error> {
    need_staff(cx)?;
    if cx.ctx.actor.has(Permission::AccountRecover) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

async fn officer_page(cx: PageCx) -> Response {
    if let Err(e) = allowed(&cx) {
        return cx.fail(&e);
    }
    let shown = Shown {
        kind: "person".into(),
        login: String::new(),
    };
    cx.render(
        "staff/recovery.html",
        "admin",
        context! { form => ser(&shown), issued => None::<String> },
    )
}

async fn issue(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = allowed(&cx) {
        return cx.fail(&e);
    }
    let req = ResetRequest {
        kind: form.get("kind").trim().to_string(),
        login: form.get("login").trim().to_string(),
        document_seen: form.flag("document_seen"),
    };
    match state.identity.issue_reset(&cx.ctx, &req).await {
        Ok(r) => {
            let issued = Issued {
                code: r.code,
                account_name: r.account_name,
                kind: r.kind,
                expires_at: yiwang_kernel::clock::china_datetime(r.expires_at),
            };
            let mut page = cx.render(
                "staff/recovery.html",
                "admin",
                context! {
                    form => ser(&Shown { kind: req.kind, login: String::new() }),
                    issued => ser(&issued),
                },
            );
            // The code is on this page only: never cached.
            page.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            page
        }
        Err(e) => {
            // A person's ID number is not shown again; a staff name is.
            let login = if req.kind == "staff" {
                req.login
            } else {
                String::new()
            };
            cx.render_error(
                "staff/recovery.html",
                "admin",
                &e,
                context! {
                    form => ser(&Shown { kind: req.kind, login }),
                    issued => None::<String>,
                },
            )
        }
    }
}

async fn recover_page(cx: PageCx) -> Response {
    cx.render(
        "recover.html",
        "",
        context! { login => "", flash => flash(&cx) },
    )
}

async fn recover(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let login = form.get("login").trim().to_string();
    let mut missing = Vec::new();
    for f in ["login", "code", "password"] {
        if form.get(f).trim().is_empty() {
            missing.push(yiwang_kernel::FieldError::required(f));
        }
    }
    if form.get("password") != form.get("password2") {
        missing.push(yiwang_kernel::FieldError::new(
            "password2",
            "password.mismatch",
            "两次输入的新密码不一致",
            "The two new passwords differ",
        ));
    }
    let result = if missing.is_empty() {
        state
            .identity
            .recover(
                &login,
                form.get("code"),
                form.get("password"),
                &cx.ctx.source,
            )
            .await
    } else {
        Err(Error::validation(missing))
    };
    match result {
        Ok(()) => Redirect::to("/signin?done=recovered").into_response(),
        Err(e) => cx.render_error(
            "recover.html",
            "",
            &e,
            context! { login, flash => None::<String> },
        ),
    }
}
