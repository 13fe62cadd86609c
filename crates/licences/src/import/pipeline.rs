//! The threads of an import: one worker pool (`std::thread::scope`, no pool crate) used by
//! both passes — checking rows in parallel, and signing rows in parallel — fed numbered batches
//! by one reader thread; results are put back in file order by the consumer.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

use yiwang_kernel::{Error, Result};
use yiwang_sheets::SheetRow;

use super::ImportProblem;
use super::check::{Checker, Prepared};
use super::chunks::Rows;
use super::repo::LicenceRow;
use crate::identifier::Identifier;
use crate::seal::SealKey;
use crate::service::{HOLDER_CONTEXT, signed_document};

/// Starts `threads` workers in `s`: each takes the next numbered batch from `jobs`, runs
/// `work` on it and hands the result to `deliver`. When `deliver` answers `false` (its
/// receiver is gone) the queue is dropped, so every worker and the feeding thread stop too.
pub(super) fn workers<'scope, T, R, W, D>(
    s: &'scope Scope<'scope, '_>,
    threads: usize,
    jobs: Receiver<(u64, T)>,
    work: &'scope W,
    deliver: D,
) where
    T: Send + 'scope,
    W: Fn(T) -> R + Sync,
    D: Fn(u64, R) -> bool + Clone + Send + 'scope,
{
    let jobs = Arc::new(Mutex::new(Some(jobs)));
    for _ in 0..threads.max(1) {
        let (jobs, deliver) = (jobs.clone(), deliver.clone());
        s.spawn(move || {
            loop {
                let next = match jobs.lock() {
                    Ok(rx) => match rx.as_ref() {
                        Some(rx) => rx.recv(),
                        None => return,
                    },
                    Err(_) => return,
                };
                let Ok((k, batch)) = next else { return };
                if !deliver(k, work(batch)) {
                    if let Ok(mut rx) = jobs.lock() {
                        *rx = None;
                    }
                    return;
                }
            }
        });
    }
}

/// One row after validation: its line, problems, and (when valid) identifier and number.
pub(super) struct Checked {
    pub line: usize,
    pub problems: Vec<ImportProblem>,
    pub keys: Option<(Option<String>, String)>,
}

/// Validates `rows` on `threads` worker threads (batches of `batch`), handing each row's
/// outcome to `each` in file order; `each` answers `false` (or an error) to stop early.
pub(super) fn par_check(
    threads: usize,
    batch: usize,
    rows: Rows,
    checker: &Checker,
    mut each: impl FnMut(Result<Checked>) -> Result<bool>,
) -> Result<()> {
    type Batch = Vec<Result<SheetRow>>;
    let (work_tx, work_rx) = sync_channel::<(u64, Batch)>(threads * 2);
    let (res_tx, res_rx) = sync_channel::<(u64, Vec<Result<Checked>>)>(threads * 2);
    let check = |rows: Batch| -> Vec<Result<Checked>> {
        rows.into_iter()
            .map(|r| {
                r.map(|row| {
                    let mut problems = Vec::new();
                    let keys = checker
                        .prepare(&row, 0, &mut problems)
                        .map(|p| (p.identifier, p.number));
                    Checked {
                        line: row.line,
                        problems,
                        keys,
                    }
                })
            })
            .collect()
    };
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut k = 0u64;
            let mut buf: Batch = Vec::with_capacity(batch);
            for row in rows {
                let stop = row.is_err();
                buf.push(row);
                if buf.len() >= batch || stop {
                    let full = std::mem::replace(&mut buf, Vec::with_capacity(batch));
                    if work_tx.send((k, full)).is_err() {
                        return;
                    }
                    k += 1;
                }
                if stop {
                    return;
                }
            }
            if !buf.is_empty() {
                let _ = work_tx.send((k, buf));
            }
        });
        workers(s, threads, work_rx, &check, move |k, out| {
            res_tx.send((k, out)).is_ok()
        });
        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, Vec<Result<Checked>>> = BTreeMap::new();
        let mut result = Ok(());
        'outer: while let Ok((k, out)) = res_rx.recv() {
            waiting.insert(k, out);
            while let Some(out) = waiting.remove(&next) {
                next += 1;
                for c in out {
                    match each(c) {
                        Ok(true) => {}
                        Ok(false) => break 'outer,
                        Err(e) => {
                            result = Err(e);
                            break 'outer;
                        }
                    }
                }
            }
        }
        // Stops the workers and the reader (their sends fail), then the scope joins them.
        drop(res_rx);
        result
    })
}

