//! The SQL shape of facts (指标事实, `yiwang_kernel::facts`) shared by every domain: a domain's
//! `repo` describes each *family* of members (the rows one table gives, the department column,
//! the instant that dates them, the value of each measure as an SQL expression) and this module
//! writes the queries: the values per day and department over a period (one grouped pass, see
//! below), and over one Asia/Shanghai day the number of members and a page of members. The
//! same text serves both backends.
//!
//! A day is bound, never computed in SQL: the family's instant is compared with the UTC bounds
//! of the day (`{start}`, `{end}`, an index range), and a measure may compare dates with the
//! day itself (`{day}`: concluded no later than its due date). A `Last` family (the state now)
//! has no instant and is read as it stands.
//!
//! A period is read in one grouped pass per family ([`range_values`]): the days are a bound
//! table (`WITH kpi_days(kn, kd, ks, ke, …) AS (VALUES …)`: each day's index, date, UTC bounds
//! and the family's own tokens), joined first (`CROSS JOIN`: SQLite walks the days in order
//! and reads each day's members by an index range on the instant), grouped by day and
//! department. The values are exactly those of the day-by-day query ([`day_values`]) — the
//! same bounds, the same `{day}` — for every day at once; a period longer than
//! [`DAYS_PER_PASS`] days takes one pass per slice.

use std::collections::BTreeMap;

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::facts::{FactMember, FactRow, MemberQuery, day_end, day_start};

use crate::{Conn, Sql, Value};

/// The most measures one family computes in one query.
pub const MAX_MEASURES: usize = 8;

/// The longest period (in days after the first) a drill-down reads, day by day.
pub const MAX_MEMBER_DAYS: i64 = 731;

/// The most days one grouped pass binds (each day binds 3 values and the family's tokens: well
/// inside SQLite's 32,766 and PostgreSQL's 65,535 parameters).
pub const DAYS_PER_PASS: usize = 1000;

/// One family of members: a table (with its joins) whose rows count in some measures.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The member kind (`case`, `rating`, `item` …).
    pub kind: &'static str,
    /// What follows `FROM` (a table and its joins; no placeholders).
    pub from: &'static str,
    /// The column dating a member (an event's instant); `None` for the state now.
    pub at: Option<&'static str>,
    /// The owning department's column.
    pub department: &'static str,
    /// What every member satisfies (SQL; may use `{day}`).
    pub base: &'static str,
    /// The member's reference and label (SQL text expressions) and a unique order.
    pub reference: &'static str,
    pub label: &'static str,
    pub order: &'static str,
    /// The staff page of a member, from its reference.
    pub href: fn(&str) -> Option<String>,
    /// Each measure's code and its value per member (SQL integer expression; may use `{day}`
    /// and the family's own tokens).
    pub measures: &'static [(&'static str, &'static str)],
    /// The family's own tokens (`{name}` in its SQL) and their values for a day.
    pub tokens: &'static [(&'static str, fn(Date) -> Value)],
}

impl Family {
    /// Whether this family computes `measure`.
    pub fn has(&self, measure: &str) -> bool {
        self.measures.iter().any(|(m, _)| *m == measure)
    }

