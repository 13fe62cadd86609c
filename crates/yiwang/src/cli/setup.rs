//! `yiwang migrate`, `yiwang demo` and `yiwang keys`: setting a database up, loading the demo
//! city, rotating the data key ring.

use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Add a new current data key and re-encrypt every sealed value under it, in small
    /// transactions; a running server picks the new key up from the key file by itself.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `yiwang migrate`: applies the migrations (opening the database does) and reports.
pub async fn migrate(db: DbArgs) -> anyhow::Result<ExitCode> {
    let pool = db.open().await?;
    println!("迁移完成 migrations applied: {}", db.describe());
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `yiwang demo`: loads the demo city once.
pub async fn demo(db: DbArgs) -> anyhow::Result<ExitCode> {
    let pool = db.open().await?;
    // The demo cases' files go where `serve` keeps material files.
    let files = db.file_store().await?;
    let r = yiwang_demo::load_with_files(&pool, clock(), db.keys()?, files)
        .await
        .map_err(kernel_err)?;
    print_demo(&r);
    let services = yiwang_web::Services::build(
        &yiwang_web::WebConfig::default(),
        yiwang_web::ServiceSettings::new(pool.clone(), clock(), db.keys()?),
    );
    crate::cli::kpi::refresh_after_demo(&services.supervision).await;
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `yiwang keys`.
pub async fn keys(cmd: KeysCommand) -> anyhow::Result<ExitCode> {
    let KeysCommand::Rotate { db } = cmd;
    let pool = db.open().await?;
    let keys = db.keys()?;
    // The exchange's collected rows are sealed under the same ring: rewrapped with the rest.
    let exchange = yiwang_exchange::ExchangeService::new(pool.clone(), clock(), keys.clone());
    let identity = yiwang_identity::IdentityService::new(
        pool.clone(),
        clock(),
        yiwang_identity::IdentityConfig::default(),
        keys,
    )
    .with_sealed_data(std::sync::Arc::new(exchange));
    let (id, n) = identity
        .rotate_keys(&Ctx::system("cli-keys"))
        .await
        .map_err(kernel_err)?;
    println!("新密钥 new current key {id}; 重新加密 re-encrypted {n} rows");
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}

pub fn print_demo(r: &yiwang_demo::DemoReport) {
    if r.loaded {
        println!(
            "演示城市已加载 demo city loaded: {} departments, {} basic items, {} items ({} published), {} halls, {} staff accounts, {} cases",
            r.departments, r.basic_items, r.items, r.published, r.halls, r.staff, r.cases
        );
    } else {
        println!("演示城市已存在，未作改动 the demo city is already there; nothing changed");
    }
}
