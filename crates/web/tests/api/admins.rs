//! 三员分立 for the administrator accounts themselves (issue 11, finding 4): an administrator
//! account holds no business role, the last holder of each administrator role stays, and a
//! change to an administrator account waits for an administrator of another role.

use axum::http::StatusCode;
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, World};
use crate::identity::rules_of;

async fn id_of(w: &World, sys: &Client, username: &str) -> i64 {
    let r = w.get(sys, "/api/v1/staff?size=100").await.json();
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap_or_else(|| panic!("no account {username}"))["id"]
        .as_i64()
        .unwrap()
}

async fn account(w: &World, sys: &Client, username: &str) -> Value {
    let r = w.get(sys, "/api/v1/staff?size=100").await.json();
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap()
        .clone()
}

async fn audited(w: &World, action: &str) -> String {
    let auditor = w.sign_in("auditor").await;
    let r = w
        .get(&auditor, &format!("/api/v1/audit?action={action}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.text()
}

#[tokio::test]
async fn administrator_accounts_hold_no_business_role_and_the_last_holder_stays() {
    let w = World::new().await;
    let sys = w.sign_in("sysadmin").await;
    let sec = w.sign_in("security").await;
    let sys_id = id_of(&w, &sys, "sysadmin").await;
    let aud_id = id_of(&w, &sys, "auditor").await;
    let sec_id = id_of(&w, &sys, "security").await;
    // The security administrator cannot give the system administrator a business role.
    let r = w
        .put(
            &sec,
            &format!("/api/v1/staff/{sys_id}/roles"),
            json!({ "roles": ["system_admin", "identity_officer"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        rules_of(&r),
        vec![("roles".into(), "roles.admin_only".into())]
    );
    // Nor demote the only audit administrator.
    let r = w
        .put(
            &sec,
            &format!("/api/v1/staff/{aud_id}/roles"),
            json!({ "roles": ["catalog_editor"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // The system administrator cannot deactivate the only security administrator.
    let r = w
        .post(
            &sys,
            &format!("/api/v1/staff/{sec_id}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Nothing changed; no change is pending.
    assert_eq!(
        account(&w, &sys, "sysadmin").await["roles"],
        json!(["system_admin"])
    );
    assert_eq!(
        account(&w, &sys, "auditor").await["roles"],
        json!(["audit_admin"])
    );
    assert_eq!(account(&w, &sys, "security").await["active"], json!(true));
    let r = w.get(&sec, "/api/v1/admin-changes").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!([]));
    // The platform itself is held to the same rules.
    let e = w
        .state
        .identity
        .set_active(&Ctx::system("test"), aud_id, false)
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "invalid_state");
    // An account cannot be created as an administrator with a business role either.
    let e = w
        .state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: "mixed".into(),
                name: "兼任".into(),
                department_id: w.city_zsj,
                roles: vec!["audit_admin".into(), "case_clerk".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "validation_failed");
}

#[tokio::test]
async fn changes_to_administrator_accounts_wait_for_another_administrator() {
    let w = World::new().await;
    // A second security administrator, so that one may go.
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: "security2".into(),
                name: "第二安全管理员".into(),
                department_id: w.city_zsj,
                roles: vec!["security_admin".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let sys = w.sign_in("sysadmin").await;
    let sec = w.sign_in("security").await;
    let aud = w.sign_in("auditor").await;
    let sec2 = w.sign_in("security2").await;
    let sec_id = id_of(&w, &sys, "security").await;
    // The system administrator deactivates the security administrator: only requested.
    let r = w
        .post(
            &sys,
            &format!("/api/v1/staff/{sec_id}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let change = r.json();
    assert_eq!(change["status"], "pending");
    assert_eq!(change["kind"], "active");
    assert_eq!(change["payload"], "false");
    assert_eq!(change["requested_role"], "system_admin");
    let cid = change["id"].as_i64().unwrap();
    assert_eq!(account(&w, &sys, "security").await["active"], json!(true));
    let r = w.get(&sec, "/api/v1/auth/me").await;
    assert_eq!(r.json()["signed_in"], true, "still signed in: {}", r.text());
    // A second request for the same account waits for the first.
    let r = w
        .post(&sys, &format!("/api/v1/staff/{sec_id}/activate"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Every administrator sees it.
    for c in [&sys, &sec, &aud, &sec2] {
        let r = w.get(c, "/api/v1/admin-changes").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()[0]["id"], cid, "{}", r.text());
    }
    // Not a business role holder.
    let editor = w.sign_in("editor").await;
    let r = w.get(&editor, "/api/v1/admin-changes").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = w
        .post(
            &editor,
            &format!("/api/v1/admin-changes/{cid}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // The requester cannot confirm their own request, nor the account concerned; nor an
    // administrator of the requester's role.
    for c in [&sys, &sec] {
        let r = w
            .post(
                c,
                &format!("/api/v1/admin-changes/{cid}/confirm"),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    }
    assert_eq!(account(&w, &sys, "security").await["active"], json!(true));
    // The audit administrator confirms: applied.
    let r = w
        .post(
            &aud,
            &format!("/api/v1/admin-changes/{cid}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "confirmed");
    assert_eq!(r.json()["decided_by"], "auditor");
    assert_eq!(account(&w, &sys, "security").await["active"], json!(false));
    let r = w.get(&sec, "/api/v1/auth/me").await;
    assert_eq!(r.json()["signed_in"], false, "signed out: {}", r.text());
    // Decided once.
    let r = w
        .post(
            &aud,
            &format!("/api/v1/admin-changes/{cid}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // security2 (now the only security administrator) asks to make an editor an auditor;
    // the system administrator rejects it: nothing changes.
    let editor_id = id_of(&w, &sys, "editor").await;
    let r = w
        .put(
            &sec2,
            &format!("/api/v1/staff/{editor_id}/roles"),
            json!({ "roles": ["audit_admin"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let cid2 = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        account(&w, &sys, "editor").await["roles"],
        json!(["catalog_editor"])
    );
    let r = w
        .post(
            &sys,
            &format!("/api/v1/admin-changes/{cid2}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "rejected");
    assert_eq!(
        account(&w, &sys, "editor").await["roles"],
        json!(["catalog_editor"])
    );
    // The requester may withdraw their own request.
    let r = w
        .put(
            &sec2,
            &format!("/api/v1/staff/{editor_id}/roles"),
            json!({ "roles": ["audit_admin"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let cid3 = r.json()["id"].as_i64().unwrap();
    let r = w
        .post(
            &sec2,
            &format!("/api/v1/admin-changes/{cid3}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A business change to a business account applies at once.
    let r = w
        .put(
            &sec2,
            &format!("/api/v1/staff/{editor_id}/roles"),
            json!({ "roles": ["catalog_editor", "case_clerk"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // All of it is in the audit log.
    assert!(
        audited(&w, "account.change_requested")
            .await
            .contains("staff:security")
    );
    let confirmed = audited(&w, "account.change_confirmed").await;
    assert!(confirmed.contains("staff:security"), "{confirmed}");
    assert!(
        audited(&w, "account.deactivate")
            .await
            .contains("staff:auditor")
    );
    assert!(
        audited(&w, "account.change_rejected")
            .await
            .contains("staff:editor")
    );
    assert!(
        audited(&w, "auth.denied")
            .await
            .contains("account.change_confirmed")
    );
}

#[tokio::test]
async fn the_pages_submit_administrator_changes_for_confirmation() {
    use crate::case_pages::{location, post_form};
    let w = World::new().await;
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: "auditor2".into(),
                name: "第二审计管理员".into(),
                department_id: w.city_zsj,
                roles: vec!["audit_admin".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let sys = w.sign_in("sysadmin").await;
    let aud2_id = id_of(&w, &sys, "auditor2").await;
    let r = post_form(&w, &sys, &format!("/admin/staff/{aud2_id}/deactivate"), &[]).await;
    assert!(
        location(&r).contains("done=change_requested"),
        "{}",
        location(&r)
    );
    assert_eq!(account(&w, &sys, "auditor2").await["active"], json!(true));
    // The security administrator sees it on the changes page and confirms it there.
    let sec = w.sign_in("security").await;
    let page = w.get(&sec, "/admin/changes").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("auditor2"), "{}", page.text());
    let cid = w.get(&sec, "/api/v1/admin-changes").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    assert!(page.text().contains(&format!("id=\"confirm-{cid}\"")));
    let r = post_form(&w, &sec, &format!("/admin/changes/{cid}/confirm"), &[]).await;
    assert!(
        location(&r).contains("done=change_confirmed"),
        "{}",
        location(&r)
    );
    assert_eq!(account(&w, &sys, "auditor2").await["active"], json!(false));
    // Business staff have no such page.
    let editor = w.sign_in("editor").await;
    let r = w.get(&editor, "/admin/changes").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
