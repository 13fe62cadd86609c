//! Pages of the data API's records: the provider's access log (`/staff/exchange/calls`: every
//! read of the department's shared data — who, when, purpose, case number, fields, rows) and
//! the data subject's "who used my data" (`/my/data-uses`, 用数记录: the reading department,
//! never a member of staff, for the person or the enterprise they act for).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;
use yiwang_exchange::access::CallPurpose;
use yiwang_kernel::auth::{Actor, Permission};
use yiwang_kernel::{Error, ErrorCode};

use super::{FormData, PageCx, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/my/data-uses", get(my_data_uses))
        .route("/staff/exchange/calls", get(provider_calls))
        .route("/staff/case-data/{no}", post(verify_applicant))
}

/// The case screen's 共享数据核验 panel: the caller's department's active grants and the reads
/// already recorded against this case (nothing for staff without `exchange.consume`).
pub(super) async fn panel(state: &AppState, cx: &PageCx, case_no: &str) -> Result<Value, Error> {
    if cx.ctx.actor.staff().is_none() || !cx.ctx.actor.has(Permission::ExchangeConsume) {
        return Ok(Value::UNDEFINED);
    }
    let grants = state.exchange_access.my_grants(&cx.ctx).await?;
    let reads = state.exchange_access.case_reads(&cx.ctx, case_no).await?;
    Ok(context! { grants => ser(&grants), reads => ser(&reads) })
}

/// Looks the case's applicant up in the chosen granted resource (by their ID number or USCC),
/// recorded against the case number, and shows the case again with the answer.
async fn verify_applicant(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = super::casework::need_staff(&cx) {
        return cx.fail(&e);
    }
    let code = form.get("resource").trim().to_string();
    let answer = async {
        let key = state.cases.applicant_code(&cx.ctx, &no).await?;
        let purpose = CallPurpose {
            purpose: "办件审查核验申请人信息".into(),
            case_number: no.trim().to_string(),
        };
        state
            .exchange_access
            .lookup(&cx.ctx, &code, &key, &purpose, None)
            .await
    }
    .await;
    let ctx = match super::casework::case_context(&state, &cx, &no).await {
        Ok(c) => c,
        Err(e) => return cx.fail(&e),
    };
    match answer {
        Ok(a) => {
            let values: Vec<(String, String)> = a
                .row
                .as_ref()
                .map(|r| {
                    r.values
                        .iter()
                        .map(|(k, v)| {
                            let text = match v {
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            (k.clone(), text)
                        })
                        .collect()
                })
                .unwrap_or_default();
            cx.render(
                "staff/case.html",
                "cases",
                context! {
                    verify_result => context! {
                        resource => a.resource,
                        found => a.row.is_some(),
                        values => values,
                    },
                    ..ctx
                },
            )
        }
        Err(e) => cx.render_error(
            "staff/case.html",
            "cases",
            &e,
            context! { which => "verify", ..ctx },
        ),
    }
}

/// The signed-in person's (or enterprise's) 用数记录.
async fn my_data_uses(State(state): State<AppState>, cx: PageCx) -> Response {
    match &cx.ctx.actor {
        Actor::Person(_) => {}
        Actor::Anonymous => return Redirect::to("/signin?next=%2Fmy%2Fdata-uses").into_response(),
        _ => return cx.fail(&Error::forbidden()),
    }
    let reads = match state.exchange_access.my_reads(&cx.ctx).await {
        Ok(r) => r,
        Err(e) => return cx.fail(&e),
    };
    let acting_for = match &cx.ctx.actor {
        Actor::Person(p) => p.acting_for.as_ref().map(|a| a.name.clone()),
        _ => None,
    };
    cx.render(
        "data_uses.html",
        "data_uses",
        context! { reads => ser(&reads), acting_for => acting_for },
    )
}

#[derive(Debug, Default, Deserialize)]
struct CallsQuery {
    before: Option<i64>,
}

/// The provider's access log: reads of the signed-in data steward's department's resources.
async fn provider_calls(State(state): State<AppState>, cx: PageCx) -> Response {
    let dept = match &cx.ctx.actor {
        Actor::Staff(s) => s.department_id,
        Actor::Anonymous => return cx.fail(&Error::new(ErrorCode::Unauthenticated)),
        _ => return cx.fail(&Error::forbidden()),
    };
    let q: CallsQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let calls = match state
        .exchange_access
        .provider_log(&cx.ctx, dept, q.before)
        .await
    {
        Ok(c) => c,
        Err(e) => return cx.fail(&e),
    };
    let mut rows = match super::names::actor_names(&state, &cx, &calls, &["actor"]).await {
        Ok(r) => r,
        Err(e) => return cx.fail(&e),
    };
    for (v, c) in rows.iter_mut().zip(&calls) {
        v["fields_text"] = c.items.join("、").into();
    }
    let older = if calls.len() as i64 >= yiwang_exchange::access::reads::LOG_PAGE {
        calls.last().map(|c| c.id)
    } else {
        None
    };
    cx.render(
        "staff/exchange_calls.html",
        "exchange_calls",
        context! { calls => ser(&rows), older => older },
    )
}
