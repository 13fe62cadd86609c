//! The data steward's resource editor (编目): registering a new resource (`/staff/exchange/new`:
//! provider, classification, optional sequence, and the metadata), a version's editor with
//! its data items as rows — type code, length, key and personal flags and each item's quality
//! rules (required, length, pattern, ID number/USCC check, code list, date range, unique,
//! reference) — submitting it, starting a new version, and the data administrator's approval
//! or rejection. The exchange domain decides every rule (`ResourceMeta::check`, the service's
//! authorisation); this page only reads the form back and shows each problem next to its
//! input, keeping what was typed.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_exchange::NewResource;
use yiwang_exchange::model::{
    DataItem, ItemType, OpenType, QualityRule, ResourceFormat, ResourceMeta, ShareMethod,
    ShareType, UpdateCycle,
};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::auth::FormData;
use super::casework::need_staff;
use super::exchange_catalog::codes;
use super::{ErrorView, PageCx, flash, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/exchange/new", get(new_form).post(create))
        .route(
            "/staff/exchange/resources/{id}/versions/{version}",
            get(editor).post(save),
        )
        .route(
            "/staff/exchange/resources/{id}/versions/{version}/{action}",
            post(act),
        )
        .route(
            "/staff/exchange/resources/{id}/new-version",
            post(new_version),
        )
}

const TEMPLATE: &str = "staff/exchange_editor.html";
const NAV: &str = "exchange";
/// Blank item rows a new resource's form offers (an edited version offers one).
const NEW_ROWS: usize = 3;

/// One item's quality rules as the editor's inputs show them.
#[derive(Debug, Default, Serialize)]
struct RuleView {
    required: bool,
    max_length: String,
    pattern: String,
    id_number: bool,
    uscc: bool,
    code_list: String,
    date_from: String,
    date_to: String,
    unique: bool,
    reference: String,
    /// How many rules the item has.
    count: usize,
    /// A rule of the item has a problem: its rules are shown open.
    open: bool,
}

fn rule_view(rules: &[QualityRule]) -> RuleView {
    let mut v = RuleView {
        count: rules.len(),
        ..RuleView::default()
    };
    for r in rules {
        match r {
            QualityRule::Required => v.required = true,
            QualityRule::MaxLength { max } => v.max_length = max.to_string(),
            QualityRule::Pattern { pattern } => v.pattern = pattern.clone(),
            QualityRule::IdNumber => v.id_number = true,
            QualityRule::Uscc => v.uscc = true,
            QualityRule::CodeList { values } => v.code_list = values.join("、"),
            QualityRule::DateRange { from, to } => {
                v.date_from = from.clone().unwrap_or_default();
                v.date_to = to.clone().unwrap_or_default();
            }
            QualityRule::Unique => v.unique = true,
            QualityRule::Reference { resource } => v.reference = resource.clone(),
        }
    }
    v
}

/// The rule views of `meta`'s items, open where `e` names a rule of the item.
fn rule_views(meta: &ResourceMeta, e: Option<&Error>) -> Vec<RuleView> {
    meta.items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let mut v = rule_view(&i.rules);
            let prefix = format!("items[{n}].rules");
            v.open = e.is_some_and(|e| e.fields.iter().any(|f| f.field.starts_with(&prefix)));
            v
        })
        .collect()
}

fn number(field: String) -> FieldError {
    FieldError::new(field, "number", "应为正整数", "Give a whole number")
}

