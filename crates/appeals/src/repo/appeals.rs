//! Work orders (`appeals`), their daily number sequences, photos and links.

use std::collections::HashMap;

use time::OffsetDateTime;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Sql, Value, args};

/// A work order as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppealRow {
    pub id: i64,
    pub appeal_no: String,
    pub token: String,
    pub channel: String,
    pub appeal_type: String,
    pub category_code: String,
    pub title: String,
    pub content: String,
    pub address: String,
    pub division: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub contact_name: String,
    pub contact_phone_enc: String,
    pub contact_phone_idx: String,
    pub contact_phone_mask: String,
    pub contact_email: String,
    pub anonymous: bool,
    pub confidential: bool,
    pub person_id: Option<i64>,
    pub open311_key_id: Option<i64>,
    pub media_url: String,
    pub complained_unit: String,
    pub status: String,
    pub grid_id: Option<i64>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub received_by: String,
    pub received_at: OffsetDateTime,
    pub dispatched_at: Option<OffsetDateTime>,
    pub signed_at: Option<OffsetDateTime>,
    pub due_at: OffsetDateTime,
    pub limit_days: i64,
    pub extended_days: i64,
    pub extension_pending: bool,
    pub reply: String,
    pub replied_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub satisfaction: Option<i64>,
    pub resolved: Option<bool>,
    pub visited_at: Option<OffsetDateTime>,
    pub reopen_count: i64,
    pub supervise_count: i64,
    pub merged_into: Option<i64>,
    pub revision: i64,
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "id, appeal_no, token, channel, appeal_type, category_code, title, content, \
     address, division, lon, lat, contact_name, contact_phone_enc, contact_phone_idx, \
     contact_phone_mask, contact_email, anonymous, confidential, person_id, open311_key_id, \
     media_url, complained_unit, status, grid_id, department_id, assignee_id, received_by, \
     received_at, dispatched_at, signed_at, due_at, limit_days, extended_days, \
     extension_pending, reply, replied_at, closed_at, satisfaction, resolved, visited_at, \
     reopen_count, supervise_count, merged_into, revision, updated_at";

/// Takes `n` numbers of the order sequence of `division` on `day` (a `YYYYMMDD` string) at
/// once; returns the last one (the numbers are `last - n + 1 ..= last`).
pub async fn next_sequences(c: &mut impl Conn, division: &str, day: &str, n: i64) -> Result<i64> {
    let (last,): (i64,) = c
        .fetch_one(
            "INSERT INTO appeal_sequences (division, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (division, day) DO UPDATE SET last = appeal_sequences.last + $3 \
             RETURNING last",
            args![division, day, n],
        )
        .await?;
    Ok(last)
}

/// The columns a new order is inserted with (`revision` starts at 1), in the order of
/// [`new_values`].
const INSERT_COLUMNS: &str = "appeal_no, token, channel, appeal_type, category_code, title, \
     content, address, division, lon, lat, contact_name, contact_phone_enc, \
     contact_phone_idx, contact_phone_mask, contact_email, anonymous, confidential, \
     person_id, open311_key_id, media_url, complained_unit, status, grid_id, \
     department_id, assignee_id, received_by, received_at, dispatched_at, signed_at, \
     due_at, limit_days, extended_days, extension_pending, reply, replied_at, closed_at, \
     satisfaction, resolved, visited_at, reopen_count, supervise_count, merged_into, \
     revision, updated_at";

/// The values of a new order `r` for [`INSERT_COLUMNS`].
fn new_values(r: &AppealRow) -> [Value; 45] {
    [
        Value::from(&r.appeal_no),
        Value::from(&r.token),
        Value::from(&r.channel),
        Value::from(&r.appeal_type),
        Value::from(&r.category_code),
        Value::from(&r.title),
        Value::from(&r.content),
        Value::from(&r.address),
        Value::from(&r.division),
        Value::from(r.lon),
        Value::from(r.lat),
        Value::from(&r.contact_name),
        Value::from(&r.contact_phone_enc),
        Value::from(&r.contact_phone_idx),
        Value::from(&r.contact_phone_mask),
        Value::from(&r.contact_email),
        Value::from(r.anonymous),
        Value::from(r.confidential),
        Value::from(r.person_id),
        Value::from(r.open311_key_id),
        Value::from(&r.media_url),
        Value::from(&r.complained_unit),
        Value::from(&r.status),
        Value::from(r.grid_id),
        Value::from(r.department_id),
        Value::from(r.assignee_id),
        Value::from(&r.received_by),
        Value::from(r.received_at),
        Value::from(r.dispatched_at),
        Value::from(r.signed_at),
        Value::from(r.due_at),
        Value::from(r.limit_days),
        Value::from(r.extended_days),
        Value::from(r.extension_pending),
        Value::from(&r.reply),
        Value::from(r.replied_at),
        Value::from(r.closed_at),
        Value::from(r.satisfaction),
        Value::from(r.resolved),
        Value::from(r.visited_at),
        Value::from(r.reopen_count),
        Value::from(r.supervise_count),
        Value::from(r.merged_into),
        Value::from(1i64),
        Value::from(r.updated_at),
    ]
}

