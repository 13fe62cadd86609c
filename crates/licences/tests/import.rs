//! Bulk import (归集) of licences against a real database (SQLite, or PostgreSQL with
//! YIWANG_TEST_DATABASE_URL): a clean file imports and verifies, a tampered face is caught,
//! bad rows are reported line by line with nothing written, GBK and XLSX files, a foreign
//! identifier with a wrong check character, and a job resumed after an interruption.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::uscc;

use std::sync::Arc;

use serde_json::json;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::FixedClock;
use yiwang_licences::{Identifier, LicenceImports, LicenceService, LicenceType};
use yiwang_store::testing::TestDb;
use yiwang_store::{Conn, args};

const TYPE: &str = "11100000000013338W011";

/// A valid ID number born on day `i` after 1980-01-01, sequence `i % 1000`.
fn id_number(i: u32) -> String {
    let birth = time::macros::date!(1980 - 01 - 01) + time::Duration::days(i64::from(i % 9000));
    let body = format!(
        "440802{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        i % 1000
    );
    let b: [u8; 17] = body.as_bytes().try_into().unwrap();
    let check = yiwang_kernel::codes::iso7064::mod11_2_check(&b) as char;
    format!("{body}{check}")
}

struct World {
    _t: TestDb,
    db: yiwang_store::Db,
    clock: Arc<FixedClock>,
    svc: LicenceService,
    imports: LicenceImports,
    dept: i64,
    dept_uscc: String,
}

async fn world() -> World {
    let common::Base {
        t,
        clock,
        svc,
        dept,
        dept_uscc,
        ..
    } = common::base("湛江市教育局", "11440800MB2C1250").await;
    let sys = Ctx::system("test");
    svc.define_type(
        &sys,
        &LicenceType {
            code: TYPE.into(),
            name: "教师资格证".into(),
            definer_name: "教育部".into(),
            holder_type: "person".into(),
            face_schema: json!([
                {"key": "subject", "label": "任教学科", "kind": "text", "required": true},
                {"key": "level", "label": "资格种类", "kind": "choice", "required": true,
                 "options": [{"code": "primary", "label": "小学"}, {"code": "middle", "label": "初级中学"}]},
                {"key": "hours", "label": "培训学时", "kind": "number", "decimals": 0}
            ])
            .to_string(),
            validity_years: 0,
        },
    )
    .await
    .unwrap();
    let imports = LicenceImports::new(svc.clone());
    World {
        db: t.db.clone(),
        _t: t,
        clock,
        svc,
        imports,
        dept,
        dept_uscc,
    }
}

const HEADER: &str = "证照标识,证照编号,持证人姓名,身份证号码,发证日期,有效期起始日期,有效期截止日期,任教学科,资格种类,培训学时";

fn good_rows(w: &World, n: u32) -> Vec<String> {
    (0..n)
        .map(|i| {
            // Every other row brings its own (foreign) identifier.
            let ident = if i % 2 == 0 {
                Identifier::new(TYPE, &uscc("11440000MB0C0000"), &format!("2019{i:06}"), 1)
                    .unwrap()
                    .to_string()
            } else {
                String::new()
            };
            let _ = &w.dept_uscc;
            format!(
                "{ident},JS2019{i:06},张{i},{},2019-07-0{},2019-07-01,,语文,{},{}",
                id_number(i),
                1 + i % 9,
                if i % 3 == 0 {
                    "primary"
                } else {
                    "初级中学"
                },
                i * 2
            )
        })
        .collect()
}

fn csv(rows: &[String]) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

