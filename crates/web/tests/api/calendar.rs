//! The working-day calendar over HTTP: public questions, bad input, and the system
//! administrator's import of a new year.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::World;

const Y2027: &str = "date,kind,occasion_zh,occasion_en\n\
    2027-01-01,holiday,元旦,New Year's Day\n\
    2027-02-06,holiday,春节,Spring Festival\n\
    2027-02-07,holiday,春节,Spring Festival\n\
    2027-02-08,holiday,春节,Spring Festival\n\
    2027-02-20,workday,春节,Spring Festival\n";

#[tokio::test]
async fn anyone_asks_the_calendar() {
    let w = World::new().await;
    let anon = w.anonymous();
    let r = w
        .get(&anon, "/api/v1/calendar/working-day?date=2026-02-14")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["working_day"], true);
    assert_eq!(v["weekday"], 6);
    assert_eq!(v["kind"], "workday");
    assert_eq!(v["occasion_zh"], "春节");
    assert_eq!(v["year_source"], "embedded");
    let v = w
        .get(&anon, "/api/v1/calendar/working-day?date=2026-02-16")
        .await
        .json();
    assert_eq!(
        (v["working_day"].clone(), v["kind"].clone()),
        (json!(false), json!("holiday"))
    );
    let v = w
        .get(&anon, "/api/v1/calendar/working-day?date=2026-03-02")
        .await
        .json();
    assert_eq!(
        (v["working_day"].clone(), v["kind"].clone()),
        (json!(true), json!(null))
    );

    let r = w
        .get(&anon, "/api/v1/calendar/add?date=2025-09-30&days=20")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["result"], "2025-11-04");
    let v = w
        .get(&anon, "/api/v1/calendar/add?date=2026-02-13&days=0")
        .await
        .json();
    assert_eq!(v["result"], "2026-02-13");

    let r = w
        .get(
            &anon,
            "/api/v1/calendar/between?from=2026-02-13&to=2026-02-25",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["working_days"], 3);
    let v = w
        .get(
            &anon,
            "/api/v1/calendar/between?from=2026-02-25&to=2026-02-13",
        )
        .await
        .json();
    assert_eq!(v["working_days"], -3);

    let years = w.get(&anon, "/api/v1/calendar/years").await.json();
    let years = years.as_array().unwrap();
    assert_eq!(years.len(), 23);
    assert_eq!(years[0]["year"], 2004);
    assert_eq!(
        years[22],
        json!({ "year": 2026, "source": "embedded", "holidays": 33, "workdays": 6 })
    );
}

#[tokio::test]
async fn bad_input_and_missing_years_are_explained() {
    let w = World::new().await;
    let anon = w.anonymous();
    let r = w
        .get(&anon, "/api/v1/calendar/working-day?date=2026-02-30")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "validation_failed");
    let f = &r.json()["error"]["fields"][0];
    assert_eq!(
        (f["field"].as_str(), f["rule"].as_str()),
        (Some("date"), Some("date.format"))
    );
    assert!(!f["zh"].as_str().unwrap().is_empty() && !f["en"].as_str().unwrap().is_empty());

    let r = w.get(&anon, "/api/v1/calendar/working-day").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["rule"], "required");

    for q in ["days=3651", "days=-1", "days=abc"] {
        let r = w
            .get(&anon, &format!("/api/v1/calendar/add?date=2026-01-05&{q}"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let f = &r.json()["error"]["fields"][0];
        assert_eq!(
            (f["field"].as_str(), f["rule"].as_str()),
            (Some("days"), Some("range")),
            "{q}"
        );
    }
    let r = w.get(&anon, "/api/v1/calendar/between?from=x&to=").await;
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["from", "to"]);

    // A year without data is a 422 naming the year, never a Monday–Friday guess.
    let r = w
        .get(&anon, "/api/v1/calendar/working-day?date=2027-03-01")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "calendar.year_missing");
    let e = r.json()["error"].clone();
    assert!(e["zh"].as_str().unwrap().contains("2027年"), "{e}");
    assert!(e["en"].as_str().unwrap().contains("2027"), "{e}");
    assert_eq!(e["fields"][0]["field"], "date");
    let r = w
        .get(&anon, "/api/v1/calendar/add?date=2026-12-20&days=30")
        .await;
    assert_eq!(r.code(), "calendar.year_missing");
    let r = w
        .get(
            &anon,
            "/api/v1/calendar/between?from=2003-12-01&to=2004-01-10",
        )
        .await;
    assert_eq!(r.code(), "calendar.year_missing");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "from");
}

