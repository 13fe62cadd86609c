//! Random inspection (双随机、一公开) through the router: an organiser lists an item, fills the
//! two pools, declares a conflict, creates a plan and draws it; anyone re-runs the draw from
//! the published inputs (in Rust and with the Python oracle) and gets exactly the same
//! entities and inspectors; inspectors record results; the organiser publishes them.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;
use yiwang_supervision::inspection::draw::{DrawInput, DrawOutcome};

use crate::harness::{PASSWORD, World, uscc};

async fn staff(w: &World, username: &str, dept: i64, role: &str) -> i64 {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id: dept,
                roles: vec![role.into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap()
        .id
}

/// The oracle's outcome for a published draw file, or `None` (skipped) without Python+SM3
/// off CI.
fn python_oracle(published: &Value) -> Option<DrawOutcome> {
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../supervision/tests/draw_oracle.py");
    let file = std::env::temp_dir().join(format!("yiwang-web-draw-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(published).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&file)
        .output();
    let _ = std::fs::remove_file(&file);
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match out {
        Ok(o) if o.status.success() => Some(serde_json::from_slice(&o.stdout).unwrap()),
        Ok(o) if !ci => {
            eprintln!(
                "SKIPPED the Python oracle: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) if !ci => {
            eprintln!("SKIPPED the Python oracle: {e}");
            None
        }
        Ok(o) => panic!("oracle failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("CI=true and python3 not runnable: {e}"),
    }
}

#[tokio::test]
async fn a_published_draw_reruns_to_the_same_entities_and_inspectors() {
    let w = World::new().await;
    let dept = w.city_scjg;
    staff(&w, "t_choucha", dept, "inspection_organiser").await;
    staff(&w, "t_chikan_cc", w.chikan_scjg, "inspection_organiser").await;
    let mut inspectors = Vec::new();
    for i in 1..=4 {
        inspectors.push(staff(&w, &format!("t_jc{i}"), dept, "inspector").await);
    }
    let org = w.sign_in("t_choucha").await;
    let other = w.sign_in("t_chikan_cc").await;

    let r = w
        .post(
            &org,
            "/api/v1/inspection-items",
            json!({"code": "SC-001", "name": "食品经营者经营许可情况的检查", "department_id": dept,
                   "legal_basis": "《中华人民共和国食品安全法》第一百一十条", "object_type": "食品经营者", "active": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let entities: Vec<Value> = (0..30)
        .map(|i| {
            json!({"uscc": uscc(&format!("91440802MA{i:04}")), "name": format!("湛江测试餐饮{i}店"),
                   "stratum": if i % 3 == 0 { "B" } else { "A" }, "industry": "餐饮", "division": "440802"})
        })
        .collect();
    let r = w
        .post(&org, "/api/v1/inspections/entities", json!(entities))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["total"], 30);
    // A bad USCC is named with its row.
    let r = w
        .post(
            &org,
            "/api/v1/inspections/entities",
            json!([{"uscc": "123", "name": "x", "stratum": "A", "division": "440802"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    for (i, id) in inspectors.iter().enumerate() {
        let r = w
            .post(
                &org,
                "/api/v1/inspections/inspectors",
                json!({"staff_id": id, "cert_no": format!("44080020{i}"), "item_codes": ["SC-001"], "active": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    // Without a certificate number an inspector is refused.
    let r = w
        .post(
            &org,
            "/api/v1/inspections/inspectors",
            json!({"staff_id": inspectors[0], "cert_no": " ", "item_codes": ["SC-001"], "active": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Inspector 1 declares a conflict with every entity of stratum B.
    let conflicted: Vec<String> = entities
        .iter()
        .filter(|e| e["stratum"] == "B")
        .map(|e| e["uscc"].as_str().unwrap().to_string())
        .collect();
    let jc1 = w.sign_in("t_jc1").await;
    for u in &conflicted {
        let r = w
            .post(
                &jc1,
                "/api/v1/inspections/conflicts",
                json!({"staff_id": inspectors[0], "uscc": u, "reason": "近亲属任该企业负责人"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }

    let plan = json!({"title": "2026年度食品经营者随机抽查", "department_id": dept, "item_codes": ["SC-001"],
        "filter": {"division": "4408", "strata": [], "industry": ""},
        "quotas": {"default": {"ratio_permille": 200}, "strata": {"B": {"count": 4}}},
        "team_size": 2, "entropy_source": "抽取当日福彩3D开奖号码", "deadline": "2026-12-31"});
    let r = w
        .post(&other, "/api/v1/inspections/plans", plan.clone())
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "another department's organiser"
    );
    let r = w.post(&org, "/api/v1/inspections/plans", plan).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let no = r.json()["plan_no"].as_str().unwrap().to_string();
    assert_eq!(no, "CC2026-0001");

    // Not yet public.
    let anon = w.anonymous();
    let r = w
        .get(&anon, &format!("/api/v1/public/inspections/{no}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let draw_url = format!("/api/v1/inspections/plans/{no}/draw");
    let r = w
        .post(&other, &draw_url, json!({"public_entropy": "3 1 4"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.post(&org, &draw_url, json!({"public_entropy": ""})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = w
        .post(
            &org,
            &draw_url,
            json!({"public_entropy": "福彩3D 2026326期 5 0 8"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let drawn = r.json();
    let results = drawn["draw"]["results"].as_array().unwrap().clone();
    // 20 A → ceil(0.2×20) = 4; 10 B → 4.
    assert_eq!(results.len(), 8);
    // A second draw is refused: the list is frozen.
    let r = w
        .post(&org, &draw_url, json!({"public_entropy": "again"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Anyone re-runs the published draw.
    let r = w
        .get(&anon, &format!("/api/v1/public/inspections/{no}/draw.json"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let published = r.json();
    let input: DrawInput = serde_json::from_value(published["input"].clone()).unwrap();
    let outcome: DrawOutcome = serde_json::from_value(published["outcome"].clone()).unwrap();
    assert_eq!(input.population.len(), 30);
    assert_eq!(input.inspectors.len(), 4);
    let re = yiwang_supervision::inspection::redraw(&input, &outcome).unwrap();
    assert!(re.matches, "the Rust re-run differs");
    // The same entities and teams as the stored results.
    let from_results: Vec<(String, Vec<i64>)> = results
        .iter()
        .map(|r| {
            (
                r["uscc"].as_str().unwrap().to_string(),
                r["inspectors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["staff_id"].as_i64().unwrap())
                    .collect(),
            )
        })
        .collect();
    let from_rerun: Vec<(String, Vec<i64>)> = re
        .outcome
        .picks
        .iter()
        .map(|p| (p.uscc.clone(), p.inspectors.clone()))
        .collect();
    assert_eq!(from_results, from_rerun);
    if let Some(py) = python_oracle(&published) {
        assert_eq!(py, outcome, "the Python oracle differs");
    }
    // No team holds a conflicted inspector; every team has two distinct inspectors.
    for (u, team) in &from_rerun {
        assert_eq!(team.iter().collect::<BTreeSet<_>>().len(), 2);
        if conflicted.contains(u) {
            assert!(!team.contains(&inspectors[0]), "conflicted inspector sent");
        }
    }
    // The public page of the draw shows seed, hashes and no results yet.
    let r = w.get(&anon, &format!("/public/inspections/{no}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&outcome.seed));

    // Results: a team member records theirs; an inspector outside the team is refused.
    w.clock.advance(time::Duration::days(3));
    // Sessions end when idle: sign in again after the days passed.
    let org = w.sign_in("t_choucha").await;
    let (first_uscc, first_team) = &from_rerun[0];
    let outsider = inspectors
        .iter()
        .position(|i| !first_team.contains(i))
        .unwrap();
    let results_url = format!("/api/v1/inspections/plans/{no}/results");
    let out = w.sign_in(&format!("t_jc{}", outsider + 1)).await;
    let body =
        json!({"uscc": first_uscc, "result_code": "no_problem", "inspected_on": "2026-11-24"});
    let r = w.post(&out, &results_url, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let member = inspectors.iter().position(|i| i == &first_team[0]).unwrap();
    let mem = w.sign_in(&format!("t_jc{}", member + 1)).await;
    let r = w.post(&mem, &results_url, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(
            &org,
            &format!("/api/v1/inspections/plans/{no}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "results missing"
    );
    for (u, _) in &from_rerun[1..] {
        let r = w
            .post(
                &org,
                &results_url,
                json!({"uscc": u, "result_code": "corrected", "inspected_on": "2026-11-25", "notes": "责令整改"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let r = w
        .post(
            &org,
            &format!("/api/v1/inspections/plans/{no}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["plan"]["publish_late"], false);
    let r = w
        .get(&anon, &format!("/api/v1/public/inspections/{no}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["plan"]["status"], "published");
    assert_eq!(body["draw"]["results"][0]["result_zh"], "未发现问题");
    let r = w.get(&anon, "/public/inspections").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(&no));
    let r = w.get(&org, "/inspections").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&no));
}

/// The route matrix's plan of department A (a draft: its first plan).
pub const MATRIX_PLAN: &str = "CC2026-0001";

static MATRIX_INSPECTOR: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// For the route matrix: an item, an inspector and a draft plan of department A.
pub async fn matrix_fixture(w: &World, dept_a: i64) {
    let sys = Ctx::system("matrix");
    let s = &w.state.supervision;
    let id = staff(w, "m_insp_target", dept_a, "inspector").await;
    let _ = MATRIX_INSPECTOR.set(id);
    s.save_inspection_item(
        &sys,
        yiwang_supervision::inspection::model::ItemInput {
            code: "MX-INSP".into(),
            name: "矩阵抽查事项".into(),
            department_id: dept_a,
            legal_basis: "《企业信息公示暂行条例》第十四条".into(),
            object_type: "企业".into(),
            active: true,
        },
    )
    .await
    .unwrap();
    let plan: yiwang_supervision::inspection::model::PlanInput =
        serde_json::from_value(matrix_plan_body(dept_a)).unwrap();
    let p = s.create_inspection_plan(&sys, plan).await.unwrap();
    assert_eq!(p.plan_no, MATRIX_PLAN);
}

fn matrix_plan_body(dept: i64) -> Value {
    json!({"title": "矩阵计划", "department_id": dept, "item_codes": ["MX-INSP"],
        "quotas": {"default": {"count": 1}}, "team_size": 2,
        "entropy_source": "福彩3D", "deadline": "2026-12-31"})
}

/// A body that would succeed for department A, for the route matrix.
pub fn matrix_body(op: &str, dept_a: i64) -> Option<Value> {
    match op {
        "POST /api/v1/inspection-items" => Some(json!({"code": "MX-INSP2", "name": "事项",
            "department_id": dept_a, "legal_basis": "依据", "object_type": "企业", "active": true})),
        "POST /api/v1/inspections/inspectors" => Some(json!({
            "staff_id": MATRIX_INSPECTOR.get().copied().unwrap_or(0),
            "cert_no": "粤执0001", "item_codes": ["MX-INSP"], "active": true})),
        "POST /api/v1/inspections/plans" => Some(matrix_plan_body(dept_a)),
        "POST /api/v1/inspections/entities" => Some(json!([])),
        _ => None,
    }
}

#[tokio::test]
async fn the_organiser_works_through_the_pages() {
    use crate::case_pages::{location, multipart, post_form, post_multipart};
    let w = World::new().await;
    let dept = w.city_scjg;
    staff(&w, "t_choucha", dept, "inspection_organiser").await;
    let a = staff(&w, "t_jc1", dept, "inspector").await;
    let b = staff(&w, "t_jc2", dept, "inspector").await;
    let org = w.sign_in("t_choucha").await;
    let csrf = org.csrf.clone().unwrap_or_default();

    let r = post_form(
        &w,
        &org,
        "/inspections/items",
        &[
            ("code", "GS-01"),
            ("name", "企业公示信息情况的检查"),
            ("department_id", &dept.to_string()),
            ("legal_basis", "《企业信息公示暂行条例》第十四条"),
            ("object_type", "企业"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // One bad row: nothing is imported and the row is named.
    let bad = format!(
        "统一社会信用代码,名称,分层,行业,行政区划\n{},甲公司,A,零售,440802\n123,乙公司,A,零售,440802\n",
        uscc("91440802MA0001")
    );
    let url = format!("/inspections/entities?_csrf={csrf}");
    let r = post_multipart(
        &w,
        &org,
        &url,
        multipart(&[], &[("file", "pool.csv", bad.into_bytes())]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let mut good = String::from("统一社会信用代码,名称,分层,行业,行政区划\n");
    for i in 0..6 {
        good.push_str(&format!(
            "{},湛江页面测试{i}公司,A,零售,440802\n",
            uscc(&format!("91440802MA01{i:02}"))
        ));
    }
    let r = post_multipart(
        &w,
        &org,
        &url,
        multipart(&[], &[("file", "pool.csv", good.into_bytes())]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    for (id, cert) in [(a, "粤执01"), (b, "粤执02")] {
        let r = post_form(
            &w,
            &org,
            "/inspections/inspectors",
            &[
                ("staff_id", &id.to_string()),
                ("cert_no", cert),
                ("item_codes", "GS-01"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    // A plan with a bad team size is shown again with the problem.
    let mut plan = vec![
        ("title", "页面计划".to_string()),
        ("department_id", dept.to_string()),
        ("item_codes", "GS-01".to_string()),
        ("quota", "2".to_string()),
        ("quota_kind", "count".to_string()),
        ("team_size", "1".to_string()),
        ("entropy_source", "福彩3D".to_string()),
        ("deadline", "2026-12-31".to_string()),
    ];
    fn as_refs<'a>(p: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        p.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
    let r = post_form(&w, &org, "/inspections/plans", &as_refs(&plan)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("页面计划"),
        "the form keeps what was typed"
    );
    plan[5].1 = "2".into();
    let r = post_form(&w, &org, "/inspections/plans", &as_refs(&plan)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = location(&r);
    assert_eq!(page, "/inspections/plans/CC2026-0001");
    let r = w.get(&org, &page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("id=\"draw-form\""));
    let r = post_form(
        &w,
        &org,
        &format!("{page}/draw"),
        &[("public_entropy", "7 7 7")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w.get(&org, &page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("id=\"draw-seed\""));
    assert_eq!(
        r.text().matches("/results\" class=\"inline-form\"").count(),
        2
    );
    // An inspector of the pool sees the list page and the plan.
    let jc = w.sign_in("t_jc1").await;
    let r = w.get(&jc, "/inspections").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("CC2026-0001"));
    // The anonymous public is refused the staff page (sent to sign in).
    let r = w.get(&w.anonymous(), "/inspections").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}
