//! Grids over the JSON API: the GeoJSON import (`POST /api/v1/appeal-grid-imports`: a dry run
//! answers the report, `commit=true` writes; bad geometry refused as 422 naming the feature and
//! the rule, nothing written; overlaps reported), the list (`GET /api/v1/appeal-grids`, paged,
//! by kind and division, without geometry), one grid with its geometry and workers, and a
//! grid's workers (`PUT …/workers`); refusals at the door and in the domain; routing after the
//! workers change.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, Resp, World, register_person, uscc};

/// The appeal administrator and a dispatcher of the city, two grid workers of 赤坎区 (the
/// grids' department is 赤坎区市场监督管理局, the harness's `chikan_scjg`).
async fn staff(w: &World) -> (Client, Client) {
    for (u, d, role) in [
        ("gridadmin", w.city_zsj, "appeal_admin"),
        ("griddispatcher", w.city_zsj, "appeal_dispatcher"),
        ("gw1", w.chikan_scjg, "grid_worker"),
        ("gw2", w.chikan_scjg, "grid_worker"),
    ] {
        w.state
            .identity
            .create_staff(
                &Ctx::system("test"),
                &StaffInput {
                    username: u.into(),
                    name: format!("测试{u}"),
                    department_id: d,
                    roles: vec![role.into()],
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
    }
    (
        w.sign_in("gridadmin").await,
        w.sign_in("griddispatcher").await,
    )
}

fn square(x: f64, y: f64, s: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]})
}

fn feature(code: &str, kind: &str, division: &str, geometry: Value, workers: &[&str]) -> Value {
    let mut props = json!({
        "code": code, "name": format!("网格{code}"), "kind": kind, "division": division,
        "department": uscc("11440802MB2C9999"), "workers": workers
    });
    if kind == "professional" {
        props["specialty"] = json!("city_management");
    }
    json!({"type": "Feature", "geometry": geometry, "properties": props})
}

fn collection(features: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap()
}

/// Two unit grids of 赤坎区 side by side and a professional grid over both.
fn district() -> Vec<u8> {
    collection(vec![
        feature(
            "CK-A",
            "unit",
            "440802001",
            square(110.35, 21.27, 0.01),
            &["gw1"],
        ),
        feature(
            "CK-B",
            "unit",
            "440802002",
            square(110.36, 21.27, 0.01),
            &[],
        ),
        feature(
            "CK-CG",
            "professional",
            "440802",
            square(110.355, 21.265, 0.02),
            &[],
        ),
    ])
}

async fn import(w: &World, c: &Client, query: &str, body: Vec<u8>) -> Resp {
    w.send(
        c,
        Method::POST,
        &format!("/api/v1/appeal-grid-imports{query}"),
        Some("application/geo+json"),
        body,
    )
    .await
}

