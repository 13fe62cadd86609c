//! The in-memory search index of the published catalog: what public search reads.
//!
//! [`CatalogIndex`] is an immutable snapshot of `catalog_entries` and the filterable
//! `catalog_tags`, taken in one read transaction together with the catalog's generation
//! (`catalog_generation`, bumped in the same transaction as every change to the catalog tables by
//! [`crate::repo::index`] and [`crate::repo::unindex`]). Entries get dense numbers in the order
//! `(division_code, item_id)`; posting lists are sorted `Vec<u32>` of those numbers:
//!
//! * one per character bigram, taken from the words of each entry's `search_text`. These are
//!   exactly the rows of `catalog_grams`: both come from the same normalised fields, and the
//!   separator `" | "` that joins the fields in `search_text` has spaces on both sides, so no
//!   word crosses fields and the lone `|` has no bigram;
//! * one per service-object code and one per theme code (personal and enterprise together).
//!
//! [`CatalogIndex::search`] answers a [`Search`] exactly like the SQL of [`crate::search::build`]
//! run on SQLite (the reference implementation, kept as [`crate::repo::search`]): the posting
//! lists of every term's bigrams and of the tag filters are intersected smallest first, then
//! each candidate must contain every term literally (ASCII letters compared case-insensitively,
//! as SQLite's `LIKE` does; a two-character term is its own bigram, so its posting list already
//! proves it) and pass the column filters. Ordering with terms: names containing the whole query
//! (`LIKE`, ASCII case-insensitive) first, then shorter names, then `item_id`; without terms,
//! `division_code` then `item_id`, which is the dense order itself. Only the requested page is
//! sorted. (PostgreSQL's `LIKE` is case-sensitive, so there the SQL path can rank a name with
//! upper-case Latin letters differently; the index ranks the same on both databases.)
//!
//! [`LiveIndex`] keeps one current index per [`crate::CatalogService`] (shared by its clones)
//! and keeps it fresh when several server processes share one database:
//!
//! * the first search builds it (concurrent first searches wait for that one build);
//! * a background task checks the generation every [`CHECK_EVERY`] and, when it differs from the
//!   current index's, rebuilds in the background and swaps the `Arc`; searches meanwhile keep
//!   answering from the previous index. Staleness bound: while the database answers, a change
//!   committed anywhere is visible to this process's searches at most [`CHECK_EVERY`] plus one
//!   rebuild after its commit (plus two if a rebuild from an earlier snapshot was under way);
//! * a publish or retire made through the service rebuilds before the call returns, so the
//!   process that made a change sees it at once.
//!
//! Rebuilds are single-flight; the CPU part runs on the blocking pool so it does not stall the
//! request workers. Knows nothing of HTTP.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use memchr::memmem::Finder;
use yiwang_kernel::{Error, Result};
use yiwang_store::Db;

use crate::model::ItemSummary;
use crate::repo::{self, IndexRow, TagRow};
use crate::search::Search;

/// How often each process compares its index with the catalog's generation.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);

/// One published item as the index holds it.
#[derive(Debug)]
struct Entry {
    summary: ItemSummary,
    /// `search_text` with ASCII letters lower-cased (SQLite's `LIKE` ignores their case).
    text: String,
    /// The name with ASCII letters lower-cased.
    name: String,
}

/// The columns the filters read, strings interned, kept apart from the entries so that a scan
/// of the whole catalog stays in cache.
#[derive(Debug, Clone, Copy)]
struct Facets {
    department_id: i64,
    online_level: i64,
    division: u32,
    item_type: u32,
    case_type: u32,
    cross_scope: u32,
    licence_free: bool,
    /// Position in the order `(name length in characters, item_id)`: the tie-break of keyword
    /// searches. A permutation of `0..n`.
    len_rank: u32,
}

/// Distinct values of a text column, numbered.
#[derive(Debug, Default)]
struct Interned {
    ids: HashMap<String, u32>,
    values: Vec<String>,
}

