//! The check pass: the file read once (on the blocking pool), every row validated on the
//! worker pool, duplicates within the file and against stored licences found in file order,
//! every problem stored; then the job is rejected (any error) or moved to sealing with its
//! serials reserved.

use std::collections::HashMap;

use serde_json::json;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_sheets::Encoding;

use super::check::{Checker, file_problem, first_line, key128};
use super::chunks::{ChunkReader, open_rows};
use super::pipeline::par_check;
use super::repo::{self, JobRow};
use super::{ImportProblem, LEASE, LicenceImports, lost_claim};
use crate::service::LicenceType;

/// Checked rows between lease renewals (and progress updates) while checking.
const CHECK_RENEW_EVERY: usize = 5_000;
/// Values per `IN (…)` lookup of existing identifiers and numbers.
const LOOKUP_CHUNK: usize = 500;

/// What the check pass found.
pub(super) struct CheckOutcome {
    rows: u64,
    errors: u64,
    warnings: u64,
    generated: u64,
    encoding: Option<Encoding>,
}

impl LicenceImports {
    /// Renews the claim (and records progress); a lost claim is [`lost_claim`].
    async fn renew(&self, id: i64, runner: &str, total: Option<u64>) -> Result<()> {
        let now = self.now();
        let mut tx = self.svc.db.write().await?;
        let total = total.map(|t| i64::try_from(t).unwrap_or(i64::MAX));
        let n = repo::renew(&mut tx, id, runner, now + LEASE, total).await?;
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await
    }

    async fn save_problems(&self, id: i64, runner: &str, problems: &[ImportProblem]) -> Result<()> {
        if problems.is_empty() {
            return Ok(());
        }
        let mut tx = self.svc.db.write().await?;
        repo::insert_problems(&mut tx, id, problems).await?;
        let n = repo::renew(&mut tx, id, runner, self.now() + LEASE, None).await?;
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await
    }

    /// The check pass: every row problem stored, nothing written to `licences`.
    pub(super) async fn check(
        &self,
        job: &JobRow,
        t: &LicenceType,
        runner: &str,
    ) -> Result<CheckOutcome> {
        // A resumed check starts over.
        {
            let mut tx = self.svc.db.write().await?;
            repo::clear_problems(&mut tx, job.id).await?;
            tx.commit().await?;
        }
        let rt = tokio::runtime::Handle::current();
        let me = self.clone();
        let job2 = job.clone();
        let t2 = t.clone();
        let runner2 = runner.to_string();
        tokio::task::spawn_blocking(move || me.check_blocking(&rt, &job2, &t2, &runner2))
            .await
            .map_err(|e| Error::internal(format!("check task: {e}")))?
    }

