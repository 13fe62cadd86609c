//! Bulk import (归集) of electronic licences issued elsewhere: a department uploads a CSV
//! (UTF-8 or GBK) or XLSX file of licences of one type; Yiwang checks every row, then seals
//! every licence with the department's SM2 key and stores it as if issued here (`source =
//! 'imported'`, the job and the file line kept on the row).
//!
//! **A job** (`licence_imports`) goes `queued → checking → sealing → done`, or ends `rejected`
//! (row errors: nothing written to `licences`) or `failed` (an internal problem, with a
//! message). The uploaded bytes are kept in `licence_import_chunks` (1 MiB each) until the job
//! ends, so any node can resume it; the SM3 and size stay on the job.
//!
//! **Checking** reads the file once (streaming for CSV: [`yiwang_sheets::CsvStream`]; XLSX
//! whole, calamine needs it) and collects every row problem into `licence_import_errors`:
//! required cells, holder code (ID number or USCC per the type's holder kind), dates, face
//! fields (`yiwang_forms::validate_on` on the type's face schema, header = field key or
//! Chinese label), the identifier (GB/T 36904; a check character that differs from
//! ISO 7064 MOD 37,36 is only a *warning*), duplicates within the file (identifier, licence
//! number) and identifiers or numbers of the type already stored. Any error → `rejected`.
//!
//! **Sealing** reads the file again: one thread parses and validates rows into batches
//! ([`LicenceImports::batch_rows`], 1,000 by default), `threads` workers (all cores by
//! default; `std::thread::scope`, no pool crate) build the canonical form, sign it (SM2),
//! seal the holder's number and compute its blind index, and the async writer inserts each
//! batch in file order in one write transaction that also advances `processed_rows`
//! (compare-and-set on the job's runner token). A process killed at any point resumes from
//! the last committed batch: committed rows are skipped by count, rows without an identifier
//! get serials reserved once for the whole job (`serial_first + k` for the k-th such row, so a
//! resumed batch gets the same identifiers), and a unique index on `(import_id,
//! import_line)` refuses a line twice whatever happens.
//!
//! **Who**: `licence.issue` over the importing department (deny by default); refusals are
//! audited (`auth.denied`). **Trace**: one audit entry when the job is accepted
//! (`licence.import.start`, the uploader) and one when it ends (`licence.import.end`), not one
//! per licence; and no `licence_events` row per licence either — the licence row itself names
//! its job and line (`import_id`, `import_line`), which answers "where does this licence come
//! from" with an index lookup, while an event row per licence would double the rows written
//! (and the index updates) of an import whose cost should be the signature alone.
//!
//! **Claims**: a runner holds a job through `runner`/`lease_until` (30 s, renewed with every
//! batch and every 5,000 checked rows), so two nodes never work on one job and a node that
//! died leaves a job another process takes over once the lease has lapsed
//! ([`LicenceImports::drive`] waits for it). Every claim counts an attempt: a job started
//! [`MAX_ATTEMPTS`] times without finishing (its file brought the process down each time) is
//! marked failed at the next claim, so nothing uploaded can keep a node from starting.
//!
//! **Files** (one job each): `repo` (every SQL statement), `check` (columns and row checks),
//! `chunks` (the stored file read back), `pipeline` (the one worker pool both passes use),
//! `check_pass` and `seal_pass` (the two passes).

mod check;
mod check_pass;
mod chunks;
mod pipeline;
mod repo;
mod seal_pass;
#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::service::department_in;
use yiwang_sheets::Format;
use yiwang_store::Db;

pub use check::{column_title, template_headers};
use repo::JobRow;

use crate::service::LicenceService;

/// Bytes per stored chunk of an uploaded file.
const CHUNK: usize = 1 << 20;
/// How long a runner's claim on a job holds without renewal.
const LEASE: Duration = Duration::seconds(30);
/// Runs a job may start without finishing: the next claim marks it failed instead (a file
/// that brings the process down must not bring it down at every start).
pub const MAX_ATTEMPTS: i64 = 3;

