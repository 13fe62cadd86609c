//! Cases end to end through the API: online application to delivery and rating, window
//! reception, the one-time notice, supplements during handling, special procedures and
//! deadlines, automatic approval, concurrency, process-data export, and refusals.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use crate::harness::{Client, World, good_elements, publish_item_with, register_person};

pub const ID_A: &str = "440802199001011238";
pub const PHONE_A: &str = "13812345678";
const ID_B: &str = "440811199203040017";

/// A small valid PDF, different for each `n`.
pub fn pdf(n: u32) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj % {n}\ntrailer <<>>\n%%EOF\n").into_bytes()
}

/// Elements with a form (a person's application) and two materials.
pub fn person_elements() -> Value {
    let mut e = good_elements();
    e["form"] = json!([
        {"key": "name", "label": "申请人姓名", "kind": "text", "required": true, "prefill": "applicant_name"},
        {"key": "id_number", "label": "身份证号", "kind": "id_number", "required": true, "prefill": "applicant_id_number"},
        {"key": "phone", "label": "联系电话", "kind": "phone", "required": true, "prefill": "applicant_phone"},
        {"key": "shop", "label": "店铺名称", "kind": "text", "required": true},
        {"key": "area", "label": "经营面积（平方米）", "kind": "number", "required": true, "min": 1, "max": 100000}
    ]);
    e
}

