//! 三员分立 for the administrator accounts themselves.
//!
//! - An account holding one of [`Role::ADMINISTRATORS`] holds that role alone (checked in
//!   `service::check_admin_roles`).
//! - The last active holder of each administrator role can neither lose it nor be deactivated
//!   ([`last_holder_check`]).
//! - Two-person rule: a member of staff changing an administrator account (its roles or whether
//!   it is active), or making an account an administrator, only requests the change (a row of
//!   `admin_changes`, status `pending`); an administrator of another of the three roles, neither
//!   the requester nor the account concerned, confirms it (then it is applied, with the same
//!   checks as a direct change) or rejects it. The requester may withdraw it. The platform
//!   itself (command line, demo loader) applies changes directly.
//!
//! Owns the table `admin_changes`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Role, Target};
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_org::service::department_in;
use yiwang_store::Conn;

use crate::repo::admins::{self as repo, ChangeRow, NewChange};
use crate::repo::staff;
use crate::service::{AccountRow, IdentityService, StaffAccount, roles_of};

/// A requested change to an administrator account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdminChange {
    pub id: i64,
    pub account_id: i64,
    /// The account's name.
    pub account: String,
    /// `roles` or `active`.
    pub kind: String,
    /// The new comma-separated roles (`roles`), or `true` / `false` (`active`).
    pub payload: String,
    pub requested_by_id: i64,
    pub requested_by: String,
    /// The requester's administrator role; a confirmer must hold another one.
    pub requested_role: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

impl From<ChangeRow> for AdminChange {
    fn from(r: ChangeRow) -> Self {
        AdminChange {
            id: r.id,
            account_id: r.account_id,
            account: r.account,
            kind: r.kind,
            payload: r.payload,
            requested_by_id: r.requested_by_id,
            requested_by: r.requested_by,
            requested_role: r.requested_role,
            requested_at: r.requested_at,
            status: r.status,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
        }
    }
}

/// The outcome of a change to a staff account: applied at once, or waiting for another
/// administrator's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountChange {
    Applied(StaffAccount),
    Pending(AdminChange),
}

/// The administrator role an actor holds (one at most), if a member of staff.
pub fn admin_role_of(actor: &Actor) -> Option<Role> {
    actor
        .staff()?
        .roles
        .iter()
        .copied()
        .find(|r| Role::ADMINISTRATORS.contains(r))
}

/// The permission that gives an administrator role its reach.
fn reach_permission(role: Role) -> Permission {
    match role {
        Role::SystemAdmin => Permission::AccountsManage,
        Role::SecurityAdmin => Permission::RolesManage,
        _ => Permission::AuditRead,
    }
}

/// Whether a change to `account` (to `new_roles`, or any change when `None`) needs the
/// two-person rule: the account holds, or would hold, an administrator role.
pub(crate) fn needs_confirmation(account: &AccountRow, new_roles: Option<&[Role]>) -> bool {
    roles_of(&account.roles)
        .iter()
        .chain(new_roles.unwrap_or_default())
        .any(|r| Role::ADMINISTRATORS.contains(r))
}

/// Refuses a change that would leave an administrator role without an active holder:
/// `keeps(role)` says whether the account still holds `role`, actively, after the change.
pub(crate) async fn last_holder_check(
    c: &mut impl Conn,
    account: &AccountRow,
    keeps: impl Fn(Role) -> bool,
) -> Result<()> {
    if !account.active {
        return Ok(());
    }
    let held: Vec<Role> = roles_of(&account.roles)
        .into_iter()
        .filter(|r| Role::ADMINISTRATORS.contains(r) && !keeps(*r))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    let rows = staff::active_roles(c).await?;
    for role in held {
        let holders = rows
            .iter()
            .filter(|roles| roles_of(roles).contains(&role))
            .count();
        if holders <= 1 {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                format!(
                    "该账号是唯一在用的{}，不能收回该角色或停用账号（三员分立）",
                    role.zh()
                ),
                format!(
                    "This account is the only active {}; the role cannot be withdrawn nor the account deactivated",
                    role.en()
                ),
            ));
        }
    }
    Ok(())
}

