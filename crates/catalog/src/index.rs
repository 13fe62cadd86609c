//! The in-memory search index of the published catalog: what public search reads.
//!
//! [`CatalogIndex`] is an immutable snapshot of `catalog_entries` and the filterable
//! `catalog_tags`, read together with the catalog's generation ([`CatalogIndex::read`])
//! (`catalog_generation`, bumped in the same transaction as every change to the catalog tables by
//! [`crate::repo::index`] and [`crate::repo::unindex`]). Entries get dense numbers in the order
//! `(division_code, item_id)`; posting lists are sorted `u32` lists of those numbers (the bigrams'
//! all in one buffer):
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
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use memchr::memmem::Finder;
use yiwang_kernel::{Error, Result};
use yiwang_store::Db;

use crate::model::ItemSummary;
use crate::repo::{self, IndexRow, TagRow};
use crate::search::Search;

mod live;

pub(crate) use live::LiveIndex;

/// How often each process compares its index with the catalog's generation.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);

/// One published item as the index holds it: numbers, and ids into the index's string tables
/// (a province's catalog repeats the same names, texts, departments and units many times).
#[derive(Debug)]
struct Entry {
    item_id: i64,
    code: Box<str>,
    department_id: i64,
    visits: i64,
    promised_limit: i64,
    statutory_limit: i64,
    /// In [`CatalogIndex::words`]: department name, promised unit, statutory unit.
    department_name: u32,
    promised_unit: u32,
    statutory_unit: u32,
}

/// The columns the filters and the ranking read, by entry number, strings interned: each
/// filter reads only its own column, so a scan of the whole catalog touches a few bytes per
/// entry.
#[derive(Debug, Default)]
struct Columns {
    department_id: Vec<i64>,
    online_level: Vec<i64>,
    division: Vec<u32>,
    item_type: Vec<u32>,
    case_type: Vec<u32>,
    cross_scope: Vec<u32>,
    licence_free: Vec<bool>,
    /// Position in the order `(name length in characters, item_id)`: the tie-break of keyword
    /// searches. A permutation of `0..n`.
    len_rank: Vec<u32>,
    /// In [`CatalogIndex::names`].
    name: Vec<u32>,
    /// In [`CatalogIndex::texts`].
    text: Vec<u32>,
}

impl Columns {
    fn heap_bytes(&self) -> usize {
        (self.department_id.capacity() + self.online_level.capacity()) * 8
            + (self.division.capacity()
                + self.item_type.capacity()
                + self.case_type.capacity()
                + self.cross_scope.capacity()
                + self.len_rank.capacity()
                + self.name.capacity()
                + self.text.capacity())
                * 4
            + self.licence_free.capacity()
    }
}

/// Answers per distinct name or text within one search (a province's catalog repeats them):
/// `None` when there are many more distinct values than entries to look at.
fn memo(distinct: usize, visits: usize) -> Option<Vec<u8>> {
    (distinct <= visits.saturating_mul(4)).then(|| vec![0u8; distinct])
}

/// `test(id)`, remembered in `memo` (0 unknown, 1 false, 2 true) when there is one.
fn remembered(memo: &mut Option<Vec<u8>>, id: u32, test: impl FnOnce() -> bool) -> bool {
    match memo.as_mut().and_then(|m| m.get_mut(id as usize)) {
        Some(known) if *known != 0 => *known == 2,
        Some(known) => {
            let answer = test();
            *known = 1 + u8::from(answer);
            answer
        }
        None => test(),
    }
}

