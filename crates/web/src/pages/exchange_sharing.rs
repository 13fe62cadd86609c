//! Data sharing pages (数据共享申请): the consumer's request form and "my requests" with the
//! grants held, the provider's inbox with grant and refuse forms and the grants given (with
//! revocation), the supervisor's view of undecided requests (yellow/red), and the sharing
//! statistics. Every page follows the API's order (who → form → domain → page); a refused form
//! shows again with each problem next to its input.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_exchange::Resource;
use yiwang_exchange::sharing::{GrantInput, ReasonInput, RequestInput, Side};
use yiwang_kernel::Error;
use yiwang_kernel::auth::{Actor, Permission};

use super::appform::place_errors;
use super::{FormData, PageCx, flash, id_of, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/exchange/requests", get(my_requests).post(submit))
        .route("/staff/exchange/requests/new", get(new_request))
        .route("/staff/exchange/requests/{id}/withdraw", post(withdraw))
        .route("/staff/exchange/inbox", get(inbox))
        .route("/staff/exchange/requests/{id}/{decision}", post(decide))
        .route("/staff/exchange/grants/{id}/revoke", post(revoke))
        .route("/staff/exchange/supervision", get(supervision))
        .route("/staff/exchange/stats", get(stats))
}

const NAV: &str = "exchange";

