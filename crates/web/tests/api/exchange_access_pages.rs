//! The data API's pages: the case screen's 共享数据核验 panel looks the applicant up through the
//! department's grant, recorded against the case number; the provider's access log and the
//! citizen's 用数记录 show that read.

use axum::http::StatusCode;

use crate::case_pages::{location, post_form};
use crate::cases::{ID_A, PHONE_A, apply, person_elements};
use crate::exchange_access::setup;
use crate::harness::{World, publish_item_with, register_person};

#[tokio::test]
async fn an_officer_checks_the_applicant_and_the_provider_and_the_citizen_see_it() {
    let w = World::new().await;
    setup(&w, 1000).await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "张叁", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();

    // Nothing read yet.
    let page = w.get(&citizen, "/my/data-uses").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"data-uses-none\""));
    assert!(page.text().contains("id=\"nav-data-uses\""));

    // The officer's case screen offers the department's granted resources.
    let officer = w.sign_in("officer").await;
    let page = w.get(&officer, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains("id=\"verify-data\""), "{page}");
    assert!(page.contains("id=\"verify-resource\"") && page.contains("人口基本信息（"));
    // A case clerk without exchange.consume gets no panel.
    let clerk = w.sign_in("clerk").await;
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(!page.contains("id=\"verify-data\""));

    let r = post_form(
        &w,
        &officer,
        &format!("/staff/case-data/{no}"),
        &[("resource", "101001/000001")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    assert!(page.contains("id=\"verify-result\""), "{page}");
    assert!(page.contains("张叁"));
    assert!(!page.contains("赤坎区某路"), "address is not granted");
    assert!(page.contains("id=\"verify-reads\""));
    // An unknown resource: the case page again with the problem.
    let r = post_form(
        &w,
        &officer,
        &format!("/staff/case-data/{no}"),
        &[("resource", "101001/000009")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

    // The provider's data steward sees the read with the case number.
    let steward = w.sign_in("steward").await;
    let page = w.get(&steward, "/staff/exchange/calls").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("id=\"exchange-calls\"") && html.contains(&no),
        "{html}"
    );
    assert!(html.contains("办件审查核验申请人信息"));
    assert!(html.contains("id=\"nav-exchange-calls\""));

    // The citizen sees the department, the case and the items — not the officer.
    let page = w.get(&citizen, "/my/data-uses").await.text();
    assert!(
        page.contains("id=\"data-uses\"") && page.contains(&no),
        "{page}"
    );
    assert!(page.contains("人口基本信息") && page.contains("公民身份号码、姓名"));
    assert!(!page.contains("测试officer"));
    let dept = w.state.org.department(w.city_scjg).await.unwrap().name;
    assert!(page.contains(&dept));
}

#[tokio::test]
async fn the_pages_are_for_their_people() {
    let w = World::new().await;
    let r = w.get(&w.anonymous(), "/my/data-uses").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/signin?next="));
    let officer = w.sign_in("officer").await;
    assert_eq!(
        w.get(&officer, "/my/data-uses").await.status,
        StatusCode::FORBIDDEN
    );
    // The access log: the department's data steward only.
    assert_eq!(
        w.get(&officer, "/staff/exchange/calls").await.status,
        StatusCode::FORBIDDEN
    );
    let citizen = register_person(&w, "张叁", ID_A, PHONE_A).await;
    assert_eq!(
        w.get(&citizen, "/staff/exchange/calls").await.status,
        StatusCode::FORBIDDEN
    );
    let r = w.get(&w.anonymous(), "/staff/exchange/calls").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.get(&officer, "/staff/exchange/calls?before=abc")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
