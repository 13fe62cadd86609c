//! The licences domain's facts (指标事实) on a fresh database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): issued licences in the issuing department, uses (authorised for
//! a case, 免证办) in the using department, by Shanghai day; the members add up to the facts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::macros::{date, datetime};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::facts::{FactRow, MemberQuery};
use yiwang_licences::kpi_facts::MEASURES;
use yiwang_store::facts::testing::{member_sums, sums};
use yiwang_store::{Conn, Db, args};

fn supervisor(dept: i64, division: &str, role: Role) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 999,
            username: "leader".into(),
            name: "领导".into(),
            department_id: dept,
            division: DivisionCode::parse(division).unwrap(),
            roles: vec![role],
        }),
        "10.0.0.7",
    )
}

async fn licence(db: &mut Db, id: i64, dept: i64) {
    db.execute(
        "INSERT INTO licences (id, identifier, type_code, number, holder_type, holder_name, \
         holder_code_enc, holder_code_idx, holder_code_mask, issuer_department_id, issuer_name, \
         issuer_uscc, issue_date, valid_from, face, status, seal_key_id, signature, sealed_at, \
         revision, updated_at) VALUES ($1, $2, 'T1', $2, 'org', '某公司', 'x', 'x', 'x', $3, \
         '市监局', 'x', '2026-11-01', '2026-11-01', '{}', 'valid', 'k', 's', $4, 1, $4)",
        args![id, format!("L{id}"), dept, datetime!(2026-11-01 02:00 UTC)],
    )
    .await
    .unwrap();
}

async fn event(db: &mut Db, licence: i64, action: &str, dept: Option<i64>, at: OffsetDateTime) {
    db.execute(
        "INSERT INTO licence_events (licence_id, at, actor, action, case_no, department_id) \
         VALUES ($1, $2, 'test', $3, 'C1', $4)",
        args![licence, at, action, dept],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn members_add_up_to_the_facts() {
    let b = common::base("湛江市市场监督管理局", "11440800MB2C1234").await;
    let sys = Ctx::system("test");
    let user = yiwang_org::OrgService::new(b.t.db.clone(), b.clock.clone())
        .create_department(
            &sys,
            &yiwang_org::DepartmentInput {
                uscc: common::uscc("11440802MB2C9999"),
                name: "赤坎区政务服务中心".into(),
                division_code: "440802".into(),
                kind: "service_admin".into(),
                phone: "0759-3100000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let mut db = b.t.db.clone();
    db.execute(
        "INSERT INTO licence_types (code, name, definer_name, holder_type, face_schema, \
         validity_years, created_at) VALUES ('T1', '食品经营许可证', '市场监管总局', 'org', '[]', 5, $1)",
        args![datetime!(2026-11-01 02:00 UTC)],
    )
    .await
    .unwrap();
    for id in 1..=3 {
        licence(&mut db, id, b.dept).await;
    }
    let late = datetime!(2026-11-01 15:59:59 UTC);
    let midnight = datetime!(2026-11-01 16:00 UTC);
    let (d1, d2) = (date!(2026 - 11 - 01), date!(2026 - 11 - 02));
    event(&mut db, 1, "issued", None, late).await;
    event(&mut db, 2, "issued", None, midnight).await;
    event(&mut db, 3, "issued", None, datetime!(2026-11-02 16:00 UTC)).await; // the 3rd
    event(&mut db, 1, "authorised", Some(user), midnight).await;
    event(&mut db, 1, "viewed", Some(user), midnight).await; // a view is not another use
    event(&mut db, 2, "authorised", Some(b.dept), late).await;
    event(&mut db, 2, "suspended", None, late).await;

    let facts = b.svc.kpi_facts(&sys, d1, d2).await.unwrap();
    let want: BTreeMap<&str, i64> = [("licences.issued", 2), ("licences.uses", 2)]
        .into_iter()
        .collect();
    assert_eq!(sums(&facts), want);
    assert!(facts.contains(&FactRow {
        day: d2,
        department_id: user,
        measure: "licences.uses",
        value: 1
    }));
    assert!(facts.contains(&FactRow {
        day: d1,
        department_id: b.dept,
        measure: "licences.issued",
        value: 1
    }));
    let all: Vec<&'static str> = MEASURES.iter().map(|m| m.code).collect();
    let svc = b.svc.clone();
    let read = |q: MemberQuery| {
        let svc = svc.clone();
        async move { svc.kpi_members(&Ctx::system("kpi"), &q).await }
    };
    assert_eq!(member_sums(read, &all, None, d1, d2).await.unwrap(), want);
    assert_eq!(
        member_sums(read, &["licences.uses"], Some(vec![user]), d1, d2)
            .await
            .unwrap()
            .get("licences.uses"),
        Some(&1)
    );
    // A department head of the user department sees its use only.
    let head = supervisor(user, "440802", Role::DepartmentHead);
    assert_eq!(
        sums(&b.svc.kpi_facts(&head, d1, d2).await.unwrap()),
        [("licences.uses", 1)].into_iter().collect()
    );
    let clerk = supervisor(user, "440802", Role::CaseClerk);
    assert_eq!(
        b.svc.kpi_facts(&clerk, d1, d2).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
}
