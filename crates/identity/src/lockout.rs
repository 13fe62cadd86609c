//! Lockout after repeated failed sign-ins (default: 5 failures within 15 minutes).
//!
//! Failures are counted per *login key*, a keyed hash (HMAC-SM3 blind index) of the normalised
//! login name, whether or not an account of that name exists: a locked name answers the same
//! for a real account and a made-up one, so lockout cannot be used to find accounts, and the
//! table holds no login name in clear. The lock lifts by itself when the failures age out of the
//! window; a successful sign-in clears the count. The sign-in pipeline (`signin`) also counts
//! failures per source address, under a key of its own.

use serde_json::json;
use time::{Duration, OffsetDateTime};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::{Conn, Db};

use crate::repo::lockout as repo;

/// How many failures within which window lock a login name.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub max_failures: i64,
    pub window: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::minutes(15),
        }
    }
}

/// Refuses when any of `keys` is locked under its policy.
pub async fn check_all(db: &Db, keys: &[(&str, LockoutPolicy)], now: OffsetDateTime) -> Result<()> {
    let mut c = db.clone();
    for (key, policy) in keys {
        if repo::failures(&mut c, key, now - policy.window).await? >= policy.max_failures {
            return Err(Error::new(ErrorCode::AccountLocked));
        }
    }
    Ok(())
}

/// Records one failure under every key (and the sign-in failure itself in the audit log); the
/// failure that reaches a key's limit also records `auth.locked`. Returns the error to answer
/// with. Attempts while locked are recorded too, so a steady guesser stays locked.
pub async fn fail(
    db: &Db,
    keys: &[(&str, LockoutPolicy)],
    object: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<Error> {
    let mut tx = db.write().await?;
    let actor = Actor::system("sign-in");
    let mut locked = false;
    let mut counts = Vec::with_capacity(keys.len());
    for (key, policy) in keys {
        repo::forget_until(&mut tx, key, now - policy.window).await?;
        repo::insert(&mut tx, key, now).await?;
        let n = repo::failures(&mut tx, key, now - policy.window).await?;
        counts.push(n);
        if n == policy.max_failures {
            record(
                &mut tx,
                &Entry::failure(&actor, "auth.locked", object)
                    .source(source)
                    .data(
                        json!({ "window_minutes": policy.window.whole_minutes(), "failures": n }),
                    ),
                now,
            )
            .await?;
        }
        // The attempt itself was wrong; the lock applies from the next one.
        locked |= n > policy.max_failures;
    }
    record(
        &mut tx,
        &Entry::failure(&actor, "auth.sign_in_failed", object)
            .source(source)
            .data(json!({ "failures_in_window": counts.first().copied().unwrap_or(0) })),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Error::new(if locked {
        ErrorCode::AccountLocked
    } else {
        ErrorCode::BadCredentials
    }))
}

/// Clears the count after a successful sign-in.
pub async fn clear(c: &mut impl Conn, key: &str) -> Result<()> {
    repo::clear(c, key).await
}
