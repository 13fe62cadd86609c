//! Electronic supervision's pages (电子监察): the warnings (`/supervision/warnings`, filtered
//! by rule, colour, status and department — the efficiency supervisor's overdue view is rule
//! `overdue` here), one warning with its supervision case (`/supervision/warnings/{id}`: take,
//! note, directive 督办, conclude with an outcome) and the monitoring rules
//! (`/admin/monitor-rules`). `SupervisionService` decides who may do what and audits it; the
//! pages turn forms into calls and errors into pages.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Permission;
use yiwang_supervision::watch::{Outcome, RuleInput, WarningAction, WarningFilter, WarningView};

use super::auth::FormData;
use super::{PageCx, china_time, flash, id_of, ser};
use crate::AppState;

const LIST: &str = "watch/warnings.html";
const ONE: &str = "watch/warning.html";
const RULES: &str = "watch/rules.html";
const DECLARATION: &str = "watch/declaration.html";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision/warnings", get(list))
        .route("/supervision/warnings/{id}", get(one).post(act))
        .route("/admin/monitor-rules", get(rules))
        .route("/admin/monitor-rules/{code}", post(save_rule))
        .route("/staff/declaration", get(declaration).post(declare))
}

#[derive(Debug, Deserialize, Serialize, Default)]
struct ListQuery {
    rule: Option<String>,
    colour: Option<String>,
    status: Option<String>,
    department: Option<String>,
    case_no: Option<String>,
    page: Option<i64>,
}

