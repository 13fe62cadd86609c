//! SQL of the licences domain's facts (指标事实), from the append-only use log
//! (`licence_events`), read through `yiwang_store::facts` in one grouped pass per family over a
//! period (index `licence_events(action, at)`, migration 0028).
//!
//! Definitions: *issued* is an `issued` event (a licence sealed on the platform; imported
//! history writes none and does not count), in the issuing department; a *use* is an
//! `authorised` event — the holder let a department use the licence for a case instead of a
//! paper copy (免证办) — in the department that used it.

use yiwang_store::facts::Family;

fn licence_href(identifier: &str) -> Option<String> {
    Some(format!("/staff/licences?q={identifier}"))
}

pub(crate) const FAMILIES: &[Family] = &[
    Family {
        kind: "licence",
        from: "licence_events e JOIN licences l ON l.id = e.licence_id \
               JOIN licence_types t ON t.code = l.type_code",
        at: Some("e.at"),
        department: "l.issuer_department_id",
        base: "e.action = 'issued'",
        reference: "l.identifier",
        label: "t.name",
        order: "e.id",
        href: licence_href,
        measures: &[("licences.issued", "1")],
        tokens: &[],
    },
    Family {
        kind: "licence_use",
        from: "licence_events e JOIN licences l ON l.id = e.licence_id \
               JOIN licence_types t ON t.code = l.type_code",
        at: Some("e.at"),
        department: "e.department_id",
        base: "e.action = 'authorised' AND e.department_id IS NOT NULL",
        reference: "l.identifier",
        label: "t.name",
        order: "e.id",
        href: licence_href,
        measures: &[("licences.uses", "1")],
        tokens: &[],
    },
];
