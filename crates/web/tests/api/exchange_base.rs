//! Enterprise registration against the legal-person base library (issue 13, item 6): when the
//! library holds the enterprise, the name and legal representative typed must agree with it —
//! a disagreement is refused naming the field; when it does not, the licence register answers
//! and the answer says the library did not hold it (法人库未收录).

use axum::http::StatusCode;
use serde_json::json;
use yiwang_exchange::base::load_rows;
use yiwang_exchange::base::sources::{LEGAL_PERSON_CLASS, LEGAL_PERSON_NAME, source_meta};
use yiwang_exchange::fixtures;

use crate::harness::{Client, World, register_person, uscc};
use crate::identity::rules_of;

const ID_ZHANG: &str = "440802199001011238";
const ID_WANG: &str = "440811199203040017";
const HELD: &str = "湛江市赤坎区海滨餐饮有限公司";

/// The legal-person library's authoritative source with two enterprises.
async fn library(w: &World, a: &str, b: &str) {
    let svc = &w.state.exchange;
    let r = fixtures::published(
        svc,
        w.city_scjg,
        LEGAL_PERSON_CLASS,
        source_meta(LEGAL_PERSON_CLASS, LEGAL_PERSON_NAME).unwrap(),
    )
    .await
    .unwrap();
    let row = |u: &str, name: &str, rep: &str| {
        json!({"uscc": u, "name": name, "legal_representative": rep, "org_type": "有限责任公司",
               "established": "2019-03-01", "address": "湛江市赤坎区海滨大道北8号",
               "status": "存续", "division": "440802"})
    };
    load_rows(
        svc,
        &r,
        &[
            row(a, HELD, "张一"),
            row(b, "湛江市霞山区示例贸易有限公司", "李四"),
        ],
        w.state.clock.now() - time::Duration::days(30),
    )
    .await
    .unwrap();
}

async fn register(w: &World, c: &Client, usc: &str, name: &str, rep: &str) -> crate::harness::Resp {
    w.post(
        c,
        "/api/v1/organisations",
        json!({ "uscc": usc, "name": name, "legal_representative": rep }),
    )
    .await
}

#[tokio::test]
async fn an_enterprise_whose_library_entry_disagrees_with_what_it_typed_is_refused_with_the_reason()
{
    let w = World::new().await;
    let (a, b, c) = (
        uscc("91440802MA4W5501"),
        uscc("91440802MA4W5502"),
        uscc("91440802MA4W5503"),
    );
    library(&w, &a, &b).await;
    let zhang = register_person(&w, "张一", ID_ZHANG, "13800000001").await;
    let wang = register_person(&w, "王三", ID_WANG, "13800000003").await;

    // The library holds A under another name: refused naming the name, with the name on record.
    let r = register(&w, &zhang, &a, "湛江市赤坎区海滨饮食有限公司", "张一").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        rules_of(&r),
        vec![("name".into(), "org.register_name".into())]
    );
    let f = &r.json()["error"]["fields"][0];
    assert!(f["zh"].as_str().unwrap().contains(HELD), "{f}");
    assert!(
        f["en"]
            .as_str()
            .unwrap()
            .contains("legal-person base library")
    );
    // The library names 李四 as B's legal representative: 王三 is refused naming the field.
    let r = register(&w, &wang, &b, "湛江市霞山区示例贸易有限公司", "王三").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        rules_of(&r),
        vec![(
            "legal_representative".into(),
            "org.register_representative".into()
        )]
    );
    // Everything agrees (brackets' width and spaces aside): verified by the library.
    let r = register(&w, &zhang, &a, &format!(" {HELD}"), "张一").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let o = r.json();
    assert_eq!(o["verified_via"], "register");
    assert_eq!(o["name"], HELD);
    assert!(
        o["register_note"]
            .as_str()
            .unwrap()
            .contains("法人库核验一致")
    );
    // C is not in the library, nor in the licence register: pending, and the answer says so.
    let r = register(&w, &wang, &c, "湛江市坡头区新开张商店", "王三").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let o = r.json();
    assert_eq!(o["verified_via"], "");
    assert!(
        o["register_note"]
            .as_str()
            .unwrap()
            .starts_with("法人库未收录"),
        "{o}"
    );

    // Every library read is in the audit log, as the platform's, for the registration.
    let auditor = w.sign_in("auditor").await;
    let log = w
        .get(&auditor, "/api/v1/audit?action=exchange.base.read")
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    let text = log.text();
    assert!(text.contains("system:org.register"), "{text}");
    assert!(text.contains(&a), "{text}");
}