/// New orders per multi-row `INSERT` (45 binds a row; statements stay small).
const INSERT_ROWS: usize = 16;

/// Inserts new orders (`id` and `revision` of each row are ignored), several per statement;
/// returns their ids in the order of `rows`. Their numbers (`appeal_no`) must differ.
pub async fn insert_all(c: &mut impl Conn, rows: &[&AppealRow]) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut q = Sql::new(&format!("INSERT INTO appeals ({INSERT_COLUMNS}) VALUES "));
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.list(new_values(r));
        }
        q.push(" RETURNING appeal_no, id");
        // The order of RETURNING rows is not defined: match them by number.
        let got: Vec<(String, i64)> = c.fetch_all(&q.text, &q.args).await?;
        let by_no: HashMap<&str, i64> = got.iter().map(|(no, id)| (no.as_str(), *id)).collect();
        for r in chunk {
            let id = by_no.get(r.appeal_no.as_str()).copied().ok_or_else(|| {
                Error::internal(format!("appeals: no id returned for {}", r.appeal_no))
            })?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Writes the flow columns of `r` if the stored revision is still `r.revision`, moving it on;
/// `false` when someone else acted first.
pub async fn save(c: &mut impl Conn, r: &AppealRow) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE appeals SET status = $1, grid_id = $2, department_id = $3, assignee_id = $4, \
             dispatched_at = $5, signed_at = $6, due_at = $7, extended_days = $8, \
             extension_pending = $9, reply = $10, replied_at = $11, closed_at = $12, \
             satisfaction = $13, resolved = $14, visited_at = $15, reopen_count = $16, \
             supervise_count = $17, merged_into = $18, updated_at = $19, revision = revision + 1 \
             WHERE id = $20 AND revision = $21",
            args![
                &r.status,
                r.grid_id,
                r.department_id,
                r.assignee_id,
                r.dispatched_at,
                r.signed_at,
                r.due_at,
                r.extended_days,
                r.extension_pending,
                &r.reply,
                r.replied_at,
                r.closed_at,
                r.satisfaction,
                r.resolved,
                r.visited_at,
                r.reopen_count,
                r.supervise_count,
                r.merged_into,
                r.updated_at,
                r.id,
                r.revision,
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn by_no(c: &mut impl Conn, no: &str) -> Result<Option<AppealRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM appeals WHERE appeal_no = $1"),
        args![no],
    )
    .await
}

pub async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<AppealRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM appeals WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn by_token(c: &mut impl Conn, token: &str) -> Result<Option<AppealRow>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM appeals WHERE token = $1"),
        args![token],
    )
    .await
}

/// The numbers of orders by id.
pub async fn numbers(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id, appeal_no FROM appeals WHERE id IN ");
    q.list(ids.iter().copied());
    c.fetch_all(&q.text, &q.args).await
}

/// Orders of `category` with a point inside the box, received in `[since, until]`, not merged.
pub async fn near(
    c: &mut impl Conn,
    category: &str,
    bbox: (f64, f64, f64, f64),
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<Vec<AppealRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM appeals WHERE category_code = $1 AND received_at >= $2 \
             AND received_at <= $3 AND lon >= $4 AND lon <= $5 AND lat >= $6 AND lat <= $7 \
             AND status <> 'merged' ORDER BY received_at DESC, id DESC LIMIT 50"
        ),
        args![category, since, until, bbox.0, bbox.2, bbox.1, bbox.3],
    )
    .await
}

