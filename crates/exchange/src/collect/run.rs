//! One pass over a load's file: a blocking reader thread parses and checks rows (all pure
//! rules, uniqueness included) into batches, with each row's key index and keyed digest
//! (`repo::seal`); the async side checks references, compares each batch with the current rows
//! (digests, nothing opened), seals the rows to write on the blocking pool (two threads) and
//! writes them in one transaction that also advances the checkpoint (compare-and-set on the
//! runner). A check pass (reject-the-file mode) writes no rows, only its progress.

use std::collections::{BTreeMap, HashMap, HashSet};

use tokio::sync::mpsc;
use yiwang_kernel::{Error, Result};
use yiwang_store::Db;

use super::check::{Checker, GoodRow, Issue};
use super::read::{Input, Read1, Rows};
use super::{LEASE, SAMPLES_PER_RULE, lost_claim};
use crate::model::ResourceMeta;
use crate::repo::loads::{self, LoadRow, Progress};
use crate::repo::rows::RowSeal;
use crate::repo::{bulk, resources, rows};

enum Checked {
    Good(GoodRow),
    Bad(Vec<Issue>),
}

enum Msg {
    Header(std::result::Result<Option<&'static str>, Vec<Issue>>),
    Batch(Vec<Checked>),
    End {
        total: i64,
        checker: Box<Checker>,
        error: Option<Issue>,
    },
}

/// What a pass found.
pub(super) struct PassEnd {
    /// Problems of the file as a whole (header, malformed CSV): the load cannot go on.
    pub file_issues: Vec<Issue>,
    pub checker: Option<Box<Checker>>,
    pub encoding: Option<&'static str>,
    /// Whether the pass stopped on purpose (crash drills).
    pub interrupted: bool,
}

/// Problems counted per rule, with the samples still to store.
#[derive(Default)]
pub(super) struct Tally {
    pub counts: BTreeMap<String, i64>,
}

impl Tally {
    pub fn from_json(s: &str) -> Tally {
        Tally {
            counts: serde_json::from_str(s).unwrap_or_default(),
        }
    }
    pub fn json(&self) -> String {
        serde_json::to_string(&self.counts).unwrap_or_else(|_| "{}".into())
    }
    /// Counts the problems; answers those kept as samples.
    pub fn add(&mut self, issues: Vec<Issue>) -> Vec<Issue> {
        let mut keep = Vec::new();
        for i in issues {
            let n = self.counts.entry(i.rule.clone()).or_insert(0);
            *n += 1;
            if *n <= SAMPLES_PER_RULE {
                keep.push(i);
            }
        }
        keep
    }
}

/// The settings of one pass.
pub(super) struct Pass<'a> {
    pub db: &'a Db,
    pub seal: &'a RowSeal,
    pub job: &'a LoadRow,
    pub meta: &'a ResourceMeta,
    pub input: Input,
    pub runner: &'a str,
    pub write: bool,
    pub batch_rows: usize,
    pub interrupt_after: Option<usize>,
    pub clock: &'a dyn yiwang_kernel::clock::Clock,
}

