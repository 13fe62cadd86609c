//! The KPI model: definitions (指标定义), figures (指标值), scopes and periods. Plain data and
//! rules, no storage: a figure's value is computed here from its numerator and denominator.

use serde::{Deserialize, Serialize};
use time::{Date, Month as TimeMonth, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_kernel::FieldError;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::facts::{Aggregation, FactMember, Measure};

/// A day on the wire: `YYYY-MM-DD`.
fn ymd<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&yiwang_kernel::clock::ymd(*d))
}

/// How a KPI's value is formed from its numerator and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// numerator / denominator × 100 (a percentage).
    Ratio,
    /// numerator / denominator (e.g. visits per item).
    Average,
    /// The numerator alone (a count of events).
    Count,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[Kind::Ratio, Kind::Average, Kind::Count];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ratio => "ratio",
            Kind::Average => "average",
            Kind::Count => "count",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::Ratio => "比率",
            Kind::Average => "平均值",
            Kind::Count => "计数",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Kind::Ratio => "ratio",
            Kind::Average => "average",
            Kind::Count => "count",
        }
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better (most rates).
    Up,
    /// Lower is better (average visits).
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim() {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            _ => None,
        }
    }

    /// Whether `a` is better than `b` in this direction.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Up => a > b,
            Direction::Down => a < b,
        }
    }
}

/// A KPI definition (指标定义): kept as data, edited by the evaluation administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KpiDef {
    /// A stable code, e.g. `on_time_rate`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The measure counted above the line (a code of [`measures`]).
    pub numerator: String,
    /// The measure below the line; none for a count.
    pub denominator: Option<String>,
    pub kind: Kind,
    pub direction: Direction,
    pub unit_zh: String,
    pub unit_en: String,
    /// The target in the KPI's unit (percent for a ratio), if one is set.
    pub target: Option<f64>,
    pub description: String,
    /// The regulation or source the KPI comes from (依据).
    pub basis: String,
    pub active: bool,
    /// Display order.
    pub position: i64,
}

impl KpiDef {
    /// The value of a figure with these parts: `None` when the denominator is zero.
    pub fn value(&self, numerator: i64, denominator: i64) -> Option<f64> {
        value_of(self.kind, numerator, denominator)
    }

    /// The measures the KPI reads (numerator first).
    pub fn measures(&self) -> Vec<&str> {
        let mut v = vec![self.numerator.as_str()];
        if let Some(d) = &self.denominator {
            v.push(d.as_str());
        }
        v
    }

    /// Whether `value` meets the target (true when there is no target).
    pub fn meets_target(&self, value: f64) -> bool {
        match self.target {
            None => true,
            Some(t) => match self.direction {
                Direction::Up => value >= t,
                Direction::Down => value <= t,
            },
        }
    }
}

/// The value of numerator over denominator for a kind (rounded to 2 decimals for ratios and
/// averages); `None` when a ratio or average has nothing below the line.
pub fn value_of(kind: Kind, numerator: i64, denominator: i64) -> Option<f64> {
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    match kind {
        Kind::Count => Some(numerator as f64),
        Kind::Ratio if denominator != 0 => {
            Some(round2(numerator as f64 * 100.0 / denominator as f64))
        }
        Kind::Average if denominator != 0 => Some(round2(numerator as f64 / denominator as f64)),
        _ => None,
    }
}

/// A KPI's figure for a scope and period: its parts, its value, and when the facts were
/// materialised (`as_of`, the end of the last refresh; none before the first).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figure {
    pub def: KpiDef,
    pub numerator: i64,
    /// Zero for a count.
    pub denominator: i64,
    pub value: Option<f64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub as_of: Option<OffsetDateTime>,
}

impl Figure {
    pub fn new(
        def: &KpiDef,
        numerator: i64,
        denominator: i64,
        as_of: Option<OffsetDateTime>,
    ) -> Figure {
        Figure {
            value: def.value(numerator, denominator),
            def: def.clone(),
            numerator,
            denominator: if def.denominator.is_some() {
                denominator
            } else {
                0
            },
            as_of,
        }
    }
}

