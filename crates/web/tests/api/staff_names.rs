//! Staff screens: people by name (never `staff:…`, `person:…`, `system:…` ids), times in China
//! time, labels in the page's language, and each role's start page with its queues and counts.

use axum::http::StatusCode;

use crate::cases::{ID_A, PHONE_A, apply, person_elements};
use crate::harness::{Client, World, publish_item_with, register_person};

fn in_lang(c: &Client, lang: &str) -> Client {
    Client {
        cookie: Some(format!("{}; yiwang_lang={lang}", c.cookie.clone().unwrap())),
        csrf: c.csrf.clone(),
    }
}

/// What a reader sees of a page: the text outside the tags (attributes left out).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

async fn page(w: &World, c: &Client, path: &str) -> String {
    let r = w.get(c, path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    r.text()
}

fn no_actor_ids(path: &str, text: &str) {
    for id in ["staff:", "person:", "system:", "client:"] {
        assert!(!text.contains(id), "{path} shows an actor id {id}…: {text}");
    }
}

#[tokio::test]
async fn staff_pages_show_names_and_china_time_instead_of_ids_and_utc() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    apply(&w, &citizen, &code, 1).await;

    // The item's history and versions: the editor and the reviewer by name, in China time
    // (the test clock stands at 02:00 UTC, 10:00 in China).
    let editor = w.sign_in("editor").await;
    let path = format!("/admin/items/{code}");
    let text = visible(&page(&w, &editor, &path).await);
    assert!(text.contains("测试editor"), "{text}");
    assert!(text.contains("测试reviewer"), "{text}");
    assert!(text.contains("2026-11-22 10:00"), "{text}");
    assert!(!text.contains("T02:00"), "a raw UTC time on {path}");
    no_actor_ids(&path, &text);

    // The audit log: staff by name, the citizen masked, the platform's own tasks as 系统.
    let auditor = w.sign_in("auditor").await;
    for (lang, system) in [("zh", "系统（test）"), ("en", "System (test)")] {
        let text = visible(&page(&w, &in_lang(&auditor, lang), "/admin/audit").await);
        assert!(text.contains("测试editor"), "{lang}: {text}");
        assert!(text.contains("陈**"), "{lang}: the citizen, masked: {text}");
        assert!(!text.contains("陈小明"), "{lang}: the citizen's full name");
        assert!(text.contains(system), "{lang}: {text}");
        assert!(text.contains("2026-11-22 10:00"), "{lang}: {text}");
        no_actor_ids("/admin/audit", &text);
    }
    // The filter still takes the stable label.
    let text = visible(&page(&w, &auditor, "/admin/audit?actor=staff%3Areviewer").await);
    assert!(
        text.contains("测试reviewer") && !text.contains("测试editor"),
        "{text}"
    );

    // API tokens: who issued one, by name.
    let security = w.sign_in("security").await;
    let r = w
        .post(
            &security,
            "/api/v1/api-tokens",
            serde_json::json!({ "name": "市场监管审批系统", "department_id": w.city_scjg, "permissions": ["catalog.edit"], "days": 30 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let text = visible(&page(&w, &security, "/admin/tokens").await);
    assert!(
        text.contains("市场监管审批系统") && text.contains("测试security"),
        "{text}"
    );
    no_actor_ids("/admin/tokens", &text);
}

/// The count of queue `id` on a start page.
fn queue(html: &str, id: &str) -> Option<i64> {
    let at = html.find(&format!("id=\"q-{id}\""))?;
    let rest = &html[at..];
    let b = rest.find("<b>")? + 3;
    let e = rest[b..].find("</b>")? + b;
    rest[b..e].trim().parse().ok()
}

#[tokio::test]
async fn every_role_lands_on_its_queues_with_their_counts() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    apply(&w, &citizen, &code, 1).await;
    crate::cases::issue_id_card(&w, "陈小明", ID_A).await;

    for (user, expect) in [
        (
            "clerk",
            &[
                ("to_accept", 1),
                ("mine", 0),
                ("overdue", 0),
                ("supplement", 0),
            ][..],
        ),
        (
            "officer",
            &[("mine", 0), ("overdue", 0), ("supplement", 0)][..],
        ),
        (
            "supervisor",
            &[("sv_red", 0), ("sv_yellow", 0), ("followups", 0)][..],
        ),
        (
            "licenceofficer",
            &[
                ("licences_valid", 1),
                ("licences_suspended", 0),
                ("imports_running", 0),
                ("imports_failed", 0),
            ][..],
        ),
        ("licenceadmin", &[("licence_types", 1)][..]),
        ("sysadmin", &[("accounts", 18), ("changes", 0)][..]),
    ] {
        let c = w.sign_in(user).await;
        for lang in ["zh", "en"] {
            let html = page(&w, &in_lang(&c, lang), "/admin").await;
            for (id, n) in expect {
                assert_eq!(
                    queue(&html, id),
                    Some(*n),
                    "{user} ({lang}): queue {id}: {html}"
                );
            }
            assert!(
                !html.contains("start.q."),
                "{user} ({lang}): a raw i18n key"
            );
            assert!(
                !html.contains("暂无可办理") && !html.contains("has no tasks"),
                "{user} ({lang}) is told there is no work"
            );
        }
    }
    // Queues are only those of one's roles: the licence officer sees no case queue, the clerk
    // no licence queue.
    let lo = page(&w, &w.sign_in("licenceofficer").await, "/admin").await;
    assert_eq!(queue(&lo, "to_accept"), None);
    assert!(
        lo.contains("href=\"/staff/licences/new\""),
        "the licence officer's work: {lo}"
    );
    let clerk = page(&w, &w.sign_in("clerk").await, "/admin").await;
    assert_eq!(queue(&clerk, "licences_valid"), None);
    assert_eq!(queue(&clerk, "sv_red"), None);
}
