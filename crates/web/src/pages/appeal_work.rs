//! The work orders for staff (工单): the queue (the dispatcher sees the division's orders, a
//! handler their own, a supervisor all with overdue first), one order with its content,
//! photos, the point on the map, the flow record, the time limit and the forms for exactly the
//! actions `AppealView::allowed` lists, and the photos' route.
//!
//! `AppealService` decides who sees what and who may do what; the pages only offer what the
//! service says this caller may do now. Every action sends back the revision shown.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_appeals::Status;
use yiwang_appeals::lifecycle::Action;
use yiwang_appeals::views::{ActInput, AppealView, MapRequest, PhotoUpload, QueueFilter};
use yiwang_kernel::auth::Permission;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appform;
use super::casework::need_staff;
use super::{PageCx, flash, pager, ser};
use crate::AppState;

/// Nine photos of at most 10 MB each, and the form around them.
const PHOTOS_BODY_LIMIT: usize = 9 * 10 * 1024 * 1024 + 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/appeals", get(queue))
        .route("/staff/appeals/{no}", get(order))
        .route(
            "/staff/appeals/{no}/act/{action}",
            post(act).layer(DefaultBodyLimit::max(PHOTOS_BODY_LIMIT)),
        )
        .route("/staff/appeals/{no}/photos/{digest}", get(photo))
}

/// Who works the appeals pages: intake, dispatch, handling, supervision.
pub(super) fn works_appeals(cx: &PageCx) -> bool {
    let a = &cx.ctx.actor;
    a.staff().is_some()
        && (a.has(Permission::AppealIntake)
            || a.has(Permission::AppealDispatch)
            || a.has(Permission::AppealHandle)
            || a.has(Permission::AppealSupervise))
}

fn need_appeals(cx: &PageCx) -> Result<(), Error> {
    need_staff(cx)?;
    if works_appeals(cx) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
struct QueueQuery {
    status: Option<String>,
    overdue: Option<String>,
    grid: Option<String>,
    department: Option<String>,
    category: Option<String>,
    q: Option<String>,
    page: Option<u32>,
}

fn filled(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn filter_of(q: &QueueQuery) -> Result<QueueFilter, Error> {
    let mut problems = Vec::new();
    let status = match filled(&q.status) {
        None => None,
        Some(s) => match Status::parse(&s) {
            Some(s) => Some(s),
            None => {
                problems.push(FieldError::new(
                    "status",
                    "status.unknown",
                    format!("状态“{s}”不存在"),
                    format!("No status \"{s}\""),
                ));
                None
            }
        },
    };
    let department_id = match filled(&q.department) {
        None => None,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(FieldError::new(
                    "department",
                    "department.unknown",
                    "承办单位无效",
                    "Unknown department",
                ));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    Ok(QueueFilter {
        status,
        overdue: matches!(q.overdue.as_deref(), Some("1" | "on" | "true")),
        grid: filled(&q.grid),
        department_id,
        category: filled(&q.category),
        q: filled(&q.q),
    })
}

/// Which queue the caller sees (the heading and the lead), from the roles the service reads.
fn view_of(cx: &PageCx) -> &'static str {
    let a = &cx.ctx.actor;
    if a.has(Permission::AppealDispatch) {
        "dispatcher"
    } else if a.has(Permission::AppealSupervise) {
        "supervisor"
    } else if a.has(Permission::AppealHandle) {
        "handler"
    } else {
        "operator"
    }
}

/// The choices of the queue's filters: statuses, grids, categories and departments.
async fn filter_choices(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let statuses: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                cx.lang.pick(s.zh(), s.en()).to_string(),
            )
        })
        .collect();
    let grids: Vec<(String, String)> = state
        .appeals
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.code, g.name))
        .collect();
    let categories = state.appeals.categories(false).await?;
    let departments = departments(state).await?;
    Ok(context! {
        statuses => ser(&statuses),
        grids => ser(&grids),
        categories => ser(&categories),
        departments => ser(&departments),
    })
}

/// The departments of the home division (and below), for choosing a 承办单位.
pub(super) async fn departments(state: &AppState) -> Result<Vec<(i64, String)>, Error> {
    let list = state
        .org
        .list_departments(
            &yiwang_org::repo::DepartmentFilter::default(),
            Page { page: 1, size: 500 },
        )
        .await?;
    Ok(list.items.into_iter().map(|d| (d.id, d.name)).collect())
}

