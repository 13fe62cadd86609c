//! Supervision and evaluation (电子监察 / 考评 / 互联网+监管, docs/supervision.md).
//!
//! * [`kpi`] — KPIs defined as data (指标: a numerator and a denominator over the domains'
//!   measures, a direction of good), materialised per day and month from the facts each domain
//!   counts (`yiwang_kernel::facts`), refreshed incrementally, read per division, department and
//!   period with a drill-down to the members behind every figure.
//! * [`watch`] — electronic supervision (电子监察, GB/T 39046 表11): monitoring rules as data
//!   raising warnings from the cases' process data, and a supervision case per warning handled
//!   to an outcome.
//! * [`credit`] — credit-based joint reward and punishment (联合奖惩): red and black lists with
//!   their legal basis, measures and validity, checked at a case's acceptance.
//! * [`inspection`] — random inspection (双随机、一公开, docs/standards §10): item lists, entity
//!   and inspector pools, plans, reproducible draws from a published seed, results and their
//!   publication.
//!
//! [`SupervisionService`] is the entry point; each part adds its methods in its own module.

pub mod credit;
pub mod inspection;
pub mod kpi;
mod service;
pub mod watch;

pub use service::{Sources, SupervisionService};