impl IdentityService {
    /// Records a requested change to an administrator account (two-person rule).
    pub(crate) async fn request_change(
        &self,
        ctx: &Ctx,
        account: &AccountRow,
        kind: &str,
        payload: &str,
    ) -> Result<AdminChange> {
        let object = format!("staff:{}", account.username);
        let Some(role) = admin_role_of(&ctx.actor) else {
            self.denied(ctx, &format!("account.{kind}"), &object).await;
            return Err(Error::forbidden().with_detail(
                "管理员账号的变更只能由管理员提出",
                "Only an administrator may request a change to an administrator account",
            ));
        };
        let requester = ctx.actor.user_id().ok_or_else(Error::forbidden)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let pending = repo::pending_for(&mut tx, account.id).await?;
        if pending.is_some() {
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                "该账号已有一项待确认的变更，请先确认或撤回",
                "A change to this account is already waiting for confirmation; confirm or withdraw it first",
            ));
        }
        let new = NewChange {
            account_id: account.id,
            kind,
            payload,
            requested_by: requester,
            requested_role: role.as_str(),
            now,
        };
        let id = repo::insert(&mut tx, &new).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "account.change_requested", &object)
                .source(&ctx.source)
                .data(json!({ "change": id, "kind": kind, "from": account_state(account, kind), "to": payload })),
            now,
        )
        .await?;
        let change = Self::change_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(change)
    }

    async fn change_in(c: &mut impl Conn, id: i64) -> Result<AdminChange> {
        repo::by_id(c, id)
            .await?
            .map(AdminChange::from)
            .ok_or_else(Error::not_found)
    }

    /// Pending changes first, then the most recent decisions, of accounts within the caller's
    /// reach (any of the three administrators).
    pub async fn admin_changes(&self, ctx: &Ctx) -> Result<Vec<AdminChange>> {
        let Some(role) = admin_role_of(&ctx.actor) else {
            return Err(Error::forbidden());
        };
        let mut c = self.db.clone();
        let rows = repo::recent(&mut c).await?;
        let mut out = Vec::new();
        for r in rows {
            if self.within_reach(&mut c, ctx, role, r.account_id).await? {
                out.push(AdminChange::from(r));
            }
        }
        Ok(out)
    }

    async fn within_reach(
        &self,
        c: &mut impl Conn,
        ctx: &Ctx,
        role: Role,
        account_id: i64,
    ) -> Result<bool> {
        let Some(account) = Self::account(c, account_id).await? else {
            return Ok(false);
        };
        let Some(dept) = department_in(c, account.department_id).await? else {
            return Ok(false);
        };
        Ok(ctx
            .actor
            .require_on(
                reach_permission(role),
                Target {
                    department_id: Some(dept.id),
                    division: &dept.division_code,
                },
            )
            .is_ok())
    }

    /// Loads a pending change the caller may decide: `confirm` needs an administrator of
    /// another role than the requester's, neither the requester nor the account concerned;
    /// rejecting is also open to the requester (withdrawing).
    async fn decidable(&self, ctx: &Ctx, id: i64, confirm: bool) -> Result<AdminChange> {
        let attempted = if confirm {
            "account.change_confirmed"
        } else {
            "account.change_rejected"
        };
        let role = admin_role_of(&ctx.actor);
        let mut c = self.db.clone();
        let change = match role {
            Some(role) => match Self::change_in(&mut c, id).await {
                Ok(ch) if self.within_reach(&mut c, ctx, role, ch.account_id).await? => Some(ch),
                Ok(_) => None,
                Err(e) if e.code == ErrorCode::NotFound => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let (Some(role), Some(change)) = (role, change) else {
            self.denied(ctx, attempted, &format!("admin_change:{id}"))
                .await;
            return Err(if role.is_some() {
                Error::not_found()
            } else {
                Error::forbidden()
            });
        };
        let me = ctx.actor.user_id();
        let own = me == Some(change.requested_by_id);
        let allowed = if confirm {
            !own && me != Some(change.account_id) && role.as_str() != change.requested_role
        } else {
            own || (me != Some(change.account_id) && role.as_str() != change.requested_role)
        };
        if !allowed {
            self.denied(ctx, attempted, &format!("staff:{}", change.account))
                .await;
            return Err(Error::forbidden().with_detail(
                "须由另一类管理员（非提出人、非当事人）确认",
                "An administrator of another of the three roles, neither the requester nor the account concerned, must decide",
            ));
        }
        if change.status != "pending" {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("该变更已处理", "This change has already been decided"));
        }
        Ok(change)
    }

    /// Confirms a pending change and applies it (with the checks of a direct change).
    pub async fn confirm_change(&self, ctx: &Ctx, id: i64) -> Result<AdminChange> {
        let change = self.decidable(ctx, id, true).await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let account = Self::account(&mut tx, change.account_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let n = repo::decide(&mut tx, id, true, ctx.actor.user_id(), now).await?;
        if n != 1 {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        match change.kind.as_str() {
            "roles" => {
                let wanted: Vec<String> = change
                    .payload
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let (parsed, text) = crate::service::parse_roles(&wanted)?;
                last_holder_check(&mut tx, &account, |r| parsed.contains(&r)).await?;
                self.apply_roles(&mut tx, ctx, &account, &text, now).await?;
            }
            "active" => {
                let active = change.payload == "true";
                if !active {
                    last_holder_check(&mut tx, &account, |_| false).await?;
                }
                self.apply_active(&mut tx, ctx, &account, active, now)
                    .await?;
            }
            _ => return Err(Error::internal("unknown admin change kind")),
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "account.change_confirmed",
                format!("staff:{}", account.username),
            )
            .source(&ctx.source)
            .data(json!({ "change": id, "kind": change.kind, "to": change.payload, "requested_by": change.requested_by })),
            now,
        )
        .await?;
        let out = Self::change_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Rejects a pending change (or withdraws one's own); nothing is applied.
    pub async fn reject_change(&self, ctx: &Ctx, id: i64) -> Result<AdminChange> {
        let change = self.decidable(ctx, id, false).await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let n = repo::decide(&mut tx, id, false, ctx.actor.user_id(), now).await?;
        if n != 1 {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "account.change_rejected",
                format!("staff:{}", change.account),
            )
            .source(&ctx.source)
            .data(json!({ "change": id, "kind": change.kind, "to": change.payload, "requested_by": change.requested_by })),
            now,
        )
        .await?;
        let out = Self::change_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }
}

fn account_state(account: &AccountRow, kind: &str) -> String {
    if kind == "active" {
        account.active.to_string()
    } else {
        account.roles.clone()
    }
}
