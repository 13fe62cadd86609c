//! The appeals service ([`AppealService`]): intake from every channel, the flow of a work order,
//! reads by role, Open311 mapping, settings and api keys. Each action: authorise (deny by
//! default; refusals audited) → validate → write in one transaction with its audit entry.
//!
//! By job: `intake` (submit, Open311 submit, direct answers, duplicates), `flow` (every
//! lifecycle action, photos, links), `access` (who may read and do what to an order), `view`
//! (an order as its reader may see it), `reads` (one order, the queue, mine, tracking, caller
//! history), `open311` (public requests), `settings` (categories, knowledge base, time limits),
//! `keys` (Open311 api keys, key rotation), `stats`, `routing` (the grid index and `route`);
//! the grids' import, list and map are `grids`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use time::macros::time;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use yiwang_calendar::{Calendar, CalendarService};
use yiwang_files::FileStore;
use yiwang_identity::{IdentityService, Keys};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{CHINA_OFFSET, Clock};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Db;

use crate::repo::appeals::AppealRow;
use crate::repo::{self};
use crate::spatial::GridIndex;

mod access;
mod flow;
mod grids;
mod intake;
mod keys;
mod open311;
mod reads;
mod routing;
mod settings;
mod stats;
mod view;

/// The sealing context of contact phones at rest.
pub(crate) const PHONE_CONTEXT: &str = "appeals.contact_phone";

/// The appeals domain's entry point (cheap to clone: pools and `Arc`s; clones share the grid
/// index cache and the tracking throttle).
#[derive(Clone)]
pub struct AppealService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: Keys,
    pub(crate) identity: IdentityService,
    pub(crate) calendar: CalendarService,
    pub(crate) files: Arc<dyn FileStore>,
    /// The division the platform serves (default division of an appeal; Open311's
    /// jurisdiction).
    pub(crate) home_division: DivisionCode,
    /// The grids loaded for routing; `None` until first used or after an import.
    pub(crate) grid_index: Arc<RwLock<Option<Arc<GridIndex>>>>,
    /// Failed tracking attempts per appeal number (query codes are not guessable, but a
    /// number's attempts are capped all the same).
    pub(crate) track_failures: Arc<Mutex<HashMap<String, Vec<OffsetDateTime>>>>,
}

impl std::fmt::Debug for AppealService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppealService")
            .field("home_division", &self.home_division.as_str())
            .finish_non_exhaustive()
    }
}

impl AppealService {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        keys: Keys,
        identity: IdentityService,
        calendar: CalendarService,
        files: Arc<dyn FileStore>,
    ) -> Self {
        AppealService {
            db,
            clock,
            keys,
            identity,
            calendar,
            files,
            home_division: DivisionCode::six::<440800>(),
            grid_index: Arc::new(RwLock::new(None)),
            track_failures: Arc::default(),
        }
    }

    /// The division the platform serves (the web configuration's home division).
    pub fn with_home_division(mut self, division: DivisionCode) -> Self {
        self.home_division = division;
        self
    }

    pub fn home_division(&self) -> &DivisionCode {
        &self.home_division
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Audits a refusal (in its own transaction) and returns the error.
    pub(crate) async fn refuse(
        &self,
        ctx: &Ctx,
        object: String,
        attempted: &str,
        e: Error,
    ) -> Error {
        yiwang_audit::refused(&self.db, ctx, object, attempted, e, self.now()).await
    }

    /// The order with this number (404 when none).
    pub(crate) async fn row(&self, appeal_no: &str) -> Result<AppealRow> {
        let mut c = self.db.clone();
        repo::appeals::by_no(&mut c, appeal_no.trim())
            .await?
            .ok_or_else(Error::not_found)
    }

    pub(crate) async fn cal(&self) -> Result<Arc<Calendar>> {
        self.calendar.current().await
    }
}

/// The Shanghai calendar day of an instant.
pub(crate) fn day_of(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA_OFFSET).date()
}

/// The end of a Shanghai day (23:59:59.999999), in UTC.
pub(crate) fn end_of_day(d: Date) -> OffsetDateTime {
    PrimitiveDateTime::new(d, time!(23:59:59.999999))
        .assume_offset(CHINA_OFFSET)
        .to_offset(UtcOffset::UTC)
}

/// The start of a Shanghai day, in UTC.
pub(crate) fn start_of_day(d: Date) -> OffsetDateTime {
    PrimitiveDateTime::new(d, time!(00:00))
        .assume_offset(CHINA_OFFSET)
        .to_offset(UtcOffset::UTC)
}

/// The due time of a limit of `days` working days counted from the day of `from`.
pub(crate) fn due_after(cal: &Calendar, from: Date, days: u32) -> Result<OffsetDateTime> {
    Ok(end_of_day(cal.add_working_days(from, days)?))
}

/// The stale-revision refusal.
pub(crate) fn stale() -> Error {
    Error::new(ErrorCode::AppealStale)
}

/// A random code of `n` characters from an alphabet without look-alikes (0/O, 1/I/L).
pub(crate) fn random_code(n: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    (0..n)
        .map(|_| {
            let i = usize::from(rand::random::<u8>()) % ALPHABET.len();
            char::from(ALPHABET[i])
        })
        .collect()
}

/// A key rotation rewraps the sealed contact phones (registered with
/// `IdentityService::with_sealed_data`).
impl yiwang_identity::SealedData for AppealService {
    fn rewrap<'a>(
        &'a self,
        batch: i64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64>> + Send + 'a>> {
        Box::pin(self.rewrap_phones(batch))
    }
}