    fn check_blocking(
        &self,
        rt: &tokio::runtime::Handle,
        job: &JobRow,
        t: &LicenceType,
        runner: &str,
    ) -> Result<CheckOutcome> {
        let db = self.db();
        let mut out = CheckOutcome {
            rows: 0,
            errors: 0,
            warnings: 0,
            generated: 0,
            encoding: None,
        };
        let mut pending: Vec<ImportProblem> = Vec::new();
        let flush = |pending: &mut Vec<ImportProblem>, out: &mut CheckOutcome| -> Result<()> {
            for p in pending.iter() {
                if p.level == "error" {
                    out.errors += 1;
                } else {
                    out.warnings += 1;
                }
            }
            rt.block_on(self.save_problems(job.id, runner, pending))?;
            pending.clear();
            Ok(())
        };
        let encoding = if job.format == "csv" {
            let enc = match job.encoding.as_deref() {
                Some("gb18030") => Ok(Encoding::Gb18030),
                Some(_) => Ok(Encoding::Utf8),
                None => {
                    yiwang_sheets::detect_encoding(ChunkReader::new(db.clone(), rt.clone(), job.id))
                }
            };
            match enc {
                Ok(e) => e,
                Err(e) => {
                    pending.push(file_problem(&e));
                    flush(&mut pending, &mut out)?;
                    return Ok(out);
                }
            }
        } else {
            Encoding::Utf8
        };
        if job.format == "csv" {
            out.encoding = Some(encoding);
        }
        let (headers, rows) = match open_rows(&db, rt, job, encoding) {
            Ok(x) => x,
            Err(e) => {
                pending.push(file_problem(&e));
                flush(&mut pending, &mut out)?;
                return Ok(out);
            }
        };
        let checker = match Checker::new(t, &headers, self.svc.today()) {
            Ok(c) => c,
            Err(ps) => {
                pending.extend(ps);
                if headers.is_empty() {
                    pending.clear();
                    pending.push(ImportProblem::error(
                        1,
                        FieldError::new(
                            "file",
                            "file.empty",
                            "文件中没有表头和数据行",
                            "The file has no header and no rows",
                        ),
                    ));
                }
                flush(&mut pending, &mut out)?;
                return Ok(out);
            }
        };
        let mut seen_ids: HashMap<u128, u32> = HashMap::new();
        let mut seen_numbers: HashMap<u128, u32> = HashMap::new();
        let mut lookup_ids: Vec<(String, usize)> = Vec::new();
        let mut lookup_numbers: Vec<(String, usize)> = Vec::new();
        let lookup = |kind: &str,
                      list: &mut Vec<(String, usize)>,
                      pending: &mut Vec<ImportProblem>|
         -> Result<()> {
            if list.is_empty() {
                return Ok(());
            }
            let mut db = db.clone();
            let values: Vec<&str> = list.iter().map(|(s, _)| s.as_str()).collect();
            let found = rt.block_on(async {
                if kind == "identifier" {
                    repo::existing_identifiers(&mut db, &values).await
                } else {
                    repo::existing_numbers(&mut db, &t.code, &values).await
                }
            })?;
            if !found.is_empty() {
                let found: std::collections::HashSet<String> = found.into_iter().collect();
                for (s, line) in list.iter() {
                    if found.contains(s) {
                        pending.push(ImportProblem::error(
                            *line,
                            if kind == "identifier" {
                                FieldError::new(
                                    "identifier",
                                    "licence.identifier_exists",
                                    format!("证照标识 {s} 已存在"),
                                    format!("The identifier {s} already exists"),
                                )
                            } else {
                                FieldError::new(
                                    "number",
                                    "licence.number_exists",
                                    format!("该类型的证照编号 {s} 已存在"),
                                    format!("A licence of this type numbered {s} already exists"),
                                )
                            },
                        ));
                    }
                }
            }
            list.clear();
            Ok(())
        };
        // Rows are validated on every core; duplicates, lookups and problems follow file order.
        par_check(self.threads, self.batch_rows, rows, &checker, |c| {
            let row = match c {
                Ok(r) => r,
                Err(e) => {
                    pending.push(file_problem(&e));
                    return Ok(false);
                }
            };
            out.rows += 1;
            let line32 = u32::try_from(row.line).unwrap_or(u32::MAX);
            pending.extend(row.problems);
            if let Some((identifier, number)) = row.keys {
                if let Some(id) = identifier {
                    match first_line(&mut seen_ids, key128(1, &id), line32) {
                        Some(first) => pending.push(ImportProblem::error(
                            row.line,
                            FieldError::new(
                                "identifier",
                                "licence.identifier_duplicate",
                                format!("证照标识与第{first}行重复"),
                                format!("The identifier repeats line {first}"),
                            ),
                        )),
                        None => lookup_ids.push((id, row.line)),
                    }
                } else {
                    out.generated += 1;
                }
                match first_line(&mut seen_numbers, key128(2, &number), line32) {
                    Some(first) => pending.push(ImportProblem::error(
                        row.line,
                        FieldError::new(
                            "number",
                            "licence.number_duplicate",
                            format!("证照编号与第{first}行重复"),
                            format!("The licence number repeats line {first}"),
                        ),
                    )),
                    None => lookup_numbers.push((number, row.line)),
                }
            }
            if lookup_ids.len() >= LOOKUP_CHUNK {
                lookup("identifier", &mut lookup_ids, &mut pending)?;
            }
            if lookup_numbers.len() >= LOOKUP_CHUNK {
                lookup("number", &mut lookup_numbers, &mut pending)?;
            }
            if pending.len() >= 1000 {
                flush(&mut pending, &mut out)?;
            }
            if out.rows.is_multiple_of(CHECK_RENEW_EVERY as u64) {
                rt.block_on(self.renew(job.id, runner, Some(out.rows)))?;
            }
            Ok(true)
        })?;
        lookup("identifier", &mut lookup_ids, &mut pending)?;
        lookup("number", &mut lookup_numbers, &mut pending)?;
        if out.rows == 0 && pending.is_empty() {
            pending.push(ImportProblem::error(
                1,
                FieldError::new(
                    "file",
                    "file.no_rows",
                    "文件中没有数据行",
                    "The file has no data rows",
                ),
            ));
        }
        flush(&mut pending, &mut out)?;
        Ok(out)
    }

    /// Ends a rejected job, or moves a clean one to sealing (reserving its serials).
    pub(super) async fn after_check(
        &self,
        job: &JobRow,
        runner: &str,
        o: &CheckOutcome,
    ) -> Result<JobRow> {
        let now = self.now();
        let enc = o.encoding.map(|e| match e {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        });
        let rows = i64::try_from(o.rows).unwrap_or(i64::MAX);
        let stored = repo::Checked {
            encoding: enc,
            rows,
            errors: i64::try_from(o.errors).unwrap_or(i64::MAX),
            warnings: i64::try_from(o.warnings).unwrap_or(i64::MAX),
            generated: i64::try_from(o.generated).unwrap_or(i64::MAX),
        };
        let mut tx = self.svc.db.write().await?;
        let n = if o.errors > 0 {
            let n = repo::reject(&mut tx, job.id, runner, &stored, now).await?;
            repo::drop_chunks(&mut tx, job.id).await?;
            self.end_entry(
                &mut tx,
                job,
                "rejected",
                json!({ "rows": rows, "errors": o.errors, "warnings": o.warnings }),
                now,
            )
            .await?;
            n
        } else {
            let year = i64::from(self.svc.today().year());
            let first = if stored.generated > 0 {
                let prefix = format!("{}:{}", job.department_id, year);
                let last = repo::reserve_serials(&mut tx, &prefix, stored.generated).await?;
                Some(last - stored.generated + 1)
            } else {
                None
            };
            repo::to_sealing(&mut tx, job.id, runner, &stored, year, first, now + LEASE).await?
        };
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await?;
        let mut db = self.db();
        repo::job(&mut db, job.id)
            .await?
            .ok_or_else(Error::not_found)
    }
}
