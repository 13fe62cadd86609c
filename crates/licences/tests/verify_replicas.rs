//! Verification keeps part of each seal check between calls (the canonical form's digest, the
//! parsed key): it must still answer from the database as it is now. Two services on one
//! database stand for two replicas: a revocation, suspension or expiry made through the other
//! one, or any edit of a stored field, a signature or a seal's public key, shows at the very
//! next verification (SQLite, or PostgreSQL with YIWANG_TEST_DATABASE_URL).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::uscc;

use serde_json::json;
use time::macros::date;
use yiwang_kernel::auth::Ctx;
use yiwang_licences::{IssueInput, LicenceService, LicenceType};
use yiwang_store::{Conn, Db, Value, args};

#[tokio::test(flavor = "multi_thread")]
async fn another_replica_s_changes_and_edits_of_stored_fields_show_at_once() {
    let common::Base {
        t,
        clock,
        identity,
        svc: a,
        dept,
        ..
    } = common::base("湛江市市场监督管理局", "11440800MB2C1234").await;
    // The second replica: its own service (and memo) on the same database and key ring.
    let identity_keys = identity.keys().clone();
    let b = LicenceService::new(t.db.clone(), clock.clone(), identity_keys.clone(), identity);
    let sys = Ctx::system("test");
    a.define_type(
        &sys,
        &LicenceType {
            code: "11100000MB0143235W001".into(),
            name: "食品经营许可证".into(),
            definer_name: "国家市场监督管理总局".into(),
            holder_type: "org".into(),
            face_schema: json!([{"key": "address", "label": "经营场所", "kind": "address", "required": true}])
                .to_string(),
            validity_years: 5,
        },
    )
    .await
    .unwrap();
    let issue = |n: u32| IssueInput {
        type_code: "11100000MB0143235W001".into(),
        holder_name: format!("湛江市赤坎区海滨餐饮{n}号有限公司"),
        holder_code: uscc(&format!("91440802MA5XXXX{n}")),
        face: json!({"address": format!("湛江市赤坎区海滨大道北{n}号")}),
        issuer_department_id: dept,
        ..Default::default()
    };
    let l1 = a.issue(&sys, &issue(1)).await.unwrap().identifier;
    let v2 = a.issue(&sys, &issue(2)).await.unwrap();
    let l2 = v2.identifier.clone();
    for _ in 0..3 {
        for id in [&l1, &l2] {
            assert_eq!(a.verify(id).await.unwrap().verdict, "valid");
            assert_eq!(b.verify(id).await.unwrap().verdict, "valid");
        }
    }
    let v = a.verify(&l1).await.unwrap();
    assert_eq!(v.type_name, "食品经营许可证");

    // Suspended, reinstated and revoked on replica b: replica a sees each at once.
    b.set_status(&sys, &l1, "suspended", "核查中")
        .await
        .unwrap();
    assert_eq!(a.verify(&l1).await.unwrap().verdict, "suspended");
    b.set_status(&sys, &l1, "valid", "核查完毕").await.unwrap();
    assert_eq!(a.verify(&l1).await.unwrap().verdict, "valid");
    b.set_status(&sys, &l1, "revoked", "依申请注销")
        .await
        .unwrap();
    assert_eq!(a.verify(&l1).await.unwrap().verdict, "revoked");
    // A revocation written straight into the database by another program: the same.
    let mut db = t.db.clone();
    db.execute(
        "UPDATE licences SET status = 'revoked' WHERE identifier = $1",
        args![l2.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(a.verify(&l2).await.unwrap().verdict, "revoked");
    db.execute(
        "UPDATE licences SET status = 'valid' WHERE identifier = $1",
        args![l2.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(a.verify(&l2).await.unwrap().verdict, "valid");

    // Every input of the seal check, edited after a kept check: tampered on both replicas;
    // restored: valid again.
    let (key_id, enc): (String, String) = db
        .fetch_one(
            "SELECT seal_key_id, holder_code_enc FROM licences WHERE identifier = $1",
            args![l2.as_str()],
        )
        .await
        .unwrap();
    let other = yiwang_licences::SealKey::generate().unwrap();
    let keys = identity_keys.clone();
    let edits: Vec<(&str, Value, Value)> = vec![
        ("number", "X0001".into(), text(&mut db, "number", &l2).await),
        (
            "holder_name",
            "湛江市赤坎区海滨餐饮2号有限公司 ".into(),
            text(&mut db, "holder_name", &l2).await,
        ),
        (
            "issuer_name",
            "湛江市人民政府".into(),
            text(&mut db, "issuer_name", &l2).await,
        ),
        (
            "face",
            json!({"address": "湛江市赤坎区海滨大道北3号"})
                .to_string()
                .into(),
            text(&mut db, "face", &l2).await,
        ),
        ("valid_to", date!(2099 - 12 - 31).into(), v2.valid_to.into()),
        ("previous_identifier", l1.as_str().into(), Value::Null),
        (
            "signature",
            hex::encode(other.sign(b"something else")).into(),
            text(&mut db, "signature", &l2).await,
        ),
        (
            "holder_code_enc",
            keys.seal("licences.holder_code", &uscc("91440802MA5XXXX9"))
                .unwrap()
                .into(),
            enc.as_str().into(),
        ),
    ];
    for (column, edited, old) in edits {
        let sql = format!("UPDATE licences SET {column} = $1 WHERE identifier = $2");
        db.execute(&sql, &[edited, l2.as_str().into()])
            .await
            .unwrap();
        assert_eq!(a.verify(&l2).await.unwrap().verdict, "tampered", "{column}");
        assert_eq!(b.verify(&l2).await.unwrap().verdict, "tampered", "{column}");
        db.execute(&sql, &[old, l2.as_str().into()]).await.unwrap();
        assert_eq!(a.verify(&l2).await.unwrap().verdict, "valid", "{column}");
        assert_eq!(b.verify(&l2).await.unwrap().verdict, "valid", "{column}");
    }
    // The holder number sealed again (another ciphertext of the same number): still valid.
    db.execute(
        "UPDATE licences SET holder_code_enc = $1 WHERE identifier = $2",
        args![
            keys.seal("licences.holder_code", &uscc("91440802MA5XXXX2"))
                .unwrap(),
            l2.as_str()
        ],
    )
    .await
    .unwrap();
    assert_eq!(a.verify(&l2).await.unwrap().verdict, "valid");
    // The seal's public key replaced in `seal_keys`: tampered, on both replicas.
    let (public_key,): (String,) = db
        .fetch_one(
            "SELECT public_key FROM seal_keys WHERE key_id = $1",
            args![key_id.as_str()],
        )
        .await
        .unwrap();
    db.execute(
        "UPDATE seal_keys SET public_key = $1 WHERE key_id = $2",
        args![hex::encode(other.public_key()), key_id.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(a.verify(&l2).await.unwrap().verdict, "tampered");
    assert_eq!(b.verify(&l2).await.unwrap().verdict, "tampered");
    db.execute(
        "UPDATE seal_keys SET public_key = $1 WHERE key_id = $2",
        args![public_key.as_str(), key_id.as_str()],
    )
    .await
    .unwrap();
    assert_eq!(a.verify(&l2).await.unwrap().verdict, "valid");

    // Expiry: the day after the last valid day, at once.
    clock.advance(time::Duration::days(5 * 366));
    assert_eq!(a.verify(&l2).await.unwrap().verdict, "expired");
    assert_eq!(b.verify(&l2).await.unwrap().verdict, "expired");
}

/// The text column `column` of licence `id`.
async fn text(db: &mut Db, column: &str, id: &str) -> Value {
    let (v,): (String,) = db
        .fetch_one(
            &format!("SELECT {column} FROM licences WHERE identifier = $1"),
            args![id],
        )
        .await
        .unwrap();
    v.into()
}
