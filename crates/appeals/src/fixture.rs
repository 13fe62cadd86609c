//! Grids for tests (the appeals service's, the web's): square grids written straight into the
//! database, with their workers. Real grids come from a GeoJSON import.

use serde_json::json;
use yiwang_kernel::Result;
use yiwang_store::Db;

use crate::AppealService;
use crate::model::GridKind;
use crate::repo::routing::{FixtureGrid, insert_fixture_grid, insert_fixture_worker};

/// A square grid to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct Square<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: GridKind,
    pub specialty: Option<&'a str>,
    pub division: &'a str,
    pub department_id: Option<i64>,
    /// South-west corner, degrees.
    pub lon: f64,
    pub lat: f64,
    /// Side, degrees.
    pub size: f64,
}

/// The GeoJSON Polygon of a square with its south-west corner at (`lon`, `lat`).
pub fn square_geometry(lon: f64, lat: f64, size: f64) -> serde_json::Value {
    json!({
        "type": "Polygon",
        "coordinates": [[
            [lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]
        ]]
    })
}

/// Inserts the square grid `s` with `workers` (staff user ids, in routing order) and drops the
/// service's cached index. Returns the grid's id.
pub async fn add_square(
    db: &Db,
    service: &AppealService,
    s: &Square<'_>,
    workers: &[i64],
) -> Result<i64> {
    let geometry = square_geometry(s.lon, s.lat, s.size).to_string();
    // Rough area: degrees to metres at this latitude.
    let side_y = s.size * 110_574.0;
    let side_x = s.size * 111_320.0 * s.lat.to_radians().cos();
    let mut tx = db.write().await?;
    let id = insert_fixture_grid(
        &mut tx,
        &FixtureGrid {
            code: s.code,
            name: s.name,
            kind: s.kind.as_str(),
            specialty: s.specialty,
            division: s.division,
            department_id: s.department_id,
            geometry: &geometry,
            bbox: [s.lon, s.lat, s.lon + s.size, s.lat + s.size],
            area_m2: side_x * side_y,
        },
        service.now(),
    )
    .await?;
    for (i, w) in workers.iter().enumerate() {
        insert_fixture_worker(&mut tx, id, *w, i64::try_from(i).unwrap_or(i64::MAX)).await?;
    }
    tx.commit().await?;
    service.invalidate_grids();
    Ok(id)
}
