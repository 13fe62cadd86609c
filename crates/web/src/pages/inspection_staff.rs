//! The staff pages of random inspection (双随机、一公开): `/inspections` (the item list, the
//! two pools — entity import, inspectors, conflicts —, the plans and a new plan) and
//! `/inspections/plans/{no}` (draw with the public entropy, the frozen list, results, publish).
//!
//! The supervision service decides who may do what (`inspection.plan`, `inspection.record`)
//! and audits it; the pages only turn forms into calls and errors into pages.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use yiwang_kernel::auth::Permission;
use yiwang_kernel::{Error, ErrorCode, FieldError};
use yiwang_supervision::inspection::draw::Quota;
use yiwang_supervision::inspection::model::{
    ConflictInput, InspectorInput, ItemInput, PlanFilter, PlanInput, PlanQuotas, RESULT_CODES,
    ResultInput,
};

use super::auth::FormData;
use super::{PageCx, flash, ser, urlencode};
use crate::AppState;

const LIST: &str = "staff/inspections.html";
const PLAN: &str = "staff/inspection_plan.html";

/// Largest entity file accepted on the page.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(page))
        .route("/inspections/items", post(save_item))
        .route(
            "/inspections/entities",
            post(import_entities).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/inspections/inspectors", post(save_inspector))
        .route("/inspections/conflicts", post(declare_conflict))
        .route("/inspections/plans", post(create_plan))
        .route("/inspections/plans/{no}", get(plan_page))
        .route("/inspections/plans/{no}/draw", post(draw))
        .route("/inspections/plans/{no}/results", post(record_result))
        .route("/inspections/plans/{no}/publish", post(publish))
}

fn result_codes(cx: &PageCx) -> Vec<Value> {
    RESULT_CODES
        .iter()
        .map(|(c, zh, en)| context! { code => *c, label => cx.lang.pick(zh, en) })
        .collect()
}

async fn list_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let s = &state.supervision;
    let plans = s.inspection_plans(&cx.ctx).await?;
    let items = s.inspection_items().await?;
    let (entities, total) = s.inspection_entities(&cx.ctx, 20, 0).await?;
    let inspectors = s.inspection_inspectors(&cx.ctx).await?;
    let can_plan = cx.ctx.actor.has(Permission::InspectionPlan);
    let conflicts = if can_plan {
        s.inspection_conflicts(&cx.ctx).await?
    } else {
        Vec::new()
    };
    let department_id = cx.ctx.actor.staff().map(|st| st.department_id).unwrap_or(0);
    Ok(context! {
        plans => ser(&plans),
        items => ser(&items),
        entities => ser(&entities),
        entity_total => total,
        inspectors => ser(&inspectors),
        conflicts => ser(&conflicts),
        can_plan => can_plan,
        my_department => department_id,
        my_id => cx.ctx.actor.user_id().unwrap_or(0),
        today => s.inspection_today().to_string(),
    })
}

async fn page(State(state): State<AppState>, cx: PageCx) -> Response {
    match list_context(&state, &cx).await {
        Ok(c) => cx.render(LIST, "inspections", context! { flash => flash(&cx), ..c }),
        Err(e) => cx.fail(&e),
    }
}

/// The list page again with the error box (and what was typed), or the error page.
async fn list_failed(state: &AppState, cx: &PageCx, e: &Error, extra: Value) -> Response {
    if matches!(
        e.code,
        ErrorCode::Unauthenticated | ErrorCode::NotFound | ErrorCode::Forbidden
    ) || e.status() >= 500
    {
        return cx.fail(e);
    }
    match list_context(state, cx).await {
        Ok(c) => cx.render_error(LIST, "inspections", e, context! { ..extra, ..c }),
        Err(e2) => cx.fail(&e2),
    }
}

fn int(form: &FormData, k: &str) -> i64 {
    form.get(k).trim().parse().unwrap_or(0)
}

