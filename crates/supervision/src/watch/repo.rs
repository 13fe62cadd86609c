//! SQL of electronic supervision (migration 0030): `monitor_rules`, `watch_warnings`,
//! `watch_warning_notes`, `watch_state`. One SQL text for both backends; only this module
//! touches these tables.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Scope;
use yiwang_store::{Conn, Sql, args, like_prefix};

use super::model::WarningFilter;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub params: String,
    pub severity: String,
    pub active: bool,
    pub updated_by: String,
    pub updated_at: Option<OffsetDateTime>,
}

const RULE_COLS: &str =
    "code, name_zh, name_en, kind, params, severity, active, updated_by, updated_at";

pub async fn rules(c: &mut impl Conn) -> Result<Vec<RuleRow>> {
    c.fetch_all(
        &format!("SELECT {RULE_COLS} FROM monitor_rules ORDER BY code"),
        args![],
    )
    .await
}

pub async fn rule(c: &mut impl Conn, code: &str) -> Result<Option<RuleRow>> {
    c.fetch_optional(
        &format!("SELECT {RULE_COLS} FROM monitor_rules WHERE code = $1"),
        args![code],
    )
    .await
}

pub async fn upsert_rule(c: &mut impl Conn, r: &RuleRow) -> Result<()> {
    c.execute(
        "INSERT INTO monitor_rules (code, name_zh, name_en, kind, params, severity, active, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (code) DO UPDATE SET name_zh = $2, name_en = $3, kind = $4, params = $5, \
         severity = $6, active = $7, updated_by = $8, updated_at = $9",
        args![
            &r.code,
            &r.name_zh,
            &r.name_en,
            &r.kind,
            &r.params,
            &r.severity,
            r.active,
            &r.updated_by,
            r.updated_at
        ],
    )
    .await?;
    Ok(())
}

/// A counter of `watch_state` (the scan's cursor, the daily warning numbers).
pub async fn state(c: &mut impl Conn, name: &str) -> Result<i64> {
    let r: Option<(i64,)> = c
        .fetch_optional("SELECT value FROM watch_state WHERE name = $1", args![name])
        .await?;
    Ok(r.map(|r| r.0).unwrap_or(0))
}

pub async fn set_state(c: &mut impl Conn, name: &str, value: i64) -> Result<()> {
    c.execute(
        "INSERT INTO watch_state (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = $2",
        args![name, value],
    )
    .await?;
    Ok(())
}

/// Adds one to counter `name` and answers the new value.
pub async fn next(c: &mut impl Conn, name: &str) -> Result<i64> {
    let (v,): (i64,) = c
        .fetch_one(
            "INSERT INTO watch_state (name, value) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = watch_state.value + 1 RETURNING value",
            args![name],
        )
        .await?;
    Ok(v)
}

/// Whether the warning (rule, case, subject) exists.
pub async fn exists(c: &mut impl Conn, rule: &str, case_no: &str, subject: &str) -> Result<bool> {
    let r: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM watch_warnings WHERE rule_code = $1 AND case_no = $2 AND subject = $3",
            args![rule, case_no, subject],
        )
        .await?;
    Ok(r.is_some())
}

/// A new warning.
#[derive(Debug, Clone)]
pub struct NewWarning {
    pub warning_no: String,
    pub rule_code: String,
    pub case_no: String,
    pub subject: String,
    pub department_id: i64,
    pub division_code: String,
    pub item_code: String,
    pub item_name: String,
    pub case_type: String,
    pub level: i64,
    pub raised_at: OffsetDateTime,
    pub detected_at: OffsetDateTime,
    pub description: String,
}

pub async fn insert(c: &mut impl Conn, w: &NewWarning) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO watch_warnings (warning_no, rule_code, case_no, subject, department_id, \
             division_code, item_code, item_name, case_type, level, raised_at, detected_at, description) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            args![
                &w.warning_no,
                &w.rule_code,
                &w.case_no,
                &w.subject,
                w.department_id,
                &w.division_code,
                &w.item_code,
                &w.item_name,
                &w.case_type,
                w.level,
                w.raised_at,
                w.detected_at,
                &w.description
            ],
        )
        .await?;
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WarningRow {
    pub id: i64,
    pub warning_no: String,
    pub rule_code: String,
    pub case_no: String,
    pub subject: String,
    pub department_id: i64,
    pub division_code: String,
    pub item_code: String,
    pub item_name: String,
    pub case_type: String,
    pub level: i64,
    pub raised_at: OffsetDateTime,
    pub detected_at: OffsetDateTime,
    pub description: String,
    pub status: String,
    pub handler_id: Option<i64>,
    pub handler_name: String,
    pub taken_at: Option<OffsetDateTime>,
    pub directive: String,
    pub directive_at: Option<OffsetDateTime>,
    pub outcome: Option<String>,
    pub conclusion: String,
    pub concluded_at: Option<OffsetDateTime>,
    pub revision: i64,
}

const COLS: &str = "id, warning_no, rule_code, case_no, subject, department_id, division_code, \
    item_code, item_name, case_type, level, raised_at, detected_at, description, status, handler_id, \
    handler_name, taken_at, directive, directive_at, outcome, conclusion, concluded_at, revision";

pub async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<WarningRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM watch_warnings WHERE id = $1"),
        args![id],
    )
    .await
}

