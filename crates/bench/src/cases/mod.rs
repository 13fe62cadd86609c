//! `yiwang bench cases`: online applications and the public progress query through the real
//! router over real HTTP on SQLite (WAL; Yiwang's group commit: `synchronous=NORMAL` and a
//! shared sync of the log before any commit is acknowledged), each beside the bare limit
//! measured in the same run with the same concurrency (the bare rows on their own pool with
//! `synchronous=FULL`: one `fsync` per transaction, the plain way to make a commit durable).
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
//!    in one `BEGIN IMMEDIATE` transaction per submission, by plain sqlx on a pool of the same
//!    size on the same file with `synchronous=FULL`;
//!    once as is (waiting writers sleep in SQLite's busy handler) and once queued in process
//!    on a mutex, as `Db::write` queues them; then the same rows through `Db::write` and
//!    `Tx::commit` (the write gate and the group commit); no file is written;
//!    and the files alone — three written as durably as the file store writes them (temporary
//!    file, `fsync`, rename, directory `fsync`), no checks — and the whole submission bare:
//!    the three files, then the rows;
//! 3. **progress over HTTP**: `GET /api/v1/progress?case_no=&credential=` on the cases of
//!    phase 1 (ID number or phone, alternately);
//! 4. **progress direct**: `CaseService::progress`, no HTTP;
//! 5. **bare read**: the same columns of the same row by plain sqlx.

mod bare;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use yiwang_catalog::search::SearchParams;
use yiwang_identity::{Keys, PersonRegistration};
use yiwang_web::{AppState, ServiceSettings, Services, WebConfig};

use crate::http::{Http, Server};
use crate::load::{cores, drive, first_error};
use crate::setup::{PASSWORD, Scratch, clock, id_number};
use bare::{bare_read, insert_rows, insert_rows_store, write_files};

/// A number never used twice in a run (idempotency keys, file contents).
pub(crate) static NEXT: AtomicU64 = AtomicU64::new(0);

