//! Intake through the service: routing by point and category, due dates in working days,
//! duplicates, direct answers, validation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use time::Duration;
use time::macros::datetime;
use yiwang_appeals::{AppealType, Channel, Status};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::Ctx;

#[tokio::test]
async fn a_point_inside_a_unit_grid_reaches_its_first_worker() {
    let f = fx().await;
    let filed = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await;
    let a = &filed.appeal;
    assert_eq!(a.status, Status::Dispatched);
    assert_eq!(a.grid.as_ref().unwrap().code, "U1");
    assert_eq!(a.department.as_ref().unwrap().id, f.street);
    assert_eq!(a.assignee.as_deref(), Some("测试wg_zhong1"));
    assert!(a.appeal_no.starts_with("44080220261204"), "{}", a.appeal_no);
    assert_eq!(a.appeal_no.len(), 20);
    let kinds: Vec<_> = a.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["create", "dispatch"]);
    assert_eq!(a.events[1].data["grid"], "U1");
    assert!(
        a.events[1].to.contains("中华街道第一网格"),
        "{}",
        a.events[1].to
    );
    // The division defaults to the grid's.
    assert_eq!(a.division, "440802001");
    // `route` gives the same answer.
    let r = f.svc.route("SQ0101", Some(IN_U1)).await.unwrap();
    assert_eq!(r.grid.unwrap().code, "U1");
    assert_eq!(r.assignee_id, Some(user_id(&f.worker1)));
}

#[tokio::test]
async fn a_category_with_a_specialty_reaches_the_professional_grid() {
    let f = fx().await;
    let a = f
        .file(
            &f.citizen,
            AppealType::Complaint,
            "CG0101",
            Some(IN_U1_AND_P1),
        )
        .await
        .appeal;
    assert_eq!(a.grid.as_ref().unwrap().code, "P1");
    assert_eq!(a.department.as_ref().unwrap().id, f.cg);
    assert_eq!(a.assignee.as_deref(), Some("测试cg_li"));
    // Outside the professional grid, the unit grid takes it.
    let b = f
        .file(&f.citizen, AppealType::Complaint, "CG0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(b.grid.as_ref().unwrap().code, "U1");
    // Without a specialty, the unit grid even inside the professional one.
    let c = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1_AND_P1))
        .await
        .appeal;
    assert_eq!(c.grid.as_ref().unwrap().code, "U1");
}

#[tokio::test]
async fn outside_every_grid_the_category_department_takes_it() {
    let f = fx().await;
    let a = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(OUTSIDE))
        .await
        .appeal;
    assert_eq!(a.status, Status::Dispatched);
    assert!(a.grid.is_none());
    assert!(a.assignee.is_none());
    assert_eq!(a.department.as_ref().unwrap().id, f.street);
    assert_eq!(a.division, "440800", "the home division");
    // A grid without workers: the category's department too.
    let b = f
        .file(&f.citizen, AppealType::Help, "CG0101", Some(IN_U2))
        .await
        .appeal;
    assert!(b.grid.is_none());
    assert_eq!(b.department.as_ref().unwrap().id, f.cg);
    // No point at all (address only).
    let c = f
        .file(&f.citizen, AppealType::Help, "CG0101", None)
        .await
        .appeal;
    assert_eq!(c.department.as_ref().unwrap().id, f.cg);
    // A category without a department waits for the dispatcher.
    let d = f
        .file(&f.citizen, AppealType::Other, "QT0001", Some(OUTSIDE))
        .await
        .appeal;
    assert_eq!(d.status, Status::Received);
    assert!(d.department.is_none());
    assert_eq!(d.events.len(), 1);
}

