//! One-time password-reset codes (`password_resets`), found by the SM3 hash of the code.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// A new code, as stored.
pub(crate) struct NewReset<'a> {
    /// `staff` or `person`.
    pub kind: &'a str,
    pub account_id: i64,
    pub code_hash: &'a str,
    pub issued_by: &'a str,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Stores a new code; earlier unused codes of the account stop working (one live code each).
pub(crate) async fn insert(c: &mut impl Conn, r: &NewReset<'_>) -> Result<()> {
    c.execute(
        "UPDATE password_resets SET used_at = $1 WHERE account_kind = $2 AND account_id = $3 AND used_at IS NULL",
        args![r.now, r.kind, r.account_id],
    )
    .await?;
    c.execute(
        "INSERT INTO password_resets (account_kind, account_id, code_hash, issued_by, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![r.kind, r.account_id, r.code_hash, r.issued_by, r.now, r.expires_at],
    )
    .await?;
    Ok(())
}

/// Uses the account's live code with hash `code_hash`: marks it used and answers whether there
/// was one (unused, not expired). Compare-and-set, so a code is used once even when two
/// requests race.
pub(crate) async fn take(
    c: &mut impl Conn,
    kind: &str,
    account_id: i64,
    code_hash: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE password_resets SET used_at = $1 WHERE account_kind = $2 AND account_id = $3 \
             AND code_hash = $4 AND used_at IS NULL AND expires_at > $1",
            args![now, kind, account_id, code_hash],
        )
        .await?;
    Ok(n == 1)
}

/// Sets a staff account's password hash.
pub(crate) async fn set_staff_password(c: &mut impl Conn, id: i64, hash: &str) -> Result<()> {
    c.execute(
        "UPDATE staff_accounts SET password_hash = $1 WHERE id = $2",
        args![hash, id],
    )
    .await?;
    Ok(())
}

/// Sets a person's password hash.
pub(crate) async fn set_person_password(c: &mut impl Conn, id: i64, hash: &str) -> Result<()> {
    c.execute(
        "UPDATE people SET password_hash = $1 WHERE id = $2",
        args![hash, id],
    )
    .await?;
    Ok(())
}

/// Ends every session of an account.
pub(crate) async fn end_sessions(c: &mut impl Conn, kind: &str, account_id: i64) -> Result<()> {
    c.execute(
        "DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2",
        args![kind, account_id],
    )
    .await?;
    Ok(())
}
