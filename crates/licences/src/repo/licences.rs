//! The `licences` table, its events (`licence_events`, the use log), use grants
//! (`licence_grants`) and the per-department serial numbers (`licence_sequences`).

use std::sync::LazyLock;

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_kernel::paging::Page;
use yiwang_store::{Conn, Sql, args};

use crate::service::UseRecord;

/// Every column of `licences` a licence is read with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) identifier: String,
    pub(crate) type_code: String,
    pub(crate) number: String,
    pub(crate) holder_type: String,
    pub(crate) holder_name: String,
    pub(crate) holder_code_enc: String,
    pub(crate) holder_code_mask: String,
    pub(crate) issuer_department_id: i64,
    pub(crate) issuer_name: String,
    pub(crate) issuer_uscc: String,
    pub(crate) issue_date: Date,
    pub(crate) valid_from: Date,
    pub(crate) valid_to: Option<Date>,
    pub(crate) face: String,
    pub(crate) status: String,
    pub(crate) status_reason: String,
    pub(crate) previous_identifier: Option<String>,
    pub(crate) case_no: Option<String>,
    pub(crate) seal_key_id: String,
    pub(crate) signature: String,
    pub(crate) sealed_at: OffsetDateTime,
    pub(crate) revision: i64,
}

pub(crate) const COLS: &str = "id, identifier, type_code, number, holder_type, holder_name, holder_code_enc, holder_code_mask, issuer_department_id, \
    issuer_name, issuer_uscc, issue_date, valid_from, valid_to, face, status, status_reason, previous_identifier, case_no, seal_key_id, \
    signature, sealed_at, revision";

/// A licence to insert, sealed.
pub(crate) struct NewLicence<'a> {
    pub(crate) identifier: &'a str,
    pub(crate) type_code: &'a str,
    pub(crate) number: &'a str,
    pub(crate) holder_type: &'a str,
    pub(crate) holder_name: &'a str,
    pub(crate) holder_code_enc: String,
    pub(crate) holder_code_idx: String,
    pub(crate) holder_code_mask: &'a str,
    pub(crate) issuer_department_id: i64,
    pub(crate) issuer_name: &'a str,
    pub(crate) issuer_uscc: &'a str,
    pub(crate) issue_date: Date,
    pub(crate) valid_to: Option<Date>,
    pub(crate) face: String,
    pub(crate) previous_identifier: Option<String>,
    pub(crate) case_no: Option<String>,
    pub(crate) seal_key_id: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) sealed_at: OffsetDateTime,
}

pub(crate) async fn by_identifier(c: &mut impl Conn, identifier: &str) -> Result<Option<Row>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM licences WHERE identifier = $1"),
        args![identifier],
    )
    .await
}

/// A licence with what its verification reads beside it: the public key of its seal key and
/// the name of its type (both `None` when missing).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct VerifyRow {
    #[sqlx(flatten)]
    pub(crate) row: Row,
    pub(crate) public_key: Option<String>,
    pub(crate) type_name: Option<String>,
}

/// The query of [`for_verify`]: the licence, its seal key's public key and its type's name in
/// one indexed read (`licences.identifier`, `seal_keys.key_id` and `licence_types.code` are
/// unique).
static FOR_VERIFY: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<String> = COLS
        .split(", ")
        .map(|c| format!("l.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, k.public_key, t.name AS type_name FROM licences l \
         LEFT JOIN seal_keys k ON k.key_id = l.seal_key_id \
         LEFT JOIN licence_types t ON t.code = l.type_code WHERE l.identifier = $1",
        cols.join(", ")
    )
});

/// The licence `identifier` as verification reads it (one statement).
pub(crate) async fn for_verify(c: &mut impl Conn, identifier: &str) -> Result<Option<VerifyRow>> {
    c.fetch_optional(FOR_VERIFY.as_str(), args![identifier])
        .await
}

/// The licence `identifier` when the holder with blind index `idx` holds it.
pub(crate) async fn held(c: &mut impl Conn, identifier: &str, idx: &str) -> Result<Option<Row>> {
    c.fetch_optional(
        &format!("SELECT {COLS} FROM licences WHERE identifier = $1 AND holder_code_idx = $2"),
        args![identifier, idx],
    )
    .await
}

/// Whether licence `id` is held by the holder with blind index `idx`.
pub(crate) async fn is_held_by(c: &mut impl Conn, id: i64, idx: &str) -> Result<bool> {
    let (mine,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM licences WHERE id = $1 AND holder_code_idx = $2",
            args![id, idx],
        )
        .await?;
    Ok(mine > 0)
}

