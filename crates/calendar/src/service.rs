//! The effective calendar and the import of a new year: authorise, validate, write, audit — in
//! that order, the write and its audit entry in one transaction.
//!
//! The effective calendar is the embedded years (2004–2026) plus the years imported into
//! `calendar_days`; an imported year replaces the whole embedded year of the same number.
//! Importing a year that is already covered (embedded or imported) is refused unless the caller
//! says `replace` — a deliberate correction, audited with what it replaced.
//!
//! The calendar is cached per process and rebuilt after an import here; another node sees an
//! import within [`CACHE_TTL`].

use std::sync::{Arc, RwLock};

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::Db;

use crate::calendar::{Calendar, DayKind, YearSource};
use crate::data;
use crate::repo;

/// How long a node trusts its cached calendar before reading the imported years again.
pub const CACHE_TTL: time::Duration = time::Duration::seconds(60);

/// What an import did. (Named apart in the OpenAPI document: other domains have an
/// `ImportReport` too, and one schema name would hide the others.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = CalendarImportReport)]
pub struct ImportReport {
    pub year: i32,
    /// Days off listed.
    pub holidays: usize,
    /// Make-up working days (调休上班) listed.
    pub workdays: usize,
    /// The arrangement this import replaced (`embedded` or `imported`), if the year was covered.
    #[schema(value_type = Option<String>)]
    pub replaced: Option<YearSource>,
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Replace a year that is already covered (embedded or imported).
    pub replace: bool,
    /// Where the arrangement comes from (the notice, the file); stored with every row.
    pub source: String,
}

#[derive(Debug)]
struct Cached {
    calendar: Arc<Calendar>,
    loaded_at: OffsetDateTime,
}

/// The calendar domain's entry point.
#[derive(Clone, Debug)]
pub struct CalendarService {
    db: Db,
    clock: Arc<dyn Clock>,
    cache: Arc<RwLock<Option<Cached>>>,
}

impl CalendarService {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        CalendarService {
            db,
            clock,
            cache: Arc::new(RwLock::new(None)),
        }
    }

    /// The effective calendar (cached).
    pub async fn current(&self) -> Result<Arc<Calendar>> {
        let now = self.clock.now();
        if let Ok(g) = self.cache.read()
            && let Some(c) = g.as_ref()
            && now - c.loaded_at < CACHE_TTL
            && now >= c.loaded_at
        {
            return Ok(c.calendar.clone());
        }
        self.reload().await
    }

    /// Reads the imported years again and rebuilds the calendar.
    pub async fn reload(&self) -> Result<Arc<Calendar>> {
        let mut c = self.db.clone();
        let imported = repo::imported_days(&mut c).await?;
        let mut by_year: std::collections::BTreeMap<i32, Vec<_>> = Default::default();
        for d in imported {
            by_year.entry(d.date.year()).or_default().push(d);
        }
        let mut cal = data::embedded()?;
        for (year, days) in by_year {
            cal = cal.with_year(year, YearSource::Imported, days);
        }
        let cal = Arc::new(cal);
        if let Ok(mut g) = self.cache.write() {
            *g = Some(Cached {
                calendar: cal.clone(),
                loaded_at: self.clock.now(),
            });
        }
        Ok(cal)
    }

    /// Imports one year's arrangement from CSV (UTF-8 or GBK; columns `date`, `kind`,
    /// `occasion_zh`, optional `occasion_en`, or their Chinese names). All or nothing: every
    /// row is checked first and every problem reported; nothing is written unless all are good.
    pub async fn import_year(
        &self,
        ctx: &Ctx,
        year: i32,
        bytes: &[u8],
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let object = format!("calendar:{year}");
        if let Err(e) = ctx.actor.require(Permission::CalendarManage) {
            return Err(self.refused(ctx, &object, e).await);
        }
        if !data::YEARS.contains(&year) {
            return Err(Error::field(FieldError::range(
                "year",
                i64::from(*data::YEARS.start()),
                i64::from(*data::YEARS.end()),
            )));
        }
        let days = data::parse(bytes, Some(year)).map_err(Error::import_rejected)?;
        let holidays = days.iter().filter(|d| d.kind == DayKind::Holiday).count();
        let workdays = days.len() - holidays;
        let source = if opts.source.trim().is_empty() {
            "import".to_string()
        } else {
            opts.source.trim().chars().take(200).collect()
        };
        let embedded = data::embedded()?.covers(year);
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let stored = repo::count_year(&mut tx, year).await?;
        let replaced = if stored > 0 {
            Some(YearSource::Imported)
        } else if embedded {
            Some(YearSource::Embedded)
        } else {
            None
        };
        if let Some(r) = replaced
            && !opts.replace
        {
            tx.rollback().await?;
            let (zh, en) = match r {
                YearSource::Embedded => ("系统内置", "embedded"),
                YearSource::Imported => ("已导入", "imported"),
            };
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                format!("{year}年的节假日安排已存在（{zh}）；如需更正，请以替换方式（replace）重新导入"),
                format!(
                    "The holiday arrangement for {year} is already loaded ({en}); import again with replace (replace=true, --replace) to correct it"
                ),
            ));
        }
        repo::delete_year(&mut tx, year).await?;
        let by = ctx.actor.label();
        for d in &days {
            repo::insert_day(&mut tx, d, &source, &by, now).await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "calendar.import", object)
                .source(&ctx.source)
                .data(json!({
                    "year": year,
                    "holidays": holidays,
                    "workdays": workdays,
                    "replaced": replaced.map(YearSource::as_str),
                    "source": source,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.reload().await?;
        Ok(ImportReport {
            year,
            holidays,
            workdays,
            replaced,
        })
    }

    /// Records a refusal in the audit log (in its own transaction) and passes the error on.
    async fn refused(&self, ctx: &Ctx, object: &str, e: Error) -> Error {
        yiwang_audit::refused(
            &self.db,
            ctx,
            object,
            "calendar.import",
            e,
            self.clock.now(),
        )
        .await
    }
}
