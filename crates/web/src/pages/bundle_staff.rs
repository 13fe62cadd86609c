//! The staff side of bundle applications (一件事): window reception of a bundle (窗口收件 — the
//! clerk answers the questionnaire with the applicant, types the merged form once, takes the
//! one set of materials), the list of bundle applications and one application's progress for
//! window clerks and supervisors, and the statistics the supervision figures use (bundle time
//! against the items' promised times, visits, fields and materials saved).
//!
//! Each department's clerks work on their part through the ordinary inbox and case screen; the
//! case screen names the bundle. `CaseService` decides who sees what.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{Value, context};
use serde::Deserialize;
use time::Date;
use yiwang_bundles::rules::{self, Answers};
use yiwang_bundles::views::{BundleApplication, BundleMaterialRef};
use yiwang_cases::WindowApplicant;
use yiwang_cases::bundle::BundleCaseFilter;
use yiwang_kernel::auth::Permission;
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::error::Problems;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appform::{self, Errs, Values};
use super::bundle_apply::{answers_in, bundle, given_answers, materials_of, part_views, saved};
use super::cases::APPLICATION_BODY_LIMIT;
use super::{PageCx, flash, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/window/bundles", get(pick))
        .route(
            "/staff/window/bundles/{code}",
            get(receive_page)
                .post(receive)
                .layer(DefaultBodyLimit::max(APPLICATION_BODY_LIMIT)),
        )
        .route("/staff/bundle-cases", get(list))
        .route("/staff/bundle-cases/{no}", get(show))
        .route("/staff/bundle-stats", get(stats))
}

fn need(cx: &PageCx, p: Permission) -> Option<Response> {
    if cx.ctx.actor.staff().is_some() && cx.ctx.actor.has(p) {
        None
    } else {
        Some(cx.fail(&Error::forbidden()))
    }
}

