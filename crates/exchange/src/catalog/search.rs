//! Searching the resource catalog by words, the way the item search does (ARCHITECTURE
//! "Search"): a term of two or more characters must have all its character bigrams in one field
//! and occur there literally; a one-character term occurs literally. Two-character Chinese words
//! (人口, 社保) are the common case, which trigram indexes (FTS5, pg_trgm) cannot serve. The
//! catalog is a few thousand published resources: the view reads them and filters in memory.

use std::collections::HashSet;

/// A parsed query: its terms (split on white space, lower-cased) and the whole query text.
#[derive(Debug, Clone, Default)]
pub struct Query {
    whole: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone)]
struct Term {
    text: String,
    grams: Vec<(char, char)>,
}

/// The character bigrams of a text.
pub fn bigrams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

impl Query {
    pub fn new(q: &str) -> Query {
        let whole = q.trim().to_lowercase();
        let terms = whole
            .split_whitespace()
            .map(|t| Term {
                text: t.to_string(),
                grams: bigrams(t),
            })
            .collect();
        Query { whole, terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Every term is found in one of the fields (not across fields).
    pub fn matches(&self, fields: &[String]) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let fields: Vec<(String, HashSet<(char, char)>)> = fields
            .iter()
            .map(|f| {
                let l = f.to_lowercase();
                let g = bigrams(&l).into_iter().collect();
                (l, g)
            })
            .collect();
        self.terms.iter().all(|t| {
            fields.iter().any(|(text, grams)| {
                t.grams.iter().all(|g| grams.contains(g)) && text.contains(&t.text)
            })
        })
    }

    /// Sort key: the whole query in the name first, then shorter names, then the code.
    pub fn rank(&self, name: &str, code: &str) -> (bool, usize, String) {
        let in_name = name.to_lowercase().contains(&self.whole);
        (!in_name, name.chars().count(), code.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_character_words_match_within_one_field() {
        let fields = f(&["人口基本信息", "户籍人口的身份号码", "湛江市公安局"]);
        assert!(Query::new("人口").matches(&fields));
        assert!(Query::new("人口 公安").matches(&fields));
        assert!(Query::new("身份号码").matches(&fields));
        assert!(!Query::new("社保").matches(&fields));
        // Not across fields: 信息 ends one field, 户籍 starts the next.
        assert!(!Query::new("信息户籍").matches(&fields));
        // One character: a literal match.
        assert!(Query::new("户").matches(&fields));
        assert!(Query::new("").matches(&fields));
    }

    #[test]
    fn bigrams_are_not_enough_the_word_must_occur() {
        // 人口 and 口人 both occur as bigrams of 人口人, but the term must occur literally.
        let fields = f(&["口人 人口"]);
        assert!(!Query::new("人口人").matches(&fields));
    }

    #[test]
    fn the_whole_query_in_the_name_ranks_first_then_shorter_names() {
        let q = Query::new("人口");
        let mut v = [
            ("流动人口登记信息", "101001/000003"),
            ("户籍信息（人口）", "101001/000002"),
            ("人口基本信息", "101001/000001"),
            ("户籍迁移", "101001/000004"),
        ];
        v.sort_by_key(|(n, c)| q.rank(n, c));
        assert_eq!(v[0].0, "人口基本信息");
        assert_eq!(v[3].0, "户籍迁移");
    }
}