#[tokio::test]
async fn due_dates_count_working_days_from_the_calendar() {
    let f = fx().await;
    // A consult filed on a Friday: Monday and Tuesday are its two working days.
    let a = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(a.limit_days, 2);
    assert_eq!(a.due_at, datetime!(2026-12-08 23:59:59.999999 +8));
    // A complaint: 15 working days.
    let b = f
        .file(&f.citizen, AppealType::Complaint, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(b.due_at, datetime!(2026-12-25 23:59:59.999999 +8));
    // Filed on a Saturday: counting starts on Monday all the same.
    f.clock.set(datetime!(2026-12-05 09:00 +8));
    let c = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(c.due_at, datetime!(2026-12-08 23:59:59.999999 +8));
    // Before National Day: the holidays (1–7 October) do not count.
    f.clock.set(datetime!(2026-09-30 10:00 +8));
    let d = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(d.due_at, datetime!(2026-10-09 23:59:59.999999 +8));
    // Limits are configurable.
    let mut l = f.svc.time_limits().await.unwrap();
    l.consult = 3;
    f.svc.set_time_limits(&f.admin, l.clone()).await.unwrap();
    f.clock.set(FRIDAY_10);
    let e = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(e.due_at, datetime!(2026-12-09 23:59:59.999999 +8));
    l.help = 0;
    let err = f.svc.set_time_limits(&f.admin, l).await.unwrap_err();
    assert_eq!(err.fields[0].field, "help");
    let err = f
        .svc
        .set_time_limits(&f.worker1, yiwang_appeals::TimeLimits::guangdong())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn duplicates_are_the_same_category_nearby_and_recent() {
    let f = fx().await;
    let first = f
        .file(&f.citizen, AppealType::Complaint, "CG0101", Some(IN_U1))
        .await
        .appeal;
    f.clock.advance(Duration::minutes(40));
    let near = north(IN_U1, 20.0);
    let d = f
        .svc
        .duplicates(&Ctx::anonymous(), "CG0101", Some(near))
        .await
        .unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].appeal_no, first.appeal_no);
    // Filing it offers the first one.
    let second = f
        .file(
            &f.other_citizen,
            AppealType::Complaint,
            "CG0101",
            Some(near),
        )
        .await;
    assert_eq!(second.duplicates.len(), 1);
    assert_eq!(second.duplicates[0].appeal_no, first.appeal_no);
    // Another category, 500 m away, or four days later: none.
    let other = f
        .svc
        .duplicates(&Ctx::anonymous(), "SQ0101", Some(near))
        .await
        .unwrap();
    assert!(other.is_empty());
    let far = f
        .svc
        .duplicates(&Ctx::anonymous(), "CG0101", Some(north(IN_U1, 500.0)))
        .await
        .unwrap();
    assert!(far.is_empty());
    f.clock.advance(Duration::days(4));
    let old = f
        .svc
        .duplicates(&Ctx::anonymous(), "CG0101", Some(near))
        .await
        .unwrap();
    assert!(old.is_empty());
    // The dispatcher sees the first as a duplicate of the second.
    let seen = f
        .svc
        .get(&f.dispatcher, &second.appeal.appeal_no)
        .await
        .unwrap();
    assert_eq!(seen.duplicates.len(), 1);
    assert_eq!(seen.duplicates[0].appeal_no, first.appeal_no);
}

#[tokio::test]
async fn input_errors_name_their_fields() {
    let f = fx().await;
    let mut a = appeal(AppealType::Help, "NOPE", None);
    a.content = "<script>alert(1)</script>".into();
    a.contact_phone = "12".into();
    a.address = String::new();
    let err = f.svc.submit(&f.citizen, a).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    let fields: Vec<_> = err
        .fields
        .iter()
        .map(|e| (e.field.as_str(), e.rule.as_str()))
        .collect();
    for want in [
        ("content", "text.html"),
        ("category", "appeal.category_unknown"),
        ("address", "appeal.place_required"),
        ("contact_phone", "phone.format"),
    ] {
        assert!(fields.contains(&want), "{want:?} in {fields:?}");
    }
    // The title defaults to the content's first 30 characters.
    let a = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(a.title, "中华路12号门前有商贩长期占道摆卖，影响通行。");
    // A phone intake needs the operator's permission.
    let mut p = appeal(AppealType::Help, "SQ0101", None);
    p.channel = Channel::Phone;
    let err = f.svc.submit(&f.citizen, p.clone()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let ok = f.svc.submit(&f.operator, p).await.unwrap();
    assert_eq!(ok.appeal.channel, Channel::Phone);
    // A bad photo is refused by type.
    let mut q = appeal(AppealType::Help, "SQ0101", Some(IN_U1));
    q.photos = vec![yiwang_appeals::PhotoUpload {
        name: "a.png".into(),
        bytes: bytes::Bytes::from_static(b"not an image"),
    }];
    let err = f.svc.submit(&f.citizen, q).await.unwrap_err();
    assert_eq!(err.fields[0].field, "photos[0]");
}

#[tokio::test]
async fn an_operator_answers_a_consult_from_the_knowledge_base() {
    let f = fx().await;
    let kb = f
        .svc
        .save_knowledge(
            &f.admin,
            yiwang_appeals::KnowledgeInput {
                id: None,
                category_code: Some("SQ0101".into()),
                question: "小区垃圾清运时间是什么时候？".into(),
                answer: "每日早6点、晚6点各清运一次。".into(),
                keywords: "垃圾,清运".into(),
                department_id: Some(f.street),
                active: true,
            },
        )
        .await
        .unwrap();
    let found = f.svc.knowledge("垃圾清运", None, 5).await.unwrap();
    assert_eq!(found[0].id, kb.id);
    assert!(f.svc.knowledge("社保卡", None, 5).await.unwrap().is_empty());
    let mut call = appeal(AppealType::Consult, "SQ0101", None);
    call.channel = Channel::Phone;
    call.address = String::new();
    let a = f
        .svc
        .answer_directly(&f.operator, call.clone(), Some(kb.id), &kb.answer)
        .await
        .unwrap();
    assert_eq!(a.status, Status::ClosedDirect);
    assert_eq!(a.reply, kb.answer);
    assert!(a.closed_at.is_some());
    assert_eq!(f.svc.knowledge("垃圾", None, 5).await.unwrap()[0].used, 1);
    // Only a consult, only by an operator.
    let mut help = call.clone();
    help.appeal_type = AppealType::Help;
    let err = f
        .svc
        .answer_directly(&f.operator, help, None, "x")
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "appeal_type");
    let err = f
        .svc
        .answer_directly(&f.worker1, call, None, "x")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // The caller's history finds it by number.
    let h = f
        .svc
        .caller_history(&f.operator, "138 0013 8000")
        .await
        .unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].appeal_no, a.appeal_no);
    let err = f
        .svc
        .caller_history(&f.worker1, "13800138000")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

