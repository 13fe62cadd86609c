//! The staff pages of electronic licences: issue by hand (face fields as a form, problems next
//! to their inputs), the register within reach, suspend / revoke with a reason (the holder is
//! told), licence types and seal keys for the licence administrator.

use axum::http::StatusCode;
use serde_json::json;

use crate::case_pages::{location, post_form};
use crate::cases::{ID_A, PHONE_A, id_card_type};
use crate::harness::{World, register_person};

#[tokio::test]
async fn issuing_staff_issue_list_and_revoke_licences_on_pages() {
    let w = World::new().await;
    let sys = yiwang_kernel::auth::Ctx::system("test");
    w.state
        .licences
        .define_type(&sys, &id_card_type())
        .await
        .unwrap();
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let officer = w.sign_in("licenceofficer").await;
    let page = w
        .get(&officer, "/staff/licences/new?type=11100000000013127D001")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("name=\"f.address\""), "{html}");
    assert!(html.contains("湛江市市场监督管理局"));
    assert!(html.contains("id=\"nav-licences\""));

    // Problems are named next to their inputs, in both languages; nothing is issued.
    let good = [
        ("type", "11100000000013127D001"),
        ("department", &w.city_scjg.to_string()),
        ("holder_name", "陈小明"),
        ("holder_code", ID_A),
        ("f.address", "广东省湛江市赤坎区海滨大道北8号"),
    ];
    let mut bad = good.to_vec();
    bad[3] = ("holder_code", "440802199001011239");
    bad[4] = ("f.address", "");
    let r = post_form(&w, &officer, "/staff/licences/new", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"holder_code-error\""), "{html}");
    assert!(html.contains("id=\"f-address-error\""), "{html}");
    assert!(html.contains("value=\"陈小明\""), "what was typed is kept");
    let none = w.get(&officer, "/api/v1/licences").await.json();
    assert_eq!(none["total"], 0);

    let r = post_form(&w, &officer, "/staff/licences/new", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = location(&r);
    assert!(to.contains("done=licence_issued"), "{to}");
    let list = w.get(&officer, "/api/v1/licences").await.json();
    assert_eq!(list["total"], 1, "{list}");
    let id = list["items"][0]["identifier"].as_str().unwrap().to_string();
    assert_eq!(w.state.licences.verify(&id).await.unwrap().verdict, "valid");
    // The register finds it by the holder's ID number (through its blind index).
    let html = w
        .get(&officer, &format!("/staff/licences?q={ID_A}"))
        .await
        .text();
    assert!(html.contains(&id), "{html}");
    let table = html.split("id=\"licences\"").nth(1).unwrap();
    assert!(
        !table.contains(ID_A.get(6..14).unwrap()),
        "the ID number is masked"
    );
    // Another department's issuing staff do not see it, and cannot change it.
    let chikan = w.sign_in("chikanlicence").await;
    let html = w
        .get(&chikan, &format!("/staff/licences?q={ID_A}"))
        .await
        .text();
    assert!(!html.contains(&id));
    let r = post_form(
        &w,
        &chikan,
        "/staff/licences/status",
        &[("identifier", &id), ("status", "revoked"), ("reason", "x")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // Revoke with a reason: the verify page says so at once, and the holder is told.
    let r = post_form(
        &w,
        &officer,
        "/staff/licences/status",
        &[
            ("identifier", &id),
            ("status", "revoked"),
            ("reason", "证件信息有误"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        w.get(&w.anonymous(), &format!("/verify?id={id}"))
            .await
            .text()
            .contains("已注销")
    );
    let n = w.get(&citizen, "/api/v1/me/licences/notices").await.json();
    assert!(
        n["items"][0]["text_zh"]
            .as_str()
            .unwrap()
            .contains("原因：证件信息有误"),
        "{n}"
    );
    // A citizen has no business here.
    let r = w.get(&citizen, "/staff/licences").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_licence_administrator_defines_types_and_rotates_seals_on_pages() {
    let w = World::new().await;
    let admin = w.sign_in("licenceadmin").await;
    let html = w.get(&admin, "/staff/licence-types").await.text();
    assert!(html.contains("id=\"type-form\""), "{html}");
    let r = post_form(
        &w,
        &admin,
        "/staff/licence-types",
        &[
            ("code", "11100000000013127D00"),
            ("name", "结婚证"),
            ("holder_type", "person"),
            ("validity_years", "0"),
            ("face_schema", "not json"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("id=\"code-error\""), "{html}");
    assert!(html.contains("id=\"face_schema-error\""), "{html}");
    let schema = json!([{"key": "spouse", "label": "配偶姓名", "kind": "text", "required": true}])
        .to_string();
    let r = post_form(
        &w,
        &admin,
        "/staff/licence-types",
        &[
            ("code", "11100000000013338W010"),
            ("name", "结婚证"),
            ("definer_name", "民政部"),
            ("holder_type", "person"),
            ("validity_years", "0"),
            ("face_schema", &schema),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&admin, "/staff/licence-types").await.text();
    assert!(
        html.contains("结婚证") && html.contains("配偶姓名"),
        "{html}"
    );
    // Seal keys: a department's first licence makes one; rotation retires it.
    let sys = yiwang_kernel::auth::Ctx::system("test");
    w.state
        .licences
        .define_type(&sys, &id_card_type())
        .await
        .unwrap();
    w.state
        .licences
        .issue(
            &sys,
            &crate::cases::id_card_for("陈小明", ID_A, w.city_scjg),
        )
        .await
        .unwrap();
    let r = post_form(
        &w,
        &admin,
        "/staff/licence-types/rotate",
        &[("department", &w.city_scjg.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let keys = w.get(&w.anonymous(), "/api/v1/licences/keys").await.json();
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys.iter().filter(|k| k["retired_at"].is_null()).count(), 1);
    // Issuing staff may not define types.
    let officer = w.sign_in("licenceofficer").await;
    let r = post_form(
        &w,
        &officer,
        "/staff/licence-types",
        &[
            ("code", "11100000000013338W011"),
            ("name", "x"),
            ("holder_type", "person"),
            ("face_schema", "[]"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
