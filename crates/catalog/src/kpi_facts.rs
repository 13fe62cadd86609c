//! Facts (指标事实) of the catalog (事项目录) domain for supervision's KPIs: the [`MEASURES`] it
//! provides (all `Last`: the catalog as it stands, reported on the last day asked for) per
//! department, and the members behind them — one per published item and one per basic item a
//! department claimed or is expected to claim.
//!
//! Definitions: items are the current published implementation items, in their implementing
//! department. *One window* (一窗办理): served in the hall and its department has no active
//! department window (部门专窗) in a hall of the item's division, so it is received at the
//! comprehensive window (综合受理). Time limits count when both the statutory and the promised
//! limit are in working days and the statutory one is above zero: `items.statutory_days` sums
//! the statutory limits, `items.days_saved` statutory − promised.
//!
//! Claims (认领): the platform keeps no assignment of basic items to departments, so the
//! expectation is read from the data. A department has *claimed* the active basic items it
//! holds an implementation item of (any division, not retired). It is *expected* to claim those,
//! and every active basic item its parent department (业务指导, `departments.parent_id`)
//! claimed whose suggested levels (表A.2 codes) include its own division's level, or list none.
//! A department without a parent is expected to claim what it claimed (progress 100 %).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::Date;
use yiwang_kernel::codes::DivisionCode;
use yiwang_org::model::{Hall, WindowKind};
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::service::{departments_in, facts_reach, halls_in};

use crate::model::Elements;
use crate::repo::kpi_facts::{self as repo, PublishedRow};
use crate::service::level_for;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::facts::{Aggregation, FactMember, FactRow, Measure, MemberQuery};
use yiwang_kernel::{Error, Result};

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

/// Working days (时限单位 1).
const WORKING_DAYS: &str = "1";

fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Whether `department` has an active department window in a hall inside `division`.
fn has_department_window(halls: &[Hall], department: i64, division: &DivisionCode) -> bool {
    halls.iter().any(|h| {
        h.division_code.within(division)
            && h.windows.iter().any(|w| {
                w.active && w.kind == WindowKind::Department && w.department_id == Some(department)
            })
    })
}

/// What one published item counts in.
fn item_values(e: &Elements, one_window: bool) -> BTreeMap<&'static str, i64> {
    let limits = e.statutory_unit == WORKING_DAYS
        && e.promised_unit == WORKING_DAYS
        && e.statutory_limit > 0
        && e.promised_limit >= 0;
    let (statutory, saved) = if limits {
        (e.statutory_limit, e.statutory_limit - e.promised_limit)
    } else {
        (0, 0)
    };
    BTreeMap::from([
        ("items.published", 1),
        ("items.online", flag(e.applies_online())),
        ("items.full_online", flag(e.online_level() == 4)),
        ("items.instant", flag(e.is_instant())),
        ("items.in_hall", flag(e.in_hall)),
        ("items.one_window", flag(e.in_hall && one_window)),
        ("items.statutory_days", statutory),
        ("items.days_saved", saved),
        ("items.visits", e.visits),
        ("items.at_most_one_visit", flag(e.visits <= 1)),
        ("items.licence_free", flag(e.licence_free())),
    ])
}

fn item_member(day: Date, r: &PublishedRow, halls: &[Hall]) -> Result<FactMember> {
    let e: Elements = serde_json::from_str(&r.elements)
        .map_err(|err| Error::internal(format!("item {} elements: {err}", r.code)))?;
    let one_window = match DivisionCode::parse(&r.division_code) {
        Ok(d) => !has_department_window(halls, r.department_id, &d),
        Err(_) => true,
    };
    Ok(FactMember {
        day,
        department_id: r.department_id,
        kind: "item",
        reference: r.code.clone(),
        label: r.name.clone(),
        href: Some(format!("/items/{}", r.code)),
        values: item_values(&e, one_window),
    })
}

/// Whether a basic item suggesting `levels` (comma-separated 表A.2 codes) is exercised at
/// `level`; no suggestion means every level.
fn suggests(levels: &str, level: &str) -> bool {
    let mut any = false;
    for l in levels
        .split([',', '，', ' '])
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        any = true;
        if l == level {
            return true;
        }
    }
    !any
}

