//! Sharing requests (`exchange_requests`) and the few catalog and grant figures the sharing
//! statistics count. Written only by the sharing module (`crate::sharing`).

use time::{Date, OffsetDateTime};
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Value, args};

/// A sharing request as stored, with its resource's code and name (from the version the
/// consumer saw).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub resource_version: i64,
    pub provider_department_id: i64,
    pub consumer_department_id: i64,
    pub share_type: String,
    pub fields: String,
    pub purpose: String,
    pub scenario: String,
    pub legal_basis: String,
    pub service_items: String,
    pub period_from: Date,
    pub period_to: Date,
    pub state: String,
    pub submitted_at: OffsetDateTime,
    pub submitted_by: String,
    pub due_date: Date,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
    pub decision_days: Option<i64>,
    pub reason: String,
    pub grant_id: Option<i64>,
    pub revision: i64,
}

impl RequestRow {
    pub fn field_names(&self) -> Result<Vec<String>> {
        json_list(&self.fields)
    }
    pub fn service_item_codes(&self) -> Result<Vec<String>> {
        json_list(&self.service_items)
    }
}

fn json_list(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| Error::internal(format!("exchange request list: {e}")))
}

/// What a new request holds.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub resource_id: i64,
    pub resource_version: i64,
    pub provider_department_id: i64,
    pub consumer_department_id: i64,
    pub share_type: &'a str,
    pub fields: &'a [String],
    pub purpose: &'a str,
    pub scenario: &'a str,
    pub legal_basis: &'a str,
    pub service_items: &'a [String],
    pub period_from: Date,
    pub period_to: Date,
    pub due_date: Date,
}

const COLS: &str = "q.id, q.resource_id, r.code AS resource_code, v.name AS resource_name, q.resource_version, \
    q.provider_department_id, q.consumer_department_id, q.share_type, q.fields, q.purpose, q.scenario, q.legal_basis, \
    q.service_items, q.period_from, q.period_to, q.state, q.submitted_at, q.submitted_by, q.due_date, q.decided_at, \
    q.decided_by, q.decision_days, q.reason, q.grant_id, q.revision";

const FROM: &str = "FROM exchange_requests q JOIN exchange_resources r ON r.id = q.resource_id \
    JOIN exchange_resource_versions v ON v.resource_id = q.resource_id AND v.version = q.resource_version";

fn to_json(list: &[String]) -> Result<String> {
    serde_json::to_string(list).map_err(|e| Error::internal(format!("exchange request list: {e}")))
}

/// Inserts a submitted request; returns its id.
pub async fn insert(
    c: &mut impl Conn,
    q: &NewRequest<'_>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO exchange_requests (resource_id, resource_version, provider_department_id, consumer_department_id, share_type, fields, purpose, scenario, legal_basis, service_items, period_from, period_to, state, submitted_at, submitted_by, due_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'submitted', $13, $14, $15) RETURNING id",
            args![q.resource_id, q.resource_version, q.provider_department_id, q.consumer_department_id, q.share_type, to_json(q.fields)?, q.purpose, q.scenario, q.legal_basis, to_json(q.service_items)?, q.period_from, q.period_to, now, actor, q.due_date],
        )
        .await?;
    Ok(id)
}

pub async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<RequestRow>> {
    c.fetch_optional(&format!("SELECT {COLS} {FROM} WHERE q.id = $1"), args![id])
        .await
}

/// Whether the consumer has an undecided request for the resource.
pub async fn pending_exists(c: &mut impl Conn, consumer: i64, resource_id: i64) -> Result<bool> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM exchange_requests WHERE consumer_department_id = $1 AND resource_id = $2 AND state = 'submitted' LIMIT 1",
            args![consumer, resource_id],
        )
        .await?;
    Ok(row.is_some())
}

/// Records a decision (granted, refused or withdrawn) on a submitted request at `revision`;
/// false when it was decided meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    c: &mut impl Conn,
    id: i64,
    state: &str,
    actor: &str,
    now: OffsetDateTime,
    days: i64,
    reason: &str,
    grant_id: Option<i64>,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE exchange_requests SET state = $1, decided_at = $2, decided_by = $3, decision_days = $4, reason = $5, grant_id = $6, revision = revision + 1 \
             WHERE id = $7 AND state = 'submitted'",
            args![state, now, actor, days, reason, grant_id, id],
        )
        .await?;
    Ok(n == 1)
}

/// Which requests a list selects. Department lists are `OR`ed: a department sees what it made
/// (`consumers`) or received (`providers`).
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub consumers: Option<Vec<i64>>,
    pub providers: Option<Vec<i64>>,
    /// Only requests in this state.
    pub state: Option<String>,
    /// Submitted on or after / before these instants.
    pub submitted_from: Option<OffsetDateTime>,
    pub submitted_before: Option<OffsetDateTime>,
}

/// The requests `f` selects, newest first, at most `limit`.
pub async fn list(c: &mut impl Conn, f: &RequestFilter, limit: i64) -> Result<Vec<RequestRow>> {
    let mut sql = format!("SELECT {COLS} {FROM} WHERE 1 = 1");
    let mut binds: Vec<Value> = Vec::new();
    let mut push = |v: Value| {
        binds.push(v);
        format!("${}", binds.len())
    };
    let mut sides = Vec::new();
    for (col, ids) in [
        ("q.consumer_department_id", &f.consumers),
        ("q.provider_department_id", &f.providers),
    ] {
        if let Some(ids) = ids {
            if ids.is_empty() {
                sides.push("1 = 0".to_string());
                continue;
            }
            let marks: Vec<String> = ids.iter().map(|i| push((*i).into())).collect();
            sides.push(format!("{col} IN ({})", marks.join(", ")));
        }
    }
    if !sides.is_empty() {
        sql.push_str(&format!(" AND ({})", sides.join(" OR ")));
    }
    if let Some(s) = &f.state {
        let m = push(s.clone().into());
        sql.push_str(&format!(" AND q.state = {m}"));
    }
    if let Some(t) = f.submitted_from {
        let m = push(t.into());
        sql.push_str(&format!(" AND q.submitted_at >= {m}"));
    }
    if let Some(t) = f.submitted_before {
        let m = push(t.into());
        sql.push_str(&format!(" AND q.submitted_at < {m}"));
    }
    let m = push(limit.into());
    sql.push_str(&format!(" ORDER BY q.id DESC LIMIT {m}"));
    c.fetch_all(&sql, &binds).await
}

