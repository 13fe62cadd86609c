//! The appeals service ([`AppealService`]): intake from every channel, the flow of a work order,
//! reads by role, Open311 mapping, settings and api keys. Each action: authorise (deny by
//! default; refusals audited) → validate → write in one transaction with its audit entry.
//!
//! By job: `intake` (submit, Open311 submit, direct answers, duplicates), `flow` (every
//! lifecycle action, photos, links), `access` (who may read and do what to an order), `view`
//! (an order as its reader may see it), `reads` (one order, the queue, mine, tracking, caller
//! history), `open311` (public requests), `open311_post` (an Open311 POST, answered from
//! what was written), `checks` (the checks of a new order), `settings` (categories, knowledge
//! base, time limits), `keys` (Open311 api keys, key rotation), `stats`, `routing` (the grid
//! index and `route`); the grids' import, list and map are `grids`; `redate` recomputes
//! estimated due times once the calendar covers their year.

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
mod checks;
mod filer;
mod flow;
mod grid_reads;
mod grids;
mod intake;
mod keys;
mod open311;
mod open311_post;
mod reads;
mod redate;
mod routing;
mod settings;
mod stats;
mod view;

pub use open311_post::Open311Service;

/// The sealing context of contact phones at rest.
pub(crate) const PHONE_CONTEXT: &str = "appeals.contact_phone";

/// The routing index and the latest grid import it reflects (`None`: loaded without
/// knowing; the next intake loads it again).
#[derive(Clone)]
pub(crate) struct CachedIndex {
    pub index: Arc<GridIndex>,
    pub version: Option<i64>,
}

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
    pub(crate) grid_index: Arc<RwLock<Option<CachedIndex>>>,
    /// Live Open311 keys seen, by the SM3 of the key: a hit skips the read; the filing's
    /// transaction checks the key again (`repo::keys::touch_live`), so a key revoked by any
    /// process is refused all the same.
    pub(crate) open311_keys: Arc<RwLock<HashMap<String, i64>>>,
    /// New orders are written in groups, one durable commit each (`filer`).
    pub(crate) filer: filer::Filer,
    /// Failed tracking attempts per appeal number (query codes are not guessable, but a
    /// number's attempts are capped all the same). Per process: each replica allows its share
    /// of the cap (`node`), so the replicas together allow about the cap.
    pub(crate) track_failures: Arc<Mutex<HashMap<String, Vec<OffsetDateTime>>>>,
    /// This process as one of the replicas (how many are live).
    pub(crate) node: yiwang_store::cluster::Node,
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
            open311_keys: Arc::default(),
            filer: filer::Filer::default(),
            track_failures: Arc::default(),
            node: yiwang_store::cluster::Node::new(),
        }
    }

    /// The same service on replica `node`: per-process throttles allow its share.
    pub fn with_node(mut self, node: yiwang_store::cluster::Node) -> Self {
        self.node = node;
        self
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
///
/// A limit that runs into a year whose holiday arrangement is not loaded is estimated
/// (`yiwang_calendar::estimate`) rather than refused: a citizen's appeal is never turned away
/// for the calendar's sake. Views mark such a due time provisional ([`due_is_estimate`]) and
/// [`AppealService::redate`] recomputes it once the year is imported.
pub(crate) fn due_after(cal: &Calendar, from: Date, days: u32) -> Result<OffsetDateTime> {
    Ok(end_of_day(cal.add_working_days_estimate(from, days)?.value))
}

/// Whether a stored due time was (or would now be) an estimate: it falls in a year the calendar
/// does not cover.
pub(crate) fn due_is_estimate(cal: &Calendar, due_at: OffsetDateTime) -> bool {
    !cal.covers(day_of(due_at).year())
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
