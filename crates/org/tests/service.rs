//! The organisation service against a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set): departments created, changed, imported and exported; halls
//! and their windows; refusals audited; bad input named field by field (zh and en).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::{DepartmentInput, HallInput, OrgService, WindowInput};
use yiwang_sheets::Format;
use yiwang_store::testing::TestDb;

fn staff(roles: &[Role], division: &str) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 7,
            username: "org".into(),
            name: "机构管理员".into(),
            department_id: 1,
            division: DivisionCode::parse(division).unwrap(),
            roles: roles.to_vec(),
        }),
        "127.0.0.1",
    )
}

/// The organisation administrator of 湛江市 (440800).
fn admin() -> Ctx {
    staff(&[Role::OrgAdmin], "440800")
}

/// A valid USCC from its first characters (padded with zeros, check character computed).
fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

fn department(uscc: &str, name: &str, division: &str) -> DepartmentInput {
    DepartmentInput {
        uscc: uscc.into(),
        name: name.into(),
        division_code: division.into(),
        kind: "bureau".into(),
        phone: "0759-3100001".into(),
        ..Default::default()
    }
}

async fn env() -> (TestDb, OrgService) {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 02:00 UTC)));
    let svc = OrgService::new(t.db.clone(), clock);
    (t, svc)
}

