//! The domain services of one node, built once, in one place ([`Services::build`]), by
//! whoever starts the node (the server, a command-line tool, a test) and handed to
//! [`crate::AppState::new`], which only holds them.
//!
//! The wiring between domains lives here and nowhere else: enterprise registrations are
//! verified against the legal-person base library (`exchange::base::BaseRegister`), falling
//! back to the business licences on record (`licences::LicenceRegister`), cases take
//! prefills and material replacements from the base libraries and automatic rules' facts from
//! the data API, the catalog checks those rules' resource codes (`bridges`), cases
//! issue licences and reach staff through the identity service, and every service shares one
//! database, clock and key ring.

use std::sync::Arc;

use yiwang_appeals::AppealService;
use yiwang_bundles::BundleService;
use yiwang_calendar::CalendarService;
use yiwang_cases::{CaseConfig, CaseService};
use yiwang_catalog::CatalogService;
use yiwang_exchange::base::{BaseLibraries, BaseRegister};
use yiwang_exchange::collect::Collector;
use yiwang_exchange::{DataAccess, ExchangeService, SharingService};
use yiwang_files::{FileStore, Intake, Limits, MemoryFileStore};
use yiwang_identity::{IdentityService, Keys, LegalPersonRegister, OidcService};
use yiwang_kernel::clock::Clock;
use yiwang_licences::{LicenceImports, LicenceRegister, LicenceService};
use yiwang_org::OrgService;
use yiwang_store::Db;
use yiwang_store::cluster::Node;
use yiwang_supervision::{Sources, SupervisionService};

use crate::WebConfig;

mod bridges;
use bridges::{GrantFacts, LibraryPrefills, PublishedResources};

/// What the services are built from.
pub struct ServiceSettings {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The node's key ring (personal data, seals, tokens).
    pub keys: Keys,
    /// Where material files are kept (the server: the data directory's
    /// [`yiwang_files::LocalFileStore`]).
    pub files: Arc<dyn FileStore>,
    /// The cases domain's settings.
    pub cases: CaseConfig,
}

impl ServiceSettings {
    /// Defaults for tests and command-line tools: material files in memory, the default case
    /// settings.
    pub fn new(db: Db, clock: Arc<dyn Clock>, keys: Keys) -> ServiceSettings {
        ServiceSettings {
            db,
            clock,
            keys,
            files: Arc::new(MemoryFileStore::new()),
            cases: CaseConfig::default(),
        }
    }
}

/// Every domain service of the node (cheap to clone: pools and `Arc`s).
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// This process as one of the replicas on the database (a fresh id per build): the server
    /// renews its heartbeat and takes the leases of its periodic jobs through it, and limits
    /// shared by the replicas are split by its count of live nodes (docs/replicas.md).
    pub node: Node,
    pub org: OrgService,
    pub catalog: CatalogService,
    pub identity: IdentityService,
    /// Single sign-on for department systems (OpenID Connect provider).
    pub oidc: OidcService,
    /// The working-day calendar (embedded and imported years).
    pub calendar: CalendarService,
    /// Applications and cases (办件).
    pub cases: CaseService,
    /// Electronic licences (电子证照).
    pub licences: LicenceService,
    /// Bulk import (归集) of licences issued elsewhere: jobs run on tasks of this process.
    pub imports: LicenceImports,
    /// Data sharing and exchange (数据共享交换): the resource catalog and its rows. Each exchange
    /// module's service is appended after this one.
    pub exchange: ExchangeService,
    /// Sharing requests and grants (共享申请与授权), statistics (calls and rows shared read from
    /// the data API's call log).
    pub sharing: SharingService,
    /// The audited data API (数据调用) and its access logs.
    pub exchange_access: DataAccess,
    /// Collection (归集) of resources' rows: load jobs run on tasks of this process.
    pub collector: Collector,
    /// The base libraries (基础库: population, legal persons) assembled from published
    /// resources; also the first register enterprise registrations are checked against.
    pub base: BaseLibraries,
    /// "One thing" bundles (一件事): definitions reviewed like items, the public list and plan;
    /// the cases domain finds published definitions through it (`yiwang_bundles::BundleDefs`).
    pub bundles: BundleService,
    /// Appeals, the 12345 hotline and grids (12345 诉求 / 网格化): work orders from every
    /// channel, routing, Open311. Its sealed contact phones are rewrapped by key rotations.
    pub appeals: AppealService,
    /// Supervision and evaluation (电子监察 / 考评): KPIs from every domain's facts, warnings and
    /// supervision cases, credit lists, random inspections.
    pub supervision: SupervisionService,
}

