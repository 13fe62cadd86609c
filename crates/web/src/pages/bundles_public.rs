//! Public pages of "one thing" bundles (一件事一次办): the list of 主题服务 grouped by theme
//! (`/bundles`) and a bundle's guide (`/bundles/{code}`: what it combines, the questions —
//! answered here, they show which parts apply —, the merged form, the materials, the promised
//! time and what it saves, and the button to start, whose page is the applications'). Also
//! what the home page and the search page show of bundles. Everything is the bundles domain's
//! (`BundleService`); these pages only arrange it.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_bundles::service::BundleSummary;

use super::{PageCx, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bundles", get(list))
        .route("/bundles/{code}", get(guide))
}

/// Bundles of one theme.
#[derive(Serialize)]
struct Group<'a> {
    theme: &'a str,
    bundles: Vec<&'a BundleSummary>,
}

/// Published bundles grouped by theme, in the list's order (by theme, then code).
fn groups(list: &[BundleSummary]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for b in list {
        match out.last_mut() {
            Some(g) if g.theme == b.theme => g.bundles.push(b),
            _ => out.push(Group {
                theme: &b.theme,
                bundles: vec![b],
            }),
        }
    }
    out
}

async fn list(State(state): State<AppState>, cx: PageCx) -> Response {
    match state.bundles.published_list().await {
        Ok(list) => cx.render(
            "bundles.html",
            "bundles",
            context! { groups => ser(&groups(&list)) },
        ),
        Err(e) => cx.fail(&e),
    }
}

/// The questionnaire's answers in the guide's query (`?sells_food=yes&sign=no`): only keys of
/// the bundle's questions count.
fn answers_of(cx: &PageCx, keys: &[String]) -> BTreeMap<String, String> {
    form_urlencoded::parse(cx.query_str().as_bytes())
        .into_owned()
        .filter(|(k, v)| keys.contains(k) && !v.is_empty())
        .collect()
}

async fn guide(State(state): State<AppState>, cx: PageCx, Path(code): Path<String>) -> Response {
    let g = match state.bundles.guide(&code).await {
        Ok(g) => g,
        Err(e) => return cx.fail(&e),
    };
    let keys: Vec<String> = g.def.questions.iter().map(|q| q.key.clone()).collect();
    let answers = answers_of(&cx, &keys);
    let extra = context! { g => ser(&g), answers => ser(&answers) };
    if answers.is_empty() {
        return cx.render("bundle_guide.html", "bundles", extra);
    }
    let raw = serde_json::to_value(&answers).unwrap_or_default();
    match state.bundles.plan(&code, &raw).await {
        Ok(plan) => cx.render(
            "bundle_guide.html",
            "bundles",
            context! { plan => ser(&plan), ..extra },
        ),
        Err(e) => cx.render_error("bundle_guide.html", "bundles", &e, extra),
    }
}

/// The published bundles for the home page's 主题服务 section (nothing when they cannot be
/// read: the home page does without).
pub(super) async fn for_home(state: &AppState) -> Value {
    match state.bundles.published_list().await {
        Ok(list) => ser(&list),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the published bundles for the home page");
            ser(&Vec::<BundleSummary>::new())
        }
    }
}

/// The published bundles matching a search's words, shown above the items (none without
/// words).
pub(super) async fn for_search(state: &AppState, q: Option<&str>) -> Value {
    let q = q.unwrap_or("").trim();
    if q.is_empty() {
        return ser(&Vec::<BundleSummary>::new());
    }
    match state.bundles.search(q).await {
        Ok(list) => ser(&list),
        Err(e) => {
            tracing::warn!(error = %e, "could not search the published bundles");
            ser(&Vec::<BundleSummary>::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(code: &str, theme: &str) -> BundleSummary {
        BundleSummary {
            code: code.into(),
            version: 1,
            name: code.into(),
            name_en: String::new(),
            theme: theme.into(),
            summary: String::new(),
            promised_days: 5,
            items_days: 20,
            parts: Vec::new(),
        }
    }

    #[test]
    fn bundles_are_grouped_by_consecutive_theme() {
        let list = vec![
            summary("a", "开店经营"),
            summary("b", "开店经营"),
            summary("c", "生育收养"),
        ];
        let g = groups(&list);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].theme, g[0].bundles.len()), ("开店经营", 2));
        assert_eq!((g[1].theme, g[1].bundles.len()), ("生育收养", 1));
        assert!(groups(&[]).is_empty());
    }
}
