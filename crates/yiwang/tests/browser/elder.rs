//! Elder mode (长者模式, 适老化): on the apply page it doubles the text and enlarges every
//! control — text boxes, selects, buttons, checkboxes, radios, the file button — to a touch
//! target at least 40 px high; the menu keeps only the citizen's main entries; and on a
//! 390-pixel phone nothing scrolls sideways.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

use super::support::*;

/// The smallest height a control of elder mode may have (the guidance's large touch target).
const TARGET: f64 = 40.0;

/// The body's computed font size, and every visible control with its height.
async fn measure(c: &Client) -> (f64, Vec<(String, f64)>) {
    let v: Value = c
        .execute(
            r#"const out = [];
               for (const e of document.querySelectorAll('input, select, textarea, button')) {
                 if (e.type === 'hidden') continue;
                 const r = e.getBoundingClientRect();
                 if (r.width === 0 && r.height === 0) continue; // not shown (a closed section)
                 out.push([e.tagName.toLowerCase() + '[' + (e.type || '') + ']#' + (e.id || e.name || ''), r.height]);
               }
               return { font: parseFloat(getComputedStyle(document.body).fontSize), controls: out };"#,
            vec![],
        )
        .await
        .unwrap();
    let font = v["font"].as_f64().unwrap();
    let controls = v["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_f64().unwrap()))
        .collect();
    (font, controls)
}

async fn open(c: &Client, url: &str) {
    c.goto(url).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("footer.site"))
        .await
        .unwrap();
}

async fn sideways(c: &Client) -> Value {
    c.execute(
        r#"const d = document.documentElement, w = d.clientWidth;
           if (d.scrollWidth <= w) return null;
           let worst = null;
           for (const e of document.querySelectorAll('body *')) {
             const r = e.getBoundingClientRect();
             if (r.right > w + 1 && (worst === null || r.width < worst.width)) {
               let p = e.parentElement, clipped = false;
               while (p) { const o = getComputedStyle(p).overflowX;
                 if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
                 p = p.parentElement; }
               if (!clipped) worst = { tag: e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''), width: r.width, right: r.right };
             }
           }
           return { doc: d.scrollWidth, window: w, worst: worst };"#,
        vec![],
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elder_mode_doubles_the_text_and_enlarges_every_control_on_the_apply_page() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, _state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    c.set_window_size(1366, 900).await.unwrap();
    sign_in_person(&c, &base, "440802198805120013", false).await;
    open(
        &c,
        &format!("{base}/items?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5"),
    )
    .await;
    let guide = c
        .find(Locator::Css("#results li h3 a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let apply = format!("{base}{guide}/apply");

    // Normal mode: the base text and the browser's small checkboxes.
    open(&c, &apply).await;
    assert!(exists(&c, "#elder-on").await, "no elder-mode switch");
    let (normal_font, normal) = measure(&c).await;
    let kinds = |cs: &[(String, f64)], k: &str| cs.iter().filter(|(d, _)| d.contains(k)).count();
    for k in ["input[checkbox]", "input[file]", "select[", "button["] {
        assert!(
            kinds(&normal, k) > 0,
            "the apply page has no {k}: {normal:?}"
        );
    }
    let small: Vec<_> = normal.iter().filter(|(_, h)| *h < TARGET).collect();
    assert!(
        !small.is_empty(),
        "in normal mode some control is below {TARGET}px (a checkbox is 13px): {normal:?}"
    );

    // Elder mode, switched on from the page and remembered by the browser.
    click(&c, "elder-on").await;
    wait_for_address(&c, "/apply").await;
    open(&c, &apply).await;
    assert!(
        exists(&c, "body.elder").await,
        "elder mode is not remembered"
    );
    let (elder_font, elder) = measure(&c).await;
    assert!(
        elder_font >= 2.0 * normal_font,
        "elder text {elder_font}px is not twice the normal {normal_font}px"
    );
    assert_eq!(
        elder.len(),
        normal.len(),
        "the same controls in both modes: {elder:?} / {normal:?}"
    );
    let too_small: Vec<_> = elder.iter().filter(|(_, h)| *h < TARGET).collect();
    assert!(
        too_small.is_empty(),
        "controls below {TARGET}px in elder mode: {too_small:?}"
    );
    for ((d, n), (_, e)) in normal.iter().zip(&elder) {
        assert!(e >= n, "{d} shrank in elder mode: {n}px → {e}px");
    }

    // The simplified menu: the citizen's main entries, not the secondary ones.
    let menu = text_of(&c, "nav.main").await;
    for keep in ["首页", "办事服务", "办件查询", "我的办件", "电子证照"] {
        assert!(menu.contains(keep), "elder menu lost {keep}: {menu}");
    }
    for hidden in ["服务大厅", "部门", "我的账号"] {
        assert!(
            !menu.contains(hidden),
            "elder menu still shows {hidden}: {menu}"
        );
    }

    // A phone: the apply page and my cases do not scroll sideways in elder mode.
    c.set_window_size(390, 844).await.unwrap();
    for url in [
        apply.clone(),
        format!("{base}/my/cases"),
        format!("{base}/"),
    ] {
        open(&c, &url).await;
        let wide = sideways(&c).await;
        assert!(
            wide.is_null(),
            "{url} scrolls sideways in elder mode at 390px: {wide}"
        );
    }

    // Switched off again: normal text.
    click(&c, "elder-off").await;
    wait_for_address(&c, "/").await;
    open(&c, &apply).await;
    assert!(!exists(&c, "body.elder").await);
    c.close().await.unwrap();
}
