//! Staff pages of "one thing" bundle definitions (`/staff/bundles`): the list with every
//! version's status, a bundle's versions with the review actions (submit, approve or reject
//! with an opinion, new version, retire with a reason), and the definition's JSON editor — a
//! textarea with the definition, every problem listed by its path (the definition's own rules
//! and its fit to the items' current published versions), a readable preview of the questions,
//! parts and mappings, and the export of a version as a JSON file. The bundles domain decides
//! every rule and permission (`BundleService`); these pages only read the form back.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_bundles::model::{self, Bundle, Condition, Source, Transform};
use yiwang_bundles::service::{BundleHistory, VersionView};
use yiwang_bundles::{ItemSpec, lifecycle};
use yiwang_kernel::auth::Permission;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode};

use super::auth::FormData;
use super::casework::need_staff;
use super::{ErrorView, PageCx, flash, ser, urlencode};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/bundles", get(list))
        .route("/staff/bundles/new", get(new_form).post(create))
        .route("/staff/bundles/{code}", get(history))
        .route(
            "/staff/bundles/{code}/versions/{version}",
            get(editor).post(save),
        )
        .route(
            "/staff/bundles/{code}/versions/{version}/export",
            get(export),
        )
        .route(
            "/staff/bundles/{code}/versions/{version}/{action}",
            post(act),
        )
        .route("/staff/bundles/{code}/new-version", post(new_version))
        .route("/staff/bundles/{code}/retire", post(retire))
}

const NAV: &str = "admin";
const EDITOR: &str = "staff/bundle_editor.html";
const HISTORY: &str = "staff/bundle.html";

/// What the caller may do, for showing only the actions they have.
fn can(cx: &PageCx) -> Value {
    let a = &cx.ctx.actor;
    context! {
        edit => a.has(Permission::CatalogEdit),
        review => a.has(Permission::CatalogReview),
    }
}

fn status_words(table: &[(&str, &str, &str)], lang: Lang) -> Value {
    let m: std::collections::BTreeMap<&str, &str> = table
        .iter()
        .map(|(k, zh, en)| (*k, lang.pick(zh, en)))
        .collect();
    ser(&m)
}

fn words(cx: &PageCx) -> Value {
    context! {
        version => status_words(lifecycle::VERSION_STATES, cx.lang),
        bundle => status_words(lifecycle::BUNDLE_STATES, cx.lang),
    }
}

