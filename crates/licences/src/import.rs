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
//! fields (`catalog::form::validate_on` on the type's face schema, header = field key or
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
//! ([`LicenceImports::drive`] waits for it).

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record, record_now};
use yiwang_catalog::form::{FieldKind, FormField};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::codes::{DivisionCode, IdNumber, Uscc};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_sheets::{CsvStream, Encoding, Format, SheetRow};
use yiwang_store::{Conn, Db, Value as Bind, args};

use crate::identifier::Identifier;
use crate::seal::SealKey;
use crate::service::{
    HOLDER_CONTEXT, LicenceService, LicenceType, numbers_as_text, signed_document,
};

/// Bytes per stored chunk of an uploaded file.
const CHUNK: usize = 1 << 20;
/// How long a runner's claim on a job holds without renewal.
const LEASE: Duration = Duration::seconds(30);
/// Runs a job may start without finishing: the next claim marks it failed instead (a file
/// that brings the process down must not bring it down at every start).
pub const MAX_ATTEMPTS: i64 = 3;
/// Checked rows between lease renewals (and progress updates) while checking.
const CHECK_RENEW_EVERY: usize = 5_000;
/// Values per `IN (…)` lookup of existing identifiers and numbers.
const LOOKUP_CHUNK: usize = 500;
/// Rows per multi-row `INSERT` (12 binds each). Small on purpose: SQLite looks each bind's
/// name up by a linear scan (`sqlite3_bind_parameter_name`), quadratic in binds per statement;
/// at 100 rows (1,208 binds) that scan alone took a tenth of an import's CPU, at 20 rows 3 %.
const INSERT_ROWS: usize = 10;

/// A fixed column of the import file: key, Chinese header, other accepted headers, required.
struct Col {
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

/// The fixed columns; then one column per face field (its key or its Chinese label).
const COLUMNS: &[Col] = &[
    Col {
        key: "identifier",
        zh: "证照标识",
        aliases: &["电子证照标识", "证照标识码"],
        required: false,
    },
    Col {
        key: "number",
        zh: "证照编号",
        aliases: &["证照号码"],
        required: true,
    },
    Col {
        key: "holder_name",
        zh: "持证主体",
        aliases: &["持证主体名称", "持证人", "持证人姓名"],
        required: true,
    },
    Col {
        key: "holder_code",
        zh: "持证主体代码",
        aliases: &["身份证号码", "公民身份号码", "统一社会信用代码", "证件号码"],
        required: true,
    },
    Col {
        key: "issue_date",
        zh: "发证日期",
        aliases: &["颁证日期", "签发日期"],
        required: true,
    },
    Col {
        key: "valid_from",
        zh: "有效期起始日期",
        aliases: &["有效期起", "有效期开始日期"],
        required: true,
    },
    Col {
        key: "valid_to",
        zh: "有效期截止日期",
        aliases: &["有效期至", "有效期结束日期"],
        required: false,
    },
];

/// The headers of an import file for a type: the fixed columns, then the face fields.
pub fn template_headers(t: &LicenceType) -> Vec<String> {
    let schema: Vec<FormField> = serde_json::from_str(&t.face_schema).unwrap_or_default();
    COLUMNS
        .iter()
        .map(|c| c.zh.to_string())
        .chain(schema.iter().map(|f| f.label.clone()))
        .collect()
}

fn normal_header(h: &str) -> &str {
    let h = h.trim().trim_start_matches('*').trim();
    h.split(['(', '（']).next().unwrap_or(h).trim()
}

fn header_is(h: &str, names: &[&str]) -> bool {
    let full = h.trim().trim_start_matches('*').trim();
    let short = normal_header(h);
    names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(full) || n.eq_ignore_ascii_case(short))
}

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
    fn error(line: usize, e: FieldError) -> Self {
        ImportProblem {
            line: i64::try_from(line).unwrap_or(i64::MAX),
            field: e.field,
            code: e.rule,
            level: "error".into(),
            message_zh: e.zh,
            message_en: e.en,
        }
    }

    fn warning(line: usize, e: FieldError) -> Self {
        ImportProblem {
            level: "warning".into(),
            ..ImportProblem::error(line, e)
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct JobRow {
    id: i64,
    type_code: String,
    department_id: i64,
    format: String,
    encoding: Option<String>,
    file_name: String,
    file_sha: String,
    file_size: i64,
    status: String,
    total_rows: i64,
    processed_rows: i64,
    imported_rows: i64,
    error_count: i64,
    warning_count: i64,
    serial_year: Option<i64>,
    serial_first: Option<i64>,
    attempts: i64,
    message: String,
    created_by: String,
    created_at: OffsetDateTime,
    started_at: Option<OffsetDateTime>,
    finished_at: Option<OffsetDateTime>,
    revision: i64,
    type_name: String,
    department_name: String,
    division_code: String,
}

const JOB_COLS: &str = "j.id, j.type_code, j.department_id, j.format, j.encoding, j.file_name, j.file_sha, j.file_size, j.status, \
    j.total_rows, j.processed_rows, j.imported_rows, j.error_count, j.warning_count, j.serial_year, j.serial_first, \
    j.attempts, j.message, j.created_by, j.created_at, j.started_at, j.finished_at, j.revision, t.name AS type_name, \
    d.name AS department_name, d.division_code";
const JOB_FROM: &str = "FROM licence_imports j JOIN licence_types t ON t.code = j.type_code JOIN departments d ON d.id = j.department_id";

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

/// A row validated for sealing.
struct Prepared {
    line: usize,
    /// The row's position among the file's data rows (0-based).
    ordinal: u64,
    identifier: Option<String>,
    /// For a row without an identifier: how many such rows come before it.
    generated: Option<u64>,
    number: String,
    holder_name: String,
    holder_code: String,
    issue_date: Date,
    valid_from: Date,
    valid_to: Option<Date>,
    face: Value,
}

/// A row ready to insert.
struct Sealed {
    line: usize,
    ordinal: u64,
    identifier: String,
    number: String,
    holder_name: String,
    holder_enc: String,
    holder_idx: String,
    holder_mask: String,
    issue_date: Date,
    valid_from: Date,
    valid_to: Option<Date>,
    face: String,
    signature: String,
}

/// Where the face fields are in the file.
#[derive(Debug)]
struct Resolved {
    fixed: HashMap<&'static str, usize>,
    face: Vec<(usize, FormField)>,
}

/// Everything needed to validate rows of one job (no database).
struct Checker {
    type_code: String,
    holder_type: String,
    schema: Vec<FormField>,
    today: Date,
    cols: Resolved,
}

fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, fmt) {
        return Some(d);
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let parts: Vec<&str> = s
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() == 3 && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        let y: i32 = parts[0].parse().ok()?;
        let m: u8 = parts[1].parse().ok()?;
        let d: u8 = parts[2].parse().ok()?;
        if parts[0].len() == 4 {
            return Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok();
        }
        return None;
    }
    if digits.len() == 8 && digits.len() == s.len() {
        let y: i32 = digits[..4].parse().ok()?;
        let m: u8 = digits[4..6].parse().ok()?;
        let d: u8 = digits[6..].parse().ok()?;
        return Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok();
    }
    // An Excel date serial (days since 1899-12-30), as XLSX cells holding dates read back.
    if let Ok(serial) = s.parse::<f64>()
        && (20_000.0..=80_000.0).contains(&serial)
        && serial.fract() == 0.0
    {
        let base = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
        return base.checked_add(Duration::days(serial as i64));
    }
    None
}

