//! `yiwang`: the one binary of the platform.
//!
//! `serve` runs the platform (optionally loading the demo city), `migrate` applies the schema,
//! `demo` loads the demo city, `audit` verifies the hash-chained audit log, `import`/`export`
//! move departments and items in and out as CSV/XLSX, `calendar` imports a year's holiday
//! arrangement and answers working-day questions, `bench` measures (the benchmarks live in the
//! `yiwang-bench` crate). Every command takes the same database settings (`--data-dir`,
//! `--database-url`, or `YIWANG_DATA_DIR`, `YIWANG_DATABASE_URL`).
//!
//! This file parses the command line and dispatches; each subcommand's code lives in its own
//! module under `cli/`.

mod cli;
mod config;
mod config_file;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser, Subcommand};
use yiwang_kernel::clock::{Clock, SystemClock};

use crate::cli::audit::AuditCommand;
use crate::cli::calendar::CalendarCommand;
use crate::cli::cases::CasesCommand;
use crate::cli::credit::CreditCommand;
use crate::cli::exchange::ExchangeCommand;
use crate::cli::inspection::InspectionCommand;
use crate::cli::kpi::KpiCommand;
use crate::cli::licences::LicencesCommand;
use crate::cli::serve::ServeConfig;
use crate::cli::setup::KeysCommand;
use crate::cli::sheets::ImportWhat;
use crate::cli::watch::WatchCommand;
use crate::config::DbArgs;

#[derive(Parser, Debug)]
#[command(
    name = "yiwang",
    version,
    about = "Yiwang 一网通办 — integrated government-service platform"
)]
struct Cli {
    /// A configuration file (TOML): its keys are the long flags of `serve` with `_` for `-`
    /// (docs/yiwang.example.toml). Precedence: flag > environment variable > file > default.
    #[arg(long, global = true, env = config_file::ENV)]
    config: Option<PathBuf>,
    /// Log lines as `text` or `json` (one JSON object a line, with the request id of the
    /// request being handled). The filter is `YIWANG_LOG` (default `info,sqlx=warn`).
    #[arg(long, global = true, env = "YIWANG_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the platform (HTTP API and pages).
    Serve(ServeConfig),
    /// Apply the database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load the demo city; running it twice changes nothing.
    Demo {
        #[command(flatten)]
        db: DbArgs,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The key ring that encrypts personal data at rest (`keys.json` in the data directory,
    /// or `YIWANG_MASTER_KEYS`).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Import departments or items from a CSV (UTF-8 or GBK) or XLSX file, as the platform
    /// operator. Nothing is written unless every row is valid.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export departments or published items as CSV or XLSX.
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// `departments` or `items`.
        what: String,
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// For CSV exports of items: items, materials, fees, faqs or steps.
        #[arg(long, default_value = "items")]
        table: String,
        /// Where to write the file.
        #[arg(long)]
        out: PathBuf,
    },
    /// The working-day calendar: import a year's official holiday arrangement, ask about dates.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Cases: recompute due dates and warnings of open cases now.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Electronic supervision (电子监察): run the monitoring rules now.
    Watch {
        #[command(subcommand)]
        command: WatchCommand,
    },
    /// Credit red and black lists (信用红黑名单): synchronise them with the data exchange.
    Credit {
        #[command(subcommand)]
        command: CreditCommand,
    },
    /// Electronic licences: bulk import (归集) of licences issued elsewhere.
    Licences {
        #[command(subcommand)]
        command: LicencesCommand,
    },
    /// Data sharing and exchange: collection (归集) of a resource's rows from a file, return-flow
    /// (回流) packages.
    Exchange {
        #[command(subcommand)]
        command: ExchangeCommand,
    },
    /// KPIs (考评指标): refresh the materialised facts now.
    Kpi {
        #[command(subcommand)]
        command: KpiCommand,
    },
    /// Random inspection (双随机): re-run a published draw from its inputs.
    Inspection {
        #[command(subcommand)]
        command: InspectionCommand,
    },
    /// Check a deployment: database reachable and migrated, file store writable, key file
    /// readable, calendar covering next year, clock sane. Exits 1 when a check fails.
    Doctor {
        #[command(flatten)]
        db: DbArgs,
    },
    /// A consistent online backup of an SQLite node (database, files, the key ring sealed
    /// under a passphrase) into a new directory. PostgreSQL: see the README (exit code 2).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The directory to create (must not exist, or be empty).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        passphrase: cli::backup::PassphraseArgs,
    },
    /// Restore a backup into a fresh data directory (`--data-dir`, which must not exist or be
    /// empty); every digest, the row counts and the passphrase are checked first.
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The backup directory (made by `yiwang backup`).
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        passphrase: cli::backup::PassphraseArgs,
    },
    /// Material files: copy the local store into S3-compatible storage (`migrate --to`).
    Files {
        #[command(subcommand)]
        command: cli::files::FilesCommand,
    },
    /// Benchmarks (results go to BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        what: yiwang_bench::BenchCommand,
    },
}

