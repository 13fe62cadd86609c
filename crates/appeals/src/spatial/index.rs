//! Routing a point to its grid: an R-tree over the grids' bounding boxes narrows the search to
//! the few grids whose box holds the point; `geo`'s point-in-polygon decides among them. The
//! brute-force scan of every polygon (`locate_scan`) gives the same answer, and is what the
//! routing benchmark compares against.

use geo::{BoundingRect, Contains, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::model::{GridKind, LonLat};

/// One grid as the index holds it.
#[derive(Debug, Clone)]
pub struct IndexedGrid {
    pub id: i64,
    pub kind: GridKind,
    /// Professional grids' specialty (城管, 生态环境…); `None` for unit grids.
    pub specialty: Option<String>,
    pub shape: MultiPolygon<f64>,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The grids of the division, indexed. Immutable: an import builds a new one.
#[derive(Debug, Default)]
pub struct GridIndex {
    grids: Vec<IndexedGrid>,
    tree: RTree<Entry>,
}

impl GridIndex {
    /// Indexes `grids`; a grid without area (no bounding box) is left out.
    pub fn build(grids: Vec<IndexedGrid>) -> GridIndex {
        let entries = grids
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.shape.bounding_rect()?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, i))
            })
            .collect();
        GridIndex {
            grids,
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn len(&self) -> usize {
        self.grids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }

    pub fn grids(&self) -> &[IndexedGrid] {
        &self.grids
    }

    /// The grid of `kind` (and, for professional grids, `specialty`) holding `p`; when several
    /// do (overlapping grids, reported at import), the one with the lowest id.
    pub fn locate(&self, p: LonLat, kind: GridKind, specialty: Option<&str>) -> Option<i64> {
        let point = Point::new(p.lon, p.lat);
        let envelope = AABB::from_point([p.lon, p.lat]);
        self.tree
            .locate_in_envelope_intersecting(envelope)
            .map(|e| &self.grids[e.data])
            .filter(|g| fits(g, kind, specialty) && g.shape.contains(&point))
            .map(|g| g.id)
            .min()
    }

    /// The same answer as [`GridIndex::locate`] by testing every polygon (the benchmark's
    /// baseline, and the property test's oracle).
    pub fn locate_scan(&self, p: LonLat, kind: GridKind, specialty: Option<&str>) -> Option<i64> {
        let point = Point::new(p.lon, p.lat);
        self.grids
            .iter()
            .filter(|g| fits(g, kind, specialty) && g.shape.contains(&point))
            .map(|g| g.id)
            .min()
    }
}

fn fits(g: &IndexedGrid, kind: GridKind, specialty: Option<&str>) -> bool {
    g.kind == kind && (kind == GridKind::Unit || g.specialty.as_deref() == specialty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Rect, coord};
    use proptest::prelude::*;

    fn square(id: i64, x: f64, y: f64, size: f64, kind: GridKind, sp: Option<&str>) -> IndexedGrid {
        let r = Rect::new(coord! { x: x, y: y }, coord! { x: x + size, y: y + size });
        IndexedGrid {
            id,
            kind,
            specialty: sp.map(str::to_string),
            shape: MultiPolygon(vec![r.to_polygon()]),
        }
    }

    fn city() -> GridIndex {
        let mut grids = Vec::new();
        let mut id = 1;
        for i in 0..10 {
            for j in 0..10 {
                let (x, y) = (110.30 + i as f64 * 0.01, 21.20 + j as f64 * 0.01);
                grids.push(square(id, x, y, 0.01, GridKind::Unit, None));
                id += 1;
            }
        }
        grids.push(square(
            1000,
            110.33,
            21.23,
            0.03,
            GridKind::Professional,
            Some("city_management"),
        ));
        GridIndex::build(grids)
    }

    #[test]
    fn a_point_reaches_its_grid() {
        let idx = city();
        let p = LonLat::new(110.3555, 21.2345).expect("point");
        // Column 5, row 3 → id 5 * 10 + 3 + 1.
        assert_eq!(idx.locate(p, GridKind::Unit, None), Some(54));
        assert_eq!(
            idx.locate(p, GridKind::Professional, Some("city_management")),
            Some(1000)
        );
        assert_eq!(
            idx.locate(p, GridKind::Professional, Some("environment")),
            None
        );
        let outside = LonLat::new(111.0, 21.0).expect("point");
        assert_eq!(idx.locate(outside, GridKind::Unit, None), None);
    }

    proptest! {
        /// The index and the scan always agree.
        #[test]
        fn index_agrees_with_the_scan(lon in 110.29f64..110.41, lat in 21.19f64..21.31) {
            let idx = city();
            let p = LonLat { lon, lat };
            prop_assert_eq!(idx.locate(p, GridKind::Unit, None), idx.locate_scan(p, GridKind::Unit, None));
            prop_assert_eq!(
                idx.locate(p, GridKind::Professional, Some("city_management")),
                idx.locate_scan(p, GridKind::Professional, Some("city_management"))
            );
        }
    }
}
