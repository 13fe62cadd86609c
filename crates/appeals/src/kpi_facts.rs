//! Facts (指标事实) of the appeals (诉求) domain for supervision's KPIs: the [`MEASURES`] it
//! provides, their values per Asia/Shanghai day and department, and the members behind them.

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};

use crate::service::AppealService;

/// The measures this domain provides.
pub const MEASURES: &[Measure] = &[
    Measure {
        code: "appeals.received",
        zh: "诉求受理量",
        en: "Appeals received",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "appeals.closed",
        zh: "诉求办结量",
        en: "Appeals closed",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "appeals.replied",
        zh: "诉求答复量",
        en: "Appeals replied",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "appeals.replied_on_time",
        zh: "诉求按时答复量",
        en: "Appeals replied on time",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "appeals.rated",
        zh: "诉求评价数",
        en: "Appeals rated",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "appeals.satisfied",
        zh: "诉求满意数",
        en: "Appeals satisfied",
        aggregation: Aggregation::Sum,
    },
];

impl AppealService {
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
