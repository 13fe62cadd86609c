//! `yiwang bench cases`: online applications and the public progress query through the real
//! router over real HTTP on SQLite (WAL, `synchronous=FULL`), each beside the bare limit
//! measured in the same run with the same concurrency.
//!
//! Phases, `clients` concurrent tasks each, on a fresh SQLite file with the demo city and its
//! material files in a [`yiwang_files::LocalFileStore`] (durable writes) in the same temporary
//! directory:
//! 1. **submissions over HTTP**: one submission = three `POST /api/v1/me/uploads` (three
//!    distinct small PDFs, each stored durably) and `POST /api/v1/me/cases` with an
//!    `Idempotency-Key` (form validated, materials checked, personal data sealed, one durable
//!    commit), each client signed in as its own person; the latency is the whole submission;
//!    The two parts are also measured alone: the three uploads, and the application with one
//!    set of tickets per client reused;
//! 2. **bare insert**: the same rows — `case_sequences` upsert, the `cases` row (a real one
//!    from phase 1, with a new number), one `case_events` row and three `case_materials` rows —
//!    in one `BEGIN IMMEDIATE` transaction per submission, by plain sqlx on the same pool;
//!    once as is (waiting writers sleep in SQLite's busy handler) and once queued in process
//!    on a mutex, as `Db::write` queues them; no file is written;
//!    and the files alone — three written as durably as the file store writes them (temporary
//!    file, `fsync`, rename, directory `fsync`), no checks — and the whole submission bare:
//!    the three files, then the rows;
//! 3. **progress over HTTP**: `GET /api/v1/progress?case_no=&credential=` on the cases of
//!    phase 1 (ID number or phone, alternately);
//! 4. **progress direct**: `CaseService::progress`, no HTTP;
//! 5. **bare read**: the same columns of the same row by plain sqlx.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use yiwang_catalog::search::SearchParams;
use yiwang_identity::{Keys, PersonRegistration};
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_store::{Db, DbOptions};
use yiwang_web::{AppState, ServiceSettings, Services, WebConfig};

use crate::bench::{Phase, drive};
use crate::bench_auth::id_number;

const PASSWORD: &str = "Bench@2026pass";

/// A number never used twice in a run (idempotency keys, file contents).
static NEXT: AtomicU64 = AtomicU64::new(0);

fn k(e: yiwang_kernel::Error) -> anyhow::Error {
    crate::kernel_err(e)
}

/// A small valid PDF, distinct for every (client, submission, file), of about `size` bytes.
fn pdf(client: usize, n: u64, file: usize, size: usize) -> Bytes {
    let mut s = format!(
        "%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n% bench material {client}-{n}-{file}\n"
    );
    while s.len() + 40 < size {
        s.push_str("% ................................................\n");
    }
    s.push_str("trailer <<>>\n%%EOF\n");
    Bytes::from(s)
}

