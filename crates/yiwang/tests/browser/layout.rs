//! The key public, citizen and staff pages on a 390-pixel phone and at 1366 px: nothing scrolls
//! sideways, and the axe-core accessibility engine (the npm package, injected into the page)
//! finds no serious or critical violation. A screenshot of every page at both widths is kept in
//! `target/browser-shots/` (CI keeps them as artefacts of the run).
//!
//! axe-core comes from npm as test tooling (`tools/browser/package.json`, installed by `.ci/run`
//! with `npm ci`); it is never served by the platform.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};

use super::support::*;

/// The widths every key page is checked at: a phone (iPhone 12–15) and a common laptop.
const WIDTHS: [(u32, u32); 2] = [(390, 844), (1366, 900)];

fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) => {
            let ci = std::env::var("CI").map(|v| v == "true").unwrap_or(false);
            let reason = format!(
                "{} cannot be read ({e}); run `npm ci --prefix tools/browser`",
                path.display()
            );
            if ci {
                panic!("axe-core is missing under CI: {reason}");
            }
            eprintln!("SKIPPED axe-core checks: {reason}");
            None
        }
    }
}

fn shots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-shots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What one page at one width got wrong.
#[derive(Debug)]
struct Finding {
    page: String,
    width: u32,
    problem: String,
}

struct Checker {
    axe: Option<String>,
    shots: PathBuf,
    findings: Vec<Finding>,
    checked: usize,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            axe: axe_source(),
            shots: shots_dir(),
            findings: Vec::new(),
            checked: 0,
        }
    }

    /// Opens `url` at both widths (the page is named `name` in findings and screenshots).
    async fn check(&mut self, c: &Client, name: &str, url: &str) {
        for (w, h) in WIDTHS {
            c.set_window_size(w, h).await.unwrap();
            c.goto(url).await.unwrap();
            c.wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("footer.site"))
                .await
                .unwrap_or_else(|e| panic!("{name} at {w}px did not load: {e}"));
            self.check_here(c, name, w).await;
        }
    }

    /// Checks the page the browser shows now, at width `w`.
    async fn check_here(&mut self, c: &Client, name: &str, w: u32) {
        self.checked += 1;
        let inner = c
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        assert!(
            inner <= u64::from(w),
            "the window is {inner}px wide, asked for {w}px: the browser cannot be made that narrow"
        );
        // Sideways scrolling: the document is wider than the window, and which element sticks out.
        let wide = c
            .execute(
                r#"const w = document.documentElement.clientWidth;
                   const doc = document.documentElement.scrollWidth;
                   if (doc <= w) return null;
                   let worst = null;
                   for (const e of document.querySelectorAll('body *')) {
                     const r = e.getBoundingClientRect();
                     if (r.right > w + 1 && (worst === null || r.width < worst.width)) {
                       if (getComputedStyle(e).position === 'fixed') continue;
                       let p = e.parentElement, clipped = false;
                       while (p) { const o = getComputedStyle(p).overflowX;
                         if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
                         p = p.parentElement; }
                       if (!clipped) worst = { tag: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                         (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''),
                         width: r.width, right: r.right };
                     }
                   }
                   return { doc: doc, window: w, worst: worst };"#,
                vec![],
            )
            .await
            .unwrap();
        if !wide.is_null() {
            self.findings.push(Finding {
                page: name.into(),
                width: w,
                problem: format!("scrolls sideways: {wide}"),
            });
        }
        if let Some(axe) = &self.axe {
            c.execute(axe, vec![]).await.unwrap();
            let violations = c
                .execute_async(
                    r#"const done = arguments[arguments.length - 1];
                       axe.run(document, { resultTypes: ['violations'] })
                         .then(r => done(r.violations
                           .filter(v => v.impact === 'serious' || v.impact === 'critical')
                           .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))
                         .catch(e => done([{ id: 'axe-error', help: String(e) }]));"#,
                    vec![],
                )
                .await
                .unwrap();
            for v in violations.as_array().cloned().unwrap_or_default() {
                self.findings.push(Finding {
                    page: name.into(),
                    width: w,
                    problem: format!("axe: {v}"),
                });
            }
        }
        let png = c.screenshot().await.unwrap();
        let file = format!("{}-{w}.png", name.replace(['/', ' ', '?'], "_"));
        std::fs::write(self.shots.join(file), png).unwrap();
    }

    fn assert_clean(&self) {
        let report: Vec<String> = self
            .findings
            .iter()
            .map(|f| format!("{} @{}px: {}", f.page, f.width, f.problem))
            .collect();
        eprintln!(
            "checked {} page views; screenshots in {}",
            self.checked,
            self.shots.display()
        );
        assert!(report.is_empty(), "{}", report.join("\n"));
    }
}

