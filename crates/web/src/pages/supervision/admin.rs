//! The KPI definitions (`/admin/kpis`, 考评管理员): the list, and a form to create or change one
//! (numerator and denominator from the domains' measures, kind, direction, target). The
//! service validates and audits; a refusal or a problem comes back on the page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_kernel::{Error, ErrorCode};

use super::super::appform;
use super::super::auth::FormData;
use super::super::casework::need_staff;
use super::source;
use super::view::KpiView;
use crate::AppState;
use crate::pages::{PageCx, flash, ser};

/// The form's values (an existing definition's, the posted ones, or a new one's defaults).
#[derive(Debug, Clone, Serialize, Default)]
struct DefForm {
    existing: bool,
    code: String,
    name_zh: String,
    name_en: String,
    numerator: String,
    denominator: String,
    kind: String,
    direction: String,
    target: String,
    unit_zh: String,
    unit_en: String,
    position: String,
    description: String,
    basis: String,
    active: bool,
}

fn new_form() -> DefForm {
    DefForm {
        kind: "ratio".into(),
        direction: "up".into(),
        active: true,
        position: "100".into(),
        ..DefForm::default()
    }
}

/// The form of definition `code` as stored (names in both languages come from the source).
fn form_of(d: &KpiView, zh: &str, en: &str, unit_zh: &str, unit_en: &str) -> DefForm {
    DefForm {
        existing: true,
        code: d.code.clone(),
        name_zh: zh.to_string(),
        name_en: en.to_string(),
        numerator: d.numerator.clone(),
        denominator: d.denominator.clone().unwrap_or_default(),
        kind: d.kind.clone(),
        direction: d.direction.clone(),
        target: d.target.map(|t| format!("{t}")).unwrap_or_default(),
        unit_zh: unit_zh.to_string(),
        unit_en: unit_en.to_string(),
        position: d.position.to_string(),
        description: d.description.clone(),
        basis: d.basis.clone(),
        active: d.active,
    }
}

fn posted(form: &FormData) -> DefForm {
    DefForm {
        existing: form.get("existing") == "1",
        code: form.get("code").trim().to_string(),
        name_zh: form.get("name_zh").to_string(),
        name_en: form.get("name_en").to_string(),
        numerator: form.get("numerator").to_string(),
        denominator: form.get("denominator").to_string(),
        kind: form.get("kind").to_string(),
        direction: form.get("direction").to_string(),
        target: form.get("target").to_string(),
        unit_zh: form.get("unit_zh").to_string(),
        unit_en: form.get("unit_en").to_string(),
        position: form.get("position").to_string(),
        description: form.get("description").to_string(),
        basis: form.get("basis").to_string(),
        active: form.flag("active"),
    }
}

#[derive(Serialize)]
struct MeasureOpt {
    code: String,
    name: String,
}

async fn page_context(state: &AppState, cx: &PageCx, f: DefForm) -> Result<Value, Error> {
    let defs = source::definitions(state, cx).await?;
    let measures: Vec<MeasureOpt> = source::measures(state, cx)
        .into_iter()
        .map(|(code, name)| MeasureOpt { code, name })
        .collect();
    Ok(context! {
        defs => ser(&defs),
        measures => ser(&measures),
        f => ser(&f),
        flash => flash(cx),
    })
}

pub(super) async fn list(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let edit: Option<String> = form_urlencoded::parse(cx.query_str().as_bytes())
        .find(|(k, _)| k == "edit")
        .map(|(_, v)| v.into_owned());
    let f = match edit {
        None => new_form(),
        Some(code) => match source::definition_form(&state, &cx, &code).await {
            Ok(Some((d, zh, en, uzh, uen))) => form_of(&d, &zh, &en, &uzh, &uen),
            Ok(None) => return cx.fail(&Error::not_found()),
            Err(e) => return cx.fail(&e),
        },
    };
    match page_context(&state, &cx, f).await {
        Ok(ctx) => cx.render("admin/supervision_kpis.html", "admin", ctx),
        Err(e) => cx.fail(&e),
    }
}

pub(super) async fn save(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match source::save_definition(&state, &cx, &form).await {
        Ok(()) => Redirect::to("/admin/kpis?done=kpi_saved").into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => match page_context(&state, &cx, posted(&form)).await {
            Ok(ctx) => cx.render_error(
                "admin/supervision_kpis.html",
                "admin",
                &e,
                context! { errs => ser(&appform::place_errors(&e, cx.lang, &[])), ..ctx },
            ),
            Err(e2) => cx.fail(&e2),
        },
    }
}
