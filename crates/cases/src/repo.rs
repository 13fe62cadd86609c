//! SQL of the cases domain. One SQL text for both backends.

use time::{Date, OffsetDateTime};
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Value, args};

use crate::model::{CaseEvent, CaseMaterial, CasePause, DataProvenance, Status};

pub mod bundles;
pub mod credit;
pub mod export;
pub mod kpi_facts;
pub mod lists;
pub mod ratings;
pub mod watch_feed;

/// Every column of `cases`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub case_no: String,
    pub item_id: i64,
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub department_id: i64,
    pub division_code: String,
    pub case_type: String,
    pub channel: String,
    pub applicant_type: String,
    pub applicant_name: String,
    pub applicant_cert_type: String,
    pub applicant_cert_enc: String,
    pub applicant_cert_idx: String,
    pub applicant_cert_mask: String,
    pub contact_name: String,
    pub contact_phone_enc: String,
    pub contact_phone_idx: String,
    pub contact_phone_mask: String,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub submitted_by: String,
    pub form_enc: String,
    pub flow: Option<String>,
    pub status: String,
    pub notice_given: bool,
    pub submitted_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub accept_date: Option<Date>,
    pub promised_days: Option<i64>,
    pub statutory_days: Option<i64>,
    pub extension_days: i64,
    pub promised_due: Option<Date>,
    pub statutory_due: Option<Date>,
    pub warning: String,
    pub decision: Option<String>,
    pub decision_opinion: String,
    pub decided_at: Option<OffsetDateTime>,
    pub result_code: Option<String>,
    pub concluded_at: Option<OffsetDateTime>,
    pub delivery_method: Option<String>,
    pub delivery_ref: String,
    pub delivered_at: Option<OffsetDateTime>,
    pub milestones: String,
    pub idem_key: Option<String>,
    pub revision: i64,
    pub updated_at: OffsetDateTime,
    /// The bundle application (一件事) the case is a part of.
    pub bundle_no: Option<String>,
}

impl CaseRow {
    pub fn status(&self) -> Result<Status> {
        Status::parse(&self.status).ok_or_else(|| {
            Error::internal(format!("stored case status is invalid: {}", self.status))
        })
    }
}

const COLS: &str = "id, case_no, item_id, item_code, item_version, item_name, department_id, division_code, case_type, channel, \
    applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, \
    contact_name, contact_phone_enc, contact_phone_idx, contact_phone_mask, person_id, org_id, submitted_by, form_enc, flow, \
    status, notice_given, submitted_at, accepted_at, accept_date, promised_days, statutory_days, extension_days, promised_due, \
    statutory_due, warning, decision, decision_opinion, decided_at, result_code, concluded_at, delivery_method, delivery_ref, \
    delivered_at, milestones, idem_key, revision, updated_at, bundle_no";

pub async fn by_no(c: &mut impl Conn, case_no: &str) -> Result<Option<CaseRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM cases WHERE case_no = $1"),
        args![case_no],
    )
    .await
}

#[derive(sqlx::FromRow)]
struct IdemRow {
    #[sqlx(flatten)]
    row: CaseRow,
    idem_digest: String,
}

/// The case filed with an idempotency key, and the digest of what it asked for.
pub async fn by_idem(c: &mut impl Conn, key: &str) -> Result<Option<(CaseRow, String)>> {
    let r: Option<IdemRow> = c
        .fetch_optional(
            &format!("SELECT {COLS}, idem_digest FROM cases WHERE idem_key = $1"),
            args![key],
        )
        .await?;
    Ok(r.map(|r| (r.row, r.idem_digest)))
}

/// Cases by id, for the sweep (open cases only).
pub async fn open_cases(c: &mut impl Conn, after_id: i64, limit: i64) -> Result<Vec<CaseRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM cases WHERE status IN ('handling', 'paused', 'special') AND id > $1 ORDER BY id LIMIT $2"
        ),
        args![after_id, limit],
    )
    .await
}

