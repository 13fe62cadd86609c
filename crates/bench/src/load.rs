//! The one load driver of every benchmark: concurrent clients repeat an operation for a fixed
//! time, each timing every call into its own latency histogram (microseconds); the clients'
//! counts and histograms merge into a [`Phase`], printed by [`Phase::line`] (rate, p50, p99,
//! max, errors).
//!
//! Two ways to run the clients:
//! - [`drive`]: tokio tasks, after a 2 s warm-up (statement caches, connections) — for
//!   anything that awaits: HTTP, the database, the services;
//! - [`bare`]: OS threads, one per client up to the number of cores, no warm-up — for pure CPU
//!   loops that never yield (hashes, signatures), the bare limits beside the services.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// The longest latency a histogram tells apart (a minute, in microseconds); longer calls count
/// as a minute.
const MAX_MICROS: u64 = 60_000_000;

/// How long [`drive`] runs its clients before measuring.
const WARM_UP: Duration = Duration::from_secs(2);

/// This machine's logical CPUs (1 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// One measured phase: every client's calls together.
pub struct Phase {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds.
    pub hist: Histogram<u64>,
}

impl Phase {
    /// Calls per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// This phase's rate as a percentage of another's.
    pub fn percent_of(&self, other: &Phase) -> f64 {
        100.0 * self.rate() / other.rate().max(1e-9)
    }

    /// The phase on one line: `name  rate /s  p50  p99  max  errors`.
    pub fn line(&self, name: &str) -> String {
        format!(
            "{name:<34} {:>10.0} /s   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   errors {}",
            self.rate(),
            self.hist.value_at_quantile(0.50) as f64 / 1000.0,
            self.hist.value_at_quantile(0.99) as f64 / 1000.0,
            self.hist.max() as f64 / 1000.0,
            self.errors
        )
    }

    /// The clients' tallies merged.
    fn merge(tallies: Vec<Tally>, elapsed: Duration) -> anyhow::Result<Phase> {
        let mut hist = Histogram::<u64>::new_with_bounds(1, MAX_MICROS, 3)?;
        let (mut requests, mut errors) = (0, 0);
        for t in tallies {
            requests += t.requests;
            errors += t.errors;
            hist.add(&t.hist)?;
        }
        Ok(Phase {
            requests,
            errors,
            elapsed,
            hist,
        })
    }
}

/// What one client counted.
struct Tally {
    requests: u64,
    errors: u64,
    hist: Histogram<u64>,
}

impl Tally {
    fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            requests: 0,
            errors: 0,
            hist: Histogram::new_with_bounds(1, MAX_MICROS, 3)?,
        })
    }

    /// One call: whether it succeeded and how long it took.
    fn record(&mut self, ok: bool, took: Duration) {
        self.requests += 1;
        if !ok {
            self.errors += 1;
        }
        self.hist
            .saturating_record(u64::try_from(took.as_micros()).unwrap_or(MAX_MICROS));
    }
}

/// Runs `f(client, i)` on `clients` tokio tasks for 2 s of warm-up, then for `seconds`
/// measured; `i` counts each client's calls from its own number on. `f` answers whether the
/// call succeeded (a failure counts as an error; the run goes on).
pub async fn drive<F, Fut>(clients: usize, seconds: u64, f: F) -> anyhow::Result<Phase>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = bool> + Send,
{
    tasks(clients, WARM_UP, f.clone()).await?;
    tasks(clients, Duration::from_secs(seconds), f).await
}

async fn tasks<F, Fut>(clients: usize, time: Duration, f: F) -> anyhow::Result<Phase>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = bool> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for c in 0..clients {
        let (f, stop) = (f.clone(), stop.clone());
        let mut tally = Tally::new()?;
        handles.push(tokio::spawn(async move {
            let mut i = c as u64;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = f(c, i).await;
                tally.record(ok, t.elapsed());
                i += 1;
                // An in-memory call never waits: let the timer and the other clients in, as a
                // server's per-request tasks would.
                tokio::task::yield_now().await;
            }
            tally
        }));
    }
    let t0 = Instant::now();
    tokio::time::sleep(time).await;
    stop.store(true, Ordering::SeqCst);
    let elapsed = t0.elapsed();
    let mut tallies = Vec::new();
    for h in handles {
        tallies.push(h.await?);
    }
    Phase::merge(tallies, elapsed)
}