async fn queue(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_appeals(&cx) {
        return cx.fail(&e);
    }
    let raw = cx.query_str().to_string();
    let q: QueueQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let choices = match filter_choices(&state, &cx).await {
        Ok(c) => c,
        Err(e) => return cx.fail(&e),
    };
    let extra = context! {
        q => ser(&q),
        who => view_of(&cx),
        flash => flash(&cx),
        overdue => matches!(q.overdue.as_deref(), Some("1" | "on" | "true")),
        ..choices
    };
    let page = Page {
        page: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 30,
    };
    let result = match filter_of(&q) {
        Ok(f) => state.appeals.queue(&cx.ctx, f, page).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => {
            let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .filter(|(k, v)| k != "page" && !v.is_empty())
                .collect();
            let base = if pairs.is_empty() {
                "/staff/appeals".to_string()
            } else {
                format!(
                    "/staff/appeals?{}",
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish()
                )
            };
            cx.render(
                "staff/appeals.html",
                "staff_appeals",
                context! { page => ser(&p), pager => pager(&base, p.page, p.total, p.size), ..extra },
            )
        }
        // A refused or failed queue is the error page, never an empty list.
        Err(e) if e.code != ErrorCode::Validation => cx.fail(&e),
        Err(e) => cx.render_error(
            "staff/appeals.html",
            "staff_appeals",
            &e,
            context! { errs => ser(&appform::place_errors(&e, cx.lang, &[])), ..extra },
        ),
    }
}

/// One action's form as the order page offers it.
#[derive(Serialize)]
struct ActionView {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    needs_text: bool,
}

/// Everything the order page shows.
async fn order_context(state: &AppState, cx: &PageCx, no: &str) -> Result<Value, Error> {
    let v: AppealView = state.appeals.get(&cx.ctx, no).await?;
    let map = match v.point {
        Some(p) => Some(
            state
                .appeals
                .map_svg(
                    &cx.ctx,
                    MapRequest {
                        grids: true,
                        orders: false,
                        status: None,
                        pick: false,
                        marker: Some(p),
                        width: 640,
                    },
                )
                .await?,
        ),
        None => None,
    };
    let actions: Vec<ActionView> = v
        .allowed
        .iter()
        .map(|a| ActionView {
            code: a.as_str(),
            zh: a.zh(),
            en: a.en(),
            needs_text: a.needs_text(),
        })
        .collect();
    let can = |a: Action| v.allowed.contains(&a);
    // The targets of dispatch and transfer.
    let targets = if can(Action::Dispatch) || can(Action::Transfer) {
        let grids: Vec<(String, String)> = state
            .appeals
            .grids()
            .await?
            .into_iter()
            .map(|g| (g.code, g.name))
            .collect();
        Some(context! { grids => ser(&grids), departments => ser(&departments(state).await?) })
    } else {
        None
    };
    let allowed: Vec<&str> = v.allowed.iter().map(|a| a.as_str()).collect();
    Ok(context! {
        map => map.map(Value::from_safe_string),
        actions => ser(&actions),
        allowed => allowed,
        targets => targets,
        levels => ["一般", "重点", "挂牌"],
        satisfactions => [5, 4, 3, 2, 1],
        v => ser(&v),
    })
}

