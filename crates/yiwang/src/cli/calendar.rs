//! `yiwang calendar`: importing a year's holiday arrangement, asking about working days,
//! listing the covered years.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiwang_kernel::auth::Ctx;

use crate::config::DbArgs;
use crate::{clock, kernel_err};

#[derive(Subcommand, Debug)]
pub enum CalendarCommand {
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

pub async fn run(cmd: CalendarCommand) -> anyhow::Result<ExitCode> {
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
