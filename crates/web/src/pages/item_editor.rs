//! The element editor of an implementation item (事项要素编辑): the page with every element
//! of the draft as inputs (lists padded with empty rows), and the posted form read back into
//! `Elements` with every problem named by its field, then saved through the catalog service.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use yiwang_catalog::model::{Faq, Fee, Material, ProcessStep};
use yiwang_catalog::{Elements, VersionStatus};
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::admin::signed_in;
use super::auth::FormData;
use super::{PageCx, ser};
use crate::AppState;

fn pad<T: Default + Clone>(mut v: Vec<T>, extra: usize) -> Vec<T> {
    v.extend(std::iter::repeat_n(T::default(), extra));
    v
}

fn edit_render(
    cx: &PageCx,
    code: &str,
    version_no: i64,
    revision: i64,
    e: &Elements,
    err: Option<&Error>,
) -> Response {
    let extra = context! {
        item_code => code,
        version_no,
        revision,
        e => ser(e),
        steps => ser(&pad(e.process_steps.clone(), 3)),
        fees => ser(&pad(e.fees.clone(), 2)),
        faqs => ser(&pad(e.faqs.clone(), 2)),
        materials => ser(&pad(e.materials.clone(), 2)),
    };
    match err {
        Some(err) => cx.render_error("admin/edit.html", "admin", err, extra),
        None => cx.render("admin/edit.html", "admin", extra),
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let item = match state.catalog.item(&cx.ctx, &code).await {
        Ok(i) => i,
        Err(e) => return cx.fail(&e),
    };
    match item.open {
        Some(v) if v.status == VersionStatus::Draft => {
            edit_render(&cx, &code, v.version_no, v.revision, &v.elements, None)
        }
        _ => cx.fail(&Error::new(ErrorCode::PublishedImmutable)),
    }
}

fn int(p: &mut Problems, field: &str, s: &str) -> i64 {
    let s = s.trim();
    if s.is_empty() {
        return 0;
    }
    match s.parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            p.push(FieldError::new(
                field,
                "number",
                "应为整数",
                "Must be a whole number",
            ));
            0
        }
    }
}