/// The next number of a daily sequence (1, 2, …), atomically.
pub async fn next_sequence(c: &mut impl Conn, prefix: &str) -> Result<i64> {
    next_sequences(c, prefix, 1).await
}

/// Takes the next `n` numbers of a daily sequence in one step, atomically; answers the last
/// (the numbers are `last - n + 1 ..= last`).
pub async fn next_sequences(c: &mut impl Conn, prefix: &str, n: i64) -> Result<i64> {
    let (last,): (i64,) = c
        .fetch_one(
            "INSERT INTO case_sequences (prefix, last_value) VALUES ($1, $2) \
             ON CONFLICT (prefix) DO UPDATE SET last_value = case_sequences.last_value + $2 RETURNING last_value",
            args![prefix, n],
        )
        .await?;
    Ok(last)
}

/// A new case; `idem_digest` is what it asked for when it came with an idempotency key.
pub async fn insert(c: &mut impl Conn, r: &CaseRow, idem_digest: &str) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO cases (case_no, item_id, item_code, item_version, item_name, department_id, division_code, case_type, channel, \
             applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, \
             contact_name, contact_phone_enc, contact_phone_idx, contact_phone_mask, person_id, org_id, submitted_by, form_enc, \
             status, notice_given, submitted_at, extension_days, warning, decision_opinion, delivery_ref, milestones, idem_key, revision, updated_at, idem_digest, bundle_no) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36) \
             RETURNING id",
            args![
                r.case_no.as_str(),
                r.item_id,
                r.item_code.as_str(),
                r.item_version,
                r.item_name.as_str(),
                r.department_id,
                r.division_code.as_str(),
                r.case_type.as_str(),
                r.channel.as_str(),
                r.applicant_type.as_str(),
                r.applicant_name.as_str(),
                r.applicant_cert_type.as_str(),
                r.applicant_cert_enc.as_str(),
                r.applicant_cert_idx.as_str(),
                r.applicant_cert_mask.as_str(),
                r.contact_name.as_str(),
                r.contact_phone_enc.as_str(),
                r.contact_phone_idx.as_str(),
                r.contact_phone_mask.as_str(),
                r.person_id,
                r.org_id,
                r.submitted_by.as_str(),
                r.form_enc.as_str(),
                r.status.as_str(),
                r.notice_given,
                r.submitted_at,
                r.extension_days,
                r.warning.as_str(),
                r.decision_opinion.as_str(),
                r.delivery_ref.as_str(),
                r.milestones.as_str(),
                r.idem_key.clone(),
                r.revision,
                r.updated_at,
                idem_digest,
                r.bundle_no.clone()
            ],
        )
        .await?;
    Ok(id)
}

/// Saves the changeable columns if nobody changed the case since `expected` (compare-and-set);
/// `false` when someone did.
pub async fn save(c: &mut impl Conn, r: &CaseRow, expected: i64) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE cases SET form_enc = $1, flow = $2, status = $3, notice_given = $4, accepted_at = $5, accept_date = $6, \
             promised_days = $7, statutory_days = $8, extension_days = $9, promised_due = $10, statutory_due = $11, warning = $12, \
             decision = $13, decision_opinion = $14, decided_at = $15, result_code = $16, concluded_at = $17, delivery_method = $18, \
             delivery_ref = $19, delivered_at = $20, milestones = $21, revision = $22, updated_at = $23 \
             WHERE id = $24 AND revision = $25",
            args![
                r.form_enc.as_str(),
                r.flow.clone(),
                r.status.as_str(),
                r.notice_given,
                r.accepted_at,
                r.accept_date,
                r.promised_days,
                r.statutory_days,
                r.extension_days,
                r.promised_due,
                r.statutory_due,
                r.warning.as_str(),
                r.decision.clone(),
                r.decision_opinion.as_str(),
                r.decided_at,
                r.result_code.clone(),
                r.concluded_at,
                r.delivery_method.clone(),
                r.delivery_ref.as_str(),
                r.delivered_at,
                r.milestones.as_str(),
                r.revision,
                r.updated_at,
                r.id,
                expected
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Updates only the clock columns (the sweep), and only while the case is still at the
/// `revision` the sweep read: no revision change, so it never races a clerk — and an action
/// committed between the sweep's read and this write (which set its own clock) is never
/// overwritten with dates computed from the older row. Whether it wrote.
pub async fn save_clock(
    c: &mut impl Conn,
    id: i64,
    revision: i64,
    promised_due: Option<Date>,
    statutory_due: Option<Date>,
    warning: &str,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE cases SET promised_due = $1, statutory_due = $2, warning = $3 WHERE id = $4 AND revision = $5",
            args![promised_due, statutory_due, warning, id, revision],
        )
        .await?;
    Ok(n == 1)
}

