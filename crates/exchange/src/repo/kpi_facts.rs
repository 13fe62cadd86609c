//! SQL of the exchange domain's facts (指标事实), read through `yiwang_store::facts`:
//! the responsibility list (共享责任清单, the state now: `ExchangeService`) and the sharing
//! side (data API calls and decided requests by Shanghai day: `SharingService`).
//!
//! Definitions: a *responsibility* is a published resource that is not 不予共享, in its
//! provider department (as `lists::responsibility_list`); *mounted* means mounted (挂接: rows
//! loaded) with data fresh for its update cycle on the reported day: loaded on or after the
//! start of the day `max_age_days` before it (`UpdateCycle::max_age_days`; a daily resource
//! loaded yesterday or today; irregular resources are fresh once mounted). Whatever the hour,
//! a resource the responsibility list shows fresh counts as mounted; a *call* is a data
//! API call in the provider's department; a request is *decided* when granted or refused
//! (withdrawn ones are not), in the provider's department, and *on time* when decided no later
//! than its due date (10 working days from submission, fixed at submission).

use time::{Date, Duration};
use yiwang_kernel::facts::day_start;
use yiwang_store::Value;
use yiwang_store::facts::Family;

fn none(_: &str) -> Option<String> {
    None
}

fn age(d: Date, days: i64) -> Value {
    Value::Time(day_start(d) - Duration::days(days))
}

const FRESH: &str = "CASE WHEN r.last_loaded_at IS NOT NULL AND r.row_count > 0 AND (\
     v.update_cycle = 'irregular' \
     OR (v.update_cycle IN ('realtime', 'daily') AND r.last_loaded_at >= {age1}) \
     OR (v.update_cycle = 'weekly' AND r.last_loaded_at >= {age7}) \
     OR (v.update_cycle = 'monthly' AND r.last_loaded_at >= {age31}) \
     OR (v.update_cycle = 'quarterly' AND r.last_loaded_at >= {age92}) \
     OR (v.update_cycle = 'half_yearly' AND r.last_loaded_at >= {age183}) \
     OR (v.update_cycle = 'yearly' AND r.last_loaded_at >= {age366})) THEN 1 ELSE 0 END";

/// The responsibility list (`ExchangeService`).
pub(crate) const LIST_FAMILIES: &[Family] = &[Family {
    kind: "resource",
    from: "exchange_resources r JOIN exchange_resource_versions v \
           ON v.resource_id = r.id AND v.version = r.published_version",
    at: None,
    department: "r.department_id",
    base: "v.share_type <> 'not_shared'",
    reference: "r.code",
    label: "v.name",
    order: "r.code",
    href: none,
    measures: &[
        ("exchange.responsibilities", "1"),
        ("exchange.mounted", FRESH),
    ],
    tokens: &[
        ("{age1}", |d| age(d, 1)),
        ("{age7}", |d| age(d, 7)),
        ("{age31}", |d| age(d, 31)),
        ("{age92}", |d| age(d, 92)),
        ("{age183}", |d| age(d, 183)),
        ("{age366}", |d| age(d, 366)),
    ],
}];

/// Calls and requests (`SharingService`).
pub(crate) const SHARING_FAMILIES: &[Family] = &[
    Family {
        kind: "call",
        from: "exchange_calls k",
        at: Some("k.at"),
        department: "k.provider_department_id",
        base: "1 = 1",
        reference: "k.resource_code",
        label: "k.resource_name",
        order: "k.id",
        href: none,
        measures: &[("exchange.calls", "1")],
        tokens: &[],
    },
    Family {
        kind: "request",
        from: "exchange_requests q JOIN exchange_resources r ON r.id = q.resource_id \
               LEFT JOIN exchange_resource_versions v \
               ON v.resource_id = q.resource_id AND v.version = q.resource_version",
        at: Some("q.decided_at"),
        department: "q.provider_department_id",
        base: "q.state IN ('granted', 'refused')",
        reference: "r.code || '#' || CAST(q.id AS TEXT)",
        label: "COALESCE(v.name, r.code)",
        order: "q.id",
        href: none,
        measures: &[
            ("exchange.requests_decided", "1"),
            (
                "exchange.requests_on_time",
                "CASE WHEN q.due_date >= {day} THEN 1 ELSE 0 END",
            ),
        ],
        tokens: &[],
    },
];
