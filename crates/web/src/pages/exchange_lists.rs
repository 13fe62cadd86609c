//! The three lists (三清单, `/staff/exchange/lists`): the responsibility list, the negative list
//! and the demand list (需求清单) with its forms — a department's staff file a demand (what
//! they need that nobody provides); the division's data administrator assigns it to a provider
//! department, marks it met by a published resource, or declines it with a reason; a provider's
//! steward claims it with the resource that will serve it and marks it provided. The exchange
//! domain decides who may do what and in which state; a refused form is shown again with each
//! problem next to its input and what was typed.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use yiwang_exchange::lists::{ClaimDemand, DemandStatus, NewDemand};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appform::place_errors;
use super::casework::need_staff;
use super::{FormData, PageCx, flash, id_of, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/exchange/lists", get(lists))
        .route("/staff/exchange/demands", post(file))
        .route("/staff/exchange/demands/{id}/{action}", post(work))
}

const NAV: &str = "exchange";

/// The lists page; `failed` is the form that was refused (`0`: the new demand, else the
/// demand's id) with its error, `typed` what was typed into it.
async fn lists_page(
    state: &AppState,
    cx: &PageCx,
    failed: Option<(i64, &Error)>,
    typed: Value,
) -> Response {
    if let Err(e) = need_staff(cx) {
        return cx.fail(&e);
    }
    let s = &state.exchange;
    let duties = match s.responsibility_list(&cx.ctx, None).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let negative = match s.negative_list(&cx.ctx).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let demands = match s.demands(&cx.ctx, None).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let areas = cx.exchange_areas();
    // The departments a demand may be assigned to (the administrator's division).
    let departments: Vec<Value> = if areas.work_demands {
        match s.provider_departments(&cx.ctx).await {
            Ok(d) => d
                .iter()
                .map(|d| context! { id => d.id, name => d.name.clone() })
                .collect(),
            Err(e) => return cx.fail(&e),
        }
    } else {
        Vec::new()
    };
    let demands: Vec<Value> = demands
        .iter()
        .map(|d| {
            let label = if cx.lang.as_str() == "zh" {
                d.status.zh()
            } else {
                d.status.as_str()
            };
            context! {
                d => ser(d), label => label,
                awaits_provider => d.status.awaits_provider(),
                unfinished => d.status.unfinished(),
                claimed => d.status == DemandStatus::Claimed,
            }
        })
        .collect();
    let extra = context! {
        duties => ser(&duties), negative => ser(&negative), demands => demands,
        departments => departments, flash => flash(cx), typed => typed,
    };
    match failed {
        Some((id, e)) => cx.render_error(
            "staff/exchange_lists.html",
            NAV,
            e,
            context! { failed => id, errs => ser(&place_errors(e, cx.lang, &[])), ..extra },
        ),
        None => cx.render("staff/exchange_lists.html", NAV, extra),
    }
}

async fn lists(State(state): State<AppState>, cx: PageCx) -> Response {
    lists_page(&state, &cx, None, Value::UNDEFINED).await
}

/// The data items a demand names, one per line or separated by commas or 、.
fn names(s: &str) -> Vec<String> {
    s.split(['\n', ',', '，', '、', ';', '；'])
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// A department's staff file a demand for their own department.
async fn file(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let department_id = match &cx.ctx.actor {
        Actor::Staff(s) => s.department_id,
        Actor::Anonymous => return cx.fail(&Error::new(ErrorCode::Unauthenticated)),
        _ => return cx.fail(&Error::forbidden()),
    };
    let input = NewDemand {
        department_id,
        name: form.get("name").to_string(),
        description: form.get("description").to_string(),
        fields: names(form.get("fields")),
        purpose: form.get("purpose").to_string(),
        basis: form.get("basis").to_string(),
    };
    match state.exchange.create_demand(&cx.ctx, &input).await {
        Ok(d) => Redirect::to(&format!(
            "/staff/exchange/lists?done=excat_demand_filed#demand-{}",
            d.id
        ))
        .into_response(),
        Err(e) if e.status() == 422 => {
            let typed = context! {
                name => form.get("name"), description => form.get("description"),
                fields => form.get("fields"), purpose => form.get("purpose"),
                basis => form.get("basis"),
            };
            lists_page(&state, &cx, Some((0, &e)), typed).await
        }
        Err(e) => cx.fail(&e),
    }
}

/// Work on one demand: `assign` (department), `meet` (resource code) and `decline` (reason)
/// by the data administrator; `claim` (resource code) and `provided` by a provider's steward.
async fn work(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, action)): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let s = &state.exchange;
    let code = form.get("resource_code").trim().to_string();
    let result = match action.as_str() {
        "assign" => match form.get("department_id").trim().parse() {
            Ok(dept) => s.assign_demand(&cx.ctx, id, dept).await,
            Err(_) => Err(Error::field(FieldError::new(
                "department_id",
                "one_of",
                "请选择提供方部门",
                "Choose the provider department",
            ))),
        },
        "meet" => s.meet_demand(&cx.ctx, id, &code).await,
        "decline" => s.decline_demand(&cx.ctx, id, form.get("reason")).await,
        "claim" => {
            let department_id = match &cx.ctx.actor {
                Actor::Staff(st) => st.department_id,
                _ => return cx.fail(&Error::forbidden()),
            };
            let input = ClaimDemand {
                department_id,
                resource_code: code.clone(),
            };
            s.claim_demand(&cx.ctx, id, &input).await
        }
        "provided" => s.demand_provided(&cx.ctx, id).await,
        _ => return cx.fail(&Error::not_found()),
    };
    match result {
        Ok(d) => Redirect::to(&format!(
            "/staff/exchange/lists?done=excat_demand_{action}#demand-{}",
            d.id
        ))
        .into_response(),
        Err(e) if e.status() == 422 => {
            let typed = context! {
                action => action, resource_code => code, reason => form.get("reason"),
                department_id => form.get("department_id"),
            };
            lists_page(&state, &cx, Some((id, &e)), typed).await
        }
        Err(e) => cx.fail(&e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn demanded_items_are_read_one_per_line_or_separated() {
        assert_eq!(
            super::names("护照号码、姓名\n 签发日期 ,,"),
            ["护照号码", "姓名", "签发日期"]
        );
    }
}
