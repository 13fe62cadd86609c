//! SQL of the KPIs (migration 0029): `kpi_definitions`, `kpi_facts`, `kpi_month`,
//! `kpi_refreshes`. One SQL text per query for both backends; only this module touches these
//! tables.

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, Value, args};

use super::model::{Direction, Kind, KpiDef, Scope};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DefRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub numerator: String,
    pub denominator: Option<String>,
    pub kind: String,
    pub direction: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub target: Option<f64>,
    pub description: String,
    pub basis: String,
    pub active: bool,
    pub position: i64,
}

impl DefRow {
    pub fn into_def(self) -> KpiDef {
        KpiDef {
            kind: Kind::parse(&self.kind).unwrap_or(Kind::Count),
            direction: Direction::parse(&self.direction).unwrap_or(Direction::Up),
            code: self.code,
            name_zh: self.name_zh,
            name_en: self.name_en,
            numerator: self.numerator,
            denominator: self.denominator,
            unit_zh: self.unit_zh,
            unit_en: self.unit_en,
            target: self.target,
            description: self.description,
            basis: self.basis,
            active: self.active,
            position: self.position,
        }
    }
}

const DEF_COLS: &str = "code, name_zh, name_en, numerator, denominator, kind, direction, \
     unit_zh, unit_en, target, description, basis, active, position";

pub async fn definitions(c: &mut impl Conn) -> Result<Vec<KpiDef>> {
    let rows: Vec<DefRow> = c
        .fetch_all(
            &format!("SELECT {DEF_COLS} FROM kpi_definitions ORDER BY position, code"),
            args![],
        )
        .await?;
    Ok(rows.into_iter().map(DefRow::into_def).collect())
}

pub async fn definition(c: &mut impl Conn, code: &str) -> Result<Option<KpiDef>> {
    let row: Option<DefRow> = c
        .fetch_optional(
            &format!("SELECT {DEF_COLS} FROM kpi_definitions WHERE code = $1"),
            args![code],
        )
        .await?;
    Ok(row.map(DefRow::into_def))
}

/// Inserts or replaces the definition `d.code`.
pub async fn save_definition(
    c: &mut impl Conn,
    d: &KpiDef,
    by: &str,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO kpi_definitions (code, name_zh, name_en, numerator, denominator, kind, \
         direction, unit_zh, unit_en, target, description, basis, active, position, updated_by, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (code) DO UPDATE SET name_zh = $2, name_en = $3, numerator = $4, \
         denominator = $5, kind = $6, direction = $7, unit_zh = $8, unit_en = $9, target = $10, \
         description = $11, basis = $12, active = $13, position = $14, updated_by = $15, \
         updated_at = $16",
        args![
            &d.code,
            &d.name_zh,
            &d.name_en,
            &d.numerator,
            d.denominator.as_deref(),
            d.kind.as_str(),
            d.direction.as_str(),
            &d.unit_zh,
            &d.unit_en,
            d.target,
            &d.description,
            &d.basis,
            d.active,
            d.position,
            by,
            at
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RefreshRow {
    pub id: i64,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub from_day: Date,
    pub to_day: Date,
    pub rows_written: i64,
    pub mode: String,
    pub status: String,
}

/// The last refresh that finished.
pub async fn last_done(c: &mut impl Conn) -> Result<Option<RefreshRow>> {
    c.fetch_optional(
        "SELECT id, started_at, finished_at, from_day, to_day, rows_written, mode, status \
         FROM kpi_refreshes WHERE status = $1 ORDER BY id DESC LIMIT 1",
        args!["done"],
    )
    .await
}

pub async fn start_refresh(
    c: &mut impl Conn,
    at: OffsetDateTime,
    from: Date,
    to: Date,
    mode: &str,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO kpi_refreshes (started_at, from_day, to_day, rows_written, mode, status) \
             VALUES ($1, $2, $3, 0, $4, $5) RETURNING id",
            args![at, from, to, mode, "running"],
        )
        .await?;
    Ok(id)
}

pub async fn finish_refresh(
    c: &mut impl Conn,
    id: i64,
    at: OffsetDateTime,
    rows: i64,
    status: &str,
    error: &str,
) -> Result<()> {
    c.execute(
        "UPDATE kpi_refreshes SET finished_at = $1, rows_written = $2, status = $3, error = $4 \
         WHERE id = $5",
        args![at, rows, status, error, id],
    )
    .await?;
    Ok(())
}

/// Deletes the day rows of `measures` in `[from, to]`.
pub async fn delete_facts(
    c: &mut impl Conn,
    measures: &[&str],
    from: Date,
    to: Date,
) -> Result<u64> {
    if measures.is_empty() {
        return Ok(0);
    }
    let mut q = Sql::new("DELETE FROM kpi_facts WHERE day >= ");
    q.bind(from)
        .push(" AND day <= ")
        .bind(to)
        .push(" AND measure IN ");
    q.list(measures.iter().copied());
    c.execute(&q.text, &q.args).await
}

/// One day row to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactOut<'a> {
    pub day: Date,
    pub measure: &'a str,
    pub department_id: i64,
    pub division_code: &'a str,
    pub value: i64,
}

/// Writes day rows (replacing any with the same key), a few hundred per statement.
pub async fn insert_facts(c: &mut impl Conn, rows: &[FactOut<'_>]) -> Result<()> {
    for chunk in rows.chunks(400) {
        let mut q = Sql::new(
            "INSERT INTO kpi_facts (day, measure, department_id, division_code, value) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.cond(
                "(?, ?, ?, ?, ?)",
                [
                    Value::from(r.day),
                    Value::from(r.measure),
                    Value::from(r.department_id),
                    Value::from(r.division_code),
                    Value::from(r.value),
                ],
            );
        }
        q.push(
            " ON CONFLICT (measure, department_id, day) DO UPDATE SET \
             division_code = excluded.division_code, value = excluded.value",
        );
        c.execute(&q.text, &q.args).await?;
    }
    Ok(())
}

/// Recomputes the month rows of `[first, last]` (the month's days, `first` its first): Sum
/// measures add their days up; Last measures take the latest day of the month that has rows.
pub async fn roll_up_month(
    c: &mut impl Conn,
    first: Date,
    last: Date,
    sum_measures: &[&str],
    last_measures: &[&str],
) -> Result<u64> {
    c.execute("DELETE FROM kpi_month WHERE month = $1", args![first])
        .await?;
    let mut n = 0;
    if !sum_measures.is_empty() {
        let mut q = Sql::new(
            "INSERT INTO kpi_month (month, measure, department_id, division_code, value) SELECT ",
        );
        q.bind(first)
            .push(", measure, department_id, MAX(division_code), SUM(value) FROM kpi_facts WHERE day >= ")
            .bind(first)
            .push(" AND day <= ")
            .bind(last)
            .push(" AND measure IN ");
        q.list(sum_measures.iter().copied());
        q.push(" GROUP BY measure, department_id");
        n += c.execute(&q.text, &q.args).await?;
    }
    if !last_measures.is_empty() {
        let mut q = Sql::new(
            "INSERT INTO kpi_month (month, measure, department_id, division_code, value) SELECT ",
        );
        q.bind(first).push(
            ", f.measure, f.department_id, f.division_code, f.value FROM kpi_facts f \
                 WHERE f.measure IN ",
        );
        q.list(last_measures.iter().copied());
        q.push(" AND f.day = (SELECT MAX(g.day) FROM kpi_facts g WHERE g.measure = f.measure AND g.day >= ")
            .bind(first)
            .push(" AND g.day <= ")
            .bind(last)
            .push(")");
        n += c.execute(&q.text, &q.args).await?;
    }
    Ok(n)
}

/// How the sums of a read are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// One sum per measure (and month for month reads).
    Whole,
    /// Per department.
    Department,
    /// Per division code.
    Division,
}

