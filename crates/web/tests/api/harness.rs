//! A world for one test: database, clock, router, a few departments and staff accounts.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use time::macros::datetime;
use tower::ServiceExt;
use yiwang_catalog::BasicItemInput;
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::FixedClock;
use yiwang_kernel::codes::Uscc;
use yiwang_org::DepartmentInput;
use yiwang_store::testing::TestDb;
use yiwang_web::{AppState, WebConfig, app};

pub const PASSWORD: &str = "Test@2026pass";

pub struct World {
    /// Shared with the other replicas of a test (`World::replica`).
    pub _db: Arc<TestDb>,
    pub state: AppState,
    /// The key ring the services were built with.
    pub keys: yiwang_identity::Keys,
    pub app: Router,
    pub clock: FixedClock,
    /// Department ids: city market regulation, city data bureau, Chikan market regulation.
    pub city_scjg: i64,
    #[allow(dead_code)]
    pub city_zsj: i64,
    pub chikan_scjg: i64,
}

/// A signed-in client: its session cookie and CSRF token.
#[derive(Clone, Default)]
pub struct Client {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// A valid USCC from a body of up to 17 characters (padded with zeros).
pub fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

impl World {
    pub async fn new() -> World {
        World::with_config(WebConfig::default()).await
    }

    /// A world whose router runs with `config` (e.g. another home division, trusted proxies).
    pub async fn with_config(config: WebConfig) -> World {
        World::build(config, None).await
    }

    /// A world whose cases domain finds bundle definitions (一件事) in `defs`.
    pub async fn with_bundles(defs: Arc<dyn yiwang_bundles::BundleDefs>) -> World {
        World::build(WebConfig::default(), Some(defs)).await
    }

    /// A world whose services seal under `keys` (e.g. a key file shared with a replica).
    pub async fn with_keys(keys: yiwang_identity::Keys) -> World {
        World::build_with(WebConfig::default(), None, keys).await
    }

    /// Another server process on the same database and clock (a replica behind the same load
    /// balancer): its own services, caches and node id; `keys` as loaded by that process.
    pub fn replica(&self, keys: yiwang_identity::Keys) -> World {
        let config = self.state.config.clone();
        let services = yiwang_web::Services::build(
            &config,
            yiwang_web::ServiceSettings::new(
                self.state.db.clone(),
                Arc::new(self.clock.clone()),
                keys.clone(),
            ),
        );
        let state = AppState::new(config, services).unwrap();
        World {
            _db: self._db.clone(),
            app: app(state.clone()),
            state,
            keys,
            clock: self.clock.clone(),
            city_scjg: self.city_scjg,
            city_zsj: self.city_zsj,
            chikan_scjg: self.chikan_scjg,
        }
    }

    async fn build(config: WebConfig, defs: Option<Arc<dyn yiwang_bundles::BundleDefs>>) -> World {
        let keys = yiwang_identity::Keys::ephemeral().unwrap();
        World::build_with(config, defs, keys).await
    }

