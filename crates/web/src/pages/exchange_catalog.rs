//! Staff pages of the resource catalog (政务信息资源目录) and the three lists (三清单):
//! browse and search (`/staff/exchange`), a resource's detail, the steward's resources
//! (`/staff/exchange/mine`) with the version editor (data items as rows), the data
//! administrator's review queue (`/staff/exchange/review`) and the lists
//! (`/staff/exchange/lists`). Any signed-in member of staff may read; the domain decides
//! every write (`ExchangeService`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};
use yiwang_exchange::catalog::CatalogFilter;
use yiwang_exchange::model::{
    DataItem, ItemType, OpenType, QualityRule, ResourceFormat, ResourceMeta, ShareMethod,
    ShareType, UpdateCycle,
};
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, FieldError};

use super::auth::FormData;
use super::casework::need_staff;
use super::{PageCx, flash, pager, ser, urlencode};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/exchange", get(browse))
        .route("/staff/exchange/resources/{id}", get(detail))
        .route("/staff/exchange/mine", get(mine))
        .route("/staff/exchange/review", get(review))
        .route("/staff/exchange/lists", get(lists))
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

fn codes() -> minijinja::Value {
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

async fn lists(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let s = &state.exchange;
    let duties = match s.responsibility_list(&cx.ctx, None).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let negative = match s.negative_list(&cx.ctx).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let demands = match s.demands(&cx.ctx, None).await {
        Ok(d) => d,
        Err(e) => return cx.fail(&e),
    };
    let demands: Vec<_> = demands
        .into_iter()
        .map(|d| {
            let label = if cx.lang.as_str() == "zh" {
                d.status.zh()
            } else {
                d.status.as_str()
            };
            (d, label)
        })
        .collect();
    cx.render(
        "staff/exchange_lists.html",
        "exchange",
        context! { duties => ser(&duties), negative => ser(&negative), demands => ser(&demands) },
    )
}

async fn editor(
    State(state): State<AppState>,
    cx: PageCx,
    Path((id, version)): Path<(i64, i64)>,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match state.exchange.version_detail(&cx.ctx, id, version).await {
        Ok(d) => cx.render(
            "staff/exchange_editor.html",
            "exchange",
            context! {
                d => ser(&d), meta => ser(&d.view.resource.meta), revision => d.view.revision,
                codes => codes(), flash => flash(&cx),
            },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// The editor's form back to metadata. Item rows are `items[i].…`; a row without name and
/// field (the blank row) or marked for removal is left out; quality rules travel as JSON.
fn meta_of(form: &FormData) -> Result<ResourceMeta, Error> {
    let pick = |k: &str| form.get(k).trim().to_string();
    let bad = |f: &str| Error::field(FieldError::new(f, "one_of", "请选择", "Choose a value"));
    let n: usize = form.get("item_count").parse().unwrap_or(0).min(500);
    let mut items = Vec::new();
    for i in 0..=n {
        let g = |k: &str| form.get(&format!("items[{i}].{k}")).trim().to_string();
        if form.flag(&format!("items[{i}].remove"))
            || (g("name").is_empty() && g("field").is_empty())
        {
            continue;
        }
        let rules: Vec<QualityRule> = match g("rules").as_str() {
            "" => Vec::new(),
            s => serde_json::from_str(s).map_err(|_| bad(&format!("items[{i}].rules")))?,
        };
        items.push(DataItem {
            name: g("name"),
            field: g("field"),
            item_type: ItemType::parse(&g("type"))
                .ok_or_else(|| bad(&format!("items[{i}].type")))?,
            length: match g("length").as_str() {
                "" => None,
                s => Some(s.parse().map_err(|_| {
                    Error::field(FieldError::new(
                        format!("items[{i}].length"),
                        "number",
                        "数据长度应为正整数",
                        "The length is a whole number",
                    ))
                })?),
            },
            key: form.flag(&format!("items[{i}].key")),
            personal: form.flag(&format!("items[{i}].personal")),
            description: g("description"),
            rules,
        });
    }
    Ok(ResourceMeta {
        name: pick("name"),
        summary: pick("summary"),
        format: ResourceFormat::parse(&pick("format")).ok_or_else(|| bad("format"))?,
        items,
        share_type: ShareType::parse(&pick("share_type")).ok_or_else(|| bad("share_type"))?,
        share_condition: pick("share_condition"),
        share_basis: pick("share_basis"),
        share_method: ShareMethod::parse(&pick("share_method"))
            .ok_or_else(|| bad("share_method"))?,
        open_type: OpenType::parse(&pick("open_type")).ok_or_else(|| bad("open_type"))?,
        open_condition: pick("open_condition"),
        update_cycle: UpdateCycle::parse(&pick("update_cycle"))
            .ok_or_else(|| bad("update_cycle"))?,
        related: pick("related")
            .split([',', '，', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
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
    let result = match meta_of(&form) {
        Ok(m) => state
            .exchange
            .save_draft(&cx.ctx, id, version, &m, revision)
            .await
            .map(|_| ())
            .map_err(|e| (e, Some(m))),
        Err(e) => Err((e, None)),
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/staff/exchange/resources/{id}/versions/{version}?done=excat_saved"
        ))
        .into_response(),
        Err((e, typed)) => match state.exchange.version_detail(&cx.ctx, id, version).await {
            Ok(d) => {
                let meta = typed.unwrap_or_else(|| d.view.resource.meta.clone());
                cx.render_error(
                    "staff/exchange_editor.html",
                    "exchange",
                    &e,
                    context! { d => ser(&d), meta => ser(&meta), revision => d.view.revision, codes => codes() },
                )
            }
            Err(e2) => cx.fail(if e.status() == 403 { &e } else { &e2 }),
        },
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
