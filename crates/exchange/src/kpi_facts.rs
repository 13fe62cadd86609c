//! Facts (指标事实) of the exchange (数据共享) domain for supervision's KPIs: the [`MEASURES`] it
//! provides, their values per Asia/Shanghai day and department, and the members behind them.

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};

use crate::service::ExchangeService;
use crate::sharing::SharingService;

/// The measures this domain provides.
pub const MEASURES: &[Measure] = &[
    Measure {
        code: "exchange.responsibilities",
        zh: "责任清单数据项",
        en: "Responsibility list entries",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "exchange.mounted",
        zh: "已挂接资源数",
        en: "Mounted and fresh resources",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "exchange.calls",
        zh: "数据调用量",
        en: "Data API calls",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "exchange.requests_decided",
        zh: "共享申请答复量",
        en: "Sharing requests decided",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "exchange.requests_on_time",
        zh: "共享申请按时答复量",
        en: "Sharing requests decided on time",
        aggregation: Aggregation::Sum,
    },
];

impl SharingService {
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

impl ExchangeService {
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
