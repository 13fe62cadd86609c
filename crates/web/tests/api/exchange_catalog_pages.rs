//! The staff pages of the resource catalog and the three lists: browse and search, detail, the
//! steward's editor (data items as rows: change one, add one, remove one), submit, the review
//! queue's approval, the lists; a citizen is refused.

use axum::http::StatusCode;
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;

use crate::case_pages::{location, post_form};
use crate::harness::{Client, PASSWORD, World};

/// A member of staff with one role, signed in (the exchange page tests' helper).
pub async fn staff(w: &World, username: &str, dept: i64, role: &str) -> Client {
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id: dept,
                roles: vec![role.into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    w.sign_in(username).await
}

#[tokio::test]
async fn a_steward_edits_items_as_rows_and_the_administrator_publishes() {
    let w = World::new().await;
    let steward = staff(&w, "steward1", w.city_scjg, "data_steward").await;
    let admin = staff(&w, "dataadmin1", w.city_zsj, "data_admin").await;
    let officer = w.sign_in("officer").await;
    let mut meta =
        yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::NotShared);
    meta.share_basis = "《中华人民共和国刑事诉讼法》第一百五十五条".into();
    let r = yiwang_exchange::fixtures::published(&w.state.exchange, w.city_scjg, "301001", meta)
        .await
        .unwrap();
    // Browse, search and detail: any member of staff.
    let page = w
        .get(&officer, "/staff/exchange?q=%E4%BA%BA%E5%8F%A3")
        .await; // 人口
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(
        page.text().contains("301001&#x2f;000001"),
        "{}",
        page.text()
    );
    let page = w.get(&officer, "/staff/exchange?class=9").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = w
        .get(&officer, &format!("/staff/exchange/resources/{}", r.id))
        .await;
    assert!(page.text().contains("第一百五十五条") && page.text().contains("公民身份号码"));
    let lists = w.get(&officer, "/staff/exchange/lists").await;
    assert_eq!(lists.status, StatusCode::OK);
    assert!(
        lists.text().contains("id=\"exchange-negative\""),
        "{}",
        lists.text()
    );
    // The steward starts a new version and edits its rows.
    let r2 = post_form(
        &w,
        &steward,
        &format!("/staff/exchange/resources/{}/new-version", r.id),
        &[],
    )
    .await;
    assert_eq!(r2.status, StatusCode::SEE_OTHER, "{}", r2.text());
    let edit = location(&r2);
    assert!(edit.ends_with("/versions/2"), "{edit}");
    let page = w.get(&steward, &edit).await;
    assert!(
        page.text().contains("name=\"items[6].name\""),
        "a blank row to add one"
    );
    let mut form: Vec<(String, String)> = vec![
        ("revision".into(), "1".into()),
        ("name".into(), "在逃人员信息".into()),
        ("summary".into(), "网上追逃".into()),
        ("format".into(), "database".into()),
        ("share_type".into(), "not_shared".into()),
        (
            "share_basis".into(),
            "《中华人民共和国刑事诉讼法》第一百五十五条".into(),
        ),
        ("share_method".into(), "api".into()),
        ("open_type".into(), "not_open".into()),
        ("update_cycle".into(), "realtime".into()),
        ("item_count".into(), "6".into()),
    ];
    let items = [
        ("id_number", "公民身份号码", "C", "18", true),
        ("name", "姓名", "C", "50", false),
        ("sex", "性别", "C", "1", false),
        ("birth_date", "出生日期", "D", "", false),
        ("address", "住址", "C", "200", false),
        ("division", "行政区划代码", "C", "6", false),
        ("case_no", "案件编号", "C", "30", false),
    ];
    for (n, (field, name, ty, len, key)) in items.iter().enumerate() {
        let p = format!("items[{n}]");
        form.push((format!("{p}.field"), field.to_string()));
        form.push((format!("{p}.name"), name.to_string()));
        form.push((format!("{p}.type"), ty.to_string()));
        form.push((format!("{p}.length"), len.to_string()));
        if *key {
            form.push((format!("{p}.key"), "1".into()));
        }
    }
    form.push(("items[2].remove".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A bad row first: the problem is shown next to its input, with what was typed.
    let mut bad = pairs.clone();
    bad.push(("items[4].length", "x"));
    bad.retain(|(k, v)| !(*k == "items[4].length" && *v == "200"));
    let page = post_form(&w, &steward, &edit, &bad).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text()
    );
    let page = post_form(&w, &steward, &edit, &pairs).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    let d = w
        .state
        .exchange
        .version_detail(&Ctx::system("t"), r.id, 2)
        .await
        .unwrap();
    let fields: Vec<&str> = d
        .view
        .resource
        .meta
        .items
        .iter()
        .map(|i| i.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "id_number",
            "name",
            "birth_date",
            "address",
            "division",
            "case_no"
        ]
    );
    assert!(
        d.view.resource.meta.items[0].rules.is_empty(),
        "the form sent no rules for it"
    );
    // Another department's steward cannot save it.
    let other = staff(&w, "dschikan", w.chikan_scjg, "data_steward").await;
    let page = post_form(&w, &other, &edit, &pairs).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let mine = w.get(&steward, "/staff/exchange/mine").await;
    assert!(mine.text().contains("在逃人员信息"));
    let r3 = post_form(&w, &steward, &format!("{edit}/submit"), &[]).await;
    assert_eq!(r3.status, StatusCode::SEE_OTHER, "{}", r3.text());
    let queue = w.get(&admin, "/staff/exchange/review").await;
    assert!(
        queue.text().contains(&format!("review-{}", r.id)),
        "{}",
        queue.text()
    );
    let r4 = post_form(&w, &admin, &format!("{edit}/approve"), &[]).await;
    assert_eq!(r4.status, StatusCode::SEE_OTHER, "{}", r4.text());
    let page = w
        .get(&officer, &format!("/staff/exchange/resources/{}", r.id))
        .await;
    assert!(page.text().contains("案件编号"));
    // A citizen is refused the catalog pages.
    let citizen =
        crate::harness::register_person(&w, "王五", "440802199001011238", "13800000009").await;
    assert_eq!(
        w.get(&citizen, "/staff/exchange").await.status,
        StatusCode::FORBIDDEN
    );
}
