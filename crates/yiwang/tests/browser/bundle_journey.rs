//! 开餐馆一件事 on the demo city, in the browser: a citizen chooses the bundle among the
//! 主题服务, answers its questions, fills the one form and hands in the one set of materials
//! once; each department sees and works on its part only; the catering part starts after the
//! business licence with its identifier filled in; the sign part is refused; the citizen sees
//! one progress with the refusal explained and the results together.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, Locator};
use yiwang_kernel::auth::Ctx;

use crate::support::*;

/// The demo's restaurant bundle.
pub const CODE: &str = "open-restaurant";
const SHOP: &str = "湛江市赤坎区海滨面馆";
const CITIZEN: &str = "440802198805120013";

/// The bundle's materials and the file handed in for each.
const MATERIALS: &[(&str, &str)] = &[
    ("id_card", "经营者身份证.pdf"),
    ("application", "一件事联办申请表.pdf"),
    ("premises", "租赁合同.pdf"),
    ("layout", "平面布局图.pdf"),
    ("health", "健康证明.pdf"),
    ("sign_design", "招牌效果图.pdf"),
    ("fire_pledge", "消防承诺书.pdf"),
];

/// Small valid PDFs, one per material, in a temporary directory.
pub fn pdfs(dir: &tempfile::TempDir) -> Vec<(&'static str, &'static str, PathBuf)> {
    MATERIALS
        .iter()
        .enumerate()
        .map(|(i, (key, name))| {
            let path = dir.path().join(name);
            std::fs::write(
                &path,
                format!("%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj % {i}\ntrailer <<>>\n%%EOF\n"),
            )
            .unwrap();
            (*key, *name, path)
        })
        .collect()
}

