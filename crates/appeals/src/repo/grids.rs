//! Grids (`grids`), their workers (`grid_workers`) and imports (`grid_imports`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, args, like_prefix};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GridRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub specialty: Option<String>,
    pub division: String,
    pub department_id: Option<i64>,
    pub geometry: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub area_m2: f64,
    pub active: bool,
    pub import_id: Option<i64>,
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, code, name, kind, specialty, division, department_id, geometry, \
     min_lon, min_lat, max_lon, max_lat, area_m2, active, import_id, updated_at";

/// A grid as an import writes it.
#[derive(Debug, Clone)]
pub struct GridWrite<'a> {
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

/// Active grids, unit grids first, by code.
pub async fn active(c: &mut impl Conn) -> Result<Vec<GridRow>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM grids WHERE active = $1 ORDER BY kind DESC, code"),
        args![true],
    )
    .await
}

/// A page of active grids (unit grids first, by code) of `kind` and in or under the division
/// `division_prefix` (each `None`: any), and how many match in all.
pub async fn page(
    c: &mut impl Conn,
    kind: Option<&str>,
    division_prefix: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<GridRow>, i64)> {
    let mut filter = Sql::new(" FROM grids WHERE active = ");
    filter.bind(true);
    if let Some(k) = kind {
        filter.cond(" AND kind = ?", [k]);
    }
    if let Some(d) = division_prefix {
        filter.cond(" AND division LIKE ? ESCAPE '\\'", [like_prefix(d)]);
    }
    let (total,): (i64,) = c
        .fetch_one(&format!("SELECT COUNT(*){}", filter.text), &filter.args)
        .await?;
    let mut q = Sql::new(&format!("SELECT {COLS}"));
    q.push(&filter.text);
    q.args = filter.args;
    q.push(" ORDER BY kind DESC, code LIMIT ");
    q.bind(limit);
    q.push(" OFFSET ");
    q.bind(offset);
    Ok((c.fetch_all(&q.text, &q.args).await?, total))
}

/// An active grid by code.
pub async fn by_code(c: &mut impl Conn, code: &str) -> Result<Option<GridRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM grids WHERE code = $1 AND active = $2"),
        args![code, true],
    )
    .await
}

/// Every stored grid's id, code and whether it is active.
pub async fn codes(c: &mut impl Conn) -> Result<Vec<(i64, String, bool)>> {
    c.fetch_all("SELECT id, code, active FROM grids ORDER BY code", args![])
        .await
}

pub async fn insert(
    c: &mut impl Conn,
    g: &GridWrite<'_>,
    import_id: i64,
    at: OffsetDateTime,
) -> Result<i64> {
    let [x0, y0, x1, y1] = g.bbox;
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO grids (code, name, kind, specialty, division, department_id, geometry, \
             min_lon, min_lat, max_lon, max_lat, area_m2, active, import_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            args![
                g.code,
                g.name,
                g.kind,
                g.specialty,
                g.division,
                g.department_id,
                g.geometry,
                x0,
                y0,
                x1,
                y1,
                g.area_m2,
                true,
                import_id,
                at
            ],
        )
        .await?;
    Ok(id)
}

/// Rewrites grid `id` from an import (and makes it active again).
pub async fn update(
    c: &mut impl Conn,
    id: i64,
    g: &GridWrite<'_>,
    import_id: i64,
    at: OffsetDateTime,
) -> Result<u64> {
    let [x0, y0, x1, y1] = g.bbox;
    c.execute(
        "UPDATE grids SET name = $1, kind = $2, specialty = $3, division = $4, department_id = $5, \
         geometry = $6, min_lon = $7, min_lat = $8, max_lon = $9, max_lat = $10, area_m2 = $11, \
         active = $12, import_id = $13, updated_at = $14 WHERE id = $15",
        args![
            g.name,
            g.kind,
            g.specialty,
            g.division,
            g.department_id,
            g.geometry,
            x0,
            y0,
            x1,
            y1,
            g.area_m2,
            true,
            import_id,
            at,
            id
        ],
    )
    .await
}

/// Every (grid id, user id) of active grids, in routing order.
pub async fn workers(c: &mut impl Conn) -> Result<Vec<(i64, i64)>> {
    c.fetch_all(
        "SELECT w.grid_id, w.user_id FROM grid_workers w JOIN grids g ON g.id = w.grid_id \
         WHERE g.active = $1 ORDER BY w.grid_id, w.position, w.user_id",
        args![true],
    )
    .await
}

/// The (grid id, user id) of the workers of `grids`, in routing order.
pub async fn workers_of_grids(c: &mut impl Conn, grids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if grids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT grid_id, user_id FROM grid_workers WHERE grid_id IN ");
    q.list(grids.iter().copied());
    q.push(" ORDER BY grid_id, position, user_id");
    c.fetch_all(&q.text, &q.args).await
}

/// The workers of one grid, in routing order.
pub async fn workers_of(c: &mut impl Conn, grid_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .fetch_all(
            "SELECT user_id FROM grid_workers WHERE grid_id = $1 ORDER BY position, user_id",
            args![grid_id],
        )
        .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Replaces a grid's workers; the first gets routed orders.
pub async fn set_workers(c: &mut impl Conn, grid_id: i64, users: &[i64]) -> Result<()> {
    c.execute(
        "DELETE FROM grid_workers WHERE grid_id = $1",
        args![grid_id],
    )
    .await?;
    for (position, user) in users.iter().enumerate() {
        c.execute(
            "INSERT INTO grid_workers (grid_id, user_id, position) VALUES ($1, $2, $3)",
            args![grid_id, *user, position as i64],
        )
        .await?;
    }
    Ok(())
}

/// Records one import; answers its id.
pub async fn insert_import(
    c: &mut impl Conn,
    file_name: &str,
    digest: &str,
    grids: i64,
    report: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO grid_imports (file_name, digest, grids, report, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![file_name, digest, grids, report, by, at],
        )
        .await?;
    Ok(id)
}
