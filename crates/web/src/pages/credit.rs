//! Credit pages (信用红黑名单, 联合奖惩): the credit officer's lists (`/credit`: search, import,
//! revoke) and the block on the window clerk's case page (`staff/case.html` includes
//! `staff/credit_banner.html`): what the lists hold about the applicant, the black list's basis
//! and measures to acknowledge, the red list's facilitations, 容缺受理.
//!
//! `SupervisionService` and `CaseService` decide who may do what and audit it; the pages only
//! turn forms into calls and errors into pages.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_cases::{CaseView, NoticeItem, Status};
use yiwang_kernel::auth::Permission;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode, FieldError};
use yiwang_supervision::credit::{CreditQuery, FACILITATIONS};

use super::auth::FormData;
use super::{PageCx, flash, pager, ser};
use crate::AppState;

const TEMPLATE: &str = "staff/credit.html";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/credit", get(lists))
        .route("/credit/import", post(import))
        .route("/credit/revocations", post(revoke))
        .route("/credit/sync", post(sync))
        .route("/staff/credit/cases/{no}/{action}", post(case_action))
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct ListQuery {
    list: Option<String>,
    q: Option<String>,
    revoked: Option<String>,
    page: Option<u32>,
    /// After a synchronisation: its counts (inserted, updated, unchanged, retired).
    ins: Option<usize>,
    upd: Option<usize>,
    same: Option<usize>,
    ret: Option<usize>,
}

/// The facilitation codes with their names in the page's language.
fn facilitation_names(cx: &PageCx) -> Vec<(String, String)> {
    FACILITATIONS
        .iter()
        .map(|(c, zh, en)| (c.to_string(), cx.lang.pick(zh, en).to_string()))
        .collect()
}

async fn lists_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let q: ListQuery = cx.query()?;
    let query = CreditQuery {
        list: q.list.clone().filter(|s| !s.is_empty()),
        q: q.q.clone(),
        include_revoked: q.revoked.as_deref() == Some("1"),
    };
    let page = Page {
        page: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 20,
    };
    let p = state
        .supervision
        .credit_entries(&cx.ctx, &query, page)
        .await?;
    let base = format!(
        "/credit?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("list", q.list.as_deref().unwrap_or(""))
            .append_pair("q", q.q.as_deref().unwrap_or(""))
            .append_pair("revoked", q.revoked.as_deref().unwrap_or(""))
            .finish()
    );
    let sync_source = state.supervision.credit_sync_source(&cx.ctx).await?;
    let synced = match (q.ins, q.upd, q.same, q.ret) {
        (Some(i), Some(u), Some(s), Some(r)) => Some([i, u, s, r]),
        _ => None,
    };
    Ok(context! {
        q => ser(&q),
        sync_source => sync_source,
        synced => synced,
        entries => ser(&p.items),
        total => p.total,
        pager => pager(&base, p.page, p.total, p.size),
        facilitations => ser(&facilitation_names(cx)),
        columns => yiwang_supervision::credit::COLUMNS.iter().map(|c| c.zh).collect::<Vec<_>>(),
    })
}

async fn lists(State(state): State<AppState>, cx: PageCx) -> Response {
    match lists_context(&state, &cx).await {
        Ok(ctx) => cx.render(TEMPLATE, "credit", context! { flash => flash(&cx), ..ctx }),
        Err(e) => cx.fail(&e),
    }
}

async fn failed(state: &AppState, cx: &PageCx, e: &Error) -> Response {
    if matches!(
        e.code,
        ErrorCode::Unauthenticated | ErrorCode::NotFound | ErrorCode::Forbidden
    ) {
        return cx.fail(e);
    }
    match lists_context(state, cx).await {
        Ok(ctx) => cx.render_error(TEMPLATE, "credit", e, ctx),
        Err(e2) => cx.fail(&e2),
    }
}