fn codes(r: &Resp) -> Vec<String> {
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn import_list_read_and_assign_workers() {
    let w = World::new().await;
    let (admin, dispatcher) = staff(&w).await;

    // Only the appeal administrator imports.
    let r = import(&w, &w.anonymous(), "", district()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    let citizen = register_person(&w, "张三", "440802199001011238", "13800138000").await;
    assert_eq!(
        import(&w, &citizen, "", district()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        import(&w, &dispatcher, "?commit=true", district())
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A dry run answers the report and writes nothing.
    let r = import(&w, &admin, "", district()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(
        (j["grids"].as_u64(), j["created"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(j["committed"], false);
    assert!(j["errors"].as_array().unwrap().is_empty(), "{j}");
    let r = w.get(&dispatcher, "/api/v1/appeal-grids").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["total"], 0);

    // Committed.
    let r = import(
        &w,
        &admin,
        "?commit=true&file_name=chikan.geojson",
        district(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["committed"], true);

    // The list: unit grids first, by code; no geometry; by kind and division; paged.
    let r = w.get(&dispatcher, "/api/v1/appeal-grids").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["total"], 3);
    assert_eq!(codes(&r), ["CK-A", "CK-B", "CK-CG"]);
    let first = &r.json()["items"][0];
    assert!(first.get("geometry").is_none(), "{first}");
    assert_eq!(first["workers"], json!(["gw1"]));
    assert_eq!(first["worker_names"], json!(["测试gw1"]));
    assert_eq!(first["department_name"], "湛江市赤坎区市场监督管理局");
    let r = w
        .get(&dispatcher, "/api/v1/appeal-grids?kind=professional")
        .await;
    assert_eq!(codes(&r), ["CK-CG"]);
    let r = w
        .get(&dispatcher, "/api/v1/appeal-grids?division=440802002")
        .await;
    assert_eq!(codes(&r), ["CK-B"]);
    let r = w
        .get(
            &dispatcher,
            "/api/v1/appeal-grids?kind=unit&division=440802",
        )
        .await;
    assert_eq!(codes(&r), ["CK-A", "CK-B"]);
    let r = w
        .get(&dispatcher, "/api/v1/appeal-grids?division=440803")
        .await;
    assert_eq!(r.json()["total"], 0);
    let r = w
        .get(&dispatcher, "/api/v1/appeal-grids?size=1&page=2")
        .await;
    assert_eq!(
        (r.json()["total"].as_i64(), codes(&r)),
        (Some(3), vec!["CK-B".to_string()])
    );
    // Bad filters: 422 naming the parameter.
    for (q, field) in [
        ("kind=hexagon", "kind"),
        ("division=44-08", "division"),
        ("division=4", "division"),
        ("size=1000", "size"),
    ] {
        let r = w
            .get(&dispatcher, &format!("/api/v1/appeal-grids?{q}"))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.text()
        );
        assert!(r.text().contains(field), "{q}: {}", r.text());
    }
    // Staff only; a citizen and the anonymous are refused.
    let r = w.get(&citizen, "/api/v1/appeal-grids").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&w.anonymous(), "/api/v1/appeal-grids/CK-A").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // One grid: its geometry and workers.
    let r = w.get(&dispatcher, "/api/v1/appeal-grids/CK-A").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let g = r.json();
    assert_eq!(g["geometry"]["type"], "Polygon");
    assert_eq!(g["kind"], "unit");
    assert_eq!(g["division"], "440802001");
    assert_eq!(g["bbox"][0], 110.35);
    assert_eq!(
        w.get(&dispatcher, "/api/v1/appeal-grids/NOPE").await.status,
        StatusCode::NOT_FOUND
    );

    // Workers: the administrator replaces them, in routing order.
    let r = w
        .put(
            &admin,
            "/api/v1/appeal-grids/CK-A/workers",
            json!({"workers": ["gw2", "gw1"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["workers"], json!(["gw2", "gw1"]));
    let r = w
        .put(
            &admin,
            "/api/v1/appeal-grids/CK-A/workers",
            json!({"workers": ["nobody", "griddispatcher"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let j = r.json();
    let fields: Vec<&str> = j["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["workers[0]", "workers[1]"], "{}", r.text());
    let r = w
        .put(
            &dispatcher,
            "/api/v1/appeal-grids/CK-A/workers",
            json!({"workers": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .put(
            &admin,
            "/api/v1/appeal-grids/NOPE/workers",
            json!({"workers": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Routing follows: a point inside CK-A (a category without a specialty) reaches its new
    // first worker.
    let to = w
        .state
        .appeals
        .route("NONE", yiwang_appeals::LonLat::new(110.352, 21.272))
        .await
        .unwrap();
    assert_eq!(to.grid.map(|g| g.code).as_deref(), Some("CK-A"));
    let gw2 = w
        .state
        .identity
        .active_staff_by_username("gw2")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(to.assignee_id, Some(gw2));
}

#[tokio::test]
async fn bad_files_are_refused_naming_the_feature_and_the_rule() {
    let w = World::new().await;
    let (admin, dispatcher) = staff(&w).await;
    // A bow tie (self-intersecting) as the second feature; nothing is written.
    let bow_tie = json!({"type": "Polygon", "coordinates": [[
        [110.35, 21.27], [110.36, 21.28], [110.36, 21.27], [110.35, 21.28], [110.35, 21.27]
    ]]});
    let file = collection(vec![
        feature("OK-1", "unit", "440802", square(110.30, 21.20, 0.01), &[]),
        feature("BAD-2", "unit", "440802", bow_tie, &[]),
    ]);
    let r = import(&w, &admin, "?commit=true", file.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let j = r.json();
    assert_eq!(j["error"]["code"], "import_rejected");
    let rows: Vec<(&str, &str)> = j["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["field"].as_str().unwrap(), r["rule"].as_str().unwrap()))
        .collect();
    assert!(
        rows.contains(&("features[1]", "geometry.self_intersection")),
        "{rows:?}"
    );
    assert!(rows.iter().all(|(f, _)| *f == "features[1]"), "{rows:?}");
    let r = w.get(&dispatcher, "/api/v1/appeal-grids").await;
    assert_eq!(r.json()["total"], 0, "nothing written");
    // The dry run reports the same problem, naming the feature's code.
    let r = import(&w, &admin, "", file).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let errors = r.json()["errors"].clone();
    assert_eq!(errors[0]["feature"], 1, "{errors}");
    assert_eq!(errors[0]["code"], "BAD-2");
    // Overlapping unit grids are reported with the overlap's area.
    let overlapping = collection(vec![
        feature("OV-1", "unit", "440802", square(110.30, 21.20, 0.01), &[]),
        feature("OV-2", "unit", "440802", square(110.305, 21.20, 0.01), &[]),
    ]);
    let r = import(&w, &admin, "", overlapping).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let overlaps = r.json()["overlaps"].clone();
    assert_eq!(overlaps[0]["a"], "OV-1", "{overlaps}");
    assert_eq!(overlaps[0]["b"], "OV-2", "{overlaps}");
    assert!(overlaps[0]["area_m2"].as_f64().unwrap() > 0.0);
    // Not a FeatureCollection, not JSON, nothing at all: 422 naming `file`.
    for body in [
        b"{\"type\": \"Feature\"}".to_vec(),
        b"not json".to_vec(),
        Vec::new(),
    ] {
        let r = import(&w, &admin, "?commit=true", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(
            r.json()["error"]["fields"][0]["field"],
            "file",
            "{}",
            r.text()
        );
    }
}
