//! Applying for a "one thing" bundle (一件事一次办) and its one progress: the questionnaire
//! (情形引导, step 1: a GET form, so the answers live in the address and the back button works),
//! the merged form with the one set of materials for the parts the answers keep (step 2),
//! "my bundle applications", and one application's progress with each department's part, the
//! results delivered together, withdrawal and the one rating.
//!
//! The rules are the domains': `yiwang_bundles::rules` decides the parts, fields and materials
//! the page shows (`plan`), `CaseService` validates and creates the parent case and its parts.
//! Materials reuse the application pages' inputs (`appform`): a bundle material is shown as a
//! checklist entry keyed by its bundle key.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;
use serde_json::Map;
use yiwang_bundles::rules::{self, Answers, Plan};
use yiwang_bundles::views::{BundleApplication, BundleMaterialRef};
use yiwang_bundles::{BundleDefs, ItemSpec, PublishedBundle};
use yiwang_catalog::model::Material;
use yiwang_kernel::error::Problems;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode};

use super::appform::{self, Errs, Values};
use super::auth::FormData;
use super::cases::{APPLICATION_BODY_LIMIT, need_person};
use super::{PageCx, ser, urlencode};
use crate::AppState;
use crate::transfer::Multipart;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/bundles/{code}/apply",
            get(apply_page)
                .post(apply)
                .layer(DefaultBodyLimit::max(APPLICATION_BODY_LIMIT)),
        )
        .route("/my/bundles", get(my_bundles))
        .route("/my/bundles/{no}", get(my_bundle))
        .route("/my/bundles/{no}/withdraw", post(withdraw))
        .route("/my/bundles/{no}/rate", post(rate))
}

/// The published bundle of `code` and its items' current published versions.
pub(super) async fn bundle(
    state: &AppState,
    code: &str,
) -> Result<
    (
        std::sync::Arc<PublishedBundle>,
        std::collections::HashMap<String, ItemSpec>,
    ),
    Error,
> {
    let b = BundleDefs::published(&state.bundles, code)
        .await?
        .ok_or_else(Error::not_found)?;
    let items = state.bundles.item_specs(&b.def).await?;
    Ok((b, items))
}

