//! Staff pages of the resource catalog (政务信息资源目录): browse and search
//! (`/staff/exchange`), a resource's detail, the steward's resources (`/staff/exchange/mine`)
//! and the data administrator's review queue (`/staff/exchange/review`); the editor is
//! `exchange_editor`, the three lists `exchange_lists`. Any signed-in member of staff may read;
//! the domain decides every write (`ExchangeService`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use serde::{Deserialize, Serialize};
use yiwang_exchange::catalog::CatalogFilter;
use yiwang_exchange::model::{
    ItemType, OpenType, ResourceFormat, ShareMethod, ShareType, UpdateCycle,
};
use yiwang_kernel::paging::Page;

use super::casework::need_staff;
use super::{PageCx, flash, pager, ser, urlencode};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/exchange", get(browse))
        .route("/staff/exchange/resources/{id}", get(detail))
        .route("/staff/exchange/mine", get(mine))
        .route("/staff/exchange/review", get(review))
}

/// Code tables the templates offer as choices.
#[derive(Serialize)]
struct Choice {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
}

macro_rules! choices {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| Choice {
                code: v.code(),
                zh: v.zh(),
                en: v.en(),
            })
            .collect::<Vec<_>>()
    };
}

pub(super) fn codes() -> minijinja::Value {
    context! {
        item_types => ser(&choices!(ItemType)),
        share_types => ser(&choices!(ShareType)),
        open_types => ser(&choices!(OpenType)),
        cycles => ser(&choices!(UpdateCycle)),
        formats => ser(&choices!(ResourceFormat)),
        methods => ser(&choices!(ShareMethod)),
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct BrowseQuery {
    q: Option<String>,
    class: Option<String>,
    department: Option<i64>,
    share_type: Option<String>,
    page: Option<u32>,
}

async fn browse(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let q: BrowseQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let page = match Page::new(q.page, Some(20)) {
        Ok(p) => p,
        Err(e) => return cx.fail(&e),
    };
    let f = CatalogFilter {
        q: q.q.clone(),
        class: q.class.clone(),
        department: q.department,
        share_type: q.share_type.clone(),
    };
    let mut base = String::from("/staff/exchange?");
    for (k, v) in [
        ("q", &q.q),
        ("class", &q.class),
        ("share_type", &q.share_type),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            base.push_str(&format!("{k}={}&", urlencode(v)));
        }
    }
    if let Some(d) = q.department {
        base.push_str(&format!("department={d}&"));
    }
    match state.exchange.browse(&cx.ctx, &f, page).await {
        Ok(p) => cx.render(
            "staff/exchange_catalog.html",
            "exchange",
            context! {
                q => ser(&q), items => ser(&p.items), total => p.total, codes => codes(),
                pager => pager(&base, p.page, p.total, p.size),
            },
        ),
        Err(e) if e.status() < 500 && !e.fields.is_empty() => cx.render_error(
            "staff/exchange_catalog.html",
            "exchange",
            &e,
            context! { q => ser(&q), codes => codes() },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn detail(State(state): State<AppState>, cx: PageCx, Path(id): Path<i64>) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.exchange.resource(&cx.ctx, id).await {
        Ok(r) => cx.render(
            "staff/exchange_resource.html",
            "exchange",
            context! { r => ser(&r), codes => codes() },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn mine(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.exchange.my_resources(&cx.ctx).await {
        Ok(items) => cx.render(
            "staff/exchange_mine.html",
            "exchange",
            context! { items => ser(&items), flash => flash(&cx) },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn review(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.exchange.review_queue(&cx.ctx).await {
        Ok(items) => cx.render(
            "staff/exchange_review.html",
            "exchange",
            context! { items => ser(&items), flash => flash(&cx) },
        ),
        Err(e) => cx.fail(&e),
    }
}
