//! Password hashing (argon2id, the crate's default parameters: m = 19 MiB, t = 2, p = 1) and the
//! password policy.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use yiwang_kernel::{Error, FieldError};

/// A dummy hash verified when an account does not exist, so that the answer takes as long as for
/// a wrong password and cannot be used to find accounts.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0mB1l2ZP8cJ3xw3T6LJWv0Ae7v8iJm7m3mG0uPq0w5Y";

pub fn hash(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

/// A password together with one argon2id hash of it (a PHC string with its own random salt),
/// computed once and given to [`crate::service::IdentityService::create_staff_with_hash`] for
/// many accounts that share that password. Only for loading the demo city, whose password is
/// public anyway: its accounts then share one salt, so one hash (about 20 ms and 19 MiB each)
/// serves them all. The hash is a real one: signing in verifies it like any other.
#[derive(Clone)]
pub struct SharedHash {
    password: String,
    phc: String,
}

impl SharedHash {
    /// Hashes `password` once (argon2id, as [`hash`]).
    pub fn new(password: &str) -> Result<SharedHash, Error> {
        Ok(SharedHash {
            password: password.to_string(),
            phc: hash(password)?,
        })
    }

    /// Whether this is the hash of `password`.
    pub fn is_for(&self, password: &str) -> bool {
        self.password == password
    }

    /// The PHC string (`$argon2id$…`).
    pub fn phc(&self) -> &str {
        &self.phc
    }
}

impl std::fmt::Debug for SharedHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedHash").finish_non_exhaustive()
    }
}

/// Verifies a password; `None` (no such account) spends the same time and fails.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), stored.unwrap_or(DUMMY))
        .is_ok();
    ok && stored.is_some()
}

/// The password policy: 10 to 128 characters from at least three of the four classes
/// (lower case, upper case, digits, symbols), not containing the account name.
pub fn check_policy(field: &str, password: &str, username: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let weak = |zh: &str, en: &str| Err(FieldError::new(field, "password.weak", zh, en));
    if !(10..=128).contains(&n) {
        return weak(
            "密码长度应为10至128个字符",
            "A password has 10 to 128 characters",
        );
    }
    if classes < 3 {
        return weak(
            "密码须包含小写字母、大写字母、数字、符号中的至少三类",
            "A password needs three of: lower case, upper case, digits, symbols",
        );
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return weak(
            "密码不能包含账号名",
            "A password cannot contain the account name",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("Yiwang@2026demo").unwrap();
        let b = hash("Yiwang@2026demo").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("Yiwang@2026demo", Some(&a)));
        assert!(!verify("yiwang@2026demo", Some(&a)));
        assert!(!verify("Yiwang@2026demo", None));
    }

    #[test]
    fn a_shared_hash_is_a_real_hash_of_its_password() {
        let h = SharedHash::new("Yiwang@2026demo").unwrap();
        assert!(h.is_for("Yiwang@2026demo"));
        assert!(!h.is_for("Yiwang@2026dem0"));
        assert!(h.phc().starts_with("$argon2id$"));
        assert!(verify("Yiwang@2026demo", Some(h.phc())));
        assert!(!verify("Yiwang@2026dem0", Some(h.phc())));
        assert!(
            !format!("{h:?}").contains("Yiwang"),
            "the password is not printed"
        );
    }

    #[test]
    fn policy() {
        assert!(check_policy("p", "Yiwang@2026demo", "zhang").is_ok());
        assert!(check_policy("p", "short1A!", "zhang").is_err());
        assert!(check_policy("p", "alllowercaseletters", "zhang").is_err());
        assert!(check_policy("p", "Zhang@2026abc", "zhang").is_err());
    }
}
