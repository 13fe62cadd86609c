//! `yiwang exchange`: the return flow (回流) — a resource, or one county's part of it, exported
//! as a verified package for a lower-level node, and such a package imported (every SM3 digest
//! checked; a package with one byte changed is refused naming the part). As the platform
//! operator (`system:cli`), audited.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiwang_exchange::package::PackageFilter;
use yiwang_kernel::auth::Ctx;
use yiwang_web::{ServiceSettings, Services, WebConfig};

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum PackageCommand {
    /// Export a published resource as a return-flow package (zip: manifest, rows, SM3 digests).
    ExportPackage {
        #[command(flatten)]
        db: DbArgs,
        /// The resource code (前段码/后段码, e.g. 101001/000001).
        #[arg(long)]
        resource: String,
        /// Only rows whose `division` item starts with this code (a county, e.g. 440802).
        #[arg(long)]
        division: Option<String>,
        /// Where to write the package.
        out: PathBuf,
    },
    /// Import a return-flow package: verified, then the resource registered and published if
    /// absent and every row version written exactly.
    ImportPackage {
        #[command(flatten)]
        db: DbArgs,
        /// The package file.
        file: PathBuf,
    },
}

/// `yiwang exchange …`.
pub async fn run(cmd: PackageCommand) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::system("cli");
    match cmd {
        PackageCommand::ExportPackage {
            db,
            resource,
            division,
            out,
        } => {
            let pool = db.open().await?;
            let s = Services::build(
                &WebConfig::default(),
                ServiceSettings::new(pool.clone(), clock(), db.keys()?),
            );
            let (bytes, m) = s
                .exchange
                .export_package(&ctx, &resource, &PackageFilter { division })
                .await
                .map_err(kernel_err)?;
            std::fs::write(&out, &bytes)?;
            println!(
                "exported {} v{}: {} current rows, {} row versions, {} bytes → {}",
                m.resource,
                m.version,
                m.row_count,
                m.version_count,
                bytes.len(),
                out.display()
            );
            pool.close().await;
        }
        PackageCommand::ImportPackage { db, file } => {
            let bytes = std::fs::read(&file)?;
            let pool = db.open().await?;
            let s = Services::build(
                &WebConfig::default(),
                ServiceSettings::new(pool.clone(), clock(), db.keys()?),
            );
            let r = s
                .exchange
                .import_package(&ctx, &bytes)
                .await
                .map_err(kernel_err)?;
            println!(
                "imported {} (v{} here{}): {} row versions written, {} unchanged, {} current rows; manifest SM3 {}",
                r.resource,
                r.version,
                if r.created { ", registered now" } else { "" },
                r.written,
                r.unchanged,
                r.row_count,
                r.manifest_sm3
            );
            pool.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
