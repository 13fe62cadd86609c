//! Facts (指标事实) of the cases (办件) domain for supervision's KPIs: the [`MEASURES`] it
//! provides, their values per Asia/Shanghai day and department, and the members behind them.

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};

use yiwang_org::service::facts_reach;
use yiwang_store::facts;

use crate::repo::kpi_facts::FAMILIES;
use crate::service::CaseService;

/// The measures this domain provides.
pub const MEASURES: &[Measure] = &[
    Measure {
        code: "cases.submitted",
        zh: "申请量",
        en: "Cases submitted",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "cases.submitted_online",
        zh: "网上申请量",
        en: "Cases submitted online",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "cases.concluded",
        zh: "办结量",
        en: "Cases concluded",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "cases.concluded_on_time",
        zh: "按时办结量",
        en: "Cases concluded on time",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "ratings.total",
        zh: "评价数",
        en: "Ratings",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "ratings.good",
        zh: "好评数",
        en: "Good ratings",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "ratings.bad",
        zh: "差评数",
        en: "Bad ratings",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "ratings.bad_rectified",
        zh: "差评已整改数",
        en: "Bad ratings rectified",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "bundles.applications",
        zh: "一件事申请量",
        en: "Bundle applications",
        aggregation: Aggregation::Sum,
    },
    Measure {
        code: "bundles.concluded",
        zh: "一件事办结量",
        en: "Bundle applications concluded",
        aggregation: Aggregation::Sum,
    },
];

impl CaseService {
    /// Facts per day and department in [from, to] (Asia/Shanghai days). `Sum` measures: events
    /// on each day. `Last` measures: the state now, reported on `to` only.
    pub async fn kpi_facts(&self, ctx: &Ctx, from: Date, to: Date) -> Result<Vec<FactRow>> {
        let reach = facts_reach(&self.db, ctx, None, "kpi:cases", self.clock.now()).await?;
        facts::facts(&mut self.db.clone(), FAMILIES, from, to, reach.as_deref()).await
    }

    /// The members behind the measures of `q` (paged), and their total count.
    pub async fn kpi_members(&self, ctx: &Ctx, q: &MemberQuery) -> Result<(Vec<FactMember>, i64)> {
        let wanted = q.departments.as_deref();
        let reach = facts_reach(&self.db, ctx, wanted, "kpi:cases", self.clock.now()).await?;
        facts::members(&mut self.db.clone(), FAMILIES, q, reach.as_deref()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every measure is computed by exactly one family, and every family's measure is listed.
    #[test]
    fn families_cover_the_measures() {
        for m in MEASURES {
            let n = FAMILIES.iter().filter(|f| f.has(m.code)).count();
            assert_eq!(n, 1, "{}", m.code);
        }
        for f in FAMILIES {
            for (code, _) in f.measures {
                assert!(MEASURES.iter().any(|m| m.code == *code), "{code}");
            }
        }
    }
}
