//! The one place the dashboards read `SupervisionService`'s KPIs (`yiwang_supervision::kpi`):
//! figures, trends, league tables, divisions, drill-downs, scorecards and definitions, turned
//! into the pages' views ([`super::view`]) in the caller's language. The service decides who
//! may read what; a query value that does not parse (`scope`, `month`, `period`) is a
//! validation error naming it.

use std::collections::HashMap;

use time::OffsetDateTime;
use yiwang_kernel::auth::{Permission, Scope as Reach};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, FieldError};
use yiwang_org::repo::DepartmentFilter;
use yiwang_supervision::kpi::{
    KpiDef, KpiDefInput, Month, Period, Scope, Screen, ScreenQuery, measure,
    measures as all_measures,
};

use super::super::{FormData, PageCx, china_time};
use super::kpi::{DRILL_PAGE, recomputed};
use super::view::{
    DivisionView, DrillView, FigView, KpiPageView, KpiView, LeagueRowView, MemberView, ScopeOpt,
    ScoreView, ScorecardView, ScreenView, TileView, group_of, target_shown,
};
use crate::AppState;

fn invalid(f: FieldError) -> Error {
    Error::validation(vec![f])
}

fn scope_of(s: Option<&str>) -> Result<Option<Scope>, Error> {
    s.map(|s| Scope::parse("scope", s))
        .transpose()
        .map_err(invalid)
}

fn month_of(s: Option<&str>) -> Result<Option<Month>, Error> {
    s.map(|s| Month::parse("month", s))
        .transpose()
        .map_err(invalid)
}

/// `2026-12-07 08:00:05` in China time; empty before the first refresh.
fn as_of(t: Option<OffsetDateTime>) -> String {
    t.map(china_time).unwrap_or_default()
}

