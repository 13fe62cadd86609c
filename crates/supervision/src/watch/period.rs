//! What supervision saw in a period, for the bulletin (通报): per monitoring rule the warnings
//! raised and the warnings handled to an outcome, the credit checks at acceptance and what
//! they flagged, and the red and black list entries in force at the period's end. Computed
//! here from the warnings, the cases' recorded checks (through `CaseService`) and the lists —
//! the page only prints it.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_cases::CreditCheckCounts;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::day_start;

use super::repo;
use crate::SupervisionService;
use crate::kpi::{Month, Scope};

/// One rule's warnings in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RuleCounts {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Warnings raised in the period.
    pub raised: i64,
    /// Warnings concluded (handled to an outcome) in the period, whenever raised.
    pub handled: i64,
}

/// The bulletin's counts for a scope and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PeriodCounts {
    /// Every rule, in the rules' order (zero when nothing happened).
    pub rules: Vec<RuleCounts>,
    /// Cases whose applicant was checked against the credit lists in the period.
    pub credit: CreditCheckCounts,
    /// Active black- and red-list entries in force on the period's last day.
    pub black_listed: i64,
    pub red_listed: i64,
}

/// `[start, end)` of a month in China time, as UTC instants.
pub fn month_bounds(m: Month) -> (OffsetDateTime, OffsetDateTime) {
    (day_start(m.first()), day_start(m.next().first()))
}

impl SupervisionService {
    /// The counts of `month` within `scope` (default: the reader's reach; `supervision.view`
    /// over it).
    pub async fn period_counts(
        &self,
        ctx: &Ctx,
        scope: Option<Scope>,
        month: Month,
    ) -> Result<PeriodCounts> {
        let scope = self.kpi_scope(ctx, scope).await?;
        let (from, to) = month_bounds(month);
        let mut c = self.db.clone();
        let counted = repo::period_counts(&mut c, &scope, from, to).await?;
        let rules = repo::rules(&mut c)
            .await?
            .into_iter()
            .map(|r| {
                let (raised, handled) = counted
                    .iter()
                    .find(|(code, ..)| *code == r.code)
                    .map(|(_, a, b)| (*a, *b))
                    .unwrap_or((0, 0));
                RuleCounts {
                    code: r.code,
                    name_zh: r.name_zh,
                    name_en: r.name_en,
                    raised,
                    handled,
                }
            })
            .collect();
        let departments: Vec<i64> = self
            .scope_departments(&scope)
            .await?
            .into_iter()
            .map(|d| d.0)
            .collect();
        // The scope was checked against the reader's reach above; the cases are read as the
        // platform for exactly its departments (as the drill-downs are).
        let credit = self
            .sources
            .cases
            .credit_check_counts(&Ctx::system("bulletin"), Some(&departments), from, to)
            .await?;
        let (black_listed, red_listed) =
            crate::credit::repo::in_force_counts(&mut c, month.last()).await?;
        Ok(PeriodCounts {
            rules,
            credit,
            black_listed,
            red_listed,
        })
    }
}
