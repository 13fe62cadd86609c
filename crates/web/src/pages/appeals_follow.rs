//! Following an appeal: "my appeals" (a signed-in person), the owner's page of one appeal
//! (status, the flow in plain words, the reply, photos, the rating with 是否解决, reopening when
//! unsatisfied), the owner's photos, and the anonymous query with the number and the query
//! code (`/appeals/track`, the same view and rating).
//!
//! The code is posted, never put in an address, and never shown back; the service throttles
//! wrong codes like the progress query.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_appeals::{ActInput, Action, AppealView, Satisfaction};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appeals::{placed, receipt, summary};
use super::appform::Errs;
use super::auth::FormData;
use super::{PageCx, flash, pager, ser, urlencode};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/appeals/mine", get(mine))
        .route("/appeals/track", get(track_page).post(track))
        .route("/appeals/track/rate", post(track_rate))
        .route("/appeals/{no}", get(order))
        .route("/appeals/{no}/rate", post(rate))
        .route("/appeals/{no}/reopen", post(reopen))
        .route("/appeals/{no}/photos/{digest}", get(photo))
}

/// The owner's pages are a natural person's: anonymous callers sign in first; staff read
/// orders on their own pages.
fn need_person(cx: &PageCx, back: &str) -> Option<Response> {
    match &cx.ctx.actor {
        Actor::Person(_) => None,
        Actor::Anonymous => {
            Some(Redirect::to(&format!("/signin?next={}", urlencode(back))).into_response())
        }
        _ => Some(cx.fail(&Error::forbidden())),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<u32>,
}

async fn mine(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Some(r) = need_person(&cx, "/appeals/mine") {
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
    match state.appeals.mine(&cx.ctx, page).await {
        Ok(p) => {
            let cards: Vec<Value> = p
                .items
                .iter()
                .map(|a| {
                    context! {
                        a => ser(a),
                        status => cx.lang.pick(a.status.zh(), a.status.en()),
                        now => i18n::text(&format!("apc.now.{}", a.status.as_str()), cx.lang),
                        due => super::china_date(a.due_at),
                    }
                })
                .collect();
            cx.render(
                "appeals/mine.html",
                "appeals",
                context! {
                    page => ser(&p),
                    cards,
                    pager => pager("/appeals/mine", p.page, p.total, p.size),
                    flash => flash(&cx),
                },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

/// One step of the flow as the citizen reads it.
#[derive(Serialize)]
struct Step {
    at: String,
    text: String,
    /// What the citizen is told (the reply); internal reasons stay with staff.
    said: String,
}

/// The flow in plain words: what happened, to whom it went, and the reply.
fn steps(v: &AppealView, lang: Lang) -> Vec<Step> {
    v.events
        .iter()
        .map(|ev| {
            let key = format!("apc.flow.{}", ev.kind);
            let text = i18n::known(&key, lang)
                .unwrap_or_else(|| lang.pick(&ev.kind_zh, &ev.kind).to_string())
                .replace("{to}", &ev.to);
            let text = if ev.to.is_empty() {
                text.replace("（）", "").replace(" ()", "")
            } else {
                text
            };
            let said = if matches!(ev.kind.as_str(), "reply" | "close_direct" | "visit") {
                ev.text.clone()
            } else {
                String::new()
            };
            Step {
                at: super::china_time(ev.at),
                text,
                said,
            }
        })
        .collect()
}

/// What the rating form shows again after a problem.
#[derive(Serialize, Default)]
struct Rated {
    satisfaction: String,
    resolved: String,
    text: String,
}

#[derive(Serialize)]
struct Level {
    n: i64,
    label: String,
}

/// The view of one appeal for its filer (owner or query-code holder).
fn order_context(v: &AppealView, lang: Lang, rated: Rated, errs: &Errs, tracked: bool) -> Value {
    let may = |a: Action| v.allowed.contains(&a);
    let levels: Vec<Level> = Satisfaction::ALL
        .iter()
        .map(|s| Level {
            n: s.level(),
            label: lang.pick(s.zh(), s.en()).to_string(),
        })
        .collect();
    let satisfaction = v
        .satisfaction
        .and_then(Satisfaction::from_level)
        .map(|s| lang.pick(s.zh(), s.en()).to_string());
    let o = context! {
        due => super::china_date(v.due_at),
        now => i18n::text(&format!("apc.now.{}", v.status.as_str()), lang),
        type_label => lang.pick(v.appeal_type.zh(), v.appeal_type.en()),
        steps => ser(&steps(v, lang)),
        levels => ser(&levels),
        satisfaction,
        rated => ser(&rated),
        errs => ser(errs),
        tracked,
    };
    context! {
        v => ser(v),
        o,
        errs => ser(errs),
        may_rate => may(Action::Visit),
        may_reopen => !tracked && may(Action::Reopen),
    }
}

async fn order(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    if matches!(cx.ctx.actor, Actor::Staff(_)) {
        return Redirect::to(&format!("/staff/appeals/{}", urlencode(&no))).into_response();
    }
    if let Some(r) = need_person(&cx, &format!("/appeals/{no}")) {
        return r;
    }
    let v = match state.appeals.get(&cx.ctx, &no).await {
        Ok(v) => v,
        Err(e) => return cx.fail(&e),
    };
    let filed = form_urlencoded::parse(cx.query_str().as_bytes())
        .any(|(k, v)| k == "done" && v == "apc_filed");
    let ctx = order_context(&v, cx.lang, Rated::default(), &Errs::new(), false);
    let shown = if filed {
        context! { ..receipt(&v, None), ..ctx }
    } else {
        context! { flash => flash(&cx), ..ctx }
    };
    cx.render("appeals/order.html", "appeals", shown)
}

/// The rating (回访) as posted: 1–5 and 是否解决 are required; a comment is optional.
fn visit_input(form: &FormData, revision: i64) -> Result<ActInput, Error> {
    let mut problems = Vec::new();
    let satisfaction = form.get("satisfaction").trim().parse::<i64>().ok();
    if satisfaction.and_then(Satisfaction::from_level).is_none() {
        problems.push(FieldError::new(
            "satisfaction",
            "required",
            "请选择满意度（1–5）",
            "Choose how satisfied you are (1–5)",
        ));
    }
    let resolved = match form.get("resolved") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            problems.push(FieldError::new(
                "resolved",
                "required",
                "请选择问题是否已解决",
                "Say whether the problem is solved",
            ));
            None
        }
    };
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let mut input = ActInput::new(Action::Visit, revision).with_text(form.get("text").trim());
    input.satisfaction = satisfaction;
    input.resolved = resolved;
    Ok(input)
}

fn rated_of(form: &FormData) -> Rated {
    Rated {
        satisfaction: form.get("satisfaction").to_string(),
        resolved: form.get("resolved").to_string(),
        text: form.get("text").to_string(),
    }
}

fn revision_of(form: &FormData) -> i64 {
    form.get("revision").trim().parse().unwrap_or(0)
}

/// The owner's page again (fresh) with the problem.
async fn order_error(state: &AppState, cx: &PageCx, no: &str, e: &Error, rated: Rated) -> Response {
    if e.code == ErrorCode::Unauthenticated || e.status() >= 500 {
        return cx.fail(e);
    }
    match state.appeals.get(&cx.ctx, no).await {
        Ok(v) => {
            let errs = placed(e, cx.lang);
            cx.render_problems(
                "appeals/order.html",
                "appeals",
                e,
                summary(e, cx.lang),
                order_context(&v, cx.lang, rated, &errs, false),
            )
        }
        Err(e2) => cx.fail(&e2),
    }
}

async fn rate(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/appeals/{no}")) {
        return r;
    }
    let result = match visit_input(&form, revision_of(&form)) {
        Ok(input) => state.appeals.act(&cx.ctx, &no, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => {
            Redirect::to(&format!("/appeals/{}?done=apc_rated#rating", v.appeal_no)).into_response()
        }
        Err(e) => order_error(&state, &cx, &no, &e, rated_of(&form)).await,
    }
}

async fn reopen(
    State(state): State<AppState>,
    cx: PageCx,
    Path(no): Path<String>,
    form: FormData,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/appeals/{no}")) {
        return r;
    }
    let input =
        ActInput::new(Action::Reopen, revision_of(&form)).with_text(form.get("text").trim());
    match state.appeals.act(&cx.ctx, &no, input).await {
        Ok(v) => {
            Redirect::to(&format!("/appeals/{}?done=apc_reopened", v.appeal_no)).into_response()
        }
        Err(e) => {
            let rated = Rated {
                text: form.get("text").to_string(),
                ..Default::default()
            };
            order_error(&state, &cx, &no, &e, rated).await
        }
    }
}

/// A photo of the owner's appeal, served only as the image type it was stored as.
async fn photo(
    State(state): State<AppState>,
    cx: PageCx,
    Path((no, digest)): Path<(String, String)>,
) -> Response {
    if let Some(r) = need_person(&cx, &format!("/appeals/{no}")) {
        return r;
    }
    match state.appeals.photo(&cx.ctx, &no, &digest).await {
        Ok((media, bytes)) => image_response(&media, bytes),
        Err(e) => cx.fail(&e),
    }
}

/// An image answer: JPEG or PNG by the stored media type, never anything a browser would run.
pub(super) fn image_response(media: &str, bytes: Bytes) -> Response {
    let mime = match media.trim().to_ascii_lowercase().as_str() {
        "image/jpeg" | "jpeg" | "jpg" => "image/jpeg",
        "image/png" | "png" => "image/png",
        _ => "application/octet-stream",
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

/// The anonymous query: number and query code.
async fn track_page(cx: PageCx) -> Response {
    cx.render(
        "appeals/track.html",
        "appeals",
        context! { q => context! { appeal_no => "" } },
    )
}

/// A wrong number or code says only that: nothing tells which of the two was wrong.
fn not_found_said(e: Error) -> Error {
    if e.code == ErrorCode::NotFound {
        Error::new(ErrorCode::NotFound).with_detail(
            "未查到该诉求：请核对工单编号和查询码",
            "No such appeal: check the appeal number and the query code",
        )
    } else {
        e
    }
}

async fn track(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let no = form.get("appeal_no").trim().to_string();
    let code = form.get("code").trim().to_string();
    let shown = context! { appeal_no => no.clone() };
    let missing: Vec<FieldError> = [("appeal_no", &no), ("code", &code)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(k, _)| FieldError::required(*k))
        .collect();
    let result = if missing.is_empty() {
        state
            .appeals
            .track(&no, &code)
            .await
            .map_err(not_found_said)
    } else {
        Err(Error::validation(missing))
    };
    match result {
        Ok(v) => cx.render(
            "appeals/track.html",
            "appeals",
            context! {
                q => shown,
                code => code,
                ..order_context(&v, cx.lang, Rated::default(), &Errs::new(), true)
            },
        ),
        Err(e) => {
            let errs = placed(&e, cx.lang);
            cx.render_error(
                "appeals/track.html",
                "appeals",
                &e,
                context! { q => shown, errs => ser(&errs) },
            )
        }
    }
}

/// The anonymous filer's rating, with the number and the code (posted again, hidden).
async fn track_rate(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let no = form.get("appeal_no").trim().to_string();
    let code = form.get("code").trim().to_string();
    let shown = context! { appeal_no => no.clone() };
    let result = match visit_input(&form, revision_of(&form)) {
        Ok(input) => state
            .appeals
            .visit_tracked(&no, &code, input)
            .await
            .map_err(not_found_said),
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => cx.render(
            "appeals/track.html",
            "appeals",
            context! {
                q => shown,
                code => code,
                flash => i18n::text("flash.apc_rated", cx.lang),
                ..order_context(&v, cx.lang, Rated::default(), &Errs::new(), true)
            },
        ),
        Err(e) if e.code == ErrorCode::NotFound || e.status() >= 500 => {
            cx.render_error("appeals/track.html", "appeals", &e, context! { q => shown })
        }
        Err(e) => match state.appeals.track(&no, &code).await {
            Ok(v) => {
                let errs = placed(&e, cx.lang);
                cx.render_problems(
                    "appeals/track.html",
                    "appeals",
                    &e,
                    summary(&e, cx.lang),
                    context! {
                        q => shown,
                        code => code,
                        ..order_context(&v, cx.lang, rated_of(&form), &errs, true)
                    },
                )
            }
            Err(e2) => cx.render_error(
                "appeals/track.html",
                "appeals",
                &not_found_said(e2),
                context! { q => shown },
            ),
        },
    }
}
