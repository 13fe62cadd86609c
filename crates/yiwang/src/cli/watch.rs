//! `yiwang watch`: electronic supervision (电子监察) from the command line.

use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;
use yiwang_web::{ServiceSettings, Services, WebConfig};

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum WatchCommand {
    /// Run the monitoring rules over the process data not yet read and the open cases'
    /// deadline colours, raising each warning once (the server also does it periodically).
    Scan {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `yiwang watch scan`.
pub async fn run(cmd: WatchCommand) -> anyhow::Result<ExitCode> {
    let WatchCommand::Scan { db } = cmd;
    let pool = db.open().await?;
    let services = Services::build(
        &WebConfig::default(),
        ServiceSettings::new(pool.clone(), clock(), db.keys()?),
    );
    let r = services
        .supervision
        .scan(&Ctx::system("watch"))
        .await
        .map_err(kernel_err)?;
    println!(
        "read {} process events (up to #{}), looked at {} open cases with a deadline colour: {} new warnings",
        r.events, r.cursor, r.overdue_cases, r.raised
    );
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}
