//! Import and export of implementation items against a real database (SQLite, or PostgreSQL when
//! YIWANG_TEST_DATABASE_URL is set).

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yiwang_catalog::io::{Format, ImportFiles, Table};
use yiwang_catalog::{ClaimInput, VersionStatus};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Ctx, Role};
use yiwang_kernel::error::RowError;

mod common;
use common::*;

fn rows(e: &yiwang_kernel::Error) -> Vec<(&str, usize, &str, &str)> {
    e.rows
        .iter()
        .map(|r: &RowError| (r.sheet.as_str(), r.line, r.field.as_str(), r.rule.as_str()))
        .collect()
}

/// After a round trip every item has a draft equal to its published version.
async fn assert_drafts_equal_published(env: &Env, codes: &[&str]) {
    for code in codes {
        let it = item(env, code).await;
        let published = it.published.expect("published");
        let open = it.open.expect("open draft");
        assert_eq!(open.status, VersionStatus::Draft);
        assert_eq!(open.elements, published.elements, "{code}");
        let keys: Vec<&str> = open
            .elements
            .materials
            .iter()
            .map(|m| m.key.as_str())
            .collect();
        assert_eq!(keys, ["M01", "M05"]);
    }
}

#[tokio::test]
async fn xlsx_export_import_round_trip() {
    let env = setup().await;
    let c1 = publish(&env, BASIC_1, &env.a, "一").await;
    let c2 = publish(&env, BASIC_2, &env.a, "二").await;
    // The second item already has an open draft that differs: the import replaces it.
    env.cat.new_version(&sys(), &c2).await.unwrap();
    let mut changed = good("改");
    changed.hours = "工作日 全天".into();
    changed.materials.pop();
    env.cat
        .save_draft(&sys(), &c2, &changed, None)
        .await
        .unwrap();

    let admin = city_admin(&env);
    let bytes = env
        .cat
        .export_items(&admin, Format::Xlsx, Table::Items)
        .await
        .unwrap();
    assert_eq!(Format::detect(&bytes), Format::Xlsx);
    let before = item_count(&env).await;
    let report = env
        .cat
        .import_items(&admin, ImportFiles::single(&bytes))
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (0, 2));
    assert_eq!(report.encoding, "xlsx");
    // 2 items, 4 materials, 2 fees, 4 FAQs, 6 steps.
    assert_eq!(report.rows, 18);
    assert_eq!(item_count(&env).await, before);
    assert_drafts_equal_published(&env, &[&c1, &c2]).await;
    let i1 = item(&env, &c1).await;
    let i2 = item(&env, &c2).await;
    // Item 1 got a new draft version; item 2's draft was replaced in place.
    assert_eq!(i1.open.as_ref().map(|v| v.version_no), Some(2));
    assert_eq!(i1.latest_version, 2);
    assert_eq!(i2.open.as_ref().map(|v| v.version_no), Some(2));
    assert_eq!(i2.latest_version, 2);
    assert_eq!(i1.published_version, Some(1));
    let history = env.cat.history_of(&sys(), &c1).await.unwrap();
    assert_eq!(history.last().map(|h| h.action.as_str()), Some("import"));
    assert_eq!(audit_count(&env, "catalog.import").await, 1);
    assert_eq!(audit_count(&env, "catalog.export").await, 1);

    // Importing the same export again replaces the drafts once more.
    let again = env
        .cat
        .import_items(&admin, ImportFiles::single(&bytes))
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (0, 2));
    assert_drafts_equal_published(&env, &[&c1, &c2]).await;
}