fn filled(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

const PAGE: i64 = 50;

#[derive(Serialize)]
struct Row {
    id: i64,
    warning_no: String,
    rule: String,
    case_no: String,
    department: String,
    item_name: String,
    colour: String,
    raised_at: String,
    description: String,
    status: String,
    handler_name: String,
    outcome: String,
}

fn row(w: WarningView, cx: &PageCx) -> Row {
    Row {
        rule: cx.lang.pick(&w.rule_name_zh, &w.rule_name_en).to_string(),
        raised_at: china_time(w.raised_at),
        outcome: w
            .outcome
            .as_deref()
            .and_then(Outcome::parse)
            .map(|o| cx.lang.pick(o.zh(), o.en()).to_string())
            .unwrap_or_default(),
        id: w.id,
        warning_no: w.warning_no,
        case_no: w.case_no,
        department: w.department_name,
        item_name: w.item_name,
        colour: w.colour,
        description: w.description,
        status: w.status,
        handler_name: w.handler_name,
    }
}

async fn list(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: ListQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let page = q.page.unwrap_or(1).max(1);
    let filter = WarningFilter {
        rule: filled(&q.rule),
        colour: filled(&q.colour),
        status: filled(&q.status)
            .or(Some("unconcluded".into()))
            .filter(|s| s != "all"),
        department_id: filled(&q.department).and_then(|d| d.parse().ok()),
        case_no: filled(&q.case_no),
        limit: Some(PAGE),
        offset: Some((page - 1) * PAGE),
    };
    let result = async {
        let found = state.supervision.warnings(&cx.ctx, &filter).await?;
        let rules = state.supervision.monitor_rules(&cx.ctx).await?;
        let departments = super::appeal_work::departments(&state).await?;
        Ok::<_, Error>((found, rules, departments))
    }
    .await;
    match result {
        Ok((found, rules, departments)) => {
            let rows: Vec<Row> = found.items.into_iter().map(|w| row(w, &cx)).collect();
            let rules: Vec<(String, String)> = rules
                .into_iter()
                .map(|r| {
                    let name = cx.lang.pick(&r.name_zh, &r.name_en).to_string();
                    (r.code, name)
                })
                .collect();
            cx.render(
                LIST,
                "watch",
                context! {
                    warnings => ser(&rows), total => found.total, q => ser(&q),
                    status => filter.status.clone().unwrap_or("all".into()),
                    rules => ser(&rules), departments => ser(&departments),
                    page => page, pages => (found.total + PAGE - 1) / PAGE,
                    flash => flash(&cx),
                },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

async fn one_context(state: &AppState, cx: &PageCx, id: i64) -> Result<Value, Error> {
    let w = state.supervision.warning(&cx.ctx, id).await?;
    let can_handle = state.supervision.may_handle_warning(&cx.ctx, &w).await;
    let notes: Vec<Value> = w
        .notes
        .iter()
        .map(|n| {
            context! { at => china_time(n.at), actor_name => n.actor_name.clone(), kind => n.kind.clone(), text => n.text.clone() }
        })
        .collect();
    let outcomes: Vec<(String, String)> = Outcome::ALL
        .iter()
        .map(|o| {
            (
                o.as_str().to_string(),
                cx.lang.pick(o.zh(), o.en()).to_string(),
            )
        })
        .collect();
    Ok(context! {
        warning => ser(&w),
        rule => cx.lang.pick(&w.rule_name_zh, &w.rule_name_en).to_string(),
        raised_at => china_time(w.raised_at),
        detected_at => china_time(w.detected_at),
        taken_at => w.taken_at.map(china_time),
        directive_at => w.directive_at.map(china_time),
        concluded_at => w.concluded_at.map(china_time),
        outcome => w.outcome.as_deref().and_then(Outcome::parse).map(|o| cx.lang.pick(o.zh(), o.en()).to_string()),
        notes => notes,
        outcomes => ser(&outcomes),
        can_handle => can_handle,
        can_read_case => cx.ctx.actor.has(Permission::CaseRead),
    })
}

async fn one(State(state): State<AppState>, cx: PageCx, Path(id): Path<String>) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    match one_context(&state, &cx, id).await {
        Ok(c) => cx.render(ONE, "watch", context! { flash => flash(&cx), ..c }),
        Err(e) => cx.fail(&e),
    }
}

async fn act(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let id = match id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let action = WarningAction {
        action: form.get("action").to_string(),
        text: form.get("text").to_string(),
        outcome: Some(form.get("outcome").to_string()).filter(|s| !s.is_empty()),
        revision: form.get("revision").parse().ok(),
    };
    let done = format!("warning_{}", action.action);
    match state
        .supervision
        .act_on_warning(&cx.ctx, id, action.clone())
        .await
    {
        Ok(_) => Redirect::to(&format!("/supervision/warnings/{id}?done={done}")).into_response(),
        Err(e)
            if e.status() < 500 && e.status() != 401 && e.status() != 403 && e.status() != 404 =>
        {
            match one_context(&state, &cx, id).await {
                Ok(c) => cx.render_error(ONE, "watch", &e, context! { form => ser(&action), ..c }),
                Err(e2) => cx.fail(&e2),
            }
        }
        Err(e) => cx.fail(&e),
    }
}

async fn rules_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let rules = state.supervision.monitor_rules(&cx.ctx).await?;
    let rows: Vec<Value> = rules
        .iter()
        .map(|r| {
            context! {
                code => r.code.clone(), name_zh => r.name_zh.clone(), name_en => r.name_en.clone(),
                kind => r.kind.clone(), params => r.params.to_string(), severity => r.severity.clone(),
                active => r.active, updated_by => r.updated_by.clone(),
                updated_at => r.updated_at.map(china_time),
            }
        })
        .collect();
    Ok(context! {
        rules => rows,
        can_edit => cx.ctx.actor.has(Permission::SupervisionAdmin),
    })
}

async fn rules(State(state): State<AppState>, cx: PageCx) -> Response {
    match rules_context(&state, &cx).await {
        Ok(c) => cx.render(RULES, "admin", context! { flash => flash(&cx), ..c }),
        Err(e) => cx.fail(&e),
    }
}

async fn save_rule(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    form: FormData,
) -> Response {
    let params = match serde_json::from_str::<serde_json::Value>(form.get("params")) {
        Ok(v) => v,
        Err(_) => {
            let e = Error::field(yiwang_kernel::FieldError::new(
                "params",
                "watch.params_json",
                "规则参数应为JSON对象，如 {\"min_returns\": 2}",
                "The settings are a JSON object, e.g. {\"min_returns\": 2}",
            ));
            return match rules_context(&state, &cx).await {
                Ok(c) => cx.render_error(RULES, "admin", &e, context! { editing => code, ..c }),
                Err(e2) => cx.fail(&e2),
            };
        }
    };
    let input = RuleInput {
        name_zh: form.get("name_zh").to_string(),
        name_en: form.get("name_en").to_string(),
        kind: form.get("kind").to_string(),
        params,
        severity: form.get("severity").to_string(),
        active: matches!(form.get("active"), "on" | "true" | "1"),
    };
    match state
        .supervision
        .save_monitor_rule(&cx.ctx, &code, input)
        .await
    {
        Ok(_) => Redirect::to("/admin/monitor-rules?done=monitor_rule_saved").into_response(),
        Err(e) if e.status() == 422 => match rules_context(&state, &cx).await {
            Ok(c) => cx.render_error(RULES, "admin", &e, context! { editing => code, ..c }),
            Err(e2) => cx.fail(&e2),
        },
        Err(e) => cx.fail(&e),
    }
}

/// The signed-in member of staff's own id (the declaration is theirs only).
fn own_id(cx: &PageCx) -> Result<i64, Error> {
    super::casework::need_staff(cx)?;
    cx.ctx.actor.user_id().ok_or_else(Error::forbidden)
}

async fn declaration(State(state): State<AppState>, cx: PageCx) -> Response {
    let result = async {
        let id = own_id(&cx)?;
        state.identity.staff_home_declared(id).await
    }
    .await;
    match result {
        Ok(declared) => cx.render(
            DECLARATION,
            "account",
            context! { declared, flash => flash(&cx) },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn declare(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let id = match own_id(&cx) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    match state
        .identity
        .set_staff_home_address(&cx.ctx, id, form.get("home_address"))
        .await
    {
        Ok(()) => Redirect::to("/staff/declaration?done=home_address_saved").into_response(),
        Err(e) if e.status() == 422 => {
            let declared = state
                .identity
                .staff_home_declared(id)
                .await
                .unwrap_or(false);
            cx.render_error(DECLARATION, "account", &e, context! { declared })
        }
        Err(e) => cx.fail(&e),
    }
}
