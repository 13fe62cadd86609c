//! The one sign-in pipeline of staff and natural persons.
//!
//! 1. Name the account: staff by account name; a person by ID number or mobile number, both of
//!    which lead to the same account, so failures count **per account** (a made-up login counts
//!    under its own keyed hash and answers the same).
//! 2. Refuse while the account, or the **source address**, is locked ([`LockoutPolicy`] per
//!    account, [`SOURCE_POLICY`] per address: a guesser trying many names from one address is
//!    stopped too). Attempts while locked count, so a steady guesser stays locked.
//! 3. Verify the password on the blocking pool, spending the same time whether or not the
//!    account exists.
//! 4. Open the session, clear the account's failures (never the address's), record
//!    `auth.sign_in`. Failures record `auth.sign_in_failed` (and `auth.locked` once).
//!
//! The audit object of a failure never carries the raw login: staff names are capped, a
//! person's login is a keyed hash.

use time::OffsetDateTime;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Actor, Person};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::codes::IdNumber;
use yiwang_kernel::{Error, Result};

use crate::keys::context;
use crate::lockout::{self, LockoutPolicy};
use crate::password;
use crate::people::normalize_mobile;
use crate::repo::{people, staff};
use crate::service::{IdentityService, Session};

/// Failures from one source address within which window lock the address: higher than an
/// account's limit, since a service hall's clerks may share one address.
pub const SOURCE_POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 30,
    window: time::Duration::minutes(15),
};

/// The longest login name looked up at all; longer ones cannot exist and are not stored.
const MAX_LOGIN: usize = 64;

/// At most the first `n` characters of `s` (never cut inside a character).
fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Who is signing in (or recovering an account, `recovery`), as the pipeline needs it.
pub(crate) struct Login {
    /// `staff` or `person` (the session's account kind).
    pub(crate) kind: &'static str,
    /// The lockout key: the account's, or the made-up login's.
    pub(crate) key: String,
    /// The audit object of a failure.
    pub(crate) object: String,
    /// The account, if the login names an active one: its id and password hash.
    pub(crate) account: Option<(i64, String)>,
}

impl IdentityService {
    /// Signs a member of staff in. Returns the session token (to put in a cookie) and the
    /// session. A wrong name and a wrong password get the same answer in the same time; after
    /// too many failures the name (and, for many names, the source address) is locked, whether
    /// or not it exists.
    pub async fn sign_in(
        &self,
        username: &str,
        password_in: &str,
        source: &str,
    ) -> Result<(String, Session)> {
        let (login, account) = self.staff_login(username).await?;
        let now = self.clock.now();
        let id = self.authenticate(&login, password_in, source, now).await?;
        let Some(account) = account.filter(|a| a.id == id) else {
            return Err(Error::internal("verified account vanished"));
        };
        let mut tx = self.db.write().await?;
        staff::set_last_sign_in(&mut tx, account.id, now).await?;
        let actor = Actor::Staff(Self::staff_of(&mut tx, account).await?);
        self.finish_sign_in(tx, &login, actor, source, now).await
    }

    /// Signs a person in by ID number or mobile number; same answers and lockout as staff,
    /// counted per account whichever number is used.
    pub async fn sign_in_person(
        &self,
        login_in: &str,
        password_in: &str,
        source: &str,
    ) -> Result<(String, Session)> {
        let now = self.clock.now();
        let (sign, row) = self.person_login(login_in, now).await?;
        let id = self.authenticate(&sign, password_in, source, now).await?;
        let Some(p) = row.filter(|p| p.id == id) else {
            return Err(Error::internal("verified person vanished"));
        };
        let mut tx = self.db.write().await?;
        people::set_last_sign_in(&mut tx, p.id, now).await?;
        let actor = Actor::Person(Person {
            person_id: p.id,
            name: p.name,
            acting_for: None,
        });
        self.finish_sign_in(tx, &sign, actor, source, now).await
    }

    /// Step 1 for staff: the account named (case-insensitive), and its lockout key.
    pub(crate) async fn staff_login(
        &self,
        username: &str,
    ) -> Result<(Login, Option<staff::AccountRow>)> {
        let username = username.trim().to_lowercase();
        let name = first_chars(&username, MAX_LOGIN);
        let mut c = self.db.clone();
        let account = if username.chars().count() <= MAX_LOGIN {
            Self::account_by_name(&mut c, &username).await?
        } else {
            None
        };
        let login = Login {
            kind: "staff",
            key: self.login_key("staff", name)?,
            object: format!("staff:{name}"),
            account: account
                .as_ref()
                .filter(|a| a.active)
                .map(|a| (a.id, a.password_hash.clone())),
        };
        Ok((login, account))
    }