fn bad_date(field: &str) -> FieldError {
    FieldError::new(
        field,
        "date.format",
        "日期格式应为 YYYY-MM-DD",
        "A date must be written YYYY-MM-DD",
    )
}

impl Checker {
    fn resolve(
        headers: &[String],
        schema: &[FormField],
    ) -> std::result::Result<Resolved, Vec<ImportProblem>> {
        let mut fixed = HashMap::new();
        let mut face = Vec::new();
        let mut used = vec![false; headers.len()];
        let mut problems = Vec::new();
        for c in COLUMNS {
            let names: Vec<&str> = [c.key, c.zh]
                .iter()
                .chain(c.aliases.iter())
                .copied()
                .collect();
            match headers
                .iter()
                .enumerate()
                .position(|(i, h)| !used[i] && header_is(h, &names))
            {
                Some(i) => {
                    used[i] = true;
                    fixed.insert(c.key, i);
                }
                None if c.required => problems.push(ImportProblem::error(
                    1,
                    FieldError::new(
                        c.key,
                        "missing_column",
                        format!("缺少必需的列“{}”", c.zh),
                        format!("Missing required column \"{}\" ({})", c.key, c.zh),
                    ),
                )),
                None => {}
            }
        }
        for f in schema {
            match headers
                .iter()
                .enumerate()
                .position(|(i, h)| !used[i] && header_is(h, &[f.key.as_str(), f.label.as_str()]))
            {
                Some(i) => {
                    used[i] = true;
                    face.push((i, f.clone()));
                }
                None if f.required => problems.push(ImportProblem::error(
                    1,
                    FieldError::new(
                        format!("face.{}", f.key),
                        "missing_column",
                        format!("缺少照面信息列“{}”", f.label),
                        format!("Missing face column \"{}\" ({})", f.key, f.label),
                    ),
                )),
                None => {}
            }
        }
        for (i, h) in headers.iter().enumerate() {
            if !used[i] && !h.trim().is_empty() {
                problems.push(ImportProblem::error(
                    1,
                    FieldError::new(
                        h.trim(),
                        "unknown_column",
                        format!("无法识别的列“{}”（应为固定列或该证照类型的照面信息字段）", h.trim()),
                        format!(
                            "Unknown column \"{}\" (expected a fixed column or a face field of the type)",
                            h.trim()
                        ),
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Resolved { fixed, face })
        } else {
            Err(problems)
        }
    }

    fn cell<'a>(&self, row: &'a SheetRow, key: &str) -> &'a str {
        self.cols
            .fixed
            .get(key)
            .and_then(|&i| row.cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// Validates one row: the prepared row, or its problems (warnings may come with a row).
    fn prepare(
        &self,
        row: &SheetRow,
        ordinal: u64,
        problems: &mut Vec<ImportProblem>,
    ) -> Option<Prepared> {
        let line = row.line;
        let mut errs: Vec<FieldError> = Vec::new();
        let identifier = match self.cell(row, "identifier") {
            "" => None,
            s => {
                match Identifier::parse(s) {
                    Ok(p) => {
                        if p.identifier.type_code != self.type_code {
                            errs.push(FieldError::new(
                            "identifier",
                            "licence.identifier_type",
                            format!("证照标识中的类型代码 {} 与导入的证照类型 {} 不符", p.identifier.type_code, self.type_code),
                            format!(
                                "The identifier's type code {} differs from the imported type {}",
                                p.identifier.type_code, self.type_code
                            ),
                        ));
                        }
                        if !p.check_ok {
                            problems.push(ImportProblem::warning(
                            line,
                            FieldError::new(
                                "identifier",
                                "licence.identifier_check",
                                format!(
                                    "证照标识的校验位 {} 与 ISO 7064 MOD 37,36 计算结果不符，已按原样导入",
                                    p.identifier.check
                                ),
                                format!(
                                    "The identifier's check character {} differs from ISO 7064 MOD 37,36; imported as given",
                                    p.identifier.check
                                ),
                            ),
                        ));
                        }
                        Some(p.identifier.to_string())
                    }
                    Err(e) => {
                        errs.push(e);
                        None
                    }
                }
            }
        };
        let number = match self.cell(row, "number") {
            "" => {
                errs.push(FieldError::required("number"));
                None
            }
            s if s.chars().count() > 100 => {
                errs.push(FieldError::max_chars("number", 100));
                None
            }
            s => Some(s.to_string()),
        };
        let holder_name =
            yiwang_kernel::text::required("holder_name", self.cell(row, "holder_name"), 100)
                .map_err(|e| errs.push(e))
                .ok();
        let code = self.cell(row, "holder_code");
        let holder_code = if code.is_empty() {
            errs.push(FieldError::required("holder_code"));
            None
        } else if self.holder_type == "person" {
            IdNumber::parse(code, self.today)
                .map(|i| i.as_str().to_string())
                .map_err(|e| errs.push(e.within("holder_code")))
                .ok()
        } else {
            Uscc::parse(code)
                .map(|u| u.as_str().to_string())
                .map_err(|e| errs.push(e.within("holder_code")))
                .ok()
        };
        let mut date = |key: &str, required: bool| -> Option<Date> {
            match self.cell(row, key) {
                "" => {
                    if required {
                        errs.push(FieldError::required(key));
                    }
                    None
                }
                s => parse_date(s).or_else(|| {
                    errs.push(bad_date(key));
                    None
                }),
            }
        };
        let issue_date = date("issue_date", true);
        let valid_from = date("valid_from", true);
        let valid_to = date("valid_to", false);
        if let Some(d) = issue_date
            && d > self.today
        {
            errs.push(FieldError::new(
                "issue_date",
                "date.future",
                "发证日期不能晚于今天",
                "The issue date cannot be in the future",
            ));
        }
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && to < from
        {
            errs.push(FieldError::new(
                "valid_to",
                "date.order",
                "有效期截止日期不能早于起始日期",
                "The end of validity cannot precede its start",
            ));
        }
        let mut values = Map::new();
        for (i, f) in &self.cols.face {
            let cell = row.cells.get(*i).map(|s| s.trim()).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            // Files carry an option's label (小学) as often as its code: labels become codes.
            let code_of = |s: &str| -> Value {
                let s = s.trim();
                let o = f.options.iter().find(|o| o.code == s || o.label == s);
                Value::String(o.map(|o| o.code.clone()).unwrap_or_else(|| s.to_string()))
            };
            let v = match f.kind {
                FieldKind::Choice => code_of(cell),
                FieldKind::MultiChoice => Value::Array(
                    cell.split([';', '；', '、', '|'])
                        .filter(|s| !s.trim().is_empty())
                        .map(code_of)
                        .collect(),
                ),
                FieldKind::Table => {
                    serde_json::from_str(cell).unwrap_or(Value::String(cell.to_string()))
                }
                _ => Value::String(cell.to_string()),
            };
            values.insert(f.key.clone(), v);
        }
        let face = match yiwang_catalog::form::validate_on(
            &self.schema,
            &Value::Object(values),
            self.today,
        ) {
            Ok(m) => Some(numbers_as_text(Value::Object(m))),
            Err(es) => {
                errs.extend(es.into_iter().map(|mut e| {
                    // `form.address` → `face.address`: the column the user fixes.
                    if let Some(rest) = e.field.strip_prefix("form") {
                        e.field = format!("face{rest}");
                    }
                    e
                }));
                None
            }
        };
        if !errs.is_empty() {
            problems.extend(errs.into_iter().map(|e| ImportProblem::error(line, e)));
            return None;
        }
        Some(Prepared {
            line,
            ordinal,
            identifier,
            generated: None,
            number: number?,
            holder_name: holder_name?,
            holder_code: holder_code?,
            issue_date: issue_date?,
            valid_from: valid_from?,
            valid_to,
            face: face?,
        })
    }
}

/// Reads the stored chunks of a job's file in order (blocking: runs on a blocking thread and
/// waits for the database on the runtime).
struct ChunkReader {
    db: Db,
    rt: tokio::runtime::Handle,
    job: i64,
    seq: i64,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ChunkReader {
    fn new(db: Db, rt: tokio::runtime::Handle, job: i64) -> Self {
        ChunkReader {
            db,
            rt,
            job,
            seq: 0,
            buf: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if self.done {
                return Ok(0);
            }
            let mut db = self.db.clone();
            let (job, seq) = (self.job, self.seq);
            let r: Option<(Vec<u8>,)> = self
                .rt
                .block_on(async move {
                    db.fetch_optional(
                        "SELECT data FROM licence_import_chunks WHERE import_id = $1 AND seq = $2",
                        args![job, seq],
                    )
                    .await
                })
                .map_err(|e| std::io::Error::other(e.message(Lang::En)))?;
            match r {
                Some((data,)) => {
                    self.buf = data;
                    self.pos = 0;
                    self.seq += 1;
                }
                None => self.done = true,
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The data rows of a job's file, in order.
enum Rows {
    Csv(Box<CsvStream<ChunkReader>>),
    Xlsx(std::vec::IntoIter<SheetRow>),
}

impl Iterator for Rows {
    type Item = Result<SheetRow>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Rows::Csv(s) => s.next(),
            Rows::Xlsx(it) => it.next().map(Ok),
        }
    }
}

/// A file-level problem (line 1) as an import problem.
fn file_problem(e: &Error) -> ImportProblem {
    let (zh, en) = (e.message(Lang::Zh), e.message(Lang::En));
    // A refused file names its rule (`xlsx.shared_strings_count`, `csv.record_too_long` …).
    let (line, code) = match e.rows.first() {
        Some(r) => (i64::try_from(r.line.max(1)).unwrap_or(1), r.rule.clone()),
        None => (1, "file.unreadable".into()),
    };
    ImportProblem {
        line,
        field: "file".into(),
        code,
        level: "error".into(),
        message_zh: zh,
        message_en: en,
    }
}

fn key128(kind: u8, s: &str) -> u128 {
    let mut a = DefaultHasher::new();
    (kind, 0x9e37_u16, s).hash(&mut a);
    let mut b = DefaultHasher::new();
    (s, kind, 0x7f4a_u16).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The line a key was first seen on, or `None` (and `line` remembered) when it is new.
fn first_line(seen: &mut HashMap<u128, u32>, key: u128, line: u32) -> Option<u32> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(line);
            None
        }
    }
}

fn lost_claim() -> Error {
    Error::new(ErrorCode::Conflict).with_detail(
        "导入任务已由其他进程接手",
        "The import job was taken over by another process",
    )
}

/// What the check pass found.
struct CheckOutcome {
    rows: u64,
    errors: u64,
    warnings: u64,
    generated: u64,
    encoding: Option<Encoding>,
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
        if matches!(e.code, ErrorCode::Forbidden | ErrorCode::Unauthenticated) {
            let entry = Entry::failure(&ctx.actor, "auth.denied", object)
                .source(&ctx.source)
                .data(json!({ "attempted": "licence.import", "code": e.code.as_str() }));
            if let Err(log_err) = record_now(&self.svc.db, &entry, self.now()).await {
                tracing::error!(error = %log_err, "could not write the audit entry of a refusal");
            }
        }
        e
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

    async fn row(&self, c: &mut impl Conn, id: i64) -> Result<Option<JobRow>> {
        c.fetch_optional(
            &format!("SELECT {JOB_COLS} {JOB_FROM} WHERE j.id = $1"),
            args![id],
        )
        .await
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
        let dept: Option<(String,)> = db
            .fetch_optional(
                "SELECT division_code FROM departments WHERE id = $1",
                args![department_id],
            )
            .await?;
        let Some((division,)) = dept else {
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
            &division,
            format!("department:{department_id}"),
        )
        .await?;
        let t: Option<(String,)> = db
            .fetch_optional(
                "SELECT code FROM licence_types WHERE code = $1",
                args![type_code.trim()],
            )
            .await?;
        let Some((type_code,)) = t else {
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
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO licence_imports (type_code, department_id, format, file_name, file_sha, file_size, status, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8) RETURNING id",
                args![
                    type_code.as_str(),
                    department_id,
                    format.extension(),
                    name.as_str(),
                    sha.as_str(),
                    bytes.len(),
                    ctx.actor.label(),
                    now
                ],
            )
            .await?;
        for (seq, chunk) in bytes.chunks(CHUNK).enumerate() {
            tx.execute(
                "INSERT INTO licence_import_chunks (import_id, seq, data) VALUES ($1, $2, $3)",
                args![id, seq, chunk],
            )
            .await?;
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
        self.row(&mut db, id)
            .await?
            .map(|r| r.view())
            .ok_or_else(Error::not_found)
    }

    /// A job (`licence.issue` over its department).
    pub async fn job(&self, ctx: &Ctx, id: i64) -> Result<ImportJob> {
        let mut db = self.db();
        let Some(r) = self.row(&mut db, id).await? else {
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
        self.row(&mut db, id)
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
        let rows: Vec<JobRow> = db
            .fetch_all(
                &format!("SELECT {JOB_COLS} {JOB_FROM} ORDER BY j.id DESC LIMIT 500"),
                args![],
            )
            .await?;
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
        let list = db
            .fetch_all(
                "SELECT line, field, code, level, message_zh, message_en FROM licence_import_errors WHERE import_id = $1 \
                 ORDER BY line, id LIMIT $2",
                args![id, limit],
            )
            .await?;
        Ok((job, list))
    }

    /// Jobs left unfinished (by a process that stopped): to resume at start-up.
    pub async fn pending(&self) -> Result<Vec<i64>> {
        let mut db = self.db();
        let ids: Vec<(i64,)> = db
            .fetch_all(
                "SELECT id FROM licence_imports WHERE status IN ('queued', 'checking', 'sealing') ORDER BY id",
                args![],
            )
            .await?;
        Ok(ids.into_iter().map(|r| r.0).collect())
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
            let lease: Option<(Option<OffsetDateTime>,)> = db
                .fetch_optional(
                    "SELECT lease_until FROM licence_imports WHERE id = $1",
                    args![id],
                )
                .await?;
            let until = lease.and_then(|l| l.0).unwrap_or_else(|| self.now());
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
        let n = tx
            .execute(
                "UPDATE licence_imports SET runner = $1, lease_until = $2, started_at = COALESCE(started_at, $3), \
                 status = CASE WHEN status = 'queued' THEN 'checking' ELSE status END, attempts = attempts + 1, \
                 revision = revision + 1 WHERE id = $4 AND status IN ('queued', 'checking', 'sealing') AND (runner IS NULL OR lease_until IS NULL OR lease_until < $3)",
                args![runner.as_str(), now + LEASE, now, id],
            )
            .await?;
        tx.commit().await?;
        let mut db = self.db();
        let Some(job) = self.row(&mut db, id).await? else {
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
            let t = self.type_of(&job.type_code).await?;
            let outcome = self.check(&job, &t, runner).await?;
            job = self.after_check(&job, runner, &outcome).await?;
        }
        if job.status == "sealing" {
            let t = self.type_of(&job.type_code).await?;
            if let Some(j) = self.seal(&job, &t, runner).await? {
                job = j;
            } else {
                // Interrupted on purpose (crash drill).
                return self.job_status(job.id).await;
            }
        }
        Ok(job.view())
    }

    async fn type_of(&self, code: &str) -> Result<LicenceType> {
        let mut db = self.db();
        db.fetch_one(
            "SELECT code, name, definer_name, holder_type, face_schema, validity_years FROM licence_types WHERE code = $1",
            args![code],
        )
        .await
    }

    /// Opens the rows of the job's file (blocking).
    fn open_rows(
        db: &Db,
        rt: &tokio::runtime::Handle,
        job: &JobRow,
        encoding: Encoding,
    ) -> Result<(Vec<String>, Rows)> {
        let reader = ChunkReader::new(db.clone(), rt.clone(), job.id);
        if job.format == "xlsx" {
            let mut bytes = Vec::new();
            let mut reader = reader;
            reader.read_to_end(&mut bytes).map_err(Error::internal)?;
            let sheets = yiwang_sheets::read_xlsx(&bytes)?;
            let sheet = sheets
                .iter()
                .find(|s| s.name == "证照")
                .or_else(|| sheets.first())
                .cloned()
                .ok_or_else(|| {
                    Error::import_rejected(vec![])
                        .with_detail("工作簿中没有工作表", "The workbook has no sheets")
                })?;
            Ok((sheet.headers, Rows::Xlsx(sheet.rows.into_iter())))
        } else {
            let s = CsvStream::new(reader, encoding)?;
            let headers = s.headers().to_vec();
            Ok((headers, Rows::Csv(Box::new(s))))
        }
    }

    fn checker(
        &self,
        t: &LicenceType,
        headers: &[String],
    ) -> std::result::Result<Checker, Vec<ImportProblem>> {
        let schema: Vec<FormField> = serde_json::from_str(&t.face_schema).unwrap_or_default();
        let cols = Checker::resolve(headers, &schema)?;
        Ok(Checker {
            type_code: t.code.clone(),
            holder_type: t.holder_type.clone(),
            schema,
            today: self.svc.today(),
            cols,
        })
    }

    /// Renews the claim (and records progress); a lost claim is [`lost_claim`].
    async fn renew(&self, id: i64, runner: &str, total: Option<u64>) -> Result<()> {
        let now = self.now();
        let mut tx = self.svc.db.write().await?;
        let n = tx
            .execute(
                "UPDATE licence_imports SET lease_until = $1, total_rows = COALESCE($2, total_rows) WHERE id = $3 AND runner = $4",
                args![now + LEASE, total.map(|t| i64::try_from(t).unwrap_or(i64::MAX)), id, runner],
            )
            .await?;
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
        for part in problems.chunks(INSERT_ROWS) {
            let mut sql = String::from(
                "INSERT INTO licence_import_errors (import_id, line, field, code, level, message_zh, message_en) VALUES ",
            );
            let mut binds: Vec<Bind> = vec![Bind::from(id)];
            for (k, p) in part.iter().enumerate() {
                let b = binds.len();
                if k > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "($1, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                ));
                binds.extend([
                    Bind::from(p.line),
                    Bind::from(p.field.as_str()),
                    Bind::from(p.code.as_str()),
                    Bind::from(p.level.as_str()),
                    Bind::from(p.message_zh.as_str()),
                    Bind::from(p.message_en.as_str()),
                ]);
            }
            tx.execute(&sql, &binds).await?;
        }
        let n = tx
            .execute(
                "UPDATE licence_imports SET lease_until = $1 WHERE id = $2 AND runner = $3",
                args![self.now() + LEASE, id, runner],
            )
            .await?;
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await
    }

    /// The check pass: every row problem stored, nothing written to `licences`.
    async fn check(&self, job: &JobRow, t: &LicenceType, runner: &str) -> Result<CheckOutcome> {
        // A resumed check starts over.
        {
            let mut tx = self.svc.db.write().await?;
            tx.execute(
                "DELETE FROM licence_import_errors WHERE import_id = $1",
                args![job.id],
            )
            .await?;
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
        let (headers, rows) = match Self::open_rows(&db, rt, job, encoding) {
            Ok(x) => x,
            Err(e) => {
                pending.push(file_problem(&e));
                flush(&mut pending, &mut out)?;
                return Ok(out);
            }
        };
        let checker = match self.checker(t, &headers) {
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
            let mut binds: Vec<Bind> = Vec::with_capacity(list.len() + 1);
            let sql = if kind == "identifier" {
                let ph: Vec<String> = (1..=list.len()).map(|i| format!("${i}")).collect();
                binds.extend(list.iter().map(|(s, _)| Bind::from(s.as_str())));
                format!(
                    "SELECT identifier FROM licences WHERE identifier IN ({})",
                    ph.join(", ")
                )
            } else {
                binds.push(Bind::from(t.code.as_str()));
                let ph: Vec<String> = (2..=list.len() + 1).map(|i| format!("${i}")).collect();
                binds.extend(list.iter().map(|(s, _)| Bind::from(s.as_str())));
                format!(
                    "SELECT number FROM licences WHERE type_code = $1 AND number IN ({})",
                    ph.join(", ")
                )
            };
            let found: Vec<(String,)> = rt.block_on(async { db.fetch_all(&sql, &binds).await })?;
            if !found.is_empty() {
                let found: std::collections::HashSet<String> =
                    found.into_iter().map(|r| r.0).collect();
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
    async fn after_check(&self, job: &JobRow, runner: &str, o: &CheckOutcome) -> Result<JobRow> {
        let now = self.now();
        let enc = o.encoding.map(|e| match e {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        });
        let rows = i64::try_from(o.rows).unwrap_or(i64::MAX);
        let mut tx = self.svc.db.write().await?;
        let n = if o.errors > 0 {
            let n = tx
                .execute(
                    "UPDATE licence_imports SET status = 'rejected', encoding = $1, total_rows = $2, error_count = $3, warning_count = $4, \
                     finished_at = $5, runner = NULL, lease_until = NULL, revision = revision + 1 WHERE id = $6 AND runner = $7",
                    args![enc, rows, o.errors as i64, o.warnings as i64, now, job.id, runner],
                )
                .await?;
            tx.execute(
                "DELETE FROM licence_import_chunks WHERE import_id = $1",
                args![job.id],
            )
            .await?;
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
            let first = if o.generated > 0 {
                let count = i64::try_from(o.generated).unwrap_or(i64::MAX);
                let (last,): (i64,) = tx
                    .fetch_one(
                        "INSERT INTO licence_sequences (prefix, last_value) VALUES ($1, $2) \
                         ON CONFLICT (prefix) DO UPDATE SET last_value = licence_sequences.last_value + $2 RETURNING last_value",
                        args![format!("{}:{}", job.department_id, year), count],
                    )
                    .await?;
                Some(last - count + 1)
            } else {
                None
            };
            tx.execute(
                "UPDATE licence_imports SET status = 'sealing', encoding = $1, total_rows = $2, warning_count = $3, generated_rows = $4, \
                 serial_year = $5, serial_first = $6, lease_until = $7, revision = revision + 1 WHERE id = $8 AND runner = $9",
                args![enc, rows, o.warnings as i64, o.generated as i64, year, first, now + LEASE, job.id, runner],
            )
            .await?
        };
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await?;
        let mut db = self.db();
        self.row(&mut db, job.id)
            .await?
            .ok_or_else(Error::not_found)
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
        let Some(job) = self.row(&mut db, id).await? else {
            return Ok(());
        };
        let now = self.now();
        let msg = format!("{} / {}", e.message(Lang::Zh), e.message(Lang::En));
        let mut tx = self.svc.db.write().await?;
        let n = tx
            .execute(
                "UPDATE licence_imports SET status = 'failed', message = $1, finished_at = $2, runner = NULL, lease_until = NULL, \
                 revision = revision + 1 WHERE id = $3 AND runner = $4",
                args![msg.as_str(), now, id, runner],
            )
            .await?;
        if n == 1 {
            tx.execute(
                "DELETE FROM licence_import_chunks WHERE import_id = $1",
                args![id],
            )
            .await?;
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

    /// The seal pass; `None` when interrupted on purpose.
    async fn seal(&self, job: &JobRow, t: &LicenceType, runner: &str) -> Result<Option<JobRow>> {
        let mut db = self.db();
        let (dept_name, dept_uscc): (String, String) = db
            .fetch_one(
                "SELECT name, uscc FROM departments WHERE id = $1",
                args![job.department_id],
            )
            .await?;
        let (kid, key) = {
            let mut tx = self.svc.db.write().await?;
            let k = self.svc.seal_key(&mut tx, job.department_id).await?;
            tx.commit().await?;
            k
        };
        let key = Arc::new(key);
        let skip = u64::try_from(job.processed_rows).unwrap_or(0);
        let threads = self.threads;
        let (res_tx, mut res_rx) =
            tokio::sync::mpsc::channel::<Result<(u64, Vec<Sealed>)>>(threads * 2);
        let rt = tokio::runtime::Handle::current();
        let producer = {
            let me = self.clone();
            let job = job.clone();
            let t = t.clone();
            let ctx = SignCtx {
                type_code: t.code.clone(),
                holder_type: t.holder_type.clone(),
                issuer_name: dept_name.clone(),
                issuer_uscc: dept_uscc.clone(),
                serial_year: job.serial_year.unwrap_or(0),
                serial_first: job.serial_first.unwrap_or(0),
                key: key.clone(),
                keys: self.svc.keys.clone(),
            };
            tokio::task::spawn_blocking(move || me.produce(&rt, &job, &t, skip, ctx, res_tx))
        };
        let now = self.now();
        let mut next: u64 = 0;
        let mut waiting: BTreeMap<u64, Vec<Sealed>> = BTreeMap::new();
        let mut processed = job.processed_rows;
        let mut imported = job.imported_rows;
        let mut committed_batches = 0usize;
        let mut failure: Option<Error> = None;
        'recv: while let Some(msg) = res_rx.recv().await {
            let (k, batch) = match msg {
                Ok(x) => x,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            waiting.insert(k, batch);
            while let Some(batch) = waiting.remove(&next) {
                next += 1;
                if let Err(e) = self
                    .insert_batch(
                        job,
                        t,
                        runner,
                        &kid,
                        &dept_name,
                        &dept_uscc,
                        batch,
                        &mut processed,
                        &mut imported,
                        now,
                    )
                    .await
                {
                    failure = Some(e);
                    break 'recv;
                }
                committed_batches += 1;
                if self.interrupt_after.is_some_and(|n| committed_batches >= n) {
                    drop(res_rx);
                    let _ = producer.await;
                    return Ok(None);
                }
            }
        }
        drop(res_rx);
        let produced = producer
            .await
            .map_err(|e| Error::internal(format!("seal task: {e}")))?;
        if let Some(e) = failure {
            return Err(e);
        }
        produced?;
        if !waiting.is_empty() {
            return Err(Error::internal("sealed batches left unwritten"));
        }
        // Done.
        let now = self.now();
        let mut tx = self.svc.db.write().await?;
        let n = tx
            .execute(
                "UPDATE licence_imports SET status = 'done', finished_at = $1, runner = NULL, lease_until = NULL, revision = revision + 1 \
                 WHERE id = $2 AND runner = $3",
                args![now, job.id, runner],
            )
            .await?;
        if n != 1 {
            return Err(lost_claim());
        }
        tx.execute(
            "DELETE FROM licence_import_chunks WHERE import_id = $1",
            args![job.id],
        )
        .await?;
        self.end_entry(
            &mut tx,
            job,
            "done",
            json!({ "rows": job.total_rows, "imported": imported, "warnings": job.warning_count, "seal_key": kid }),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut db = self.db();
        Ok(Some(
            self.row(&mut db, job.id)
                .await?
                .ok_or_else(Error::not_found)?,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_batch(
        &self,
        job: &JobRow,
        t: &LicenceType,
        runner: &str,
        kid: &str,
        dept_name: &str,
        dept_uscc: &str,
        batch: Vec<Sealed>,
        processed: &mut i64,
        imported: &mut i64,
        sealed_at: OffsetDateTime,
    ) -> Result<()> {
        let Some(last) = batch.last() else {
            return Ok(());
        };
        let new_processed = i64::try_from(last.ordinal + 1).unwrap_or(i64::MAX);
        let count = batch.len();
        let new_imported = *imported + i64::try_from(count).unwrap_or(0);
        let mut tx = self.svc.db.write().await?;
        if matches!(tx, yiwang_store::Tx::Sqlite(..)) {
            // The random-key indexes of a growing table outgrow the default 16 MB page cache;
            // the connection that writes the batches keeps more of them (256 MB at most).
            tx.execute("PRAGMA cache_size = -262144", args![]).await?;
        }
        // The rows' strings move into the binds (no copies).
        let mut rows = batch.into_iter().peekable();
        while rows.peek().is_some() {
            let part: Vec<Sealed> = rows.by_ref().take(INSERT_ROWS).collect();
            let mut sql = String::from(
                "INSERT INTO licences (identifier, type_code, number, holder_type, holder_name, holder_code_enc, holder_code_idx, holder_code_mask, \
                 issuer_department_id, issuer_name, issuer_uscc, issue_date, valid_from, valid_to, face, status, previous_identifier, case_no, \
                 seal_key_id, signature, sealed_at, revision, updated_at, source, import_id, import_line) VALUES ",
            );
            let mut binds: Vec<Bind> = vec![
                Bind::from(sealed_at),
                Bind::from(t.code.as_str()),
                Bind::from(t.holder_type.as_str()),
                Bind::from(job.department_id),
                Bind::from(dept_name),
                Bind::from(dept_uscc),
                Bind::from(kid),
                Bind::from(job.id),
            ];
            for (k, r) in part.into_iter().enumerate() {
                let b = binds.len();
                if k > 0 {
                    sql.push_str(", ");
                }
                let p = |i: usize| format!("${}", b + i);
                sql.push_str(&format!(
                    "({}, $2, {}, $3, {}, {}, {}, {}, $4, $5, $6, {}, {}, {}, {}, 'valid', NULL, NULL, $7, {}, $1, 1, $1, 'imported', $8, {})",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6),
                    p(7),
                    p(8),
                    p(9),
                    p(10),
                    p(11),
                    p(12)
                ));
                binds.extend([
                    Bind::from(r.identifier),
                    Bind::from(r.number),
                    Bind::from(r.holder_name),
                    Bind::from(r.holder_enc),
                    Bind::from(r.holder_idx),
                    Bind::from(r.holder_mask),
                    Bind::from(r.issue_date),
                    Bind::from(r.valid_from),
                    Bind::from(r.valid_to),
                    Bind::from(r.face),
                    Bind::from(r.signature),
                    Bind::from(r.line),
                ]);
            }
            tx.execute(&sql, &binds).await?;
        }
        let n = tx
            .execute(
                "UPDATE licence_imports SET processed_rows = $1, imported_rows = $2, lease_until = $3, revision = revision + 1 \
                 WHERE id = $4 AND runner = $5 AND processed_rows = $6",
                args![new_processed, new_imported, self.now() + LEASE, job.id, runner, *processed],
            )
            .await?;
        if n != 1 {
            return Err(lost_claim());
        }
        tx.commit().await?;
        *processed = new_processed;
        *imported = new_imported;
        Ok(())
    }

    /// Reads, validates and signs the rows after `skip` (blocking; `threads` signing workers).
    fn produce(
        &self,
        rt: &tokio::runtime::Handle,
        job: &JobRow,
        t: &LicenceType,
        skip: u64,
        ctx: SignCtx,
        out: tokio::sync::mpsc::Sender<Result<(u64, Vec<Sealed>)>>,
    ) -> Result<()> {
        let db = self.db();
        let encoding = match job.encoding.as_deref() {
            Some("gb18030") => Encoding::Gb18030,
            _ => Encoding::Utf8,
        };
        let (headers, rows) = Self::open_rows(&db, rt, job, encoding)?;
        let checker = self
            .checker(t, &headers)
            .map_err(|_| Error::internal("the file's header no longer resolves"))?;
        let (work_tx, work_rx) =
            std::sync::mpsc::sync_channel::<(u64, Vec<Prepared>)>(self.threads * 2);
        // A worker that can no longer deliver drops the queue, so the reader stops too.
        let work_rx = Mutex::new(Some(work_rx));
        std::thread::scope(|s| -> Result<()> {
            for _ in 0..self.threads {
                let (work_rx, out, ctx) = (&work_rx, out.clone(), &ctx);
                s.spawn(move || {
                    loop {
                        let next = match work_rx.lock() {
                            Ok(rx) => match rx.as_ref() {
                                Some(rx) => rx.recv(),
                                None => return,
                            },
                            Err(_) => return,
                        };
                        let Ok((k, batch)) = next else { return };
                        let sealed: Result<Vec<Sealed>> =
                            batch.into_iter().map(|p| ctx.sign(p)).collect();
                        if out.blocking_send(sealed.map(|b| (k, b))).is_err() {
                            if let Ok(mut rx) = work_rx.lock() {
                                *rx = None;
                            }
                            return;
                        }
                    }
                });
            }
            let mut batch = Vec::with_capacity(self.batch_rows);
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
                batch.push(p);
                if batch.len() >= self.batch_rows {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(self.batch_rows));
                    if work_tx.send((k, full)).is_err() {
                        return Ok(());
                    }
                    k += 1;
                }
            }
            if !batch.is_empty() {
                let _ = work_tx.send((k, batch));
            }
            drop(work_tx);
            Ok(())
        })
    }
}

/// One row after validation: its line, problems, and (when valid) identifier and number.
struct Checked {
    line: usize,
    problems: Vec<ImportProblem>,
    keys: Option<(Option<String>, String)>,
}

/// Validates `rows` on `threads` worker threads (batches of `batch`), handing each row's
/// outcome to `each` in file order; `each` answers `false` (or an error) to stop early.
fn par_check(
    threads: usize,
    batch: usize,
    rows: Rows,
    checker: &Checker,
    mut each: impl FnMut(Result<Checked>) -> Result<bool>,
) -> Result<()> {
    type Batch = Vec<Result<SheetRow>>;
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(u64, Batch)>(threads * 2);
    let work_rx = Mutex::new(Some(work_rx));
    let (res_tx, res_rx) =
        std::sync::mpsc::sync_channel::<(u64, Vec<Result<Checked>>)>(threads * 2);
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
        for _ in 0..threads {
            let (work_rx, res_tx) = (&work_rx, res_tx.clone());
            s.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => match rx.as_ref() {
                            Some(rx) => rx.recv(),
                            None => return,
                        },
                        Err(_) => return,
                    };
                    let Ok((k, rows)) = next else { return };
                    let out = rows
                        .into_iter()
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
                        .collect();
                    if res_tx.send((k, out)).is_err() {
                        if let Ok(mut rx) = work_rx.lock() {
                            *rx = None;
                        }
                        return;
                    }
                }
            });
        }
        drop(res_tx);
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

/// What a signing worker needs.
struct SignCtx {
    type_code: String,
    holder_type: String,
    issuer_name: String,
    issuer_uscc: String,
    serial_year: i64,
    serial_first: i64,
    key: Arc<SealKey>,
    keys: yiwang_identity::Keys,
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
            line: p.line,
            ordinal: p.ordinal,
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_usual_spellings() {
        let d = Date::from_calendar_date(2024, time::Month::March, 5).unwrap();
        for s in [
            "2024-03-05",
            "2024/3/5",
            "2024.03.05",
            "20240305",
            "2024年3月5日",
            "45356",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        for s in ["2024-13-01", "24-03-05", "abc", "", "2024-02-30"] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn headers_resolve_by_key_label_or_alias_and_unknown_ones_are_reported() {
        let schema: Vec<FormField> = serde_json::from_value(json!([
            {"key": "school", "label": "毕业院校", "kind": "text", "required": true},
            {"key": "major", "label": "专业", "kind": "text"}
        ]))
        .unwrap();
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let r = Checker::resolve(
            &h(&[
                "*证照编号",
                "持证人姓名",
                "身份证号码",
                "发证日期",
                "有效期起",
                "毕业院校",
                "major",
            ]),
            &schema,
        )
        .unwrap();
        assert_eq!(r.fixed["number"], 0);
        assert_eq!(r.face.len(), 2);
        let e = Checker::resolve(&h(&["证照编号", "备注"]), &schema).unwrap_err();
        let codes: Vec<&str> = e.iter().map(|p| p.code.as_str()).collect();
        assert!(codes.contains(&"missing_column"));
        assert!(codes.contains(&"unknown_column"));
    }
}
