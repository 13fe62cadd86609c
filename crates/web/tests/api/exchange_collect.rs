//! Collection (归集) over HTTP: a GBK CSV with bad rows loads exactly the good rows (mode
//! `good`) or none (mode `all`) with a correct quality report (JSON, CSV, XLSX); a re-load of
//! a changed file keeps the old values and an "as of" lookup returns them; pushes upsert and
//! delete by key; another department's steward is refused; the steward's pages show the
//! upload form, the load with its progress bar and its report.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yiwang_exchange::collect::sample::{POPULATION_HEADER, id_number, population_line};
use yiwang_exchange::repo::rows;
use yiwang_exchange::{ShareType, fixtures};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, World};

/// A steward of 赤坎区市场监督管理局 and the department's published population resource
/// (its code as a path segment, and its id).
async fn setup(w: &World) -> (Client, String, i64) {
    let sys = Ctx::system("test");
    for (u, d) in [("steward", w.chikan_scjg), ("steward_b", w.city_scjg)] {
        w.state
            .identity
            .create_staff(
                &sys,
                &StaffInput {
                    username: u.into(),
                    name: "数据专员".into(),
                    department_id: d,
                    roles: vec!["data_steward".into()],
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
    }
    let r = fixtures::published(
        &w.state.exchange,
        w.chikan_scjg,
        "101001",
        fixtures::population_meta(ShareType::Conditional),
    )
    .await
    .unwrap();
    (
        w.sign_in("steward").await,
        r.code.as_str().replace('/', "-"),
        r.id,
    )
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// People 0–4 (address version `v`), then a bad ID number, a bad sex code and a duplicate.
fn file(v: usize) -> String {
    let mut s = format!("{POPULATION_HEADER}\n");
    for i in 0..5 {
        s.push_str(&population_line(i, v));
        s.push('\n');
    }
    let good = id_number(50);
    let last = if good.ends_with('0') { '1' } else { '0' };
    s.push_str(&format!(
        "{}{last},王五,1,1990-01-01,某地,440803\n",
        &good[..17]
    ));
    s.push_str(&format!(
        "{},赵六,7,1990-01-01,某地,440803\n",
        id_number(51)
    ));
    s.push_str(&population_line(2, v));
    s.push('\n');
    s
}

async fn finished(w: &World, c: &Client, code: &str, id: i64) -> Value {
    for _ in 0..600 {
        let r = w
            .get(c, &format!("/api/v1/exchange/resources/{code}/loads/{id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        if ["done", "rejected", "failed"].contains(&j["status"].as_str().unwrap()) {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    panic!("load {id} did not finish");
}

async fn upload(w: &World, c: &Client, code: &str, query: &str, body: Vec<u8>) -> Value {
    let r = w
        .send(
            c,
            Method::POST,
            &format!("/api/v1/exchange/resources/{code}/loads?{query}"),
            Some("text/csv"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    finished(w, c, code, id).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gbk_csv_loads_the_good_rows_or_none_and_a_changed_file_keeps_history() {
    let w = World::new().await;
    let (c, code, rid) = setup(&w).await;
    // Reject-the-file: nothing written; the report counts and shows every bad row.
    let j = upload(&w, &c, &code, "mode=all&name=people.csv", gbk(&file(0))).await;
    assert_eq!(j["status"], "rejected", "{j}");
    assert_eq!(
        (j["good_rows"].as_i64(), j["bad_rows"].as_i64()),
        (Some(5), Some(3))
    );
    let mut db = w.state.db.clone();
    assert_eq!(rows::count_current(&mut db, rid).await.unwrap(), 0);
    let id = j["id"].as_i64().unwrap();
    let r = w
        .get(
            &c,
            &format!("/api/v1/exchange/resources/{code}/loads/{id}/report"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rep = r.json();
    let got: Vec<(i64, &str)> = rep["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["line"].as_i64().unwrap(), i["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [(7, "id_number"), (8, "code_list"), (9, "unique")]);
    assert_eq!(
        rep["load"]["counts"],
        json!({"code_list": 1, "id_number": 1, "unique": 1})
    );
    assert!(rep["issues"][0]["value"].as_str().unwrap().contains("****"));
    let r = w
        .get(
            &c,
            &format!("/api/v1/exchange/resources/{code}/loads/{id}/report?format=csv"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("code_list") && r.text().contains("性别"));
    let r = w
        .get(
            &c,
            &format!("/api/v1/exchange/resources/{code}/loads/{id}/report?format=xlsx"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"PK"));
    // Load-the-good-rows: exactly the five good rows.
    let j = upload(&w, &c, &code, "mode=good", gbk(&file(0))).await;
    assert_eq!(j["status"], "done", "{j}");
    assert_eq!(j["encoding"], "gb18030");
    assert_eq!(
        (j["inserted_rows"].as_i64(), j["bad_rows"].as_i64()),
        (Some(5), Some(3))
    );
    assert_eq!(rows::count_current(&mut db, rid).await.unwrap(), 5);
    for i in 0..5 {
        assert!(
            rows::current(&mut db, w.state.exchange.seal(), rid, &id_number(i))
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(
        rows::current(&mut db, w.state.exchange.seal(), rid, &id_number(51))
            .await
            .unwrap()
            .is_none()
    );
    // A day later the changed file: the old values stay, "as of" yesterday returns them.
    let before = w.state.clock.now();
    w.clock.advance(time::Duration::days(1));
    // (The session has lapsed meanwhile.)
    let c = w.sign_in("steward").await;
    let j = upload(&w, &c, &code, "", gbk(&file(1))).await;
    assert_eq!(
        (j["changed_rows"].as_i64(), j["unchanged_rows"].as_i64()),
        (Some(5), Some(0)),
        "{j}"
    );
    let key = id_number(3);
    let now = rows::current(&mut db, w.state.exchange.seal(), rid, &key)
        .await
        .unwrap()
        .unwrap();
    assert!(
        now.values().unwrap()["address"]
            .as_str()
            .unwrap()
            .ends_with("之1")
    );
    let old = rows::as_of(&mut db, w.state.exchange.seal(), rid, &key, before)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !old.values().unwrap()["address"]
            .as_str()
            .unwrap()
            .contains('之')
    );
    // The same file again changes nothing.
    w.clock.advance(time::Duration::hours(1));
    let c = w.sign_in("steward").await;
    let j = upload(&w, &c, &code, "", gbk(&file(1))).await;
    assert_eq!(
        (j["changed_rows"].as_i64(), j["unchanged_rows"].as_i64()),
        (Some(0), Some(5))
    );
    let list = w
        .get(&c, &format!("/api/v1/exchange/resources/{code}/loads"))
        .await;
    assert_eq!(list.json()["loads"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn pushes_upsert_and_delete_and_another_department_is_refused() {
    let w = World::new().await;
    let (c, code, rid) = setup(&w).await;
    let url = format!("/api/v1/exchange/resources/{code}/loads/push");
    let r = w
        .post(
            &c,
            &url,
            json!({"upsert": [
                {"id_number": id_number(1), "name": "张三", "sex": "1"},
                {"公民身份号码": id_number(2), "姓名": "李四", "出生日期": "1990-02-30"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (
            r.json()["inserted_rows"].as_i64(),
            r.json()["bad_rows"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(r.json()["counts"], json!({"type.date": 1}));
    w.clock.advance(time::Duration::hours(1));
    let c = w.sign_in("steward").await;
    let r = w
        .post(&c, &url, json!({"delete": [{"id_number": id_number(1)}]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["closed_rows"], 1);
    let mut db = w.state.db.clone();
    assert_eq!(rows::count_current(&mut db, rid).await.unwrap(), 0);
    let r = w
        .post(&c, &url, json!({"delete": [{"name": "张三"}]}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .post(
            &c,
            &format!("/api/v1/exchange/resources/{code}/loads?mode=some"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // The city bureau's steward may not load 赤坎's resource.
    let b = w.sign_in("steward_b").await;
    let r = w.post(&b, &url, json!({"upsert": []})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w
        .get(&b, &format!("/api/v1/exchange/resources/{code}/loads"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w
        .get(&c, "/api/v1/exchange/resources/101001-999999/loads")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_steward_uploads_on_the_page_and_sees_progress_and_the_report() {
    let w = World::new().await;
    let (c, code, rid) = setup(&w).await;
    let page = w
        .get(&c, &format!("/staff/exchange/resources/{code}/loads"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains(r#"id="collect-form""#) && html.contains(r#"name="mode""#));
    assert!(html.contains("公民身份号码") && html.contains(r#"id="collect-none""#));
    let body = crate::case_pages::multipart(
        &[("mode", "all"), ("full", "false")],
        &[("file", "people.csv", gbk(&file(0)))],
    );
    let csrf = c.csrf.clone().unwrap();
    let r = crate::case_pages::post_multipart(
        &w,
        &c,
        &format!("/staff/exchange/resources/{code}/loads?_csrf={csrf}"),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = crate::case_pages::location(&r);
    assert!(
        to.starts_with(&format!("/staff/exchange/resources/{code}/loads/")),
        "{to}"
    );
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    finished(&w, &c, &code, id).await;
    let page = w.get(&c, &to).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(r#"id="collect-progress""#), "{html}");
    assert!(html.contains(r#"data-status="rejected""#));
    assert!(
        !html.contains(r#"http-equiv="refresh""#),
        "a finished load does not refresh"
    );
    assert!(html.contains(r#"id="collect-issues""#) && html.contains("代码表"));
    assert!(html.contains("report?format=csv") && html.contains("report?format=xlsx"));
    let mut db = w.state.db.clone();
    assert_eq!(rows::count_current(&mut db, rid).await.unwrap(), 0);
    // While a load waits, its page refreshes itself (no script needed).
    let queued = w
        .state
        .collector
        .upload(
            &Ctx::system("test"),
            &code.replace('-', "/"),
            "p.csv",
            gbk(&file(0)).into(),
            Default::default(),
        )
        .await
        .unwrap();
    let page = w
        .get(
            &c,
            &format!("/staff/exchange/resources/{code}/loads/{}", queued.id),
        )
        .await;
    assert!(page.text().contains(r#"http-equiv="refresh""#));
    // Another department's steward, and a citizen, are refused.
    let b = w.sign_in("steward_b").await;
    let r = w
        .get(&b, &format!("/staff/exchange/resources/{code}/loads"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let p =
        crate::harness::register_person(&w, "陈小明", "440802198805120013", "13800759001").await;
    let r = w
        .get(&p, &format!("/staff/exchange/resources/{code}/loads/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