/// A list filter over orders (every part optional; `None` ignores it).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Orders in any of these departments, or assigned to `assignee`; `None`: no limit.
    pub departments: Option<Vec<i64>>,
    pub assignee: Option<i64>,
    /// Division code prefix (a division-reach role).
    pub division_prefix: Option<String>,
    pub person_id: Option<i64>,
    pub phone_idx: Option<String>,
    pub statuses: Vec<String>,
    /// Open and due before this time.
    pub overdue_at: Option<OffsetDateTime>,
    pub grid_id: Option<i64>,
    pub department_id: Option<i64>,
    pub categories: Vec<String>,
    pub numbers: Vec<String>,
    pub q: Option<String>,
    pub received_from: Option<OffsetDateTime>,
    pub received_to: Option<OffsetDateTime>,
}

fn where_clause(f: &ListFilter, q: &mut Sql) {
    q.push(" WHERE 1 = 1");
    match (&f.departments, f.assignee) {
        (Some(ds), Some(a)) => {
            q.push(" AND (department_id IN ");
            q.list(ds.iter().copied());
            q.cond(" OR assignee_id = ?)", [a]);
        }
        (Some(ds), None) => {
            q.push(" AND department_id IN ");
            q.list(ds.iter().copied());
        }
        (None, Some(a)) => {
            q.cond(" AND assignee_id = ?", [a]);
        }
        (None, None) => {}
    }
    if let Some(p) = &f.division_prefix {
        q.cond(
            " AND division LIKE ? ESCAPE '\\'",
            [yiwang_store::like_prefix(p)],
        );
    }
    if let Some(p) = f.person_id {
        q.cond(" AND person_id = ?", [p]);
    }
    if let Some(i) = &f.phone_idx {
        q.cond(" AND contact_phone_idx = ?", [i.as_str()]);
    }
    if !f.statuses.is_empty() {
        q.push(" AND status IN ");
        q.list(f.statuses.iter().map(String::as_str));
    }
    if let Some(t) = f.overdue_at {
        q.push(" AND status IN ('received', 'dispatched', 'signed', 'handling')");
        q.cond(" AND due_at < ?", [t]);
    }
    if let Some(g) = f.grid_id {
        q.cond(" AND grid_id = ?", [g]);
    }
    if let Some(d) = f.department_id {
        q.cond(" AND department_id = ?", [d]);
    }
    if !f.categories.is_empty() {
        q.push(" AND category_code IN ");
        q.list(f.categories.iter().map(String::as_str));
    }
    if !f.numbers.is_empty() {
        q.push(" AND appeal_no IN ");
        q.list(f.numbers.iter().map(String::as_str));
    }
    if let Some(s) = &f.q {
        let like = yiwang_store::like_contains(s);
        q.cond(
            " AND (appeal_no LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' OR address LIKE ? ESCAPE '\\')",
            [like.clone(), like.clone(), like],
        );
    }
    if let Some(t) = f.received_from {
        q.cond(" AND received_at >= ?", [t]);
    }
    if let Some(t) = f.received_to {
        q.cond(" AND received_at <= ?", [t]);
    }
}

/// Orders matching `f`, newest first, `limit` from `offset`.
pub async fn list(
    c: &mut impl Conn,
    f: &ListFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AppealRow>> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM appeals"));
    where_clause(f, &mut q);
    q.cond(
        " ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?",
        [Value::I64(limit), Value::I64(offset)],
    );
    c.fetch_all(&q.text, &q.args).await
}

pub async fn count(c: &mut impl Conn, f: &ListFilter) -> Result<i64> {
    let mut q = Sql::new("SELECT COUNT(*) FROM appeals");
    where_clause(f, &mut q);
    let (n,): (i64,) = c.fetch_one(&q.text, &q.args).await?;
    Ok(n)
}

/// Sealed contact phones after id `after`, by id (key rotation).
pub async fn phones_after(c: &mut impl Conn, after: i64, batch: i64) -> Result<Vec<(i64, String)>> {
    c.fetch_all(
        "SELECT id, contact_phone_enc FROM appeals WHERE id > $1 AND contact_phone_enc <> '' \
         ORDER BY id LIMIT $2",
        args![after, batch],
    )
    .await
}