async fn order(State(state): State<AppState>, cx: PageCx, Path(no): Path<String>) -> Response {
    if let Err(e) = need_appeals(&cx) {
        return cx.fail(&e);
    }
    match order_context(&state, &cx, &no).await {
        Ok(ctx) => cx.render(
            "staff/appeal.html",
            "staff_appeals",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// The order page again after a failed action: the fresh order, the problem, each field's
/// problem next to it and what was typed in the form that failed.
async fn order_error(
    state: &AppState,
    cx: &PageCx,
    no: &str,
    e: &Error,
    which: &str,
    posted: BTreeMap<String, String>,
) -> Response {
    if matches!(
        e.code,
        ErrorCode::Unauthenticated | ErrorCode::Forbidden | ErrorCode::NotFound
    ) {
        return cx.fail(e);
    }
    match order_context(state, cx, no).await {
        Ok(ctx) => cx.render_error(
            "staff/appeal.html",
            "staff_appeals",
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

/// The posted fields and photos of an action form (urlencoded, or multipart with photos).
struct Posted {
    text: Vec<(String, String)>,
    photos: Vec<PhotoUpload>,
}

impl Posted {
    fn get(&self, k: &str) -> &str {
        self.text
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }

    fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k).to_string()).filter(|s| !s.is_empty())
    }
}

async fn read_posted(headers: &HeaderMap, body: Bytes) -> Result<Posted, Error> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    if multipart {
        let mp = crate::transfer::read_multipart(headers, body).await?;
        let photos = mp
            .files
            .into_iter()
            .filter(|f| !f.bytes.is_empty())
            .map(|f| PhotoUpload {
                name: f.file_name,
                bytes: f.bytes,
            })
            .collect();
        Ok(Posted {
            text: mp.text,
            photos,
        })
    } else {
        Ok(Posted {
            text: form_urlencoded::parse(&body).into_owned().collect(),
            photos: Vec::new(),
        })
    }
}

fn number_of<T: std::str::FromStr>(p: &Posted, field: &str) -> Result<Option<T>, Error> {
    match p.opt(field) {
        None => Ok(None),
        Some(s) => s.parse::<T>().map(Some).map_err(|_| {
            Error::validation(vec![FieldError::new(
                field,
                "number",
                format!("“{s}”不是有效的数字"),
                format!("\"{s}\" is not a valid number"),
            )])
        }),
    }
}

fn yes_no(p: &Posted, field: &str) -> Option<bool> {
    match p.get(field) {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" => Some(false),
        _ => None,
    }
}

/// The action's input from the posted form.
fn act_input(action: Action, p: &Posted, photos: Vec<String>) -> Result<ActInput, Error> {
    let revision = p.get("revision").parse::<i64>().unwrap_or(0);
    Ok(ActInput {
        action,
        revision,
        text: p.get("text").to_string(),
        to_grid: p.opt("to_grid"),
        to_department: number_of(p, "to_department")?,
        to_user: p.opt("to_user"),
        days: number_of(p, "days")?,
        approve: yes_no(p, "approve"),
        level: p.opt("level"),
        satisfaction: number_of(p, "satisfaction")?,
        resolved: yes_no(p, "resolved"),
        other_no: p.opt("other_no"),
        photos,
    })
}

async fn act(
    State(state): State<AppState>,
    cx: PageCx,
    Path((no, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = need_appeals(&cx) {
        return cx.fail(&e);
    }
    let Some(a) = Action::parse(&action) else {
        return cx.fail(&Error::not_found());
    };
    let posted = match read_posted(&headers, body).await {
        Ok(p) => p,
        Err(e) => return cx.fail(&e),
    };
    let kept: BTreeMap<String, String> = posted
        .text
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .cloned()
        .collect();
    let result = async {
        // Photos first (handling and reply records cite them).
        let mut digests = Vec::new();
        for up in &posted.photos {
            let ph = state.appeals.add_photo(&cx.ctx, &no, up.clone()).await?;
            digests.push(ph.digest);
        }
        let input = act_input(a, &posted, digests)?;
        state.appeals.act(&cx.ctx, &no, input).await
    }
    .await;
    match result {
        // A transfer or a return may leave the order outside the caller's reach: back to the
        // queue then, with the same message.
        Ok(v) => match state.appeals.get(&cx.ctx, &v.appeal_no).await {
            Ok(_) => Redirect::to(&format!(
                "/staff/appeals/{}?done=appeal_{}",
                super::urlencode(&v.appeal_no),
                a.as_str()
            ))
            .into_response(),
            Err(e) if matches!(e.code, ErrorCode::Forbidden | ErrorCode::NotFound) => {
                Redirect::to(&format!("/staff/appeals?done=appeal_{}", a.as_str())).into_response()
            }
            Err(e) => cx.fail(&e),
        },
        Err(e) => order_error(&state, &cx, &no, &e, a.as_str(), kept).await,
    }
}

/// A photo of an order, for those who may read the order.
async fn photo(
    State(state): State<AppState>,
    cx: PageCx,
    Path((no, digest)): Path<(String, String)>,
) -> Response {
    if let Err(e) = need_appeals(&cx) {
        return cx.fail(&e);
    }
    match state.appeals.photo(&cx.ctx, &no, &digest).await {
        Ok((media_type, bytes)) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        Err(e) => cx.fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted {
            text: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            photos: Vec::new(),
        }
    }

    #[test]
    fn an_action_form_reads_its_fields() {
        let p = posted(&[
            ("revision", "3"),
            ("text", " 已到现场 "),
            ("to_department", "12"),
            ("days", "5"),
            ("approve", "1"),
            ("level", "重点"),
        ]);
        let i = act_input(Action::Transfer, &p, vec!["d".into()]).expect("valid");
        assert_eq!(i.revision, 3);
        assert_eq!(i.text, "已到现场");
        assert_eq!(i.to_department, Some(12));
        assert_eq!(i.days, Some(5));
        assert_eq!(i.approve, Some(true));
        assert_eq!(i.level.as_deref(), Some("重点"));
        assert_eq!(i.to_grid, None);
        assert_eq!(i.photos, vec!["d".to_string()]);
    }

    #[test]
    fn a_number_that_is_not_one_is_named() {
        let p = posted(&[("days", "五")]);
        let e = act_input(Action::RequestExtension, &p, vec![]).err();
        assert_eq!(
            e.map(|e| e.fields[0].field.clone()).as_deref(),
            Some("days")
        );
    }

    #[test]
    fn queue_filters_name_what_does_not_fit() {
        let q = QueueQuery {
            status: Some("nonsense".into()),
            department: Some("x".into()),
            ..Default::default()
        };
        let e = filter_of(&q).err().map(|e| e.fields.len());
        assert_eq!(e, Some(2));
        let q = QueueQuery {
            status: Some("dispatched".into()),
            overdue: Some("1".into()),
            ..Default::default()
        };
        let f = filter_of(&q).expect("valid");
        assert_eq!(f.status, Some(Status::Dispatched));
        assert!(f.overdue);
    }
}