/// Whose figures: a division (and every department in it) or one department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Scope {
    Division(DivisionCode),
    Department(i64),
}

impl Scope {
    /// Parses the query form: a division code (`440802`) or `department:<id>`.
    pub fn parse(field: &str, s: &str) -> Result<Scope, FieldError> {
        let s = s.trim();
        if let Some(id) = s.strip_prefix("department:") {
            return match id.trim().parse::<i64>() {
                Ok(id) if id > 0 => Ok(Scope::Department(id)),
                _ => Err(FieldError::new(
                    field,
                    "scope.format",
                    "范围应为行政区划代码或“department:部门编号”",
                    "A scope is a division code or department:<id>",
                )),
            };
        }
        DivisionCode::parse(s).map(Scope::Division).map_err(|_| {
            FieldError::new(
                field,
                "scope.format",
                "范围应为行政区划代码或“department:部门编号”",
                "A scope is a division code or department:<id>",
            )
        })
    }

    /// The query form ([`Scope::parse`] reads it back).
    pub fn as_param(&self) -> String {
        match self {
            Scope::Division(d) => d.as_str().to_string(),
            Scope::Department(id) => format!("department:{id}"),
        }
    }
}

/// A calendar month (`YYYY-MM` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    pub fn of(d: Date) -> Month {
        Month {
            year: d.year(),
            month: u8::from(d.month()),
        }
    }

    /// Parses `YYYY-MM`.
    pub fn parse(field: &str, s: &str) -> Result<Month, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                "month.format",
                "月份应为“年-月”格式，如 2026-11",
                "A month is written YYYY-MM, e.g. 2026-11",
            )
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn first(self) -> Date {
        let m = TimeMonth::try_from(self.month).unwrap_or(TimeMonth::January);
        Date::from_calendar_date(self.year, m, 1).unwrap_or(Date::MIN)
    }

    pub fn last(self) -> Date {
        self.next().first().previous_day().unwrap_or(Date::MIN)
    }

    pub fn next(self) -> Month {
        if self.month >= 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month <= 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// `YYYY-MM`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// A period of days (Asia/Shanghai).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Period {
    Day(Date),
    Month(i32, u8),
    Year(i32),
    Range { from: Date, to: Date },
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.label()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.as_param()
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.as_param()
    }
}

impl Period {
    /// Parses `YYYY-MM-DD` (a day), `YYYY-MM` (a month), `YYYY` (a year) or
    /// `YYYY-MM-DD..YYYY-MM-DD` (a range, at most 3 years).
    pub fn parse(field: &str, s: &str) -> Result<Period, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                "period.format",
                "期间应为日期（2026-11-05）、月份（2026-11）、年份（2026）或日期范围（2026-01-01..2026-03-31）",
                "A period is a day (2026-11-05), a month (2026-11), a year (2026) or a range (2026-01-01..2026-03-31)",
            )
        };
        let s = s.trim();
        let day = |t: &str| -> Result<Date, FieldError> {
            let f = time::macros::format_description!("[year]-[month]-[day]");
            Date::parse(t.trim(), &f).map_err(|_| bad())
        };
        if let Some((a, b)) = s.split_once("..") {
            let (from, to) = (day(a)?, day(b)?);
            if from > to || (to - from).whole_days() > 366 * 3 {
                return Err(FieldError::new(
                    field,
                    "period.range",
                    "日期范围的起始日不能晚于结束日，且跨度不超过三年",
                    "A range starts no later than it ends and spans at most three years",
                ));
            }
            return Ok(Period::Range { from, to });
        }
        match s.len() {
            10 => Ok(Period::Day(day(s)?)),
            7 => {
                let m = Month::parse(field, s)?;
                Ok(Period::Month(m.year, m.month))
            }
            4 => match s.parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => Ok(Period::Year(y)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    /// The first and last day.
    pub fn bounds(&self) -> (Date, Date) {
        match *self {
            Period::Day(d) => (d, d),
            Period::Month(y, m) => {
                let m = Month { year: y, month: m };
                (m.first(), m.last())
            }
            Period::Year(y) => (
                Month { year: y, month: 1 }.first(),
                Month { year: y, month: 12 }.last(),
            ),
            Period::Range { from, to } => (from, to),
        }
    }

    /// The query form ([`Period::parse`] reads it back).
    pub fn as_param(&self) -> String {
        let ymd = yiwang_kernel::clock::ymd;
        match *self {
            Period::Day(d) => ymd(d),
            Period::Month(y, m) => Month { year: y, month: m }.label(),
            Period::Year(y) => format!("{y:04}"),
            Period::Range { from, to } => format!("{}..{}", ymd(from), ymd(to)),
        }
    }
}

/// What the leader's screen asks for; defaults: the caller's reach, this month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenQuery {
    pub scope: Option<Scope>,
    pub month: Option<Month>,
}

