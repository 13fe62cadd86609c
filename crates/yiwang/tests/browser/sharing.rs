//! A sharing request from request to reading (issue 13, 数据共享申请): a consumer department's
//! case officer finds the data-sharing pages from the header, requests a conditional resource
//! of the police through the page (data items, purpose, scenario, basis, period); the police's
//! data steward finds the request from the start page and grants it from the inbox, leaving one
//! asked-for item out; the officer then checks a case's applicant on the case screen and gets
//! exactly the granted items — nothing that was not granted, nothing before the grant.

use fantoccini::Locator;
use yiwang_exchange::collect::PushInput;
use yiwang_exchange::fixtures;
use yiwang_kernel::auth::Ctx;
use yiwang_org::repo::DepartmentFilter;
use yiwang_web::AppState;

use crate::support::*;

/// The police (湛江市公安局) — its data steward is the demo's `gaj_data`.
const PROVIDER: &str = "湛江市公安局";
/// Values of the rows that must never be shown to the consumer (not granted).
const ADDRESS: &str = "湛江市霞山区人民大道南88号";

/// A conditional population resource of the police with a row for each demo person; its code.
async fn seed(state: &AppState) -> String {
    let mut db = state.db.clone();
    let police = yiwang_org::service::departments_in(&mut db, &DepartmentFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == PROVIDER)
        .expect("the demo's police");
    let mut meta = fixtures::population_meta(yiwang_exchange::ShareType::Conditional);
    meta.name = "户籍人口核验信息".into();
    let r = fixtures::published(&state.exchange, police.id, "101009", meta)
        .await
        .unwrap();
    let upsert = [
        ("440802198805120013", "陈小明", "1", "1988-05-12"),
        ("440803199203180028", "黄丽", "2", "1992-03-18"),
    ]
    .into_iter()
    .map(|(id, name, sex, birth)| {
        let v = serde_json::json!({
            "id_number": id, "name": name, "sex": sex, "birth_date": birth,
            "address": ADDRESS, "division": "440803",
        });
        v.as_object().unwrap().clone()
    })
    .collect();
    let load = state
        .collector
        .push(
            &Ctx::system("browser-test"),
            &r.code.0,
            &PushInput {
                upsert,
                delete: Vec::new(),
                mode: Default::default(),
            },
        )
        .await
        .unwrap();
    assert!(load.finished(), "{load:?}");
    r.code.0
}

async fn tick(c: &fantoccini::Client, id: &str, on: bool) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    let checked = e.prop("checked").await.unwrap().as_deref() == Some("true");
    if checked != on {
        e.click().await.unwrap();
    }
}

async fn set_value(c: &fantoccini::Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_granted_in_part_and_the_case_screen_reads_only_the_granted_items() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let code = seed(&state).await;
    let c = browser(&driver).await;

    // A case officer of the human resources bureau: from the header to the request form.
    sign_in_staff(&c, &base, "rsj_officer").await;
    // Before any grant, the case screen offers nothing of the police's resource.
    c.goto(&format!("{base}/staff/cases")).await.unwrap();
    let case = c
        .find(Locator::Css("#inbox a[href^='/staff/cases/']"))
        .await
        .expect("a case of the officer's department")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{base}{case}")).await.unwrap();
    assert!(
        c.find(Locator::Css(&format!(
            "#verify-resource option[value='{code}']"
        )))
        .await
        .is_err(),
        "no grant yet"
    );
    click(&c, "nav-exchange").await;
    wait_for_address(&c, "/staff/exchange").await;
    click(&c, "to-exchange-new").await;
    wait_for_address(&c, "/staff/exchange/requests/new").await;
    fill(&c, "pick-resource", &code).await;
    click(&c, "pick-submit").await;
    assert!(
        text_of(&c, "#resource-summary")
            .await
            .contains("户籍人口核验信息")
    );
    for f in ["id_number", "name", "sex", "address"] {
        tick(&c, &format!("field-{f}"), true).await;
    }
    fill(&c, "purpose", "社会保障卡申领时核验申请人身份").await;
    fill(&c, "scenario", "窗口和网上申领社会保障卡").await;
    fill(&c, "legal_basis", "《社会保险法》第五十八条").await;
    let today = state.clock.today();
    let to = today.saturating_add(time::Duration::days(180)).to_string();
    set_value(&c, "to", &to).await;
    click(&c, "request-submit").await;
    wait_for_address(&c, "done=exchange_submitted").await;
    let mine = text_of(&c, "#exchange-requests").await;
    assert!(mine.contains("户籍人口核验信息"), "{mine}");
    sign_out(&c).await;

    // The police's data steward: the start page counts the request; the inbox grants it
    // without the address.
    sign_in_staff(&c, &base, "gaj_data").await;
    c.goto(&format!("{base}/admin")).await.unwrap();
    let waiting = text_of(&c, "#q-exchange_inbox b").await;
    assert!(waiting.parse::<i64>().unwrap() >= 1, "{waiting}");
    click(&c, "q-exchange_inbox").await;
    wait_for_address(&c, "/staff/exchange/inbox").await;
    let section = c
        .find(Locator::XPath(&format!(
            "//section[starts-with(@id, 'request-')][.//code[contains(., '{code}')]]"
        )))
        .await
        .expect("the request in the inbox");
    let id = section.attr("id").await.unwrap().unwrap();
    let id = id.trim_start_matches("request-").to_string();
    assert!(
        section
            .text()
            .await
            .unwrap()
            .contains("社会保障卡申领时核验申请人身份")
    );
    c.find(Locator::Css(&format!("#request-{id} details summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tick(&c, &format!("grant-{id}-address"), false).await;
    click(&c, &format!("grant-submit-{id}")).await;
    wait_for_address(&c, "done=exchange_granted").await;
    let given = c
        .find(Locator::XPath(&format!(
            "//table[@id='grants-given']//tr[.//code[contains(., '{code}')]]"
        )))
        .await
        .expect("the grant given")
        .text()
        .await
        .unwrap();
    assert!(
        given.contains("id_number, name, sex") && !given.contains("address"),
        "{given}"
    );
    sign_out(&c).await;

    // The officer checks the applicant on the case screen: only the granted items come back.
    sign_in_staff(&c, &base, "rsj_officer").await;
    c.goto(&format!("{base}{case}")).await.unwrap();
    c.find(Locator::Id("verify-resource"))
        .await
        .unwrap()
        .select_by_value(&code)
        .await
        .unwrap();
    click(&c, "verify-submit").await;
    let result = text_of(&c, "#verify-result").await;
    assert!(
        result.contains("黄丽") || result.contains("陈小明"),
        "the applicant's row: {result}"
    );
    assert!(
        !result.contains(ADDRESS),
        "the address was not granted: {result}"
    );
    assert!(
        !result.contains("-03-18") && !result.contains("-05-12"),
        "{result}"
    );
    let rows = c
        .find_all(Locator::Css("#verify-result tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(rows, 3, "id_number, name, sex: {result}");
    // The read is recorded against the case.
    assert!(
        text_of(&c, "#verify-reads")
            .await
            .contains("户籍人口核验信息")
    );
    sign_out(&c).await;
    c.close().await.unwrap();
}