#[tokio::test]
async fn csv_export_import_round_trip_with_gbk_items() {
    let env = setup().await;
    let c1 = publish(&env, BASIC_1, &env.a, "一").await;
    let c2 = publish(&env, BASIC_3, &env.b, "三").await;
    let admin = city_admin(&env);
    let items = env
        .cat
        .export_items(&admin, Format::Csv, Table::Items)
        .await
        .unwrap();
    let materials = env
        .cat
        .export_items(&admin, Format::Csv, Table::Materials)
        .await
        .unwrap();
    // Departments' spreadsheets are often saved as GBK: re-encode the item table.
    let text = std::str::from_utf8(items.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    assert!(text.starts_with("实施编码,基本编码,事项名称,实施部门统一社会信用代码"));
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let report = env
        .cat
        .import_items(
            &admin,
            ImportFiles {
                items: &gbk,
                materials: Some(&materials),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(report.encoding, "gb18030");
    assert_eq!((report.created, report.updated, report.rows), (0, 2, 6));
    assert_drafts_equal_published(&env, &[&c1, &c2]).await;

    // A department editor exports only their own department's items.
    let editor = staff(7, &env.b, &[Role::CatalogEditor]);
    let own = env
        .cat
        .export_items(&editor, Format::Csv, Table::Items)
        .await
        .unwrap();
    let own = String::from_utf8(own).unwrap();
    assert!(own.contains(&c2) && !own.contains(&c1));
}

#[tokio::test]
async fn bad_rows_reject_the_whole_file() {
    let env = setup().await;
    publish(&env, BASIC_3, &env.a, "三").await;
    let a = env.a.uscc.to_string();
    let items = format!(
        "实施编码,基本编码,事项名称,实施部门统一社会信用代码,行使层级,服务对象\n\
         NEW0001,999999999999,,{a},3,1\n\
         NEW0002,{BASIC_1},,{a},3,外星人\n\
         NEW0003,{BASIC_2},药品零售企业许可,{a},市级,企业法人\n"
    );
    let materials = "实施编码,材料名称,原件份数\nNEW0003,申请书,1\nMISSING1,其他材料,1\n";
    let admin = city_admin(&env);
    let before = item_count(&env).await;
    let err = env
        .cat
        .import_items(
            &admin,
            ImportFiles {
                items: items.as_bytes(),
                materials: Some(materials.as_bytes()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportRejected);
    assert_eq!(
        rows(&err),
        vec![
            ("事项", 2, "basic_code", "basic_code.unknown"),
            ("事项", 3, "service_objects", "code.unknown"),
            ("材料", 3, "code", "item.not_in_file"),
        ]
    );
    assert_eq!(item_count(&env).await, before);
    assert_eq!(audit_count(&env, "catalog.import").await, 0);

    // The valid row alone goes in, as a claimed draft.
    let good_only = format!(
        "实施编码,基本编码,事项名称,实施部门统一社会信用代码,行使层级,服务对象\n\
         NEW0003,{BASIC_2},药品零售企业许可,{a},市级,企业法人\n"
    );
    let report = env
        .cat
        .import_items(
            &admin,
            ImportFiles {
                items: good_only.as_bytes(),
                materials: Some("实施编码,材料名称,原件份数\nNEW0003,申请书,1\n".as_bytes()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((report.created, report.updated, report.rows), (1, 0, 2));
    assert_eq!(item_count(&env).await, before + 1);
    let it = item(&env, "NEW0003").await;
    assert!(it.published.is_none());
    let open = it.open.unwrap();
    assert_eq!(open.version_no, 1);
    assert_eq!(open.status, VersionStatus::Draft);
    let e = &open.elements;
    assert_eq!(e.name, "药品零售企业许可");
    assert_eq!(e.basic_code, BASIC_2);
    assert_eq!(e.item_type, "01");
    assert_eq!(e.department_name, env.a.name);
    assert_eq!(e.exercise_level, "3");
    assert_eq!(e.service_objects, ["2"]);
    // Columns not in the file keep the claim defaults.
    assert_eq!((e.statutory_limit, e.statutory_unit.as_str()), (20, "1"));
    assert_eq!(e.case_type, "2");
    assert_eq!(e.materials.len(), 1);
    assert_eq!(e.materials[0].key, "M01");
    assert_eq!(e.materials[0].originals, 1);
    let history = env.cat.history_of(&sys(), "NEW0003").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "import");
    assert_eq!(audit_count(&env, "catalog.import").await, 1);
}

#[tokio::test]
async fn editors_import_only_for_their_department() {
    let env = setup().await;
    let (a, b) = (env.a.uscc.to_string(), env.b.uscc.to_string());
    let file = format!(
        "实施编码,基本编码,实施部门统一社会信用代码\n\
         A0001,{BASIC_1},{a}\n\
         B0001,{BASIC_1},{b}\n"
    );
    let editor = staff(7, &env.a, &[Role::CatalogEditor]);
    let before = item_count(&env).await;
    let err = env
        .cat
        .import_items(&editor, ImportFiles::single(file.as_bytes()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportRejected);
    assert_eq!(rows(&err), vec![("事项", 3, "department_uscc", "scope")]);
    assert_eq!(item_count(&env).await, before);

    let own = format!("实施编码,基本编码,实施部门统一社会信用代码\nA0001,{BASIC_1},{a}\n");
    let report = env
        .cat
        .import_items(&editor, ImportFiles::single(own.as_bytes()))
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    // The same basic item cannot be claimed twice for one department and division.
    let twice = format!("实施编码,基本编码,实施部门统一社会信用代码\nA0002,{BASIC_1},{a}\n");
    let err = env
        .cat
        .import_items(&editor, ImportFiles::single(twice.as_bytes()))
        .await
        .unwrap_err();
    assert_eq!(rows(&err), vec![("事项", 2, "code", "item.claimed")]);
}

#[tokio::test]
async fn inherited_name_must_match_the_basic_item() {
    let env = setup().await;
    let code = publish(&env, BASIC_1, &env.a, "一").await;
    let a = env.a.uscc.to_string();
    let file = format!(
        "实施编码,基本编码,事项名称,实施部门统一社会信用代码\n\
         {code},{BASIC_1},食品经营许可证核发,{a}\n\
         NEW0001,{BASIC_2},药品零售许可（本地名称）,{a}\n"
    );
    let err = env
        .cat
        .import_items(&city_admin(&env), ImportFiles::single(file.as_bytes()))
        .await
        .unwrap_err();
    assert_eq!(rows(&err), vec![("事项", 3, "name", "inherited")]);
    assert_eq!(item(&env, &code).await.open, None);
}

#[tokio::test]
async fn shape_errors_are_reported_on_the_child_line() {
    let env = setup().await;
    let a = env.a.uscc.to_string();
    let items = format!(
        "实施编码,基本编码,实施部门统一社会信用代码,网办地址\nNEW0001,{BASIC_1},{a},ftp://x\n"
    );
    let materials = "实施编码,材料名称,可替代证照类型代码\nNEW0001,申请书,\nNEW0001,身份证,123\n";
    let err = env
        .cat
        .import_items(
            &city_admin(&env),
            ImportFiles {
                items: items.as_bytes(),
                materials: Some(materials.as_bytes()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        rows(&err),
        vec![
            ("事项", 2, "online_url", "url"),
            ("材料", 3, "licence_type", "licence_type.format"),
        ]
    );
}

#[tokio::test]
async fn items_under_review_are_not_overwritten() {
    let env = setup().await;
    let code = publish(&env, BASIC_1, &env.a, "一").await;
    env.cat.new_version(&sys(), &code).await.unwrap();
    env.cat
        .save_draft(&sys(), &code, &good("二"), None)
        .await
        .unwrap();
    env.cat.submit(&sys(), &code).await.unwrap();
    let a = env.a.uscc.to_string();
    let file = format!("实施编码,基本编码,实施部门统一社会信用代码\n{code},{BASIC_1},{a}\n");
    let err = env
        .cat
        .import_items(&city_admin(&env), ImportFiles::single(file.as_bytes()))
        .await
        .unwrap_err();
    assert_eq!(rows(&err), vec![("事项", 2, "code", "item.under_review")]);
}

#[tokio::test]
async fn refusals_are_audited() {
    let env = setup().await;
    let reviewer = staff(8, &env.a, &[Role::CatalogReviewer]);
    let err = env
        .cat
        .import_items(&reviewer, ImportFiles::single(b"x"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = env
        .cat
        .export_items(&reviewer, Format::Xlsx, Table::Items)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = env
        .cat
        .import_items(&Ctx::anonymous(), ImportFiles::single(b"x"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    assert_eq!(audit_count(&env, "auth.denied").await, 3);
}

#[tokio::test]
async fn formula_cells_are_neutralised_in_csv_exports_and_come_back_as_they_were() {
    let env = setup().await;
    let item = env
        .cat
        .claim(
            &sys(),
            &ClaimInput {
                basic_code: BASIC_1.into(),
                department_id: env.a.id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut e = good("公式");
    e.location = "=HYPERLINK(\"http://evil.example\",\"二楼12号窗口\")".into();
    e.process = "+1 申请—受理".into();
    env.cat
        .save_draft(&sys(), &item.code, &e, None)
        .await
        .unwrap();
    env.cat.submit(&sys(), &item.code).await.unwrap();
    env.cat.approve(&sys(), &item.code, "").await.unwrap();
    let admin = city_admin(&env);
    let items = env
        .cat
        .export_items(&admin, Format::Csv, Table::Items)
        .await
        .unwrap();
    let text = String::from_utf8(items.clone()).unwrap();
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(text.contains(",'+1 申请—受理,"), "{text}");
    assert!(!text.contains(",=") && !text.contains(",\"="), "{text}");
    // The export imports back to the same elements (the quote is ours, not the value's).
    let materials = env
        .cat
        .export_items(&admin, Format::Csv, Table::Materials)
        .await
        .unwrap();
    env.cat
        .import_items(
            &admin,
            ImportFiles {
                items: &items,
                materials: Some(&materials),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let it = self::item(&env, &item.code).await;
    assert_eq!(
        it.open.unwrap().elements.location,
        it.published.unwrap().elements.location
    );
}

#[tokio::test]
async fn hostile_workbooks_are_refused_with_their_rule() {
    let env = setup().await;
    let admin = city_admin(&env);
    let before = item_count(&env).await;
    for (bytes, rule) in [
        (
            yiwang_sheets::testing::lying_shared_strings("事项", &["实施编码", "基本编码"])
                .unwrap(),
            "xlsx.shared_strings_count",
        ),
        (
            yiwang_sheets::testing::giant_range("事项").unwrap(),
            "xlsx.too_many_columns",
        ),
    ] {
        let e = env
            .cat
            .import_items(&admin, ImportFiles::single(&bytes))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::FileRefused, "{e:?}");
        assert_eq!(rows(&e)[0].3, rule);
    }
    assert_eq!(item_count(&env).await, before);
}
