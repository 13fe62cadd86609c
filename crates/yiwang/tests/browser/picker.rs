//! Issue 12 §2–3 in the browser: a citizen applies for 户口迁移 choosing 湛江市霞山区 from the
//! cascading picker; a deliberately wrong field is named by its label in a linked summary at
//! the top, once, in Chinese only; corrected, the case shows the place by name.

use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, Locator};
use yiwang_kernel::clock::SystemClock;

use crate::support::*;

/// Chooses `value` in the select `id` once the picker has loaded it.
async fn choose(c: &Client, id: &str, value: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!("#{id} option[value=\"{value}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{id} offers no {value}: {e}"));
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_picks_a_place_and_a_wrong_field_is_named_once_in_chinese() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (db, addr, _state) = platform().await;
    let base = format!("http://{addr}");

    // The demo's 户口迁移 and the materials it requires.
    let catalog = yiwang_catalog::CatalogService::new(db.db.clone(), Arc::new(SystemClock));
    let found = catalog
        .search(&yiwang_catalog::search::SearchParams {
            q: Some("户口迁移".into()),
            size: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = found
        .items
        .iter()
        .find(|i| i.code.ends_with("000105002001"))
        .expect("the demo's 户口迁移")
        .code
        .clone();
    let item = catalog
        .item(&yiwang_kernel::auth::Ctx::anonymous(), &code)
        .await
        .unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut pdfs = Vec::new();
    for m in item
        .published
        .unwrap()
        .elements
        .materials
        .iter()
        .filter(|m| m.required && m.condition.trim().is_empty() && m.licence_type.trim().is_empty())
    {
        let path = files.path().join(format!("材料{}.pdf", m.key));
        std::fs::write(
            &path,
            "%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <<>>\n%%EOF\n",
        )
        .unwrap();
        pdfs.push((m.key.clone(), path));
    }

    let c = browser(&driver).await;
    sign_in_person(&c, &base, "440802198805120013", false).await;
    c.goto(&format!("{base}/items/{code}/apply")).await.unwrap();
    assert!(text_of(&c, "#apply-title").await.contains("户口迁移"));
    let page = c.source().await.unwrap();
    assert!(!page.contains("行政区划代码"), "no codes asked for");

    // 迁入地 from the picker: 广东省 → 湛江市 → 霞山区; 迁出地 typed by name.
    choose(&c, "f-to_division-level0", "440000").await;
    choose(&c, "f-to_division-level1", "440800").await;
    choose(&c, "f-to_division-level2", "440803").await;
    assert_eq!(value_of(&c, "f-to_division").await, "广东省湛江市霞山区");
    fill(&c, "f-from_division", "赤坎区").await;
    fill(&c, "f-to_address", "霞山区人民大道南50号").await;
    c.find(Locator::Id("f-basis"))
        .await
        .unwrap()
        .select_by_value("housing")
        .await
        .unwrap();
    fill(&c, "f-reason", "购房迁入").await;
    // A family member's ID number with a wrong check digit.
    fill(&c, "f-movers-0-name", "陈小红").await;
    fill(&c, "f-movers-0-id_number", "440803199203180020").await;
    c.find(Locator::Id("f-movers-0-relation"))
        .await
        .unwrap()
        .select_by_value("child")
        .await
        .unwrap();
    for (key, path) in &pdfs {
        c.find(Locator::Id(&format!("m-{key}")))
            .await
            .unwrap()
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
    }
    click(&c, "apply-submit").await;

    // The summary names the field by its label, links to it, once, in Chinese only.
    let summary = text_of(&c, "#error-summary").await;
    assert!(
        summary.contains("随迁人员") && summary.contains("身份证号码"),
        "{summary}"
    );
    assert_eq!(summary.matches("身份证号码").count(), 1, "{summary}");
    for english in ["ID number", "check digit", "row 1", "form."] {
        assert!(!summary.contains(english), "{english} in {summary}");
    }
    let links = c
        .find_all(Locator::Css(
            "#error-summary a[href=\"#f-movers-0-id_number\"]",
        ))
        .await
        .unwrap();
    assert_eq!(links.len(), 1, "{summary}");
    links[0].click().await.unwrap();
    let invalid = c
        .find(Locator::Id("f-movers-0-id_number"))
        .await
        .unwrap()
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"));
    // What was chosen is kept.
    assert_eq!(value_of(&c, "f-to_division").await, "广东省湛江市霞山区");

    // Corrected: the case is created and shows the place by name.
    fill(&c, "f-movers-0-id_number", "440803199203180028").await;
    click(&c, "apply-submit").await;
    wait_for_address(&c, "done=case_applied").await;
    let form = text_of(&c, "#form-values").await;
    assert!(form.contains("湛江市霞山区"), "{form}");
    assert!(!form.contains("440803（"), "{form}");
    c.close().await.unwrap();
}
