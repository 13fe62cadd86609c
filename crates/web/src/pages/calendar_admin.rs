//! The working-day calendar's page (工作日历) for the system administrator: which years' holiday
//! arrangements (放假调休) are loaded — embedded in the binary or imported —, a warning when the
//! next year's is still missing (docs/standards/calendar.md §11.2: the State Council publishes
//! it in October–November, and deadlines that reach into an unloaded year are refused), and the
//! import of a year's notice as CSV. `CalendarService` checks the permission and every row.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{Value, context};
use yiwang_calendar::ImportOptions;
use yiwang_kernel::auth::Permission;
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::{Error, FieldError};

use super::{PageCx, flash};
use crate::AppState;

/// Largest calendar file: a year's notice is a few dozen rows.
const BODY_LIMIT: usize = 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/calendar",
        get(page)
            .post(import)
            .layer(DefaultBodyLimit::max(BODY_LIMIT)),
    )
}

/// The years that should be loaded by today: this year, and from 1 October the next (the
/// notice is out by then, and ten-working-day limits soon reach into it). Those not loaded.
pub async fn missing_years(state: &AppState) -> Result<Vec<i32>, Error> {
    let cal = state.calendar.current().await?;
    let today = state.clock.now().to_offset(CHINA_OFFSET).date();
    let mut wanted = vec![today.year()];
    if u8::from(today.month()) >= 10 {
        wanted.push(today.year() + 1);
    }
    Ok(wanted.into_iter().filter(|y| !cal.covers(*y)).collect())
}

async fn context_of(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let cal = state.calendar.current().await?;
    let mut all: Vec<&yiwang_calendar::Year> = cal.years().collect();
    all.reverse();
    let years: Vec<Value> = all
        .into_iter()
        .take(6)
        .map(|y| {
            context! {
                year => y.year,
                source => y.source.as_str(),
                holidays => y.holidays(),
                workdays => y.days().count() - y.holidays(),
            }
        })
        .collect();
    Ok(context! {
        years => years,
        missing => missing_years(state).await?,
        flash => flash(cx),
        next_year => state.clock.now().to_offset(CHINA_OFFSET).date().year() + 1,
    })
}

fn need_admin(cx: &PageCx) -> Option<Response> {
    if cx.ctx.actor.has(Permission::CalendarManage) {
        None
    } else {
        Some(cx.fail(&Error::forbidden()))
    }
}

async fn page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Some(r) = need_admin(&cx) {
        return r;
    }
    match context_of(&state, &cx).await {
        Ok(c) => cx.render("admin/calendar.html", "admin", c),
        Err(e) => cx.fail(&e),
    }
}

async fn import(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = need_admin(&cx) {
        return r;
    }
    let result = async {
        let mp = crate::transfer::read_multipart(&headers, body).await?;
        let year = mp.get("year").trim().parse::<i32>().map_err(|_| {
            Error::field(FieldError::new(
                "year",
                "year.format",
                "请填写四位年份，如 2027",
                "Enter a four-digit year, e.g. 2027",
            ))
        })?;
        let file = mp
            .files
            .iter()
            .find(|f| f.name == "file" && !f.bytes.is_empty())
            .ok_or_else(|| Error::field(FieldError::required("file")))?;
        let opts = ImportOptions {
            replace: mp.get("replace") == "1",
            source: mp.get("source").to_string(),
        };
        let report = state
            .calendar
            .import_year(&cx.ctx, year, &file.bytes, &opts)
            .await?;
        // Work orders whose due dates ran into this year were estimated: recompute them now
        // (`serve` also does it when it sees a newly covered year, so a failure here is not
        // the import's).
        if let Err(e) = state.appeals.redate(&cx.ctx, year).await {
            tracing::warn!(error = %e, year, "recomputing estimated appeal due dates failed");
        }
        Ok::<_, Error>(report)
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin/calendar?done=calendar_imported").into_response(),
        Err(e) if e.code.status() < 500 && e.code.status() != 403 => {
            match context_of(&state, &cx).await {
                Ok(c) => cx.render_error("admin/calendar.html", "admin", &e, c),
                Err(e2) => cx.fail(&e2),
            }
        }
        Err(e) => cx.fail(&e),
    }
}