/// Item `p`'s quality rules from the form (`items[i].rules.<rule>`), in a fixed order.
fn rules_of(form: &FormData, p: &str, problems: &mut Vec<FieldError>) -> Vec<QualityRule> {
    let g = |k: &str| form.get(&format!("{p}.rules.{k}")).trim().to_string();
    let on = |k: &str| form.flag(&format!("{p}.rules.{k}"));
    let mut rules = Vec::new();
    if on("required") {
        rules.push(QualityRule::Required);
    }
    match g("max_length").as_str() {
        "" => {}
        s => match s.parse() {
            Ok(max) => rules.push(QualityRule::MaxLength { max }),
            Err(_) => problems.push(number(format!("{p}.rules.max_length"))),
        },
    }
    // A pattern is kept as typed (spaces may matter); blank means none.
    let pattern = form.get(&format!("{p}.rules.pattern"));
    if !pattern.trim().is_empty() {
        rules.push(QualityRule::Pattern {
            pattern: pattern.to_string(),
        });
    }
    if on("id_number") {
        rules.push(QualityRule::IdNumber);
    }
    if on("uscc") {
        rules.push(QualityRule::Uscc);
    }
    let codes = g("code_list");
    if !codes.is_empty() {
        rules.push(QualityRule::CodeList {
            values: codes
                .split(['、', ',', '，', ';', '；', '\n'])
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
        });
    }
    let (from, to) = (g("date_from"), g("date_to"));
    if !from.is_empty() || !to.is_empty() {
        rules.push(QualityRule::DateRange {
            from: Some(from).filter(|s| !s.is_empty()),
            to: Some(to).filter(|s| !s.is_empty()),
        });
    }
    if on("unique") {
        rules.push(QualityRule::Unique);
    }
    let reference = g("reference");
    if !reference.is_empty() {
        rules.push(QualityRule::Reference {
            resource: reference,
        });
    }
    rules
}

/// A choice of a code table read back; one not offered is a problem (the first value stands
/// in for it, so the form can be shown again).
fn choice<T: Copy>(
    v: &str,
    field: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    problems: &mut Vec<FieldError>,
) -> T {
    parse(v).unwrap_or_else(|| {
        problems.push(FieldError::new(
            field,
            "one_of",
            "请从列表中选择",
            "Choose one of the listed values",
        ));
        all[0]
    })
}

/// The editor's form back to metadata, with the problems of reading it (a number that is not
/// one, a choice not offered). Item rows are `items[i].…` for `i` in `0..=item_count`; a row
/// without name and field (a blank row) or marked for removal is left out.
fn meta_of(form: &FormData) -> (ResourceMeta, Vec<FieldError>) {
    let mut problems = Vec::new();
    let pick = |k: &str| form.get(k).trim().to_string();
    let last: usize = form.get("item_count").parse().unwrap_or(0).min(500);
    let mut items = Vec::new();
    for i in 0..=last {
        let p = format!("items[{i}]");
        let g = |k: &str| form.get(&format!("{p}.{k}")).trim().to_string();
        if form.flag(&format!("{p}.remove")) || (g("name").is_empty() && g("field").is_empty()) {
            continue;
        }
        // Problems are named by the row the item will have once saved.
        let n = items.len();
        let q = format!("items[{n}]");
        let length = match g("length").as_str() {
            "" => None,
            s => s
                .parse()
                .map_err(|_| problems.push(number(format!("{q}.length"))))
                .ok(),
        };
        let item_type = choice(
            &g("type"),
            &format!("{q}.type"),
            ItemType::parse,
            ItemType::ALL,
            &mut problems,
        );
        let mut rule_problems = Vec::new();
        let rules = rules_of(form, &p, &mut rule_problems);
        problems.extend(rule_problems.into_iter().map(|f| FieldError {
            field: f.field.replacen(&p, &q, 1),
            ..f
        }));
        items.push(DataItem {
            name: g("name"),
            field: g("field"),
            item_type,
            length,
            key: form.flag(&format!("{p}.key")),
            personal: form.flag(&format!("{p}.personal")),
            description: g("description"),
            rules,
        });
    }
    let format = choice(
        &pick("format"),
        "format",
        ResourceFormat::parse,
        ResourceFormat::ALL,
        &mut problems,
    );
    let share_type = choice(
        &pick("share_type"),
        "share_type",
        ShareType::parse,
        ShareType::ALL,
        &mut problems,
    );
    let share_method = choice(
        &pick("share_method"),
        "share_method",
        ShareMethod::parse,
        ShareMethod::ALL,
        &mut problems,
    );
    let open_type = choice(
        &pick("open_type"),
        "open_type",
        OpenType::parse,
        OpenType::ALL,
        &mut problems,
    );
    let update_cycle = choice(
        &pick("update_cycle"),
        "update_cycle",
        UpdateCycle::parse,
        UpdateCycle::ALL,
        &mut problems,
    );
    let meta = ResourceMeta {
        name: pick("name"),
        summary: pick("summary"),
        format,
        items,
        share_type,
        share_condition: pick("share_condition"),
        share_basis: pick("share_basis"),
        share_method,
        open_type,
        open_condition: pick("open_condition"),
        update_cycle,
        related: pick("related")
            .split([',', '，', ' ', '、'])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    };
    (meta, problems)
}

