//! `yiwang files migrate --to s3://bucket/prefix`: copies the local store (`<data-dir>/files`)
//! into a bucket and verifies every digest there ([`yiwang_files::migrate`]), printing
//! progress. Resumable: what is already in the bucket and verifies is skipped. Exit 1 when any
//! file is bad, naming the first one (in digest order).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Subcommand;
use yiwang_files::migrate::{Progress, migrate};
use yiwang_files::{LocalFileStore, Location};

use crate::config::files_err;
use crate::kernel_err;

#[derive(Subcommand, Debug)]
pub enum FilesCommand {
    /// Copy the local file store (`<data-dir>/files`) into a bucket and verify every file's
    /// SM3 there; run it again to resume (files already there and verified are skipped).
    /// Endpoint and credentials come from the environment, as for `serve --files`.
    Migrate {
        /// The data directory whose `files/` is copied.
        #[arg(long, env = "YIWANG_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// The target: `s3://bucket/prefix`.
        #[arg(long)]
        to: String,
    },
}

/// How often progress is printed.
const EVERY: Duration = Duration::from_secs(2);

/// `yiwang files …`.
pub async fn run(cmd: FilesCommand) -> anyhow::Result<ExitCode> {
    let FilesCommand::Migrate { data_dir, to } = cmd;
    let root = data_dir.join("files");
    if !root.is_dir() {
        anyhow::bail!(
            "--data-dir: {} 下没有文件存储（files/ 不存在）/ there is no file store under {} \
             (no files/ directory) [files.source]",
            data_dir.display(),
            data_dir.display()
        );
    }
    let from = LocalFileStore::open(&data_dir).map_err(kernel_err)?;
    let target = Location::from_setting(Some(&to), &data_dir).map_err(|e| {
        let e = kernel_err(e);
        anyhow::anyhow!("--to: {e}")
    })?;
    let store = target.open().await.map_err(|e| files_err(&target, e))?;
    println!("复制 copying {} → {}", root.display(), target.describe());
    let started = Instant::now();
    let mut last = Instant::now();
    let report = migrate(&from, store.as_ref(), |p| {
        if last.elapsed() >= EVERY {
            last = Instant::now();
            print_progress(p, started);
        }
    })
    .await
    .map_err(|e| files_err(&target, e))?;
    print_progress(&report, started);
    let Some((first, why)) = report.bad.first() else {
        println!(
            "完成 done: 全部 {} 个文件在目标中校验一致 every file verified in the target",
            report.total
        );
        return Ok(ExitCode::SUCCESS);
    };
    for (name, reason) in report.bad.iter().take(20) {
        eprintln!("  有问题 bad: {name}: {reason}");
    }
    if report.bad.len() > 20 {
        eprintln!("  … {} more", report.bad.len() - 20);
    }
    eprintln!(
        "{} 个文件未能复制或校验 / {} files not copied or not verified; 第一个 the first: {first} ({why})",
        report.bad.len(),
        report.bad.len()
    );
    Ok(ExitCode::FAILURE)
}

fn print_progress(p: &Progress, started: Instant) {
    let secs = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "进度 progress {}/{}: 复制 copied {} ({:.1} MiB), 已有 already there {}, 有问题 bad {} — {:.0} files/s",
        p.done,
        p.total,
        p.copied,
        p.bytes_copied as f64 / 1_048_576.0,
        p.skipped,
        p.bad.len(),
        p.done as f64 / secs
    );
}
