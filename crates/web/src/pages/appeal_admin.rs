//! The appeals' figures and settings for staff: statistics per grid, department, category and
//! type for a period (办结率、按时办结率、满意率); the grids (网格) on the map with their list,
//! the GeoJSON import (a dry run shows the report — errors and overlaps — then commit) and
//! each grid's workers; and the administrator's settings — categories (事项分类), the
//! knowledge base (知识库) and the time limits per type.
//!
//! `AppealService` decides who may read and change what (`appeal.supervise`/`appeal.dispatch`
//! for the figures, `appeal.admin` for grids and settings).

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use time::Date;
use yiwang_appeals::AppealType;
use yiwang_appeals::views::{CategoryInput, KnowledgeInput, MapRequest, StatsBy, StatsQuery};
use yiwang_kernel::auth::Permission;
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appeal_hotline::type_options;
use super::appeal_work::departments;
use super::appform;
use super::auth::FormData;
use super::casework::need_staff;
use super::{PageCx, flash, ser};
use crate::AppState;

/// A GeoJSON file of a district's grids (with room for the form around it).
const GRIDS_BODY_LIMIT: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/appeal-stats", get(stats))
        .route("/staff/grids", get(grids))
        .route(
            "/staff/grids/import",
            post(import).layer(DefaultBodyLimit::max(GRIDS_BODY_LIMIT)),
        )
        .route("/staff/grids/{code}/workers", post(workers))
        .route("/admin/appeal-settings", get(settings))
        .route("/admin/appeal-settings/categories", post(save_category))
        .route("/admin/appeal-settings/knowledge", post(save_knowledge))
        .route("/admin/appeal-settings/limits", post(save_limits))
}

// ----- statistics -----

#[derive(Debug, Deserialize, Serialize, Default)]
struct StatsParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

fn date_param(name: &str, v: Option<&str>, default: Date) -> Result<Date, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => yiwang_calendar::data::parse_date(s).ok_or_else(|| {
            FieldError::new(
                name,
                "date.format",
                format!("日期“{s}”无效，应为 YYYY-MM-DD"),
                format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
            )
        }),
    }
}

/// The period and grouping asked for; this month by default.
fn stats_query(p: &StatsParams, today: Date) -> Result<StatsQuery, Error> {
    let month_start = today.replace_day(1).unwrap_or(today);
    let mut problems = Vec::new();
    let from = date_param("from", p.from.as_deref(), month_start)
        .map_err(|e| problems.push(e))
        .unwrap_or(month_start);
    let to = date_param("to", p.to.as_deref(), today)
        .map_err(|e| problems.push(e))
        .unwrap_or(today);
    let by = match p.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => StatsBy::Department,
        Some(s) => StatsBy::parse(s).unwrap_or_else(|| {
            problems.push(FieldError::new(
                "by",
                "stats.by",
                "统计维度应为网格、承办单位、事项分类或诉求类型",
                "Group by grid, department, category or type",
            ));
            StatsBy::Department
        }),
    };
    if from > to {
        problems.push(FieldError::new(
            "to",
            "date.order",
            "结束日期不能早于开始日期",
            "The end date cannot be before the start date",
        ));
    }
    if problems.is_empty() {
        Ok(StatsQuery { from, to, by })
    } else {
        Err(Error::validation(problems))
    }
}

async fn stats(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let p: StatsParams = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let today = state.clock.now().to_offset(CHINA_OFFSET).date();
    let extra = context! {
        p => ser(&p),
        by => p.by.clone().unwrap_or_else(|| "department".into()),
        from => p.from.clone().unwrap_or_else(|| today.replace_day(1).unwrap_or(today).to_string()),
        to => p.to.clone().unwrap_or_else(|| today.to_string()),
    };
    let result = match stats_query(&p, today) {
        Ok(q) => state.appeals.stats(&cx.ctx, q).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(rows) => cx.render(
            "staff/appeal_stats.html",
            "staff_appeals",
            context! { rows => ser(&rows), ..extra },
        ),
        Err(e) if e.code == ErrorCode::Validation => cx.render_error(
            "staff/appeal_stats.html",
            "staff_appeals",
            &e,
            context! { errs => ser(&appform::place_errors(&e, cx.lang, &[])), ..extra },
        ),
        Err(e) => cx.fail(&e),
    }
}

// ----- grids -----

async fn grids_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let list = state.appeals.grids().await?;
    let map = state
        .appeals
        .map_svg(
            &cx.ctx,
            MapRequest {
                grids: true,
                orders: cx.ctx.actor.has(Permission::AppealDispatch)
                    || cx.ctx.actor.has(Permission::AppealSupervise),
                status: None,
                pick: false,
                marker: None,
                width: 960,
            },
        )
        .await?;
    let q: BTreeMap<String, String> = form_urlencoded::parse(cx.query_str().as_bytes())
        .into_owned()
        .collect();
    let chosen = q
        .get("grid")
        .and_then(|c| list.iter().find(|g| &g.code == c))
        .cloned();
    Ok(context! {
        grids => ser(&list),
        chosen => ser(&chosen),
        map => Value::from_safe_string(map),
        admin => cx.ctx.actor.has(Permission::AppealAdmin),
        flash => flash(cx),
    })
}