/// An import job as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportJob {
    pub id: i64,
    pub type_code: String,
    pub type_name: String,
    pub department_id: i64,
    pub department_name: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// `utf-8` or `gb18030` (CSV, once read).
    pub encoding: Option<String>,
    pub file_name: String,
    /// SM3 of the uploaded file (hex).
    pub file_sha: String,
    pub file_size: i64,
    /// `queued`, `checking`, `sealing`, `done`, `rejected` or `failed`.
    pub status: String,
    pub status_zh: String,
    /// Data rows of the file (while checking: rows checked so far).
    pub total_rows: i64,
    /// Rows whose batch has been committed.
    pub processed_rows: i64,
    pub imported_rows: i64,
    pub error_count: i64,
    pub warning_count: i64,
    /// Progress of the sealing, 0–100 (100 when done).
    pub percent: f64,
    /// Why the job failed (internal problems only; row problems are listed apart).
    pub message: String,
    /// Runs that took the job; after [`MAX_ATTEMPTS`] unfinished ones it is marked failed.
    pub attempts: i64,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub revision: i64,
}

impl ImportJob {
    /// Whether the job has ended (done, rejected or failed).
    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "done" | "rejected" | "failed")
    }
}

/// One problem of one row (or of the file, line 1).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ImportProblem {
    pub line: i64,
    pub field: String,
    pub code: String,
    /// `error` (the job is rejected) or `warning` (imported anyway).
    pub level: String,
    pub message_zh: String,
    pub message_en: String,
}

impl ImportProblem {
    pub(super) fn error(line: usize, e: FieldError) -> Self {
        ImportProblem {
            line: i64::try_from(line).unwrap_or(i64::MAX),
            field: e.field,
            code: e.rule,
            level: "error".into(),
            message_zh: e.zh,
            message_en: e.en,
        }
    }

    pub(super) fn warning(line: usize, e: FieldError) -> Self {
        ImportProblem {
            level: "warning".into(),
            ..ImportProblem::error(line, e)
        }
    }
}

fn status_zh(s: &str) -> &'static str {
    match s {
        "queued" => "排队中",
        "checking" => "校验中",
        "sealing" => "签章入库中",
        "done" => "已完成",
        "rejected" => "未导入（存在错误行）",
        "failed" => "失败",
        _ => "",
    }
}

impl JobRow {
    fn view(&self) -> ImportJob {
        let percent = match self.status.as_str() {
            "done" => 100.0,
            _ if self.total_rows > 0 && self.status == "sealing" => {
                (1000.0 * self.processed_rows as f64 / self.total_rows as f64).floor() / 10.0
            }
            _ => 0.0,
        };
        ImportJob {
            id: self.id,
            type_code: self.type_code.clone(),
            type_name: self.type_name.clone(),
            department_id: self.department_id,
            department_name: self.department_name.clone(),
            format: self.format.clone(),
            encoding: self.encoding.clone(),
            file_name: self.file_name.clone(),
            file_sha: self.file_sha.clone(),
            file_size: self.file_size,
            status: self.status.clone(),
            status_zh: status_zh(&self.status).to_string(),
            total_rows: self.total_rows,
            processed_rows: self.processed_rows,
            imported_rows: self.imported_rows,
            error_count: self.error_count,
            warning_count: self.warning_count,
            percent,
            message: self.message.clone(),
            attempts: self.attempts,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            revision: self.revision,
        }
    }
}

/// The bulk import service (shares the licence service's database, clock and keys).
#[derive(Clone)]
pub struct LicenceImports {
    svc: LicenceService,
    threads: usize,
    batch_rows: usize,
    interrupt_after: Option<usize>,
}

impl std::fmt::Debug for LicenceImports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LicenceImports")
            .field("threads", &self.threads)
            .field("batch_rows", &self.batch_rows)
            .finish_non_exhaustive()
    }
}

