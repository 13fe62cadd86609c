//! `yiwang licences`: the bulk import (归集) of licences issued elsewhere, run to its end with
//! progress, and the expiry notices sweep.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;
use yiwang_web::{ServiceSettings, Services, WebConfig};

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum LicencesCommand {
    /// Import a CSV (UTF-8 or GBK) or XLSX file of licences of one type issued elsewhere, sealed
    /// with the department's key: every row is checked first; with any row error nothing is
    /// imported and the errors are printed (exit 1).
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// The licence type code (21 characters).
        #[arg(long = "type")]
        type_code: String,
        /// The importing (issuing) department's id.
        #[arg(long)]
        department: i64,
        file: PathBuf,
        /// Signing threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Tell holders of licences that expire within 30 days or have expired (once each); the
    /// server does this every 10 minutes.
    Sweep {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `yiwang licences …`.
pub async fn run(cmd: LicencesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LicencesCommand::Import {
            db,
            type_code,
            department,
            file,
            threads,
        } => import(db, &type_code, department, &file, threads).await,
        LicencesCommand::Sweep { db } => {
            let pool = db.open().await?;
            let services = Services::build(
                &WebConfig::default(),
                ServiceSettings::new(pool.clone(), clock(), db.keys()?),
            );
            let r = services.licences.sweep_expiry().await.map_err(kernel_err)?;
            println!(
                "已通知 told holders: {} licences expiring within {} days, {} expired",
                r.expiring,
                yiwang_licences::EXPIRING_DAYS,
                r.expired
            );
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `yiwang licences import`: the same job as the API's, run here to its end with progress.
async fn import(
    db: DbArgs,
    type_code: &str,
    department: i64,
    file: &std::path::Path,
    threads: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", file.display()))?;
    let pool = db.open().await?;
    let keys = db.keys()?;
    let identity = yiwang_identity::IdentityService::new(
        pool.clone(),
        clock(),
        yiwang_identity::IdentityConfig::default(),
        keys.clone(),
    );
    let svc = yiwang_licences::LicenceService::new(pool.clone(), clock(), keys, identity);
    let mut imports = yiwang_licences::LicenceImports::new(svc);
    if let Some(n) = threads {
        imports = imports.with_threads(n);
    }
    let ctx = Ctx::system("cli-licences");
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let job = imports
        .create(&ctx, type_code, department, &name, &bytes)
        .await
        .map_err(kernel_err)?;
    drop(bytes);
    println!(
        "导入任务 import job {} queued ({} bytes, SM3 {})",
        job.id, job.file_size, job.file_sha
    );
    let progress = {
        let imports = imports.clone();
        let id = job.id;
        tokio::spawn(async move {
            let mut last = (String::new(), -1i64, -1i64);
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let Ok(j) = imports.job_status(id).await else {
                    continue;
                };
                if j.finished() {
                    return;
                }
                let now = (j.status.clone(), j.total_rows, j.processed_rows);
                if now != last {
                    if j.status == "sealing" {
                        println!(
                            "  签章入库 sealing {}/{} ({:.1} %)",
                            j.processed_rows, j.total_rows, j.percent
                        );
                    } else {
                        println!(
                            "  {} {} checked {} rows",
                            j.status_zh, j.status, j.total_rows
                        );
                    }
                    last = now;
                }
            }
        })
    };
    let done = imports.drive(job.id).await.map_err(kernel_err)?;
    progress.abort();
    let code = match done.status.as_str() {
        "done" => {
            println!(
                "已导入 imported {} licences of {} rows ({} warnings)",
                done.imported_rows, done.total_rows, done.warning_count
            );
            ExitCode::SUCCESS
        }
        "rejected" => {
            println!(
                "未导入 not imported: {} row errors in {} rows",
                done.error_count, done.total_rows
            );
            ExitCode::from(1)
        }
        _ => {
            println!("失败 failed: {}", done.message);
            ExitCode::from(2)
        }
    };
    if done.error_count + done.warning_count > 0 {
        let (_, problems) = imports
            .problems(&ctx, done.id, 1000)
            .await
            .map_err(kernel_err)?;
        for p in &problems {
            eprintln!(
                "  第{}行 line {} {} [{}] {}: {} / {}",
                p.line, p.line, p.field, p.code, p.level, p.message_zh, p.message_en
            );
        }
        let shown = i64::try_from(problems.len()).unwrap_or(0);
        if done.error_count + done.warning_count > shown {
            eprintln!(
                "  … {} more (GET /api/v1/licences/imports/{}/errors?format=csv)",
                done.error_count + done.warning_count - shown,
                done.id
            );
        }
    }
    pool.close().await;
    Ok(code)
}