impl Interned {
    fn id(&mut self, v: &str) -> u32 {
        if let Some(&id) = self.ids.get(v) {
            return id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.ids.insert(v.to_string(), id);
        self.values.push(v.to_string());
        id
    }

    /// The id a filter on `v` must match: `Ok(None)` without a filter, `Err(())` when no
    /// entry has the value.
    fn filter(&self, v: Option<&String>) -> std::result::Result<Option<u32>, ()> {
        match v {
            None => Ok(None),
            Some(v) => self.ids.get(v.as_str()).map(|&id| Some(id)).ok_or(()),
        }
    }
}

/// An immutable in-memory index of the published catalog at one generation.
#[derive(Debug)]
pub struct CatalogIndex {
    generation: i64,
    /// Ordered by `(division_code, item_id)`; an entry's number is its position.
    entries: Vec<Entry>,
    /// Filter columns, by entry number.
    facets: Vec<Facets>,
    divisions: Interned,
    item_types: Interned,
    case_types: Interned,
    cross_scopes: Interned,
    /// `len_rank` → entry number.
    by_len_rank: Vec<u32>,
    /// Bigram (two characters packed in a `u64`) → entries whose search text has it in a word.
    grams: HashMap<u64, Vec<u32>>,
    /// Service-object code → entries.
    objects: HashMap<String, Vec<u32>>,
    /// Personal or enterprise theme code → entries.
    themes: HashMap<String, Vec<u32>>,
}

fn gram_key(a: char, b: char) -> u64 {
    (u64::from(u32::from(a)) << 32) | u64::from(u32::from(b))
}

/// Appends entry `n` to a posting list unless it is already its last element (entries are
/// added in increasing order, so the lists stay sorted and free of duplicates).
fn post(list: &mut Vec<u32>, n: u32) {
    if list.last() != Some(&n) {
        list.push(n);
    }
}

/// SQLite's `LIKE 'prefix%'` (ASCII case-insensitive).
fn like_prefix(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The sorted intersection of two sorted lists; `a` should be the shorter. Gallops through `b`.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    let mut rest = b;
    for &x in a {
        // Exponential search for the first element of `rest` that is not below x.
        let mut hi = 1;
        while hi < rest.len() && rest[hi] < x {
            hi *= 2;
        }
        let lo = hi / 2;
        let hi = hi.min(rest.len());
        let Some(window) = rest.get(lo..hi) else {
            break;
        };
        rest = &rest[lo + window.partition_point(|&y| y < x)..];
        match rest.first() {
            None => break,
            Some(&y) if y == x => {
                out.push(x);
                rest = &rest[1..];
            }
            Some(_) => {}
        }
    }
    out
}

impl CatalogIndex {
    /// Loads the published catalog in one read transaction and builds the index.
    pub async fn load(db: &Db) -> Result<CatalogIndex> {
        let mut tx = db.read().await?;
        let (generation, rows, tags) = repo::index_snapshot(&mut tx).await?;
        tx.commit().await?;
        tokio::task::spawn_blocking(move || CatalogIndex::build(generation, rows, tags))
            .await
            .map_err(|e| Error::internal(format!("building the search index: {e}")))
    }