/// One signed-in applicant.
#[derive(Clone)]
struct Applicant {
    cookie: String,
    csrf: String,
    id_number: String,
    phone: String,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Prints the first failure of each kind (the run goes on; the phase counts its errors).
fn first_error(what: &'static str, message: &str) {
    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    if let Ok(mut seen) = SEEN.lock()
        && !seen.contains(&what)
    {
        seen.push(what);
        eprintln!("first {what} failure: {message}");
    }
}

async fn send(
    client: &HttpClient,
    req: hyper::Request<Full<Bytes>>,
) -> Option<(hyper::StatusCode, Bytes)> {
    let resp = client.request(req).await.ok()?;
    let status = resp.status();
    let body = resp.into_body().collect().await.ok()?.to_bytes();
    Some((status, body))
}

const ENTRIES: [(&str, &str); 3] = [
    ("M01", "%E5%B1%85%E6%B0%91%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf"), // 居民身份证.pdf
    ("M03", "%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"),                   // 申请表.pdf
    (
        "M04",
        "%E4%B8%8D%E5%8A%A8%E4%BA%A7%E6%9D%83%E8%AF%81%E4%B9%A6.pdf",
    ), // 不动产权证书.pdf
];

/// The three uploads of a submission; their tickets.
async fn upload(
    client: &HttpClient,
    base: &str,
    a: &Applicant,
    files: [Bytes; 3],
) -> Option<Vec<String>> {
    let mut tickets = Vec::new();
    for ((_, name), bytes) in ENTRIES.iter().zip(files) {
        let req = hyper::Request::post(format!("{base}/api/v1/me/uploads?name={name}"))
            .header("cookie", &a.cookie)
            .header("x-csrf-token", &a.csrf)
            .header("content-type", "application/octet-stream")
            .body(Full::new(bytes))
            .ok()?;
        let (status, body) = send(client, req).await?;
        if status != hyper::StatusCode::CREATED {
            first_error(
                "upload",
                &format!("{status} {}", String::from_utf8_lossy(&body)),
            );
            return None;
        }
        let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
        tickets.push(v["ticket"].as_str()?.to_string());
    }
    Some(tickets)
}

/// The application with the uploads' tickets; the case number when it was created (201).
async fn apply(
    client: &HttpClient,
    base: &str,
    a: &Applicant,
    item_code: &str,
    key: &str,
    tickets: &[String],
) -> Option<String> {
    let materials: Vec<serde_json::Value> = ENTRIES
        .iter()
        .zip(tickets)
        .map(|((entry, _), t)| serde_json::json!({"entry": entry, "ticket": t}))
        .collect();
    let body = serde_json::json!({
        "item_code": item_code,
        "form": {
            "from_division": "440803",
            "to_division": "440802",
            "to_address": "赤坎区南桥南路12号501房",
            "basis": "housing",
            "reason": "在赤坎区购买住房，申请将户口由霞山区迁入赤坎区。"
        },
        "materials": materials,
    });
    let req = hyper::Request::post(format!("{base}/api/v1/me/cases"))
        .header("cookie", &a.cookie)
        .header("x-csrf-token", &a.csrf)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Full::new(Bytes::from(body.to_string())))
        .ok()?;
    let (status, body) = send(client, req).await?;
    if status != hyper::StatusCode::CREATED {
        first_error(
            "apply",
            &format!("{status} {}", String::from_utf8_lossy(&body)),
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
    v["case_no"].as_str().map(str::to_string)
}

/// One whole submission: three uploads and the application.
async fn submit(
    client: &HttpClient,
    base: &str,
    a: &Applicant,
    item_code: &str,
    key: &str,
    files: [Bytes; 3],
) -> Option<String> {
    let tickets = upload(client, base, a, files).await?;
    apply(client, base, a, item_code, key, &tickets).await
}

pub async fn run(clients: usize, seconds: u64, file_bytes: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Db::connect(&url, DbOptions::default()).await.map_err(k)?;
    yiwang_store::migrate(&db).await.map_err(k)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = Keys::ephemeral().map_err(k)?;
    let t0 = Instant::now();
    yiwang_demo::load(&db, clock.clone(), keys.clone())
        .await
        .map_err(k)?;
    let files = yiwang_files::LocalFileStore::open(dir.path()).map_err(k)?;
    let settings = ServiceSettings {
        files: Arc::new(files),
        ..ServiceSettings::new(db.clone(), clock.clone(), keys)
    };
    let config = WebConfig::default();
    let state = AppState::new(config.clone(), Services::build(&config, settings)).map_err(k)?;
    // 户口迁移（省内迁移） of the city's public security bureau: a person's form, three
    // checklist entries (ID card, application form, title deed).
    let found = state
        .catalog
        .search(&SearchParams {
            q: Some("户口迁移".into()),
            division: Some("440800".into()),
            size: Some(50),
            ..Default::default()
        })
        .await
        .map_err(k)?;
    let item_code = found
        .items
        .iter()
        .find(|i| i.code.ends_with("3000105002001"))
        .map(|i| i.code.clone())
        .ok_or_else(|| anyhow::anyhow!("the demo's household-move item is missing"))?;
    let mut applicants = Vec::new();
    for i in 0..clients {
        let id = id_number(i);
        let phone = format!("139{i:08}");
        let (token, session) = state
            .identity
            .register_person(
                &PersonRegistration {
                    name: "测试用户".into(),
                    id_number: id.clone(),
                    phone: phone.clone(),
                    password: PASSWORD.into(),
                },
                "",
            )
            .await
            .map_err(k)?;
        applicants.push(Applicant {
            cookie: format!("{}={token}", yiwang_web::session::SESSION_COOKIE),
            csrf: session.csrf,
            id_number: id,
            phone,
        });
    }
    println!(
        "cases: demo city and {clients} signed-in applicants ready in {:.1} s on {url}; files in {}",
        t0.elapsed().as_secs_f64(),
        dir.path().join("files").display()
    );
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up; item {item_code}; files of {file_bytes} bytes",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = yiwang_web::app(state.clone());
    let server = tokio::spawn(yiwang_web::serve(listener, app, std::future::pending()));
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(clients)
        .build_http();

    // One client alone first: where a submission's time goes.
    {
        let a = &applicants[0];
        let mut best = (f64::MAX, f64::MAX);
        for n in 0..20u64 {
            let t = Instant::now();
            let no = submit(
                &client,
                &base,
                a,
                &item_code,
                &format!("solo-{n}"),
                [0, 1, 2].map(|f| pdf(usize::MAX, n, f, file_bytes)),
            )
            .await
            .ok_or_else(|| anyhow::anyhow!("a submission failed"))?;
            let whole = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            state
                .cases
                .progress(&yiwang_kernel::auth::Ctx::anonymous(), &no, &a.id_number)
                .await
                .map_err(k)?;
            best = (
                best.0.min(whole),
                best.1.min(t.elapsed().as_secs_f64() * 1000.0),
            );
        }
        println!(
            "one client alone (best of 20): submission {:.2} ms (3 uploads + apply), progress query {:.3} ms in process",
            best.0, best.1
        );
    }

    // 1. Submissions over HTTP.
    let created: Arc<Mutex<Vec<(String, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let submissions = {
        let (client, base, item_code) = (client.clone(), base.clone(), item_code.clone());
        let applicants = Arc::new(applicants.clone());
        let created = created.clone();
        drive(clients, seconds, move |c, _| {
            let (client, base, item_code) = (client.clone(), base.clone(), item_code.clone());
            let (applicants, created) = (applicants.clone(), created.clone());
            async move {
                let a = &applicants[c];
                // Unique across the warm-up and the measurement: new keys, new files.
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let key = format!("bench-{c}-{n}");
                let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
                match submit(&client, &base, a, &item_code, &key, files).await {
                    Some(no) => {
                        if let Ok(mut v) = created.lock() {
                            v.push((no, c));
                        }
                        true
                    }
                    None => false,
                }
            }
        })
        .await?
    };
    // The parts alone: uploads only, and applications reusing one set of tickets per client.
    let uploads = {
        let (client, base) = (client.clone(), base.clone());
        let applicants = Arc::new(applicants.clone());
        drive(clients, seconds, move |c, _| {
            let (client, base, applicants) = (client.clone(), base.clone(), applicants.clone());
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
                upload(&client, &base, &applicants[c], files)
                    .await
                    .is_some()
            }
        })
        .await?
    };
    let mut tickets = Vec::new();
    for (c, a) in applicants.iter().enumerate() {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
        tickets.push(
            upload(&client, &base, a, files)
                .await
                .ok_or_else(|| anyhow::anyhow!("an upload failed"))?,
        );
    }
    let applies = {
        let (client, base, item_code) = (client.clone(), base.clone(), item_code.clone());
        let applicants = Arc::new(applicants.clone());
        let tickets = Arc::new(tickets);
        let created = created.clone();
        drive(clients, seconds, move |c, _| {
            let (client, base, item_code) = (client.clone(), base.clone(), item_code.clone());
            let (applicants, tickets, created) =
                (applicants.clone(), tickets.clone(), created.clone());
            async move {
                let key = format!("bench-{c}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
                match apply(
                    &client,
                    &base,
                    &applicants[c],
                    &item_code,
                    &key,
                    &tickets[c],
                )
                .await
                {
                    Some(no) => {
                        if let Ok(mut v) = created.lock() {
                            v.push((no, c));
                        }
                        true
                    }
                    None => false,
                }
            }
        })
        .await?
    };
    let created: Vec<(String, usize)> = created
        .lock()
        .map(|v| v.clone())
        .map_err(|_| anyhow::anyhow!("poisoned"))?;
    let Some((sample_no, _)) = created.first().cloned() else {
        anyhow::bail!("no case was created");
    };

    // 2. The bare limit: the same rows by plain sqlx, one transaction per submission.
    let yiwang_store::Db::Sqlite(pool, _) = db.clone() else {
        anyhow::bail!("the bench runs on SQLite");
    };
    let mut c = db.clone();
    let row = yiwang_cases::repo::by_no(&mut c, &sample_no)
        .await
        .map_err(k)?
        .ok_or_else(|| anyhow::anyhow!("sample case missing"))?;
    let sample = Arc::new(row);
    // Plain (writers meet SQLite's busy handler), then queued in process like `Db::write`.
    let bare = |queue: Option<Arc<tokio::sync::Mutex<()>>>| {
        let pool = pool.clone();
        let sample = sample.clone();
        drive(clients, seconds, move |c, _| {
            let (pool, r, queue) = (pool.clone(), sample.clone(), queue.clone());
            async move {
                let _turn = match &queue {
                    Some(q) => Some(q.lock().await),
                    None => None,
                };
                match insert_rows(&pool, &r, c, NEXT.fetch_add(1, Ordering::Relaxed)).await {
                    Ok(()) => true,
                    Err(e) => {
                        first_error("bare insert", &e.to_string());
                        false
                    }
                }
            }
        })
    };
    let bare_insert = bare(None).await?;
    let bare_queued = bare(Some(Arc::new(tokio::sync::Mutex::new(())))).await?;
    // The files alone, and the whole submission bare: three durable files, then the rows.
    let bare_dir = Arc::new(dir.path().join("bare"));
    let bare_files = {
        let bare_dir = bare_dir.clone();
        drive(clients, seconds, move |c, _| {
            let dir = bare_dir.clone();
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                write_files(dir, c, n, file_bytes).await.is_ok()
            }
        })
        .await?
    };
    let bare_whole = {
        let (pool, sample, bare_dir) = (pool.clone(), sample.clone(), bare_dir.clone());
        drive(clients, seconds, move |c, _| {
            let (pool, r, dir) = (pool.clone(), sample.clone(), bare_dir.clone());
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                write_files(dir, c, n, file_bytes).await.is_ok()
                    && insert_rows(&pool, &r, c, n).await.is_ok()
            }
        })
        .await?
    };

    // 3.–5. Progress queries over HTTP, in process, and the bare read.
    let targets: Arc<Vec<(String, String)>> = Arc::new(
        created
            .iter()
            .enumerate()
            .map(|(n, (no, c))| {
                let a = &applicants[*c];
                let cred = if n % 2 == 0 { &a.id_number } else { &a.phone };
                (no.clone(), cred.clone())
            })
            .collect(),
    );
    let progress_http = {
        let (client, base, targets) = (client.clone(), base.clone(), targets.clone());
        drive(clients, seconds, move |_, i| {
            let (client, base, targets) = (client.clone(), base.clone(), targets.clone());
            async move {
                let (no, cred) = &targets[(i as usize * 7919) % targets.len()];
                let Ok(req) = hyper::Request::get(format!(
                    "{base}/api/v1/progress?case_no={no}&credential={cred}"
                ))
                .body(Full::new(Bytes::new())) else {
                    return false;
                };
                matches!(send(&client, req).await, Some((s, _)) if s.is_success())
            }
        })
        .await?
    };
    server.abort();
    let progress_direct = {
        let (cases, targets) = (state.cases.clone(), targets.clone());
        drive(clients, seconds, move |_, i| {
            let (cases, targets) = (cases.clone(), targets.clone());
            async move {
                let (no, cred) = &targets[(i as usize * 7919) % targets.len()];
                cases
                    .progress(&yiwang_kernel::auth::Ctx::anonymous(), no, cred)
                    .await
                    .is_ok()
            }
        })
        .await?
    };
    let bare_read = {
        let (pool, targets) = (pool.clone(), targets.clone());
        drive(clients, seconds, move |_, i| {
            let (pool, targets) = (pool.clone(), targets.clone());
            async move {
                let (no, _) = &targets[(i as usize * 7919) % targets.len()];
                bare_read(&pool, no).await.is_ok()
            }
        })
        .await?
    };

    let rate = |p: &Phase| p.requests as f64 / p.elapsed.as_secs_f64();
    println!();
    println!(
        "{}",
        submissions.line("submissions over HTTP (3 uploads + apply)")
    );
    println!(
        "{}",
        bare_insert.line("bare insert of the same rows (sqlx)")
    );
    println!(
        "{}",
        bare_queued.line("  the same, writers queued in process")
    );
    println!("{}", bare_files.line("bare write of 3 durable files"));
    println!("{}", bare_whole.line("bare submission: 3 files + the rows"));
    println!("{}", uploads.line("  part: 3 uploads alone"));
    println!("{}", applies.line("  part: apply alone (tickets reused)"));
    println!("{}", progress_http.line("progress queries over HTTP"));
    println!(
        "{}",
        progress_direct.line("CaseService::progress (no HTTP)")
    );
    println!("{}", bare_read.line("bare read of the same row (sqlx)"));
    let bare_best = rate(&bare_insert).max(rate(&bare_queued));
    println!(
        "submissions reach {:.0}% of the better bare insert rate and {:.0}% of the bare submission with its files (targets: ≥ 50 % of the bare insert and ≥ 1,000/s); progress {:.0}% of the bare read (target ≥ 10,000/s, p99 < 50 ms)",
        100.0 * rate(&submissions) / bare_best,
        100.0 * rate(&submissions) / rate(&bare_whole),
        100.0 * rate(&progress_http) / rate(&bare_read)
    );
    let mut c = db.clone();
    let (n,): (i64,) = yiwang_store::Conn::fetch_one(&mut c, "SELECT COUNT(*) FROM cases", &[])
        .await
        .map_err(k)?;
    println!("{n} cases in the database after the run");
    db.close().await;
    Ok(())
}

/// Three files written as durably as the file store writes them, without its checks: a
/// temporary file in a two-level directory, `fsync`, rename, `fsync` of the directory (the
/// directories are created on first use and synced then).
async fn write_files(
    root: Arc<std::path::PathBuf>,
    client: usize,
    n: u64,
    size: usize,
) -> std::io::Result<()> {
    use std::io::Write;
    tokio::task::spawn_blocking(move || {
        for f in 0..3 {
            let bytes = pdf(client, n, f, size);
            let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (f as u64);
            let leaf = root
                .join(format!("{:02x}", h >> 56))
                .join(format!("{:02x}", (h >> 48) & 0xff));
            if !leaf.exists() {
                std::fs::create_dir_all(&leaf)?;
                for d in [leaf.parent().unwrap_or(&leaf), root.as_path()] {
                    std::fs::File::open(d)?.sync_all()?;
                }
            }
            let path = leaf.join(format!("{client}-{n}-{f}"));
            let tmp = leaf.join(format!(".{client}-{n}-{f}.tmp"));
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&leaf)?.sync_all()?;
        }
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The rows of one submission, as the cases domain writes them, in one durable transaction.
async fn insert_rows(
    pool: &sqlx::SqlitePool,
    r: &yiwang_cases::repo::CaseRow,
    client: usize,
    n: u64,
) -> Result<(), sqlx::Error> {
    let now = SystemClock.now();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let prefix = format!("BARE{}", &r.case_no[..r.case_no.len().saturating_sub(6)]);
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO case_sequences (prefix, last_value) VALUES ($1, 1) \
         ON CONFLICT (prefix) DO UPDATE SET last_value = case_sequences.last_value + 1 RETURNING last_value",
    )
    .bind(&prefix)
    .fetch_one(&mut *tx)
    .await?;
    let case_no = format!("{prefix}{seq:06}");
    let idem = format!("bare|{client}-{n}");
    let at = yiwang_store::Value::sqlite_time(now);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO cases (case_no, item_id, item_code, item_version, item_name, department_id, division_code, case_type, channel, \
         applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, \
         contact_name, contact_phone_enc, contact_phone_idx, contact_phone_mask, person_id, org_id, submitted_by, form_enc, \
         status, notice_given, submitted_at, extension_days, warning, decision_opinion, delivery_ref, milestones, idem_key, revision, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34) \
         RETURNING id",
    )
    .bind(&case_no)
    .bind(r.item_id)
    .bind(&r.item_code)
    .bind(r.item_version)
    .bind(&r.item_name)
    .bind(r.department_id)
    .bind(&r.division_code)
    .bind(&r.case_type)
    .bind(&r.channel)
    .bind(&r.applicant_type)
    .bind(&r.applicant_name)
    .bind(&r.applicant_cert_type)
    .bind(&r.applicant_cert_enc)
    .bind(&r.applicant_cert_idx)
    .bind(&r.applicant_cert_mask)
    .bind(&r.contact_name)
    .bind(&r.contact_phone_enc)
    .bind(&r.contact_phone_idx)
    .bind(&r.contact_phone_mask)
    .bind(r.person_id)
    .bind(r.org_id)
    .bind(&r.submitted_by)
    .bind(&r.form_enc)
    .bind(&r.status)
    .bind(r.notice_given)
    .bind(&at)
    .bind(r.extension_days)
    .bind(&r.warning)
    .bind(&r.decision_opinion)
    .bind(&r.delivery_ref)
    .bind(&r.milestones)
    .bind(&idem)
    .bind(r.revision)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, at, actor, actor_name, department_id, action, from_status, to_status, step_code, step_name, opinion, data) \
         VALUES ($1, 1, $2, $3, $4, NULL, 'submitted', '', 'submitted', '', '', '', $5)",
    )
    .bind(id)
    .bind(&at)
    .bind(&r.submitted_by)
    .bind("测**")
    .bind(r#"{"channel":"2","materials":[{"entry":"M01","sha":"0000000000000000000000000000000000000000000000000000000000000000"},{"entry":"M03","sha":"0000000000000000000000000000000000000000000000000000000000000000"},{"entry":"M04","sha":"0000000000000000000000000000000000000000000000000000000000000000"}]}"#)
    .execute(&mut *tx)
    .await?;
    for (entry, name) in [
        ("M01", "申请人居民身份证"),
        ("M03", "户口迁移申请表"),
        ("M04", "不动产权证书"),
    ] {
        sqlx::query(
            "INSERT INTO case_materials (case_id, entry_key, entry_name, file_name, sha, media_type, size, source, added_at, added_by) \
             VALUES ($1, $2, $3, $4, $5, 'pdf', 1024, 'application', $6, $7)",
        )
        .bind(id)
        .bind(entry)
        .bind(name)
        .bind(format!("{name}.pdf"))
        .bind(format!("{:064x}", (client as u128) << 64 | u128::from(n)))
        .bind(&at)
        .bind(&r.submitted_by)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

type ProgressRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

/// The row the progress query reads, by plain sqlx.
async fn bare_read(pool: &sqlx::SqlitePool, case_no: &str) -> Result<ProgressRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT case_no, item_name, status, submitted_at, promised_due, result_code, milestones, applicant_cert_idx, contact_phone_idx \
         FROM cases WHERE case_no = $1",
    )
    .bind(case_no)
    .fetch_one(pool)
    .await
}
