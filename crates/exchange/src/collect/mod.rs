//! Collection (归集): a provider loads a published resource's rows by file (CSV in UTF-8 or
//! GBK/GB18030, XLSX, JSON lines) or by API push (batch upsert and delete by key).
//!
//! **Who**: `exchange.provide` over the resource's provider department (its data steward, or
//! a department system's token with it); refusals are audited. **Trace**: `exchange.load.start`
//! when a load is accepted, `exchange.load.end` when it ends (counts, status), not one entry
//! per row: the stored row names its load (`load_id`).
//!
//! **Checks** (`check`): the header names items (信息项名称 or field names), key items present;
//! per row the item types (§8.3: numbers, `YYYY-MM-DD` dates, date-times, logical values) and
//! the items' quality rules — required, length, pattern, ID number and USCC check characters,
//! code list, date range, uniqueness within the load and against current rows, reference to a
//! current key of another resource. Every problem is counted per rule; a few samples per rule
//! are kept with the line, the item, the value (masked when personal) and zh/en messages
//! (the quality report, downloadable as CSV or XLSX). **Mode**, the provider's choice:
//! `good` loads the good rows and reports the others; `all` refuses the whole file (nothing
//! written) when any row is bad — a check pass first, then the load pass.
//!
//! **History** (`run`): a load upserts, sealed at rest (`repo::seal`: the key as its blind
//! index, the document under SM4-GCM, a keyed digest). A row whose keyed digest equals the
//! current row's is left untouched (nothing is opened to compare); a changed row closes the old version (`valid_to` = the load's time) and opens a
//! new one; a new key opens a row. A **full** load (the provider's choice) also closes the
//! current keys its file lacks; a push closes the keys it names for deletion. "As of" reads
//! (`repo::rows::as_of`) then return the old values. The resource's `last_loaded_at` and
//! `row_count` are set when the load ends.
//!
//! **Jobs**: the file is kept in the file store (uploads) or read in place (the command line);
//! rows stream through a reader thread in batches (memory bounded by a few batches and 8
//! bytes per key for uniqueness); each batch commits with the checkpoint under the runner's
//! lease (compare-and-set), so a crashed job resumes from its last batch without writing a
//! row twice. Loads left unfinished are resumed at start-up ([`Collector::resume_all`]).

pub mod check;
mod job;
mod read;
pub mod report;
mod run;
pub mod sample;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

pub use check::Issue;
pub use read::Input;

use crate::model::Resource;
use crate::repo::loads::{self, LoadRow, NewLoad};
use crate::repo::{resources, rows};
use crate::service::ExchangeService;

/// How long a runner's claim on a load holds without renewal.
pub(crate) const LEASE: Duration = Duration::seconds(30);
/// Sample problems kept per rule (all are counted).
pub const SAMPLES_PER_RULE: i64 = 20;
/// Runs a load may start without finishing before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 3;
/// Rows one push may carry (upserts and deletions together).
pub const PUSH_MAX_ROWS: usize = 10_000;
/// Bytes per stored chunk of a file.
const CHUNK: usize = 1 << 20;

pub(crate) fn lost_claim() -> Error {
    Error::new(ErrorCode::Conflict).with_detail(
        "归集任务已由其他进程接手",
        "The load was taken over by another process",
    )
}

/// What to do with bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Load the good rows, report the bad ones.
    #[default]
    Good,
    /// Reject the whole file when any row is bad (nothing written).
    All,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Good => "good",
            Mode::All => "all",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim() {
            "good" => Some(Mode::Good),
            "all" => Some(Mode::All),
            _ => None,
        }
    }
}

/// The provider's choices for one load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadOptions {
    pub mode: Mode,
    /// Close the current keys the file lacks (a full load); otherwise keys absent stay.
    pub full: bool,
}

/// A load (归集批次) as providers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoadView {
    pub id: i64,
    pub resource_id: i64,
    /// `file` or `push`.
    pub kind: String,
    /// `csv`, `xlsx` or `jsonl`.
    pub format: String,
    pub encoding: Option<String>,
    pub file_name: String,
    pub mode: Mode,
    pub full: bool,
    /// `queued`, `checking`, `loading`, `done`, `rejected` or `failed`.
    pub status: String,
    pub status_zh: String,
    /// Data rows of the file (an estimate from its lines until it has been read).
    pub total_rows: i64,
    /// Rows whose batch has been committed (the checkpoint).
    pub processed_rows: i64,
    /// 0–100.
    pub percent: f64,
    pub good_rows: i64,
    pub bad_rows: i64,
    /// New keys.
    pub inserted_rows: i64,
    /// Keys whose values changed (the old version closed).
    pub changed_rows: i64,
    /// Rows identical to the current ones (untouched).
    pub unchanged_rows: i64,
    /// Keys closed (absent from a full load, or deleted by a push).
    pub closed_rows: i64,
    /// Problems per rule.
    pub counts: std::collections::BTreeMap<String, i64>,
    pub message: String,
    pub created_by: String,
    /// The validity time of the rows the load writes.
    #[serde(with = "time::serde::rfc3339")]
    pub load_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