    async fn build_with(
        config: WebConfig,
        defs: Option<Arc<dyn yiwang_bundles::BundleDefs>>,
        keys: yiwang_identity::Keys,
    ) -> World {
        let t = TestDb::new().await.unwrap();
        let clock = FixedClock::new(datetime!(2026-11-22 02:00 UTC));
        let mut services = yiwang_web::Services::build(
            &config,
            yiwang_web::ServiceSettings::new(t.db.clone(), Arc::new(clock.clone()), keys.clone()),
        );
        if let Some(defs) = defs {
            services.cases = services.cases.with_bundles(defs);
        }
        let state = AppState::new(config, services).unwrap();
        let sys = Ctx::system("test");
        let dept = |name: &str, body: &str, div: &str, kind: &str| DepartmentInput {
            uscc: uscc(body),
            name: name.into(),
            division_code: div.into(),
            kind: kind.into(),
            phone: "0759-3100000".into(),
            ..Default::default()
        };
        let city_scjg = state
            .org
            .create_department(
                &sys,
                &dept(
                    "湛江市市场监督管理局",
                    "11440800MB2C1234",
                    "440800",
                    "bureau",
                ),
            )
            .await
            .unwrap()
            .id;
        let city_zsj = state
            .org
            .create_department(
                &sys,
                &dept(
                    "湛江市政务服务和数据管理局",
                    "11440800MB2C5678",
                    "440800",
                    "service_admin",
                ),
            )
            .await
            .unwrap()
            .id;
        let chikan_scjg = state
            .org
            .create_department(
                &sys,
                &dept(
                    "湛江市赤坎区市场监督管理局",
                    "11440802MB2C9999",
                    "440802",
                    "bureau",
                ),
            )
            .await
            .unwrap()
            .id;
        for (u, d, roles) in [
            ("editor", city_scjg, vec!["catalog_editor"]),
            ("editor2", city_scjg, vec!["catalog_editor"]),
            ("chikan", chikan_scjg, vec!["catalog_editor"]),
            ("reviewer", city_zsj, vec!["catalog_reviewer"]),
            ("cataloger", city_zsj, vec!["catalog_admin"]),
            ("orgadmin", city_zsj, vec!["org_admin"]),
            ("sysadmin", city_zsj, vec!["system_admin"]),
            ("auditor", city_zsj, vec!["audit_admin"]),
            ("security", city_zsj, vec!["security_admin"]),
            ("idofficer", city_zsj, vec!["identity_officer"]),
            ("clerk", city_zsj, vec!["case_clerk"]),
            ("officer", city_scjg, vec!["case_officer"]),
            ("officer2", city_scjg, vec!["case_officer"]),
            ("chikanofficer", chikan_scjg, vec!["case_officer"]),
            ("supervisor", city_zsj, vec!["case_supervisor"]),
            ("licenceofficer", city_scjg, vec!["licence_officer"]),
            ("chikanlicence", chikan_scjg, vec!["licence_officer"]),
            ("licenceadmin", city_zsj, vec!["licence_admin"]),
        ] {
            state
                .identity
                .create_staff(
                    &sys,
                    &StaffInput {
                        username: u.into(),
                        name: format!("测试{u}"),
                        department_id: d,
                        roles: roles.into_iter().map(String::from).collect(),
                        password: PASSWORD.into(),
                    },
                )
                .await
                .unwrap();
        }
        state
            .catalog
            .create_basic(
                &sys,
                &BasicItemInput {
                    code: "000117008000".into(),
                    name: "食品经营许可证核发".into(),
                    item_type: "01".into(),
                    legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
                    statutory_limit: Some(20),
                    statutory_unit: "1".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let app = app(state.clone());
        World {
            _db: Arc::new(t),
            state,
            keys,
            app,
            clock,
            city_scjg,
            city_zsj,
            chikan_scjg,
        }
    }

    pub async fn send(
        &self,
        c: &Client,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let headers: Vec<(&str, &str)> = content_type
            .map(|ct| vec![("content-type", ct)])
            .unwrap_or_default();
        self.send_headers(c, method, path, &headers, body, None)
            .await
    }

    /// Sends a JSON body with extra headers (values may be any bytes).
    pub async fn send_with(
        &self,
        c: &Client,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send_headers(c, method, path, &all, body, None).await
    }

    /// Sends a JSON body with extra headers as if over a socket from `peer` (the address the
    /// server sees; without one a request has no known source).
    pub async fn send_from(
        &self,
        peer: std::net::SocketAddr,
        c: &Client,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send_headers(c, method, path, &all, body, Some(peer))
            .await
    }

    /// The request with its headers, the session cookie and (for writes) the CSRF token.
    async fn send_headers(
        &self,
        c: &Client,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        peer: Option<std::net::SocketAddr>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, "localhost");
        for (k, v) in headers {
            b = b.header(
                *k,
                axum::http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        if let Some(cookie) = &c.cookie {
            b = b.header(header::COOKIE, cookie.clone());
        }
        if method != Method::GET
            && let Some(csrf) = &c.csrf
        {
            b = b.header("x-csrf-token", csrf.clone());
        }
        if let Some(peer) = peer {
            b = b.extension(axum::extract::ConnectInfo(peer));
        }
        let resp = self
            .app
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        if path.starts_with("/api/v1/") {
            let doc = self.openapi().await;
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if let Err(e) =
                crate::contract::check(&doc, method.as_str(), path, status.as_u16(), ct, &body)
            {
                // CONTRACT_COLLECT=1 (with --nocapture) lists every mismatch of a run instead.
                if std::env::var_os("CONTRACT_COLLECT").is_some() {
                    eprintln!("CONTRACT: {e}");
                } else {
                    panic!("the answer breaks the OpenAPI document: {e}");
                }
            }
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    /// The OpenAPI document the server publishes (fetched once per test run).
    async fn openapi(&self) -> Arc<Value> {
        static DOC: OnceLock<Arc<Value>> = OnceLock::new();
        if let Some(d) = DOC.get() {
            return d.clone();
        }
        let req = Request::get("/openapi.json")
            .header(header::HOST, "localhost")
            .body(Body::empty())
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        DOC.get_or_init(|| Arc::new(doc)).clone()
    }

    pub async fn get(&self, c: &Client, path: &str) -> Resp {
        self.send(c, Method::GET, path, None, Vec::new()).await
    }

    pub async fn json(&self, c: &Client, method: Method, path: &str, body: Value) -> Resp {
        self.send(
            c,
            method,
            path,
            Some("application/json"),
            serde_json::to_vec(&body).unwrap(),
        )
        .await
    }

    pub async fn post(&self, c: &Client, path: &str, body: Value) -> Resp {
        self.json(c, Method::POST, path, body).await
    }

    pub async fn put(&self, c: &Client, path: &str, body: Value) -> Resp {
        self.json(c, Method::PUT, path, body).await
    }

    /// Signs in through the API and returns the client.
    pub async fn sign_in(&self, username: &str) -> Client {
        let r = self
            .post(
                &Client::default(),
                "/api/v1/auth/sign-in",
                json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        client_of(&r)
    }

    pub fn anonymous(&self) -> Client {
        Client::default()
    }
}

/// The client of a sign-in or registration answer: its session cookie and CSRF token.
pub fn client_of(r: &Resp) -> Client {
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    Client {
        cookie: Some(cookie),
        csrf: r.json()["csrf_token"].as_str().map(String::from),
    }
}

/// Elements that pass every quality rule, for a licensing item.
pub fn good_elements() -> Value {
    json!({
        "exercise_level": "3",
        "subject_nature": "1",
        "power_source": "1",
        "acceptance_conditions": "申请人已取得营业执照等合法主体资格证明。",
        "process": "申请—受理—审查—决定—送达",
        "process_steps": [
            {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
            {"name": "审查", "limit": 4, "description": "材料审查，必要时现场核查"},
            {"name": "决定", "limit": 1, "description": "作出准予或不予许可决定"}
        ],
        "statutory_limit": 20, "statutory_unit": "1",
        "promised_limit": 6, "promised_unit": "1",
        "case_type": "2",
        "result_type": "1", "result_name": "食品经营许可证",
        "result_sample": "https://www.zhanjiang.gov.cn/zwfw/samples/spjyxkz.pdf",
        "service_objects": ["2"], "enterprise_themes": ["E02"],
        "keywords": "餐饮, 开餐馆, 食品",
        "handling_forms": ["1", "2"],
        "online_depth": ["1", "2", "3", "4", "5", "6"],
        "online_url": "https://www.gdzwfw.gov.cn/",
        "visits": 0,
        "location": "湛江市政务服务中心二楼A区综合受理窗口",
        "hours": "工作日 上午8:30-12:00，下午14:30-17:30",
        "consult_phone": "0759-3388123",
        "supervise_phone": "0759-12345",
        "faqs": [{"question": "是否需要现场核查？", "answer": "经营场所变化时需要。"}],
        "materials": [
            {"name": "食品经营许可申请书", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"},
            {"name": "法定代表人身份证明", "source": "2", "issuer": "公安机关", "originals": 0, "copies": 1, "required": true, "format": "3", "licence_type": "11100000000013127D001"}
        ]
    })
}

/// Claims, fills, submits and approves an item; returns its code.
pub async fn publish_item(w: &World) -> String {
    publish_item_with(w, good_elements()).await
}

/// Registers a natural person and answers their signed-in client.
pub async fn register_person(w: &World, name: &str, id: &str, phone: &str) -> Client {
    let r = w
        .post(
            &Client::default(),
            "/api/v1/people/register",
            json!({ "name": name, "id_number": id, "phone": phone, "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    client_of(&r)
}

/// Signs a registered person in (by ID number or phone).
pub async fn person_sign_in(w: &World, login: &str) -> Client {
    let r = w
        .post(
            &Client::default(),
            "/api/v1/people/sign-in",
            json!({ "login": login, "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    client_of(&r)
}

/// Publishes an item of the city market regulator with these elements; returns its code.
pub async fn publish_item_with(w: &World, elements: Value) -> String {
    publish_basic_item_with(w, "000117008000", elements).await
}

/// Publishes the city market regulator's item of basic item `basic_code`.
pub async fn publish_basic_item_with(w: &World, basic_code: &str, elements: Value) -> String {
    let editor = w.sign_in("editor").await;
    let reviewer = w.sign_in("reviewer").await;
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": basic_code, "department_id": w.city_scjg }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["code"].as_str().unwrap().to_string();
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{code}/draft"),
            json!({ "elements": elements }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(&editor, &format!("/api/v1/items/{code}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{code}/approve"),
            json!({ "note": "同意" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    code
}
