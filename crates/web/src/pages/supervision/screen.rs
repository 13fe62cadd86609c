//! The leader's one screen (`/supervision`, 一屏全览): a tile per KPI, the trend charts, the
//! league of a chosen KPI and the division map of another; and the month's bulletin
//! (`/supervision/bulletin.pdf`).

use axum::extract::State;
use axum::response::Response;
use minijinja::{Value, context};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Permission;

use super::super::appform;
use super::super::casework::need_staff;
use super::bulletin::{Bulletin, FigureLine, LeagueLine, bulletin_pdf};
use super::view::{ScreenView, TileView};
use super::{Params, is_input, league_block, map_block, source, trend_groups};
use crate::AppState;
use crate::pages::{PageCx, ser};

/// The KPI the league ranks by when none is chosen: the on-time rate when it is shown.
const DEFAULT_LEAGUE: &str = "on_time_rate";
/// The KPI the map shades by when none is chosen.
const DEFAULT_MAP: &str = "online_application_rate";

fn chosen<'a>(tiles: &'a [TileView], asked: Option<&str>, default: &str) -> Option<&'a TileView> {
    let asked = asked.map(str::trim).filter(|s| !s.is_empty());
    asked
        .and_then(|a| tiles.iter().find(|t| t.kpi.code == a))
        .or_else(|| tiles.iter().find(|t| t.kpi.code == default))
        .or_else(|| tiles.first())
}

async fn screen_context(state: &AppState, cx: &PageCx, p: &Params) -> Result<Value, Error> {
    let s: ScreenView = source::screen(state, cx, p.scope(), p.month()).await?;
    let groups = trend_groups(&s.tiles, &s.months, cx.lang)?;
    let league = match chosen(&s.tiles, p.league.as_deref(), DEFAULT_LEAGUE) {
        Some(t) => {
            let (kpi, rows) = source::league(state, cx, &t.kpi.code, &s.scope, &s.month).await?;
            Some(league_block(&kpi, &rows, cx.lang)?)
        }
        None => None,
    };
    let map = match chosen(&s.tiles, p.map.as_deref(), DEFAULT_MAP) {
        Some(t) => {
            let (kpi, rows) = source::divisions(state, cx, &t.kpi.code, &s.scope, &s.month).await?;
            Some(map_block(&kpi, &rows, cx.lang)?)
        }
        None => None,
    };
    Ok(context! {
        scopes => ser(&source::scopes(state, cx).await?),
        scope => s.scope.clone(),
        scope_name => s.scope_name.clone(),
        month => s.month.clone(),
        as_of => s.as_of.clone(),
        months => ser(&s.months),
        tiles => ser(&s.tiles),
        groups => groups,
        league => league,
        map => map,
        can_admin => cx.ctx.actor.has(Permission::SupervisionAdmin),
    })
}