impl CatalogService {
    /// Every member (all measures) of the departments `reach` (all with `None`), as of `day`.
    async fn kpi_all(&self, day: Date, reach: Option<&[i64]>) -> Result<Vec<FactMember>> {
        let mut db = self.db.clone();
        if reach.is_some_and(|r| r.is_empty()) {
            return Ok(Vec::new());
        }
        let halls = halls_in(&mut db, None).await?;
        let mut out = Vec::new();
        for r in repo::published(&mut db, reach).await? {
            out.push(item_member(day, &r, &halls)?);
        }
        // Claims: what each department claimed, and what its parent claimed at its level.
        let depts = departments_in(&mut db, &DepartmentFilter::default()).await?;
        let mut claimed: HashMap<i64, BTreeMap<String, (String, String)>> = HashMap::new();
        for c in repo::claims(&mut db, None).await? {
            claimed
                .entry(c.department_id)
                .or_default()
                .insert(c.code, (c.name, c.levels));
        }
        for d in &depts {
            if reach.is_some_and(|r| !r.contains(&d.id)) {
                continue;
            }
            let own = claimed.get(&d.id);
            let mut expected: BTreeMap<&str, &str> = BTreeMap::new();
            let mut held: BTreeSet<&str> = BTreeSet::new();
            if let Some(own) = own {
                for (code, (name, _)) in own {
                    expected.insert(code, name);
                    held.insert(code);
                }
            }
            let level = level_for(&d.division_code);
            if let Some(parent) = d.parent_id.and_then(|p| claimed.get(&p)) {
                for (code, (name, levels)) in parent {
                    if suggests(levels, level) {
                        expected.insert(code, name);
                    }
                }
            }
            for (code, name) in expected {
                out.push(FactMember {
                    day,
                    department_id: d.id,
                    kind: "basic_item",
                    reference: code.to_string(),
                    label: name.to_string(),
                    href: None,
                    values: BTreeMap::from([
                        ("items.to_claim", 1),
                        ("items.claimed", flag(held.contains(code))),
                    ]),
                });
            }
        }
        Ok(out)
    }

    /// Facts per day and department in [from, to] (Asia/Shanghai days). `Sum` measures: events
    /// on each day. `Last` measures: the state now, reported on `to` only.
    pub async fn kpi_facts(&self, ctx: &Ctx, from: Date, to: Date) -> Result<Vec<FactRow>> {
        let reach = facts_reach(&self.db, ctx, None, "kpi:catalog", self.clock.now()).await?;
        if to < from {
            return Ok(Vec::new());
        }
        let mut sums: BTreeMap<i64, BTreeMap<&'static str, i64>> = BTreeMap::new();
        for m in self.kpi_all(to, reach.as_deref()).await? {
            let dept = sums
                .entry(m.department_id)
                .or_insert_with(|| MEASURES.iter().map(|x| (x.code, 0)).collect());
            for (k, v) in m.values {
                *dept.entry(k).or_insert(0) += v;
            }
        }
        Ok(sums
            .into_iter()
            .flat_map(|(department_id, values)| {
                values.into_iter().map(move |(measure, value)| FactRow {
                    day: to,
                    department_id,
                    measure,
                    value,
                })
            })
            .collect())
    }

    /// The members behind the measures of `q` (paged), and their total count.
    pub async fn kpi_members(&self, ctx: &Ctx, q: &MemberQuery) -> Result<(Vec<FactMember>, i64)> {
        let wanted = q.departments.as_deref();
        let reach = facts_reach(&self.db, ctx, wanted, "kpi:catalog", self.clock.now()).await?;
        if q.to < q.from {
            return Ok((Vec::new(), 0));
        }
        let mut all: Vec<FactMember> = Vec::new();
        for mut m in self.kpi_all(q.to, reach.as_deref()).await? {
            m.values.retain(|k, _| q.measures.contains(k));
            if m.values.values().any(|v| *v != 0) {
                all.push(m);
            }
        }
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(q.offset.max(0)).unwrap_or(usize::MAX);
        let take = usize::try_from(q.limit.max(0)).unwrap_or(0);
        Ok((all.into_iter().skip(skip).take(take).collect(), total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_values_cover_the_item_measures() {
        let v = item_values(&Elements::default(), true);
        for m in MEASURES {
            let claim = m.code == "items.to_claim" || m.code == "items.claimed";
            assert_eq!(v.contains_key(m.code), !claim, "{}", m.code);
        }
    }

    #[test]
    fn levels_suggest() {
        assert!(suggests("", "4"));
        assert!(suggests("3,4", "4"));
        assert!(suggests("3， 4", "4"));
        assert!(!suggests("2,3", "4"));
    }
}