fn codes(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

fn form_value(form: &FormData) -> Value {
    let map: BTreeMap<String, String> = form.0.iter().cloned().collect();
    ser(&map)
}

async fn save_item(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let input = ItemInput {
        code: form.get("code").to_string(),
        name: form.get("name").to_string(),
        department_id: int(&form, "department_id"),
        legal_basis: form.get("legal_basis").to_string(),
        object_type: form.get("object_type").to_string(),
        active: true,
    };
    match state.supervision.save_inspection_item(&cx.ctx, input).await {
        Ok(_) => Redirect::to("/inspections?done=inspection_saved#items").into_response(),
        Err(e) => list_failed(&state, &cx, &e, context! { item_form => form_value(&form) }).await,
    }
}

async fn import_entities(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let mp = crate::transfer::read_multipart(&headers, body).await?;
        let file = mp
            .files
            .iter()
            .find(|f| f.name == "file" && !f.bytes.is_empty())
            .ok_or_else(|| Error::field(FieldError::required("file")))?;
        let name = if file.file_name.is_empty() {
            "entities.csv".to_string()
        } else {
            file.file_name.clone()
        };
        state
            .supervision
            .import_inspection_entities(&cx.ctx, &name, &file.bytes)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/inspections?done=inspection_imported#pools").into_response(),
        Err(e) => list_failed(&state, &cx, &e, context! {}).await,
    }
}

async fn save_inspector(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let input = InspectorInput {
        staff_id: int(&form, "staff_id"),
        cert_no: form.get("cert_no").to_string(),
        item_codes: codes(form.get("item_codes")),
        active: form.get("active") != "0",
    };
    match state.supervision.save_inspector(&cx.ctx, input).await {
        Ok(_) => Redirect::to("/inspections?done=inspection_saved#pools").into_response(),
        Err(e) => {
            list_failed(
                &state,
                &cx,
                &e,
                context! { inspector_form => form_value(&form) },
            )
            .await
        }
    }
}

async fn declare_conflict(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let input = ConflictInput {
        staff_id: int(&form, "staff_id"),
        uscc: form.get("uscc").to_string(),
        reason: form.get("reason").to_string(),
    };
    match state.supervision.declare_conflict(&cx.ctx, input).await {
        Ok(_) => Redirect::to("/inspections?done=inspection_saved#conflicts").into_response(),
        Err(e) => {
            list_failed(
                &state,
                &cx,
                &e,
                context! { conflict_form => form_value(&form) },
            )
            .await
        }
    }
}

/// A quota from the page: `count` (a number) or `ratio` (‰).
fn quota(kind: &str, n: &str) -> Result<Option<Quota>, FieldError> {
    let n = n.trim();
    if n.is_empty() {
        return Ok(None);
    }
    let v: u64 = n.parse().map_err(|_| {
        FieldError::new(
            "quota",
            "inspection.quota_number",
            "抽查比例或数量应为正整数",
            "A ratio or count is a positive whole number",
        )
    })?;
    Ok(Some(if kind == "count" {
        Quota::Count(v)
    } else {
        Quota::RatioPermille(v)
    }))
}

/// Per-stratum overrides typed as `B=4, C=10‰`.
fn overrides(s: &str) -> Result<BTreeMap<String, Quota>, FieldError> {
    let mut out = BTreeMap::new();
    for part in s.split([',', '，', ';', '；']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let bad = || {
            FieldError::new(
                "strata_quotas",
                "inspection.strata_quotas",
                "分层数量应写成“分层=数量”或“分层=比例‰”，以逗号分隔",
                "Write stratum quotas as \"stratum=count\" or \"stratum=ratio‰\", comma-separated",
            )
        };
        let (k, v) = part.split_once('=').ok_or_else(bad)?;
        let v = v.trim();
        let q = match v.strip_suffix('‰') {
            Some(r) => quota("ratio", r),
            None => quota("count", v),
        }
        .map_err(|_| bad())?
        .ok_or_else(bad)?;
        out.insert(k.trim().to_string(), q);
    }
    Ok(out)
}

