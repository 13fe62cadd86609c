//! Staff pages of electronic licences: the register of licences issued within reach
//! (制证发证台账) with suspend / reinstate / revoke, issuing one licence by hand (its face
//! fields as a form from the type's schema), and — for the licence administrator — licence
//! types and the departments' seal keys (rotation).
//!
//! `LicenceService` decides every action; these pages only collect input and show problems
//! next to the inputs they concern.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};
use yiwang_forms::FormField;
use yiwang_kernel::auth::Permission;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode};
use yiwang_licences::{IssueInput, IssuedFilter, LicenceType};

use super::appform::{self, Values};
use super::auth::FormData;
use super::casework::need_staff;
use super::licences::licence_view;
use super::{PageCx, flash, pager, ser, urlencode};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/licences", get(register))
        .route("/staff/licences/new", get(new_page).post(issue))
        .route("/staff/licences/status", post(set_status))
        .route("/staff/licence-types", get(types_page).post(define_type))
        .route("/staff/licence-types/rotate", post(rotate))
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct RegisterQuery {
    q: Option<String>,
    #[serde(rename = "type")]
    type_code: Option<String>,
    status: Option<String>,
    page: Option<u32>,
}

/// `/staff/licences`: licences issued by the departments within the caller's reach.
async fn register(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let raw = cx.query_str().to_string();
    let q: RegisterQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let types = match state.licences.types().await {
        Ok(t) => t,
        Err(e) => return cx.fail(&e),
    };
    let f = IssuedFilter {
        q: q.q.clone(),
        type_code: q.type_code.clone(),
        status: q.status.clone(),
    };
    let page = Page {
        page: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 20,
    };
    let extra = context! {
        q => ser(&q),
        types => ser(&types),
        flash => flash(&cx),
        can_manage => cx.ctx.actor.has(Permission::LicenceManage),
    };
    match state.licences.issued(&cx.ctx, &f, page).await {
        Ok(p) => {
            let day = state.clock.today();
            let items: Vec<serde_json::Value> = p
                .items
                .iter()
                .map(|l| licence_view(cx.lang, day, l))
                .collect();
            let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .filter(|(k, v)| k != "page" && k != "done" && !v.is_empty())
                .collect();
            let base = if pairs.is_empty() {
                "/staff/licences".to_string()
            } else {
                format!(
                    "/staff/licences?{}",
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish()
                )
            };
            cx.render(
                "staff/licences.html",
                "licences",
                context! {
                    items => ser(&items),
                    total => p.total,
                    pager => pager(&base, p.page, p.total, p.size),
                    ..extra
                },
            )
        }
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => {
            let errs = appform::place_errors(&e, cx.lang, &[]);
            cx.render_error(
                "staff/licences.html",
                "licences",
                &e,
                context! { errs => ser(&errs), ..extra },
            )
        }
    }
}

/// Suspends, reinstates or revokes a licence from the register.
async fn set_status(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state
        .licences
        .set_status(
            &cx.ctx,
            form.get("identifier"),
            form.get("status"),
            form.get("reason"),
        )
        .await
    {
        Ok(l) => Redirect::to(&format!(
            "/staff/licences?q={}&done=licence_status",
            urlencode(&l.identifier)
        ))
        .into_response(),
        Err(e) => cx.fail(&e),
    }
}

fn schema_of(t: &LicenceType) -> Vec<FormField> {
    serde_json::from_str(&t.face_schema).unwrap_or_default()
}

/// What the issue form shows again after a problem.
#[derive(Debug, Default, Serialize)]
struct IssueShown {
    holder_name: String,
    holder_code: String,
    number: String,
    department: String,
    previous: String,
}

async fn issue_form(
    state: &AppState,
    cx: &PageCx,
    type_code: &str,
    shown: IssueShown,
    values: &Values,
    errs: &appform::Errs,
    error: Option<&Error>,
) -> Response {
    let types = match state.licences.types().await {
        Ok(t) => t,
        Err(e) => return cx.fail(&e),
    };
    let departments = match state.licences.issuing_departments(&cx.ctx).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let chosen = types.iter().find(|t| t.code == type_code);
    let fields = chosen
        .map(|t| {
            appform::field_views(
                &schema_of(t),
                values,
                errs,
                cx.lang,
                &BTreeMap::new(),
                false,
            )
        })
        .unwrap_or_default();
    let holder_label = chosen
        .map(|t| i18n::text(&format!("licence.holder_code.{}", t.holder_type), cx.lang))
        .unwrap_or_default();
    let extra = context! {
        types => ser(&types),
        chosen => chosen.map(ser),
        fields => ser(&fields),
        holder_label,
        divisions => ser(&appform::division_choices(&state.config.home_division)),
        departments => ser(&departments),
        shown => ser(&shown),
        errs => ser(errs),
    };
    match error {
        Some(e) => cx.render_error("staff/licence_new.html", "licences", e, extra),
        None => cx.render("staff/licence_new.html", "licences", extra),
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(rename = "type")]
    type_code: Option<String>,
    previous: Option<String>,
}

/// `/staff/licences/new?type=<code>`: issue one licence by hand.
async fn new_page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    if !cx.ctx.actor.has(Permission::LicenceIssue) {
        return cx.fail(&Error::forbidden());
    }
    let q: NewQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let shown = IssueShown {
        previous: q.previous.unwrap_or_default(),
        ..Default::default()
    };
    issue_form(
        &state,
        &cx,
        q.type_code.as_deref().unwrap_or(""),
        shown,
        &Values::default(),
        &BTreeMap::new(),
        None,
    )
    .await
}

