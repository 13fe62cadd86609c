//! An outage shows as an error page, never as "no cases": with a table a page reads taken away
//! under the running router (renamed, so it can be put back), the page answers a 5xx with the
//! error page instead of 200 with an empty list, a blank name or a zero. And bad input in a
//! page's query string is a 400 naming the parameter and the rule, while a missing or empty
//! parameter still shows the page.

use axum::http::StatusCode;

use crate::cases::{ID_A, PHONE_A, apply, issue_id_card, person_elements};
use crate::harness::{Client, World, publish_item_with, register_person};

/// Renames a table (both databases know `ALTER TABLE … RENAME TO …`).
async fn rename(w: &World, from: &str, to: &str) {
    let mut db = w.state.db.clone();
    yiwang_store::Conn::execute(&mut db, &format!("ALTER TABLE {from} RENAME TO {to}"), &[])
        .await
        .unwrap();
}

/// The page at `path` with `table` gone: a 5xx error page (else what it was). The table is
/// back afterwards, and the page whole again.
async fn fails_without(w: &World, c: &Client, path: &str, table: &str) -> Option<String> {
    let away = format!("{table}_away");
    rename(w, table, &away).await;
    let r = w.get(c, path).await;
    rename(w, &away, table).await;
    let back = w.get(c, path).await;
    assert_eq!(
        back.status,
        StatusCode::OK,
        "{path} after `{table}` came back"
    );
    let html = r.text();
    if !r.status.is_server_error() {
        return Some(format!("{path} without `{table}` answered {}", r.status));
    }
    if !(html.contains("系统错误") || html.contains("服务暂不可用")) {
        return Some(format!(
            "{path} without `{table}`: not the error page: {html}"
        ));
    }
    None
}

#[tokio::test]
async fn pages_show_a_broken_database_as_an_error_not_as_an_empty_list() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "张三", ID_A, PHONE_A).await;
    let case = apply(&w, &citizen, &code, 1).await;
    let no = case["case_no"].as_str().unwrap().to_string();
    issue_id_card(&w, "张三", ID_A).await;
    let anon = w.anonymous();
    let officer = w.sign_in("officer").await;
    let supervisor = w.sign_in("supervisor").await;
    let licences = w.sign_in("licenceofficer").await;
    let sysadmin = w.sign_in("sysadmin").await;
    let security = w.sign_in("security").await;
    let editor = w.sign_in("editor").await;
    let orgadmin = w.sign_in("orgadmin").await;
    let checks: Vec<(&Client, String, &str)> = vec![
        // The citizen's 我的办件, one case (its ratings), the application form (the wallet's
        // licences offered instead of uploads) and the wallet.
        (&citizen, "/my/cases".into(), "cases"),
        (&citizen, format!("/my/cases/{no}"), "ratings"),
        (&citizen, format!("/items/{code}/apply"), "licences"),
        (&citizen, "/my/licences".into(), "licences"),
        // The staff inbox, a case (its ratings), the licence register and supervision.
        (&officer, "/staff/cases".into(), "cases"),
        (&officer, format!("/staff/cases/{no}"), "ratings"),
        (&licences, "/staff/licences".into(), "licences"),
        (&supervisor, "/staff/supervision".into(), "rating_followups"),
        // Public pages: home counts, the item search (its department filter), the guide,
        // halls (department names).
        (&anon, "/".into(), "departments"),
        (&anon, "/items".into(), "departments"),
        (&anon, format!("/items/{code}"), "items"),
        (&anon, "/halls".into(), "departments"),
        // Staff administration: the dashboard's counts, the basic directory, departments and
        // halls, the staff list and tokens (department names).
        (&editor, "/admin".into(), "items"),
        (&editor, "/admin/basic".into(), "basic_items"),
        (&editor, "/admin/claim".into(), "basic_items"),
        (&orgadmin, "/admin/org".into(), "halls"),
        (&sysadmin, "/admin/staff".into(), "departments"),
        (&security, "/admin/tokens".into(), "departments"),
    ];
    let mut wrong = Vec::new();
    for (c, path, table) in &checks {
        wrong.extend(fails_without(&w, c, path, table).await);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn bad_query_input_is_a_400_naming_the_parameter_and_empty_input_is_harmless() {
    let w = World::new().await;
    let citizen = register_person(&w, "张三", ID_A, PHONE_A).await;
    let officer = w.sign_in("officer").await;
    let editor = w.sign_in("editor").await;
    let sysadmin = w.sign_in("sysadmin").await;
    let anon = w.anonymous();
    for (c, path, field) in [
        (&citizen, "/my/cases?page=abc", "page"),
        (&officer, "/staff/cases?page=-1", "page"),
        (&editor, "/admin/items?page=99999999999", "page"),
        (&editor, "/admin/basic?page=x", "page"),
        (&sysadmin, "/admin/staff?page=two", "page"),
        (&anon, "/departments?division=abc", "division"),
        (&anon, "/items?online_level=high", "online_level"),
    ] {
        let r = w.get(c, path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains(&format!("查询参数“{field}”")),
            "{path}: the page names the parameter: {html}"
        );
        assert!(html.contains("规则"), "{path}: and the rule: {html}");
        let en = w.get(c, &format!("{path}&lang=en")).await.text();
        assert!(
            en.contains(&format!("Query parameter “{field}”")) && en.contains("rule"),
            "{path} in English: {en}"
        );
    }
    // Missing and empty parameters are no mistake.
    for (c, path) in [
        (&citizen, "/my/cases?page="),
        (&citizen, "/my/cases"),
        (&officer, "/staff/cases?page=&status="),
        (&editor, "/admin/basic?q=&page="),
        (&anon, "/departments?division="),
        (&anon, "/items?q=&page="),
    ] {
        let r = w.get(c, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
}
