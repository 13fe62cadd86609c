//! `yiwang cases`: recomputing due dates and warnings of open cases now.

use std::process::ExitCode;

use clap::Subcommand;
use yiwang_web::{ServiceSettings, Services, WebConfig};

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum CasesCommand {
    /// Recompute the due dates and warning colours (yellow/red) of every open case.
    Sweep {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `yiwang cases sweep`.
pub async fn run(cmd: CasesCommand) -> anyhow::Result<ExitCode> {
    let CasesCommand::Sweep { db } = cmd;
    let pool = db.open().await?;
    let services = Services::build(
        &WebConfig::default(),
        ServiceSettings::new(pool.clone(), clock(), db.keys()?),
    );
    let r = services.cases.sweep().await.map_err(kernel_err)?;
    println!(
        "checked {} open cases: {} changed, {} red (overdue), {} yellow (at risk), {} lacking a calendar year",
        r.checked, r.changed, r.red, r.yellow, r.calendar_missing
    );
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}