    /// The measures of `wanted` this family computes, in its own order.
    pub fn wanted(&self, wanted: &[&str]) -> Vec<(&'static str, &'static str)> {
        self.measures
            .iter()
            .filter(|(m, _)| wanted.contains(m))
            .copied()
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct ValuesRow {
    department_id: i64,
    v0: i64,
    v1: i64,
    v2: i64,
    v3: i64,
    v4: i64,
    v5: i64,
    v6: i64,
    v7: i64,
}

#[derive(sqlx::FromRow)]
struct GroupedRow {
    kn: i64,
    department_id: i64,
    v0: i64,
    v1: i64,
    v2: i64,
    v3: i64,
    v4: i64,
    v5: i64,
    v6: i64,
    v7: i64,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    department_id: i64,
    reference: String,
    label: String,
    v0: i64,
    v1: i64,
    v2: i64,
    v3: i64,
    v4: i64,
    v5: i64,
    v6: i64,
    v7: i64,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

fn values(r: [i64; MAX_MEASURES], n: usize) -> impl Iterator<Item = (usize, i64)> {
    r.into_iter().enumerate().take(n)
}

/// Appends SQL text, binding `{start}`, `{end}` and `{day}` (each once, reused).
struct Render {
    sql: Sql,
    day: Date,
    tokens: &'static [(&'static str, fn(Date) -> Value)],
    bound: BTreeMap<&'static str, usize>,
}

impl Render {
    fn new(day: Date, f: &Family) -> Render {
        Render {
            sql: Sql::new(""),
            day,
            tokens: f.tokens,
            bound: BTreeMap::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        let mut rest = text;
        while let Some(i) = rest.find('{') {
            let (head, tail) = rest.split_at(i);
            self.sql.push(head);
            let own = self.tokens.iter().map(|(t, _)| *t);
            let token = ["{start}", "{end}", "{day}"]
                .into_iter()
                .chain(own)
                .find(|t| tail.starts_with(t));
            match token {
                Some(t) => {
                    let n = match self.bound.get(t) {
                        Some(n) => *n,
                        None => {
                            let v = match t {
                                "{start}" => Value::Time(day_start(self.day)),
                                "{end}" => Value::Time(day_end(self.day)),
                                "{day}" => Value::Date(self.day),
                                _ => self
                                    .tokens
                                    .iter()
                                    .find(|(name, _)| *name == t)
                                    .map(|(_, v)| v(self.day))
                                    .unwrap_or(Value::Null),
                            };
                            self.sql.args.push(v);
                            let n = self.sql.args.len();
                            self.bound.insert(t, n);
                            n
                        }
                    };
                    self.sql.push(&format!("${n}"));
                    rest = &tail[t.len()..];
                }
                None => {
                    self.sql.push("{");
                    rest = &tail[1..];
                }
            }
        }
        self.sql.push(rest);
        self
    }

    /// `FROM … WHERE base [AND at in the day] [AND department IN (…)] [AND (any of wanted)]`.
    fn filtered(
        &mut self,
        f: &Family,
        departments: Option<&[i64]>,
        any: Option<&[(&str, &str)]>,
    ) -> &mut Self {
        self.push(" FROM ")
            .push(f.from)
            .push(" WHERE (")
            .push(f.base);
        self.push(")");
        if let Some(at) = f.at {
            self.push(&format!(" AND {at} >= {{start}} AND {at} < {{end}}"));
        }
        if let Some(d) = departments {
            // Unary plus: the day range stays the index (SQLite would otherwise take a
            // department index and read every member the department ever had, per day).
            self.push(&format!(" AND +{} IN ", f.department));
            self.sql.list(d.iter().copied());
        }
        if let Some(any) = any {
            let cond: Vec<String> = any.iter().map(|(_, e)| format!("({e}) <> 0")).collect();
            self.push(" AND (").push(&cond.join(" OR ")).push(")");
        }
        self
    }
}

fn columns(r: &mut Render, measures: &[(&str, &str)], sum: bool) {
    for i in 0..MAX_MEASURES {
        match measures.get(i) {
            Some((_, e)) if sum => {
                r.push(&format!(", CAST(COALESCE(SUM({e}), 0) AS BIGINT) AS v{i}"));
            }
            Some((_, e)) => {
                r.push(&format!(", CAST(({e}) AS BIGINT) AS v{i}"));
            }
            None => {
                r.push(&format!(", CAST(0 AS BIGINT) AS v{i}"));
            }
        }
    }
}

fn too_many(f: &Family) -> Result<()> {
    if f.measures.len() > MAX_MEASURES {
        return Err(yiwang_kernel::Error::internal(format!(
            "facts family {} has more than {MAX_MEASURES} measures",
            f.kind
        )));
    }
    Ok(())
}

/// The values of the family's measures on `day` per department (`day` labels the rows; for a
/// `Last` family they are the state now).
pub async fn day_values(
    c: &mut impl Conn,
    f: &Family,
    day: Date,
    departments: Option<&[i64]>,
) -> Result<Vec<FactRow>> {
    too_many(f)?;
    let mut r = Render::new(day, f);
    r.push(&format!("SELECT {} AS department_id", f.department));
    columns(&mut r, f.measures, true);
    r.filtered(f, departments, None);
    r.push(&format!(" GROUP BY {}", f.department));
    let rows: Vec<ValuesRow> = c.fetch_all(&r.sql.text, &r.sql.args).await?;
    let mut out = Vec::new();
    for row in rows {
        let v = [
            row.v0, row.v1, row.v2, row.v3, row.v4, row.v5, row.v6, row.v7,
        ];
        for (i, value) in values(v, f.measures.len()) {
            if let Some((m, _)) = f.measures.get(i) {
                out.push(FactRow {
                    day,
                    department_id: row.department_id,
                    measure: m,
                    value,
                });
            }
        }
    }
    Ok(out)
}

/// How many members of the family count in any of `wanted` on `day`.
pub async fn day_count(
    c: &mut impl Conn,
    f: &Family,
    day: Date,
    wanted: &[&str],
    departments: Option<&[i64]>,
) -> Result<i64> {
    let ms = f.wanted(wanted);
    if ms.is_empty() {
        return Ok(0);
    }
    let mut r = Render::new(day, f);
    r.push("SELECT COUNT(*) AS n");
    r.filtered(f, departments, Some(&ms));
    let row: CountRow = c.fetch_one(&r.sql.text, &r.sql.args).await?;
    Ok(row.n)
}

/// A page of the family's members counting in any of `wanted` on `day`, each with its value of
/// each wanted measure.
pub async fn day_members(
    c: &mut impl Conn,
    f: &Family,
    day: Date,
    wanted: &[&str],
    departments: Option<&[i64]>,
    offset: i64,
    limit: i64,
) -> Result<Vec<FactMember>> {
    too_many(f)?;
    let ms = f.wanted(wanted);
    if ms.is_empty() {
        return Ok(Vec::new());
    }
    let mut r = Render::new(day, f);
    r.push(&format!(
        "SELECT {} AS department_id, {} AS reference, {} AS label",
        f.department, f.reference, f.label
    ));
    columns(&mut r, &ms, false);
    r.filtered(f, departments, Some(&ms));
    r.push(&format!(" ORDER BY {} LIMIT ", f.order));
    r.sql.bind(limit.max(0));
    r.push(" OFFSET ");
    r.sql.bind(offset.max(0));
    let rows: Vec<MemberRow> = c.fetch_all(&r.sql.text, &r.sql.args).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let v = [
                row.v0, row.v1, row.v2, row.v3, row.v4, row.v5, row.v6, row.v7,
            ];
            let values = values(v, ms.len())
                .filter_map(|(i, value)| ms.get(i).map(|(m, _)| (*m, value)))
                .collect();
            FactMember {
                day,
                department_id: row.department_id,
                kind: f.kind,
                href: (f.href)(&row.reference),
                reference: row.reference,
                label: row.label,
                values,
            }
        })
        .collect())
}

