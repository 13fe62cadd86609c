//! Throttling of the public progress query (办件进度查询): a case number is predictable and a
//! masked phone leaves 10⁴ guesses, so attempts are limited per case number (default 10 in 15
//! minutes) and per source address (default 30 in 15 minutes).
//!
//! Failures are rows in `progress_attempts`, shared by every server process on the database,
//! under keyed hashes (HMAC-SM3 blind indexes) of the case number and of the address: the table
//! names neither. A query first counts the failures of both keys (a read: a successful query
//! writes nothing); over a limit it is refused with `rate_limited` (429) and the seconds until a
//! query would pass again. A wrong credential and an unknown number record a failure alike.
//! Queries already under way when the limit is reached may still finish (at most one per
//! concurrent request).

use time::{Duration, OffsetDateTime};
use yiwang_identity::Keys;
use yiwang_kernel::{Error, Result};
use yiwang_store::Db;

use crate::repo;

/// How many failed progress queries within which window throttle a case number or a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressPolicy {
    pub per_case: i64,
    pub per_source: i64,
    pub window: Duration,
}

impl Default for ProgressPolicy {
    fn default() -> Self {
        ProgressPolicy {
            per_case: 10,
            per_source: 30,
            window: Duration::minutes(15),
        }
    }
}

const CASE_CONTEXT: &str = "cases.progress_case";
const SOURCE_CONTEXT: &str = "cases.progress_source";

/// The keys one query counts against, with their limits.
#[derive(Debug)]
pub(crate) struct Attempt {
    limits: Vec<(String, i64)>,
    now: OffsetDateTime,
    window: Duration,
}

/// Lets a query for `case_no` (normalised) from `source` (an address; empty — none known — is
/// counted per case number only) through, or refuses it when either is over its limit.
pub(crate) async fn check(
    db: &Db,
    keys: &Keys,
    policy: ProgressPolicy,
    case_no: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<Attempt> {
    let mut limits = vec![(
        format!("case:{}", keys.blind_index(CASE_CONTEXT, case_no)?),
        policy.per_case,
    )];
    if !source.is_empty() {
        limits.push((
            format!("source:{}", keys.blind_index(SOURCE_CONTEXT, source)?),
            policy.per_source,
        ));
    }
    let since = now - policy.window;
    let mut c = db.clone();
    let mut wait: Option<Duration> = None;
    for (key, max) in &limits {
        if repo::progress_failures(&mut c, key, since).await? >= *max {
            // A query passes again once only the newest `max - 1` failures are left.
            let expires = repo::nth_newest_progress_failure(&mut c, key, since, *max - 1)
                .await?
                .unwrap_or(now);
            let left = expires + policy.window - now;
            wait = Some(wait.map_or(left, |w| w.max(left)));
        }
    }
    match wait {
        Some(w) => {
            // Whole seconds, rounded up.
            let secs = w.whole_seconds() + i64::from(w.subsec_nanoseconds() > 0);
            Err(Error::rate_limited(u64::try_from(secs).unwrap_or(0)))
        }
        None => Ok(Attempt {
            limits,
            now,
            window: policy.window,
        }),
    }
}

/// The query found no case for its number and credential: one failure for each key.
pub(crate) async fn failed(db: &Db, a: &Attempt) -> Result<()> {
    let mut tx = db.write().await?;
    repo::forget_progress_failures(&mut tx, a.now - a.window).await?;
    for (key, _) in &a.limits {
        repo::add_progress_failure(&mut tx, key, a.now).await?;
    }
    tx.commit().await
}