/// The problems of reading the form, with the domain's own check of what could be read (so
/// every problem shows at once); `None` when the form read cleanly.
fn read_problems(meta: &ResourceMeta, mut problems: Vec<FieldError>) -> Option<Error> {
    if problems.is_empty() {
        return None;
    }
    if let Err(e) = meta.check() {
        problems.extend(e.fields);
    }
    Some(Error::validation(problems))
}

/// The input a problem's path concerns: the path itself (the inputs are named after the
/// domain's paths), except a related code (`related[2]` → `related`) and a date range (its
/// start input).
fn input_of(path: &str) -> String {
    if path.starts_with("related[") {
        return "related".into();
    }
    if let Some(row) = path.strip_suffix(".rules.date_range") {
        return format!("{row}.rules.date_from");
    }
    path.to_string()
}

/// The page's error view: each problem next to its input and linked from the summary.
fn problems_view(e: &Error, lang: Lang) -> ErrorView {
    let mut view = ErrorView::placed(e, lang, &|p: &str| (input_of(p), String::new(), false));
    view.by_field.clear();
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    for f in &e.fields {
        let text = f.text(lang).to_string();
        view.by_field
            .entry(input_of(&f.field))
            .and_modify(|t| {
                if !t.contains(&text) {
                    t.push_str(sep);
                    t.push_str(&text);
                }
            })
            .or_insert(text);
    }
    view
}

fn staff_department(cx: &PageCx) -> Option<i64> {
    match &cx.ctx.actor {
        Actor::Staff(s) => Some(s.department_id),
        _ => None,
    }
}

// ---- A new resource ----

/// What the new-resource form shows beyond the metadata.
#[derive(Debug, Default, Serialize)]
struct NewTyped {
    department_id: Option<i64>,
    classification: String,
    sequence: String,
}