pub(super) async fn screen(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let p: Params = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    match screen_context(&state, &cx, &p).await {
        Ok(ctx) => cx.render("staff/supervision_screen.html", "dashboards", ctx),
        Err(e) if is_input(&e) => {
            // A month or scope that does not parse: the form with the problem, no figures.
            let scopes = source::scopes(&state, &cx).await.unwrap_or_default();
            cx.render_error(
                "staff/supervision_screen.html",
                "dashboards",
                &e,
                context! {
                    errs => ser(&appform::place_errors(&e, cx.lang, &[])),
                    scopes => ser(&scopes),
                    scope => p.scope().unwrap_or_default(),
                    month => p.month().unwrap_or_default(),
                    tiles => Vec::<Value>::new(),
                },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

/// Up to `n` rows from the top and `n` from the bottom of a ranked league (without overlap).
fn top_and_bottom(
    rows: &[super::view::LeagueRowView],
    n: usize,
) -> (Vec<LeagueLine>, Vec<LeagueLine>) {
    let ranked: Vec<&super::view::LeagueRowView> =
        rows.iter().filter(|r| r.rank.is_some()).collect();
    let line = |r: &&super::view::LeagueRowView| LeagueLine {
        rank: r.rank.unwrap_or(0) as usize,
        department: r.name.clone(),
        value: r.fig.shown.clone(),
    };
    let top: Vec<LeagueLine> = ranked.iter().take(n).map(line).collect();
    let rest = ranked.len().saturating_sub(top.len());
    let bottom: Vec<LeagueLine> = ranked
        .iter()
        .skip(ranked.len() - rest.min(n))
        .map(line)
        .collect();
    (top, bottom)
}

async fn bulletin_of(
    state: &AppState,
    cx: &PageCx,
    p: &Params,
) -> Result<(Bulletin, String), Error> {
    let s = source::screen(state, cx, p.scope(), p.month()).await?;
    let figures = s
        .tiles
        .iter()
        .map(|t| FigureLine {
            name: t.kpi.name.clone(),
            value: t.fig.shown.clone(),
            basis: if t.kpi.kind == "count" {
                t.fig.numerator.to_string()
            } else {
                format!("{}/{}", t.fig.numerator, t.fig.denominator)
            },
            change: match t.arrow {
                "up" => format!("↑{}", strip_words(&t.change_text)),
                "down" => format!("↓{}", strip_words(&t.change_text)),
                "flat" => "持平".to_string(),
                _ => "—".to_string(),
            },
            target: if t.kpi.target_shown.is_empty() {
                String::new()
            } else {
                format!(
                    "{} {}",
                    t.kpi.target_shown,
                    match t.status {
                        "met" => "达标",
                        "missed" => "未达标",
                        _ => "",
                    }
                )
            },
        })
        .collect();
    let (league_kpi, top, bottom) = match chosen(&s.tiles, p.league.as_deref(), DEFAULT_LEAGUE) {
        Some(t) => {
            let (kpi, rows) = source::league(state, cx, &t.kpi.code, &s.scope, &s.month).await?;
            let (top, bottom) = top_and_bottom(&rows, 3);
            (kpi.name, top, bottom)
        }
        None => (String::new(), Vec::new(), Vec::new()),
    };
    let month = s.month.clone();
    let counts = source::counts(state, cx, &s.scope, &s.month).await?;
    let period = match month.split_once('-') {
        Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
        None => month.clone(),
    };
    Ok((
        Bulletin {
            platform: crate::i18n::text("site.name", yiwang_kernel::i18n::Lang::Zh),
            scope: s.scope_name,
            period,
            as_of: if s.as_of.is_empty() {
                "尚未计算".into()
            } else {
                s.as_of
            },
            figures,
            league_kpi,
            top,
            bottom,
            counts,
        },
        month,
    ))
}

/// The number in a change sentence (`较上月改善 1.20 个百分点` → `1.20`).
fn strip_words(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect()
}

pub(super) async fn bulletin(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = need_staff(&cx) {
        return cx.fail(&e);
    }
    let p: Params = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    match bulletin_of(&state, &cx, &p).await {
        Ok((b, month)) => {
            let pdf = bulletin_pdf(&b, state.clock.now());
            crate::transfer::pdf_response(&format!("bulletin-{month}.pdf"), pdf)
        }
        Err(e) => cx.fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::super::view::{FigView, LeagueRowView};
    use super::*;

    fn row(rank: Option<u32>, name: &str) -> LeagueRowView {
        LeagueRowView {
            rank,
            id: 1,
            name: name.into(),
            fig: FigView {
                value: None,
                shown: "—".into(),
                numerator: 0,
                denominator: 0,
                as_of: String::new(),
            },
        }
    }

    #[test]
    fn the_bulletin_takes_the_top_and_the_bottom_without_overlap() {
        let rows: Vec<LeagueRowView> = (1..=4)
            .map(|i| row(Some(i), &format!("D{i}")))
            .chain([row(None, "X")])
            .collect();
        let (top, bottom) = top_and_bottom(&rows, 3);
        assert_eq!(
            top.iter().map(|l| l.rank).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(bottom.iter().map(|l| l.rank).collect::<Vec<_>>(), vec![4]);
        let (top, bottom) = top_and_bottom(&rows[..2], 3);
        assert_eq!(top.len(), 2);
        assert!(bottom.is_empty());
        assert_eq!(strip_words("较上月改善 1.20 个百分点"), "1.20");
    }
}
