//! Routing a new order (STANDARDS §9; appeals-spec "Routing"): a category with a specialty and
//! a point inside a professional grid of that specialty → that grid; else a point inside a unit
//! grid → that grid; the grid's first worker becomes the assignee and its department the
//! 承办单位. No point, no grid, or a grid without workers → the category's department. The grid
//! index is loaded from the database once and kept until an import drops it, or until an
//! order's settings show a newer grid import than the one it reflects (an import by another
//! process).

use std::sync::Arc;

use geo::MultiPolygon;
use yiwang_kernel::{Error, Result};

use super::{AppealService, CachedIndex};
use crate::model::{GridKind, LonLat};
use crate::repo;
use crate::repo::routing::GridBrief;
use crate::repo::settings::CategoryRow;
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
    /// The grid index (loaded on first use after start or an import), reflecting the grid
    /// import `version` (the latest one's id, read with the order's settings): an index
    /// loaded before it — by this process, or before another process imported — is loaded
    /// again. `None`: whatever is cached.
    pub(crate) async fn grid_index_at(&self, version: Option<i64>) -> Result<Arc<GridIndex>> {
        let cached = match self.grid_index.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(c) = cached
            && (version.is_none() || c.version == version)
        {
            return Ok(c.index);
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
        let fresh = CachedIndex {
            index: idx.clone(),
            version,
        };
        match self.grid_index.write() {
            Ok(mut g) => *g = Some(fresh),
            Err(poisoned) => *poisoned.into_inner() = Some(fresh),
        }
        Ok(idx)
    }

    /// Where an order of `category` at `point` goes (used by intake; public for the bench).
    /// An unknown category routes nowhere (all `None`).
    pub async fn route(&self, category: &str, point: Option<LonLat>) -> Result<RouteTarget> {
        let mut c = self.db.clone();
        let cat = repo::settings::category(&mut c, category).await?;
        let r = self.routed(cat.as_ref(), point, None).await?;
        Ok(RouteTarget {
            grid: r.grid.map(|g| GridRef {
                code: g.code,
                name: g.name,
            }),
            department_id: r.department_id,
            assignee_id: r.assignee_id,
        })
    }

    /// Where an order of the category `cat` at `point` goes; `grids_version` as in
    /// [`AppealService::grid_index_at`]. One read when the point falls in a grid (the grid
    /// with its first worker), none otherwise.
    pub(crate) async fn routed(
        &self,
        cat: Option<&CategoryRow>,
        point: Option<LonLat>,
        grids_version: Option<i64>,
    ) -> Result<Routed> {
        let fallback = Routed {
            grid: None,
            department_id: cat.and_then(|c| c.department_id),
            assignee_id: None,
        };
        let Some(p) = point else {
            return Ok(fallback);
        };
        let idx = self.grid_index_at(grids_version).await?;
        let specialty = cat.and_then(|c| c.specialty.as_deref());
        let professional = specialty.and_then(|s| idx.locate(p, GridKind::Professional, Some(s)));
        let Some(grid_id) = professional.or_else(|| idx.locate(p, GridKind::Unit, None)) else {
            return Ok(fallback);
        };
        let mut c = self.db.clone();
        let Some(grid) = repo::routing::routing_grid(&mut c, grid_id).await? else {
            return Ok(fallback);
        };
        let Some(worker) = grid.worker else {
            return Ok(fallback);
        };
        let grid = grid.brief();
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
