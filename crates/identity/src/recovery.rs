//! Account recovery (找回账号 / 重置密码): a way back into an account whose password is
//! forgotten.
//!
//! 1. The identity officer (`account.recover`, role 实名核验专员) issues a **one-time reset
//!    code** after checking who is asking: a citizen shows their identity document at a window
//!    (the officer types the ID number and confirms the document was seen), a member of staff
//!    likewise. Never for an administrator of 三员分立 (system, security, audit administrator):
//!    their accounts change only by the two-person rule ([`crate::admins`]); never for the
//!    officer's own account. The code is shown once; only its SM3 hash is kept (like session
//!    tokens); it expires after [`CODE_LIFETIME`] and works once; issuing a new one ends the
//!    account's earlier codes. Audited (`account.reset_issued`).
//! 2. The person enters their login (ID number or mobile number, or a staff account name), the
//!    code and a new password (the sign-up password policy). The attempt runs the sign-in
//!    pipeline's steps ([`crate::signin`]): the same account and source-address locks, the same
//!    counting of failures; an unknown account, a wrong, used or expired code answer the same
//!    `bad_credentials`, after the same work (the new password is hashed either way). On
//!    success the password changes, every session of the account ends, the account's failures
//!    are cleared, and `account.reset_used` is audited; a failure audits
//!    `account.reset_failed` (plus the pipeline's `auth.sign_in_failed`).

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Role};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::IdNumber;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use crate::keys::context;
use crate::lockout;
use crate::password;
use crate::repo::{people, recovery as repo};
use crate::service::{IdentityService, roles_of, token_hash};
use crate::signin::Login;

/// How long a reset code works.
pub const CODE_LIFETIME: Duration = Duration::hours(24);

/// The code's alphabet: no 0/O, 1/I/L, so it can be read out and typed.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code (about 59 bits).
const CODE_LEN: usize = 12;

/// Whose account the officer opens again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResetRequest {
    /// `person` (a citizen, by ID number) or `staff` (by account name).
    pub kind: String,
    /// The citizen's ID number as read from the document, or the staff account name.
    pub login: String,
    /// The officer saw the identity document (原件) and it matches the person present.
    pub document_seen: bool,
}

/// A code just issued: shown once, never again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedReset {
    /// The one-time code (`XXXX-XXXX-XXXX`).
    pub code: String,
    /// Whose account (a person's name masked).
    pub account_name: String,
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A fresh code, grouped by four.
fn new_code() -> String {
    let bytes: [u8; CODE_LEN] = rand::random();
    let mut out = String::with_capacity(CODE_LEN + 2);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 256 is not a multiple of 31: the bias (at most 1/256) costs well under a bit.
        let ch = ALPHABET
            .get(usize::from(*b) % ALPHABET.len())
            .copied()
            .unwrap_or(b'2');
        out.push(char::from(ch));
    }
    out
}