    /// Builds the index from the catalog rows of one generation.
    pub fn build(generation: i64, mut rows: Vec<IndexRow>, tags: Vec<TagRow>) -> CatalogIndex {
        rows.sort_by(|a, b| {
            (a.summary.division_code.as_str(), a.summary.item_id)
                .cmp(&(b.summary.division_code.as_str(), b.summary.item_id))
        });
        let n = rows.len();
        let mut grams: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut number: HashMap<i64, u32> = HashMap::with_capacity(n);
        let mut by_len: Vec<(usize, i64, u32)> = Vec::with_capacity(n);
        let mut entries = Vec::with_capacity(n);
        let mut facets = Vec::with_capacity(n);
        let (mut divisions, mut item_types, mut case_types, mut cross_scopes) = Default::default();
        for (i, r) in rows.into_iter().enumerate() {
            let Ok(no) = u32::try_from(i) else {
                break;
            };
            for word in r.search_text.split_whitespace() {
                let mut chars = word.chars();
                let Some(mut prev) = chars.next() else {
                    continue;
                };
                for c in chars {
                    post(grams.entry(gram_key(prev, c)).or_default(), no);
                    prev = c;
                }
            }
            let m = &r.summary;
            number.insert(m.item_id, no);
            by_len.push((m.name.chars().count(), m.item_id, no));
            facets.push(Facets {
                department_id: m.department_id,
                online_level: m.online_level,
                division: Interned::id(&mut divisions, &m.division_code),
                item_type: Interned::id(&mut item_types, &m.item_type),
                case_type: Interned::id(&mut case_types, &m.case_type),
                cross_scope: Interned::id(&mut cross_scopes, &m.cross_scope),
                licence_free: m.licence_free,
                len_rank: 0,
            });
            entries.push(Entry {
                name: m.name.to_ascii_lowercase(),
                text: r.search_text.to_ascii_lowercase(),
                summary: r.summary,
            });
        }
        by_len.sort_unstable();
        let mut by_len_rank = Vec::with_capacity(by_len.len());
        for (rank, &(_, _, no)) in by_len.iter().enumerate() {
            if let (Some(f), Ok(rank)) = (facets.get_mut(no as usize), u32::try_from(rank)) {
                f.len_rank = rank;
            }
            by_len_rank.push(no);
        }
        let mut objects: HashMap<String, Vec<u32>> = HashMap::new();
        let mut themes: HashMap<String, Vec<u32>> = HashMap::new();
        for t in tags {
            // A tag without an entry cannot match (the SQL joins through catalog_entries).
            let Some(&no) = number.get(&t.item_id) else {
                continue;
            };
            let map = match t.kind.as_str() {
                "object" => &mut objects,
                "ptheme" | "etheme" => &mut themes,
                _ => continue,
            };
            map.entry(t.code).or_default().push(no);
        }
        for list in objects.values_mut().chain(themes.values_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        for list in grams.values_mut() {
            list.shrink_to_fit();
        }
        CatalogIndex {
            generation,
            entries,
            facets,
            divisions,
            item_types,
            case_types,
            cross_scopes,
            by_len_rank,
            grams,
            objects,
            themes,
        }
    }

    /// The catalog generation this index was built at.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Number of published items indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of distinct bigrams.
    pub fn gram_count(&self) -> usize {
        self.grams.len()
    }

    /// One page of matches and the total number of matches, exactly as [`crate::repo::search`]
    /// answers on SQLite.
    pub fn search(&self, s: &Search) -> (Vec<ItemSummary>, i64) {
        let none = (Vec::new(), 0);
        // Posting lists every match must be on: the bigrams of every term, the tag filters.
        let mut lists: Vec<&[u32]> = Vec::new();
        let mut seen: Vec<u64> = Vec::new();
        for t in &s.terms {
            let cs: Vec<char> = t.chars().collect();
            for w in cs.windows(2) {
                let k = gram_key(w[0], w[1]);
                if seen.contains(&k) {
                    continue;
                }
                seen.push(k);
                match self.grams.get(&k) {
                    Some(l) => lists.push(l),
                    None => return none,
                }
            }
        }
        for (filter, map) in [(&s.service_object, &self.objects), (&s.theme, &self.themes)] {
            if let Some(code) = filter {
                match map.get(code.as_str()) {
                    Some(l) => lists.push(l),
                    None => return none,
                }
            }
        }
        lists.sort_by_key(|l| l.len());
        let owned: Vec<u32>;
        let candidates: Option<&[u32]> = match lists.split_first() {
            None => None,
            Some((first, [])) => Some(first),
            Some((first, rest)) => {
                let mut cur = intersect(first, rest[0]);
                for l in &rest[1..] {
                    if cur.is_empty() {
                        break;
                    }
                    cur = intersect(&cur, l);
                }
                owned = cur;
                Some(&owned)
            }
        };
        // Column filters, resolved to interned ids; a value no entry has matches nothing.
        let (Ok(item_type), Ok(case_type), Ok(cross_scope)) = (
            self.item_types.filter(s.item_type.as_ref()),
            self.case_types.filter(s.case_type.as_ref()),
            self.cross_scopes.filter(s.cross_scope.as_ref()),
        ) else {
            return none;
        };
        let divisions: Option<Vec<bool>> = s.division.as_ref().map(|d| {
            let p = d.prefix();
            self.divisions
                .values
                .iter()
                .map(|c| like_prefix(c, p))
                .collect()
        });
        // Terms whose literal occurrence is not already proven by their one bigram.
        let needles: Vec<String> = s
            .terms
            .iter()
            .filter(|t| t.chars().count() != 2)
            .map(|t| t.to_ascii_lowercase())
            .collect();
        let needles: Vec<Finder<'_>> = needles.iter().map(Finder::new).collect();
        let wanted = |f: &Facets| -> bool {
            divisions
                .as_ref()
                .is_none_or(|d| d.get(f.division as usize).copied().unwrap_or(false))
                && s.department_id.is_none_or(|d| f.department_id == d)
                && item_type.is_none_or(|t| f.item_type == t)
                && s.online_level.is_none_or(|l| f.online_level >= l)
                && cross_scope.is_none_or(|c| f.cross_scope == c)
                && case_type.is_none_or(|c| f.case_type == c)
                && s.licence_free.is_none_or(|l| f.licence_free == l)
        };
        let matches = |no: u32| -> Option<(&Facets, &Entry)> {
            let f = self.facets.get(no as usize)?;
            if !wanted(f) {
                return None;
            }
            let e = self.entries.get(no as usize)?;
            needles
                .iter()
                .all(|t| t.find(e.text.as_bytes()).is_some())
                .then_some((f, e))
        };
        let n = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let offset = usize::try_from(s.page.offset()).unwrap_or(usize::MAX);
        let end = offset.saturating_add(usize::try_from(s.page.limit()).unwrap_or(0));
        let summary = |no: u32| self.entries.get(no as usize).map(|e| e.summary.clone());
        let each = |visit: &mut dyn FnMut(u32, &Facets, &Entry)| {
            let mut go = |no: u32| {
                if let Some((f, e)) = matches(no) {
                    visit(no, f, e);
                }
            };
            match candidates {
                Some(c) => c.iter().for_each(|&no| go(no)),
                None => (0..n).for_each(go),
            }
        };

        if s.terms.is_empty() {
            // Dense order is (division_code, item_id): the page is a window of the matches.
            let mut total = 0usize;
            let mut page = Vec::new();
            each(&mut |no, _, _| {
                if total >= offset && total < end {
                    page.extend(summary(no));
                }
                total += 1;
            });
            return (page, i64::try_from(total).unwrap_or(i64::MAX));
        }

        // Sort key: (name lacks the whole query, rank by (name length, item_id)); unique.
        let whole = s.terms.join(" ").to_ascii_lowercase();
        let whole = Finder::new(&whole);
        let mut keys: Vec<u64> = Vec::new();
        each(&mut |_, f, e| {
            let miss = u64::from(whole.find(e.name.as_bytes()).is_none());
            keys.push((miss << 32) | u64::from(f.len_rank));
        });
        let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
        if offset >= keys.len() {
            return (Vec::new(), total);
        }
        let end = end.min(keys.len());
        if end < keys.len() {
            keys.select_nth_unstable(end - 1);
        }
        let head = &mut keys[..end];
        head.sort_unstable();
        let page = head[offset..]
            .iter()
            .filter_map(|k| {
                let rank = (k & 0xFFFF_FFFF) as usize;
                self.by_len_rank.get(rank).and_then(|&no| summary(no))
            })
            .collect();
        (page, total)
    }
}

/// The current index of one [`crate::CatalogService`] (shared by its clones) and its upkeep.
pub(crate) struct LiveIndex {
    db: Db,
    current: RwLock<Option<Arc<CatalogIndex>>>,
    /// Held while (re)building: one build at a time.
    building: tokio::sync::Mutex<()>,
    watching: AtomicBool,
}

impl fmt::Debug for LiveIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveIndex")
            .field("generation", &self.current().map(|i| i.generation))
            .finish_non_exhaustive()
    }
}

