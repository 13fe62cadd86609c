//! Appeals, the 12345 hotline and grid governance (12345 诉求 / 随手拍 / 网格化;
//! docs/appeals.md, docs/standards/appeals.md).
//!
//! One work-order model (工单, GB/T 33358 §3; STANDARDS §9.2) for every channel — the citizen's
//! web page, the hotline operator's screen and the Open311 GeoReport v2 API — with:
//!
//! - `model`: the vocabulary (appeal types 诉求类型 and their working-day limits, channels,
//!   statuses and their Open311 `open`/`closed`, satisfaction levels);
//! - `lifecycle`: the pure state machine — which action a status allows, and to whom;
//! - `duplicates`: the pure rule of a likely duplicate (same category, nearby, recent).
//!
//! The service, its repo and the grids are added by job (see ARCHITECTURE.md).

pub mod duplicates;
pub mod lifecycle;
pub mod model;
pub mod spatial;

pub use model::{AppealType, Channel, Satisfaction, Status, TimeLimits};
