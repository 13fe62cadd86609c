//! Public pages: home, catalog search, the guide page (办事指南), departments, halls, preferences.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_catalog::codes;
use yiwang_catalog::search::SearchParams;
use yiwang_catalog::{ItemSummary, VersionStatus};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::paging::Page;
use yiwang_org::registry;
use yiwang_org::repo::DepartmentFilter;

use super::{PageCx, pager, ser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/items", get(search))
        .route("/items/{code}", get(guide))
        .route("/departments", get(departments))
        .route("/halls", get(halls))
        .route("/prefs", get(prefs))
}

/// The home division of this node and the divisions inside it, for filters.
fn home_divisions(state: &AppState) -> Vec<Value> {
    let reg = registry();
    let city = state.config.home_division.as_str();
    let mut v: Vec<Value> = Vec::new();
    if let Some(d) = reg.get(city) {
        v.push(context! { code => d.code.to_string(), name => d.name.clone() });
    }
    for d in reg.children(city) {
        v.push(context! { code => d.code.to_string(), name => format!("　{}", d.name) });
    }
    v
}

#[derive(Serialize)]
struct Labelled {
    code: &'static str,
    label: &'static str,
}

fn labels(t: &codes::CodeTable, lang: Lang) -> Vec<Labelled> {
    t.entries
        .iter()
        .filter(|e| !e.code.ends_with("99"))
        .map(|e| Labelled {
            code: e.code,
            label: lang.pick(e.zh, e.en),
        })
        .collect()
}

/// The home page's counts: items, items fully online, items needing no licence, departments.
async fn home_stats(state: &AppState) -> Result<Value, yiwang_kernel::Error> {
    let count = |p: SearchParams| async move {
        state
            .catalog
            .search(&SearchParams { size: Some(1), ..p })
            .await
            .map(|r| r.total)
    };
    let items = count(SearchParams::default()).await?;
    let online = count(SearchParams {
        online_level: Some(4),
        ..Default::default()
    })
    .await?;
    let licence_free = count(SearchParams {
        licence_free: Some(true),
        ..Default::default()
    })
    .await?;
    let departments = state
        .org
        .list_departments(&DepartmentFilter::default(), Page { page: 1, size: 1 })
        .await?
        .total;
    Ok(context! { items, online, licence_free, departments })
}

async fn home(State(state): State<AppState>, cx: PageCx) -> Response {
    let stats = match home_stats(&state).await {
        Ok(s) => s,
        Err(e) => return cx.fail(&e),
    };
    let popular = [
        "营业执照",
        "社保",
        "公积金",
        "不动产",
        "户口",
        "出生",
        "食品经营",
        "结婚",
        "驾驶证",
        "医保",
    ];
    cx.render(
        "home.html",
        "home",
        context! {
            stats => stats,
            personal => ser(&labels(&codes::PERSONAL_THEMES, cx.lang)),
            enterprise => ser(&labels(&codes::ENTERPRISE_THEMES, cx.lang)),
            popular => popular,
            // 主题服务: the published "one thing" bundles.
            bundles => super::bundles_public::for_home(&state).await,
        },
    )
}

#[derive(Serialize)]
struct SelectOpt {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

fn select(
    name: &str,
    label: &str,
    t: &codes::CodeTable,
    current: Option<&str>,
    lang: Lang,
) -> Value {
    let options: Vec<SelectOpt> = t
        .entries
        .iter()
        .map(|e| SelectOpt {
            code: e.code,
            label: lang.pick(e.zh, e.en),
            selected: current == Some(e.code),
        })
        .collect();
    context! { name => name, label => label, options => ser(&options) }
}

#[derive(Serialize)]
struct SummaryView<'a> {
    #[serde(flatten)]
    item: &'a ItemSummary,
    division_name: String,
}

