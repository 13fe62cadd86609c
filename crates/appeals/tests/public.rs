//! Open311 keys and reads, statistics, categories through the service.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use time::Duration;
use time::macros::{date, datetime};
use yiwang_appeals::{ActInput, Action, AppealType, Channel, PublicQuery, StatsBy, StatsQuery};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::Ctx;

#[tokio::test]
async fn open311_keys_are_issued_used_and_revoked() {
    let f = fx().await;
    let err = f
        .svc
        .issue_key(&f.admin, "随手拍App", "")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let (k, key) = f
        .svc
        .issue_key(&f.secadmin, "随手拍App", "dev@example.com")
        .await
        .unwrap();
    assert!(key.starts_with(&k.key_prefix));
    let filed = f
        .svc
        .submit_open311(
            &Ctx::anonymous(),
            &key,
            appeal(AppealType::Help, "CG0101", Some(IN_U1_AND_P1)),
        )
        .await
        .unwrap();
    assert_eq!(filed.appeal.channel, Channel::Open311);
    assert_eq!(filed.appeal.grid.as_ref().unwrap().code, "P1");
    let by_token = f.svc.request_by_token(&filed.token).await.unwrap().unwrap();
    assert_eq!(by_token.0, filed.appeal.appeal_no);
    let listed = f.svc.keys(&f.secadmin).await.unwrap();
    assert!(listed[0].last_used_at.is_some());
    // Revoked: 403 open311.api_key.
    let r = f.svc.revoke_key(&f.secadmin, k.id).await.unwrap();
    assert!(r.revoked_at.is_some());
    let err = f
        .svc
        .submit_open311(
            &Ctx::anonymous(),
            &key,
            appeal(AppealType::Help, "CG0101", Some(IN_U1)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Open311ApiKey);
    assert_eq!(err.status(), 403);
    let err = f
        .svc
        .submit_open311(
            &Ctx::anonymous(),
            "",
            appeal(AppealType::Help, "CG0101", None),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Open311ApiKey);
    // The web channel cannot claim to be Open311.
    let mut a = appeal(AppealType::Help, "CG0101", None);
    a.channel = Channel::Open311;
    let err = f.svc.submit(&Ctx::anonymous(), a).await.unwrap_err();
    assert_eq!(err.fields[0].field, "channel");
}

#[tokio::test]
async fn public_requests_filter_like_georeport() {
    let f = fx().await;
    // 100 days ago: outside the default window.
    f.clock.set(FRIDAY_10 - Duration::days(100));
    let old = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    f.clock.set(FRIDAY_10);
    let open = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    let cg = f
        .file(
            &f.citizen,
            AppealType::Complaint,
            "CG0101",
            Some(IN_U1_AND_P1),
        )
        .await
        .appeal;
    let mut secret = appeal(AppealType::Report, "SQ0101", Some(IN_U1));
    secret.confidential = true;
    let secret = f.svc.submit(&f.citizen, secret).await.unwrap().appeal;
    f.sign(&f.worker1, &open.appeal_no).await;
    f.act(
        &f.worker1,
        &open.appeal_no,
        ActInput::new(Action::Reply, 0).with_text("已处理"),
    )
    .await
    .unwrap();
    let all = f.svc.public_requests(PublicQuery::default()).await.unwrap();
    let nos: Vec<_> = all.iter().map(|r| r.appeal_no.as_str()).collect();
    assert_eq!(nos.len(), 3, "{nos:?}");
    assert!(!nos.contains(&old.appeal_no.as_str()));
    // ids override everything else.
    let by_id = f
        .svc
        .public_requests(PublicQuery {
            ids: vec![old.appeal_no.clone()],
            statuses: vec!["closed".into()],
            ..PublicQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    let codes = f
        .svc
        .public_requests(PublicQuery {
            service_codes: vec!["CG0101".into()],
            ..PublicQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].appeal_no, cg.appeal_no);
    assert_eq!(codes[0].service_name, "占道经营");
    assert_eq!(
        codes[0].agency_responsible,
        "湛江市赤坎区城市管理和综合执法局"
    );
    assert_eq!(
        codes[0].status_notes,
        "已派单：湛江市赤坎区城市管理和综合执法局 / dispatched"
    );
    assert_eq!(codes[0].expected_at, cg.due_at);
    let closed = f
        .svc
        .public_requests(PublicQuery {
            statuses: vec!["closed".into()],
            ..PublicQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].appeal_no, open.appeal_no);
    assert_eq!(closed[0].status, "closed");
    let opened = f
        .svc
        .public_requests(PublicQuery {
            statuses: vec!["open".into()],
            ..PublicQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(opened.len(), 2);
    assert!(opened.iter().all(|r| r.status == "open"));
    // A confidential order's description is withheld.
    let s = f
        .svc
        .public_request(&secret.appeal_no)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.description, "（保密诉求）");
    // An explicit window reaches the old one; a span over 90 days is refused.
    let w = f
        .svc
        .public_requests(PublicQuery {
            start: Some(FRIDAY_10 - Duration::days(101)),
            end: Some(FRIDAY_10 - Duration::days(99)),
            ..PublicQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(w.len(), 1);
    let err = f
        .svc
        .public_requests(PublicQuery {
            start: Some(FRIDAY_10 - Duration::days(120)),
            end: Some(FRIDAY_10),
            ..PublicQuery::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "start_date");
    // The limit.
    let one = f
        .svc
        .public_requests(PublicQuery {
            limit: 1,
            ..PublicQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert!(f.svc.public_request("NOPE").await.unwrap().is_none());
}

#[tokio::test]
async fn statistics_count_known_outcomes() {
    let f = fx().await;
    // U1, street office: four orders.
    let mut nos = Vec::new();
    for _ in 0..4 {
        nos.push(
            f.file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
                .await
                .appeal
                .appeal_no,
        );
    }
    // 1: replied on time and rated 4; 2: replied late (after the Tuesday due) and rated 1;
    // 3: merged into 1; 4: still open, overdue.
    for no in &nos[..2] {
        f.sign(&f.worker1, no).await;
    }
    f.act(
        &f.worker1,
        &nos[0],
        ActInput::new(Action::Reply, 0).with_text("好"),
    )
    .await
    .unwrap();
    let mut m = ActInput::new(Action::Merge, 0);
    m.other_no = Some(nos[0].clone());
    f.act(&f.dispatcher, &nos[2], m).await.unwrap();
    f.clock.set(datetime!(2026-12-09 10:00 +8));
    f.act(
        &f.worker1,
        &nos[1],
        ActInput::new(Action::Reply, 0).with_text("晚了"),
    )
    .await
    .unwrap();
    for (no, level) in [(&nos[0], 4), (&nos[1], 1)] {
        let mut v = ActInput::new(Action::Visit, 0);
        v.satisfaction = Some(level);
        f.act(&f.citizen, no, v).await.unwrap();
    }
    // One at the city management bureau, outside the grids: open, not yet due.
    f.file(&f.citizen, AppealType::Complaint, "CG0101", None)
        .await;
    let q = StatsQuery {
        from: date!(2026 - 12 - 01),
        to: date!(2026 - 12 - 31),
        by: StatsBy::Grid,
    };
    let err = f.svc.stats(&f.worker1, q.clone()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let rows = f.svc.stats(&f.supervisor, q.clone()).await.unwrap();
    let u1 = rows.iter().find(|r| r.key == "U1").unwrap();
    assert_eq!(u1.name, "中华街道第一网格");
    assert_eq!(
        (
            u1.total,
            u1.merged,
            u1.concluded,
            u1.on_time,
            u1.overdue_open
        ),
        (4, 1, 2, 1, 1)
    );
    assert_eq!((u1.visited, u1.satisfied), (2, 1));
    assert!((u1.completion_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((u1.on_time_rate.unwrap() - 0.5).abs() < 1e-9);
    assert!((u1.satisfaction_rate.unwrap() - 0.5).abs() < 1e-9);
    let none = rows.iter().find(|r| r.key.is_empty()).unwrap();
    assert_eq!((none.total, none.concluded), (1, 0));
    assert_eq!(none.completion_rate, Some(0.0));
    assert_eq!(none.on_time_rate, None);
    assert_eq!(none.satisfaction_rate, None);
    let by_dept = f
        .svc
        .stats(
            &f.dispatcher,
            StatsQuery {
                by: StatsBy::Department,
                ..q.clone()
            },
        )
        .await
        .unwrap();
    let street = by_dept
        .iter()
        .find(|r| r.key == f.street.to_string())
        .unwrap();
    assert_eq!(street.name, "湛江市赤坎区中华街道办事处");
    assert_eq!(street.total, 4);
    let by_type = f
        .svc
        .stats(
            &f.supervisor,
            StatsQuery {
                by: StatsBy::Type,
                ..q.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        by_type.iter().find(|r| r.key == "consult").unwrap().name,
        "咨询"
    );
    // Another month: nothing.
    let empty = f
        .svc
        .stats(
            &f.supervisor,
            StatsQuery {
                from: date!(2026 - 11 - 01),
                to: date!(2026 - 11 - 30),
                by: StatsBy::Grid,
            },
        )
        .await
        .unwrap();
    assert!(empty.is_empty());
}

#[tokio::test]
async fn categories_and_their_groups() {
    let f = fx().await;
    let all = f.svc.categories(true).await.unwrap();
    let cg = all.iter().find(|c| c.code == "CG0101").unwrap();
    assert_eq!(cg.group_name.as_deref(), Some("城市管理"));
    assert_eq!(
        cg.department_name.as_deref(),
        Some("湛江市赤坎区城市管理和综合执法局")
    );
    assert_eq!(cg.specialty.as_deref(), Some("city_management"));
    // Deactivated: hidden from the public list and refused at intake.
    let mut input = yiwang_appeals::CategoryInput {
        code: "QT0001".into(),
        name: "其他事项".into(),
        parent_code: None,
        department_id: None,
        specialty: None,
        description: String::new(),
        keywords: String::new(),
        active: false,
    };
    f.svc.save_category(&f.admin, input.clone()).await.unwrap();
    assert!(
        f.svc
            .categories(true)
            .await
            .unwrap()
            .iter()
            .all(|c| c.code != "QT0001")
    );
    assert!(
        f.svc
            .categories(false)
            .await
            .unwrap()
            .iter()
            .any(|c| c.code == "QT0001")
    );
    let err = f
        .svc
        .submit(&f.citizen, appeal(AppealType::Other, "QT0001", Some(IN_U1)))
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "category");
    input.code = "bad code!".into();
    input.parent_code = Some("NOPE".into());
    let err = f
        .svc
        .save_category(&f.admin, input.clone())
        .await
        .unwrap_err();
    let fields: Vec<_> = err.fields.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["code", "parent_code"]);
    let err = f.svc.save_category(&f.worker1, input).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn a_key_rotation_rewraps_contact_phones() {
    let f = fx().await;
    for _ in 0..3 {
        f.file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
            .await;
    }
    let old_prefix = f.keys.ring().current_prefix();
    f.keys.rotate().unwrap();
    let new_prefix = f.keys.ring().current_prefix();
    assert_ne!(old_prefix, new_prefix);
    let svc: &dyn yiwang_identity::SealedData = &f.svc;
    assert_eq!(svc.rewrap(2).await.unwrap(), 3);
    assert_eq!(svc.rewrap(2).await.unwrap(), 0);
    let mut c = f.t.db.clone();
    use yiwang_store::Conn;
    let rows: Vec<(String,)> = c
        .fetch_all("SELECT contact_phone_enc FROM appeals", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.0.starts_with(&new_prefix)));
    assert!(rows.iter().all(|r| !r.0.contains("13800138000")));
    // The caller's history still finds them.
    let h = f
        .svc
        .caller_history(&f.operator, "13800138000")
        .await
        .unwrap();
    assert_eq!(h.len(), 3);
}
