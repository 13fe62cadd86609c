//! The data steward's collection (归集) pages: a resource's loads with the upload form (file,
//! mode good/all, full or incremental), and one load with its progress bar (the page refreshes
//! itself with `<meta http-equiv="refresh">` while the load runs, no script needed) and its
//! quality report (counts per rule, sample rows, CSV/XLSX downloads).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use yiwang_exchange::collect::report::rule_zh;
use yiwang_exchange::collect::{LoadOptions, LoadView};
use yiwang_kernel::auth::{Actor, Permission};
use yiwang_kernel::{Error, ErrorCode};

use super::{PageCx, ser};
use crate::AppState;
use crate::api::exchange_collect::{
    UPLOAD_BODY_LIMIT, code_segment, mode_of, path_code, spawn_load,
};
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/staff/exchange/resources/{code}/loads",
            get(loads_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/staff/exchange/resources/{code}/loads/{id}",
            get(load_page),
        )
}

/// Data stewards only (others: sign in, or 403); the domain checks the department.
fn steward(cx: &PageCx) -> Result<(), Error> {
    match &cx.ctx.actor {
        Actor::Staff(_) if cx.ctx.actor.has(Permission::ExchangeProvide) => Ok(()),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

fn view(v: &LoadView, lang: yiwang_kernel::i18n::Lang) -> serde_json::Value {
    let mut j = serde_json::to_value(v).unwrap_or_default();
    j["status_label"] = i18n::text(&format!("collect.status.{}", v.status), lang).into();
    j["finished"] = v.finished().into();
    j["mode_label"] = i18n::text(&format!("collect.mode.{}", v.mode.as_str()), lang).into();
    j
}

async fn loads_context(
    state: &AppState,
    cx: &PageCx,
    code: &str,
) -> Result<minijinja::Value, Error> {
    let (r, loads) = state.collector.loads(&cx.ctx, code).await?;
    let loads: Vec<serde_json::Value> = loads.iter().map(|l| view(l, cx.lang)).collect();
    let items: Vec<serde_json::Value> = r
        .meta
        .items
        .iter()
        .map(|i| serde_json::json!({"name": i.name, "field": i.field, "type": i.item_type.zh(), "key": i.key}))
        .collect();
    Ok(context! {
        resource => context! { code => r.code.as_str(), segment => code_segment(r.code.as_str()), name => r.meta.name },
        items => ser(&items),
        loads => ser(&loads),
    })
}

/// `/staff/exchange/resources/{code}/loads`: the upload form and the resource's latest loads.
async fn loads_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
) -> Response {
    if let Err(e) = steward(&cx) {
        return cx.fail(&e);
    }
    match loads_context(&state, &cx, &path_code(&code)).await {
        Ok(c) => cx.render("staff/exchange_loads.html", "exchange", c),
        Err(e) => cx.fail(&e),
    }
}

/// Accepts the uploaded file (multipart: `file`, `mode`, `full`), starts the load and shows it.
async fn upload(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = steward(&cx) {
        return cx.fail(&e);
    }
    let code = path_code(&code);
    let result = async {
        let parts = crate::transfer::multipart_parts(&headers, body).await?;
        let text = |n: &str| {
            parts
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
                .unwrap_or_default()
        };
        let opts = LoadOptions {
            mode: mode_of(Some(&text("mode")))?,
            full: text("full") == "true",
        };
        let file = parts
            .iter()
            .find(|(k, v)| k == "file" && !v.is_empty())
            .map(|(_, v)| Bytes::from(v.clone()))
            .ok_or_else(|| Error::field(yiwang_kernel::FieldError::required("file")))?;
        state
            .collector
            .upload(&cx.ctx, &code, "upload", file, opts)
            .await
    }
    .await;
    match result {
        Ok(v) => {
            spawn_load(&state, v.id);
            Redirect::to(&format!(
                "/staff/exchange/resources/{}/loads/{}",
                code_segment(&code),
                v.id
            ))
            .into_response()
        }
        Err(e) => match loads_context(&state, &cx, &code).await {
            Ok(c) => cx.render_error("staff/exchange_loads.html", "exchange", &e, c),
            Err(e2) => cx.fail(&e2),
        },
    }
}

/// `/staff/exchange/resources/{code}/loads/{id}`: status, the progress bar (refreshing every
/// 2 s while the load runs) and the quality report.
async fn load_page(
    State(state): State<AppState>,
    cx: PageCx,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    if let Err(e) = steward(&cx) {
        return cx.fail(&e);
    }
    let id = match super::id_of(&id) {
        Ok(id) => id,
        Err(e) => return cx.fail(&e),
    };
    let rep = match state.collector.report(&cx.ctx, &path_code(&code), id).await {
        Ok(r) => r,
        Err(e) => return cx.fail(&e),
    };
    let counts: Vec<serde_json::Value> = rep
        .load
        .counts
        .iter()
        .map(|(rule, n)| serde_json::json!({"rule": rule, "name": rule_zh(rule), "count": n}))
        .collect();
    cx.render(
        "staff/exchange_load.html",
        "exchange",
        context! {
            resource => context! { segment => code_segment(&rep.resource_code), code => rep.resource_code, name => rep.resource_name },
            load => ser(&view(&rep.load, cx.lang)),
            finished => rep.load.finished(),
            counts => ser(&counts),
            issues => ser(&rep.issues),
        },
    )
}