async fn grids(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    match grids_context(&state, &cx).await {
        Ok(ctx) => cx.render("staff/grids.html", "grids", ctx),
        Err(e) => cx.fail(&e),
    }
}

async fn grids_error(state: &AppState, cx: &PageCx, e: &Error, extra: Value) -> Response {
    if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) {
        return cx.fail(e);
    }
    match grids_context(state, cx).await {
        Ok(ctx) => cx.render_error(
            "staff/grids.html",
            "grids",
            e,
            context! { errs => ser(&appform::place_errors(e, cx.lang, &[])), ..context! { ..extra, ..ctx } },
        ),
        Err(e2) => cx.fail(&e2),
    }
}

/// The GeoJSON import: a dry run shows the report; `commit=1` writes it (nothing is written
/// when the file has errors).
async fn import(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let mp = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(e) => return cx.fail(&e),
    };
    let commit = matches!(mp.get("commit"), "1" | "on" | "true");
    let Some(file) = mp.files.iter().find(|f| f.name == "file") else {
        let e = Error::validation(vec![FieldError::new(
            "file",
            "required",
            "请选择网格的 GeoJSON 文件",
            "Choose the grids' GeoJSON file",
        )]);
        return grids_error(&state, &cx, &e, context! {}).await;
    };
    match state
        .appeals
        .import_grids(&cx.ctx, &file.file_name, &file.bytes, commit)
        .await
    {
        Ok(report) if report.committed => {
            Redirect::to("/staff/grids?done=grids_imported").into_response()
        }
        Ok(report) => match grids_context(&state, &cx).await {
            Ok(ctx) => cx.render(
                "staff/grids.html",
                "grids",
                context! { report => ser(&report), ..ctx },
            ),
            Err(e) => cx.fail(&e),
        },
        Err(e) => grids_error(&state, &cx, &e, context! {}).await,
    }
}

/// A grid's workers: one username a line, the first is the one routing assigns.
async fn workers(
    State(state): State<AppState>,
    cx: PageCx,
    Path(code): Path<String>,
    form: FormData,
) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let names: Vec<String> = form
        .get("workers")
        .split(|c: char| c == '\n' || c == ',' || c == '，' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    match state.appeals.set_grid_workers(&cx.ctx, &code, &names).await {
        Ok(g) => Redirect::to(&format!(
            "/staff/grids?grid={}&done=grid_workers",
            super::urlencode(&g.code)
        ))
        .into_response(),
        Err(e) => {
            let extra = context! { posted_workers => form.get("workers") };
            grids_error(&state, &cx, &e, extra).await
        }
    }
}

// ----- settings -----

async fn settings_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let categories = state.appeals.categories(false).await?;
    let knowledge = state.appeals.knowledge("", None, 500).await?;
    let limits = state.appeals.time_limits().await?;
    let q: BTreeMap<String, String> = form_urlencoded::parse(cx.query_str().as_bytes())
        .into_owned()
        .collect();
    let edit_category = q
        .get("category")
        .and_then(|c| categories.iter().find(|x| &x.code == c))
        .cloned();
    let edit_knowledge = q
        .get("knowledge")
        .and_then(|id| id.parse::<i64>().ok())
        .and_then(|id| knowledge.iter().find(|k| k.id == id))
        .cloned();
    let limit_rows: Vec<(String, String, u32)> = AppealType::ALL
        .iter()
        .map(|t| {
            (
                t.as_str().to_string(),
                cx.lang.pick(t.zh(), t.en()).to_string(),
                limits.days(*t),
            )
        })
        .collect();
    Ok(context! {
        categories => ser(&categories),
        knowledge => ser(&knowledge),
        limits => ser(&limit_rows),
        edit_category => ser(&edit_category),
        edit_knowledge => ser(&edit_knowledge),
        departments => ser(&departments(state).await?),
        types => ser(&type_options(cx)),
        flash => flash(cx),
    })
}

fn need_admin(cx: &PageCx) -> Result<(), Error> {
    need_staff(cx)?;
    if cx.ctx.actor.has(Permission::AppealAdmin) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

async fn settings(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_admin(&cx) {
        return cx.fail(&e);
    }
    match settings_context(&state, &cx).await {
        Ok(ctx) => cx.render("admin/appeal_settings.html", "admin", ctx),
        Err(e) => cx.fail(&e),
    }
}

async fn settings_error(
    state: &AppState,
    cx: &PageCx,
    e: &Error,
    which: &str,
    form: &FormData,
) -> Response {
    if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) {
        return cx.fail(e);
    }
    let posted: BTreeMap<String, String> = form
        .0
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .cloned()
        .collect();
    match settings_context(state, cx).await {
        Ok(ctx) => cx.render_error(
            "admin/appeal_settings.html",
            "admin",
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

fn opt_text(form: &FormData, k: &str) -> Option<String> {
    Some(form.get(k).trim().to_string()).filter(|s| !s.is_empty())
}

fn opt_id(form: &FormData, k: &str) -> Result<Option<i64>, Error> {
    match opt_text(form, k) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            Error::validation(vec![FieldError::new(
                k,
                "number",
                format!("“{s}”不是有效的编号"),
                format!("\"{s}\" is not a valid id"),
            )])
        }),
    }
}