/// The answers a request carries as `a.<question>` pairs (query string or form body).
pub(super) fn answers_in<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<serde_json::Value> {
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(q) = k.strip_prefix("a.") {
            m.insert(q.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    (!m.is_empty()).then_some(serde_json::Value::Object(m))
}

/// The bundle materials a plan asks, as checklist entries for the upload inputs.
pub(super) fn materials_of(b: &PublishedBundle, plan: &Plan) -> Vec<Material> {
    plan.materials
        .iter()
        .filter_map(|pm| {
            let m = b.def.materials.iter().find(|m| m.key == pm.key)?;
            Some(Material {
                key: m.key.clone(),
                name: m.name.clone(),
                notes: m.notes.clone(),
                required: pm.required,
                licence_type: m.licence_type.clone(),
                source: "1".into(),
                originals: 1,
                format: "3".into(),
                ..Default::default()
            })
        })
        .collect()
}

/// The parts a plan keeps, as the page lists them: name, department, promised days, what it
/// waits for and which materials it uses.
pub(super) fn part_views(
    b: &PublishedBundle,
    plan: &Plan,
    items: &std::collections::HashMap<String, ItemSpec>,
) -> Vec<Value> {
    let name_of = |key: &str| {
        b.def
            .parts
            .iter()
            .find(|p| p.key == key)
            .map(|p| part_name(p, items))
            .unwrap_or_default()
    };
    b.def
        .parts
        .iter()
        .filter(|p| plan.parts.contains(&p.key))
        .map(|p| {
            let item = items.get(&p.item);
            context! {
                key => p.key.clone(),
                name => part_name(p, items),
                department => item.map(|i| i.department_name.clone()).unwrap_or_default(),
                days => item.map(|i| i.promised_days).unwrap_or(0),
                waits_for => p.after.iter().map(|a| name_of(a)).collect::<Vec<_>>(),
            }
        })
        .collect()
}

fn part_name(
    p: &yiwang_bundles::model::Part,
    items: &std::collections::HashMap<String, ItemSpec>,
) -> String {
    if !p.name.trim().is_empty() {
        return p.name.clone();
    }
    items
        .get(&p.item)
        .map(|i| i.name.clone())
        .unwrap_or_else(|| p.key.clone())
}

/// What a bundle saves, as the page words it: fields and materials not asked again, visits.
pub(super) fn saved(s: &yiwang_bundles::Savings) -> Value {
    context! {
        fields => s.item_fields.saturating_sub(s.asked_fields),
        materials => s.item_materials.saturating_sub(s.asked_materials),
        visits => s.visits_saved,
    }
}

/// Step 1: the questionnaire, with the answers given so far and their problems.
fn questions_context(b: &PublishedBundle, given: &Answers, errs: &Errs) -> Value {
    let questions: Vec<Value> = b
        .def
        .questions
        .iter()
        .map(|q| {
            let input = format!("a.{}", q.key);
            // The domain names an answer's problem `answers.<key>`; shown next to its question.
            let err = errs
                .get(&format!("answers.{}", q.key))
                .or_else(|| errs.get(&input))
                .map(|e| appform::ErrText {
                    id: format!("{}-error", appform::input_id(&input)),
                    text: e.text.clone(),
                });
            context! {
                key => q.key.clone(),
                input => input.clone(),
                id => appform::input_id(&input),
                text => q.text.clone(),
                text_en => q.text_en.clone(),
                help => q.help.clone(),
                chosen => given.get(&q.key).cloned().unwrap_or_default(),
                choices => ser(&q.choices),
                err => ser(&err),
            }
        })
        .collect();
    context! {
        b => context! { code => b.code.clone(), name => b.def.name.clone(), name_en => b.def.name_en.clone(), summary => b.def.summary.clone() },
        questions => questions,
    }
}

/// Everything step 2 shows.
struct Step2<'a> {
    b: &'a PublishedBundle,
    items: &'a std::collections::HashMap<String, ItemSpec>,
    answers: &'a Answers,
    plan: &'a Plan,
    values: Values,
    kept: BTreeMap<String, (String, String)>,
    errs: Errs,
    idem: String,
    wallet: Vec<(String, String, String)>,
}

fn step2_context(state: &AppState, cx: &PageCx, s: &Step2) -> Value {
    let fields: Vec<yiwang_forms::FormField> = rules::planned_fields(&s.b.def, s.plan)
        .into_iter()
        .cloned()
        .collect();
    let mats = materials_of(s.b, s.plan);
    let mut materials = appform::material_views(&mats, &s.kept, &s.errs);
    appform::offer_licences(&mut materials, &mats, &s.wallet);
    let savings = rules::savings(&s.b.def, s.plan, s.items);
    let answered: Vec<Value> = s
        .b
        .def
        .questions
        .iter()
        .map(|q| {
            let v = s.answers.get(&q.key).cloned().unwrap_or_default();
            let label = q
                .choices
                .iter()
                .find(|c| c.value == v)
                .map(|c| {
                    cx.lang
                        .pick(
                            &c.label,
                            if c.label_en.is_empty() {
                                &c.label
                            } else {
                                &c.label_en
                            },
                        )
                        .to_string()
                })
                .unwrap_or_default();
            context! { key => q.key.clone(), text => q.text.clone(), value => v, label => label }
        })
        .collect();
    let dropped: Vec<String> =
        s.b.def
            .parts
            .iter()
            .filter(|p| s.plan.dropped.contains(&p.key))
            .map(|p| part_name(p, s.items))
            .collect();
    context! {
        b => context! { code => s.b.code.clone(), name => s.b.def.name.clone(), promised_days => s.b.def.promised_days },
        answered => answered,
        parts => part_views(s.b, s.plan, s.items),
        dropped => dropped,
        saved => saved(&savings),
        fields => ser(&appform::field_views(&fields, &s.values, &s.errs, cx.lang, &BTreeMap::new(), false)),
        materials => ser(&materials),
        idem => s.idem.clone(),
        errs => ser(&s.errs),
        divisions => ser(&appform::division_choices(&state.config.home_division)),
        accept => appform::ACCEPT,
        change_href => format!("/bundles/{}/apply?{}", s.b.code, s.answers.iter().map(|(k, v)| format!("a.{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")) + "&step=1",
    }
}

async fn apply_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/bundles/{code}/apply")) {
        return r;
    }
    let (b, items) = match bundle(&state, &code).await {
        Ok(x) => x,
        Err(err) => return cx.fail(&err),
    };
    let query: Vec<(String, String)> = form_urlencoded::parse(cx.query_str().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let raw = answers_in(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let back_to_questions = query.iter().any(|(k, v)| k == "step" && v == "1");
    // The questionnaire sent with nothing chosen: every question is named as unanswered.
    let sent = query.iter().any(|(k, _)| k == "answered");
    let raw = raw.or_else(|| sent.then(|| serde_json::Value::Object(Map::new())));
    let Some(raw) = raw else {
        let ctx = questions_context(&b, &Answers::new(), &Errs::new());
        return cx.render("bundle_questions.html", "bundles", ctx);
    };
    let answers = match rules::read_answers(&b.def, &raw) {
        Ok(a) if !back_to_questions => a,
        Ok(a) => {
            return cx.render(
                "bundle_questions.html",
                "bundles",
                questions_context(&b, &a, &Errs::new()),
            );
        }
        Err(problems) => {
            let err = Error::validation(problems);
            let given = given_answers(&raw);
            let errs = appform::place_errors(&err, cx.lang, &[]);
            return cx.render_error(
                "bundle_questions.html",
                "bundles",
                &err,
                questions_context(&b, &given, &errs),
            );
        }
    };
    let plan = match rules::plan(&b.def, &answers, &items) {
        Ok(p) => p,
        Err(problems) => {
            let err = Error::validation(problems);
            let errs = appform::place_errors(&err, cx.lang, &[]);
            return cx.render_error(
                "bundle_questions.html",
                "bundles",
                &err,
                questions_context(&b, &answers, &errs),
            );
        }
    };
    let fields: Vec<yiwang_forms::FormField> = rules::planned_fields(&b.def, &plan)
        .into_iter()
        .cloned()
        .collect();
    let (prefill, extras) = match (
        state.cases.bundle_prefill(&cx.ctx, &b.code).await,
        appform::material_extras(&state, &cx.ctx, &materials_of(&b, &plan)).await,
    ) {
        (Ok(p), Ok(x)) => (p, x),
        (Err(err), _) | (_, Err(err)) => return cx.fail(&err),
    };
    let s = Step2 {
        b: &b,
        items: &items,
        answers: &answers,
        plan: &plan,
        values: appform::values_of_json(&fields, &serde_json::Value::Object(prefill)),
        kept: BTreeMap::new(),
        errs: Errs::new(),
        idem: appform::idempotency_key(),
        wallet: extras.0,
    };
    cx.render(
        "bundle_apply.html",
        "bundles",
        step2_context(&state, &cx, &s),
    )
}

/// Answers as typed, valid or not (to show them again beside their problems).
pub(super) fn given_answers(raw: &serde_json::Value) -> Answers {
    raw.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

async fn apply(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/bundles/{code}/apply")) {
        return r;
    }
    let (b, items) = match bundle(&state, &code).await {
        Ok(x) => x,
        Err(err) => return cx.fail(&err),
    };
    let mp: Multipart = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(err) => return cx.fail(&err),
    };
    let raw = answers_in(mp.text.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .unwrap_or(serde_json::Value::Null);
    let answers = match rules::read_answers(&b.def, &raw) {
        Ok(a) => a,
        Err(problems) => {
            let err = Error::validation(problems);
            let errs = appform::place_errors(&err, cx.lang, &[]);
            return cx.render_error(
                "bundle_questions.html",
                "bundles",
                &err,
                questions_context(&b, &given_answers(&raw), &errs),
            );
        }
    };
    let plan = match rules::plan(&b.def, &answers, &items) {
        Ok(p) => p,
        Err(problems) => {
            let err = Error::validation(problems);
            let errs = appform::place_errors(&err, cx.lang, &[]);
            return cx.render_error(
                "bundle_questions.html",
                "bundles",
                &err,
                questions_context(&b, &answers, &errs),
            );
        }
    };
    let fields: Vec<yiwang_forms::FormField> = rules::planned_fields(&b.def, &plan)
        .into_iter()
        .cloned()
        .collect();
    let mats = materials_of(&b, &plan);
    let idem = super::cases::idem_of(mp.get("_idem"));
    let values = appform::submitted_values(&fields, &mp.text);
    let form = appform::form_json(&fields, &values, &Default::default());
    let up = appform::upload_materials(&state, &cx.ctx, &mats, &mp).await;
    let result = if up.problems.is_empty() {
        let application = BundleApplication {
            bundle: b.code.clone(),
            answers: raw.clone(),
            form,
            materials: up
                .refs
                .iter()
                .map(|r| BundleMaterialRef {
                    material: r.entry.clone(),
                    ticket: r.ticket.clone(),
                    licence: r.licence.clone(),
                })
                .collect(),
            channel: "2".into(),
        };
        state
            .cases
            .submit_bundle(&cx.ctx, &application, Some(&idem))
            .await
            .map(|(v, _)| v)
    } else {
        let mut p = Problems::new();
        p.extend(up.problems.clone());
        Err(p
            .into_result()
            .err()
            .unwrap_or_else(|| Error::new(ErrorCode::Validation)))
    };
    match result {
        Ok(v) => Redirect::to(&format!("/my/bundles/{}?done=bundle_applied", v.bundle_no))
            .into_response(),
        Err(err) if err.code != ErrorCode::Validation => cx.fail(&err),
        Err(err) => {
            let wallet = match appform::material_extras(&state, &cx.ctx, &mats).await {
                Ok(x) => x.0,
                Err(e2) => return cx.fail(&e2),
            };
            let refs = up.entries();
            let view = appform::error_view(&err, cx.lang, &refs, &fields, &mats);
            let s = Step2 {
                b: &b,
                items: &items,
                answers: &answers,
                plan: &plan,
                errs: appform::place_errors(&err, cx.lang, &refs),
                values,
                kept: up.kept,
                idem,
                wallet,
            };
            cx.render_problems(
                "bundle_apply.html",
                "bundles",
                &err,
                view,
                step2_context(&state, &cx, &s),
            )
        }
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<u32>,
}

async fn my_bundles(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Some(r) = need_person(&cx, "/my/bundles") {
        return r;
    }
    let q: ListQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let page = Page {
        page: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 20,
    };
    match state.cases.my_bundles(&cx.ctx, page).await {
        Ok(p) => cx.render(
            "my_bundles.html",
            "my",
            context! { page => ser(&p), rows => ser(&p.items), pager => super::pager("/my/bundles", p.page, p.total, p.size) },
        ),
        Err(e) => cx.fail(&e),
    }
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn my_bundle(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/bundles/{no}")) {
        return r;
    }
    let q: DoneQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    show(
        &state,
        &cx,
        &no,
        q.done.as_deref() == Some("bundle_applied"),
        None,
    )
    .await
}

/// One application's progress (with a failed action's problem, when there is one).
async fn show(
    state: &AppState,
    cx: &PageCx,
    no: &str,
    confirmation: bool,
    failed: Option<&Error>,
) -> Response {
    let v = match state.cases.bundle_view(&cx.ctx, no).await {
        Ok(v) => v,
        Err(e) => return cx.fail(&e),
    };
    let errs = failed
        .map(|e| appform::place_errors(e, cx.lang, &[]))
        .unwrap_or_default();
    let ctx = context! {
        saved => saved(&v.savings),
        v => ser(&v),
        confirmation => confirmation,
        may_withdraw => v.status == "handling",
        may_rate => v.status == "concluded" && v.rating.is_none(),
        errs => ser(&errs),
    };
    match failed {
        Some(e) => cx.render_error("my_bundle.html", "my", e, ctx),
        None => cx.render("my_bundle.html", "my", ctx),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    f: FormData,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/bundles/{no}")) {
        return r;
    }
    let revision = f.get("revision").trim().parse::<i64>().ok();
    let reason = f.get("reason").to_string();
    match state
        .cases
        .withdraw_bundle(&cx.ctx, &no, revision, &reason)
        .await
    {
        Ok(_) => Redirect::to(&format!("/my/bundles/{no}")).into_response(),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Validation | ErrorCode::Conflict | ErrorCode::InvalidState
            ) =>
        {
            show(&state, &cx, &no, false, Some(&e)).await
        }
        Err(e) => cx.fail(&e),
    }
}

async fn rate(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    f: FormData,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/bundles/{no}")) {
        return r;
    }
    let score = f.get("score").trim().parse::<i64>().unwrap_or(0);
    let comment = f.get("comment").to_string();
    match state.cases.rate_bundle(&cx.ctx, &no, score, &comment).await {
        Ok(_) => Redirect::to(&format!("/my/bundles/{no}#rating")).into_response(),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Validation | ErrorCode::Conflict | ErrorCode::InvalidState
            ) =>
        {
            show(&state, &cx, &no, false, Some(&e)).await
        }
        Err(e) => cx.fail(&e),
    }
}
