//! `yiwang doctor`: checks a deployment and prints one line per check, ✓ (passed), ⚠ (a
//! warning, does not fail) or ✗ (failed), in Chinese and English; exits 1 when any check
//! failed.
//!
//! The checks:
//! - **database**: reachable with the configured settings (an SQLite file must already exist:
//!   the doctor never creates one);
//! - **migrations**: every migration of this binary has been applied (none pending; the doctor
//!   never migrates);
//! - **file store**: writable and readable: a tiny PNG is stored and read back (content
//!   addressed, so repeated runs store the same 68 bytes once);
//! - **key file**: the key ring loads (`YIWANG_MASTER_KEYS`, else `keys.json` in the data
//!   directory, which must exist and be private to its owner);
//! - **calendar**: this year's holiday arrangement is loaded (else ✗); next year's is loaded
//!   (else ⚠ before 1 December, ✗ from 1 December — the State Council publishes it in the
//!   autumn, and from December due dates start to fall into the next year);
//! - **clock**: the machine's clock and the database's `now()` differ by at most
//!   [`MAX_SKEW_SECS`] seconds (due dates, sessions and the audit chain's times depend on it).

use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use yiwang_kernel::clock::Clock;
use yiwang_store::{Db, DbOptions};
use yiwang_vault::KeyRing;

use crate::config::DbArgs;

/// The largest difference between the machine's and the database's clock that passes.
pub const MAX_SKEW_SECS: i64 = 5;

/// A 1×1 transparent PNG.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Pass,
    Warn,
    Fail,
}

impl Mark {
    fn symbol(self) -> &'static str {
        match self {
            Mark::Pass => "✓",
            Mark::Warn => "⚠",
            Mark::Fail => "✗",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub mark: Mark,
    /// What was checked, `中文 English`.
    pub name: &'static str,
    /// What was found, in both languages.
    pub detail: String,
}

fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        mark: Mark::Pass,
        name,
        detail: detail.into(),
    }
}

fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        mark: Mark::Fail,
        name,
        detail: detail.into(),
    }
}

fn kernel_text(e: &yiwang_kernel::Error) -> String {
    let mut s = format!(
        "{} / {}",
        e.message(yiwang_kernel::i18n::Lang::Zh),
        e.message(yiwang_kernel::i18n::Lang::En)
    );
    if let Some(i) = &e.internal {
        s.push_str(&format!(" ({i})"));
    }
    s
}

const DATABASE: &str = "数据库可连接 database reachable";
const MIGRATIONS: &str = "数据库已迁移 database migrated";
const FILES: &str = "文件存储可写 file store writable";
const KEYS: &str = "密钥文件可读 key file readable";
const CALENDAR: &str = "节假日日历 holiday calendar";
const CLOCK: &str = "时钟准确 clock sane";

/// Runs every check; the database-bound ones are failed (not run) when the database is not
/// reachable.
pub async fn checks(db: &DbArgs, clock: Arc<dyn Clock>) -> Vec<Check> {
    let mut out = Vec::new();
    let pool = match connect(db).await {
        Ok(p) => {
            out.push(pass(DATABASE, db.describe()));
            Some(p)
        }
        Err(e) => {
            out.push(fail(DATABASE, format!("{}: {e}", db.describe())));
            None
        }
    };
    if let Some(pool) = &pool {
        out.push(match yiwang_store::ready(pool).await {
            Ok(()) => pass(MIGRATIONS, "无待执行的迁移 no pending migrations"),
            Err(e) => fail(
                MIGRATIONS,
                format!("{}；请运行 run `yiwang migrate`", kernel_text(&e)),
            ),
        });
    } else {
        out.push(fail(MIGRATIONS, "数据库不可用 database unreachable"));
    }
    out.push(file_store(db).await);
    out.push(key_file(db));
    match &pool {
        Some(pool) => {
            out.push(calendar(pool, clock.clone()).await);
            out.push(clock_check(pool, clock.as_ref()).await);
        }
        None => {
            out.push(fail(CALENDAR, "数据库不可用 database unreachable"));
            out.push(fail(CLOCK, "数据库不可用 database unreachable"));
        }
    }
    if let Some(pool) = pool {
        pool.close().await;
    }
    out
}

