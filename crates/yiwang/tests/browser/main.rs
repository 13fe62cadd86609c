//! Browser tests: the real pages in headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver, against the demo city on a fresh database.
//!
//! Without Chromium these tests print why they skip; under CI (`CI=true`) a missing browser is
//! a failure. `YIWANG_BROWSER=skip` skips them on purpose (`.ci/run` runs them in their own
//! stage).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod appeal_journey;
mod bundle_journey;
mod elder;
mod exchange;
mod layout;
mod picker;
mod sharing;
mod supervision;
mod support;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use yiwang_kernel::clock::SystemClock;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_searches_opens_a_guide_switches_language_and_staff_sign_in_and_out() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, _state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;

    // A citizen searches for 食品经营许可 from the home page and opens the guide.
    c.goto(&format!("{base}/")).await.unwrap();
    c.find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("食品经营许可")
        .await
        .unwrap();
    c.find(Locator::Id("search-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let count = text_of(&c, "#result-count").await;
    assert!(count.contains("共找到"), "{count}");
    let first = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#results li h3 a"))
        .await
        .unwrap();
    let name = first.text().await.unwrap();
    assert!(name.contains("食品经营"), "first result: {name}");
    first.click().await.unwrap();
    let title = text_of(&c, "#item-name").await;
    assert_eq!(title, name);
    let materials = text_of(&c, "#materials").await;
    assert!(materials.contains("申请材料"));
    assert!(
        c.find(Locator::Css("#materials-table tbody tr"))
            .await
            .is_ok(),
        "materials are listed"
    );
    let summary = text_of(&c, "#summary").await;
    assert!(
        summary.contains("承诺办结时限") && summary.contains("工作日"),
        "{summary}"
    );

    // English switch, then back; the elder-friendly mode enlarges the page.
    c.find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let materials_en = text_of(&c, "#materials").await;
    assert_eq!(materials_en, "Materials");
    assert_eq!(
        text_of(&c, "#item-name").await,
        name,
        "content stays in Chinese"
    );
    c.find(Locator::LinkText("中文"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#materials").await, "申请材料");
    let small = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .css_value("font-size")
        .await
        .unwrap();
    c.find(Locator::Id("elder-on"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("body.elder"))
        .await
        .unwrap();
    let large = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .css_value("font-size")
        .await
        .unwrap();
    let px = |s: &str| s.trim_end_matches("px").parse::<f64>().unwrap();
    assert!(px(&large) > px(&small), "{small} -> {large}");
    c.find(Locator::Id("elder-off"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // A two-character query finds items too.
    c.goto(&format!("{base}/items?q=%E7%A4%BE%E4%BF%9D"))
        .await
        .unwrap();
    assert!(
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#results li"))
            .await
            .is_ok(),
        "社保 finds items"
    );

    // Staff sign in with a wrong password, then the right one, see their work, sign out.
    c.goto(&format!("{base}/signin")).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("scjg")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong-Password1")
        .await
        .unwrap();
    c.find(Locator::Id("signin-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = text_of(&c, "#error-summary").await;
    assert!(err.contains("账号或密码错误"), "{err}");
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(yiwang_demo::DEMO_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("signin-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = text_of(&c, "main h1").await;
    assert_eq!(h1, "管理后台");
    c.goto(&format!("{base}/admin/items")).await.unwrap();
    let rows = c
        .find_all(Locator::Css("#admin-items tbody tr"))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    c.find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("signin-link"))
        .await
        .unwrap();
    // Signed out for good: the admin pages send us to sign in again.
    c.goto(&format!("{base}/admin/items")).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.path().starts_with("/signin"), "{url}");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_signs_up_signs_in_by_mobile_registers_an_enterprise_and_signs_out() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    const ID: &str = "440802199001011238";
    const MOBILE: &str = "13800138000";
    const PASSWORD: &str = "Citizen@2026";

    // From the home page to the sign-up form; a mistyped ID number is shown next to its field
    // and what was typed stays.
    c.goto(&format!("{base}/")).await.unwrap();
    click(&c, "signup-link").await;
    assert_eq!(text_of(&c, "main h1").await, "个人实名注册");
    assert!(text_of(&c, "#password-policy").await.contains("至少三类"));
    fill(&c, "su-name", "王小明").await;
    fill(&c, "su-id", "440802199001011239").await;
    fill(&c, "su-phone", MOBILE).await;
    fill(&c, "su-password", PASSWORD).await;
    fill(&c, "su-password2", PASSWORD).await;
    click(&c, "signup-submit").await;
    let err = text_of(&c, "#id_number-error").await;
    assert!(err.contains("校验码"), "{err}");
    let kept = c
        .find(Locator::Id("su-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("王小明"));
    fill(&c, "su-id", ID).await;
    fill(&c, "su-password", PASSWORD).await;
    fill(&c, "su-password2", PASSWORD).await;
    click(&c, "signup-submit").await;

    // The account page: signed in, the ID number masked, never in full.
    let masked = text_of(&c, "#profile-id-number").await;
    assert_eq!(masked, "440802********1238");
    assert_eq!(path_of(&c).await, "/account");
    assert_eq!(text_of(&c, "#profile-phone").await, "138****8000");
    assert_eq!(text_of(&c, "#who").await, "王小明");
    assert!(!c.source().await.unwrap().contains(ID));

    // Sign out, then in again from the header link with the mobile number.
    click(&c, "signout").await;
    click(&c, "signin-link").await;
    assert!(text_of(&c, "#person-card h2").await.contains("个人"));
    fill(&c, "login", MOBILE).await;
    fill(&c, "person-password", PASSWORD).await;
    click(&c, "person-signin-submit").await;
    assert_eq!(text_of(&c, "#who").await, "王小明");
    click(&c, "nav-account").await;
    assert_eq!(text_of(&c, "#profile-id-number").await, masked);

    // Register an enterprise; act for it: its name is shown prominently on every page.
    let uscc = yiwang_kernel::codes::Uscc::from_body("91440800MA4W1234X")
        .unwrap()
        .to_string();
    fill(&c, "org-uscc", &uscc).await;
    fill(&c, "org-name", "湛江市小明餐饮有限公司").await;
    fill(&c, "org-rep", "王小明").await;
    click(&c, "org-submit").await;
    let orgs = text_of(&c, "#org-list").await;
    assert!(
        orgs.contains("湛江市小明餐饮有限公司") && orgs.contains("企业管理员"),
        "{orgs}"
    );
    // No register names the enterprise: it waits for the window and cannot be acted for yet.
    assert!(orgs.contains("待核验"), "{orgs}");
    assert!(
        c.find(Locator::Css("#org-list button[id^='act-']"))
            .await
            .is_err()
    );
    // A window clerk sees the business licence and confirms the binding.
    state
        .identity
        .verify_org_at_window(
            &yiwang_kernel::auth::Ctx::system("browser-test"),
            &yiwang_identity::OrgWindowVerification {
                uscc: uscc.clone(),
                name: "湛江市小明餐饮有限公司".into(),
                legal_representative: "王小明".into(),
                id_number: ID.into(),
            },
        )
        .await
        .unwrap();
    c.goto(&format!("{base}/account")).await.unwrap();
    c.find(Locator::Css("#org-list button[id^='act-']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#acting-name").await, "湛江市小明餐饮有限公司");
    c.goto(&format!("{base}/items")).await.unwrap();
    assert_eq!(text_of(&c, "#acting-name").await, "湛江市小明餐饮有限公司");

    // Sign out: the account page asks to sign in again.
    click(&c, "signout").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("signin-link"))
        .await
        .unwrap();
    c.goto(&format!("{base}/account")).await.unwrap();
    assert!(path_of(&c).await.starts_with("/signin"));
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_applies_online_staff_accept_and_approve_and_the_citizen_rates() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (db, addr, _state) = platform().await;
    let base = format!("http://{addr}");

    // The city-level implementation of 食品经营许可证核发 and the materials it requires.
    let catalog = yiwang_catalog::CatalogService::new(db.db.clone(), Arc::new(SystemClock));
    let found = catalog
        .search(&yiwang_catalog::search::SearchParams {
            q: Some("食品经营许可证核发".into()),
            size: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = found
        .items
        .iter()
        .find(|i| i.division_code == "440800" && i.name == "食品经营许可证核发")
        .expect("a city-level 食品经营许可证核发")
        .code
        .clone();
    let item = catalog
        .item(&yiwang_kernel::auth::Ctx::anonymous(), &code)
        .await
        .unwrap();
    let item_materials = item.published.unwrap().elements.materials;
    let required: Vec<String> = item_materials
        .iter()
        .filter(|m| m.required && m.condition.trim().is_empty() && m.licence_type.trim().is_empty())
        .map(|m| m.key.clone())
        .collect();
    assert!(!required.is_empty(), "the item requires materials");
    // Materials an e-licence may replace (免证办): the page offers the enterprise's licence.
    let by_licence: Vec<String> = item_materials
        .iter()
        .filter(|m| {
            m.required && m.condition.trim().is_empty() && !m.licence_type.trim().is_empty()
        })
        .map(|m| m.key.clone())
        .collect();
    assert!(
        !by_licence.is_empty(),
        "the item accepts an e-licence for a material"
    );
    let files = tempfile::tempdir().unwrap();
    let mut pdfs = Vec::new();
    for (i, key) in required.iter().enumerate() {
        let path = files.path().join(format!("材料{key}.pdf"));
        std::fs::write(
            &path,
            format!("%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj % {i}\ntrailer <<>>\n%%EOF\n"),
        )
        .unwrap();
        pdfs.push((key.clone(), path));
    }

    let c = browser(&driver).await;

    // 陈小明 signs in for his enterprise, opens the guide and applies online.
    let (person, id_number) = ("陈小明", "440802198805120013");
    sign_in_person(&c, &base, id_number, true).await;
    assert_eq!(text_of(&c, "#who").await, person);
    c.goto(&format!("{base}/items/{code}")).await.unwrap();
    assert_eq!(text_of(&c, "#item-name").await, "食品经营许可证核发");
    click(&c, "apply-online").await;
    assert!(
        text_of(&c, "#apply-title")
            .await
            .contains("食品经营许可证核发")
    );
    // Acting for the enterprise, its name and credit code come prefilled; otherwise type them.
    if exists(&c, "input#f-operator_name").await {
        fill(&c, "f-operator_name", "湛江市赤坎区海滨餐饮有限公司").await;
        let uscc = yiwang_kernel::codes::Uscc::from_body("91440802MA4W8K2L5")
            .unwrap()
            .to_string();
        fill(&c, "f-uscc", &uscc).await;
    } else {
        assert_eq!(
            text_of(&c, "#f-operator_name").await,
            "湛江市赤坎区海滨餐饮有限公司"
        );
    }
    if exists(&c, "input#f-contact_phone").await {
        fill(&c, "f-contact_phone", "13800759001").await;
    }
    fill(&c, "f-legal_rep", person).await;
    fill(&c, "f-legal_rep_id", id_number).await;
    fill(&c, "f-premises_division", "440802").await;
    fill(&c, "f-premises_address", "赤坎区海滨大道北1号首层").await;
    fill(&c, "f-premises_area", "86.5").await;
    c.find(Locator::Id("f-business_form"))
        .await
        .unwrap()
        .select_by_value("restaurant")
        .await
        .unwrap();
    click(&c, "f-business_items-hot").await;
    fill(&c, "f-safety_manager", person).await;
    fill(&c, "f-staff-0-name", "黄丽").await;
    fill(&c, "f-staff-0-id_number", "440803199203180028").await;
    fill(&c, "f-staff-0-health_cert", "JK2026-0001").await;
    for (key, path) in &pdfs {
        c.find(Locator::Id(&format!("m-{key}")))
            .await
            .unwrap()
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
    }
    // "Use my e-licence" is offered (and ticked) instead of an upload where the enterprise
    // holds a licence of the entry's type (营业执照, 食品经营许可证 in the demo).
    let mut offered = Vec::new();
    for key in &by_licence {
        if let Ok(tick) = c.find(Locator::Id(&format!("m-{key}-licence"))).await {
            assert_eq!(tick.prop("checked").await.unwrap().as_deref(), Some("true"));
            offered.push(key.clone());
        }
    }
    assert!(
        !offered.is_empty(),
        "no e-licence offered for {by_licence:?}"
    );
    click(&c, "apply-submit").await;
    wait_for_address(&c, "done=case_applied").await;
    let no = text_of(&c, "#case-no").await;
    assert!(no.len() > 20, "{no}");
    assert_eq!(text_of(&c, "#case-status").await, "待受理");
    let materials = text_of(&c, "#case-materials").await;
    for (key, _) in &pdfs {
        assert!(materials.contains(&format!("材料{key}.pdf")), "{materials}");
    }
    for key in &offered {
        let m = item_materials.iter().find(|m| &m.key == key).unwrap();
        assert!(
            materials.contains(&m.name),
            "the e-licence stands in for {}: {materials}",
            m.name
        );
    }
    // The enterprise's licence use log (用证记录) shows the authorisation for this case.
    c.goto(&format!("{base}/my/licences")).await.unwrap();
    let uses = text_of(&c, "#licence-uses").await;
    assert!(
        uses.contains(&no) && uses.contains("申请时授权使用"),
        "{uses}"
    );
    sign_out(&c).await;

    // The window clerk accepts it.
    sign_in_staff(&c, &base, "clerk").await;
    c.goto(&format!("{base}/staff/cases/{no}")).await.unwrap();
    assert_eq!(text_of(&c, "#case-status").await, "待受理");
    click(&c, "accept-submit").await;
    wait_for_address(&c, "done=case_accept").await;
    assert_eq!(text_of(&c, "#case-status").await, "办理中");
    sign_out(&c).await;

    // Case officers claim and approve each step of the workflow until it is concluded; when
    // nothing is left for one officer (a step needs someone else), the other signs in.
    let officers = ["scjg_officer", "scjg_officer2"];
    let mut who = 0;
    let mut idle = 0;
    sign_in_staff(&c, &base, officers[who]).await;
    for round in 0.. {
        assert!(round < 40, "the workflow did not conclude");
        c.goto(&format!("{base}/staff/cases/{no}")).await.unwrap();
        let status = text_of(&c, "#case-status").await;
        if status == "已办结" {
            break;
        }
        assert_eq!(status, "办理中");
        let button = if exists(&c, "button[id^='approve-']").await {
            Some(("button[id^='approve-']", "done=case_approve"))
        } else if exists(&c, "button[id^='claim-']").await {
            Some(("button[id^='claim-']", "done=case_claim"))
        } else {
            None
        };
        match button {
            Some((css, done)) => {
                idle = 0;
                if done == "done=case_approve" {
                    // An approval records an opinion: a common phrase fills it.
                    c.find(Locator::Css("button.phrase"))
                        .await
                        .unwrap()
                        .click()
                        .await
                        .unwrap();
                }
                c.find(Locator::Css(css))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
                wait_for_address(&c, done).await;
            }
            None => {
                idle += 1;
                assert!(idle <= officers.len(), "nobody can act on the case");
                sign_out(&c).await;
                who = (who + 1) % officers.len();
                sign_in_staff(&c, &base, officers[who]).await;
            }
        }
    }
    let timeline = text_of(&c, "#timeline").await;
    assert!(
        timeline.contains("签收") && timeline.contains("通过"),
        "{timeline}"
    );
    sign_out(&c).await;

    // The citizen sees it concluded and rates it.
    sign_in_person(&c, &base, id_number, true).await;
    c.goto(&format!("{base}/my/cases/{no}")).await.unwrap();
    assert_eq!(text_of(&c, "#case-status").await, "已办结");
    click(&c, "level-5").await;
    click(&c, "indicator-502").await;
    click(&c, "rating-submit").await;
    wait_for_address(&c, "done=case_rated").await;
    let ratings = text_of(&c, "#rating-list").await;
    assert!(
        ratings.contains("非常满意") && ratings.contains("办事效率"),
        "{ratings}"
    );
    // The public progress query shows the same case, without personal data.
    sign_out(&c).await;
    c.goto(&format!("{base}/progress")).await.unwrap();
    fill(&c, "pq-no", &no).await;
    fill(&c, "pq-cred", "13800759001").await;
    click(&c, "progress-submit").await;
    assert_eq!(text_of(&c, "#progress-status").await, "已办结");
    assert!(!c.source().await.unwrap().contains(id_number));
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_opens_the_wallet_and_the_verify_page_shows_a_revocation_at_once() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (db, addr, _state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    sign_in_person(&c, &base, "440802198805120013", false).await;
    c.goto(&format!("{base}/my/licences")).await.unwrap();
    let wallet = text_of(&c, "#wallet").await;
    for name in ["居民身份证", "机动车驾驶证", "社会保障卡"] {
        assert!(wallet.contains(name), "{name} missing: {wallet}");
    }
    // The first licence's verify link (the QR code's target).
    c.find(Locator::Css("#wallet a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_address(&c, "/verify?id=").await;
    assert_eq!(text_of(&c, "#verdict").await, "有效");
    let url = c.current_url().await.unwrap().to_string();
    let id = url
        .split_once("id=")
        .map(|(_, v)| percent_decode(v))
        .unwrap();
    // Revoked by the issuer: the public page says so at once, also to an anonymous visitor.
    sign_out(&c).await;
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    let identity = yiwang_identity::IdentityService::new(
        db.db.clone(),
        Arc::new(SystemClock),
        Default::default(),
        keys.clone(),
    );
    yiwang_licences::LicenceService::new(db.db.clone(), Arc::new(SystemClock), keys, identity)
        .set_status(
            &yiwang_kernel::auth::Ctx::system("browser-test"),
            &id,
            "revoked",
            "证件遗失，已申请补领",
        )
        .await
        .unwrap();
    c.goto(&url).await.unwrap();
    assert_eq!(text_of(&c, "#verdict").await, "已注销");
    c.close().await.unwrap();
}