    /// Step 1 for a person: the account an ID number or mobile number names, and its lockout
    /// key (the account's whichever number is used).
    pub(crate) async fn person_login(
        &self,
        login_in: &str,
        now: OffsetDateTime,
    ) -> Result<(Login, Option<people::PersonRow>)> {
        let login = login_in.trim().to_ascii_uppercase();
        let login = first_chars(&login, MAX_LOGIN).to_string();
        let phone = normalize_mobile(&login);
        let today = now.to_offset(CHINA_OFFSET).date();
        let mut c = self.db.clone();
        let row = match (&phone, IdNumber::parse(&login, today)) {
            (Some(p), _) => {
                let idx = self.keys.blind_index(context::PHONE, p)?;
                people::by_phone(&mut c, &idx).await?
            }
            (None, Ok(id)) => {
                let idx = self.keys.blind_index(context::ID_NUMBER, id.as_str())?;
                people::by_id_number(&mut c, &idx).await?
            }
            (None, Err(_)) => None,
        };
        let key = match &row {
            Some(p) => self.login_key("person", &format!("id:{}", p.id))?,
            None => self.login_key("person", phone.as_deref().unwrap_or(&login))?,
        };
        let object = format!("login:{}", key.get(..16).unwrap_or(&key));
        let sign = Login {
            kind: "person",
            key,
            object,
            account: row
                .as_ref()
                .filter(|p| p.active)
                .map(|p| (p.id, p.password_hash.clone())),
        };
        Ok((sign, row))
    }

    /// The lockout keys of an attempt: the account's and the source address's.
    pub(crate) fn attempt_keys(
        &self,
        login: &Login,
        source: &str,
    ) -> Result<[(String, LockoutPolicy); 2]> {
        Ok([
            (login.key.clone(), self.config.lockout),
            (self.login_key("source", source)?, SOURCE_POLICY),
        ])
    }

    /// Steps 2 and 3: the locks, then the password. Answers the account id.
    async fn authenticate(
        &self,
        login: &Login,
        password_in: &str,
        source: &str,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let source_key = self.login_key("source", source)?;
        let keys = [
            (login.key.as_str(), self.config.lockout),
            (source_key.as_str(), SOURCE_POLICY),
        ];
        if let Err(e) = lockout::check_all(&self.db, &keys, now).await {
            lockout::fail(&self.db, &keys, &login.object, source, now).await?;
            return Err(e);
        }
        let pw = password_in.to_string();
        let stored = login.account.as_ref().map(|(_, h)| h.clone());
        let ok = tokio::task::spawn_blocking(move || password::verify(&pw, stored.as_deref()))
            .await
            .map_err(Error::internal)?;
        match (&login.account, ok) {
            (Some((id, _)), true) => Ok(*id),
            _ => Err(lockout::fail(&self.db, &keys, &login.object, source, now).await?),
        }
    }

    /// Step 4: the session, in the transaction that clears the account's failures.
    async fn finish_sign_in(
        &self,
        mut tx: yiwang_store::Tx,
        login: &Login,
        actor: Actor,
        source: &str,
        now: OffsetDateTime,
    ) -> Result<(String, Session)> {
        let account_id = match &login.account {
            Some((id, _)) => *id,
            None => return Err(Error::internal("a session without an account")),
        };
        let (token, csrf, expires_at) = self
            .open_session(&mut tx, login.kind, account_id, source, now)
            .await?;
        lockout::clear(&mut tx, &login.key).await?;
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
}

#[cfg(test)]
mod tests {
    use super::first_chars;

    /// A long multi-byte login is cut by characters: a byte cut inside a character once left
    /// the whole login in place.
    #[test]
    fn logins_are_cut_by_characters() {
        assert_eq!(first_chars("abc", 2), "ab");
        assert_eq!(first_chars("ab", 5), "ab");
        let long = "名".repeat(100);
        assert_eq!(first_chars(&long, 64).chars().count(), 64);
    }
}
