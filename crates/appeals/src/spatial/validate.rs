//! The shape rules of grids read from a file:
//!
//! - every ring closed (first position = last) with at least 4 positions (RFC 7946 §3.1.6);
//! - no self-intersection, holes inside their shell, rings not crossing (`geo`'s
//!   [`Validation`], OGC Simple Features);
//! - codes unique in the file;
//! - overlaps between grids of the same kind (and, for professional grids, the same specialty)
//!   reported with their area in m² — not refused: the router picks the lowest id where grids
//!   overlap, the administrator fixes the file. An R-tree of bounding boxes finds the candidate
//!   pairs, so 10,000 grids are checked in seconds; `geo`'s boolean intersection and geodesic
//!   area measure them.

use std::collections::HashMap;

use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon};
use geo::{BooleanOps, BoundingRect, GeodesicArea, MultiPolygon, Validation};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree, RTreeObject};

use super::geojson::GridFeature;
use crate::model::GridKind;

/// Overlaps smaller than this (m²) are rounding along a shared edge, not an overlap.
pub const OVERLAP_TOLERANCE_M2: f64 = 1.0;

/// One broken rule of one feature ([`GridProblem`]) and two grids overlapping ([`Overlap`]):
/// the import report's types.
pub use crate::views::{GridProblem, Overlap};

impl GridProblem {
    /// A problem of feature `feature`; the messages are prefixed with the feature's index and
    /// code.
    pub fn new(
        feature: usize,
        code: Option<String>,
        rule: &str,
        zh: &str,
        en: &str,
    ) -> GridProblem {
        let (zh, en) = match &code {
            Some(c) => (
                format!("要素 features[{feature}]（编码 {c}）：{zh}"),
                format!("Feature features[{feature}] (code {c}): {en}"),
            ),
            None => (
                format!("要素 features[{feature}]：{zh}"),
                format!("Feature features[{feature}]: {en}"),
            ),
        };
        GridProblem {
            feature,
            code,
            rule: rule.to_string(),
            zh,
            en,
        }
    }
}

/// The outcome of the shape rules.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<GridProblem>,
    pub overlaps: Vec<Overlap>,
}

/// Applies the shape rules to the features read from one file.
pub fn validate(features: &[GridFeature]) -> Checked {
    let mut checked = Checked::default();
    let mut valid = Vec::with_capacity(features.len());
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for f in features {
        let before = checked.problems.len();
        if let Some(&first) = first_of.get(f.code.as_str()) {
            checked.problems.push(GridProblem::new(
                f.index,
                Some(f.code.clone()),
                "code.duplicate",
                &format!("网格编码与要素 features[{first}] 重复"),
                &format!("The grid code repeats feature features[{first}]"),
            ));
        } else {
            first_of.insert(&f.code, f.index);
        }
        let rings_ok = check_rings(f, &mut checked.problems);
        if rings_ok {
            check_shape(f, &mut checked.problems);
        }
        if rings_ok && checked.problems.len() == before {
            valid.push(f);
        }
    }
    checked.overlaps = overlaps(&valid);
    checked
}

fn check_rings(f: &GridFeature, out: &mut Vec<GridProblem>) -> bool {
    let mut ok = true;
    for (pi, poly) in f.rings.iter().enumerate() {
        for (ri, ring) in poly.iter().enumerate() {
            let at = ring_name(f.rings.len() > 1, pi, ri);
            if ring.len() < 4 {
                ok = false;
                out.push(GridProblem::new(
                    f.index,
                    Some(f.code.clone()),
                    "geometry.ring_short",
                    &format!("{}至少须有 4 个坐标点（首尾相同）", at.0),
                    &format!("{} needs at least 4 positions (first = last)", at.1),
                ));
            } else if ring.first() != ring.last() {
                ok = false;
                out.push(GridProblem::new(
                    f.index,
                    Some(f.code.clone()),
                    "geometry.ring_open",
                    &format!("{}未闭合（首尾坐标须相同）", at.0),
                    &format!(
                        "{} is not closed (the first and last positions must be equal)",
                        at.1
                    ),
                ));
            }
        }
    }
    ok
}

fn ring_name(multi: bool, polygon: usize, ring: usize) -> (String, String) {
    let (zh, en) = if ring == 0 {
        ("外环".to_string(), "The exterior ring".to_string())
    } else {
        (
            format!("第 {ring} 个内环（洞）"),
            format!("Interior ring (hole) {ring}"),
        )
    };
    if multi {
        (
            format!("第 {} 个多边形的{zh}", polygon + 1),
            format!("{en} of polygon {}", polygon + 1),
        )
    } else {
        (zh, en)
    }
}