/// Problems of the face fields (`face.form.<key>`) placed next to their inputs (`f.<key>`).
fn face_errors_as_form(e: &Error) -> Error {
    let mut e = e.clone();
    for f in &mut e.fields {
        if let Some(rest) = f.field.strip_prefix("face.") {
            f.field = if rest.starts_with("form.") {
                rest.to_string()
            } else {
                format!("form.{rest}")
            };
        }
    }
    e
}

async fn issue(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let type_code = form.get("type").to_string();
    let types = match state.licences.types().await {
        Ok(t) => t,
        Err(e) => return cx.fail(&e),
    };
    let schema = types
        .iter()
        .find(|t| t.code == type_code)
        .map(schema_of)
        .unwrap_or_default();
    let values = appform::submitted_values(&schema, &form.0);
    let previous = form.get("previous").trim().to_string();
    let input = IssueInput {
        type_code: type_code.clone(),
        number: form.get("number").to_string(),
        holder_name: form.get("holder_name").to_string(),
        holder_code: form.get("holder_code").trim().to_string(),
        face: appform::form_json(&schema, &values, &BTreeSet::new()),
        issuer_department_id: form.get("department").trim().parse().unwrap_or(0),
        case_no: None,
        previous_identifier: (!previous.is_empty()).then_some(previous.clone()),
    };
    match state.licences.issue(&cx.ctx, &input).await {
        Ok(l) => Redirect::to(&format!(
            "/staff/licences?q={}&done=licence_issued",
            urlencode(&l.identifier)
        ))
        .into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => {
            let placed = face_errors_as_form(&e);
            let errs = appform::place_errors(&placed, cx.lang, &[]);
            let shown = IssueShown {
                holder_name: input.holder_name,
                holder_code: input.holder_code,
                number: input.number,
                department: form.get("department").to_string(),
                previous,
            };
            issue_form(
                &state,
                &cx,
                &type_code,
                shown,
                &values,
                &errs,
                Some(&placed),
            )
            .await
        }
    }
}

/// `/staff/licence-types`: the licence types, the form to define one (licence
/// administrators), and the departments' seal keys with rotation.
async fn types_page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    types_view(&state, &cx, &empty_type(), None).await
}

/// An empty type with one example face field, as the define form starts.
fn empty_type() -> LicenceType {
    LicenceType {
        code: String::new(),
        name: String::new(),
        definer_name: String::new(),
        holder_type: "person".into(),
        face_schema: "[\n  {\"key\": \"address\", \"label\": \"住址\", \"kind\": \"address\", \"required\": true}\n]".into(),
        validity_years: 0,
    }
}

async fn types_view(
    state: &AppState,
    cx: &PageCx,
    form: &LicenceType,
    error: Option<&Error>,
) -> Response {
    let types = match state.licences.types().await {
        Ok(t) => t,
        Err(e) => return cx.fail(&e),
    };
    let keys = match state.licences.seal_keys_by_department().await {
        Ok(k) => k,
        Err(e) => return cx.fail(&e),
    };
    let types: Vec<serde_json::Value> = types
        .iter()
        .map(|t| {
            let mut v = serde_json::to_value(t).unwrap_or_default();
            v["field_labels"] = schema_of(t)
                .iter()
                .map(|f| f.label.clone())
                .collect::<Vec<_>>()
                .join("、")
                .into();
            v["holder_label"] =
                i18n::text(&format!("licence.holder_type.{}", t.holder_type), cx.lang).into();
            v
        })
        .collect();
    let errs = error
        .map(|e| appform::place_errors(e, cx.lang, &[]))
        .unwrap_or_default();
    let extra = context! {
        types => ser(&types),
        keys => ser(&keys),
        form => ser(form),
        errs => ser(&errs),
        flash => flash(cx),
        can_manage => cx.ctx.actor.has(Permission::LicenceManage),
        can_issue => cx.ctx.actor.has(Permission::LicenceIssue),
    };
    match error {
        Some(e) => cx.render_error("staff/licence_types.html", "licences", e, extra),
        None => cx.render("staff/licence_types.html", "licences", extra),
    }
}

async fn define_type(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let years = form.get("validity_years").trim();
    let t = LicenceType {
        code: form.get("code").trim().to_string(),
        name: form.get("name").to_string(),
        definer_name: form.get("definer_name").to_string(),
        holder_type: form.get("holder_type").to_string(),
        face_schema: form.get("face_schema").to_string(),
        // A non-number is refused by the domain (a negative number of years).
        validity_years: if years.is_empty() {
            0
        } else {
            years.parse().unwrap_or(-1)
        },
    };
    match state.licences.define_type(&cx.ctx, &t).await {
        Ok(_) => Redirect::to("/staff/licence-types?done=licence_type_defined").into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => types_view(&state, &cx, &t, Some(&e)).await,
    }
}

async fn rotate(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let Ok(dept) = form.get("department").trim().parse::<i64>() else {
        return cx.fail(&Error::field(yiwang_kernel::FieldError::required(
            "department",
        )));
    };
    match state.licences.rotate_seal(&cx.ctx, dept).await {
        Ok(_) => Redirect::to("/staff/licence-types?done=seal_rotated").into_response(),
        Err(e) => cx.fail(&e),
    }
}