impl Pass<'_> {
    /// Runs the pass; the tally carries the counts across passes and resumptions.
    pub async fn run(&self, tally: &mut Tally, mut seq: i64) -> Result<PassEnd> {
        let today = self
            .job
            .load_at
            .to_offset(yiwang_kernel::clock::CHINA_OFFSET)
            .date();
        let mut checker = match Checker::new(self.meta, today, self.seal.hasher()?) {
            Ok(c) => c,
            Err(issues) => {
                return Ok(PassEnd {
                    file_issues: issues,
                    checker: None,
                    encoding: None,
                    interrupted: false,
                });
            }
        };
        let rid = self.job.resource_id;
        let first_load = {
            let mut db = self.db.clone();
            rows::count_current(&mut db, rid).await? == 0
        };
        if !first_load && !checker.unique_fields().is_empty() {
            let mut db = self.db.clone();
            let mut after: Option<String> = None;
            loop {
                let page =
                    rows::scan(&mut db, self.seal, rid, after.as_deref(), None, 5000).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.index.clone());
                for r in &page {
                    checker.seed_unique(&r.values()?);
                }
            }
        }
        let skip = self.job.processed_rows;
        let (tx, mut rx) = mpsc::channel::<Msg>(4);
        let meta = self.meta.clone();
        let input = self.input.clone();
        let format = self.job.format.clone();
        let batch_rows = self.batch_rows;
        let reader = tokio::task::spawn_blocking(move || {
            read_all(&meta, &input, &format, checker, skip, batch_rows, &tx);
        });
        let mut end = PassEnd {
            file_issues: Vec::new(),
            checker: None,
            encoding: None,
            interrupted: false,
        };
        let mut batches = 0usize;
        let mut done = skip;
        let mut refs: HashMap<String, Option<i64>> = HashMap::new();
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Header(Ok(enc)) => end.encoding = enc,
                Msg::Header(Err(issues)) => {
                    end.file_issues = issues;
                    break;
                }
                Msg::Batch(rows) => {
                    done += i64::try_from(rows.len()).unwrap_or(0);
                    self.batch(rows, tally, &mut seq, &mut refs, first_load, done)
                        .await?;
                    batches += 1;
                    if self.interrupt_after.is_some_and(|n| batches >= n) {
                        end.interrupted = true;
                        drop(rx);
                        let _ = reader.await;
                        return Ok(end);
                    }
                }
                Msg::End {
                    total,
                    checker,
                    error,
                } => {
                    end.checker = Some(checker);
                    if let Some(e) = error {
                        end.file_issues.push(e);
                    }
                    let mut t = self.db.write().await?;
                    let ok = loads::advance(
                        &mut t,
                        self.job.id,
                        self.runner,
                        &Progress::default(),
                        &tally.json(),
                        total,
                        self.clock.now() + LEASE,
                    )
                    .await?;
                    if !ok {
                        return Err(lost_claim());
                    }
                    t.commit().await?;
                }
            }
        }
        reader
            .await
            .map_err(|e| Error::internal(format!("exchange load reader: {e}")))?;
        Ok(end)
    }

    /// Checks references, compares with the current rows and writes one batch.
    async fn batch(
        &self,
        rows: Vec<Checked>,
        tally: &mut Tally,
        seq: &mut i64,
        refs: &mut HashMap<String, Option<i64>>,
        first_load: bool,
        done: i64,
    ) -> Result<()> {
        let rid = self.job.resource_id;
        let mut good = Vec::with_capacity(rows.len());
        let mut issues = Vec::new();
        let mut p = Progress {
            processed: i64::try_from(rows.len()).unwrap_or(0),
            ..Progress::default()
        };
        let mut db = self.db.clone();
        // References: every distinct value per referenced resource, one query per 500.
        let mut wanted: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
        for r in &rows {
            if let Checked::Good(g) = r {
                for (code, v, _) in &g.refs {
                    wanted.entry(code.as_str()).or_default().insert(v.as_str());
                }
            }
        }
        let mut found: HashMap<String, HashSet<String>> = HashMap::new();
        for (code, values) in &wanted {
            if !refs.contains_key(*code) {
                let id = resources::id_by_code(&mut db, code).await?;
                refs.insert((*code).to_string(), id);
            }
            let mut have = HashSet::new();
            if let Some(Some(id)) = refs.get(*code) {
                let list: Vec<&str> = values.iter().copied().collect();
                have.extend(bulk::existing_keys(&mut db, self.seal, *id, &list).await?);
            }
            found.insert((*code).to_string(), have);
        }
        for r in rows {
            match r {
                Checked::Bad(i) => {
                    p.bad += 1;
                    issues.extend(tally.add(i));
                }
                Checked::Good(g) => {
                    let missing: Vec<Issue> = g
                        .refs
                        .iter()
                        .filter(|(code, v, _)| !found.get(code).is_some_and(|s| s.contains(v)))
                        .map(|(code, v, i)| {
                            let it = &self.meta.items[*i];
                            let shown = if it.personal {
                                super::check::mask(v)
                            } else {
                                v.clone()
                            };
                            Issue::new(
                                g.line,
                                &it.name,
                                &shown,
                                "reference",
                                format!("“{}”的值在资源 {code} 的现有数据中不存在", it.name),
                                format!("\"{}\" is not a current key of resource {code}", it.name),
                            )
                        })
                        .collect();
                    if missing.is_empty() {
                        p.good += 1;
                        good.push(g);
                    } else {
                        p.bad += 1;
                        issues.extend(tally.add(missing));
                    }
                }
            }
        }
        // Rows to write (positions in `good`), and those of them that change a current row.
        let mut fresh: Vec<usize> = Vec::new();
        let mut changed: Vec<usize> = Vec::new();
        if self.write {
            if first_load {
                fresh.extend(0..good.len());
            } else {
                let keys: Vec<&str> = good.iter().map(|g| g.index.as_str()).collect();
                let current: HashMap<String, String> = bulk::current_digests(&mut db, rid, &keys)
                    .await?
                    .into_iter()
                    .map(|(k, d, _)| (k, d))
                    .collect();
                for (n, g) in good.iter().enumerate() {
                    match current.get(&g.index) {
                        Some(d) if *d == g.digest => p.unchanged += 1,
                        Some(_) => {
                            changed.push(n);
                            fresh.push(n);
                        }
                        None => fresh.push(n),
                    }
                }
            }
            p.changed = i64::try_from(changed.len()).unwrap_or(0);
            p.inserted = i64::try_from(fresh.len()).unwrap_or(0) - p.changed;
        }
        // Written in index order: the clustered key is the blind index, so a batch lands on
        // pages all over the table; in order, each page is visited once per batch.
        fresh.sort_unstable_by(|a, b| good[*a].index.cmp(&good[*b].index));
        let (good, fresh, sealed) = seal_fresh(self.seal, good, fresh).await?;
        let mut t = self.db.write().await?;
        if self.write {
            let closing: Vec<&str> = changed.iter().map(|&n| good[n].index.as_str()).collect();
            bulk::close_many(&mut t, rid, &closing, self.job.load_at).await?;
            let ins: Vec<bulk::NewRow<'_>> = fresh
                .iter()
                .zip(&sealed)
                .map(|(&n, s)| (good[n].index.as_str(), good[n].digest.as_str(), s.as_str()))
                .collect();
            bulk::insert_many(&mut t, rid, self.job.load_at, self.job.id, &ins).await?;
        }
        loads::insert_issues(&mut t, self.job.id, *seq, &issues).await?;
        *seq += i64::try_from(issues.len()).unwrap_or(0);
        let total = self.job.total_rows.max(done);
        let ok = loads::advance(
            &mut t,
            self.job.id,
            self.runner,
            &p,
            &tally.json(),
            total,
            self.clock.now() + LEASE,
        )
        .await?;
        if !ok {
            return Err(lost_claim());
        }
        t.commit().await
    }
}

