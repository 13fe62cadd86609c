//! The citizen's appeal pages through the real router: a citizen files with a photo and a
//! point (routed to the grid's worker), follows it, rates it and reopens it; a second appeal
//! 20 m away is offered as a duplicate before filing; an anonymous filer follows with the
//! query code (a wrong code is refused) and rates; nobody else sees the appeal or its photos;
//! every new route refuses whom it must.

use axum::http::StatusCode;
use yiwang_appeals::fixture::{Square, add_square};
use yiwang_appeals::{ActInput, Action, CategoryInput, GridKind, KnowledgeInput};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{location, multipart, post_form, post_multipart};
use crate::harness::{Client, PASSWORD, World, register_person};

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A point inside the test grid, and one 20 m north of it.
pub const INSIDE: (f64, f64) = (110.3600, 21.2700);
pub const NEARBY: (f64, f64) = (110.3600, 21.27018);

/// What the appeal tests need: a category, a unit grid around [`INSIDE`] with its worker.
pub struct Setup {
    pub category: String,
    pub grid_name: String,
    pub worker: String,
}

/// A category of the Chikan market regulator, one unit grid of that department whose worker
/// is `wg1` (a grid worker there), and a knowledge-base answer.
pub async fn setup(w: &World) -> Setup {
    let sys = Ctx::system("test");
    let worker = w
        .state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "wg1".into(),
                name: "网格员甲".into(),
                department_id: w.chikan_scjg,
                roles: vec!["grid_worker".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.state
        .appeals
        .save_category(
            &sys,
            CategoryInput {
                code: "SC01".into(),
                name: "占道经营".into(),
                parent_code: None,
                department_id: Some(w.chikan_scjg),
                specialty: None,
                description: "流动摊贩、占道经营".into(),
                keywords: "摆摊,占道".into(),
                active: true,
            },
        )
        .await
        .unwrap();
    add_square(
        &w.state.db,
        &w.state.appeals,
        &Square {
            code: "T-CK-001",
            name: "测试社区网格",
            kind: GridKind::Unit,
            specialty: None,
            division: "440802",
            department_id: Some(w.chikan_scjg),
            lon: 110.35,
            lat: 21.26,
            size: 0.02,
        },
        &[worker.id],
    )
    .await
    .unwrap();
    w.state
        .appeals
        .save_knowledge(
            &sys,
            KnowledgeInput {
                id: None,
                category_code: None,
                question: "社保卡丢失如何补办？".into(),
                answer: "携带身份证到任一社保卡服务网点办理挂失补办，也可在粤省事小程序办理。"
                    .into(),
                keywords: "社保卡,补办".into(),
                department_id: None,
                active: true,
            },
        )
        .await
        .unwrap();
    Setup {
        category: "SC01".into(),
        grid_name: "测试社区网格".into(),
        worker: "wg1".into(),
    }
}

/// The session context of a member of staff, for acting through the service.
pub async fn staff_ctx(w: &World, username: &str) -> Ctx {
    let (_, s) = w
        .state
        .identity
        .sign_in(username, PASSWORD, "")
        .await
        .unwrap();
    Ctx::new(s.actor, "")
}

/// The filing form's fields for an appeal at `point` (type 求助).
fn fields<'a>(
    category: &'a str,
    content: &'a str,
    lon: &'a str,
    lat: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("appeal_type", "help"),
        ("category", category),
        ("title", ""),
        ("content", content),
        ("lon", lon),
        ("lat", lat),
        ("address", ""),
        ("contact_name", ""),
        ("contact_phone", ""),
    ]
}

/// The text of the element with this id (its first text run).
pub fn text_by_id(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page: {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].trim().to_string()
}

/// Files as `c` (multipart, with the token in the address); the answer.
async fn file(
    w: &World,
    c: &Client,
    pairs: &[(&str, &str)],
    photos: &[(&str, &str, Vec<u8>)],
) -> crate::harness::Resp {
    let csrf = c.csrf.clone().unwrap_or_default();
    post_multipart(
        w,
        c,
        &format!("/appeals/new?_csrf={csrf}"),
        multipart(pairs, photos),
    )
    .await
}

