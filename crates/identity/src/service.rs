//! Staff accounts and sessions.

use std::sync::Arc;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sm3::{Digest, Sm3};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Role, Scope, Staff, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError, Result, text};
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Db};

use crate::admins::{AccountChange, last_holder_check, needs_confirmation};
use crate::keys::{Keys, context};
use crate::lockout::LockoutPolicy;
use crate::password;
pub(crate) use crate::repo::staff::AccountRow;
use crate::repo::{sessions, staff};

/// Session lifetimes and the lockout policy.
#[derive(Debug, Clone, Copy)]
pub struct IdentityConfig {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: Duration,
    pub lockout: LockoutPolicy,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
            lockout: LockoutPolicy::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct IdentityService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: IdentityConfig,
    pub(crate) keys: Keys,
    pub(crate) register: crate::orgs::Register,
    /// Other domains' sealed data a key rotation rewraps ([`IdentityService::with_sealed_data`]).
    pub(crate) sealed: Vec<Arc<dyn crate::keys::SealedData>>,
    /// The divisions of API tokens' departments, kept briefly ([`crate::tokens`]).
    pub(crate) token_divisions: Arc<crate::tokens::Divisions>,
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

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn roles_of(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r.trim())).collect()
}

/// One account holds at most one of the three administrator roles, and an administrator
/// account holds no other role (三员分立).
fn check_admin_roles(roles: &[Role]) -> std::result::Result<(), FieldError> {
    let admins = roles
        .iter()
        .filter(|r| Role::ADMINISTRATORS.contains(r))
        .count();
    if admins > 1 {
        return Err(FieldError::new(
            "roles",
            "roles.separation_of_duties",
            "系统管理员、安全管理员、审计管理员三个角色不能由同一账号兼任",
            "The system, security and audit administrator roles cannot be held by one account",
        ));
    }
    if admins == 1 && roles.len() > 1 {
        return Err(FieldError::new(
            "roles",
            "roles.admin_only",
            "管理员账号不能同时持有业务角色",
            "An administrator account holds no business role",
        ));
    }
    Ok(())
}

/// Parses and checks a set of role codes: the roles and their comma-separated text.
pub(crate) fn parse_roles(roles: &[String]) -> Result<(Vec<Role>, String)> {
    let mut errs = Vec::new();
    let mut parsed = Vec::new();
    for (i, r) in roles.iter().enumerate() {
        match Role::parse(r.trim()) {
            Some(role) if !parsed.contains(&role) => parsed.push(role),
            Some(_) => {}
            None => errs.push(FieldError::one_of(
                format!("roles[{i}]"),
                &Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            )),
        }
    }
    if let Err(e) = check_admin_roles(&parsed) {
        errs.push(e);
    }
    if !errs.is_empty() {
        return Err(Error::validation(errs));
    }
    let text = parsed
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    Ok((parsed, text))
}

fn staff_account(a: &AccountRow) -> StaffAccount {
    StaffAccount {
        id: a.id,
        username: a.username.clone(),
        name: a.name.clone(),
        department_id: a.department_id,
        roles: a
            .roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        active: a.active,
    }
}