async fn search(State(state): State<AppState>, cx: PageCx) -> Response {
    let q = cx.query_str().to_string();
    let params: SearchParams = match cx.query() {
        Ok(p) => p,
        Err(e) => return cx.fail(&e),
    };
    let lang = cx.lang;
    let home = &state.config.home_division;
    let depts = match state
        .org
        .list_departments(
            &DepartmentFilter {
                division: Some(home.clone()),
                ..Default::default()
            },
            Page { page: 1, size: 100 },
        )
        .await
    {
        Ok(p) => p.items,
        Err(e) => return cx.fail(&e),
    };
    let departments: Vec<Value> = depts
        .iter()
        .filter(|d| d.division_code.as_str() == home.as_str())
        .map(|d| context! { id => d.id, name => d.name.clone() })
        .collect();
    let selects = vec![
        select(
            "item_type",
            "field.item_type",
            &codes::ITEM_TYPES,
            params.item_type.as_deref(),
            lang,
        ),
        select(
            "service_object",
            "field.service_objects",
            &codes::SERVICE_OBJECTS,
            params.service_object.as_deref(),
            lang,
        ),
        select(
            "theme",
            "search.theme",
            &codes::PERSONAL_THEMES,
            params.theme.as_deref(),
            lang,
        ),
        select(
            "theme",
            "search.enterprise_theme",
            &codes::ENTERPRISE_THEMES,
            params.theme.as_deref(),
            lang,
        ),
        select(
            "online_level",
            "field.online_level",
            &codes::ONLINE_LEVELS,
            params
                .online_level
                .map(|l| l.to_string())
                .as_deref()
                .and_then(|s| codes::ONLINE_LEVELS.parse(s)),
            lang,
        ),
        select(
            "cross_scope",
            "field.cross_scope",
            &codes::CROSS_SCOPES,
            params.cross_scope.as_deref(),
            lang,
        ),
        select(
            "case_type",
            "field.case_type",
            &codes::CASE_TYPES,
            params.case_type.as_deref(),
            lang,
        ),
    ];
    // Matching "one thing" bundles are shown above the items (on the first page).
    let bundles = if params.page.unwrap_or(1) <= 1 {
        super::bundles_public::for_search(&state, params.q.as_deref()).await
    } else {
        super::ser(&Vec::<yiwang_bundles::service::BundleSummary>::new())
    };
    let extra = context! { params => ser(&params), divisions => home_divisions(&state), departments => departments, selects => selects, bundles => bundles };
    match state.catalog.search(&params).await {
        Ok(page) => {
            let items: Vec<SummaryView> = page
                .items
                .iter()
                .map(|i| SummaryView {
                    item: i,
                    division_name: DivisionCode::parse(&i.division_code)
                        .map(|d| registry().full_name(&d))
                        .unwrap_or_default(),
                })
                .collect();
            let mut base_q: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .filter(|(k, _)| k != "page")
                .collect();
            base_q.retain(|(_, v)| !v.is_empty());
            let base = format!(
                "/items?{}",
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(base_q)
                    .finish()
            );
            let base = base.trim_end_matches('?').to_string();
            cx.render(
                "search.html",
                "items",
                context! {
                    page => context! { items => ser(&items), total => page.total },
                    pager => pager(&base, page.page, page.total, page.size),
                    ..extra
                },
            )
        }
        Err(e) => cx.render_error(
            "search.html",
            "items",
            &e,
            context! { page => context! { items => Vec::<i32>::new(), total => 0 }, ..extra },
        ),
    }
}

async fn guide(State(state): State<AppState>, cx: PageCx, Path(code): Path<String>) -> Response {
    let item = match state.catalog.item(&cx.ctx, &code).await {
        Ok(i) => i,
        Err(e) => return cx.fail(&e),
    };
    // The guide shows the published version; staff looking at a never-published item see its
    // version in progress (marked as such by its status in the version table).
    let Some(version) = item.published.clone().or_else(|| item.open.clone()) else {
        return cx.fail(&yiwang_kernel::Error::not_found());
    };
    let history = match state.catalog.versions(&cx.ctx, &code).await {
        Ok(h) => h,
        Err(e) => return cx.fail(&e),
    };
    let history: Vec<_> = history
        .into_iter()
        .filter(|v| {
            matches!(
                v.status,
                VersionStatus::Published | VersionStatus::Superseded
            )
        })
        .collect();
    let e = &version.elements;
    cx.render(
        "guide.html",
        "items",
        context! {
            item => ser(&item),
            version => ser(&version),
            e => ser(e),
            rate => e.reduction_rate(),
            level => e.online_level(),
            licence_free => e.licence_free(),
            history => ser(&history),
            can_apply => item.published.as_ref().is_some_and(|p| p.elements.applies_online()),
            online => e.applies_online(),
        },
    )
}

