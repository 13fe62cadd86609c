//! The 12345 hotline operator's screen (话务员工作台), built for speed: the caller's number and
//! their earlier orders, the category search, the knowledge base beside it with "answer with
//! this" (a 咨询 closed at once, 直接办结), and the full intake form for everything else —
//! likely duplicates offered before filing, the new order's number and where it was routed
//! after. Everything works without scripts (server-side searches are GET forms).
//!
//! `AppealService` decides who may take calls (`appeal.intake`) and validates every field.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_appeals::model::LonLat;
use yiwang_appeals::views::{CategoryView, NewAppeal};
use yiwang_appeals::{AppealType, Channel};
use yiwang_kernel::auth::Permission;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appform;
use super::auth::FormData;
use super::casework::need_staff;
use super::{PageCx, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/hotline", get(hotline).post(file))
        .route("/staff/hotline/answer", post(answer))
}

#[derive(Debug, Deserialize, Serialize, Default)]
struct HotlineQuery {
    /// The caller's number (their earlier orders).
    phone: Option<String>,
    /// Category search.
    cq: Option<String>,
    /// Knowledge-base search.
    kq: Option<String>,
    /// The category chosen from the search (prefills the intake form).
    category: Option<String>,
    /// The order just filed (shown with where it went).
    filed: Option<String>,
    /// The consult just answered.
    answered: Option<String>,
}

/// The types an operator files, in the order of the select.
pub(super) fn type_options(cx: &PageCx) -> Vec<(String, String)> {
    AppealType::ALL
        .iter()
        .map(|t| {
            (
                t.as_str().to_string(),
                cx.lang.pick(t.zh(), t.en()).to_string(),
            )
        })
        .collect()
}

/// Categories whose code, name, group or keywords contain the search (all when empty).
fn matching(list: &[CategoryView], q: &str) -> Vec<CategoryView> {
    let q = q.trim().to_lowercase();
    list.iter()
        .filter(|c| {
            q.is_empty()
                || c.code.to_lowercase().contains(&q)
                || c.name.to_lowercase().contains(&q)
                || c.keywords.to_lowercase().contains(&q)
                || c.group_name
                    .as_deref()
                    .is_some_and(|g| g.to_lowercase().contains(&q))
        })
        .cloned()
        .collect()
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Everything the operator's screen shows; `posted` is what the intake form had.
async fn screen(
    state: &AppState,
    cx: &PageCx,
    q: &HotlineQuery,
    posted: &BTreeMap<String, String>,
) -> Result<Value, Error> {
    let categories = state.appeals.categories(true).await?;
    let phone = opt(&q.phone).or_else(|| posted.get("contact_phone").map(String::as_str));
    let history = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(state.appeals.caller_history(&cx.ctx, p).await?),
        None => None,
    };
    let found = opt(&q.cq).map(|s| matching(&categories, s));
    let kq = opt(&q.kq);
    let category = opt(&q.category).or_else(|| posted.get("category").map(String::as_str));
    let knowledge = match kq {
        Some(s) => Some(
            state
                .appeals
                .knowledge(s, category.filter(|c| !c.is_empty()), 10)
                .await?,
        ),
        None => None,
    };
    let filed = match opt(&q.filed).or(opt(&q.answered)) {
        Some(no) => Some(state.appeals.get(&cx.ctx, no).await?),
        None => None,
    };
    let mut form = posted.clone();
    if let Some(c) = opt(&q.category) {
        form.insert("category".into(), c.to_string());
    }
    if let Some(p) = opt(&q.phone) {
        form.entry("contact_phone".into())
            .or_insert_with(|| p.to_string());
    }
    Ok(context! {
        q => ser(q),
        f => ser(&form),
        categories => ser(&categories),
        found => ser(&found),
        history => ser(&history),
        knowledge => ser(&knowledge),
        filed => ser(&filed),
        answered => opt(&q.answered).is_some(),
        types => ser(&type_options(cx)),
    })
}

fn may_take_calls(cx: &PageCx) -> Result<(), Error> {
    need_staff(cx)?;
    if cx.ctx.actor.has(Permission::AppealIntake) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

async fn hotline(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = may_take_calls(&cx) {
        return cx.fail(&e);
    }
    let q: HotlineQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    match screen(&state, &cx, &q, &BTreeMap::new()).await {
        Ok(ctx) => cx.render("staff/hotline.html", "hotline", ctx),
        Err(e) => cx.fail(&e),
    }
}

/// The screen again with the problem: each field's problem next to it, what was typed kept.
async fn again(
    state: &AppState,
    cx: &PageCx,
    e: &Error,
    which: &str,
    posted: BTreeMap<String, String>,
) -> Response {
    if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) {
        return cx.fail(e);
    }
    let q = HotlineQuery {
        phone: posted.get("contact_phone").cloned(),
        kq: posted.get("kq").cloned(),
        ..Default::default()
    };
    match screen(state, cx, &q, &posted).await {
        Ok(ctx) => cx.render_error(
            "staff/hotline.html",
            "hotline",
            e,
            context! { errs => ser(&appform::place_errors(e, cx.lang, &[])), which, ..ctx },
        ),
        Err(e2) => cx.fail(&e2),
    }
}

fn posted_of(form: &FormData) -> BTreeMap<String, String> {
    form.0
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .cloned()
        .collect()
}

