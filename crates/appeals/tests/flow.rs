//! The flow of a work order through the service: transfer and return with reasons,
//! extensions, overdue and supervision, merging, reply → visit → reopen, anonymous tracking,
//! confidential contacts, and who may do what.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use time::Duration;
use time::macros::datetime;
use yiwang_appeals::{ActInput, Action, AppealType, QueueFilter, Status};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::paging::Page;

#[tokio::test]
async fn transfer_and_return_are_recorded_with_reasons() {
    let f = fx().await;
    let no = f
        .file(&f.citizen, AppealType::Complaint, "SQ0101", Some(IN_U1))
        .await
        .appeal
        .appeal_no;
    f.sign(&f.worker1, &no).await;
    // A transfer without a reason names `text`.
    let mut t = ActInput::new(Action::Transfer, 0);
    t.to_department = Some(f.cg);
    let err = f.act(&f.worker1, &no, t.clone()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert_eq!(err.fields[0].field, "text");
    let a = f
        .act(&f.worker1, &no, t.with_text("占道经营属城管职责"))
        .await
        .unwrap();
    assert_eq!(a.status, Status::Dispatched);
    assert_eq!(a.department.as_ref().unwrap().id, f.cg);
    assert!(a.grid.is_none() && a.assignee.is_none());
    // The city management bureau's worker returns it, with a reason.
    let err = f
        .act(&f.cg_worker, &no, ActInput::new(Action::Return, 0))
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "text");
    let a = f
        .act(
            &f.cg_worker,
            &no,
            ActInput::new(Action::Return, 0).with_text("地址不在本辖区"),
        )
        .await
        .unwrap();
    assert_eq!(a.status, Status::Received);
    assert!(a.department.is_none());
    let recorded: Vec<_> = a
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.text.as_str()))
        .collect();
    assert!(
        recorded.contains(&("transfer", "占道经营属城管职责")),
        "{recorded:?}"
    );
    assert!(
        recorded.contains(&("return", "地址不在本辖区")),
        "{recorded:?}"
    );
    // The dispatcher sends it to a grid: its first worker.
    let mut d = ActInput::new(Action::Dispatch, 0);
    d.to_grid = Some("P1".into());
    let a = f.act(&f.dispatcher, &no, d).await.unwrap();
    assert_eq!(a.status, Status::Dispatched);
    assert_eq!(a.assignee.as_deref(), Some("测试cg_li"));
    // A stale revision is refused.
    let err = f
        .svc
        .act(&f.cg_worker, &no, ActInput::new(Action::Sign, 1))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::AppealStale);
    assert_eq!(err.status(), 409);
}

#[tokio::test]
async fn an_approved_extension_moves_the_due_date() {
    let f = fx().await;
    let a = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(a.due_at, datetime!(2026-12-08 23:59:59.999999 +8));
    f.sign(&f.worker1, &a.appeal_no).await;
    let mut r = ActInput::new(Action::RequestExtension, 0).with_text("需协调物业");
    r.days = Some(3);
    let v = f.act(&f.worker1, &a.appeal_no, r.clone()).await.unwrap();
    assert!(v.extension_pending);
    assert!(!v.allowed.contains(&Action::RequestExtension));
    // A second request waits for the first decision.
    let err = f.act(&f.worker1, &a.appeal_no, r).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidState);
    // Only the dispatcher decides.
    let mut d = ActInput::new(Action::DecideExtension, 0);
    d.approve = Some(true);
    let err = f
        .act(&f.worker1, &a.appeal_no, d.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let v = f.act(&f.dispatcher, &a.appeal_no, d).await.unwrap();
    assert!(!v.extension_pending);
    assert_eq!(v.extended_days, 3);
    // Tuesday + 3 working days = Friday.
    assert_eq!(v.due_at, datetime!(2026-12-11 23:59:59.999999 +8));
}

