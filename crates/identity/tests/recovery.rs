//! Account recovery (找回账号) on a real database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): the identity officer issues a one-time reset code, the person
//! sets a new password with it; the code works once, expires, is refused for administrators,
//! and a wrong code answers like an unknown account. Issue, use and failures are audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_identity::{IdentityService, PersonRegistration, ResetRequest, StaffInput};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::Uscc;
use yiwang_store::testing::TestDb;

const PASSWORD: &str = "Test@2026pass";
const NEW_PASSWORD: &str = "Fresh@2026word";
const ID: &str = "440802199001011238";

struct World {
    t: TestDb,
    s: IdentityService,
    clock: Arc<FixedClock>,
    officer: Ctx,
}

async fn world() -> World {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 02:00 UTC)));
    let s = IdentityService::new(
        t.db.clone(),
        clock.clone(),
        Default::default(),
        yiwang_identity::Keys::ephemeral().unwrap(),
    );
    let org = yiwang_org::OrgService::new(t.db.clone(), clock.clone());
    let dept = org
        .create_department(
            &Ctx::system("test"),
            &yiwang_org::DepartmentInput {
                uscc: Uscc::from_body(&format!("{:0<17}", "11440800MB2C1234"))
                    .unwrap()
                    .to_string(),
                name: "湛江市政务服务数据管理局".into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: "0759-3100000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for (u, roles) in [
        ("officer", vec!["identity_officer"]),
        ("clerk", vec!["case_clerk"]),
        ("sysadmin", vec!["system_admin"]),
    ] {
        s.create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: u.into(),
                name: u.into(),
                department_id: dept.id,
                roles: roles.into_iter().map(String::from).collect(),
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    }
    s.register_person(
        &PersonRegistration {
            name: "陈小明".into(),
            id_number: ID.into(),
            phone: "13800000001".into(),
            password: PASSWORD.into(),
        },
        "",
    )
    .await
    .unwrap();
    let (_, session) = s.sign_in("officer", PASSWORD, "10.0.0.9").await.unwrap();
    World {
        t,
        s,
        clock,
        officer: Ctx::new(session.actor, "10.0.0.9"),
    }
}

fn person_req(seen: bool) -> ResetRequest {
    ResetRequest {
        kind: "person".into(),
        login: ID.into(),
        document_seen: seen,
    }
}

async fn actions(w: &World, action: &str) -> Vec<yiwang_audit::Record> {
    yiwang_audit::search_as(
        &w.t.db,
        &Ctx::system("test"),
        &yiwang_audit::Query {
            action: Some(action.into()),
            limit: 100,
            ..Default::default()
        },
        yiwang_kernel::clock::Clock::now(&*w.clock),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_citizen_gets_back_in_once_with_a_code_and_old_sessions_end() {
    let w = world().await;
    let (old_token, _) =
        w.s.sign_in_person("13800000001", PASSWORD, "10.0.0.1")
            .await
            .unwrap();
    // The document must have been seen.
    let e =
        w.s.issue_reset(&w.officer, &person_req(false))
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "validation_failed");
    let issued =
        w.s.issue_reset(&w.officer, &person_req(true))
            .await
            .unwrap();
    assert_eq!(issued.code.len(), 14);
    assert_eq!(issued.account_name, "陈**");
    // A wrong code and an unknown account answer the same.
    let wrong =
        w.s.recover("13800000001", "2222-2222-2222", NEW_PASSWORD, "10.0.0.1")
            .await
            .unwrap_err();
    let unknown =
        w.s.recover("13900000009", &issued.code, NEW_PASSWORD, "10.0.0.1")
            .await
            .unwrap_err();
    assert_eq!(wrong.code, unknown.code);
    assert_eq!(wrong.code.as_str(), "bad_credentials");
    assert_eq!(
        format!("{:?}", wrong.detail),
        format!("{:?}", unknown.detail)
    );
    assert!(wrong.detail.is_some());
    // The password policy of sign-up applies.
    let e =
        w.s.recover(ID, &issued.code, "short", "10.0.0.1")
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "validation_failed");
    // Typed in lower case with spaces: it works, once.
    let typed = issued.code.to_lowercase().replace('-', " ");
    w.s.recover(ID, &typed, NEW_PASSWORD, "10.0.0.1")
        .await
        .unwrap();
    assert!(
        w.s.session(&old_token).await.unwrap().is_none(),
        "old sessions end"
    );
    let e =
        w.s.sign_in_person(ID, PASSWORD, "10.0.0.1")
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "bad_credentials");
    w.s.sign_in_person(ID, NEW_PASSWORD, "10.0.0.1")
        .await
        .unwrap();
    let e =
        w.s.recover(ID, &issued.code, "Other@2026word", "10.0.0.1")
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "bad_credentials", "a code works once");
    assert_eq!(actions(&w, "account.reset_issued").await.len(), 1);
    assert_eq!(actions(&w, "account.reset_used").await.len(), 1);
    assert_eq!(actions(&w, "account.reset_failed").await.len(), 3);
}

#[tokio::test]
async fn codes_expire_and_a_new_code_ends_the_old_one() {
    let w = world().await;
    let first =
        w.s.issue_reset(&w.officer, &person_req(true))
            .await
            .unwrap();
    let second =
        w.s.issue_reset(&w.officer, &person_req(true))
            .await
            .unwrap();
    let e =
        w.s.recover(ID, &first.code, NEW_PASSWORD, "10.0.0.1")
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "bad_credentials");
    w.clock
        .advance(time::Duration::hours(24) + time::Duration::minutes(1));
    let e =
        w.s.recover(ID, &second.code, NEW_PASSWORD, "10.0.0.1")
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "bad_credentials", "expired");
    w.s.sign_in_person(ID, PASSWORD, "10.0.0.1").await.unwrap();
}

#[tokio::test]
async fn staff_but_not_administrators_and_only_by_the_identity_officer() {
    let w = world().await;
    let staff = |login: &str| ResetRequest {
        kind: "staff".into(),
        login: login.into(),
        document_seen: true,
    };
    let e =
        w.s.issue_reset(&w.officer, &staff("sysadmin"))
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_state");
    let e =
        w.s.issue_reset(&w.officer, &staff("officer"))
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_state", "not for oneself");
    let (_, clerk) = w.s.sign_in("clerk", PASSWORD, "10.0.0.2").await.unwrap();
    let clerk = Ctx::new(clerk.actor, "10.0.0.2");
    let e =
        w.s.issue_reset(&clerk, &person_req(true))
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "forbidden");
    let issued = w.s.issue_reset(&w.officer, &staff("CLERK")).await.unwrap();
    w.s.recover("clerk", &issued.code, NEW_PASSWORD, "10.0.0.2")
        .await
        .unwrap();
    assert!(w.s.sign_in("clerk", NEW_PASSWORD, "10.0.0.2").await.is_ok());
    // Failures lock like sign-in: five wrong codes, then even the right one is refused.
    let issued = w.s.issue_reset(&w.officer, &staff("clerk")).await.unwrap();
    for _ in 0..5 {
        let e =
            w.s.recover("clerk", "3333-3333-3333", PASSWORD, "10.0.0.3")
                .await
                .unwrap_err();
        assert_eq!(e.code.as_str(), "bad_credentials");
    }
    let e =
        w.s.recover("clerk", &issued.code, PASSWORD, "10.0.0.3")
            .await
            .unwrap_err();
    assert_eq!(e.code.as_str(), "auth.locked");
    let denied = actions(&w, "auth.denied").await;
    assert!(denied.iter().any(|r| r.object == "staff:sysadmin"));
}