fn check_shape(f: &GridFeature, out: &mut Vec<GridProblem>) {
    let mut push = |rule: &str, zh: &str, en: &str| {
        out.push(GridProblem::new(
            f.index,
            Some(f.code.clone()),
            rule,
            zh,
            en,
        ));
    };
    for e in f.shape.validation_errors() {
        match e {
            InvalidMultiPolygon::InvalidPolygon(_, p) => match p {
                InvalidPolygon::SelfIntersection(_) => push(
                    "geometry.self_intersection",
                    "多边形的边自相交",
                    "The polygon's boundary intersects itself",
                ),
                InvalidPolygon::InteriorRingNotContainedInExteriorRing(_) => push(
                    "geometry.hole_outside",
                    "内环（洞）不在外环之内",
                    "A hole is not inside its exterior ring",
                ),
                InvalidPolygon::IntersectingRingsOnALine(_, _)
                | InvalidPolygon::IntersectingRingsOnAnArea(_, _) => push(
                    "geometry.rings_cross",
                    "多边形的环相互交叉或重叠",
                    "The polygon's rings cross or overlap",
                ),
                InvalidPolygon::TooFewPointsInRing(_) => push(
                    "geometry.ring_short",
                    "环至少须有 3 个不同的坐标点",
                    "A ring needs at least 3 distinct positions",
                ),
                InvalidPolygon::NonFiniteCoord(_, _) => push(
                    "geometry.position",
                    "坐标不是有限数值",
                    "A position is not a finite number",
                ),
            },
            InvalidMultiPolygon::ElementsOverlaps(_, _)
            | InvalidMultiPolygon::ElementsTouchOnALine(_, _) => push(
                "geometry.parts_overlap",
                "MultiPolygon 的各部分相互重叠或共边",
                "The MultiPolygon's parts overlap or share an edge",
            ),
        }
    }
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Overlaps among valid grids of the same kind and specialty, in file order.
fn overlaps(grids: &[&GridFeature]) -> Vec<Overlap> {
    let entries: Vec<Entry> = grids
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let r = g.shape.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            ))
        })
        .collect();
    let boxes: Vec<(usize, AABB<[f64; 2]>)> = entries
        .iter()
        .map(|e| (e.data, e.geom().envelope()))
        .collect();
    let tree = RTree::bulk_load(entries);
    let mut out = Vec::new();
    for (i, envelope) in boxes {
        let a = grids[i];
        let mut candidates: Vec<usize> = tree
            .locate_in_envelope_intersecting(envelope)
            .map(|e| e.data)
            .filter(|&j| j > i && same_group(a, grids[j]))
            .collect();
        candidates.sort_unstable();
        for j in candidates {
            let b = grids[j];
            let area = shared_area(&a.shape, &b.shape);
            if area >= OVERLAP_TOLERANCE_M2 {
                out.push(Overlap {
                    a: a.code.clone(),
                    b: b.code.clone(),
                    area_m2: (area * 10.0).round() / 10.0,
                });
            }
        }
    }
    out
}

fn same_group(a: &GridFeature, b: &GridFeature) -> bool {
    a.kind == b.kind && (a.kind == GridKind::Unit || a.specialty == b.specialty)
}

/// The geodesic area (m²) two shapes share.
pub fn shared_area(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    a.intersection(b).geodesic_area_unsigned()
}

