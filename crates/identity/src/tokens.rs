//! API tokens of department systems (machine clients).
//!
//! A security administrator issues a token to one department with a set of permissions
//! (business permissions only, never an administrator's) and an expiry of at most a year. The
//! token (`yw_` + 43 random characters) is shown once; only its SM3 hash is stored. A caller
//! presents it as `Authorization: Bearer …` and acts as [`Actor::Client`]: department reach,
//! the token's permissions and nothing else. Revocation takes effect on the next request.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{ApiClient, Ctx, Permission, Scope, Target};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, FieldError, Result, text};
use yiwang_org::service::department_in;

use crate::repo::tokens::{self as repo, NewToken, TokenRow};
use crate::service::{IdentityService, random_token, token_hash};

/// The permissions a token may carry: the allow-list [`Permission::FOR_TOKENS`].
pub fn grantable_permissions() -> impl Iterator<Item = Permission> {
    Permission::FOR_TOKENS.iter().copied()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TokenInput {
    /// What the system is, e.g. `市场监管局审批系统`.
    pub name: String,
    pub department_id: i64,
    /// Permission codes, e.g. `catalog.edit`.
    pub permissions: Vec<String>,
    /// Days until the token expires (1–366).
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub permissions: Vec<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

/// A new token: the secret is in `token`, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

impl From<TokenRow> for ApiToken {
    fn from(t: TokenRow) -> Self {
        ApiToken {
            id: t.id,
            name: t.name,
            department_id: t.department_id,
            permissions: t
                .permissions
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

impl IdentityService {
    async fn token_target_check(
        &self,
        ctx: &Ctx,
        department_id: i64,
        attempted: &str,
    ) -> Result<()> {
        let mut c = self.db.clone();
        let dept = department_in(&mut c, department_id).await?;
        let allowed = match &dept {
            Some(d) => ctx.actor.require_on(
                Permission::ApiTokensManage,
                Target {
                    department_id: Some(d.id),
                    division: &d.division_code,
                },
            ),
            None => ctx.actor.require(Permission::ApiTokensManage),
        };
        if let Err(e) = allowed {
            self.denied(ctx, attempted, &format!("department:{department_id}"))
                .await;
            return Err(e);
        }
        if dept.is_none() {
            return Err(Error::field(FieldError::new(
                "department_id",
                "department.unknown",
                "部门不存在",
                "The department does not exist",
            )));
        }
        Ok(())
    }

    /// Issues a token (security administrators, for departments in their division).
    pub async fn issue_token(&self, ctx: &Ctx, input: &TokenInput) -> Result<IssuedToken> {
        self.token_target_check(ctx, input.department_id, "token.create")
            .await?;
        let mut errs = Vec::new();
        let name = text::required("name", &input.name, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let mut perms = Vec::new();
        let allowed: Vec<&str> = grantable_permissions().map(|p| p.as_str()).collect();
        for (i, p) in input.permissions.iter().enumerate() {
            match Permission::parse(p.trim()).filter(|p| p.for_tokens()) {
                Some(p) if !perms.contains(&p) => perms.push(p),
                Some(_) => {}
                None => errs.push(FieldError::one_of(format!("permissions[{i}]"), &allowed)),
            }
        }
        if input.permissions.is_empty() {
            errs.push(FieldError::required("permissions"));
        }
        if !(1..=366).contains(&input.days) {
            errs.push(FieldError::range("days", 1, 366));
        }
        let Some(name) = name else {
            return Err(Error::validation(errs));
        };
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let token = format!("yw_{}", random_token());
        let now = self.clock.now();
        let expires_at = now + Duration::days(input.days);
        let perm_text = perms
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.db.write().await?;
        let new = NewToken {
            name: &name,
            department_id: input.department_id,
            token_hash: &token_hash(&token),
            permissions: &perm_text,
            created_by: &ctx.actor.label(),
            now,
            expires_at,
        };
        let id = repo::insert(&mut tx, &new).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "token.create", format!("token:{id}"))
                .source(&ctx.source)
                .data(json!({ "department": input.department_id, "permissions": perm_text, "days": input.days })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedToken {
            token,
            info: ApiToken {
                id,
                name,
                department_id: input.department_id,
                permissions: perms.iter().map(|p| p.as_str().to_string()).collect(),
                created_by: ctx.actor.label(),
                created_at: now,
                expires_at,
                revoked_at: None,
                last_used_at: None,
            },
        })
    }

    /// Tokens of the departments in the caller's reach.
    pub async fn list_tokens(&self, ctx: &Ctx) -> Result<Vec<ApiToken>> {
        ctx.actor.require(Permission::ApiTokensManage)?;
        let scope = ctx.actor.scope_of(Permission::ApiTokensManage);
        if matches!(scope, Scope::Nothing) {
            return Err(Error::forbidden());
        }
        let mut c = self.db.clone();
        let reach = crate::reach::departments(&mut c, &scope).await?;
        let rows = repo::list(&mut c, &reach).await?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    /// Revokes a token at once.
    pub async fn revoke_token(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let mut c = self.db.clone();
        let row = repo::by_id(&mut c, id).await?;
        let Some(row) = row else {
            ctx.actor.require(Permission::ApiTokensManage)?;
            return Err(Error::not_found());
        };
        if let Err(e) = self
            .token_target_check(ctx, row.department_id, "token.revoke")
            .await
        {
            return Err(if ctx.actor.has(Permission::ApiTokensManage) {
                Error::not_found()
            } else {
                e
            });
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        repo::revoke(&mut tx, id, now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "token.revoke", format!("token:{id}")).source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Resolves a bearer token; `None` when unknown, expired or revoked.
    pub async fn client(&self, token: &str) -> Result<Option<ApiClient>> {
        if !token.starts_with("yw_") || token.len() > 100 {
            return Ok(None);
        }
        let h = token_hash(token);
        let mut c = self.db.clone();
        let row = repo::by_hash(&mut c, &h).await?;
        let now = self.clock.now();
        let Some(row) = row.filter(|t| t.revoked_at.is_none() && t.expires_at > now) else {
            return Ok(None);
        };
        let Some(division) = self.token_division(&mut c, row.department_id).await? else {
            return Ok(None);
        };
        if row
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            repo::set_last_used(&mut c, row.id, now).await?;
        }
        Ok(Some(ApiClient {
            token_id: row.id,
            name: row.name,
            department_id: row.department_id,
            division,
            permissions: row
                .permissions
                .split(',')
                .filter_map(Permission::parse)
                .filter(|p| p.for_tokens())
                .collect(),
        }))
    }
}

/// How long the division of a token's department is kept.
const DIVISION_TTL: std::time::Duration = std::time::Duration::from_secs(10);
/// Most departments kept; beyond, the map starts afresh.
const DIVISION_ENTRIES: usize = 4_096;

/// The divisions of API tokens' departments, by department id, each kept [`DIVISION_TTL`]: a
/// bearer token is then one read (its own row: revocation, expiry, department and permissions
/// are seen at once on every request). A client's division only says where it sits — what it
/// may do reaches its own department, by id ([`yiwang_kernel::auth::Actor::may_on`]) — and a
/// department cannot be deleted while a token names it, so a division changed in the org
/// domain shows on clients within seconds without widening or narrowing any permission.
#[derive(Debug, Default)]
pub(crate) struct Divisions(
    std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, DivisionCode)>>,
);

impl IdentityService {
    /// The division of department `id` (`None` when there is no such department), from the
    /// org domain at most every [`DIVISION_TTL`].
    async fn token_division(
        &self,
        c: &mut yiwang_store::Db,
        id: i64,
    ) -> Result<Option<DivisionCode>> {
        let poisoned = |_| Error::internal("token divisions poisoned");
        let kept = self
            .token_divisions
            .0
            .lock()
            .map_err(poisoned)?
            .get(&id)
            .filter(|(at, _)| at.elapsed() < DIVISION_TTL)
            .map(|(_, d)| d.clone());
        if kept.is_some() {
            return Ok(kept);
        }
        let Some(dept) = department_in(c, id).await? else {
            return Ok(None);
        };
        let mut m = self.token_divisions.0.lock().map_err(poisoned)?;
        if m.len() >= DIVISION_ENTRIES {
            m.clear();
        }
        m.insert(id, (std::time::Instant::now(), dept.division_code.clone()));
        Ok(Some(dept.division_code))
    }
}
