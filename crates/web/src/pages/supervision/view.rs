//! What the dashboards' templates show: plain, serialisable views of the KPIs and their
//! figures, in the page's language, with the value formatted once ([`shown`]), the change on
//! last month and the target's verdict decided here (so every page says the same).
//! [`super::source`] fills them from `SupervisionService`.

use serde::Serialize;
use yiwang_kernel::i18n::Lang;

use crate::i18n;

/// A KPI as the pages name and explain it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiView {
    pub code: String,
    pub name: String,
    /// `ratio`, `average` or `count`.
    pub kind: String,
    /// `up` or `down`.
    pub direction: String,
    pub unit: String,
    /// In display units (percent for a ratio).
    pub target: Option<f64>,
    /// `≥ 95.00%` (empty without a target).
    pub target_shown: String,
    pub description: String,
    pub basis: String,
    pub numerator: String,
    pub numerator_name: String,
    pub denominator: Option<String>,
    pub denominator_name: String,
    pub active: bool,
    pub position: i64,
    /// The screen's chart group (`catalog`, `cases`, `exchange`, `appeals`, `other`).
    pub group: &'static str,
}

impl KpiView {
    pub fn percent(&self) -> bool {
        self.kind == "ratio"
    }

    /// Whether `a` is better than `b`.
    pub fn better(&self, a: f64, b: f64) -> bool {
        if self.direction == "down" {
            a < b
        } else {
            a > b
        }
    }

    /// `met`, `missed` or `none` (no target or no figure).
    pub fn status(&self, value: Option<f64>) -> &'static str {
        match (self.target, value) {
            (Some(t), Some(v)) => {
                let ok = if self.direction == "down" {
                    v <= t
                } else {
                    v >= t
                };
                if ok { "met" } else { "missed" }
            }
            _ => "none",
        }
    }
}

/// The chart group of a KPI by its numerator's domain.
pub fn group_of(numerator: &str) -> &'static str {
    match numerator.split('.').next().unwrap_or("") {
        "items" => "catalog",
        "cases" | "ratings" | "bundles" | "licences" => "cases",
        "exchange" => "exchange",
        "appeals" => "appeals",
        _ => "other",
    }
}

/// The groups in the screen's order.
pub const GROUPS: [&str; 5] = ["catalog", "cases", "exchange", "appeals", "other"];

/// A figure as shown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FigView {
    pub value: Option<f64>,
    pub shown: String,
    pub numerator: i64,
    pub denominator: i64,
    /// China time, `2026-12-07 08:00`; empty before the first refresh.
    pub as_of: String,
}

/// A value in the KPI's terms: `96.82%`, `1.35 次`, `1437 次`; `—` without one.
pub fn shown(kind: &str, unit: &str, value: Option<f64>) -> String {
    match value {
        None => "—".to_string(),
        Some(v) => match kind {
            "ratio" => format!("{v:.2}%"),
            "count" if unit.is_empty() => format!("{v:.0}"),
            "count" => format!("{v:.0} {unit}"),
            _ if unit.is_empty() => format!("{v:.2}"),
            _ => format!("{v:.2} {unit}"),
        },
    }
}

impl FigView {
    pub fn new(
        k: &KpiView,
        numerator: i64,
        denominator: i64,
        value: Option<f64>,
        as_of: String,
    ) -> FigView {
        FigView {
            value,
            shown: shown(&k.kind, &k.unit, value),
            numerator,
            denominator,
            as_of,
        }
    }
}

/// The target as shown: `≥ 95.00%` (`≤` when lower is better).
pub fn target_shown(kind: &str, unit: &str, direction: &str, target: Option<f64>) -> String {
    match target {
        None => String::new(),
        Some(_) => format!(
            "{} {}",
            if direction == "down" { "≤" } else { "≥" },
            shown(kind, unit, target)
        ),
    }
}

/// A tile of the leader's screen: the figure, last month's, the change and the verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TileView {
    pub kpi: KpiView,
    pub fig: FigView,
    /// Twelve months, oldest first, the month shown last.
    pub trend: Vec<Option<f64>>,
    /// `up`, `down`, `flat` or `none` (no figure last month or this).
    pub arrow: &'static str,
    /// `better`, `worse`, `same` or `none`.
    pub change_class: &'static str,
    pub change_text: String,
    pub status: &'static str,
}

impl TileView {
    pub fn new(kpi: KpiView, fig: FigView, trend: Vec<Option<f64>>, lang: Lang) -> TileView {
        let prev = if trend.len() >= 2 {
            trend[trend.len() - 2]
        } else {
            None
        };
        let (arrow, class, text) = change(&kpi, fig.value, prev, lang);
        let status = kpi.status(fig.value);
        TileView {
            kpi,
            fig,
            trend,
            arrow,
            change_class: class,
            change_text: text,
            status,
        }
    }
}

/// The change from `prev` to `now`: the arrow, whether it is better, and the sentence.
pub fn change(
    k: &KpiView,
    now: Option<f64>,
    prev: Option<f64>,
    lang: Lang,
) -> (&'static str, &'static str, String) {
    let (Some(now), Some(prev)) = (now, prev) else {
        return ("none", "none", i18n::text("sv.change.none", lang));
    };
    let d = now - prev;
    if d.abs() < 0.005 {
        return ("flat", "same", i18n::text("sv.change.same", lang));
    }
    let amount = if k.percent() {
        format!("{:.2}{}", d.abs(), lang.pick(" 个百分点", " points"))
    } else if k.kind == "count" {
        format!("{:.0}", d.abs())
    } else {
        format!("{:.2}", d.abs())
    };
    let arrow = if d > 0.0 { "up" } else { "down" };
    let (class, key) = if k.better(now, prev) {
        ("better", "sv.change.better")
    } else {
        ("worse", "sv.change.worse")
    };
    (arrow, class, i18n::text(key, lang).replace("{d}", &amount))
}