impl LoadView {
    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "done" | "rejected" | "failed")
    }
}

pub fn status_zh(s: &str) -> &'static str {
    match s {
        "queued" => "排队中",
        "checking" => "校验中",
        "loading" => "入库中",
        "done" => "已完成",
        "rejected" => "未入库（存在问题）",
        "failed" => "失败",
        _ => "",
    }
}

impl LoadRow {
    pub fn view(&self) -> LoadView {
        let percent = match self.status.as_str() {
            "done" => 100.0,
            _ if self.total_rows > 0 => {
                ((1000.0 * self.processed_rows as f64 / self.total_rows as f64).floor() / 10.0)
                    .min(100.0)
            }
            _ => 0.0,
        };
        LoadView {
            id: self.id,
            resource_id: self.resource_id,
            kind: self.kind.clone(),
            format: self.format.clone(),
            encoding: self.encoding.clone(),
            file_name: self.file_name.clone(),
            mode: Mode::parse(&self.mode).unwrap_or_default(),
            full: self.full_load,
            status: self.status.clone(),
            status_zh: status_zh(&self.status).into(),
            total_rows: self.total_rows,
            processed_rows: self.processed_rows,
            percent,
            good_rows: self.good_rows,
            bad_rows: self.bad_rows,
            inserted_rows: self.inserted_rows,
            changed_rows: self.changed_rows,
            unchanged_rows: self.unchanged_rows,
            closed_rows: self.closed_rows,
            counts: serde_json::from_str(&self.counts).unwrap_or_default(),
            message: self.message.clone(),
            created_by: self.created_by.clone(),
            load_at: self.load_at,
            created_at: self.created_at,
            finished_at: self.finished_at,
        }
    }
}

/// A push: rows to upsert and keys to delete (objects keyed by field or item names).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PushInput {
    #[serde(default)]
    pub upsert: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Each an object with the key items' values.
    #[serde(default)]
    pub delete: Vec<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub mode: Mode,
}

/// The collection service (shares the exchange service's database and clock).
#[derive(Clone)]
pub struct Collector {
    svc: ExchangeService,
    batch_rows: usize,
    interrupt_after: Option<usize>,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("batch_rows", &self.batch_rows)
            .finish_non_exhaustive()
    }
}

/// The format of a file by its name, else its bytes.
pub fn detect_format(file_name: &str, head: &[u8]) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        "jsonl"
    } else if head.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        "xlsx"
    } else if head.trim_ascii_start().starts_with(b"{") {
        "jsonl"
    } else if false {
        "xlsx"
    } else {
        "csv"
    }
}

impl Collector {
    pub fn new(svc: ExchangeService) -> Collector {
        Collector {
            svc,
            batch_rows: 5000,
            interrupt_after: None,
        }
    }

    /// Rows per batch (one write transaction each; 5,000 by default).
    pub fn batch_rows(mut self, n: usize) -> Self {
        self.batch_rows = n.max(1);
        self
    }

    /// Crash drills and tests: a run stops after this many batches, as if killed.
    pub fn interrupt_after(mut self, batches: usize) -> Self {
        self.interrupt_after = Some(batches);
        self
    }

    fn now(&self) -> OffsetDateTime {
        self.svc.clock().now()
    }

    /// The published resource by code, the caller holding `exchange.provide` over its
    /// department (refusals audited).
    async fn provided(&self, ctx: &Ctx, code: &str, attempted: &str) -> Result<Resource> {
        let mut db = self.svc.db().clone();
        let Some(r) = resources::published_by_code(&mut db, code).await? else {
            return Err(Error::not_found());
        };
        self.authorise(
            ctx,
            r.department_id,
            &format!("resource:{}", r.code.as_str()),
            attempted,
        )
        .await?;
        Ok(r)
    }

