//! The rate limit per grant (`rate_per_minute`): an in-process token bucket keyed by the grant
//! id, without a database round trip per call.
//!
//! **With several replicas** each process keeps its own buckets, and each bucket holds this
//! node's share of the rate: `ceil(rate / live nodes)` tokens per minute, bursts up to that
//! share, where the live nodes are those whose heartbeat was seen within 30 s
//! ([`yiwang_store::cluster::Node::share`], counted at every heartbeat, every 10 s). Behind a
//! load balancer that spreads a consumer's calls evenly, the replicas together allow about the
//! grant's rate (at most `live × ceil(rate / live)`, i.e. less than `rate + live`) instead of
//! `live × rate`. A consumer whose calls all land on one replica gets only that replica's share
//! (the price of not sharing the buckets); when a replica stops, the others count one node
//! fewer within 30 s and each gets a larger share.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;
use yiwang_store::cluster::Node;

/// Token buckets, one per grant: this node's share of `rate` tokens per minute, bursts up to
/// that share.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<i64, Bucket>>,
    /// The replica this limiter runs on (alone by default).
    node: Node,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: OffsetDateTime,
    rate: i64,
}

impl Limiter {
    /// A limiter of replica `node`: its buckets hold the node's share of each rate.
    pub fn new(node: Node) -> Limiter {
        Limiter {
            buckets: Mutex::default(),
            node,
        }
    }

    /// Takes one token of grant `grant_id` at `now`. `Err(seconds)` (until a token is back)
    /// when the bucket is empty.
    pub fn take(
        &self,
        grant_id: i64,
        rate_per_minute: i64,
        now: OffsetDateTime,
    ) -> Result<(), u64> {
        let rate = self.node.share(rate_per_minute.max(1));
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

    /// Calls of grant 7 (60 a minute), four a second to each limiter, over three minutes.
    fn allowed(limiters: &[&Limiter], t0: OffsetDateTime) -> i64 {
        let mut n = 0;
        for s in 0..180 {
            for l in limiters {
                for _ in 0..4 {
                    n += i64::from(l.take(7, 60, t0 + Duration::seconds(s)).is_ok());
                }
            }
        }
        n
    }

    /// Two replicas on one database, a grant of 60 calls a minute, calls spread over both:
    /// together they allow what one process alone allows (a burst of 60, then 60 a minute),
    /// not twice that.
    #[tokio::test]
    async fn replicas_share_a_grants_rate() {
        let t = yiwang_store::testing::TestDb::new().await.unwrap();
        let t0 = datetime!(2026-12-01 10:00 UTC);
        let alone = allowed(&[&Limiter::default()], t0);
        // A burst of 60, then one a second.
        assert!((235..=241).contains(&alone), "{alone}");
        let (a, b) = (Node::new(), Node::new());
        for n in [&a, &b, &a] {
            n.heartbeat(&t.db, "127.0.0.1:0", "test", t0, t0)
                .await
                .unwrap();
        }
        let (la, lb) = (Limiter::new(a.clone()), Limiter::new(b.clone()));
        let together = allowed(&[&la, &lb], t0);
        assert!(
            (alone - 2..=alone + 2).contains(&together),
            "{together} vs {alone}"
        );
        // Without the split each would allow as much as one alone.
        let unsplit = allowed(&[&Limiter::default(), &Limiter::default()], t0);
        assert_eq!(unsplit, 2 * alone);
        // B stops and leaves: A has the whole rate again at its next heartbeat.
        b.leave(&t.db).await.unwrap();
        let later = t0 + Duration::minutes(10);
        a.heartbeat(&t.db, "127.0.0.1:0", "test", t0, later)
            .await
            .unwrap();
        let burst = (0..100).filter(|_| la.take(7, 60, later).is_ok()).count();
        assert_eq!(burst, 60);
    }
}
