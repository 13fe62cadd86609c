//! The staff's bundle pages through the router: a window clerk receives a bundle for the
//! applicant served (questions, the merged form once, one set of materials), a refused
//! reception shows each problem and writes nothing, the application's progress and the list,
//! the case screen naming its bundle, the statistics for the supervisor, and nobody else.

use axum::http::StatusCode;

use crate::bundles::{items, publish};
use crate::case_pages::{location, multipart, post_multipart};
use crate::cases::{ID_A, pdf};
use crate::harness::{World, register_person};

fn reception(shop: &str) -> Vec<u8> {
    multipart(
        &[
            ("a.sells_food", "yes"),
            ("applicant.kind", "person"),
            ("applicant.name", "陈小明"),
            ("applicant.cert_no", ID_A),
            ("applicant.contact_name", "陈小明"),
            ("applicant.contact_phone", "13800759001"),
            ("f.shop_name", shop),
            ("f.address", "赤坎区海滨大道北1号首层"),
        ],
        &[("m.lease", "lease.pdf", pdf(1))],
    )
}

#[tokio::test]
async fn a_window_clerk_receives_a_bundle_once_for_every_part() {
    let w = World::new().await;
    let (a, b) = items(&w).await;
    publish(&w, &a, &b).await;
    let clerk = w.sign_in("clerk").await;
    let html = w.get(&clerk, "/staff/window/bundles").await.text();
    assert!(html.contains("/staff/window/bundles/open-shop"), "{html}");
    let q = w.get(&clerk, "/staff/window/bundles/open-shop").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.text().contains("id=\"window-questions\""));
    let form = w
        .get(&clerk, "/staff/window/bundles/open-shop?a.sells_food=no")
        .await
        .text();
    assert!(form.contains("name=\"f.shop_name\"") && form.contains("name=\"m.lease\""));
    assert!(
        form.contains("name=\"a.sells_food\" value=\"no\""),
        "answers kept"
    );
    let csrf = clerk.csrf.clone().unwrap_or_default();
    let path = format!("/staff/window/bundles/open-shop?_csrf={csrf}");

    // A missing shop name: the problem sits at its input, the file is kept, nothing written.
    let bad = post_multipart(&w, &clerk, &path, reception("")).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let html = bad.text();
    assert!(html.contains("id=\"f-shop_name-error\""), "{html}");
    assert!(
        html.contains("name=\"t.lease\""),
        "the uploaded file is kept"
    );
    let none = w.get(&clerk, "/staff/bundle-cases").await.text();
    assert!(none.contains("id=\"no-bundle-cases\""), "nothing written");

    let ok = post_multipart(&w, &clerk, &path, reception("老王面馆")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let to = location(&ok);
    assert!(
        to.starts_with("/staff/bundle-cases/") && to.ends_with("?done=bundle_received"),
        "{to}"
    );
    let html = w.get(&clerk, &to).await.text();
    assert!(
        html.contains("id=\"part-business\"") && html.contains("id=\"part-food\""),
        "{html}"
    );
    assert!(html.contains("id=\"flash\""));
    let list = w.get(&clerk, "/staff/bundle-cases").await.text();
    assert!(
        list.contains("开店一件事") && list.contains("陈小明"),
        "{list}"
    );
    // The business part's case names its bundle.
    let at = html
        .find("href=\"/staff/cases/")
        .expect("the started part's case");
    let case_href: String = html[at + 6..].chars().take_while(|c| *c != '"').collect();
    let case = w.get(&clerk, &case_href).await.text();
    assert!(
        case.contains("id=\"case-bundle\"") && case.contains("开店一件事"),
        "{case}"
    );

    // The statistics: one application, nothing concluded yet.
    let supervisor = w.sign_in("supervisor").await;
    let stats = w.get(&supervisor, "/staff/bundle-stats").await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    assert!(
        stats.text().contains("id=\"stats-open-shop\""),
        "{}",
        stats.text()
    );
    let bad_date = w
        .get(&supervisor, "/staff/bundle-stats?from=2026-13-01")
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn citizens_and_other_staff_are_refused() {
    let w = World::new().await;
    let (a, b) = items(&w).await;
    publish(&w, &a, &b).await;
    let citizen = register_person(&w, "王五", "440802199001011238", "13800000009").await;
    let officer = w.sign_in("officer").await;
    for c in [&citizen, &officer] {
        for path in ["/staff/window/bundles", "/staff/window/bundles/open-shop"] {
            assert_eq!(w.get(c, path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let r = post_multipart(
            &w,
            c,
            &format!(
                "/staff/window/bundles/open-shop?_csrf={}",
                c.csrf.clone().unwrap_or_default()
            ),
            reception("老王面馆"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        w.get(&citizen, "/staff/bundle-cases").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get(&citizen, "/staff/bundle-stats").await.status,
        StatusCode::FORBIDDEN
    );
}
