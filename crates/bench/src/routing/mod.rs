//! `yiwang bench routing`: routing work orders (工单) to grids (网格).
//!
//! - `points` ([`points`]): points routed per second against 10,000 grid polygons through the
//!   spatial index (`GridIndex::locate`: an R-tree of bounding boxes, then point-in-polygon),
//!   beside the brute-force scan of the same polygons (`GridIndex::locate_scan`) in the same
//!   run. Target: the index ≥ 100× the scan.
//! - `intake`: work-order intake over HTTP beside the bare insert of the same rows (added with
//!   the intake API).

pub mod points;

use clap::ValueEnum;

/// Which part of the routing benchmark to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Point-in-grid routing: the index beside the brute-force scan.
    Points,
}

/// Runs the chosen part.
pub async fn run(
    part: Part,
    points: usize,
    scan_points: usize,
    threads: usize,
) -> anyhow::Result<()> {
    match part {
        Part::Points => points::run(points, scan_points, threads),
    }
}