/// `text` with the day tokens (`{start}`, `{end}`, `{day}`) and the family's own tokens
/// replaced by the columns of the bound day table (`kpi_days`).
fn day_columns(text: &str, f: &Family) -> String {
    let mut out = text
        .replace("{start}", "kpi_days.ks")
        .replace("{end}", "kpi_days.ke")
        .replace("{day}", "kpi_days.kd");
    for (i, (t, _)) in f.tokens.iter().enumerate() {
        out = out.replace(t, &format!("kpi_days.kt{i}"));
    }
    out
}

/// `WITH kpi_days(…) AS (VALUES …)`: for each of `days`, its index in the pass, its date, its
/// UTC bounds and the family's own tokens.
fn days_table(f: &Family, days: &[Date]) -> Sql {
    let mut cols = String::from("kn, kd, ks, ke");
    for i in 0..f.tokens.len() {
        cols.push_str(&format!(", kt{i}"));
    }
    let mut q = Sql::new(&format!("WITH kpi_days({cols}) AS (VALUES "));
    for (n, day) in days.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.push("(")
            .bind(i64::try_from(n).unwrap_or(i64::MAX))
            .push(", ")
            .bind(*day)
            .push(", ")
            .bind(day_start(*day))
            .push(", ")
            .bind(day_end(*day));
        for (_, v) in f.tokens {
            q.push(", ").bind(v(*day));
        }
        q.push(")");
    }
    q.push(") ");
    q
}

/// ` FROM kpi_days CROSS JOIN … WHERE` each member within its day, the family's base, the
/// department filter and (for members) any of the wanted measures.
fn pass_from(
    q: &mut Sql,
    f: &Family,
    at: &str,
    departments: Option<&[i64]>,
    any: Option<&[(&str, &str)]>,
) {
    q.push(&format!(
        " FROM kpi_days CROSS JOIN {} WHERE {at} >= kpi_days.ks AND {at} < kpi_days.ke AND ({})",
        f.from,
        day_columns(f.base, f)
    ));
    if let Some(d) = departments {
        // Unary plus: the day range stays the index (as in the day-by-day query).
        q.push(&format!(" AND +{} IN ", f.department));
        q.list(d.iter().copied());
    }
    if let Some(any) = any {
        let cond: Vec<String> = any
            .iter()
            .map(|(_, e)| format!("({}) <> 0", day_columns(e, f)))
            .collect();
        q.push(" AND (").push(&cond.join(" OR ")).push(")");
    }
}

