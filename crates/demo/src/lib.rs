//! The demo city: 湛江市 (Zhanjiang, 440800) and its nine county-level divisions, loaded through
//! the domain services exactly as real input would be.
//!
//! [`load`] creates, with `Ctx::system("demo")`:
//!
//! * 165 departments: 34 city bodies and 14–15 bodies in each county-level division (the city
//!   government, 政务服务和数据管理局, 市场监督管理局, 公安局 or its district 分局, …, and the
//!   vertically managed tax bureaus), each with a unified social credit code whose organisation
//!   code also passes GB 11714, county bodies under their county government;
//! * a basic directory of 152 items (16 main items grouping 136 claimable items and sub-items)
//!   covering every item type, with legal bases and statutory limits;
//! * 448 implementation items claimed by city and county departments, filled in, submitted and
//!   approved — every published one passes the submission quality rules; four are left as
//!   drafts (one deliberately incomplete, to show the quality rules) and three await review;
//!   six basic items carry an application form in every implementation and two a case
//!   workflow (a parallel review, and an automatic 秒批 step), see [`data::forms`];
//! * 16 halls: the city's government service centre with 25 windows, a centre in every county,
//!   five township centres and a 24-hour self-service area;
//! * staff accounts for every role ([`accounts`]), all with [`DEMO_PASSWORD`] (one hash of it,
//!   shared: the password is public);
//! * 19 cases (办件) of the two demo citizens, their enterprise and a black-listed trader in every state — submitted
//!   online and at the window, awaiting supplements, at different workflow steps (the parallel
//!   review, an automatic 秒批 filing), paused, in a special procedure, concluded, delivered,
//!   withdrawn, not accepted, rated, one approved too fast (a supervision warning) — dated in the past working days so that some are overdue
//!   or at risk on the day of the load (`cases`, `data::cases`); their material files go to the
//!   file store given to [`load_with_files`].
//!
//! Every row passes the same validation, quality rules, history and audit as real input. The
//! data is deterministic (no randomness: codes are derived from names) and the load is
//! idempotent: when the demo is already there nothing is written and `loaded` is `false`; a
//! load that was interrupted is completed by the next one (each step skips what exists; an
//! implementation item is claimed, drafted, submitted and approved in one transaction). The
//! load's commits do not each wait for a sync of SQLite's log ([`Db::deferring_syncs`]): it
//! runs before the node answers anyone, and one sync at its end makes all of it durable
//! before [`load_with_files`] returns.

//!
//! The plan (departments and their codes, item stages, item codes) is in `plan.rs`, the loader
//! acting through the services in `loader.rs`, the demo cases in `cases.rs` and licences in
//! `licences.rs`, the data itself in `data/`.

use std::collections::HashMap;
use std::sync::Arc;

use yiwang_catalog::CatalogService;
use yiwang_files::{FileStore, MemoryFileStore};
use yiwang_identity::Keys;
use yiwang_identity::service::{IdentityConfig, IdentityService};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;
use yiwang_org::OrgService;
use yiwang_store::Db;

mod appeals;
mod build;
mod bundles;
mod cases;
mod credit;
mod data;
mod exchange_calls;
mod exchange_catalog;
mod exchange_grants;
pub mod exchange_rows;
mod grids;
mod ids;
pub mod inspections;
mod licences;
mod loader;
mod orders;
mod plan;
pub mod progress;

use loader::Loader;
use plan::{department_plan, item_code, marker_uscc};
use progress::Phase;

/// What [`load`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// `false` if the demo was already there (then nothing was written).
    pub loaded: bool,
    /// Totals in the database after the load.
    pub departments: usize,
    pub basic_items: usize,
    pub items: usize,
    pub published: usize,
    pub halls: usize,
    pub staff: usize,
    pub cases: usize,
}

/// The password of every demo staff account.
pub const DEMO_PASSWORD: &str = "Yiwang@2026";

/// One argon2id hash of [`DEMO_PASSWORD`], made on first use and stored for every demo staff
/// account: the password is public, so the accounts share one salt, and the load pays one
/// hash (about 20 ms and 19 MiB) instead of one per account. Signing in verifies it as usual.
async fn demo_hash() -> Result<&'static yiwang_identity::password::SharedHash, Error> {
    static HASH: tokio::sync::OnceCell<yiwang_identity::password::SharedHash> =
        tokio::sync::OnceCell::const_new();
    HASH.get_or_try_init(|| async {
        tokio::task::spawn_blocking(|| yiwang_identity::password::SharedHash::new(DEMO_PASSWORD))
            .await
            .map_err(Error::internal)?
    })
    .await
}

/// A demo staff account, for the README and the sign-in page hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role_zh: &'static str,
    pub role_en: &'static str,
    pub department: &'static str,
}

/// The demo staff accounts.
pub fn accounts() -> &'static [DemoAccount] {
    &data::accounts::ACCOUNTS
}

/// The task name the demo acts under (`system:demo` in history and audit).
const TASK: &str = "demo";

/// Adds what the demo was doing to an error's log cause.
fn context(what: impl std::fmt::Display) -> impl FnOnce(Error) -> Error {
    move |e: Error| {
        let cause = match &e.internal {
            Some(c) => format!("demo: {what}: {c}"),
            None => format!("demo: {what}: {}", describe(&e)),
        };
        Error {
            internal: Some(cause.into()),
            ..e
        }
    }
}

fn describe(e: &Error) -> String {
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| format!("{} {} ({})", f.field, f.rule, f.en))
        .collect();
    format!("{} {}", e.code.as_str(), fields.join("; "))
}

