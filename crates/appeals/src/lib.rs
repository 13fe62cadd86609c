//! Appeals, the 12345 hotline and grid governance (12345 诉求 / 随手拍 / 网格化;
//! docs/appeals.md, docs/standards/work-orders-open311.md).
//!
//! One work-order model (工单, GB/T 33358 §3; STANDARDS §9.2) for every channel — the citizen's
//! web page, the hotline operator's screen and the Open311 GeoReport v2 API — with:
//!
//! - `model`: the vocabulary (appeal types 诉求类型 and their working-day limits, channels,
//!   statuses and their Open311 `open`/`closed`, satisfaction levels);
//! - `lifecycle`: the pure state machine — which action a status allows, and to whom;
//! - `duplicates`: the pure rule of a likely duplicate (same category, nearby, recent).
//!
//! - `service` ([`AppealService`]) and its `repo`: intake, the flow, reads, Open311, settings,
//!   routing; `views`: what the service takes and gives.

pub mod duplicates;
pub mod fixture;
pub mod kpi_facts;
pub mod lifecycle;
pub mod model;
pub mod repo;
mod service;
pub mod spatial;
pub mod views;

pub use lifecycle::Action;
pub use model::{AppealType, Channel, GridKind, LonLat, Satisfaction, Status, TimeLimits};
pub use service::{AppealService, Open311Service};
pub use views::{
    ActInput, AppealBrief, AppealView, CategoryInput, CategoryView, ContactView, DeptRef,
    EventView, Filed, GridFilter, GridImportReport, GridProblem, GridRef, GridSummary, GridView,
    KnowledgeInput, KnowledgeView, MapRequest, NewAppeal, Open311KeyView, Overlap, PhotoUpload,
    PhotoView, PublicQuery, PublicRequest, QueueFilter, Received, RouteTarget, StatRow, StatsBy,
    StatsQuery,
};
