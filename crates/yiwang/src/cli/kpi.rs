//! `yiwang kpi`: refreshing the materialised KPI facts now (the server also does it every ten
//! minutes).

use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;
use yiwang_supervision::kpi::RefreshMode;
use yiwang_web::{ServiceSettings, Services, WebConfig};

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum KpiCommand {
    /// Recompute the KPI facts from the domains: incremental (from the last refreshed day minus
    /// 45 days to today), or with `--full` every day since `--from` (default: three years ago).
    Refresh {
        #[command(flatten)]
        db: DbArgs,
        /// Recompute every day since `--from`.
        #[arg(long)]
        full: bool,
        /// The first day of a full refresh (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
    },
}

/// `yiwang kpi refresh [--full]`.
pub async fn run(cmd: KpiCommand) -> anyhow::Result<ExitCode> {
    let KpiCommand::Refresh { db, full, from } = cmd;
    let clock = clock();
    let mode = if full {
        let from = match from {
            Some(s) => yiwang_calendar::data::parse_date(&s).ok_or_else(|| {
                anyhow::anyhow!("--from 应为日期 YYYY-MM-DD must be a date YYYY-MM-DD: {s}")
            })?,
            None => {
                let today = clock.today();
                today
                    .replace_year(today.year() - 3)
                    .unwrap_or(today)
                    .replace_day(1)
                    .unwrap_or(today)
            }
        };
        RefreshMode::Full { from }
    } else {
        RefreshMode::Incremental
    };
    let pool = db.open().await?;
    let services = Services::build(
        &WebConfig::default(),
        ServiceSettings::new(pool.clone(), clock, db.keys()?),
    );
    let started = std::time::Instant::now();
    let r = services
        .supervision
        .refresh(&Ctx::system("cli-kpi"), mode)
        .await
        .map_err(kernel_err)?;
    println!(
        "已刷新考评指标 refreshed the KPI facts ({}) {} .. {}: {} day rows, {} months, {:.1} s",
        r.mode,
        yiwang_kernel::clock::ymd(r.from),
        yiwang_kernel::clock::ymd(r.to),
        r.rows,
        r.months,
        started.elapsed().as_secs_f64()
    );
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}

/// After the demo city is loaded: materialise its KPI facts (the last twelve months on the
/// first run, incremental after), so the leader's screen has figures at once. A failure is
/// reported, never fatal: the background refresh tries again.
pub async fn refresh_after_demo(supervision: &yiwang_supervision::SupervisionService) {
    match supervision
        .refresh(&Ctx::system("demo"), RefreshMode::Incremental)
        .await
    {
        Ok(r) => println!(
            "考评指标已刷新 KPI facts refreshed: {} day rows, {} months",
            r.rows, r.months
        ),
        Err(e) => tracing::warn!(error = %e, "demo: kpi refresh failed"),
    }
}
