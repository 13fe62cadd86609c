//! The case pages through the real router: a citizen applies online (a problem shown next to
//! its field, the file kept), follows the case, staff accept, claim, approve and deliver from
//! the case page, the citizen rates; window reception, the one-time notice and supplements;
//! the public progress query; who may see which page.

use axum::http::{Method, StatusCode, header};

use crate::cases::{ID_A, PHONE_A, pdf, person_elements};
use crate::harness::{Client, Resp, World, publish_item_with, register_person};

const FORM: &str = "application/x-www-form-urlencoded";
const BOUNDARY: &str = "----yiwangtestboundary7MA4YWxkTrZu0gW";

/// A multipart body: text fields, then files (input name, file name, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

pub async fn post_multipart(w: &World, c: &Client, path: &str, body: Vec<u8>) -> Resp {
    w.send(
        c,
        Method::POST,
        path,
        Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        body,
    )
    .await
}

pub async fn post_form(w: &World, c: &Client, path: &str, pairs: &[(&str, &str)]) -> Resp {
    let mut all = vec![("_csrf", c.csrf.clone().unwrap_or_default())];
    all.extend(pairs.iter().map(|(k, v)| (*k, v.to_string())));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all)
        .finish();
    w.send(c, Method::POST, path, Some(FORM), body.into_bytes())
        .await
}

pub fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no redirect ({}): {}", r.status, r.text()))
}