#[tokio::test]
async fn the_system_administrator_imports_2027() {
    let w = World::new().await;
    let admin = w.sign_in("sysadmin").await;
    let url = "/api/v1/calendar/years/2027";
    let r = w
        .send(
            &admin,
            Method::POST,
            url,
            Some("text/csv"),
            Y2027.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({ "year": 2027, "holidays": 4, "workdays": 1, "replaced": null })
    );

    let anon = w.anonymous();
    let v = w
        .get(&anon, "/api/v1/calendar/working-day?date=2027-02-20")
        .await
        .json();
    assert_eq!(
        (v["working_day"].clone(), v["year_source"].clone()),
        (json!(true), json!("imported"))
    );
    let v = w
        .get(&anon, "/api/v1/calendar/working-day?date=2027-02-08")
        .await
        .json();
    assert_eq!(v["working_day"], false);
    let v = w
        .get(&anon, "/api/v1/calendar/add?date=2026-12-31&days=1")
        .await
        .json();
    assert_eq!(v["result"], "2027-01-04");
    let years = w.get(&anon, "/api/v1/calendar/years").await.json();
    assert_eq!(
        years.as_array().unwrap().last().unwrap()["source"],
        "imported"
    );

    // Again: the year is covered, so only with replace=true.
    let r = w
        .send(
            &admin,
            Method::POST,
            url,
            Some("text/csv"),
            Y2027.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.code(), "duplicate");
    let r = w
        .send(
            &admin,
            Method::POST,
            &format!("{url}?replace=true&source=%E5%9B%BD%E5%8A%9E%E5%8F%91%E6%98%8E%E7%94%B5"),
            Some("text/csv"),
            Y2027.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["replaced"], "imported");

    // The import is audited.
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=calendar.import")
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    assert!(log.text().contains("calendar:2027"), "{}", log.text());
}

#[tokio::test]
async fn others_may_not_import_and_bad_files_write_nothing() {
    let w = World::new().await;
    let url = "/api/v1/calendar/years/2027";
    for who in ["editor", "cataloger", "security"] {
        let c = w.sign_in(who).await;
        let r = w
            .send(
                &c,
                Method::POST,
                url,
                Some("text/csv"),
                Y2027.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
    }
    let r = w
        .send(
            &w.anonymous(),
            Method::POST,
            url,
            Some("text/csv"),
            Y2027.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());

    let admin = w.sign_in("sysadmin").await;
    let bad = "date,kind,occasion_zh\n\
        2027-01-01,holiday,元旦\n\
        2027-01-01,holiday,元旦\n\
        2026-12-31,holiday,元旦\n\
        2027-02-03,workday,春节\n\
        2027-02-30,holiday,春节\n\
        2027-02-06,rest,春节\n";
    let r = w
        .send(
            &admin,
            Method::POST,
            url,
            Some("text/csv"),
            bad.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.code(), "import_rejected");
    let rows: Vec<(i64, String)> = r.json()["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["line"].as_i64().unwrap(),
                x["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (3, "date.duplicate_in_file".to_string()),
            (4, "date.other_year".to_string()),
            (5, "workday.not_weekend".to_string()),
            (6, "date.format".to_string()),
            (7, "one_of".to_string()),
        ]
    );
    let r = w
        .get(
            &w.anonymous(),
            "/api/v1/calendar/working-day?date=2027-01-01",
        )
        .await;
    assert_eq!(r.code(), "calendar.year_missing");

    // A bad year in the path, an empty body, an embedded year without replace.
    let r = w
        .send(
            &admin,
            Method::POST,
            "/api/v1/calendar/years/20x7",
            Some("text/csv"),
            Y2027.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "year");
    let r = w
        .send(&admin, Method::POST, url, Some("text/csv"), Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .send(
            &admin,
            Method::POST,
            "/api/v1/calendar/years/2026",
            Some("text/csv"),
            "date,kind,occasion_zh\n2026-01-01,holiday,元旦\n"
                .as_bytes()
                .to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.json()["error"]["zh"].as_str().unwrap().contains("2026年"));
}
