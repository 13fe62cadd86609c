//! `yiwang`: the one binary of the platform.
//!
//! `serve` runs the platform (optionally loading the demo city), `migrate` applies the schema,
//! `demo` loads the demo city, `audit` verifies the hash-chained audit log, `import`/`export`
//! move departments and items in and out as CSV/XLSX, `calendar` imports a year's holiday
//! arrangement and answers working-day questions, `bench` measures. Every command takes the
//! same database settings (`--data-dir`, `--database-url`, or `YIWANG_DATA_DIR`,
//! `YIWANG_DATABASE_URL`).

mod bench;
mod bench_auth;
mod bench_cases;
mod bench_import;
mod bench_licences;
mod config;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_sheets::Format;
use yiwang_web::pages::DemoHint;
use yiwang_web::{AppState, WebConfig};

use crate::config::DbArgs;

#[derive(Parser, Debug)]
#[command(
    name = "yiwang",
    version,
    about = "Yiwang 一网通办 — integrated government-service platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the platform (HTTP API and pages).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "YIWANG_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo city (湛江市) if it is not there yet.
        #[arg(long, env = "YIWANG_DEMO")]
        demo: bool,
        /// Mark cookies Secure (when served behind TLS).
        #[arg(long, env = "YIWANG_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address people and department systems reach Yiwang at (`https://host[:port]`):
        /// the OpenID Connect issuer of single sign-on.
        #[arg(
            long,
            env = "YIWANG_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        /// Failed sign-ins of one account name, within the window, that lock it.
        #[arg(long, env = "YIWANG_LOCKOUT_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=100))]
        lockout_failures: i64,
        /// The lockout window in minutes.
        #[arg(long, env = "YIWANG_LOCKOUT_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(i64).range(1..=1440))]
        lockout_minutes: i64,
        /// Working days a department has to follow up a bad rating (差评整改).
        #[arg(long, env = "YIWANG_FOLLOWUP_DAYS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=60))]
        followup_days: u32,
    },
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
    /// Electronic licences: bulk import (归集) of licences issued elsewhere.
    Licences {
        #[command(subcommand)]
        command: LicencesCommand,
    },
    /// Benchmarks (results go to BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