/// Seals the rows at positions `fresh` of `good` on the blocking pool (SM4-GCM costs per row;
/// `RowSeal::seal_batch` splits a batch over two threads), handing the rows back.
async fn seal_fresh(
    seal: &RowSeal,
    good: Vec<GoodRow>,
    fresh: Vec<usize>,
) -> Result<(Vec<GoodRow>, Vec<usize>, Vec<String>)> {
    if fresh.is_empty() {
        return Ok((good, fresh, Vec::new()));
    }
    let seal = seal.clone();
    let (good, fresh, sealed) = tokio::task::spawn_blocking(move || {
        let pairs: Vec<(&str, &str)> = fresh
            .iter()
            .map(|&n| (good[n].key.as_str(), good[n].data.as_str()))
            .collect();
        let sealed = seal.seal_batch(&pairs);
        drop(pairs);
        (good, fresh, sealed)
    })
    .await
    .map_err(|e| Error::internal(format!("exchange load sealing: {e}")))?;
    Ok((good, fresh, sealed?))
}

/// The reader thread: header, then every row checked, in batches; rows up to the checkpoint
/// are checked again (uniqueness needs them) but not sent.
fn read_all(
    meta: &ResourceMeta,
    input: &Input,
    format: &str,
    mut checker: Checker,
    skip: i64,
    batch_rows: usize,
    tx: &mpsc::Sender<Msg>,
) {
    let rows = match Rows::open(meta, input, format) {
        Ok(r) => r,
        Err(issues) => {
            let _ = tx.blocking_send(Msg::Header(Err(issues)));
            return;
        }
    };
    if tx.blocking_send(Msg::Header(Ok(rows.encoding))).is_err() {
        return;
    }
    let mut n = 0i64;
    let mut batch = Vec::with_capacity(batch_rows);
    let mut error = None;
    for r in rows {
        let checked = match r {
            Err(e) => {
                error = Some(e);
                break;
            }
            Ok(Read1::Bad(i)) => Checked::Bad(vec![i]),
            Ok(Read1::Row(line, cells)) => match checker.check(line, &cells) {
                Ok(g) => Checked::Good(g),
                Err(i) => Checked::Bad(i),
            },
        };
        n += 1;
        if n <= skip {
            continue;
        }
        batch.push(checked);
        if batch.len() >= batch_rows {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_rows));
            if tx.blocking_send(Msg::Batch(full)).is_err() {
                return;
            }
        }
    }
    if !batch.is_empty() && tx.blocking_send(Msg::Batch(batch)).is_err() {
        return;
    }
    let _ = tx.blocking_send(Msg::End {
        total: n,
        checker: Box::new(checker),
        error,
    });
}
