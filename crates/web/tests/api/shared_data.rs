//! Shared data in cases (issue 13 item 7): an automatic rule (智能秒批) checks the applicant's row
//! of a shared resource through the case department's grant — approved at once when it holds,
//! handed to an officer with the reason when it does not, every read in the call log against
//! the case number; a rule naming an unknown resource is refused when the item is saved; a
//! material the base library proves (数据代替材料) is not asked for online nor at a window, and
//! the case records the fact's provenance in its place.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::cases::{PHONE_A, apply, pdf, person_elements, upload};
use crate::exchange_access::setup;
use crate::harness::{World, publish_item_with, register_person};

/// In the population resource (`setup`), with a current row.
const ON_RECORD: &str = "440802199001011238";
/// Not in it.
const NOT_ON_RECORD: &str = "440811199203040017";
const RESOURCE: &str = "101001/000001";

/// Elements whose only step is automatic: the applicant's row holds a name → concluded;
/// otherwise an officer handles the step.
fn auto_elements(resource: &str) -> Value {
    let mut e = person_elements();
    e["workflow"] = json!({
        "code": "fact-demo", "version": 1, "name": "共享数据秒批",
        "stages": [
            {"kind": "step", "code": "auto", "name": "户籍核验",
             "performer": {"role": "case_officer", "department": "item"},
             "sign": "single", "actions": ["approve"],
             "auto": {"rule": {"all": [
                        {"check": {"code": "small", "field": "area", "op": "le", "value": 100}},
                        {"fact": {"code": "on_record", "resource": resource, "field": "name", "op": "present"}}
                      ]},
                      "on_pass": {"to": "complete"}, "on_fail": {"to": "manual"}}}
        ]
    });
    e
}

