//! `yiwang bench routing`: routing work orders (工单) to grids (网格).
//!
//! - `points` ([`points`]): points routed per second against 10,000 grid polygons through the
//!   spatial index (`GridIndex::locate`: an R-tree of bounding boxes, then point-in-polygon),
//!   beside the brute-force scan of the same polygons (`GridIndex::locate_scan`) in the same
//!   run. Target: the index ≥ 100× the scan.
//! - `intake` ([`intake`]): work-order intake over HTTP at 64 clients (Open311 POST) beside the
//!   bare insert of the same rows in the same run. Target: intake ≥ 50 % of the bare insert.

pub mod intake;
pub mod points;

use clap::ValueEnum;

/// Which part of the routing benchmark to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Point-in-grid routing: the index beside the brute-force scan.
    Points,
    /// Work-order intake over HTTP beside the bare insert.
    Intake,
    /// Both, one after the other.
    All,
}

/// Runs the chosen part.
pub async fn run(
    part: Part,
    points: usize,
    scan_points: usize,
    threads: usize,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    match part {
        Part::Points => points::run(points, scan_points, threads),
        Part::Intake => intake::run(clients, seconds).await,
        Part::All => {
            points::run(points, scan_points, threads)?;
            intake::run(clients, seconds).await
        }
    }
}