/// One month of a KPI's trend.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    #[schema(value_type = String)]
    pub month: Month,
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<f64>,
}

/// A KPI's last twelve months (oldest first, the asked month last).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Trend {
    pub code: String,
    pub points: Vec<TrendPoint>,
}

/// The leader's one screen (一屏全览): every active KPI's figure for the scope and month, and
/// its trend.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Screen {
    /// A division code or `department:<id>`.
    #[schema(value_type = String)]
    pub scope: Scope,
    /// The scope's name (a division's or a department's).
    pub scope_name: String,
    /// `YYYY-MM`.
    #[schema(value_type = String)]
    pub month: Month,
    pub figures: Vec<Figure>,
    pub trends: Vec<Trend>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub as_of: Option<OffsetDateTime>,
}

/// A department's line in a league table (排名).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeagueRow {
    /// 1 for the best; departments without a value come last, unranked.
    pub rank: Option<u32>,
    pub department_id: i64,
    pub department_name: String,
    #[schema(value_type = String)]
    pub division: DivisionCode,
    pub figure: Figure,
}

/// A division's figure (the map).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DivisionRow {
    #[schema(value_type = String)]
    pub division: DivisionCode,
    pub division_name: String,
    pub figure: Figure,
}

/// One KPI on a department's scorecard with its rank among the departments of the division.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoreRow {
    pub figure: Figure,
    pub rank: Option<u32>,
    /// How many departments were ranked.
    pub ranked: u32,
}

/// A department's scorecard (考评): its KPIs for a month.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Scorecard {
    pub department_id: i64,
    pub department_name: String,
    #[schema(value_type = String)]
    pub division: DivisionCode,
    /// `YYYY-MM`.
    #[schema(value_type = String)]
    pub month: Month,
    pub rows: Vec<ScoreRow>,
}

/// One member behind a figure (a case, an item, a rating…) as the drill-down shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DrillMember {
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "ymd")]
    pub day: Date,
    pub department_id: i64,
    pub kind: String,
    pub reference: String,
    pub label: String,
    pub href: Option<String>,
    /// What it adds to the numerator.
    pub numerator: i64,
    /// What it adds to the denominator.
    pub denominator: i64,
}

impl DrillMember {
    pub fn from_fact(m: &FactMember, def: &KpiDef) -> DrillMember {
        let get = |code: Option<&str>| {
            code.and_then(|c| m.values.get(c).copied())
                .unwrap_or_default()
        };
        DrillMember {
            day: m.day,
            department_id: m.department_id,
            kind: m.kind.to_string(),
            reference: m.reference.clone(),
            label: m.label.clone(),
            href: m.href.clone(),
            numerator: get(Some(&def.numerator)),
            denominator: get(def.denominator.as_deref()),
        }
    }
}

