//! The SQL reference search over the published catalog (see [`crate::search`] for its
//! semantics; [`crate::index`] answers the same from memory).

use std::collections::BTreeSet;

use yiwang_store::{Sql, like_contains, like_prefix};

use crate::search::{Search, bigrams};

pub(crate) const COLUMNS: &str = "e.item_id, e.code, e.name, e.item_type, e.department_id, e.department_name, e.division_code, \
     e.case_type, e.online_level, e.visits, e.cross_scope, e.promised_limit, e.promised_unit, e.statutory_limit, \
     e.statutory_unit, e.licence_free";

/// Builds the search SQL: one page of [`crate::model::ItemSummary`] columns plus `total`
/// (the full match count, by a window function).
pub fn build(s: &Search) -> Sql {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS}, COUNT(*) OVER () AS total FROM catalog_entries e WHERE 1 = 1"
    ));
    let mut grams: BTreeSet<String> = BTreeSet::new();
    for t in &s.terms {
        grams.extend(bigrams(t));
    }
    for g in &grams {
        q.cond(
            " AND e.item_id IN (SELECT g.item_id FROM catalog_grams g WHERE g.gram = ?)",
            [g.as_str()],
        );
    }
    for t in &s.terms {
        q.cond(" AND e.search_text LIKE ? ESCAPE '\\'", [like_contains(t)]);
    }
    if let Some(d) = &s.division {
        q.cond(
            " AND e.division_code LIKE ? ESCAPE '\\'",
            [like_prefix(d.prefix())],
        );
    }
    if let Some(d) = s.department_id {
        q.cond(" AND e.department_id = ?", [d]);
    }
    if let Some(t) = &s.item_type {
        q.cond(" AND e.item_type = ?", [t.as_str()]);
    }
    if let Some(o) = &s.service_object {
        q.cond(" AND e.item_id IN (SELECT t.item_id FROM catalog_tags t WHERE t.kind = 'object' AND t.code = ?)", [o.as_str()]);
    }
    if let Some(th) = &s.theme {
        q.cond(" AND e.item_id IN (SELECT t.item_id FROM catalog_tags t WHERE t.kind IN ('ptheme', 'etheme') AND t.code = ?)", [th.as_str()]);
    }
    if let Some(l) = s.online_level {
        q.cond(" AND e.online_level >= ?", [l]);
    }
    if let Some(c) = &s.cross_scope {
        q.cond(" AND e.cross_scope = ?", [c.as_str()]);
    }
    if let Some(c) = &s.case_type {
        q.cond(" AND e.case_type = ?", [c.as_str()]);
    }
    if let Some(f) = s.licence_free {
        q.cond(" AND e.licence_free = ?", [f]);
    }
    if s.terms.is_empty() {
        q.push(" ORDER BY e.division_code, e.item_id");
    } else {
        // Items whose name holds the whole query first, then shorter (more exact) names.
        let whole = s.terms.join(" ");
        q.cond(" ORDER BY CASE WHEN e.name LIKE ? ESCAPE '\\' THEN 0 ELSE 1 END, LENGTH(e.name), e.item_id", [like_contains(&whole)]);
    }
    q.cond(" LIMIT ? OFFSET ?", [s.page.limit(), s.page.offset()]);
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_kernel::codes::DivisionCode;

    #[test]
    fn query_binds_every_filter() {
        let s = Search {
            terms: vec!["营业执照".into()],
            division: Some(DivisionCode::parse("440800").unwrap()),
            theme: Some("E01".into()),
            online_level: Some(4),
            ..Default::default()
        };
        let q = build(&s);
        // 3 bigrams + 1 LIKE + division + theme + level + order + limit/offset
        assert_eq!(q.args.len(), 3 + 1 + 1 + 1 + 1 + 1 + 2);
        assert!(q.text.contains("COUNT(*) OVER ()"));
    }
}
