//! A citizen's application pages: applying online for an item (网上申报) with its form and
//! materials, "my applications" and one application (timeline, materials, the one-time notice
//! and supplements, withdrawal, ratings 好差评), and the public progress query (办件进度查询).
//!
//! `CaseService` decides everything (ownership, states, validation); the handlers turn forms
//! into inputs and problems into pages. A transition sends back the revision the page showed;
//! when someone acted in between, the page shows the conflict with the fresh case.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_cases::rating::{INDICATORS, LEVELS, SERVICES};
use yiwang_cases::{Application, CaseView, RatingInput, Replacement, Status};
use yiwang_catalog::model::Elements;
use yiwang_forms::Prefill;
use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::error::Problems;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode};

use super::appform::{self, Errs, Values};
use super::auth::FormData;
use super::{PageCx, flash, found, pager, ser, urlencode};
use crate::AppState;
use crate::i18n;
use crate::transfer::Multipart;

/// Largest application page body: every file of a case at once (the domain's per-case limit)
/// and the form.
pub const APPLICATION_BODY_LIMIT: usize =
    (yiwang_files::limits::DEFAULT_MAX_CASE_BYTES + 1024 * 1024) as usize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/items/{code}/apply",
            get(apply_page)
                .post(apply)
                .layer(DefaultBodyLimit::max(APPLICATION_BODY_LIMIT)),
        )
        .route("/my/cases", get(my_cases))
        .route("/my/cases/{no}", get(my_case))
        .route("/my/cases/{no}/withdraw", post(withdraw))
        .route(
            "/my/cases/{no}/supplement",
            post(supplement).layer(DefaultBodyLimit::max(APPLICATION_BODY_LIMIT)),
        )
        .route("/my/cases/{no}/rate", post(rate))
        .route("/my/cases/{no}/materials/{sha}", get(material))
        .route("/progress", get(progress_page).post(progress))
}

/// These pages are a natural person's: anonymous callers are sent to sign in (and come back
/// to `back`), staff are refused. `Some` is the answer when the caller may not go on.
pub(super) fn need_person(cx: &PageCx, back: &str) -> Option<Response> {
    match &cx.ctx.actor {
        Actor::Person(_) => None,
        Actor::Anonymous => {
            Some(Redirect::to(&format!("/signin?next={}", urlencode(back))).into_response())
        }
        _ => Some(cx.fail(&Error::forbidden())),
    }
}

/// The published elements of an item that may be applied for online.
async fn published(state: &AppState, code: &str) -> Result<(String, Elements), Error> {
    let item = state.catalog.item(&Ctx::anonymous(), code).await?;
    let v = item.published.ok_or_else(Error::not_found)?;
    Ok((item.code, v.elements))
}

/// The prefills of the signed-in person, as shown (numbers masked), with those the form's
/// fields take from the base libraries (数据代替材料).
async fn person_prefills(
    state: &AppState,
    cx: &PageCx,
    e: &Elements,
) -> Result<Vec<(Prefill, String)>, Error> {
    let mut known = Vec::new();
    let me = state.identity.me(&cx.ctx).await?;
    known.push((Prefill::ApplicantName, me.name));
    known.push((Prefill::ApplicantIdNumber, me.id_number));
    known.push((Prefill::ApplicantPhone, me.phone));
    if let Some(a) = cx.person.as_ref().and_then(|p| p.acting_for.as_ref()) {
        known.push((Prefill::OrgName, a.name.clone()));
        known.push((Prefill::OrgUscc, a.uscc.clone()));
    }
    known.extend(state.cases.base_prefills(&cx.ctx, &e.form).await?);
    Ok(known)
}

/// Everything the application page shows.
struct ApplyForm<'a> {
    code: &'a str,
    e: &'a Elements,
    values: Values,
    kept: BTreeMap<String, (String, String)>,
    errs: Errs,
    idem: String,
    prefilled: BTreeMap<String, String>,
    /// The applicant's valid licences: (type code, identifier, label) — offered for entries
    /// an electronic licence may replace (免证办).
    wallet: Vec<(String, String, String)>,
    /// The entries the base libraries replace for the applicant (数据代替材料).
    replaced: Vec<Replacement>,
}