/// How often a session's last-seen time is written (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl IdentityService {
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: IdentityConfig, keys: Keys) -> Self {
        IdentityService {
            db,
            clock,
            config,
            keys,
            register: None,
            sealed: Vec::new(),
            token_divisions: Arc::default(),
        }
    }

    /// Adds another domain's sealed data to what a key rotation rewraps.
    pub fn with_sealed_data(mut self, data: Arc<dyn crate::keys::SealedData>) -> Self {
        self.sealed.push(data);
        self
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The lockout counter's key for a login name (a keyed hash; no name in clear).
    pub(crate) fn login_key(&self, kind: &str, login: &str) -> Result<String> {
        self.keys
            .blind_index(context::LOGIN, &format!("{kind}:{login}"))
    }

    /// Creates a session for an account and returns its token.
    pub(crate) async fn open_session(
        &self,
        tx: &mut impl Conn,
        kind: &str,
        account_id: i64,
        source: &str,
        now: OffsetDateTime,
    ) -> Result<(String, String, OffsetDateTime)> {
        let token = random_token();
        let csrf = random_token();
        let expires_at = now + self.config.absolute;
        sessions::insert(
            tx,
            &sessions::NewSession {
                token_hash: &token_hash(&token),
                kind,
                account_id,
                csrf: &csrf,
                now,
                expires_at,
                source,
            },
        )
        .await?;
        Ok((token, csrf, expires_at))
    }

    pub(crate) async fn account_by_name(
        c: &mut impl Conn,
        username: &str,
    ) -> Result<Option<AccountRow>> {
        staff::by_name(c, username).await
    }

    pub(crate) async fn account(c: &mut impl Conn, id: i64) -> Result<Option<AccountRow>> {
        staff::by_id(c, id).await
    }

    pub(crate) async fn staff_of(c: &mut impl Conn, a: AccountRow) -> Result<Staff> {
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
        self.create_staff_hashed(ctx, input, None).await
    }

    /// [`Self::create_staff`] storing `hash` (made once by [`password::SharedHash::new`] for
    /// `input.password`) instead of hashing the password again: for the platform itself
    /// loading the demo city, whose many accounts share one public password — they then share
    /// one salt. The same checks run (the password rules too); only a system actor may call it,
    /// and `hash` must be the hash of `input.password`.
    pub async fn create_staff_with_hash(
        &self,
        ctx: &Ctx,
        input: &StaffInput,
        hash: &password::SharedHash,
    ) -> Result<StaffAccount> {
        if !matches!(ctx.actor, Actor::System { .. }) {
            return Err(Error::internal(
                "create_staff_with_hash: only the platform itself may share a password hash",
            ));
        }
        if !hash.is_for(&input.password) {
            return Err(Error::internal(
                "create_staff_with_hash: the hash is not that of the account's password",
            ));
        }
        self.create_staff_hashed(ctx, input, Some(hash)).await
    }

    async fn create_staff_hashed(
        &self,
        ctx: &Ctx,
        input: &StaffInput,
        shared: Option<&password::SharedHash>,
    ) -> Result<StaffAccount> {
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
            self.denied(ctx, "account.create", &format!("staff:{}", input.username))
                .await;
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
        if let Err(e) = check_admin_roles(&roles) {
            errs.push(e);
        }
        if let Err(e) = password::check_policy("password", &input.password, &username) {
            errs.push(e);
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        // 三员分立: the system administrator creates accounts; only the security administrator
        // grants roles. An account created with roles needs both powers (the platform itself,
        // loading the demo or an operator's import, has them).
        if !roles.is_empty()
            && let Some(d) = &dept
            && let Err(e) = ctx.actor.require_on(
                Permission::RolesManage,
                Target {
                    department_id: Some(d.id),
                    division: &d.division_code,
                },
            )
        {
            self.denied(ctx, "account.create", &format!("staff:{username}"))
                .await;
            return Err(e.with_detail(
                "系统管理员只能创建账号，角色须由安全管理员授予",
                "A system administrator creates accounts; roles are granted by the security administrator",
            ));
        }
        let hash = match shared {
            Some(h) => h.phc().to_string(),
            None => {
                let pw = input.password.clone();
                tokio::task::spawn_blocking(move || password::hash(&pw))
                    .await
                    .map_err(Error::internal)??
            }
        };
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
        let id = staff::insert(
            &mut tx,
            &staff::NewAccount {
                username: &username,
                name: input.name.trim(),
                department_id: input.department_id,
                password_hash: &hash,
                roles: &roles_text,
                now,
            },
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

    /// Staff accounts the caller may manage: system administrators (accounts) and security
    /// administrators (who need the list to grant roles), each within their reach.
    pub async fn list_staff(&self, ctx: &Ctx, page: Page) -> Result<Paged<StaffAccount>> {
        let perm = if ctx.actor.has(Permission::AccountsManage) {
            Permission::AccountsManage
        } else {
            Permission::RolesManage
        };
        ctx.actor.require(perm)?;
        let scope = ctx.actor.scope_of(perm);
        if matches!(scope, Scope::Nothing) {
            return Err(Error::forbidden());
        }
        let mut c = self.db.clone();
        let reach = crate::reach::departments(&mut c, &scope).await?;
        let (rows, total) = staff::list(&mut c, &reach, page).await?;
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

    /// Resolves a session token; `None` when unknown, expired or idle too long. A person's
    /// session that acts for a legal person is checked against the live grant every time: a
    /// revoked or expired grant ends the acting (the session goes on for the person alone).
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let h = token_hash(token);
        let mut c = self.db.clone();
        let row = sessions::by_hash(&mut c, &h).await?;
        let Some(row) = row else { return Ok(None) };
        let now = self.clock.now();
        if now >= row.expires_at
            || now - row.last_seen_at > self.config.idle
            || now - row.created_at > self.config.absolute
        {
            sessions::delete(&mut c, &h).await?;
            return Ok(None);
        }
        let actor = match row.account_kind.as_str() {
            "staff" => {
                let Some(account) = Self::account(&mut c, row.account_id)
                    .await?
                    .filter(|a| a.active)
                else {
                    return Ok(None);
                };
                Actor::Staff(Self::staff_of(&mut c, account).await?)
            }
            "person" => {
                let Some(mut person) = self.person_actor(&mut c, row.account_id).await? else {
                    return Ok(None);
                };
                if let Some(org) = row.acting_for_org {
                    person.acting_for = self.acting_for(&mut c, row.account_id, org, now).await?;
                    if person.acting_for.is_none() {
                        sessions::stop_acting(&mut c, &h).await?;
                    }
                }
                Actor::Person(person)
            }
            _ => return Ok(None),
        };
        if now - row.last_seen_at > TOUCH_EVERY {
            sessions::touch(&mut c, &h, now).await?;
        }
        Ok(Some(Session {
            actor,
            csrf: row.csrf_token,
            expires_at: row.expires_at,
        }))
    }

    /// Ends a session for good.
    pub async fn sign_out(&self, token: &str, source: &str) -> Result<()> {
        let session = self.session(token).await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        sessions::delete(&mut tx, &token_hash(token)).await?;
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

    /// Records a refused attempt (`auth.denied`); a failed audit write is logged, not raised,
    /// so that the caller still gets the refusal.
    pub(crate) async fn denied(&self, ctx: &Ctx, attempted: &str, object: &str) {
        yiwang_audit::denied(&self.db, ctx, object, attempted, self.clock.now()).await;
    }

    /// Loads a staff account and checks `perm` over its department.
    pub(crate) async fn managed_account(
        &self,
        ctx: &Ctx,
        perm: Permission,
        id: i64,
        attempted: &str,
    ) -> Result<AccountRow> {
        let mut c = self.db.clone();
        let account = Self::account(&mut c, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let dept = department_in(&mut c, account.department_id)
            .await?
            .ok_or_else(|| Error::internal("account without department"))?;
        if let Err(e) = ctx.actor.require_on(
            perm,
            Target {
                department_id: Some(dept.id),
                division: &dept.division_code,
            },
        ) {
            self.denied(ctx, attempted, &format!("staff:{}", account.username))
                .await;
            // Out of reach looks like not there.
            return Err(if ctx.actor.has(perm) {
                Error::not_found()
            } else {
                e
            });
        }
        Ok(account)
    }

    /// Grants exactly `roles` to a staff account (security administrators, 安全管理员). Nobody
    /// changes their own roles; an administrator account holds its one role alone; the last
    /// active holder of an administrator role keeps it; a change to (or making) an
    /// administrator account waits for another administrator's confirmation ([`crate::admins`]).
    pub async fn set_roles(&self, ctx: &Ctx, id: i64, roles: &[String]) -> Result<AccountChange> {
        let account = self
            .managed_account(ctx, Permission::RolesManage, id, "account.roles")
            .await?;
        if ctx.actor.user_id() == Some(account.id) && ctx.actor.staff().is_some() {
            self.denied(ctx, "account.roles", &format!("staff:{}", account.username))
                .await;
            return Err(Error::forbidden()
                .with_detail("不能修改自己的角色", "You cannot change your own roles"));
        }
        let (parsed, text) = parse_roles(roles)?;
        let mut c = self.db.clone();
        last_holder_check(&mut c, &account, |r| parsed.contains(&r)).await?;
        if !matches!(ctx.actor, Actor::System { .. }) && needs_confirmation(&account, Some(&parsed))
        {
            return Ok(AccountChange::Pending(
                self.request_change(ctx, &account, "roles", &text).await?,
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        last_holder_check(&mut tx, &account, |r| parsed.contains(&r)).await?;
        let out = self.apply_roles(&mut tx, ctx, &account, &text, now).await?;
        tx.commit().await?;
        Ok(AccountChange::Applied(out))
    }

    pub(crate) async fn apply_roles(
        &self,
        tx: &mut impl Conn,
        ctx: &Ctx,
        account: &AccountRow,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<StaffAccount> {
        staff::set_roles(tx, account.id, text, now).await?;
        // Sessions carry the roles read at each request, so the change applies at once.
        record(
            tx,
            &Entry::success(
                &ctx.actor,
                "account.roles",
                format!("staff:{}", account.username),
            )
            .source(&ctx.source)
            .data(json!({ "from": account.roles, "to": text })),
            now,
        )
        .await?;
        let mut out = staff_account(account);
        out.roles = text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Ok(out)
    }

    /// Deactivates (ending every session at once) or reactivates a staff account (system
    /// administrators). The last active holder of an administrator role stays active; a change
    /// to an administrator account waits for another administrator's confirmation.
    pub async fn set_active(&self, ctx: &Ctx, id: i64, active: bool) -> Result<AccountChange> {
        let action = if active {
            "account.activate"
        } else {
            "account.deactivate"
        };
        let account = self
            .managed_account(ctx, Permission::AccountsManage, id, action)
            .await?;
        if ctx.actor.user_id() == Some(account.id) && ctx.actor.staff().is_some() {
            return Err(Error::forbidden().with_detail(
                "不能停用自己的账号",
                "You cannot deactivate your own account",
            ));
        }
        if !active {
            let mut c = self.db.clone();
            last_holder_check(&mut c, &account, |_| false).await?;
        }
        if !matches!(ctx.actor, Actor::System { .. }) && needs_confirmation(&account, None) {
            return Ok(AccountChange::Pending(
                self.request_change(ctx, &account, "active", &active.to_string())
                    .await?,
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if !active {
            last_holder_check(&mut tx, &account, |_| false).await?;
        }
        let out = self
            .apply_active(&mut tx, ctx, &account, active, now)
            .await?;
        tx.commit().await?;
        Ok(AccountChange::Applied(out))
    }

    pub(crate) async fn apply_active(
        &self,
        tx: &mut impl Conn,
        ctx: &Ctx,
        account: &AccountRow,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<StaffAccount> {
        let action = if active {
            "account.activate"
        } else {
            "account.deactivate"
        };
        staff::set_active(tx, account.id, active, now).await?;
        if !active {
            sessions::delete_staff(tx, account.id).await?;
        }
        record(
            tx,
            &Entry::success(&ctx.actor, action, format!("staff:{}", account.username))
                .source(&ctx.source),
            now,
        )
        .await?;
        let mut out = staff_account(account);
        out.active = active;
        Ok(out)
    }

    /// Whether any staff account exists (the demo loader uses it to stay idempotent).
    pub async fn staff_exists(&self, username: &str) -> Result<bool> {
        let mut c = self.db.clone();
        Ok(Self::account_by_name(&mut c, username).await?.is_some())
    }

    /// The roles of an active staff account (`None`: no such account, or deactivated). Other
    /// domains ask here rather than read `staff_accounts` (cases: who may receive a transfer).
    pub async fn active_staff_roles(&self, id: i64) -> Result<Option<Vec<Role>>> {
        let mut c = self.db.clone();
        Ok(Self::account(&mut c, id)
            .await?
            .filter(|a| a.active)
            .map(|a| roles_of(&a.roles)))
    }

    /// An active staff account by login name (appeals: a grid worker, a transfer's target).
    pub async fn active_staff_by_username(&self, username: &str) -> Result<Option<StaffAccount>> {
        let mut c = self.db.clone();
        Ok(Self::account_by_name(&mut c, username)
            .await?
            .filter(|a| a.active)
            .map(|a| staff_account(&a)))
    }

    /// A staff account by id, active or not (appeals: the assignee's name).
    pub async fn staff_by_id(&self, id: i64) -> Result<Option<StaffAccount>> {
        let mut c = self.db.clone();
        Ok(Self::account(&mut c, id).await?.map(|a| staff_account(&a)))
    }
}