/// A shape's geodesic area in m².
pub fn area_m2(shape: &MultiPolygon<f64>) -> f64 {
    shape.geodesic_area_unsigned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::geojson::to_shape;
    use proptest::prelude::*;

    fn feature(
        index: usize,
        code: &str,
        kind: GridKind,
        rings: Vec<Vec<Vec<[f64; 2]>>>,
    ) -> GridFeature {
        GridFeature {
            index,
            code: code.to_string(),
            name: code.to_string(),
            kind,
            specialty: (kind == GridKind::Professional).then(|| "city_management".to_string()),
            division: "440802".to_string(),
            department: None,
            workers: Vec::new(),
            shape: to_shape(&rings),
            rings,
        }
    }

    fn square(x: f64, y: f64, s: f64) -> Vec<Vec<Vec<[f64; 2]>>> {
        vec![vec![vec![
            [x, y],
            [x + s, y],
            [x + s, y + s],
            [x, y + s],
            [x, y],
        ]]]
    }

    fn rules(c: &Checked) -> Vec<(usize, &str)> {
        c.problems
            .iter()
            .map(|p| (p.feature, p.rule.as_str()))
            .collect()
    }

    #[test]
    fn ring_rules() {
        let open = vec![vec![vec![
            [110.0, 21.0],
            [110.1, 21.0],
            [110.1, 21.1],
            [110.0, 21.1],
        ]]];
        let short = vec![vec![vec![[110.0, 21.0], [110.1, 21.0], [110.0, 21.0]]]];
        // A bow tie: the boundary crosses itself.
        let bow = vec![vec![vec![
            [110.0, 21.0],
            [110.1, 21.1],
            [110.1, 21.0],
            [110.0, 21.1],
            [110.0, 21.0],
        ]]];
        // A hole outside its shell.
        let mut hole = square(110.0, 21.0, 0.1);
        hole[0].push(vec![
            [110.2, 21.2],
            [110.3, 21.2],
            [110.3, 21.3],
            [110.2, 21.2],
        ]);
        let c = validate(&[
            feature(0, "OPEN", GridKind::Unit, open),
            feature(1, "SHORT", GridKind::Unit, short),
            feature(2, "BOW", GridKind::Unit, bow),
            feature(3, "HOLE", GridKind::Unit, hole),
            feature(4, "OK", GridKind::Unit, square(111.0, 21.0, 0.1)),
        ]);
        let r = rules(&c);
        assert!(r.contains(&(0, "geometry.ring_open")), "{r:?}");
        assert!(r.contains(&(1, "geometry.ring_short")), "{r:?}");
        assert!(r.contains(&(2, "geometry.self_intersection")), "{r:?}");
        assert!(r.contains(&(3, "geometry.hole_outside")), "{r:?}");
        assert!(!r.iter().any(|(i, _)| *i == 4), "{r:?}");
    }

    #[test]
    fn a_valid_hole_passes() {
        let mut holed = square(110.0, 21.0, 0.1);
        holed[0].push(vec![
            [110.02, 21.02],
            [110.04, 21.02],
            [110.04, 21.04],
            [110.02, 21.02],
        ]);
        let c = validate(&[feature(0, "HOLED", GridKind::Unit, holed)]);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn duplicate_codes_name_the_first() {
        let c = validate(&[
            feature(0, "A", GridKind::Unit, square(110.0, 21.0, 0.01)),
            feature(1, "A", GridKind::Unit, square(110.1, 21.0, 0.01)),
        ]);
        assert_eq!(rules(&c), vec![(1, "code.duplicate")]);
        assert!(c.problems[0].zh.contains("features[0]"));
    }

    #[test]
    fn overlaps_of_the_same_kind_are_measured() {
        // Two unit squares of 0.01° overlapping by half; a professional grid over both; a
        // neighbour sharing an edge only.
        let c = validate(&[
            feature(0, "U1", GridKind::Unit, square(110.30, 21.20, 0.01)),
            feature(1, "U2", GridKind::Unit, square(110.305, 21.20, 0.01)),
            feature(2, "U3", GridKind::Unit, square(110.315, 21.20, 0.01)),
            feature(3, "P1", GridKind::Professional, square(110.29, 21.19, 0.05)),
        ]);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.overlaps.len(), 1, "{:?}", c.overlaps);
        let o = &c.overlaps[0];
        assert_eq!((o.a.as_str(), o.b.as_str()), ("U1", "U2"));
        // 0.005° × 0.01° at 21.2° N ≈ 519 m × 1107 m ≈ 574,000 m².
        let expected = 0.005 * 111_320.0 * 21.2f64.to_radians().cos() * 0.01 * 110_700.0;
        assert!(
            (o.area_m2 - expected).abs() / expected < 0.01,
            "{} vs {expected}",
            o.area_m2
        );
    }

    #[test]
    fn ten_thousand_lattice_grids_validate_quickly() {
        let mut fs = Vec::new();
        for i in 0..100 {
            for j in 0..100 {
                let (x, y) = (110.0 + i as f64 * 0.001, 21.0 + j as f64 * 0.001);
                fs.push(feature(
                    fs.len(),
                    &format!("G{i}-{j}"),
                    GridKind::Unit,
                    square(x, y, 0.001),
                ));
            }
        }
        let started = std::time::Instant::now();
        let c = validate(&fs);
        assert!(c.problems.is_empty());
        assert!(c.overlaps.is_empty(), "{:?}", c.overlaps.first());
        // Debug build: generous; the release figure is a fraction of a second.
        assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    }

    proptest! {
        /// A square overlapping a shifted copy of itself shares exactly the overlap rectangle.
        #[test]
        fn overlap_area_matches_the_rectangle(dx in 0.0001f64..0.0099, dy in 0.0001f64..0.0099) {
            let a = to_shape(&square(110.3, 21.2, 0.01));
            let b = to_shape(&square(110.3 + dx, 21.2 + dy, 0.01));
            let expected = to_shape(&vec![vec![vec![
                [110.3 + dx, 21.2 + dy], [110.31, 21.2 + dy], [110.31, 21.21], [110.3 + dx, 21.21], [110.3 + dx, 21.2 + dy],
            ]]]);
            let got = shared_area(&a, &b);
            let want = area_m2(&expected);
            prop_assert!((got - want).abs() <= want * 1e-6 + 0.01, "{} vs {}", got, want);
        }
    }
}
