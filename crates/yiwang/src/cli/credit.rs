//! `yiwang credit`: the credit red and black lists (信用红黑名单) from the command line.

use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;
use yiwang_web::{ServiceSettings, Services, WebConfig};

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum CreditCommand {
    /// Synchronise the lists with a credit-list resource published in the data exchange: rows
    /// added or changed are written, entries whose row is gone are revoked; nothing changes if
    /// any row is invalid. Running it again writes nothing.
    Sync {
        /// The published resource's code (e.g. `208001/000001`).
        #[arg(long)]
        resource: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `yiwang credit sync`.
pub async fn run(cmd: CreditCommand) -> anyhow::Result<ExitCode> {
    let CreditCommand::Sync { resource, db } = cmd;
    let pool = db.open().await?;
    let services = Services::build(
        &WebConfig::default(),
        ServiceSettings::new(pool.clone(), clock(), db.keys()?),
    );
    let r = services
        .supervision
        .sync_credit(&Ctx::system("cli-credit"), &resource)
        .await;
    pool.close().await;
    let r = r.map_err(kernel_err)?;
    println!(
        "{}: {} current rows — {} added, {} updated, {} unchanged, {} revoked",
        r.resource, r.rows, r.inserted, r.updated, r.unchanged, r.retired
    );
    Ok(ExitCode::SUCCESS)
}