fn auto_event(v: &Value) -> Value {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "wf.auto_decided")
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn an_automatic_rule_reads_shared_data_through_the_case_departments_grant() {
    let w = World::new().await;
    // Population rows of the 赤坎 bureau; the city bureau (the item's) holds a grant.
    setup(&w, 1000).await;
    let code = publish_item_with(&w, auto_elements(RESOURCE)).await;
    let clerk = w.sign_in("clerk").await;

    // On record: approved at once, the row's value in the evaluation.
    let citizen = register_person(&w, "张叁", ON_RECORD, PHONE_A).await;
    let no = apply(&w, &citizen, &code, 1).await["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "concluded", "秒批 on shared data");
    let auto = auto_event(&v);
    assert_eq!(auto["data"]["passed"], true);
    let fact = &auto["data"]["evaluation"]["matched"][1];
    assert_eq!(fact["code"], "on_record");
    assert_eq!(fact["resource"], RESOURCE);
    assert_eq!(fact["actual"], "张叁");

    // Not on record: an officer handles it, the reason in both languages in the history.
    let other = register_person(&w, "王五", NOT_ON_RECORD, "13800759002").await;
    let no2 = apply(&w, &other, &code, 2).await["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no2}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "handling");
    assert_eq!(v["steps"][0]["code"], "auto");
    let auto = auto_event(&v);
    assert_eq!(auto["data"]["passed"], false);
    let opinion = auto["opinion"].as_str().unwrap();
    assert!(
        opinion.contains("资源 101001/000001 中没有申请人的记录"),
        "{opinion}"
    );
    assert!(
        opinion.contains("holds no row for the applicant"),
        "{opinion}"
    );

    // Both reads are in the provider's call log against their case numbers, by the city
    // bureau's automatic approval (not the clerk of the service centre).
    let steward = w.sign_in("steward").await;
    let r = w
        .get(
            &steward,
            &format!("/api/v1/exchange/departments/{}/calls", w.chikan_scjg),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let calls = r.json();
    let calls = calls.as_array().unwrap();
    let mine: Vec<(&str, i64)> = calls
        .iter()
        .map(|c| {
            assert_eq!(c["consumer_department_id"], w.city_scjg);
            assert_eq!(c["actor"], "client:0");
            assert!(c["purpose"].as_str().unwrap().contains("智能秒批"));
            (
                c["case_number"].as_str().unwrap(),
                c["row_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(mine, [(no2.as_str(), 0), (no.as_str(), 1)]);
    // The provider's access log names the reader: the automatic approval, not `client:0`.
    let page = w.get(&steward, "/staff/exchange/calls").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("智能秒批（自动审批）"),
        "{}",
        page.text()
    );
}

#[tokio::test]
async fn without_a_grant_the_rule_fails_to_an_officer_saying_why() {
    let w = World::new().await;
    let (_r, grant) = setup(&w, 1000).await;
    let steward = w.sign_in("steward").await;
    let r = w
        .post(
            &steward,
            &format!("/api/v1/exchange/grants/{grant}/revoke"),
            json!({"reason": "用途已结束"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let code = publish_item_with(&w, auto_elements(RESOURCE)).await;
    let citizen = register_person(&w, "张叁", ON_RECORD, PHONE_A).await;
    let no = apply(&w, &citizen, &code, 1).await["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "handling");
    let auto = auto_event(&v);
    assert_eq!(auto["data"]["passed"], false);
    let reason = &auto["data"]["evaluation"]["failed"][0]["reason"];
    assert!(
        reason["zh"]
            .as_str()
            .unwrap()
            .starts_with("无法读取资源 101001/000001 的共享数据："),
        "{reason}"
    );
    assert!(
        reason["en"].as_str().unwrap().contains("could not be read"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_rule_naming_an_unknown_resource_is_refused_when_the_item_is_saved() {
    let w = World::new().await;
    let editor = w.sign_in("editor").await;
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_string();
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": auto_elements("999999/000001") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let f = &r.json()["error"]["fields"][0];
    assert_eq!(f["field"], "workflow");
    assert_eq!(f["rule"], "workflow.unknown_resource");
    assert!(f["zh"].as_str().unwrap().contains("999999/000001"), "{f}");
    // A malformed code is refused by the workflow's own rules, naming where it is.
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": auto_elements("101001") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"]["fields"][0]["field"],
        "workflow.stages[0].auto.rule.all[1].fact.resource"
    );
}

/// Elements whose second material (户口簿) the population library replaces, with the
/// registered address prefilled from the same library.
fn replaceable_elements() -> Value {
    let mut e = person_elements();
    if let Some(form) = e["form"].as_array_mut() {
        form.push(json!({"key": "address", "label": "户籍地址", "kind": "address", "required": false, "prefill": "person_address"}));
    }
    e["materials"] = json!([
        {"name": "食品经营许可申请书", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"},
        {"name": "居民户口簿", "source": "2", "issuer": "公安机关", "originals": 1, "copies": 0, "required": true, "format": "3", "replaced_by": "population"}
    ]);
    e
}

#[tokio::test]
async fn a_material_the_population_library_proves_is_not_asked_for() {
    let w = World::new().await;
    setup(&w, 1000).await;
    let code = publish_item_with(&w, replaceable_elements()).await;

    // On record: the page says the data replaces it; the application needs only M01.
    let citizen = register_person(&w, "张叁", ON_RECORD, PHONE_A).await;
    let page = w.get(&citizen, &format!("/items/{code}/apply")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(
        page.text().contains("已由人口库数据代替"),
        "{}",
        page.text()
    );
    let reads_before = library_reads(&w).await;
    let v = apply(&w, &citizen, &code, 1).await;
    // The prefill and the replacement come from one audited read of the library.
    assert_eq!(library_reads(&w).await, reads_before + 1);
    assert_eq!(v["form"]["address"], "湛江市赤坎区某路1号", "{v}");
    let ms = v["materials"].as_array().unwrap();
    let data: Vec<&Value> = ms.iter().filter(|m| m["source"] == "data").collect();
    assert_eq!(data.len(), 1, "{ms:?}");
    assert_eq!(data[0]["entry"], "M02");
    assert_eq!(data[0]["sha"], "");
    let p = &data[0]["provenance"];
    assert_eq!(p["library"], "population");
    assert_eq!(p["attribute"], "address");
    assert_eq!(p["resource"], RESOURCE);
    assert_eq!(p["field"], "address");
    assert!(p["since"].as_str().unwrap().starts_with("2026-11-"), "{p}");
    assert!(
        !v["materials"].to_string().contains("赤坎区某路"),
        "the value is not kept with the material"
    );
    // The clerk sees it on the case screen, with its source.
    let no = v["case_no"].as_str().unwrap();
    let clerk = w.sign_in("clerk").await;
    let screen = w.get(&clerk, &format!("/staff/cases/{no}")).await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.text());
    assert!(
        screen.text().contains("已由人口库数据代替"),
        "{}",
        screen.text()
    );
    assert!(
        screen
            .text()
            .contains("数据来源：资源 101001&#x2f;000001（人口基本信息）信息项 address"),
        "{}",
        screen.text()
    );

    // Not on record: the material is asked for as before.
    let other = register_person(&w, "王五", NOT_ON_RECORD, "13800759002").await;
    let page = w.get(&other, &format!("/items/{code}/apply")).await;
    assert!(!page.text().contains("已由人口库数据代替"));
    let t = upload(&w, &other, "/api/v1/me/uploads", "申请书.pdf", pdf(5)).await;
    let r = w
        .post(
            &other,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {"shop": "海滨小馆", "area": 20},
                   "materials": [{"entry": "M01", "ticket": t}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "materials.M02");
    assert_eq!(r.json()["error"]["fields"][0]["rule"], "material.required");

    // At a window, for the applicant served: the same rule (the page says when).
    let page = w.get(&clerk, &format!("/staff/window?item={code}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(
        page.text().contains("人口库有申请人记录时免收"),
        "{}",
        page.text()
    );
    let t = upload(&w, &clerk, "/api/v1/window/uploads", "申请书.pdf", pdf(6)).await;
    let body = |id: &str, ticket: &str| {
        json!({
            "item_code": code,
            "applicant": {"kind": "person", "name": "张叁", "cert_no": id, "contact_phone": PHONE_A},
            "form": {"shop": "海滨小馆", "area": 20},
            "materials": [{"entry": "M01", "ticket": ticket}],
        })
    };
    let r = w
        .post(&clerk, "/api/v1/window/cases", body(NOT_ON_RECORD, &t))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .post(&clerk, "/api/v1/window/cases", body(ON_RECORD, &t))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let ms = r.json()["materials"].clone();
    assert_eq!(ms[0]["source"], "data", "{ms}");
    assert_eq!(ms[0]["provenance"]["resource"], RESOURCE);
    assert_eq!(ms[1]["source"], "window");
}

/// How many base-library reads the audit log holds.
async fn library_reads(w: &World) -> usize {
    let auditor = w.sign_in("auditor").await;
    let r = w
        .get(
            &auditor,
            "/api/v1/audit?action=exchange.base.read&limit=1000",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().len()
}