pub(super) fn lost_claim() -> Error {
    Error::new(ErrorCode::Conflict).with_detail(
        "导入任务已由其他进程接手",
        "The import job was taken over by another process",
    )
}

impl LicenceImports {
    pub fn new(svc: LicenceService) -> Self {
        LicenceImports {
            svc,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            batch_rows: 1000,
            interrupt_after: None,
        }
    }

    /// Signing threads (all cores by default).
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// Rows per write transaction (1,000 by default).
    pub fn batch_rows(mut self, n: usize) -> Self {
        self.batch_rows = n.max(1);
        self
    }

    /// Crash drills and tests: a run stops after committing this many batches, as if the
    /// process had been killed (the job stays `sealing`, the claim unreleased).
    pub fn interrupt_after(mut self, batches: usize) -> Self {
        self.interrupt_after = Some(batches);
        self
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    fn db(&self) -> Db {
        self.svc.db.clone()
    }

    fn now(&self) -> OffsetDateTime {
        self.svc.clock.now()
    }

    async fn refused(&self, ctx: &Ctx, object: String, e: Error) -> Error {
        yiwang_audit::refused(&self.svc.db, ctx, object, "licence.import", e, self.now()).await
    }

    async fn authorise(
        &self,
        ctx: &Ctx,
        department_id: i64,
        division: &str,
        object: String,
    ) -> Result<()> {
        let division = DivisionCode::parse(division).map_err(Error::field)?;
        if let Err(e) = ctx.actor.require_on(
            Permission::LicenceIssue,
            Target {
                department_id: Some(department_id),
                division: &division,
            },
        ) {
            return Err(self.refused(ctx, object, e).await);
        }
        Ok(())
    }

    /// Accepts a file for import into `type_code` by `department_id`: the caller needs
    /// `licence.issue` over the department. Stores the bytes and queues the job; run it with
    /// [`Self::drive`] (the web layer spawns it; the command line awaits it).
    pub async fn create(
        &self,
        ctx: &Ctx,
        type_code: &str,
        department_id: i64,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportJob> {
        if let Err(e) = ctx.actor.require(Permission::LicenceIssue) {
            return Err(self
                .refused(ctx, format!("department:{department_id}"), e)
                .await);
        }
        let mut db = self.db();
        let Some(department) = department_in(&mut db, department_id).await? else {
            return Err(Error::field(FieldError::new(
                "department",
                "department.unknown",
                "发证部门不存在",
                "No such issuing department",
            )));
        };
        self.authorise(
            ctx,
            department_id,
            department.division_code.as_str(),
            format!("department:{department_id}"),
        )
        .await?;
        let Some(type_code) = repo::type_exists(&mut db, type_code.trim()).await? else {
            return Err(Error::field(FieldError::new(
                "type",
                "licence_type.unknown",
                "证照类型不存在",
                "No such licence type",
            )));
        };
        if bytes.is_empty() {
            return Err(Error::field(FieldError::new(
                "file",
                "file.empty",
                "导入文件为空",
                "The import file is empty",
            )));
        }
        let format = Format::detect(bytes);
        if format == Format::Xlsx {
            // Refuse a workbook that lies about its sizes now, not in the background job.
            let copy = bytes.to_vec();
            tokio::task::spawn_blocking(move || yiwang_sheets::check_xlsx(&copy))
                .await
                .map_err(|e| Error::internal(format!("check task: {e}")))??;
        }
        let sha = {
            use sm3::Digest;
            hex::encode(sm3::Sm3::digest(bytes))
        };
        let name: String = file_name.trim().chars().take(200).collect();
        let now = self.now();
        let mut tx = self.svc.db.write().await?;
        let id = repo::insert_job(
            &mut tx,
            &repo::NewJob {
                type_code: &type_code,
                department_id,
                format: format.extension(),
                file_name: &name,
                file_sha: &sha,
                file_size: bytes.len(),
                created_by: &ctx.actor.label(),
                now,
            },
        )
        .await?;
        for (seq, chunk) in bytes.chunks(CHUNK).enumerate() {
            repo::insert_chunk(&mut tx, id, seq, chunk).await?;
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "licence.import.start",
                format!("licence_import:{id}"),
            )
            .source(&ctx.source)
            .data(json!({
                "type": type_code,
                "department": department_id,
                "format": format.extension(),
                "file_sha": sha,
                "file_size": bytes.len(),
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut db = self.db();
        repo::job(&mut db, id)
            .await?
            .map(|r| r.view())
            .ok_or_else(Error::not_found)
    }

    /// A job (`licence.issue` over its department).
    pub async fn job(&self, ctx: &Ctx, id: i64) -> Result<ImportJob> {
        let mut db = self.db();
        let Some(r) = repo::job(&mut db, id).await? else {
            return Err(Error::not_found());
        };
        self.authorise(
            ctx,
            r.department_id,
            &r.division_code,
            format!("licence_import:{id}"),
        )
        .await?;
        Ok(r.view())
    }

    /// The job as the system sees it (command line, benchmarks).
    pub async fn job_status(&self, id: i64) -> Result<ImportJob> {
        let mut db = self.db();
        repo::job(&mut db, id)
            .await?
            .map(|r| r.view())
            .ok_or_else(Error::not_found)
    }

    /// The latest jobs of the departments the caller may issue for (newest first, at most 100).
    pub async fn jobs(&self, ctx: &Ctx) -> Result<Vec<ImportJob>> {
        if let Err(e) = ctx.actor.require(Permission::LicenceIssue) {
            return Err(self.refused(ctx, "licence_imports".into(), e).await);
        }
        let mut db = self.db();
        let rows = repo::latest_jobs(&mut db).await?;
        Ok(rows
            .into_iter()
            .filter(|r| {
                DivisionCode::parse(&r.division_code).is_ok_and(|d| {
                    ctx.actor.may_on(
                        Permission::LicenceIssue,
                        Target {
                            department_id: Some(r.department_id),
                            division: &d,
                        },
                    )
                })
            })
            .take(100)
            .map(|r| r.view())
            .collect())
    }

    /// The row problems of a job (errors and warnings, by line), at most `limit`.
    pub async fn problems(
        &self,
        ctx: &Ctx,
        id: i64,
        limit: usize,
    ) -> Result<(ImportJob, Vec<ImportProblem>)> {
        let job = self.job(ctx, id).await?;
        let mut db = self.db();
        let list = repo::problems(&mut db, id, limit).await?;
        Ok((job, list))
    }

    /// Jobs left unfinished (by a process that stopped): to resume at start-up.
    pub async fn pending(&self) -> Result<Vec<i64>> {
        let mut db = self.db();
        repo::unfinished(&mut db).await
    }

    /// Resumes every unfinished job, one task each (the server calls this at start-up).
    pub async fn resume_all(&self) -> Result<usize> {
        let ids = self.pending().await?;
        for &id in &ids {
            let me = self.clone();
            tokio::spawn(async move {
                if let Err(e) = me.drive(id).await {
                    tracing::error!(job = id, error = %e, "licence import could not be resumed");
                }
            });
        }
        Ok(ids.len())
    }

    /// Runs a job to its end, waiting for another runner's lapsed claim if need be.
    pub async fn drive(&self, id: i64) -> Result<ImportJob> {
        loop {
            let (job, claimed) = self.run_once(id).await?;
            if job.finished() || claimed {
                return Ok(job);
            }
            // Someone else holds the job: wait for their claim to lapse (or the job to end).
            let mut db = self.db();
            let until = repo::lease_until(&mut db, id)
                .await?
                .unwrap_or_else(|| self.now());
            let wait = (until - self.now()).clamp(Duration::milliseconds(200), LEASE);
            tokio::time::sleep(wait.unsigned_abs()).await;
        }
    }

    /// Claims the job and works on it; answers the job and whether this call held the claim.
    async fn run_once(&self, id: i64) -> Result<(ImportJob, bool)> {
        let runner = {
            let mut b = [0u8; 12];
            getrandom::fill(&mut b).map_err(|e| Error::internal(format!("randomness: {e}")))?;
            hex::encode(b)
        };
        let now = self.now();
        let mut tx = self.svc.db.write().await?;
        let n = repo::claim(&mut tx, id, &runner, now + LEASE, now).await?;
        tx.commit().await?;
        let mut db = self.db();
        let Some(job) = repo::job(&mut db, id).await? else {
            return Err(Error::not_found());
        };
        if n == 0 {
            return Ok((job.view(), false));
        }
        if job.attempts > MAX_ATTEMPTS {
            let e = Error::new(ErrorCode::Internal).with_detail(
                format!("导入任务已启动{MAX_ATTEMPTS}次仍未完成（处理过程中服务中断），已停止，请检查文件后重新导入"),
                format!("The import was started {MAX_ATTEMPTS} times without finishing (the service stopped while working on it); it was stopped: check the file and import it again"),
            );
            tracing::error!(
                job = id,
                attempts = job.attempts,
                "licence import abandoned after repeated unfinished runs"
            );
            self.fail(id, &runner, &e).await?;
            return Ok((self.job_status(id).await?, true));
        }
        match self.work(job, &runner).await {
            Ok(j) => Ok((j, true)),
            Err(e) if e.code == ErrorCode::Conflict => {
                let j = self.job_status(id).await?;
                Ok((j, false))
            }
            Err(e) => {
                tracing::error!(job = id, error = %e, internal = ?e.internal, "licence import failed");
                self.fail(id, &runner, &e).await?;
                Ok((self.job_status(id).await?, true))
            }
        }
    }

    async fn work(&self, mut job: JobRow, runner: &str) -> Result<ImportJob> {
        if job.status == "checking" {
            let t = {
                let mut db = self.db();
                repo::licence_type(&mut db, &job.type_code).await?
            };
            let outcome = self.check(&job, &t, runner).await?;
            job = self.after_check(&job, runner, &outcome).await?;
        }
        if job.status == "sealing" {
            let t = {
                let mut db = self.db();
                repo::licence_type(&mut db, &job.type_code).await?
            };
            if let Some(j) = self.seal(&job, &t, runner).await? {
                job = j;
            } else {
                // Interrupted on purpose (crash drill).
                return self.job_status(job.id).await;
            }
        }
        Ok(job.view())
    }

    async fn end_entry(
        &self,
        tx: &mut yiwang_store::Tx,
        job: &JobRow,
        status: &str,
        data: Value,
        now: OffsetDateTime,
    ) -> Result<()> {
        let actor = Actor::system("licence-import");
        let mut d = json!({
            "status": status,
            "type": job.type_code,
            "department": job.department_id,
            "created_by": job.created_by,
        });
        if let (Value::Object(m), Value::Object(extra)) = (&mut d, data) {
            m.extend(extra);
        }
        record(
            tx,
            &Entry::success(
                &actor,
                "licence.import.end",
                format!("licence_import:{}", job.id),
            )
            .data(d),
            now,
        )
        .await?;
        Ok(())
    }

    async fn fail(&self, id: i64, runner: &str, e: &Error) -> Result<()> {
        let mut db = self.db();
        let Some(job) = repo::job(&mut db, id).await? else {
            return Ok(());
        };
        let now = self.now();
        let msg = format!("{} / {}", e.message(Lang::Zh), e.message(Lang::En));
        let mut tx = self.svc.db.write().await?;
        let n = repo::fail(&mut tx, id, runner, &msg, now).await?;
        if n == 1 {
            repo::drop_chunks(&mut tx, id).await?;
            self.end_entry(
                &mut tx,
                &job,
                "failed",
                json!({ "code": e.code.as_str(), "imported": job.imported_rows }),
                now,
            )
            .await?;
        }
        tx.commit().await
    }
}