fn staff_department(cx: &PageCx) -> Result<i64, Error> {
    match &cx.ctx.actor {
        Actor::Staff(s) => Ok(s.department_id),
        Actor::Anonymous => Err(Error::new(yiwang_kernel::ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

// ---- The consumer: my requests, the request form, withdrawal ----

async fn my_requests(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = staff_department(&cx) {
        return cx.fail(&e);
    }
    let requests = match state.sharing.requests(&cx.ctx, Side::Made, None).await {
        Ok(r) => r,
        Err(e) => return cx.fail(&e),
    };
    let grants = match state.sharing.grants(&cx.ctx, false).await {
        Ok(g) => g,
        Err(e) => return cx.fail(&e),
    };
    cx.render(
        "staff/exchange_requests.html",
        NAV,
        context! {
            requests => ser(&requests), grants => ser(&grants), flash => flash(&cx),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    resource: Option<String>,
}

/// The values a request form shows (what was typed, on a refused form).
#[derive(Debug, Default, Serialize)]
struct Typed {
    resource_code: String,
    fields: Vec<String>,
    purpose: String,
    scenario: String,
    legal_basis: String,
    service_items: String,
    from: String,
    to: String,
}

async fn request_form(
    state: &AppState,
    cx: &PageCx,
    code: &str,
    typed: Typed,
    error: Option<&Error>,
) -> Response {
    let resource: Option<Resource> = if code.trim().is_empty() {
        None
    } else {
        match state.exchange.published_by_code(code.trim()).await {
            Ok(r) => r,
            Err(e) => return cx.fail(&e),
        }
    };
    let share = resource.as_ref().map(|r| r.meta.share_type.code());
    let extra = context! {
        resource => ser(&resource), share => share, code => code.trim(),
        typed => ser(&typed), missing => !code.trim().is_empty() && resource.is_none(),
    };
    match error {
        Some(e) => cx.render_error(
            "staff/exchange_request_new.html",
            NAV,
            e,
            context! { errs => ser(&place_errors(e, cx.lang, &[])), ..extra },
        ),
        None => cx.render("staff/exchange_request_new.html", NAV, extra),
    }
}

async fn new_request(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = staff_department(&cx) {
        return cx.fail(&e);
    }
    let q: NewQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let code = q.resource.unwrap_or_default();
    let today = state.clock.today();
    let typed = Typed {
        resource_code: code.clone(),
        from: today.to_string(),
        to: today
            .replace_year(today.year() + 1)
            .map(|d| d.previous_day().unwrap_or(d))
            .unwrap_or(today)
            .to_string(),
        ..Default::default()
    };
    request_form(&state, &cx, &code, typed, None).await
}

async fn submit(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let dept = match staff_department(&cx) {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let items: Vec<String> = form
        .get("service_items")
        .split([',', '，', ' ', '\n', '、'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let input = RequestInput {
        resource_code: form.get("resource_code").trim().to_string(),
        consumer_department_id: dept,
        fields: form.all("fields"),
        purpose: form.get("purpose").to_string(),
        scenario: form.get("scenario").to_string(),
        legal_basis: form.get("legal_basis").to_string(),
        service_items: items,
        from: form.get("from").to_string(),
        to: form.get("to").to_string(),
    };
    match state.sharing.submit(&cx.ctx, &input).await {
        Ok(r) => Redirect::to(&format!(
            "/staff/exchange/requests?done=exchange_{}#request-{}",
            r.status.as_str(),
            r.id
        ))
        .into_response(),
        Err(e) if e.status() == 422 || e.status() == 409 => {
            let typed = Typed {
                resource_code: input.resource_code.clone(),
                fields: input.fields,
                purpose: input.purpose,
                scenario: input.scenario,
                legal_basis: input.legal_basis,
                service_items: form.get("service_items").to_string(),
                from: input.from,
                to: input.to,
            };
            request_form(&state, &cx, &input.resource_code, typed, Some(&e)).await
        }
        Err(e) => cx.fail(&e),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let input = ReasonInput {
        reason: form.get("reason").to_string(),
    };
    match state.sharing.withdraw(&cx.ctx, id, &input).await {
        Ok(_) => Redirect::to("/staff/exchange/requests?done=exchange_withdrawn").into_response(),
        Err(e) => cx.fail(&e),
    }
}

// ---- The provider: inbox, grant / refuse, revoke ----

async fn inbox_page(
    state: &AppState,
    cx: &PageCx,
    failed: Option<(i64, &Error)>,
    typed: Value,
) -> Response {
    if let Err(e) = staff_department(cx) {
        return cx.fail(&e);
    }
    let requests = match state.sharing.requests(&cx.ctx, Side::Received, None).await {
        Ok(r) => r,
        Err(e) => return cx.fail(&e),
    };
    let grants = match state.sharing.grants(&cx.ctx, true).await {
        Ok(g) => g,
        Err(e) => return cx.fail(&e),
    };
    let (pending, decided): (Vec<_>, Vec<_>) = requests
        .into_iter()
        .partition(|r| r.status == yiwang_exchange::sharing::RequestStatus::Submitted);
    let extra = context! {
        pending => ser(&pending), decided => ser(&decided), grants => ser(&grants),
        flash => flash(cx), typed => typed,
    };
    match failed {
        Some((id, e)) => cx.render_error(
            "staff/exchange_inbox.html",
            NAV,
            e,
            context! { failed => id, errs => ser(&place_errors(e, cx.lang, &[])), ..extra },
        ),
        None => cx.render("staff/exchange_inbox.html", NAV, extra),
    }
}

async fn inbox(State(state): State<AppState>, cx: PageCx) -> Response {
    inbox_page(&state, &cx, None, Value::UNDEFINED).await
}

fn opt(form: &FormData, k: &str) -> Option<String> {
    Some(form.get(k).trim().to_string()).filter(|s| !s.is_empty())
}

async fn decide(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, decision)): Path<(String, String)>,
    form: FormData,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let result = match decision.as_str() {
        "grant" => {
            let fields = form.all("fields");
            let rate = form.get("rate_per_minute").trim();
            let input = GrantInput {
                fields: (!fields.is_empty()).then_some(fields),
                from: opt(&form, "from"),
                to: opt(&form, "to"),
                // A rate that is not a number is refused by the rule's range.
                rate_per_minute: rate.parse().unwrap_or(0),
            };
            state
                .sharing
                .grant(&cx.ctx, id, &input)
                .await
                .map(|_| "exchange_granted")
        }
        "refuse" => {
            let input = ReasonInput {
                reason: form.get("reason").to_string(),
            };
            state
                .sharing
                .refuse(&cx.ctx, id, &input)
                .await
                .map(|_| "exchange_refused")
        }
        _ => Err(Error::not_found()),
    };
    match result {
        Ok(done) => Redirect::to(&format!("/staff/exchange/inbox?done={done}")).into_response(),
        Err(e) if e.status() == 422 => {
            let typed = context! {
                from => form.get("from"), to => form.get("to"),
                rate_per_minute => form.get("rate_per_minute"), reason => form.get("reason"),
            };
            inbox_page(&state, &cx, Some((id, &e)), typed).await
        }
        Err(e) => cx.fail(&e),
    }
}

async fn revoke(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let input = ReasonInput {
        reason: form.get("reason").to_string(),
    };
    match state.sharing.revoke(&cx.ctx, id, &input).await {
        Ok(_) => Redirect::to("/staff/exchange/inbox?done=exchange_revoked").into_response(),
        Err(e) if e.status() == 422 => {
            let typed = context! { revoke_reason => form.get("reason") };
            inbox_page(&state, &cx, Some((-id, &e)), typed).await
        }
        Err(e) => cx.fail(&e),
    }
}

// ---- The supervisor: undecided requests; statistics ----

async fn supervision(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = staff_department(&cx) {
        return cx.fail(&e);
    }
    match state.sharing.supervision(&cx.ctx).await {
        Ok(list) => cx.render(
            "staff/exchange_supervision.html",
            NAV,
            context! { requests => ser(&list) },
        ),
        Err(e) => cx.fail(&e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn stats(State(state): State<AppState>, cx: PageCx) -> Response {
    let dept = match staff_department(&cx) {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let q: StatsQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let today = state.clock.today();
    let period = crate::api::exchange_sharing::PeriodQuery {
        from: q.from,
        to: q.to,
    };
    let (from, to) = match crate::api::exchange_sharing::period_of(&period, today) {
        Ok(p) => p,
        Err(e) => {
            let e = e.fields.first().cloned().map(super::bad_query).unwrap_or(e);
            return cx.fail(&e);
        }
    };
    // The supervisor sees every department in reach; a steward their own.
    let rows = if cx.ctx.actor.has(Permission::ExchangeSupervise) {
        state.sharing.stats_all(&cx.ctx, from, to).await
    } else {
        state
            .sharing
            .stats(&cx.ctx, dept, from, to)
            .await
            .map(|s| vec![s])
    };
    match rows {
        Ok(rows) => cx.render(
            "staff/exchange_stats.html",
            NAV,
            context! {
                rows => ser(&rows), from => from.to_string(), to => to.to_string(),
            },
        ),
        Err(e) => cx.fail(&e),
    }
}
