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
}
