//! The rate limit per grant (`rate_per_minute`): an in-process token bucket keyed by the grant
//! id. One node only — with several server processes each keeps its own buckets, so a consumer
//! may reach up to N × the rate across N nodes (a shared limiter would need a round trip per
//! call to the database or a cache).

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

/// Token buckets, one per grant: `rate` tokens per minute, bursts up to `rate`.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<i64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: OffsetDateTime,
    rate: i64,
}

impl Limiter {
    /// Takes one token of grant `grant_id` at `now`. `Err(seconds)` (until a token is back)
    /// when the bucket is empty.
    pub fn take(
        &self,
        grant_id: i64,
        rate_per_minute: i64,
        now: OffsetDateTime,
    ) -> Result<(), u64> {
        let rate = rate_per_minute.max(1);
        let cap = rate as f64;
        let per_second = cap / 60.0;
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() > 100_000 {
            // Grants come and go; forget full buckets rather than grow without bound.
            map.retain(|_, b| b.tokens < b.rate as f64);
        }
        let b = map.entry(grant_id).or_insert(Bucket {
            tokens: cap,
            at: now,
            rate,
        });
        if b.rate != rate {
            b.rate = rate;
            b.tokens = b.tokens.min(cap);
        }
        let elapsed = (now - b.at).as_seconds_f64().max(0.0);
        b.tokens = (b.tokens + elapsed * per_second).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - b.tokens) / per_second).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn a_bucket_allows_the_rate_then_refills() {
        let l = Limiter::default();
        let t = datetime!(2026-12-01 10:00 UTC);
        for _ in 0..3 {
            assert!(l.take(7, 3, t).is_ok());
        }
        assert_eq!(l.take(7, 3, t), Err(20));
        // Another grant has its own bucket.
        assert!(l.take(8, 3, t).is_ok());
        // One token comes back every 20 s at 3 per minute.
        assert!(l.take(7, 3, t + Duration::seconds(19)).is_err());
        assert!(l.take(7, 3, t + Duration::seconds(20)).is_ok());
        assert!(l.take(7, 3, t + Duration::seconds(20)).is_err());
        // Never more than the rate after a long pause.
        let later = t + Duration::hours(1);
        for _ in 0..3 {
            assert!(l.take(7, 3, later).is_ok());
        }
        assert!(l.take(7, 3, later).is_err());
    }
}
