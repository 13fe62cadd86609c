//! SQL of the OpenID Connect provider. One SQL text per query for both backends.
//!
//! Owns `oidc_clients`, `oidc_codes`, `oidc_access_tokens`, `oidc_signing_keys`; reads the
//! identity crate's `staff_accounts` and `sessions` (and `departments` for the claims).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, args};

use super::{ALG, OidcClient};
use crate::repo::Departments;

#[derive(Debug, sqlx::FromRow)]
pub(super) struct ClientRow {
    pub client_id: String,
    pub name: String,
    pub department_id: i64,
    pub redirect_uris: String,
    pub secret_hash: Option<String>,
    pub public_client: bool,
    pub scopes: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

const CLIENT_COLS: &str = "c.client_id, c.name, c.department_id, c.redirect_uris, c.secret_hash, \
     c.public_client, c.scopes, c.active, c.created_by, c.created_at";

impl ClientRow {
    pub fn redirects(&self) -> Vec<String> {
        serde_json::from_str(&self.redirect_uris).unwrap_or_default()
    }

    pub fn scopes(&self) -> Vec<&str> {
        self.scopes.split_whitespace().collect()
    }

    pub fn view(&self) -> OidcClient {
        OidcClient {
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            department_id: self.department_id,
            redirect_uris: self.redirects(),
            public: self.public_client,
            scopes: self.scopes().into_iter().map(str::to_string).collect(),
            active: self.active,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
        }
    }

    pub fn object(&self) -> String {
        format!("oidc_client:{}", self.client_id)
    }
}

/// A stored authorization code.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct CodeRow {
    pub client_id: String,
    pub account_id: i64,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub scope: String,
    pub auth_time: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub session_hash: Option<String>,
    /// When the signing-in session ends; `None` once it has (signed out, or deactivated).
    pub session_expires_at: Option<OffsetDateTime>,
}

/// A stored access token and whether its client is still active.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct AccessRow {
    pub client_id: String,
    pub account_id: i64,
    pub scope: String,
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
    pub client_active: bool,
    /// When the signing-in session ends; `None` once it has (signed out, or deactivated).
    pub session_expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, sqlx::FromRow)]
struct StaffAccountRow {
    id: i64,
    username: String,
    name: String,
    department_id: i64,
    active: bool,
}

/// What the tokens say about a member of staff.
#[derive(Debug)]
pub(super) struct StaffRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub department_id: i64,
    pub department_name: String,
    pub division_code: String,
    pub active: bool,
}

/// A new client, as stored.
pub(super) struct NewClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub department_id: i64,
    pub redirects_json: &'a str,
    pub secret_hash: Option<String>,
    pub public: bool,
    pub scopes: &'a str,
    pub created_by: &'a str,
    pub now: OffsetDateTime,
}

/// A new authorization code, as stored.
pub(super) struct NewCode<'a> {
    pub code_hash: &'a str,
    pub client_id: &'a str,
    pub account_id: i64,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub nonce: Option<String>,
    pub scope: &'a str,
    pub auth_time: OffsetDateTime,
    /// The signing-in session's token hash: the code and its tokens live as long as it.
    pub session_hash: &'a str,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A new access token, as stored.
pub(super) struct NewAccessToken<'a> {
    pub token_hash: &'a str,
    pub client_id: &'a str,
    pub account_id: i64,
    pub code_hash: &'a str,
    pub session_hash: Option<&'a str>,
    pub scope: &'a str,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

// ---- Signing keys ------------------------------------------------------------------------

/// Every published key (JWK text), newest first.
pub(super) async fn public_jwks(c: &mut impl Conn) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = c
        .fetch_all(
            "SELECT public_jwk FROM oidc_signing_keys ORDER BY created_at DESC, kid",
            args![],
        )
        .await?;
    Ok(rows.into_iter().map(|(j,)| j).collect())
}

/// The active key's id and sealed private key.
pub(super) async fn active_key(c: &mut impl Conn) -> Result<Option<(String, String)>> {
    c.fetch_optional(
        "SELECT kid, private_key FROM oidc_signing_keys WHERE algorithm = $1 AND active = $2",
        args![ALG, true],
    )
    .await
}

/// Stores a new active key; a `Duplicate` error when another node stored one first.
pub(super) async fn insert_key(
    c: &mut impl Conn,
    kid: &str,
    public_jwk: &str,
    sealed_private: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO oidc_signing_keys (kid, algorithm, public_jwk, private_key, created_at, active) VALUES ($1, $2, $3, $4, $5, $6)",
        args![kid, ALG, public_jwk, sealed_private, now, true],
    )
    .await
    .map(|_| ())
}

// ---- Clients -----------------------------------------------------------------------------

pub(super) async fn client(c: &mut impl Conn, client_id: &str) -> Result<Option<ClientRow>> {
    c.fetch_optional(
        &format!("SELECT {CLIENT_COLS} FROM oidc_clients c WHERE c.client_id = $1"),
        args![client_id],
    )
    .await
}

/// The clients of the departments `reach` names, oldest first.
pub(super) async fn clients(c: &mut impl Conn, reach: &Departments) -> Result<Vec<ClientRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {CLIENT_COLS} FROM oidc_clients c WHERE 1 = 1"
    ));
    if !reach.restrict(&mut q, "c.department_id") {
        return Ok(Vec::new());
    }
    q.push(" ORDER BY c.id");
    c.fetch_all(&q.text, &q.args).await
}