fn apply_context(state: &AppState, cx: &PageCx, f: &ApplyForm) -> Value {
    let fields = appform::field_views(&f.e.form, &f.values, &f.errs, cx.lang, &f.prefilled, false);
    let mut materials = appform::material_views(&f.e.materials, &f.kept, &f.errs);
    appform::offer_licences(&mut materials, &f.e.materials, &f.wallet);
    appform::mark_replaced(&mut materials, &f.replaced, cx.lang);
    context! {
        code => f.code,
        e => context! { name => f.e.name.clone(), department_name => f.e.department_name.clone(), acceptance_conditions => f.e.acceptance_conditions.clone() },
        fields => ser(&fields),
        materials => ser(&materials),
        idem => f.idem.clone(),
        errs => ser(&f.errs),
        divisions => ser(&appform::division_choices(&state.config.home_division)),
        accept => appform::ACCEPT,
    }
}

async fn apply_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/items/{code}/apply")) {
        return r;
    }
    let (code, e) = match published(&state, &code).await {
        Ok(x) => x,
        Err(err) => return cx.fail(&err),
    };
    let (known, (wallet, replaced)) = match (
        person_prefills(&state, &cx, &e).await,
        appform::material_extras(&state, &cx.ctx, &e.materials).await,
    ) {
        (Ok(k), Ok(w)) => (k, w),
        (Err(err), _) | (_, Err(err)) => return cx.fail(&err),
    };
    let f = ApplyForm {
        wallet,
        replaced,
        code: &code,
        prefilled: appform::shown_prefills(&e.form, &known),
        e: &e,
        values: Values::default(),
        kept: BTreeMap::new(),
        errs: Errs::new(),
        idem: appform::idempotency_key(),
    };
    cx.render("apply.html", "items", apply_context(&state, &cx, &f))
}

/// An idempotency key from the page, or a new one when it is missing or malformed.
pub(super) fn idem_of(raw: &str) -> String {
    let k = raw.trim();
    if !k.is_empty()
        && k.len() <= 100
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        k.to_string()
    } else {
        appform::idempotency_key()
    }
}

async fn apply(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/items/{code}/apply")) {
        return r;
    }
    let (code, e) = match published(&state, &code).await {
        Ok(x) => x,
        Err(err) => return cx.fail(&err),
    };
    let known = match person_prefills(&state, &cx, &e).await {
        Ok(k) => k,
        Err(err) => return cx.fail(&err),
    };
    let prefilled = appform::shown_prefills(&e.form, &known);
    let mp = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(err) => {
            let (wallet, replaced) =
                match appform::material_extras(&state, &cx.ctx, &e.materials).await {
                    Ok(w) => w,
                    Err(e2) => return cx.fail(&e2),
                };
            let f = ApplyForm {
                wallet,
                replaced,
                code: &code,
                e: &e,
                values: Values::default(),
                kept: BTreeMap::new(),
                errs: Errs::new(),
                idem: appform::idempotency_key(),
                prefilled,
            };
            return cx.render_error("apply.html", "items", &err, apply_context(&state, &cx, &f));
        }
    };
    let idem = idem_of(mp.get("_idem"));
    let values = appform::submitted_values(&e.form, &mp.text);
    let skip: BTreeSet<String> = prefilled.keys().cloned().collect();
    let form = appform::form_json(&e.form, &values, &skip);
    let up = appform::upload_materials(&state, &cx.ctx, &e.materials, &mp).await;
    let result = if up.problems.is_empty() {
        state
            .cases
            .submit(
                &cx.ctx,
                &Application {
                    item_code: code.clone(),
                    form,
                    materials: up.refs.clone(),
                    channel: "2".to_string(),
                },
                Some(&idem),
            )
            .await
            .map(|(v, _)| v)
    } else {
        // A refused file: say so, with whatever else is wrong in the form (the fields the
        // server fills from the applicant are not checked here).
        let today = state
            .clock
            .now()
            .to_offset(yiwang_kernel::clock::CHINA_OFFSET);
        let fields: Vec<_> = e
            .form
            .iter()
            .filter(|f| !skip.contains(&f.key))
            .cloned()
            .collect();
        let mut p = Problems::new();
        p.extend(up.problems.clone());
        if let Err(errs) = yiwang_forms::validate_on(&fields, &form, today.date()) {
            p.extend(errs);
        }
        Err(p
            .into_result()
            .err()
            .unwrap_or_else(|| Error::new(ErrorCode::Validation)))
    };
    match result {
        Ok(v) => {
            Redirect::to(&format!("/my/cases/{}?done=case_applied", v.case_no)).into_response()
        }
        Err(err) if err.code == ErrorCode::Unauthenticated => cx.fail(&err),
        Err(err) => {
            let (wallet, replaced) =
                match appform::material_extras(&state, &cx.ctx, &e.materials).await {
                    Ok(w) => w,
                    Err(e2) => return cx.fail(&e2),
                };
            let refs = up.entries();
            let view = appform::error_view(&err, cx.lang, &refs, &e.form, &e.materials);
            let f = ApplyForm {
                wallet,
                replaced,
                code: &code,
                e: &e,
                errs: appform::place_errors(&err, cx.lang, &refs),
                values,
                kept: up.kept,
                idem,
                prefilled,
            };
            cx.render_problems(
                "apply.html",
                "items",
                &err,
                view,
                apply_context(&state, &cx, &f),
            )
        }
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<u32>,
}