/// Requests of a department (as provider `received`, else as consumer) submitted in
/// `[from, before)` or decided in it, for the statistics.
pub async fn for_stats(
    c: &mut impl Conn,
    department_id: i64,
    received: bool,
    from: OffsetDateTime,
    before: OffsetDateTime,
) -> Result<Vec<RequestRow>> {
    let col = if received {
        "q.provider_department_id"
    } else {
        "q.consumer_department_id"
    };
    c.fetch_all(
        &format!(
            "SELECT {COLS} {FROM} WHERE {col} = $1 AND ((q.submitted_at >= $2 AND q.submitted_at < $3) OR (q.decided_at >= $2 AND q.decided_at < $3)) ORDER BY q.id"
        ),
        args![department_id, from, before],
    )
    .await
}

/// Undecided requests whose provider is one of `providers` (all when `None`), oldest first.
pub async fn undecided(c: &mut impl Conn, providers: Option<&[i64]>) -> Result<Vec<RequestRow>> {
    let mut sql = format!("SELECT {COLS} {FROM} WHERE q.state = 'submitted'");
    let mut binds: Vec<Value> = Vec::new();
    if let Some(ids) = providers {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = ids
            .iter()
            .map(|i| {
                binds.push((*i).into());
                format!("${}", binds.len())
            })
            .collect();
        sql.push_str(&format!(
            " AND q.provider_department_id IN ({})",
            marks.join(", ")
        ));
    }
    sql.push_str(" ORDER BY q.due_date, q.id");
    c.fetch_all(&sql, &binds).await
}

/// A department's resources with a published version: (id, published at, current rows).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProvidedResource {
    pub id: i64,
    pub publish_date: Option<Date>,
    pub row_count: i64,
}

pub async fn provided(c: &mut impl Conn, department_id: i64) -> Result<Vec<ProvidedResource>> {
    c.fetch_all(
        "SELECT r.id, v.publish_date, r.row_count FROM exchange_resources r JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version \
         WHERE r.department_id = $1 AND v.status = 'published' ORDER BY r.id",
        args![department_id],
    )
    .await
}

/// Grants on a department's resources (`given`) or held by it, as (valid from, valid to,
/// revoked at) for counting those active at an instant.
pub async fn grant_periods(
    c: &mut impl Conn,
    department_id: i64,
    given: bool,
) -> Result<Vec<(OffsetDateTime, OffsetDateTime, Option<OffsetDateTime>)>> {
    let sql = if given {
        "SELECT g.valid_from, g.valid_to, g.revoked_at FROM exchange_grants g JOIN exchange_resources r ON r.id = g.resource_id WHERE r.department_id = $1"
    } else {
        "SELECT valid_from, valid_to, revoked_at FROM exchange_grants WHERE consumer_department_id = $1"
    };
    c.fetch_all(sql, args![department_id]).await
}

/// A grant's resource code, published name and provider, for lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantListRow {
    pub id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub provider_department_id: i64,
}

/// The labels of the grants `ids`.
pub async fn grant_labels(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<GrantListRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut binds: Vec<Value> = Vec::new();
    let marks: Vec<String> = ids
        .iter()
        .map(|i| {
            binds.push((*i).into());
            format!("${}", binds.len())
        })
        .collect();
    c.fetch_all(
        &format!(
            "SELECT g.id, r.code AS resource_code, v.name AS resource_name, r.department_id AS provider_department_id \
             FROM exchange_grants g JOIN exchange_resources r ON r.id = g.resource_id \
             JOIN exchange_resource_versions v ON v.resource_id = r.id AND v.version = r.published_version \
             WHERE g.id IN ({})",
            marks.join(", ")
        ),
        &binds,
    )
    .await
}

/// Grant ids on resources of `providers` (given) or held by `consumers`, newest first.
pub async fn grant_ids(
    c: &mut impl Conn,
    departments: &[i64],
    given: bool,
    limit: i64,
) -> Result<Vec<i64>> {
    if departments.is_empty() {
        return Ok(Vec::new());
    }
    let mut binds: Vec<Value> = Vec::new();
    let marks: Vec<String> = departments
        .iter()
        .map(|i| {
            binds.push((*i).into());
            format!("${}", binds.len())
        })
        .collect();
    binds.push(limit.into());
    let lim = binds.len();
    let sql = if given {
        format!(
            "SELECT g.id FROM exchange_grants g JOIN exchange_resources r ON r.id = g.resource_id WHERE r.department_id IN ({}) ORDER BY g.id DESC LIMIT ${lim}",
            marks.join(", ")
        )
    } else {
        format!(
            "SELECT id FROM exchange_grants WHERE consumer_department_id IN ({}) ORDER BY id DESC LIMIT ${lim}",
            marks.join(", ")
        )
    };
    let rows: Vec<(i64,)> = c.fetch_all(&sql, &binds).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
