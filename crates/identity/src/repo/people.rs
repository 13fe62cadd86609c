//! Natural persons (`people`). ID and phone numbers are stored sealed, and found by their
//! blind index.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) id_number_enc: String,
    pub(crate) phone_enc: String,
    pub(crate) password_hash: String,
    pub(crate) active: bool,
}

const PERSON_COLUMNS: &str = "id, name, id_number_enc, phone_enc, password_hash, active";

/// A new person, as stored (active, signed in at registration).
pub(crate) struct NewPerson<'a> {
    pub name: &'a str,
    pub id_number_enc: &'a str,
    pub id_number_idx: &'a str,
    pub phone_enc: &'a str,
    pub phone_idx: &'a str,
    pub password_hash: &'a str,
    pub now: OffsetDateTime,
}

pub(crate) async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<PersonRow>> {
    c.fetch_optional(
        &format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"),
        args![id],
    )
    .await
}

/// The person (active or not) with this ID number's blind index.
pub(crate) async fn by_id_number(c: &mut impl Conn, idx: &str) -> Result<Option<PersonRow>> {
    c.fetch_optional(
        &format!("SELECT {PERSON_COLUMNS} FROM people WHERE id_number_idx = $1"),
        args![idx],
    )
    .await
}

/// The person (active or not) with this mobile number's blind index.
pub(crate) async fn by_phone(c: &mut impl Conn, idx: &str) -> Result<Option<PersonRow>> {
    c.fetch_optional(
        &format!("SELECT {PERSON_COLUMNS} FROM people WHERE phone_idx = $1"),
        args![idx],
    )
    .await
}

/// The id of the person (active or not) with this ID number's blind index.
pub(crate) async fn id_by_id_number(c: &mut impl Conn, idx: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional("SELECT id FROM people WHERE id_number_idx = $1", args![idx])
        .await?;
    Ok(row.map(|r| r.0))
}

/// The id of the active person with this ID number's blind index.
pub(crate) async fn active_id_by_id_number(c: &mut impl Conn, idx: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .fetch_optional(
            "SELECT id FROM people WHERE id_number_idx = $1 AND active = TRUE",
            args![idx],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// The indexes (ID number, phone) of a person holding either blind index, if any.
pub(crate) async fn holder_of(
    c: &mut impl Conn,
    id_idx: &str,
    phone_idx: &str,
) -> Result<Option<(String, String)>> {
    c.fetch_optional(
        "SELECT id_number_idx, phone_idx FROM people WHERE id_number_idx = $1 OR phone_idx = $2 LIMIT 1",
        args![id_idx, phone_idx],
    )
    .await
}

pub(crate) async fn insert(c: &mut impl Conn, p: &NewPerson<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO people (name, id_number_enc, id_number_idx, phone_enc, phone_idx, password_hash, active, created_at, updated_at, last_sign_in_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id",
            args![p.name, p.id_number_enc, p.id_number_idx, p.phone_enc, p.phone_idx, p.password_hash, true, p.now],
        )
        .await?;
    Ok(id)
}

pub(crate) async fn set_last_sign_in(
    c: &mut impl Conn,
    id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE people SET last_sign_in_at = $1 WHERE id = $2",
        args![now, id],
    )
    .await?;
    Ok(())
}

/// A person's name and sealed ID number (active or not).
pub(crate) async fn name_and_sealed_id_number(
    c: &mut impl Conn,
    id: i64,
) -> Result<Option<(String, String)>> {
    c.fetch_optional(
        "SELECT name, id_number_enc FROM people WHERE id = $1",
        args![id],
    )
    .await
}

/// Up to `batch` persons after id `after`, by id: id, sealed ID number, sealed phone.
pub(crate) async fn sealed_batch(
    c: &mut impl Conn,
    after: i64,
    batch: i64,
) -> Result<Vec<(i64, String, String)>> {
    c.fetch_all(
        "SELECT id, id_number_enc, phone_enc FROM people WHERE id > $1 ORDER BY id LIMIT $2",
        args![after, batch],
    )
    .await
}

/// Replaces a person's sealed numbers (`new`) if they are still `old`; rows written.
pub(crate) async fn reseal(
    c: &mut impl Conn,
    id: i64,
    new: (&str, &str),
    old: (&str, &str),
) -> Result<u64> {
    c.execute(
        "UPDATE people SET id_number_enc = $1, phone_enc = $2 WHERE id = $3 AND id_number_enc = $4 AND phone_enc = $5",
        args![new.0, new.1, id, old.0, old.1],
    )
    .await
}