async fn import(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        cx.ctx.actor.require(Permission::CreditManage)?;
        let mp = crate::transfer::read_multipart(&headers, body).await?;
        let file = mp
            .files
            .iter()
            .find(|f| f.name == "file" && !f.bytes.is_empty())
            .ok_or_else(|| Error::field(FieldError::required("file")))?;
        state.supervision.import_credit(&cx.ctx, &file.bytes).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/credit?done=credit_imported").into_response(),
        Err(e) => failed(&state, &cx, &e).await,
    }
}

/// 从交换同步: the lists from a published exchange resource; the counts come back on the page.
async fn sync(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    match state
        .supervision
        .sync_credit(&cx.ctx, form.get("resource"))
        .await
    {
        Ok(r) => Redirect::to(&format!(
            "/credit?done=credit_synced&ins={}&upd={}&same={}&ret={}",
            r.inserted, r.updated, r.unchanged, r.retired
        ))
        .into_response(),
        Err(e) => failed(&state, &cx, &e).await,
    }
}

async fn revoke(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    let result = match form.get("id").trim().parse::<i64>() {
        Ok(id) => {
            state
                .supervision
                .revoke_credit(&cx.ctx, id, form.get("reason"))
                .await
        }
        Err(_) => Err(Error::not_found()),
    };
    match result {
        Ok(_) => Redirect::to("/credit?done=credit_revoked").into_response(),
        Err(e) => failed(&state, &cx, &e).await,
    }
}

/// The credit block of the clerk's case page: `UNDEFINED` (no block) for a caller who may not
/// read the checks or when no lists are wired in. For a case awaiting acceptance that the
/// caller may accept, what the lists hold now is shown (read only: the page records nothing;
/// the clerk's pre-check, acknowledgement and acceptance do).
pub(super) async fn banner(
    state: &AppState,
    cx: &PageCx,
    v: &CaseView,
    can_accept: bool,
) -> Result<Value, Error> {
    if cx.ctx.actor.staff().is_none() {
        return Ok(Value::UNDEFINED);
    }
    let s = if can_accept && v.status == Status::Submitted {
        state.cases.credit_preview(&cx.ctx, &v.case_no).await?
    } else {
        state.cases.credit_status(&cx.ctx, &v.case_no).await?
    };
    if !s.enabled {
        return Ok(Value::UNDEFINED);
    }
    let latest = s.live.clone().or_else(|| s.checks.last().cloned());
    Ok(context! {
        status => ser(&s),
        latest => ser(&latest),
        can_act => can_accept,
        facilitations => ser(&facilitation_names(cx)),
    })
}

/// The clerk's credit actions: `check` (run the check again), `acknowledge` (the black list's
/// basis and measures were seen), `tolerant` (容缺受理 with the materials named).
async fn case_action(
    State(state): State<AppState>,
    cx: PageCx,
    Path((no, action)): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(e) = super::casework::need_staff(&cx) {
        return cx.fail(&e);
    }
    let result = match action.as_str() {
        "check" => state.cases.credit_precheck(&cx.ctx, &no).await.map(|_| ()),
        "acknowledge" => state
            .cases
            .acknowledge_credit(&cx.ctx, &no)
            .await
            .map(|_| ()),
        "tolerant" => {
            let rev = form.get("revision").trim().parse::<i64>().ok();
            let missing: Vec<NoticeItem> = form
                .all("tolerated")
                .into_iter()
                .filter(|e| !e.trim().is_empty())
                .map(|entry| NoticeItem {
                    entry,
                    reason: form.get("tolerated_note").trim().to_string(),
                })
                .collect();
            state
                .cases
                .accept_tolerant(&cx.ctx, &no, rev, &missing)
                .await
                .map(|_| ())
        }
        _ => return cx.fail(&Error::not_found()),
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/staff/cases/{}?done=credit_{action}",
            form_urlencoded::byte_serialize(no.trim().as_bytes()).collect::<String>()
        ))
        .into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => match super::casework::case_context(&state, &cx, &no).await {
            Ok(ctx) => cx.render_error("staff/case.html", "cases", &e, ctx),
            Err(e2) => cx.fail(&e2),
        },
    }
}
