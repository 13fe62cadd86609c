//! The three lists (三清单, docs/standards/exchange.md §8.4): the responsibility list (共享责任
//! 清单: what each department must provide, whether it is mounted — 挂接, has loaded rows — and
//! whether its data is fresher than its update cycle), the negative list (负面清单: resources
//! published as 不予共享, with their legal basis; `refusal_for` is what the sharing requests
//! quote when they refuse) and the demand list (需求清单, `demands`).

pub mod demands;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, Result};
use yiwang_store::Conn;

use crate::catalog::{departments, not_shared};
use crate::model::{Resource, ShareType, UpdateCycle, VersionStatus};
use crate::repo::{catalog as repo, resources};
use crate::service::ExchangeService;

pub use demands::{ClaimDemand, Demand, DemandStatus, NewDemand};

/// The legal basis to quote when refusing a request for `r`: `Some(basis)` when the resource's
/// published version is 不予共享 (on the negative list), or when it has been retired (no longer
/// in the catalog); `None` when it may be requested.
pub async fn refusal_for(c: &mut impl Conn, r: &Resource) -> Result<Option<String>> {
    let Some(p) = resources::published(c, r.id).await? else {
        let retired = resources::version(c, r.id, r.version)
            .await?
            .is_some_and(|v| v.status == VersionStatus::Retired);
        return Ok(retired.then(|| "该信息资源已停用，不再提供共享".to_string()));
    };
    Ok(not_shared(&p).then(|| {
        let b = p.meta.share_basis.trim();
        if b.is_empty() {
            "该信息资源列入负面清单（不予共享）".to_string()
        } else {
            b.to_string()
        }
    }))
}

/// One resource a department must provide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Responsibility {
    pub resource_id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub share_type: ShareType,
    pub update_cycle: UpdateCycle,
    /// Mounted (挂接): the resource has rows loaded.
    pub mounted: bool,
    /// Mounted, and the last load is within the update cycle (`UpdateCycle::max_age_days`;
    /// an irregular resource is fresh once mounted).
    pub fresh: bool,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_loaded_at: Option<OffsetDateTime>,
    pub row_count: i64,
}

/// One department's part of the responsibility list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentDuties {
    pub department_id: i64,
    pub department_name: String,
    /// Resources it must provide (published, shareable).
    pub total: usize,
    pub mounted: usize,
    pub fresh: usize,
    pub resources: Vec<Responsibility>,
}

/// A negative-list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NegativeEntry {
    pub resource_id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub department_name: String,
    /// The legal basis of 不予共享 (quoted when a request is refused).
    pub basis: String,
    /// The data items (all of them are withheld).
    pub items: Vec<String>,
}

/// Whether data last loaded `at` is fresh `now` for a resource updated `cycle`.
pub fn is_fresh(cycle: UpdateCycle, at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    match (at, cycle.max_age_days()) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(t), Some(days)) => now - t <= time::Duration::days(days),
    }
}

impl ExchangeService {
    /// The responsibility list, by department (one department with `department`).
    pub async fn responsibility_list(
        &self,
        ctx: &Ctx,
        department: Option<i64>,
    ) -> Result<Vec<DepartmentDuties>> {
        self.require_reader(ctx, "lists").await?;
        let now = self.clock().now();
        let mut db = self.db().clone();
        let depts = departments(&mut db).await?;
        let mut by: BTreeMap<(String, i64), Vec<Responsibility>> = BTreeMap::new();
        for (r, at, rows) in repo::published_with_load(&mut db).await? {
            if not_shared(&r) || department.is_some_and(|d| d != r.department_id) {
                continue;
            }
            let name = depts
                .get(&r.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let mounted = at.is_some() && rows > 0;
            by.entry((name, r.department_id))
                .or_default()
                .push(Responsibility {
                    resource_id: r.id,
                    code: r.code.0.clone(),
                    name: r.meta.name.clone(),
                    department_id: r.department_id,
                    share_type: r.meta.share_type,
                    update_cycle: r.meta.update_cycle,
                    mounted,
                    fresh: mounted && is_fresh(r.meta.update_cycle, at, now),
                    last_loaded_at: at,
                    row_count: rows,
                });
        }
        if let Some(d) = department
            && !depts.contains_key(&d)
        {
            return Err(Error::not_found());
        }
        Ok(by
            .into_iter()
            .map(
                |((department_name, department_id), resources)| DepartmentDuties {
                    department_id,
                    department_name,
                    total: resources.len(),
                    mounted: resources.iter().filter(|r| r.mounted).count(),
                    fresh: resources.iter().filter(|r| r.fresh).count(),
                    resources,
                },
            )
            .collect())
    }

    /// The negative list: published resources that are not shared, with their legal basis.
    pub async fn negative_list(&self, ctx: &Ctx) -> Result<Vec<NegativeEntry>> {
        self.require_reader(ctx, "lists").await?;
        let mut db = self.db().clone();
        let depts = departments(&mut db).await?;
        Ok(resources::all_published(&mut db)
            .await?
            .into_iter()
            .filter(not_shared)
            .map(|r| NegativeEntry {
                resource_id: r.id,
                department_name: depts
                    .get(&r.department_id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                code: r.code.0,
                name: r.meta.name,
                department_id: r.department_id,
                basis: r.meta.share_basis,
                items: r.meta.items.into_iter().map(|i| i.name).collect(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn fresh_means_loaded_within_the_update_cycle() {
        let now = datetime!(2026-11-20 02:00 UTC);
        let day = time::Duration::days(1);
        assert!(!is_fresh(UpdateCycle::Daily, None, now));
        assert!(is_fresh(UpdateCycle::Daily, Some(now - day), now));
        assert!(!is_fresh(
            UpdateCycle::Daily,
            Some(now - day - time::Duration::seconds(1)),
            now
        ));
        assert!(is_fresh(UpdateCycle::Monthly, Some(now - day * 31), now));
        assert!(!is_fresh(UpdateCycle::Monthly, Some(now - day * 32), now));
        assert!(is_fresh(
            UpdateCycle::Irregular,
            Some(now - day * 3000),
            now
        ));
    }
}
