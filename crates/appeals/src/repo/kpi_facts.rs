//! SQL of the appeals domain's facts (指标事实): one family, the work orders by the day they
//! were received (a cohort: a period's completion, replies and satisfaction are those of the
//! orders received in it, like the appeals statistics), read through `yiwang_store::facts`.
//!
//! Definitions: the department is the handling department (承办单位); orders not yet given
//! to one, and orders merged into another (which carries on), count nowhere. *Closed* (办结)
//! is replied, followed up, archived or answered at intake (`Status::is_concluded`);
//! *replied on time* is a reply no later than the due time (extensions included); *rated* is a
//! recorded satisfaction (回访), *satisfied* a level ≥ 3 (基本满意 or better).

use yiwang_store::facts::Family;

fn appeal_href(no: &str) -> Option<String> {
    Some(format!("/staff/appeals/{no}"))
}

pub(crate) const FAMILIES: &[Family] = &[Family {
    kind: "appeal",
    from: "appeals a LEFT JOIN appeal_categories k ON k.code = a.category_code",
    at: Some("a.received_at"),
    department: "a.department_id",
    base: "a.department_id IS NOT NULL AND a.status <> 'merged'",
    reference: "a.appeal_no",
    label: "COALESCE(k.name, a.category_code)",
    order: "a.id",
    href: appeal_href,
    measures: &[
        ("appeals.received", "1"),
        (
            "appeals.closed",
            "CASE WHEN a.status IN ('replied', 'visited', 'archived', 'closed_direct') \
             THEN 1 ELSE 0 END",
        ),
        (
            "appeals.replied",
            "CASE WHEN a.replied_at IS NOT NULL THEN 1 ELSE 0 END",
        ),
        (
            "appeals.replied_on_time",
            "CASE WHEN a.replied_at IS NOT NULL AND a.replied_at <= a.due_at THEN 1 ELSE 0 END",
        ),
        (
            "appeals.rated",
            "CASE WHEN a.satisfaction IS NOT NULL THEN 1 ELSE 0 END",
        ),
        (
            "appeals.satisfied",
            "CASE WHEN a.satisfaction >= 3 THEN 1 ELSE 0 END",
        ),
    ],
    tokens: &[],
}];