async fn new_page(
    state: &AppState,
    cx: &PageCx,
    meta: &ResourceMeta,
    typed: NewTyped,
    error: Option<&Error>,
) -> Response {
    if let Err(e) = need_staff(cx) {
        return cx.fail(&e);
    }
    let departments = match state.exchange.provider_departments(&cx.ctx).await {
        Ok(d) if d.is_empty() => return cx.fail(&Error::forbidden()),
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let departments: Vec<Value> = departments
        .iter()
        .map(|d| context! { id => d.id, name => d.name.clone() })
        .collect();
    let extra = context! {
        creating => true, meta => ser(meta), rules => ser(&rule_views(meta, error)),
        blank_rows => NEW_ROWS, departments => departments, typed => ser(&typed), codes => codes(),
    };
    match error {
        Some(e) => cx.render_problems(TEMPLATE, NAV, e, problems_view(e, cx.lang), extra),
        None => cx.render(TEMPLATE, NAV, extra),
    }
}

/// A blank resource: the first value of each choice, conditional sharing (the common case),
/// no items.
fn blank_meta() -> ResourceMeta {
    ResourceMeta {
        name: String::new(),
        summary: String::new(),
        format: ResourceFormat::Database,
        items: Vec::new(),
        share_type: ShareType::Conditional,
        share_condition: String::new(),
        share_basis: String::new(),
        share_method: ShareMethod::ServiceInterface,
        open_type: OpenType::NotOpen,
        open_condition: String::new(),
        update_cycle: UpdateCycle::Daily,
        related: Vec::new(),
    }
}

async fn new_form(State(state): State<AppState>, cx: PageCx) -> Response {
    let typed = NewTyped {
        department_id: staff_department(&cx),
        ..NewTyped::default()
    };
    new_page(&state, &cx, &blank_meta(), typed, None).await
}

async fn create(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let (meta, mut problems) = meta_of(&form);
    let typed = NewTyped {
        department_id: form.get("department_id").trim().parse().ok(),
        classification: form.get("classification").trim().to_string(),
        sequence: form.get("sequence").trim().to_string(),
    };
    let Some(department_id) = typed.department_id else {
        return cx.fail(&Error::field(FieldError::new(
            "department_id",
            "one_of",
            "请选择提供方部门",
            "Choose the provider department",
        )));
    };
    let sequence = match typed.sequence.as_str() {
        "" => None,
        s => s
            .parse()
            .map_err(|_| problems.push(number("sequence".into())))
            .ok(),
    };
    let result = match read_problems(&meta, problems) {
        Some(e) => {
            // The classification's own rule, so that every problem shows at once.
            let e = match yiwang_exchange::Classification::parse(&typed.classification) {
                Err(c) => Error::validation([e.fields, c.fields].concat()),
                Ok(_) => e,
            };
            Err(e)
        }
        None => {
            let input = NewResource {
                classification: typed.classification.clone(),
                sequence,
                department_id,
                meta: meta.clone(),
            };
            state.exchange.register(&cx.ctx, &input).await
        }
    };
    match result {
        Ok(r) => Redirect::to(&format!(
            "/staff/exchange/resources/{}/versions/{}?done=excat_created",
            r.id, r.version
        ))
        .into_response(),
        Err(e) if e.code == ErrorCode::Duplicate => {
            let e = Error::field(FieldError::new(
                "sequence",
                "exchange.duplicate_code",
                "这个信息资源代码已被使用，请换一个后段码或留空",
                "This resource code is taken: choose another sequence or leave it blank",
            ));
            new_page(&state, &cx, &meta, typed, Some(&e)).await
        }
        Err(e) if e.status() == 422 => new_page(&state, &cx, &meta, typed, Some(&e)).await,
        Err(e) => cx.fail(&e),
    }
}

// ---- A version's editor ----

async fn editor(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, version)): Path<(i64, i64)>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.exchange.version_detail(&cx.ctx, id, version).await {
        Ok(d) => {
            let meta = &d.view.resource.meta;
            cx.render(
                TEMPLATE,
                NAV,
                context! {
                    d => ser(&d), meta => ser(meta), rules => ser(&rule_views(meta, None)),
                    blank_rows => 1, revision => d.view.revision, codes => codes(),
                    flash => flash(&cx),
                },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

async fn save(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, version)): Path<(i64, i64)>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let revision = form.get("revision").parse().ok();
    let (meta, problems) = meta_of(&form);
    let result = match read_problems(&meta, problems) {
        Some(e) => Err(e),
        None => state
            .exchange
            .save_draft(&cx.ctx, id, version, &meta, revision)
            .await
            .map(|_| ()),
    };
    let e = match result {
        Ok(()) => {
            return Redirect::to(&format!(
                "/staff/exchange/resources/{id}/versions/{version}?done=excat_saved"
            ))
            .into_response();
        }
        Err(e) => e,
    };
    match state.exchange.version_detail(&cx.ctx, id, version).await {
        Ok(d) if e.status() == 422 => cx.render_problems(
            TEMPLATE,
            NAV,
            &e,
            problems_view(&e, cx.lang),
            context! {
                d => ser(&d), meta => ser(&meta), rules => ser(&rule_views(&meta, Some(&e))),
                blank_rows => 1, revision => d.view.revision, codes => codes(),
            },
        ),
        Ok(d) => cx.render_error(
            TEMPLATE,
            NAV,
            &e,
            context! {
                d => ser(&d), meta => ser(&d.view.resource.meta),
                rules => ser(&rule_views(&d.view.resource.meta, None)),
                blank_rows => 1, revision => d.view.revision, codes => codes(),
            },
        ),
        Err(e2) => cx.fail(if e.status() == 403 { &e } else { &e2 }),
    }
}

async fn act(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, version, action)): Path<(i64, i64, String)>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let s = &state.exchange;
    let (r, back) = match action.as_str() {
        "submit" => (
            s.submit(&cx.ctx, id, version).await,
            "/staff/exchange/mine?done=excat_submitted",
        ),
        "approve" => (
            s.approve(&cx.ctx, id, version).await,
            "/staff/exchange/review?done=excat_approved",
        ),
        "reject" => (
            s.reject(&cx.ctx, id, version, form.get("note")).await,
            "/staff/exchange/review?done=excat_rejected",
        ),
        _ => return cx.fail(&Error::not_found()),
    };
    match r {
        Ok(_) => Redirect::to(back).into_response(),
        // A draft that does not pass the rules yet: the editor shows what to change.
        Err(e) if action == "submit" && e.status() == 422 => {
            match s.version_detail(&cx.ctx, id, version).await {
                Ok(d) => {
                    let meta = &d.view.resource.meta;
                    cx.render_problems(
                        TEMPLATE,
                        NAV,
                        &e,
                        problems_view(&e, cx.lang),
                        context! {
                            d => ser(&d), meta => ser(meta), rules => ser(&rule_views(meta, Some(&e))),
                            blank_rows => 1, revision => d.view.revision, codes => codes(),
                        },
                    )
                }
                Err(e2) => cx.fail(&e2),
            }
        }
        Err(e) => cx.fail(&e),
    }
}

