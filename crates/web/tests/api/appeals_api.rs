//! The work orders' JSON API (`/api/v1/appeals…`, settings, statistics): filing anonymously and
//! as a citizen, the queue by role, one order, the flow (dispatch → sign → handle → reply,
//! a return with its reason, a stale revision), likely duplicates, statistics, categories, the
//! knowledge base and the time limits; refusals at the door and in the domain.

use axum::http::StatusCode;
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::harness::{Client, PASSWORD, World, register_person};

/// Staff of the appeals: an operator, a dispatcher and an administrator of the city (440800),
/// a grid worker of the city's market regulation bureau.
async fn staff(w: &World) -> i64 {
    let mut worker = 0;
    for (u, d, role) in [
        ("operator", w.city_zsj, "hotline_operator"),
        ("dispatcher", w.city_zsj, "appeal_dispatcher"),
        ("appealadmin", w.city_zsj, "appeal_admin"),
        ("gridworker", w.city_scjg, "grid_worker"),
        ("otherworker", w.chikan_scjg, "grid_worker"),
    ] {
        let id = w
            .state
            .identity
            .create_staff(
                &Ctx::system("test"),
                &StaffInput {
                    username: u.into(),
                    name: format!("测试{u}"),
                    department_id: d,
                    roles: vec![role.into()],
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap()
            .id;
        if u == "gridworker" {
            worker = id;
        }
    }
    worker
}

/// A category owned by the city's market regulation bureau, saved through the API.
async fn category(w: &World, admin: &Client) {
    let r = w
        .post(
            admin,
            "/api/v1/appeal-categories",
            json!({"code": "SC01", "name": "食品安全", "department_id": w.city_scjg,
                   "description": "食品安全投诉举报", "keywords": "食品,过期"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

fn appeal(point: Option<(f64, f64)>) -> Value {
    let mut v = json!({
        "channel": "web", "appeal_type": "complaint", "category": "SC01",
        "content": "超市出售过期食品，请尽快处理。", "address": "湛江市赤坎区中山二路1号",
        "contact_name": "王五", "contact_phone": "13800138000"
    });
    if let Some((lon, lat)) = point {
        v["point"] = json!({"lon": lon, "lat": lat});
    }
    v
}

#[tokio::test]
async fn file_follow_and_work_an_order() {
    let w = World::new().await;
    let worker_id = staff(&w).await;
    let admin = w.sign_in("appealadmin").await;
    category(&w, &admin).await;
    // A unit grid around 中山二路 answered by the grid worker.
    yiwang_appeals::fixture::add_square(
        &w._db.db,
        &w.state.appeals,
        &yiwang_appeals::fixture::Square {
            code: "CK-ZS-01",
            name: "中山社区网格一",
            kind: yiwang_appeals::GridKind::Unit,
            specialty: None,
            division: "440802",
            department_id: Some(w.city_scjg),
            lon: 110.35,
            lat: 21.26,
            size: 0.02,
        },
        &[worker_id],
    )
    .await
    .unwrap();
    // Categories, limits and the knowledge base are public.
    let cats = w.get(&w.anonymous(), "/api/v1/appeal-categories").await;
    assert_eq!(cats.status, StatusCode::OK);
    assert_eq!(cats.json()[0]["code"], "SC01");
    let limits = w.get(&w.anonymous(), "/api/v1/appeal-time-limits").await;
    assert_eq!(limits.json()["complaint"], 15);
    assert_eq!(limits.json()["consult"], 2);

    // Anonymous filing: the number and the query code.
    let anon = w
        .post(
            &w.anonymous(),
            "/api/v1/appeals",
            appeal(Some((110.36, 21.27))),
        )
        .await;
    assert_eq!(anon.status, StatusCode::CREATED, "{}", anon.text());
    let no = anon.json()["appeal"]["appeal_no"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!anon.json()["token"].as_str().unwrap().is_empty());
    assert_eq!(anon.json()["appeal"]["status"], "dispatched");
    assert_eq!(anon.json()["appeal"]["department"]["id"], w.city_scjg);
    // The point inside the grid reaches the grid's worker.
    assert_eq!(anon.json()["appeal"]["grid"]["code"], "CK-ZS-01");
    assert_eq!(anon.json()["appeal"]["assignee"], "测试gridworker");
    // A second one 20 m away is offered as a duplicate before filing.
    let d = w
        .get(
            &w.anonymous(),
            "/api/v1/appeal-duplicates?category=SC01&lon=110.36&lat=21.27018",
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    assert_eq!(d.json()[0]["appeal_no"], no.as_str());
    let bad = w
        .get(
            &w.anonymous(),
            "/api/v1/appeal-duplicates?category=SC01&lon=110.36",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "lat");
    // Input errors name the field.
    let mut empty = appeal(None);
    empty["content"] = json!("");
    empty["address"] = json!("");
    let r = w.post(&w.anonymous(), "/api/v1/appeals", empty).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    // A citizen's own order.
    let citizen = register_person(&w, "王五", "440802199001011238", "13800000002").await;
    let mine = w.post(&citizen, "/api/v1/appeals", appeal(None)).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text());
    let my_no = mine.json()["appeal"]["appeal_no"]
        .as_str()
        .unwrap()
        .to_string();
    let list = w.get(&citizen, "/api/v1/me/appeals").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(list.json()["items"][0]["appeal_no"], my_no.as_str());
    assert_eq!(
        w.get(&citizen, &format!("/api/v1/me/appeals/{my_no}"))
            .await
            .status,
        StatusCode::OK
    );
    // Not someone else's.
    let other = register_person(&w, "赵六", "440811199203040017", "13800000003").await;
    let r = w.get(&other, &format!("/api/v1/me/appeals/{my_no}")).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    // Staff only on the queue and the order.
    assert_eq!(
        w.get(&citizen, "/api/v1/appeals").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/appeals").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The dispatcher sees both; the grid worker of the department too; another department's not.
    let dispatcher = w.sign_in("dispatcher").await;
    let q = w
        .get(&dispatcher, "/api/v1/appeals?status=dispatched")
        .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text());
    assert_eq!(q.json()["total"], 2);
    let bad = w.get(&dispatcher, "/api/v1/appeals?status=lost").await;
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "status");
    let worker = w.sign_in("gridworker").await;
    assert_eq!(w.get(&worker, "/api/v1/appeals").await.json()["total"], 2);
    let outsider = w.sign_in("otherworker").await;
    assert_eq!(w.get(&outsider, "/api/v1/appeals").await.json()["total"], 0);
    let r = w.get(&outsider, &format!("/api/v1/appeals/{no}")).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );

    // The flow: sign, return with a reason (back to the dispatcher), dispatch, sign, handle, reply.
    let view = w.get(&worker, &format!("/api/v1/appeals/{no}")).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text());
    let rev = view.json()["revision"].as_i64().unwrap();
    let act = |c: Client, body: Value| {
        let w = &w;
        let no = no.clone();
        async move {
            w.post(&c, &format!("/api/v1/appeals/{no}/actions"), body)
                .await
        }
    };
    let r = act(worker.clone(), json!({"action": "sign", "revision": rev})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "signed");
    // A stale revision is a 409.
    let r = act(
        worker.clone(),
        json!({"action": "handle", "revision": rev, "text": "已到现场"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // A return needs its reason.
    let rev = rev + 1;
    let r = act(worker.clone(), json!({"action": "return", "revision": rev})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = act(
        worker.clone(),
        json!({"action": "return", "revision": rev, "text": "不属于本单位职责"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "received");
    let events: Vec<String> = r.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap(),
                e["text"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        events.contains(&"return:不属于本单位职责".to_string()),
        "{events:?}"
    );
    let rev = r.json()["revision"].as_i64().unwrap();
    let r = act(
        dispatcher.clone(),
        json!({"action": "dispatch", "revision": rev, "to_department": w.city_scjg, "text": "请市场监管局办理"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut rev = r.json()["revision"].as_i64().unwrap();
    for (action, text, status) in [
        ("sign", "", "signed"),
        ("handle", "已到现场核查，责令下架", "handling"),
        (
            "reply",
            "经核查，已责令超市下架过期食品并立案调查。",
            "replied",
        ),
    ] {
        let r = act(
            worker.clone(),
            json!({"action": action, "revision": rev, "text": text}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.text());
        assert_eq!(r.json()["status"], status);
        rev = r.json()["revision"].as_i64().unwrap();
    }
    // The citizen's query code shows the reply (the anonymous filer follows it on the pages).
    let tracked = w
        .state
        .appeals
        .track(&no, anon.json()["token"].as_str().unwrap())
        .await
        .unwrap();
    assert!(tracked.reply.contains("下架"));

    // Statistics: supervisors and dispatchers.
    let sup = w.sign_in("supervisor").await;
    let s = w
        .get(
            &sup,
            "/api/v1/appeal-stats?from=2026-11-01&to=2026-11-30&by=department",
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let row = &s.json()[0];
    assert_eq!(row["total"], 2);
    assert_eq!(row["concluded"], 1);
    let bad = w
        .get(&sup, "/api/v1/appeal-stats?from=2026-11-01&to=nope")
        .await;
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "to");
    let bad = w
        .get(
            &sup,
            "/api/v1/appeal-stats?from=2026-11-01&to=2026-11-30&by=colour",
        )
        .await;
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "by");
    assert_eq!(
        w.get(
            &worker,
            "/api/v1/appeal-stats?from=2026-11-01&to=2026-11-30"
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn settings_are_the_administrator_s() {
    let w = World::new().await;
    staff(&w).await;
    let admin = w.sign_in("appealadmin").await;
    category(&w, &admin).await;
    let r = w
        .post(
            &admin,
            "/api/v1/appeal-knowledge",
            json!({"category_code": "SC01", "question": "发现过期食品怎么办？",
                   "answer": "可拨打12345或在网上提交举报，市场监管部门将在15个工作日内处理。", "keywords": "过期,食品"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let found = w
        .get(
            &w.anonymous(),
            "/api/v1/appeal-knowledge?q=%E8%BF%87%E6%9C%9F",
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    assert_eq!(found.json()[0]["question"], "发现过期食品怎么办？");
    let mut limits = w.get(&admin, "/api/v1/appeal-time-limits").await.json();
    limits["consult"] = json!(3);
    let r = w
        .put(&admin, "/api/v1/appeal-time-limits", limits.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/appeal-time-limits")
            .await
            .json()["consult"],
        3
    );
    limits["consult"] = json!(0);
    let r = w
        .put(&admin, "/api/v1/appeal-time-limits", limits.clone())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Others may not change them.
    for user in ["dispatcher", "editor", "security"] {
        let c = w.sign_in(user).await;
        assert_eq!(
            w.put(&c, "/api/v1/appeal-time-limits", limits.clone())
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        let r = w
            .post(
                &c,
                "/api/v1/appeal-categories",
                json!({"code": "X", "name": "x"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    // An inactive category is listed only on request.
    let r = w
        .post(
            &admin,
            "/api/v1/appeal-categories",
            json!({"code": "SC02", "name": "旧分类", "active": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/appeal-categories")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.get(&w.anonymous(), "/api/v1/appeal-categories?all=true")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
