//! Sign-in failures (`sign_in_failures`), counted per login key.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// Failures under `key` after `since`.
pub(crate) async fn failures(c: &mut impl Conn, key: &str, since: OffsetDateTime) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM sign_in_failures WHERE login_key = $1 AND at > $2",
            args![key, since],
        )
        .await?;
    Ok(n)
}

/// Forgets the failures under `key` at or before `until` (aged out of the window).
pub(crate) async fn forget_until(
    c: &mut impl Conn,
    key: &str,
    until: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "DELETE FROM sign_in_failures WHERE login_key = $1 AND at <= $2",
        args![key, until],
    )
    .await?;
    Ok(())
}

pub(crate) async fn insert(c: &mut impl Conn, key: &str, at: OffsetDateTime) -> Result<()> {
    c.execute(
        "INSERT INTO sign_in_failures (login_key, at) VALUES ($1, $2)",
        args![key, at],
    )
    .await?;
    Ok(())
}

/// Forgets every failure under `key`.
pub(crate) async fn clear(c: &mut impl Conn, key: &str) -> Result<()> {
    c.execute(
        "DELETE FROM sign_in_failures WHERE login_key = $1",
        args![key],
    )
    .await?;
    Ok(())
}
