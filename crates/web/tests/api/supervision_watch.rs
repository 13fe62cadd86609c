//! Electronic supervision (电子监察) through the API: a case with ten materials approved 20 s
//! after acceptance raises a `fast_approval` warning (once, however often the scan runs) that a
//! supervision officer takes, directs and concludes with an outcome; rules are checked when
//! changed; a reader out of reach sees nothing.

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::Duration;
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;

use crate::cases::{pdf, upload};
use crate::harness::{Client, PASSWORD, World, good_elements, publish_item_with, register_person};

/// An item with ten materials whose only workflow step is the decision (决定).
fn ten_materials() -> Value {
    let mut e = good_elements();
    e["process_steps"] = json!([
        {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
        {"name": "决定", "limit": 5, "description": "审查并作出决定"}
    ]);
    e["materials"] = Value::Array(
        (1..=10)
            .map(|i| {
                json!({"name": format!("申请材料{i}"), "source": "1", "originals": 1, "copies": 0,
                       "required": i == 1, "format": "3"})
            })
            .collect(),
    );
    e
}

async fn staff(w: &World, username: &str, dept: i64, role: &str) -> Client {
    staff_named(w, username, &format!("测试{username}"), dept, role).await
}

async fn staff_named(w: &World, username: &str, name: &str, dept: i64, role: &str) -> Client {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: name.into(),
                department_id: dept,
                roles: vec![role.into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in(username).await
}

async fn act(w: &World, c: &Client, id: i64, body: Value) -> Value {
    let r = w
        .post(
            c,
            &format!("/api/v1/supervision/watch/warnings/{id}/actions"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn a_fast_approval_raises_a_warning_handled_to_an_outcome() {
    let w = World::new().await;
    let code = publish_item_with(&w, ten_materials()).await;
    let citizen = register_person(&w, "陈小明", crate::cases::ID_A, crate::cases::PHONE_A).await;
    let mut materials = Vec::new();
    for i in 1..=10u32 {
        let t = upload(
            &w,
            &citizen,
            "/api/v1/me/uploads",
            &format!("材料{i}.pdf"),
            pdf(100 + i),
        )
        .await;
        materials.push(json!({"entry": format!("M{i:02}"), "ticket": t}));
    }
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {}, "materials": materials}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let case = r.json();
    let no = case["case_no"].as_str().unwrap().to_string();

    // Accepted, then approved 20 seconds later by one officer.
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/accept"),
            json!({"revision": case["revision"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "handling");
    w.clock.advance(Duration::seconds(20));
    let officer = w.sign_in("officer").await;
    let v = crate::cases::act(&w, &officer, &no, json!({"action": "claim"})).await;
    let v = crate::cases::act(
        &w,
        &officer,
        &no,
        json!({"action": "approve", "opinion": "准予许可", "revision": v["revision"]}),
    )
    .await;
    assert_eq!(v["status"], "concluded", "{v}");

    // The supervision officer scans (the server also does it in the background).
    let jiancha = staff(&w, "jiancha", w.city_zsj, "supervision_officer").await;
    let r = w
        .post(&jiancha, "/api/v1/supervision/watch/scan", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["raised"].as_i64().unwrap() >= 1, "{}", r.text());
    let list = w
        .get(
            &jiancha,
            "/api/v1/supervision/watch/warnings?rule=fast_approval",
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let page = list.json();
    assert_eq!(page["total"], 1, "{page}");
    let warning = &page["items"][0];
    assert_eq!(warning["case_no"], no.as_str());
    assert_eq!(warning["colour"], "red");
    assert_eq!(warning["level"], 2);
    assert_eq!(warning["status"], "open");
    assert_eq!(warning["department_id"], w.city_scjg);
    let desc = warning["description"].as_str().unwrap();
    assert!(desc.contains("20秒") && desc.contains("10份材料"), "{desc}");
    assert!(
        warning["warning_no"]
            .as_str()
            .unwrap()
            .starts_with("JC2026112")
    );
    let id = warning["id"].as_i64().unwrap();

    // A second scan raises nothing again.
    let r = w
        .post(&jiancha, "/api/v1/supervision/watch/scan", json!({}))
        .await;
    assert_eq!(r.json()["raised"], 0, "{}", r.text());
    let again = w
        .get(
            &jiancha,
            "/api/v1/supervision/watch/warnings?rule=fast_approval",
        )
        .await;
    assert_eq!(again.json()["total"], 1);

    // The open warning is on the start page of those who watch it, linked to the list: the
    // supervision officer of the division and the head of the department concerned, not the
    // head of another department.
    let start = w.get(&jiancha, "/admin").await.text();
    assert!(start.contains("id=\"watch-open\""), "{start}");
    assert!(
        start.contains("href=\"/supervision/warnings?status=unconcluded&amp;colour=red\" id=\"watch-open-red\"><b>1</b>"),
        "{start}"
    );
    let own_head = staff(&w, "cityhead", w.city_scjg, "department_head").await;
    let start = w.get(&own_head, "/admin").await.text();
    assert!(start.contains("id=\"watch-open-red\"><b>1</b>"), "{start}");
    let other_head = staff(&w, "otherhead", w.chikan_scjg, "department_head").await;
    let start = w.get(&other_head, "/admin").await.text();
    assert!(start.contains("id=\"watch-open-all\"><b>0</b>"), "{start}");
    assert!(
        !w.get(&clerk, "/admin")
            .await
            .text()
            .contains("id=\"watch-open\"")
    );

    // Concluding before taking is refused; an outcome is required, naming the field.
    let r = w
        .post(
            &jiancha,
            &format!("/api/v1/supervision/watch/warnings/{id}/actions"),
            json!({"action": "conclude", "outcome": "rectified", "text": "已整改"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let v = act(&w, &jiancha, id, json!({"action": "take"})).await;
    assert_eq!(v["status"], "handling");
    assert_eq!(v["handler_name"], "测试jiancha");
    let v = act(
        &w,
        &jiancha,
        id,
        json!({"action": "directive", "text": "请市市场监管局说明审批情况并核查材料", "revision": v["revision"]}),
    )
    .await;
    assert!(v["directive_at"].is_string());
    let r = w
        .post(
            &jiancha,
            &format!("/api/v1/supervision/watch/warnings/{id}/actions"),
            json!({"action": "conclude", "text": "已核查"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "outcome");
    let v = act(
        &w,
        &jiancha,
        id,
        json!({"action": "conclude", "outcome": "rectified", "text": "经核查材料审查不充分，已责令整改并重新审查", "revision": v["revision"]}),
    )
    .await;
    assert_eq!(v["status"], "concluded");
    assert_eq!(v["outcome"], "rectified");
    assert_eq!(v["outcome_zh"], "属实已整改");
    let kinds: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["take", "directive", "conclude"]);

    // The bulletin's counts of the month, computed by the domain: one raised, one handled.
    let month = yiwang_supervision::kpi::Month::of(w.clock.today());
    let counts = w
        .state
        .supervision
        .period_counts(&Ctx::system("test"), None, month)
        .await
        .unwrap();
    let fast = counts
        .rules
        .iter()
        .find(|r| r.code == "fast_approval")
        .unwrap();
    assert_eq!((fast.raised, fast.handled), (1, 1), "{counts:?}");
    assert!(
        counts
            .rules
            .iter()
            .any(|r| r.code == "relative" && r.raised == 0)
    );
    let last = month.previous();
    let before = w
        .state
        .supervision
        .period_counts(&Ctx::system("test"), None, last)
        .await
        .unwrap();
    assert!(before.rules.iter().all(|r| r.raised == 0 && r.handled == 0));
    let r = w
        .get(
            &jiancha,
            &format!("/supervision/bulletin.pdf?month={}", String::from(month)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        String::from_utf8_lossy(&r.body)
            .contains(&yiwang_licences::pdf::utf16_hex("产生预警 1 件，办结 1 件")),
        "the bulletin prints the counts"
    );

    // Audited; a department's reader of another department sees nothing; citizens are refused.
    let auditor = w.sign_in("auditor").await;
    let log = w.get(&auditor, "/api/v1/audit?action=watch.conclude").await;
    assert_eq!(log.json().as_array().unwrap().len(), 1, "{}", log.text());
    let head = staff(&w, "chikanhead", w.chikan_scjg, "department_head").await;
    let r = w.get(&head, "/api/v1/supervision/watch/warnings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["total"], 0);
    let r = w
        .get(&head, &format!("/api/v1/supervision/watch/warnings/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w.get(&citizen, "/api/v1/supervision/watch/warnings").await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
        "{}",
        r.status
    );
}

#[tokio::test]
async fn rules_are_checked_when_changed_and_only_by_their_administrator() {
    let w = World::new().await;
    let jiancha = staff(&w, "jiancha", w.city_zsj, "supervision_officer").await;
    let admin = staff(&w, "kpiadmin", w.city_zsj, "supervision_admin").await;
    let rules = w.get(&jiancha, "/api/v1/supervision/watch/rules").await;
    assert_eq!(rules.status, StatusCode::OK, "{}", rules.text());
    let codes: Vec<String> = rules
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    for c in [
        "fast_approval",
        "off_hours",
        "overdue",
        "relative",
        "repeated_returns",
    ] {
        assert!(codes.contains(&c.to_string()), "{codes:?}");
    }
    let body = json!({"name_zh": "审批用时过短", "name_en": "Too fast", "kind": "fast_approval",
                      "params": {"seconds_per_material": 45}, "severity": "red", "active": true});
    let r = w
        .put(
            &jiancha,
            "/api/v1/supervision/watch/rules/fast_approval",
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .put(
            &admin,
            "/api/v1/supervision/watch/rules/fast_approval",
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["params"],
        json!({"seconds_per_material": 45, "min_seconds": 60})
    );
    let r = w
        .put(
            &admin,
            "/api/v1/supervision/watch/rules/off_hours",
            json!({"name_zh": "非工作时间审批", "kind": "off_hours", "params": {"start": "18:00", "end": "08:00"},
                   "severity": "purple", "active": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let body = r.json();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"severity") && fields.contains(&"params.end"),
        "{fields:?}"
    );
}

/// For the route matrix: a fast-approval warning of department A — a second case of A's
/// enterprise administrator, accepted and approved at once by an officer of A — and its id.
pub async fn matrix_warning(
    w: &World,
    dept_a: i64,
    admin_p1: &Client,
    item_code: &str,
    id_card: &str,
) -> i64 {
    let officer = staff(w, "watch_officer_a", dept_a, "case_officer").await;
    let ticket = upload(w, admin_p1, "/api/v1/me/uploads", "申请书.pdf", pdf(77)).await;
    let r = w
        .post(
            admin_p1,
            "/api/v1/me/cases",
            json!({"item_code": item_code, "materials": [{"entry": "M01", "ticket": ticket}, {"entry": "M02", "licence": id_card}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let no = r.json()["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut status = r.json()["status"].as_str().unwrap().to_string();
    while status == "handling" {
        let v = crate::cases::act(w, &officer, &no, json!({"action": "claim"})).await;
        let v = crate::cases::act(
            w,
            &officer,
            &no,
            json!({"action": "approve", "opinion": "同意", "revision": v["revision"]}),
        )
        .await;
        status = v["status"].as_str().unwrap().to_string();
    }
    let sys = Ctx::system("matrix");
    w.state.supervision.scan(&sys).await.unwrap();
    let page = w
        .state
        .supervision
        .warnings(
            &sys,
            &yiwang_supervision::watch::WarningFilter {
                department_id: Some(dept_a),
                rule: Some("fast_approval".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    page.items[0].id
}

/// An approver sharing the applicant's surname and declared home address (回避) raises a
/// `relative` warning; the declaration is made on the member of staff's own page and never
/// shown; the same decision by someone else raises none.
#[tokio::test]
async fn an_approver_related_to_the_applicant_is_flagged() {
    let w = World::new().await;
    let mut e = ten_materials();
    e["materials"] = json!([{"name": "申请书", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}]);
    e["form"] = json!([
        {"key": "name", "label": "申请人姓名", "kind": "text", "required": true, "prefill": "applicant_name"},
        {"key": "home", "label": "住址", "kind": "address", "required": true}
    ]);
    let code = publish_item_with(&w, e).await;
    let officer = staff_named(&w, "ouyang", "欧阳锋", w.city_scjg, "case_officer").await;
    let id = w
        .state
        .identity
        .active_staff_by_username("ouyang")
        .await
        .unwrap()
        .unwrap()
        .id;
    w.state
        .identity
        .set_staff_home_address(&Ctx::system("test"), id, "湛江市 赤坎区南方路１号")
        .await
        .unwrap();
    let page = w.get(&officer, "/staff/declaration").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("declared-state") && !html.contains("南方路"),
        "{html}"
    );

    let related = apply_at(
        &w,
        &code,
        "欧阳娜",
        "440802199001011238",
        "13812345678",
        "湛江市赤坎区南方路1号",
        1,
    )
    .await;
    let stranger = apply_at(
        &w,
        &code,
        "欧阳明",
        "440811199203040017",
        "13812345679",
        "湛江市霞山区人民大道1号",
        2,
    )
    .await;
    let clerk = w.sign_in("clerk").await;
    for no in [&related, &stranger] {
        let r = w
            .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = crate::cases::act(&w, &officer, no, json!({"action": "claim"})).await;
        crate::cases::act(
            &w,
            &officer,
            no,
            json!({"action": "approve", "opinion": "同意", "revision": v["revision"]}),
        )
        .await;
    }
    let jiancha = staff(&w, "jiancha", w.city_zsj, "supervision_officer").await;
    let r = w
        .post(&jiancha, "/api/v1/supervision/watch/scan", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = w
        .get(&jiancha, "/api/v1/supervision/watch/warnings?rule=relative")
        .await
        .json();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["case_no"], related.as_str());
    assert_eq!(page["items"][0]["subject"], "staff:ouyang");
    assert!(!page.to_string().contains("南方路"));
    // The warnings page lists it, the warning's page offers taking it.
    let html = w
        .get(&jiancha, "/supervision/warnings?rule=relative")
        .await
        .text();
    assert!(html.contains(&related), "{html}");
    let wid = page["items"][0]["id"].as_i64().unwrap();
    let html = w
        .get(&jiancha, &format!("/supervision/warnings/{wid}"))
        .await
        .text();
    assert!(html.contains("take-form"), "{html}");
}

/// A new person applies for `code` giving `address` in the form; answers the case number.
async fn apply_at(
    w: &World,
    code: &str,
    name: &str,
    id_no: &str,
    phone: &str,
    address: &str,
    n: u32,
) -> String {
    let citizen = register_person(w, name, id_no, phone).await;
    let t = upload(
        w,
        &citizen,
        "/api/v1/me/uploads",
        "申请书.pdf",
        pdf(200 + n),
    )
    .await;
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {"home": address}, "materials": [{"entry": "M01", "ticket": t}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["case_no"].as_str().unwrap().to_string()
}

/// The efficiency supervisor's overdue cases fold in as rule `overdue`: a case past its limit
/// after the deadline sweep is a red warning, raised once; the old page links to them.
#[tokio::test]
async fn an_overdue_case_is_a_red_warning_once() {
    let w = World::new().await;
    let code = publish_item_with(&w, ten_materials()).await;
    let citizen = register_person(&w, "陈小明", crate::cases::ID_A, crate::cases::PHONE_A).await;
    let t = upload(&w, &citizen, "/api/v1/me/uploads", "材料1.pdf", pdf(300)).await;
    let r = w
        .post(
            &citizen,
            "/api/v1/me/cases",
            json!({"item_code": code, "form": {}, "materials": [{"entry": "M01", "ticket": t}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let no = r.json()["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    w.clock.advance(Duration::days(40));
    let supervisor = w.sign_in("supervisor").await;
    let r = w
        .post(&supervisor, "/api/v1/supervision/sweep", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The efficiency supervisor holds supervision.handle too: they scan and read.
    for _ in 0..2 {
        let r = w
            .post(&supervisor, "/api/v1/supervision/watch/scan", json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let page = w
        .get(
            &supervisor,
            "/api/v1/supervision/watch/warnings?rule=overdue&colour=red",
        )
        .await
        .json();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["case_no"], no.as_str());
    assert_eq!(page["items"][0]["subject"], "red");
    let html = w.get(&supervisor, "/staff/supervision").await.text();
    assert!(
        html.contains("/supervision/warnings?rule=overdue"),
        "{html}"
    );
}