impl Group {
    /// The grouping column after the others in GROUP BY (none for a whole: PostgreSQL refuses
    /// a constant there).
    fn group_by(self) -> &'static str {
        match self {
            Group::Whole => "",
            Group::Department => ", department_id",
            Group::Division => ", division_code",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Group::Whole => "''",
            Group::Department => "CAST(department_id AS TEXT)",
            Group::Division => "division_code",
        }
    }
}

/// A summed value: its key (month or day, measure, group) and sum.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SumRow {
    pub at: Date,
    pub measure: String,
    pub grp: String,
    pub total: i64,
}

fn scope_filter(q: &mut Sql, scope: &Scope) {
    match scope {
        Scope::Department(id) => {
            q.cond(" AND department_id = ?", [*id]);
        }
        Scope::Division(d) => {
            q.cond(
                " AND division_code LIKE ? ESCAPE '\\'",
                [yiwang_store::like_prefix(d.prefix())],
            );
        }
    }
}

/// Month sums of `measures` in `[first_month, last_month]` (first days) within `scope`.
pub async fn month_sums(
    c: &mut impl Conn,
    measures: &[&str],
    first_month: Date,
    last_month: Date,
    scope: &Scope,
    group: Group,
) -> Result<Vec<SumRow>> {
    if measures.is_empty() {
        return Ok(Vec::new());
    }
    let col = group.column();
    let mut q = Sql::new(&format!(
        "SELECT month AS at, measure, {col} AS grp, CAST(SUM(value) AS BIGINT) AS total \
         FROM kpi_month WHERE month >= "
    ));
    q.bind(first_month)
        .push(" AND month <= ")
        .bind(last_month)
        .push(" AND measure IN ");
    q.list(measures.iter().copied());
    scope_filter(&mut q, scope);
    q.push(&format!(" GROUP BY month, measure{}", group.group_by()));
    c.fetch_all(&q.text, &q.args).await
}

/// Sums over days `[from, to]` of `measures` within `scope` (`at` is `from`).
pub async fn day_sums(
    c: &mut impl Conn,
    measures: &[&str],
    from: Date,
    to: Date,
    scope: &Scope,
    group: Group,
) -> Result<Vec<SumRow>> {
    if measures.is_empty() {
        return Ok(Vec::new());
    }
    let col = group.column();
    let mut q = Sql::new("SELECT ");
    q.bind(from).push(&format!(
        " AS at, measure, {col} AS grp, CAST(SUM(value) AS BIGINT) AS total FROM kpi_facts WHERE day >= "
    ));
    q.bind(from)
        .push(" AND day <= ")
        .bind(to)
        .push(" AND measure IN ");
    q.list(measures.iter().copied());
    scope_filter(&mut q, scope);
    q.push(&format!(" GROUP BY measure{}", group.group_by()));
    c.fetch_all(&q.text, &q.args).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct LastDay {
    measure: String,
    day: Date,
}

/// For each of `measures`, the latest day in `[from, to]` that has rows (any department).
pub async fn last_days(
    c: &mut impl Conn,
    measures: &[&str],
    from: Date,
    to: Date,
) -> Result<Vec<(String, Date)>> {
    if measures.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT measure, MAX(day) AS day FROM kpi_facts WHERE day >= ");
    q.bind(from)
        .push(" AND day <= ")
        .bind(to)
        .push(" AND measure IN ");
    q.list(measures.iter().copied());
    q.push(" GROUP BY measure");
    let rows: Vec<LastDay> = c.fetch_all(&q.text, &q.args).await?;
    Ok(rows.into_iter().map(|r| (r.measure, r.day)).collect())
}