/// Reads the editor form into elements (inherited elements are left empty: the service keeps
/// the basic directory's).
pub fn elements_from_form(f: &FormData) -> Result<Elements, Error> {
    let mut p = Problems::new();
    let g = |k: &str| f.get(k).trim().to_string();
    let mut e = Elements {
        exercise_level: g("exercise_level"),
        subject_nature: g("subject_nature"),
        power_source: g("power_source"),
        authority_division: g("authority_division"),
        exercise_content: g("exercise_content"),
        joint_departments: g("joint_departments"),
        handling_body: g("handling_body"),
        acceptance_conditions: g("acceptance_conditions"),
        process: g("process"),
        special_procedures: g("special_procedures"),
        intermediary_services: g("intermediary_services"),
        quantity_limit: g("quantity_limit"),
        statutory_unit: g("statutory_unit"),
        statutory_note: g("statutory_note"),
        promised_unit: g("promised_unit"),
        promised_note: g("promised_note"),
        case_type: g("case_type"),
        result_type: g("result_type"),
        result_name: g("result_name"),
        result_sample: g("result_sample"),
        is_fee: f.flag("is_fee"),
        fee_basis: g("fee_basis"),
        online_payment: f.flag("online_payment"),
        service_objects: f.all("service_objects"),
        personal_themes: f.all("personal_themes"),
        enterprise_themes: f.all("enterprise_themes"),
        keywords: g("keywords"),
        handling_forms: f.all("handling_forms"),
        online_depth: f.all("online_depth"),
        online_url: g("online_url"),
        visits_reason: g("visits_reason"),
        cross_scope: g("cross_scope"),
        appointment: f.flag("appointment"),
        express: f.flag("express"),
        in_hall: f.flag("in_hall"),
        location: g("location"),
        hours: g("hours"),
        consult_phone: g("consult_phone"),
        supervise_phone: g("supervise_phone"),
        ..Default::default()
    };
    e.statutory_limit = int(&mut p, "statutory_limit", f.get("statutory_limit"));
    e.promised_limit = int(&mut p, "promised_limit", f.get("promised_limit"));
    e.visits = int(&mut p, "visits", f.get("visits"));
    for i in 0..100 {
        let k = |s: &str| format!("step{i}_{s}");
        if !f.0.iter().any(|(a, _)| a.starts_with(&format!("step{i}_"))) {
            break;
        }
        let s = ProcessStep {
            name: f.get(&k("name")).trim().into(),
            limit: int(
                &mut p,
                &format!("process_steps[{i}].limit"),
                f.get(&k("limit")),
            ),
            description: f.get(&k("description")).trim().into(),
        };
        if !(s.name.is_empty() && s.description.is_empty() && s.limit == 0) {
            e.process_steps.push(s);
        }
    }
    for i in 0..100 {
        let k = |s: &str| format!("fee{i}_{s}");
        if !f.0.iter().any(|(a, _)| a.starts_with(&format!("fee{i}_"))) {
            break;
        }
        let x = Fee {
            name: f.get(&k("name")).trim().into(),
            standard: f.get(&k("standard")).trim().into(),
            basis: f.get(&k("basis")).trim().into(),
            reducible: f.flag(&k("reducible")),
        };
        if !(x.name.is_empty() && x.standard.is_empty() && x.basis.is_empty()) {
            e.fees.push(x);
        }
    }
    for i in 0..100 {
        let k = |s: &str| format!("faq{i}_{s}");
        if !f.0.iter().any(|(a, _)| a.starts_with(&format!("faq{i}_"))) {
            break;
        }
        let x = Faq {
            question: f.get(&k("question")).trim().into(),
            answer: f.get(&k("answer")).trim().into(),
        };
        if !(x.question.is_empty() && x.answer.is_empty()) {
            e.faqs.push(x);
        }
    }
    for i in 0..200 {
        let k = |s: &str| format!("m{i}_{s}");
        if !f.0.iter().any(|(a, _)| a.starts_with(&format!("m{i}_"))) {
            break;
        }
        let m = Material {
            key: f.get(&k("key")).trim().into(),
            name: f.get(&k("name")).trim().into(),
            source: f.get(&k("source")).trim().into(),
            issuer: f.get(&k("issuer")).trim().into(),
            originals: int(
                &mut p,
                &format!("materials[{i}].originals"),
                f.get(&k("originals")),
            ),
            copies: int(
                &mut p,
                &format!("materials[{i}].copies"),
                f.get(&k("copies")),
            ),
            required: f.flag(&k("required")),
            condition: f.get(&k("condition")).trim().into(),
            format: f.get(&k("format")).trim().into(),
            notes: f.get(&k("notes")).trim().into(),
            blank_form: f.get(&k("blank_form")).trim().into(),
            sample: f.get(&k("sample")).trim().into(),
            licence_type: f.get(&k("licence_type")).trim().to_uppercase(),
            replaced_by: f.get(&k("replaced_by")).trim().into(),
        };
        let touched = [
            &m.name,
            &m.issuer,
            &m.notes,
            &m.condition,
            &m.blank_form,
            &m.sample,
            &m.licence_type,
        ]
        .iter()
        .any(|s| !s.is_empty());
        if touched {
            e.materials.push(m);
        }
    }
    p.into_result().map(|_| e)
}

pub(super) async fn edit_save(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let revision = form.get("revision").parse::<i64>().ok();
    let item = match state.catalog.item(&cx.ctx, &code).await {
        Ok(i) => i,
        Err(e) => return cx.fail(&e),
    };
    let Some(open) = item.open.filter(|v| v.status == VersionStatus::Draft) else {
        return cx.fail(&Error::new(ErrorCode::PublishedImmutable));
    };
    // The page edits neither the application form nor the workflow: keep the draft's.
    let parsed = elements_from_form(&form).map(|mut e| {
        e.form = open.elements.form.clone();
        e.workflow = open.elements.workflow.clone();
        e
    });
    let result = match &parsed {
        Ok(e) => state
            .catalog
            .save_draft(&cx.ctx, &code, e, revision)
            .await
            .map(|_| ()),
        Err(e) => Err(e.clone()),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/items/{code}?done=saved")).into_response(),
        Err(e) if e.code == ErrorCode::Unauthenticated || e.code == ErrorCode::Forbidden => {
            cx.fail(&e)
        }
        Err(e) => {
            let mut shown = parsed.unwrap_or_else(|_| open.elements.clone());
            shown.name = open.elements.name.clone();
            shown.basic_code = open.elements.basic_code.clone();
            shown.item_type = open.elements.item_type.clone();
            shown.legal_basis = open.elements.legal_basis.clone();
            shown.department_name = open.elements.department_name.clone();
            shown.department_uscc = open.elements.department_uscc.clone();
            edit_render(
                &cx,
                &code,
                open.version_no,
                revision.unwrap_or(open.revision),
                &shown,
                Some(&e),
            )
        }
    }
}
