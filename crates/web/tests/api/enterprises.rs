//! Enterprise accounts are bound to a verified person (issue 11, finding 1): a citizen cannot
//! register someone else's enterprise and read its licences. The registrant must be the legal
//! representative on record (the business licences Yiwang holds), or a window clerk confirms
//! the binding after seeing the business licence; until then the account acts for nothing.

use axum::http::StatusCode;
use serde_json::json;
use yiwang_kernel::auth::Ctx;
use yiwang_licences::{IssueInput, LicenceType};

use crate::harness::{Client, World, register_person, uscc};
use crate::identity::{rules_of, verify_at_window};

const ID_ZHANG: &str = "440802199001011238";
const ID_WANG: &str = "440811199203040017";
const BUSINESS: &str = "11100000MB1A8C3H6H001";
const FOOD: &str = "11100000MB1A8C3H6H002";

fn org_type(code: &str, name: &str, face: serde_json::Value) -> LicenceType {
    LicenceType {
        code: code.into(),
        name: name.into(),
        definer_name: "国家市场监督管理总局".into(),
        holder_type: "org".into(),
        face_schema: face.to_string(),
        validity_years: 5,
    }
}

/// The market regulator's business licence naming `rep`, and a food licence, held by `usc`.
async fn licences_on_record(w: &World, usc: &str, name: &str, rep: &str) -> String {
    let sys = Ctx::system("test");
    let l = &w.state.licences;
    l.define_type(
        &sys,
        &org_type(
            BUSINESS,
            "营业执照",
            json!([{"key": "legal_representative", "label": "法定代表人", "kind": "text", "required": true}]),
        ),
    )
    .await
    .unwrap();
    l.define_type(
        &sys,
        &org_type(
            FOOD,
            "食品经营许可证",
            json!([{"key": "premises", "label": "经营场所", "kind": "text", "required": true}]),
        ),
    )
    .await
    .unwrap();
    let issue = |code: &str, face: serde_json::Value| IssueInput {
        type_code: code.into(),
        holder_name: name.into(),
        holder_code: usc.into(),
        face,
        issuer_department_id: w.city_scjg,
        ..Default::default()
    };
    l.issue(&sys, &issue(BUSINESS, json!({"legal_representative": rep})))
        .await
        .unwrap();
    l.issue(
        &sys,
        &issue(FOOD, json!({"premises": "湛江市赤坎区海滨大道北8号"})),
    )
    .await
    .unwrap()
    .identifier
}

async fn register_org(w: &World, c: &Client, usc: &str, rep: &str) -> crate::harness::Resp {
    w.post(
        c,
        "/api/v1/organisations",
        json!({ "uscc": usc, "name": "湛江市赤坎区海滨餐饮有限公司", "legal_representative": rep }),
    )
    .await
}

async fn act_for(w: &World, c: &Client, org: i64) -> crate::harness::Resp {
    w.post(c, "/api/v1/me/acting-as", json!({ "org_id": org }))
        .await
}

async fn wallet(w: &World, c: &Client) -> String {
    w.get(c, "/api/v1/me/licences").await.text()
}

