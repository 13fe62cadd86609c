//! Facts (指标事实) of the licences (电子证照) domain for supervision's KPIs: the [`MEASURES`] it
//! provides, their values per Asia/Shanghai day and department, and the members behind them.

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};

use crate::service::LicenceService;

/// The measures this domain provides.
pub const MEASURES: &[Measure] = &[
    Measure {
        code: "licences.issued",
        zh: "证照签发量",
        en: "Licences issued",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "licences.uses",
        zh: "用证次数",
        en: "Licence uses",
        aggregation: Aggregation::Sum,
    },
];

impl LicenceService {
    /// Facts per day and department in [from, to] (Asia/Shanghai days). `Sum` measures: events
    /// on each day. `Last` measures: the state now, reported on `to` only.
    pub async fn kpi_facts(&self, _ctx: &Ctx, _from: Date, _to: Date) -> Result<Vec<FactRow>> {
        Ok(vec![])
    }

    /// The members behind the measures of `q` (paged), and their total count.
    pub async fn kpi_members(
        &self,
        _ctx: &Ctx,
        _q: &MemberQuery,
    ) -> Result<(Vec<FactMember>, i64)> {
        Ok((vec![], 0))
    }
}
