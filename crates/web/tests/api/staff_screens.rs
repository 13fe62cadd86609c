//! Staff screens (issue 12 §6): the reviewer's field-by-field comparison with the published
//! version, the item editor in sections with a save bar, and the opinion an approval records.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::case_pages::{location, staff_action};
use crate::cases::{ID_A, PHONE_A, act, apply, person_elements};
use crate::harness::{
    Client, World, good_elements, publish_item, publish_item_with, register_person,
};

pub fn in_english(c: &Client) -> Client {
    Client {
        cookie: Some(format!("{}; yiwang_lang=en", c.cookie.clone().unwrap())),
        csrf: c.csrf.clone(),
    }
}

/// Starts a new version of a published item, saves `elements` into it and submits it.
async fn submit_new_version(w: &World, code: &str, elements: Value) {
    let editor = w.sign_in("editor").await;
    let r = w
        .post(
            &editor,
            &format!("/api/v1/items/{code}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": elements }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(&editor, &format!("/api/v1/items/{code}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn the_reviewer_sees_what_a_submitted_version_changes_field_by_field() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let mut e = good_elements();
    e["promised_limit"] = json!(8);
    e["hours"] = json!("工作日 9:00-17:00");
    // The first material renamed, the second removed, a new one added.
    let published = w
        .get(
            &w.sign_in("reviewer").await,
            &format!("/api/v1/items/{code}"),
        )
        .await
        .json();
    let mut materials = published["published"]["elements"]["materials"].clone();
    materials[0]["name"] = json!("食品经营许可申请书（含承诺书）");
    let kept = materials[0].clone();
    e["materials"] = json!([kept, {"key": "M03", "name": "经营场所平面图", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}]);
    submit_new_version(&w, &code, e).await;

    let reviewer = w.sign_in("reviewer").await;
    let page = w.get(&reviewer, &format!("/admin/items/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("id=\"changes\""), "{html}");
    assert!(html.contains("与已发布版本（第 1 版）对比"));
    // The changed limit: its label, old → new.
    let row = html
        .split("<tr class=\"diff-changed\" data-field=\"promised_limit\">")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row for the promised limit: {html}"));
    assert!(row.contains("承诺办结时限"), "{row}");
    assert!(
        row.contains("<del>6</del>") && row.contains("<ins>8</ins>"),
        "{row}"
    );
    assert!(html.contains("<ins>工作日 9:00-17:00</ins>"));
    // Materials: renamed, added, removed.
    assert!(html.contains("data-field=\"materials.name\""));
    assert!(html.contains("<ins>食品经营许可申请书（含承诺书）</ins>"));
    assert!(html.contains("<tr class=\"diff-added\" data-field=\"materials\">"));
    assert!(html.contains("<ins>经营场所平面图</ins>"));
    assert!(html.contains("<tr class=\"diff-removed\" data-field=\"materials\">"));
    assert!(html.contains("<del>法定代表人身份证明</del>"));
    // Unchanged elements are not listed.
    assert!(!html.contains("data-field=\"acceptance_conditions\""));
    // In English, the labels are English.
    let en = w
        .get(&in_english(&reviewer), &format!("/admin/items/{code}"))
        .await
        .text();
    assert!(en.contains("Compared with the published version 1"), "{en}");
    assert!(en.contains("Published (old)") && !en.contains("已发布（原）"));
    // The review form is still on the page, after the comparison.
    let (before, after) = html.split_once("id=\"review-form\"").unwrap();
    assert!(before.contains("id=\"changes\"") && !after.contains("id=\"changes\""));
}

#[tokio::test]
async fn the_editor_page_has_a_section_menu_and_a_save_bar_in_one_form() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let editor = w.sign_in("editor").await;
    let r = w
        .post(
            &editor,
            &format!("/api/v1/items/{code}/versions"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let html = w
        .get(&editor, &format!("/admin/items/{code}/edit"))
        .await
        .text();
    assert!(html.contains("id=\"section-menu\""));
    for s in [
        "basic",
        "conditions",
        "limits",
        "result",
        "fees",
        "who",
        "channels",
        "place",
        "faqs",
        "materials",
    ] {
        assert!(
            html.contains(&format!("href=\"#sec-{s}\"")),
            "menu entry {s}"
        );
        assert!(html.contains(&format!("id=\"sec-{s}\"")), "section {s}");
    }
    // One form: the save bar, with its button, closes it after every section.
    assert_eq!(
        html.matches("<form method=\"post\" action=\"/admin/items/")
            .count(),
        1
    );
    let form = html.split("id=\"edit-form\"").nth(1).unwrap();
    let form = form.split("</form>").next().unwrap();
    let bar = form
        .split("id=\"save-bar\"")
        .nth(1)
        .expect("the save bar is in the form");
    assert!(bar.contains("id=\"save-draft\""));
    assert!(
        !bar.contains("id=\"sec-"),
        "the bar comes after the sections"
    );
    // English labels in English.
    let en = w
        .get(&in_english(&editor), &format!("/admin/items/{code}/edit"))
        .await
        .text();
    assert!(en.contains(">Time limits</a>") && en.contains("Saves every section at once"));
}

#[tokio::test]
async fn an_approval_needs_an_opinion_and_the_history_shows_it() {
    let w = World::new().await;
    let mut e = person_elements();
    e["process_steps"] = json!([{"name": "决定", "limit": 1, "description": "作出决定"}]);
    let code = publish_item_with(&w, e).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{no}/accept"),
            json!({"revision": case["revision"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let officer = w.sign_in("officer").await;
    let v = act(&w, &officer, &no, json!({"action": "claim"})).await;

    // The API refuses an approval without an opinion, or with one character, naming the field.
    for body in [
        json!({"action": "approve", "revision": v["revision"]}),
        json!({"action": "approve", "opinion": " 好 ", "revision": v["revision"]}),
        json!({"action": "refuse", "opinion": "", "revision": v["revision"]}),
    ] {
        let r = w
            .post(&officer, &format!("/api/v1/cases/{no}/actions"), body)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let err = &r.json()["error"];
        assert_eq!(err["fields"][0]["field"], "opinion", "{err}");
        assert_eq!(err["fields"][0]["rule"], "case.opinion_required");
        assert!(
            err["fields"][0]["zh"]
                .as_str()
                .unwrap()
                .contains("审批意见")
        );
        assert!(err["fields"][0]["en"].as_str().unwrap().contains("opinion"));
    }

    // The page offers the common phrases and refuses an empty opinion at the field.
    let page = w.get(&officer, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains("class=\"phrase-pick\""), "{page}");
    assert!(page.contains("<option value=\"材料齐全，符合法定条件，准予许可。\">"));
    let r = staff_action(&w, &officer, &no, "approve", &[("opinion", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("aria-invalid=\"true\" aria-describedby="),
        "{html}"
    );
    assert!(html.contains("请填写审批意见"));
    let en = staff_action(
        &w,
        &in_english(&officer),
        &no,
        "approve",
        &[("opinion", "")],
    )
    .await
    .text();
    assert!(en.contains("Write an opinion"));

    // A phrase chosen without scripts, with words of the officer's own: recorded as the opinion.
    let r = staff_action(
        &w,
        &officer,
        &no,
        "approve",
        &[
            ("phrase", "材料齐全，符合法定条件，准予许可。"),
            ("opinion", "已核验营业执照原件。"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(location(&r), format!("/staff/cases/{no}?done=case_approve"));
    let v = w.get(&officer, &format!("/api/v1/cases/{no}")).await.json();
    assert_eq!(v["status"], "concluded", "{v}");
    let approved = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "wf.approved")
        .expect("the approval is in the history");
    assert_eq!(
        approved["opinion"],
        "材料齐全，符合法定条件，准予许可。已核验营业执照原件。"
    );
    let page = w.get(&officer, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains("审批意见：</span><span class=\"text opinion\">材料齐全，符合法定条件，准予许可。已核验营业执照原件。</span>"), "{page}");
}
