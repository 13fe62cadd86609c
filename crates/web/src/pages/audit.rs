//! The audit log pages: search for audit administrators (审计管理员), newest first, paging
//! backwards by sequence number, with the chain head to keep outside the platform; and the
//! public catalog of audit events.
//!
//! `yiwang_audit::search_as` and `head_as` decide who may read the log and record every search
//! and every refusal.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use serde::{Deserialize, Serialize};
use yiwang_audit::{EVENTS, Query, describe, head_as, search_as};

use super::names::actor_names;
use super::{PageCx, china_time, ser};
use crate::AppState;

/// Entries per page.
const PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit_page))
        .route("/audit/events", get(events_page))
}

#[derive(Serialize)]
struct Event {
    action: &'static str,
    text: &'static str,
}

fn events(cx: &PageCx) -> Vec<Event> {
    EVENTS
        .iter()
        .map(|(a, zh, en)| Event {
            action: a,
            text: cx.lang.pick(zh, en),
        })
        .collect()
}

#[derive(Deserialize, Serialize, Default)]
struct AuditFilter {
    action: Option<String>,
    actor: Option<String>,
    object: Option<String>,
    outcome: Option<String>,
    before: Option<i64>,
}

#[derive(Serialize)]
struct Row {
    seq: i64,
    at: String,
    actor: String,
    acting_for: String,
    action: String,
    action_text: String,
    object: String,
    outcome: String,
    source: String,
    reason: String,
    data: String,
}

async fn audit_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let now = state.clock.now();
    // Reading the head authorises (and records a refusal) before any input is looked at.
    let head = match head_as(&state.db, &cx.ctx, now).await {
        Ok(h) => h,
        Err(e) => return cx.fail(&e),
    };
    let base = context! {
        head => format!("{}:{}", head.seq, head.hash),
        events => ser(&events(&cx)),
    };
    let f: AuditFilter = match cx.query() {
        Ok(f) => f,
        Err(e) => {
            return cx.render_error(
                "admin/audit.html",
                "admin",
                &e,
                context! { f => ser(&AuditFilter::default()), entries => ser(&Vec::<Row>::new()), ..base },
            );
        }
    };
    let query = Query {
        action: f.action.clone(),
        actor: f.actor.clone(),
        object: f.object.clone(),
        outcome: f.outcome.clone(),
        before_seq: f.before,
        limit: PAGE,
    };
    let records = match search_as(&state.db, &cx.ctx, &query, now).await {
        Ok(r) => r,
        Err(e) => return cx.fail(&e),
    };
    let entries: Vec<Row> = records
        .into_iter()
        .map(|r| Row {
            action_text: describe(&r.action)
                .map(|(zh, en)| cx.lang.pick(zh, en).to_string())
                .unwrap_or_default(),
            seq: r.seq,
            at: china_time(r.at),
            actor: r.actor,
            acting_for: r.acting_for,
            action: r.action,
            object: r.object,
            outcome: r.outcome,
            source: r.source,
            reason: r.reason,
            data: if r.data == "null" || r.data == "{}" {
                String::new()
            } else {
                r.data
            },
        })
        .collect();
    // Links keep the filters and move `before`.
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("action", &f.action),
        ("actor", &f.actor),
        ("object", &f.object),
        ("outcome", &f.outcome),
    ] {
        if let Some(v) = v {
            pairs.push((k, v.clone()));
        }
    }
    let link = |before: Option<i64>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some(b) = before {
            s.append_pair("before", &b.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            "/admin/audit".to_string()
        } else {
            format!("/admin/audit?{q}")
        }
    };
    let older = if i64::try_from(entries.len()).unwrap_or(0) == PAGE {
        entries.last().map(|r| link(Some(r.seq)))
    } else {
        None
    };
    let newest = f.before.map(|_| link(None));
    let entries = match actor_names(&state, &cx, &entries, &["actor", "acting_for", "object"]).await
    {
        Ok(e) => e,
        Err(e) => return cx.fail(&e),
    };
    cx.render(
        "admin/audit.html",
        "admin",
        context! { f => ser(&f), entries => ser(&entries), older, newest, ..base },
    )
}

async fn events_page(cx: PageCx) -> Response {
    cx.render(
        "audit_events.html",
        "",
        context! { events => ser(&events(&cx)) },
    )
}
