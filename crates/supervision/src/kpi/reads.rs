//! Reading the figures (`supervision.view`, within the reader's reach; reads are not audited,
//! refusals are): the leader's screen, league tables, the division map, a department's
//! scorecard, the drill-down and the claim progress of a department head's start page.

use std::collections::{BTreeMap, HashMap};

use time::{Date, OffsetDateTime};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, MemberQuery};
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, Result};
use yiwang_org::repo::DepartmentFilter;

use super::model::{
    DivisionRow, Drill, DrillMember, Figure, KpiDef, LeagueRow, Month, Period, Scope, ScoreRow,
    Scorecard, Screen, ScreenQuery, Trend, TrendPoint, measure,
};
use super::repo::{self, Group, SumRow};
use super::sources::FactSource;
use crate::SupervisionService;

/// Sums per group key, per measure.
type Sums = HashMap<String, HashMap<String, i64>>;

/// A drill-down adds its members up over every page while there are at most this many; above
/// it the sums come from the domains' facts for the same period (equal by the domains' tested
/// invariant), so a huge period stays cheap.
const DRILL_SUM_CAP: i64 = 50_000;

fn collect(rows: Vec<SumRow>) -> Sums {
    let mut out: Sums = HashMap::new();
    for r in rows {
        *out.entry(r.grp).or_default().entry(r.measure).or_default() += r.total;
    }
    out
}

fn part(sums: Option<&HashMap<String, i64>>, code: Option<&str>) -> i64 {
    match (sums, code) {
        (Some(s), Some(c)) => s.get(c).copied().unwrap_or(0),
        _ => 0,
    }
}

/// Ranks `(key, value)` by `def`'s direction: 1 for the best, equal values share a rank,
/// no value no rank.
fn ranks(def: &KpiDef, values: &[(i64, Option<f64>)]) -> HashMap<i64, u32> {
    let mut valued: Vec<(i64, f64)> = values
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    valued.sort_by(|a, b| {
        let o = a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal);
        match def.direction {
            super::model::Direction::Up => o.reverse(),
            super::model::Direction::Down => o,
        }
        .then(a.0.cmp(&b.0))
    });
    let mut out = HashMap::new();
    let mut last: Option<(f64, u32)> = None;
    for (i, (k, v)) in valued.iter().enumerate() {
        let pos = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let rank = match last {
            Some((lv, lr)) if lv == *v => lr,
            _ => pos,
        };
        last = Some((*v, rank));
        out.insert(*k, rank);
    }
    out
}

impl SupervisionService {
    /// The definitions the reads show: active ones, in order.
    async fn active_defs(&self) -> Result<Vec<KpiDef>> {
        let mut c = self.db.clone();
        Ok(repo::definitions(&mut c)
            .await?
            .into_iter()
            .filter(|d| d.active)
            .collect())
    }

    async fn def_by_code(&self, code: &str) -> Result<KpiDef> {
        let mut c = self.db.clone();
        repo::definition(&mut c, code.trim())
            .await?
            .ok_or_else(Error::not_found)
    }

    /// The sums of `measures` over `[from, to]` in `scope`, grouped: Sum measures add their
    /// days up, Last measures take the latest refreshed day in the period. A whole month reads
    /// the month table.
    async fn period_sums(
        &self,
        measures: &[&str],
        from: Date,
        to: Date,
        scope: &Scope,
        group: Group,
    ) -> Result<Sums> {
        let mut c = self.db.clone();
        let m = Month::of(from);
        if from == m.first() && to == m.last() {
            let rows = repo::month_sums(&mut c, measures, from, from, scope, group).await?;
            return Ok(collect(rows));
        }
        let (lasts, sums): (Vec<&str>, Vec<&str>) = measures
            .iter()
            .partition(|code| measure(code).map(|m| m.aggregation) == Some(Aggregation::Last));
        let mut rows = repo::day_sums(&mut c, &sums, from, to, scope, group).await?;
        for (code, day) in repo::last_days(&mut c, &lasts, from, to).await? {
            rows.extend(repo::day_sums(&mut c, &[code.as_str()], day, day, scope, group).await?);
        }
        Ok(collect(rows))
    }