async fn create_plan(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let result = async {
        let default = quota(form.get("quota_kind"), form.get("quota")).map_err(Error::field)?;
        let strata = overrides(form.get("strata_quotas")).map_err(Error::field)?;
        let deadline =
            yiwang_calendar::data::parse_date(form.get("deadline").trim()).ok_or_else(|| {
                Error::field(FieldError::new(
                    "deadline",
                    "date.format",
                    "日期格式应为 YYYY-MM-DD",
                    "A date is written YYYY-MM-DD",
                ))
            })?;
        let input = PlanInput {
            title: form.get("title").to_string(),
            department_id: int(&form, "department_id"),
            item_codes: codes(form.get("item_codes")),
            filter: PlanFilter {
                division: form.get("division").trim().to_string(),
                strata: codes(form.get("strata")),
                industry: form.get("industry").trim().to_string(),
            },
            quotas: PlanQuotas { default, strata },
            team_size: u64::try_from(int(&form, "team_size")).unwrap_or(0),
            entropy_source: form.get("entropy_source").to_string(),
            deadline,
        };
        state
            .supervision
            .create_inspection_plan(&cx.ctx, input)
            .await
    }
    .await;
    match result {
        Ok(p) => {
            Redirect::to(&format!("/inspections/plans/{}", urlencode(&p.plan_no))).into_response()
        }
        Err(e) => list_failed(&state, &cx, &e, context! { plan_form => form_value(&form) }).await,
    }
}

async fn plan_context(state: &AppState, cx: &PageCx, no: &str) -> Result<Value, Error> {
    let d = state.supervision.inspection_plan(&cx.ctx, no).await?;
    let me = cx.ctx.actor.user_id().unwrap_or(0);
    let input_json = match &d.draw {
        Some(dr) => serde_json::to_string_pretty(&serde_json::json!({
            "input": dr.input, "outcome": dr.outcome
        }))
        .map_err(Error::internal)?,
        None => String::new(),
    };
    Ok(context! {
        plan => ser(&d.plan),
        draw => ser(&d.draw),
        input_json => input_json,
        result_codes => result_codes(cx),
        can_plan => cx.ctx.actor.has(Permission::InspectionPlan),
        my_id => me,
        today => state.supervision.inspection_today().to_string(),
    })
}

async fn plan_page(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    match plan_context(&state, &cx, &no).await {
        Ok(c) => cx.render(PLAN, "inspections", context! { flash => flash(&cx), ..c }),
        Err(e) => cx.fail(&e),
    }
}

async fn plan_result(
    state: &AppState,
    cx: &PageCx,
    no: &str,
    r: Result<(), Error>,
    done: &str,
    extra: Value,
) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/inspections/plans/{}?done={done}", urlencode(no)))
            .into_response(),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Unauthenticated | ErrorCode::NotFound | ErrorCode::Forbidden
            ) || e.status() >= 500 =>
        {
            cx.fail(&e)
        }
        Err(e) => match plan_context(state, cx, no).await {
            Ok(c) => cx.render_error(PLAN, "inspections", &e, context! { ..extra, ..c }),
            Err(e2) => cx.fail(&e2),
        },
    }
}

async fn draw(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    let r = state
        .supervision
        .draw_inspection(&cx.ctx, &no, form.get("public_entropy"))
        .await
        .map(|_| ());
    plan_result(&state, &cx, &no, r, "inspection_drawn", context! {}).await
}

async fn record_result(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    let r = async {
        let on = yiwang_calendar::data::parse_date(form.get("inspected_on").trim()).ok_or_else(
            || {
                Error::field(FieldError::new(
                    "inspected_on",
                    "date.format",
                    "日期格式应为 YYYY-MM-DD",
                    "A date is written YYYY-MM-DD",
                ))
            },
        )?;
        let input = ResultInput {
            uscc: form.get("uscc").to_string(),
            result_code: form.get("result_code").to_string(),
            inspected_on: Some(on),
            notes: form.get("notes").to_string(),
        };
        state
            .supervision
            .record_inspection_result(&cx.ctx, &no, input)
            .await
            .map(|_| ())
    }
    .await;
    plan_result(&state, &cx, &no, r, "inspection_recorded", context! {}).await
}

async fn publish(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    let r = state
        .supervision
        .publish_inspection(&cx.ctx, &no)
        .await
        .map(|_| ());
    plan_result(&state, &cx, &no, r, "inspection_published", context! {}).await
}
