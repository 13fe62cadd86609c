//! Slightly irregular polygons tiling a box without gaps or overlaps, generated
//! deterministically: a lattice of `cols × rows` cells whose shared corners and edge midpoints
//! are jittered by a seeded hash (so neighbours share the very same vertices). The routing
//! benchmark's 10,000 grids and the demo district's community grids are made this way.
//!
//! Corners move at most `jitter` of a cell each way and edge midpoints the same distance across
//! their edge; with `jitter < 0.25` every cell stays star-shaped around its centre, hence simple.
//! Vertices on the box's border stay on it.

use geo::{Coord, LineString, Polygon};

/// A jittered lattice over `bbox` = `[minlon, minlat, maxlon, maxlat]`.
#[derive(Debug, Clone, Copy)]
pub struct Lattice {
    pub bbox: [f64; 4],
    pub cols: usize,
    pub rows: usize,
    /// Fraction of a cell (clamped to 0–0.24).
    pub jitter: f64,
    pub seed: u64,
}

impl Lattice {
    fn step(&self) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.bbox;
        (
            (x1 - x0) / self.cols.max(1) as f64,
            (y1 - y0) / self.rows.max(1) as f64,
        )
    }

    fn j(&self) -> f64 {
        self.jitter.clamp(0.0, 0.24)
    }

    /// Corner `(i, j)`, `0 ≤ i ≤ cols`, `0 ≤ j ≤ rows`.
    fn corner(&self, i: usize, j: usize) -> Coord<f64> {
        let (dx, dy) = self.step();
        let inner_x = i > 0 && i < self.cols;
        let inner_y = j > 0 && j < self.rows;
        let sx = if inner_x {
            self.noise(i, j, 1) * self.j()
        } else {
            0.0
        };
        let sy = if inner_y {
            self.noise(i, j, 2) * self.j()
        } else {
            0.0
        };
        Coord {
            x: self.bbox[0] + (i as f64 + sx) * dx,
            y: self.bbox[1] + (j as f64 + sy) * dy,
        }
    }

    /// The midpoint of the horizontal edge from corner `(i, j)` to `(i + 1, j)`.
    fn mid_h(&self, i: usize, j: usize) -> Coord<f64> {
        let (dx, dy) = self.step();
        let inner = j > 0 && j < self.rows;
        let s = if inner {
            self.noise(i, j, 3) * self.j()
        } else {
            0.0
        };
        Coord {
            x: self.bbox[0] + (i as f64 + 0.5) * dx,
            y: self.bbox[1] + (j as f64 + s) * dy,
        }
    }

    /// The midpoint of the vertical edge from corner `(i, j)` to `(i, j + 1)`.
    fn mid_v(&self, i: usize, j: usize) -> Coord<f64> {
        let (dx, dy) = self.step();
        let inner = i > 0 && i < self.cols;
        let s = if inner {
            self.noise(i, j, 4) * self.j()
        } else {
            0.0
        };
        Coord {
            x: self.bbox[0] + (i as f64 + s) * dx,
            y: self.bbox[1] + (j as f64 + 0.5) * dy,
        }
    }

    /// Cell `(col, row)` (row 0 at the south) as a closed counter-clockwise polygon of eight
    /// vertices.
    pub fn cell(&self, col: usize, row: usize) -> Polygon<f64> {
        let (i, j) = (col, row);
        let ring = vec![
            self.corner(i, j),
            self.mid_h(i, j),
            self.corner(i + 1, j),
            self.mid_v(i + 1, j),
            self.corner(i + 1, j + 1),
            self.mid_h(i, j + 1),
            self.corner(i, j + 1),
            self.mid_v(i, j),
            self.corner(i, j),
        ];
        Polygon::new(LineString(ring), vec![])
    }

    /// Every cell, row by row from the south-west.
    pub fn cells(&self) -> Vec<Polygon<f64>> {
        (0..self.rows)
            .flat_map(|r| (0..self.cols).map(move |c| (c, r)))
            .map(|(c, r)| self.cell(c, r))
            .collect()
    }

    /// A deterministic value in −1..1 for vertex `(i, j)` and purpose `k`.
    fn noise(&self, i: usize, j: usize, k: u64) -> f64 {
        let h =
            splitmix(self.seed ^ splitmix((i as u64) << 32 | j as u64) ^ k.wrapping_mul(0x9E37));
        (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// SplitMix64: a small, well-mixed deterministic hash (also the benchmark's point generator).
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic value in 0..1 from `seed` and `i`.
pub fn unit(seed: u64, i: u64) -> f64 {
    (splitmix(seed ^ splitmix(i)) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, MultiPolygon, Validation};

    fn lattice(cols: usize, rows: usize) -> Lattice {
        Lattice {
            bbox: [110.33, 21.25, 110.40, 21.32],
            cols,
            rows,
            jitter: 0.2,
            seed: 440802,
        }
    }

    #[test]
    fn cells_tile_the_box_without_gaps_or_overlaps() {
        let l = lattice(6, 5);
        let cells = l.cells();
        assert_eq!(cells.len(), 30);
        for c in &cells {
            assert!(c.is_valid(), "{:?}", c.validation_errors());
        }
        // The areas add up to the box (no gap, no overlap) …
        let total: f64 = cells.iter().map(|c| c.unsigned_area()).sum();
        let boxed = 0.07 * 0.07;
        assert!((total - boxed).abs() < 1e-12, "{total} vs {boxed}");
        // … and neighbours share no area.
        for (a, b) in [(0, 1), (0, 6), (7, 8), (7, 13), (0, 7)] {
            let x = MultiPolygon(vec![cells[a].clone()])
                .intersection(&MultiPolygon(vec![cells[b].clone()]));
            assert!(x.unsigned_area() < 1e-15, "{a} {b}: {}", x.unsigned_area());
        }
    }

    #[test]
    fn deterministic_and_irregular() {
        let (a, b) = (lattice(4, 4), lattice(4, 4));
        assert_eq!(a.cells(), b.cells());
        let c = a.cell(1, 1);
        let xs: Vec<f64> = c.exterior().0.iter().map(|p| p.x).collect();
        // Not a plain square: the shared corners moved.
        assert!((xs[0] - (110.33 + 0.0175)).abs() > 1e-9);
        let u = unit(1, 2);
        assert!((0.0..1.0).contains(&u));
    }
}