#[tokio::test]
async fn a_return_flow_package_is_uploaded_verified_and_one_changed_byte_is_refused() {
    use yiwang_exchange::base::sources::{POPULATION_CLASS, POPULATION_NAME};
    use yiwang_exchange::package::PackageFilter;
    use yiwang_kernel::auth::Ctx;

    let w = World::new().await;
    let svc = &w.state.exchange;
    let r = fixtures::published(
        svc,
        w.city_scjg,
        POPULATION_CLASS,
        source_meta(POPULATION_CLASS, POPULATION_NAME).unwrap(),
    )
    .await
    .unwrap();
    let row = json!({"id_number": ID_ZHANG, "name": "张一", "address": "湛江市赤坎区康宁路8号",
                     "division": "440802"});
    load_rows(
        svc,
        &r,
        &[row],
        w.state.clock.now() - time::Duration::days(3),
    )
    .await
    .unwrap();
    let (bytes, m) = svc
        .export_package(
            &Ctx::system("test"),
            r.code.as_str(),
            &PackageFilter::default(),
        )
        .await
        .unwrap();
    assert_eq!(m.row_count, 1);
    w.state
        .identity
        .create_staff(
            &Ctx::system("test"),
            &yiwang_identity::StaffInput {
                username: "pkg_admin".into(),
                name: "数据管理员".into(),
                department_id: w.city_scjg,
                roles: vec!["data_admin".into()],
                password: crate::harness::PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let admin = w.sign_in("pkg_admin").await;
    let at = bytes
        .windows("康宁路".len())
        .position(|b| b == "康宁路".as_bytes())
        .unwrap();
    let mut bad = bytes.clone();
    bad[at] ^= 0x20;
    let up = |body: Vec<u8>| {
        let w = &w;
        let admin = admin.clone();
        async move {
            w.send(
                &admin,
                axum::http::Method::POST,
                "/api/v1/exchange/packages",
                Some("application/zip"),
                body,
            )
            .await
        }
    };
    let res = up(bad).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text()
    );
    assert_eq!(
        rules_of(&res),
        vec![("package.rows.jsonl".into(), "package.digest".into())]
    );
    let res = up(bytes).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let j = res.json();
    assert_eq!(
        (j["created"].as_bool(), j["unchanged"].as_u64()),
        (Some(false), Some(1))
    );
    assert_eq!(j["manifest_sm3"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn a_form_field_is_prefilled_from_the_population_library_of_the_applicant() {
    use yiwang_exchange::base::sources::{POPULATION_CLASS, POPULATION_NAME};
    use yiwang_forms::{FieldKind, FormField, Prefill};
    use yiwang_kernel::auth::Ctx;

    let w = World::new().await;
    let fields = vec![FormField {
        key: "from_address".into(),
        label: "现户籍地址".into(),
        kind: FieldKind::Address,
        prefill: Some(Prefill::PersonAddress),
        ..Default::default()
    }];
    let (_, session) = w
        .state
        .identity
        .register_person(
            &yiwang_identity::PersonRegistration {
                name: "张一".into(),
                id_number: ID_ZHANG.into(),
                phone: "13800000001".into(),
                password: crate::harness::PASSWORD.into(),
            },
            "",
        )
        .await
        .unwrap();
    let ctx = Ctx::new(session.actor, "");
    // Nothing in the library yet: nothing prefilled.
    let none = w.state.cases.base_prefills(&ctx, &fields).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
    let svc = &w.state.exchange;
    let r = fixtures::published(
        svc,
        w.city_scjg,
        POPULATION_CLASS,
        source_meta(POPULATION_CLASS, POPULATION_NAME).unwrap(),
    )
    .await
    .unwrap();
    let row = json!({"id_number": ID_ZHANG, "name": "张一", "address": "湛江市赤坎区康宁路8号",
                     "division": "440802"});
    load_rows(
        svc,
        &r,
        &[row],
        w.state.clock.now() - time::Duration::days(3),
    )
    .await
    .unwrap();
    let got = w.state.cases.base_prefills(&ctx, &fields).await.unwrap();
    assert_eq!(
        got,
        vec![(Prefill::PersonAddress, "湛江市赤坎区康宁路8号".to_string())]
    );
    // A form without a library prefill reads no library.
    let plain = vec![FormField {
        prefill: Some(Prefill::ApplicantName),
        ..fields[0].clone()
    }];
    assert!(
        w.state
            .cases
            .base_prefills(&ctx, &plain)
            .await
            .unwrap()
            .is_empty()
    );
}
