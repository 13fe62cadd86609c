//! Staff pages of case handling: the inbox (办件箱) with filters, a case with the actions the
//! member of staff may take now (受理, 不予受理, 一次性告知; 签收, 通过, 退回, 不予许可, 补正告知;
//! 特别程序; 送达), window reception (窗口收件), and efficiency supervision (效能监督: warnings by
//! department, follow-ups of bad ratings and appeals).
//!
//! Pages only offer what the status and the caller's roles allow; `CaseService` decides. Every
//! action sends back the revision shown; a stale one answers the conflict with the fresh case.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_cases::{
    Allowed, AppealDecision, CaseView, FollowupStep, InboxFilter, NoticeItem, Status,
    WindowApplicant, WindowApplication,
};
use yiwang_catalog::model::Elements;
use yiwang_catalog::search::SearchParams;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode, FieldError};
use yiwang_workflow::Action;

use super::appform::{self, Errs, Values};
use super::auth::FormData;
use super::cases::APPLICATION_BODY_LIMIT;
use super::{PageCx, flash, found, pager, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/cases", get(inbox))
        .route("/staff/cases/{no}", get(case_page))
        .route("/staff/cases/{no}/{action}", post(case_action))
        .route(
            "/staff/window",
            get(window_page)
                .post(window_receive)
                .layer(DefaultBodyLimit::max(APPLICATION_BODY_LIMIT)),
        )
        .route("/staff/supervision", get(supervision))
        .route("/staff/followups/{id}", post(followup_step))
        .route("/staff/followups/{id}/decision", post(decide_appeal))
}

/// Staff pages are for staff: anonymous callers sign in first, citizens are refused.
pub(super) fn need_staff(cx: &PageCx) -> Result<(), Error> {
    match &cx.ctx.actor {
        Actor::Staff(_) => Ok(()),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
struct InboxQuery {
    status: Option<String>,
    item_code: Option<String>,
    warning: Option<String>,
    from: Option<String>,
    to: Option<String>,
    mine: Option<String>,
    page: Option<u32>,
}

#[derive(Serialize)]
struct Opt {
    code: String,
    label: String,
}

fn status_options(cx: &PageCx) -> Vec<Opt> {
    Status::ALL
        .iter()
        .map(|s| Opt {
            code: s.as_str().to_string(),
            label: cx.lang.pick(s.zh(), s.en()).to_string(),
        })
        .collect()
}

fn date_of(field: &str, raw: Option<&str>) -> Result<Option<time::Date>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => yiwang_calendar::data::parse_date(s)
            .map(Some)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "date.format",
                    format!("日期“{s}”无效，应为 YYYY-MM-DD"),
                    format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
                )
            }),
    }
}