/// The published bundles to receive at the window.
async fn pick(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Some(r) = need(&cx, Permission::CaseReceive) {
        return r;
    }
    match state.bundles.published_list().await {
        Ok(list) => cx.render(
            "staff/bundle_window.html",
            "window",
            context! { list => ser(&list), step => 0 },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// The questionnaire as the window's page shows it: each question with the answer given and
/// its problem.
fn question_views(def: &yiwang_bundles::Bundle, answers: &Answers, errs: &Errs) -> Vec<Value> {
    def.questions
        .iter()
        .map(|q| {
            let input = format!("a.{}", q.key);
            context! {
                input => input.clone(),
                id => appform::input_id(&input),
                text => q.text.clone(),
                help => q.help.clone(),
                chosen => answers.get(&q.key).cloned().unwrap_or_default(),
                choices => ser(&q.choices),
                err => ser(&errs.get(&input)),
            }
        })
        .collect()
}

fn query_pairs(cx: &PageCx) -> Vec<(String, String)> {
    form_urlencoded::parse(cx.query_str().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Everything the window's form shows.
struct Form {
    answers: Answers,
    values: Values,
    applicant: WindowApplicant,
    kept: BTreeMap<String, (String, String)>,
    errs: Errs,
}

async fn render_form(
    state: &AppState,
    cx: &PageCx,
    code: &str,
    f: Form,
    failed: Option<(&Error, super::errors::ErrorView)>,
) -> Response {
    let (b, items) = match bundle(state, code).await {
        Ok(x) => x,
        Err(e) => return cx.fail(&e),
    };
    let plan = match rules::plan(&b.def, &f.answers, &items) {
        Ok(p) => p,
        Err(problems) => return cx.fail(&Error::validation(problems)),
    };
    let fields: Vec<yiwang_forms::FormField> = rules::planned_fields(&b.def, &plan)
        .into_iter()
        .cloned()
        .collect();
    let mats = materials_of(&b, &plan);
    let savings = rules::savings(&b.def, &plan, &items);
    let questions = question_views(&b.def, &f.answers, &f.errs);
    let ctx = context! {
        step => 2,
        b => context! { code => b.code.clone(), name => b.def.name.clone(), promised_days => b.def.promised_days, holder => b.def.holder.as_str() },
        questions => questions,
        parts => part_views(&b, &plan, &items),
        saved => saved(&savings),
        fields => ser(&appform::field_views(&fields, &f.values, &f.errs, cx.lang, &BTreeMap::new(), false)),
        materials => ser(&appform::material_views(&mats, &f.kept, &f.errs)),
        applicant => ser(&f.applicant),
        errs => ser(&f.errs),
        divisions => ser(&appform::division_choices(&state.config.home_division)),
        accept => appform::ACCEPT,
    };
    match failed {
        Some((e, view)) => cx.render_problems("staff/bundle_window.html", "window", e, view, ctx),
        None => cx.render("staff/bundle_window.html", "window", ctx),
    }
}

/// The questionnaire's answers from the address (`a.<key>`), all questions answered: the form;
/// otherwise the questions again (with what is missing named).
async fn receive_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Some(r) = need(&cx, Permission::CaseReceive) {
        return r;
    }
    let (b, items) = match bundle(&state, &code).await {
        Ok(x) => x,
        Err(e) => return cx.fail(&e),
    };
    let pairs = query_pairs(&cx);
    let raw = answers_in(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (answers, errs) = match &raw {
        None => (Answers::new(), Errs::new()),
        Some(raw) => match rules::read_answers(&b.def, raw)
            .and_then(|a| rules::plan(&b.def, &a, &items).map(|_| a))
        {
            Ok(a) => {
                let f = Form {
                    answers: a,
                    values: Values::default(),
                    applicant: WindowApplicant {
                        kind: b.def.holder.as_str().to_string(),
                        ..Default::default()
                    },
                    kept: BTreeMap::new(),
                    errs: Errs::new(),
                };
                return render_form(&state, &cx, &b.code, f, None).await;
            }
            Err(problems) => (
                given_answers(raw),
                appform::place_errors(&Error::validation(problems), cx.lang, &[]),
            ),
        },
    };
    let questions = question_views(&b.def, &answers, &errs);
    cx.render(
        "staff/bundle_window.html",
        "window",
        context! {
            step => 1,
            b => context! { code => b.code.clone(), name => b.def.name.clone() },
            questions => questions,
            errs => ser(&errs),
        },
    )
}

async fn receive(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = need(&cx, Permission::CaseReceive) {
        return r;
    }
    let (b, items) = match bundle(&state, &code).await {
        Ok(x) => x,
        Err(e) => return cx.fail(&e),
    };
    let mp = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(e) => return cx.fail(&e),
    };
    let raw = answers_in(mp.text.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .unwrap_or(serde_json::Value::Null);
    let answers = match rules::read_answers(&b.def, &raw) {
        Ok(a) => a,
        Err(p) => return cx.fail(&Error::validation(p)),
    };
    let plan = match rules::plan(&b.def, &answers, &items) {
        Ok(p) => p,
        Err(p) => return cx.fail(&Error::validation(p)),
    };
    let fields: Vec<yiwang_forms::FormField> = rules::planned_fields(&b.def, &plan)
        .into_iter()
        .cloned()
        .collect();
    let mats = materials_of(&b, &plan);
    let applicant = WindowApplicant {
        kind: mp.get("applicant.kind").trim().to_string(),
        name: mp.get("applicant.name").trim().to_string(),
        cert_no: mp.get("applicant.cert_no").trim().to_uppercase(),
        contact_name: mp.get("applicant.contact_name").trim().to_string(),
        contact_phone: mp.get("applicant.contact_phone").trim().to_string(),
        legal_representative: mp.get("applicant.legal_representative").trim().to_string(),
    };
    let values = appform::submitted_values(&fields, &mp.text);
    let form = appform::form_json(&fields, &values, &Default::default());
    let up = appform::upload_materials(&state, &cx.ctx, &mats, &mp).await;
    let result = if up.problems.is_empty() {
        let input = BundleApplication {
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
            channel: "1".into(),
        };
        state
            .cases
            .receive_bundle(&cx.ctx, &applicant, &input)
            .await
    } else {
        let mut p = Problems::new();
        p.extend(up.problems.clone());
        Err(p
            .into_result()
            .err()
            .unwrap_or_else(|| Error::new(ErrorCode::Validation)))
    };
    match result {
        Ok(v) => Redirect::to(&format!(
            "/staff/bundle-cases/{}?done=bundle_received",
            v.bundle_no
        ))
        .into_response(),
        Err(e) if e.code != ErrorCode::Validation => cx.fail(&e),
        Err(e) => {
            let refs = up.entries();
            let view = appform::error_view(&e, cx.lang, &refs, &fields, &mats);
            let f = Form {
                answers,
                values,
                applicant,
                kept: up.kept,
                errs: appform::place_errors(&e, cx.lang, &refs),
            };
            render_form(&state, &cx, &b.code, f, Some((&e, view))).await
        }
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    bundle: Option<String>,
    page: Option<u32>,
}

async fn list(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: ListQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let page = Page {
        page: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 20,
    };
    let filter = BundleCaseFilter {
        status: q.status.clone(),
        bundle: q.bundle.clone(),
    };
    match state.cases.bundle_cases(&cx.ctx, &filter, page).await {
        Ok(p) => cx.render(
            "staff/bundle_cases.html",
            "window",
            context! {
                rows => ser(&p.items),
                status => q.status.unwrap_or_default(),
                pager => super::pager("/staff/bundle-cases", p.page, p.total, p.size),
                page => ser(&p),
            },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn show(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    match state.cases.bundle_view(&cx.ctx, &no).await {
        Ok(v) => cx.render(
            "staff/bundle_case.html",
            "window",
            context! { saved => saved(&v.savings), v => ser(&v), flash => flash(&cx) },
        ),
        Err(e) => cx.fail(&e),
    }
}

#[derive(Deserialize, Default)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
}

fn date_param(name: &str, v: Option<&str>, default: Date) -> Result<Date, Error> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => yiwang_calendar::data::parse_date(s).ok_or_else(|| {
            Error::field(FieldError::new(
                name,
                "date.format",
                "日期格式应为 YYYY-MM-DD",
                "A date is written YYYY-MM-DD",
            ))
        }),
    }
}

async fn stats(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: StatsQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let today = state.clock.now().to_offset(CHINA_OFFSET).date();
    let year_start =
        Date::from_calendar_date(today.year(), time::Month::January, 1).unwrap_or(today);
    let (from, to) = match (
        date_param("from", q.from.as_deref(), year_start),
        date_param("to", q.to.as_deref(), today),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return cx.fail(&e),
    };
    match state.cases.bundle_stats(&cx.ctx, from, to).await {
        Ok(rows) => cx.render(
            "staff/bundle_stats.html",
            "supervision",
            context! { rows => ser(&rows), from => from.to_string(), to => to.to_string() },
        ),
        Err(e) => cx.fail(&e),
    }
}