async fn save_category(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_admin(&cx) {
        return cx.fail(&e);
    }
    let result = async {
        let input = CategoryInput {
            code: form.get("code").trim().to_string(),
            name: form.get("name").trim().to_string(),
            parent_code: opt_text(&form, "parent_code"),
            department_id: opt_id(&form, "department_id")?,
            specialty: opt_text(&form, "specialty"),
            description: form.get("description").trim().to_string(),
            keywords: form.get("keywords").trim().to_string(),
            active: form.flag("active"),
        };
        state.appeals.save_category(&cx.ctx, input).await
    }
    .await;
    match result {
        Ok(_) => {
            Redirect::to("/admin/appeal-settings?done=appeal_category#categories").into_response()
        }
        Err(e) => settings_error(&state, &cx, &e, "category", &form).await,
    }
}

async fn save_knowledge(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_admin(&cx) {
        return cx.fail(&e);
    }
    let result = async {
        let input = KnowledgeInput {
            id: opt_id(&form, "id")?,
            category_code: opt_text(&form, "category_code"),
            question: form.get("question").trim().to_string(),
            answer: form.get("answer").trim().to_string(),
            keywords: form.get("keywords").trim().to_string(),
            department_id: opt_id(&form, "department_id")?,
            active: form.flag("active"),
        };
        state.appeals.save_knowledge(&cx.ctx, input).await
    }
    .await;
    match result {
        Ok(_) => {
            Redirect::to("/admin/appeal-settings?done=appeal_knowledge#knowledge").into_response()
        }
        Err(e) => settings_error(&state, &cx, &e, "knowledge", &form).await,
    }
}

/// The limits posted as `limit.<type>` working days, each named when it does not fit.
fn limits_of(
    form: &FormData,
    mut limits: yiwang_appeals::TimeLimits,
) -> Result<yiwang_appeals::TimeLimits, Error> {
    let mut problems = Vec::new();
    for t in AppealType::ALL {
        let field = format!("limit.{}", t.as_str());
        let raw = form.get(&field).trim();
        match raw.parse::<u32>() {
            Ok(n) if (1..=yiwang_appeals::TimeLimits::MAX_DAYS).contains(&n) => limits.set(*t, n),
            _ => problems.push(FieldError::new(
                field,
                "limit.days",
                format!(
                    "{}的时限应为 1 至 {} 个工作日",
                    t.zh(),
                    yiwang_appeals::TimeLimits::MAX_DAYS
                ),
                format!(
                    "The limit for {} must be 1 to {} working days",
                    t.en(),
                    yiwang_appeals::TimeLimits::MAX_DAYS
                ),
            )),
        }
    }
    if problems.is_empty() {
        Ok(limits)
    } else {
        Err(Error::validation(problems))
    }
}

async fn save_limits(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = need_admin(&cx) {
        return cx.fail(&e);
    }
    let result = async {
        let current = state.appeals.time_limits().await?;
        let limits = limits_of(&form, current)?;
        state.appeals.set_time_limits(&cx.ctx, limits).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin/appeal-settings?done=appeal_limits#limits").into_response(),
        Err(e) => settings_error(&state, &cx, &e, "limits", &form).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_period_is_this_month_by_default_and_checked() {
        let q = stats_query(&StatsParams::default(), date!(2026 - 12 - 07)).expect("valid");
        assert_eq!(q.from, date!(2026 - 12 - 01));
        assert_eq!(q.to, date!(2026 - 12 - 07));
        assert_eq!(q.by, StatsBy::Department);
        let bad = StatsParams {
            from: Some("2026-12-09".into()),
            to: Some("2026-12-01".into()),
            by: Some("colour".into()),
        };
        let fields: Vec<String> = stats_query(&bad, date!(2026 - 12 - 07))
            .err()
            .map(|e| e.fields.into_iter().map(|f| f.field).collect())
            .unwrap_or_default();
        assert_eq!(fields, vec!["by".to_string(), "to".to_string()]);
    }

    #[test]
    fn limits_are_whole_working_days_in_range() {
        let mut pairs: Vec<(String, String)> = AppealType::ALL
            .iter()
            .map(|t| (format!("limit.{}", t.as_str()), "5".to_string()))
            .collect();
        let ok = limits_of(
            &FormData(pairs.clone()),
            yiwang_appeals::TimeLimits::guangdong(),
        )
        .expect("valid");
        assert_eq!(ok.days(AppealType::Complaint), 5);
        pairs[0].1 = "0".into();
        let e = limits_of(&FormData(pairs), yiwang_appeals::TimeLimits::guangdong()).err();
        assert_eq!(
            e.map(|e| e.fields[0].field.clone()).as_deref(),
            Some("limit.consult")
        );
    }
}