#[derive(Deserialize, Default)]
struct DeptQuery {
    q: Option<String>,
    division: Option<String>,
    page: Option<u32>,
}

async fn departments(State(state): State<AppState>, cx: PageCx) -> Response {
    let dq: DeptQuery = match cx.query() {
        Ok(p) => p,
        Err(e) => return cx.fail(&e),
    };
    // No division is the home city; a division that is no code is the caller's mistake.
    let division = match dq.division.as_deref() {
        None => Some(state.config.home_division.clone()),
        Some(d) => match DivisionCode::parse(d) {
            Ok(d) => Some(d),
            Err(f) => {
                return cx.fail(&super::bad_query(yiwang_kernel::FieldError {
                    field: "division".into(),
                    ..f
                }));
            }
        },
    };
    let page = Page {
        page: dq.page.unwrap_or(1).max(1),
        size: 50,
    };
    let f = DepartmentFilter {
        division,
        q: dq.q.clone(),
        ..Default::default()
    };
    match state.org.list_departments(&f, page).await {
        Ok(p) => {
            let mut base = String::from("/departments");
            let mut pairs = Vec::new();
            if let Some(q) = &dq.q {
                pairs.push(("q", q.clone()));
            }
            if let Some(d) = &dq.division {
                pairs.push(("division", d.clone()));
            }
            if !pairs.is_empty() {
                base = format!(
                    "{base}?{}",
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish()
                );
            }
            cx.render(
                "departments.html",
                "departments",
                context! { page => ser(&p), pager => pager(&base, p.page, p.total, p.size), q => dq.q, division => dq.division, divisions => home_divisions(&state) },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

async fn halls(State(state): State<AppState>, cx: PageCx) -> Response {
    let halls = match state
        .org
        .list_halls(Some(&state.config.home_division))
        .await
    {
        Ok(h) => h,
        Err(e) => return cx.fail(&e),
    };
    let names: BTreeMap<String, String> = match state
        .org
        .list_departments(&DepartmentFilter::default(), Page { page: 1, size: 100 })
        .await
    {
        Ok(p) => p
            .items
            .into_iter()
            .map(|d| (d.id.to_string(), d.name))
            .collect(),
        Err(e) => return cx.fail(&e),
    };
    cx.render(
        "halls.html",
        "halls",
        context! { halls => ser(&halls), dept_names => names },
    )
}

#[derive(Deserialize)]
struct PrefsQuery {
    lang: Option<String>,
    elder: Option<String>,
    next: Option<String>,
}

/// Sets the language or elder-mode cookie and goes back (only to a path on this site).
async fn prefs(cx: PageCx) -> Response {
    // A preference switch never fails: whatever cannot be read is left as it was.
    let p: PrefsQuery = cx.query().unwrap_or(PrefsQuery {
        lang: None,
        elder: None,
        next: None,
    });
    let next = super::safe_next(p.next.as_deref().unwrap_or("/"), "/");
    let mut r = Redirect::to(&next).into_response();
    let year = 60 * 60 * 24 * 365;
    if let Some(l) = p.lang.as_deref().and_then(Lang::parse)
        && let Ok(v) = HeaderValue::from_str(&format!(
            "yiwang_lang={}; Path=/; Max-Age={year}; SameSite=Lax",
            l.as_str()
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Some(e) = p.elder.as_deref() {
        let v = if e == "1" { "1" } else { "0" };
        if let Ok(h) = HeaderValue::from_str(&format!(
            "yiwang_elder={v}; Path=/; Max-Age={year}; SameSite=Lax"
        )) {
            r.headers_mut().append(header::SET_COOKIE, h);
        }
    }
    r
}
