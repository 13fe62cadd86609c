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

use crate::load::{bare, drive};
use crate::setup::{PASSWORD, Scratch, clock, department, id_number, uscc};

/// Runs the benchmark: `clients` concurrent clients, `seconds` per phase.
pub async fn run(clients: usize, seconds: u64) -> anyhow::Result<()> {
    let scratch = Scratch::open(None, 16).await?;
    let db = scratch.db.clone();
    let clock = clock();
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        Keys::ephemeral()?,
    );
    let sys = Ctx::system("bench");
    let dept = department(
        &db,
        clock.clone(),
        &uscc("11440800MB2C12340")?,
        "湛江市市场监督管理局",
        "",
    )
    .await?;
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
            .await?;
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
                        department_id: dept,
                        permissions: vec!["catalog.edit".into()],
                        days: 30,
                    },
                )
                .await?
                .token,
        );
    }
    println!(
        "identity: {people} people with sessions, {} API tokens, on {}; {clients} concurrent clients, {seconds} s per phase",
        tokens.len(),
        scratch.describe()
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
    let hash = Arc::new(password::hash(PASSWORD)?);
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
    println!(
        "sign-in reaches {:.0}% of bare argon2id; argon2id: m = 19 MiB, t = 2, p = 1 (the crate's defaults, OWASP's minimum)",
        sign_in.percent_of(&bare_argon2)
    );
    db.close().await;
    Ok(())
}
