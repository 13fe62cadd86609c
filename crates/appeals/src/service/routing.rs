//! Routing a new order (STANDARDS §9; appeals-spec "Routing"): a category with a specialty and
//! a point inside a professional grid of that specialty → that grid; else a point inside a unit
//! grid → that grid; the grid's first worker becomes the assignee and its department the
//! 承办单位. No point, no grid, or a grid without workers → the category's department. The grid
//! index is loaded from the database once and kept until an import drops it.

use std::sync::Arc;

use geo::MultiPolygon;
use yiwang_kernel::{Error, Result};

use super::AppealService;
use crate::model::{GridKind, LonLat};
use crate::repo;
use crate::repo::routing::GridBrief;
use crate::spatial::{GridIndex, IndexedGrid};
use crate::views::{GridRef, RouteTarget};

/// Where routing sends an order, with the grid as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Routed {
    pub grid: Option<GridBrief>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// Reads a stored GeoJSON Polygon or MultiPolygon (a bare geometry, or a Feature holding one).
pub fn parse_shape(geometry: &str) -> Result<MultiPolygon<f64>> {
    let g: geojson::GeoJson = geometry
        .parse()
        .map_err(|e| Error::internal(format!("grid geometry: {e}")))?;
    let geom = match g {
        geojson::GeoJson::Geometry(g) => g,
        geojson::GeoJson::Feature(f) => f
            .geometry
            .ok_or_else(|| Error::internal("grid geometry: a feature without geometry"))?,
        geojson::GeoJson::FeatureCollection(_) => {
            return Err(Error::internal("grid geometry: a feature collection"));
        }
    };
    let shape: geo::Geometry<f64> = geom
        .try_into()
        .map_err(|e: geojson::Error| Error::internal(format!("grid geometry: {e}")))?;
    match shape {
        geo::Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(m) => Ok(m),
        _ => Err(Error::internal("grid geometry: not a polygon")),
    }
}

impl AppealService {
    /// The grid index (loaded on first use after start or an import).
    pub(crate) async fn grid_index(&self) -> Result<Arc<GridIndex>> {
        let cached = match self.grid_index.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(idx) = cached {
            return Ok(idx);
        }
        let mut c = self.db.clone();
        let rows = repo::routing::index_rows(&mut c).await?;
        let mut grids = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(kind) = GridKind::parse(&r.kind) else {
                continue;
            };
            match parse_shape(&r.geometry) {
                Ok(shape) => grids.push(IndexedGrid {
                    id: r.id,
                    kind,
                    specialty: r.specialty,
                    shape,
                }),
                Err(e) => tracing::warn!(grid = r.id, error = %e, "grid left out of routing"),
            }
        }
        let idx = Arc::new(GridIndex::build(grids));
        match self.grid_index.write() {
            Ok(mut g) => *g = Some(idx.clone()),
            Err(poisoned) => *poisoned.into_inner() = Some(idx.clone()),
        }
        Ok(idx)
    }

    /// Where an order of `category` at `point` goes (used by intake; public for the bench).
    /// An unknown category routes nowhere (all `None`).
    pub async fn route(&self, category: &str, point: Option<LonLat>) -> Result<RouteTarget> {
        let r = self.routed(category, point).await?;
        Ok(RouteTarget {
            grid: r.grid.map(|g| GridRef {
                code: g.code,
                name: g.name,
            }),
            department_id: r.department_id,
            assignee_id: r.assignee_id,
        })
    }

    pub(crate) async fn routed(&self, category: &str, point: Option<LonLat>) -> Result<Routed> {
        let mut c = self.db.clone();
        let cat = repo::settings::category(&mut c, category).await?;
        let fallback = Routed {
            grid: None,
            department_id: cat.as_ref().and_then(|c| c.department_id),
            assignee_id: None,
        };
        let Some(p) = point else {
            return Ok(fallback);
        };
        let idx = self.grid_index().await?;
        let specialty = cat.as_ref().and_then(|c| c.specialty.as_deref());
        let professional = specialty.and_then(|s| idx.locate(p, GridKind::Professional, Some(s)));
        let Some(grid_id) = professional.or_else(|| idx.locate(p, GridKind::Unit, None)) else {
            return Ok(fallback);
        };
        let Some(grid) = repo::routing::grid_by_id(&mut c, grid_id).await? else {
            return Ok(fallback);
        };
        let Some(worker) = repo::routing::first_worker(&mut c, grid_id).await? else {
            return Ok(fallback);
        };
        Ok(Routed {
            department_id: grid.department_id.or(fallback.department_id),
            grid: Some(grid),
            assignee_id: Some(worker),
        })
    }

    /// Drops the cached grid index (an import changed the grids).
    pub(crate) fn invalidate_grids(&self) {
        match self.grid_index.write() {
            Ok(mut g) => *g = None,
            Err(poisoned) => *poisoned.into_inner() = None,
        }
    }
}
