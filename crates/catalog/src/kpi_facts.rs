//! Facts (指标事实) of the catalog (事项目录) domain for supervision's KPIs: the [`MEASURES`] it
//! provides, their values per Asia/Shanghai day and department, and the members behind them.

use time::Date;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};

use crate::service::CatalogService;

/// The measures this domain provides.
pub const MEASURES: &[Measure] = &[
    Measure {
        code: "items.published",
        zh: "已发布事项数",
        en: "Published items",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.online",
        zh: "网上可办事项数",
        en: "Items applicable online",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.full_online",
        zh: "全程网办事项数",
        en: "Items fully online (全程网办)",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.instant",
        zh: "即办事项数",
        en: "Instant items (即办件)",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.in_hall",
        zh: "进驻大厅事项数",
        en: "Items served in the hall",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.one_window",
        zh: "综合窗口受理事项数",
        en: "Items received at the comprehensive window",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.statutory_days",
        zh: "法定办结时限合计（工作日）",
        en: "Statutory time limits, total (working days)",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.days_saved",
        zh: "压减时限合计（工作日）",
        en: "Days saved against the statutory limit (working days)",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.visits",
        zh: "到现场次数合计",
        en: "On-site visits, total",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.at_most_one_visit",
        zh: "最多跑一次事项数",
        en: "Items needing at most one visit",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.licence_free",
        zh: "免证办事项数",
        en: "Licence-free items (免证办)",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.to_claim",
        zh: "应认领事项数",
        en: "Basic items to claim",
        aggregation: Aggregation::Last,
    },
    Measure {
        code: "items.claimed",
        zh: "已认领事项数",
        en: "Basic items claimed",
        aggregation: Aggregation::Last,
    },
];

impl CatalogService {
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