async fn list(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.bundles.list(&cx.ctx).await {
        Ok(items) => cx.render(
            "staff/bundles.html",
            NAV,
            context! { items => ser(&items), can => can(&cx), words => words(&cx), flash => flash(&cx) },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn history(State(state): State<AppState>, cx: PageCx, Path(code): Path<String>) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.bundles.history(&cx.ctx, &code).await {
        Ok(h) => history_page(&cx, &h, None),
        Err(e) => cx.fail(&e),
    }
}

fn history_page(cx: &PageCx, h: &BundleHistory, e: Option<&Error>) -> Response {
    let open = h.versions.iter().any(|v| lifecycle::open(&v.status));
    let extra = context! {
        h => ser(h), open => open, can => can(cx), words => words(cx), flash => flash(cx),
    };
    match e {
        // A submission's problems are the definition's: named by their paths.
        Some(e) => cx.render_problems(HISTORY, NAV, e, problems_view(e, cx.lang), extra),
        None => cx.render(HISTORY, NAV, extra),
    }
}

// ---- The editor ----

/// One part as the preview shows it.
#[derive(Serialize)]
struct PartPreview {
    key: String,
    item: String,
    /// The item's name (and department) when it is published; empty otherwise.
    item_name: String,
    department: String,
    name: String,
    when: String,
    after: Vec<String>,
    fields: Vec<(String, String)>,
    materials: Vec<(String, String)>,
}

fn condition_text(c: &Condition) -> String {
    match c {
        Condition::Answer { question, values } => format!("{question} ∈ {{{}}}", values.join(", ")),
        Condition::All(cs) => format!(
            "all({})",
            cs.iter().map(condition_text).collect::<Vec<_>>().join("; ")
        ),
        Condition::Any(cs) => format!(
            "any({})",
            cs.iter().map(condition_text).collect::<Vec<_>>().join("; ")
        ),
    }
}

fn source_text(s: &Source) -> String {
    match s {
        Source::Field { field, transform } => match transform {
            None => field.clone(),
            Some(Transform::Map { table }) => format!(
                "{field} → map{{{}}}",
                table
                    .iter()
                    .map(|(a, b)| format!("{a}→{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(Transform::Take { n }) => format!("{field} → take({n})"),
            Some(Transform::Scale { factor }) => format!("{field} × {factor}"),
            Some(Transform::Wrap { prefix, suffix }) => {
                format!("“{prefix}” + {field} + “{suffix}”")
            }
        },
        Source::Join { fields, separator } => format!("join({}; “{separator}”)", fields.join(", ")),
        Source::Answer { question } => format!("answer({question})"),
        Source::Const { value } => format!("“{value}”"),
        Source::Result { part, value } => format!("result({part}.{value})"),
    }
}

/// The readable preview of a definition, with the items' names where they are published.
fn preview(b: &Bundle, items: &std::collections::HashMap<String, ItemSpec>) -> Vec<PartPreview> {
    b.parts
        .iter()
        .map(|p| {
            let i = items.get(&p.item);
            PartPreview {
                key: p.key.clone(),
                item: p.item.clone(),
                item_name: i.map(|i| i.name.clone()).unwrap_or_default(),
                department: i.map(|i| i.department_name.clone()).unwrap_or_default(),
                name: p.name.clone(),
                when: p.when.as_ref().map(condition_text).unwrap_or_default(),
                after: p.after.clone(),
                fields: p
                    .fields
                    .iter()
                    .map(|m| (m.to.clone(), source_text(&m.from)))
                    .collect(),
                materials: p
                    .materials
                    .iter()
                    .map(|m| {
                        let name = b
                            .materials
                            .iter()
                            .find(|x| x.key == m.material)
                            .map(|x| x.name.clone())
                            .unwrap_or_else(|| m.material.clone());
                        (m.entry.clone(), name)
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Every problem of the definition links to its textarea and is named by its path; a
/// reviewer's opinion or a retirement's reason is its own input (labelled on the page).
fn problems_view(e: &Error, lang: Lang) -> ErrorView {
    ErrorView::placed(e, lang, &|path: &str| match path {
        "opinion" | "reason" => (path.to_string(), String::new(), false),
        "" => ("definition".to_string(), "JSON".to_string(), false),
        _ => ("definition".to_string(), path.to_string(), false),
    })
}

/// A definition a new bundle starts from: the shape to fill in.
fn skeleton() -> Bundle {
    let text = r#"{
  "code": "",
  "name": "",
  "name_en": "",
  "theme": "",
  "summary": "",
  "keywords": "",
  "holder": "person",
  "promised_days": 5,
  "questions": [],
  "fields": [],
  "materials": [],
  "parts": [
    {"key": "first", "item": "", "fields": [], "materials": []},
    {"key": "second", "item": "", "after": ["first"], "fields": [], "materials": []}
  ]
}"#;
    model::parse(text).unwrap_or_default()
}

/// What the editor shows of one definition text: the text, the preview when it parses, and
/// the problems found by reading it and checking it.
struct Editing<'a> {
    /// The version shown (none for a new bundle).
    version: Option<&'a VersionView>,
    text: String,
    def: Option<Bundle>,
}

async fn editor_page(
    state: &AppState,
    cx: &PageCx,
    ed: Editing<'_>,
    error: Option<&Error>,
) -> Response {
    // A definition being worked on is checked as the reviewer will check it; a frozen one is
    // what it is.
    let editable = ed.version.is_none_or(|v| !lifecycle::frozen(&v.status));
    let (parts, checks) = match &ed.def {
        Some(b) => {
            let items = match state.bundles.item_specs(b).await {
                Ok(i) => i,
                Err(e) => return cx.fail(&e),
            };
            let checks = if editable && error.is_none() {
                match state.bundles.problems(b).await {
                    Ok(p) => p
                        .iter()
                        .map(|f| (f.field.clone(), f.text(cx.lang).to_string()))
                        .collect(),
                    Err(e) => return cx.fail(&e),
                }
            } else {
                Vec::new()
            };
            (preview(b, &items), checks)
        }
        None => (Vec::new(), Vec::new()),
    };
    let extra = context! {
        v => ser(&ed.version), text => ed.text, def => ser(&ed.def), parts => ser(&parts),
        checks => ser(&checks), checked => ed.def.is_some() && editable && error.is_none(),
        editable => editable, can => can(cx), words => words(cx), flash => flash(cx),
    };
    match error {
        Some(e) => cx.render_problems(EDITOR, NAV, e, problems_view(e, cx.lang), extra),
        None => cx.render(EDITOR, NAV, extra),
    }
}

async fn new_form(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    if !cx.ctx.actor.has(Permission::CatalogEdit) {
        return cx.fail(&Error::forbidden());
    }
    let b = skeleton();
    let ed = Editing {
        version: None,
        text: model::to_text(&b),
        def: None,
    };
    editor_page(&state, &cx, ed, None).await
}

async fn create(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let text = form.get("definition").to_string();
    let result = match model::parse(&text) {
        Ok(b) => state
            .bundles
            .create(&cx.ctx, &b)
            .await
            .map_err(|e| (e, Some(b))),
        Err(f) => Err((Error::field(f), None)),
    };
    match result {
        Ok(v) => Redirect::to(&format!(
            "/staff/bundles/{}/versions/{}?done=bundle_created",
            urlencode(&v.code),
            v.version
        ))
        .into_response(),
        Err((e, def)) if e.status() == 422 => {
            let ed = Editing {
                version: None,
                text,
                def,
            };
            editor_page(&state, &cx, ed, Some(&e)).await
        }
        Err((e, _)) => cx.fail(&e),
    }
}

async fn editor(
    State(state): State<AppState>,
    cx: PageCx,
    Path((code, no)): Path<(String, i64)>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.bundles.version(&cx.ctx, &code, no).await {
        Ok(v) => {
            let ed = Editing {
                version: Some(&v),
                text: model::to_text(&v.def),
                def: Some(v.def.clone()),
            };
            editor_page(&state, &cx, ed, None).await
        }
        Err(e) => cx.fail(&e),
    }
}

async fn save(
    State(state): State<AppState>,
    cx: PageCx,
    Path((code, no)): Path<(String, i64)>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let current = match state.bundles.version(&cx.ctx, &code, no).await {
        Ok(v) => v,
        Err(e) => return cx.fail(&e),
    };
    let text = form.get("definition").to_string();
    let revision: i64 = form.get("revision").trim().parse().unwrap_or(-1);
    let submit = form.get("then") == "submit";
    let def = model::parse(&text);
    let result = match &def {
        Ok(b) => match state.bundles.update(&cx.ctx, &code, no, revision, b).await {
            Ok(v) if submit => state.bundles.submit(&cx.ctx, &code, no, v.revision).await,
            other => other,
        },
        Err(f) => Err(Error::field(f.clone())),
    };
    match result {
        Ok(_) => {
            let done = if submit {
                "bundle_submitted"
            } else {
                "bundle_saved"
            };
            Redirect::to(&format!(
                "/staff/bundles/{}/versions/{no}?done={done}",
                urlencode(&code)
            ))
            .into_response()
        }
        Err(e) if e.status() == 422 || e.code == ErrorCode::Conflict => {
            // Shown as typed, against the version as it is now (a submission refused after
            // saving shows the saved version's new revision).
            let now = match state.bundles.version(&cx.ctx, &code, no).await {
                Ok(v) => v,
                Err(_) => current,
            };
            let ed = Editing {
                version: Some(&now),
                text,
                def: def.ok(),
            };
            editor_page(&state, &cx, ed, Some(&e)).await
        }
        Err(e) => cx.fail(&e),
    }
}

async fn export(
    State(state): State<AppState>,
    cx: PageCx,
    Path((code, no)): Path<(String, i64)>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.bundles.version(&cx.ctx, &code, no).await {
        Ok(v) => crate::api::bundles::definition_download(&v),
        Err(e) => cx.fail(&e),
    }
}

/// Submit, approve or reject a version from the bundle's page.
async fn act(
    State(state): State<AppState>,
    cx: PageCx,
    Path((code, no, action)): Path<(String, i64, String)>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let result = match action.as_str() {
        "submit" => {
            let revision = form.get("revision").trim().parse().unwrap_or(-1);
            state.bundles.submit(&cx.ctx, &code, no, revision).await
        }
        "approve" => {
            state
                .bundles
                .review(&cx.ctx, &code, no, true, form.get("opinion"))
                .await
        }
        "reject" => {
            state
                .bundles
                .review(&cx.ctx, &code, no, false, form.get("opinion"))
                .await
        }
        _ => Err(Error::not_found()),
    };
    let done = match action.as_str() {
        "submit" => "bundle_submitted",
        "approve" => "bundle_published",
        _ => "bundle_rejected",
    };
    match result {
        Ok(_) => Redirect::to(&format!("/staff/bundles/{}?done={done}", urlencode(&code)))
            .into_response(),
        Err(e) if e.status() == 422 || e.status() == 409 => {
            match state.bundles.history(&cx.ctx, &code).await {
                Ok(h) => history_page(&cx, &h, Some(&e)),
                Err(e) => cx.fail(&e),
            }
        }
        Err(e) => cx.fail(&e),
    }
}

async fn new_version(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.bundles.new_version(&cx.ctx, &code).await {
        Ok(v) => Redirect::to(&format!(
            "/staff/bundles/{}/versions/{}?done=bundle_new_version",
            urlencode(&code),
            v.version
        ))
        .into_response(),
        Err(e) if e.status() == 409 => match state.bundles.history(&cx.ctx, &code).await {
            Ok(h) => history_page(&cx, &h, Some(&e)),
            Err(e) => cx.fail(&e),
        },
        Err(e) => cx.fail(&e),
    }
}

async fn retire(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state
        .bundles
        .retire(&cx.ctx, &code, form.get("reason"))
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/staff/bundles/{}?done=bundle_retired",
            urlencode(&code)
        ))
        .into_response(),
        Err(e) if e.status() == 422 || e.status() == 409 => {
            match state.bundles.history(&cx.ctx, &code).await {
                Ok(h) => history_page(&cx, &h, Some(&e)),
                Err(e) => cx.fail(&e),
            }
        }
        Err(e) => cx.fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_conditions_read_as_short_notes() {
        let s: Source = serde_json::from_value(serde_json::json!(
            {"field": {"field": "kind", "transform": {"map": {"table": [["meal", "01"]]}}}}
        ))
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(source_text(&s), "kind → map{meal→01}");
        let s = Source::Result {
            part: "business".into(),
            value: "number".into(),
        };
        assert_eq!(source_text(&s), "result(business.number)");
        let c = Condition::All(vec![
            Condition::Answer {
                question: "food".into(),
                values: vec!["yes".into()],
            },
            Condition::Any(vec![]),
        ]);
        assert_eq!(condition_text(&c), "all(food ∈ {yes}; any())");
        assert_eq!(skeleton().parts.len(), 2);
    }
}
