//! Staff accounts (`staff_accounts`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_kernel::paging::Page;
use yiwang_store::{Conn, Sql, args};

use super::Departments;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) department_id: i64,
    pub(crate) password_hash: String,
    pub(crate) roles: String,
    pub(crate) active: bool,
}

/// A new staff account, as stored (active).
pub(crate) struct NewAccount<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub department_id: i64,
    pub password_hash: &'a str,
    /// Comma-separated role codes.
    pub roles: &'a str,
    pub now: OffsetDateTime,
}

pub(crate) async fn by_name(c: &mut impl Conn, username: &str) -> Result<Option<AccountRow>> {
    c.fetch_optional(
        "SELECT id, username, name, department_id, password_hash, roles, active FROM staff_accounts WHERE username = $1",
        args![username],
    )
    .await
}

pub(crate) async fn by_id(c: &mut impl Conn, id: i64) -> Result<Option<AccountRow>> {
    c.fetch_optional(
        "SELECT id, username, name, department_id, password_hash, roles, active FROM staff_accounts WHERE id = $1",
        args![id],
    )
    .await
}

pub(crate) async fn insert(c: &mut impl Conn, a: &NewAccount<'_>) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO staff_accounts (username, name, department_id, password_hash, roles, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            args![a.username, a.name, a.department_id, a.password_hash, a.roles, true, a.now],
        )
        .await?;
    Ok(id)
}

/// One page of the accounts of the departments `reach` names (by id), and how many there are
/// in all.
pub(crate) async fn list(
    c: &mut impl Conn,
    reach: &Departments,
    page: Page,
) -> Result<(Vec<AccountRow>, i64)> {
    let mut q = Sql::new("FROM staff_accounts a WHERE 1 = 1");
    if !reach.restrict(&mut q, "a.department_id") {
        return Ok((Vec::new(), 0));
    }
    let (total,): (i64,) = c
        .fetch_one(&format!("SELECT COUNT(*) {}", q.text), &q.args)
        .await?;
    let mut s = Sql::new(&format!(
        "SELECT a.id, a.username, a.name, a.department_id, a.password_hash, a.roles, a.active {}",
        q.text
    ));
    s.args = q.args.clone();
    s.cond(
        " ORDER BY a.id LIMIT ? OFFSET ?",
        [page.limit(), page.offset()],
    );
    let rows = c.fetch_all(&s.text, &s.args).await?;
    Ok((rows, total))
}

/// The roles of every active account (comma-separated codes each).
pub(crate) async fn active_roles(c: &mut impl Conn) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = c
        .fetch_all(
            "SELECT roles FROM staff_accounts WHERE active = $1",
            args![true],
        )
        .await?;
    Ok(rows.into_iter().map(|(r,)| r).collect())
}

pub(crate) async fn set_last_sign_in(
    c: &mut impl Conn,
    id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE staff_accounts SET last_sign_in_at = $1 WHERE id = $2",
        args![now, id],
    )
    .await?;
    Ok(())
}

pub(crate) async fn set_roles(
    c: &mut impl Conn,
    id: i64,
    roles: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE staff_accounts SET roles = $1, updated_at = $2 WHERE id = $3",
        args![roles, now, id],
    )
    .await?;
    Ok(())
}

pub(crate) async fn set_active(
    c: &mut impl Conn,
    id: i64,
    active: bool,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE staff_accounts SET active = $1, updated_at = $2 WHERE id = $3",
        args![active, now, id],
    )
    .await?;
    Ok(())
}

/// Sets (or with `None`, clears) a staff account's sealed home address and its blind index.
pub(crate) async fn set_home_address(
    c: &mut impl Conn,
    id: i64,
    sealed: Option<&str>,
    index: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE staff_accounts SET home_address_enc = $1, home_address_idx = $2, updated_at = $3 WHERE id = $4",
        args![sealed, index, now, id],
    )
    .await?;
    Ok(())
}

/// The blind index of a staff account's declared home address.
pub(crate) async fn home_address_index(c: &mut impl Conn, id: i64) -> Result<Option<String>> {
    let r: Option<(Option<String>,)> = c
        .fetch_optional(
            "SELECT home_address_idx FROM staff_accounts WHERE id = $1",
            args![id],
        )
        .await?;
    Ok(r.and_then(|r| r.0))
}
