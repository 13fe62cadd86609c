//! The Open311 POST's lean path (`post_open311`): answered from what was written, with the
//! audit entry, the sealed phone, routing and the likely duplicates kept; a key revoked by
//! another process refused inside the filing's transaction; grids imported by another process
//! routed to.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;
use yiwang_appeals::{AppealType, Status};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::Ctx;

#[tokio::test]
async fn a_post_is_answered_from_what_was_written() {
    let f = fx().await;
    let (_, key) = f.svc.issue_key(&f.secadmin, "随手拍App", "").await.unwrap();
    let service = f.svc.open311_service("SQ0101").await.unwrap().unwrap();
    assert!(!service.name.is_empty());
    let r = f
        .svc
        .post_open311(
            &Ctx::anonymous(),
            &key,
            service,
            appeal(
                AppealType::Help,
                "ignored: the service decides",
                Some(IN_U1),
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.status, Status::Dispatched);
    assert!(r.duplicates.is_empty());
    // What was answered is what is stored.
    let stored = f.svc.get(&Ctx::system("test"), &r.appeal_no).await.unwrap();
    assert_eq!(stored.due_at, r.due_at);
    assert_eq!(stored.category_code, "SQ0101");
    assert_eq!(stored.grid.as_ref().unwrap().code, "U1");
    assert_eq!(stored.assignee.as_deref(), Some("测试wg_zhong1"));
    assert_eq!(
        stored
            .events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["create", "dispatch"]
    );
    let by_token = f.svc.request_by_token(&r.token).await.unwrap().unwrap();
    assert_eq!(by_token.0, r.appeal_no);
    // The phone is sealed at rest, the audit entry written with the order.
    assert_eq!(
        f.count("SELECT COUNT(*) FROM appeals WHERE contact_phone_enc LIKE '%13800138000%'")
            .await,
        0
    );
    assert_eq!(
        f.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'open311.submit' AND object = 'appeal:{}'",
            r.appeal_no
        ))
        .await,
        1
    );
    // The same place again: the first is offered as a likely duplicate.
    let service = f.svc.open311_service("SQ0101").await.unwrap().unwrap();
    let again = f
        .svc
        .post_open311(
            &Ctx::anonymous(),
            &key,
            service,
            appeal(AppealType::Help, "SQ0101", Some(north(IN_U1, 20.0))),
        )
        .await
        .unwrap();
    assert_eq!(again.duplicates, vec![r.appeal_no.clone()]);
    // An inactive or unknown service is none.
    assert!(f.svc.open311_service("NOPE").await.unwrap().is_none());
}

#[tokio::test]
async fn a_key_revoked_by_another_process_is_refused() {
    let f = fx().await;
    let (k, key) = f.svc.issue_key(&f.secadmin, "随手拍App", "").await.unwrap();
    let (fr, kr) = (&f, &key);
    let post = move |input| async move {
        let service = fr.svc.open311_service("SQ0101").await.unwrap().unwrap();
        fr.svc
            .post_open311(&Ctx::anonymous(), kr, service, input)
            .await
    };
    // Seen live once (remembered by this process).
    post(appeal(AppealType::Help, "SQ0101", Some(IN_U1)))
        .await
        .unwrap();
    let orders = f.count("SELECT COUNT(*) FROM appeals").await;
    let denied = f
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'")
        .await;
    f.other_process()
        .revoke_key(&f.secadmin, k.id)
        .await
        .unwrap();
    // Refused inside the transaction: nothing filed, the refusal audited.
    let err = post(appeal(AppealType::Help, "SQ0101", Some(IN_U1)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Open311ApiKey);
    assert_eq!(err.status(), 403);
    assert_eq!(f.count("SELECT COUNT(*) FROM appeals").await, orders);
    assert!(
        f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'")
            .await
            > denied
    );
    // A bad input with the revoked key: the key is answered first.
    let mut bad = appeal(AppealType::Help, "SQ0101", Some(IN_U1));
    bad.contact_phone = "not-a-phone".into();
    let err = post(bad).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Open311ApiKey);
    assert_eq!(f.count("SELECT COUNT(*) FROM appeals").await, orders);
}

#[tokio::test]
async fn a_remembered_key_with_bad_input_is_a_validation_error() {
    let f = fx().await;
    let (_, key) = f.svc.issue_key(&f.secadmin, "随手拍App", "").await.unwrap();
    let service = f.svc.open311_service("SQ0101").await.unwrap().unwrap();
    f.svc
        .post_open311(
            &Ctx::anonymous(),
            &key,
            service.clone(),
            appeal(AppealType::Help, "SQ0101", Some(IN_U1)),
        )
        .await
        .unwrap();
    let mut bad = appeal(AppealType::Help, "SQ0101", Some(IN_U1));
    bad.contact_phone = "not-a-phone".into();
    let err = f
        .svc
        .post_open311(&Ctx::anonymous(), &key, service, bad)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert_eq!(err.fields[0].field, "contact_phone");
}

#[tokio::test]
async fn grids_imported_by_another_process_are_routed_to() {
    let f = fx().await;
    let (_, key) = f.svc.issue_key(&f.secadmin, "随手拍App", "").await.unwrap();
    let (fr, kr) = (&f, &key);
    let post = move || async move {
        let service = fr.svc.open311_service("SQ0101").await.unwrap().unwrap();
        fr.svc
            .post_open311(
                &Ctx::anonymous(),
                kr,
                service,
                appeal(AppealType::Help, "SQ0101", Some(OUTSIDE)),
            )
            .await
            .unwrap()
    };
    // Outside every grid: the category's department, no grid (the index is now loaded).
    let before = post().await;
    let stored = f
        .svc
        .get(&Ctx::system("test"), &before.appeal_no)
        .await
        .unwrap();
    assert!(stored.grid.is_none());
    // Another process imports a grid around the point.
    let (x, y, s) = (OUTSIDE.lon - 0.005, OUTSIDE.lat - 0.005, 0.01);
    let file = json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]},
            "properties": {
                "code": "N1", "name": "新增网格", "kind": "unit", "division": "440802",
                "department": uscc("11440802MB2C0001"), "workers": ["wg_zhong2"]
            }
        }]
    });
    let report = f
        .other_process()
        .import_grids(&f.admin, "n1.geojson", file.to_string().as_bytes(), true)
        .await
        .unwrap();
    assert!(report.committed, "{:?}", report.errors);
    let after = post().await;
    let stored = f
        .svc
        .get(&Ctx::system("test"), &after.appeal_no)
        .await
        .unwrap();
    assert_eq!(stored.grid.as_ref().map(|g| g.code.as_str()), Some("N1"));
    assert_eq!(stored.assignee.as_deref(), Some("测试wg_zhong2"));
}