/// One new event (process data).
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub actor: String,
    pub actor_name: String,
    pub department_id: Option<i64>,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub step_code: String,
    pub step_name: String,
    pub opinion: String,
    pub data: serde_json::Value,
}

pub async fn next_event_seq(c: &mut impl Conn, case_id: i64) -> Result<i64> {
    let (n,): (Option<i64>,) = c
        .fetch_one(
            "SELECT MAX(seq) FROM case_events WHERE case_id = $1",
            args![case_id],
        )
        .await?;
    Ok(n.unwrap_or(0) + 1)
}

pub async fn insert_event(
    c: &mut impl Conn,
    case_id: i64,
    seq: i64,
    at: OffsetDateTime,
    e: &NewEvent,
) -> Result<()> {
    c.execute(
        "INSERT INTO case_events (case_id, seq, at, actor, actor_name, department_id, action, from_status, to_status, step_code, step_name, opinion, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        args![
            case_id,
            seq,
            at,
            e.actor.as_str(),
            e.actor_name.as_str(),
            e.department_id,
            e.action.as_str(),
            e.from_status.as_str(),
            e.to_status.as_str(),
            e.step_code.as_str(),
            e.step_name.as_str(),
            e.opinion.as_str(),
            e.data.to_string()
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: OffsetDateTime,
    actor: String,
    actor_name: String,
    action: String,
    from_status: String,
    to_status: String,
    step_code: String,
    step_name: String,
    opinion: String,
    data: String,
}

pub async fn events(c: &mut impl Conn, case_id: i64) -> Result<Vec<CaseEvent>> {
    let rows: Vec<EventRow> = c
        .fetch_all(
            "SELECT seq, at, actor, actor_name, action, from_status, to_status, step_code, step_name, opinion, data \
             FROM case_events WHERE case_id = $1 ORDER BY seq",
            args![case_id],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (zh, en) = crate::events::describe(&r.action);
            CaseEvent {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                actor_name: r.actor_name,
                action_zh: zh.to_string(),
                action_en: en.to_string(),
                action: r.action,
                from_status: r.from_status,
                to_status: r.to_status,
                step_code: r.step_code,
                step_name: r.step_name,
                opinion: r.opinion,
                data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            }
        })
        .collect())
}

/// A new material row.
#[derive(Debug, Clone)]
pub struct NewMaterial {
    pub entry: String,
    pub entry_name: String,
    pub file_name: String,
    pub sha: String,
    pub media_type: String,
    pub size: i64,
    pub source: &'static str,
    /// For `source = "licence"`: the licence type the entry accepts (`sha` holds the
    /// licence's identifier).
    pub licence_type: String,
    /// For `source = "data"`: where the fact that replaces the material comes from.
    pub provenance: Option<DataProvenance>,
}