/// A point typed as two numbers (or picked on a map); both empty is no point.
pub(super) fn point_of(lon: &str, lat: &str) -> Result<Option<LonLat>, Error> {
    let (lon, lat) = (lon.trim(), lat.trim());
    if lon.is_empty() && lat.is_empty() {
        return Ok(None);
    }
    match (lon.parse::<f64>(), lat.parse::<f64>()) {
        (Ok(x), Ok(y)) => match LonLat::new(x, y) {
            Some(p) => Ok(Some(p)),
            None => Err(point_error()),
        },
        _ => Err(point_error()),
    }
}

fn point_error() -> Error {
    Error::validation(vec![FieldError::new(
        "point",
        "point.range",
        "地点坐标无效：经度应在 -180 至 180 之间，纬度应在 -90 至 90 之间，两者都要填写",
        "Invalid point: longitude between -180 and 180 and latitude between -90 and 90, both given",
    )])
}

fn type_of(s: &str) -> Result<AppealType, Error> {
    AppealType::parse(s).ok_or_else(|| {
        Error::validation(vec![FieldError::new(
            "appeal_type",
            "appeal_type.unknown",
            "请选择诉求类型",
            "Choose the type of the appeal",
        )])
    })
}

/// The intake form as a new phone order.
fn new_appeal(form: &FormData) -> Result<NewAppeal, Error> {
    Ok(NewAppeal {
        channel: Channel::Phone,
        appeal_type: type_of(form.get("appeal_type"))?,
        category: form.get("category").trim().to_string(),
        title: form.get("title").trim().to_string(),
        content: form.get("content").trim().to_string(),
        address: form.get("address").trim().to_string(),
        division: None,
        point: point_of(form.get("lon"), form.get("lat"))?,
        contact_name: form.get("contact_name").trim().to_string(),
        contact_phone: form.get("contact_phone").trim().to_string(),
        contact_email: String::new(),
        anonymous: form.flag("anonymous"),
        confidential: form.flag("confidential"),
        complained_unit: form.get("complained_unit").trim().to_string(),
        media_url: String::new(),
        photos: Vec::new(),
    })
}

/// Files the call. Unless the operator has seen the likely duplicates (`confirm=1`), the form
/// first comes back with them when there are any.
async fn file(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = may_take_calls(&cx) {
        return cx.fail(&e);
    }
    let posted = posted_of(&form);
    let input = match new_appeal(&form) {
        Ok(i) => i,
        Err(e) => return again(&state, &cx, &e, "intake", posted).await,
    };
    if !form.flag("confirm") {
        let dups = match state
            .appeals
            .duplicates(&cx.ctx, &input.category, input.point)
            .await
        {
            Ok(d) => d,
            Err(e) => return again(&state, &cx, &e, "intake", posted).await,
        };
        if !dups.is_empty() {
            let q = HotlineQuery {
                phone: Some(input.contact_phone.clone()),
                ..Default::default()
            };
            return match screen(&state, &cx, &q, &posted).await {
                Ok(ctx) => cx.render(
                    "staff/hotline.html",
                    "hotline",
                    context! { duplicates => ser(&dups), ..ctx },
                ),
                Err(e) => cx.fail(&e),
            };
        }
    }
    match state.appeals.submit(&cx.ctx, input).await {
        Ok(f) => Redirect::to(&format!(
            "/staff/hotline?filed={}",
            super::urlencode(&f.appeal.appeal_no)
        ))
        .into_response(),
        Err(e) => again(&state, &cx, &e, "intake", posted).await,
    }
}

/// "Answer with this": a 咨询 answered from the knowledge base and closed at once.
async fn answer(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = may_take_calls(&cx) {
        return cx.fail(&e);
    }
    let posted = posted_of(&form);
    let knowledge_id = form.get("knowledge_id").trim().parse::<i64>().ok();
    let question = form.get("content").trim().to_string();
    let input = NewAppeal {
        channel: Channel::Phone,
        appeal_type: AppealType::Consult,
        category: form.get("category").trim().to_string(),
        title: String::new(),
        content: question,
        address: form.get("address").trim().to_string(),
        division: None,
        point: None,
        contact_name: form.get("contact_name").trim().to_string(),
        contact_phone: form.get("contact_phone").trim().to_string(),
        contact_email: String::new(),
        anonymous: form.flag("anonymous"),
        confidential: false,
        complained_unit: String::new(),
        media_url: String::new(),
        photos: Vec::new(),
    };
    match state
        .appeals
        .answer_directly(&cx.ctx, input, knowledge_id, form.get("answer").trim())
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/staff/hotline?answered={}",
            super::urlencode(&v.appeal_no)
        ))
        .into_response(),
        Err(e) => again(&state, &cx, &e, "answer", posted).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_both_numbers_in_range_or_nothing() {
        assert!(matches!(point_of("", " "), Ok(None)));
        assert!(matches!(point_of("110.36", "21.27"), Ok(Some(_))));
        for (lon, lat) in [("110.36", ""), ("abc", "21"), ("200", "21"), ("110", "95")] {
            let e = point_of(lon, lat).err().map(|e| e.fields[0].rule.clone());
            assert_eq!(e.as_deref(), Some("point.range"), "{lon},{lat}");
        }
    }
}
