//! The identity service on a real database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL), without HTTP: enterprise verification through a register of legal
//! persons, and the sign-in pipeline's lockouts per account and per source address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use time::macros::datetime;
use yiwang_identity::{
    IdentityService, LegalPersonRegister, OrgRegistration, PersonRegistration,
    RegisteredLegalPerson, StaffInput,
};
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::Uscc;
use yiwang_store::testing::TestDb;

const PASSWORD: &str = "Test@2026pass";

fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

/// A register that knows one enterprise and its legal representative.
#[derive(Debug)]
struct OneEnterprise {
    uscc: String,
    representative: &'static str,
}

impl LegalPersonRegister for OneEnterprise {
    fn find<'a>(
        &'a self,
        uscc: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<RegisteredLegalPerson>>> + Send + 'a>> {
        Box::pin(async move {
            Ok((uscc == self.uscc).then(|| RegisteredLegalPerson {
                name: "湛江市赤坎区海滨餐饮有限公司".into(),
                legal_representative: self.representative.into(),
                source: "test-register".into(),
            }))
        })
    }
}

async fn service(t: &TestDb, register: Option<OneEnterprise>) -> IdentityService {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 02:00 UTC)));
    let s = IdentityService::new(
        t.db.clone(),
        clock,
        Default::default(),
        yiwang_identity::Keys::ephemeral().unwrap(),
    );
    match register {
        Some(r) => s.with_register(Arc::new(r)),
        None => s,
    }
}

async fn person(s: &IdentityService, name: &str, id: &str, phone: &str) -> Ctx {
    let (_, session) = s
        .register_person(
            &PersonRegistration {
                name: name.into(),
                id_number: id.into(),
                phone: phone.into(),
                password: PASSWORD.into(),
            },
            "",
        )
        .await
        .unwrap();
    Ctx::new(session.actor, "")
}

fn org(uscc: &str, rep: &str) -> OrgRegistration {
    OrgRegistration {
        uscc: uscc.into(),
        name: "某公司".into(),
        legal_representative: rep.into(),
    }
}

#[tokio::test]
async fn an_enterprise_is_verified_by_the_register_or_waits() {
    let t = TestDb::new().await.unwrap();
    let on_record = uscc("91440802MA4W8K2L");
    let s = service(
        &t,
        Some(OneEnterprise {
            uscc: on_record.clone(),
            representative: "张一",
        }),
    )
    .await;
    let zhang = person(&s, "张一", "440802199001011238", "13800000001").await;
    let wang = person(&s, "王三", "440811199203040017", "13800000003").await;
    // The register names someone else: refused, nothing written.
    let e = s
        .register_org(&wang, &org(&on_record, "王三"))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].rule, "org.not_representative");
    // The register names the registrant: verified, with the register's name.
    let o = s
        .register_org(&zhang, &org(&on_record, "张一"))
        .await
        .unwrap();
    assert_eq!(o.verified_via, "register");
    assert_eq!(o.name, "湛江市赤坎区海滨餐饮有限公司");
    let me = s.me(&zhang).await.unwrap();
    assert!(me.organisations[0].verified);
    // Not on record: pending, and acting for it is refused.
    let other = uscc("91440802MA4W9999");
    let o = s.register_org(&wang, &org(&other, "王三")).await.unwrap();
    assert_eq!(o.verified_via, "");
    let e = s.act_as(&wang, "no-session", Some(o.id)).await.unwrap_err();
    assert_eq!(e.code.as_str(), "auth.not_acting_for");
}

#[tokio::test]
async fn failures_count_per_account_and_per_source_address() {
    let t = TestDb::new().await.unwrap();
    let s = service(&t, None).await;
    person(&s, "陈小明", "440802199001011238", "13800000001").await;
    // A person's phone and ID number are one account.
    for login in [
        "13800000001",
        "13800000001",
        "440802199001011238",
        "13800000001",
        "440802199001011238",
    ] {
        let e = s
            .sign_in_person(login, "wrong", "10.0.0.1")
            .await
            .unwrap_err();
        assert_eq!(e.code.as_str(), "bad_credentials");
    }
    let e = s
        .sign_in_person("440802199001011238", PASSWORD, "10.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "auth.locked");
    // One address guessing many staff names is stopped; another address is not.
    let org = yiwang_org::OrgService::new(
        t.db.clone(),
        Arc::new(FixedClock::new(datetime!(2026-11-22 02:00 UTC))),
    );
    let dept = org
        .create_department(
            &Ctx::system("test"),
            &yiwang_org::DepartmentInput {
                uscc: uscc("11440800MB2C1234"),
                name: "湛江市市场监督管理局".into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: "0759-3100000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.create_staff(
        &Ctx::system("test"),
        &StaffInput {
            username: "editor".into(),
            name: "编辑".into(),
            department_id: dept.id,
            roles: vec!["catalog_editor".into()],
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    for i in 0..30 {
        let e = s
            .sign_in(&format!("guess{i}"), "wrong", "10.0.0.2")
            .await
            .unwrap_err();
        assert_eq!(e.code.as_str(), "bad_credentials", "{i}");
    }
    let e = s.sign_in("editor", PASSWORD, "10.0.0.2").await.unwrap_err();
    assert_eq!(e.code.as_str(), "auth.locked");
    assert!(s.sign_in("editor", PASSWORD, "10.0.0.3").await.is_ok());
}