async fn new_version(State(state): State<AppState>, cx: PageCx, Path(id): Path<i64>) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.exchange.new_version(&cx.ctx, id).await {
        Ok(d) => Redirect::to(&format!(
            "/staff/exchange/resources/{id}/versions/{}",
            d.view.resource.version
        ))
        .into_response(),
        Err(e) => cx.fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_placed_at_the_inputs_named_after_them() {
        assert_eq!(input_of("items[2].rules.pattern"), "items[2].rules.pattern");
        assert_eq!(
            input_of("items[0].rules.date_range"),
            "items[0].rules.date_from"
        );
        assert_eq!(input_of("related[3]"), "related");
        assert_eq!(input_of("share_basis"), "share_basis");
    }

    #[test]
    fn rules_read_back_as_shown() {
        let rules = vec![
            QualityRule::Required,
            QualityRule::MaxLength { max: 18 },
            QualityRule::Pattern {
                pattern: "[0-9]+".into(),
            },
            QualityRule::IdNumber,
            QualityRule::Uscc,
            QualityRule::CodeList {
                values: vec!["1".into(), "2".into()],
            },
            QualityRule::DateRange {
                from: Some("1900-01-01".into()),
                to: None,
            },
            QualityRule::Unique,
            QualityRule::Reference {
                resource: "101001/000001".into(),
            },
        ];
        let v = rule_view(&rules);
        let mut pairs = vec![("items[0].rules.required".to_string(), "1".to_string())];
        for (k, s) in [
            ("max_length", &v.max_length),
            ("pattern", &v.pattern),
            ("code_list", &v.code_list),
            ("date_from", &v.date_from),
            ("date_to", &v.date_to),
            ("reference", &v.reference),
        ] {
            pairs.push((format!("items[0].rules.{k}"), s.clone()));
        }
        for k in ["id_number", "uscc", "unique"] {
            pairs.push((format!("items[0].rules.{k}"), "1".into()));
        }
        let form = FormData(pairs);
        let mut problems = Vec::new();
        assert_eq!(rules_of(&form, "items[0]", &mut problems), rules);
        assert!(problems.is_empty());
    }
}