async fn connect(db: &DbArgs) -> anyhow::Result<Db> {
    if let Some(path) = super::backup::sqlite_path(db)
        && !path.is_file()
    {
        anyhow::bail!("数据库文件不存在 no database file at {}", path.display());
    }
    let pool = Db::connect(
        &db.url(),
        DbOptions {
            max_connections: 2,
            pg_schema: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!(kernel_text(&e)))?;
    Ok(pool)
}

/// The configured store — the local one under the data directory, or the bucket of `--files`
/// (`YIWANG_FILES`) — takes a tiny PNG and gives it back.
async fn file_store(db: &DbArgs) -> Check {
    let location = match yiwang_files::Location::from_setting(db.files.as_deref(), &db.data_dir) {
        Ok(l) => l,
        Err(e) => return fail(FILES, kernel_text(&e)),
    };
    if let yiwang_files::Location::Local(dir) = &location
        && !dir.is_dir()
    {
        return fail(
            FILES,
            format!("数据目录不存在 no data directory at {}", dir.display()),
        );
    }
    let where_ = location.describe();
    let store = match location.open().await {
        Ok(s) => s,
        Err(e) => return fail(FILES, format!("{where_}: {}", kernel_text(&e))),
    };
    let stored = match store.put(Bytes::from_static(TINY_PNG)).await {
        Ok(s) => s,
        Err(e) => return fail(FILES, format!("{where_}: {}", kernel_text(&e))),
    };
    match store.get(&stored.digest_sm3_hex).await {
        Ok(Some(b)) if b.as_ref() == TINY_PNG => {
            pass(FILES, format!("{where_}: 写入并读回 put and read back"))
        }
        Ok(_) => fail(
            FILES,
            format!("{where_}: 读回的内容不符 what was read back differs"),
        ),
        Err(e) => fail(FILES, format!("{where_}: {}", kernel_text(&e))),
    }
}

fn key_file(db: &DbArgs) -> Check {
    match KeyRing::from_env(yiwang_vault::ENV_VAR) {
        Ok(Some(ring)) => {
            return pass(
                KEYS,
                format!(
                    "{}（当前密钥 current key {}）",
                    yiwang_vault::ENV_VAR,
                    ring.current_key_id()
                ),
            );
        }
        Ok(None) => {}
        Err(e) => return fail(KEYS, format!("{}: {e}", yiwang_vault::ENV_VAR)),
    }
    let path = db.data_dir.join("keys.json");
    match KeyRing::load(&path) {
        Ok(ring) => pass(
            KEYS,
            format!(
                "{}（当前密钥 current key {}）",
                path.display(),
                ring.current_key_id()
            ),
        ),
        Err(e) => fail(KEYS, format!("无法读取 cannot read: {e}")),
    }
}

/// The calendar rule (see the module documentation), as a function of the date.
pub fn calendar_mark(today: time::Date, covers: impl Fn(i32) -> bool) -> Check {
    let year = today.year();
    if !covers(year) {
        return fail(
            CALENDAR,
            format!(
                "未载入 {year} 年节假日安排 no holiday arrangement for {year}: yiwang calendar \
                 import --year {year} FILE.csv"
            ),
        );
    }
    let next = year + 1;
    if covers(next) {
        return pass(
            CALENDAR,
            format!("已载入 {year}、{next} 年 covers {year} and {next}"),
        );
    }
    let detail = format!(
        "未载入 {next} 年节假日安排 no holiday arrangement for {next}: yiwang calendar import \
         --year {next} FILE.csv"
    );
    if today.month() == time::Month::December {
        fail(CALENDAR, detail)
    } else {
        Check {
            mark: Mark::Warn,
            name: CALENDAR,
            detail: format!("{detail}（12月1日起视为失败 fails from 1 December）"),
        }
    }
}

async fn calendar(pool: &Db, clock: Arc<dyn Clock>) -> Check {
    let today = clock.today();
    let svc = yiwang_calendar::CalendarService::new(pool.clone(), clock);
    match svc.current().await {
        Ok(cal) => calendar_mark(today, |y| cal.covers(y)),
        Err(e) => fail(CALENDAR, kernel_text(&e)),
    }
}

async fn clock_check(pool: &Db, clock: &dyn Clock) -> Check {
    match super::repo::database_now(pool).await {
        Ok(db_now) => {
            let here = clock.now().unix_timestamp();
            let skew = here - db_now;
            if skew.abs() <= MAX_SKEW_SECS {
                pass(
                    CLOCK,
                    format!("与数据库相差 differs from the database by {skew} s"),
                )
            } else {
                fail(
                    CLOCK,
                    format!(
                        "本机与数据库时钟相差 {skew} 秒（上限 {MAX_SKEW_SECS}）/ this machine's \
                         clock differs from the database's by {skew} s (at most {MAX_SKEW_SECS})"
                    ),
                )
            }
        }
        Err(e) => fail(CLOCK, kernel_text(&e)),
    }
}

/// `yiwang doctor`.
pub async fn run(db: DbArgs) -> anyhow::Result<ExitCode> {
    let report = checks(&db, crate::clock()).await;
    let width = report
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    println!("Yiwang 一网通办 doctor — {}", db.describe());
    for c in &report {
        let pad = width - c.name.chars().count();
        println!(
            "{} {}{}  {}",
            c.mark.symbol(),
            c.name,
            " ".repeat(pad),
            c.detail
        );
    }
    let failed = report.iter().filter(|c| c.mark == Mark::Fail).count();
    let warned = report.iter().filter(|c| c.mark == Mark::Warn).count();
    if failed > 0 {
        println!("{failed} 项失败 failed, {warned} 项警告 warnings");
        Ok(ExitCode::FAILURE)
    } else {
        println!("全部通过 all checks passed ({warned} 项警告 warnings)");
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_rule() {
        let d = |y, m, day| time::Date::from_calendar_date(y, m, day).unwrap();
        let only = |years: &'static [i32]| move |y: i32| years.contains(&y);
        assert_eq!(
            calendar_mark(d(2026, time::Month::June, 1), only(&[2026, 2027])).mark,
            Mark::Pass
        );
        assert_eq!(
            calendar_mark(d(2026, time::Month::November, 30), only(&[2026])).mark,
            Mark::Warn
        );
        assert_eq!(
            calendar_mark(d(2026, time::Month::December, 1), only(&[2026])).mark,
            Mark::Fail
        );
        let c = calendar_mark(d(2026, time::Month::March, 1), only(&[2027]));
        assert_eq!(c.mark, Mark::Fail);
        assert!(c.detail.contains("2026"), "{}", c.detail);
    }
}