/// Adds the files of a case in one statement (a case hands in at most 100 at once).
pub async fn insert_materials(
    c: &mut impl Conn,
    case_id: i64,
    ms: &[NewMaterial],
    at: OffsetDateTime,
    by: &str,
) -> Result<()> {
    if ms.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO case_materials (case_id, entry_key, entry_name, file_name, sha, media_type, size, source, added_at, added_by, provenance) VALUES ",
    );
    let mut values: Vec<Value> = Vec::with_capacity(ms.len() * 11);
    for (i, m) in ms.iter().enumerate() {
        let b = i * 11;
        if i > 0 {
            sql.push_str(", ");
        }
        let provenance = match &m.provenance {
            Some(p) => serde_json::to_string(p).map_err(Error::internal)?,
            None => String::new(),
        };
        let marks: Vec<String> = (1..=11).map(|k| format!("${}", b + k)).collect();
        sql.push_str(&format!("({})", marks.join(", ")));
        values.extend([
            Value::from(case_id),
            Value::from(m.entry.as_str()),
            Value::from(m.entry_name.as_str()),
            Value::from(m.file_name.as_str()),
            Value::from(m.sha.as_str()),
            Value::from(m.media_type.as_str()),
            Value::from(m.size),
            Value::from(m.source),
            Value::from(at),
            Value::from(by),
            Value::from(provenance),
        ]);
    }
    c.execute(&sql, &values).await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct MaterialRow {
    entry_key: String,
    entry_name: String,
    file_name: String,
    sha: String,
    media_type: String,
    size: i64,
    source: String,
    added_at: OffsetDateTime,
    provenance: String,
}

pub async fn materials(c: &mut impl Conn, case_id: i64) -> Result<Vec<CaseMaterial>> {
    let rows: Vec<MaterialRow> = c
        .fetch_all(
            "SELECT entry_key, entry_name, file_name, sha, media_type, size, source, added_at, \
             provenance FROM case_materials WHERE case_id = $1 ORDER BY id",
            args![case_id],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| CaseMaterial {
            entry: r.entry_key,
            entry_name: r.entry_name,
            file_name: r.file_name,
            sha: r.sha,
            media_type: r.media_type,
            size: r.size,
            source: r.source,
            added_at: r.added_at,
            // A provenance that no longer reads is shown as none rather than failing the case.
            provenance: serde_json::from_str(&r.provenance).ok(),
        })
        .collect())
}

pub async fn material_bytes(c: &mut impl Conn, case_id: i64) -> Result<i64> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast it back.
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM case_materials WHERE case_id = $1",
            args![case_id],
        )
        .await?;
    Ok(n)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PauseRow {
    pub id: i64,
    pub kind: String,
    pub special_type: String,
    pub name: String,
    pub reason: String,
    pub expected_days: i64,
    pub started_at: OffsetDateTime,
    pub start_date: Date,
    pub started_by: String,
    pub ended_at: Option<OffsetDateTime>,
    pub end_date: Option<Date>,
    pub ended_by: String,
    pub result: String,
    pub opinion: String,
}

impl PauseRow {
    pub fn view(&self) -> CasePause {
        CasePause {
            id: self.id,
            kind: self.kind.clone(),
            special_type: self.special_type.clone(),
            name: self.name.clone(),
            reason: self.reason.clone(),
            expected_days: self.expected_days,
            started_at: self.started_at,
            ended_at: self.ended_at,
            result: self.result.clone(),
            opinion: self.opinion.clone(),
        }
    }
}