#[tokio::test]
async fn an_overdue_order_is_flagged_and_supervised() {
    let f = fx().await;
    let a = f
        .file(&f.citizen, AppealType::Consult, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    assert_eq!(a.warning, None);
    // Monday: due Tuesday, within one working day.
    f.clock.set(datetime!(2026-12-07 10:00 +8));
    let v = f.svc.get(&f.supervisor, &a.appeal_no).await.unwrap();
    assert_eq!(v.warning.as_deref(), Some("yellow"));
    // Thursday: two days past due.
    f.clock.set(datetime!(2026-12-10 10:00 +8));
    let v = f.svc.get(&f.supervisor, &a.appeal_no).await.unwrap();
    assert_eq!(v.warning.as_deref(), Some("red"));
    assert_eq!(v.overdue_days, 2);
    assert!(v.allowed.contains(&Action::Supervise));
    let q = f
        .svc
        .queue(
            &f.supervisor,
            QueueFilter {
                overdue: true,
                ..QueueFilter::default()
            },
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(q.total, 1);
    assert_eq!(q.items[0].warning.as_deref(), Some("red"));
    let err = f
        .act(
            &f.supervisor,
            &a.appeal_no,
            ActInput::new(Action::Supervise, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "text");
    let mut s = ActInput::new(Action::Supervise, 0).with_text("请于今日内办结并反馈");
    s.level = Some("重点".into());
    let v = f.act(&f.supervisor, &a.appeal_no, s).await.unwrap();
    assert_eq!(v.supervise_count, 1);
    let e = v.events.last().unwrap();
    assert_eq!(e.kind, "supervise");
    assert_eq!(e.data["level"], "重点");
    assert_eq!(e.data["overdue"], true);
    // A grid worker cannot supervise.
    let err = f
        .act(
            &f.worker1,
            &a.appeal_no,
            ActInput::new(Action::Supervise, 0).with_text("x"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn merging_closes_the_duplicate() {
    let f = fx().await;
    let first = f
        .file(&f.citizen, AppealType::Complaint, "CG0101", Some(IN_U1))
        .await
        .appeal;
    f.clock.advance(Duration::minutes(10));
    let dup = f
        .file(
            &f.other_citizen,
            AppealType::Complaint,
            "CG0101",
            Some(north(IN_U1, 20.0)),
        )
        .await
        .appeal;
    let mut m = ActInput::new(Action::Merge, 0);
    let err = f
        .act(&f.dispatcher, &dup.appeal_no, m.clone())
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "other_no");
    m.other_no = Some(first.appeal_no.clone());
    let v = f
        .act(&f.dispatcher, &dup.appeal_no, m.clone())
        .await
        .unwrap();
    assert_eq!(v.status, Status::Merged);
    assert_eq!(v.merged_into.as_deref(), Some(first.appeal_no.as_str()));
    assert!(v.closed_at.is_some());
    assert!(v.allowed.is_empty());
    let other = f.svc.get(&f.dispatcher, &first.appeal_no).await.unwrap();
    assert!(other.links.contains(&dup.appeal_no));
    // A worker may not merge.
    let third = f
        .file(&f.citizen, AppealType::Complaint, "CG0101", Some(IN_U1))
        .await
        .appeal;
    m.other_no = Some(first.appeal_no.clone());
    let err = f.act(&f.worker1, &third.appeal_no, m).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // Linking keeps both open.
    let v = f
        .svc
        .link(&f.dispatcher, &third.appeal_no, &first.appeal_no)
        .await
        .unwrap();
    assert_eq!(v.status, Status::Dispatched);
    assert!(v.links.contains(&first.appeal_no));
}

#[tokio::test]
async fn reply_visit_and_reopen() {
    let f = fx().await;
    let no = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await
        .appeal
        .appeal_no;
    f.sign(&f.worker1, &no).await;
    let photo = f.svc.add_photo(&f.worker1, &no, png()).await.unwrap();
    assert_eq!(photo.media_type, "image/png");
    let mut h = ActInput::new(Action::Handle, 0).with_text("已到现场清理垃圾");
    h.photos = vec![photo.digest.clone()];
    let v = f.act(&f.worker1, &no, h).await.unwrap();
    assert_eq!(v.status, Status::Handling);
    assert_eq!(v.photos[0].event_id, Some(v.events.last().unwrap().id));
    let v = f
        .act(
            &f.worker1,
            &no,
            ActInput::new(Action::Reply, 0).with_text("垃圾已清运完毕"),
        )
        .await
        .unwrap();
    assert_eq!(v.status, Status::Replied);
    // The citizen sees the reply and the photo.
    let mine = f.svc.get(&f.citizen, &no).await.unwrap();
    assert_eq!(mine.reply, "垃圾已清运完毕");
    assert!(mine.allowed.contains(&Action::Visit));
    let (media, bytes) = f.svc.photo(&f.citizen, &no, &photo.digest).await.unwrap();
    assert_eq!(media, "image/png");
    assert_eq!(bytes, png().bytes);
    let list = f.svc.mine(&f.citizen, Page::default()).await.unwrap();
    assert_eq!(list.total, 1);
    // Satisfaction must be 1–5.
    let mut visit = ActInput::new(Action::Visit, 0);
    visit.satisfaction = Some(7);
    let err = f.act(&f.citizen, &no, visit.clone()).await.unwrap_err();
    assert_eq!(err.fields[0].field, "satisfaction");
    visit.satisfaction = Some(2);
    visit.resolved = Some(false);
    let v = f.act(&f.citizen, &no, visit).await.unwrap();
    assert_eq!(v.status, Status::Visited);
    assert_eq!(v.satisfaction, Some(2));
    let v = f
        .act(
            &f.citizen,
            &no,
            ActInput::new(Action::Reopen, 0).with_text("垃圾又堆起来了"),
        )
        .await
        .unwrap();
    assert_eq!(v.status, Status::Handling);
    assert_eq!(v.reopen_count, 1);
    assert!(v.closed_at.is_none());
    // Another citizen can neither read nor act.
    let err = f.svc.get(&f.other_citizen, &no).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn an_anonymous_filer_follows_with_the_query_code() {
    let f = fx().await;
    let mut a = appeal(AppealType::Help, "SQ0101", Some(IN_U1));
    a.anonymous = true;
    a.contact_phone = String::new();
    let filed = f.svc.submit(&Ctx::anonymous(), a).await.unwrap();
    let no = filed.appeal.appeal_no.clone();
    assert_eq!(filed.token.len(), 16);
    let v = f.svc.track(&no, &filed.token.to_lowercase()).await.unwrap();
    assert_eq!(v.status, Status::Dispatched);
    let err = f.svc.track(&no, "WRONGCODE2345678").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    // Anonymous callers cannot act or read without the code.
    let err = f
        .svc
        .act(&Ctx::anonymous(), &no, ActInput::new(Action::Sign, 1))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    let err = f.svc.get(&Ctx::anonymous(), &no).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    // After the reply, the code rates it.
    f.sign(&f.worker1, &no).await;
    f.act(
        &f.worker1,
        &no,
        ActInput::new(Action::Reply, 0).with_text("已处理"),
    )
    .await
    .unwrap();
    let rev = f.svc.track(&no, &filed.token).await.unwrap().revision;
    let mut visit = ActInput::new(Action::Visit, rev);
    visit.satisfaction = Some(5);
    let v = f
        .svc
        .visit_tracked(&no, &filed.token, visit.clone())
        .await
        .unwrap();
    assert_eq!(v.status, Status::Visited);
    let err = f.svc.visit_tracked(&no, "NOPE", visit).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    // Ten wrong codes in a row: throttled.
    for _ in 0..10 {
        let _ = f.svc.track(&no, "WRONG").await;
    }
    let err = f.svc.track(&no, &filed.token).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RateLimited);
}

#[tokio::test]
async fn a_confidential_contact_is_hidden_from_the_handler() {
    let f = fx().await;
    let mut a = appeal(AppealType::Report, "SQ0101", Some(IN_U1));
    a.confidential = true;
    let no = f.svc.submit(&f.citizen, a).await.unwrap().appeal.appeal_no;
    let w = f.svc.get(&f.worker1, &no).await.unwrap();
    assert!(w.contact.hidden);
    assert_eq!(w.contact.name, "保密");
    assert_eq!(w.contact.phone_masked, "保密");
    let s = f.svc.get(&f.supervisor, &no).await.unwrap();
    assert!(s.contact.hidden);
    let d = f.svc.get(&f.dispatcher, &no).await.unwrap();
    assert!(!d.contact.hidden);
    assert_eq!(d.contact.phone_masked, "138****8000");
    // Not confidential: the handler sees the masked phone.
    let open = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await
        .appeal;
    let w = f.svc.get(&f.worker1, &open.appeal_no).await.unwrap();
    assert!(!w.contact.hidden);
    assert_eq!(w.contact.name, "张三");
    assert_eq!(w.contact.phone_masked, "138****8000");
}

#[tokio::test]
async fn deny_by_default() {
    let f = fx().await;
    let no = f
        .file(&f.citizen, AppealType::Help, "SQ0101", Some(IN_U1))
        .await
        .appeal
        .appeal_no;
    // A grid worker of another department can neither read nor sign.
    let err = f
        .act(&f.outsider, &no, ActInput::new(Action::Sign, 0))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = f.svc.get(&f.outsider, &no).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // The second worker of the same street office may sign (department reach).
    let w2 = f.svc.get(&f.worker2, &no).await.unwrap();
    assert!(w2.allowed.contains(&Action::Sign));
    // The citizen cannot sign their own order.
    let err = f
        .act(&f.citizen, &no, ActInput::new(Action::Sign, 0))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // The handler's queue holds it; the outsider's does not.
    let q = f
        .svc
        .queue(&f.worker2, QueueFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(q.total, 1);
    let q = f
        .svc
        .queue(&f.outsider, QueueFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(q.total, 0);
    let err = f
        .svc
        .queue(&f.citizen, QueueFilter::default(), Page::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // Refusals are audited.
    let mut c = f.t.db.clone();
    use yiwang_store::Conn;
    let (n,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'",
            &[],
        )
        .await
        .unwrap();
    assert!(n >= 4, "{n}");
}