/// One option of the scope selector.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScopeOpt {
    pub value: String,
    pub label: String,
}

/// The leader's screen.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScreenView {
    pub scope: String,
    pub scope_name: String,
    pub month: String,
    pub as_of: String,
    /// The trend's months (`2026-01` …), the screen's month last.
    pub months: Vec<String>,
    pub tiles: Vec<TileView>,
}

/// A department in a league table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeagueRowView {
    pub rank: Option<u32>,
    pub id: i64,
    pub name: String,
    pub fig: FigView,
}

/// A division on the map.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DivisionView {
    pub code: String,
    pub name: String,
    pub fig: FigView,
}

/// A department's scorecard line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreView {
    pub kpi: KpiView,
    pub fig: FigView,
    pub rank: Option<u32>,
    pub of: u32,
    pub status: &'static str,
}

/// A department's scorecard.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScorecardView {
    pub department_id: i64,
    pub department: String,
    /// The department's scope parameter (`department:<id>`).
    pub scope: String,
    pub as_of: String,
    pub rows: Vec<ScoreView>,
}

/// One member of a drill-down.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberView {
    pub day: String,
    pub department: String,
    pub kind: String,
    pub reference: String,
    pub label: String,
    pub href: Option<String>,
    pub numerator: i64,
    pub denominator: i64,
}

/// A drill-down page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DrillView {
    pub kpi: KpiView,
    pub fig: FigView,
    pub scope: String,
    pub scope_name: String,
    pub period: String,
    pub members: Vec<MemberView>,
    pub total: i64,
    pub numerator_sum: i64,
    pub denominator_sum: i64,
    /// The value the sums give, as shown.
    pub recomputed: String,
    /// Whether the sums give the figure (nothing changed since it was computed).
    pub reproduced: bool,
    pub as_of: String,
}

/// A KPI's page: the figure, its months, the league and the map.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KpiPageView {
    pub kpi: KpiView,
    pub fig: FigView,
    pub scope: String,
    pub scope_name: String,
    pub month: String,
    /// `(month, figure)`, oldest first.
    pub trend: Vec<(String, FigView)>,
    pub league: Vec<LeagueRowView>,
    pub divisions: Vec<DivisionView>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn kpi(code: &str, kind: &str, direction: &str, target: Option<f64>) -> KpiView {
        KpiView {
            code: code.into(),
            name: format!("指标{code}"),
            kind: kind.into(),
            direction: direction.into(),
            unit: if kind == "ratio" {
                String::new()
            } else {
                "次".into()
            },
            target,
            target_shown: target_shown(
                kind,
                if kind == "ratio" { "" } else { "次" },
                direction,
                target,
            ),
            description: "说明".into(),
            basis: String::new(),
            numerator: "cases.concluded_on_time".into(),
            numerator_name: "按时办结".into(),
            denominator: (kind != "count").then(|| "cases.concluded".into()),
            denominator_name: "办结".into(),
            active: true,
            position: 1,
            group: group_of("cases.concluded_on_time"),
        }
    }

    #[test]
    fn values_targets_and_changes_read_the_same_everywhere() {
        assert_eq!(shown("ratio", "", Some(96.824)), "96.82%");
        assert_eq!(shown("average", "次", Some(1.351)), "1.35 次");
        assert_eq!(shown("count", "次", Some(1437.0)), "1437 次");
        assert_eq!(shown("ratio", "", None), "—");
        assert_eq!(target_shown("ratio", "", "up", Some(95.0)), "≥ 95.00%");
        assert_eq!(
            target_shown("average", "次", "down", Some(1.0)),
            "≤ 1.00 次"
        );

        let up = kpi("on_time_rate", "ratio", "up", Some(95.0));
        assert_eq!(up.status(Some(96.0)), "met");
        assert_eq!(up.status(Some(94.0)), "missed");
        assert_eq!(up.status(None), "none");
        let (a, c, t) = change(&up, Some(96.0), Some(95.0), Lang::Zh);
        assert_eq!((a, c), ("up", "better"));
        assert_eq!(t, "较上月改善 1.00 个百分点");
        let down = kpi("avg_visits", "average", "down", Some(1.0));
        assert_eq!(down.status(Some(0.8)), "met");
        let (a, c, _) = change(&down, Some(1.2), Some(1.0), Lang::En);
        assert_eq!((a, c), ("up", "worse"));
        assert_eq!(change(&down, Some(1.0), Some(1.0), Lang::Zh).1, "same");
        assert_eq!(change(&down, Some(1.0), None, Lang::Zh).0, "none");

        let tile = TileView::new(
            up.clone(),
            FigView::new(&up, 96, 100, Some(96.0), String::new()),
            vec![Some(90.0), Some(96.0)],
            Lang::Zh,
        );
        assert_eq!(
            (tile.arrow, tile.status, tile.change_class),
            ("up", "met", "better")
        );
        assert_eq!(group_of("items.online"), "catalog");
        assert_eq!(group_of("appeals.closed"), "appeals");
        assert_eq!(group_of("whatever"), "other");
    }
}