fn filtered(base: &str, scope: &Scope, f: &WarningFilter) -> Sql {
    let mut q = Sql::new(base);
    q.push(" WHERE ");
    match scope {
        Scope::Nothing => {
            q.push("1 = 0");
        }
        Scope::Department(d) => {
            q.cond("department_id = ?", [*d]);
        }
        Scope::Division(d) => {
            q.cond(
                "division_code LIKE ? ESCAPE '\\'",
                [like_prefix(d.prefix())],
            );
        }
        Scope::Everything => {
            q.push("1 = 1");
        }
    }
    if let Some(r) = f.rule.as_deref().filter(|s| !s.is_empty()) {
        q.cond(" AND rule_code = ?", [r]);
    }
    match f.colour.as_deref() {
        Some("yellow") => {
            q.push(" AND level = 1");
        }
        Some("red") => {
            q.push(" AND level = 2");
        }
        _ => {}
    }
    match f.status.as_deref() {
        Some("unconcluded") => {
            q.push(" AND status <> 'concluded'");
        }
        Some(s @ ("open" | "handling" | "concluded")) => {
            q.cond(" AND status = ?", [s]);
        }
        _ => {}
    }
    if let Some(d) = f.department_id {
        q.cond(" AND department_id = ?", [d]);
    }
    if let Some(n) = f.case_no.as_deref().filter(|s| !s.is_empty()) {
        q.cond(" AND case_no = ?", [n.trim()]);
    }
    q
}

/// One page of the warnings in `scope` matching `f`, newest first, and how many match.
pub async fn list(
    c: &mut impl Conn,
    scope: &Scope,
    f: &WarningFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<WarningRow>, i64)> {
    let q = filtered("SELECT COUNT(*) FROM watch_warnings", scope, f);
    let (total,): (i64,) = c.fetch_one(&q.text, &q.args).await?;
    let mut q = filtered(&format!("SELECT {COLS} FROM watch_warnings"), scope, f);
    q.cond(
        " ORDER BY raised_at DESC, id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    );
    let rows = c.fetch_all(&q.text, &q.args).await?;
    Ok((rows, total))
}

/// Saves the handling fields with compare-and-set on the revision; false when it moved.
pub async fn save(c: &mut impl Conn, r: &WarningRow, expected: i64) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE watch_warnings SET status = $1, handler_id = $2, handler_name = $3, taken_at = $4, \
             directive = $5, directive_at = $6, outcome = $7, conclusion = $8, concluded_at = $9, \
             revision = $10 WHERE id = $11 AND revision = $12",
            args![
                &r.status,
                r.handler_id,
                &r.handler_name,
                r.taken_at,
                &r.directive,
                r.directive_at,
                r.outcome.as_deref(),
                &r.conclusion,
                r.concluded_at,
                r.revision,
                r.id,
                expected
            ],
        )
        .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_name: String,
    pub kind: String,
    pub text: String,
}

pub async fn add_note(c: &mut impl Conn, warning_id: i64, n: &NoteRow) -> Result<()> {
    c.execute(
        "INSERT INTO watch_warning_notes (warning_id, at, actor, actor_name, kind, text) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![warning_id, n.at, &n.actor, &n.actor_name, &n.kind, &n.text],
    )
    .await?;
    Ok(())
}

pub async fn notes(c: &mut impl Conn, warning_id: i64) -> Result<Vec<NoteRow>> {
    c.fetch_all(
        "SELECT at, actor, actor_name, kind, text FROM watch_warning_notes WHERE warning_id = $1 ORDER BY id",
        args![warning_id],
    )
    .await
}

/// Warnings not yet concluded, by colour level, in `scope` (start pages and the bulletin).
pub async fn open_counts(c: &mut impl Conn, scope: &Scope) -> Result<Vec<(i64, i64)>> {
    let f = WarningFilter {
        status: Some("unconcluded".into()),
        ..WarningFilter::default()
    };
    let mut q = filtered("SELECT level, COUNT(*) FROM watch_warnings", scope, &f);
    q.push(" GROUP BY level ORDER BY level");
    c.fetch_all(&q.text, &q.args).await
}

/// Per rule, the warnings raised and the warnings concluded in `[from, to)` within `scope`
/// (the bulletin): `(rule_code, raised, handled)`.
pub async fn period_counts(
    c: &mut impl Conn,
    scope: &crate::kpi::Scope,
    from: time::OffsetDateTime,
    to: time::OffsetDateTime,
) -> Result<Vec<(String, i64, i64)>> {
    let mut q = Sql::new("SELECT rule_code, ");
    q.cond(
        "SUM(CASE WHEN raised_at >= ? AND raised_at < ? THEN 1 ELSE 0 END), \
         SUM(CASE WHEN concluded_at >= ? AND concluded_at < ? THEN 1 ELSE 0 END) \
         FROM watch_warnings WHERE ((raised_at >= ? AND raised_at < ?) \
         OR (concluded_at >= ? AND concluded_at < ?))",
        [from, to, from, to, from, to, from, to],
    );
    match scope {
        crate::kpi::Scope::Department(d) => {
            q.cond(" AND department_id = ?", [*d]);
        }
        crate::kpi::Scope::Division(d) => {
            q.cond(
                " AND division_code LIKE ? ESCAPE '\\'",
                [like_prefix(d.prefix())],
            );
        }
    }
    q.push(" GROUP BY rule_code ORDER BY rule_code");
    let rows: Vec<(String, i64, i64)> = c.fetch_all(&q.text, &q.args).await?;
    Ok(rows)
}