/// The holder's licences, newest first (the wallet).
pub(crate) async fn of_holder(c: &mut impl Conn, idx: &str) -> Result<Vec<Row>> {
    c.fetch_all(
        &format!("SELECT {COLS} FROM licences WHERE holder_code_idx = $1 ORDER BY id DESC"),
        args![idx],
    )
    .await
}

/// The newest `limit` licences an enterprise holds that are still marked valid.
pub(crate) async fn valid_of_org(c: &mut impl Conn, idx: &str, limit: i64) -> Result<Vec<Row>> {
    c.fetch_all(
        &format!(
            "SELECT {COLS} FROM licences WHERE holder_code_idx = $1 AND holder_type = 'org' AND status = 'valid' \
             ORDER BY id DESC LIMIT $2"
        ),
        args![idx, limit],
    )
    .await
}

/// The next serial number under `prefix` (department and year).
pub(crate) async fn next_serial(c: &mut impl Conn, prefix: &str) -> Result<i64> {
    let (seq,): (i64,) = c
        .fetch_one(
            "INSERT INTO licence_sequences (prefix, last_value) VALUES ($1, 1) \
             ON CONFLICT (prefix) DO UPDATE SET last_value = licence_sequences.last_value + 1 RETURNING last_value",
            args![prefix],
        )
        .await?;
    Ok(seq)
}

/// The id and identifier of licence `identifier`, if it exists.
pub(crate) async fn id_of(c: &mut impl Conn, identifier: &str) -> Result<Option<(i64, String)>> {
    c.fetch_optional(
        "SELECT id, identifier FROM licences WHERE identifier = $1",
        args![identifier],
    )
    .await
}

/// Inserts a valid licence; answers its id.
pub(crate) async fn insert(c: &mut impl Conn, l: NewLicence<'_>) -> Result<i64> {
    let (lid,): (i64,) = c
        .fetch_one(
            "INSERT INTO licences (identifier, type_code, number, holder_type, holder_name, holder_code_enc, holder_code_idx, holder_code_mask, \
             issuer_department_id, issuer_name, issuer_uscc, issue_date, valid_from, valid_to, face, status, previous_identifier, case_no, \
             seal_key_id, signature, sealed_at, revision, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'valid', $16, $17, $18, $19, $20, 1, $20) RETURNING id",
            args![
                l.identifier,
                l.type_code,
                l.number,
                l.holder_type,
                l.holder_name,
                l.holder_code_enc,
                l.holder_code_idx,
                l.holder_code_mask,
                l.issuer_department_id,
                l.issuer_name,
                l.issuer_uscc,
                l.issue_date,
                l.issue_date,
                l.valid_to,
                l.face,
                l.previous_identifier,
                l.case_no,
                l.seal_key_id,
                l.signature,
                l.sealed_at
            ],
        )
        .await?;
    Ok(lid)
}

/// Revokes the licence `identifier` that a renewal replaced.
pub(crate) async fn revoke_renewed(
    c: &mut impl Conn,
    identifier: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE licences SET status = 'revoked', status_reason = $1, revision = revision + 1, updated_at = $2 WHERE identifier = $3",
        args![reason, now, identifier],
    )
    .await?;
    Ok(())
}

/// Sets a licence's status if it is still at `revision`; answers whether it was.
pub(crate) async fn set_status(
    c: &mut impl Conn,
    id: i64,
    revision: i64,
    status: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE licences SET status = $1, status_reason = $2, revision = revision + 1, updated_at = $3 WHERE id = $4 AND revision = $5",
            args![status, reason, now, id, revision],
        )
        .await?;
    Ok(n == 1)
}

/// Every suspended or revoked identifier with its status.
pub(crate) async fn status_list(c: &mut impl Conn) -> Result<Vec<(String, String)>> {
    c.fetch_all(
        "SELECT identifier, status FROM licences WHERE status <> 'valid' ORDER BY identifier",
        args![],
    )
    .await
}

/// One event of a licence (its history and the holder's use log).
pub(crate) struct Event<'a> {
    pub(crate) licence_id: i64,
    pub(crate) at: OffsetDateTime,
    pub(crate) actor: &'a str,
    pub(crate) action: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) case_no: Option<&'a str>,
    pub(crate) data: String,
}

pub(crate) async fn insert_event(c: &mut impl Conn, e: Event<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO licence_events (licence_id, at, actor, action, reason, case_no, data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![e.licence_id, e.at, e.actor, e.action, e.reason, e.case_no.map(str::to_string), e.data],
    )
    .await?;
    Ok(())
}

/// A use grant (用证授权) and its `authorised` event.
pub(crate) struct Grant<'a> {
    pub(crate) licence_id: i64,
    pub(crate) case_no: &'a str,
    pub(crate) department_id: i64,
    pub(crate) entry: &'a str,
    pub(crate) by: &'a str,
    pub(crate) at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) data: String,
}

