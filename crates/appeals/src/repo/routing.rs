//! The grids as routing and the work orders need them (`grids`, `grid_workers`; read only —
//! the import and the workers' list are written by `repo::grids`).

use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, args};

/// A grid's geometry for the index.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IndexRow {
    pub id: i64,
    pub kind: String,
    pub specialty: Option<String>,
    pub geometry: String,
}

/// Every active grid's geometry, by id.
pub async fn index_rows(c: &mut impl Conn) -> Result<Vec<IndexRow>> {
    c.fetch_all(
        "SELECT id, kind, specialty, geometry FROM grids WHERE active = TRUE ORDER BY id",
        args![],
    )
    .await
}

/// What a work order shows of its grid.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GridBrief {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub division: String,
    pub department_id: Option<i64>,
}

const BRIEF: &str = "id, code, name, kind, division, department_id";

pub async fn grid_by_id(c: &mut impl Conn, id: i64) -> Result<Option<GridBrief>> {
    c.fetch_optional(
        &format!("SELECT {BRIEF} FROM grids WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn grid_by_code(c: &mut impl Conn, code: &str) -> Result<Option<GridBrief>> {
    c.fetch_optional(
        &format!("SELECT {BRIEF} FROM grids WHERE code = $1 AND active = TRUE"),
        args![code],
    )
    .await
}

pub async fn grids_by_ids(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<GridBrief>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!("SELECT {BRIEF} FROM grids WHERE id IN "));
    q.list(ids.iter().copied());
    c.fetch_all(&q.text, &q.args).await
}

/// A grid as routing sends an order to it, with its first worker (lowest position, then
/// lowest id), in one statement.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoutingGrid {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub division: String,
    pub department_id: Option<i64>,
    pub worker: Option<i64>,
}

impl RoutingGrid {
    pub fn brief(self) -> GridBrief {
        GridBrief {
            id: self.id,
            code: self.code,
            name: self.name,
            kind: self.kind,
            division: self.division,
            department_id: self.department_id,
        }
    }
}

pub async fn routing_grid(c: &mut impl Conn, id: i64) -> Result<Option<RoutingGrid>> {
    c.fetch_optional(
        "SELECT g.id, g.code, g.name, g.kind, g.division, g.department_id, \
         (SELECT w.user_id FROM grid_workers w WHERE w.grid_id = g.id \
          ORDER BY w.position, w.user_id LIMIT 1) AS worker \
         FROM grids g WHERE g.id = $1",
        args![id],
    )
    .await
}

/// The grid's first worker (lowest position, then lowest id).
pub async fn first_worker(c: &mut impl Conn, grid_id: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "SELECT user_id FROM grid_workers WHERE grid_id = $1 ORDER BY position, user_id LIMIT 1",
            args![grid_id],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// The grids `user_id` works in.
pub async fn grids_of_worker(c: &mut impl Conn, user_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            "SELECT grid_id FROM grid_workers WHERE user_id = $1 ORDER BY grid_id",
            args![user_id],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A grid to insert directly (fixtures and tests; imports go through `repo::grids`).
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureGrid<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub specialty: Option<&'a str>,
    pub division: &'a str,
    pub department_id: Option<i64>,
    pub geometry: &'a str,
    pub bbox: [f64; 4],
    pub area_m2: f64,
}

/// Inserts a grid; returns its id.
pub async fn insert_fixture_grid(
    c: &mut impl Conn,
    g: &FixtureGrid<'_>,
    at: time::OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO grids (code, name, kind, specialty, division, department_id, geometry, \
             min_lon, min_lat, max_lon, max_lat, area_m2, active, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE, $13) RETURNING id",
            args![
                g.code,
                g.name,
                g.kind,
                g.specialty,
                g.division,
                g.department_id,
                g.geometry,
                g.bbox[0],
                g.bbox[1],
                g.bbox[2],
                g.bbox[3],
                g.area_m2,
                at
            ],
        )
        .await?;
    Ok(id)
}

/// Adds a worker to a grid at `position`.
pub async fn insert_fixture_worker(
    c: &mut impl Conn,
    grid_id: i64,
    user_id: i64,
    position: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO grid_workers (grid_id, user_id, position) VALUES ($1, $2, $3)",
        args![grid_id, user_id, position],
    )
    .await?;
    Ok(())
}
