//! SQL of the cases domain's facts (指标事实): the member families behind its measures, read
//! through `yiwang_store::facts` in one grouped pass per family over a period (index ranges on
//! `submitted_at`, `concluded_at`, `rated_at`; migration 0028 adds the missing indexes).
//!
//! Definitions (decided from the data):
//! - a case is *concluded* when it has a result other than 作废 (`result_code` set and not
//!   `2`, which withdrawal writes); 不予受理 sets no result and does not count;
//! - *on time*: a 即办件 (`case_type` 1) concluded on its acceptance day; any other case
//!   concluded on or before its promised due date (kept current with pauses and extensions),
//!   or its statutory due date when it has no promised one, or with no due date at all;
//! - ratings: first ratings (`assess_number` 1) not excluded on appeal, dated by `rated_at`;
//!   good ≥ 4 stars, bad ≤ 2; a bad rating is rectified when its follow-up reached
//!   `rectified` or `closed` (replied after rectification);
//! - a bundle application belongs to the department of its first part (the lead department).

use yiwang_store::facts::Family;

fn case_href(no: &str) -> Option<String> {
    Some(format!("/staff/cases/{no}"))
}

fn rating_href(reference: &str) -> Option<String> {
    reference
        .split('/')
        .next()
        .map(|no| format!("/staff/cases/{no}#rating"))
}

fn bundle_href(no: &str) -> Option<String> {
    Some(format!("/staff/bundle-cases/{no}"))
}

/// The lead (first) part of a bundle application gives its department.
const BUNDLE_FROM: &str = "bundle_cases b JOIN bundle_parts p ON p.bundle_case_id = b.id \
     AND p.seq = (SELECT MIN(p2.seq) FROM bundle_parts p2 WHERE p2.bundle_case_id = b.id)";

pub(crate) const FAMILIES: &[Family] = &[
    Family {
        kind: "case",
        from: "cases c",
        at: Some("c.submitted_at"),
        department: "c.department_id",
        base: "1 = 1",
        reference: "c.case_no",
        label: "c.item_name",
        order: "c.id",
        href: case_href,
        measures: &[
            ("cases.submitted", "1"),
            (
                "cases.submitted_online",
                "CASE WHEN c.channel IN ('2', '3') THEN 1 ELSE 0 END",
            ),
        ],
        tokens: &[],
    },
    Family {
        kind: "case",
        from: "cases c",
        at: Some("c.concluded_at"),
        department: "c.department_id",
        base: "c.result_code IS NOT NULL AND c.result_code <> '2'",
        reference: "c.case_no",
        label: "c.item_name",
        order: "c.id",
        href: case_href,
        measures: &[
            ("cases.concluded", "1"),
            (
                "cases.concluded_on_time",
                "CASE WHEN (c.case_type = '1' AND c.accept_date = {day}) \
                 OR (c.case_type <> '1' AND (c.promised_due >= {day} \
                 OR (c.promised_due IS NULL AND (c.statutory_due >= {day} OR c.statutory_due IS NULL)))) \
                 THEN 1 ELSE 0 END",
            ),
        ],
        tokens: &[],
    },
    Family {
        kind: "rating",
        from: "ratings r JOIN cases c ON c.id = r.case_id \
               LEFT JOIN rating_followups f ON f.rating_id = r.id",
        at: Some("r.rated_at"),
        department: "c.department_id",
        base: "r.assess_number = 1 AND r.excluded = FALSE",
        reference: "c.case_no || '/' || r.service",
        label: "c.item_name",
        order: "r.id",
        href: rating_href,
        measures: &[
            ("ratings.total", "1"),
            ("ratings.good", "CASE WHEN r.level >= 4 THEN 1 ELSE 0 END"),
            ("ratings.bad", "CASE WHEN r.level <= 2 THEN 1 ELSE 0 END"),
            (
                "ratings.bad_rectified",
                "CASE WHEN r.level <= 2 AND f.status IN ('rectified', 'closed') THEN 1 ELSE 0 END",
            ),
        ],
        tokens: &[],
    },
    Family {
        kind: "bundle",
        from: BUNDLE_FROM,
        at: Some("b.submitted_at"),
        department: "p.department_id",
        base: "1 = 1",
        reference: "b.bundle_no",
        label: "b.bundle_name",
        order: "b.id",
        href: bundle_href,
        measures: &[("bundles.applications", "1")],
        tokens: &[],
    },
    Family {
        kind: "bundle",
        from: BUNDLE_FROM,
        at: Some("b.concluded_at"),
        department: "p.department_id",
        base: "b.status = 'concluded'",
        reference: "b.bundle_no",
        label: "b.bundle_name",
        order: "b.id",
        href: bundle_href,
        measures: &[("bundles.concluded", "1")],
        tokens: &[],
    },
];