pub async fn upload(w: &World, c: &Client, path: &str, name: &str, bytes: Vec<u8>) -> String {
    let r = w
        .send(
            c,
            Method::POST,
            &format!("{path}?name={}", urlencode(name)),
            Some("application/octet-stream"),
            bytes,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["ticket"].as_str().unwrap().to_string()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Applies online as `c` for `code` (the `n`th file); answers the case JSON.
pub async fn apply(w: &World, c: &Client, code: &str, n: u32) -> Value {
    let t1 = upload(w, c, "/api/v1/me/uploads", "申请书.pdf", pdf(n)).await;
    let r = w
        .post(
            c,
            "/api/v1/me/cases",
            json!({
                "item_code": code,
                "form": {"shop": "海滨小馆", "area": "36.5"},
                "materials": [{"entry": "M01", "ticket": t1}],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

fn rev(v: &Value) -> i64 {
    v["revision"].as_i64().unwrap()
}

fn actions(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_application_goes_from_online_submission_to_delivery_and_rating() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;

    // Upload and apply with an idempotency key; the retry answers the same case.
    let t1 = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(1)).await;
    let body = json!({
        "item_code": code,
        "form": {"shop": "海滨小馆", "area": "36.5"},
        "materials": [{"entry": "M01", "ticket": t1}],
    });
    let first = w
        .send_with(
            &citizen,
            Method::POST,
            "/api/v1/me/cases",
            &[("idempotency-key", "k-1")],
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let case = first.json();
    let no = case["case_no"].as_str().unwrap().to_string();
    assert!(no.ends_with("20261122000001"), "{no}");
    assert!(no.len() <= 50);
    assert_eq!(case["status"], "submitted");
    // Prefilled from the signed-in person, masked in the view only for the numbers shown.
    assert_eq!(case["form"]["name"], "陈小明");
    assert_eq!(case["form"]["area"], 36.5);
    assert_eq!(case["applicant_cert"], "440802********1238");
    let again = w
        .send_with(
            &citizen,
            Method::POST,
            "/api/v1/me/cases",
            &[("idempotency-key", "k-1")],
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["case_no"], no.as_str());
    let mine = w.get(&citizen, "/api/v1/me/cases").await.json();
    assert_eq!(mine["total"], 1);

    // Public progress: by ID number or phone; a wrong pair is simply not found.
    let p = w
        .get(
            &w.anonymous(),
            &format!("/api/v1/progress?case_no={no}&credential={ID_A}"),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    assert_eq!(p.json()["status"], "submitted");
    assert!(!p.text().contains("陈小明") && !p.text().contains(ID_A));
    let p = w
        .get(
            &w.anonymous(),
            &format!("/api/v1/progress?case_no={no}&credential={PHONE_A}"),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let p = w
        .get(
            &w.anonymous(),
            &format!("/api/v1/progress?case_no={no}&credential={ID_B}"),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // The window clerk accepts; the workflow starts (审查 → 决定 from the item's process).
    let clerk = w.sign_in("clerk").await;
    let inbox = w.get(&clerk, "/api/v1/cases?status=submitted").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.text());
    assert_eq!(inbox.json()["total"], 1);
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/accept"),
            json!({"revision": rev(&case)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "handling");
    // Accepted on Sunday 2026-11-22: 6 working days from Monday → Monday 2026-11-30.
    assert_eq!(v["promised_due"], "2026-11-30");
    assert_eq!(v["steps"][0]["name"], "审查");
    assert_eq!(v["steps"][0]["pool_role"], "case_officer");

    // Officers claim and approve each step; "mine" shows what waits for them.
    let officer = w.sign_in("officer").await;
    let officer2 = w.sign_in("officer2").await;
    let waiting = w.get(&officer, "/api/v1/cases?mine=true").await.json();
    assert_eq!(waiting["total"], 1);
    let v = act(&w, &officer, &no, json!({"action": "claim"})).await;
    let v = act(
        &w,
        &officer,
        &no,
        json!({"action": "approve", "opinion": "材料齐全", "revision": rev(&v)}),
    )
    .await;
    assert_eq!(v["steps"][0]["name"], "决定");
    let v = act(&w, &officer2, &no, json!({"action": "claim"})).await;
    let v = act(
        &w,
        &officer2,
        &no,
        json!({"action": "approve", "opinion": "准予许可", "revision": rev(&v)}),
    )
    .await;
    assert_eq!(v["status"], "concluded");
    assert_eq!(v["decision"], "grant");
    assert_eq!(v["result_code"], "6");

    // Delivery by mail needs a tracking number.
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/deliver"),
            json!({"method": "mail"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/deliver"),
            json!({"method": "mail", "reference": "SF1234567890", "revision": rev(&v)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // The applicant sees it delivered, with the timeline.
    let mine = w
        .get(&citizen, &format!("/api/v1/me/cases/{no}"))
        .await
        .json();
    assert_eq!(mine["status"], "delivered");
    let acts = actions(&mine);
    for a in [
        "submitted",
        "accepted",
        "wf.started",
        "wf.claimed",
        "wf.approved",
        "decided",
        "concluded",
        "delivered",
    ] {
        assert!(acts.contains(&a.to_string()), "{a} missing from {acts:?}");
    }

    // A bad rating needs a reason and opens a follow-up for the department, due in 15 working
    // days; the department verifies and replies; the applicant sees the reply.
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/ratings"),
            json!({"service": "conclude", "level": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/ratings"),
            json!({"service": "conclude", "level": 2, "comment": "等待时间太长", "indicators": ["502"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rating = r.json();
    assert_eq!(rating["gb_code"], 4, "GB/T 39046 A.8: 4 不满意");
    assert_eq!(rating["satisfaction"], 2, "interface: 2 不满意");
    assert_eq!(rating["followup"]["status"], "open");
    assert_eq!(rating["followup"]["due_date"], "2026-12-11");
    let list = w.get(&officer, "/api/v1/rating-followups").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let fid = list.json()[0]["followup"]["id"].as_i64().unwrap();
    // Another department's officer cannot touch it.
    let chikan = w.sign_in("chikanofficer").await;
    let r = w
        .post(
            &chikan,
            &format!("/api/v1/rating-followups/{fid}"),
            json!({"step": "verify", "text": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w
        .post(
            &officer,
            &format!("/api/v1/rating-followups/{fid}"),
            json!({"step": "reply", "text": "x"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "reply before verification: {}",
        r.text()
    );
    for (step, text) in [
        ("verify", "电话回访核实属实"),
        ("rectify", "增开窗口"),
        ("reply", "已整改，感谢监督"),
    ] {
        let r = w
            .post(
                &officer,
                &format!("/api/v1/rating-followups/{fid}"),
                json!({"step": step, "text": text}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.text());
    }
    let ratings = w
        .get(&citizen, &format!("/api/v1/me/cases/{no}/ratings"))
        .await
        .json();
    assert_eq!(ratings[0]["followup"]["status"], "closed");
    assert_eq!(ratings[0]["followup"]["reply"], "已整改，感谢监督");
    // One follow-up rating (追评) is allowed, a third is not.
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/ratings"),
            json!({"service": "conclude", "level": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["assess_number"], 2);
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/ratings"),
            json!({"service": "conclude", "level": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The process data of the day, in the national shapes, with the full identifiers.
    let sup = w.sign_in("supervisor").await;
    let r = w
        .get(&sup, "/api/v1/process-data?from=2026-11-22&to=2026-11-22")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let lines: Vec<Value> = r
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tables: Vec<&str> = lines.iter().map(|l| l["table"].as_str().unwrap()).collect();
    assert!(tables.contains(&"up_pro_accept"), "{tables:?}");
    assert!(tables.contains(&"up_pro_process"), "{tables:?}");
    assert!(tables.contains(&"up_pro_result"), "{tables:?}");
    let accept = lines
        .iter()
        .find(|l| l["table"] == "up_pro_accept")
        .unwrap();
    assert_eq!(accept["project_no"], no.as_str());
    assert_eq!(accept["applyer_page_code"], ID_A);
    assert_eq!(accept["promise_date"], "2026-11-30");
    // Every field of up_pro_accept (docs/standards/cases.md §5.2), and the fifth table, up_pro_material.
    for field in [
        "task_handle_item",
        "catalog_code",
        "contact_type",
        "contact_code",
        "legal",
        "address",
        "zip_code",
    ] {
        assert!(accept.get(field).is_some(), "up_pro_accept lacks {field}");
    }
    assert_eq!(accept["catalog_code"], "000117008000");
    assert_eq!(accept["task_handle_item"], accept["task_code"]);
    assert_eq!(accept["contact_type"], "111");
    assert_eq!(accept["contact_code"], ID_A, "the applicant is the contact");
    assert_eq!(
        accept["legal"], "",
        "a natural person has no legal representative"
    );
    let material = lines
        .iter()
        .find(|l| l["table"] == "up_pro_material")
        .unwrap_or_else(|| panic!("no up_pro_material: {tables:?}"));
    assert_eq!(material["project_no"], no.as_str());
    assert_eq!(material["material_attach_name"], "申请书.pdf");
    assert_eq!(material["get_num"], 1);
    assert!(
        material["material_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    let result = lines
        .iter()
        .find(|l| l["table"] == "up_pro_result")
        .unwrap();
    assert_eq!(result["result_type"], "6");
    assert_eq!(result["is_delivery_results"], "1");
    // The export is audited.
    let auditor = w.sign_in("auditor").await;
    let log = w.get(&auditor, "/api/v1/audit?action=case.export").await;
    assert_eq!(log.json().as_array().unwrap().len(), 1, "{}", log.text());
}

pub async fn act(w: &World, c: &Client, no: &str, body: Value) -> Value {
    let r = w
        .post(c, &format!("/api/v1/cases/{no}/actions"), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn a_concurrent_double_approval_yields_exactly_one_decision() {
    let w = World::new().await;
    let mut e = person_elements();
    e["process_steps"] = json!([{"name": "决定", "limit": 1, "description": "作出决定"}]);
    let code = publish_item_with(&w, e).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let officer = w.sign_in("officer").await;
    let v = act(&w, &officer, &no, json!({"action": "claim"})).await;
    let body = json!({"action": "approve", "opinion": "同意", "revision": rev(&v)});
    let path = format!("/api/v1/cases/{no}/actions");
    let (a, b) = tokio::join!(
        w.post(&officer, &path, body.clone()),
        w.post(&officer, &path, body.clone())
    );
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        vec![StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text(),
        b.text()
    );
    let loser = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert_eq!(loser.code(), "conflict");
    let v = w.get(&officer, &format!("/api/v1/cases/{no}")).await.json();
    let acts = actions(&v);
    assert_eq!(
        acts.iter().filter(|a| *a == "decided").count(),
        1,
        "{acts:?}"
    );
    assert_eq!(
        acts.iter().filter(|a| *a == "wf.approved").count(),
        1,
        "{acts:?}"
    );
    // Without a revision the second approval meets a concluded case.
    let r = w.post(&officer, &path, json!({"action": "approve"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
}

#[tokio::test]
async fn the_notice_is_given_once_and_supplements_resume_the_case() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/notice"),
            json!({"items": [{"entry": "M01", "reason": "申请书未签字"}, {"entry": "", "reason": "经营面积与平面图不符"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "supplement");
    // The applicant hands in a new file and a corrected field.
    let t = upload(
        &w,
        &citizen,
        "/api/v1/me/uploads",
        "申请书（签字）.pdf",
        pdf(2),
    )
    .await;
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/supplements"),
            json!({"form": {"area": 40}, "materials": [{"entry": "M01", "ticket": t}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["form"]["area"], 40);
    assert_eq!(v["materials"].as_array().unwrap().len(), 2);
    // 一次性告知: no second notice.
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/notice"),
            json!({"items": [{"reason": "再补"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // During handling an officer asks for supplements: the clock stops until they arrive.
    let officer = w.sign_in("officer").await;
    act(&w, &officer, &no, json!({"action": "claim"})).await;
    let v = act(
        &w,
        &officer,
        &no,
        json!({"action": "request_supplement", "items": ["补充平面图"]}),
    )
    .await;
    assert_eq!(v["status"], "paused");
    assert_eq!(v["promised_due"], "2026-11-30");
    // Three days later (Wed 11-25) the applicant hands in the drawing: Mon–Wed did not count.
    w.clock.advance(Duration::days(3));
    let citizen = crate::harness::person_sign_in(&w, ID_A).await;
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "平面图.pdf", pdf(3)).await;
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/supplements"),
            json!({"materials": [{"entry": "M01", "ticket": t}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "handling");
    // The stop ran Mon 11-23 … Wed 11-25 (from the day after it started, 11-22): 3 working days.
    assert_eq!(v["promised_due"], "2026-12-03");
    assert_eq!(
        v["steps"][0]["name"], "审查",
        "the case resumes where it stood"
    );
}

#[tokio::test]
async fn special_procedures_extend_or_stop_the_clock_and_the_sweep_raises_warnings() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    w.post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    let officer = w.sign_in("officer").await;
    // A hearing (type 2) stops the clock.
    let r = w
        .post(
            &officer,
            &format!("/api/v1/cases/{no}/special-procedures"),
            json!({"special_type": "2", "name": "听证", "reason": "利害关系人申请听证", "days": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "special");
    // Workflow actions wait while it runs.
    let r = w
        .post(
            &officer,
            &format!("/api/v1/cases/{no}/actions"),
            json!({"action": "claim"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    w.clock.advance(Duration::days(7)); // Sunday 11-29
    let officer = w.sign_in("officer").await;
    let r = w
        .post(
            &officer,
            &format!("/api/v1/cases/{no}/special-procedures/end"),
            json!({"result": "听证会已举行，意见已记录"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "handling");
    // Mon 11-23 … Fri 11-27 did not count: 11-30 + 5 working days.
    assert_eq!(v["promised_due"], "2026-12-07");
    // An extension (type 1) adds its working days.
    let r = w
        .post(
            &officer,
            &format!("/api/v1/cases/{no}/special-procedures"),
            json!({"special_type": "1", "reason": "情况复杂，经负责人批准延长", "days": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "handling");
    assert_eq!(v["promised_due"], "2026-12-21");

    // Time passes: the sweep turns the case yellow, then red; the supervisor sees it.
    w.clock.advance(Duration::days(21)); // 2026-12-20
    let sup = w.sign_in("supervisor").await;
    let r = w.post(&sup, "/api/v1/supervision/sweep", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["yellow"], 1);
    w.clock.advance(Duration::days(2)); // 2026-12-22
    let sup = w.sign_in("supervisor").await;
    let r = w.post(&sup, "/api/v1/supervision/sweep", json!({})).await;
    assert_eq!(r.json()["red"], 1, "{}", r.text());
    let r = w.get(&sup, "/api/v1/supervision/warnings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rows = r.json();
    assert_eq!(rows[0]["red"], 1);
    assert_eq!(rows[0]["department_id"], w.city_scjg);
    assert_eq!(rows[0]["cases"][0]["case_no"], no.as_str());
    let officer = w.sign_in("officer").await;
    let inbox = w.get(&officer, "/api/v1/cases?warning=red").await.json();
    assert_eq!(inbox["total"], 1);
    // The supervisor may urge; the officer may not use the supervisors' route.
    let r = w
        .post(&sup, &format!("/api/v1/cases/{no}/urge"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(&officer, &format!("/api/v1/cases/{no}/urge"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The special procedures are in the process data.
    let r = w
        .get(&sup, "/api/v1/process-data?from=2026-11-22&to=2026-12-31")
        .await;
    let specials = r
        .text()
        .lines()
        .filter(|l| l.contains("up_pro_special_procedure"))
        .count();
    assert_eq!(specials, 2, "{}", r.text());
}

#[tokio::test]
async fn an_automatic_step_approves_at_once_or_hands_over_with_its_reasons() {
    let w = World::new().await;
    let mut e = person_elements();
    e["workflow"] = json!({
        "code": "auto-demo", "version": 1, "name": "智能秒批",
        "stages": [
            {"kind": "step", "code": "auto", "name": "智能审查",
             "performer": {"role": "case_officer", "department": "item"},
             "sign": "single", "actions": ["approve"],
             "auto": {"rule": {"check": {"code": "small", "field": "area", "op": "le", "value": 100}},
                      "on_pass": {"to": "complete"}, "on_fail": {"to": "manual"}}}
        ]
    });
    let code = publish_item_with(&w, e).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let clerk = w.sign_in("clerk").await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "concluded", "approved instantly (秒批)");
    let auto = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "wf.auto_decided")
        .unwrap();
    assert_eq!(auto["data"]["passed"], true);
    assert_eq!(auto["data"]["evaluation"]["matched"][0]["code"], "small");

    // A larger shop goes to an officer, with the failed check recorded.
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(9)).await;
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {"shop": "大酒楼", "area": 800}, "materials": [{"entry": "M01", "ticket": t}]}),
        )
        .await;
    let no2 = r.json()["case_no"].as_str().unwrap().to_string();
    let v = w
        .post(&clerk, &format!("/api/v1/cases/{no2}/accept"), json!({}))
        .await
        .json();
    assert_eq!(v["status"], "handling");
    assert_eq!(v["steps"][0]["code"], "auto");
}

#[tokio::test]
async fn window_reception_ownership_and_withdrawal() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let other = register_person(&w, "黄丽", ID_B, "13800759002").await;
    let clerk = w.sign_in("clerk").await;
    let t = upload(&w, &clerk, "/api/v1/window/uploads", "申请书.pdf", pdf(1)).await;
    // A citizen's ticket cannot be used by the clerk, nor the clerk's by a citizen.
    let ct = upload(&w, &citizen, "/api/v1/me/uploads", "x.pdf", pdf(2)).await;
    let body = |ticket: &str| {
        json!({
            "item_code": code,
            "applicant": {"kind": "person", "name": "陈小明", "cert_no": ID_A, "contact_phone": PHONE_A},
            "form": {"shop": "海滨小馆", "area": 20},
            "materials": [{"entry": "M01", "ticket": ticket}],
        })
    };
    let r = w.post(&clerk, "/api/v1/window/cases", body(&ct)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w.post(&clerk, "/api/v1/window/cases", body(&t)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let no = v["case_no"].as_str().unwrap().to_string();
    assert_eq!(v["channel"], "1");
    assert_eq!(
        v["form"]["name"], "陈小明",
        "prefilled from the applicant entered"
    );
    // The registered applicant sees it; another person and another department do not.
    assert_eq!(w.get(&citizen, "/api/v1/me/cases").await.json()["total"], 1);
    let r = w.get(&other, &format!("/api/v1/me/cases/{no}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let chikan = w.sign_in("chikanofficer").await;
    let r = w.get(&chikan, &format!("/api/v1/cases/{no}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .post(
            &other,
            &format!("/api/v1/me/cases/{no}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Staff may read the files (audited); the applicant withdraws.
    let sha = v["materials"][0]["sha"].as_str().unwrap();
    let officer = w.sign_in("officer").await;
    let f = w
        .get(&officer, &format!("/api/v1/cases/{no}/materials/{sha}"))
        .await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, pdf(1));
    let r = w
        .post(
            &citizen,
            &format!("/api/v1/me/cases/{no}/withdraw"),
            json!({"reason": "不再需要"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "withdrawn");
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bad_applications_are_refused_naming_the_field_and_write_nothing() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    // Not a PDF/JPEG/PNG/OFD: refused at upload, by content.
    let r = w
        .send(
            &citizen,
            Method::POST,
            "/api/v1/me/uploads?name=a.pdf",
            Some("application/octet-stream"),
            b"MZ\x90\x00 not a pdf".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text());
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {"shop": "", "area": -3, "extra": 1}, "materials": [{"entry": "M09", "ticket": "x.y"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "form.shop",
        "form.area",
        "form.extra",
        "materials[0].entry",
        "materials.M01",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert!(
        r.json()["error"]["fields"][0]["zh"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{3000}')
    );
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": "NOPE", "form": {}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(w.get(&citizen, "/api/v1/me/cases").await.json()["total"], 0);
    // Staff cannot apply as a person; anonymous callers must sign in.
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, "/api/v1/me/cases", json!({"item_code": code}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post(
            &w.anonymous(),
            "/api/v1/me/cases",
            json!({"item_code": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A bad idempotency key is named.
    let r = w
        .send_with(
            &citizen,
            Method::POST,
            "/api/v1/me/cases",
            &[("idempotency-key", "有")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

#[tokio::test]
async fn key_rotation_rewraps_the_sealed_case_columns() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let sec = w.sign_in("security").await;
    let r = w.post(&sec, "/api/v1/keys/rotate", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let key = r.json()["key_id"].as_str().unwrap().to_string();
    let mut db = w.state.db.clone();
    let (cert, phone, form): (String, String, String) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT applicant_cert_enc, contact_phone_enc, form_enc FROM cases",
        &[],
    )
    .await
    .unwrap();
    for v in [&cert, &phone, &form] {
        assert!(v.starts_with(&format!("v1.{key}.")), "{v}");
    }
    // Still readable, still found by the progress query.
    let v = w
        .get(&citizen, &format!("/api/v1/me/cases/{no}"))
        .await
        .json();
    assert_eq!(v["form"]["shop"], "海滨小馆");
    let p = w
        .get(
            &w.anonymous(),
            &format!("/api/v1/progress?case_no={no}&credential={ID_A}"),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
}

#[tokio::test]
async fn a_granted_case_yields_a_sealed_licence_for_its_holder() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let w = World::new().await;
    w.state
        .licences
        .define_type(
            &yiwang_kernel::auth::Ctx::system("test"),
            &yiwang_licences::LicenceType {
                code: "11100000MB0143235W001".into(),
                name: "食品经营许可证".into(),
                definer_name: "国家市场监督管理总局".into(),
                holder_type: "person".into(),
                face_schema: json!([
                    {"key": "shop", "label": "店铺名称", "kind": "text", "required": true},
                    {"key": "area", "label": "经营面积", "kind": "number", "required": true}
                ])
                .to_string(),
                validity_years: 5,
            },
        )
        .await
        .unwrap();
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    w.post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    let officer = w.sign_in("officer").await;
    let mut v = Value::Null;
    for _ in 0..2 {
        act(&w, &officer, &no, json!({"action": "claim"})).await;
        v = act(
            &w,
            &officer,
            &no,
            json!({"action": "approve", "opinion": "同意"}),
        )
        .await;
    }
    assert_eq!(v["status"], "concluded");
    assert_eq!(v["result_code"], "0", "出证办结");
    let issued = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "licence_issued")
        .unwrap();
    let identifier = issued["data"]["identifier"].as_str().unwrap();
    let check = w.state.licences.verify(identifier).await.unwrap();
    assert_eq!(check.verdict, "valid");
    assert_eq!(check.issuer_name, "湛江市市场监督管理局");

    // It is in the holder's wallet, and they were told.
    let wallet = w.get(&citizen, "/api/v1/me/licences").await.json();
    assert_eq!(wallet[0]["identifier"], identifier, "{wallet}");
    assert_eq!(
        wallet[0]["face"]["shop"], "海滨小馆",
        "face fields from the case"
    );
    let notices = w.get(&citizen, "/api/v1/me/licences/notices").await.json();
    assert_eq!(notices["items"][0]["kind"], "issued", "{notices}");

    // Another item accepts that licence for its second material: the citizen applies with no
    // upload for it, the clerk sees the licence, and the holder sees both uses.
    let mut other = person_elements();
    other["materials"][1]["name"] = json!("食品经营许可证");
    other["materials"][1]["licence_type"] = json!("11100000MB0143235W001");
    w.state
        .catalog
        .create_basic(
            &yiwang_kernel::auth::Ctx::system("test"),
            &yiwang_catalog::model::BasicItemInput {
                code: "000117010000".into(),
                name: "食品经营许可证变更".into(),
                item_type: "01".into(),
                legal_basis: "《食品经营许可和备案管理办法》".into(),
                statutory_limit: Some(10),
                statutory_unit: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let code2 = crate::harness::publish_basic_item_with(&w, "000117010000", other).await;
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(7)).await;
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code2, "form": {"shop": "海滨小馆", "area": 20},
                   "materials": [{"entry": "M01", "ticket": t}, {"entry": "M02", "licence": identifier}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let second = r.json();
    let no2 = second["case_no"].as_str().unwrap().to_string();
    let m = second["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["entry"] == "M02")
        .unwrap();
    assert_eq!(m["source"], "licence", "{second}");
    let r = w
        .get(
            &clerk,
            &format!("/api/v1/cases/{no2}/licences/{identifier}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["face"]["shop"], "海滨小馆");
    let uses = w.get(&citizen, "/api/v1/me/licences/uses").await.json();
    let seen: Vec<(&str, &str)> = uses
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["action"].as_str().unwrap(),
                u["case_no"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![("viewed", no2.as_str()), ("authorised", no2.as_str())],
        "{uses}"
    );
}

/// 居民身份证 as a licence type (its code is the one `good_elements` names on M02).
pub fn id_card_type() -> yiwang_licences::LicenceType {
    yiwang_licences::LicenceType {
        code: "11100000000013127D001".into(),
        name: "居民身份证".into(),
        definer_name: "公安部".into(),
        holder_type: "person".into(),
        face_schema:
            json!([{"key": "address", "label": "住址", "kind": "address", "required": true}])
                .to_string(),
        validity_years: 20,
    }
}

/// Defines 居民身份证 (again: defining is idempotent) and issues one to this person from the
/// city market regulator; answers its identifier.
pub async fn issue_id_card(w: &World, name: &str, id: &str) -> String {
    let sys = yiwang_kernel::auth::Ctx::system("test");
    w.state
        .licences
        .define_type(&sys, &id_card_type())
        .await
        .unwrap();
    w.state
        .licences
        .issue(&sys, &id_card_for(name, id, w.city_scjg))
        .await
        .unwrap()
        .identifier
}

pub fn id_card_for(name: &str, id: &str, dept: i64) -> yiwang_licences::IssueInput {
    yiwang_licences::IssueInput {
        type_code: "11100000000013127D001".into(),
        holder_name: name.into(),
        holder_code: id.into(),
        face: json!({"address": "广东省湛江市赤坎区海滨大道北8号"}),
        issuer_department_id: dept,
        ..Default::default()
    }
}

#[tokio::test]
async fn an_electronic_licence_replaces_a_material_and_its_holder_sees_every_use() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let w = World::new().await;
    let mine = issue_id_card(&w, "陈小明", ID_A).await;
    let theirs = issue_id_card(&w, "黄丽", ID_B).await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let wallet = w.get(&citizen, "/api/v1/me/licences").await.json();
    assert_eq!(wallet.as_array().unwrap().len(), 1, "{wallet}");
    assert_eq!(wallet[0]["identifier"], mine.as_str());
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "申请书.pdf", pdf(1)).await;
    let body = |licence: &str| {
        json!({"item_code": code, "form": {"shop": "海滨小馆", "area": 20},
               "materials": [{"entry": "M01", "ticket": t}, {"entry": "M02", "licence": licence}]})
    };
    // Someone else's licence, or one for an entry that takes none, is refused; nothing is written.
    let r = w.post(&citizen, "/api/v1/me/cases", body(&theirs)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"]["fields"][0]["field"],
        "materials[1].licence"
    );
    assert_eq!(w.get(&citizen, "/api/v1/me/cases").await.json()["total"], 0);
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {"shop": "x", "area": 1}, "materials": [{"entry": "M01", "licence": mine}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Mine is accepted instead of an upload.
    let r = w.post(&citizen, "/api/v1/me/cases", body(&mine)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let no = v["case_no"].as_str().unwrap().to_string();
    let m = v["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source"] == "licence")
        .unwrap();
    assert_eq!(m["sha"], mine.as_str());
    assert_eq!(m["file_name"], "居民身份证");
    // The clerk sees the licence; another department cannot.
    let clerk = w.sign_in("clerk").await;
    let r = w
        .get(&clerk, &format!("/api/v1/cases/{no}/licences/{mine}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["holder_name"], "陈小明");
    let chikan = w.sign_in("chikanofficer").await;
    let r = w
        .get(&chikan, &format!("/api/v1/cases/{no}/licences/{mine}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "outside its reach");
    // The holder sees the authorisation and the view.
    let uses = w.get(&citizen, "/api/v1/me/licences/uses").await.json();
    let actions: Vec<&str> = uses
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["viewed", "authorised"], "{uses}");
    assert_eq!(uses[0]["case_no"], no.as_str());
    // After the grant expires, no more views.
    w.clock
        .advance(Duration::days(yiwang_licences::GRANT_DAYS + 1));
    let clerk = w.sign_in("clerk").await;
    let r = w
        .get(&clerk, &format!("/api/v1/cases/{no}/licences/{mine}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
}

#[tokio::test]
async fn the_verify_page_and_the_wallet_page() {
    let w = World::new().await;
    let sys = yiwang_kernel::auth::Ctx::system("test");
    let id = issue_id_card(&w, "陈小明", ID_A).await;
    let r = w.get(&w.anonymous(), &format!("/verify?id={id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("有效"), "{}", r.text());
    assert!(r.text().contains("湛江市市场监督管理局"));
    assert!(!r.text().contains(ID_A));
    // Revocation shows at once; a changed stored field shows as tampered.
    let officer_ctx = sys.clone();
    w.state
        .licences
        .set_status(&officer_ctx, &id, "revoked", "遗失补办")
        .await
        .unwrap();
    assert!(
        w.get(&w.anonymous(), &format!("/verify?id={id}"))
            .await
            .text()
            .contains("已注销")
    );
    let mut db = w.state.db.clone();
    yiwang_store::Conn::execute(
        &mut db,
        "UPDATE licences SET number = 'X' WHERE identifier = $1",
        yiwang_store::args![id.as_str()],
    )
    .await
    .unwrap();
    assert!(
        w.get(&w.anonymous(), &format!("/verify?id={id}"))
            .await
            .text()
            .contains("篡改")
    );
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let r = w.get(&citizen, "/my/licences").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("居民身份证"), "{}", r.text());
    let r = w.get(&w.anonymous(), "/my/licences").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_transition_refused_for_another_department_is_answered_at_once_and_audited() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    w.post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    // 赤坎's officer handles cases, but not the city's: the case is not found for them, and the
    // transition's transaction ends before the refusal is audited (on SQLite the audit could
    // not start while it was open).
    let chikan = w.sign_in("chikanofficer").await;
    let started = std::time::Instant::now();
    let r = w
        .post(
            &chikan,
            &format!("/api/v1/cases/{no}/special-procedures"),
            json!({"special_type": "2", "name": "听证", "reason": "越权尝试", "days": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let mut db = w.state.db.clone();
    let (n,): (i64,) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied' AND object = $1",
        yiwang_store::args![format!("case:{no}")],
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let v = w
        .get(&citizen, &format!("/api/v1/me/cases/{no}"))
        .await
        .json();
    assert_eq!(v["status"], "handling", "nothing changed");
}
