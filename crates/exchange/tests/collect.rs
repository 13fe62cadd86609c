//! Collection (归集) against a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set): a GBK CSV with bad rows loads the good rows or none, with
//! its report; a changed file keeps history ("as of" returns the old values); full loads,
//! pushes, references and a resumed job.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use time::macros::datetime;
use yiwang_exchange::collect::sample::{POPULATION_HEADER, id_number, population_line};
use yiwang_exchange::collect::{Collector, LoadOptions, Mode, PushInput};
use yiwang_exchange::fixtures;
use yiwang_exchange::model::QualityRule;
use yiwang_exchange::repo::{resources, rows};
use yiwang_exchange::{ExchangeService, ShareType};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::Conn;
use yiwang_store::testing::TestDb;

struct Env {
    t: TestDb,
    svc: ExchangeService,
    col: Collector,
    dept: i64,
    other: i64,
    clock: Arc<FixedClock>,
}

async fn env() -> Env {
    let t = TestDb::new().await.unwrap();
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 02:00 UTC)));
    let org = OrgService::new(t.db.clone(), clock.clone());
    let mut ids = Vec::new();
    for (body, name) in [
        ("11440800MB2C0000X", "湛江市公安局"),
        ("11440800MB2C0001X", "湛江市民政局"),
    ] {
        let d = org
            .create_department(
                &Ctx::system("test"),
                &DepartmentInput {
                    uscc: Uscc::from_body(body).unwrap().to_string(),
                    name: name.into(),
                    division_code: "440800".into(),
                    kind: "bureau".into(),
                    phone: "0759-3100001".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        ids.push(d.id);
    }
    let svc = ExchangeService::new(
        t.db.clone(),
        clock.clone(),
        yiwang_identity::Keys::ephemeral().unwrap(),
    );
    let col = Collector::new(svc.clone()).batch_rows(3);
    Env {
        t,
        svc,
        col,
        dept: ids[0],
        other: ids[1],
        clock,
    }
}

fn steward(department_id: i64) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 9,
            username: "steward".into(),
            name: "数据专员".into(),
            department_id,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![Role::DataSteward],
        }),
        "127.0.0.1",
    )
}