async fn inbox(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let raw = cx.query_str().to_string();
    let q: InboxQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let mine = matches!(q.mine.as_deref(), Some("1" | "true" | "on"));
    let extra = context! {
        q => ser(&q),
        mine,
        statuses => ser(&status_options(&cx)),
        can_followups => cx.ctx.actor.has(Permission::CaseHandle) || cx.ctx.actor.has(Permission::CaseSupervise),
        can_window => cx.ctx.actor.has(Permission::CaseReceive),
    };
    let mut p = yiwang_kernel::error::Problems::new();
    let from = p.take(date_of("from", q.from.as_deref())).flatten();
    let to = p.take(date_of("to", q.to.as_deref())).flatten();
    let result = match p.into_result() {
        Ok(()) => {
            let f = InboxFilter {
                status: q.status.clone(),
                item_code: q.item_code.clone(),
                warning: q.warning.clone(),
                from,
                to,
                mine,
            };
            let page = Page {
                page: q.page.unwrap_or(1).clamp(1, 100_000),
                size: 20,
            };
            state.cases.inbox(&cx.ctx, &f, page).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => {
            let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .filter(|(k, v)| k != "page" && !v.is_empty())
                .collect();
            let base = if pairs.is_empty() {
                "/staff/cases".to_string()
            } else {
                format!(
                    "/staff/cases?{}",
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish()
                )
            };
            cx.render(
                "staff/cases.html",
                "cases",
                context! { page => ser(&p), pager => pager(&base, p.page, p.total, p.size), ..extra },
            )
        }
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => {
            let errs = appform::place_errors(&e, cx.lang, &[]);
            cx.render_error(
                "staff/cases.html",
                "cases",
                &e,
                context! { errs => ser(&errs), ..extra },
            )
        }
    }
}

/// The actions one active step offers the caller (what the domain allows, with the step's
/// labels).
#[derive(Serialize, Default)]
struct StepCan {
    code: String,
    name: String,
    due: String,
    holders: String,
    pooled: String,
    claim: bool,
    approve: bool,
    refuse: bool,
    request_supplement: bool,
    return_to: Vec<(String, String)>,
}

/// What the caller may do with the case now: decided by `CaseService::allowed`
/// (`yiwang_cases::transitions`); the page only adds the steps' labels.
#[derive(Serialize, Default)]
struct CanDo {
    accept: bool,
    not_accept: bool,
    notice: bool,
    steps: Vec<StepCan>,
    special_start: bool,
    special_end: bool,
    deliver: bool,
    urge: bool,
    any: bool,
    /// The acceptance receipt (受理回执) may be printed.
    receipt: bool,
}

fn can_do(cx: &PageCx, v: &CaseView, allowed: Allowed) -> CanDo {
    let Some(me) = cx.ctx.actor.staff() else {
        return CanDo::default();
    };
    let sep = if cx.lang == yiwang_kernel::i18n::Lang::Zh {
        "、"
    } else {
        ", "
    };
    let steps = allowed
        .steps
        .into_iter()
        .filter_map(|a| {
            let s = v.steps.iter().find(|s| s.code == a.code)?;
            Some(StepCan {
                code: a.code,
                name: s.name.clone(),
                due: s.due.map(|d| d.to_string()).unwrap_or_default(),
                holders: s
                    .officers
                    .iter()
                    .map(|o| {
                        if *o == me.user_id {
                            crate::i18n::text("case.me", cx.lang)
                        } else {
                            format!("#{o}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(sep),
                pooled: if s.pool_role.is_some() {
                    crate::i18n::text("case.pooled", cx.lang)
                } else {
                    String::new()
                },
                claim: a.claim,
                approve: a.approve,
                refuse: a.refuse,
                request_supplement: a.request_supplement,
                return_to: a.return_to,
            })
        })
        .collect();
    CanDo {
        accept: allowed.accept,
        not_accept: allowed.not_accept,
        notice: allowed.notice,
        steps,
        special_start: allowed.special_start,
        special_end: allowed.special_end,
        deliver: allowed.deliver,
        urge: allowed.urge,
        any: allowed.any,
        receipt: false,
    }
}

/// The elements of the item version a case was filed under (none if it is gone).
async fn elements_of(state: &AppState, v: &CaseView) -> Result<Elements, Error> {
    Ok(found(
        state
            .catalog
            .version(&Ctx::anonymous(), &v.item_code, v.item_version)
            .await,
    )?
    .map(|x| x.elements)
    .unwrap_or_default())
}

pub(super) async fn case_context(state: &AppState, cx: &PageCx, no: &str) -> Result<Value, Error> {
    let v = state.cases.case(&cx.ctx, no).await?;
    let e = elements_of(state, &v).await?;
    let department = found(state.org.department(v.department_id).await)?
        .map(|d| d.name)
        .unwrap_or_default();
    let ratings = state.cases.ratings_of(&cx.ctx, no).await?;
    let mut can = can_do(cx, &v, state.cases.allowed(&cx.ctx, &v).await?);
    can.receipt = state.cases.receipt_offered(&cx.ctx, &v);
    let entries: Vec<Opt> = e
        .materials
        .iter()
        .map(|m| Opt {
            code: m.key.clone(),
            label: m.name.clone(),
        })
        .collect();
    Ok(context! {
        form => ser(&appform::shown_form(&e.form, &v.form, cx.lang)),
        department,
        can => ser(&can),
        entries => ser(&entries),
        ratings => ser(&ratings),
        notice_rows => [0, 1, 2, 3, 4],
        phrases => ser(&yiwang_cases::transitions::PHRASES),
        opinion_min => yiwang_cases::transitions::MIN_OPINION_CHARS,
        verify => super::exchange_access::panel(state, cx, &v.case_no).await?,
        credit => super::credit::banner(state, cx, &v, can.accept).await?,
        v => ser(&v),
    })
}

async fn case_page(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match case_context(&state, &cx, &no).await {
        Ok(ctx) => cx.render(
            "staff/case.html",
            "cases",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// The case page again after a failed action: the fresh case, the problem, each field's
/// problem next to it and what was typed in the form that failed (`which`).
async fn case_error(
    state: &AppState,
    cx: &PageCx,
    no: &str,
    e: &Error,
    which: &str,
    posted: BTreeMap<String, String>,
) -> Response {
    if e.code == ErrorCode::Unauthenticated {
        return cx.fail(e);
    }
    match case_context(state, cx, no).await {
        Ok(ctx) => cx.render_error(
            "staff/case.html",
            "cases",
            e,
            context! {
                errs => ser(&appform::place_errors(e, cx.lang, &[])),
                which,
                posted => posted,
                ..ctx
            },
        ),
        Err(e2) => cx.fail(&e2),
    }
}

/// The opinion posted, with the common phrase chosen beside it (without scripts).
fn opinion(form: &FormData) -> String {
    yiwang_cases::transitions::with_phrase(form.get("phrase"), form.get("opinion"))
}

fn opt_step(form: &FormData) -> Option<String> {
    Some(form.get("step").trim().to_string()).filter(|s| !s.is_empty())
}

async fn case_action(
    State(state): State<AppState>,
    cx: PageCx,
    Path((no, action)): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let rev = form.get("revision").trim().parse::<i64>().ok();
    let ctx = &cx.ctx;
    let cases = &state.cases;
    let step = opt_step(&form);
    let step = step.as_deref();
    let result = match action.as_str() {
        "accept" => cases.accept(ctx, &no, rev).await,
        "not-accept" => cases.not_accept(ctx, &no, rev, form.get("reason")).await,
        "notice" => {
            let entries = form.all("notice_entry");
            let reasons = form.all("notice_reason");
            let items: Vec<NoticeItem> = reasons
                .iter()
                .enumerate()
                .map(|(i, r)| NoticeItem {
                    entry: entries.get(i).cloned().unwrap_or_default(),
                    reason: r.clone(),
                })
                .filter(|it| !it.reason.trim().is_empty() || !it.entry.trim().is_empty())
                .collect();
            cases.request_supplements(ctx, &no, rev, &items).await
        }
        "claim" => cases.act(ctx, &no, rev, step, Action::Claim).await,
        "approve" => {
            let a = Action::Approve {
                opinion: opinion(&form),
            };
            cases.act(ctx, &no, rev, step, a).await
        }
        "return" => {
            let a = Action::Return {
                to_step: form.get("to_step").trim().to_string(),
                opinion: opinion(&form),
            };
            cases.act(ctx, &no, rev, step, a).await
        }
        "refuse" => {
            let a = Action::Refuse {
                opinion: opinion(&form),
            };
            cases.act(ctx, &no, rev, step, a).await
        }
        "request-supplement" => {
            let items: Vec<String> = form
                .get("items")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            cases
                .act(ctx, &no, rev, step, Action::RequestSupplement { items })
                .await
        }
        "urge" => cases.act(ctx, &no, rev, step, Action::Urge).await,
        "special-start" => {
            let days = form.get("days").trim().parse::<i64>().unwrap_or(0);
            cases
                .start_special(
                    ctx,
                    &no,
                    rev,
                    form.get("special_type").trim(),
                    form.get("name"),
                    form.get("reason"),
                    days,
                )
                .await
        }
        "special-end" => {
            cases
                .end_special(ctx, &no, rev, form.get("result"), form.get("opinion"))
                .await
        }
        "deliver" => {
            cases
                .deliver(ctx, &no, rev, form.get("method"), form.get("reference"))
                .await
        }
        _ => Err(Error::not_found()),
    };
    match result {
        Ok(v) => Redirect::to(&format!(
            "/staff/cases/{}?done=case_{}",
            v.case_no,
            action.replace('-', "_")
        ))
        .into_response(),
        Err(e) if e.code == ErrorCode::NotFound && action_unknown(&action) => cx.fail(&e),
        Err(e) => {
            let posted: BTreeMap<String, String> = form
                .0
                .iter()
                .filter(|(k, _)| k != "_csrf")
                .cloned()
                .collect();
            case_error(&state, &cx, &no, &e, &action, posted).await
        }
    }
}

const ACTIONS: &[&str] = &[
    "accept",
    "not-accept",
    "notice",
    "claim",
    "approve",
    "return",
    "refuse",
    "request-supplement",
    "urge",
    "special-start",
    "special-end",
    "deliver",
];

fn action_unknown(a: &str) -> bool {
    !ACTIONS.contains(&a)
}

// ----- window reception -----

#[derive(Debug, Deserialize, Default)]
struct WindowQuery {
    item: Option<String>,
    q: Option<String>,
}

/// What the window page shows again after a problem.
#[derive(Default)]
struct WindowShown {
    applicant: WindowApplicant,
    values: Values,
    kept: BTreeMap<String, (String, String)>,
    errs: Errs,
}

async fn window_context(
    state: &AppState,
    cx: &PageCx,
    q: &WindowQuery,
    shown: &WindowShown,
) -> Result<Value, Error> {
    let results = match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            state
                .catalog
                .search(&SearchParams {
                    q: Some(text.to_string()),
                    size: Some(10),
                    ..Default::default()
                })
                .await?
                .items
        }
        None => Vec::new(),
    };
    let item = match q.item.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => {
            let it = state.catalog.item(&Ctx::anonymous(), code).await?;
            let v = it.published.ok_or_else(|| {
                Error::field(FieldError::new(
                    "item",
                    "item.not_published",
                    format!("事项“{code}”未发布，不能收件"),
                    format!("Item \"{code}\" is not published; it cannot be received"),
                ))
            })?;
            let e = v.elements;
            Some(context! {
                code => it.code,
                name => e.name.clone(),
                department_name => e.department_name.clone(),
                fields => ser(&appform::field_views(&e.form, &shown.values, &shown.errs, cx.lang, &BTreeMap::new(), true)),
                materials => ser(&appform::material_views(&e.materials, &shown.kept, &shown.errs)),
            })
        }
        None => None,
    };
    Ok(context! {
        q => q.q.clone().unwrap_or_default(),
        code => q.item.clone().unwrap_or_default(),
        results => ser(&results),
        item,
        applicant => ser(&shown.applicant),
        errs => ser(&shown.errs),
        divisions => ser(&appform::division_choices(&state.config.home_division)),
        accept => appform::ACCEPT,
    })
}

fn need_clerk(cx: &PageCx) -> Result<(), Error> {
    need_staff(cx)?;
    if cx.ctx.actor.has(Permission::CaseReceive) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

async fn window_page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_clerk(&cx) {
        return cx.fail(&e);
    }
    let q: WindowQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    match window_context(&state, &cx, &q, &WindowShown::default()).await {
        Ok(ctx) => cx.render("staff/window.html", "window", ctx),
        Err(e) if e.status() >= 500 => cx.fail(&e),
        Err(e) => {
            // The page again without the item, and without the search if that was refused.
            let with_search = WindowQuery {
                item: None,
                q: q.q.clone(),
            };
            for blank in [with_search, WindowQuery::default()] {
                match window_context(&state, &cx, &blank, &WindowShown::default()).await {
                    Ok(ctx) => return cx.render_error("staff/window.html", "window", &e, ctx),
                    Err(e2) if e2.status() >= 500 => return cx.fail(&e2),
                    Err(_) => {}
                }
            }
            cx.fail(&e)
        }
    }
}

async fn window_receive(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = need_clerk(&cx) {
        return cx.fail(&e);
    }
    let mp = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(e) => return cx.fail(&e),
    };
    let code = mp.get("item").trim().to_string();
    let q = WindowQuery {
        item: Some(code.clone()),
        q: None,
    };
    let e = match state.catalog.item(&Ctx::anonymous(), &code).await {
        Ok(it) => match it.published {
            Some(v) => v.elements,
            None => return cx.fail(&Error::not_found()),
        },
        Err(err) => return cx.fail(&err),
    };
    let applicant = WindowApplicant {
        kind: mp.get("applicant.kind").trim().to_string(),
        name: mp.get("applicant.name").trim().to_string(),
        cert_no: mp.get("applicant.cert_no").trim().to_uppercase(),
        contact_name: mp.get("applicant.contact_name").trim().to_string(),
        contact_phone: mp.get("applicant.contact_phone").trim().to_string(),
        legal_representative: mp.get("applicant.legal_representative").trim().to_string(),
    };
    let values = appform::submitted_values(&e.form, &mp.text);
    let form = appform::form_json(&e.form, &values, &Default::default());
    let up = appform::upload_materials(&state, &cx.ctx, &e.materials, &mp).await;
    let result = if up.problems.is_empty() {
        state
            .cases
            .receive(
                &cx.ctx,
                &WindowApplication {
                    item_code: code.clone(),
                    applicant: applicant.clone(),
                    form,
                    materials: up.refs.clone(),
                },
            )
            .await
    } else {
        Err(Error::validation(up.problems.clone()))
    };
    match result {
        Ok(v) => {
            Redirect::to(&format!("/staff/cases/{}?done=case_received", v.case_no)).into_response()
        }
        Err(err) if matches!(err.code, ErrorCode::Unauthenticated) => cx.fail(&err),
        Err(err) => {
            let shown = WindowShown {
                errs: appform::place_errors(&err, cx.lang, &up.entries()),
                applicant,
                values,
                kept: up.kept,
            };
            match window_context(&state, &cx, &q, &shown).await {
                Ok(ctx) => cx.render_error("staff/window.html", "window", &err, ctx),
                Err(e2) => cx.fail(&e2),
            }
        }
    }
}

// ----- supervision -----

#[derive(Debug, Deserialize, Default)]
struct SupervisionQuery {
    all: Option<String>,
}

async fn supervision_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let a = &cx.ctx.actor;
    let supervise = a.has(Permission::CaseSupervise);
    let handle = a.has(Permission::CaseHandle);
    if !supervise && !handle {
        return Err(Error::forbidden());
    }
    let q: SupervisionQuery = cx.query()?;
    let all = matches!(q.all.as_deref(), Some("1" | "true" | "on"));
    let warnings = if supervise {
        state.cases.warnings(&cx.ctx).await?
    } else {
        Vec::new()
    };
    let followups = state.cases.followups(&cx.ctx, !all).await?;
    let rows: Vec<Value> = followups
        .iter()
        .map(|f| {
            let st = f.followup.status.as_str();
            let steps: Vec<&str> = if handle {
                match st {
                    "open" => vec!["verify", "appeal"],
                    "verified" => vec!["rectify", "reply", "appeal"],
                    "rectified" => vec!["reply"],
                    _ => Vec::new(),
                }
            } else {
                Vec::new()
            };
            context! {
                f => ser(f),
                steps => steps,
                decide => supervise && st == "appealed",
            }
        })
        .collect();
    Ok(context! {
        supervise,
        handle,
        all,
        warnings => ser(&warnings),
        followups => rows,
    })
}

async fn supervision(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match supervision_context(&state, &cx).await {
        Ok(ctx) => cx.render(
            "staff/supervision.html",
            "supervision",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn supervision_error(state: &AppState, cx: &PageCx, e: &Error, id: i64) -> Response {
    if e.code == ErrorCode::Unauthenticated {
        return cx.fail(e);
    }
    match supervision_context(state, cx).await {
        Ok(ctx) => cx.render_error(
            "staff/supervision.html",
            "supervision",
            e,
            context! { failed => id, errs => ser(&appform::place_errors(e, cx.lang, &[])), ..ctx },
        ),
        Err(e2) => cx.fail(&e2),
    }
}

async fn followup_step(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let Ok(id) = id.parse::<i64>() else {
        return cx.fail(&Error::not_found());
    };
    let input = FollowupStep {
        step: form.get("step").trim().to_string(),
        text: form.get("text").to_string(),
        revision: form.get("revision").trim().parse().ok(),
    };
    match state.cases.followup_step(&cx.ctx, id, &input).await {
        Ok(_) => Redirect::to("/staff/supervision?done=followup_saved").into_response(),
        Err(e) => supervision_error(&state, &cx, &e, id).await,
    }
}

async fn decide_appeal(
    State(state): State<AppState>,
    cx: PageCx,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let Ok(id) = id.parse::<i64>() else {
        return cx.fail(&Error::not_found());
    };
    let input = AppealDecision {
        uphold: form.get("uphold") == "1",
        note: form.get("note").to_string(),
        revision: form.get("revision").trim().parse().ok(),
    };
    match state.cases.decide_appeal(&cx.ctx, id, &input).await {
        Ok(_) => Redirect::to("/staff/supervision?done=appeal_decided").into_response(),
        Err(e) => supervision_error(&state, &cx, &e, id).await,
    }
}