/// The first link matching `css` on the page at `url` (a guide, a case, a licence of the demo).
async fn first_link(c: &Client, url: &str, css: &str) -> String {
    c.goto(url).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{url}: no {css}: {e}"))
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{url}: {css} has no href"))
}

/// The first link matching `css` on the page at `url`, if there is one.
async fn any_link(c: &Client, url: &str, css: &str) -> Option<String> {
    c.goto(url).await.unwrap();
    let links = c.find_all(Locator::Css(css)).await.unwrap();
    match links.first() {
        Some(a) => a.attr("href").await.unwrap(),
        None => None,
    }
}

fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http") {
        href.to_string()
    } else {
        format!("{base}{href}")
    }
}

/// Opens each `(name, path)` under `base` in turn.
async fn pages(k: &mut Checker, c: &Client, base: &str, pages: &[(&str, &str)]) {
    for (name, path) in pages {
        k.check(c, name, &format!("{base}{path}")).await;
    }
}

/// Signs in as the staff member `username`, opens `list` (as [`pages`]) and signs out.
async fn pages_as(k: &mut Checker, c: &Client, base: &str, username: &str, list: &[(&str, &str)]) {
    sign_in_staff(c, base, username).await;
    pages(k, c, base, list).await;
    sign_out(c).await;
}

