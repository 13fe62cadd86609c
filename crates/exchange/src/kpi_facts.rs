//! Facts (指标事实) of the exchange (数据共享) domain for supervision's KPIs: the [`MEASURES`] it
//! provides, their values per Asia/Shanghai day and department, and the members behind them.

use time::Date;
use yiwang_org::service::facts_reach;
use yiwang_store::facts;

use crate::repo::kpi_facts::{LIST_FAMILIES, SHARING_FAMILIES};
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
    pub async fn kpi_facts(&self, ctx: &Ctx, from: Date, to: Date) -> Result<Vec<FactRow>> {
        let reach = facts_reach(
            &self.db,
            ctx,
            None,
            "kpi:exchange.sharing",
            self.clock.now(),
        )
        .await?;
        facts::facts(
            &mut self.db.clone(),
            SHARING_FAMILIES,
            from,
            to,
            reach.as_deref(),
        )
        .await
    }

    /// The members behind the measures of `q` (paged), and their total count.
    pub async fn kpi_members(&self, ctx: &Ctx, q: &MemberQuery) -> Result<(Vec<FactMember>, i64)> {
        let wanted = q.departments.as_deref();
        let reach = facts_reach(
            &self.db,
            ctx,
            wanted,
            "kpi:exchange.sharing",
            self.clock.now(),
        )
        .await?;
        facts::members(&mut self.db.clone(), SHARING_FAMILIES, q, reach.as_deref()).await
    }
}

impl ExchangeService {
    /// Facts per day and department in [from, to] (Asia/Shanghai days). `Sum` measures: events
    /// on each day. `Last` measures: the state now, reported on `to` only.
    pub async fn kpi_facts(&self, ctx: &Ctx, from: Date, to: Date) -> Result<Vec<FactRow>> {
        let reach =
            facts_reach(&self.db, ctx, None, "kpi:exchange.lists", self.clock.now()).await?;
        facts::facts(
            &mut self.db.clone(),
            LIST_FAMILIES,
            from,
            to,
            reach.as_deref(),
        )
        .await
    }

    /// The members behind the measures of `q` (paged), and their total count.
    pub async fn kpi_members(&self, ctx: &Ctx, q: &MemberQuery) -> Result<(Vec<FactMember>, i64)> {
        let wanted = q.departments.as_deref();
        let reach = facts_reach(
            &self.db,
            ctx,
            wanted,
            "kpi:exchange.lists",
            self.clock.now(),
        )
        .await?;
        facts::members(&mut self.db.clone(), LIST_FAMILIES, q, reach.as_deref()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every measure is computed by exactly one family, and every family's measure is listed.
    #[test]
    fn families_cover_the_measures() {
        let families: Vec<&yiwang_store::facts::Family> = [LIST_FAMILIES, SHARING_FAMILIES]
            .iter()
            .flat_map(|f| f.iter())
            .collect();
        for m in MEASURES {
            let n = families.iter().filter(|f| f.has(m.code)).count();
            assert_eq!(n, 1, "{}", m.code);
        }
        for f in families {
            for (code, _) in f.measures {
                assert!(MEASURES.iter().any(|m| m.code == *code), "{code}");
            }
        }
    }
}