enum CasesCommand {
    /// Recompute the due dates and warning colours (yellow/red) of every open case.
    Sweep {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
enum LicencesCommand {
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

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the whole chain; exit non-zero and name the first altered, deleted or inserted entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// An earlier exported head (`SEQ:HASH`) that must still be in the log.
        #[arg(long)]
        anchor: Option<String>,
    },
    /// Print the chain head (`SEQ:HASH`) for safekeeping outside the platform.
    Head {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
enum CalendarCommand {
    /// Import a year's arrangement (国务院办公厅关于YYYY年部分节假日安排的通知) from CSV:
    /// columns `date`, `kind` (holiday|workday), `occasion_zh`, optional `occasion_en`.
    /// Nothing is written unless every row is valid.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// The year the file describes; every date must lie in it.
        #[arg(long)]
        year: i32,
        file: PathBuf,
        /// Replace a year that is already covered (embedded or imported).
        #[arg(long)]
        replace: bool,
        /// Where the arrangement comes from (stored and audited); defaults to the file name.
        #[arg(long)]
        source: Option<String>,
    },
    /// Is DATE (YYYY-MM-DD) a working day? With `--add N`, also the N-th working day after it.
    Check {
        #[command(flatten)]
        db: DbArgs,
        date: String,
        #[arg(long)]
        add: Option<u32>,
    },
    /// List the covered years and where each comes from.
    Years {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Add a new current data key and re-encrypt every sealed value under it, in small
    /// transactions; a running server picks the new key up from the key file by itself.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
enum ImportWhat {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YIWANG_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_target(false)
        .init();
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
        Command::Serve {
            db,
            listen,
            demo,
            secure_cookies,
            public_url,
            lockout_failures,
            lockout_minutes,
            followup_days,
        } => {
            let lockout = yiwang_identity::LockoutPolicy {
                max_failures: lockout_failures,
                window: time::Duration::minutes(lockout_minutes),
            };
            serve(
                db,
                listen,
                demo,
                secure_cookies,
                &public_url,
                lockout,
                followup_days,
            )
            .await
        }
        Command::Migrate { db } => {
            let pool = db.open().await?;
            println!("迁移完成 migrations applied: {}", db.describe());
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { db } => {
            let pool = db.open().await?;
            // The demo cases' files go where `serve` keeps material files.
            let files = yiwang_files::LocalFileStore::open(&db.data_dir).map_err(kernel_err)?;
            let r = yiwang_demo::load_with_files(&pool, clock(), db.keys()?, Arc::new(files))
                .await
                .map_err(kernel_err)?;
            print_demo(&r);
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => audit(command).await,
        Command::Keys {
            command: KeysCommand::Rotate { db },
        } => {
            let pool = db.open().await?;
            let identity = yiwang_identity::IdentityService::new(
                pool.clone(),
                clock(),
                yiwang_identity::IdentityConfig::default(),
                db.keys()?,
            );
            let (id, n) = identity
                .rotate_keys(&Ctx::system("cli-keys"))
                .await
                .map_err(kernel_err)?;
            println!("新密钥 new current key {id}; 重新加密 re-encrypted {n} rows");
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { what } => import(what).await,
        Command::Export {
            db,
            what,
            format,
            table,
            out,
        } => {
            let pool = db.open().await?;
            let format = Format::parse(&format).ok_or_else(|| {
                anyhow::anyhow!("--format 须为 csv 或 xlsx / must be csv or xlsx")
            })?;
            let ctx = Ctx::system("cli-export");
            let bytes = match what.as_str() {
                "departments" => yiwang_org::OrgService::new(pool.clone(), clock())
                    .export_departments(&ctx, format)
                    .await
                    .map_err(kernel_err)?,
                "items" => {
                    let table = yiwang_catalog::io::Table::parse(&table)
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
            std::fs::write(&out, &bytes)?;
            println!("已导出 exported {} bytes to {}", bytes.len(), out.display());
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { command } => calendar(command).await,
        Command::Cases {
            command: CasesCommand::Sweep { db },
        } => {
            let pool = db.open().await?;
            let state = AppState::new(pool.clone(), clock(), WebConfig::default(), db.keys()?)
                .map_err(kernel_err)?;
            let r = state.cases.sweep().await.map_err(kernel_err)?;
            println!(
                "checked {} open cases: {} changed, {} red (overdue), {} yellow (at risk), {} lacking a calendar year",
                r.checked, r.changed, r.red, r.yellow, r.calendar_missing
            );
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Licences {
            command:
                LicencesCommand::Import {
                    db,
                    type_code,
                    department,
                    file,
                    threads,
                },
        } => licences_import(db, &type_code, department, &file, threads).await,
        Command::Licences {
            command: LicencesCommand::Sweep { db },
        } => {
            let pool = db.open().await?;
            let state = AppState::new(pool.clone(), clock(), WebConfig::default(), db.keys()?)
                .map_err(kernel_err)?;
            let r = state.licences.sweep_expiry().await.map_err(kernel_err)?;
            println!(
                "已通知 told holders: {} licences expiring within {} days, {} expired",
                r.expiring,
                yiwang_licences::EXPIRING_DAYS,
                r.expired
            );
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { what } => bench::run(what).await,
    }
}

/// `yiwang licences import`: the same job as the API's, run here to its end with progress.
async fn licences_import(
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

async fn calendar(cmd: CalendarCommand) -> anyhow::Result<ExitCode> {
    use yiwang_calendar::data::{format_date, parse_date};
    use yiwang_calendar::{CalendarService, ImportOptions};
    match cmd {
        CalendarCommand::Import {
            db,
            year,
            file,
            replace,
            source,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("无法读取 cannot read {}: {e}", file.display()))?;
            let pool = db.open().await?;
            let opts = ImportOptions {
                replace,
                source: source.unwrap_or_else(|| {
                    file.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                }),
            };
            let r = CalendarService::new(pool.clone(), clock())
                .import_year(&Ctx::system("cli-calendar"), year, &bytes, &opts)
                .await
                .map_err(kernel_err)?;
            println!(
                "已导入 imported {}: {} holidays, {} make-up working days{}",
                r.year,
                r.holidays,
                r.workdays,
                match r.replaced {
                    Some(s) => format!(" (replaced the {} arrangement)", s.as_str()),
                    None => String::new(),
                }
            );
            pool.close().await;
        }
        CalendarCommand::Check { db, date, add } => {
            let d = parse_date(&date).ok_or_else(|| {
                anyhow::anyhow!(
                    "日期无效，应为 YYYY-MM-DD / invalid date `{date}`, expected YYYY-MM-DD"
                )
            })?;
            let pool = db.open().await?;
            let cal = CalendarService::new(pool.clone(), clock())
                .current()
                .await
                .map_err(kernel_err)?;
            pool.close().await;
            let cal_err =
                |e: yiwang_calendar::CalendarError| anyhow::anyhow!("{} / {}", e.zh(), e.en());
            let working = cal.is_working_day(d).map_err(cal_err)?;
            let note = match cal.day(d).map_err(cal_err)? {
                Some(day) => format!(
                    " ({} {} {})",
                    day.kind.as_str(),
                    day.occasion_zh,
                    day.occasion_en
                ),
                None => String::new(),
            };
            println!(
                "{} {}{note}",
                format_date(d),
                if working {
                    "工作日 working day"
                } else {
                    "休息日 rest day"
                }
            );
            if let Some(n) = add {
                let end = cal.add_working_days(d, n).map_err(cal_err)?;
                println!("+{n} 个工作日 working days → {}", format_date(end));
            }
        }
        CalendarCommand::Years { db } => {
            let pool = db.open().await?;
            let cal = CalendarService::new(pool.clone(), clock())
                .current()
                .await
                .map_err(kernel_err)?;
            pool.close().await;
            for y in cal.years() {
                println!(
                    "{} {:8} {} holidays, {} make-up working days",
                    y.year,
                    y.source.as_str(),
                    y.holidays(),
                    y.workdays()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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

fn print_demo(r: &yiwang_demo::DemoReport) {
    if r.loaded {
        println!(
            "演示城市已加载 demo city loaded: {} departments, {} basic items, {} items ({} published), {} halls, {} staff accounts, {} cases",
            r.departments, r.basic_items, r.items, r.published, r.halls, r.staff, r.cases
        );
    } else {
        println!("演示城市已存在，未作改动 the demo city is already there; nothing changed");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// How often the server recomputes due dates and warnings of open cases.
const SWEEP_EVERY_SECS: u64 = 600;

#[allow(clippy::too_many_arguments)]
async fn serve(
    db: DbArgs,
    listen: String,
    demo: bool,
    secure_cookies: bool,
    public_url: &str,
    lockout: yiwang_identity::LockoutPolicy,
    followup_days: u32,
) -> anyhow::Result<ExitCode> {
    let public_url = config::public_url(public_url)?;
    let pool = db.open().await?;
    tracing::info!(database = %db.describe(), "database ready");
    let keys = db.keys()?;
    let mut state = AppState::new(
        pool.clone(),
        clock(),
        WebConfig {
            secure_cookies,
            public_url,
            identity: yiwang_identity::IdentityConfig {
                lockout,
                ..Default::default()
            },
            ..WebConfig::default()
        },
        keys.clone(),
    )
    .map_err(kernel_err)?;
    let files: Arc<dyn yiwang_files::FileStore> =
        Arc::new(yiwang_files::LocalFileStore::open(&db.data_dir).map_err(kernel_err)?);
    state = state.with_files(
        files.clone(),
        yiwang_cases::CaseConfig {
            followup_days,
            ..Default::default()
        },
    );
    report_calendar_coverage(&state).await;
    // Licence imports left unfinished by a stopped process go on from their last batch.
    match state.imports.resume_all().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "resuming licence imports"),
        Err(e) => tracing::error!(error = %e, "cannot list unfinished licence imports"),
    }
    if demo {
        let r = yiwang_demo::load_with_files(&pool, clock(), keys, files)
            .await
            .map_err(kernel_err)?;
        print_demo(&r);
        let hints = yiwang_demo::accounts()
            .iter()
            .map(|a| DemoHint {
                username: a.username.to_string(),
                role: format!("{} {}", a.role_zh, a.role_en),
                department: a.department.to_string(),
            })
            .collect();
        state.demo_hint = Some(Arc::new((hints, yiwang_demo::DEMO_PASSWORD.to_string())));
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow::anyhow!("无法监听 cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    println!("Yiwang 一网通办 is running at http://{addr}/ (Ctrl-C to stop)");
    // Keeps due dates and warning colours current (also when no one acts on a case).
    // Also tells licence holders of licences about to expire or expired (once each).
    let sweeper = state.cases.clone();
    let licences = state.licences.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_SECS));
        loop {
            every.tick().await;
            match licences.sweep_expiry().await {
                Ok(r) => tracing::debug!(
                    expiring = r.expiring,
                    expired = r.expired,
                    "licence expiry sweep"
                ),
                Err(e) => tracing::warn!(error = %e, "licence expiry sweep failed"),
            }
            match sweeper.sweep().await {
                Ok(r) => tracing::debug!(
                    checked = r.checked,
                    changed = r.changed,
                    red = r.red,
                    "deadline sweep"
                ),
                Err(e) => tracing::warn!(error = %e, "deadline sweep failed"),
            }
        }
    });
    yiwang_web::serve(listener, yiwang_web::app(state), shutdown_signal()).await?;
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Says at start-up when this year or the next has no holiday arrangement loaded: working-day
/// questions about such a year are refused (`calendar.year_missing`), never guessed.
async fn report_calendar_coverage(state: &AppState) {
    let this_year = state.clock.today().year();
    match state.calendar.current().await {
        Ok(cal) => {
            for year in [this_year, this_year + 1] {
                if !cal.covers(year) {
                    tracing::warn!(
                        year,
                        "未载入该年度节假日安排 no holiday arrangement for this year: working-day \
                         questions about it are refused until a system administrator imports it \
                         (yiwang calendar import --year {year} FILE.csv)"
                    );
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot load the working-day calendar"),
    }
}

async fn audit(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db, anchor } => {
            let pool = db.open().await?;
            let anchor = match anchor.as_deref() {
                None => None,
                Some(a) => {
                    let (seq, hash) = a.split_once(':').ok_or_else(|| {
                        anyhow::anyhow!("--anchor 格式为 SEQ:HASH / must be SEQ:HASH")
                    })?;
                    Some((
                        seq.parse::<i64>().map_err(|_| {
                            anyhow::anyhow!("--anchor: SEQ 须为整数 / must be a number")
                        })?,
                        hash.to_string(),
                    ))
                }
            };
            let verdict =
                yiwang_audit::verify(&pool, anchor.as_ref().map(|(s, h)| (*s, h.as_str())))
                    .await
                    .map_err(kernel_err)?;
            pool.close().await;
            match verdict {
                yiwang_audit::Verdict::Intact { entries, head } => {
                    println!(
                        "审计日志完整 audit log intact: {entries} entries, head {entries}:{head}"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                yiwang_audit::Verdict::Broken { seq, problem } => {
                    eprintln!("审计日志被篡改 audit log TAMPERED at entry {seq}: {problem}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        AuditCommand::Head { db } => {
            let pool = db.open().await?;
            let mut c = pool.clone();
            let h = yiwang_audit::head(&mut c).await.map_err(kernel_err)?;
            println!("{}:{}", h.seq, h.hash);
            pool.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(what: ImportWhat) -> anyhow::Result<ExitCode> {
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