/// Loads the demo city into `db`, keeping the demo cases' material files in memory (they are
/// lost with the process: for callers without a file store, such as benchmarks and tests).
/// See the crate documentation.
pub async fn load(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<DemoReport, Error> {
    load_with_files(db, clock, keys, Arc::new(MemoryFileStore::new())).await
}

/// Loads the demo city into `db`; the demo cases' material files go to `store` (the server's
/// file store). See the crate documentation.
pub async fn load_with_files(
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    store: Arc<dyn FileStore>,
) -> Result<DemoReport, Error> {
    let phase = Phase::start("demo: check");
    // The load runs before the node answers anyone: its thousands of commits do not each wait
    // for a sync of the log; one sync at the end makes them all durable before it reports.
    let durable = db;
    let loader = db.deferring_syncs();
    let db = &loader;
    let (licence_clock, licence_keys) = (clock.clone(), keys.clone());
    let mut l = Loader {
        ctx: Ctx::system(TASK),
        org: OrgService::new(db.clone(), clock.clone()),
        catalog: CatalogService::new(db.clone(), clock.clone()),
        identity: IdentityService::new(
            db.clone(),
            clock.clone(),
            IdentityConfig::default(),
            keys.clone(),
        ),
        depts: HashMap::new(),
        wrote: false,
    };
    // The last account the staff step creates (random inspection's come later, with their pools).
    let last = accounts()
        .iter()
        .rev()
        .find(|a| !inspections::STAFF.iter().any(|s| s.0 == a.username))
        .map(|a| a.username)
        .ok_or_else(|| Error::internal("demo: no accounts"))?;
    let complete = l
        .department_by_uscc(marker_uscc()?.as_str())
        .await?
        .is_some()
        && l.identity.staff_exists(last).await?
        && l.identity
            .person_exists(data::accounts::PEOPLE[1].id_number)
            .await?;
    let mut phase = phase.next("demo: departments");
    if !complete {
        l.departments().await?;
        phase = phase.next("demo: directory");
        l.directory().await?;
        phase = phase.next("demo: halls");
        l.halls().await?;
        phase = phase.next("demo: items");
        l.items().await?;
        phase = phase.next("demo: staff");
        l.staff().await?;
        phase = phase.next("demo: people");
        l.people().await?;
        phase = phase.next("demo: licences");
        l.licences(db, licence_clock, licence_keys).await?;
    }
    let phase = phase.next("demo: appeals");
    // 赤坎区's street offices and their grid workers; the 12345 categories, knowledge base and
    // the district's grids through the appeals service.
    let offices = l.street_offices().await?;
    let appeal_service = yiwang_appeals::AppealService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        l.identity.clone(),
        yiwang_calendar::CalendarService::new(db.clone(), clock.clone()),
        store.clone(),
    );
    let dept_ids = l.appeal_departments().await?;
    if appeals::load(&l.ctx, &appeal_service, &offices, &dept_ids).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: cases");
    let plan = department_plan()?;
    let item_code =
        |basic: &'static str, county: Option<&'static str>| item_code(&plan, basic, county);
    let env = cases::Env {
        db,
        clock: clock.clone(),
        keys: keys.clone(),
        store: store.clone(),
        item_code: &item_code,
    };
    if cases::load(&env).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: exchange catalog");
    // The data-sharing resource catalog and its demand list (数据共享交换).
    if exchange_catalog::load(db, clock.clone(), keys.clone()).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: exchange grants");
    // Sharing requests and grants among the city's departments (data sharing, issue 13).
    if exchange_grants::load(&l, db, clock.clone()).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: exchange rows");
    // The base libraries' population and legal-person rows, sealed at rest like every
    // collected row (the load test's personal-data scan finds no number in clear).
    if exchange_rows::load(db, clock.clone(), keys.clone(), &l.org).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: exchange calls");
    // Logged reads of the data API by a department holding grants (the call log, 用数记录).
    if exchange_calls::load(db, clock.clone(), keys.clone()).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: bundles");
    // The "one thing" bundles (一件事) over the demo items, checked against them on submission.
    let catalog = CatalogService::new(db.clone(), clock.clone());
    if bundles::load(db, clock.clone(), catalog, &item_code).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: work orders");
    // 12345 work orders of 赤坎区 in every state, in the demo grids (appeals, issue 15).
    let store_for_credit = store.clone();
    if orders::load(db, clock.clone(), keys.clone(), store).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: inspections");
    // Random inspection (双随机、一公开): pools, a published draw with results, a plan to draw.
    if inspections::load(db, clock.clone(), keys.clone()).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: credit");
    // The credit red and black lists (信用红黑名单): a black-listed trader whose application
    // awaits acceptance (scenario s19) and the demo restaurant company on the red list.
    if credit::load(&l, db, clock.clone(), keys.clone(), store_for_credit).await? {
        l.wrote = true;
    }
    let phase = phase.next("demo: report");
    let mut report = l.report().await?;
    report.cases = usize::try_from(cases::count(db, clock, keys).await?).unwrap_or(0);
    report.loaded = l.wrote;
    durable.durable().await?;
    phase.done();
    Ok(report)
}

/// Loads the demo base-library rows (population and legal persons, [`exchange_rows`]) into a
/// database where the demo city is loaded; true when something was written. Part of [`load`];
/// alone for callers that want the rows without the rest.
pub async fn load_exchange_rows(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<bool, Error> {
    let org = OrgService::new(db.clone(), clock.clone());
    exchange_rows::load(db, clock, keys, &org).await
}

#[cfg(test)]
mod tests;
