//! Start-up progress lines: each phase of a node's start (opening and migrating the database,
//! every part of the demo load, the KPI refresh after it, …) logs one `start-up phase` line at
//! info level with its name, its time and the process's resident set size after it, so where
//! the time and memory of a start go can be read from any log (`yiwang bench startup` prints
//! them). Used by the demo load and by `yiwang serve`.

use std::time::Instant;

/// The message of every progress line (the benchmark looks for it).
pub const MESSAGE: &str = "start-up phase";

/// The resident set size of this process in MiB (`VmRSS` of `/proc/self/status`; `None` where
/// there is no such file).
pub fn rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map(|kib| kib as f64 / 1024.0)
}

/// A phase being timed; [`Phase::done`] logs it.
#[derive(Debug)]
pub struct Phase {
    name: &'static str,
    started: Instant,
}

impl Phase {
    pub fn start(name: &'static str) -> Phase {
        Phase {
            name,
            started: Instant::now(),
        }
    }

    /// Logs the phase (time since [`Phase::start`], RSS now) and starts the next one.
    pub fn next(self, name: &'static str) -> Phase {
        self.done();
        Phase::start(name)
    }

    /// Logs the phase: its name, milliseconds and the RSS in MiB now.
    pub fn done(self) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let rss = rss_mib().map(|r| (r * 10.0).round() / 10.0);
        tracing::info!(
            phase = self.name,
            ms = (ms * 10.0).round() / 10.0,
            rss_mib = rss,
            "start-up phase"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_resident_set_and_phases_chain() {
        assert!(rss_mib().is_some_and(|r| r > 0.0));
        Phase::start("a").next("b").done();
    }
}
