//! Every page renders, in both languages and in elder mode, for the callers who may see it;
//! forms are protected against forgery.

use axum::http::{Method, StatusCode, header};

use crate::harness::{Client, World, publish_item};

fn with_cookie(c: &Client, extra: &str) -> Client {
    let cookie = match &c.cookie {
        Some(s) => format!("{s}; {extra}"),
        None => extra.to_string(),
    };
    Client {
        cookie: Some(cookie),
        csrf: c.csrf.clone(),
    }
}

#[tokio::test]
async fn public_pages_render_in_both_languages_and_elder_mode() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let anon = w.anonymous();
    let pages = [
        "/".to_string(),
        "/items".into(),
        "/items?q=%E9%A3%9F%E5%93%81".into(),
        format!("/items/{code}"),
        "/departments".into(),
        "/halls".into(),
        "/signin".into(),
        "/signup".into(),
        "/audit/events".into(),
        "/progress".into(),
    ];
    for p in &pages {
        let r = w.get(&anon, p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text());
        let html = r.text();
        assert!(html.contains("lang=\"zh-CN\""), "{p}");
        assert!(html.contains("一网通办"), "{p}");
        let en = w.get(&with_cookie(&anon, "yiwang_lang=en"), p).await.text();
        assert!(en.contains("lang=\"en\""), "{p}");
        let elder = w.get(&with_cookie(&anon, "yiwang_elder=1"), p).await.text();
        assert!(elder.contains("class=\"elder\""), "{p}");
    }
    // The guide shows every element group.
    let guide = w.get(&anon, &format!("/items/{code}")).await.text();
    for s in [
        "食品经营许可证核发",
        "申请材料",
        "食品经营许可申请书",
        "法定办结时限",
        "20个工作日",
        "6个工作日",
        "70.0%",
        "0759-3388123",
        "常见问题",
        "设定依据",
        "《中华人民共和国食品安全法》第三十五条",
        "可用电子证照",
        "湛江市政务服务中心二楼A区综合受理窗口",
    ] {
        assert!(guide.contains(s), "guide lacks {s}");
    }
    let guide_en = w
        .get(
            &with_cookie(&anon, "yiwang_lang=en"),
            &format!("/items/{code}"),
        )
        .await
        .text();
    for s in [
        "Materials",
        "Statutory time limit",
        "20 working days",
        "administrative licensing",
        "fully online",
    ] {
        assert!(guide_en.contains(s), "English guide lacks {s}");
    }
    // Search results link to the guide.
    let results = w.get(&anon, "/items?q=%E7%BB%8F%E8%90%A5").await.text();
    assert!(results.contains(&format!("/items/{code}")));
    // Unknown pages are a page, not JSON.
    let r = w.get(&anon, "/items/NOPE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("<html"));
    // Preferences are cookies and never redirect off-site.
    let r = w.get(&anon, "/prefs?lang=en&next=/items").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/items");
    assert!(
        r.headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("yiwang_lang=en")
    );
    let r = w.get(&anon, "/prefs?elder=1&next=//evil.example").await;
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/");
}