async fn my_cases(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Some(r) = need_person(&cx, "/my/cases") {
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
    match state.cases.my_cases(&cx.ctx, page).await {
        Ok(p) => {
            // One card per case: what waits on the citizen (decided by the domain) and the
            // next step in words.
            let cards: Vec<Value> = p
                .items
                .iter()
                .map(|c| {
                    let waiting = Status::parse(&c.status).is_some_and(Status::waits_on_applicant);
                    context! {
                        c => ser(c),
                        waiting,
                        next => i18n::text(&format!("my.next.{}", c.status), cx.lang),
                    }
                })
                .collect();
            cx.render(
                "my_cases.html",
                "my_cases",
                context! { page => ser(&p), cards, pager => pager("/my/cases", p.page, p.total, p.size), flash => flash(&cx) },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

/// One item of a one-time notice or of an officer's request for supplements.
#[derive(Serialize)]
struct NoticeView {
    entry: String,
    entry_name: String,
    reason: String,
}

/// What is asked of the applicant now: the last notice (before acceptance) or request (during
/// handling), when the case waits for supplements.
fn notice_items(view: &CaseView, e: &Elements) -> Vec<NoticeView> {
    let wanted = match view.status {
        Status::Supplement => "supplement_requested",
        Status::Paused => "wf.supplement_requested",
        _ => return Vec::new(),
    };
    let Some(ev) = view.events.iter().rev().find(|ev| ev.action == wanted) else {
        return Vec::new();
    };
    let items = ev
        .data
        .get("items")
        .and_then(|i| i.as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|it| match it {
            serde_json::Value::String(s) => NoticeView {
                entry: String::new(),
                entry_name: String::new(),
                reason: s.clone(),
            },
            other => {
                let entry = other
                    .get("entry")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string();
                NoticeView {
                    entry_name: e
                        .materials
                        .iter()
                        .find(|m| m.key == entry)
                        .map(|m| m.name.clone())
                        .unwrap_or_default(),
                    entry,
                    reason: other
                        .get("reason")
                        .and_then(|x| x.as_str())
                        .unwrap_or("")
                        .to_string(),
                }
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Labelled {
    code: String,
    label: String,
}

/// The item version a case was filed under (for its form and checklist).
async fn elements_of(state: &AppState, view: &CaseView) -> Result<Elements, Error> {
    Ok(found(
        state
            .catalog
            .version(&Ctx::anonymous(), &view.item_code, view.item_version)
            .await,
    )?
    .map(|v| v.elements)
    .unwrap_or_default())
}

/// What the case page shows again after a failed supplement or rating.
#[derive(Default)]
struct Shown {
    values: Option<Values>,
    kept: BTreeMap<String, (String, String)>,
    errs: Errs,
    rating: Option<RatingInput>,
}

async fn case_context(
    state: &AppState,
    cx: &PageCx,
    no: &str,
    shown: Shown,
) -> Result<Value, Error> {
    let view = state.cases.case(&cx.ctx, no).await?;
    let e = elements_of(state, &view).await?;
    let ratings = state.cases.ratings_of(&cx.ctx, no).await?;
    let lang = cx.lang;
    let editable = appform::editable(&e.form);
    let stored = appform::values_of_json(&editable, &view.form);
    // What the applicant may do now is the domain's rule (`yiwang_cases::transitions`).
    let allowed = state.cases.allowed(&cx.ctx, &view).await?;
    let supplementing = allowed.supplement;
    let fields = if supplementing {
        appform::field_views(
            &editable,
            shown.values.as_ref().unwrap_or(&stored),
            &shown.errs,
            lang,
            &BTreeMap::new(),
            false,
        )
    } else {
        Vec::new()
    };
    let materials = if supplementing {
        appform::material_views(&e.materials, &shown.kept, &shown.errs)
            .into_iter()
            .map(|mut m| {
                m.required = false;
                m
            })
            .collect()
    } else {
        Vec::new()
    };
    let concluded = matches!(view.status, Status::Concluded | Status::Delivered);
    let supplemented_before =
        view.notice_given || view.pauses.iter().any(|p| p.kind == "supplement");
    let services: Vec<Labelled> = SERVICES
        .iter()
        .filter(|(s, _)| match *s {
            "supplement" => supplemented_before,
            "conclude" => concluded,
            _ => true,
        })
        .map(|(s, _)| Labelled {
            code: s.to_string(),
            label: i18n::text(&format!("rating.service.{s}"), lang),
        })
        .collect();
    let levels: Vec<Labelled> = LEVELS
        .iter()
        .map(|(n, _, _)| Labelled {
            code: n.to_string(),
            label: i18n::text(&format!("rating.level.{n}"), lang),
        })
        .collect();
    let indicators: Vec<Labelled> = INDICATORS
        .iter()
        .map(|(c, _)| Labelled {
            code: c.to_string(),
            label: i18n::text(&format!("rating.indicator.{c}"), lang),
        })
        .collect();
    let rating = shown.rating.unwrap_or(RatingInput {
        service: if concluded { "conclude" } else { "apply" }.to_string(),
        level: 0,
        ..Default::default()
    });
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    let rating_rows: Vec<Value> = ratings
        .iter()
        .map(|r| {
            context! {
                service => i18n::text(&format!("rating.service.{}", r.service), lang),
                level => i18n::text(&format!("rating.level.{}", r.level), lang),
                stars => r.level,
                indicators => r.indicators.iter().map(|c| i18n::text(&format!("rating.indicator.{c}"), lang)).collect::<Vec<_>>().join(sep),
                comment => r.comment.clone(),
                rated_at => super::china_time(r.rated_at),
                followup => r.followup.as_ref().map(|f| context! { status => f.status.clone(), reply => f.reply.clone(), due => f.due_date.to_string() }),
                assess_number => r.assess_number,
            }
        })
        .collect();
    Ok(context! {
        v => ser(&view),
        item_name => view.item_name.clone(),
        form => ser(&appform::shown_form(&e.form, &view.form, lang)),
        notice => ser(&notice_items(&view, &e)),
        supplementing,
        fields => ser(&fields),
        materials => ser(&materials),
        errs => ser(&shown.errs),
        divisions => ser(&appform::division_choices(&state.config.home_division)),
        accept => appform::ACCEPT,
        may_withdraw => allowed.withdraw,
        concluded,
        may_rate => concluded && !services.is_empty(),
        services => ser(&services),
        levels => ser(&levels),
        indicators => ser(&indicators),
        rating => ser(&rating),
        ratings => rating_rows,
    })
}

async fn my_case(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/cases/{no}")) {
        return r;
    }
    let ctx = match case_context(&state, &cx, &no, Shown::default()).await {
        Ok(ctx) => ctx,
        Err(e) => return cx.fail(&e),
    };
    // Right after submitting: the confirmation says what happens next, by which date (the
    // domain's promised due date) and which case number to keep.
    let applied = form_urlencoded::parse(cx.query_str().as_bytes())
        .any(|(k, v)| k == "done" && v == "case_applied");
    let confirmation = if applied {
        let view = match state.cases.case(&cx.ctx, &no).await {
            Ok(v) => v,
            Err(e) => return cx.fail(&e),
        };
        match state.cases.expected_due(&view).await {
            Ok(due) => Some(context! {
                due => due.map(|d| d.to_string()),
                accepted => view.accepted_at.is_some(),
            }),
            Err(e) => return cx.fail(&e),
        }
    } else {
        None
    };
    cx.render(
        "my_case.html",
        "my_cases",
        context! { flash => if applied { None } else { flash(&cx) }, confirmation, ..ctx },
    )
}

/// After a failed action: the case page again (fresh) with the problem, or the error page
/// when the case itself cannot be shown.
async fn case_error(state: &AppState, cx: &PageCx, no: &str, e: &Error, shown: Shown) -> Response {
    if e.code == ErrorCode::Unauthenticated {
        return cx.fail(e);
    }
    match case_context(state, cx, no, shown).await {
        Ok(ctx) => cx.render_error("my_case.html", "my_cases", e, ctx),
        Err(e2) => cx.fail(&e2),
    }
}

fn revision_of(form_value: &str) -> Option<i64> {
    form_value.trim().parse().ok()
}

async fn withdraw(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/cases/{no}")) {
        return r;
    }
    match state
        .cases
        .withdraw(
            &cx.ctx,
            &no,
            revision_of(form.get("revision")),
            form.get("reason"),
        )
        .await
    {
        Ok(v) => {
            Redirect::to(&format!("/my/cases/{}?done=case_withdrawn", v.case_no)).into_response()
        }
        Err(e) => {
            let errs = appform::place_errors(&e, cx.lang, &[]);
            case_error(
                &state,
                &cx,
                &no,
                &e,
                Shown {
                    errs,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

async fn supplement(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/cases/{no}")) {
        return r;
    }
    let view = match state.cases.case(&cx.ctx, &no).await {
        Ok(v) => v,
        Err(e) => return cx.fail(&e),
    };
    let mp = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(e) => return case_error(&state, &cx, &no, &e, Shown::default()).await,
    };
    supplement_with(&state, &cx, &view, &mp).await
}

/// Hands in the supplements of a multipart form: new files and the fields that differ from
/// the stored form.
async fn supplement_with(
    state: &AppState,
    cx: &PageCx,
    view: &CaseView,
    mp: &Multipart,
) -> Response {
    let e = match elements_of(state, view).await {
        Ok(e) => e,
        Err(err) => return cx.fail(&err),
    };
    let editable = appform::editable(&e.form);
    let stored = appform::values_of_json(&editable, &view.form);
    let values = appform::submitted_values(&editable, &mp.text);
    let changed = appform::changed_fields(&editable, &stored, &values);
    let up = appform::upload_materials(state, &cx.ctx, &e.materials, mp).await;
    let result = if up.problems.is_empty() {
        state
            .cases
            .supplement(
                &cx.ctx,
                &view.case_no,
                revision_of(mp.get("revision")),
                &changed,
                &up.refs,
            )
            .await
    } else {
        Err(Error::validation(up.problems.clone()))
    };
    match result {
        Ok(v) => {
            Redirect::to(&format!("/my/cases/{}?done=case_supplemented", v.case_no)).into_response()
        }
        Err(err) => {
            let shown = Shown {
                errs: appform::place_errors(&err, cx.lang, &up.entries()),
                values: Some(values),
                kept: up.kept,
                rating: None,
            };
            case_error(state, cx, &view.case_no, &err, shown).await
        }
    }
}

async fn rate(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/cases/{no}")) {
        return r;
    }
    let input = RatingInput {
        service: form.get("service").trim().to_string(),
        level: form.get("level").trim().parse().unwrap_or(0),
        indicators: form.all("indicators"),
        comment: form.get("comment").to_string(),
        channel: "1".to_string(),
    };
    match state.cases.rate(&cx.ctx, &no, &input).await {
        Ok(_) => Redirect::to(&format!("/my/cases/{no}?done=case_rated#ratings")).into_response(),
        Err(e) => {
            let errs = appform::place_errors(&e, cx.lang, &[]);
            case_error(
                &state,
                &cx,
                &no,
                &e,
                Shown {
                    errs,
                    rating: Some(input),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

async fn material(
    State(state): State<AppState>,
    cx: PageCx,
    Path((no, sha)): Path<(String, String)>,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/my/cases/{no}")) {
        return r;
    }
    match state.cases.material(&cx.ctx, &no, &sha).await {
        Ok((name, media, bytes)) => crate::transfer::stored_file_response(&name, &media, bytes),
        Err(e) => cx.fail(&e),
    }
}

/// The public progress query. The credential is posted, never put in an address (it would
/// stay in the history and in every link of the page), and never shown back.
async fn progress_page(cx: PageCx) -> Response {
    cx.render(
        "progress.html",
        "progress",
        context! { q => context! { case_no => "" } },
    )
}

async fn progress(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let case_no = form.get("case_no").trim().to_string();
    let shown = context! { case_no => case_no.clone() };
    match state
        .cases
        .progress(&cx.ctx, &case_no, form.get("credential"))
        .await
    {
        Ok(p) => cx.render(
            "progress.html",
            "progress",
            context! { q => shown, p => ser(&p) },
        ),
        Err(e) => {
            let errs = appform::place_errors(&e, cx.lang, &[]);
            let e = if e.code == ErrorCode::NotFound {
                Error::new(ErrorCode::NotFound).with_detail(
                    "未查到该办件：请核对办件编号和身份证号码（或统一社会信用代码、联系电话）",
                    "No such case: check the case number and the ID number (or credit code, or contact phone)",
                )
            } else {
                e
            };
            cx.render_error(
                "progress.html",
                "progress",
                &e,
                context! { q => shown, errs => ser(&errs) },
            )
        }
    }
}
