//! HTTP for Yiwang: the JSON API under `/api/v1` (documented at `/openapi.json`), the
//! server-rendered pages, and the layers every request passes (text with NUL refused, session and
//! anti-forgery check, security headers, body limits, panic catching).
//!
//! The only crate that knows HTTP and HTML. Handlers are thin and always in one order: who is
//! calling ([`extract::Caller`]) → parse input ([`extract::ApiJson`], [`extract::ApiQuery`]) →
//! call the domain service (which authorises and validates) → build the response. No SQL here.
//!
//! API routes are registered through `utoipa_axum::routes!`, so a route and its OpenAPI entry
//! come from the same `#[utoipa::path]` declaration and cannot drift apart; each declares its
//! access rule as the operation's `security` requirement (`public`, or the session and the
//! permission it needs), which the route-matrix test checks against real callers.

pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod input;
pub mod metrics;
pub mod oidc;
pub mod open311;
pub mod pages;
pub mod proxy;
pub mod request_id;
pub mod security;
pub mod services;
pub mod session;
pub mod transfer;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use yiwang_calendar::CalendarService;
use yiwang_cases::CaseService;
use yiwang_catalog::CatalogService;
use yiwang_exchange::{ExchangeService, SharingService};
use yiwang_identity::{IdentityConfig, IdentityService, Keys, OidcService};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::DivisionCode;
use yiwang_licences::{LicenceImports, LicenceService};
use yiwang_org::OrgService;
use yiwang_store::Db;

pub use proxy::IpNet;
pub use services::{ServiceSettings, Services};

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// Largest upload accepted by the import endpoints, in bytes.
    pub max_upload: usize,
    /// The address people and department systems reach Yiwang at (scheme, host, port, no
    /// trailing slash): the OpenID Connect issuer and the base of its endpoints.
    pub public_url: String,
    /// Session timeouts and the lockout policy.
    pub identity: IdentityConfig,
    /// The division this node serves (its city): the public pages list its halls and
    /// departments and offer it and its children as search filters. Default 440800 (湛江市,
    /// the demo city).
    pub home_division: DivisionCode,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR blocks; empty:
    /// the TCP peer is the source). See [`proxy`].
    pub trusted_proxies: Vec<IpNet>,
    /// The bearer token that opens `/metrics` to a scraper that is not on loopback (none:
    /// loopback only). See [`metrics`].
    pub metrics_token: Option<String>,
}