/// Near the end of a year whose successor's holiday arrangement is not loaded, an appeal is
/// still accepted: its due date is estimated and marked provisional, and recomputed exactly when
/// the year is imported.
#[tokio::test]
async fn a_limit_into_an_unloaded_year_is_estimated_then_recomputed_on_import() {
    let f = fx().await;
    // Friday 2026-12-18: a complaint's 15 working days run into 2027, which is not loaded.
    f.clock.set(datetime!(2026-12-18 10:00 +8));
    let a = f
        .file(&f.citizen, AppealType::Complaint, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    // 12-21 … 12-31 are nine; 2027-01-01 is New Year's Day by law; 01-04 … 01-08 five more;
    // the fifteenth is Monday 01-11.
    assert_eq!(a.due_at, datetime!(2027-01-11 23:59:59.999999 +8));
    assert!(a.due_provisional);
    let consult = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(consult.due_at, datetime!(2026-12-22 23:59:59.999999 +8));
    assert!(!consult.due_provisional);

    // Only the calendar administrator may recompute.
    let e = f.svc.redate(&f.citizen, 2027).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    // The year is imported (a made-up arrangement: 1 and 4 January off).
    let clock: std::sync::Arc<dyn yiwang_kernel::clock::Clock> =
        std::sync::Arc::new(f.clock.clone());
    let calendar = yiwang_calendar::CalendarService::new(f.t.db.clone(), clock);
    let csv = "date,kind,occasion_zh\n2027-01-01,holiday,元旦\n2027-01-04,holiday,测试\n";
    calendar
        .import_year(
            &Ctx::system("test"),
            2027,
            csv.as_bytes(),
            &yiwang_calendar::ImportOptions::default(),
        )
        .await
        .unwrap();
    let r = f.svc.redate(&Ctx::system("test"), 2027).await.unwrap();
    assert_eq!((r.checked, r.moved, r.still_estimated), (1, 1, 0));
    let a = f.svc.get(&f.citizen, &a.appeal_no).await.unwrap();
    assert_eq!(a.due_at, datetime!(2027-01-12 23:59:59.999999 +8));
    assert!(!a.due_provisional);
    assert_eq!(a.events.last().unwrap().kind, "redate");
    // Again: nothing moves.
    let r = f.svc.redate(&Ctx::system("test"), 2027).await.unwrap();
    assert_eq!((r.checked, r.moved), (1, 0));
}

/// Orders filed at the same moment are written together (the service's filer): each still
/// gets its own number in the day's sequence, its own events and its own audit entry, the
/// audit chain verifies, and (on SQLite, where commits are counted) they shared commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_filed_together_keep_their_own_numbers_events_and_audit_entries() {
    let f = fx().await;
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'appeal.submit'";
    let audited_before = f.count(audited).await;
    let commits_before = f.t.db.group_stats().map(|(c, _)| c);
    let n = 32;
    let mut tasks = Vec::new();
    for i in 0..n {
        let (svc, ctx) = (f.svc.clone(), f.citizen.clone());
        let point = north(IN_U1, f64::from(i));
        tasks.push(tokio::spawn(async move {
            svc.submit(&ctx, appeal(AppealType::Help, "SQ0101", Some(point)))
                .await
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        let a = t.await.unwrap().unwrap().appeal;
        let kinds: Vec<_> = a.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["create", "dispatch"], "{}", a.appeal_no);
        assert_eq!(a.grid.as_ref().unwrap().code, "U1");
        numbers.push(a.appeal_no);
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 32, "every order has a number of its own");
    let seq = |no: &str| no[no.len() - 6..].parse::<i64>().unwrap();
    assert_eq!(
        seq(&numbers[31]) - seq(&numbers[0]),
        31,
        "the day's sequence has no gaps: {numbers:?}"
    );
    assert_eq!(f.count(audited).await, audited_before + 32);
    for no in &numbers {
        let objects = f
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'appeal.submit' AND object = 'appeal:{no}'"
            ))
            .await;
        assert_eq!(objects, 1, "one audit entry for {no}");
        let events = f
            .count(&format!(
                "SELECT COUNT(*) FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id WHERE a.appeal_no = '{no}'"
            ))
            .await;
        assert_eq!(events, 2, "the events of {no}");
    }
    match yiwang_audit::verify(&f.t.db, None).await.unwrap() {
        yiwang_audit::Verdict::Intact { .. } => {}
        broken => panic!("audit chain: {broken:?}"),
    }
    if let (Some(before), Some((after, _))) = (commits_before, f.t.db.group_stats()) {
        assert!(
            after - before < 32,
            "32 orders filed at once took {} durable commits",
            after - before
        );
    }
}