/// The audit entries of `action`, oldest first.
async fn audited(t: &TestDb, action: &str) -> Vec<yiwang_audit::Record> {
    let mut c = t.db.clone();
    let mut v = yiwang_audit::search(
        &mut c,
        &yiwang_audit::Query {
            action: Some(action.into()),
            limit: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    v.reverse();
    v
}

#[tokio::test]
async fn departments_are_created_changed_and_audited() {
    let (t, svc) = env().await;
    let ctx = admin();
    let parent = svc
        .create_department(
            &ctx,
            &department(&uscc("11440800MB2C4321"), "湛江市教育局", "440800"),
        )
        .await
        .unwrap();
    assert_eq!(parent.name, "湛江市教育局");
    assert_eq!(parent.division_code.as_str(), "440800");
    assert!(
        parent.division_name.contains("湛江市"),
        "{}",
        parent.division_name
    );
    assert_eq!(parent.revision, 1);

    let mut child = department(&uscc("11440802MB2C4322"), "赤坎区教育局", "440802");
    child.parent_uscc = parent.uscc.to_string();
    let child = svc.create_department(&ctx, &child).await.unwrap();
    assert_eq!(child.parent_id, Some(parent.id));

    // The same USCC twice is refused, naming the field.
    let e = svc
        .create_department(
            &ctx,
            &department(&uscc("11440800MB2C4321"), "重复局", "440800"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "uscc");
    assert_eq!(e.fields[0].rule, "uscc.taken");

    // A change with the current revision applies; a stale one conflicts.
    let mut changed = department(&parent.uscc.to_string(), "湛江市教育局（新）", "440800");
    changed.short_name = "市教育局".into();
    let after = svc
        .update_department(&ctx, parent.id, &changed, Some(parent.revision))
        .await
        .unwrap();
    assert_eq!(
        (
            after.name.as_str(),
            after.short_name.as_str(),
            after.revision
        ),
        ("湛江市教育局（新）", "市教育局", 2)
    );
    let e = svc
        .update_department(&ctx, parent.id, &changed, Some(parent.revision))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);

    // A department cannot be its own parent.
    let mut own = changed.clone();
    own.parent_uscc = parent.uscc.to_string();
    let e = svc
        .update_department(&ctx, parent.id, &own, None)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].rule, "parent.self");

    // A department with a sub-department is kept; a leaf can be deleted.
    let e = svc.delete_department(&ctx, parent.id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidState);
    svc.delete_department(&ctx, child.id).await.unwrap();
    assert_eq!(
        svc.department(child.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );

    assert_eq!(audited(&t, "org.department.create").await.len(), 2);
    let updates = audited(&t, "org.department.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].object, format!("department:{}", parent.id));
    assert_eq!(updates[0].actor, ctx.actor.label());
    assert_eq!(audited(&t, "org.department.delete").await.len(), 1);
}

#[tokio::test]
async fn bad_department_input_is_named_field_by_field_in_both_languages() {
    let (t, svc) = env().await;
    let bad = DepartmentInput {
        uscc: "11440800MB2C43210".into(), // wrong check character
        name: String::new(),
        division_code: "440800".into(),
        kind: "no-such-kind".into(),
        ..Default::default()
    };
    let e = svc.create_department(&admin(), &bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    for f in ["uscc", "name", "kind"] {
        assert!(fields.contains(&f), "{f} not named: {fields:?}");
    }
    assert!(
        e.fields
            .iter()
            .all(|f| !f.zh.is_empty() && !f.en.is_empty()),
        "{:?}",
        e.fields
    );
    // A parent that does not exist is named too, and nothing was written.
    let mut orphan = department(&uscc("11440800MB2C4323"), "湛江市卫健局", "440800");
    orphan.parent_uscc = uscc("11440800MB2C9999");
    let e = svc.create_department(&admin(), &orphan).await.unwrap_err();
    assert_eq!(e.fields[0].field, "parent_uscc");
    assert_eq!(e.fields[0].rule, "parent.unknown");
    let mut c = t.db.clone();
    let (all, total) =
        yiwang_org::repo::list_departments(&mut c, &DepartmentFilter::default(), None)
            .await
            .unwrap();
    assert_eq!((all.len(), total), (0, 0));
}

#[tokio::test]
async fn refusals_are_audited_and_change_nothing() {
    let (t, svc) = env().await;
    let d = svc
        .create_department(
            &admin(),
            &department(&uscc("11440800MB2C4321"), "湛江市教育局", "440800"),
        )
        .await
        .unwrap();
    // A catalog editor has no organisation rights at all.
    let editor = staff(&[Role::CatalogEditor], "440800");
    let e = svc
        .create_department(
            &editor,
            &department(&uscc("11440800MB2C4324"), "湛江市文旅局", "440800"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // An organisation administrator of another city cannot reach this one's departments.
    let maoming = staff(&[Role::OrgAdmin], "440900");
    let e = svc
        .update_department(
            &maoming,
            d.id,
            &department(&d.uscc.to_string(), "改名", "440800"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // Anonymous callers must sign in first.
    let anonymous = Ctx::new(Actor::Anonymous, "10.0.0.9");
    let e = svc
        .import_departments(&anonymous, b"name,uscc,division_code\n")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    let e = svc
        .export_departments(&editor, Format::Csv)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    assert_eq!(svc.department(d.id).await.unwrap().name, "湛江市教育局");
    let denied = audited(&t, "auth.denied").await;
    let seen: Vec<(&str, &str)> = denied
        .iter()
        .map(|r| (r.object.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("division:440800", "failure"),
            (format!("department:{}", d.id).as_str(), "failure"),
            ("departments", "failure"),
            ("departments", "failure"),
        ]
    );
    let data: serde_json::Value = serde_json::from_str(&denied[0].data).unwrap();
    assert_eq!(data["attempted"], "org.department.create");
    assert_eq!(data["code"], "forbidden");
    assert_eq!(denied[0].source, "127.0.0.1");
    let data: serde_json::Value = serde_json::from_str(&denied[2].data).unwrap();
    assert_eq!(data["code"], "unauthenticated");
    assert!(audited(&t, "org.department.update").await.is_empty());
}

#[tokio::test]
async fn departments_import_all_or_nothing_and_export_within_reach() {
    let (t, svc) = env().await;
    let ctx = admin();
    let a = uscc("11440800MB2C7001");
    let b = uscc("11440802MB2C7002");
    let good = format!(
        "部门名称,统一社会信用代码,行政区划代码,上级部门统一社会信用代码\n\
         湛江市民政局,{a},440800,\n\
         赤坎区民政局,{b},440802,{a}\n"
    );
    let r = svc.import_departments(&ctx, good.as_bytes()).await.unwrap();
    assert_eq!((r.created, r.updated), (2, 0));
    assert_eq!(r.encoding, "utf-8");

    // Importing again updates by USCC.
    let renamed = good.replace("赤坎区民政局", "赤坎区民政局（新）");
    let r = svc
        .import_departments(&ctx, renamed.as_bytes())
        .await
        .unwrap();
    assert_eq!((r.created, r.updated), (0, 2));

    // One bad row and nothing is written; the row and the field are named.
    let c = uscc("11440800MB2C7003");
    let bad = format!(
        "部门名称,统一社会信用代码,行政区划代码\n\
         湛江市水务局,{c},440800\n\
         未知区划局,{},449999\n",
        uscc("11440800MB2C7004")
    );
    let e = svc
        .import_departments(&ctx, bad.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ImportRejected);
    assert_eq!(e.rows.len(), 1, "{:?}", e.rows);
    assert_eq!(
        (e.rows[0].line, e.rows[0].field.as_str()),
        (3, "division_code")
    );
    assert!(!e.rows[0].zh.is_empty() && !e.rows[0].en.is_empty());
    let mut conn = t.db.clone();
    let (all, _) =
        yiwang_org::repo::list_departments(&mut conn, &DepartmentFilter::default(), None)
            .await
            .unwrap();
    assert_eq!(all.len(), 2);

    // Rows outside the caller's division are refused as a whole too.
    let outside = format!(
        "部门名称,统一社会信用代码,行政区划代码\n茂名市民政局,{},440900\n",
        uscc("11440900MB2C7005")
    );
    let e = svc
        .import_departments(&ctx, outside.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ImportRejected);
    assert_eq!(e.rows[0].line, 2);

    // The export holds what is in reach, with the parent's USCC, and reads back in.
    let csv = svc.export_departments(&ctx, Format::Csv).await.unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.contains("赤坎区民政局（新）"), "{text}");
    assert!(text.contains(&b) && text.contains(&a));
    let r = svc.import_departments(&ctx, &csv).await.unwrap();
    assert_eq!((r.created, r.updated), (0, 2));
    let chikan = staff(&[Role::OrgAdmin], "440802");
    let mine = svc.export_departments(&chikan, Format::Csv).await.unwrap();
    let mine = String::from_utf8(mine).unwrap();
    assert!(
        mine.contains(&b) && !mine.contains("湛江市民政局"),
        "{mine}"
    );

    assert_eq!(audited(&t, "org.import").await.len(), 3);
    assert_eq!(audited(&t, "org.export").await.len(), 2);
}

#[tokio::test]
async fn halls_and_windows_are_kept_with_their_rules() {
    let (t, svc) = env().await;
    let ctx = admin();
    let d = svc
        .create_department(
            &ctx,
            &department(&uscc("11440800MB2C4321"), "湛江市教育局", "440800"),
        )
        .await
        .unwrap();
    let hall = svc
        .create_hall(
            &ctx,
            &HallInput {
                name: "湛江市政务服务中心".into(),
                kind: "center".into(),
                division_code: "440800".into(),
                address: "湛江市赤坎区".into(),
                hours: "周一至周五 9:00-17:00".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(hall.windows.is_empty());
    let hall2 = svc
        .update_hall(
            &ctx,
            hall.id,
            &HallInput {
                name: "湛江市政务服务中心（新馆）".into(),
                kind: "center".into(),
                division_code: "440800".into(),
                department_id: Some(d.id),
                address: "湛江市赤坎区".into(),
                ..Default::default()
            },
            Some(hall.revision),
        )
        .await
        .unwrap();
    assert_eq!(hall2.name, "湛江市政务服务中心（新馆）");
    assert_eq!(hall2.department_id, Some(d.id));

    let w = |number: &str, kind: &str, dept: Option<i64>| WindowInput {
        number: number.into(),
        name: format!("{number}号窗口"),
        kind: kind.into(),
        department_id: dept,
        active: Some(true),
    };
    let h = svc
        .save_window(&ctx, hall.id, None, &w("1", "comprehensive", None))
        .await
        .unwrap();
    assert_eq!(h.windows.len(), 1);
    let h = svc
        .save_window(&ctx, hall.id, None, &w("2", "department", Some(d.id)))
        .await
        .unwrap();
    assert_eq!(h.windows.len(), 2);
    // A number already taken in the hall is named.
    let e = svc
        .save_window(&ctx, hall.id, None, &w("1", "consult", None))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "number");
    assert_eq!(e.fields[0].rule, "window.number_taken");
    // A department window names its department; an unknown department is named.
    let e = svc
        .save_window(&ctx, hall.id, None, &w("3", "department", None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].field, "department_id");
    let e = svc
        .save_window(
            &ctx,
            hall.id,
            None,
            &w("3", "department", Some(d.id + 1000)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].rule, "department.unknown");
    // A bad hall names its fields.
    let e = svc
        .create_hall(
            &ctx,
            &HallInput {
                name: String::new(),
                kind: "palace".into(),
                division_code: "440800".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(
        fields.contains(&"name") && fields.contains(&"kind"),
        "{fields:?}"
    );

    let first = h.windows.iter().find(|x| x.number == "1").unwrap().id;
    let h = svc.delete_window(&ctx, hall.id, first).await.unwrap();
    assert_eq!(h.windows.len(), 1);
    assert_eq!(h.windows[0].number, "2");
    let listed = svc
        .list_halls(Some(&DivisionCode::parse("440800").unwrap()))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // Another city's administrator is refused, and the refusal is audited.
    let maoming = staff(&[Role::OrgAdmin], "440900");
    let e = svc
        .save_window(&maoming, hall.id, None, &w("9", "consult", None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let denied = audited(&t, "auth.denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].object, format!("hall:{}", hall.id));

    assert_eq!(audited(&t, "org.hall.create").await.len(), 1);
    assert_eq!(audited(&t, "org.hall.update").await.len(), 1);
    assert_eq!(audited(&t, "org.window.save").await.len(), 2);
    assert_eq!(audited(&t, "org.window.delete").await.len(), 1);
}
