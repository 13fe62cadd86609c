//! The flow record (`appeal_events`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, Value, args};

/// One event as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub appeal_id: i64,
    pub kind: String,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub to_grid_id: Option<i64>,
    pub to_department_id: Option<i64>,
    pub to_user_id: Option<i64>,
    pub text: String,
    pub data: String,
    pub at: OffsetDateTime,
}

/// An event to record.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub actor: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub to_grid_id: Option<i64>,
    pub to_department_id: Option<i64>,
    pub to_user_id: Option<i64>,
    pub text: &'a str,
    pub data: String,
}

pub async fn insert(
    c: &mut impl Conn,
    appeal_id: i64,
    e: &NewEvent<'_>,
    at: OffsetDateTime,
) -> Result<i64> {
    let data = if e.data.is_empty() {
        "{}"
    } else {
        e.data.as_str()
    };
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO appeal_events (appeal_id, kind, actor, from_status, to_status, \
             to_grid_id, to_department_id, to_user_id, text, data, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            args![
                appeal_id,
                e.kind,
                e.actor,
                e.from_status,
                e.to_status,
                e.to_grid_id,
                e.to_department_id,
                e.to_user_id,
                e.text,
                data,
                at,
            ],
        )
        .await?;
    Ok(id)
}

/// Events per multi-row `INSERT` (11 binds a row).
const INSERT_ROWS: usize = 32;

/// Inserts `events` — each with its order's id and time — several per statement (new orders'
/// `create` and `dispatch`, written together).
pub async fn insert_all(
    c: &mut impl Conn,
    events: &[(i64, &NewEvent<'_>, OffsetDateTime)],
) -> Result<()> {
    for chunk in events.chunks(INSERT_ROWS) {
        let mut q = Sql::new(
            "INSERT INTO appeal_events (appeal_id, kind, actor, from_status, to_status, \
             to_grid_id, to_department_id, to_user_id, text, data, at) VALUES ",
        );
        for (i, (appeal_id, e, at)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            let data = if e.data.is_empty() {
                "{}"
            } else {
                e.data.as_str()
            };
            q.list([
                Value::from(*appeal_id),
                Value::from(e.kind),
                Value::from(e.actor),
                Value::from(e.from_status),
                Value::from(e.to_status),
                Value::from(e.to_grid_id),
                Value::from(e.to_department_id),
                Value::from(e.to_user_id),
                Value::from(e.text),
                Value::from(data),
                Value::from(*at),
            ]);
        }
        c.execute(&q.text, &q.args).await?;
    }
    Ok(())
}

/// An order's events, oldest first.
pub async fn of(c: &mut impl Conn, appeal_id: i64) -> Result<Vec<EventRow>> {
    c.fetch_all(
        "SELECT id, appeal_id, kind, actor, from_status, to_status, to_grid_id, \
         to_department_id, to_user_id, text, data, at FROM appeal_events \
         WHERE appeal_id = $1 ORDER BY id",
        args![appeal_id],
    )
    .await
}

/// When the order last had an event of `kind` (e.g. `reopen`), if ever.
pub async fn last_at(
    c: &mut impl Conn,
    appeal_id: i64,
    kind: &str,
) -> Result<Option<OffsetDateTime>> {
    let row: Option<(OffsetDateTime,)> = c
        .fetch_optional(
            "SELECT at FROM appeal_events WHERE appeal_id = $1 AND kind = $2 \
             ORDER BY id DESC LIMIT 1",
            args![appeal_id, kind],
        )
        .await?;
    Ok(row.map(|(at,)| at))
}