fn measure_name(code: &str, lang: Lang) -> String {
    measure(code)
        .map(|m| lang.pick(m.zh, m.en).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// A definition as the pages show it.
pub fn kpi_view(d: &KpiDef, lang: Lang) -> KpiView {
    let kind = d.kind.as_str().to_string();
    let unit = lang.pick(&d.unit_zh, &d.unit_en).to_string();
    let unit = if unit.is_empty() {
        d.unit_zh.clone()
    } else {
        unit
    };
    let name = lang.pick(&d.name_zh, &d.name_en).to_string();
    KpiView {
        code: d.code.clone(),
        name: if name.is_empty() {
            d.name_zh.clone()
        } else {
            name
        },
        target_shown: target_shown(&kind, &unit, d.direction.as_str(), d.target),
        kind,
        direction: d.direction.as_str().to_string(),
        unit,
        target: d.target,
        description: d.description.clone(),
        basis: d.basis.clone(),
        numerator: d.numerator.clone(),
        numerator_name: measure_name(&d.numerator, lang),
        denominator: d.denominator.clone(),
        denominator_name: d
            .denominator
            .as_deref()
            .map(|c| measure_name(c, lang))
            .unwrap_or_default(),
        active: d.active,
        position: d.position,
        group: group_of(&d.numerator),
    }
}

fn fig(k: &KpiView, f: &yiwang_supervision::kpi::Figure) -> FigView {
    FigView::new(k, f.numerator, f.denominator, f.value, as_of(f.as_of))
}

/// The departments the caller's scope covers: id → name.
async fn department_names(
    state: &AppState,
    division: Option<&yiwang_kernel::codes::DivisionCode>,
) -> Result<HashMap<i64, String>, Error> {
    let page = state
        .org
        .list_departments(
            &DepartmentFilter {
                division: division.cloned(),
                ..Default::default()
            },
            Page { page: 1, size: 500 },
        )
        .await?;
    Ok(page.items.into_iter().map(|d| (d.id, d.name)).collect())
}

/// The scopes the caller may choose: their division, its counties and its departments (a
/// department head: their department).
pub async fn scopes(state: &AppState, cx: &PageCx) -> Result<Vec<ScopeOpt>, Error> {
    let home = state.supervision.home_division().clone();
    let division = match cx.ctx.actor.scope_of(Permission::SupervisionView) {
        Reach::Nothing => return Ok(Vec::new()),
        Reach::Department(id) => {
            let d = state.org.department(id).await?;
            return Ok(vec![ScopeOpt {
                value: format!("department:{id}"),
                label: d.name,
            }]);
        }
        Reach::Division(d) => d,
        Reach::Everything => home,
    };
    let reg = yiwang_org::divisions::registry();
    let mut out = vec![ScopeOpt {
        value: division.as_str().to_string(),
        label: reg.display_name(division.as_str()),
    }];
    for c in reg.children(division.as_str()) {
        if c.name == "市辖区" {
            continue;
        }
        out.push(ScopeOpt {
            value: c.code.as_str().to_string(),
            label: format!("　{}", c.name),
        });
    }
    let mut depts: Vec<(i64, String)> = department_names(state, Some(&division))
        .await?
        .into_iter()
        .collect();
    depts.sort_by(|a, b| a.1.cmp(&b.1));
    for (id, name) in depts {
        out.push(ScopeOpt {
            value: format!("department:{id}"),
            label: format!("　{name}"),
        });
    }
    Ok(out)
}

pub async fn screen(
    state: &AppState,
    cx: &PageCx,
    scope: Option<&str>,
    month: Option<&str>,
) -> Result<ScreenView, Error> {
    Ok(screen_with(state, cx, scope, month).await?.0)
}

/// The screen's view and the service's answer it was made from (a KPI's page reads the
/// months' numerators and denominators from it).
async fn screen_with(
    state: &AppState,
    cx: &PageCx,
    scope: Option<&str>,
    month: Option<&str>,
) -> Result<(ScreenView, Screen), Error> {
    let q = ScreenQuery {
        scope: scope_of(scope)?,
        month: month_of(month)?,
    };
    let s = state.supervision.screen(&cx.ctx, q).await?;
    let mut months = Vec::with_capacity(12);
    let mut m = s.month;
    for _ in 0..12 {
        months.push(m.label());
        m = m.previous();
    }
    months.reverse();
    let tiles = s
        .figures
        .iter()
        .map(|f| {
            let k = kpi_view(&f.def, cx.lang);
            let trend = s
                .trends
                .iter()
                .find(|t| t.code == f.def.code)
                .map(|t| t.points.iter().map(|p| p.value).collect())
                .unwrap_or_else(|| vec![None; 12]);
            let fv = fig(&k, f);
            TileView::new(k, fv, trend, cx.lang)
        })
        .collect();
    let view = ScreenView {
        scope: s.scope.as_param(),
        scope_name: s.scope_name.clone(),
        month: s.month.label(),
        as_of: as_of(s.as_of),
        months,
        tiles,
    };
    Ok((view, s))
}

pub async fn league(
    state: &AppState,
    cx: &PageCx,
    code: &str,
    scope: &str,
    month: &str,
) -> Result<(KpiView, Vec<LeagueRowView>), Error> {
    let scope = scope_of(Some(scope))?;
    let month = month_of(Some(month))?.unwrap_or_else(|| Month::of(state.clock.now().date()));
    let rows = state
        .supervision
        .league(&cx.ctx, code, month, scope)
        .await?;
    let def = match rows.first() {
        Some(r) => r.figure.def.clone(),
        None => state.supervision.definition(&cx.ctx, code).await?,
    };
    let k = kpi_view(&def, cx.lang);
    let rows = rows
        .iter()
        .map(|r| LeagueRowView {
            rank: r.rank,
            id: r.department_id,
            name: r.department_name.clone(),
            fig: fig(&k, &r.figure),
        })
        .collect();
    Ok((k, rows))
}

pub async fn divisions(
    state: &AppState,
    cx: &PageCx,
    code: &str,
    scope: &str,
    month: &str,
) -> Result<(KpiView, Vec<DivisionView>), Error> {
    let scope = scope_of(Some(scope))?;
    let month = month_of(Some(month))?.unwrap_or_else(|| Month::of(state.clock.now().date()));
    let rows = state
        .supervision
        .by_division(&cx.ctx, code, month, scope)
        .await?;
    let def = match rows.first() {
        Some(r) => r.figure.def.clone(),
        None => state.supervision.definition(&cx.ctx, code).await?,
    };
    let k = kpi_view(&def, cx.lang);
    let reg = yiwang_org::divisions::registry();
    let rows = rows
        .iter()
        .map(|r| DivisionView {
            code: r.division.as_str().to_string(),
            // The tile's short name (赤坎区); the city itself is its own departments (市本级).
            name: if r.division == *state.supervision.home_division() {
                crate::i18n::text("sv.city_level", cx.lang)
            } else {
                reg.get(r.division.as_str())
                    .map(|d| d.name.clone())
                    .unwrap_or_else(|| r.division_name.clone())
            },
            fig: fig(&k, &r.figure),
        })
        .collect();
    Ok((k, rows))
}

pub async fn kpi_page(
    state: &AppState,
    cx: &PageCx,
    code: &str,
    scope: Option<&str>,
    month: Option<&str>,
) -> Result<KpiPageView, Error> {
    let (s, raw) = screen_with(state, cx, scope, month).await?;
    let Some(tile) = s.tiles.iter().find(|t| t.kpi.code == code) else {
        // An inactive or unknown KPI: the service says which (not found, or refused).
        state.supervision.definition(&cx.ctx, code).await?;
        return Err(Error::not_found());
    };
    let trend = raw
        .trends
        .iter()
        .find(|t| t.code == code)
        .map(|t| {
            t.points
                .iter()
                .map(|p| {
                    (
                        p.month.label(),
                        FigView::new(
                            &tile.kpi,
                            p.numerator,
                            p.denominator,
                            p.value,
                            String::new(),
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (_, league) = league(state, cx, code, &s.scope, &s.month).await?;
    let divisions = if s.scope.starts_with("department:") {
        Vec::new()
    } else {
        divisions(state, cx, code, &s.scope, &s.month).await?.1
    };
    Ok(KpiPageView {
        kpi: tile.kpi.clone(),
        fig: tile.fig.clone(),
        scope: s.scope.clone(),
        scope_name: s.scope_name.clone(),
        month: s.month.clone(),
        trend,
        league,
        divisions,
    })
}

pub async fn drill(
    state: &AppState,
    cx: &PageCx,
    code: &str,
    scope: Option<&str>,
    period: Option<&str>,
    page: u32,
) -> Result<DrillView, Error> {
    let scope = scope_of(scope)?;
    let period = match period {
        Some(p) => Period::parse("period", p).map_err(invalid)?,
        None => {
            let m = Month::of(
                state
                    .clock
                    .now()
                    .to_offset(yiwang_kernel::clock::CHINA_OFFSET)
                    .date(),
            );
            Period::Month(m.year, m.month)
        }
    };
    let d = state
        .supervision
        .drill(
            &cx.ctx,
            code,
            scope,
            period,
            Page {
                page,
                size: DRILL_PAGE,
            },
        )
        .await?;
    let k = kpi_view(&d.figure.def, cx.lang);
    let names = department_names(state, None).await?;
    let (sum_value, recomputed_shown) =
        recomputed(&k.kind, &k.unit, d.numerator_sum, d.denominator_sum);
    let scope_name = match &d.scope {
        Scope::Division(c) => yiwang_org::divisions::registry().display_name(c.as_str()),
        Scope::Department(id) => names.get(id).cloned().unwrap_or_default(),
    };
    Ok(DrillView {
        fig: fig(&k, &d.figure),
        reproduced: sum_value == d.figure.value
            && d.numerator_sum == d.figure.numerator
            && d.denominator_sum == d.figure.denominator,
        recomputed: recomputed_shown,
        kpi: k,
        scope: d.scope.as_param(),
        scope_name,
        period: d.period.as_param(),
        members: d
            .members
            .iter()
            .map(|m| MemberView {
                day: yiwang_kernel::clock::ymd(m.day),
                department: names.get(&m.department_id).cloned().unwrap_or_default(),
                kind: m.kind.clone(),
                reference: m.reference.clone(),
                label: m.label.clone(),
                href: m.href.clone(),
                numerator: m.numerator,
                denominator: m.denominator,
            })
            .collect(),
        total: d.total,
        numerator_sum: d.numerator_sum,
        denominator_sum: d.denominator_sum,
        as_of: as_of(d.figure.as_of),
    })
}

pub async fn scorecard(
    state: &AppState,
    cx: &PageCx,
    id: i64,
    month: Option<&str>,
) -> Result<(ScorecardView, String), Error> {
    let month = month_of(month)?.unwrap_or_else(|| {
        Month::of(
            state
                .clock
                .now()
                .to_offset(yiwang_kernel::clock::CHINA_OFFSET)
                .date(),
        )
    });
    let s = state.supervision.scorecard(&cx.ctx, id, month).await?;
    let as_of_text = s
        .rows
        .iter()
        .find_map(|r| r.figure.as_of)
        .map(china_time)
        .unwrap_or_default();
    let rows = s
        .rows
        .iter()
        .map(|r| {
            let k = kpi_view(&r.figure.def, cx.lang);
            let f = fig(&k, &r.figure);
            let status = k.status(f.value);
            ScoreView {
                kpi: k,
                fig: f,
                rank: r.rank,
                of: r.ranked,
                status,
            }
        })
        .collect();
    Ok((
        ScorecardView {
            department_id: s.department_id,
            department: s.department_name,
            scope: format!("department:{}", s.department_id),
            as_of: as_of_text,
            rows,
        },
        s.month.label(),
    ))
}

pub async fn definitions(state: &AppState, cx: &PageCx) -> Result<Vec<KpiView>, Error> {
    Ok(state
        .supervision
        .definitions(&cx.ctx)
        .await?
        .iter()
        .map(|d| kpi_view(d, cx.lang))
        .collect())
}

/// Definition `code` for the edit form: the view and its names and units in both languages.
pub async fn definition_form(
    state: &AppState,
    cx: &PageCx,
    code: &str,
) -> Result<Option<(KpiView, String, String, String, String)>, Error> {
    let d = state.supervision.definition(&cx.ctx, code).await?;
    Ok(Some((
        kpi_view(&d, cx.lang),
        d.name_zh.clone(),
        d.name_en.clone(),
        d.unit_zh.clone(),
        d.unit_en.clone(),
    )))
}

/// Every measure: `(code, name)`.
pub fn measures(_state: &AppState, cx: &PageCx) -> Vec<(String, String)> {
    all_measures()
        .iter()
        .map(|m| (m.code.to_string(), cx.lang.pick(m.zh, m.en).to_string()))
        .collect()
}

/// The form as the service's input; a target or position that is no number is named.
fn input_of(form: &FormData) -> Result<KpiDefInput, Error> {
    let mut problems = Vec::new();
    let target = match form.get("target").trim() {
        "" => None,
        s => match s.trim_end_matches('%').trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                problems.push(FieldError::new(
                    "target",
                    "number",
                    format!("目标“{s}”不是数字"),
                    format!("The target \"{s}\" is not a number"),
                ));
                None
            }
        },
    };
    let position = match form.get("position").trim() {
        "" => 100,
        s => s.parse::<i64>().unwrap_or_else(|_| {
            problems.push(FieldError::new(
                "position",
                "number",
                format!("排列顺序“{s}”应为整数"),
                format!("The position \"{s}\" must be a whole number"),
            ));
            0
        }),
    };
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let text = |k: &str| form.get(k).trim().to_string();
    Ok(KpiDefInput {
        name_zh: text("name_zh"),
        name_en: text("name_en"),
        numerator: text("numerator"),
        denominator: Some(text("denominator")).filter(|s| !s.is_empty()),
        kind: text("kind"),
        direction: text("direction"),
        unit_zh: text("unit_zh"),
        unit_en: text("unit_en"),
        target,
        description: text("description"),
        basis: text("basis"),
        active: form.flag("active"),
        position,
    })
}

pub async fn save_definition(state: &AppState, cx: &PageCx, form: &FormData) -> Result<(), Error> {
    let input = input_of(form)?;
    state
        .supervision
        .save_definition(&cx.ctx, form.get("code").trim(), &input)
        .await?;
    Ok(())
}

/// The period's supervision counts for the bulletin, as the supervision domain computes them
/// (`period_counts`): per monitoring rule the warnings raised and handled, the credit checks at
/// acceptance and what they flagged, the lists in force at the period's end. Printed in Chinese
/// (the bulletin is).
pub async fn counts(
    state: &AppState,
    cx: &PageCx,
    scope: &str,
    month: &str,
) -> Result<Vec<(String, String)>, Error> {
    let scope = scope_of(Some(scope))?;
    let month = month_of(Some(month))?.unwrap_or_else(|| Month::of(state.clock.now().date()));
    let p = state
        .supervision
        .period_counts(&cx.ctx, scope, month)
        .await?;
    let mut out: Vec<(String, String)> = p
        .rules
        .iter()
        .map(|r| {
            (
                format!("电子监察·{}", r.name_zh),
                format!("产生预警 {} 件，办结 {} 件", r.raised, r.handled),
            )
        })
        .collect();
    out.push((
        "受理信用核查".into(),
        format!(
            "核查办件 {} 件，其中黑名单 {} 件、红名单 {} 件",
            p.credit.checked, p.credit.black, p.credit.red
        ),
    ));
    out.push((
        "信用名单在册（期末）".into(),
        format!("黑名单 {} 条，红名单 {} 条", p.black_listed, p.red_listed),
    ));
    Ok(out)
}
