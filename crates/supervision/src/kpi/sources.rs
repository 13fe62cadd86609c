//! The domains that count facts (`kpi_facts` in catalog, cases, licences, exchange and
//! appeals), behind one trait so the refresh and the drill-down treat them alike (and tests can
//! stand in for them). Each is read through its service, never its tables.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

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
    for m in [
        yiwang_catalog::kpi_facts::MEASURES,
        yiwang_cases::kpi_facts::MEASURES,
        yiwang_licences::kpi_facts::MEASURES,
        yiwang_exchange::kpi_facts::MEASURES,
        yiwang_appeals::kpi_facts::MEASURES,
    ] {
        v.extend_from_slice(m);
    }
    v
}

/// The exchange's measures the resource catalog counts (the responsibility list); the others
/// are the sharing service's (calls and requests).
const CATALOG_SIDE: &[&str] = &["exchange.responsibilities", "exchange.mounted"];

fn exchange_part(catalog_side: bool) -> &'static [Measure] {
    static CATALOG: OnceLock<Vec<Measure>> = OnceLock::new();
    static SHARING: OnceLock<Vec<Measure>> = OnceLock::new();
    let cell = if catalog_side { &CATALOG } else { &SHARING };
    cell.get_or_init(|| {
        yiwang_exchange::kpi_facts::MEASURES
            .iter()
            .filter(|m| CATALOG_SIDE.contains(&m.code) == catalog_side)
            .copied()
            .collect()
    })
}

/// A domain service as a fact source, answering for `measures` only.
macro_rules! source {
    ($name:ident, $label:literal, $ty:ty) => {
        struct $name<'s>(&'s $ty, &'static [Measure]);

        impl FactSource for $name<'_> {
            fn name(&self) -> &'static str {
                $label
            }

            fn measures(&self) -> &'static [Measure] {
                self.1
            }

            fn facts<'a>(
                &'a self,
                ctx: &'a Ctx,
                from: Date,
                to: Date,
            ) -> BoxFuture<'a, Result<Vec<FactRow>>> {
                Box::pin(async move {
                    let codes: Vec<&str> = self.1.iter().map(|m| m.code).collect();
                    Ok(self
                        .0
                        .kpi_facts(ctx, from, to)
                        .await?
                        .into_iter()
                        .filter(|r| codes.contains(&r.measure))
                        .collect())
                })
            }

            fn members<'a>(
                &'a self,
                ctx: &'a Ctx,
                q: &'a MemberQuery,
            ) -> BoxFuture<'a, Result<(Vec<FactMember>, i64)>> {
                Box::pin(self.0.kpi_members(ctx, q))
            }
        }
    };
}

source!(Catalog, "catalog", yiwang_catalog::CatalogService);
source!(Cases, "cases", yiwang_cases::CaseService);
source!(Licences, "licences", yiwang_licences::LicenceService);
source!(Exchange, "exchange", yiwang_exchange::ExchangeService);
source!(Sharing, "sharing", yiwang_exchange::SharingService);
source!(Appeals, "appeals", yiwang_appeals::AppealService);

impl Sources {
    /// The fact sources of the live domains.
    pub(crate) fn fact_sources(&self) -> Vec<Box<dyn FactSource + '_>> {
        vec![
            Box::new(Catalog(&self.catalog, yiwang_catalog::kpi_facts::MEASURES)),
            Box::new(Cases(&self.cases, yiwang_cases::kpi_facts::MEASURES)),
            Box::new(Licences(
                &self.licences,
                yiwang_licences::kpi_facts::MEASURES,
            )),
            Box::new(Exchange(&self.exchange, exchange_part(true))),
            Box::new(Sharing(&self.sharing, exchange_part(false))),
            Box::new(Appeals(&self.appeals, yiwang_appeals::kpi_facts::MEASURES)),
        ]
    }
}
