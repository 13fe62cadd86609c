//! `yiwang exchange`: collection (归集) of a resource's rows from a local file, run to its end
//! with a progress bar on standard error. The file is read in place (streamed), never copied
//! into the database, so files of tens of millions of rows load in bounded memory; a load
//! interrupted by a stopped process resumes from its last batch when the server starts (or
//! the same command runs again… as a new load: re-loading the same file changes nothing).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiwang_exchange::ExchangeService;
use yiwang_exchange::collect::{Collector, LoadOptions, LoadView, Mode};
use yiwang_kernel::auth::Ctx;

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum ExchangeCommand {
    /// Load a file (CSV in UTF-8 or GBK, XLSX, or JSON lines `.jsonl`) into a published
    /// resource: every row checked against its items' types and quality rules, changed rows
    /// kept with history. Exit 1 when rows were refused, 2 when the load failed.
    Load {
        #[command(flatten)]
        db: DbArgs,
        /// The resource code (前段码/后段码, e.g. 101001/000001).
        #[arg(long)]
        resource: String,
        file: PathBuf,
        /// `good`: load the good rows and report the others; `all`: nothing unless every row
        /// is good.
        #[arg(long, default_value = "good")]
        mode: String,
        /// A full load: close the current keys the file lacks.
        #[arg(long)]
        full: bool,
    },
    /// Return-flow (回流) packages: `export-package`, `import-package`.
    #[command(flatten)]
    Package(crate::cli::exchange_packages::PackageCommand),
}

/// `yiwang exchange …`.
pub async fn run(cmd: ExchangeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExchangeCommand::Load {
            db,
            resource,
            file,
            mode,
            full,
        } => {
            let mode = Mode::parse(&mode).ok_or_else(|| {
                anyhow::anyhow!("--mode 只能是 good 或 all / must be good or all")
            })?;
            load(db, &resource, file, LoadOptions { mode, full }).await
        }
        ExchangeCommand::Package(cmd) => crate::cli::exchange_packages::run(cmd).await,
    }
}

/// The progress bar line: `[#####-----]  45.3 %  4530000/10000000 rows  loading`.
pub fn bar(v: &LoadView) -> String {
    let width = 30usize;
    let filled = ((v.percent / 100.0) * width as f64).round() as usize;
    let filled = filled.min(width);
    format!(
        "[{}{}] {:5.1} %  {}/{} rows  {} {}",
        "#".repeat(filled),
        "-".repeat(width - filled),
        v.percent,
        v.processed_rows,
        v.total_rows,
        v.status_zh,
        v.status
    )
}

async fn load(
    db: DbArgs,
    code: &str,
    file: PathBuf,
    opts: LoadOptions,
) -> anyhow::Result<ExitCode> {
    let pool = db.open().await?;
    let collector = Collector::new(ExchangeService::new(pool.clone(), clock(), db.keys()?));
    let ctx = Ctx::system("cli-exchange");
    let job = collector
        .load_path(&ctx, code, file, opts)
        .await
        .map_err(kernel_err)?;
    eprintln!(
        "归集任务 load {} queued: {} ({} rows expected)",
        job.id, job.file_name, job.total_rows
    );
    let progress = {
        let c = collector.clone();
        let id = job.id;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let Ok(j) = c.status(id).await else { continue };
                if j.finished() {
                    return;
                }
                let mut err = std::io::stderr();
                let _ = write!(err, "\r{}", bar(&j));
                let _ = err.flush();
            }
        })
    };
    let done = collector.drive(job.id).await.map_err(kernel_err)?;
    progress.abort();
    eprintln!("\r{}", bar(&done));
    println!(
        "{} {}: 好行 good {}，问题行 bad {}；新增 inserted {}，变更 changed {}，未变 unchanged {}，关闭 closed {}",
        done.status_zh,
        done.status,
        done.good_rows,
        done.bad_rows,
        done.inserted_rows,
        done.changed_rows,
        done.unchanged_rows,
        done.closed_rows
    );
    if !done.message.is_empty() {
        println!("{}", done.message);
    }
    if !done.counts.is_empty() {
        let report = collector
            .report(&ctx, code, done.id)
            .await
            .map_err(kernel_err)?;
        for (rule, n) in &done.counts {
            eprintln!("  {rule}: {n}");
        }
        for i in report.issues.iter().take(50) {
            eprintln!(
                "  第{}行 line {} {} [{}] {}: {} / {}",
                i.line, i.line, i.item, i.rule, i.value, i.message_zh, i.message_en
            );
        }
    }
    pool.close().await;
    Ok(match done.status.as_str() {
        "done" if done.bad_rows == 0 => ExitCode::SUCCESS,
        "done" | "rejected" => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}