    async fn authorise(
        &self,
        ctx: &Ctx,
        department_id: i64,
        object: &str,
        attempted: &str,
    ) -> Result<()> {
        let mut db = self.svc.db().clone();
        let dept = ExchangeService::department(&mut db, department_id).await?;
        let target = Target {
            department_id: Some(dept.id),
            division: &dept.division_code,
        };
        if let Err(e) = ctx.actor.require_on(Permission::ExchangeProvide, target) {
            return Err(yiwang_audit::refused(
                self.svc.db(),
                ctx,
                object,
                attempted,
                e,
                self.now(),
            )
            .await);
        }
        Ok(())
    }

    /// Accepts an uploaded file for loading into the resource `code`: stored in the file
    /// store, queued. Run it with [`Collector::drive`] (the web layer spawns it).
    pub async fn upload(
        &self,
        ctx: &Ctx,
        code: &str,
        file_name: &str,
        bytes: bytes::Bytes,
        opts: LoadOptions,
    ) -> Result<LoadView> {
        let r = self.provided(ctx, code, "exchange.load.start").await?;
        if bytes.is_empty() {
            return Err(Error::field(FieldError::new(
                "file",
                "file.empty",
                "归集文件为空",
                "The file is empty",
            )));
        }
        let format = detect_format(file_name, &bytes);
        let input = Input::Bytes(bytes.clone());
        let total = estimate(format, &input)?;
        self.create(
            ctx,
            &r,
            "file",
            format,
            file_name,
            Some(&bytes),
            None,
            opts,
            "[]",
            total,
        )
        .await
    }

    /// Loads a local file read in place (the command line): queued; run with
    /// [`Collector::drive`].
    pub async fn load_path(
        &self,
        ctx: &Ctx,
        code: &str,
        path: PathBuf,
        opts: LoadOptions,
    ) -> Result<LoadView> {
        let r = self.provided(ctx, code, "exchange.load.start").await?;
        let unreadable = |e: std::io::Error| {
            Error::validation(vec![FieldError::new(
                "file",
                "file.unreadable",
                format!("无法读取文件 {}：{e}", path.display()),
                format!("Cannot read the file {}: {e}", path.display()),
            )])
        };
        // The first bytes decide the format.
        let mut head = [0u8; 64];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(&path).map_err(unreadable)?;
            f.read(&mut head).map_err(unreadable)?
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let format = detect_format(&name, &head[..n]);
        let input = Input::Path(path.clone());
        let total = estimate(format, &input)?;
        let p = path.to_string_lossy().to_string();
        self.create(
            ctx,
            &r,
            "file",
            format,
            &name,
            None,
            Some(&p),
            opts,
            "[]",
            total,
        )
        .await
    }