/// A code as typed, the way it was hashed: upper case, without separators and spaces.
fn normalize_code(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn code_hash(code: &str) -> String {
    token_hash(&format!("reset:{}", normalize_code(code)))
}

/// The answer to every failed attempt: the account and the code are not told apart.
fn bad_code(e: Error) -> Error {
    if e.code == ErrorCode::BadCredentials {
        e.with_detail(
            "账号或重置码不正确，或重置码已使用、已过期",
            "Wrong account or reset code, or the code was used or has expired",
        )
    } else {
        e
    }
}

impl IdentityService {
    /// Issues a one-time reset code (identity officer, `account.recover`). See the module
    /// documentation for the rules.
    pub async fn issue_reset(&self, ctx: &Ctx, req: &ResetRequest) -> Result<IssuedReset> {
        if let Err(e) = ctx.actor.require(Permission::AccountRecover) {
            self.denied(ctx, "account.recover", "account").await;
            return Err(e);
        }
        let Actor::Staff(me) = &ctx.actor else {
            return Err(Error::forbidden());
        };
        let mut errs = Vec::new();
        if !req.document_seen {
            errs.push(FieldError::new(
                "document_seen",
                "recovery.document_not_seen",
                "请先核验本人身份证件原件，确认无误后勾选“已核验证件”",
                "Check the person's identity document first, then tick \"document seen\"",
            ));
        }
        let now = self.clock.now();
        let (kind, account_id, object, account_name) = match req.kind.trim() {
            "person" => {
                let today = now.to_offset(CHINA_OFFSET).date();
                let id = IdNumber::parse(req.login.trim(), today).map_err(|e| {
                    Error::validation(
                        errs.iter()
                            .cloned()
                            .chain([e.within("login")])
                            .collect::<Vec<_>>(),
                    )
                })?;
                if !errs.is_empty() {
                    return Err(Error::validation(errs));
                }
                let idx = self.keys.blind_index(context::ID_NUMBER, id.as_str())?;
                let mut c = self.db.clone();
                let row = people::by_id_number(&mut c, &idx).await?.ok_or_else(|| {
                    Error::field(FieldError::new(
                        "login",
                        "recovery.no_person",
                        "没有以该身份证件号码注册的账号（请引导其注册）",
                        "No account is registered with this ID number (help them sign up instead)",
                    ))
                })?;
                if !row.active {
                    return Err(Error::new(ErrorCode::InvalidState).with_detail(
                        "该账号已停用，不能重置密码",
                        "This account is deactivated; its password cannot be reset",
                    ));
                }
                (
                    "person",
                    row.id,
                    format!("person:{}", row.id),
                    yiwang_vault::mask_name(&row.name),
                )
            }
            "staff" => {
                if !errs.is_empty() {
                    return Err(Error::validation(errs));
                }
                let username = req.login.trim().to_lowercase();
                let mut c = self.db.clone();
                let id = Self::account_by_name(&mut c, &username)
                    .await?
                    .map(|a| a.id)
                    .ok_or_else(|| {
                        Error::field(FieldError::new(
                            "login",
                            "recovery.no_staff",
                            "没有这个工作人员账号",
                            "There is no staff account of this name",
                        ))
                    })?;
                let a = self
                    .managed_account(ctx, Permission::AccountRecover, id, "account.recover")
                    .await?;
                if roles_of(&a.roles)
                    .iter()
                    .any(|r| Role::ADMINISTRATORS.contains(r))
                {
                    self.denied(ctx, "account.recover", &format!("staff:{}", a.username))
                        .await;
                    return Err(Error::new(ErrorCode::InvalidState).with_detail(
                        "管理员账号（系统、安全、审计管理员）不能用重置码找回：须由另一名管理员按双人规则重设",
                        "Administrator accounts (system, security, audit) cannot be recovered with a code: another administrator resets them under the two-person rule",
                    ));
                }
                if a.id == me.user_id {
                    self.denied(ctx, "account.recover", &format!("staff:{}", a.username))
                        .await;
                    return Err(Error::new(ErrorCode::InvalidState).with_detail(
                        "不能为自己的账号签发重置码，请由另一名实名核验专员办理",
                        "You cannot issue a reset code for your own account; ask another identity officer",
                    ));
                }
                if !a.active {
                    return Err(Error::new(ErrorCode::InvalidState).with_detail(
                        "该账号已停用，不能重置密码",
                        "This account is deactivated; its password cannot be reset",
                    ));
                }
                ("staff", a.id, format!("staff:{}", a.username), a.name)
            }
            _ => {
                errs.push(FieldError::one_of("kind", &["person", "staff"]));
                return Err(Error::validation(errs));
            }
        };
        let code = new_code();
        let expires_at = now + CODE_LIFETIME;
        let hash = code_hash(&code);
        let mut tx = self.db.write().await?;
        repo::insert(
            &mut tx,
            &repo::NewReset {
                kind,
                account_id,
                code_hash: &hash,
                issued_by: &ctx.actor.label(),
                now,
                expires_at,
            },
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "account.reset_issued", object)
                .source(&ctx.source)
                .data(json!({
                    "document_seen": req.document_seen,
                    "expires_at": yiwang_kernel::clock::china_datetime(expires_at),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedReset {
            code,
            account_name,
            kind: kind.to_string(),
            expires_at,
        })
    }

    /// Sets a new password with a reset code, ending every session of the account. `login`
    /// is an ID number or mobile number (a citizen) or a staff account name.
    pub async fn recover(
        &self,
        login_in: &str,
        code: &str,
        new_password: &str,
        source: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        let trimmed = login_in.trim();
        let today = now.to_offset(CHINA_OFFSET).date();
        let as_person = crate::people::normalize_mobile(trimmed).is_some()
            || IdNumber::parse(&trimmed.to_ascii_uppercase(), today).is_ok();
        let (login, admin): (Login, bool) = if as_person {
            (self.person_login(trimmed, now).await?.0, false)
        } else {
            let (l, a) = self.staff_login(trimmed).await?;
            let admin = a.is_some_and(|a| {
                roles_of(&a.roles)
                    .iter()
                    .any(|r| Role::ADMINISTRATORS.contains(r))
            });
            (l, admin)
        };
        let keys = self.attempt_keys(&login, source)?;
        let keys_ref = [
            (keys[0].0.as_str(), keys[0].1),
            (keys[1].0.as_str(), keys[1].1),
        ];
        if let Err(e) = lockout::check_all(&self.db, &keys_ref, now).await {
            lockout::fail(&self.db, &keys_ref, &login.object, source, now).await?;
            self.reset_failed(&login, source, now).await;
            return Err(e);
        }
        // The policy is checked against the login as typed: the answer does not depend on
        // whether the account exists.
        password::check_policy("password", new_password, &trimmed.to_lowercase())
            .map_err(Error::field)?;
        let pw = new_password.to_string();
        // Hashed whether or not the account and code are right: the same work either way.
        let new_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(Error::internal)??;
        let hash = code_hash(code);
        let taken = match (&login.account, admin) {
            (Some((id, _)), false) => {
                let mut tx = self.db.write().await?;
                if repo::take(&mut tx, login.kind, *id, &hash, now).await? {
                    match login.kind {
                        "staff" => repo::set_staff_password(&mut tx, *id, &new_hash).await?,
                        _ => repo::set_person_password(&mut tx, *id, &new_hash).await?,
                    }
                    repo::end_sessions(&mut tx, login.kind, *id).await?;
                    lockout::clear(&mut tx, &login.key).await?;
                    let actor = Actor::system("account-recovery");
                    record(
                        &mut tx,
                        &Entry::success(
                            &actor,
                            "account.reset_used",
                            format!("{}:{id}", login.kind),
                        )
                        .source(source),
                        now,
                    )
                    .await?;
                    tx.commit().await?;
                    true
                } else {
                    tx.rollback().await?;
                    false
                }
            }
            _ => false,
        };
        if taken {
            return Ok(());
        }
        let e = lockout::fail(&self.db, &keys_ref, &login.object, source, now).await?;
        self.reset_failed(&login, source, now).await;
        Err(bad_code(e))
    }

    async fn reset_failed(&self, login: &Login, source: &str, now: OffsetDateTime) {
        let actor = Actor::system("account-recovery");
        let entry =
            Entry::failure(&actor, "account.reset_failed", login.object.clone()).source(source);
        if let Err(e) = yiwang_audit::record_now(&self.db, &entry, now).await {
            tracing::error!("audit of a failed account recovery: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_normalised_as_typed() {
        let c = new_code();
        assert_eq!(c.len(), CODE_LEN + 2);
        assert!(
            c.chars()
                .all(|ch| ch == '-' || ALPHABET.contains(&(ch as u8)))
        );
        assert_ne!(c, new_code());
        let typed = format!(" {} ", c.to_lowercase().replace('-', " "));
        assert_eq!(code_hash(&typed), code_hash(&c));
        assert_ne!(code_hash(&c), code_hash(&new_code()));
    }
}
