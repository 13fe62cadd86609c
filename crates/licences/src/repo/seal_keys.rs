//! The issuing departments' seal keys (`seal_keys`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

use crate::service::PublicSealKey;

/// The department's current key: its id and sealed private scalar.
pub(crate) async fn current(
    c: &mut impl Conn,
    department_id: i64,
) -> Result<Option<(String, String)>> {
    c.fetch_optional(
        "SELECT key_id, private_enc FROM seal_keys WHERE department_id = $1 AND retired_at IS NULL ORDER BY id DESC LIMIT 1",
        args![department_id],
    )
    .await
}

pub(crate) async fn insert(
    c: &mut impl Conn,
    key_id: &str,
    department_id: i64,
    public_key: &str,
    private_enc: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO seal_keys (key_id, department_id, public_key, private_enc, created_at) VALUES ($1, $2, $3, $4, $5)",
        args![key_id, department_id, public_key, private_enc, now],
    )
    .await?;
    Ok(())
}

/// Retires the department's current key.
pub(crate) async fn retire(
    c: &mut impl Conn,
    department_id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE seal_keys SET retired_at = $1 WHERE department_id = $2 AND retired_at IS NULL",
        args![now, department_id],
    )
    .await?;
    Ok(())
}

/// The public key (hex) of key `key_id`.
pub(crate) async fn public_key(c: &mut impl Conn, key_id: &str) -> Result<Option<String>> {
    let pk: Option<(String,)> = c
        .fetch_optional(
            "SELECT public_key FROM seal_keys WHERE key_id = $1",
            args![key_id],
        )
        .await?;
    Ok(pk.map(|p| p.0))
}

/// Every key, current and retired, oldest first.
pub(crate) async fn all(c: &mut impl Conn) -> Result<Vec<PublicSealKey>> {
    c.fetch_all(
        "SELECT key_id, department_id, public_key, created_at, retired_at FROM seal_keys ORDER BY id",
        args![],
    )
    .await
}
