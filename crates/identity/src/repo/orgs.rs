//! Legal persons (`organisations`) and the person administering each.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub(crate) id: i64,
    pub(crate) uscc: String,
    pub(crate) name: String,
    pub(crate) admin_person_id: i64,
    pub(crate) verified_at: Option<OffsetDateTime>,
}

const ORG_COLUMNS: &str = "id, uscc, name, admin_person_id, verified_at";

/// A new enterprise, as stored; verified when `verified_at` is set.
pub(crate) struct NewOrg<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub legal_representative: &'a str,
    pub admin_person_id: i64,
    pub now: OffsetDateTime,
    pub verified_at: Option<OffsetDateTime>,
    /// `register`, `window`, or empty while unverified.
    pub verified_via: &'a str,
    pub verified_by: &'a str,
}

/// The binding of an enterprise, as [`rebind`] stores it (verified now).
pub(crate) struct Binding<'a> {
    pub admin_person_id: i64,
    pub name: &'a str,
    pub legal_representative: &'a str,
    pub now: OffsetDateTime,
    pub verified_via: &'a str,
    pub verified_by: &'a str,
}

pub(crate) async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<OrgRow>> {
    c.fetch_optional(
        &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"),
        args![id],
    )
    .await
}

pub(crate) async fn by_uscc(c: &mut impl Conn, uscc: &str) -> Result<Option<OrgRow>> {
    c.fetch_optional(
        &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE uscc = $1"),
        args![uscc],
    )
    .await
}

pub(crate) async fn id_by_uscc(c: &mut impl Conn, uscc: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional("SELECT id FROM organisations WHERE uscc = $1", args![uscc])
        .await?;
    Ok(row.map(|r| r.0))
}

/// The enterprises a person administers (verified or not), by id.
pub(crate) async fn administered_by(c: &mut impl Conn, person_id: i64) -> Result<Vec<OrgRow>> {
    c.fetch_all(
        &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE admin_person_id = $1 ORDER BY id"),
        args![person_id],
    )
    .await
}

/// The legal representative on record for an enterprise.
pub(crate) async fn legal_representative(c: &mut impl Conn, id: i64) -> Result<Option<String>> {
    let row: Option<(String,)> = c
        .fetch_optional(
            "SELECT legal_representative FROM organisations WHERE id = $1",
            args![id],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// Stores an enterprise registered by its administrator.
pub(crate) async fn insert(c: &mut impl Conn, o: &NewOrg<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO organisations (uscc, name, legal_representative, admin_person_id, created_at, updated_at, verified_at, verified_via, verified_by) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING id",
            args![o.uscc, o.name, o.legal_representative, o.admin_person_id, o.now, o.verified_at, o.verified_via, o.verified_by],
        )
        .await?;
    Ok(id)
}

/// Stores an enterprise verified at a window now, by `by`.
pub(crate) async fn insert_window_verified(
    c: &mut impl Conn,
    uscc: &str,
    b: &Binding<'_>,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO organisations (uscc, name, legal_representative, admin_person_id, created_at, updated_at, verified_at, verified_via, verified_by) \
             VALUES ($1, $2, $3, $4, $5, $5, $5, 'window', $6) RETURNING id",
            args![uscc, b.name, b.legal_representative, b.admin_person_id, b.now, b.verified_by],
        )
        .await?;
    Ok(id)
}

/// Binds an existing enterprise to an administrator, verified now.
pub(crate) async fn rebind(c: &mut impl Conn, id: i64, b: &Binding<'_>) -> Result<()> {
    c.execute(
        "UPDATE organisations SET admin_person_id = $1, name = $2, legal_representative = $3, verified_at = $4, \
         verified_via = $5, verified_by = $6, updated_at = $4 WHERE id = $7",
        args![b.admin_person_id, b.name, b.legal_representative, b.now, b.verified_via, b.verified_by, id],
    )
    .await?;
    Ok(())
}