fn gbk(text: &str) -> bytes::Bytes {
    let (b, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    bytes::Bytes::from(b.into_owned())
}

/// 5 good rows (people 0–4), then a bad ID number, a bad sex code and a duplicate key.
fn file_with_bad_rows(version: usize) -> String {
    let mut s = format!("{POPULATION_HEADER}\n");
    for i in 0..5 {
        s.push_str(&population_line(i, version));
        s.push('\n');
    }
    let bad_id = format!("{}0", &id_number(50)[..17]);
    let bad_id = if bad_id == id_number(50) {
        format!("{}1", &bad_id[..17])
    } else {
        bad_id
    };
    s.push_str(&format!("{bad_id},王五,1,1990-01-01,住址,440803\n"));
    s.push_str(&format!(
        "{},赵六,7,1990-01-01,住址,440803\n",
        id_number(51)
    ));
    s.push_str(&population_line(2, version + 9));
    s.push('\n');
    s
}

async fn load(
    e: &Env,
    code: &str,
    text: &str,
    opts: LoadOptions,
) -> yiwang_exchange::collect::LoadView {
    let v = e
        .col
        .upload(&steward(e.dept), code, "人口.csv", gbk(text), opts)
        .await
        .unwrap();
    assert_eq!(v.status, "queued");
    e.col.drive(v.id).await.unwrap()
}

#[tokio::test]
async fn a_gbk_csv_with_bad_rows_loads_the_good_rows_or_none() {
    let e = env().await;
    let r = fixtures::published(
        &e.svc,
        e.dept,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let code = r.code.as_str();
    // Reject-the-file: nothing written, the report names every problem.
    let v = load(
        &e,
        code,
        &file_with_bad_rows(0),
        LoadOptions {
            mode: Mode::All,
            full: false,
        },
    )
    .await;
    assert_eq!(v.status, "rejected", "{v:?}");
    assert_eq!((v.good_rows, v.bad_rows, v.inserted_rows), (5, 3, 0));
    let mut db = e.t.db.clone();
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 0);
    let rep = e.col.report(&steward(e.dept), code, v.id).await.unwrap();
    let rules: Vec<(i64, &str)> = rep
        .issues
        .iter()
        .map(|i| (i.line, i.rule.as_str()))
        .collect();
    assert_eq!(rules, [(7, "id_number"), (8, "code_list"), (9, "unique")]);
    assert_eq!(rep.load.counts.get("id_number"), Some(&1));
    assert!(
        rep.issues[0].value.contains('*'),
        "personal values are masked"
    );
    assert_eq!(rep.issues[0].item, "公民身份号码");
    let csv = String::from_utf8(rep.csv().unwrap()).unwrap();
    assert!(csv.contains("code_list") && csv.contains("性别"), "{csv}");
    assert!(rep.xlsx().unwrap().starts_with(b"PK"));
    // Load-the-good-rows: exactly the five good rows.
    let v = load(&e, code, &file_with_bad_rows(0), LoadOptions::default()).await;
    assert_eq!(v.status, "done", "{v:?}");
    assert_eq!(v.encoding.as_deref(), Some("gb18030"));
    assert_eq!((v.good_rows, v.bad_rows, v.inserted_rows), (5, 3, 5));
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 5);
    let (at, n) = resources::load_state(&mut db, r.id).await.unwrap();
    assert_eq!((at, n), (Some(datetime!(2026-11-20 02:00 UTC)), 5));
    let row = rows::current(&mut db, e.svc.seal(), r.id, &id_number(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.values().unwrap()["name"], "刘伟");
    assert_eq!(row.load_id, v.id);
    // At rest the table holds blind indexes, keyed digests and sealed documents only.
    let raw = yiwang_exchange::repo::seal::at_rest(&mut db, r.id)
        .await
        .unwrap();
    assert_eq!(raw.len(), 5);
    for (k, d, data) in &raw {
        assert_eq!((k.len(), d.len()), (32, 32));
        assert!(data.starts_with("v1."));
        for i in 0..8 {
            assert!(!data.contains(&id_number(i)) && !k.contains(&id_number(i)));
        }
        assert!(!data.contains("刘伟"));
    }
}

#[tokio::test]
async fn a_changed_file_keeps_history_and_a_full_load_closes_absent_keys() {
    let e = env().await;
    let r = fixtures::published(
        &e.svc,
        e.dept,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let code = r.code.as_str();
    let file = |rows: &[(usize, usize)]| {
        let mut s = format!("{POPULATION_HEADER}\n");
        for &(i, v) in rows {
            s.push_str(&population_line(i, v));
            s.push('\n');
        }
        s
    };
    let v1 = load(
        &e,
        code,
        &file(&[(0, 0), (1, 0), (2, 0), (3, 0)]),
        LoadOptions::default(),
    )
    .await;
    assert_eq!(v1.inserted_rows, 4);
    let t1 = e.clock.now();
    e.clock.advance(time::Duration::days(1));
    // Person 1 changed, 0 and 2 unchanged, 3 absent (an incremental load keeps it), 4 new.
    let v2 = load(
        &e,
        code,
        &file(&[(0, 0), (1, 1), (2, 0), (4, 0)]),
        LoadOptions::default(),
    )
    .await;
    assert_eq!(
        (
            v2.inserted_rows,
            v2.changed_rows,
            v2.unchanged_rows,
            v2.closed_rows
        ),
        (1, 1, 2, 0),
        "{v2:?}"
    );
    let mut db = e.t.db.clone();
    let key = id_number(1);
    let now = rows::current(&mut db, e.svc.seal(), r.id, &key)
        .await
        .unwrap()
        .unwrap();
    assert!(
        now.values().unwrap()["address"]
            .as_str()
            .unwrap()
            .ends_with("之1")
    );
    let old = rows::as_of(&mut db, e.svc.seal(), r.id, &key, t1)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !old.values().unwrap()["address"]
            .as_str()
            .unwrap()
            .contains('之')
    );
    assert_eq!(old.valid_to, Some(e.clock.now()));
    assert_eq!(
        rows::history(&mut db, e.svc.seal(), r.id, &key)
            .await
            .unwrap()
            .len(),
        2
    );
    let same = rows::history(&mut db, e.svc.seal(), r.id, &id_number(0))
        .await
        .unwrap();
    assert_eq!(same.len(), 1, "an unchanged row is untouched");
    assert_eq!(same[0].load_id, v1.id);
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 5);
    // A full load closes the keys its file lacks.
    e.clock.advance(time::Duration::days(1));
    let v3 = load(
        &e,
        code,
        &file(&[(0, 0), (1, 1)]),
        LoadOptions {
            mode: Mode::Good,
            full: true,
        },
    )
    .await;
    assert_eq!((v3.unchanged_rows, v3.closed_rows), (2, 3), "{v3:?}");
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 2);
    assert!(
        rows::as_of(
            &mut db,
            e.svc.seal(),
            r.id,
            &id_number(4),
            e.clock.now() - time::Duration::hours(1)
        )
        .await
        .unwrap()
        .is_some()
    );
    assert!(
        rows::current(&mut db, e.svc.seal(), r.id, &id_number(4))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn pushes_upsert_and_delete_by_key_and_references_are_checked() {
    let e = env().await;
    let people = fixtures::published(
        &e.svc,
        e.dept,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let obj = |v: serde_json::Value| v.as_object().unwrap().clone();
    let pushed = e
        .col
        .push(
            &steward(e.dept),
            people.code.as_str(),
            &PushInput {
                upsert: vec![
                    obj(serde_json::json!({"id_number": id_number(1), "姓名": "张三", "sex": 1})),
                    obj(serde_json::json!({"id_number": id_number(2), "name": "李四"})),
                    obj(serde_json::json!({"id_number": id_number(3), "name": "王五", "height": 170})),
                ],
                delete: vec![],
                mode: Mode::Good,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            pushed.status.as_str(),
            pushed.inserted_rows,
            pushed.bad_rows
        ),
        ("done", 2, 1)
    );
    e.clock.advance(time::Duration::hours(1));
    let del = e
        .col
        .push(
            &steward(e.dept),
            people.code.as_str(),
            &PushInput {
                delete: vec![obj(serde_json::json!({"公民身份号码": id_number(2)}))],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(del.closed_rows, 1);
    let mut db = e.t.db.clone();
    assert_eq!(rows::count_current(&mut db, people.id).await.unwrap(), 1);
    // The push's deletions are kept on the job as blind indexes, never the numbers.
    let kept: Vec<(String,)> = db
        .fetch_all(
            "SELECT delete_keys FROM exchange_loads WHERE resource_id = $1",
            yiwang_store::args![people.id],
        )
        .await
        .unwrap();
    let kept: String = kept.into_iter().map(|k| k.0).collect();
    assert!(
        kept.contains(&e.svc.seal().index(&id_number(2)).unwrap()),
        "{kept}"
    );
    assert!(!kept.contains(&id_number(2)), "{kept}");
    // Another department's steward may not load this resource.
    let err = e
        .col
        .push(
            &steward(e.other),
            people.code.as_str(),
            &PushInput::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // A resource whose item refers to the population resource's keys.
    let mut meta = fixtures::population_meta(ShareType::Unconditional);
    meta.name = "低保对象".into();
    meta.items[0].rules.push(QualityRule::Reference {
        resource: people.code.as_str().into(),
    });
    let relief = fixtures::published(&e.svc, e.dept, "301002", meta)
        .await
        .unwrap();
    let v = e
        .col
        .push(
            &steward(e.dept),
            relief.code.as_str(),
            &PushInput {
                upsert: vec![
                    obj(serde_json::json!({"id_number": id_number(1), "name": "张三"})),
                    obj(serde_json::json!({"id_number": id_number(2), "name": "李四"})),
                ],
                mode: Mode::All,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((v.status.as_str(), v.bad_rows), ("rejected", 1));
    assert_eq!(v.counts.get("reference"), Some(&1));
}

#[tokio::test]
async fn an_interrupted_load_resumes_from_its_checkpoint_without_duplicates() {
    let e = env().await;
    let r = fixtures::published(
        &e.svc,
        e.dept,
        "101001",
        fixtures::population_meta(ShareType::Unconditional),
    )
    .await
    .unwrap();
    let mut text = format!("{POPULATION_HEADER}\n");
    for i in 0..10 {
        text.push_str(&population_line(i, 0));
        text.push('\n');
    }
    let crashing = e.col.clone().interrupt_after(2);
    let v = crashing
        .upload(
            &steward(e.dept),
            r.code.as_str(),
            "p.csv",
            gbk(&text),
            LoadOptions::default(),
        )
        .await
        .unwrap();
    let half = crashing.drive(v.id).await.unwrap();
    assert_eq!(
        (half.status.as_str(), half.processed_rows, half.total_rows),
        ("loading", 6, 10)
    );
    assert!(half.percent > 59.0 && half.percent < 61.0);
    // The lease of the "dead" runner lapses; another runner resumes.
    e.clock.advance(time::Duration::minutes(1));
    let done = e.col.drive(v.id).await.unwrap();
    assert_eq!(
        (
            done.status.as_str(),
            done.processed_rows,
            done.inserted_rows
        ),
        ("done", 10, 10),
        "{done:?}"
    );
    let mut db = e.t.db.clone();
    assert_eq!(rows::count_current(&mut db, r.id).await.unwrap(), 10);
}

#[tokio::test]
async fn uniqueness_holds_against_the_current_sealed_rows() {
    let e = env().await;
    let mut meta = fixtures::population_meta(ShareType::Unconditional);
    let address = meta
        .items
        .iter_mut()
        .find(|i| i.field == "address")
        .unwrap();
    address.rules.push(QualityRule::Unique);
    let r = fixtures::published(&e.svc, e.dept, "101001", meta)
        .await
        .unwrap();
    let code = r.code.as_str();
    let first = format!(
        "{POPULATION_HEADER}\n{}\n{}\n",
        population_line(0, 0),
        population_line(1, 0)
    );
    let v1 = load(&e, code, &first, LoadOptions::default()).await;
    assert_eq!(v1.inserted_rows, 2, "{v1:?}");
    e.clock.advance(time::Duration::hours(1));
    // A new key whose address repeats a current row's (read back from the sealed rows), and
    // one with an address of its own.
    let line0 = population_line(0, 0);
    let taken = line0.split(',').nth(4).unwrap();
    let mut clash: Vec<String> = population_line(2, 0)
        .split(',')
        .map(str::to_string)
        .collect();
    clash[4] = taken.to_string();
    let second = format!(
        "{POPULATION_HEADER}\n{}\n{}\n",
        clash.join(","),
        population_line(3, 0)
    );
    let v2 = load(&e, code, &second, LoadOptions::default()).await;
    assert_eq!((v2.inserted_rows, v2.bad_rows), (1, 1), "{v2:?}");
    let rep = e.col.report(&steward(e.dept), code, v2.id).await.unwrap();
    assert_eq!(rep.issues[0].rule, "unique", "{:?}", rep.issues);
    assert_eq!(rep.issues[0].line, 2);
}
