//! Credit red and black lists (信用红黑名单) and the check at acceptance, through the real
//! router: a credit officer imports the lists (all or nothing, errors by line); a window clerk
//! receives a black-listed enterprise's case, sees the basis at pre-check, is refused at
//! acceptance until acknowledging it, and both checks stay on the case's record; a red-listed
//! enterprise is accepted with a non-key material to follow (容缺受理); a revoked entry no
//! longer flags.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;

use crate::cases::{pdf, upload};
use crate::harness::{Client, PASSWORD, World, good_elements, publish_item_with, uscc};

const BLACK_BASIS: &str = "《企业信息公示暂行条例》第十七条：被列入严重违法失信企业名单";
const RED_BASIS: &str = "《广东省守信联合激励办法》第八条：A级纳税人";

fn elements() -> Value {
    let mut e = good_elements();
    e["form"] = json!([
        {"key": "shop", "label": "店铺名称", "kind": "text", "required": true},
        {"key": "area", "label": "经营面积（平方米）", "kind": "number", "required": true, "min": 1, "max": 100000}
    ]);
    e["materials"].as_array_mut().unwrap().push(json!(
        {"name": "经营场所照片", "source": "1", "originals": 0, "copies": 1, "required": false, "format": "3"}
    ));
    e
}

async fn officer(w: &World) -> Client {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: "xinyong".into(),
                name: "信用管理员".into(),
                department_id: w.city_zsj,
                roles: vec!["credit_officer".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in("xinyong").await
}

async fn import(w: &World, c: &Client, csv: &str) -> crate::harness::Resp {
    w.send(
        c,
        Method::POST,
        "/api/v1/credit/import",
        Some("text/csv"),
        csv.as_bytes().to_vec(),
    )
    .await
}

async fn receive(w: &World, clerk: &Client, code: &str, name: &str, cert: &str) -> String {
    let t = upload(w, clerk, "/api/v1/window/uploads", "申请书.pdf", pdf(7)).await;
    let r = w
        .post(
            clerk,
            "/api/v1/window/cases",
            json!({
                "item_code": code,
                "applicant": {"kind": "org", "name": name, "cert_no": cert,
                    "contact_name": "李经办", "contact_phone": "13812345678", "legal_representative": "王法人"},
                "form": {"shop": "海滨小馆", "area": 20},
                "materials": [{"entry": "M01", "ticket": t}],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["case_no"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_black_listed_enterprise_is_flagged_at_acceptance_with_its_basis_and_the_check_is_on_the_record()
 {
    let w = World::new().await;
    let black = uscc("91440800MA5BLACK");
    let red = uscc("91440800MA5RED");
    let xinyong = officer(&w).await;

    // A file with a bad row writes nothing and names the line.
    let bad = format!(
        "名单类型,主体类型,主体名称,统一社会信用代码或身份证号,认定依据,惩戒或激励措施,便利措施,认定部门,有效期起,有效期止\n\
         黑名单,企业,湛江失信贸易有限公司,{black},{BLACK_BASIS},限制参与政府采购,,湛江市市场监督管理局,2026-01-01,2029-12-31\n\
         灰名单,企业,湛江某公司,{red},依据,措施,,湛江市税务局,2026-01-01,\n"
    );
    let r = import(&w, &xinyong, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["rows"][0]["line"], 3, "{}", r.text());
    assert_eq!(
        r.json()["error"]["rows"][0]["field"],
        "list",
        "{}",
        r.text()
    );
    let r = w.get(&xinyong, "/api/v1/credit/entries").await;
    assert_eq!(r.json()["total"], 0, "{}", r.text());

    // Not a credit officer: refused.
    let clerk = w.sign_in("clerk").await;
    let r = import(&w, &clerk, &bad).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    let good = format!(
        "名单类型,主体类型,主体名称,统一社会信用代码或身份证号,认定依据,惩戒或激励措施,便利措施,认定部门,有效期起,有效期止\n\
         黑名单,企业,湛江失信贸易有限公司,{black},{BLACK_BASIS},限制参与政府采购；从严审核行政许可,,湛江市市场监督管理局,2026-01-01,2029-12-31\n\
         红名单,企业,湛江守信食品有限公司,{red},{RED_BASIS},绿色通道,容缺受理、优先办理,国家税务总局湛江市税务局,2026-01-01,\n"
    );
    let r = import(&w, &xinyong, &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["inserted"], 2, "{}", r.text());
    let r = w
        .get(&xinyong, &format!("/api/v1/credit/entries?q={black}"))
        .await;
    assert_eq!(r.json()["total"], 1, "{}", r.text());
    let black_id = r.json()["items"][0]["id"].as_i64().unwrap();
    assert_eq!(r.json()["items"][0]["list"], "black");
    assert!(
        !r.text().contains(&black),
        "the number is shown masked: {}",
        r.text()
    );

    // The officer's pages: the task on the start page, the lists with the basis.
    let page = w.get(&xinyong, "/admin").await.text();
    assert!(page.contains("id=\"task-credit\""), "{page}");
    let page = w.get(&xinyong, "/credit?list=black").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains(BLACK_BASIS), "{}", page.text());
    assert!(!page.text().contains(RED_BASIS), "{}", page.text());
    assert_eq!(w.get(&clerk, "/credit").await.status, StatusCode::FORBIDDEN);

    // The clerk receives the black-listed enterprise's case and checks it at pre-check.
    let code = publish_item_with(&w, elements()).await;
    let no = receive(&w, &clerk, &code, "湛江失信贸易有限公司", &black).await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/credit-checks"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(s["result"], "black", "{s}");
    assert_eq!(s["needs_acknowledgement"], true, "{s}");
    assert_eq!(s["checks"][0]["stage"], "precheck");
    assert_eq!(s["checks"][0]["entries"][0]["basis"], BLACK_BASIS);
    assert_eq!(
        s["checks"][0]["entries"][0]["measures"],
        "限制参与政府采购；从严审核行政许可"
    );

    // The case page shows the clerk the basis and the measures.
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains("id=\"credit-banner\""), "{page}");
    assert!(page.contains(BLACK_BASIS), "{page}");

    // Acceptance without acknowledging: refused, naming the basis; the check is recorded.
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains(BLACK_BASIS), "{}", r.text());
    let r = w.get(&clerk, &format!("/api/v1/cases/{no}")).await;
    assert_eq!(r.json()["status"], "submitted", "{}", r.text());
    let r = w.get(&clerk, &format!("/api/v1/cases/{no}/credit")).await;
    let s = r.json();
    assert_eq!(s["checks"].as_array().unwrap().len(), 2, "{s}");
    assert_eq!(s["checks"][1]["stage"], "accept");
    assert_eq!(s["checks"][1]["result"], "black");
    assert_eq!(s["checks"][1]["entries"][0]["basis"], BLACK_BASIS);

    // Acknowledged, then accepted: the acceptance's check carries who acknowledged.
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/credit-acknowledgement"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["needs_acknowledgement"], false, "{}", r.text());
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = w
        .get(&clerk, &format!("/api/v1/cases/{no}/credit"))
        .await
        .json();
    let checks = s["checks"].as_array().unwrap();
    assert_eq!(
        checks.len(),
        3,
        "pre-check, refused acceptance, acceptance: {s}"
    );
    let last = &checks[2];
    assert_eq!(last["stage"], "accept", "{s}");
    assert_eq!(last["result"], "black", "{s}");
    assert_eq!(last["entries"][0]["basis"], BLACK_BASIS, "{s}");
    assert!(
        last["acknowledged_by"].as_str().unwrap().contains("clerk"),
        "{s}"
    );

    // The audit log has the checks and the acknowledgement.
    let auditor = w.sign_in("auditor").await;
    let r = w
        .get(&auditor, "/api/v1/audit?action=case.credit_acknowledge")
        .await;
    assert!(r.text().contains(&no), "{}", r.text());

    // A red-listed enterprise with 容缺受理: accepted with the photo to follow.
    let no2 = receive(&w, &clerk, &code, "湛江守信食品有限公司", &red).await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no2}/tolerant-acceptance"),
            json!({"missing": [{"entry": "M01", "reason": "后补"}]}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a key material: {}",
        r.text()
    );
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no2}/tolerant-acceptance"),
            json!({"missing": [{"entry": "M03", "reason": "三个工作日内补交"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "handling", "{}", r.text());
    let s = w
        .get(&clerk, &format!("/api/v1/cases/{no2}/credit"))
        .await
        .json();
    assert_eq!(s["result"], "red", "{s}");
    assert_eq!(s["checks"][0]["supplements_due"][0]["entry"], "M03", "{s}");
    // Not red-listed: no tolerant acceptance.
    let no3 = receive(&w, &clerk, &code, "湛江失信贸易有限公司", &black).await;
    // Opening the case page flags the black list with its basis and records nothing (a GET
    // writes nothing); acknowledging there records the check, acknowledged.
    let page = w.get(&clerk, &format!("/staff/cases/{no3}")).await.text();
    assert!(page.contains(BLACK_BASIS), "{page}");
    assert!(page.contains("id=\"credit-ack-form\""), "{page}");
    let s = w
        .get(&clerk, &format!("/api/v1/cases/{no3}/credit"))
        .await
        .json();
    assert_eq!(s["checks"].as_array().unwrap().len(), 0, "{s}");
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no3}/credit-acknowledgement"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(s["checks"].as_array().unwrap().len(), 1, "{s}");
    assert_eq!(s["checks"][0]["result"], "black", "{s}");
    assert!(s["checks"][0]["acknowledged_by"].is_string(), "{s}");
    assert_eq!(s["needs_acknowledgement"], false, "{s}");
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no3}/tolerant-acceptance"),
            json!({"missing": [{"entry": "M03", "reason": "后补"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // Revoked: the black entry no longer flags.
    let r = w
        .post(
            &xinyong,
            "/api/v1/credit/revocations",
            json!({"id": black_id, "reason": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "reason");
    let r = w
        .post(
            &xinyong,
            "/api/v1/credit/revocations",
            json!({"id": black_id, "reason": "信用修复完成"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "revoked");
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no3}/credit-checks"),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["result"], "none", "{}", r.text());
    let r = w
        .post(&clerk, &format!("/api/v1/cases/{no3}/accept"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// A row of the credit-list resource (fields of `resource_meta`).
fn exchange_row(no: &str, list: &str, name: &str, number: &str, measures: &str) -> Value {
    json!({
        "entry_no": no, "list": list, "subject_kind": "enterprise", "subject_name": name,
        "subject_number": number, "basis": if list == "black" { BLACK_BASIS } else { RED_BASIS },
        "measures": measures, "facilitation": if list == "red" { "容缺受理" } else { "" },
        "authority": "湛江市信用办", "valid_from": "2026-01-01", "valid_to": "",
    })
}

#[tokio::test]
async fn credit_lists_load_through_the_exchange_once_and_follow_its_changes() {
    use yiwang_exchange::base::load_rows;
    let w = World::new().await;
    let xinyong = officer(&w).await;
    let black = uscc("91440800MA5BLACK");
    let red = uscc("91440800MA5RED");
    let ex = &w.state.exchange;
    let res = yiwang_exchange::fixtures::published(
        ex,
        w.city_zsj,
        "208001",
        yiwang_supervision::credit::resource_meta(),
    )
    .await
    .unwrap();
    let code = res.code.0.clone();
    load_rows(
        ex,
        &res,
        &[
            exchange_row(
                "B1",
                "black",
                "湛江失信贸易有限公司",
                &black,
                "限制参与政府采购",
            ),
            exchange_row("R1", "red", "湛江守信食品有限公司", &red, "绿色通道"),
        ],
        w.clock.now(),
    )
    .await
    .unwrap();

    // Unknown resource: 422 naming the field; not a credit officer: 403.
    let r = w
        .post(
            &xinyong,
            "/api/v1/credit/sync",
            json!({"resource": "208001/999999"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"]["fields"][0]["field"],
        "resource",
        "{}",
        r.text()
    );
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(&clerk, "/api/v1/credit/sync", json!({"resource": code}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // The first run writes both, the second nothing.
    let r = w
        .post(&xinyong, "/api/v1/credit/sync", json!({"resource": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(
        (s["rows"].as_i64(), s["inserted"].as_i64()),
        (Some(2), Some(2)),
        "{s}"
    );
    let r = w
        .post(&xinyong, "/api/v1/credit/sync", json!({"resource": code}))
        .await;
    let s = r.json();
    assert_eq!(
        [
            &s["inserted"],
            &s["updated"],
            &s["unchanged"],
            &s["retired"]
        ],
        [&json!(0), &json!(0), &json!(2), &json!(0)],
        "{s}"
    );
    let r = w
        .get(&xinyong, &format!("/api/v1/credit/entries?q={black}"))
        .await;
    assert_eq!(
        r.json()["items"][0]["source"],
        format!("exchange:{code}"),
        "{}",
        r.text()
    );
    assert_eq!(r.json()["items"][0]["basis"], BLACK_BASIS, "{}", r.text());
    let listed = w
        .state
        .supervision
        .credit_listings("enterprise", &black)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // The provider changes the red row's measures and drops the black one: one update, one
    // revocation with the reason; the black-listed enterprise is no longer flagged.
    w.clock.advance(time::Duration::minutes(1));
    load_rows(
        ex,
        &res,
        &[exchange_row(
            "R1",
            "red",
            "湛江守信食品有限公司",
            &red,
            "绿色通道；优先办理",
        )],
        w.clock.now(),
    )
    .await
    .unwrap();
    let mut tx = ex.db().write().await.unwrap();
    assert!(
        yiwang_exchange::repo::rows::close(&mut tx, ex.seal(), res.id, "B1", w.clock.now())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let r = w
        .post(&xinyong, "/api/v1/credit/sync", json!({"resource": code}))
        .await;
    let s = r.json();
    assert_eq!(
        [
            &s["rows"],
            &s["inserted"],
            &s["updated"],
            &s["unchanged"],
            &s["retired"]
        ],
        [&json!(1), &json!(0), &json!(1), &json!(0), &json!(1)],
        "{s}"
    );
    let r = w
        .get(
            &xinyong,
            &format!("/api/v1/credit/entries?q={black}&include_revoked=true"),
        )
        .await;
    assert_eq!(r.json()["items"][0]["status"], "revoked", "{}", r.text());
    assert!(
        r.json()["items"][0]["revoked_reason"]
            .as_str()
            .unwrap()
            .contains(&code),
        "{}",
        r.text()
    );
    assert!(
        w.state
            .supervision
            .credit_listings("enterprise", &black)
            .await
            .unwrap()
            .is_empty()
    );

    // A bad row anywhere: nothing changes, the row is named.
    w.clock.advance(time::Duration::minutes(1));
    load_rows(
        ex,
        &res,
        &[exchange_row("X1", "grey", "湛江某公司", &black, "措施")],
        w.clock.now(),
    )
    .await
    .unwrap();
    let r = w
        .post(&xinyong, "/api/v1/credit/sync", json!({"resource": code}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"]["rows"][0]["field"],
        "list",
        "{}",
        r.text()
    );
    let r = w.get(&xinyong, "/api/v1/credit/entries").await;
    assert_eq!(r.json()["total"], 1, "{}", r.text());

    // The officer's button: the counts come back on the page, the resource is remembered.
    let mut tx = ex.db().write().await.unwrap();
    yiwang_exchange::repo::rows::close(&mut tx, ex.seal(), res.id, "X1", w.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let body = format!(
        "_csrf={}&resource={}",
        xinyong.csrf.clone().unwrap(),
        form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
    );
    let r = w
        .send(
            &xinyong,
            Method::POST,
            "/credit/sync",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.headers["location"].to_str().unwrap().to_string();
    assert!(to.contains("same=1"), "{to}");
    let page = w.get(&xinyong, &to).await.text();
    assert!(page.contains("id=\"credit-synced\""), "{page}");
    let shown = code.replace('/', "&#x2f;");
    assert!(page.contains(&format!("value=\"{shown}\"")), "{page}");
}

#[tokio::test]
async fn key_rotation_rewraps_the_sealed_list_subjects() {
    let w = World::new().await;
    let xinyong = officer(&w).await;
    let black = uscc("91440800MA5BLACK");
    let csv = format!(
        "名单类型,主体类型,主体名称,统一社会信用代码或身份证号,认定依据,惩戒或激励措施,便利措施,认定部门,有效期起,有效期止\n\
         黑名单,企业,湛江失信贸易有限公司,{black},{BLACK_BASIS},限制参与政府采购,,湛江市市场监督管理局,2026-01-01,\n"
    );
    assert_eq!(import(&w, &xinyong, &csv).await.status, StatusCode::OK);
    let sec = w.sign_in("security").await;
    let r = w.post(&sec, "/api/v1/keys/rotate", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let key = r.json()["key_id"].as_str().unwrap().to_string();
    let mut db = w.state.db.clone();
    let (sealed,): (String,) =
        yiwang_store::Conn::fetch_one(&mut db, "SELECT subject_enc FROM credit_entries", &[])
            .await
            .unwrap();
    assert!(sealed.starts_with(&format!("v1.{key}.")), "{sealed}");
    let clear = w
        .state
        .identity
        .keys()
        .open(yiwang_supervision::credit::SUBJECT, &sealed)
        .unwrap();
    assert_eq!(clear.as_str(), black);
    // Still found by its blind index.
    let found = w
        .state
        .supervision
        .credit_listings("enterprise", &black)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}
