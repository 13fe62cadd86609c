//! The licence domain against a real database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): issue, verify, tamper, suspend, revoke, renew, rotate seals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::uscc;

use serde_json::json;
use yiwang_kernel::auth::Ctx;
use yiwang_licences::{IssueInput, LicenceType};
use yiwang_store::Conn;

#[tokio::test(flavor = "multi_thread")]
async fn issue_verify_tamper_revoke_renew_rotate() {
    let common::Base {
        t,
        clock,
        svc,
        dept,
        ..
    } = common::base("湛江市市场监督管理局", "11440800MB2C1234").await;
    let sys = Ctx::system("test");
    svc.define_type(
        &sys,
        &LicenceType {
            code: "11100000MB0143235W001".into(),
            name: "食品经营许可证".into(),
            definer_name: "国家市场监督管理总局".into(),
            holder_type: "org".into(),
            face_schema: json!([
                {"key": "address", "label": "经营场所", "kind": "address", "required": true},
                {"key": "scope", "label": "经营项目", "kind": "text", "required": true}
            ])
            .to_string(),
            validity_years: 5,
        },
    )
    .await
    .unwrap();
    let holder = uscc("91440802MA5XXXXX");
    let input = IssueInput {
        type_code: "11100000MB0143235W001".into(),
        holder_name: "湛江市赤坎区海滨餐饮有限公司".into(),
        holder_code: holder.clone(),
        face: json!({"address": "湛江市赤坎区海滨大道北8号", "scope": "热食类食品制售"}),
        issuer_department_id: dept,
        ..Default::default()
    };
    let l = svc.issue(&sys, &input).await.unwrap();
    assert!(
        l.identifier
            .starts_with("1.2.156.3005.2.11100000MB0143235W001.")
    );
    assert!(
        yiwang_licences::Identifier::parse(&l.identifier)
            .unwrap()
            .check_ok
    );
    assert_eq!(l.valid_to.unwrap().year(), 2031);
    assert_eq!(svc.verify(&l.identifier).await.unwrap().verdict, "valid");
    assert_eq!(
        svc.verify("1.2.156.3005.2.x").await.unwrap().verdict,
        "unknown"
    );

    // Any change to a stored field that the seal covers: tampered.
    let mut db = t.db.clone();
    db.execute(
        "UPDATE licences SET face = $1 WHERE identifier = $2",
        yiwang_store::args![
            json!({"address": "湛江市赤坎区海滨大道北9号", "scope": "热食类食品制售"}).to_string(),
            l.identifier.as_str()
        ],
    )
    .await
    .unwrap();
    assert_eq!(svc.verify(&l.identifier).await.unwrap().verdict, "tampered");
    db.execute(
        "UPDATE licences SET face = $1, holder_name = $2 WHERE identifier = $3",
        yiwang_store::args![
            l.face.to_string(),
            "湛江市赤坎区海滨餐饮有限公司 ",
            l.identifier.as_str()
        ],
    )
    .await
    .unwrap();
    assert_eq!(svc.verify(&l.identifier).await.unwrap().verdict, "tampered");
    db.execute(
        "UPDATE licences SET holder_name = $1 WHERE identifier = $2",
        yiwang_store::args![l.holder_name.as_str(), l.identifier.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(svc.verify(&l.identifier).await.unwrap().verdict, "valid");

    // Suspend, reinstate, rotate the seal (old licences still verify), renew, revoke.
    svc.set_status(&sys, &l.identifier, "suspended", "核查中")
        .await
        .unwrap();
    assert_eq!(
        svc.verify(&l.identifier).await.unwrap().verdict,
        "suspended"
    );
    svc.set_status(&sys, &l.identifier, "valid", "核查完毕")
        .await
        .unwrap();
    let old_key = l.seal_key_id.clone();
    let new_key = svc.rotate_seal(&sys, dept).await.unwrap();
    assert_ne!(new_key.key_id, old_key);
    assert_eq!(svc.verify(&l.identifier).await.unwrap().verdict, "valid");
    assert_eq!(svc.public_keys().await.unwrap().len(), 2);
    let renewed = svc
        .issue(
            &sys,
            &IssueInput {
                previous_identifier: Some(l.identifier.clone()),
                ..input.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(renewed.seal_key_id, new_key.key_id);
    assert!(renewed.identifier.ends_with(&format!(
        ".002.{}",
        renewed.identifier.chars().last().unwrap()
    )));
    assert_eq!(svc.verify(&l.identifier).await.unwrap().verdict, "revoked");
    assert_eq!(
        svc.verify(&renewed.identifier).await.unwrap().verdict,
        "valid"
    );
    assert_eq!(svc.status_list().await.unwrap().len(), 1);

    // Concurrent issuers never share a serial number.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (svc, sys, input) = (svc.clone(), sys.clone(), input.clone());
        tasks.push(tokio::spawn(async move { svc.issue(&sys, &input).await }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().unwrap().identifier);
    }
    assert_eq!(ids.len(), 8);
    // Expiry.
    clock.advance(time::Duration::days(365 * 6));
    assert_eq!(
        svc.verify(&renewed.identifier).await.unwrap().verdict,
        "expired"
    );
    // Bad input names the field.
    let e = svc
        .issue(
            &sys,
            &IssueInput {
                holder_code: "x".into(),
                face: json!({}),
                ..input.clone()
            },
        )
        .await
        .unwrap_err();
    let fields: Vec<String> = e.fields.iter().map(|f| f.field.clone()).collect();
    assert!(fields.contains(&"holder_code".to_string()), "{fields:?}");
    assert!(fields.iter().any(|f| f.starts_with("face")), "{fields:?}");
}