impl LiveIndex {
    pub(crate) fn new(db: Db) -> Arc<LiveIndex> {
        Arc::new(LiveIndex {
            db,
            current: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
            watching: AtomicBool::new(false),
        })
    }

    fn current(&self) -> Option<Arc<CatalogIndex>> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, index: Arc<CatalogIndex>) {
        match self.current.write() {
            Ok(mut g) => *g = Some(index),
            Err(poisoned) => *poisoned.into_inner() = Some(index),
        }
    }

    pub(crate) fn generation(&self) -> Option<i64> {
        self.current().map(|i| i.generation)
    }

    /// The index to search: the current one, or built now on first use.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<Arc<CatalogIndex>> {
        if let Some(i) = self.current() {
            return Ok(i);
        }
        let _building = self.building.lock().await;
        if let Some(i) = self.current() {
            return Ok(i);
        }
        let i = Arc::new(CatalogIndex::load(&self.db).await?);
        self.set(i.clone());
        self.watch();
        Ok(i)
    }

    /// Rebuilds the index if the catalog's generation differs from the current index's.
    /// Nothing to do (false) when no index has been built yet. Searches keep using the
    /// previous index until the new one is swapped in.
    pub(crate) async fn refresh(&self) -> Result<bool> {
        if self.current().is_none() {
            return Ok(false);
        }
        let mut c = self.db.clone();
        let g = repo::catalog_generation(&mut c).await?;
        if self.current().is_some_and(|i| i.generation == g) {
            return Ok(false);
        }
        let _building = self.building.lock().await;
        // A rebuild that finished while we waited may already be at this generation.
        if self.current().is_some_and(|i| i.generation == g) {
            return Ok(false);
        }
        let i = CatalogIndex::load(&self.db).await?;
        self.set(Arc::new(i));
        Ok(true)
    }

    /// Starts the background task that checks the generation every [`CHECK_EVERY`]. It ends
    /// when the service and all its clones are dropped, or the database is closed.
    fn watch(self: &Arc<Self>) {
        if self.watching.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECK_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(live) = weak.upgrade() else {
                    break;
                };
                if live.db.is_closed() {
                    break;
                }
                if let Err(e) = live.refresh().await {
                    tracing::warn!(error = %e, "could not refresh the catalog search index");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_gallops_correctly() {
        let a = [1, 5, 9, 200, 201, 9999];
        let b: Vec<u32> = (0..1000).map(|x| x * 3).collect();
        assert_eq!(intersect(&a, &b), vec![9, 201]);
        assert_eq!(intersect(&[], &b), Vec::<u32>::new());
        assert_eq!(intersect(&a, &[]), Vec::<u32>::new());
        assert_eq!(intersect(&[0, 2997], &b), vec![0, 2997]);
        assert_eq!(intersect(&b, &b), b);
    }

    proptest::proptest! {
        #[test]
        fn intersection_matches_a_set_intersection(
            a in proptest::collection::btree_set(0u32..300, 0..60),
            b in proptest::collection::btree_set(0u32..300, 0..200),
        ) {
            let a: Vec<u32> = a.into_iter().collect();
            let b: Vec<u32> = b.into_iter().collect();
            let want: Vec<u32> = a.iter().copied().filter(|x| b.contains(x)).collect();
            proptest::prop_assert_eq!(intersect(&a, &b), want.clone());
            proptest::prop_assert_eq!(intersect(&b, &a), want);
        }
    }

    #[test]
    fn like_prefix_ignores_ascii_case_only() {
        assert!(like_prefix("4408021", "4408"));
        assert!(like_prefix("AbC", "ab"));
        assert!(!like_prefix("44", "4408"));
    }
}
