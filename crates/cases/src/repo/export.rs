//! What the process-data export reads: the cases accepted, the workflow actions, the special
//! procedures, the conclusions and the material files of a period, within a scope.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Scope;
use yiwang_store::{Conn, Sql, args, like_prefix};

use super::CaseRow;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ProcessRow {
    pub(crate) case_no: String,
    pub(crate) seq: i64,
    pub(crate) at: OffsetDateTime,
    pub(crate) actor_name: String,
    pub(crate) action: String,
    pub(crate) step_name: String,
    pub(crate) opinion: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SpecialRow {
    pub(crate) case_no: String,
    pub(crate) id: i64,
    pub(crate) special_type: String,
    pub(crate) name: String,
    pub(crate) reason: String,
    pub(crate) started_at: OffsetDateTime,
    pub(crate) started_by: String,
    pub(crate) ended_at: Option<OffsetDateTime>,
    pub(crate) ended_by: String,
    pub(crate) result: String,
    pub(crate) opinion: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MaterialRow {
    pub(crate) case_no: String,
    pub(crate) id: i64,
    pub(crate) entry_name: String,
    pub(crate) file_name: String,
    pub(crate) source: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ResultRow {
    pub(crate) case_no: String,
    pub(crate) concluded_at: Option<OffsetDateTime>,
    pub(crate) result_code: Option<String>,
    pub(crate) decision_opinion: String,
    pub(crate) delivery_method: Option<String>,
    pub(crate) handler: Option<String>,
    pub(crate) satisfaction: Option<i64>,
}

/// Appends the scope's condition on `c` (cases).
fn scoped(sql: &mut Sql, scope: &Scope) {
    match scope {
        Scope::Department(d) => {
            sql.cond(" AND c.department_id = ?", [*d]);
        }
        Scope::Division(d) => {
            sql.cond(
                " AND c.division_code LIKE ? ESCAPE '\\'",
                [like_prefix(d.prefix())],
            );
        }
        Scope::Everything => {}
        Scope::Nothing => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// Cases accepted in `[lo, hi)`.
pub(crate) async fn accepted(
    c: &mut impl Conn,
    lo: OffsetDateTime,
    hi: OffsetDateTime,
    scope: &Scope,
) -> Result<Vec<CaseRow>> {
    let cols = "c.id, c.case_no, c.item_id, c.item_code, c.item_version, c.item_name, c.department_id, c.division_code, c.case_type, c.channel, \
        c.applicant_type, c.applicant_name, c.applicant_cert_type, c.applicant_cert_enc, c.applicant_cert_idx, c.applicant_cert_mask, \
        c.contact_name, c.contact_phone_enc, c.contact_phone_idx, c.contact_phone_mask, c.person_id, c.org_id, c.submitted_by, c.form_enc, c.flow, \
        c.status, c.notice_given, c.submitted_at, c.accepted_at, c.accept_date, c.promised_days, c.statutory_days, c.extension_days, c.promised_due, \
        c.statutory_due, c.warning, c.decision, c.decision_opinion, c.decided_at, c.result_code, c.concluded_at, c.delivery_method, c.delivery_ref, \
        c.delivered_at, c.milestones, c.idem_key, c.revision, c.updated_at, c.bundle_no";
    let mut sql = Sql::new(&format!(
        "SELECT {cols} FROM cases c WHERE c.accepted_at >= "
    ));
    sql.bind(lo);
    sql.push(" AND c.accepted_at < ");
    sql.bind(hi);
    scoped(&mut sql, scope);
    sql.push(" ORDER BY c.accepted_at, c.id");
    c.fetch_all(&sql.text, &sql.args).await
}

/// Workflow actions taken in `[lo, hi)`.
pub(crate) async fn steps(
    c: &mut impl Conn,
    lo: OffsetDateTime,
    hi: OffsetDateTime,
    scope: &Scope,
) -> Result<Vec<ProcessRow>> {
    let mut sql = Sql::new(
        "SELECT c.case_no, e.seq, e.at, e.actor_name, e.action, e.step_name, e.opinion FROM case_events e \
         JOIN cases c ON c.id = e.case_id WHERE e.action IN ('wf.approved', 'wf.returned', 'wf.refused', 'wf.auto_decided', 'wf.transferred', 'wf.delegated', 'wf.reported', 'wf.supplement_requested') AND e.at >= ",
    );
    sql.bind(lo);
    sql.push(" AND e.at < ");
    sql.bind(hi);
    scoped(&mut sql, scope);
    sql.push(" ORDER BY e.at, e.id");
    c.fetch_all(&sql.text, &sql.args).await
}

/// Special procedures started or ended in `[lo, hi)`.
pub(crate) async fn specials(
    c: &mut impl Conn,
    lo: OffsetDateTime,
    hi: OffsetDateTime,
    scope: &Scope,
) -> Result<Vec<SpecialRow>> {
    let mut sql = Sql::new(
        "SELECT c.case_no, p.id, p.special_type, p.name, p.reason, p.started_at, p.started_by, p.ended_at, p.ended_by, p.result, p.opinion \
         FROM case_pauses p JOIN cases c ON c.id = p.case_id WHERE p.kind = 'special' AND ((p.started_at >= ",
    );
    sql.bind(lo);
    sql.push(" AND p.started_at < ");
    sql.bind(hi);
    sql.push(") OR (p.ended_at >= ");
    sql.bind(lo);
    sql.push(" AND p.ended_at < ");
    sql.bind(hi);
    sql.push("))");
    scoped(&mut sql, scope);
    sql.push(" ORDER BY p.started_at, p.id");
    c.fetch_all(&sql.text, &sql.args).await
}

/// Cases concluded in `[lo, hi)`, with who concluded them and the rating.
pub(crate) async fn results(
    c: &mut impl Conn,
    lo: OffsetDateTime,
    hi: OffsetDateTime,
    scope: &Scope,
) -> Result<Vec<ResultRow>> {
    let mut sql = Sql::new(
        "SELECT c.case_no, c.concluded_at, c.result_code, c.decision_opinion, c.delivery_method, \
         (SELECT e.actor_name FROM case_events e WHERE e.case_id = c.id AND e.action IN ('concluded', 'withdrawn') ORDER BY e.seq DESC LIMIT 1) AS handler, \
         (SELECT MIN(6 - r.level) FROM ratings r WHERE r.case_id = c.id AND r.service = 'conclude' AND r.excluded = FALSE) AS satisfaction \
         FROM cases c WHERE c.result_code IS NOT NULL AND c.concluded_at >= ",
    );
    sql.bind(lo);
    sql.push(" AND c.concluded_at < ");
    sql.bind(hi);
    scoped(&mut sql, scope);
    sql.push(" ORDER BY c.concluded_at, c.id");
    c.fetch_all(&sql.text, &sql.args).await
}

/// Material files of accepted cases: with an acceptance in `[lo, hi)` when they came before
/// it, when added in `[lo, hi)` otherwise.
pub(crate) async fn materials(
    c: &mut impl Conn,
    lo: OffsetDateTime,
    hi: OffsetDateTime,
    scope: &Scope,
) -> Result<Vec<MaterialRow>> {
    let mut sql = Sql::new(
        "SELECT c.case_no, m.id, m.entry_name, m.file_name, m.source FROM case_materials m \
         JOIN cases c ON c.id = m.case_id WHERE c.accepted_at IS NOT NULL AND ((m.added_at < c.accepted_at AND c.accepted_at >= ",
    );
    sql.bind(lo);
    sql.push(" AND c.accepted_at < ");
    sql.bind(hi);
    sql.push(") OR (m.added_at >= c.accepted_at AND m.added_at >= ");
    sql.bind(lo);
    sql.push(" AND m.added_at < ");
    sql.bind(hi);
    sql.push("))");
    scoped(&mut sql, scope);
    sql.push(" ORDER BY c.accepted_at, c.id, m.id");
    c.fetch_all(&sql.text, &sql.args).await
}

/// Who accepted the case.
pub(crate) async fn accept_user(c: &mut impl Conn, case_id: i64) -> Result<String> {
    let row: Option<(String,)> = c
        .fetch_optional(
            "SELECT actor_name FROM case_events WHERE case_id = $1 AND action = 'accepted' ORDER BY seq LIMIT 1",
            args![case_id],
        )
        .await?;
    Ok(row.map(|r| r.0).unwrap_or_default())
}
