//! What every browser test needs: chromedriver and Chromium, the platform with the demo city on a
//! free port, and small waits and clicks.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use yiwang_kernel::clock::SystemClock;
use yiwang_store::testing::TestDb;
use yiwang_web::{AppState, ServiceSettings, Services, WebConfig};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Driver {
    _process: tokio::process::Child,
    url: String,
    profile: tempfile::TempDir,
}

pub fn skip(reason: &str) -> Option<Driver> {
    let ci = std::env::var("CI").map(|v| v == "true").unwrap_or(false);
    let deliberate = std::env::var("YIWANG_BROWSER").as_deref() == Ok("skip");
    if ci && !deliberate {
        panic!("browser test cannot run under CI: {reason}");
    }
    eprintln!("SKIPPED browser test: {reason}");
    None
}

pub async fn start_driver() -> Option<Driver> {
    if std::env::var("YIWANG_BROWSER").as_deref() == Ok("skip") {
        return skip("YIWANG_BROWSER=skip (the browser stage of .ci/run runs them)");
    }
    for bin in [CHROMIUM, CHROMEDRIVER] {
        if !std::path::Path::new(bin).exists() {
            return skip(&format!(
                "{bin} is not installed (apt-get install chromium chromium-driver)"
            ));
        }
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let process = tokio::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(Driver {
                _process: process,
                url: format!("http://127.0.0.1:{port}"),
                profile: tempfile::tempdir().unwrap(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

pub async fn browser(d: &Driver) -> Client {
    let mut caps = Capabilities::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--lang=zh-CN", "--disable-component-update", "--disable-sync",
                     format!("--user-data-dir={}", d.profile.path().display()), "--window-size=1280,900"],
            // A citizen's browser in China asks for Chinese; the English switch is tested below.
            "prefs": { "intl.accept_languages": "zh-CN,zh" }
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&d.url)
        .await
        .expect("connect to chromedriver")
}

/// The platform with the demo city, served on a free port.
pub async fn platform() -> (TestDb, SocketAddr, AppState) {
    let t = TestDb::new().await.unwrap();
    // One key ring and one file store for the demo and the server, as `serve --demo` has.
    let keys = yiwang_identity::Keys::ephemeral().unwrap();
    let files: Arc<dyn yiwang_files::FileStore> = Arc::new(yiwang_files::MemoryFileStore::new());
    let r = yiwang_demo::load_with_files(&t.db, Arc::new(SystemClock), keys.clone(), files.clone())
        .await
        .unwrap();
    assert!(r.loaded);
    let config = WebConfig::default();
    let settings = ServiceSettings {
        files,
        ..ServiceSettings::new(t.db.clone(), Arc::new(SystemClock), keys)
    };
    let state = AppState::new(config.clone(), Services::build(&config, settings)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(yiwang_web::serve(
        listener,
        yiwang_web::app(state.clone()),
        std::future::pending(),
    ));
    (t, addr, state)
}

/// The text of the element, waiting for it; after a click the old page's element can go stale
/// while the next page loads, so a stale read is retried (until 10 s have passed).
pub async fn text_of(c: &Client, css: &str) -> String {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        let text = match found {
            Ok(e) => e.text().await,
            Err(e) => Err(e),
        };
        match text {
            Ok(t) => return t,
            Err(e) if std::time::Instant::now() >= until => panic!("{css}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

pub async fn fill(c: &Client, id: &str, text: &str) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id(id))
        .await
        .unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

pub async fn click(c: &Client, id: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub async fn path_of(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_string()
}

/// Signs in on the sign-in page: a member of staff by account name, or a person (`as_org`:
/// acting for their enterprise) by ID number.
pub async fn sign_in_staff(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/signin")).await.unwrap();
    fill(c, "username", username).await;
    fill(c, "password", yiwang_demo::DEMO_PASSWORD).await;
    click(c, "signin-submit").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("signout"))
        .await
        .unwrap();
}

pub async fn sign_in_person(c: &Client, base: &str, login: &str, as_org: bool) {
    c.goto(&format!("{base}/signin")).await.unwrap();
    click(c, if as_org { "kind-org" } else { "kind-person" }).await;
    fill(c, "login", login).await;
    fill(c, "person-password", yiwang_demo::DEMO_PASSWORD).await;
    click(c, "person-signin-submit").await;
    if let Err(e) = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("signout"))
        .await
    {
        panic!(
            "{login} did not sign in ({e}): {}",
            c.source().await.unwrap_or_default()
        );
    }
}

pub async fn sign_out(c: &Client) {
    click(c, "signout").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("signin-link"))
        .await
        .unwrap();
}

/// Waits until the address carries `part` (a page after a form's redirect).
pub async fn wait_for_address(c: &Client, part: &str) {
    let until = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let url = c.current_url().await.unwrap();
        if url.as_str().contains(part) {
            return;
        }
        assert!(
            std::time::Instant::now() < until,
            "{url} never came to contain {part}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn exists(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.is_ok()
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
