//! The public verify page at a glance (issue 12): a suspended licence and a valid one look
//! different — another background colour and another word in `#verdict` — so a clerk checking
//! a licence on a phone cannot take one for the other.

use fantoccini::{Client, Locator};

use crate::support::*;

/// The verdict's text and computed background colour on the verify page at `url`.
async fn verdict_at(c: &Client, url: &str) -> (String, String) {
    c.goto(url).await.unwrap();
    let text = text_of(c, "#verdict").await;
    let bg = c
        .execute(
            "return getComputedStyle(document.getElementById('verdict')).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    (text, bg.as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_licence_and_a_valid_one_look_different_on_the_verify_page() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    sign_in_person(&c, &base, "440802198805120013", false).await;
    c.goto(&format!("{base}/my/licences")).await.unwrap();
    // Every licence card links to its verify page.
    let mut links = Vec::new();
    for a in c
        .find_all(Locator::Css("#wallet a[href^='/verify?id=']"))
        .await
        .unwrap()
    {
        links.push(a.attr("href").await.unwrap().unwrap());
    }
    assert!(links.len() >= 2, "two licences to compare: {links:?}");
    let suspended_id = links[1]
        .split_once("id=")
        .map(|(_, v)| percent_decode(v))
        .unwrap();
    sign_out(&c).await;
    state
        .licences
        .set_status(
            &yiwang_kernel::auth::Ctx::system("browser-test"),
            &suspended_id,
            "suspended",
            "核查中",
        )
        .await
        .unwrap();

    let (valid_text, valid_bg) = verdict_at(&c, &format!("{base}{}", links[0])).await;
    let (susp_text, susp_bg) = verdict_at(&c, &format!("{base}{}", links[1])).await;
    assert_eq!(valid_text, "有效");
    assert_eq!(susp_text, "已暂停使用");
    for bg in [&valid_bg, &susp_bg] {
        assert!(
            !bg.is_empty() && bg != "rgba(0, 0, 0, 0)" && bg != "transparent",
            "a verdict has a background of its own: {bg}"
        );
    }
    assert_ne!(valid_bg, susp_bg, "valid and suspended share a colour");
    // No raw API address on the public page.
    assert!(!c.source().await.unwrap().contains("/api/"));
    c.close().await.unwrap();
}