#[tokio::test]
async fn admin_pages_render_for_staff_and_send_others_to_sign_in() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let anon = w.anonymous();
    let admin_pages = [
        "/admin".to_string(),
        "/admin/items".into(),
        format!("/admin/items/{code}"),
        "/admin/claim".into(),
        "/admin/basic".into(),
        "/admin/org".into(),
        "/admin/import".into(),
        "/admin/staff".into(),
        "/admin/tokens".into(),
        "/admin/audit".into(),
    ];
    for p in &admin_pages {
        let r = w.get(&anon, p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(
            r.headers
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("/signin?next="),
            "{p}"
        );
    }
    for user in [
        "editor",
        "reviewer",
        "cataloger",
        "orgadmin",
        "auditor",
        "sysadmin",
        "security",
    ] {
        let c = w.sign_in(user).await;
        for p in &admin_pages {
            let r = w.get(&c, p).await;
            assert!(
                r.status == StatusCode::OK
                    || r.status == StatusCode::NOT_FOUND
                    || r.status == StatusCode::FORBIDDEN,
                "{user} {p}: {}",
                r.status
            );
            assert!(r.text().contains("<html"), "{user} {p}");
        }
    }
    // The editor starts a new version from the page, edits it, and submits.
    let editor = w.sign_in("editor").await;
    let r = w
        .send(
            &editor,
            Method::POST,
            &format!("/admin/items/{code}/new-version"),
            Some("application/x-www-form-urlencoded"),
            format!("_csrf={}", editor.csrf.clone().unwrap()).into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let edit = w.get(&editor, &format!("/admin/items/{code}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text().contains("name=\"m0_name\""));
}

#[tokio::test]
async fn forms_without_the_token_are_refused() {
    let w = World::new().await;
    let code = publish_item(&w).await;
    let mut editor = w.sign_in("editor").await;
    editor.csrf = None;
    let r = w
        .send(
            &editor,
            Method::POST,
            &format!("/admin/items/{code}/new-version"),
            Some("application/x-www-form-urlencoded"),
            b"_csrf=wrong".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("<html"));
    // A cross-site form post is refused even before sign-in.
    let mut req_headers = w.anonymous();
    req_headers.cookie = None;
    let r = w
        .app
        .clone()
        .oneshot_with_origin("/signin", "https://evil.example")
        .await;
    assert_eq!(r, StatusCode::FORBIDDEN);
    // The same host under another scheme than the platform's (http here) is another site.
    let r = w
        .app
        .clone()
        .oneshot_with_origin("/signin", "https://localhost")
        .await;
    assert_eq!(r, StatusCode::FORBIDDEN);
    let r = w
        .app
        .clone()
        .oneshot_with_origin("/signin", "http://localhost")
        .await;
    assert_ne!(r, StatusCode::FORBIDDEN);
}

trait OriginExt {
    async fn oneshot_with_origin(self, path: &str, origin: &str) -> StatusCode;
}

impl OriginExt for axum::Router {
    async fn oneshot_with_origin(self, path: &str, origin: &str) -> StatusCode {
        use tower::ServiceExt;
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("username=a&password=b"))
            .unwrap();
        self.oneshot(req).await.unwrap().status()
    }
}

