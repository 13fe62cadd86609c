//! The supervision domain's entry point. Each part (`kpi`, `watch`, `credit`, `inspection`)
//! adds its methods to [`SupervisionService`] in its own module; every method authorises (deny
//! by default, refusals audited), validates, then writes in one transaction with its audit
//! entry.

use std::sync::Arc;

use yiwang_appeals::AppealService;
use yiwang_calendar::CalendarService;
use yiwang_cases::CaseService;
use yiwang_catalog::CatalogService;
use yiwang_exchange::{ExchangeService, SharingService};
use yiwang_identity::{IdentityService, Keys};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::DivisionCode;
use yiwang_licences::LicenceService;
use yiwang_store::Db;

/// The domains whose facts the figures and the monitoring rules read (through their services,
/// never their tables).
#[derive(Clone)]
pub struct Sources {
    pub catalog: CatalogService,
    pub cases: CaseService,
    pub licences: LicenceService,
    pub exchange: ExchangeService,
    pub sharing: SharingService,
    pub appeals: AppealService,
}

/// Supervision and evaluation (cheap to clone: pools and `Arc`s).
#[allow(dead_code)] // TEMPORARY: the parts that read the fields land next
#[derive(Clone)]
pub struct SupervisionService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    /// The key ring: blind indexes of credit-list subjects (USCC, ID numbers), sealed values.
    pub(crate) keys: Keys,
    /// Staff (inspectors, handlers) and their names.
    pub(crate) identity: IdentityService,
    /// Working days and hours (time limits, decisions outside working hours).
    pub(crate) calendar: CalendarService,
    pub(crate) sources: Sources,
    /// The division the platform serves (the leader's screen's default scope).
    pub(crate) home_division: DivisionCode,
}

impl std::fmt::Debug for SupervisionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisionService")
            .field("home_division", &self.home_division.as_str())
            .finish_non_exhaustive()
    }
}

impl SupervisionService {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        keys: Keys,
        identity: IdentityService,
        calendar: CalendarService,
        sources: Sources,
        home_division: DivisionCode,
    ) -> SupervisionService {
        SupervisionService {
            db,
            clock,
            keys,
            identity,
            calendar,
            sources,
            home_division,
        }
    }

    /// The division the platform serves.
    pub fn home_division(&self) -> &DivisionCode {
        &self.home_division
    }
}
