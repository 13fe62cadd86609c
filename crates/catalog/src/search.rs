//! Chinese keyword search over the published catalog.
//!
//! SQLite's FTS5 trigram tokenizer and PostgreSQL's pg_trgm both need three characters, but
//! Chinese queries are often two ("社保", "营业"). So the catalog keeps its own character-bigram
//! index (`catalog_grams`), identical on both databases: a term of two or more characters must
//! have all its bigrams in an item's index *and* occur literally in its search text (which
//! removes bigram coincidences); a one-character term is matched by `LIKE` alone.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::paging::Page;
use yiwang_store::{Sql, like_contains, like_prefix};

/// Normalises text for indexing and matching: full-width ASCII to half-width, lower case.
pub fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Query terms: whitespace-separated, normalised, at most 8, each at most 40 characters.
pub fn terms(q: &str) -> Vec<String> {
    normalize(q)
        .split_whitespace()
        .map(|t| t.chars().take(40).collect::<String>())
        .filter(|t| !t.is_empty())
        .take(8)
        .collect()
}

/// Distinct character bigrams of one term.
pub fn bigrams(term: &str) -> BTreeSet<String> {
    let cs: Vec<char> = term.chars().collect();
    cs.windows(2).map(|w| w.iter().collect()).collect()
}

/// The grams stored for an item: bigrams of each field separately (never across fields).
pub fn index_grams(fields: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in fields {
        for word in normalize(f).split_whitespace() {
            out.extend(bigrams(word));
        }
    }
    out
}

/// The searchable text stored with an item: normalised fields joined by a separator that no
/// query term contains.
pub fn search_text(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| normalize(f))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A catalog search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Keywords (任意关键词), e.g. `营业` or `食品 许可`.
    pub q: Option<String>,
    /// Items of this division and the divisions inside it (e.g. `440800`).
    pub division: Option<String>,
    pub department_id: Option<i64>,
    /// 事项类型 code.
    pub item_type: Option<String>,
    /// 服务对象 code.
    pub service_object: Option<String>,
    /// A personal (`P..`) or enterprise (`E..`) theme code.
    pub theme: Option<String>,
    /// Minimum online level 0–4 (4 = 全程网办).
    pub online_level: Option<i64>,
    /// 通办范围 code.
    pub cross_scope: Option<String>,
    /// 办件类型 code (1 即办件, 2 承诺件).
    pub case_type: Option<String>,
    /// Only items whose every material can be replaced by an e-licence (免证办).
    pub licence_free: Option<bool>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

/// Validated search filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    pub terms: Vec<String>,
    pub division: Option<DivisionCode>,
    pub department_id: Option<i64>,
    pub item_type: Option<String>,
    pub service_object: Option<String>,
    pub theme: Option<String>,
    pub online_level: Option<i64>,
    pub cross_scope: Option<String>,
    pub case_type: Option<String>,
    pub licence_free: Option<bool>,
    pub page: Page,
}

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

    #[test]
    fn normalisation_and_terms() {
        assert_eq!(normalize("ＩＣＰ许可"), "icp许可");
        assert_eq!(terms("  食品　经营  "), vec!["食品", "经营"]);
        assert!(terms("   ").is_empty());
    }

    #[test]
    fn grams_never_cross_fields() {
        let g = index_grams(&["营业执照".into(), "社保".into()]);
        assert!(g.contains("营业") && g.contains("执照") && g.contains("社保"));
        assert!(!g.contains("照社"));
        assert_eq!(bigrams("社"), BTreeSet::new());
    }

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