pub async fn pauses(c: &mut impl Conn, case_id: i64) -> Result<Vec<PauseRow>> {
    c.fetch_all(
        "SELECT id, kind, special_type, name, reason, expected_days, started_at, start_date, started_by, ended_at, end_date, ended_by, result, opinion \
         FROM case_pauses WHERE case_id = $1 ORDER BY id",
        args![case_id],
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn open_pause(
    c: &mut impl Conn,
    case_id: i64,
    kind: &str,
    special_type: &str,
    name: &str,
    reason: &str,
    expected_days: i64,
    at: OffsetDateTime,
    date: Date,
    by: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO case_pauses (case_id, kind, special_type, name, reason, expected_days, started_at, start_date, started_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![case_id, kind, special_type, name, reason, expected_days, at, date, by],
    )
    .await?;
    Ok(())
}

pub async fn close_pause(
    c: &mut impl Conn,
    id: i64,
    at: OffsetDateTime,
    date: Date,
    by: &str,
    result: &str,
    opinion: &str,
) -> Result<()> {
    c.execute(
        "UPDATE case_pauses SET ended_at = $1, end_date = $2, ended_by = $3, result = $4, opinion = $5 WHERE id = $6 AND ended_at IS NULL",
        args![at, date, by, result, opinion, id],
    )
    .await?;
    Ok(())
}

/// One open piece of work (the inbox).
#[derive(Debug, Clone)]
pub struct Task {
    pub step_code: String,
    pub step_name: String,
    pub officer_id: Option<i64>,
    pub department_id: i64,
    pub role: String,
    pub since: OffsetDateTime,
}

pub async fn replace_tasks(c: &mut impl Conn, case_id: i64, tasks: &[Task]) -> Result<()> {
    c.execute("DELETE FROM case_tasks WHERE case_id = $1", args![case_id])
        .await?;
    for t in tasks {
        c.execute(
            "INSERT INTO case_tasks (case_id, step_code, step_name, officer_id, department_id, role, since) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                case_id,
                t.step_code.as_str(),
                t.step_name.as_str(),
                t.officer_id,
                t.department_id,
                t.role.as_str(),
                t.since
            ],
        )
        .await?;
    }
    Ok(())
}

/// What the public progress query reads of a case.
#[derive(Debug, sqlx::FromRow)]
pub struct ProgressRow {
    pub case_no: String,
    pub item_name: String,
    pub status: String,
    pub submitted_at: OffsetDateTime,
    pub promised_due: Option<Date>,
    pub result_code: Option<String>,
    pub milestones: String,
    pub applicant_cert_idx: String,
    pub contact_phone_idx: String,
}

pub async fn progress_row(c: &mut impl Conn, case_no: &str) -> Result<Option<ProgressRow>> {
    c.fetch_optional(
        "SELECT case_no, item_name, status, submitted_at, promised_due, result_code, milestones, applicant_cert_idx, contact_phone_idx \
         FROM cases WHERE case_no = $1",
        args![case_no],
    )
    .await
}

/// Forgets failed progress queries older than the window (every key at once).
pub async fn forget_progress_failures(c: &mut impl Conn, until: OffsetDateTime) -> Result<()> {
    c.execute("DELETE FROM progress_attempts WHERE at <= $1", args![until])
        .await?;
    Ok(())
}

pub async fn add_progress_failure(c: &mut impl Conn, key: &str, at: OffsetDateTime) -> Result<()> {
    c.execute(
        "INSERT INTO progress_attempts (throttle_key, at) VALUES ($1, $2)",
        args![key, at],
    )
    .await?;
    Ok(())
}

pub async fn progress_failures(c: &mut impl Conn, key: &str, since: OffsetDateTime) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM progress_attempts WHERE throttle_key = $1 AND at > $2",
            args![key, since],
        )
        .await?;
    Ok(n)
}

/// The time of the `n`-th newest failure under `key` since `since` (0: the newest).
pub async fn nth_newest_progress_failure(
    c: &mut impl Conn,
    key: &str,
    since: OffsetDateTime,
    n: i64,
) -> Result<Option<OffsetDateTime>> {
    let row: Option<(OffsetDateTime,)> = c
        .fetch_optional(
            "SELECT at FROM progress_attempts WHERE throttle_key = $1 AND at > $2 ORDER BY at DESC, id DESC LIMIT 1 OFFSET $3",
            args![key, since, n.max(0)],
        )
        .await?;
    Ok(row.map(|r| r.0))
}