/// The day of a pass's row.
fn pass_day<'d>(f: &Family, days: &'d [Date], kn: i64) -> Result<&'d Date> {
    usize::try_from(kn)
        .ok()
        .and_then(|n| days.get(n))
        .ok_or_else(|| {
            yiwang_kernel::Error::internal(format!(
                "facts family {}: a day index {kn} outside the pass",
                f.kind
            ))
        })
}

/// The values of an event family's measures for every day of `days` (consecutive) per
/// department, in one grouped query (see the module's documentation).
async fn pass_values(
    c: &mut impl Conn,
    f: &Family,
    at: &str,
    days: &[Date],
    departments: Option<&[i64]>,
) -> Result<Vec<FactRow>> {
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = days_table(f, days);
    q.push(&format!(
        "SELECT kpi_days.kn AS kn, {} AS department_id",
        f.department
    ));
    for i in 0..MAX_MEASURES {
        match f.measures.get(i) {
            Some((_, e)) => q.push(&format!(
                ", CAST(COALESCE(SUM({}), 0) AS BIGINT) AS v{i}",
                day_columns(e, f)
            )),
            None => q.push(&format!(", CAST(0 AS BIGINT) AS v{i}")),
        };
    }
    pass_from(&mut q, f, at, departments, None);
    q.push(&format!(" GROUP BY kpi_days.kn, {}", f.department));
    let rows: Vec<GroupedRow> = c.fetch_all(&q.text, &q.args).await?;
    let mut out = Vec::new();
    for row in rows {
        let day = pass_day(f, days, row.kn)?;
        let v = [
            row.v0, row.v1, row.v2, row.v3, row.v4, row.v5, row.v6, row.v7,
        ];
        for (i, value) in values(v, f.measures.len()) {
            if let Some((m, _)) = f.measures.get(i) {
                out.push(FactRow {
                    day: *day,
                    department_id: row.department_id,
                    measure: m,
                    value,
                });
            }
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct DayCount {
    kn: i64,
    n: i64,
}

/// How many members of an event family count in any of `ms` on each day of `days` that has
/// some, in one grouped query.
async fn pass_counts(
    c: &mut impl Conn,
    f: &Family,
    at: &str,
    days: &[Date],
    ms: &[(&str, &str)],
    departments: Option<&[i64]>,
) -> Result<Vec<(Date, i64)>> {
    if days.is_empty() || ms.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = days_table(f, days);
    q.push("SELECT kpi_days.kn AS kn, CAST(COUNT(*) AS BIGINT) AS n");
    pass_from(&mut q, f, at, departments, Some(ms));
    q.push(" GROUP BY kpi_days.kn ORDER BY kpi_days.kn");
    let rows: Vec<DayCount> = c.fetch_all(&q.text, &q.args).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((*pass_day(f, days, r.kn)?, r.n));
    }
    Ok(out)
}

/// The values of the family's measures per day and department over `[from, to]`: an event
/// family in one grouped pass (per [`DAYS_PER_PASS`] days), a state family on `to` (the state
/// now). Equal to [`day_values`] for each day.
pub async fn range_values(
    c: &mut impl Conn,
    f: &Family,
    from: Date,
    to: Date,
    departments: Option<&[i64]>,
) -> Result<Vec<FactRow>> {
    too_many(f)?;
    if departments.is_some_and(|d| d.is_empty()) || to < from {
        return Ok(Vec::new());
    }
    let Some(at) = f.at else {
        return day_values(c, f, to, departments).await;
    };
    let days: Vec<Date> = yiwang_kernel::facts::days(from, to).collect();
    let mut out = Vec::new();
    for slice in days.chunks(DAYS_PER_PASS) {
        out.extend(pass_values(c, f, at, slice, departments).await?);
    }
    Ok(out)
}

/// Every fact of `families` over `[from, to]`: event families in one grouped pass each, state
/// families (no instant) on `to` only.
pub async fn facts(
    c: &mut impl Conn,
    families: &[Family],
    from: Date,
    to: Date,
    departments: Option<&[i64]>,
) -> Result<Vec<FactRow>> {
    let mut out = Vec::new();
    if departments.is_some_and(|d| d.is_empty()) || to < from {
        return Ok(out);
    }
    for f in families {
        out.extend(range_values(c, f, from, to, departments).await?);
    }
    Ok(out)
}

/// The members of `families` counting in any of `q.measures` over `[q.from, q.to]` (event
/// families day by day — the days with members and their counts found in one grouped pass —
/// then state families on `to`), one page, and their total;
/// `departments` is the reach already resolved (`q.departments` narrowed by the caller's).
pub async fn members(
    c: &mut impl Conn,
    families: &[Family],
    q: &MemberQuery,
    departments: Option<&[i64]>,
) -> Result<(Vec<FactMember>, i64)> {
    let (wanted, from, to) = (&q.measures[..], q.from, q.to);
    if (to - from).whole_days() > MAX_MEMBER_DAYS {
        return Err(yiwang_kernel::Error::field(yiwang_kernel::FieldError::new(
            "to",
            "period.range",
            "明细查询期间最长 732 天",
            "A drill-down covers at most 732 days",
        )));
    }
    if departments.is_some_and(|d| d.is_empty()) || to < from {
        return Ok((Vec::new(), 0));
    }
    // Every (family, day) slice with members, in order, and its count.
    let mut slices: Vec<(&Family, Date)> = Vec::new();
    let mut totals = Vec::new();
    for f in families.iter().filter(|f| !f.wanted(wanted).is_empty()) {
        match f.at {
            // Every day's count in one grouped pass (per DAYS_PER_PASS days).
            Some(at) => {
                let days: Vec<Date> = yiwang_kernel::facts::days(from, to).collect();
                let ms = f.wanted(wanted);
                for slice in days.chunks(DAYS_PER_PASS) {
                    for (day, n) in pass_counts(c, f, at, slice, &ms, departments).await? {
                        if n > 0 {
                            slices.push((f, day));
                            totals.push(n);
                        }
                    }
                }
            }
            None => {
                let n = day_count(c, f, to, wanted, departments).await?;
                if n > 0 {
                    slices.push((f, to));
                    totals.push(n);
                }
            }
        }
    }
    let total = totals.iter().sum();
    let mut out = Vec::new();
    for (i, off, lim) in yiwang_kernel::facts::page_over(&totals, q.offset, q.limit) {
        if let Some((f, day)) = slices.get(i) {
            out.extend(day_members(c, f, *day, wanted, departments, off, lim).await?);
        }
    }
    Ok((out, total))
}

/// What the domains' fact tests share (`crates/<domain>/tests/kpi_facts.rs`): the invariant
/// that the members' values over a period add up to the facts of the period.
pub mod testing {
    use std::collections::BTreeMap;
    use std::future::Future;

    use time::Date;
    use yiwang_kernel::facts::{FactMember, FactRow, MemberQuery};
    use yiwang_kernel::{Error, Result};

    /// The facts summed per measure.
    pub fn sums(rows: &[FactRow]) -> BTreeMap<&'static str, i64> {
        let mut out = BTreeMap::new();
        for r in rows {
            *out.entry(r.measure).or_insert(0) += r.value;
        }
        out
    }

    /// The members of `measures` over `[from, to]` read by `read` three at a time (so paging
    /// across days and families is exercised), summed per measure. An error when a member lies
    /// outside the period or a page comes back short before the total.
    pub async fn member_sums<F, Fut>(
        read: F,
        measures: &[&'static str],
        departments: Option<Vec<i64>>,
        from: Date,
        to: Date,
    ) -> Result<BTreeMap<&'static str, i64>>
    where
        F: Fn(MemberQuery) -> Fut,
        Fut: Future<Output = Result<(Vec<FactMember>, i64)>>,
    {
        const PAGE: i64 = 3;
        let mut out = BTreeMap::new();
        let mut offset = 0;
        loop {
            let q = MemberQuery {
                measures: measures.to_vec(),
                departments: departments.clone(),
                from,
                to,
                limit: PAGE,
                offset,
            };
            let (page, total) = read(q).await?;
            for m in &page {
                if m.day < from || m.day > to {
                    return Err(Error::internal(format!(
                        "member {} on {} outside [{from}, {to}]",
                        m.reference, m.day
                    )));
                }
                for (k, v) in &m.values {
                    *out.entry(*k).or_insert(0) += v;
                }
            }
            offset += PAGE;
            if offset >= total {
                break;
            }
            if i64::try_from(page.len()).unwrap_or(0) != PAGE {
                return Err(Error::internal(format!(
                    "a short page ({} members) at offset {} of {total}",
                    page.len(),
                    offset - PAGE
                )));
            }
        }
        Ok(out)
    }
}