/// The value of the first `name="…" value="…"` input with this name.
pub fn input_value(html: &str, name: &str) -> String {
    let pat = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&pat)
        .unwrap_or_else(|| panic!("no input {name} in the page"));
    let rest = &html[at + pat.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The case number of a redirect to a case page.
pub fn case_no_of(loc: &str) -> String {
    let rest = loc
        .strip_prefix("/my/cases/")
        .or_else(|| loc.strip_prefix("/staff/cases/"))
        .unwrap_or_else(|| panic!("not a case page: {loc}"));
    rest.split('?').next().unwrap().to_string()
}

/// Loads the staff case page and posts one of its actions with the revision shown.
pub async fn staff_action(
    w: &World,
    c: &Client,
    no: &str,
    action: &str,
    pairs: &[(&str, &str)],
) -> Resp {
    let page = w.get(c, &format!("/staff/cases/{no}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let rev = input_value(&page.text(), "revision");
    let mut all = vec![("revision", rev.as_str())];
    all.extend_from_slice(pairs);
    post_form(w, c, &format!("/staff/cases/{no}/{action}"), &all).await
}

#[tokio::test]
async fn a_citizen_applies_online_and_staff_handle_it_on_the_pages() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let anon = w.anonymous();

    // The guide offers the online application; without a session it leads to sign in first.
    let guide = w.get(&anon, &format!("/items/{code}")).await.text();
    assert!(
        guide.contains(&format!("href=\"/items/{code}/apply\"")),
        "apply link"
    );
    let r = w.get(&anon, &format!("/items/{code}/apply")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("/signin?next=%2Fitems%2F{code}%2Fapply")
    );
    let clerk = w.sign_in("clerk").await;
    let r = w.get(&clerk, &format!("/items/{code}/apply")).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "staff do not apply as persons"
    );

    // The form: prefilled identity shown masked (never in full), inputs by kind, one file
    // input per checklist entry, an e-licence entry marked and optional.
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let page = w.get(&citizen, &format!("/items/{code}/apply")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    for s in [
        "name=\"f.shop\"",
        "name=\"f.area\"",
        "440802********1238",
        "陈小明",
        "name=\"m.M01\"",
        "name=\"m.M02\"",
        "accept=\".pdf,.jpg,.jpeg,.png,.ofd\"",
        "可用电子证照免提交",
        "enctype=\"multipart/form-data\"",
    ] {
        assert!(html.contains(s), "apply page lacks {s}");
    }
    assert!(
        !html.contains(ID_A),
        "the full ID number never reaches the page"
    );
    assert!(
        !html.contains("name=\"f.id_number\""),
        "a prefilled field has no input"
    );
    let idem = input_value(&html, "_idem");
    // English, including the strings of the form macros.
    let en = w
        .get(
            &Client {
                cookie: Some(format!(
                    "{}; yiwang_lang=en",
                    citizen.cookie.clone().unwrap()
                )),
                csrf: citizen.csrf.clone(),
            },
            &format!("/items/{code}/apply"),
        )
        .await
        .text();
    assert!(
        en.contains("Application form") && en.contains("An e-licence can replace it"),
        "English apply page"
    );

    // Without the anti-forgery token (a form posted from elsewhere) nothing happens.
    let r = post_multipart(
        &w,
        &Client {
            cookie: citizen.cookie.clone(),
            csrf: None,
        },
        &format!("/items/{code}/apply"),
        multipart(&[("_idem", &idem), ("f.shop", "海滨小馆")], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A first attempt with a missing shop name and a bad area: 422, each problem next to its
    // field in both languages, what was typed kept, the uploaded file kept as a ticket.
    let apply_path = format!(
        "/items/{code}/apply?_csrf={}",
        citizen.csrf.clone().unwrap()
    );
    let r = post_multipart(
        &w,
        &Client {
            cookie: citizen.cookie.clone(),
            csrf: None,
        },
        &apply_path,
        multipart(
            &[("_idem", &idem), ("f.shop", ""), ("f.area", "很大")],
            &[("m.M01", "申请书.pdf", pdf(1))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    for s in [
        "id=\"f-shop-error\"",
        "“店铺名称”为必填项",
        "id=\"f-area-error\"",
        "value=\"很大\"",
        "name=\"t.M01\"",
        "申请书.pdf",
    ] {
        assert!(html.contains(s), "422 page lacks {s}");
    }
    assert!(!html.contains("is required"), "no English in Chinese mode");
    let ticket = input_value(&html, "t.M01");
    assert_eq!(input_value(&html, "_idem"), idem, "the same key is kept");

    // A file that is not what its name says is refused next to its entry.
    let r = post_multipart(
        &w,
        &citizen,
        &apply_path,
        multipart(
            &[("_idem", &idem), ("f.shop", "海滨小馆"), ("f.area", "36.5")],
            &[("m.M01", "申请书.pdf", b"MZ not a pdf".to_vec())],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("id=\"m-M01-error\""), "{}", r.text());

    // Corrected, with the kept file: the case is created and the browser goes to it.
    let fixed = multipart(
        &[
            ("_idem", &idem),
            ("f.shop", "海滨小馆"),
            ("f.area", "36.5"),
            ("t.M01", &ticket),
            ("tn.M01", "申请书.pdf"),
        ],
        &[],
    );
    let r = post_multipart(&w, &citizen, &apply_path, fixed.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = location(&r);
    assert!(loc.ends_with("?done=case_applied"), "{loc}");
    let no = case_no_of(&loc);
    // Sent twice (a reload): the same case.
    let again = post_multipart(&w, &citizen, &apply_path, fixed).await;
    assert_eq!(case_no_of(&location(&again)), no);

    let list = w.get(&citizen, "/my/cases").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains(&no) && list.text().contains("待受理"));
    let mine = w.get(&citizen, &loc).await.text();
    for s in [
        "申请已提交",
        "待受理",
        "海滨小馆",
        "申请书.pdf",
        "id=\"withdraw-form\"",
    ] {
        assert!(mine.contains(s), "case page lacks {s}");
    }
    // Someone else's case is not found.
    let other = register_person(&w, "黄丽", "440811199203040017", "13800759002").await;
    let r = w.get(&other, &format!("/my/cases/{no}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The public progress query (posted, so the credential stays out of every address): by
    // phone, no personal data; a wrong pair is not found.
    let p = post_form(
        &w,
        &anon,
        "/progress",
        &[("case_no", &no), ("credential", PHONE_A)],
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    assert!(p.text().contains("id=\"progress-result\"") && p.text().contains("待受理"));
    assert!(!p.text().contains("陈小明") && !p.text().contains(PHONE_A));
    let p = post_form(
        &w,
        &anon,
        "/progress",
        &[("case_no", &no), ("credential", "440811199203040017")],
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.text().contains("未查到该办件"));
    let p = post_form(&w, &anon, "/progress", &[("case_no", &no)]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text().contains("id=\"credential-error\""));
    assert_eq!(w.get(&anon, "/progress").await.status, StatusCode::OK);

    // The clerk finds it in the inbox and accepts it; a stale revision answers the conflict
    // with the fresh case.
    let inbox = w.get(&clerk, "/staff/cases?status=submitted").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.text());
    assert!(inbox.text().contains(&no));
    let r = w.get(&clerk, "/staff/cases?from=2026-13-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"from-error\""));
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains("id=\"accept-submit\"") && page.contains("440802********1238"));
    assert!(
        !page.contains(ID_A),
        "the applicant's number is masked for staff too"
    );
    // The material links download the file (staff through the API, the applicant from the
    // case page).
    let pat = format!("href=\"/api/v1/cases/{no}/materials/");
    let at = page.find(&pat).expect("a material link");
    let sha: String = page[at + pat.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let f = w
        .get(&clerk, &format!("/api/v1/cases/{no}/materials/{sha}"))
        .await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, pdf(1));
    let f = w
        .get(&citizen, &format!("/my/cases/{no}/materials/{sha}"))
        .await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, pdf(1));
    assert!(!page.contains("id=\"claim-"), "a clerk claims no steps");
    let r = post_form(
        &w,
        &clerk,
        &format!("/staff/cases/{no}/accept"),
        &[("revision", "99")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("已被他人处理") && r.text().contains("id=\"accept-submit\""));
    let r = staff_action(&w, &clerk, &no, "accept", &[]).await;
    assert_eq!(location(&r), format!("/staff/cases/{no}?done=case_accept"));

    // Officers claim and approve each step from the case page until it is concluded.
    let officer = w.sign_in("officer").await;
    let officer2 = w.sign_in("officer2").await;
    let mine = w.get(&officer, "/staff/cases?mine=1").await.text();
    assert!(mine.contains(&no), "waiting for the officer");
    for (who, step) in [(&officer, "s1"), (&officer2, "s2")] {
        let page = w.get(who, &format!("/staff/cases/{no}")).await.text();
        assert!(page.contains(&format!("id=\"claim-{step}\"")), "{step}");
        let r = staff_action(&w, who, &no, "claim", &[("step", step)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = staff_action(
            &w,
            who,
            &no,
            "approve",
            &[("step", step), ("opinion", "同意")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(page.contains("已办结") && page.contains("id=\"deliver-submit\""));
    // Mail without a tracking number is named; then delivered by mail.
    let r = staff_action(&w, &clerk, &no, "deliver", &[("method", "mail")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"reference-error\""));
    let r = staff_action(
        &w,
        &clerk,
        &no,
        "deliver",
        &[("method", "mail"), ("reference", "SF1234567890")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // The citizen sees it delivered and rates it: a bad rating needs a comment.
    let page = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    assert!(page.contains("已送达") && page.contains("id=\"rating-form\""));
    assert!(!page.contains("id=\"withdraw-form\""));
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/cases/{no}/rate"),
        &[("service", "conclude"), ("level", "2")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"comment-error\""));
    assert!(r.text().contains("id=\"level-2\" checked"), "choice kept");
    let r = post_form(
        &w,
        &citizen,
        &format!("/my/cases/{no}/rate"),
        &[
            ("service", "conclude"),
            ("level", "2"),
            ("indicators", "502"),
            ("comment", "等待时间太长"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    assert!(page.contains("等待时间太长") && page.contains("办事效率") && page.contains("待核实"));

    // The department follows the bad rating up on the supervision page; the reply reaches
    // the citizen.
    let sup = w.get(&officer, "/staff/supervision").await;
    assert_eq!(sup.status, StatusCode::OK, "{}", sup.text());
    let html = sup.text();
    let at = html.find("action=\"/staff/followups/").unwrap();
    let id: String = html[at + "action=\"/staff/followups/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    for (step, text) in [
        ("verify", "电话回访属实"),
        ("reply", "已增开窗口，感谢监督"),
    ] {
        let r = post_form(
            &w,
            &officer,
            &format!("/staff/followups/{id}"),
            &[("step", step), ("text", text)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{step}: {}", r.text());
    }
    let r = post_form(
        &w,
        &officer,
        &format!("/staff/followups/{id}"),
        &[("step", "verify"), ("text", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    assert!(page.contains("已增开窗口，感谢监督"));
    let r = w
        .get(&w.sign_in("supervisor").await, "/staff/supervision")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("id=\"followups\""));
}

#[tokio::test]
async fn window_reception_notice_and_supplements_on_the_pages() {
    let w = World::new().await;
    let code = publish_item_with(&w, person_elements()).await;
    let clerk = w.sign_in("clerk").await;
    // Registered before coming to the window, so the case shows under "my applications".
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;

    // Pick the item by a short search, then fill in the applicant, the form and a file.
    let r = w
        .get(
            &clerk,
            "/staff/window?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&format!("/staff/window?item={code}")));
    let r = w.get(&clerk, &format!("/staff/window?item={code}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("name=\"applicant.cert_no\"") && html.contains("name=\"f.shop\""));
    assert!(html.contains("留空时按申请人信息自动填写"));
    // A bad ID number is named next to its input.
    let fields = |cert: &'static str| {
        vec![
            ("item", code.clone()),
            ("applicant.kind", "person".to_string()),
            ("applicant.name", "陈小明".to_string()),
            ("applicant.cert_no", cert.to_string()),
            ("applicant.contact_phone", PHONE_A.to_string()),
            ("f.shop", "海滨小馆".to_string()),
            ("f.area", "20".to_string()),
        ]
    };
    let body = |cert: &'static str| {
        let f = fields(cert);
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&refs, &[("m.M01", "申请书.pdf", pdf(7))])
    };
    let r = post_multipart(&w, &clerk, "/staff/window", body("440802199001011239")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("id=\"applicant-cert_no-error\""));
    assert!(r.text().contains("value=\"海滨小馆\""));
    let r = post_multipart(&w, &clerk, "/staff/window", body(ID_A)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let no = case_no_of(&location(&r));

    // One-time notice from the case page; the registered applicant sees it and supplements.
    let r = staff_action(
        &w,
        &clerk,
        &no,
        "notice",
        &[
            ("notice_entry", "M01"),
            ("notice_reason", "申请书未签字"),
            ("notice_entry", ""),
            ("notice_reason", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    for s in [
        "待补正",
        "申请书未签字",
        "id=\"supplement-form\"",
        "name=\"f.shop\"",
    ] {
        assert!(page.contains(s), "supplement page lacks {s}");
    }
    assert!(
        !page.contains(ID_A) && !page.contains("name=\"f.id_number\""),
        "identity fields are not corrected here, and never shown in full"
    );
    let rev = input_value(&page, "revision");
    // Nothing handed in: named.
    let r = post_multipart(
        &w,
        &citizen,
        &format!("/my/cases/{no}/supplement"),
        multipart(
            &[("revision", &rev), ("f.shop", "海滨小馆"), ("f.area", "20")],
            &[],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = post_multipart(
        &w,
        &citizen,
        &format!("/my/cases/{no}/supplement"),
        multipart(
            &[("revision", &rev), ("f.shop", "海滨小馆"), ("f.area", "25")],
            &[("m.M01", "申请书（签字）.pdf", pdf(8))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    assert!(page.contains("待受理") && page.contains("申请书（签字）.pdf"));
    let page = w.get(&clerk, &format!("/staff/cases/{no}")).await.text();
    assert!(
        page.contains("25") && !page.contains("id=\"notice-form\""),
        "notice once"
    );

    // The clerk refuses acceptance with a reason (a missing reason is named).
    let r = staff_action(&w, &clerk, &no, "not-accept", &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"reason-error\""));
    let r = staff_action(
        &w,
        &clerk,
        &no,
        "not-accept",
        &[("reason", "不属于本部门职权范围")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&citizen, &format!("/my/cases/{no}")).await.text();
    assert!(page.contains("不予受理") && page.contains("不属于本部门职权范围"));
}

#[tokio::test]
async fn case_pages_are_for_their_people() {
    let w = World::new().await;
    let anon = w.anonymous();
    for p in [
        "/staff/cases",
        "/staff/window",
        "/staff/supervision",
        "/my/cases",
    ] {
        let r = w.get(&anon, p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(location(&r).starts_with("/signin?next="), "{p}");
    }
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    for p in ["/staff/cases", "/staff/window", "/staff/supervision"] {
        let r = w.get(&citizen, p).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{p}");
        assert!(r.text().contains("<html"));
    }
    let r = w.get(&citizen, "/my/cases").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("id=\"no-cases\"") && r.text().contains("id=\"nav-my-cases\""));
    // Navigation by role: officers see cases, clerks the window, supervisors supervision.
    for (user, has, lacks) in [
        ("officer", "nav-cases", "nav-window"),
        ("clerk", "nav-window", "nav-supervision"),
        ("supervisor", "nav-supervision", "nav-window"),
        ("editor", "nav-progress", "nav-cases"),
    ] {
        let c = w.sign_in(user).await;
        let html = w.get(&c, "/").await.text();
        assert!(html.contains(&format!("id=\"{has}\"")), "{user} {has}");
        assert!(!html.contains(&format!("id=\"{lacks}\"")), "{user} {lacks}");
    }
    // An officer may not use the window; a window page without a valid item says so.
    let officer = w.sign_in("officer").await;
    assert_eq!(
        w.get(&officer, "/staff/window").await.status,
        StatusCode::FORBIDDEN
    );
    let clerk = w.sign_in("clerk").await;
    let r = w.get(&clerk, "/staff/window?item=NOPE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(r.text().contains("id=\"window-pick\""));
    // Unknown cases and actions are not found.
    assert_eq!(
        w.get(&clerk, "/staff/cases/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
    let r = post_form(&w, &clerk, "/staff/cases/NOPE/fly", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_apply_page_offers_my_e_licence_instead_of_an_upload() {
    let w = World::new().await;
    let sys = yiwang_kernel::auth::Ctx::system("test");
    w.state
        .licences
        .define_type(&sys, &crate::cases::id_card_type())
        .await
        .unwrap();
    let id = w
        .state
        .licences
        .issue(
            &sys,
            &crate::cases::id_card_for("陈小明", ID_A, w.city_scjg),
        )
        .await
        .unwrap()
        .identifier;
    let code = publish_item_with(&w, person_elements()).await;
    let citizen = register_person(&w, "陈小明", ID_A, PHONE_A).await;
    let html = w
        .get(&citizen, &format!("/items/{code}/apply"))
        .await
        .text();
    assert!(
        html.contains(&format!("name=\"l.M02\" value=\"{id}\"")),
        "{html}"
    );
    let idem = input_value(&html, "_idem");
    let csrf = citizen.csrf.clone().unwrap();
    let body = multipart(
        &[
            ("_csrf", csrf.as_str()),
            ("_idem", idem.as_str()),
            ("f.shop", "海滨小馆"),
            ("f.area", "30"),
            ("l.M02", id.as_str()),
        ],
        &[("m.M01", "申请书.pdf", crate::cases::pdf(3))],
    );
    let r = post_multipart(&w, &citizen, &format!("/items/{code}/apply"), body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mine = w.get(&citizen, "/api/v1/me/cases").await.json();
    let no = mine["items"][0]["case_no"].as_str().unwrap().to_string();
    let v = w
        .get(&citizen, &format!("/api/v1/me/cases/{no}"))
        .await
        .json();
    assert!(
        v["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["source"] == "licence" && m["sha"] == id.as_str()),
        "{v}"
    );
    // Staff see where the material came from in their language, never the raw key.
    let officer = w.sign_in("officer").await;
    for (lang, shown) in [("zh", "电子证照"), ("en", "Electronic licence")] {
        let c = Client {
            cookie: Some(format!(
                "{}; yiwang_lang={lang}",
                officer.cookie.clone().unwrap()
            )),
            csrf: officer.csrf.clone(),
        };
        let page = w.get(&c, &format!("/staff/cases/{no}")).await.text();
        let materials = &page[page.find("id=\"case-materials\"").unwrap_or(0)..];
        assert!(materials.contains(shown), "{lang}: {materials}");
        assert!(
            !page.contains("source."),
            "{lang}: a raw i18n key on the case page"
        );
    }
}