/// Distinct values of a text column, numbered.
#[derive(Debug, Default)]
struct Interned {
    ids: HashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Interned {
    /// The value's number.
    fn id(&mut self, v: &str) -> u32 {
        self.add(v).0
    }

    /// The value's number and whether it was new.
    fn add(&mut self, v: &str) -> (u32, bool) {
        if let Some(&id) = self.ids.get(v) {
            return (id, false);
        }
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.ids.insert(v.into(), id);
        self.values.push(v.into());
        (id, true)
    }

    fn get(&self, id: u32) -> &str {
        self.values.get(id as usize).map_or("", |v| v)
    }

    /// The id a filter on `v` must match: `Ok(None)` without a filter, `Err(())` when no
    /// entry has the value.
    fn filter(&self, v: Option<&String>) -> std::result::Result<Option<u32>, ()> {
        match v {
            None => Ok(None),
            Some(v) => self.ids.get(v.as_str()).map(|&id| Some(id)).ok_or(()),
        }
    }

    /// Heap bytes held (estimate: contents, tables, and the map's slots).
    fn heap_bytes(&self) -> usize {
        let text: usize = self.values.iter().map(|v| v.len()).sum();
        2 * text + self.values.capacity() * 16 + self.ids.capacity() * 24
    }
}

/// A multiplicative hasher for the `u64` bigram keys (the standard SipHash costs more than the
/// rest of a posting insert); the keys are two code points, not attacker-chosen in bulk.
#[derive(Default)]
struct GramHasher(u64);

impl Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, k: u64) {
        self.0 = (self.0.rotate_left(5) ^ k).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type GramMap = HashMap<u64, u32, BuildHasherDefault<GramHasher>>;

/// An immutable in-memory index of the published catalog at one generation.
#[derive(Debug)]
pub struct CatalogIndex {
    generation: i64,
    /// Ordered by `(division_code, item_id)`; an entry's number is its position.
    entries: Vec<Entry>,
    /// Filter and ranking columns, by entry number.
    cols: Columns,
    divisions: Interned,
    item_types: Interned,
    case_types: Interned,
    cross_scopes: Interned,
    /// Item names as stored.
    names: Interned,
    /// Each name with ASCII letters lower-cased (SQLite's `LIKE` ignores their case), by name id.
    names_lc: Vec<Box<str>>,
    /// Distinct `search_text`s with ASCII letters lower-cased.
    texts: Vec<Box<str>>,
    /// Department names and units.
    words: Interned,
    /// `len_rank` → entry number.
    by_len_rank: Vec<u32>,
    /// Bigram (two characters packed in a `u64`) → its posting list's number.
    grams: GramMap,
    /// Posting lists of the bigrams, one after another: list `g` is
    /// `postings[offsets[g]..offsets[g + 1]]`, the entries whose search text has the bigram in
    /// a word, ascending.
    offsets: Vec<u32>,
    postings: Vec<u32>,
    /// Service-object code → entries.
    objects: HashMap<String, Vec<u32>>,
    /// Personal or enterprise theme code → entries.
    themes: HashMap<String, Vec<u32>>,
}

fn gram_key(a: char, b: char) -> u64 {
    (u64::from(u32::from(a)) << 32) | u64::from(u32::from(b))
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

/// The distinct bigrams of the words of `text`, as posting-list numbers (new bigrams numbered
/// in `grams`).
fn text_grams(text: &str, grams: &mut GramMap) -> Vec<u32> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let mut chars = word.chars();
        let Some(mut prev) = chars.next() else {
            continue;
        };
        for c in chars {
            let next = u32::try_from(grams.len()).unwrap_or(u32::MAX);
            out.push(*grams.entry(gram_key(prev, c)).or_insert(next));
            prev = c;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl CatalogIndex {
    /// Loads the published catalog ([`CatalogIndex::read`]) and builds the index.
    pub async fn load(db: &Db) -> Result<CatalogIndex> {
        let (generation, rows, tags) = CatalogIndex::read(db).await?;
        tokio::task::spawn_blocking(move || CatalogIndex::build(generation, rows, tags))
            .await
            .map_err(|e| Error::internal(format!("building the search index: {e}")))
    }

    /// Reads what the index is built from, at one generation: the entries and the tags at the
    /// same time on two connections, each in its own read transaction together with the
    /// generation. Both saw the same catalog when they saw the same generation (every change
    /// to the catalog tables bumps it in the same transaction); otherwise a change committed in
    /// between, and both are read again in one transaction.
    pub async fn read(db: &Db) -> Result<(i64, Vec<IndexRow>, Vec<TagRow>)> {
        let (a, b) = (db.clone(), db.clone());
        let entries = tokio::spawn(async move {
            let mut tx = a.read().await?;
            let r = repo::index_entries(&mut tx).await?;
            tx.commit().await?;
            Ok::<_, Error>(r)
        });
        let tags = tokio::spawn(async move {
            let mut tx = b.read().await?;
            let r = repo::index_tags(&mut tx).await?;
            tx.commit().await?;
            Ok::<_, Error>(r)
        });
        let joined =
            |e: tokio::task::JoinError| Error::internal(format!("reading the catalog: {e}"));
        let (g1, rows) = entries.await.map_err(joined)??;
        let (g2, tags) = tags.await.map_err(joined)??;
        if g1 == g2 {
            return Ok((g1, rows, tags));
        }
        let mut tx = db.read().await?;
        let snapshot = repo::index_snapshot(&mut tx).await?;
        tx.commit().await?;
        Ok(snapshot)
    }

    /// Builds the index from the catalog rows of one generation.
    pub fn build(generation: i64, mut rows: Vec<IndexRow>, tags: Vec<TagRow>) -> CatalogIndex {
        rows.sort_by(|a, b| {
            (a.summary.division_code.as_str(), a.summary.item_id)
                .cmp(&(b.summary.division_code.as_str(), b.summary.item_id))
        });
        let n = rows.len().min(u32::MAX as usize);
        let mut grams = GramMap::default();
        // Bigram lists of each distinct text, by text id; name lengths by name id.
        let mut texts = Interned::default();
        let mut text_lists: Vec<Vec<u32>> = Vec::new();
        let mut names = Interned::default();
        let mut name_chars: Vec<usize> = Vec::new();
        let mut number: HashMap<i64, u32> = HashMap::with_capacity(n);
        let mut by_len: Vec<(usize, i64, u32)> = Vec::with_capacity(n);
        let mut entries = Vec::with_capacity(n);
        let mut cols = Columns::default();
        let mut text_ids: Vec<u32> = Vec::with_capacity(n);
        let (mut divisions, mut item_types, mut case_types, mut cross_scopes, mut words) =
            <(Interned, Interned, Interned, Interned, Interned)>::default();
        for (no, r) in (0u32..).zip(rows.into_iter().take(n)) {
            let (text, new) = texts.add(&r.search_text);
            if new {
                text_lists.push(text_grams(&r.search_text, &mut grams));
            }
            let m = r.summary;
            let (name, new) = names.add(&m.name);
            if new {
                name_chars.push(m.name.chars().count());
            }
            number.insert(m.item_id, no);
            by_len.push((
                name_chars.get(name as usize).copied().unwrap_or(0),
                m.item_id,
                no,
            ));
            cols.department_id.push(m.department_id);
            cols.online_level.push(m.online_level);
            cols.division.push(divisions.id(&m.division_code));
            cols.item_type.push(item_types.id(&m.item_type));
            cols.case_type.push(case_types.id(&m.case_type));
            cols.cross_scope.push(cross_scopes.id(&m.cross_scope));
            cols.licence_free.push(m.licence_free);
            cols.name.push(name);
            cols.text.push(text);
            text_ids.push(text);
            entries.push(Entry {
                item_id: m.item_id,
                code: m.code.into_boxed_str(),
                department_id: m.department_id,
                visits: m.visits,
                promised_limit: m.promised_limit,
                statutory_limit: m.statutory_limit,
                department_name: words.id(&m.department_name),
                promised_unit: words.id(&m.promised_unit),
                statutory_unit: words.id(&m.statutory_unit),
            });
        }
        // Posting lists in one buffer: count, place, fill in entry order (so each is sorted).
        let mut offsets = vec![0u32; grams.len() + 1];
        for &t in &text_ids {
            for &g in text_lists.get(t as usize).map_or(&[][..], |l| l) {
                if let Some(c) = offsets.get_mut(g as usize + 1) {
                    *c += 1;
                }
            }
        }
        for g in 1..offsets.len() {
            offsets[g] = offsets[g].saturating_add(offsets[g - 1]);
        }
        let mut fill: Vec<u32> = offsets.clone();
        let mut postings = vec![0u32; offsets.last().copied().unwrap_or(0) as usize];
        for (no, &t) in (0u32..).zip(&text_ids) {
            for &g in text_lists.get(t as usize).map_or(&[][..], |l| l) {
                if let Some(at) = fill.get_mut(g as usize) {
                    if let Some(p) = postings.get_mut(*at as usize) {
                        *p = no;
                    }
                    *at += 1;
                }
            }
        }
        by_len.sort_unstable();
        let mut by_len_rank = Vec::with_capacity(by_len.len());
        cols.len_rank = vec![0; by_len.len()];
        for (rank, &(_, _, no)) in (0u32..).zip(&by_len) {
            if let Some(r) = cols.len_rank.get_mut(no as usize) {
                *r = rank;
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
            list.shrink_to_fit();
        }
        let names_lc = names
            .values
            .iter()
            .map(|v| v.to_ascii_lowercase().into_boxed_str())
            .collect();
        let texts_lc = texts
            .values
            .iter()
            .map(|v| v.to_ascii_lowercase().into_boxed_str())
            .collect();
        CatalogIndex {
            generation,
            entries,
            cols,
            divisions,
            item_types,
            case_types,
            cross_scopes,
            names,
            names_lc,
            texts: texts_lc,
            words,
            by_len_rank,
            grams,
            offsets,
            postings,
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

    /// Heap memory the index holds, in bytes (an estimate from the capacities of its tables).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let codes: usize = self.entries.iter().map(|e| e.code.len()).sum();
        let lower: usize = self
            .names_lc
            .iter()
            .chain(&self.texts)
            .map(|v| v.len() + 16)
            .sum();
        let tags: usize = self
            .objects
            .iter()
            .chain(&self.themes)
            .map(|(k, l)| k.len() + 48 + l.capacity() * 4)
            .sum();
        self.entries.capacity() * size_of::<Entry>()
            + codes
            + self.cols.heap_bytes()
            + [
                &self.divisions,
                &self.item_types,
                &self.case_types,
                &self.cross_scopes,
                &self.names,
                &self.words,
            ]
            .iter()
            .map(|i| i.heap_bytes())
            .sum::<usize>()
            + lower
            + self.by_len_rank.capacity() * 4
            + self.grams.capacity() * 16
            + (self.offsets.capacity() + self.postings.capacity()) * 4
            + tags
    }

    /// The posting list of bigram key `k`, if any entry has it.
    fn gram_list(&self, k: u64) -> Option<&[u32]> {
        let g = *self.grams.get(&k)? as usize;
        let (from, to) = (*self.offsets.get(g)?, *self.offsets.get(g + 1)?);
        self.postings.get(from as usize..to as usize)
    }

    /// The summary of entry `no`, as the SQL returns it.
    fn summary(&self, no: u32) -> Option<ItemSummary> {
        let i = no as usize;
        let e = self.entries.get(i)?;
        let c = &self.cols;
        Some(ItemSummary {
            item_id: e.item_id,
            code: e.code.to_string(),
            name: self.names.get(*c.name.get(i)?).to_string(),
            item_type: self.item_types.get(*c.item_type.get(i)?).to_string(),
            department_id: e.department_id,
            department_name: self.words.get(e.department_name).to_string(),
            division_code: self.divisions.get(*c.division.get(i)?).to_string(),
            case_type: self.case_types.get(*c.case_type.get(i)?).to_string(),
            online_level: *c.online_level.get(i)?,
            visits: e.visits,
            cross_scope: self.cross_scopes.get(*c.cross_scope.get(i)?).to_string(),
            promised_limit: e.promised_limit,
            promised_unit: self.words.get(e.promised_unit).to_string(),
            statutory_limit: e.statutory_limit,
            statutory_unit: self.words.get(e.statutory_unit).to_string(),
            licence_free: *c.licence_free.get(i)?,
        })
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
                match self.gram_list(k) {
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
        let c = &self.cols;
        let wanted = |i: usize| -> bool {
            divisions.as_ref().is_none_or(|d| {
                c.division
                    .get(i)
                    .and_then(|&v| d.get(v as usize))
                    .copied()
                    .unwrap_or(false)
            }) && s
                .department_id
                .is_none_or(|d| c.department_id.get(i) == Some(&d))
                && item_type.is_none_or(|t| c.item_type.get(i) == Some(&t))
                && s.online_level
                    .is_none_or(|l| c.online_level.get(i).is_some_and(|&v| v >= l))
                && cross_scope.is_none_or(|x| c.cross_scope.get(i) == Some(&x))
                && case_type.is_none_or(|x| c.case_type.get(i) == Some(&x))
                && s.licence_free
                    .is_none_or(|l| c.licence_free.get(i) == Some(&l))
        };
        let n = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let offset = usize::try_from(s.page.offset()).unwrap_or(usize::MAX);
        let end = offset.saturating_add(usize::try_from(s.page.limit()).unwrap_or(0));
        // The entries to look at: the candidates, or all.
        let visits = candidates.map_or(n as usize, <[u32]>::len);
        let all = candidates.is_none().then_some(0..n);
        let look = candidates
            .unwrap_or(&[])
            .iter()
            .copied()
            .chain(all.into_iter().flatten());
        // A text holds the needles, a name holds the whole query: once per distinct one.
        let mut texts_hold = if needles.is_empty() {
            None
        } else {
            memo(self.texts.len(), visits)
        };
        let holds_needles = |t: u32| {
            let text = self.texts.get(t as usize).map_or("", |t| t);
            needles.iter().all(|f| f.find(text.as_bytes()).is_some())
        };
        let mut matching = look.filter(|&no| {
            let i = no as usize;
            wanted(i)
                && (needles.is_empty() || {
                    let t = c.text.get(i).copied().unwrap_or(0);
                    remembered(&mut texts_hold, t, || holds_needles(t))
                })
        });

        if s.terms.is_empty() {
            // Dense order is (division_code, item_id): the page is a window of the matches.
            let mut total = 0usize;
            let mut page = Vec::new();
            for no in matching.by_ref() {
                if total >= offset && total < end {
                    page.extend(self.summary(no));
                }
                total += 1;
            }
            return (page, i64::try_from(total).unwrap_or(i64::MAX));
        }

        // Sort key: (name lacks the whole query, rank by (name length, item_id)); unique. Only
        // the page's keys are sorted (`select_nth_unstable` partitions the rest).
        let whole = s.terms.join(" ").to_ascii_lowercase();
        let whole = Finder::new(&whole);
        let mut names_hold = memo(self.names.values.len(), visits);
        let mut keys: Vec<u64> = Vec::new();
        for no in matching {
            let i = no as usize;
            let name = c.name.get(i).copied().unwrap_or(0);
            let hit = remembered(&mut names_hold, name, || {
                let lc = self.names_lc.get(name as usize).map_or("", |n| n);
                whole.find(lc.as_bytes()).is_some()
            });
            let rank = c.len_rank.get(i).copied().unwrap_or(0);
            keys.push((u64::from(!hit) << 32) | u64::from(rank));
        }
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
                self.by_len_rank.get(rank).and_then(|&no| self.summary(no))
            })
            .collect();
        (page, total)
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
