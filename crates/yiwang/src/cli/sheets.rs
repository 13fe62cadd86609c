//! `yiwang import` and `yiwang export`: departments and items in and out as CSV or XLSX, as
//! the platform operator.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;
use yiwang_sheets::Format;

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum ImportWhat {
    Departments {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
    Items {
        #[command(flatten)]
        db: DbArgs,
        /// The item table (CSV) or the whole workbook (XLSX).
        file: PathBuf,
        #[arg(long)]
        materials: Option<PathBuf>,
        #[arg(long)]
        fees: Option<PathBuf>,
        #[arg(long)]
        faqs: Option<PathBuf>,
        #[arg(long)]
        steps: Option<PathBuf>,
    },
}

pub async fn import(what: ImportWhat) -> anyhow::Result<ExitCode> {
    let read = |p: &PathBuf| {
        std::fs::read(p).map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", p.display()))
    };
    let ctx = Ctx::system("cli-import");
    match what {
        ImportWhat::Departments { db, file } => {
            let bytes = read(&file)?;
            let pool = db.open().await?;
            let r = yiwang_org::OrgService::new(pool.clone(), clock())
                .import_departments(&ctx, &bytes)
                .await
                .map_err(kernel_err)?;
            println!(
                "已导入 imported: {} created, {} updated ({})",
                r.created, r.updated, r.encoding
            );
            pool.close().await;
        }
        ImportWhat::Items {
            db,
            file,
            materials,
            fees,
            faqs,
            steps,
        } => {
            let items = read(&file)?;
            let opt = |p: &Option<PathBuf>| p.as_ref().map(read).transpose();
            let (materials, fees, faqs, steps) =
                (opt(&materials)?, opt(&fees)?, opt(&faqs)?, opt(&steps)?);
            let pool = db.open().await?;
            let files = yiwang_catalog::io::ImportFiles {
                items: &items,
                materials: materials.as_deref(),
                fees: fees.as_deref(),
                faqs: faqs.as_deref(),
                steps: steps.as_deref(),
            };
            let r = yiwang_catalog::CatalogService::new(pool.clone(), clock())
                .import_items(&ctx, files)
                .await
                .map_err(kernel_err)?;
            println!(
                "已导入 imported: {} created, {} updated, {} rows ({})",
                r.created, r.updated, r.rows, r.encoding
            );
            pool.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `yiwang export`: `what` is `departments` or `items`; `table` picks the item table of a CSV.
pub async fn export(
    db: DbArgs,
    what: &str,
    format: &str,
    table: &str,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let pool = db.open().await?;
    let format = Format::parse(format)
        .ok_or_else(|| anyhow::anyhow!("--format 须为 csv 或 xlsx / must be csv or xlsx"))?;
    let ctx = Ctx::system("cli-export");
    let bytes = match what {
        "departments" => yiwang_org::OrgService::new(pool.clone(), clock())
            .export_departments(&ctx, format)
            .await
            .map_err(kernel_err)?,
        "items" => {
            let table = yiwang_catalog::io::Table::parse(table)
                .ok_or_else(|| anyhow::anyhow!("--table 无效 / unknown table `{table}`"))?;
            yiwang_catalog::CatalogService::new(pool.clone(), clock())
                .export_items(&ctx, format, table)
                .await
                .map_err(kernel_err)?
        }
        other => anyhow::bail!(
            "只能导出 departments 或 items / can export `departments` or `items`, not `{other}`"
        ),
    };
    std::fs::write(out, &bytes)?;
    println!("已导出 exported {} bytes to {}", bytes.len(), out.display());
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}