    fn figure(
        &self,
        def: &KpiDef,
        sums: Option<&HashMap<String, i64>>,
        as_of: Option<OffsetDateTime>,
    ) -> Figure {
        Figure::new(
            def,
            part(sums, Some(&def.numerator)),
            part(sums, def.denominator.as_deref()),
            as_of,
        )
    }

    fn measures_of(defs: &[KpiDef]) -> Vec<&str> {
        let mut v: Vec<&str> = defs.iter().flat_map(|d| d.measures()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn scope_name(&self, scope: &Scope, departments: &HashMap<i64, String>) -> String {
        match scope {
            Scope::Division(d) => yiwang_org::registry().display_name(d.as_str()),
            Scope::Department(id) => departments.get(id).cloned().unwrap_or_default(),
        }
    }

    /// The leader's one screen (一屏全览): every active KPI for the scope and month (default:
    /// the reader's reach, this month) with its last twelve months.
    pub async fn screen(&self, ctx: &Ctx, q: ScreenQuery) -> Result<Screen> {
        let scope = self.kpi_scope(ctx, q.scope).await?;
        let month = q.month.unwrap_or_else(|| Month::of(self.clock.today()));
        let defs = self.active_defs().await?;
        let measures = Self::measures_of(&defs);
        let mut first = month;
        for _ in 0..11 {
            first = first.previous();
        }
        let mut c = self.db.clone();
        let rows = repo::month_sums(
            &mut c,
            &measures,
            first.first(),
            month.first(),
            &scope,
            Group::Whole,
        )
        .await?;
        let mut by_month: BTreeMap<Month, HashMap<String, i64>> = BTreeMap::new();
        for r in rows {
            *by_month
                .entry(Month::of(r.at))
                .or_default()
                .entry(r.measure)
                .or_default() += r.total;
        }
        let as_of = self.kpi_as_of().await?;
        let figures = defs
            .iter()
            .map(|d| self.figure(d, by_month.get(&month), as_of))
            .collect();
        let trends = defs
            .iter()
            .map(|d| {
                let mut points = Vec::with_capacity(12);
                let mut m = first;
                while m <= month {
                    let s = by_month.get(&m);
                    let f = self.figure(d, s, None);
                    points.push(TrendPoint {
                        month: m,
                        numerator: f.numerator,
                        denominator: f.denominator,
                        value: f.value,
                    });
                    m = m.next();
                }
                Trend {
                    code: d.code.clone(),
                    points,
                }
            })
            .collect();
        let names = match &scope {
            Scope::Department(id) => self.department_names(&[*id]).await?,
            Scope::Division(_) => HashMap::new(),
        };
        Ok(Screen {
            scope_name: self.scope_name(&scope, &names),
            scope,
            month,
            figures,
            trends,
            as_of,
        })
    }

    async fn department_names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut c = self.db.clone();
        let mut out = HashMap::new();
        for id in ids {
            if let Some(d) = yiwang_org::service::department_in(&mut c, *id).await? {
                out.insert(*id, d.name);
            }
        }
        Ok(out)
    }

    /// The departments of a scope with their names and divisions (all the division's
    /// departments, with or without figures).
    pub(crate) async fn scope_departments(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(i64, String, yiwang_kernel::codes::DivisionCode)>> {
        let mut c = self.db.clone();
        Ok(match scope {
            Scope::Division(d) => yiwang_org::service::departments_in(
                &mut c,
                &DepartmentFilter {
                    division: Some(d.clone()),
                    ..Default::default()
                },
            )
            .await?
            .into_iter()
            .map(|d| (d.id, d.name, d.division_code))
            .collect(),
            Scope::Department(id) => yiwang_org::service::department_in(&mut c, *id)
                .await?
                .map(|d| vec![(d.id, d.name, d.division_code)])
                .unwrap_or_default(),
        })
    }

    /// League table (排名) of one KPI for a month: the departments of the scope ranked by the
    /// KPI's direction, unranked ones (nothing below the line) last.
    pub async fn league(
        &self,
        ctx: &Ctx,
        kpi: &str,
        month: Month,
        scope: Option<Scope>,
    ) -> Result<Vec<LeagueRow>> {
        let scope = self.kpi_scope(ctx, scope).await?;
        let def = self.def_by_code(kpi).await?;
        self.league_unchecked(&def, month, &scope).await
    }

    async fn league_unchecked(
        &self,
        def: &KpiDef,
        month: Month,
        scope: &Scope,
    ) -> Result<Vec<LeagueRow>> {
        let measures = def.measures();
        let sums = self
            .period_sums(
                &measures,
                month.first(),
                month.last(),
                scope,
                Group::Department,
            )
            .await?;
        let as_of = self.kpi_as_of().await?;
        let depts = self.scope_departments(scope).await?;
        let figures: Vec<(i64, String, yiwang_kernel::codes::DivisionCode, Figure)> = depts
            .into_iter()
            .map(|(id, name, div)| {
                let f = self.figure(def, sums.get(&id.to_string()), as_of);
                (id, name, div, f)
            })
            .collect();
        let values: Vec<(i64, Option<f64>)> =
            figures.iter().map(|(id, _, _, f)| (*id, f.value)).collect();
        let ranked = ranks(def, &values);
        let mut rows: Vec<LeagueRow> = figures
            .into_iter()
            .map(|(id, name, division, figure)| LeagueRow {
                rank: ranked.get(&id).copied(),
                department_id: id,
                department_name: name,
                division,
                figure,
            })
            .collect();
        rows.sort_by_key(|r| (r.rank.unwrap_or(u32::MAX), r.department_id));
        Ok(rows)
    }

    /// One KPI per division within the scope (the map): the divisions whose departments have
    /// figures, by code.
    pub async fn by_division(
        &self,
        ctx: &Ctx,
        kpi: &str,
        month: Month,
        scope: Option<Scope>,
    ) -> Result<Vec<DivisionRow>> {
        let scope = self.kpi_scope(ctx, scope).await?;
        let def = self.def_by_code(kpi).await?;
        let sums = self
            .period_sums(
                &def.measures(),
                month.first(),
                month.last(),
                &scope,
                Group::Division,
            )
            .await?;
        let as_of = self.kpi_as_of().await?;
        let reg = yiwang_org::registry();
        let mut rows: Vec<DivisionRow> = sums
            .iter()
            .filter_map(|(code, s)| {
                let division = yiwang_kernel::codes::DivisionCode::parse(code).ok()?;
                Some(DivisionRow {
                    division_name: reg.display_name(division.as_str()),
                    division,
                    figure: self.figure(&def, Some(s), as_of),
                })
            })
            .collect();
        rows.sort_by(|a, b| a.division.cmp(&b.division));
        Ok(rows)
    }

    /// A department's scorecard (考评) for a month: each active KPI with the department's rank
    /// among the departments of the home division (or of its own division when outside it).
    pub async fn scorecard(
        &self,
        ctx: &Ctx,
        department_id: i64,
        month: Month,
    ) -> Result<Scorecard> {
        let scope = self
            .kpi_scope(ctx, Some(Scope::Department(department_id)))
            .await?;
        let mut c = self.db.clone();
        let dept = yiwang_org::service::department_in(&mut c, department_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let field = if dept.division_code.within(&self.home_division) {
            Scope::Division(self.home_division.clone())
        } else {
            Scope::Division(dept.division_code.clone())
        };
        let mut rows = Vec::new();
        for def in self.active_defs().await? {
            let league = self.league_unchecked(&def, month, &field).await?;
            let ranked = u32::try_from(league.iter().filter(|r| r.rank.is_some()).count())
                .unwrap_or(u32::MAX);
            let mine = league
                .into_iter()
                .find(|r| r.department_id == department_id);
            let (figure, rank) = match mine {
                Some(r) => (r.figure, r.rank),
                None => {
                    let sums = self
                        .period_sums(
                            &def.measures(),
                            month.first(),
                            month.last(),
                            &scope,
                            Group::Whole,
                        )
                        .await?;
                    (
                        self.figure(&def, sums.get(""), self.kpi_as_of().await?),
                        None,
                    )
                }
            };
            rows.push(ScoreRow {
                figure,
                rank,
                ranked,
            });
        }
        Ok(Scorecard {
            department_id,
            department_name: dept.name,
            division: dept.division_code,
            month,
            rows,
        })
    }

    /// The claim progress (认领进度) of the reader's reach (a department head: their
    /// department) as it stood at the last refresh.
    pub async fn claim_progress(&self, ctx: &Ctx) -> Result<Figure> {
        let scope = self.kpi_scope(ctx, None).await?;
        let def = self.def_by_code("claim_progress").await?;
        let today = self.clock.today();
        let m = Month::of(today);
        let sums = self
            .period_sums(&def.measures(), m.first(), m.last(), &scope, Group::Whole)
            .await?;
        Ok(self.figure(&def, sums.get(""), self.kpi_as_of().await?))
    }

    /// A figure's drill-down (钻取): the figure for the scope and period from the materialised
    /// facts, one page of its members read live from the domains, and the sums over every
    /// member.
    pub async fn drill(
        &self,
        ctx: &Ctx,
        kpi: &str,
        scope: Option<Scope>,
        period: Period,
        page: Page,
    ) -> Result<Drill> {
        let scope = self.kpi_scope(ctx, scope).await?;
        let def = self.def_by_code(kpi).await?;
        let sources = self.sources.fact_sources();
        let refs: Vec<&dyn FactSource> = sources.iter().map(|s| s.as_ref()).collect();
        self.drill_with(&def, scope, period, page, &refs).await
    }

    /// [`SupervisionService::drill`] over the given sources, the reader already checked.
    pub async fn drill_with(
        &self,
        def: &KpiDef,
        scope: Scope,
        period: Period,
        page: Page,
        sources: &[&dyn FactSource],
    ) -> Result<Drill> {
        let (from, to) = period.bounds();
        let sums = self
            .period_sums(&def.measures(), from, to, &scope, Group::Whole)
            .await?;
        let figure = self.figure(def, sums.get(""), self.kpi_as_of().await?);
        let departments: Vec<i64> = self
            .scope_departments(&scope)
            .await?
            .into_iter()
            .map(|d| d.0)
            .collect();
        let wanted = def.measures();
        let relevant: Vec<(&dyn FactSource, Vec<&'static str>)> = sources
            .iter()
            .filter_map(|s| {
                let codes: Vec<&'static str> = s
                    .measures()
                    .iter()
                    .map(|m| m.code)
                    .filter(|c| wanted.contains(c))
                    .collect();
                (!codes.is_empty()).then_some((*s, codes))
            })
            .collect();
        let sys = Ctx::system("kpi");
        let query = |codes: &[&'static str], limit: i64, offset: i64| MemberQuery {
            measures: codes.to_vec(),
            departments: Some(departments.clone()),
            from,
            to,
            limit,
            offset,
        };
        // The page, across the sources in order.
        let mut members: Vec<FactMember> = Vec::new();
        let mut skip = page.offset();
        let mut want = page.limit();
        let mut totals: Vec<i64> = Vec::with_capacity(relevant.len());
        for (src, codes) in &relevant {
            let q = query(codes, want.max(1), skip);
            let (got, total) = src.members(&sys, &q).await?;
            if want > 0 && skip < total {
                let n = usize::try_from(want).unwrap_or(usize::MAX);
                members.extend(got.into_iter().take(n));
            }
            let taken = i64::try_from(members.len()).unwrap_or(0);
            want = (page.limit() - taken).max(0);
            skip = (skip - total).max(0);
            totals.push(total);
        }
        let total: i64 = totals.iter().sum();
        // The sums over every member.
        let (mut num, mut den) = (0i64, 0i64);
        if total <= DRILL_SUM_CAP {
            for ((src, codes), t) in relevant.iter().zip(&totals) {
                let mut offset = 0;
                while offset < *t {
                    let (got, _) = src.members(&sys, &query(codes, 1000, offset)).await?;
                    if got.is_empty() {
                        break;
                    }
                    offset += i64::try_from(got.len()).unwrap_or(1000);
                    for m in &got {
                        let d = DrillMember::from_fact(m, def);
                        num += d.numerator;
                        den += d.denominator;
                    }
                }
            }
        } else {
            for (src, _) in &relevant {
                for r in src.facts(&sys, from, to).await? {
                    if departments.contains(&r.department_id) {
                        if r.measure == def.numerator {
                            num += r.value;
                        }
                        if Some(r.measure) == def.denominator.as_deref() {
                            den += r.value;
                        }
                    }
                }
            }
        }
        Ok(Drill {
            members: members
                .iter()
                .map(|m| DrillMember::from_fact(m, def))
                .collect(),
            value_of_sums: def.value(num, den),
            figure,
            scope,
            period,
            total,
            numerator_sum: num,
            denominator_sum: if def.denominator.is_some() { den } else { 0 },
            read_at: self.clock.now(),
        })
    }
}