/// The command line with the configuration file's settings added (see [`config_file`]).
fn arguments() -> anyhow::Result<Vec<OsString>> {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let Some(path) = config_file::named(&argv) else {
        return Ok(argv);
    };
    let file = config_file::read(&path)?;
    config_file::apply(&Cli::command(), argv, &file, &path, |var| {
        std::env::var_os(var).is_some()
    })
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("YIWANG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .init(),
        // One object a line: time, level, message and fields, the current span's fields
        // (`request_id`, `method`, `path` inside a request) and the list of spans.
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .init(),
    }
}

/// The mmap threshold of glibc's malloc set by [`fix_malloc_threshold`]: blocks of 4 MiB and
/// more get their own mapping, given back to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: usize = 4 << 20;

/// Keeps glibc's malloc from holding on to freed memory (issue 17: a node that had loaded the
/// demo city sat at several hundred MB, most of it free memory malloc kept).
///
/// By default glibc raises its mmap threshold to the size of any mapped block freed, up to
/// 32 MiB, and its trim threshold to twice that. The first password hash (argon2id, a 19 MiB
/// block) raises them to 19 and 38 MiB for good: from then on every hash's block comes from
/// a malloc arena (one per thread, up to 8 per core) and each arena keeps up to 38 MiB of free
/// memory resident. A fixed threshold turns that adjustment off, and glibc reads it only when
/// a process starts (`GLIBC_TUNABLES`; `mallopt` would need `unsafe`): so the process runs
/// itself again, once, with the tunable added — `exec` keeps its id, arguments and
/// environment. Nothing happens when `GLIBC_TUNABLES` already names the threshold (the
/// operator's own setting wins) or when the executable cannot be run again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_malloc_threshold() {
    use std::os::unix::process::CommandExt;
    const TUNABLE: &str = "glibc.malloc.mmap_threshold";
    let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    if current.contains(TUNABLE) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let ours = format!("{TUNABLE}={MMAP_THRESHOLD}");
    let tunables = if current.is_empty() {
        ours
    } else {
        format!("{current}:{ours}")
    };
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    // Returns only if the exec failed: then carry on with glibc's defaults.
    let _ = cmd.args(args).env("GLIBC_TUNABLES", tunables).exec();
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_malloc_threshold() {}

fn main() -> ExitCode {
    fix_malloc_threshold();
    let argv = match arguments() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(argv);
    init_logging(cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(cfg) => cli::serve::run(cfg).await,
        Command::Migrate { db } => cli::setup::migrate(db).await,
        Command::Demo { db } => cli::setup::demo(db).await,
        Command::Audit { command } => cli::audit::run(command).await,
        Command::Keys { command } => cli::setup::keys(command).await,
        Command::Import { what } => cli::sheets::import(what).await,
        Command::Export {
            db,
            what,
            format,
            table,
            out,
        } => cli::sheets::export(db, &what, &format, &table, &out).await,
        Command::Calendar { command } => cli::calendar::run(command).await,
        Command::Cases { command } => cli::cases::run(command).await,
        Command::Watch { command } => cli::watch::run(command).await,
        Command::Credit { command } => cli::credit::run(command).await,
        Command::Licences { command } => cli::licences::run(command).await,
        Command::Exchange { command } => cli::exchange::run(command).await,
        Command::Kpi { command } => cli::kpi::run(command).await,
        Command::Inspection { command } => cli::inspection::run(command).await,
        Command::Doctor { db } => cli::doctor::run(db).await,
        Command::Backup { db, to, passphrase } => cli::backup::backup(db, to, passphrase).await,
        Command::Restore {
            db,
            from,
            passphrase,
        } => cli::restore::restore(db, from, passphrase).await,
        Command::Files { command } => cli::files::run(command).await,
        Command::Bench { what } => {
            yiwang_bench::run(what).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A domain error as a CLI error: the bilingual message plus every field or row problem.
fn kernel_err(e: yiwang_kernel::Error) -> anyhow::Error {
    let mut s = format!(
        "{} / {} [{}]",
        e.message(yiwang_kernel::i18n::Lang::Zh),
        e.message(yiwang_kernel::i18n::Lang::En),
        e.code.as_str()
    );
    for f in &e.fields {
        s.push_str(&format!(
            "\n  {} ({}): {} / {}",
            f.field, f.rule, f.zh, f.en
        ));
    }
    for r in &e.rows {
        s.push_str(&format!(
            "\n  {} 第{}行 line {} {} ({}): {} / {}",
            r.sheet, r.line, r.line, r.field, r.rule, r.zh, r.en
        ));
    }
    if let Some(i) = &e.internal {
        tracing::debug!(cause = %i, "internal cause");
    }
    anyhow::anyhow!(s)
}
