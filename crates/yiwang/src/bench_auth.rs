//! `yiwang bench auth`: how fast a request's credential is checked, beside the bare hash cost
//! measured in the same run; and sign-in throughput with the chosen argon2id parameters (slow
//! by design) beside bare argon2id verification.
//!
//! Phases, each with `clients` concurrent tasks on a fresh SQLite file:
//! - session validation: `IdentityService::session` (SM3 of the token, one indexed read of the
//!   session, one of the account, the department) vs bare SM3 of a token;
//! - API token validation: `IdentityService::client` vs bare SM3;
//! - sign-in: `IdentityService::sign_in_person` (lockout check, blind index, argon2id, session
//!   insert, audit entry, one durable commit) vs bare `argon2::verify_password`.

use std::sync::Arc;

use sm3::{Digest, Sm3};
use yiwang_identity::{
    IdentityConfig, IdentityService, Keys, PersonRegistration, TokenInput, password,
};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::Uscc;
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::{Db, DbOptions};

use crate::bench::{Phase, drive};

const PASSWORD: &str = "Bench@2026pass";

fn k(e: yiwang_kernel::Error) -> anyhow::Error {
    crate::kernel_err(e)
}

/// Valid ID numbers for bench people (division 440802, birth dates from 1970).
pub(crate) fn id_number(i: usize) -> String {
    let date = time::Date::from_calendar_date(1970, time::Month::January, 1)
        .map(|d| d + time::Duration::days(i as i64 % 15000))
        .unwrap_or(time::Date::MIN);
    let body = format!(
        "440802{:04}{:02}{:02}{:03}",
        date.year(),
        date.month() as u8,
        date.day(),
        i % 1000
    );
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8] = b"10X98765432";
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    format!("{body}{}", C[(sum % 11) as usize] as char)
}

/// A pure CPU loop measured on OS threads (no async runtime: it never yields), one per client
/// up to the number of cores.
pub(crate) fn bare(
    clients: usize,
    seconds: u64,
    f: impl Fn(u64) -> bool + Send + Sync + Clone + 'static,
) -> anyhow::Result<Phase> {
    let threads = clients
        .min(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        )
        .max(1);
    let t0 = std::time::Instant::now();
    let until = t0 + std::time::Duration::from_secs(seconds);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let f = f.clone();
            std::thread::spawn(move || {
                let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
                let (mut n, mut errs, mut i) = (0u64, 0u64, t as u64);
                while std::time::Instant::now() < until {
                    let s = std::time::Instant::now();
                    if !f(i) {
                        errs += 1;
                    }
                    if let Some(h) = h.as_mut() {
                        let _ = h.record((s.elapsed().as_nanos() as u64 / 1000).max(1));
                    }
                    n += 1;
                    i += 1;
                }
                (n, errs, h)
            })
        })
        .collect();
    let mut hist = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut requests, mut errors) = (0, 0);
    for h in handles {
        let (n, e, th) = h
            .join()
            .map_err(|_| anyhow::anyhow!("bench thread failed"))?;
        requests += n;
        errors += e;
        if let Some(th) = th {
            hist.add(&th)?;
        }
    }
    Ok(Phase {
        requests,
        errors,
        elapsed: t0.elapsed(),
        hist,
    })
}

pub async fn run(clients: usize, seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Db::connect(
        &url,
        DbOptions {
            max_connections: 16,
            pg_schema: None,
        },
    )
    .await
    .map_err(k)?;
    yiwang_store::migrate(&db).await.map_err(k)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        Keys::ephemeral().map_err(k)?,
    );
    let sys = Ctx::system("bench");
    let dept = OrgService::new(db.clone(), clock.clone())
        .create_department(
            &sys,
            &DepartmentInput {
                uscc: Uscc::from_body("11440800MB2C12340")
                    .map_err(|e| anyhow::anyhow!(e.en))?
                    .to_string(),
                name: "湛江市市场监督管理局".into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(k)?;
    // People with sessions, and API tokens.
    let people = clients.max(8);
    let mut sessions = Vec::new();
    let mut logins = Vec::new();
    for i in 0..people {
        let id = id_number(i);
        let (token, _) = identity
            .register_person(
                &PersonRegistration {
                    name: "测试用户".into(),
                    id_number: id.clone(),
                    phone: format!("139{:08}", i),
                    password: PASSWORD.into(),
                },
                "",
            )
            .await
            .map_err(k)?;
        sessions.push(token);
        logins.push(id);
    }
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(
            identity
                .issue_token(
                    &sys,
                    &TokenInput {
                        name: format!("系统{i}"),
                        department_id: dept.id,
                        permissions: vec!["catalog.edit".into()],
                        days: 30,
                    },
                )
                .await
                .map_err(k)?
                .token,
        );
    }
    println!(
        "identity: {people} people with sessions, {} API tokens, on {url}; {clients} concurrent clients, {seconds} s per phase",
        tokens.len()
    );

    let sessions = Arc::new(sessions);
    let id2 = identity.clone();
    let s2 = sessions.clone();
    let session = drive(clients, seconds, move |_, i| {
        let identity = id2.clone();
        let sessions = s2.clone();
        async move {
            matches!(
                identity
                    .session(&sessions[i as usize % sessions.len()])
                    .await,
                Ok(Some(_))
            )
        }
    })
    .await?;
    let s3 = sessions.clone();
    let bare_sm3 = bare(clients, seconds, move |i| {
        let h = Sm3::digest(s3[i as usize % s3.len()].as_bytes());
        h[0] != 0 || h[1] != 0 || h[2] != 0
    })?;
    let tokens = Arc::new(tokens);
    let id3 = identity.clone();
    let t2 = tokens.clone();
    let token = drive(clients, seconds, move |_, i| {
        let identity = id3.clone();
        let tokens = t2.clone();
        async move {
            matches!(
                identity.client(&tokens[i as usize % tokens.len()]).await,
                Ok(Some(_))
            )
        }
    })
    .await?;

    // Sign-in: argon2id is deliberately slow; all cores share it.
    let logins = Arc::new(logins);
    let id4 = identity.clone();
    let l2 = logins.clone();
    let sign_in = drive(clients, seconds, move |_, i| {
        let identity = id4.clone();
        let logins = l2.clone();
        async move {
            identity
                .sign_in_person(&logins[i as usize % logins.len()], PASSWORD, "")
                .await
                .is_ok()
        }
    })
    .await?;
    let hash = Arc::new(password::hash(PASSWORD).map_err(k)?);
    let bare_argon2 = drive(clients, seconds, move |_, _| {
        let hash = hash.clone();
        async move {
            tokio::task::spawn_blocking(move || password::verify(PASSWORD, Some(hash.as_str())))
                .await
                .unwrap_or(false)
        }
    })
    .await?;

    println!();
    println!("{}", session.line("session validation (cookie)"));
    println!("{}", token.line("API token validation (bearer)"));
    println!("{}", bare_sm3.line("bare SM3 of a token"));
    println!("{}", sign_in.line("person sign-in (argon2id + session)"));
    println!("{}", bare_argon2.line("bare argon2id verify"));
    let rate = |p: &Phase| p.requests as f64 / p.elapsed.as_secs_f64();
    println!(
        "sign-in reaches {:.0}% of bare argon2id; argon2id: m = 19 MiB, t = 2, p = 1 (the crate's defaults, OWASP's minimum)",
        100.0 * rate(&sign_in) / rate(&bare_argon2)
    );
    db.close().await;
    Ok(())
}