/// Replaces a sealed phone with `new` if it is still `old`; rows written.
pub async fn reseal_phone(c: &mut impl Conn, id: i64, new: &str, old: &str) -> Result<u64> {
    c.execute(
        "UPDATE appeals SET contact_phone_enc = $1 WHERE id = $2 AND contact_phone_enc = $3",
        args![new, id, old],
    )
    .await
}

/// A photo as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub appeal_id: i64,
    pub event_id: Option<i64>,
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    pub name: String,
    pub added_by: String,
    pub added_at: OffsetDateTime,
}

const PHOTO_COLS: &str =
    "id, appeal_id, event_id, digest, media_type, size, name, added_by, added_at";

#[allow(clippy::too_many_arguments)]
pub async fn insert_photo(
    c: &mut impl Conn,
    appeal_id: i64,
    digest: &str,
    media_type: &str,
    size: i64,
    name: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<PhotoRow> {
    c.fetch_one(
        &format!(
            "INSERT INTO appeal_photos (appeal_id, digest, media_type, size, name, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PHOTO_COLS}"
        ),
        args![appeal_id, digest, media_type, size, name, by, at],
    )
    .await
}

pub async fn photos(c: &mut impl Conn, appeal_id: i64) -> Result<Vec<PhotoRow>> {
    c.fetch_all(
        &format!("SELECT {PHOTO_COLS} FROM appeal_photos WHERE appeal_id = $1 ORDER BY id"),
        args![appeal_id],
    )
    .await
}

/// Ties the order's uncited photos with these digests to `event_id`; rows written.
pub async fn cite_photos(
    c: &mut impl Conn,
    appeal_id: i64,
    event_id: i64,
    digests: &[String],
) -> Result<u64> {
    if digests.is_empty() {
        return Ok(0);
    }
    let mut q = Sql::new("UPDATE appeal_photos SET event_id = ");
    q.bind(event_id);
    q.cond(
        " WHERE appeal_id = ? AND event_id IS NULL AND digest IN ",
        [appeal_id],
    );
    q.list(digests.iter().map(String::as_str));
    c.execute(&q.text, &q.args).await
}

pub async fn insert_link(
    c: &mut impl Conn,
    a: i64,
    b: i64,
    by: &str,
    at: OffsetDateTime,
) -> Result<u64> {
    c.execute(
        "INSERT INTO appeal_links (appeal_id, other_id, linked_by, linked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (appeal_id, other_id) DO NOTHING",
        args![a, b, by, at],
    )
    .await
}

/// The numbers of the orders linked to `id` (either direction).
pub async fn links(c: &mut impl Conn, id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = c
        .fetch_all(
            "SELECT a.appeal_no FROM appeal_links l JOIN appeals a ON a.id = l.other_id \
             WHERE l.appeal_id = $1 \
             UNION SELECT a.appeal_no FROM appeal_links l JOIN appeals a ON a.id = l.appeal_id \
             WHERE l.other_id = $1 ORDER BY 1",
            args![id],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// What statistics count of one order.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StatFacts {
    pub appeal_type: String,
    pub category_code: String,
    pub grid_id: Option<i64>,
    pub department_id: Option<i64>,
    pub status: String,
    pub due_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub satisfaction: Option<i64>,
}

/// The facts of the orders received in `[from, to)` inside `division_prefix` (any when `None`).
pub async fn stat_facts(
    c: &mut impl Conn,
    from: OffsetDateTime,
    to: OffsetDateTime,
    division_prefix: Option<&str>,
) -> Result<Vec<StatFacts>> {
    let mut q = Sql::new(
        "SELECT appeal_type, category_code, grid_id, department_id, status, due_at, closed_at, \
         satisfaction FROM appeals",
    );
    q.cond(" WHERE received_at >= ? AND received_at < ?", [from, to]);
    if let Some(p) = division_prefix {
        q.cond(
            " AND division LIKE ? ESCAPE '\\'",
            [yiwang_store::like_prefix(p)],
        );
    }
    c.fetch_all(&q.text, &q.args).await
}

/// Open orders (not concluded, not merged) due at or after `from`, for recomputing their due
/// times once the calendar covers a new year.
pub async fn open_due_from(c: &mut impl Conn, from: OffsetDateTime) -> Result<Vec<AppealRow>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM appeals WHERE closed_at IS NULL AND merged_into IS NULL \
             AND due_at >= $1 ORDER BY id"
        ),
        args![from],
    )
    .await
}