#[tokio::test]
async fn sign_in_page_flow() {
    let w = World::new().await;
    let r = w
        .send(
            &w.anonymous(),
            Method::POST,
            "/signin",
            Some("application/x-www-form-urlencoded"),
            b"username=editor&password=wrong&next=/admin".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("账号或密码错误"));
    let body = format!(
        "username=editor&password={}&next=/admin/items",
        crate::harness::PASSWORD.replace('@', "%40")
    );
    let r = w
        .send(
            &w.anonymous(),
            Method::POST,
            "/signin",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/admin/items");
    let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

// ---------------------------------------------------------------------------------------
// Identity pages: sign-up, person sign-in, the account page, staff and role administration,
// API tokens and keys, the audit log.

const ID_A: &str = "440802199001011238";
const ID_B: &str = "440811199203040017";
const FORM: &str = "application/x-www-form-urlencoded";

/// Posts a urlencoded form the way a browser does: the session cookie, and the `_csrf` field
/// of the page (never the header).
async fn form(w: &World, c: &Client, path: &str, fields: &[(&str, &str)]) -> crate::harness::Resp {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    let c = Client {
        cookie: c.cookie.clone(),
        csrf: None,
    };
    w.send(&c, Method::POST, path, Some(FORM), s.finish().into_bytes())
        .await
}

/// The `_csrf` value of a page's forms.
fn csrf_in(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("a form with _csrf");
    let rest = &html[at + "name=\"_csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The client holding the session cookie a response set.
fn cookie_client(r: &crate::harness::Resp) -> Client {
    let set = r.headers.get(header::SET_COOKIE).expect("a session cookie");
    let cookie = set.to_str().unwrap().split(';').next().unwrap().to_string();
    Client {
        cookie: Some(cookie),
        csrf: None,
    }
}

fn location(r: &crate::harness::Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn people_count(w: &World) -> i64 {
    let mut db = w.state.db.clone();
    let (n,): (i64,) = yiwang_store::Conn::fetch_one(&mut db, "SELECT COUNT(*) FROM people", &[])
        .await
        .unwrap();
    n
}

/// Signs up through the form; returns the signed-in client and the account page's CSRF token.
async fn sign_up(w: &World, name: &str, id: &str, phone: &str) -> (Client, String) {
    let pw = crate::harness::PASSWORD;
    let r = form(
        w,
        &w.anonymous(),
        "/signup",
        &[
            ("name", name),
            ("id_number", id),
            ("phone", phone),
            ("password", pw),
            ("password2", pw),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(location(&r), "/account?done=registered");
    let c = cookie_client(&r);
    let page = w.get(&c, "/account").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let csrf = csrf_in(&page.text());
    (c, csrf)
}

#[tokio::test]
async fn sign_up_with_a_bad_id_number_shows_the_field_error_and_writes_nothing() {
    let w = World::new().await;
    let pw = crate::harness::PASSWORD;
    let anon = w.anonymous();
    let r = form(
        &w,
        &anon,
        "/signup",
        &[
            ("name", "王小明"),
            ("id_number", "440802199001011239"),
            ("phone", "13800000001"),
            ("password", pw),
            ("password2", pw),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"id_number-error\""), "{html}");
    assert!(html.contains("身份号码校验码不正确"));
    assert!(html.contains("aria-invalid=\"true\""));
    // What was entered is kept (but never the passwords).
    assert!(html.contains("value=\"王小明\""));
    assert!(html.contains("value=\"440802199001011239\""));
    assert!(html.contains("value=\"13800000001\""));
    assert!(!html.contains(pw));
    assert_eq!(people_count(&w).await, 0);
    // The same problem in English.
    let en = Client {
        cookie: Some("yiwang_lang=en".into()),
        csrf: None,
    };
    let r = form(
        &w,
        &en,
        "/signup",
        &[
            ("name", "王小明"),
            ("id_number", "440802199001011239"),
            ("phone", "13800000001"),
            ("password", pw),
            ("password2", pw),
        ],
    )
    .await;
    assert!(
        r.text()
            .contains("The check digit of the ID number is wrong")
    );
    // Confirmation differs; weak password; nonsense and oversized input: field errors, no 500.
    let r = form(
        &w,
        &anon,
        "/signup",
        &[
            ("name", "王小明"),
            ("id_number", ID_A),
            ("phone", "13800000001"),
            ("password", pw),
            ("password2", "Other@2026pass"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"password2-error\""));
    let long = "字".repeat(5000);
    for fields in [
        vec![
            ("name", ""),
            ("id_number", ""),
            ("phone", ""),
            ("password", ""),
            ("password2", ""),
        ],
        vec![
            ("name", long.as_str()),
            ("id_number", long.as_str()),
            ("phone", "<script>"),
            ("password", "x"),
            ("password2", "x"),
        ],
        vec![
            ("name", "王小明"),
            ("id_number", ID_A),
            ("phone", "13800000001"),
            ("password", "password"),
            ("password2", "password"),
        ],
    ] {
        let r = form(&w, &anon, "/signup", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(!r.text().contains("<script>"));
    }
    let r = w
        .send(
            &anon,
            Method::POST,
            "/signup",
            Some(FORM),
            vec![0xff, 0xfe, b'=', 0x80],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(people_count(&w).await, 0);
    // A good registration lands on the account page, signed in.
    let (c, _) = sign_up(&w, "王小明", ID_A, "13800000001").await;
    assert_eq!(people_count(&w).await, 1);
    let page = w.get(&c, "/account").await.text();
    assert!(page.contains("440802********1238"), "{page}");
    assert!(page.contains("138****0001"));
    assert!(page.contains("id=\"who\""));
}

#[tokio::test]
async fn person_sign_in_by_mobile_or_id_number_and_as_an_enterprise() {
    let w = World::new().await;
    let (c, csrf) = sign_up(&w, "王小明", ID_A, "13800000001").await;
    let org = crate::harness::uscc("91440800MA4W1234");
    let r = form(
        &w,
        &c,
        "/account/organisations",
        &[
            ("_csrf", &csrf),
            ("uscc", &org),
            ("name", "湛江市小明餐饮有限公司"),
            ("legal_representative", "王小明"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    crate::identity::verify_at_window(&w, &org, "湛江市小明餐饮有限公司", "王小明", ID_A).await;
    let r = form(&w, &c, "/signout", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let anon = w.anonymous();
    // The sign-in page offers both ways, and keeps the staff form's ids.
    let page = w.get(&anon, "/signin").await.text();
    for id in [
        "person-form",
        "login",
        "kind-org",
        "signin-form",
        "username",
        "password",
        "signin-submit",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // A wrong password: the same answer as for staff, the login kept.
    let r = form(
        &w,
        &anon,
        "/signin/person",
        &[("login", "13800000001"), ("password", "Wrong@2026pass")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("value=\"13800000001\""));
    let r = form(
        &w,
        &anon,
        "/signin/person",
        &[("login", ""), ("password", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"login-error\""));
    // By mobile number, as an individual.
    let pw = crate::harness::PASSWORD;
    let r = form(
        &w,
        &anon,
        "/signin/person",
        &[
            ("login", "138 0000 0001"),
            ("password", pw),
            ("kind", "person"),
            ("next", "/account"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(location(&r), "/account");
    let me = cookie_client(&r);
    let page = w.get(&me, "/account").await.text();
    assert!(!page.contains("id=\"acting-banner\""));
    // By ID number, as the enterprise: acting for it at once, its name on every page.
    let r = form(
        &w,
        &anon,
        "/signin/person",
        &[("login", ID_A), ("password", pw), ("kind", "org")],
    )
    .await;
    assert_eq!(location(&r), "/account?done=acting");
    let boss = cookie_client(&r);
    for p in ["/account", "/", "/items"] {
        let html = w.get(&boss, p).await.text();
        assert!(html.contains("id=\"acting-banner\""), "{p}");
        assert!(html.contains("湛江市小明餐饮有限公司"), "{p}");
    }
    // Back to personal from the banner.
    let html = w.get(&boss, "/account").await.text();
    let r = form(
        &w,
        &boss,
        "/account/act-as",
        &[("_csrf", &csrf_in(&html)), ("org_id", "")],
    )
    .await;
    assert_eq!(location(&r), "/account?done=personal");
    assert!(
        !w.get(&boss, "/account")
            .await
            .text()
            .contains("id=\"acting-banner\"")
    );
    // Nonsense org ids are refused, not a 500.
    for bad in ["abc", "999999"] {
        let r = form(
            &w,
            &boss,
            "/account/act-as",
            &[("_csrf", &csrf_in(&html)), ("org_id", bad)],
        )
        .await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }
    // A staff sign-in from the same page still goes to the staff area.
    let r = form(
        &w,
        &anon,
        "/signin",
        &[("username", "editor"), ("password", pw), ("next", "")],
    )
    .await;
    assert_eq!(location(&r), "/admin");
}

#[tokio::test]
async fn the_account_page_never_contains_a_full_id_number() {
    let w = World::new().await;
    let (boss, csrf) = sign_up(&w, "王小明", ID_A, "13800000001").await;
    let (agent, _) = sign_up(&w, "李小红", ID_B, "13900000002").await;
    let org = crate::harness::uscc("91440800MA4W1234");
    // A bad USCC: the field error, the values kept.
    let r = form(
        &w,
        &boss,
        "/account/organisations",
        &[
            ("_csrf", &csrf),
            ("uscc", "91440800MA4W12345X"),
            ("name", "湛江市小明餐饮有限公司"),
            ("legal_representative", "王小明"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"uscc-error\""));
    assert!(r.text().contains("value=\"湛江市小明餐饮有限公司\""));
    let r = form(
        &w,
        &boss,
        "/account/organisations",
        &[
            ("_csrf", &csrf),
            ("uscc", &org),
            ("name", "湛江市小明餐饮有限公司"),
            ("legal_representative", "王小明"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    crate::identity::verify_at_window(&w, &org, "湛江市小明餐饮有限公司", "王小明", ID_A).await;
    let page = w.get(&boss, "/account").await.text();
    let org_id: String = {
        let at = page.find("/account/organisations/").unwrap();
        page[at + "/account/organisations/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect()
    };
    let grant_path = format!("/account/organisations/{org_id}/agents");
    // A grant with problems: per-field errors, values kept; nothing granted.
    let r = form(
        &w,
        &boss,
        &grant_path,
        &[
            ("_csrf", &csrf),
            ("name", "李小红"),
            ("id_number", ID_B),
            ("until", "2020-01-01"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("id=\"scopes-error\"") && html.contains("id=\"until-error\""),
        "{html}"
    );
    assert!(html.contains("value=\"2020-01-01\""));
    // The grant.
    let r = form(
        &w,
        &boss,
        &grant_path,
        &[
            ("_csrf", &csrf),
            ("name", "李小红"),
            ("id_number", ID_B),
            ("scopes", "apply"),
            ("scopes", "cases"),
            ("until", "2027-06-30"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    for lang in ["", "yiwang_lang=en"] {
        let c = if lang.is_empty() {
            boss.clone()
        } else {
            with_cookie(&boss, lang)
        };
        let page = w.get(&c, "/account").await.text();
        assert!(!page.contains(ID_A) && !page.contains(ID_B), "{page}");
        assert!(!page.contains("13800000001") && !page.contains("13900000002"));
        assert!(page.contains("440802********1238"));
        assert!(page.contains("440811********0017"), "the agent masked");
        assert!(page.contains("2027-06-30"));
    }
    let page = w.get(&boss, "/account").await.text();
    assert!(page.contains("申报办件、查询办件"), "{page}");
    // The agent sees the enterprise and may act for it; never the full numbers either.
    let page = w.get(&agent, "/account").await.text();
    assert!(page.contains("湛江市小明餐饮有限公司") && page.contains("经办人"));
    assert!(!page.contains(ID_B) && !page.contains(ID_A));
    let r = form(
        &w,
        &agent,
        "/account/act-as",
        &[("_csrf", &csrf_in(&page)), ("org_id", &org_id)],
    )
    .await;
    assert_eq!(location(&r), "/account?done=acting");
    assert!(
        w.get(&agent, "/account")
            .await
            .text()
            .contains("id=\"acting-banner\"")
    );
    // The agent cannot see or change the grants (the service says not found).
    let r = form(
        &w,
        &agent,
        &grant_path,
        &[
            ("_csrf", &csrf_in(&page)),
            ("name", "李小红"),
            ("id_number", ID_B),
            ("scopes", "apply"),
            ("until", "2027-06-30"),
        ],
    )
    .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.status
    );
    // Revocation ends the acting at once.
    let page = w.get(&boss, "/account").await.text();
    let at = page.find("/agents/").unwrap();
    let grant_id: String = page[at + "/agents/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let r = form(
        &w,
        &boss,
        &format!("{grant_path}/{grant_id}/revoke"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(w.get(&boss, "/account").await.text().contains("已撤销"));
    assert!(
        !w.get(&agent, "/account")
            .await
            .text()
            .contains("id=\"acting-banner\"")
    );
    // Staff have no account page; anonymous callers are sent to sign in.
    let editor = w.sign_in("editor").await;
    assert_eq!(
        w.get(&editor, "/account").await.status,
        StatusCode::FORBIDDEN
    );
    let r = w.get(&w.anonymous(), "/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/signin?next=%2Faccount"));
    // A form without the session's token is refused.
    let r = form(
        &w,
        &boss,
        "/account/act-as",
        &[("_csrf", "forged"), ("org_id", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn identity_admin_pages_refuse_citizens_and_other_staff() {
    let w = World::new().await;
    let (citizen, csrf) = sign_up(&w, "王小明", ID_A, "13800000001").await;
    let chikan = w.sign_in("chikan").await;
    let editor = w.sign_in("editor").await;
    for p in [
        "/admin",
        "/admin/staff",
        "/admin/tokens",
        "/admin/audit",
        "/admin/items",
    ] {
        let r = w.get(&citizen, p).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "citizen {p}");
        assert!(r.text().contains("<html"));
    }
    for p in ["/admin/staff", "/admin/tokens", "/admin/audit"] {
        for c in [&chikan, &editor] {
            assert_eq!(w.get(c, p).await.status, StatusCode::FORBIDDEN, "{p}");
        }
        let r = w.get(&w.anonymous(), p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
    }
    // Their forms are refused too, and nothing changes.
    let sysadmin_page = w
        .get(&w.sign_in("sysadmin").await, "/admin/staff")
        .await
        .text();
    let editor_id: String = {
        let at = sysadmin_page.find("<code>editor</code>").unwrap();
        let row = &sysadmin_page[..at];
        let at = row.rfind("id=\"staff-").unwrap();
        row[at + "id=\"staff-".len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect()
    };
    for (path, fields) in [
        (format!("/admin/staff/{editor_id}/deactivate"), vec![]),
        (
            format!("/admin/staff/{editor_id}/roles"),
            vec![("roles", "system_admin")],
        ),
        (
            "/admin/staff".to_string(),
            vec![
                ("username", "intruder"),
                ("name", "入侵者"),
                ("department_id", "1"),
                ("password", crate::harness::PASSWORD),
            ],
        ),
        (
            "/admin/tokens".to_string(),
            vec![
                ("name", "x"),
                ("department_id", "1"),
                ("permissions", "catalog.edit"),
                ("days", "30"),
            ],
        ),
        ("/admin/keys/rotate".to_string(), vec![]),
    ] {
        let mut f = vec![("_csrf", csrf.as_str())];
        f.extend(fields.iter().copied());
        let r = form(&w, &citizen, &path, &f).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "citizen {path}");
        let html = w.get(&chikan, "/").await.text();
        let mut f = vec![("_csrf", "")];
        let token = csrf_in(&html);
        f[0].1 = token.as_str();
        f.extend(fields.iter().copied());
        let r = form(&w, &chikan, &path, &f).await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "chikan {path}: {}",
            r.status
        );
    }
    assert!(
        w.sign_in("editor").await.cookie.is_some(),
        "editor still active"
    );
    // A county system administrator reaches only the county's accounts.
    state_staff(&w, "chikansys", w.chikan_scjg, &["system_admin"]).await;
    let county = w.sign_in("chikansys").await;
    let page = w.get(&county, "/admin/staff").await.text();
    assert!(page.contains("<code>chikan</code>") && !page.contains("<code>editor</code>"));
    let token = csrf_in(&page);
    let r = form(
        &w,
        &county,
        &format!("/admin/staff/{editor_id}/deactivate"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn state_staff(w: &World, username: &str, department_id: i64, roles: &[&str]) {
    w.state
        .identity
        .create_staff(
            &yiwang_kernel::auth::Ctx::system("test"),
            &yiwang_identity::StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id,
                roles: roles.iter().map(|r| r.to_string()).collect(),
                password: crate::harness::PASSWORD.into(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn staff_roles_tokens_and_keys_through_the_pages() {
    let w = World::new().await;
    let sys = w.sign_in("sysadmin").await;
    let sec = w.sign_in("security").await;
    // The dashboard shows each administrator only their own work.
    let d = w.get(&sys, "/admin").await.text();
    assert!(
        d.contains("id=\"task-staff\"")
            && !d.contains("id=\"task-tokens\"")
            && !d.contains("id=\"task-audit\"")
    );
    let d = w.get(&sec, "/admin").await.text();
    assert!(
        d.contains("id=\"task-staff\"")
            && d.contains("id=\"task-tokens\"")
            && !d.contains("id=\"task-audit\"")
    );
    let d = w.get(&w.sign_in("auditor").await, "/admin").await.text();
    assert!(!d.contains("id=\"task-staff\"") && d.contains("id=\"task-audit\""));
    // The system administrator opens an account (without roles); problems are shown per field.
    let page = w.get(&sys, "/admin/staff").await.text();
    assert!(page.contains("id=\"staff-form\"") && !page.contains("name=\"roles\""));
    let csrf = csrf_in(&page);
    let dept = w.city_scjg.to_string();
    let r = form(
        &w,
        &sys,
        "/admin/staff",
        &[
            ("_csrf", &csrf),
            ("username", "A!"),
            ("name", "新同事"),
            ("department_id", &dept),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"username-error\"") && html.contains("id=\"password-error\""));
    assert!(html.contains("value=\"新同事\""));
    let r = form(
        &w,
        &sys,
        "/admin/staff",
        &[
            ("_csrf", &csrf),
            ("username", "xintongshi"),
            ("name", "新同事"),
            ("department_id", &dept),
            ("password", crate::harness::PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&sys, "/admin/staff?done=staff_created").await.text();
    assert!(page.contains("<code>xintongshi</code>") && page.contains("账号已开设"));
    let row_id = |page: &str, username: &str| -> String {
        let at = page.find(&format!("<code>{username}</code>")).unwrap();
        let row = &page[..at];
        let at = row.rfind("id=\"staff-").unwrap();
        row[at + "id=\"staff-".len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect()
    };
    let id = row_id(&page, "xintongshi");
    // The security administrator sees role checkboxes (every role, by its Chinese name).
    let page = w.get(&sec, "/admin/staff").await.text();
    assert!(!page.contains("id=\"staff-form\""));
    for r in yiwang_kernel::auth::Role::ALL {
        assert!(page.contains(r.zh()), "{}", r.zh());
    }
    let sec_csrf = csrf_in(&page);
    let roles_path = format!("/admin/staff/{id}/roles");
    let r = form(
        &w,
        &sec,
        &roles_path,
        &[
            ("_csrf", &sec_csrf),
            ("roles", "system_admin"),
            ("roles", "audit_admin"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("id=\"roles-error\"") && html.contains(&format!("id=\"roles-{id}\" open"))
    );
    let r = form(
        &w,
        &sec,
        &roles_path,
        &[("_csrf", &sec_csrf), ("roles", "catalog_editor")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        w.get(&sec, "/admin/staff")
            .await
            .text()
            .contains("事项编辑员")
    );
    // Nobody edits their own roles or deactivates themselves (no buttons; refused if forged).
    let sec_id = row_id(&page, "security");
    assert!(!page.contains(&format!("id=\"roles-{sec_id}\"")));
    let r = form(
        &w,
        &sec,
        &format!("/admin/staff/{sec_id}/roles"),
        &[("_csrf", &sec_csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Deactivation ends the account's sessions; reactivation.
    let newbie = w.sign_in("xintongshi").await;
    let r = form(
        &w,
        &sys,
        &format!("/admin/staff/{id}/deactivate"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        w.get(&newbie, "/admin/items").await.status,
        StatusCode::SEE_OTHER
    );
    let r = form(
        &w,
        &sys,
        &format!("/admin/staff/{id}/activate"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for bad in [
        "/admin/staff/abc/deactivate",
        "/admin/staff/1/explode",
        "/admin/staff/99999/activate",
    ] {
        let r = form(&w, &sys, bad, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // API tokens: the system administrator may not; the security administrator issues one and
    // sees its secret once.
    assert_eq!(
        w.get(&sys, "/admin/tokens").await.status,
        StatusCode::FORBIDDEN
    );
    let page = w.get(&sec, "/admin/tokens").await.text();
    assert!(page.contains("id=\"token-form\"") && page.contains("id=\"rotate-keys\""));
    assert!(
        !page.contains("value=\"audit.read\""),
        "administrators' powers are never offered"
    );
    let r = form(
        &w,
        &sec,
        "/admin/tokens",
        &[
            ("_csrf", &sec_csrf),
            ("name", ""),
            ("department_id", &dept),
            ("days", "abc"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    for f in ["name", "permissions", "days"] {
        assert!(html.contains(&format!("id=\"{f}-error\"")), "{f}");
    }
    let r = form(
        &w,
        &sec,
        "/admin/tokens",
        &[
            ("_csrf", &sec_csrf),
            ("name", "市场监管局审批系统"),
            ("department_id", &dept),
            ("permissions", "catalog.edit"),
            ("days", "30"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let html = r.text();
    let at = html.find("id=\"token-secret\">").unwrap();
    let secret: String = html[at + "id=\"token-secret\">".len()..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    assert!(secret.starts_with("yw_"), "{secret}");
    let page = w.get(&sec, "/admin/tokens").await.text();
    assert!(
        page.contains("市场监管局审批系统") && !page.contains(&secret),
        "shown once"
    );
    let at = page.find("/admin/tokens/").unwrap();
    let token_id: String = page[at + "/admin/tokens/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let r = form(
        &w,
        &sec,
        &format!("/admin/tokens/{token_id}/revoke"),
        &[("_csrf", &sec_csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(w.get(&sec, "/admin/tokens").await.text().contains("已撤销"));
    // Key rotation.
    let r = form(&w, &sec, "/admin/keys/rotate", &[("_csrf", &sec_csrf)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("密钥已轮换"));
    let r = form(&w, &sys, "/admin/keys/rotate", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_audit_page_is_refused_to_the_system_administrator_and_works_for_the_auditor() {
    let w = World::new().await;
    let sys = w.sign_in("sysadmin").await;
    let r = w.get(&sys, "/admin/audit").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("<html"));
    let auditor = w.sign_in("auditor").await;
    let r = w.get(&auditor, "/admin/audit").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"audit-head\""));
    assert!(html.contains("yiwang audit verify --anchor "));
    // The refusal of the system administrator is in the log, newest first, described.
    assert!(html.contains("auth.denied") && html.contains("越权访问被拒绝"));
    assert!(html.contains("staff:sysadmin"));
    let first = html.find("id=\"entry-").unwrap();
    let seqs: Vec<i64> = html
        .match_indices("id=\"entry-")
        .map(|(i, _)| {
            html[i + "id=\"entry-".len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        first > 0 && seqs.windows(2).all(|p| p[0] > p[1]),
        "{seqs:?}"
    );
    // Filters: one action, one actor.
    let html = w
        .get(
            &auditor,
            "/admin/audit?action=auth.sign_in&actor=staff%3Asysadmin",
        )
        .await
        .text();
    assert!(html.contains("登录") && html.contains("<option value=\"auth.sign_in\" selected"));
    assert_eq!(html.matches("id=\"entry-").count(), 1, "{html}");
    // Paging backwards by sequence number; the newest link comes back.
    let before = seqs[1];
    let html = w
        .get(&auditor, &format!("/admin/audit?before={before}"))
        .await
        .text();
    assert!(!html.contains(&format!("id=\"entry-{}\"", seqs[0])));
    assert!(html.contains(&format!("id=\"entry-{}\"", seqs[2])) || seqs.len() < 3);
    assert!(html.contains("id=\"audit-newest\""));
    // Nonsense filters are a page with the problem (bad input, 400), not a 500.
    let r = w.get(&auditor, "/admin/audit?before=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("before"));
    let r = w
        .get(&auditor, "/admin/audit?outcome=%3Cb%3E&object=%27%22")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Paging: with more than one page, "older" appears.
    for _ in 0..30 {
        w.get(&sys, "/admin/audit").await;
    }
    let html = w.get(&auditor, "/admin/audit").await.text();
    assert!(html.contains("id=\"audit-older\""));
    // The event catalog is public.
    let r = w.get(&w.anonymous(), "/audit/events").await;
    assert_eq!(r.status, StatusCode::OK);
    for (action, zh, _) in yiwang_audit::EVENTS {
        assert!(
            r.text().contains(action) && r.text().contains(zh),
            "{action}"
        );
    }
}

/// `/prefs` goes back only to a path on this site: a tab that browsers strip (`/%09/evil`)
/// or a CR/LF (which cannot be a header, and once gave a 500) falls back to the home page
/// (issue 11, finding 7).
#[tokio::test]
async fn prefs_never_redirects_off_site_or_fails() {
    let w = World::new().await;
    let anon = w.anonymous();
    for (next, to) in [
        ("/%09/evil.example", "/"),
        ("/%0d%0aX:1", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/search%3Fq%3Dab", "/search?q=ab"),
    ] {
        let r = w.get(&anon, &format!("/prefs?lang=en&next={next}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}: {}", r.text());
        assert_eq!(r.headers["location"], to, "{next}");
    }
}

#[tokio::test]
async fn the_stylesheet_and_the_script_are_served_under_a_content_digest() {
    let w = World::new().await;
    let anon = w.anonymous();
    let home = w.get(&anon, "/").await.text();
    let v = home
        .split("/static/style.css?v=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the stylesheet's address carries its digest")
        .to_string();
    assert!(
        home.contains(&format!("/static/pages.js?v={v}")),
        "the script shares the digest"
    );
    for (path, kind, needle) in [
        ("/static/style.css", "text/css", "table.cards"),
        ("/static/pages.js", "text/javascript", "details.fold"),
    ] {
        let r = w.get(&anon, &format!("{path}?v={v}")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let ct = r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        assert!(r.text().contains(needle), "{path}");
    }
}
