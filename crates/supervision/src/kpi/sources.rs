//! The domains that count facts (`kpi_facts` in catalog, cases, licences, exchange and
//! appeals), behind one trait so the refresh and the drill-down treat them alike (and tests can
//! stand in for them). Each is read through its service, never its tables.

use std::future::Future;
use std::pin::Pin;

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{FactMember, FactRow, Measure, MemberQuery};

use crate::service::Sources;

/// A boxed future (object-safe async trait methods).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A domain's facts: its measures, its daily rows and the members behind them.
pub trait FactSource: Send + Sync {
    /// A short name for logs and the refresh record (`catalog`, `cases`…).
    fn name(&self) -> &'static str;
    /// The measures this source counts.
    fn measures(&self) -> &'static [Measure];
    /// Rows per day and department in `[from, to]` (Last measures on `to` only).
    fn facts<'a>(
        &'a self,
        ctx: &'a Ctx,
        from: Date,
        to: Date,
    ) -> BoxFuture<'a, Result<Vec<FactRow>>>;
    /// One page of the members behind `q`'s measures, and their total count.
    fn members<'a>(
        &'a self,
        ctx: &'a Ctx,
        q: &'a MemberQuery,
    ) -> BoxFuture<'a, Result<(Vec<FactMember>, i64)>>;
}

/// Every measure of every domain.
pub fn all_measures() -> Vec<Measure> {
    let mut v: Vec<Measure> = Vec::new();
    for m in domain_measures() {
        v.extend_from_slice(m);
    }
    v
}

/// The domains' `MEASURES` lists.
fn domain_measures() -> Vec<&'static [Measure]> {
    Vec::new()
}

impl Sources {
    /// The fact sources of the live domains.
    pub(crate) fn fact_sources(&self) -> Vec<Box<dyn FactSource + '_>> {
        Vec::new()
    }
}
