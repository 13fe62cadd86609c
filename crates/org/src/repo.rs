//! SQL of the organisation domain. One SQL text per query for both backends.

use time::OffsetDateTime;
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Sql, args, like_contains, like_prefix};

use crate::divisions::registry;
use crate::model::{
    Department, DeptKind, Hall, HallKind, NewDepartment, NewHall, NewWindow, Window, WindowKind,
};

#[derive(Debug, sqlx::FromRow)]
struct DepartmentRow {
    id: i64,
    uscc: String,
    name: String,
    short_name: String,
    division_code: String,
    parent_id: Option<i64>,
    kind: String,
    phone: String,
    address: String,
    revision: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const DEPT_COLS: &str = "id, uscc, name, short_name, division_code, parent_id, kind, phone, address, revision, created_at, updated_at";

fn stored<T, E: std::fmt::Display>(what: &str, r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| Error::internal(format!("stored {what} is invalid: {e}")))
}

impl DepartmentRow {
    fn into_model(self) -> Result<Department> {
        let division = stored(
            "division",
            DivisionCode::parse(&self.division_code).map_err(|e| e.en),
        )?;
        Ok(Department {
            id: self.id,
            uscc: stored("uscc", Uscc::parse(&self.uscc).map_err(|e| e.en))?,
            division_name: registry().full_name(&division),
            division_code: division,
            name: self.name,
            short_name: self.short_name,
            parent_id: self.parent_id,
            kind: DeptKind::parse(&self.kind).unwrap_or(DeptKind::Other),
            phone: self.phone,
            address: self.address,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub async fn insert_department(
    c: &mut impl Conn,
    d: &NewDepartment,
    parent_id: Option<i64>,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO departments (uscc, name, short_name, division_code, parent_id, kind, phone, address, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id",
            args![
                d.uscc.as_str(), &d.name, &d.short_name, d.division.as_str(), parent_id,
                d.kind.as_str(), &d.phone, &d.address, now
            ],
        )
        .await?;
    Ok(id)
}

/// Updates when `revision` still matches; returns whether a row changed.
pub async fn update_department(
    c: &mut impl Conn,
    id: i64,
    d: &NewDepartment,
    parent_id: Option<i64>,
    revision: Option<i64>,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE departments SET uscc = $1, name = $2, short_name = $3, division_code = $4, parent_id = $5, \
             kind = $6, phone = $7, address = $8, revision = revision + 1, updated_at = $9 \
             WHERE id = $10 AND (revision = $11 OR $11 IS NULL)",
            args![
                d.uscc.as_str(), &d.name, &d.short_name, d.division.as_str(), parent_id,
                d.kind.as_str(), &d.phone, &d.address, now, id, revision
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn delete_department(c: &mut impl Conn, id: i64) -> Result<bool> {
    Ok(
        c.execute("DELETE FROM departments WHERE id = $1", args![id])
            .await?
            == 1,
    )
}

pub async fn department(c: &mut impl Conn, id: i64) -> Result<Option<Department>> {
    let row: Option<DepartmentRow> = c
        .fetch_optional(
            &format!("SELECT {DEPT_COLS} FROM departments WHERE id = $1"),
            args![id],
        )
        .await?;
    row.map(DepartmentRow::into_model).transpose()
}

pub async fn department_by_uscc(c: &mut impl Conn, uscc: &str) -> Result<Option<Department>> {
    let row: Option<DepartmentRow> = c
        .fetch_optional(
            &format!("SELECT {DEPT_COLS} FROM departments WHERE uscc = $1"),
            args![uscc],
        )
        .await?;
    row.map(DepartmentRow::into_model).transpose()
}

/// Filters for listing departments.
#[derive(Debug, Clone, Default)]
pub struct DepartmentFilter {
    /// Departments inside this division.
    pub division: Option<DivisionCode>,
    /// Name contains.
    pub q: Option<String>,
    pub parent_id: Option<i64>,
    pub kind: Option<DeptKind>,
}

fn department_where(q: &mut Sql, f: &DepartmentFilter) {
    if let Some(d) = &f.division {
        q.cond(
            " AND division_code LIKE ? ESCAPE '\\'",
            [like_prefix(d.prefix())],
        );
    }
    if let Some(s) = &f.q {
        q.cond(
            " AND (name LIKE ? ESCAPE '\\' OR short_name LIKE ? ESCAPE '\\' OR uscc = ?)",
            [like_contains(s), like_contains(s), s.to_uppercase()],
        );
    }
    if let Some(p) = f.parent_id {
        q.cond(" AND parent_id = ?", [p]);
    }
    if let Some(k) = f.kind {
        q.cond(" AND kind = ?", [k.as_str()]);
    }
}

pub async fn list_departments(
    c: &mut impl Conn,
    f: &DepartmentFilter,
    page: Option<Page>,
) -> Result<(Vec<Department>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*) FROM departments WHERE 1 = 1");
    department_where(&mut count, f);
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let mut q = Sql::new(&format!("SELECT {DEPT_COLS} FROM departments WHERE 1 = 1"));
    department_where(&mut q, f);
    q.push(" ORDER BY division_code, id");
    if let Some(p) = page {
        q.cond(" LIMIT ? OFFSET ?", [p.limit(), p.offset()]);
    }
    let rows: Vec<DepartmentRow> = c.fetch_all(&q.text, &q.args).await?;
    let items = rows
        .into_iter()
        .map(DepartmentRow::into_model)
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}

#[derive(Debug, sqlx::FromRow)]
struct HallRow {
    id: i64,
    name: String,
    kind: String,
    division_code: String,
    department_id: Option<i64>,
    address: String,
    phone: String,
    hours: String,
    revision: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct WindowRow {
    id: i64,
    hall_id: i64,
    number: String,
    name: String,
    kind: String,
    department_id: Option<i64>,
    active: bool,
}

const HALL_COLS: &str =
    "id, name, kind, division_code, department_id, address, phone, hours, revision";

impl WindowRow {
    fn into_model(self) -> Window {
        Window {
            id: self.id,
            hall_id: self.hall_id,
            number: self.number,
            name: self.name,
            kind: WindowKind::parse(&self.kind).unwrap_or(WindowKind::Department),
            department_id: self.department_id,
            active: self.active,
        }
    }
}

impl HallRow {
    fn into_model(self, windows: Vec<Window>) -> Result<Hall> {
        let division = stored(
            "division",
            DivisionCode::parse(&self.division_code).map_err(|e| e.en),
        )?;
        Ok(Hall {
            id: self.id,
            name: self.name,
            kind: HallKind::parse(&self.kind).unwrap_or(HallKind::Center),
            division_name: registry().full_name(&division),
            division_code: division,
            department_id: self.department_id,
            address: self.address,
            phone: self.phone,
            hours: self.hours,
            revision: self.revision,
            windows,
        })
    }
}

pub async fn insert_hall(c: &mut impl Conn, h: &NewHall, now: OffsetDateTime) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO halls (name, kind, division_code, department_id, address, phone, hours, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
            args![&h.name, h.kind.as_str(), h.division.as_str(), h.department_id, &h.address, &h.phone, &h.hours, now],
        )
        .await?;
    Ok(id)
}

pub async fn update_hall(
    c: &mut impl Conn,
    id: i64,
    h: &NewHall,
    revision: Option<i64>,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE halls SET name = $1, kind = $2, division_code = $3, department_id = $4, address = $5, phone = $6, \
             hours = $7, revision = revision + 1, updated_at = $8 WHERE id = $9 AND (revision = $10 OR $10 IS NULL)",
            args![&h.name, h.kind.as_str(), h.division.as_str(), h.department_id, &h.address, &h.phone, &h.hours, now, id, revision],
        )
        .await?;
    Ok(n == 1)
}

async fn windows_of(c: &mut impl Conn, hall_ids: &[i64]) -> Result<Vec<WindowRow>> {
    let mut q = Sql::new(
        "SELECT id, hall_id, number, name, kind, department_id, active FROM hall_windows WHERE hall_id IN ",
    );
    q.list(hall_ids.iter().copied());
    q.push(" ORDER BY hall_id, number");
    c.fetch_all(&q.text, &q.args).await
}

pub async fn hall(c: &mut impl Conn, id: i64) -> Result<Option<Hall>> {
    let row: Option<HallRow> = c
        .fetch_optional(
            &format!("SELECT {HALL_COLS} FROM halls WHERE id = $1"),
            args![id],
        )
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let ws = windows_of(c, &[r.id]).await?;
            Ok(Some(r.into_model(
                ws.into_iter().map(WindowRow::into_model).collect(),
            )?))
        }
    }
}

pub async fn list_halls(c: &mut impl Conn, division: Option<&DivisionCode>) -> Result<Vec<Hall>> {
    let mut q = Sql::new(&format!("SELECT {HALL_COLS} FROM halls WHERE 1 = 1"));
    if let Some(d) = division {
        q.cond(
            " AND division_code LIKE ? ESCAPE '\\'",
            [like_prefix(d.prefix())],
        );
    }
    q.push(" ORDER BY division_code, id");
    let rows: Vec<HallRow> = c.fetch_all(&q.text, &q.args).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut ws = windows_of(c, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (mine, rest): (Vec<WindowRow>, Vec<WindowRow>) =
            ws.into_iter().partition(|w| w.hall_id == r.id);
        ws = rest;
        out.push(r.into_model(mine.into_iter().map(WindowRow::into_model).collect())?);
    }
    Ok(out)
}

pub async fn insert_window(c: &mut impl Conn, hall_id: i64, w: &NewWindow) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO hall_windows (hall_id, number, name, kind, department_id, active) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![hall_id, &w.number, &w.name, w.kind.as_str(), w.department_id, w.active],
        )
        .await?;
    Ok(id)
}

pub async fn update_window(
    c: &mut impl Conn,
    hall_id: i64,
    id: i64,
    w: &NewWindow,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE hall_windows SET number = $1, name = $2, kind = $3, department_id = $4, active = $5 WHERE id = $6 AND hall_id = $7",
            args![&w.number, &w.name, w.kind.as_str(), w.department_id, w.active, id, hall_id],
        )
        .await?;
    Ok(n == 1)
}

pub async fn delete_window(c: &mut impl Conn, hall_id: i64, id: i64) -> Result<bool> {
    Ok(c.execute(
        "DELETE FROM hall_windows WHERE id = $1 AND hall_id = $2",
        args![id, hall_id],
    )
    .await?
        == 1)
}

pub async fn window_number_taken(
    c: &mut impl Conn,
    hall_id: i64,
    number: &str,
    except: Option<i64>,
) -> Result<bool> {
    let r: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM hall_windows WHERE hall_id = $1 AND number = $2 AND (id <> $3 OR $3 IS NULL)",
            args![hall_id, number, except],
        )
        .await?;
    Ok(r.is_some())
}
