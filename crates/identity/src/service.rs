//! Staff accounts and sessions.

use std::sync::Arc;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sm3::{Digest, Sm3};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record, record_now};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Role, Scope, Staff, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Db, Sql, args, like_prefix};

use crate::password;

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct IdentityConfig {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: Duration,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

#[derive(Clone, Debug)]
pub struct IdentityService {
    db: Db,
    clock: Arc<dyn Clock>,
    config: IdentityConfig,
}

/// A staff account as shown to administrators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub department_id: i64,
    pub roles: Vec<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct StaffInput {
    pub username: String,
    pub name: String,
    pub department_id: i64,
    /// Role codes, e.g. `catalog_editor`.
    pub roles: Vec<String>,
    pub password: String,
}

/// A live session: who it belongs to and its anti-forgery token.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    name: String,
    department_id: i64,
    password_hash: String,
    roles: String,
    active: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    account_id: i64,
    csrf_token: String,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn roles_of(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
}

/// How often a session's last-seen time is written (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl IdentityService {
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: IdentityConfig) -> Self {
        IdentityService { db, clock, config }
    }

    async fn account_by_name(c: &mut impl Conn, username: &str) -> Result<Option<AccountRow>> {
        c.fetch_optional(
            "SELECT id, username, name, department_id, password_hash, roles, active FROM staff_accounts WHERE username = $1",
            args![username],
        )
        .await
    }

    async fn account(c: &mut impl Conn, id: i64) -> Result<Option<AccountRow>> {
        c.fetch_optional(
            "SELECT id, username, name, department_id, password_hash, roles, active FROM staff_accounts WHERE id = $1",
            args![id],
        )
        .await
    }

    async fn staff_of(c: &mut impl Conn, a: AccountRow) -> Result<Staff> {
        let dept = department_in(c, a.department_id)
            .await?
            .ok_or_else(|| Error::internal("account without department"))?;
        Ok(Staff {
            user_id: a.id,
            username: a.username,
            name: a.name,
            department_id: a.department_id,
            division: dept.division_code,
            roles: roles_of(&a.roles),
        })
    }

    /// Creates a staff account (system administrators, within their division).
    pub async fn create_staff(&self, ctx: &Ctx, input: &StaffInput) -> Result<StaffAccount> {
        let mut c = self.db.clone();
        let dept = department_in(&mut c, input.department_id).await?;
        let allowed = match &dept {
            Some(d) => ctx.actor.require_on(
                Permission::AccountsManage,
                Target {
                    department_id: Some(d.id),
                    division: &d.division_code,
                },
            ),
            None => ctx.actor.require(Permission::AccountsManage),
        };
        if let Err(e) = allowed {
            let entry = Entry::failure(
                &ctx.actor,
                "auth.denied",
                format!("account:{}", input.username),
            )
            .source(&ctx.source)
            .data(json!({ "attempted": "account.create" }));
            if let Err(le) = record_now(&self.db, &entry, self.clock.now()).await {
                tracing::error!(error = %le, "audit write failed");
            }
            return Err(e);
        }
        let mut errs = Vec::new();
        let username = input.username.trim().to_lowercase();
        if !(3..=32).contains(&username.len())
            || !username
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        {
            errs.push(FieldError::new(
                "username",
                "username.format",
                "账号名为3至32位小写字母、数字、下划线或点",
                "An account name has 3 to 32 lower-case letters, digits, underscores or dots",
            ));
        }
        if let Err(e) = text::required("name", &input.name, 50) {
            errs.push(e);
        }
        if dept.is_none() {
            errs.push(FieldError::new(
                "department_id",
                "department.unknown",
                "部门不存在",
                "The department does not exist",
            ));
        }
        let mut roles = Vec::new();
        for (i, r) in input.roles.iter().enumerate() {
            match Role::parse(r.trim()) {
                Some(role) => roles.push(role),
                None => errs.push(FieldError::one_of(
                    format!("roles[{i}]"),
                    &Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                )),
            }
        }
        if let Err(e) = password::check_policy("password", &input.password, &username) {
            errs.push(e);
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let pw = input.password.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(Error::internal)??;
        let now = self.clock.now();
        let roles_text = roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.db.write().await?;
        if Self::account_by_name(&mut tx, &username).await?.is_some() {
            return Err(Error::field(FieldError::new(
                "username",
                "username.taken",
                "该账号名已被使用",
                "This account name is taken",
            )));
        }
        let (id,): (i64,) = tx
            .fetch_one(
                "INSERT INTO staff_accounts (username, name, department_id, password_hash, roles, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                args![&username, input.name.trim(), input.department_id, &hash, &roles_text, true, now],
            )
            .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "account.create", format!("staff:{username}"))
                .source(&ctx.source)
                .data(json!({ "roles": roles_text, "department": input.department_id })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(StaffAccount {
            id,
            username,
            name: input.name.trim().to_string(),
            department_id: input.department_id,
            roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
            active: true,
        })
    }

    /// Staff accounts the caller may manage.
    pub async fn list_staff(&self, ctx: &Ctx, page: Page) -> Result<Paged<StaffAccount>> {
        ctx.actor.require(Permission::AccountsManage)?;
        let mut q = Sql::new(
            "FROM staff_accounts a JOIN departments d ON d.id = a.department_id WHERE 1 = 1",
        );
        match ctx.actor.scope_of(Permission::AccountsManage) {
            Scope::Division(d) => {
                q.cond(
                    " AND d.division_code LIKE ? ESCAPE '\\'",
                    [like_prefix(d.prefix())],
                );
            }
            Scope::Department(id) => {
                q.cond(" AND a.department_id = ?", [id]);
            }
            Scope::Everything => {}
            Scope::Nothing => return Err(Error::forbidden()),
        }
        let mut c = self.db.clone();
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
        let rows: Vec<AccountRow> = c.fetch_all(&s.text, &s.args).await?;
        Ok(Paged {
            items: rows
                .into_iter()
                .map(|a| StaffAccount {
                    id: a.id,
                    roles: a
                        .roles
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    username: a.username,
                    name: a.name,
                    department_id: a.department_id,
                    active: a.active,
                })
                .collect(),
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// Signs a member of staff in. Returns the session token (to put in a cookie) and the
    /// session. A wrong name and a wrong password get the same answer in the same time.
    pub async fn sign_in(
        &self,
        username: &str,
        password_in: &str,
        source: &str,
    ) -> Result<(String, Session)> {
        let username = username.trim().to_lowercase();
        let mut c = self.db.clone();
        let account = Self::account_by_name(&mut c, &username).await?;
        let stored = account
            .as_ref()
            .filter(|a| a.active)
            .map(|a| a.password_hash.clone());
        let pw = password_in.to_string();
        let ok = tokio::task::spawn_blocking(move || password::verify(&pw, stored.as_deref()))
            .await
            .map_err(Error::internal)?;
        let now = self.clock.now();
        let actor_for_log = Actor::System {
            task: format!("sign-in:{username}"),
        };
        let Some(account) = account.filter(|_| ok) else {
            let entry = Entry::failure(
                &actor_for_log,
                "auth.sign_in_failed",
                format!("staff:{username}"),
            )
            .source(source);
            record_now(&self.db, &entry, now).await?;
            return Err(Error::new(ErrorCode::BadCredentials));
        };
        let token = random_token();
        let csrf = random_token();
        let expires_at = now + self.config.absolute;
        let mut tx = self.db.write().await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, account_kind, account_id, csrf_token, created_at, last_seen_at, expires_at, source) VALUES ($1, 'staff', $2, $3, $4, $4, $5, $6)",
            args![token_hash(&token), account.id, &csrf, now, expires_at, source],
        )
        .await?;
        tx.execute(
            "UPDATE staff_accounts SET last_sign_in_at = $1 WHERE id = $2",
            args![now, account.id],
        )
        .await?;
        let staff = Self::staff_of(&mut tx, account).await?;
        let actor = Actor::Staff(staff);
        record(
            &mut tx,
            &Entry::success(&actor, "auth.sign_in", actor.label()).source(source),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((
            token,
            Session {
                actor,
                csrf,
                expires_at,
            },
        ))
    }

    /// Resolves a session token; `None` when unknown, expired or idle too long.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let h = token_hash(token);
        let mut c = self.db.clone();
        let row: Option<SessionRow> = c
            .fetch_optional(
                "SELECT account_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1 AND account_kind = 'staff'",
                args![&h],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let now = self.clock.now();
        if now >= row.expires_at
            || now - row.last_seen_at > self.config.idle
            || now - row.created_at > self.config.absolute
        {
            c.execute("DELETE FROM sessions WHERE token_hash = $1", args![&h])
                .await?;
            return Ok(None);
        }
        let Some(account) = Self::account(&mut c, row.account_id)
            .await?
            .filter(|a| a.active)
        else {
            return Ok(None);
        };
        if now - row.last_seen_at > TOUCH_EVERY {
            c.execute(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
                args![now, &h],
            )
            .await?;
        }
        let staff = Self::staff_of(&mut c, account).await?;
        Ok(Some(Session {
            actor: Actor::Staff(staff),
            csrf: row.csrf_token,
            expires_at: row.expires_at,
        }))
    }

    /// Ends a session for good.
    pub async fn sign_out(&self, token: &str, source: &str) -> Result<()> {
        let session = self.session(token).await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        tx.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            args![token_hash(token)],
        )
        .await?;
        if let Some(s) = session {
            record(
                &mut tx,
                &Entry::success(&s.actor, "auth.sign_out", s.actor.label()).source(source),
                now,
            )
            .await?;
        }
        tx.commit().await
    }

    /// Whether any staff account exists (the demo loader uses it to stay idempotent).
    pub async fn staff_exists(&self, username: &str) -> Result<bool> {
        let mut c = self.db.clone();
        Ok(Self::account_by_name(&mut c, username).await?.is_some())
    }
}