/// A staff account of the city's Government Service and Data Administration Bureau with one
/// `role` (for the administrators the demo has no account of).
async fn bureau_staff(state: &yiwang_web::AppState, username: &str, name: &str, role: &str) {
    let mut db = state.db.clone();
    let home = yiwang_org::service::departments_in(
        &mut db,
        &yiwang_org::repo::DepartmentFilter {
            q: Some("政务服务和数据管理局".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .find(|d| d.name == "湛江市政务服务和数据管理局")
    .unwrap();
    state
        .identity
        .create_staff(
            &yiwang_kernel::auth::Ctx::system("browser-test"),
            &yiwang_identity::StaffInput {
                username: username.into(),
                name: name.into(),
                department_id: home.id,
                roles: vec![role.into()],
                password: yiwang_demo::DEMO_PASSWORD.into(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_pages_fit_a_phone_and_a_laptop_and_pass_axe() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    let mut k = Checker::new();

    // The public: home, search, a guide, departments, halls, the progress query, sign-in.
    pages(&mut k, &c, &base, &[("home", "/"), ("search", "/items")]).await;
    let guide = first_link(
        &c,
        &format!("{base}/items?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5"),
        "#results li h3 a",
    )
    .await;
    let guide = absolute(&base, &guide);
    k.check(&c, "guide", &guide).await;
    pages(
        &mut k,
        &c,
        &base,
        &[
            ("departments", "/departments"),
            ("halls", "/halls"),
            ("progress", "/progress"),
            ("signin", "/signin"),
            ("signup", "/signup"),
        ],
    )
    .await;

    // A citizen: my cases, one case, the wallet, a licence's verify page, an apply page.
    sign_in_person(&c, &base, "440802198805120013", false).await;
    k.check(&c, "my-cases", &format!("{base}/my/cases")).await;
    let case = first_link(&c, &format!("{base}/my/cases"), "#my-cases a").await;
    k.check(&c, "my-case", &absolute(&base, &case)).await;
    k.check(&c, "wallet", &format!("{base}/my/licences")).await;
    let verify = first_link(&c, &format!("{base}/my/licences"), "#wallet a").await;
    k.check(&c, "verify", &absolute(&base, &verify)).await;
    k.check(&c, "apply", &format!("{guide}/apply")).await;
    k.check(&c, "account", &format!("{base}/account")).await;
    sign_out(&c).await;

    // Staff: the clerk's inbox, a case, the window; the reviewer; the supervisor; licences.
    sign_in_staff(&c, &base, "scjg_officer").await;
    k.check(&c, "inbox", &format!("{base}/staff/cases")).await;
    let work = first_link(&c, &format!("{base}/staff/cases"), "#inbox a").await;
    k.check(&c, "casework", &absolute(&base, &work)).await;
    sign_out(&c).await;
    pages_as(&mut k, &c, &base, "clerk", &[("window", "/staff/window")]).await;
    sign_in_staff(&c, &base, "scjg").await;
    pages(
        &mut k,
        &c,
        &base,
        &[("admin", "/admin"), ("admin-items", "/admin/items")],
    )
    .await;
    let item = first_link(&c, &format!("{base}/admin/items"), "#admin-items tbody a").await;
    k.check(&c, "item-editor", &absolute(&base, &item)).await;
    // The element editor in sections, and the review page with its comparison, when the demo
    // leaves a draft and a submitted version within the editor's reach.
    let drafts = format!("{base}/admin/items?version_status=draft");
    if let Some(draft) = any_link(&c, &drafts, "#admin-items tbody a").await {
        let edit = format!("{}/edit", absolute(&base, &draft));
        k.check(&c, "item-edit-sections", &edit).await;
    }
    let submitted = format!("{base}/admin/items?version_status=submitted");
    if let Some(review) = any_link(&c, &submitted, "#admin-items tbody a").await {
        k.check(&c, "item-review", &absolute(&base, &review)).await;
    }
    sign_out(&c).await;
    pages_as(
        &mut k,
        &c,
        &base,
        "supervisor",
        &[("supervision", "/staff/supervision")],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "licence",
        &[("licence-register", "/staff/licences")],
    )
    .await;
    // Data sharing (数据共享): the provider's inbox with its forms, the consumer's form and
    // requests (a case officer asks for data too), the supervisor's view and statistics.
    pages_as(
        &mut k,
        &c,
        &base,
        "gaj_data",
        &[("exchange-inbox", "/staff/exchange/inbox")],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "rsj_officer",
        &[
            ("exchange-requests", "/staff/exchange/requests"),
            (
                "exchange-request-new",
                "/staff/exchange/requests/new?resource=101001%2F000001",
            ),
        ],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "supervisor",
        &[
            ("exchange-supervision", "/staff/exchange/supervision"),
            ("exchange-stats", "/staff/exchange/stats"),
        ],
    )
    .await;
    // The data API's pages after one read: the provider's access log, the citizen's 用数记录.
    let seeded = crate::exchange::seed(&state).await;
    pages_as(
        &mut k,
        &c,
        &base,
        &seeded.steward,
        &[("exchange-calls", "/staff/exchange/calls")],
    )
    .await;
    sign_in_person(&c, &base, crate::exchange::CITIZEN, false).await;
    k.check(&c, "data-uses", &format!("{base}/my/data-uses"))
        .await;
    sign_out(&c).await;
    // The resource catalog and the three lists (数据共享交换): a data steward, then the
    // data administrator's review queue.
    sign_in_staff(&c, &base, "gaj_data").await;
    k.check(&c, "exchange-catalog", &format!("{base}/staff/exchange"))
        .await;
    let res = first_link(
        &c,
        &format!("{base}/staff/exchange"),
        "#exchange-resources tbody a",
    )
    .await;
    k.check(&c, "exchange-resource", &absolute(&base, &res))
        .await;
    k.check(&c, "exchange-mine", &format!("{base}/staff/exchange/mine"))
        .await;
    let ed = first_link(
        &c,
        &format!("{base}/staff/exchange/mine"),
        "#exchange-mine tbody a",
    )
    .await;
    k.check(&c, "exchange-editor", &absolute(&base, &ed)).await;
    // The lists; registering a resource (data items with their quality rules), and the
    // steward's start page with data sharing's queues and tasks.
    pages(
        &mut k,
        &c,
        &base,
        &[
            ("exchange-lists", "/staff/exchange/lists"),
            ("exchange-register", "/staff/exchange/new"),
            ("exchange-start", "/admin"),
        ],
    )
    .await;
    sign_out(&c).await;
    // The review queue; the demand list with the administrator's forms (assign, met by a
    // resource, decline).
    pages_as(
        &mut k,
        &c,
        &base,
        "dataadmin",
        &[
            ("exchange-review", "/staff/exchange/review"),
            ("exchange-demands", "/staff/exchange/lists#demands"),
        ],
    )
    .await;
    // "One thing" bundles (一件事): the public list, a guide and its plan under an answer, the
    // applicant's questions, one form, progress and list (the demo's 开餐馆), and the
    // definitions' staff pages (a catalog editor of the demo).
    let bundle = crate::bundle_journey::CODE;
    let guide = format!("/bundles/{bundle}");
    let plan = format!("{guide}?sells_food=no&sign=yes");
    pages(
        &mut k,
        &c,
        &base,
        &[
            ("bundles", "/bundles"),
            ("bundle-guide", &guide),
            ("bundle-plan", &plan),
            ("home-bundles", "/"),
        ],
    )
    .await;
    sign_in_person(&c, &base, "440802198805120013", false).await;
    let questions = format!("{guide}/apply");
    let form = format!("{guide}/apply?a.sells_food=yes&a.sign=yes");
    pages(
        &mut k,
        &c,
        &base,
        &[("bundle-questions", &questions), ("bundle-apply", &form)],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let files = crate::bundle_journey::pdfs(&dir);
    let no = crate::bundle_journey::apply(&c, &base, &files).await;
    let mine = format!("/my/bundles/{no}");
    pages(
        &mut k,
        &c,
        &base,
        &[("my-bundle", &mine), ("my-bundles", "/my/bundles")],
    )
    .await;
    sign_out(&c).await;
    let history = format!("/staff/bundles/{bundle}");
    let editor = format!("{history}/versions/1");
    pages_as(
        &mut k,
        &c,
        &base,
        "scjg",
        &[
            ("bundle-defs", "/staff/bundles"),
            ("bundle-history", &history),
            ("bundle-editor", &editor),
            ("bundle-new", "/staff/bundles/new"),
        ],
    )
    .await;
    // Appeals (12345 诉求): the public pages with the map, the operator's screen, the queue and
    // one order of the demo, the rates, the grids and the settings, the Open311 keys.
    pages(
        &mut k,
        &c,
        &base,
        &[
            ("appeals", "/appeals"),
            ("appeal-new", "/appeals/new"),
            ("appeal-track", "/appeals/track"),
        ],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "hotline",
        &[("hotline", "/staff/hotline?kq=社保&phone=13800759001")],
    )
    .await;
    sign_in_staff(&c, &base, "dispatcher").await;
    k.check(&c, "appeal-queue", &format!("{base}/staff/appeals"))
        .await;
    let order = first_link(
        &c,
        &format!("{base}/staff/appeals"),
        "#appeal-queue tbody a",
    )
    .await;
    k.check(&c, "appeal-order", &absolute(&base, &order)).await;
    sign_out(&c).await;
    pages_as(
        &mut k,
        &c,
        &base,
        "supervisor",
        &[("appeal-stats", "/staff/appeal-stats")],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "gridadmin",
        &[
            ("grids", "/staff/grids"),
            ("appeal-settings", "/admin/appeal-settings"),
        ],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "security",
        &[("open311-keys", "/admin/open311-keys")],
    )
    .await;

    c.close().await.unwrap();
    k.assert_clean();
}

/// The supervision dashboards (一屏全览): the leader's screen, a KPI's page with its charts, the
/// drill-down, a department's scorecard; the KPI definitions for their administrator; the
/// department head's start page with the claim progress.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_pages_fit_a_phone_and_a_laptop_and_pass_axe() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    let mut k = Checker::new();
    crate::supervision::refreshed(&state).await;
    // The evaluation administrator (考评管理员) is no demo account: one for the definitions.
    bureau_staff(&state, "kpiadmin", "考评管理员", "supervision_admin").await;

    sign_in_staff(&c, &base, "leader").await;
    pages(
        &mut k,
        &c,
        &base,
        &[
            ("supervision-screen", "/supervision"),
            ("supervision-kpi", "/supervision/kpis/on_time_rate"),
            ("supervision-drill", "/supervision/kpis/on_time_rate/drill"),
        ],
    )
    .await;
    let dept = first_link(&c, &format!("{base}/supervision"), "#league-table tbody a").await;
    k.check(&c, "supervision-scorecard", &absolute(&base, &dept))
        .await;
    sign_out(&c).await;
    pages_as(
        &mut k,
        &c,
        &base,
        "depthead",
        &[("depthead-start", "/admin")],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "kpiadmin",
        &[
            ("kpi-definitions", "/admin/kpis"),
            ("kpi-definition-edit", "/admin/kpis?edit=on_time_rate"),
        ],
    )
    .await;

    c.close().await.unwrap();
    k.assert_clean();
}

/// Electronic supervision, credit lists and random inspection (电子监察、联合奖惩、双随机): the
/// warnings and one warning's supervision case, the start page with the open warnings, the
/// monitoring rules for their administrator, a member of staff's 回避 declaration, the credit
/// officer's lists, the clerk's case page flagging the black-listed applicant (s19), the
/// inspection organiser's plans and one plan, the public inspection pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_credit_and_inspection_pages_fit_a_phone_and_a_laptop_and_pass_axe() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let c = browser(&driver).await;
    let mut k = Checker::new();
    let sys = yiwang_kernel::auth::Ctx::system("browser-test");
    // The first scan (as `serve` runs at start) raises the demo's fast-approval warning.
    state.supervision.scan(&sys).await.unwrap();
    // The supervision administrator (监察规则) is no demo account: one for the rules.
    bureau_staff(&state, "watchadmin", "监察规则管理员", "supervision_admin").await;

    sign_in_staff(&c, &base, "jiancha").await;
    pages(
        &mut k,
        &c,
        &base,
        &[
            ("watch-start", "/admin"),
            ("watch-warnings", "/supervision/warnings"),
        ],
    )
    .await;
    let one = first_link(
        &c,
        &format!("{base}/supervision/warnings"),
        "#warning-list tbody a",
    )
    .await;
    k.check(&c, "watch-warning", &absolute(&base, &one)).await;
    k.check(
        &c,
        "staff-declaration",
        &format!("{base}/staff/declaration"),
    )
    .await;
    sign_out(&c).await;
    pages_as(
        &mut k,
        &c,
        &base,
        "watchadmin",
        &[("monitor-rules", "/admin/monitor-rules")],
    )
    .await;
    pages_as(
        &mut k,
        &c,
        &base,
        "xinyong",
        &[
            ("credit", "/credit"),
            ("credit-revoked", "/credit?revoked=1"),
        ],
    )
    .await;
    // The black-listed trader's application (s19) at the city window.
    let mut db = state.db.clone();
    let (black_case,): (String,) = yiwang_store::Conn::fetch_one(
        &mut db,
        "SELECT case_no FROM cases WHERE applicant_name = '湛江市霞山区鑫诚建材贸易有限公司' ORDER BY id LIMIT 1",
        &[],
    )
    .await
    .unwrap();
    let black = format!("/staff/cases/{black_case}");
    pages_as(&mut k, &c, &base, "clerk", &[("credit-case", &black)]).await;
    sign_in_staff(&c, &base, "choucha").await;
    k.check(&c, "inspections", &format!("{base}/inspections"))
        .await;
    let plan = first_link(&c, &format!("{base}/inspections"), "#plan-list tbody a").await;
    k.check(&c, "inspection-plan", &absolute(&base, &plan))
        .await;
    sign_out(&c).await;
    k.check(
        &c,
        "public-inspections",
        &format!("{base}/public/inspections"),
    )
    .await;
    let public = first_link(
        &c,
        &format!("{base}/public/inspections"),
        "main table tbody a",
    )
    .await;
    k.check(&c, "public-inspection", &absolute(&base, &public))
        .await;

    c.close().await.unwrap();
    k.assert_clean();
}
