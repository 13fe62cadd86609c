//! Display names of the accounts behind actor labels (`staff:<username>`, `person:<id>`,
//! `client:<token id>`), a batch at a time.

use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql};

/// (username, name) of the staff accounts among `usernames` (active or not).
pub(crate) async fn staff(
    c: &mut impl Conn,
    usernames: &[String],
) -> Result<Vec<(String, String)>> {
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT username, name FROM staff_accounts WHERE username IN ");
    q.list(usernames.iter().cloned());
    c.fetch_all(&q.text, &q.args).await
}

/// (id, name) of the persons among `ids` (active or not), names in clear.
pub(crate) async fn people(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id, name FROM people WHERE id IN ");
    q.list(ids.iter().copied());
    c.fetch_all(&q.text, &q.args).await
}

/// (id, name) of the API tokens among `ids` (revoked or not).
pub(crate) async fn tokens(c: &mut impl Conn, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id, name FROM api_tokens WHERE id IN ");
    q.list(ids.iter().copied());
    c.fetch_all(&q.text, &q.args).await
}
