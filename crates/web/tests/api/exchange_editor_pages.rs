//! The data steward's new-resource form and the editor's quality rules, the demand list's forms,
//! and the links that lead each role to its data-sharing pages (header, start page, the
//! exchange pages' own navigation). Bad input is refused with each problem named in Chinese
//! and English, and nothing is written.

use axum::http::StatusCode;
use yiwang_exchange::lists::DemandStatus;
use yiwang_exchange::model::QualityRule;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{input_value, location, post_form};
use crate::exchange_catalog_pages::staff;
use crate::harness::World;
use crate::staff_screens::in_english;

/// How many resources exist (any version, any department).
async fn resources(w: &World) -> usize {
    w.state
        .exchange
        .my_resources(&Ctx::system("t"))
        .await
        .unwrap()
        .len()
}

/// A new enterprise resource: a USCC key with its rules, a name, a status code and a date.
fn good_form(dept: i64) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("department_id", dept.to_string()),
        ("classification", "301002".into()),
        ("sequence", String::new()),
        ("name", "市场主体登记信息".into()),
        (
            "summary",
            "企业的统一社会信用代码、名称、登记状态、成立日期".into(),
        ),
        ("format", "database".into()),
        ("share_type", "conditional".into()),
        (
            "share_condition",
            "用于办理政务服务事项时核验企业身份".into(),
        ),
        ("share_basis", "《市场主体登记管理条例》第三十五条".into()),
        ("share_method", "api".into()),
        ("open_type", "not_open".into()),
        ("update_cycle", "daily".into()),
        ("item_count", "3".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (n, (name, field, ty, len, key)) in [
        ("统一社会信用代码", "uscc", "C", "18", true),
        ("企业名称", "name", "C", "200", false),
        ("登记状态", "status", "C", "2", false),
        ("成立日期", "founded", "D", "", false),
    ]
    .iter()
    .enumerate()
    {
        let p = format!("items[{n}]");
        f.push((format!("{p}.name"), name.to_string()));
        f.push((format!("{p}.field"), field.to_string()));
        f.push((format!("{p}.type"), ty.to_string()));
        f.push((format!("{p}.length"), len.to_string()));
        if *key {
            f.push((format!("{p}.key"), "1".into()));
        }
    }
    for (k, v) in [
        ("items[0].rules.required", "1"),
        ("items[0].rules.uscc", "1"),
        ("items[0].rules.unique", "1"),
        ("items[1].rules.max_length", "200"),
        ("items[2].rules.code_list", "01、02、03"),
        ("items[3].rules.date_from", "1949-10-01"),
        ("items[3].rules.pattern", "[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    ] {
        f.push((k.into(), v.into()));
    }
    f
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn with(f: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = f
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    out.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    out
}

#[tokio::test]
async fn a_steward_registers_a_resource_with_quality_rules_and_the_administrator_publishes_it() {
    let w = World::new().await;
    let steward = staff(&w, "steward1", w.city_scjg, "data_steward").await;
    let admin = staff(&w, "dataadmin1", w.city_zsj, "data_admin").await;
    let other = staff(&w, "steward2", w.chikan_scjg, "data_steward").await;

    // The form: the steward's own department is the provider.
    let page = w.get(&steward, "/staff/exchange/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("湛江市市场监督管理局"));
    assert!(page.text().contains("name=\"items[2].rules.code_list\""));
    assert!(!page.text().contains("赤坎区"), "only departments in reach");
    // Who may not register: a case officer, a citizen; anonymous callers sign in first.
    let officer = w.sign_in("officer").await;
    assert_eq!(
        w.get(&officer, "/staff/exchange/new").await.status,
        StatusCode::FORBIDDEN
    );
    let r = post_form(
        &w,
        &officer,
        "/staff/exchange/new",
        &pairs(&good_form(w.city_scjg)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let citizen =
        crate::harness::register_person(&w, "王五", "440802199001011238", "13800000009").await;
    assert_eq!(
        w.get(&citizen, "/staff/exchange/new").await.status,
        StatusCode::FORBIDDEN
    );
    let anon = w.get(&w.anonymous(), "/staff/exchange/new").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert!(location(&anon).starts_with("/signin"));
    // Another department's steward cannot register for this one.
    let r = post_form(
        &w,
        &other,
        "/staff/exchange/new",
        &pairs(&good_form(w.city_scjg)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(resources(&w).await, 0);

    // Bad input: every problem next to its input, in Chinese and in English; nothing written.
    let bad = with(
        &good_form(w.city_scjg),
        &[
            ("classification", "9x"),
            ("share_basis", ""),
            ("items[0].field", "USCC"),
            ("items[1].rules.max_length", "很长"),
            ("items[2].rules.code_list", "、"),
            ("items[3].rules.pattern", "([0-9]"),
            ("items[3].rules.date_to", "1900-01-01"),
            ("items[2].rules.reference", "101001"),
        ],
    );
    for (who, words) in [
        (
            steward.clone(),
            [
                "信息资源分类应为数字",
                "须写明法律、法规或政策依据",
                "字段名须为小写字母开头",
                "应为正整数",
                "不是有效的正则表达式",
                "起始日期不能晚于截止日期",
                "引用的信息资源代码",
            ],
        ),
        (
            in_english(&steward),
            [
                "The classification is digits",
                "need a legal or policy basis",
                "must be lower-case letters",
                "Give a whole number",
                "not a valid regular expression",
                "the range starts after it ends",
                "the referenced resource code",
            ],
        ),
    ] {
        let page = post_form(&w, &who, "/staff/exchange/new", &pairs(&bad)).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.text()
        );
        let html = page.text();
        for word in words {
            assert!(html.contains(word), "{word} missing: {html}");
        }
        // Each problem sits at its input, which is marked invalid; what was typed stays.
        for name in [
            "classification",
            "share_basis",
            "items[0].field",
            "items[1].rules.max_length",
            "items[2].rules.code_list",
            "items[3].rules.pattern",
            "items[3].rules.date_from",
            "items[2].rules.reference",
        ] {
            assert!(
                html.contains(&format!("id=\"{name}-error\"")),
                "{name} has no message: {html}"
            );
        }
        assert_eq!(input_value(&html, "classification"), "9x");
        assert_eq!(input_value(&html, "items[3].rules.pattern"), "([0-9]");
        assert!(html.contains("aria-invalid=\"true\""));
    }
    assert_eq!(resources(&w).await, 0, "nothing written");

    // The good form registers a draft with its rules, and opens its editor.
    let r = post_form(
        &w,
        &steward,
        "/staff/exchange/new",
        &pairs(&good_form(w.city_scjg)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let edit = location(&r);
    assert!(edit.ends_with("/versions/1?done=excat_created"), "{edit}");
    let id: i64 = edit.split('/').nth(4).unwrap().parse().unwrap();
    let d = w
        .state
        .exchange
        .version_detail(&Ctx::system("t"), id, 1)
        .await
        .unwrap();
    let m = &d.view.resource.meta;
    assert_eq!(d.view.resource.code.0, "301002/000001");
    assert_eq!(
        m.items[0].rules,
        [
            QualityRule::Required,
            QualityRule::Uscc,
            QualityRule::Unique
        ]
    );
    assert_eq!(
        m.items[2].rules,
        [QualityRule::CodeList {
            values: vec!["01".into(), "02".into(), "03".into()]
        }]
    );
    assert_eq!(
        m.items[3].rules,
        [
            QualityRule::Pattern {
                pattern: "[0-9]{4}-[0-9]{2}-[0-9]{2}".into()
            },
            QualityRule::DateRange {
                from: Some("1949-10-01".into()),
                to: None
            }
        ]
    );
    let page = w.get(&steward, &edit).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("信息资源已登记为草稿"), "the flash");
    assert_eq!(input_value(&html, "items[1].rules.max_length"), "200");
    assert_eq!(input_value(&html, "items[2].rules.code_list"), "01、02、03");
    assert!(html.contains("name=\"items[4].name\""), "a blank row");

    // The steward edits a rule; a bad one is refused and the draft stays as it was.
    let edit_path = edit.split('?').next().unwrap().to_string();
    let revision = input_value(&html, "revision");
    let mut saved: Vec<(String, String)> = good_form(w.city_scjg)
        .into_iter()
        .filter(|(k, _)| !["department_id", "classification", "sequence"].contains(&k.as_str()))
        .collect();
    saved.push(("revision".into(), revision));
    let bad = with(&saved, &[("items[1].rules.max_length", "0")]);
    let page = post_form(&w, &steward, &edit_path, &pairs(&bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("长度上限应在 1–4000 之间"));
    assert!(
        page.text()
            .contains("id=\"items[1].rules.max_length-error\"")
    );
    let good = with(&saved, &[("items[1].rules.required", "1")]);
    let page = post_form(&w, &steward, &edit_path, &pairs(&good)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    let d = w
        .state
        .exchange
        .version_detail(&Ctx::system("t"), id, 1)
        .await
        .unwrap();
    assert_eq!(
        d.view.resource.meta.items[1].rules,
        [QualityRule::Required, QualityRule::MaxLength { max: 200 }]
    );
    // Submitted, then approved by the data administrator: it is in the catalog.
    let r = post_form(&w, &steward, &format!("{edit_path}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = post_form(&w, &admin, &format!("{edit_path}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w
        .get(&officer, &format!("/staff/exchange/resources/{id}"))
        .await;
    assert!(page.text().contains("市场主体登记信息"), "{}", page.text());
    // The same code again is a field problem, not a second resource.
    let again = with(&good_form(w.city_scjg), &[("sequence", "1")]);
    let page = post_form(&w, &steward, "/staff/exchange/new", &pairs(&again)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("id=\"sequence-error\""));
    assert_eq!(resources(&w).await, 1);
}

#[tokio::test]
async fn demands_are_filed_and_worked_from_the_lists_page() {
    let w = World::new().await;
    let steward = staff(&w, "steward1", w.city_scjg, "data_steward").await;
    let admin = staff(&w, "dataadmin1", w.city_zsj, "data_admin").await;
    let officer = w.sign_in("officer").await;
    let demands = |status: Option<DemandStatus>| {
        let svc = w.state.exchange.clone();
        async move { svc.demands(&Ctx::system("t"), status).await.unwrap() }
    };

    // A case officer files a demand; blank name and purpose are refused in both languages.
    let page = w.get(&officer, "/staff/exchange/lists").await;
    assert!(page.text().contains("id=\"demand-form\""));
    assert!(
        !page.text().contains("assign-form-"),
        "not the officer's work"
    );
    for (who, word) in [
        (officer.clone(), "此项必填"),
        (in_english(&officer), "This field is required"),
    ] {
        let page = post_form(
            &w,
            &who,
            "/staff/exchange/demands",
            &[("name", " "), ("purpose", ""), ("fields", "护照号码、姓名")],
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = page.text();
        assert!(html.contains("id=\"name-error\"") && html.contains("id=\"purpose-error\""));
        assert!(html.contains(word), "{html}");
        assert_eq!(input_value(&html, "name"), " ");
    }
    assert!(demands(None).await.is_empty(), "nothing written");
    let r = post_form(
        &w,
        &officer,
        "/staff/exchange/demands",
        &[
            ("name", "出入境证件信息"),
            ("fields", "护照号码、姓名\n签发日期"),
            ("purpose", "办理出国（境）人员备案"),
            ("basis", "《出境入境管理法》"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let d = demands(None).await.remove(0);
    assert_eq!(d.fields, ["护照号码", "姓名", "签发日期"]);
    assert_eq!(d.department_id, w.city_scjg);

    // The data administrator assigns it to the Chikan bureau; the officer may not.
    let assign = format!("/staff/exchange/demands/{}/assign", d.id);
    let r = post_form(
        &w,
        &officer,
        &assign,
        &[("department_id", &w.chikan_scjg.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = w.get(&admin, "/staff/exchange/lists").await;
    assert!(
        page.text()
            .contains(&format!("id=\"assign-form-{}\"", d.id))
    );
    let r = post_form(
        &w,
        &admin,
        &assign,
        &[("department_id", &w.chikan_scjg.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let a = demands(Some(DemandStatus::Assigned)).await.remove(0);
    assert_eq!(a.provider_department_id, Some(w.chikan_scjg));
    // Assigned elsewhere: the city bureau's steward cannot claim it.
    let r = post_form(
        &w,
        &steward,
        &format!("/staff/exchange/demands/{}/claim", d.id),
        &[("resource_code", "101001/000001")],
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);

    // Marked met: a malformed code and an unpublished one are field problems; a published
    // resource meets it.
    let meet = format!("/staff/exchange/demands/{}/meet", d.id);
    for (code, zh) in [
        ("101001", "信息资源代码应为"),
        ("101001/000009", "须填写目录中已发布的信息资源代码"),
    ] {
        let page = post_form(&w, &admin, &meet, &[("resource_code", code)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = page.text();
        assert!(html.contains(zh), "{html}");
        assert!(html.contains("id=\"resource_code-error\""));
        assert_eq!(
            input_value(&html, "resource_code"),
            code.replace('/', "&#x2f;")
        );
    }
    let page = post_form(
        &w,
        &in_english(&admin),
        &meet,
        &[("resource_code", "101001/000009")],
    )
    .await;
    assert!(
        page.text()
            .contains("Give the code of a published resource")
    );
    assert_eq!(demands(Some(DemandStatus::Assigned)).await.len(), 1);
    let res = yiwang_exchange::fixtures::published(
        &w.state.exchange,
        w.chikan_scjg,
        "301003",
        yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::Conditional),
    )
    .await
    .unwrap();
    let r = post_form(&w, &admin, &meet, &[("resource_code", &res.code.0)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let m = demands(Some(DemandStatus::Provided)).await.remove(0);
    assert_eq!(m.resource_code.as_deref(), Some(res.code.0.as_str()));

    // Another demand is declined: the reason is required.
    let r = post_form(
        &w,
        &steward,
        "/staff/exchange/demands",
        &[("name", "不动产登记信息"), ("purpose", "核验房产")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let d2 = demands(Some(DemandStatus::Open)).await.remove(0);
    let decline = format!("/staff/exchange/demands/{}/decline", d2.id);
    let page = post_form(&w, &admin, &decline, &[("reason", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("id=\"reason-error\""));
    let r = post_form(&w, &admin, &decline, &[("reason", "由省级平台提供")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.get(&officer, "/staff/exchange/lists").await;
    let html = page.text();
    assert!(html.contains("不予提供") && html.contains("由省级平台提供"));
    let bad = post_form(
        &w,
        &admin,
        &format!("/staff/exchange/demands/{}/nope", d2.id),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_role_reaches_its_sharing_pages_from_the_header_and_the_start_page() {
    let w = World::new().await;
    let steward = staff(&w, "steward1", w.city_scjg, "data_steward").await;
    let admin = staff(&w, "dataadmin1", w.city_zsj, "data_admin").await;
    let officer = w.sign_in("officer").await;
    let supervisor = w.sign_in("supervisor").await;
    let clerk = w.sign_in("clerk").await;
    let has = |html: &str, id: &str| html.contains(&format!("id=\"{id}\""));
    for (who, yes, no) in [
        (
            &steward,
            &[
                "nav-exchange",
                "task-exchange-mine",
                "task-exchange-register",
                "task-exchange-inbox",
                "task-exchange-requests",
                "task-exchange-calls",
                "q-exchange_inbox",
                "q-exchange_drafts",
            ][..],
            &[
                "task-exchange-review",
                "q-exchange_review",
                "task-exchange-supervision",
            ][..],
        ),
        (
            &admin,
            &[
                "nav-exchange",
                "task-exchange-review",
                "task-exchange-supervision",
                "q-exchange_review",
                "q-exchange_demands",
                "q-exchange_red",
            ][..],
            &[
                "task-exchange-requests",
                "task-exchange-calls",
                "task-exchange-inbox",
            ][..],
        ),
        (
            &officer,
            &[
                "nav-exchange",
                "task-exchange-requests",
                "task-exchange-new",
            ][..],
            &[
                "task-exchange-mine",
                "task-exchange-inbox",
                "q-exchange_inbox",
            ][..],
        ),
        (
            &supervisor,
            &[
                "nav-exchange",
                "task-exchange-supervision",
                "task-exchange-stats",
                "q-exchange_red",
            ][..],
            &["task-exchange-mine", "task-exchange-requests"][..],
        ),
        (&clerk, &[][..], &["nav-exchange", "task-exchange"][..]),
    ] {
        let page = w.get(who, "/admin").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        for id in yes {
            assert!(has(&html, id), "{id} missing");
        }
        for id in no {
            assert!(!has(&html, id), "{id} shown");
        }
    }
    // The exchange pages' own navigation follows the same areas.
    let html = w.get(&officer, "/staff/exchange").await.text();
    assert!(has(&html, "to-exchange-requests") && !has(&html, "to-exchange-register"));
    let html = w.get(&steward, "/staff/exchange/requests").await.text();
    assert!(has(&html, "to-exchange-register") && has(&html, "to-exchange-calls"));
    let html = w.get(&admin, "/staff/exchange/review").await.text();
    assert!(has(&html, "to-exchange-review") && !has(&html, "to-exchange-requests"));
}

/// The routes these pages added, walked like the API's route matrix: an anonymous caller is
/// sent to sign in (or refused), a citizen and a member of staff without the work are refused,
/// and none of them writes anything.
#[tokio::test]
async fn the_new_page_routes_refuse_anonymous_callers_citizens_and_other_staff() {
    let w = World::new().await;
    let officer = w.sign_in("officer").await;
    let r = post_form(
        &w,
        &officer,
        "/staff/exchange/demands",
        &[("name", "出入境证件信息"), ("purpose", "备案")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = w
        .state
        .exchange
        .demands(&Ctx::system("t"), None)
        .await
        .unwrap()[0]
        .id;
    let citizen =
        crate::harness::register_person(&w, "王五", "440802199001011238", "13800000009").await;
    let clerk = w.sign_in("clerk").await;
    let form = good_form(w.city_scjg);
    let routes: Vec<(&str, String)> = vec![
        ("GET", "/staff/exchange/new".into()),
        ("POST", "/staff/exchange/new".into()),
        ("POST", "/staff/exchange/demands".into()),
        ("POST", format!("/staff/exchange/demands/{id}/assign")),
        ("POST", format!("/staff/exchange/demands/{id}/meet")),
        ("POST", format!("/staff/exchange/demands/{id}/decline")),
        ("POST", format!("/staff/exchange/demands/{id}/claim")),
        ("POST", format!("/staff/exchange/demands/{id}/provided")),
    ];
    let body: Vec<(&str, &str)> = pairs(&form)
        .into_iter()
        .chain([
            ("purpose", "备案"),
            ("reason", "不需要"),
            ("resource_code", "101001/000001"),
        ])
        .collect();
    for (method, path) in &routes {
        let anon = if *method == "GET" {
            w.get(&w.anonymous(), path).await
        } else {
            post_form(&w, &w.anonymous(), path, &body).await
        };
        assert!(
            anon.status == StatusCode::SEE_OTHER && location(&anon).starts_with("/signin")
                || anon.status == StatusCode::FORBIDDEN
                || anon.status == StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {}",
            anon.status
        );
        for (who, name) in [(&citizen, "citizen"), (&clerk, "clerk")] {
            // A clerk may file a demand for nothing: the window's staff neither consume nor
            // provide data.
            let r = if *method == "GET" {
                w.get(who, path).await
            } else {
                post_form(&w, who, path, &body).await
            };
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{name} {method} {path}");
        }
    }
    assert_eq!(resources(&w).await, 0);
    let all = w
        .state
        .exchange
        .demands(&Ctx::system("t"), None)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, DemandStatus::Open);
}