    /// A push (API): up to [`PUSH_MAX_ROWS`] rows to upsert and keys to delete, loaded at
    /// once (deletions after the rows, closing those keys). Answers the finished load.
    pub async fn push(&self, ctx: &Ctx, code: &str, input: &PushInput) -> Result<LoadView> {
        let r = self.provided(ctx, code, "exchange.load.start").await?;
        if input.upsert.len() + input.delete.len() > PUSH_MAX_ROWS {
            return Err(Error::field(FieldError::new(
                "upsert",
                "exchange.push_size",
                format!("一次推送最多 {PUSH_MAX_ROWS} 行"),
                format!("A push carries at most {PUSH_MAX_ROWS} rows"),
            )));
        }
        let mut keys = Vec::new();
        let mut errs = Vec::new();
        for (n, obj) in input.delete.iter().enumerate() {
            let cells = match read::Rows::object_cells(&r.meta, 0, obj) {
                Ok(c) => c,
                Err(i) => {
                    errs.push(FieldError::new(
                        format!("delete[{n}]"),
                        i.rule,
                        i.message_zh,
                        i.message_en,
                    ));
                    continue;
                }
            };
            let parts: Vec<&str> = r
                .meta
                .items
                .iter()
                .zip(&cells)
                .filter(|(i, _)| i.key)
                .map(|(_, c)| c.trim())
                .collect();
            if parts.iter().any(|p| p.is_empty()) {
                errs.push(FieldError::new(
                    format!("delete[{n}]"),
                    "required",
                    "删除须给出全部主键信息项的值",
                    "A deletion gives the values of every key item",
                ));
                continue;
            }
            // Stored as the key's blind index: the job row never holds the key in clear.
            keys.push(self.svc.seal().index(&rows::join_key(parts))?);
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let mut body = Vec::new();
        for obj in &input.upsert {
            body.extend(serde_json::to_vec(obj).map_err(Error::internal)?);
            body.push(b'\n');
        }
        let bytes = bytes::Bytes::from(body);
        let keys = serde_json::to_string(&keys).map_err(Error::internal)?;
        let opts = LoadOptions {
            mode: input.mode,
            full: false,
        };
        let total = i64::try_from(input.upsert.len()).unwrap_or(0);
        let v = self
            .create(
                ctx,
                &r,
                "push",
                "jsonl",
                "push.jsonl",
                Some(&bytes),
                None,
                opts,
                &keys,
                total,
            )
            .await?;
        self.drive(v.id).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn create(
        &self,
        ctx: &Ctx,
        r: &Resource,
        kind: &str,
        format: &str,
        file_name: &str,
        bytes: Option<&bytes::Bytes>,
        path: Option<&str>,
        opts: LoadOptions,
        delete_keys: &str,
        total: i64,
    ) -> Result<LoadView> {
        let now = self.now();
        let name: String = file_name.trim().chars().take(200).collect();
        let (sha, size) = match (bytes, path) {
            (Some(b), _) => {
                use sm3::Digest;
                (
                    hex::encode(sm3::Sm3::digest(b)),
                    i64::try_from(b.len()).unwrap_or(0),
                )
            }
            (None, Some(p)) => (
                String::new(),
                std::fs::metadata(p)
                    .map(|m| i64::try_from(m.len()).unwrap_or(0))
                    .unwrap_or(0),
            ),
            (None, None) => (String::new(), 0),
        };
        let sha = sha.as_str();
        let mut tx = self.svc.db().write().await?;
        let id = loads::insert(
            &mut tx,
            &NewLoad {
                resource_id: r.id,
                resource_version: r.version,
                department_id: r.department_id,
                kind,
                format,
                file_name: &name,
                file_sha: sha,
                file_path: path,
                file_size: size,
                mode: opts.mode.as_str(),
                full_load: opts.full,
                delete_keys,
                status: "queued",
                total_rows: total,
                created_by: &ctx.actor.label(),
                now,
            },
        )
        .await?;
        if let Some(b) = bytes {
            for (seq, chunk) in b.chunks(CHUNK).enumerate() {
                loads::insert_chunk(&mut tx, id, seq, chunk).await?;
            }
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "exchange.load.start",
                format!("exchange_load:{id}"),
            )
            .source(&ctx.source)
            .data(json!({
                "resource": r.code.as_str(),
                "kind": kind,
                "format": format,
                "mode": opts.mode.as_str(),
                "full": opts.full,
                "file_sha": sha,
                "file_size": size,
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.status(id).await
    }

    /// A load as the system sees it.
    pub async fn status(&self, id: i64) -> Result<LoadView> {
        let mut db = self.svc.db().clone();
        loads::get(&mut db, id)
            .await?
            .map(|r| r.view())
            .ok_or_else(Error::not_found)
    }

    /// A load of a resource (`exchange.provide` over its department).
    pub async fn load(&self, ctx: &Ctx, code: &str, id: i64) -> Result<(Resource, LoadView)> {
        let r = self.provided(ctx, code, "exchange.load.read").await?;
        let v = self.status(id).await?;
        if v.resource_id != r.id {
            return Err(Error::not_found());
        }
        Ok((r, v))
    }

    /// The latest loads of a resource (at most 50).
    pub async fn loads(&self, ctx: &Ctx, code: &str) -> Result<(Resource, Vec<LoadView>)> {
        let r = self.provided(ctx, code, "exchange.load.read").await?;
        let mut db = self.svc.db().clone();
        let list = loads::of_resource(&mut db, r.id, 50).await?;
        Ok((r, list.iter().map(LoadRow::view).collect()))
    }

    /// The quality report of a load: the load and its sample problems by line.
    pub async fn report(&self, ctx: &Ctx, code: &str, id: i64) -> Result<report::Report> {
        let (r, load) = self.load(ctx, code, id).await?;
        let mut db = self.svc.db().clone();
        let issues = loads::issues(&mut db, id, 10_000).await?;
        Ok(report::Report {
            resource_code: r.code.as_str().to_string(),
            resource_name: r.meta.name.clone(),
            load,
            issues,
        })
    }
}

/// Rows to expect (the progress bar's 100 %): lines of a CSV less its header, lines of JSON
/// lines; unknown (0) for a workbook until it has been read.
fn estimate(format: &str, input: &Input) -> Result<i64> {
    Ok(match format {
        "csv" => (input.count_lines()? - 1).max(0),
        "jsonl" => input.count_lines()?,
        _ => 0,
    })
}