/// A row ready to insert, with its position among the file's data rows.
pub(super) struct Sealed {
    pub ordinal: u64,
    pub row: LicenceRow,
}

/// Validates the rows after `skip` and signs them on `threads` workers, sending batches of
/// `batch` (numbered in file order) to `out`; blocking.
#[allow(clippy::too_many_arguments)]
pub(super) fn par_seal(
    threads: usize,
    batch: usize,
    checker: &Checker,
    rows: Rows,
    skip: u64,
    ctx: &SignCtx,
    out: tokio::sync::mpsc::Sender<Result<(u64, Vec<Sealed>)>>,
) -> Result<()> {
    let (work_tx, work_rx) = sync_channel::<(u64, Vec<Prepared>)>(threads * 2);
    let sign = |batch: Vec<Prepared>| -> Result<Vec<Sealed>> {
        batch.into_iter().map(|p| ctx.sign(p)).collect()
    };
    std::thread::scope(|s| -> Result<()> {
        workers(
            s,
            threads,
            work_rx,
            &sign,
            move |k, sealed: Result<Vec<Sealed>>| out.blocking_send(sealed.map(|b| (k, b))).is_ok(),
        );
        let mut pending = Vec::with_capacity(batch);
        let mut k = 0u64;
        let mut generated = 0u64;
        let mut problems = Vec::new();
        for (ordinal, row) in rows.enumerate() {
            let row = row?;
            let ordinal = ordinal as u64;
            let without_identifier = checker.cell(&row, "identifier").is_empty();
            let gen_index = if without_identifier {
                generated += 1;
                Some(generated - 1)
            } else {
                None
            };
            if ordinal < skip {
                continue;
            }
            problems.clear();
            let Some(mut p) = checker.prepare(&row, ordinal, &mut problems) else {
                return Err(Error::internal(format!(
                    "line {} no longer passes the check",
                    row.line
                )));
            };
            p.generated = gen_index;
            pending.push(p);
            if pending.len() >= batch {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(batch));
                if work_tx.send((k, full)).is_err() {
                    return Ok(());
                }
                k += 1;
            }
        }
        if !pending.is_empty() {
            let _ = work_tx.send((k, pending));
        }
        drop(work_tx);
        Ok(())
    })
}

/// What a signing worker needs.
pub(super) struct SignCtx {
    pub type_code: String,
    pub holder_type: String,
    pub issuer_name: String,
    pub issuer_uscc: String,
    pub serial_year: i64,
    pub serial_first: i64,
    pub key: Arc<SealKey>,
    pub keys: yiwang_identity::Keys,
}

impl SignCtx {
    fn sign(&self, p: Prepared) -> Result<Sealed> {
        let identifier = match (p.identifier, p.generated) {
            (Some(id), _) => id,
            (None, Some(k)) => {
                let seq = self.serial_first + i64::try_from(k).unwrap_or(i64::MAX);
                let serial = format!("{:04}{:010}", self.serial_year, seq);
                Identifier::new(&self.type_code, &self.issuer_uscc, &serial, 1)
                    .map_err(Error::field)?
                    .to_string()
            }
            (None, None) => return Err(Error::internal("a row without identifier has no serial")),
        };
        let doc = signed_document(
            &identifier,
            &self.type_code,
            &p.number,
            &self.holder_type,
            &p.holder_name,
            &p.holder_code,
            &self.issuer_name,
            &self.issuer_uscc,
            p.issue_date,
            p.valid_from,
            p.valid_to,
            &p.face,
            None,
        );
        let bytes = crate::canonical(&doc).map_err(|e| Error::internal(e.0))?;
        let signature = hex::encode(self.key.sign(&bytes));
        let mask = if self.holder_type == "person" {
            yiwang_vault::mask_id_number(&p.holder_code)
        } else {
            p.holder_code.clone()
        };
        Ok(Sealed {
            ordinal: p.ordinal,
            row: LicenceRow {
                line: p.line,
                identifier,
                number: p.number,
                holder_name: p.holder_name,
                holder_enc: self.keys.seal(HOLDER_CONTEXT, &p.holder_code)?,
                holder_idx: self.keys.blind_index(HOLDER_CONTEXT, &p.holder_code)?,
                holder_mask: mask,
                issue_date: p.issue_date,
                valid_from: p.valid_from,
                valid_to: p.valid_to,
                face: p.face.to_string(),
                signature,
            },
        })
    }
}
