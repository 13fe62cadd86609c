//! Place inputs and plain-language errors on the application form, through the real router:
//! a division typed by name is stored as its code and shown by name; a problem is named by its
//! field's label in a summary that links to the field, once, in the page's language only.

use axum::http::StatusCode;
use serde_json::json;

use crate::case_pages::{case_no_of, location, multipart, post_multipart};
use crate::cases::{ID_A, PHONE_A, pdf, person_elements};
use crate::harness::{Client, World, publish_item_with, register_person};

/// An item whose form asks where the applicant moves to and who moves (a table).
fn moving_elements() -> serde_json::Value {
    let mut e = person_elements();
    if let Some(form) = e["form"].as_array_mut() {
        form.push(json!({"key": "to", "label": "迁入地", "label_en": "Moving to", "kind": "division", "required": true}));
        form.push(json!({"key": "movers", "label": "迁移人员", "label_en": "People moving", "kind": "table", "columns": [
            {"key": "name", "label": "姓名", "label_en": "Name", "kind": "text", "required": true},
            {"key": "id_number", "label": "公民身份号码", "label_en": "ID number", "kind": "id_number", "required": true}
        ]}));
    }
    e
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[tokio::test]
async fn a_division_is_typed_by_name_stored_as_its_code_and_shown_by_name() {
    let w = World::new().await;
    let code = publish_item_with(&w, moving_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let page = w.get(&citizen, &format!("/items/{code}/apply")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(!html.contains("行政区划代码"), "no codes asked for");
    assert!(
        html.contains("<option value=\"湛江市霞山区\">"),
        "the picker offers names"
    );
    assert!(
        html.contains("data-division"),
        "the field is marked for the cascading picker"
    );

    let path = format!(
        "/items/{code}/apply?_csrf={}",
        citizen.csrf.clone().unwrap()
    );
    let r = post_multipart(
        &w,
        &citizen,
        &path,
        multipart(
            &[
                ("f.shop", "海滨小馆"),
                ("f.area", "36.5"),
                ("f.to", "湛江市 霞山区"),
                ("f.movers.0.name", "陈小明"),
                ("f.movers.0.id_number", ID_A),
            ],
            &[("m.M01", "申请书.pdf", pdf(7))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = location(&r);
    let no = case_no_of(&loc);
    let api = w.get(&citizen, &format!("/api/v1/me/cases/{no}")).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text());
    assert_eq!(api.json()["form"]["to"], "440803", "stored as the code");
    let mine = w.get(&citizen, &loc).await.text();
    assert!(mine.contains("湛江市霞山区"), "shown by name");
    assert!(!mine.contains("440803"), "never as the code");

    // An ambiguous name is refused naming the candidates, next to the field.
    let r = post_multipart(
        &w,
        &citizen,
        &path,
        multipart(
            &[("f.shop", "海滨小馆"), ("f.area", "36.5"), ("f.to", "城区")],
            &[("m.M01", "申请书.pdf", pdf(8))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("<a href=\"#f-to\">“迁入地”：“城区”不止一处"),
        "{html}"
    );
}

#[tokio::test]
async fn a_problem_is_named_by_its_label_in_a_linked_summary_once_in_one_language() {
    let w = World::new().await;
    let code = publish_item_with(&w, moving_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let path = format!(
        "/items/{code}/apply?_csrf={}",
        citizen.csrf.clone().unwrap()
    );
    let wrong = |extra: &[(&'static str, &'static str)]| {
        let mut fields = vec![
            ("f.shop", ""),
            ("f.area", "36.5"),
            ("f.to", "霞山区"),
            ("f.movers.0.name", "陈小明"),
            ("f.movers.0.id_number", "440802199001011230"),
        ];
        fields.extend_from_slice(extra);
        multipart(
            &fields,
            &[("m.M01", "申请书.pdf", b"MZ not a pdf".to_vec())],
        )
    };
    let r = post_multipart(&w, &citizen, &path, wrong(&[])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    let summary = &html[html.find("id=\"error-summary\"").expect("a summary")..];
    let summary = &summary[..summary.find("</div>").unwrap()];
    for s in [
        "<a href=\"#f-shop\">“店铺名称”为必填项",
        "<a href=\"#f-movers-0-id_number\">“迁移人员”第1行的“公民身份号码”",
        "<a href=\"#m-M01\">",
    ] {
        assert_eq!(count(summary, s), 1, "{s} once in {summary}");
    }
    // The upload problem: once in the summary, once next to its input.
    assert_eq!(count(summary, "href=\"#m-M01\""), 1);
    assert_eq!(count(&html, "id=\"m-M01-error\""), 1);
    assert_eq!(
        count(&html, "Windows"),
        2,
        "the reason once in the summary, once at the input"
    );
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"f-shop-error\""));
    for internal in ["form.", "f.movers", "materials[", "<code>"] {
        assert!(!summary.contains(internal), "{internal} in {summary}");
    }
    assert!(
        !html.contains("is required") && !html.contains("check digit"),
        "no English"
    );

    // In English: English labels and messages, no Chinese copy.
    let en = Client {
        cookie: Some(format!(
            "{}; yiwang_lang=en",
            citizen.cookie.clone().unwrap()
        )),
        csrf: citizen.csrf.clone(),
    };
    let r = post_multipart(&w, &en, &path, wrong(&[])).await;
    let html = r.text();
    let summary = &html[html.find("id=\"error-summary\"").unwrap()..];
    let summary = &summary[..summary.find("</div>").unwrap()];
    assert!(
        summary.contains("<a href=\"#f-movers-0-id_number\">&quot;People moving&quot; row 1, &quot;ID number&quot;: "),
        "{summary}"
    );
    assert!(
        !summary.contains("必填") && !summary.contains("公民身份号码"),
        "{summary}"
    );
}