async fn imported(w: &World, job: i64) -> Vec<(String, i64)> {
    let mut db = w.db.clone();
    db.fetch_all(
        "SELECT identifier, import_line FROM licences WHERE import_id = $1 ORDER BY import_line",
        args![job],
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_file_imports_every_licence_sealed_and_a_changed_face_is_tampered() {
    let w = world().await;
    let sys = Ctx::system("test");
    let rows = good_rows(&w, 9);
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "teachers.csv", csv(&rows).as_bytes())
        .await
        .unwrap();
    assert_eq!(job.status, "queued");
    assert_eq!(job.format, "csv");
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "done", "{job:?}");
    assert_eq!(
        (job.total_rows, job.processed_rows, job.imported_rows),
        (9, 9, 9)
    );
    assert_eq!(job.percent, 100.0);
    assert_eq!(job.encoding.as_deref(), Some("utf-8"));
    let got = imported(&w, job.id).await;
    assert_eq!(got.len(), 9);
    assert_eq!(
        got.iter().map(|r| r.1).collect::<Vec<_>>(),
        (2..=10).collect::<Vec<i64>>()
    );
    for (ident, _) in &got {
        let v = w.svc.verify(ident).await.unwrap();
        assert_eq!(v.verdict, "valid", "{ident}");
        assert_eq!(v.issuer_name, "湛江市教育局");
    }
    // Generated identifiers follow the standard with our department as issuer.
    let generated: Vec<&String> = got
        .iter()
        .map(|r| &r.0)
        .filter(|i| i.contains(&w.dept_uscc))
        .collect();
    assert_eq!(generated.len(), 4);
    for g in generated {
        assert!(Identifier::parse(g).unwrap().check_ok);
    }
    // A choice given by its label is stored as its code; numbers as text.
    let mut db = w.db.clone();
    let (face,): (String,) = db
        .fetch_one(
            "SELECT face FROM licences WHERE import_id = $1 AND import_line = 3",
            args![job.id],
        )
        .await
        .unwrap();
    let face: serde_json::Value = serde_json::from_str(&face).unwrap();
    assert_eq!(face["level"], "middle");
    assert_eq!(face["hours"], "2");
    // Change one face field: tampered.
    db.execute(
        "UPDATE licences SET face = $1 WHERE import_id = $2 AND import_line = 3",
        args![
            json!({"subject": "数学", "level": "middle", "hours": "2"}).to_string(),
            job.id
        ],
    )
    .await
    .unwrap();
    assert_eq!(w.svc.verify(&got[1].0).await.unwrap().verdict, "tampered");
    // One audit entry at the start and one at the end, none per licence.
    let (n,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM audit_log WHERE object = $1",
            args![format!("licence_import:{}", job.id)],
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    // The stored file is gone, its SM3 stays.
    let (chunks,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM licence_import_chunks WHERE import_id = $1",
            args![job.id],
        )
        .await
        .unwrap();
    assert_eq!(chunks, 0);
    assert_eq!(job.file_sha.len(), 64);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rows_are_reported_by_line_field_and_rule_and_nothing_is_written() {
    let w = world().await;
    let sys = Ctx::system("test");
    // A first import puts JS2019000000 and its identifier in the database.
    let first = good_rows(&w, 1);
    let j = w
        .imports
        .create(&sys, TYPE, w.dept, "a.csv", csv(&first).as_bytes())
        .await
        .unwrap();
    assert_eq!(w.imports.drive(j.id).await.unwrap().status, "done");
    let existing_ident = imported(&w, j.id).await[0].0.clone();

    let ok = |i: u32| good_rows(&w, 20).remove(i as usize);
    let rows = vec![
        ok(1),                                              // line 2: fine
        ok(3).replace(&id_number(3), "440802198001011234"), // 3: ID check digit
        ok(5).replace("张5", ""),                           // 4: holder name missing
        ok(7).replace("2019-07-08", "2019-13-45"),          // 5: issue date
        ok(9).replace(",语文,", ",,"),                      // 6: required face field
        ok(11).replace("初级中学", "大学"),                 // 7: not an option
        ok(1).replace("JS2019000001", "JS2019000099"),      // 8: same number? no: fine but …
        ok(13).replace("JS2019000013", "JS2019000001"),     // 9: number repeats line 2
        format!(
            "{existing_ident},JS2019777777,李四,{},2019-07-01,2019-07-01,,语文,小学,",
            id_number(77)
        ), // 10: identifier exists
        ok(15).replace("JS2019000015", "JS2019000000"),     // 11: number exists
        ok(17).replace(",2019-07-01,,", ",2019-07-01,2018-01-01,"), // 12: valid_to before valid_from
        format!(
            "1.2.156.3005.2.11100000000013338W011.X.1.001.0,JS1,王五,{},2019-07-01,2019-07-01,,语文,小学,",
            id_number(5)
        ), // 13: malformed identifier
        ok(19).replace("2019-07-02", "2027-01-01"),                 // 14: issue date in the future
    ];
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "bad.csv", csv(&rows).as_bytes())
        .await
        .unwrap();
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "rejected", "{job:?}");
    assert_eq!(job.total_rows, 13);
    assert_eq!(job.imported_rows, 0);
    assert!(imported(&w, job.id).await.is_empty());
    let (_, problems) = w.imports.problems(&sys, job.id, 1000).await.unwrap();
    let got: Vec<(i64, &str, &str)> = problems
        .iter()
        .filter(|p| p.level == "error")
        .map(|p| (p.line, p.field.as_str(), p.code.as_str()))
        .collect();
    for want in [
        (3, "holder_code", "id_number.check"),
        (4, "holder_name", "required"),
        (5, "issue_date", "date.format"),
        (6, "face.subject", "required"),
        (7, "face.level", "form.choice"),
        (9, "number", "licence.number_duplicate"),
        (10, "identifier", "licence.identifier_exists"),
        (11, "number", "licence.number_exists"),
        (12, "valid_to", "date.order"),
        (13, "identifier", "licence.identifier"),
        (14, "issue_date", "date.future"),
    ] {
        assert!(
            got.iter()
                .any(|g| g.0 == want.0 && g.1 == want.1 && g.2.starts_with(want.2)),
            "missing {want:?} in {got:#?}"
        );
    }
    assert!(!got.iter().any(|g| g.0 == 2 || g.0 == 8), "{got:#?}");
    assert_eq!(job.error_count as usize, got.len());
    assert!(
        problems
            .iter()
            .all(|p| !p.message_zh.is_empty() && !p.message_en.is_empty())
    );

    // A file-level problem: a missing required column and an unknown one, on line 1.
    let job = w
        .imports
        .create(
            &sys,
            TYPE,
            w.dept,
            "cols.csv",
            "证照编号,备注\nA,B\n".as_bytes(),
        )
        .await
        .unwrap();
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "rejected");
    let (_, problems) = w.imports.problems(&sys, job.id, 100).await.unwrap();
    assert!(problems.iter().all(|p| p.line == 1));
    assert!(
        problems
            .iter()
            .any(|p| p.code == "missing_column" && p.field == "holder_code")
    );
    assert!(
        problems
            .iter()
            .any(|p| p.code == "unknown_column" && p.field == "备注")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gbk_csv_and_xlsx_import_too() {
    let w = world().await;
    let sys = Ctx::system("test");
    let rows = good_rows(&w, 4);
    let text = csv(&rows);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "gbk.csv", &gbk)
        .await
        .unwrap();
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "done", "{job:?}");
    assert_eq!(job.encoding.as_deref(), Some("gb18030"));
    assert_eq!(job.imported_rows, 4);

    // The same rows with other numbers and identifiers, as an XLSX workbook.
    let rows: Vec<String> = good_rows(&w, 4)
        .into_iter()
        .map(|r| r.replace("JS2019", "JX2019").replace(".2019", ".2020"))
        .collect();
    let sheet = yiwang_sheets::Sheet {
        name: "证照".into(),
        headers: HEADER.split(',').map(String::from).collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| yiwang_sheets::SheetRow {
                line: i + 2,
                cells: r.split(',').map(String::from).collect(),
            })
            .collect(),
    };
    let bytes = yiwang_sheets::write_xlsx(&[sheet]).unwrap();
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "book.xlsx", &bytes)
        .await
        .unwrap();
    assert_eq!(job.format, "xlsx");
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "done", "{job:?}");
    assert_eq!(job.imported_rows, 4);
    for (ident, _) in imported(&w, job.id).await {
        assert_eq!(w.svc.verify(&ident).await.unwrap().verdict, "valid");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_identifier_failing_mod_37_36_is_imported_with_a_warning() {
    let w = world().await;
    let sys = Ctx::system("test");
    let good = Identifier::new(TYPE, &uscc("11440000MB0C0000"), "20190000001", 1).unwrap();
    let wrong = if good.check == 'A' { 'B' } else { 'A' };
    let ident = format!(
        "1.2.156.3005.2.{}.{}.{}.001.{wrong}",
        good.type_code, good.issuer, good.serial
    );
    assert!(!Identifier::parse(&ident).unwrap().check_ok);
    let row = format!(
        "{ident},JS1,张三,{},2019-07-01,2019-07-01,2029-06-30,语文,小学,",
        id_number(1)
    );
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "w.csv", csv(&[row]).as_bytes())
        .await
        .unwrap();
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "done", "{job:?}");
    assert_eq!(
        (job.imported_rows, job.warning_count, job.error_count),
        (1, 1, 0)
    );
    let (_, problems) = w.imports.problems(&sys, job.id, 10).await.unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].level, "warning");
    assert_eq!(problems[0].line, 2);
    assert_eq!(problems[0].code, "licence.identifier_check");
    // Stored as given, and it verifies.
    assert_eq!(w.svc.verify(&ident).await.unwrap().verdict, "valid");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_interrupted_mid_sealing_resumes_and_imports_every_row_exactly_once() {
    let w = world().await;
    let sys = Ctx::system("test");
    let rows = good_rows(&w, 23);
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "big.csv", csv(&rows).as_bytes())
        .await
        .unwrap();
    // The first run commits 3 batches of 4 rows, then "dies" holding its claim.
    let dying = LicenceImports::new(w.svc.clone())
        .batch_rows(4)
        .with_threads(3)
        .interrupt_after(3);
    let j = dying.drive(job.id).await.unwrap();
    assert_eq!(j.status, "sealing");
    assert_eq!((j.processed_rows, j.imported_rows), (12, 12));
    let before = imported(&w, job.id).await;
    assert_eq!(before.len(), 12);
    // Another process cannot take the job while the claim holds …
    let other = LicenceImports::new(w.svc.clone()).batch_rows(5);
    assert_eq!(w.imports.pending().await.unwrap(), vec![job.id]);
    // … and takes it over once the claim has lapsed.
    w.clock.advance(time::Duration::seconds(31));
    let j = other.drive(job.id).await.unwrap();
    assert_eq!(j.status, "done", "{j:?}");
    assert_eq!((j.processed_rows, j.imported_rows), (23, 23));
    let after = imported(&w, job.id).await;
    assert_eq!(after.len(), 23);
    assert_eq!(
        after.iter().map(|r| r.1).collect::<Vec<_>>(),
        (2..=24).collect::<Vec<i64>>()
    );
    // The rows of the first run are untouched, and identifiers are all distinct and valid.
    assert_eq!(&after[..12], &before[..]);
    let mut ids: Vec<&String> = after.iter().map(|r| &r.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 23);
    for (ident, _) in &after {
        assert_eq!(w.svc.verify(ident).await.unwrap().verdict, "valid");
    }
    // Generated serials are consecutive in file order (reserved once for the job).
    let serials: Vec<String> = after
        .iter()
        .filter(|r| r.0.contains(&w.dept_uscc))
        .map(|r| Identifier::parse(&r.0).unwrap().identifier.serial)
        .collect();
    assert_eq!(serials.len(), 11);
    let first: u64 = serials[0].parse().unwrap();
    for (k, s) in serials.iter().enumerate() {
        assert_eq!(s.parse::<u64>().unwrap(), first + k as u64);
    }
    assert!(w.imports.pending().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_of_another_department_may_not_import() {
    let w = world().await;
    let org = yiwang_org::OrgService::new(w.db.clone(), w.clock.clone());
    let other = org
        .create_department(
            &Ctx::system("test"),
            &yiwang_org::DepartmentInput {
                uscc: uscc("11440800MB2C1260"),
                name: "湛江市人力资源和社会保障局".into(),
                division_code: "440800".into(),
                kind: "bureau".into(),
                phone: "0759-3100002".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let staff = yiwang_kernel::auth::Actor::Staff(yiwang_kernel::auth::Staff {
        user_id: 1,
        username: "clerk".into(),
        name: "Clerk".into(),
        department_id: other,
        division: yiwang_kernel::codes::DivisionCode::parse("440800").unwrap(),
        roles: vec![yiwang_kernel::auth::Role::LicenceOfficer],
    });
    let ctx = Ctx::new(staff, "test");
    let e = w
        .imports
        .create(&ctx, TYPE, w.dept, "x.csv", b"a")
        .await
        .unwrap_err();
    assert_eq!(e.code, yiwang_kernel::ErrorCode::Forbidden);
    // Their own department is fine.
    assert!(
        w.imports
            .create(&ctx, TYPE, other, "x.csv", b"a")
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_that_keeps_dying_is_failed_after_three_attempts_and_never_resumed() {
    let w = world().await;
    let sys = Ctx::system("test");
    let rows = good_rows(&w, 9);
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "dies.csv", csv(&rows).as_bytes())
        .await
        .unwrap();
    // Three runs each die after one batch, holding their claim (as a crashed process does).
    for attempt in 1..=3 {
        let dying = LicenceImports::new(w.svc.clone())
            .batch_rows(1)
            .interrupt_after(1);
        let j = dying.drive(job.id).await.unwrap();
        assert_eq!(j.status, "sealing", "{j:?}");
        assert_eq!(j.attempts, attempt);
        w.clock.advance(time::Duration::seconds(31));
    }
    assert_eq!(w.imports.pending().await.unwrap(), vec![job.id]);
    // The fourth start does not run it again: the job fails, with a message, and is done with.
    let j = w.imports.drive(job.id).await.unwrap();
    assert_eq!(j.status, "failed", "{j:?}");
    assert_eq!(j.attempts, 4);
    assert!(j.message.contains("3"), "{}", j.message);
    assert_eq!(j.imported_rows, 3, "what was committed stays");
    assert!(w.imports.pending().await.unwrap().is_empty());
    assert_eq!(w.imports.resume_all().await.unwrap(), 0);
    let mut db = w.db.clone();
    let (chunks,): (i64,) = db
        .fetch_one(
            "SELECT COUNT(*) FROM licence_import_chunks WHERE import_id = $1",
            args![job.id],
        )
        .await
        .unwrap();
    assert_eq!(chunks, 0, "the file is dropped");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_files_are_refused_with_their_rule() {
    let w = world().await;
    let sys = Ctx::system("test");
    let headers: Vec<&str> = HEADER.split(',').collect();
    // A workbook whose shared strings declare 10^12 entries: refused before a job exists.
    let lying = yiwang_sheets::testing::lying_shared_strings("证照", &headers).unwrap();
    let e = w
        .imports
        .create(&sys, TYPE, w.dept, "lying.xlsx", &lying)
        .await
        .unwrap_err();
    assert_eq!(e.code, yiwang_kernel::ErrorCode::FileRefused);
    assert_eq!(e.rows[0].rule, "xlsx.shared_strings_count");
    // A giant sparse range passes the quick check but not the reading: the job is rejected
    // with the rule, and the process lives on.
    let giant = yiwang_sheets::testing::giant_range("证照").unwrap();
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "giant.xlsx", &giant)
        .await
        .unwrap();
    let job = w.imports.drive(job.id).await.unwrap();
    assert_eq!(job.status, "rejected", "{job:?}");
    let (_, problems) = w.imports.problems(&sys, job.id, 10).await.unwrap();
    assert_eq!(problems[0].code, "xlsx.too_many_columns", "{problems:?}");
    // A CSV with an unclosed quote and 40,000 lines after it: refused at once, by line.
    let mut text = csv(&good_rows(&w, 2));
    text.push_str("\"JS9,张九\n");
    for i in 0..40_000 {
        text.push_str(&format!("{i},x\n"));
    }
    let t = std::time::Instant::now();
    let job = w
        .imports
        .create(&sys, TYPE, w.dept, "quote.csv", text.as_bytes())
        .await
        .unwrap();
    let job = w.imports.drive(job.id).await.unwrap();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(job.status, "rejected", "{job:?}");
    let (_, problems) = w.imports.problems(&sys, job.id, 10).await.unwrap();
    let p = problems.iter().find(|p| p.field == "file").unwrap();
    assert_eq!(
        (p.line, p.code.as_str()),
        (4, "csv.record_too_long"),
        "{problems:?}"
    );
}
