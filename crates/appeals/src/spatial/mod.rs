//! Grid geometry (网格): polygons in WGS 84 longitude/latitude, held by the `geo` crate's
//! types, and the spatial index routing a point to its grid (`index`, an R-tree of bounding
//! boxes from `rstar`, each candidate confirmed by point-in-polygon).

pub mod index;

pub use index::{GridIndex, IndexedGrid};
