//! Licence PDFs and annotated copies (加注件) against a real database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): only the holder downloads and copies; a copy verifies as valid for
//! its use, then expired, unknown, tampered, or invalid once the licence is revoked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::json;
use time::macros::datetime;
use yiwang_identity::PersonRegistration;
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::Ctx;
use yiwang_licences::pdf::utf16_hex;
use yiwang_licences::{CopyInput, IssueInput, LicenceType};
use yiwang_store::Conn;

const BASE: &str = "https://zwfw.example.gov.cn";

fn input(purpose: &str, until: &str) -> CopyInput {
    CopyInput {
        purpose: purpose.into(),
        recipient: "湛江市住房公积金管理中心".into(),
        valid_until: until.into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pdfs_and_annotated_copies() {
    let common::Base {
        t,
        clock,
        identity,
        svc,
        dept,
        ..
    } = common::base("湛江市人力资源和社会保障局", "11440800MB2C1234").await;
    let sys = Ctx::system("test");
    svc.define_type(
        &sys,
        &LicenceType {
            code: "11100000MB0143235W009".into(),
            name: "职业资格证书".into(),
            definer_name: "人力资源和社会保障部".into(),
            holder_type: "person".into(),
            face_schema: json!([
                {"key": "title", "label": "职业（工种）", "kind": "text", "required": true},
                {"key": "level", "label": "等级", "kind": "choice", "required": true,
                 "options": [{"code": "3", "label": "三级/高级工"}]}
            ])
            .to_string(),
            validity_years: 5,
        },
    )
    .await
    .unwrap();
    let mut people = Vec::new();
    for (name, id, phone) in [
        ("张一", "440802199001011238", "13800000001"),
        ("李二", "440803198506150024", "13800000002"),
    ] {
        let (_, s) = identity
            .register_person(
                &PersonRegistration {
                    name: name.into(),
                    id_number: id.into(),
                    phone: phone.into(),
                    password: "Zhanjiang#2026".into(),
                },
                "test",
            )
            .await
            .unwrap();
        people.push(Ctx::new(s.actor, "test"));
    }
    let (holder, other) = (&people[0], &people[1]);
    let l = svc
        .issue(
            &sys,
            &IssueInput {
                type_code: "11100000MB0143235W009".into(),
                holder_name: "张一".into(),
                holder_code: "440802199001011238".into(),
                face: json!({"title": "电工", "level": "3"}),
                issuer_department_id: dept,
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // The holder's PDF: the name, the face, the verification address; nobody else's.
    let pdf = svc.pdf(holder, &l.identifier, BASE).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let text = String::from_utf8_lossy(&pdf);
    for s in ["张一", "职业资格证书", "三级/高级工", "440802********1238"] {
        assert!(text.contains(&utf16_hex(s)), "{s} missing");
    }
    assert!(!text.contains(&utf16_hex("440802199001011238")));
    assert_eq!(pdf, svc.pdf(holder, &l.identifier, BASE).await.unwrap());
    for e in [
        svc.pdf(other, &l.identifier, BASE).await.unwrap_err(),
        svc.pdf(holder, "1.2.156.3005.2.x", BASE).await.unwrap_err(),
        svc.pdf(&sys, &l.identifier, BASE).await.unwrap_err(),
    ] {
        assert!(
            matches!(
                e.code,
                ErrorCode::NotFound | ErrorCode::Forbidden | ErrorCode::Unauthenticated
            ),
            "{e:?}"
        );
    }

    // Bad requests name the field, in both languages.
    let e = svc
        .make_copy(holder, &l.identifier, &input(" ", "2026-12-01"))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "purpose");
    for until in ["2026-12-23", "2026-11-21", "明天", ""] {
        let e = svc
            .make_copy(holder, &l.identifier, &input("办理公积金提取", until))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation, "{until}");
        assert_eq!(e.fields[0].field, "valid_until", "{until}");
        assert!(!e.fields[0].zh.is_empty() && !e.fields[0].en.is_empty());
    }
    // Someone else cannot copy.
    let e = svc
        .make_copy(other, &l.identifier, &input("办理公积金提取", "2026-12-01"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);

    // A copy, valid through 2026-12-22 (30 days) at most.
    let c = svc
        .make_copy(
            holder,
            &l.identifier,
            &input("办理公积金提取", "2026-12-22"),
        )
        .await
        .unwrap();
    assert_eq!(c.valid_until, datetime!(2026-12-22 15:59:59 UTC));
    assert_eq!(c.code.len(), 20);
    let v = svc.verify_copy(&l.identifier, &c.code).await.unwrap();
    assert_eq!(v.verdict, "valid");
    let cc = v.copy.clone().unwrap();
    assert_eq!(cc.verdict, "valid");
    assert_eq!(cc.purpose, "办理公积金提取");
    assert_eq!(cc.valid_until, Some(c.valid_until));
    assert!(svc.verify(&l.identifier).await.unwrap().copy.is_none());
    // Unknown codes, or a code with another licence.
    for (id, code) in [
        (l.identifier.as_str(), "23456789ABCDEFGHJKLM"),
        (l.identifier.as_str(), "x"),
        ("1.2.156.3005.2.x", c.code.as_str()),
    ] {
        let v = svc.verify_copy(id, code).await.unwrap();
        assert_eq!(v.copy.unwrap().verdict, "unknown", "{id} {code}");
    }
    // The use log and the audit log.
    let uses = svc.uses(holder).await.unwrap();
    assert_eq!(uses[0].action, "copied");
    assert_eq!(uses[0].reason, "办理公积金提取");
    let mut db = t.db.clone();
    let (n,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'licence.copy'",
            yiwang_store::args![],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(svc.copies(holder).await.unwrap().len(), 1);
    assert!(svc.copies(other).await.unwrap().is_empty());

    // The copy's PDF: the annotation and the code; only for the holder, only this code.
    let cpdf = svc
        .copy_pdf(holder, &l.identifier, &c.code, BASE)
        .await
        .unwrap();
    let ctext = String::from_utf8_lossy(&cpdf);
    assert!(ctext.contains(&utf16_hex(
        "仅供办理公积金提取使用，有效期至2026-12-22 23:59，他用无效"
    )));
    assert!(ctext.contains(&utf16_hex(&format!("加注件编号：{}", c.code))));
    assert_eq!(
        svc.copy_pdf(other, &l.identifier, &c.code, BASE)
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    assert_eq!(
        svc.copy_pdf(holder, &l.identifier, "23456789ABCDEFGHJKLM", BASE)
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );

    // A changed purpose no longer matches the copy's seal.
    db.execute(
        "UPDATE licence_copies SET purpose = '办理出国手续' WHERE code = $1",
        yiwang_store::args![c.code.as_str()],
    )
    .await
    .unwrap();
    let v = svc.verify_copy(&l.identifier, &c.code).await.unwrap();
    assert_eq!(v.copy.unwrap().verdict, "tampered");
    db.execute(
        "UPDATE licence_copies SET purpose = '办理公积金提取' WHERE code = $1",
        yiwang_store::args![c.code.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(
        svc.verify_copy(&l.identifier, &c.code)
            .await
            .unwrap()
            .copy
            .unwrap()
            .verdict,
        "valid"
    );

    // Past its time the copy is expired (the licence is still valid).
    clock.advance(time::Duration::days(31));
    let v = svc.verify_copy(&l.identifier, &c.code).await.unwrap();
    assert_eq!(v.verdict, "valid");
    assert_eq!(v.copy.unwrap().verdict, "expired");

    // A new copy, then the licence is revoked: the copy is invalid with it, and no more copies.
    let c2 = svc
        .make_copy(holder, &l.identifier, &input("办理社保卡", "2027-01-01"))
        .await
        .unwrap();
    svc.set_status(&sys, &l.identifier, "revoked", "证书撤销")
        .await
        .unwrap();
    let v = svc.verify_copy(&l.identifier, &c2.code).await.unwrap();
    assert_eq!(v.verdict, "revoked");
    assert_eq!(v.copy.unwrap().verdict, "licence_invalid");
    let e = svc
        .make_copy(holder, &l.identifier, &input("办理社保卡", "2027-01-01"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidState);
}
