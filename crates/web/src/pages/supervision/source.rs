//! The one place the dashboards read `SupervisionService` (H-kpi's API): figures, trends,
//! league tables, divisions, drill-downs, scorecards and definitions, turned into the pages'
//! views ([`super::view`]) in the caller's language.
//!
//! (Until the KPI API is merged these answer "not available".)

use yiwang_kernel::Error;

use super::super::PageCx;
use super::view::{DrillView, KpiPageView, KpiView, ScopeOpt, ScorecardView, ScreenView};
use crate::AppState;

fn missing() -> Error {
    Error::internal("the KPI API is not merged yet")
}

/// The scopes the caller may choose: their division, its counties, its departments.
pub async fn scopes(_state: &AppState, _cx: &PageCx) -> Result<Vec<ScopeOpt>, Error> {
    Err(missing())
}

pub async fn screen(
    _state: &AppState,
    _cx: &PageCx,
    _scope: Option<&str>,
    _month: Option<&str>,
) -> Result<ScreenView, Error> {
    Err(missing())
}

pub async fn kpi_page(
    _state: &AppState,
    _cx: &PageCx,
    _code: &str,
    _scope: Option<&str>,
    _month: Option<&str>,
) -> Result<KpiPageView, Error> {
    Err(missing())
}

pub async fn league(
    _state: &AppState,
    _cx: &PageCx,
    _code: &str,
    _scope: &str,
    _month: &str,
) -> Result<(KpiView, Vec<super::view::LeagueRowView>), Error> {
    Err(missing())
}

pub async fn divisions(
    _state: &AppState,
    _cx: &PageCx,
    _code: &str,
    _scope: &str,
    _month: &str,
) -> Result<(KpiView, Vec<super::view::DivisionView>), Error> {
    Err(missing())
}

pub async fn drill(
    _state: &AppState,
    _cx: &PageCx,
    _code: &str,
    _scope: Option<&str>,
    _period: Option<&str>,
    _page: u32,
) -> Result<DrillView, Error> {
    Err(missing())
}

pub async fn scorecard(
    _state: &AppState,
    _cx: &PageCx,
    _id: i64,
    _month: Option<&str>,
) -> Result<(ScorecardView, String), Error> {
    Err(missing())
}

pub async fn definitions(_state: &AppState, _cx: &PageCx) -> Result<Vec<KpiView>, Error> {
    Err(missing())
}

/// Every measure: `(code, name)`.
pub fn measures(_state: &AppState, _cx: &PageCx) -> Vec<(String, String)> {
    Vec::new()
}

pub async fn save_definition(
    _state: &AppState,
    _cx: &PageCx,
    _form: &super::super::FormData,
) -> Result<(), Error> {
    Err(missing())
}

/// Other parts of supervision's counts for the bulletin (red and black lists, open warnings),
/// those that answer.
pub async fn counts(_state: &AppState, _cx: &PageCx) -> Vec<(String, i64)> {
    Vec::new()
}

/// Definition `code` for the edit form: the view and its names and units in both languages.
pub async fn definition_form(
    _state: &AppState,
    _cx: &PageCx,
    _code: &str,
) -> Result<Option<(KpiView, String, String, String, String)>, Error> {
    Err(missing())
}
