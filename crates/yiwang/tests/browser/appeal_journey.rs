//! 12345 诉求 on the demo city, in the browser: a citizen files an appeal with a photo and a
//! point clicked on the map; the grid worker of that grid signs for it, records handling with
//! a photo and replies; the citizen sees the reply and rates it; a hotline operator takes a
//! call and answers a 咨询 from the knowledge base at once.

use std::time::Duration;

use fantoccini::{Client, Locator};
use yiwang_appeals::GridKind;
use yiwang_kernel::auth::Ctx;

use crate::support::*;

const CITIZEN: &str = "440802198805120013";

/// A small PNG (8×8, one colour) written to `dir`.
fn png_file(dir: &tempfile::TempDir, name: &str) -> std::path::PathBuf {
    // 1×1 RGBA PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    let path = dir.path().join(name);
    std::fs::write(&path, PNG).unwrap();
    path
}

async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_files_with_a_photo_and_a_map_point_the_worker_replies_and_the_operator_answers()
{
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let files = tempfile::tempdir().unwrap();
    let photo = png_file(&files, "现场照片.png");
    let handling = png_file(&files, "处置照片.png");

    // A unit grid of the demo with its worker, and a category no professional grid handles.
    let grids = state.appeals.grids().await.unwrap();
    let grid = grids
        .iter()
        .find(|g| g.kind == GridKind::Unit && !g.workers.is_empty())
        .expect("a demo unit grid with a worker");
    let worker = grid.workers[0].clone();
    let category = state
        .appeals
        .categories(true)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.parent_code.is_some() && c.specialty.is_none())
        .expect("a demo category without specialty");

    let c = browser(&driver).await;

    // 陈小明 opens 诉求 from the header and files: the point is clicked on the map.
    sign_in_person(&c, &base, CITIZEN, false).await;
    click(&c, "nav-appeals").await;
    click(&c, "appeal-new-link").await;
    wait_for_address(&c, "/appeals/new").await;
    c.find(Locator::Id("appeal-type"))
        .await
        .unwrap()
        .select_by_value("help")
        .await
        .unwrap();
    c.find(Locator::Id("appeal-category"))
        .await
        .unwrap()
        .select_by_value(&category.code)
        .await
        .unwrap();
    fill(
        &c,
        "appeal-content",
        "小区门口人行道的井盖松动，踩上去会翻，晚上很危险，请尽快处理。",
    )
    .await;
    c.find(Locator::Id("appeal-photos"))
        .await
        .unwrap()
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    assert!(value_of(&c, "lon").await.is_empty());
    c.find(Locator::Css(&format!(
        "#pick-map path[data-code='{}']",
        grid.code
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let (lon, lat) = (value_of(&c, "lon").await, value_of(&c, "lat").await);
    assert!(
        lon.parse::<f64>().is_ok() && lat.parse::<f64>().is_ok(),
        "the click set the point: {lon}, {lat}"
    );
    assert!(text_of(&c, "#pick-status").await.contains(&lon));
    click(&c, "appeal-submit").await;
    // A similar appeal nearby may be offered first: file anyway (the photo is chosen again).
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#appeal-receipt, #duplicates"))
        .await
        .unwrap();
    if exists(&c, "#duplicates").await {
        click(&c, "file-anyway").await;
        c.find(Locator::Id("appeal-photos"))
            .await
            .unwrap()
            .send_keys(&photo.display().to_string())
            .await
            .unwrap();
        click(&c, "appeal-submit").await;
    }
    wait_for_address(&c, "done=apc_filed").await;
    let no = text_of(&c, "#receipt-no").await;
    let went = text_of(&c, "#receipt-where").await;
    assert!(went.contains(&grid.name), "{went}");
    assert!(text_of(&c, "#receipt-due").await.contains("工作日"));
    assert!(exists(&c, "#appeal-photos img").await, "the photo is shown");
    sign_out(&c).await;

    // The grid worker signs for it, records handling with a photo, and replies.
    sign_in_staff(&c, &base, &worker).await;
    c.goto(&format!("{base}/staff/appeals/{no}")).await.unwrap();
    staff_act(&c, "sign", &[], None).await;
    staff_act(
        &c,
        "handle",
        &[("text", "已到现场，井盖底座破损，已更换新井盖。")],
        Some(&handling),
    )
    .await;
    staff_act(
        &c,
        "reply",
        &[("text", "井盖已更换，现已恢复正常。感谢您的监督。")],
        None,
    )
    .await;
    sign_out(&c).await;

    // The citizen sees the reply, the handling photo, and rates it.
    sign_in_person(&c, &base, CITIZEN, false).await;
    c.goto(&format!("{base}/appeals/mine")).await.unwrap();
    c.find(Locator::Css(&format!("#appeal-{no} h3 a")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, "#appeal-reply-text").await,
        "井盖已更换，现已恢复正常。感谢您的监督。"
    );
    assert_eq!(text_of(&c, "#appeal-status").await, "已办结");
    let photos = c
        .find_all(Locator::Css("#appeal-photos img"))
        .await
        .unwrap();
    assert_eq!(photos.len(), 2, "the filed photo and the handling photo");
    click(&c, "satisfaction-5").await;
    click(&c, "resolved-yes").await;
    click(&c, "rating-submit").await;
    wait_for_address(&c, "done=apc_rated").await;
    assert_eq!(text_of(&c, "#appeal-satisfaction").await, "非常满意");
    assert_eq!(text_of(&c, "#appeal-status").await, "已回访");
    sign_out(&c).await;

    // The operator takes a call: a 咨询 answered at once from the knowledge base.
    sign_in_staff(&c, &base, "hotline").await;
    c.goto(&format!("{base}/staff/hotline")).await.unwrap();
    fill(&c, "caller-phone", "13900001111").await;
    click(&c, "caller-submit").await;
    wait_for_address(&c, "phone=13900001111").await;
    fill(&c, "kq", "社保卡").await;
    click(&c, "kb-submit").await;
    wait_for_address(&c, "kq=").await;
    let entry = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("article.kb-entry"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    let id = entry.trim_start_matches("kb-").to_string();
    click(&c, &format!("kb-use-{id}")).await;
    click(&c, &format!("answer-submit-{id}")).await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("filed-no"))
        .await
        .unwrap();
    let answered = text_of(&c, "#filed-no").await;
    let v = state
        .appeals
        .get(&Ctx::system("browser-test"), &answered)
        .await
        .unwrap();
    assert_eq!(v.status.as_str(), "closed_direct");
    c.close().await.unwrap();
}

/// Posts the staff order page's form of one action (`#act-<action>`, in its folded
/// `<details>`), filling its fields and its photo, and waits for the page after it.
async fn staff_act(
    c: &Client,
    action: &str,
    fields: &[(&str, &str)],
    photo: Option<&std::path::Path>,
) {
    let details = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id(&format!("action-{action}")))
        .await
        .unwrap();
    if details.prop("open").await.unwrap().as_deref() != Some("true") {
        click(c, &format!("open-{action}")).await;
    }
    for (name, value) in fields {
        let e = c
            .find(Locator::Css(&format!("#act-{action} [name='{name}']")))
            .await
            .unwrap();
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }
    if let Some(p) = photo {
        c.find(Locator::Id(&format!("{action}-photos")))
            .await
            .unwrap()
            .send_keys(&p.display().to_string())
            .await
            .unwrap();
    }
    click(c, &format!("submit-{action}")).await;
    wait_for_address(c, &format!("done=appeal_{action}")).await;
}
