//! Annotated copies (`licence_copies`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use crate::copies::LicenceCopy;

/// A copy to insert, sealed.
pub(crate) struct NewCopy<'a> {
    pub(crate) code: &'a str,
    pub(crate) licence_id: i64,
    pub(crate) purpose: &'a str,
    pub(crate) recipient: &'a str,
    pub(crate) valid_until: OffsetDateTime,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) seal_key_id: &'a str,
    pub(crate) signature: &'a str,
}

pub(crate) async fn insert(c: &mut impl Conn, n: NewCopy<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO licence_copies (code, licence_id, purpose, recipient, valid_until, created_by, created_at, seal_key_id, signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![
            n.code,
            n.licence_id,
            n.purpose,
            n.recipient,
            n.valid_until,
            n.created_by,
            n.created_at,
            n.seal_key_id,
            n.signature
        ],
    )
    .await?;
    Ok(())
}

/// The holder's copies, newest first (the newest 200).
pub(crate) async fn of_holder(c: &mut impl Conn, idx: &str) -> Result<Vec<LicenceCopy>> {
    c.fetch_all(
        "SELECT c.code, l.identifier, t.name AS type_name, c.purpose, c.recipient, c.valid_until, c.created_at, c.seal_key_id, c.signature \
         FROM licence_copies c JOIN licences l ON l.id = c.licence_id JOIN licence_types t ON t.code = l.type_code \
         WHERE l.holder_code_idx = $1 ORDER BY c.id DESC LIMIT 200",
        args![idx],
    )
    .await
}

/// Purpose, recipient and end of validity of copy `code` of licence `licence_id`.
pub(crate) async fn annotation(
    c: &mut impl Conn,
    code: &str,
    licence_id: i64,
) -> Result<Option<(String, String, OffsetDateTime)>> {
    c.fetch_optional(
        "SELECT purpose, recipient, valid_until FROM licence_copies WHERE code = $1 AND licence_id = $2",
        args![code, licence_id],
    )
    .await
}

/// What verifying a copy needs: purpose, recipient, valid until, made at, the copy's
/// signature, the licence's signature and the public key that sealed the copy.
pub(crate) type CopyToCheck = (
    String,
    String,
    OffsetDateTime,
    OffsetDateTime,
    String,
    String,
    String,
);

pub(crate) async fn to_check(
    c: &mut impl Conn,
    code: &str,
    identifier: &str,
) -> Result<Option<CopyToCheck>> {
    c.fetch_optional(
        "SELECT c.purpose, c.recipient, c.valid_until, c.created_at, c.signature, l.signature, k.public_key \
         FROM licence_copies c JOIN licences l ON l.id = c.licence_id JOIN seal_keys k ON k.key_id = c.seal_key_id \
         WHERE c.code = $1 AND l.identifier = $2",
        args![code, identifier],
    )
    .await
}