#[tokio::test]
async fn nobody_but_the_legal_representative_on_record_registers_an_enterprise() {
    let w = World::new().await;
    let usc = uscc("91440802MA4W8K2L");
    let food = licences_on_record(&w, &usc, "湛江市赤坎区海滨餐饮有限公司", "张一").await;
    let zhang = register_person(&w, "张一", ID_ZHANG, "13800000001").await;
    let wang = register_person(&w, "王三", ID_WANG, "13800000003").await;

    // Someone else's name as legal representative: refused, nothing registered.
    let r = register_org(&w, &wang, &usc, "张一").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        rules_of(&r),
        vec![(
            "legal_representative".into(),
            "org.registrant_not_representative".into()
        )]
    );
    // Their own name, but the register names someone else: refused, and audited.
    let r = register_org(&w, &wang, &usc, "王三").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        rules_of(&r),
        vec![(
            "legal_representative".into(),
            "org.not_representative".into()
        )]
    );
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=org.register")
        .await
        .json();
    assert_eq!(log[0]["outcome"], "failure", "{log}");
    assert!(!wallet(&w, &wang).await.contains(&food));

    // The legal representative on record is verified at once and sees the enterprise's licences.
    let r = register_org(&w, &zhang, &usc, "张一").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["verified_via"], "register");
    let org = r.json()["id"].as_i64().unwrap();
    assert_eq!(act_for(&w, &zhang, org).await.status, StatusCode::OK);
    assert!(wallet(&w, &zhang).await.contains(&food));
    // Registered once: a second registration is refused.
    let r = register_org(&w, &wang, &usc, "王三").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_unverified_registration_acts_for_nothing_and_gives_way() {
    let w = World::new().await;
    let usc = uscc("91440802MA4W8K2L");
    let zhang = register_person(&w, "张一", ID_ZHANG, "13800000001").await;
    let wang = register_person(&w, "王三", ID_WANG, "13800000003").await;

    // No register entry yet: a squatter's registration is accepted, but only as pending.
    let r = register_org(&w, &wang, &usc, "王三").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["verified_via"], "");
    let org = r.json()["id"].as_i64().unwrap();
    let me = w.get(&wang, "/api/v1/me").await.json();
    assert_eq!(me["organisations"][0]["verified"], false, "{me}");
    // Registering the same enterprise again: 409, and the answer is in the document (found by
    // the generated-request run, docs/fuzzing.md).
    let r = register_org(&w, &wang, &usc, "王三").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.code(), "invalid_state");
    let r = act_for(&w, &wang, org).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.code(), "auth.not_acting_for");
    let r = w
        .post(
            &wang,
            &format!("/api/v1/organisations/{org}/agents"),
            json!({ "name": "张一", "id_number": ID_ZHANG, "scopes": ["licences"], "until": "2027-06-30" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // A second unverified claim is refused; the real legal representative is told to go to a
    // window.
    let r = register_org(&w, &zhang, &usc, "张一").await;
    assert_eq!(
        rules_of(&r),
        vec![("uscc".into(), "uscc.pending".into())],
        "{}",
        r.text()
    );

    // The licences are collected: the squatter still sees none, and the legal representative on
    // record takes the enterprise over.
    let food = licences_on_record(&w, &usc, "湛江市赤坎区海滨餐饮有限公司", "张一").await;
    assert!(!wallet(&w, &wang).await.contains(&food));
    let r = register_org(&w, &zhang, &usc, "张一").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["id"].as_i64(), Some(org));
    assert_eq!(act_for(&w, &zhang, org).await.status, StatusCode::OK);
    assert!(wallet(&w, &zhang).await.contains(&food));
    let me = w.get(&wang, "/api/v1/me").await.json();
    assert_eq!(me["organisations"], json!([]), "{me}");
}

#[tokio::test]
async fn a_window_clerk_confirms_the_binding_with_the_business_licence() {
    let w = World::new().await;
    let usc = uscc("91440802MA4W8K2L");
    let zhang = register_person(&w, "张一", ID_ZHANG, "13800000001").await;
    let wang = register_person(&w, "王三", ID_WANG, "13800000003").await;
    let r = register_org(&w, &wang, &usc, "王三").await;
    let org = r.json()["id"].as_i64().unwrap();
    // Only window staff confirm; a citizen cannot.
    let r = w
        .post(
            &wang,
            "/api/v1/organisations/verify",
            json!({ "uscc": usc, "name": "甲", "legal_representative": "王三", "id_number": ID_WANG }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // The clerk checks the name against the registered person.
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            "/api/v1/organisations/verify",
            json!({ "uscc": usc, "name": "甲", "legal_representative": "李四", "id_number": ID_ZHANG }),
        )
        .await;
    assert_eq!(
        rules_of(&r),
        vec![(
            "id_number".into(),
            "org.representative_not_registered".into()
        )]
    );
    // The business licence names 张一: the enterprise is bound to them, verified.
    verify_at_window(&w, &usc, "湛江市赤坎区海滨餐饮有限公司", "张一", ID_ZHANG).await;
    assert_eq!(act_for(&w, &zhang, org).await.status, StatusCode::OK);
    assert_eq!(act_for(&w, &wang, org).await.code(), "auth.not_acting_for");
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=org.verify")
        .await
        .json();
    assert_eq!(log[0]["outcome"], "success", "{log}");
}

/// Bindings made before verification existed are demoted: a row without `verified_at` (as the
/// migration leaves every earlier one) acts for nothing.
#[tokio::test]
async fn bindings_from_before_verification_act_for_nothing() {
    let w = World::new().await;
    let usc = uscc("91440802MA4W8K2L");
    let wang = register_person(&w, "王三", ID_WANG, "13800000003").await;
    let me = w.get(&wang, "/api/v1/me").await.json();
    let person = me["id"].as_i64().unwrap();
    let mut db = w.state.db.clone();
    use yiwang_store::{Conn, args};
    let now = w.state.clock.now();
    db.execute(
        "INSERT INTO organisations (uscc, name, legal_representative, admin_person_id, created_at, updated_at) VALUES ($1, '旧企业', '王三', $2, $3, $3)",
        args![usc.as_str(), person, now],
    )
    .await
    .unwrap();
    let me = w.get(&wang, "/api/v1/me").await.json();
    let org = me["organisations"][0]["org_id"].as_i64().unwrap();
    assert_eq!(me["organisations"][0]["verified"], false);
    assert_eq!(act_for(&w, &wang, org).await.code(), "auth.not_acting_for");
}

/// The window clerk's page does the same: a refused binding shows the field, a good one binds.
#[tokio::test]
async fn the_window_page_binds_an_enterprise_to_its_legal_representative() {
    let w = World::new().await;
    let usc = uscc("91440802MA4W8K2L");
    let zhang = register_person(&w, "张一", ID_ZHANG, "13800000001").await;
    let r = register_org(&w, &zhang, &usc, "张一").await;
    let org = r.json()["id"].as_i64().unwrap();
    // A citizen is not let in.
    assert_eq!(
        w.get(&zhang, "/staff/enterprises/verify").await.status,
        StatusCode::FORBIDDEN
    );
    let clerk = w.sign_in("clerk").await;
    let page = w.get(&clerk, "/staff/enterprises/verify").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"orgverify-form\""));
    let post = |rep: &'static str| {
        let w = &w;
        let clerk = &clerk;
        let usc = usc.clone();
        async move {
            let body = format!(
                "uscc={usc}&name=%E7%94%B2&legal_representative={}&id_number={ID_ZHANG}",
                form_urlencoded::byte_serialize(rep.as_bytes()).collect::<String>()
            );
            w.send(
                clerk,
                axum::http::Method::POST,
                "/staff/enterprises/verify",
                Some("application/x-www-form-urlencoded"),
                body.into_bytes(),
            )
            .await
        }
    };
    let r = post("李四").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("id=\"id_number-error\""));
    assert_eq!(act_for(&w, &zhang, org).await.code(), "auth.not_acting_for");
    let r = post("张一").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(act_for(&w, &zhang, org).await.status, StatusCode::OK);
}