/// Signs for, handles and replies to an appeal as its grid worker.
async fn worker_replies(w: &World, worker: &str, no: &str) {
    let ctx = staff_ctx(w, worker).await;
    let v = w.state.appeals.get(&ctx, no).await.unwrap();
    let v = w
        .state
        .appeals
        .act(&ctx, no, ActInput::new(Action::Sign, v.revision))
        .await
        .unwrap();
    let v = w
        .state
        .appeals
        .act(
            &ctx,
            no,
            ActInput::new(Action::Handle, v.revision).with_text("已到现场劝离摊贩。"),
        )
        .await
        .unwrap();
    w.state
        .appeals
        .act(
            &ctx,
            no,
            ActInput::new(Action::Reply, v.revision).with_text("摊贩已劝离，将持续巡查。"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_citizen_files_with_a_photo_and_a_point_follows_rates_and_reopens() {
    let w = World::new().await;
    let s = setup(&w).await;
    let citizen = register_person(&w, "张三", "440802199001011238", "13800138000").await;

    // The landing page explains 12345; the knowledge base answers a common question.
    let home = w.get(&w.anonymous(), "/appeals").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("id=\"nav-appeals\""), "header link");
    let kb = w
        .get(&w.anonymous(), "/appeals?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1")
        .await;
    assert_eq!(kb.status, StatusCode::OK);
    assert!(kb.text().contains("粤省事"), "{}", kb.text());

    // The form: the map to pick on, the name of the signed-in person filled in, the phone on
    // record offered (masked).
    let form = w.get(&citizen, "/appeals/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let html = form.text();
    assert!(html.contains("data-bbox"), "the map");
    assert!(html.contains("value=\"张三\""), "name prefilled");
    assert!(html.contains("138****8000"), "phone on record, masked");
    assert!(!html.contains("13800138000"), "never in full");

    // A missing content is named next to its input and in the summary; what was typed stays.
    let (lon, lat) = (INSIDE.0.to_string(), INSIDE.1.to_string());
    let r = file(&w, &citizen, &fields(&s.category, "", &lon, &lat), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("href=\"#appeal-content\""), "{html}");
    assert!(html.contains(&format!("value=\"{lon}\"")));

    // Filed with a photo and the point: routed to the grid's worker; the receipt says where
    // it went and by when.
    let r = file(
        &w,
        &citizen,
        &fields(
            &s.category,
            "中山二路人行道被水果摊占用，行人只能走机动车道。",
            &lon,
            &lat,
        ),
        &[("photos", "现场.png", PNG.to_vec())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = location(&r);
    assert!(loc.ends_with("?done=apc_filed"), "{loc}");
    let no = loc
        .trim_start_matches("/appeals/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = w.get(&citizen, &loc).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert_eq!(text_by_id(&html, "receipt-no"), no);
    assert!(
        text_by_id(&html, "receipt-where").contains(&s.grid_name),
        "{html}"
    );
    assert!(html.contains("id=\"receipt-due\""));
    assert!(
        !html.contains("id=\"receipt-code\""),
        "the owner needs no query code"
    );
    assert_eq!(text_by_id(&html, "appeal-status"), "已派单");
    let v = w
        .state
        .appeals
        .get(&Ctx::system("test"), &no)
        .await
        .unwrap();
    assert_eq!(v.photos.len(), 1);
    let digest = v.photos[0].digest.clone();

    // The photo for the owner, as the image it is; for nobody else.
    let photo = format!("/appeals/{no}/photos/{digest}");
    let r = w.get(&citizen, &photo).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "image/png");
    assert_eq!(r.body, PNG);
    let other = register_person(&w, "李四", "440802199001011254", "13800138001").await;
    let r = w.get(&other, &photo).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    let r = w.get(&other, &format!("/appeals/{no}")).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    assert!(!r.text().contains("中山二路"));
    let r = w.get(&w.anonymous(), &photo).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/signin?next="));

    // "My appeals" lists it; the other citizen's list does not.
    let mine = w.get(&citizen, "/appeals/mine").await.text();
    assert!(mine.contains(&no), "{mine}");
    let theirs = w.get(&other, "/appeals/mine").await.text();
    assert!(!theirs.contains(&no) && theirs.contains("id=\"no-appeals\""));

    // The worker replies; the owner sees the reply and rates it.
    worker_replies(&w, &s.worker, &no).await;
    let html = w.get(&citizen, &format!("/appeals/{no}")).await.text();
    assert_eq!(
        text_by_id(&html, "appeal-reply-text"),
        "摊贩已劝离，将持续巡查。"
    );
    assert!(html.contains("id=\"rating-form\""));
    let rev = crate::case_pages::input_value(&html, "revision");
    // 是否解决 left out: named, nothing recorded.
    let r = post_form(
        &w,
        &citizen,
        &format!("/appeals/{no}/rate"),
        &[("revision", &rev), ("satisfaction", "2")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("href=\"#resolved\"") || r.text().contains("href=\"#resolved-yes\""),
        "{}",
        r.text()
    );
    assert!(
        r.text()
            .contains("value=\"2\" id=\"satisfaction-2\" checked"),
        "kept"
    );
    let r = post_form(
        &w,
        &citizen,
        &format!("/appeals/{no}/rate"),
        &[
            ("revision", &rev),
            ("satisfaction", "2"),
            ("resolved", "no"),
            ("text", "第二天又来摆摊了。"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(location(&r).contains("done=apc_rated"));
    let html = w.get(&citizen, &format!("/appeals/{no}")).await.text();
    assert_eq!(text_by_id(&html, "appeal-satisfaction"), "不满意");
    assert_eq!(text_by_id(&html, "appeal-resolved"), "否");

    // Unsatisfied: reopened, with a reason (required).
    assert!(html.contains("id=\"reopen-form\""), "{html}");
    let rev = crate::case_pages::input_value(&html, "revision");
    let r = post_form(
        &w,
        &citizen,
        &format!("/appeals/{no}/reopen"),
        &[("revision", &rev), ("text", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("href=\"#reopen-text\""), "{}", r.text());
    let r = post_form(
        &w,
        &citizen,
        &format!("/appeals/{no}/reopen"),
        &[("revision", &rev), ("text", "问题没有解决，希望固定巡查。")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = w.get(&citizen, &location(&r)).await.text();
    assert_eq!(text_by_id(&html, "appeal-status"), "办理中");
    // The other citizen cannot rate or reopen it.
    let r = post_form(
        &w,
        &other,
        &format!("/appeals/{no}/reopen"),
        &[("revision", &rev), ("text", "x")],
    )
    .await;
    assert!(
        matches!(
            r.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::CONFLICT
        ),
        "{}",
        r.status
    );
}

#[tokio::test]
async fn a_second_appeal_twenty_metres_away_is_offered_as_a_duplicate() {
    let w = World::new().await;
    let s = setup(&w).await;
    let anon = w.anonymous();
    let (lon, lat) = (INSIDE.0.to_string(), INSIDE.1.to_string());
    // Without a phone nor anonymity the filer is told to give one (or file anonymously).
    let r = file(
        &w,
        &anon,
        &fields(&s.category, "北桥公园门口有流动摊贩占道。", &lon, &lat),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("href=\"#contact-phone\""), "{}", r.text());
    let mut first = fields(&s.category, "北桥公园门口有流动摊贩占道。", &lon, &lat);
    first.push(("anonymous", "1"));
    let r = file(&w, &anon, &first, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let first = text_by_id(&r.text(), "receipt-no");

    // The same category 20 m away, the same hour: offered before filing, nothing filed.
    let (lon2, lat2) = (NEARBY.0.to_string(), NEARBY.1.to_string());
    let mut second = fields(&s.category, "公园门口摆摊，占了人行道。", &lon2, &lat2);
    second.push(("anonymous", "1"));
    let r = file(&w, &anon, &second, &[("photos", "现场.png", PNG.to_vec())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"duplicates\""), "{html}");
    assert!(html.contains(&first), "the nearby appeal is named");
    assert!(
        html.contains("id=\"photos-again\""),
        "the photo must be chosen again"
    );
    assert!(
        html.contains("公园门口摆摊，占了人行道。"),
        "what was typed stays"
    );
    assert!(!html.contains("id=\"appeal-receipt\""));

    // Filed anyway: its own number.
    let mut anyway = second.clone();
    anyway.push(("file_anyway", "1"));
    let r = file(&w, &anon, &anyway, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let no = text_by_id(&r.text(), "receipt-no");
    assert_ne!(no, first);
}

#[tokio::test]
async fn an_anonymous_filer_follows_with_the_query_code_and_rates() {
    let w = World::new().await;
    let s = setup(&w).await;
    let anon = w.anonymous();
    let (lon, lat) = (INSIDE.0.to_string(), INSIDE.1.to_string());
    let mut pairs = fields(&s.category, "寸金路夜市摊档占用盲道。", &lon, &lat);
    pairs.push(("anonymous", "1"));
    let r = file(&w, &anon, &pairs, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    let no = text_by_id(&html, "receipt-no");
    let code = text_by_id(&html, "receipt-code");
    assert!(!code.is_empty());

    // A wrong code learns nothing; the right one shows the appeal.
    let r = post_form(
        &w,
        &anon,
        "/appeals/track",
        &[("appeal_no", &no), ("code", "WRONG-CODE")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(r.text().contains("请核对工单编号和查询码"));
    assert!(!r.text().contains("寸金路夜市"));
    let r = post_form(
        &w,
        &anon,
        "/appeals/track",
        &[("appeal_no", &no), ("code", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("href=\"#track-code\""), "{}", r.text());
    let r = post_form(
        &w,
        &anon,
        "/appeals/track",
        &[("appeal_no", &no), ("code", &code)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(text_by_id(&html, "appeal-status"), "已派单");
    assert!(html.contains("寸金路夜市摊档占用盲道。"));
    assert!(!html.contains("id=\"rating-form\""), "nothing to rate yet");

    // Replied: the same page rates it with the code.
    worker_replies(&w, &s.worker, &no).await;
    let html = post_form(
        &w,
        &anon,
        "/appeals/track",
        &[("appeal_no", &no), ("code", &code)],
    )
    .await
    .text();
    assert_eq!(
        text_by_id(&html, "appeal-reply-text"),
        "摊贩已劝离，将持续巡查。"
    );
    let rev = crate::case_pages::input_value(&html, "revision");
    let r = post_form(
        &w,
        &anon,
        "/appeals/track/rate",
        &[
            ("appeal_no", &no),
            ("code", "WRONG-CODE"),
            ("revision", &rev),
            ("satisfaction", "4"),
            ("resolved", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = post_form(
        &w,
        &anon,
        "/appeals/track/rate",
        &[
            ("appeal_no", &no),
            ("code", &code),
            ("revision", &rev),
            ("satisfaction", "4"),
            ("resolved", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(text_by_id(&html, "appeal-satisfaction"), "满意");
    assert_eq!(text_by_id(&html, "appeal-status"), "已回访");
}

#[tokio::test]
async fn the_new_routes_refuse_whom_they_must() {
    let w = World::new().await;
    let s = setup(&w).await;
    let citizen = register_person(&w, "张三", "440802199001011238", "13800138000").await;
    let (lon, lat) = (INSIDE.0.to_string(), INSIDE.1.to_string());
    let r = file(
        &w,
        &citizen,
        &fields(&s.category, "人行道上有摊档。", &lon, &lat),
        &[],
    )
    .await;
    let no = location(&r)
        .trim_start_matches("/appeals/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let anon = w.anonymous();
    let staff = w.sign_in("officer").await;
    // Public: the landing page, the form, the query.
    for path in ["/appeals", "/appeals/new", "/appeals/track"] {
        for (who, c) in [
            ("anonymous", &anon),
            ("citizen", &citizen),
            ("staff", &staff),
        ] {
            let r = w.get(c, path).await;
            assert_eq!(r.status, StatusCode::OK, "{path} {who}: {}", r.text());
        }
    }
    // A person's own: anonymous callers sign in first, staff are refused (the order page
    // sends them to the staff page of the order).
    for path in ["/appeals/mine".to_string(), format!("/appeals/{no}")] {
        let r = w.get(&anon, &path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/signin?next="), "{path}");
    }
    let r = w.get(&staff, "/appeals/mine").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w.get(&staff, &format!("/appeals/{no}")).await;
    assert_eq!(location(&r), format!("/staff/appeals/{no}"));
    for action in ["rate", "reopen"] {
        let path = format!("/appeals/{no}/{action}");
        let r = post_form(&w, &anon, &path, &[("revision", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        let r = post_form(&w, &staff, &path, &[("revision", "1")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    // A form without its anti-forgery token is refused for a signed-in caller.
    let forged = Client {
        cookie: citizen.cookie.clone(),
        csrf: None,
    };
    let r = post_multipart(
        &w,
        &forged,
        "/appeals/new",
        multipart(&fields(&s.category, "x", &lon, &lat), &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
}