impl Services {
    /// Builds each service once and wires them together. From `config`: the identity
    /// settings (sessions, lockout) and the public address, which is the OpenID Connect issuer.
    pub fn build(config: &WebConfig, s: ServiceSettings) -> Services {
        let ServiceSettings {
            db,
            clock,
            keys,
            files,
            cases,
        } = s;
        let node = Node::new();
        // Collected rows are sealed under the key ring: a rotation rewraps them too.
        let exchange = ExchangeService::new(db.clone(), clock.clone(), keys.clone());
        // Automatic rules (智能秒批) may only name published data resources.
        let catalog = CatalogService::new(db.clone(), clock.clone())
            .with_resource_codes(Arc::new(PublishedResources(exchange.clone())));
        let calendar = CalendarService::new(db.clone(), clock.clone());
        let plain_identity =
            IdentityService::new(db.clone(), clock.clone(), config.identity, keys.clone());
        // Appeals read staff through a plain identity service (it needs neither the register
        // nor the sealed-data list it is itself part of).
        let appeals = AppealService::new(
            db.clone(),
            clock.clone(),
            keys.clone(),
            plain_identity.clone(),
            calendar.clone(),
            files.clone(),
        )
        .with_home_division(config.home_division.clone())
        .with_node(node.clone());
        let staff = plain_identity
            .with_sealed_data(Arc::new(exchange.clone()))
            .with_sealed_data(Arc::new(appeals.clone()));
        let licences = LicenceService::new(db.clone(), clock.clone(), keys.clone(), staff.clone());
        // Enterprise registrations are verified against the legal-person base library, and
        // against the business licences on record when the library does not hold the
        // enterprise (a composite register: exchange's `BaseRegister` in front of licences').
        let base = BaseLibraries::new(&exchange);
        let licence_register: Arc<dyn LegalPersonRegister> =
            Arc::new(LicenceRegister::new(licences.clone()));
        let identity = staff.with_register(Arc::new(BaseRegister::new(
            base.clone(),
            Some(licence_register),
        )));
        let prefills = Arc::new(LibraryPrefills(base.clone()));
        let bundles = BundleService::new(db.clone(), clock.clone(), catalog.clone());
        // A grant's rate is split between the live replicas.
        let exchange_access =
            DataAccess::new(&exchange, keys.clone(), identity.clone()).with_node(node.clone());
        let cases = CaseService::new(
            db.clone(),
            clock.clone(),
            keys.clone(),
            catalog.clone(),
            calendar.clone(),
            identity.clone(),
            Intake::new(files, Limits::default()),
            cases,
            licences.clone(),
        )
        .with_base_prefills(prefills)
        .with_shared_facts(Arc::new(GrantFacts(exchange_access.clone())))
        // Bundle applications (一件事) find their definitions in the bundles domain.
        .with_bundles(Arc::new(bundles.clone()));
        let sharing = SharingService::new(db.clone(), clock.clone(), calendar.clone())
            .with_call_log(Arc::new(yiwang_exchange::sharing::stats::DbCallLog::new(
                db.clone(),
            )));
        let supervision = SupervisionService::new(
            db.clone(),
            clock.clone(),
            keys.clone(),
            identity.clone(),
            calendar.clone(),
            Sources {
                catalog: catalog.clone(),
                cases: cases.clone(),
                licences: licences.clone(),
                exchange: exchange.clone(),
                sharing: sharing.clone(),
                appeals: appeals.clone(),
            },
            config.home_division.clone(),
        );
        // The applicant of a case is checked against the credit lists at acceptance (信用核查).
        let cases = cases.with_credit_check(Arc::new(bridges::CreditLists(supervision.clone())));
        Services {
            supervision,
            appeals,
            bundles,
            org: OrgService::new(db.clone(), clock.clone()),
            oidc: OidcService::new(db.clone(), clock.clone(), &config.public_url, keys),
            imports: LicenceImports::new(licences.clone()),
            sharing,
            collector: Collector::new(exchange.clone()),
            exchange,
            exchange_access,
            base,
            catalog,
            identity,
            calendar,
            cases,
            licences,
            db,
            clock,
            node,
        }
    }
}