/// The home division of a node that names none: 440800 湛江市, the demo city.
pub fn default_home_division() -> DivisionCode {
    DivisionCode::six::<440800>()
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            max_upload: 20 * 1024 * 1024,
            public_url: "http://127.0.0.1:8080".to_string(),
            identity: IdentityConfig::default(),
            home_division: default_home_division(),
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

/// Everything a handler needs: the domain services, built once by the caller
/// ([`Services::build`]), and the web settings. Cloned per request and per layer, so it is one
/// `Arc` (cloning each service's pools and `Arc`s cost a tenth of a data API call's CPU).
#[derive(Clone)]
pub struct AppState(Arc<State>);

impl std::ops::Deref for AppState {
    type Target = State;

    fn deref(&self) -> &State {
        &self.0
    }
}

/// What an [`AppState`] holds.
pub struct State {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// This process as one of the replicas ([`yiwang_store::cluster`]).
    pub node: yiwang_store::cluster::Node,
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
    /// Data sharing and exchange (数据共享交换); each exchange module's service follows.
    pub exchange: ExchangeService,
    /// Sharing requests and grants, statistics.
    pub sharing: SharingService,
    /// The audited data API (数据调用) and its access logs.
    pub exchange_access: yiwang_exchange::DataAccess,
    /// Collection (归集) of resources' rows.
    pub collector: yiwang_exchange::collect::Collector,
    /// The base libraries (基础库).
    pub base: yiwang_exchange::base::BaseLibraries,
    /// "One thing" bundles (一件事): definitions, the public list and plan.
    pub bundles: yiwang_bundles::BundleService,
    /// Appeals, the 12345 hotline, grids and Open311 (12345 诉求 / 网格化).
    pub appeals: yiwang_appeals::AppealService,
    /// Supervision and evaluation (电子监察 / 考评 / 联合奖惩 / 双随机).
    pub supervision: yiwang_supervision::SupervisionService,
    pub config: WebConfig,
    /// Demo accounts and their password, shown on the sign-in page when the demo is loaded.
    pub demo_hint: Option<Arc<(Vec<pages::DemoHint>, String)>>,
}

impl AppState {
    /// The state of a node with `services` (built from the same `config`). Fails when a page
    /// template does not compile.
    pub fn new(config: WebConfig, services: Services) -> Result<AppState, yiwang_kernel::Error> {
        pages::Templates::new()?;
        // The process's metrics recorder, before anything is counted (once per process).
        metrics::handle();
        let Services {
            db,
            clock,
            node,
            org,
            catalog,
            identity,
            oidc,
            calendar,
            cases,
            licences,
            imports,
            exchange,
            sharing,
            exchange_access,
            collector,
            base,
            bundles,
            appeals,
            supervision,
        } = services;
        Ok(AppState(Arc::new(State {
            db,
            clock,
            node,
            org,
            catalog,
            identity,
            oidc,
            calendar,
            cases,
            licences,
            imports,
            exchange,
            sharing,
            exchange_access,
            collector,
            base,
            bundles,
            appeals,
            supervision,
            config,
            demo_hint: None,
        })))
    }

    /// The same state with the demo accounts' hint for the sign-in page (before serving: the
    /// state must not be shared yet).
    pub fn with_demo_hint(
        mut self,
        hint: Arc<(Vec<pages::DemoHint>, String)>,
    ) -> Result<AppState, yiwang_kernel::Error> {
        let Some(s) = Arc::get_mut(&mut self.0) else {
            return Err(yiwang_kernel::Error::internal(
                "the demo hint is set before the state is shared",
            ));
        };
        s.demo_hint = Some(hint);
        Ok(self)
    }

    /// A node whose services keep material files in memory, with the default case settings:
    /// for tests and command-line tools that serve no uploads.
    pub fn standalone(
        db: Db,
        clock: Arc<dyn Clock>,
        config: WebConfig,
        keys: Keys,
    ) -> Result<AppState, yiwang_kernel::Error> {
        let services = Services::build(&config, ServiceSettings::new(db, clock, keys));
        AppState::new(config, services)
    }
}

/// The whole application: API, OpenAPI document, pages, static files and the common layers.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let openapi = api::finish(openapi);
    // Every operation's declared rule is enforced at the door (and the domain checks scope).
    let rules = match api::rules(&openapi) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "an API route declares no valid access rule; it is refused");
            Default::default()
        }
    };
    let api = api
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), Arc::new(rules)),
            api::gate,
        ))
        .layer(axum::middleware::from_fn(error::json_rejections));
    let system = api::system_router(&openapi);
    drop(openapi);
    let max_upload = state.config.max_upload;
    Router::new()
        .merge(api)
        .merge(pages::router())
        .merge(oidc::router())
        .merge(open311::router())
        .merge(system)
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        // Outside the session layer: a request it answers itself (a refused CSRF token) counts.
        .layer(axum::middleware::from_fn(metrics::track))
        // Outside the session layer, which would take the scraper's bearer token for an API
        // token; inside the source-address layer its access rule needs.
        .route("/metrics", axum::routing::get(metrics::serve))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            proxy::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            input::refuse_nul,
        ))
        .layer(DefaultBodyLimit::max(max_upload))
        .layer(axum::middleware::from_fn(error::plain_errors_in_our_format))
        .layer(axum::middleware::from_fn(security::add_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn(request_id::layer))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