/// Runs the CPU loop `f(i)` for `seconds` on OS threads (no async runtime: it never yields),
/// one per client up to the number of cores; `i` counts each thread's calls from its own
/// number on.
pub fn bare(
    clients: usize,
    seconds: u64,
    f: impl Fn(u64) -> bool + Send + Sync + Clone + 'static,
) -> anyhow::Result<Phase> {
    let threads = clients.min(cores()).max(1);
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for t in 0..threads {
        let f = f.clone();
        let mut tally = Tally::new()?;
        handles.push(std::thread::spawn(move || {
            let mut i = t as u64;
            while Instant::now() < until {
                let s = Instant::now();
                let ok = f(i);
                tally.record(ok, s.elapsed());
                i += 1;
            }
            tally
        }));
    }
    let mut tallies = Vec::new();
    for h in handles {
        tallies.push(
            h.join()
                .map_err(|_| anyhow::anyhow!("a benchmark thread failed"))?,
        );
    }
    Phase::merge(tallies, t0.elapsed())
}

/// Prints the first failure of each kind to stderr (the run goes on; the phase counts its
/// errors).
pub fn first_error(what: &'static str, message: &str) {
    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    if let Ok(mut seen) = SEEN.lock()
        && !seen.contains(&what)
    {
        seen.push(what);
        eprintln!("first {what} failure: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drive_counts_calls_and_errors_of_every_client() {
        // Every third call fails; four clients for one second after the warm-up.
        let p = drive(4, 1, |_, i| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            i % 3 != 0
        })
        .await
        .unwrap();
        assert!(p.requests > 4, "{} calls", p.requests);
        assert!(p.errors > 0 && p.errors < p.requests);
        assert_eq!(p.hist.len(), p.requests);
        // Each call slept at least a millisecond.
        assert!(p.hist.value_at_quantile(0.5) >= 1000);
        assert!(p.elapsed >= Duration::from_secs(1));
    }

    #[test]
    fn bare_runs_one_thread_per_client_up_to_the_cores() {
        let seen = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let s = seen.clone();
        let p = bare(64, 1, move |i| {
            if let Ok(mut s) = s.lock() {
                s.insert(std::thread::current().id());
            }
            i != 0
        })
        .unwrap();
        let threads = seen.lock().unwrap().len();
        assert_eq!(threads, cores().min(64));
        // Only thread 0's first call (i = 0) fails.
        assert_eq!(p.errors, 1);
        assert!(p.requests > 1);
        assert!((p.rate() - p.requests as f64 / p.elapsed.as_secs_f64()).abs() < 1e-6);
    }

    #[test]
    fn the_line_shows_rate_percentiles_and_errors() {
        let mut t = Tally::new().unwrap();
        for ms in [1u64, 2, 3, 4, 5, 100] {
            t.record(ms != 100, Duration::from_millis(ms));
        }
        let p = Phase::merge(vec![t], Duration::from_secs(2)).unwrap();
        let line = p.line("x");
        assert!(line.contains("3 /s"), "{line}");
        assert!(line.contains("p50    3.00 ms"), "{line}");
        assert!(
            line.contains("max  100.03 ms") || line.contains("max  100.00 ms"),
            "{line}"
        );
        assert!(line.ends_with("errors 1"), "{line}");
        let other = Phase::merge(vec![Tally::new().unwrap()], Duration::from_secs(1)).unwrap();
        assert_eq!(other.rate(), 0.0);
        assert!((p.percent_of(&p) - 100.0).abs() < 1e-9);
    }
}