/// The signed-in citizen applies for 开餐馆 from the 主题服务 page (food yes, sign yes) and
/// lands on the progress page; answers the bundle's number.
pub async fn apply(c: &Client, base: &str, files: &[(&str, &str, PathBuf)]) -> String {
    c.goto(&format!("{base}/bundles")).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!("a[href='/bundles/{CODE}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_address(c, &format!("/bundles/{CODE}")).await;
    c.find(Locator::Css(&format!("a[href='/bundles/{CODE}/apply']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_address(c, "/apply").await;
    click(c, "a-sells_food-yes").await;
    click(c, "a-sign-yes").await;
    click(c, "questions-next").await;
    wait_for_address(c, "a.sells_food=yes").await;
    for part in ["business", "catering", "sign", "fire"] {
        assert!(
            exists(c, &format!("#part-{part}")).await,
            "plan lacks {part}"
        );
    }
    fill(c, "f-trade_name", SHOP).await;
    fill(c, "f-premises_division", "440802").await;
    fill(c, "f-premises_address", "赤坎区海滨大道北1号首层").await;
    fill(c, "f-premises_area", "86.5").await;
    fill(c, "f-business_scope", "餐饮服务").await;
    fill(c, "f-capital", "10").await;
    fill(c, "f-staff_count", "3").await;
    for (id, value) in [
        ("f-organisation", "individual"),
        ("f-lighting", "internal"),
        ("f-commitment", "pledged"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    click(c, "f-business_items-hot").await;
    fill(c, "f-safety_manager", "陈小明").await;
    fill(c, "f-sign_text", "海滨面馆").await;
    fill(c, "f-sign_width", "4.5").await;
    fill(c, "f-sign_height", "1.2").await;
    for (key, _, path) in files {
        c.find(Locator::Id(&format!("m-{key}")))
            .await
            .unwrap()
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
    }
    click(c, "apply-submit").await;
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while !c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("done=bundle_applied")
    {
        if std::time::Instant::now() >= until {
            panic!("not applied: {}", text_of(c, "main").await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    text_of(c, "#applied-bundle-no").await
}

/// The case number of a part, from the progress page.
async fn case_of(c: &Client, part: &str) -> String {
    text_of(c, &format!("#part-{part} a")).await
}

/// Accepts a case at the window as `clerk`.
async fn accept(c: &Client, base: &str, clerk: &str, no: &str) {
    sign_in_staff(c, base, clerk).await;
    c.goto(&format!("{base}/staff/cases/{no}")).await.unwrap();
    assert_eq!(text_of(c, "#case-status").await, "待受理");
    click(c, "accept-submit").await;
    wait_for_address(c, "done=case_accept").await;
    sign_out(c).await;
}

/// `officer` claims and approves every step of a case until it is concluded.
async fn approve_all(c: &Client, base: &str, officer: &str, no: &str) {
    sign_in_staff(c, base, officer).await;
    for round in 0.. {
        assert!(round < 20, "{no} did not conclude");
        c.goto(&format!("{base}/staff/cases/{no}")).await.unwrap();
        let status = text_of(c, "#case-status").await;
        if status == "已办结" {
            break;
        }
        assert_eq!(status, "办理中", "{no}");
        if exists(c, "button[id^='approve-']").await {
            c.find(Locator::Css("button.phrase"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            c.find(Locator::Css("button[id^='approve-']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_address(c, "done=case_approve").await;
        } else if exists(c, "button[id^='claim-']").await {
            c.find(Locator::Css("button[id^='claim-']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_address(c, "done=case_claim").await;
        } else {
            panic!(
                "{officer} can do nothing on {no}: {}",
                text_of(c, "main").await
            );
        }
    }
    sign_out(c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restaurant_is_opened_in_one_go_and_each_department_works_on_its_part() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let files = pdfs(&dir);
    let c = browser(&driver).await;

    // The citizen applies once; four parts, the catering part waiting for the business licence.
    sign_in_person(&c, &base, CITIZEN, false).await;
    let no = apply(&c, &base, &files).await;
    assert!(no.starts_with("YJS"), "{no}");
    for part in ["business", "catering", "sign", "fire"] {
        assert!(
            exists(&c, &format!("#bundle-parts #part-{part}")).await,
            "{part}"
        );
    }
    assert!(
        text_of(&c, "#part-catering-state")
            .await
            .contains("等待前置事项")
    );
    assert!(!exists(&c, "#part-catering a").await, "no case yet");
    let business = case_of(&c, "business").await;
    let sign = case_of(&c, "sign").await;
    let fire = case_of(&c, "fire").await;
    sign_out(&c).await;

    // 赤坎区市场监管局 accepts and works on the business part; the sign and fire parts are other
    // departments' (not in its inbox, not found).
    accept(&c, &base, "chikan_clerk", &business).await;
    sign_in_staff(&c, &base, "chikan_officer").await;
    c.goto(&format!("{base}/staff/cases")).await.unwrap();
    let inbox = text_of(&c, "main").await;
    assert!(inbox.contains(&business), "{inbox}");
    assert!(!inbox.contains(&sign) && !inbox.contains(&fire), "{inbox}");
    for other in [&sign, &fire] {
        c.goto(&format!("{base}/staff/cases/{other}"))
            .await
            .unwrap();
        assert!(
            !exists(&c, "#case-status").await,
            "chikan_officer opens {other}"
        );
    }
    c.goto(&format!("{base}/staff/cases")).await.unwrap();
    sign_out(&c).await;
    approve_all(&c, &base, "chikan_officer", &business).await;

    // The catering part started with the business licence's identifier in its form.
    let ctx = Ctx::system("browser-test");
    let v = state.cases.bundle_view(&ctx, &no).await.unwrap();
    let part = |k: &str| v.parts.iter().find(|p| p.key == k).unwrap().clone();
    assert_eq!(part("business").decision.as_deref(), Some("grant"));
    let catering = part("catering")
        .case_no
        .unwrap_or_else(|| panic!("the catering part did not start: {:?}", part("catering")));
    assert_eq!(part("catering").state, "started");
    let case = state.cases.case(&ctx, &catering).await.unwrap();
    // (The licence itself is shown to the applicant with the others once the bundle concludes.)
    let licence = case.form["business_licence"]
        .as_str()
        .unwrap_or_else(|| panic!("no licence in the catering form: {:?}", case.form))
        .to_string();
    assert!(!licence.trim().is_empty());

    // The sign part: the city window accepts, 城管局 refuses with a reason.
    accept(&c, &base, "clerk", &sign).await;
    sign_in_staff(&c, &base, "cgj_officer").await;
    c.goto(&format!("{base}/staff/cases/{sign}")).await.unwrap();
    c.find(Locator::Css("button[id^='claim-']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_address(&c, "done=case_claim").await;
    c.find(Locator::Css(
        "details:has(form[id^='refuse-form-']) > summary",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let reason = "招牌设置位置遮挡相邻建筑消防登高面，不符合户外招牌设置规范";
    c.find(Locator::Css(
        "form[id^='refuse-form-'] textarea[name='opinion']",
    ))
    .await
    .unwrap()
    .send_keys(reason)
    .await
    .unwrap();
    c.find(Locator::Css("button[id^='refuse-']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_address(&c, "done=case_refuse").await;
    sign_out(&c).await;

    // The fire check and the catering licence are granted; the bundle waits for the last part.
    accept(&c, &base, "clerk", &fire).await;
    approve_all(&c, &base, "xfzd_officer", &fire).await;
    let v = state.cases.bundle_view(&ctx, &no).await.unwrap();
    assert_eq!(v.status, "handling", "the catering part is still open");
    accept(&c, &base, "chikan_clerk", &catering).await;
    approve_all(&c, &base, "chikan_officer", &catering).await;
    let v = state.cases.bundle_view(&ctx, &no).await.unwrap();
    assert_eq!(v.status, "concluded");
    assert_eq!(v.outcome.as_deref(), Some("partly"));
    let business_result = v
        .parts
        .iter()
        .find(|p| p.key == "business")
        .and_then(|p| p.result.clone())
        .expect("the business licence, delivered with the others");
    assert_eq!(business_result.licence_identifier, licence);

    // Each sub-case holds the shop name typed once and the premises file handed in once.
    sign_in_person(&c, &base, CITIZEN, false).await;
    for case_no in [&business, &catering, &sign, &fire] {
        c.goto(&format!("{base}/my/cases/{case_no}")).await.unwrap();
        let page = text_of(&c, "main").await;
        assert!(page.contains(SHOP), "{case_no} lacks the shop name: {page}");
        let materials = text_of(&c, "#case-materials").await;
        for name in ["租赁合同.pdf", "一件事联办申请表.pdf"] {
            assert!(
                materials.contains(name),
                "{case_no} lacks {name}: {materials}"
            );
        }
    }
    c.goto(&format!("{base}/my/cases/{catering}"))
        .await
        .unwrap();
    assert!(text_of(&c, "main").await.contains(&licence));

    // One progress: the refusal explained, the results together.
    c.goto(&format!("{base}/my/bundles")).await.unwrap();
    c.find(Locator::Css(&format!("#bundle-{no} a")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_address(&c, &format!("/my/bundles/{no}")).await;
    let status = text_of(&c, "#bundle-status").await;
    assert!(
        status.contains("已办结") && status.contains("部分准予"),
        "{status}"
    );
    assert!(text_of(&c, "#part-sign-opinion").await.contains(reason));
    assert!(text_of(&c, "#part-sign-decision").await.contains("不予"));
    let results = text_of(&c, "#bundle-results").await;
    assert!(results.contains(&licence), "{results}");
    let v = state.cases.bundle_view(&ctx, &no).await.unwrap();
    assert!(v.results.len() >= 2, "{:?}", v.results);
    for r in &v.results {
        assert!(results.contains(&r.licence_identifier), "{results}");
    }
    // The one rating.
    click(&c, "score-4").await;
    click(&c, "rate-submit").await;
    assert!(text_of(&c, "#bundle-rated").await.contains('4'));
    c.close().await.unwrap();
}
