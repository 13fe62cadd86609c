//! Grid geometry (网格): polygons in WGS 84 longitude/latitude, held by the `geo` crate's
//! types, and the spatial index routing a point to its grid (`index`, an R-tree of bounding
//! boxes from `rstar`, each candidate confirmed by point-in-polygon); reading grids from
//! GeoJSON (`geojson`), their shape rules and overlaps (`validate`), the map (`svg`).

pub mod geojson;
pub mod index;
pub mod lattice;
pub mod svg;
pub mod validate;

pub use index::{GridIndex, IndexedGrid};
pub use validate::{GridProblem, Overlap};