/// A small valid PDF, distinct for every (client, submission, file), of about `size` bytes.
pub(crate) fn pdf(client: usize, n: u64, file: usize, size: usize) -> Bytes {
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
pub(crate) struct Applicant {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
    pub(crate) id_number: String,
    pub(crate) phone: String,
}

const ENTRIES: [(&str, &str); 3] = [
    ("M01", "%E5%B1%85%E6%B0%91%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf"), // 居民身份证.pdf
    ("M03", "%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"),                   // 申请表.pdf
    (
        "M04",
        "%E4%B8%8D%E5%8A%A8%E4%BA%A7%E6%9D%83%E8%AF%81%E4%B9%A6.pdf",
    ), // 不动产权证书.pdf
];

/// The JSON body of a `201 Created`; any other answer is printed (the first of its kind) and
/// counts as a failure.
fn expect_created(what: &'static str, answer: &crate::http::Answer) -> Option<serde_json::Value> {
    if answer.status != StatusCode::CREATED {
        first_error(
            what,
            &format!(
                "{} {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ),
        );
        return None;
    }
    serde_json::from_slice(&answer.body).ok()
}

/// The three uploads of a submission; their tickets.
async fn upload(client: &Http, a: &Applicant, files: [Bytes; 3]) -> Option<Vec<String>> {
    let mut tickets = Vec::new();
    for ((_, name), bytes) in ENTRIES.iter().zip(files) {
        let req = client
            .request(Method::POST, &format!("/api/v1/me/uploads?name={name}"))
            .header("cookie", &a.cookie)
            .header("x-csrf-token", &a.csrf)
            .header("content-type", "application/octet-stream")
            .body(Full::new(bytes))
            .ok()?;
        let answer = client.send(req).await?;
        let v = expect_created("upload", &answer)?;
        tickets.push(v["ticket"].as_str()?.to_string());
    }
    Some(tickets)
}

/// The application with the uploads' tickets; the case number when it was created (201).
async fn apply(
    client: &Http,
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
    let req = client
        .request(Method::POST, "/api/v1/me/cases")
        .header("cookie", &a.cookie)
        .header("x-csrf-token", &a.csrf)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Full::new(Bytes::from(body.to_string())))
        .ok()?;
    let v = expect_created("apply", &client.send(req).await?)?;
    v["case_no"].as_str().map(str::to_string)
}

/// One whole submission: three uploads and the application.
pub(crate) async fn submit(
    client: &Http,
    a: &Applicant,
    item_code: &str,
    key: &str,
    files: [Bytes; 3],
) -> Option<String> {
    let tickets = upload(client, a, files).await?;
    apply(client, a, item_code, key, &tickets).await
}

/// 户口迁移（省内迁移） of the demo city's public security bureau: a person's form, three
/// checklist entries (ID card, application form, title deed). Its code.
pub(crate) async fn household_move_item(
    catalog: &yiwang_catalog::CatalogService,
) -> anyhow::Result<String> {
    let found = catalog
        .search(&SearchParams {
            q: Some("户口迁移".into()),
            division: Some("440800".into()),
            size: Some(50),
            ..Default::default()
        })
        .await?;
    found
        .items
        .iter()
        .find(|i| i.code.ends_with("3000105002001"))
        .map(|i| i.code.clone())
        .ok_or_else(|| anyhow::anyhow!("the demo's household-move item is missing"))
}

/// `clients` people registered and signed in (their sessions live in the database).
pub(crate) async fn sign_up(
    identity: &yiwang_identity::IdentityService,
    clients: usize,
) -> anyhow::Result<Vec<Applicant>> {
    let mut applicants = Vec::new();
    for i in 0..clients {
        let id = id_number(i);
        let phone = format!("139{i:08}");
        let (token, session) = identity
            .register_person(
                &PersonRegistration {
                    name: "测试用户".into(),
                    id_number: id.clone(),
                    phone: phone.clone(),
                    password: PASSWORD.into(),
                },
                "",
            )
            .await?;
        applicants.push(Applicant {
            cookie: format!("{}={token}", yiwang_web::session::SESSION_COOKIE),
            csrf: session.csrf,
            id_number: id,
            phone,
        });
    }
    Ok(applicants)
}

/// Runs the benchmark: `clients` concurrent clients, `seconds` per phase, material files of
/// `file_bytes` bytes.
pub async fn run(clients: usize, seconds: u64, file_bytes: usize) -> anyhow::Result<()> {
    let scratch = Scratch::open(None, 16).await?;
    let (db, dir) = (scratch.db.clone(), scratch.dir.path());
    let clock = clock();
    let keys = Keys::ephemeral()?;
    let t0 = Instant::now();
    yiwang_demo::load(&db, clock.clone(), keys.clone()).await?;
    let files = yiwang_files::LocalFileStore::open(dir)?;
    let settings = ServiceSettings {
        files: Arc::new(files),
        ..ServiceSettings::new(db.clone(), clock.clone(), keys)
    };
    let config = WebConfig::default();
    let state = AppState::new(config.clone(), Services::build(&config, settings))?;
    let item_code = household_move_item(&state.catalog).await?;
    let applicants = sign_up(&state.identity, clients).await?;
    println!(
        "cases: demo city and {clients} signed-in applicants ready in {:.1} s on {}; files in {}",
        t0.elapsed().as_secs_f64(),
        scratch.describe(),
        dir.join("files").display()
    );
    println!(
        "machine: {} logical CPUs; {clients} concurrent clients; {seconds} s per phase after 2 s warm-up; item {item_code}; files of {file_bytes} bytes",
        cores()
    );

    let server = Server::start(state.clone()).await?;
    let client = Http::new(&server.base, clients);

    // One client alone first: where a submission's time goes.
    {
        let a = &applicants[0];
        let mut best = (f64::MAX, f64::MAX);
        for n in 0..20u64 {
            let t = Instant::now();
            let no = submit(
                &client,
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
                .await?;
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
    let group_before = db.group_stats();
    let created: Arc<Mutex<Vec<(String, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let submissions = {
        let (client, item_code) = (client.clone(), item_code.clone());
        let applicants = Arc::new(applicants.clone());
        let created = created.clone();
        drive(clients, seconds, move |c, _| {
            let (client, item_code) = (client.clone(), item_code.clone());
            let (applicants, created) = (applicants.clone(), created.clone());
            async move {
                let a = &applicants[c];
                // Unique across the warm-up and the measurement: new keys, new files.
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let key = format!("bench-{c}-{n}");
                let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
                match submit(&client, a, &item_code, &key, files).await {
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
    let group_during = match (group_before, db.group_stats()) {
        (Some((c0, s0)), Some((c1, s1))) if s1 > s0 => format!(
            "group commit: {} commits shared {} syncs of the log ({:.1} per sync) in the submission phase",
            c1 - c0,
            s1 - s0,
            (c1 - c0) as f64 / (s1 - s0) as f64
        ),
        _ => "group commit: no sync in the submission phase".into(),
    };
    // The parts alone: uploads only, and applications reusing one set of tickets per client.
    let uploads = {
        let client = client.clone();
        let applicants = Arc::new(applicants.clone());
        drive(clients, seconds, move |c, _| {
            let (client, applicants) = (client.clone(), applicants.clone());
            async move {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
                upload(&client, &applicants[c], files).await.is_some()
            }
        })
        .await?
    };
    let mut tickets = Vec::new();
    for (c, a) in applicants.iter().enumerate() {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let files = [0, 1, 2].map(|f| pdf(c, n, f, file_bytes));
        tickets.push(
            upload(&client, a, files)
                .await
                .ok_or_else(|| anyhow::anyhow!("an upload failed"))?,
        );
    }
    let applies = {
        let (client, item_code) = (client.clone(), item_code.clone());
        let applicants = Arc::new(applicants.clone());
        let tickets = Arc::new(tickets);
        let created = created.clone();
        drive(clients, seconds, move |c, _| {
            let (client, item_code) = (client.clone(), item_code.clone());
            let (applicants, tickets, created) =
                (applicants.clone(), tickets.clone(), created.clone());
            async move {
                let key = format!("bench-{c}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
                match apply(&client, &applicants[c], &item_code, &key, &tickets[c]).await {
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

    // 2. The bare limit: the same rows by plain sqlx, one transaction per submission, each
    // durable the plain way: its own pool on the same file with `synchronous=FULL`.
    if db.backend() != yiwang_store::Backend::Sqlite {
        anyhow::bail!("the bench runs on SQLite");
    }
    let pool = crate::setup::full_sync_pool(&scratch.url).await?;
    let mut c = db.clone();
    let row = yiwang_cases::repo::by_no(&mut c, &sample_no)
        .await?
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
    // The same rows through Yiwang's store: its write gate, its group commit.
    let store_insert = {
        let (db, sample) = (db.clone(), sample.clone());
        drive(clients, seconds, move |c, _| {
            let (db, r) = (db.clone(), sample.clone());
            async move {
                match insert_rows_store(&db, &r, c, NEXT.fetch_add(1, Ordering::Relaxed)).await {
                    Ok(()) => true,
                    Err(e) => {
                        first_error("store insert", &e.to_string());
                        false
                    }
                }
            }
        })
        .await?
    };
    // The files alone, and the whole submission bare: three durable files, then the rows.
    let bare_dir = Arc::new(dir.join("bare"));
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
        let (client, targets) = (client.clone(), targets.clone());
        drive(clients, seconds, move |_, i| {
            let (client, targets) = (client.clone(), targets.clone());
            async move {
                let (no, cred) = &targets[(i as usize * 7919) % targets.len()];
                let Ok(req) = client
                    .request(
                        Method::GET,
                        &format!("/api/v1/progress?case_no={no}&credential={cred}"),
                    )
                    .body(Full::default())
                else {
                    return false;
                };
                matches!(client.send(req).await, Some(a) if a.status.is_success())
            }
        })
        .await?
    };
    server.stop();
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
    println!(
        "{}",
        store_insert.line("  the same rows via Db::write, group commit")
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
    println!("{group_during}");
    let bare_best = if bare_insert.rate() >= bare_queued.rate() {
        &bare_insert
    } else {
        &bare_queued
    };
    println!(
        "submissions reach {:.0}% of the better bare insert rate and {:.0}% of the bare submission with its files (issue 17: ≥ 1,000/s or ≥ 80 % of the bare submission, whichever is lower, p99 < 300 ms); progress {:.0}% of the bare read (target ≥ 10,000/s, p99 < 50 ms)",
        submissions.percent_of(bare_best),
        submissions.percent_of(&bare_whole),
        progress_http.percent_of(&bare_read)
    );
    let mut c = db.clone();
    let (n,): (i64,) =
        yiwang_store::Conn::fetch_one(&mut c, "SELECT COUNT(*) FROM cases", &[]).await?;
    println!("{n} cases in the database after the run");
    pool.close().await;
    db.close().await;
    Ok(())
}
