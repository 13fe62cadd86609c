//! Sealed columns outside `people` that a key rotation rewraps: other domains' columns (named
//! by the caller from a fixed list, never from input) and the OpenID Connect signing keys.

use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

/// Up to `batch` rows of `table` after id `after`, by id: id and the sealed `column`.
pub(crate) async fn batch(
    c: &mut impl Conn,
    table: &str,
    column: &str,
    after: i64,
    batch: i64,
) -> Result<Vec<(i64, String)>> {
    c.fetch_all(
        &format!("SELECT id, {column} FROM {table} WHERE id > $1 AND {column} IS NOT NULL ORDER BY id LIMIT $2"),
        args![after, batch],
    )
    .await
}

/// Replaces a sealed value with `new` if it is still `old`; rows written.
pub(crate) async fn reseal(
    c: &mut impl Conn,
    table: &str,
    column: &str,
    id: i64,
    new: &str,
    old: &str,
) -> Result<u64> {
    c.execute(
        &format!("UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3"),
        args![new, id, old],
    )
    .await
}

/// Every OpenID Connect signing key: its id and sealed private key.
pub(crate) async fn signing_keys(c: &mut impl Conn) -> Result<Vec<(String, String)>> {
    c.fetch_all("SELECT kid, private_key FROM oidc_signing_keys", args![])
        .await
}

/// Replaces a signing key's sealed private key with `new` if it is still `old`; rows written.
pub(crate) async fn reseal_signing_key(
    c: &mut impl Conn,
    kid: &str,
    new: &str,
    old: &str,
) -> Result<u64> {
    c.execute(
        "UPDATE oidc_signing_keys SET private_key = $1 WHERE kid = $2 AND private_key = $3",
        args![new, kid, old],
    )
    .await
}
