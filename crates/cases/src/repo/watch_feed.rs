//! The process data as electronic supervision reads it (`CaseService::watch_feed`): events
//! after a cursor with their case's facts, and open cases with a deadline warning.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// One event joined with its case and the counts the monitoring rules need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedRow {
    pub event_id: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    pub data: String,
    pub case_id: i64,
    pub case_no: String,
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub department_id: i64,
    pub division_code: String,
    pub case_type: String,
    pub applicant_type: String,
    pub applicant_name: String,
    pub form_enc: String,
    pub accepted_at: Option<OffsetDateTime>,
    pub warning: String,
    pub materials: i64,
    pub returns: i64,
}

/// The actions counted as a return or a request for supplements (退回 / 补正).
pub const RETURN_ACTIONS: &[&str] = &[
    "supplement_requested",
    "wf.returned",
    "wf.supplement_requested",
];

/// Up to `limit` events with id greater than `after`, in id order.
pub async fn events_after(c: &mut impl Conn, after: i64, limit: i64) -> Result<Vec<FeedRow>> {
    c.fetch_all(
        "SELECT e.id AS event_id, e.at, e.actor, e.actor_name, e.action, e.data, \
         c.id AS case_id, c.case_no, c.item_code, c.item_version, c.item_name, c.department_id, \
         c.division_code, c.case_type, c.applicant_type, c.applicant_name, c.form_enc, \
         c.accepted_at, c.warning, \
         (SELECT COUNT(*) FROM case_materials m WHERE m.case_id = c.id) AS materials, \
         (SELECT COUNT(*) FROM case_events r WHERE r.case_id = c.id AND r.id <= e.id \
           AND r.action IN ($3, $4, $5)) AS returns \
         FROM case_events e JOIN cases c ON c.id = e.case_id \
         WHERE e.id > $1 ORDER BY e.id LIMIT $2",
        args![
            after,
            limit,
            RETURN_ACTIONS[0],
            RETURN_ACTIONS[1],
            RETURN_ACTIONS[2]
        ],
    )
    .await
}

/// An open case whose clock shows a warning colour.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverdueRow {
    pub id: i64,
    pub case_no: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub division_code: String,
    pub case_type: String,
    pub warning: String,
    pub promised_due: Option<time::Date>,
    pub statutory_due: Option<time::Date>,
    pub updated_at: OffsetDateTime,
}

/// Up to `limit` open cases with a yellow or red warning and id greater than `after`.
pub async fn overdue_after(c: &mut impl Conn, after: i64, limit: i64) -> Result<Vec<OverdueRow>> {
    c.fetch_all(
        "SELECT id, case_no, item_code, item_name, department_id, division_code, case_type, \
         warning, promised_due, statutory_due, updated_at FROM cases \
         WHERE status IN ('handling', 'paused', 'special') AND warning IN ('yellow', 'red') \
         AND id > $1 ORDER BY id LIMIT $2",
        args![after, limit],
    )
    .await
}
