//! Hostile spreadsheets at the import routes: refused with a 4xx naming the rule, while the
//! server keeps answering (a workbook declaring 10^12 shared strings, or cells at A1 and
//! XFD1048576, used to abort the whole process).

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;
use yiwang_kernel::auth::Ctx;

use crate::harness::World;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[tokio::test(flavor = "multi_thread")]
async fn hostile_workbooks_get_a_4xx_at_every_import_route_and_readyz_still_answers() {
    let w = World::new().await;
    let sys = Ctx::system("test");
    let type_code = "11100000000013338W011";
    w.state
        .licences
        .define_type(
            &sys,
            &yiwang_licences::LicenceType {
                code: type_code.into(),
                name: "教师资格证".into(),
                definer_name: "教育部".into(),
                holder_type: "person".into(),
                face_schema: json!([]).to_string(),
                validity_years: 0,
            },
        )
        .await
        .unwrap();
    let lying =
        yiwang_sheets::testing::lying_shared_strings("部门", &["部门名称", "统一社会信用代码"])
            .unwrap();
    assert!(lying.len() < 8 * 1024, "a few KB: {}", lying.len());
    let giant = yiwang_sheets::testing::giant_range("事项").unwrap();
    let orgadmin = w.sign_in("orgadmin").await;
    let cataloger = w.sign_in("cataloger").await;
    let issuer = w.sign_in("chikanlicence").await;
    let licence_url = format!(
        "/api/v1/licences/imports?type={type_code}&department={}&name=x.xlsx",
        w.chikan_scjg
    );
    for (who, url, bytes, rule) in [
        (
            &orgadmin,
            "/api/v1/departments/import",
            &lying,
            "xlsx.shared_strings_count",
        ),
        (
            &orgadmin,
            "/api/v1/departments/import",
            &giant,
            "xlsx.too_many_columns",
        ),
        (
            &cataloger,
            "/api/v1/items/import",
            &lying,
            "xlsx.shared_strings_count",
        ),
        (
            &cataloger,
            "/api/v1/items/import",
            &giant,
            "xlsx.too_many_columns",
        ),
        (
            &issuer,
            licence_url.as_str(),
            &lying,
            "xlsx.shared_strings_count",
        ),
    ] {
        let import = w.send(who, Method::POST, url, Some(XLSX), bytes.clone());
        let ready = async {
            let t = Instant::now();
            let r = w.get(&w.anonymous(), "/readyz").await;
            (r.status, t.elapsed())
        };
        let (r, (ready_status, ready_took)) = tokio::join!(import, ready);
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            r.text()
        );
        let j = r.json();
        assert_eq!(j["error"]["code"], "import.file_refused", "{url}: {j}");
        assert_eq!(j["error"]["rows"][0]["rule"], rule, "{url}: {j}");
        assert!(!j["error"]["zh"].as_str().unwrap().is_empty());
        assert!(!j["error"]["en"].as_str().unwrap().is_empty());
        assert_eq!(ready_status, StatusCode::OK);
        assert!(ready_took < Duration::from_secs(5), "{ready_took:?}");
    }
    // The licence route accepted no job for the refused file.
    assert!(w.state.imports.pending().await.unwrap().is_empty());
    assert_eq!(
        w.get(&w.anonymous(), "/readyz").await.status,
        StatusCode::OK
    );
}
