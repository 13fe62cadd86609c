//! Points routed per second through the grid index, beside the brute-force scan.
//!
//! The grids: a 100 × 100 lattice of slightly irregular octagons (`spatial::lattice`, shared
//! jittered vertices: no gaps, no overlaps) over 0.5° × 0.5° around 赤坎区 — 10,000 unit grids,
//! each about 550 m × 550 m — plus 30 professional grids of three specialties over them. The
//! points: uniformly random in the lattice's box (deterministic), each routed as intake does
//! for a category without specialty (the unit grid holding it). The same first points go
//! through both paths, and their answers must agree.

use std::time::{Duration, Instant};

use geo::{MultiPolygon, Rect, coord};
use yiwang_appeals::model::{GridKind, LonLat};
use yiwang_appeals::spatial::lattice::{Lattice, unit};
use yiwang_appeals::spatial::{GridIndex, IndexedGrid};

use crate::load::cores;

/// The target: the index at least this many times the scan.
pub const TARGET_RATIO: f64 = 100.0;

const BOX: [f64; 4] = [110.15, 21.05, 110.65, 21.55];
const SEED: u64 = 0x12345;

/// The 10,000 unit grids and 30 professional grids.
pub fn grids() -> Vec<IndexedGrid> {
    let lattice = Lattice {
        bbox: BOX,
        cols: 100,
        rows: 100,
        jitter: 0.2,
        seed: SEED,
    };
    let mut out: Vec<IndexedGrid> = lattice
        .cells()
        .into_iter()
        .enumerate()
        .map(|(i, p)| IndexedGrid {
            id: i as i64 + 1,
            kind: GridKind::Unit,
            specialty: None,
            shape: MultiPolygon(vec![p]),
        })
        .collect();
    for (k, sp) in ["city_management", "environment", "traffic"]
        .iter()
        .enumerate()
    {
        for n in 0..10 {
            let x = BOX[0] + 0.05 * n as f64;
            let y = BOX[1] + 0.15 * k as f64;
            let r = Rect::new(coord! { x: x, y: y }, coord! { x: x + 0.05, y: y + 0.2 });
            out.push(IndexedGrid {
                id: 20_000 + (k * 10 + n) as i64,
                kind: GridKind::Professional,
                specialty: Some((*sp).to_string()),
                shape: MultiPolygon(vec![r.to_polygon()]),
            });
        }
    }
    out
}

/// The `i`-th random point in the box.
pub fn point(i: u64) -> LonLat {
    LonLat {
        lon: BOX[0] + (BOX[2] - BOX[0]) * unit(SEED, 2 * i),
        lat: BOX[1] + (BOX[3] - BOX[1]) * unit(SEED, 2 * i + 1),
    }
}

/// Routes points `0..n` on `threads` threads; answers (points found, elapsed).
fn route(
    index: &GridIndex,
    n: usize,
    threads: usize,
    locate: fn(&GridIndex, LonLat, GridKind, Option<&str>) -> Option<i64>,
) -> (usize, Duration) {
    let threads = threads.clamp(1, n.max(1));
    let t0 = Instant::now();
    let found: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .filter(|&i| locate(index, point(i as u64), GridKind::Unit, None).is_some())
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    (found, t0.elapsed())
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Runs the benchmark: `points` through the index, the first `scan_points` of them through
/// the scan.
pub fn run(points: usize, scan_points: usize, threads: usize) -> anyhow::Result<()> {
    let threads = if threads == 0 { cores() } else { threads };
    let t0 = Instant::now();
    let index = GridIndex::build(grids());
    println!(
        "routing points: {} grids (10,000 unit + 30 professional) indexed in {:.1} ms; {threads} threads",
        index.len(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    // The answers agree (the index is exact, not an approximation).
    let check = scan_points.min(points).min(2_000);
    let disagree = (0..check as u64)
        .filter(|&i| {
            let p = point(i);
            index.locate(p, GridKind::Unit, None) != index.locate_scan(p, GridKind::Unit, None)
        })
        .count();
    if disagree > 0 {
        anyhow::bail!("the index and the scan disagree on {disagree} of {check} points");
    }
    let (found_i, took_i) = route(&index, points, threads, GridIndex::locate);
    let scan_n = scan_points.min(points).max(1);
    let (found_s, took_s) = route(&index, scan_n, threads, GridIndex::locate_scan);
    let (ri, rs) = (rate(points, took_i), rate(scan_n, took_s));
    println!(
        "{:<34} {:>12.0} points/s   ({points} points, {found_i} in a grid, {:.2} µs each per thread)",
        "index (R-tree + point-in-polygon)",
        ri,
        took_i.as_secs_f64() * 1e6 * threads as f64 / points.max(1) as f64
    );
    println!(
        "{:<34} {:>12.0} points/s   ({scan_n} points, {found_s} in a grid, {:.2} µs each per thread)",
        "brute-force scan",
        rs,
        took_s.as_secs_f64() * 1e6 * threads as f64 / scan_n as f64
    );
    let ratio = ri / rs.max(1e-9);
    println!(
        "index / scan: {ratio:.0}×   target ≥ {TARGET_RATIO:.0}× {}",
        if ratio >= TARGET_RATIO {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_in_the_box_reaches_one_unit_grid() {
        let index = GridIndex::build(grids());
        assert_eq!(index.len(), 10_030);
        for i in 0..200 {
            let p = point(i);
            let a = index.locate(p, GridKind::Unit, None);
            assert!(a.is_some(), "{p:?}");
            assert_eq!(a, index.locate_scan(p, GridKind::Unit, None));
        }
        let (found, _) = route(&index, 100, 2, GridIndex::locate);
        assert_eq!(found, 100);
    }
}
