//! Electronic licence pages: the public verification page the QR code on a licence leads to
//! (验证), and the holder's wallet (一人一企一档) with the licence use log (用证记录).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;
use yiwang_kernel::auth::Actor;

use super::{FormData, PageCx, ser};
use crate::AppState;
use crate::extract::parse_query;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", get(verify_page))
        .route("/my/licences", get(wallet))
        .route("/my/licences/notices/read", post(read_notices))
}

#[derive(Debug, Default, Deserialize)]
struct VerifyQuery {
    id: Option<String>,
}

/// `/verify?id=<证照标识>`: public; answers valid, suspended, revoked, expired, tampered or
/// unknown, with who sealed it and when.
async fn verify_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: VerifyQuery =
        parse_query(cx.path.split_once('?').map(|p| p.1).unwrap_or("")).unwrap_or_default();
    let id = q.id.unwrap_or_default();
    let result = if id.trim().is_empty() {
        None
    } else {
        match state.licences.verify(&id).await {
            Ok(v) => Some(v),
            Err(e) => return cx.fail(&e),
        }
    };
    let verdict = result
        .as_ref()
        .map(|r| i18n::text(&format!("verify.verdict.{}", r.verdict), cx.lang))
        .unwrap_or_default();
    cx.render(
        "verify.html",
        "verify",
        context! { id => id.trim(), result => result.map(|r| ser(&r)), verdict => verdict },
    )
}

/// The signed-in person's licences (or the enterprise's they act for) and their use log.
async fn wallet(State(state): State<AppState>, cx: PageCx) -> Response {
    match &cx.ctx.actor {
        Actor::Person(_) => {}
        Actor::Anonymous => {
            return axum::response::IntoResponse::into_response(axum::response::Redirect::to(
                "/signin?next=%2Fmy%2Flicences",
            ));
        }
        _ => return cx.fail(&yiwang_kernel::Error::forbidden()),
    }
    let licences = match state.licences.wallet(&cx.ctx).await {
        Ok(l) => l,
        Err(e) => return cx.fail(&e),
    };
    let uses = match state.licences.uses(&cx.ctx).await {
        Ok(u) => u,
        Err(e) => return cx.fail(&e),
    };
    let (unread, notices) = match state.licences.notices(&cx.ctx).await {
        Ok(n) => (n.unread, n),
        Err(e) => return cx.fail(&e),
    };
    let notices: Vec<serde_json::Value> = notices
        .items
        .iter()
        .map(|n| {
            let mut v = serde_json::to_value(n).unwrap_or_default();
            v["text"] = match cx.lang {
                yiwang_kernel::i18n::Lang::En => n.text_en.clone(),
                _ => n.text_zh.clone(),
            }
            .into();
            v
        })
        .collect();
    let label = |k: String| i18n::text(&k, cx.lang);
    let today = state
        .clock
        .now()
        .to_offset(yiwang_kernel::clock::CHINA_OFFSET)
        .date();
    let licences: Vec<serde_json::Value> = licences
        .iter()
        .map(|l| {
            let mut v = serde_json::to_value(l).unwrap_or_default();
            let expired = l.status == "valid" && l.valid_to.is_some_and(|d| d < today);
            let status = if expired {
                "expired"
            } else {
                l.status.as_str()
            };
            v["status_label"] = label(format!("wallet.status.{status}")).into();
            v
        })
        .collect();
    let uses: Vec<serde_json::Value> = uses
        .iter()
        .map(|u| {
            let mut v = serde_json::to_value(u).unwrap_or_default();
            v["action_label"] = label(format!("wallet.use.{}", u.action)).into();
            v
        })
        .collect();
    cx.render(
        "wallet.html",
        "wallet",
        context! {
            licences => ser(&licences),
            uses => ser(&uses),
            unread => unread,
            notices => ser(&notices),
        },
    )
}

/// Marks the holder's licence notices read and goes back to the wallet.
async fn read_notices(State(state): State<AppState>, cx: PageCx, _form: FormData) -> Response {
    if !matches!(cx.ctx.actor, Actor::Person(_)) {
        return cx.fail(&yiwang_kernel::Error::forbidden());
    }
    match state.licences.mark_notices_read(&cx.ctx).await {
        Ok(_) => Redirect::to("/my/licences").into_response(),
        Err(e) => cx.fail(&e),
    }
}
