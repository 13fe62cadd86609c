//! Bulk licence import over HTTP: upload → 202 → poll → done (every licence verifies), and a
//! bad file → rejected with its row errors as JSON and as a downloadable CSV; the pages show
//! the job with its progress bar and errors.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, World};

const TYPE: &str = "11100000000013338W011";

async fn setup(w: &World) -> Client {
    let sys = Ctx::system("test");
    w.state
        .licences
        .define_type(
            &sys,
            &yiwang_licences::LicenceType {
                code: TYPE.into(),
                name: "教师资格证".into(),
                definer_name: "教育部".into(),
                holder_type: "person".into(),
                face_schema: json!([{"key": "subject", "label": "任教学科", "kind": "text", "required": true}])
                    .to_string(),
                validity_years: 0,
            },
        )
        .await
        .unwrap();
    w.state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "issuer".into(),
                name: "发证员".into(),
                department_id: w.chikan_scjg,
                roles: vec!["licence_officer".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in("issuer").await
}

/// Polls the job until it ends (it runs on a task of the server).
async fn finished(w: &World, c: &Client, id: i64) -> Value {
    for _ in 0..600 {
        let r = w.get(c, &format!("/api/v1/licences/imports/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        if ["done", "rejected", "failed"].contains(&j["status"].as_str().unwrap()) {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_poll_done_and_a_bad_file_gives_its_errors_as_csv() {
    let w = World::new().await;
    let c = setup(&w).await;
    let csv = "证照编号,持证人姓名,身份证号码,发证日期,有效期起始日期,任教学科\n\
               JS1,张三,440802198805120013,2019-07-01,2019-07-01,语文\n\
               JS2,李四,440803199203180028,2019-07-01,2019-07-01,数学\n";
    let url = format!(
        "/api/v1/licences/imports?type={TYPE}&department={}&name=t.csv",
        w.chikan_scjg
    );
    let r = w
        .send(
            &c,
            Method::POST,
            &url,
            Some("text/csv"),
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let j = finished(&w, &c, id).await;
    assert_eq!(j["status"], "done", "{j}");
    assert_eq!(j["imported_rows"], 2);
    assert_eq!(j["percent"], 100.0);
    assert_eq!(j["file_name"], "t.csv");
    let mut db = w.state.db.clone();
    let ids: Vec<(String,)> = yiwang_store::Conn::fetch_all(
        &mut db,
        "SELECT identifier FROM licences WHERE import_id = $1",
        yiwang_store::args![id],
    )
    .await
    .unwrap();
    assert_eq!(ids.len(), 2);
    for (ident,) in ids {
        let r = w
            .get(
                &w.anonymous(),
                &format!("/api/v1/licences/verify?identifier={ident}"),
            )
            .await;
        assert_eq!(r.json()["verdict"], "valid");
    }
    // The job's page: a full progress bar, no refresh any more.
    let page = w.get(&c, &format!("/staff/licences/imports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(r#"<progress id="import-progress" max="2" value="2">"#),
        "{html}"
    );
    assert!(!html.contains("http-equiv=\"refresh\""));

    // A bad file: two bad rows, nothing imported, the errors as JSON and CSV.
    let bad = "证照编号,持证人姓名,身份证号码,发证日期,有效期起始日期,任教学科\n\
               JS3,王五,440802198805120014,2019-07-01,2019-07-01,语文\n\
               JS4,赵六,440803199203180028,2019-02-30,2019-07-01,\n";
    let r = w
        .send(
            &c,
            Method::POST,
            &url,
            Some("text/csv"),
            bad.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let bad_id = r.json()["id"].as_i64().unwrap();
    let j = finished(&w, &c, bad_id).await;
    assert_eq!(j["status"], "rejected", "{j}");
    assert_eq!(j["imported_rows"], 0);
    assert_eq!(j["error_count"], 3);
    let r = w
        .get(&c, &format!("/api/v1/licences/imports/{bad_id}/errors"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let errs = r.json()["errors"].as_array().unwrap().clone();
    let got: Vec<(i64, &str)> = errs
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![(2, "holder_code"), (3, "issue_date"), (3, "face.subject")]
    );
    let r = w
        .get(
            &c,
            &format!("/api/v1/licences/imports/{bad_id}/errors?format=csv"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment"),
    );
    let text = r.text();
    assert!(
        text.starts_with("\u{feff}行号,列,规则,级别,说明,message"),
        "{text}"
    );
    assert!(text.contains("3,issue_date,date.format,error,"), "{text}");
    let page = w
        .get(&c, &format!("/staff/licences/imports/{bad_id}"))
        .await;
    let page = page.text();
    assert!(page.contains(r#"id="import-errors""#));
    // The page names the file's columns by their titles, never the internal field names.
    let table = &page[page.find(r#"id="import-errors""#).unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    for title in [
        "<td>持证主体代码</td>",
        "<td>发证日期</td>",
        "<td>任教学科</td>",
    ] {
        assert!(table.contains(title), "{title} in {table}");
    }
    for internal in ["holder_code", "issue_date", "face.subject"] {
        assert!(!table.contains(internal), "{internal} in {table}");
    }
    let list = w.get(&c, "/staff/licences/imports").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text()
            .contains(&format!("/staff/licences/imports/{bad_id}"))
    );

    // Missing parameters: 422 naming them.
    let r = w
        .send(
            &c,
            Method::POST,
            "/api/v1/licences/imports",
            Some("text/csv"),
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A citizen may not see the page.
    let p =
        crate::harness::register_person(&w, "陈小明", "440802198805120013", "13800759001").await;
    assert_eq!(
        w.get(&p, "/staff/licences/imports").await.status,
        StatusCode::FORBIDDEN
    );
}