pub(crate) async fn insert_grant(c: &mut impl Conn, g: Grant<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO licence_grants (licence_id, case_no, department_id, entry_key, granted_by, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![g.licence_id, g.case_no, g.department_id, g.entry, g.by, g.at, g.expires_at],
    )
    .await?;
    c.execute(
        "INSERT INTO licence_events (licence_id, at, actor, action, case_no, department_id, data) VALUES ($1, $2, $3, 'authorised', $4, $5, $6)",
        args![g.licence_id, g.at, g.by, g.case_no, g.department_id, g.data],
    )
    .await?;
    Ok(())
}

/// The department of the newest grant of licence `licence_id` for `case_no` still live at `now`.
pub(crate) async fn live_grant(
    c: &mut impl Conn,
    licence_id: i64,
    case_no: &str,
    now: OffsetDateTime,
) -> Result<Option<i64>> {
    let grant: Option<(i64, i64)> = c
        .fetch_optional(
            "SELECT id, department_id FROM licence_grants WHERE licence_id = $1 AND case_no = $2 AND expires_at > $3 ORDER BY id DESC LIMIT 1",
            args![licence_id, case_no, now],
        )
        .await?;
    Ok(grant.map(|(_, dept)| dept))
}

/// The `viewed` event of a clerk looking at a licence granted for a case.
pub(crate) async fn insert_viewed(
    c: &mut impl Conn,
    licence_id: i64,
    at: OffsetDateTime,
    actor: &str,
    case_no: &str,
    department_id: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO licence_events (licence_id, at, actor, action, case_no, department_id, data) VALUES ($1, $2, $3, 'viewed', $4, $5, '{}')",
        args![licence_id, at, actor, case_no, department_id],
    )
    .await?;
    Ok(())
}

/// The holder's use log, newest first.
pub(crate) async fn uses(c: &mut impl Conn, idx: &str) -> Result<Vec<UseRecord>> {
    c.fetch_all(
        "SELECT l.identifier, l.type_code, e.action, e.reason, e.actor, e.case_no, e.department_id, e.at FROM licence_events e \
         JOIN licences l ON l.id = e.licence_id WHERE l.holder_code_idx = $1 AND e.action IN ('authorised', 'viewed', 'copied') \
         ORDER BY e.id DESC LIMIT 500",
        args![idx],
    )
    .await
}

/// Whose licences the staff register shows.
pub(crate) enum Issuers {
    Nothing,
    /// Licences issued by these departments.
    Departments(Vec<i64>),
    Everything,
}

/// Filters of the staff register, checked by the caller.
pub(crate) struct Issued<'a> {
    pub(crate) issuers: Issuers,
    pub(crate) status: Option<&'a str>,
    pub(crate) type_code: Option<&'a str>,
    /// The text searched for and its blind index as a holder code.
    pub(crate) q: Option<(&'a str, String)>,
}

/// One page of the licences `f` selects, newest first, and how many there are.
pub(crate) async fn issued(
    c: &mut impl Conn,
    f: &Issued<'_>,
    page: Page,
) -> Result<(Vec<Row>, i64)> {
    let mut sql = Sql::new("1 = 1");
    match &f.issuers {
        Issuers::Nothing => {
            sql.push(" AND 1 = 0");
        }
        Issuers::Departments(ids) => {
            sql.push(" AND l.issuer_department_id IN ");
            sql.list(ids.iter().copied());
        }
        Issuers::Everything => {}
    }
    if let Some(s) = f.status {
        sql.cond(" AND l.status = ?", [s]);
    }
    if let Some(t) = f.type_code {
        sql.cond(" AND l.type_code = ?", [t]);
    }
    if let Some((q, idx)) = &f.q {
        sql.cond(
            " AND (l.identifier = ? OR l.number = ? OR l.holder_name = ? OR l.holder_code_idx = ?)",
            [q.to_string(), q.to_string(), q.to_string(), idx.clone()],
        );
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM licences l WHERE ");
    count.args = sql.args.clone();
    count.push(&sql.text);
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let cols = COLS
        .split(", ")
        .map(|c| format!("l.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut q = Sql::new(&format!("SELECT {cols} FROM licences l WHERE "));
    q.args = sql.args.clone();
    q.push(&sql.text);
    q.push(" ORDER BY l.id DESC LIMIT ");
    q.bind(page.limit());
    q.push(" OFFSET ");
    q.bind(page.offset());
    let rows: Vec<Row> = c.fetch_all(&q.text, &q.args).await?;
    Ok((rows, total))
}