/// A figure's drill-down (钻取): the figure (from the materialised facts, with its as-of), one
/// page of the members behind it, read live from the domains, and the sums over every member,
/// which reproduce the figure when nothing changed since `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Drill {
    pub figure: Figure,
    /// A division code or `department:<id>`.
    #[schema(value_type = String)]
    pub scope: Scope,
    /// A day, month (`YYYY-MM`), year or range (`FROM..TO`).
    #[schema(value_type = String)]
    pub period: Period,
    pub members: Vec<DrillMember>,
    /// Every member's count (all pages).
    pub total: i64,
    /// Σ numerator over every member.
    pub numerator_sum: i64,
    /// Σ denominator over every member.
    pub denominator_sum: i64,
    /// The value of the sums.
    pub value_of_sums: Option<f64>,
    /// When the members were read.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub read_at: OffsetDateTime,
}

/// A KPI definition as submitted (API body or form): raw text, validated by the service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct KpiDefInput {
    pub name_zh: String,
    pub name_en: String,
    pub numerator: String,
    pub denominator: Option<String>,
    /// `ratio`, `average` or `count`.
    pub kind: String,
    /// `up` or `down`.
    pub direction: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub target: Option<f64>,
    pub description: String,
    pub basis: String,
    pub active: bool,
    pub position: i64,
}

/// How much a refresh recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshMode {
    /// Sum measures from the last refreshed day minus the window (45 days by default, so late
    /// follow-ups and closures count) to today; Last measures for today.
    Incremental,
    /// Sum measures from `from` to today; Last measures for today.
    Full { from: Date },
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RefreshReport {
    pub id: i64,
    pub mode: String,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "ymd")]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "ymd")]
    pub to: Date,
    /// Day rows written.
    pub rows: i64,
    /// Months rolled up.
    pub months: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub finished_at: OffsetDateTime,
    /// How long each step took (each source's read and write, then the months), for the
    /// benchmark; not part of the API.
    #[serde(skip)]
    #[schema(ignore)]
    pub steps: Vec<RefreshStep>,
}

/// One step of a refresh: a source (its facts read and its day rows written) or the months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshStep {
    pub name: String,
    pub rows: i64,
    pub elapsed: std::time::Duration,
}

/// A measure as the definitions page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MeasureInfo {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// `sum` or `last`.
    pub aggregation: String,
}

impl From<&Measure> for MeasureInfo {
    fn from(m: &Measure) -> Self {
        MeasureInfo {
            code: m.code.to_string(),
            zh: m.zh.to_string(),
            en: m.en.to_string(),
            aggregation: match m.aggregation {
                Aggregation::Sum => "sum",
                Aggregation::Last => "last",
            }
            .to_string(),
        }
    }
}

/// Every measure the domains provide (the union of their `MEASURES`), for name lookups and
/// the validation of definitions.
pub fn measures() -> Vec<Measure> {
    crate::kpi::sources::all_measures()
}

/// The measure with this code.
pub fn measure(code: &str) -> Option<Measure> {
    measures().into_iter().find(|m| m.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_kind() {
        assert_eq!(value_of(Kind::Ratio, 1, 3), Some(33.33));
        assert_eq!(value_of(Kind::Ratio, 0, 0), None);
        assert_eq!(value_of(Kind::Average, 3, 2), Some(1.5));
        assert_eq!(value_of(Kind::Count, 7, 0), Some(7.0));
    }

    #[test]
    fn periods_and_months_parse_and_print() {
        for s in ["2026-11-05", "2026-11", "2026", "2026-01-01..2026-03-31"] {
            assert_eq!(Period::parse("period", s).unwrap().as_param(), s);
        }
        assert!(Period::parse("period", "2026-13").is_err());
        assert!(Period::parse("period", "2026-03-01..2026-01-01").is_err());
        let m = Month::parse("month", "2024-02").unwrap();
        assert_eq!(m.last(), time::macros::date!(2024 - 02 - 29));
        assert_eq!(m.previous().label(), "2024-01");
        assert_eq!(
            Month::parse("m", "2026-12").unwrap().next().label(),
            "2027-01"
        );
        assert_eq!(
            Scope::parse("scope", "department:7").unwrap(),
            Scope::Department(7)
        );
        assert_eq!(
            Scope::parse("scope", "440802").unwrap().as_param(),
            "440802"
        );
        assert!(Scope::parse("scope", "x").is_err());
    }
}