pub(super) async fn insert_client(c: &mut impl Conn, n: &NewClient<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO oidc_clients (client_id, name, department_id, redirect_uris, secret_hash, public_client, scopes, active, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![n.client_id, n.name, n.department_id, n.redirects_json, n.secret_hash.clone(), n.public, n.scopes, true, n.created_by, n.now],
    )
    .await
    .map(|_| ())
}

/// Deactivates a client and ends its outstanding codes and access tokens.
pub(super) async fn deactivate_client(
    c: &mut impl Conn,
    client_id: &str,
    by: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE oidc_clients SET active = $1, deactivated_by = $2, deactivated_at = $3 WHERE client_id = $4",
        args![false, by, now, client_id],
    )
    .await?;
    c.execute(
        "UPDATE oidc_codes SET used = $1 WHERE client_id = $2",
        args![true, client_id],
    )
    .await?;
    c.execute(
        "UPDATE oidc_access_tokens SET revoked = $1 WHERE client_id = $2",
        args![true, client_id],
    )
    .await?;
    Ok(())
}

// ---- Codes -------------------------------------------------------------------------------

/// When the session with this token hash was signed in.
pub(super) async fn session_signed_in_at(
    c: &mut impl Conn,
    session_hash: &str,
) -> Result<Option<OffsetDateTime>> {
    let row: Option<(OffsetDateTime,)> = c
        .fetch_optional(
            "SELECT created_at FROM sessions WHERE token_hash = $1",
            args![session_hash],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// Deletes codes and access tokens that expired before `before`.
pub(super) async fn purge_expired(c: &mut impl Conn, before: OffsetDateTime) -> Result<()> {
    c.execute(
        "DELETE FROM oidc_codes WHERE expires_at < $1",
        args![before],
    )
    .await?;
    c.execute(
        "DELETE FROM oidc_access_tokens WHERE expires_at < $1",
        args![before],
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_code(c: &mut impl Conn, n: &NewCode<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO oidc_codes (code_hash, client_id, account_id, redirect_uri, code_challenge, nonce, scope, auth_time, created_at, expires_at, used, session_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        args![n.code_hash, n.client_id, n.account_id, n.redirect_uri, n.code_challenge, n.nonce.clone(), n.scope, n.auth_time, n.now, n.expires_at, false, n.session_hash],
    )
    .await
    .map(|_| ())
}

pub(super) async fn code(c: &mut impl Conn, code_hash: &str) -> Result<Option<CodeRow>> {
    c.fetch_optional(
        "SELECT o.client_id, o.account_id, o.redirect_uri, o.code_challenge, o.nonce, o.scope, o.auth_time, o.expires_at, \
         o.session_hash, s.expires_at AS session_expires_at \
         FROM oidc_codes o LEFT JOIN sessions s ON s.token_hash = o.session_hash WHERE o.code_hash = $1",
        args![code_hash],
    )
    .await
}

/// Marks a code used; `false` when it already was (a replay).
pub(super) async fn claim_code(c: &mut impl Conn, code_hash: &str) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE oidc_codes SET used = $1 WHERE code_hash = $2 AND used = $3",
            args![true, code_hash, false],
        )
        .await?;
    Ok(n > 0)
}

// ---- Access tokens -----------------------------------------------------------------------

/// Revokes the access tokens issued for a code.
pub(super) async fn revoke_tokens_of_code(c: &mut impl Conn, code_hash: &str) -> Result<()> {
    c.execute(
        "UPDATE oidc_access_tokens SET revoked = $1 WHERE code_hash = $2",
        args![true, code_hash],
    )
    .await
    .map(|_| ())
}

pub(super) async fn insert_access_token(c: &mut impl Conn, n: &NewAccessToken<'_>) -> Result<()> {
    c.execute(
        "INSERT INTO oidc_access_tokens (token_hash, client_id, account_id, code_hash, scope, created_at, expires_at, revoked, session_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![n.token_hash, n.client_id, n.account_id, n.code_hash, n.scope, n.now, n.expires_at, false, n.session_hash],
    )
    .await
    .map(|_| ())
}

pub(super) async fn access_token(c: &mut impl Conn, token_hash: &str) -> Result<Option<AccessRow>> {
    c.fetch_optional(
        "SELECT t.client_id, t.account_id, t.scope, t.expires_at, t.revoked, c.active AS client_active, \
         s.expires_at AS session_expires_at \
         FROM oidc_access_tokens t JOIN oidc_clients c ON c.client_id = t.client_id \
         LEFT JOIN sessions s ON s.token_hash = t.session_hash WHERE t.token_hash = $1",
        args![token_hash],
    )
    .await
}

// ---- Staff -------------------------------------------------------------------------------

/// A member of staff with their department's name and division (read through the org domain).
pub(super) async fn staff(c: &mut impl Conn, account_id: i64) -> Result<Option<StaffRow>> {
    let row: Option<StaffAccountRow> = c
        .fetch_optional(
            "SELECT a.id, a.username, a.name, a.department_id, a.active FROM staff_accounts a WHERE a.id = $1",
            args![account_id],
        )
        .await?;
    let Some(a) = row else {
        return Ok(None);
    };
    let Some(d) = yiwang_org::service::department_in(c, a.department_id).await? else {
        return Ok(None);
    };
    Ok(Some(StaffRow {
        id: a.id,
        username: a.username,
        name: a.name,
        department_id: a.department_id,
        department_name: d.name,
        division_code: d.division_code.as_str().to_string(),
        active: a.active,
    }))
}
