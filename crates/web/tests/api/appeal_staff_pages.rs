//! The staff pages of appeals (12345 工单) through the router: an operator answers a 咨询 from
//! the knowledge base (closed at once); an order filed at the hotline is dispatched, transferred
//! and returned with reasons that show in the flow record, signed for, handled with a photo and
//! replied to; a supervisor 督办 an overdue order flagged in words and colour; the settings pages
//! save categories, knowledge and limits; citizens and staff without reach are refused.

use axum::http::{Method, StatusCode, header};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{input_value, location, post_form};
use crate::harness::{Client, PASSWORD, Resp, World, register_person};

/// A 1×1 grey PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x7e, 0x05, 0x0d, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const BOUNDARY: &str = "----appealphotos";

fn photo_form(fields: &[(&str, &str)], photo: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"road.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(photo);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// The appeal staff of the test: operator and dispatcher and administrator at the city's
/// service bureau, a grid worker in 赤坎区's bureau, one in the city bureau and one elsewhere.
async fn appeal_staff(w: &World) {
    let sys = Ctx::system("test");
    for (u, d, role) in [
        ("operator", w.city_zsj, "hotline_operator"),
        ("dispatcher", w.city_zsj, "appeal_dispatcher"),
        ("appealadmin", w.city_zsj, "appeal_admin"),
        ("gwchikan", w.chikan_scjg, "grid_worker"),
        ("gwcity", w.city_scjg, "grid_worker"),
        ("gwother", w.city_zsj, "grid_worker"),
    ] {
        w.state
            .identity
            .create_staff(
                &sys,
                &StaffInput {
                    username: u.into(),
                    name: format!("测试{u}"),
                    department_id: d,
                    roles: vec![role.into()],
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
    }
}

async fn category(w: &World, admin: &Client, code: &str, name: &str, department: Option<i64>) {
    let dep = department.map(|d| d.to_string()).unwrap_or_default();
    let r = post_form(
        w,
        admin,
        "/admin/appeal-settings/categories",
        &[
            ("code", code),
            ("name", name),
            ("department_id", &dep),
            ("keywords", name),
            ("active", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// The number of the order a hotline redirect names (`?filed=` / `?answered=`).
fn filed_no(r: &Resp) -> String {
    let to = location(r);
    let no = to
        .split_once('=')
        .map(|(_, n)| n.to_string())
        .unwrap_or_default();
    assert!(!no.is_empty(), "{to}");
    no
}

async fn file_by_phone(w: &World, operator: &Client, category: &str, title: &str) -> String {
    let r = post_form(
        w,
        operator,
        "/staff/hotline",
        &[
            ("contact_phone", "13800759001"),
            ("contact_name", "陈先生"),
            ("appeal_type", "complaint"),
            ("category", category),
            ("title", title),
            (
                "content",
                "中华街道民主路与解放路交界处路面塌陷，影响通行。",
            ),
            ("address", "赤坎区中华街道民主路"),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(location(&r).starts_with("/staff/hotline?filed="));
    filed_no(&r)
}

/// Takes an action on an order from its page (with the revision shown) and follows the
/// redirect back to the page.
async fn act(w: &World, c: &Client, no: &str, action: &str, fields: &[(&str, &str)]) -> String {
    let page = w.get(c, &format!("/staff/appeals/{no}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(&format!("id=\"act-{action}\"")),
        "{action} not offered: {html}"
    );
    let rev = input_value(&html, "revision");
    let mut all = vec![("revision", rev.as_str())];
    all.extend_from_slice(fields);
    let r = post_form(w, c, &format!("/staff/appeals/{no}/act/{action}"), &all).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.text());
    let to = location(&r);
    assert!(to.ends_with(&format!("?done=appeal_{action}")), "{to}");
    let page = w.get(c, &to).await;
    assert_eq!(page.status, StatusCode::OK, "{to}");
    if to.starts_with("/staff/appeals?") {
        // Out of the caller's reach now: the queue with the message; the order as the
        // dispatcher sees it.
        assert!(page.text().contains("id=\"flash\""));
        let d = w.sign_in("dispatcher").await;
        return w.get(&d, &format!("/staff/appeals/{no}")).await.text();
    }
    page.text()
}

#[tokio::test]
async fn an_operator_answers_a_consult_from_the_knowledge_base() {
    let w = World::new().await;
    appeal_staff(&w).await;
    let admin = w.sign_in("appealadmin").await;
    category(
        &w,
        &admin,
        "consult-licence",
        "营业执照咨询",
        Some(w.city_scjg),
    )
    .await;
    let kb = post_form(
        &w,
        &admin,
        "/admin/appeal-settings/knowledge",
        &[
            ("category_code", "consult-licence"),
            ("question", "办理营业执照需要多长时间？"),
            ("answer", "材料齐全的，当场或1个工作日内办结。"),
            ("keywords", "营业执照 时间"),
            ("active", "1"),
        ],
    )
    .await;
    assert_eq!(kb.status, StatusCode::SEE_OTHER, "{}", kb.text());
    let settings = w.get(&admin, "/admin/appeal-settings").await.text();
    assert!(
        settings.contains("营业执照咨询") && settings.contains("办理营业执照需要多长时间"),
        "{settings}"
    );

    let operator = w.sign_in("operator").await;
    let screen = w
        .get(
            &operator,
            "/staff/hotline?phone=13800759001&kq=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",
        )
        .await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.text());
    let html = screen.text();
    assert!(html.contains("id=\"caller-history-none\""), "{html}");
    let id = input_value(&html, "knowledge_id");
    let r = post_form(
        &w,
        &operator,
        "/staff/hotline/answer",
        &[
            ("knowledge_id", &id),
            ("category", "consult-licence"),
            ("contact_phone", "13800759001"),
            ("contact_name", "陈先生"),
            ("content", "想问办理营业执照要多久"),
            ("answer", "材料齐全的，当场或1个工作日内办结。"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(location(&r).starts_with("/staff/hotline?answered="));
    let no = filed_no(&r);
    let done = w.get(&operator, &location(&r)).await.text();
    assert!(
        done.contains("id=\"filed\"") && done.contains(&no) && done.contains("直接办结"),
        "{done}"
    );
    // The caller's history now has it.
    let again = w
        .get(&operator, "/staff/hotline?phone=13800759001")
        .await
        .text();
    assert!(
        again.contains("id=\"caller-history\"") && again.contains(&no),
        "{again}"
    );
    // An answer without content is refused with the problem in the summary; nothing filed.
    let bad = post_form(
        &w,
        &operator,
        "/staff/hotline/answer",
        &[
            ("knowledge_id", &id),
            ("category", "consult-licence"),
            ("contact_phone", "13800759001"),
            ("content", ""),
            ("answer", "材料齐全的，当场办结。"),
        ],
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("id=\"error-summary\""));
}

#[tokio::test]
async fn an_order_is_dispatched_transferred_returned_signed_handled_and_replied() {
    let w = World::new().await;
    appeal_staff(&w).await;
    let admin = w.sign_in("appealadmin").await;
    category(&w, &admin, "road-damage", "道路破损", None).await;
    let operator = w.sign_in("operator").await;
    let no = file_by_phone(&w, &operator, "road-damage", "民主路路面塌陷").await;
    // No owning department: waiting for the dispatcher, and the screen says so.
    let filed = w
        .get(&operator, &format!("/staff/hotline?filed={no}"))
        .await
        .text();
    assert!(
        filed.contains("id=\"filed-route\"") && filed.contains("待派单"),
        "{filed}"
    );

    let dispatcher = w.sign_in("dispatcher").await;
    let queue = w.get(&dispatcher, "/staff/appeals?status=received").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
    assert!(
        queue.text().contains(&format!("id=\"row-{no}\"")),
        "{}",
        queue.text()
    );
    let city = w.city_scjg.to_string();
    let html = act(
        &w,
        &dispatcher,
        &no,
        "dispatch",
        &[("to_department", &city)],
    )
    .await;
    assert!(html.contains("已派单"), "{html}");

    // The city bureau's worker transfers it to 赤坎区 with a reason.
    let gwcity = w.sign_in("gwcity").await;
    let chikan = w.chikan_scjg.to_string();
    let html = act(
        &w,
        &gwcity,
        &no,
        "transfer",
        &[
            ("to_department", &chikan),
            ("text", "属赤坎区辖区，转赤坎区办理"),
        ],
    )
    .await;
    assert!(html.contains("属赤坎区辖区，转赤坎区办理"), "{html}");

    // 赤坎区's worker: a return without a reason is refused and named; with one it goes back.
    let gw = w.sign_in("gwchikan").await;
    let mine = w.get(&gw, "/staff/appeals").await.text();
    assert!(mine.contains(&no), "{mine}");
    let page = w.get(&gw, &format!("/staff/appeals/{no}")).await.text();
    let rev = input_value(&page, "revision");
    let bad = post_form(
        &w,
        &gw,
        &format!("/staff/appeals/{no}/act/return"),
        &[("revision", &rev), ("text", "")],
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("id=\"error-summary\""));
    let html = act(
        &w,
        &gw,
        &no,
        "return",
        &[("text", "塌陷点位于市政主干道，应由市级处理")],
    )
    .await;
    let flow = &html[html.find("id=\"appeal-flow\"").unwrap()..];
    assert!(
        flow.contains("塌陷点位于市政主干道，应由市级处理") && flow.contains("属赤坎区辖区"),
        "both reasons in the flow: {flow}"
    );

    // Dispatched again to 赤坎区; signed, handled with a photo, replied.
    act(
        &w,
        &dispatcher,
        &no,
        "dispatch",
        &[("to_department", &chikan), ("text", "请赤坎区先行处置")],
    )
    .await;
    act(&w, &gw, &no, "sign", &[]).await;
    let page = w.get(&gw, &format!("/staff/appeals/{no}")).await.text();
    let rev = input_value(&page, "revision");
    let csrf = gw.csrf.clone().unwrap_or_default();
    let r = w
        .send(
            &gw,
            Method::POST,
            &format!("/staff/appeals/{no}/act/handle?_csrf={csrf}"),
            Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
            photo_form(&[("revision", &rev), ("text", "已设置围挡并安排抢修")], PNG),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&gw, &location(&r)).await.text();
    assert!(html.contains("已设置围挡并安排抢修"), "{html}");
    let at = html
        .find(&format!("src=\"/staff/appeals/{no}/photos/"))
        .expect("the photo's thumbnail");
    let src: String = html[at + 5..].chars().take_while(|c| *c != '"').collect();
    let img = w.get(&gw, &src).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(
        img.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    let html = act(&w, &gw, &no, "reply", &[("text", "路面已修复，恢复通行。")]).await;
    assert!(
        html.contains("id=\"appeal-reply\"") && html.contains("路面已修复"),
        "{html}"
    );

    // A citizen and a worker of another department are refused the order and its photo.
    let citizen = register_person(&w, "王五", "440802199001011238", "13800000009").await;
    let other = w.sign_in("gwother").await;
    for c in [&citizen, &other] {
        let s = w.get(c, &format!("/staff/appeals/{no}")).await.status;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "{s}"
        );
        let s = w.get(c, &src).await.status;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "{s}"
        );
    }
    let r = post_form(
        &w,
        &other,
        &format!("/staff/appeals/{no}/act/sign"),
        &[("revision", "1")],
    )
    .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.status
    );
}

#[tokio::test]
async fn a_supervisor_supervises_an_overdue_order() {
    let w = World::new().await;
    appeal_staff(&w).await;
    let admin = w.sign_in("appealadmin").await;
    category(&w, &admin, "env-noise", "噪音扰民", Some(w.chikan_scjg)).await;
    let operator = w.sign_in("operator").await;
    let no = file_by_phone(&w, &operator, "env-noise", "夜间施工噪音").await;
    // Routed by category to its department; nobody handles it for 40 days.
    w.clock.advance(time::Duration::days(40));
    let supervisor = w.sign_in("supervisor").await;
    let queue = w.get(&supervisor, "/staff/appeals?overdue=1").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
    let html = queue.text();
    let row = &html[html
        .find(&format!("id=\"row-{no}\""))
        .expect("the overdue order")..];
    let row = &row[..row.find("</tr>").unwrap_or(row.len())];
    assert!(
        row.contains("warn-red") && row.contains("红灯：已超期"),
        "colour and words: {row}"
    );
    let start = w.get(&supervisor, "/admin").await.text();
    assert!(start.contains("id=\"q-appeal_overdue\""), "{start}");
    let html = act(
        &w,
        &supervisor,
        &no,
        "supervise",
        &[("level", "重点"), ("text", "请于两个工作日内办结并答复")],
    )
    .await;
    assert!(html.contains("请于两个工作日内办结并答复"), "{html}");
    // The supervisor sees the figures; the operator does not.
    let stats = w
        .get(
            &supervisor,
            "/staff/appeal-stats?by=category&from=2026-11-01",
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    assert!(stats.text().contains("噪音扰民"), "{}", stats.text());
    let bad = w
        .get(&supervisor, "/staff/appeal-stats?from=2026-13-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let operator = w.sign_in("operator").await;
    assert_eq!(
        w.get(&operator, "/staff/appeal-stats").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_settings_keep_what_was_typed_and_name_the_problem() {
    let w = World::new().await;
    appeal_staff(&w).await;
    let admin = w.sign_in("appealadmin").await;
    let page = w.get(&admin, "/admin/appeal-settings").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(
        page.text().contains("name=\"limit.consult\" value=\"2\""),
        "{}",
        page.text()
    );
    let mut fields: Vec<(String, String)> = yiwang_appeals::AppealType::ALL
        .iter()
        .map(|t| (format!("limit.{}", t.as_str()), "12".to_string()))
        .collect();
    fields[0].1 = "0".into();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bad = post_form(&w, &admin, "/admin/appeal-settings/limits", &pairs).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(
        bad.text().contains("id=\"limit-consult-error\""),
        "{}",
        bad.text()
    );
    fields[0].1 = "3".into();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let ok = post_form(&w, &admin, "/admin/appeal-settings/limits", &pairs).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let page = w.get(&admin, "/admin/appeal-settings").await.text();
    assert!(
        page.contains("name=\"limit.consult\" value=\"3\""),
        "{page}"
    );
    // A category without a name: refused, named, the code kept.
    let bad = post_form(
        &w,
        &admin,
        "/admin/appeal-settings/categories",
        &[("code", "x-nameless"), ("name", ""), ("active", "1")],
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("value=\"x-nameless\""));
    // The grids page shows the (empty) map to the administrator with the import form.
    let grids = w.get(&admin, "/staff/grids").await;
    assert_eq!(grids.status, StatusCode::OK, "{}", grids.text());
    assert!(grids.text().contains("id=\"import-form\"") && grids.text().contains("<svg"));
}

#[tokio::test]
async fn the_appeal_pages_refuse_anonymous_callers_citizens_and_staff_without_the_role() {
    let w = World::new().await;
    appeal_staff(&w).await;
    let citizen = register_person(&w, "王五", "440802199001011238", "13800000009").await;
    let officer = w.sign_in("officer").await;
    let gw = w.sign_in("gwchikan").await;
    let anon = w.anonymous();
    let pages = [
        "/staff/hotline",
        "/staff/appeals",
        "/staff/appeals/NOPE",
        "/staff/appeals/NOPE/photos/abc",
        "/staff/appeal-stats",
        "/admin/appeal-settings",
    ];
    for path in pages {
        let r = w.get(&anon, path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/signin"), "{path}");
        assert_eq!(
            w.get(&citizen, path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // A case officer holds appeal.handle (department reach) but takes no calls, keeps no settings.
    for (c, path) in [
        (&officer, "/staff/hotline"),
        (&officer, "/admin/appeal-settings"),
        (&gw, "/staff/hotline"),
        (&gw, "/admin/appeal-settings"),
        (&gw, "/staff/appeal-stats"),
    ] {
        assert_eq!(w.get(c, path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    for (path, fields) in [
        ("/staff/hotline", vec![("appeal_type", "consult")]),
        ("/staff/hotline/answer", vec![("content", "x")]),
        ("/admin/appeal-settings/categories", vec![("code", "a")]),
        ("/admin/appeal-settings/knowledge", vec![("question", "q")]),
        (
            "/admin/appeal-settings/limits",
            vec![("limit.consult", "2")],
        ),
        ("/staff/grids/G1/workers", vec![("workers", "gwchikan")]),
    ] {
        for c in [&citizen, &gw] {
            let r = post_form(&w, c, path, &fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    // The grid worker has the queue (their own) but not the operator's screen.
    assert_eq!(w.get(&gw, "/staff/appeals").await.status, StatusCode::OK);
}
