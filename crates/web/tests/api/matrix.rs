//! The route matrix: every operation of `/openapi.json`, called by an anonymous caller, a
//! citizen, staff of *another* department (holding the very role the operation needs) and staff
//! of the *right* department, is allowed or refused exactly as its declared access rule says.
//!
//! Department A is 赤坎区市场监督管理局 (440802), department B 霞山区市场监督管理局 (440803), so
//! that "another department" holds for department-reach and division-reach roles alike. Every
//! path parameter is filled with an object of department A (or of enterprise A for the
//! persons' routes). An operation without a declared rule, with an unknown rule, or with a
//! path parameter this test has no fixture for fails the test: a new route must declare who
//! may call it before it can land.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::{Ctx, Permission, Role};
use yiwang_org::DepartmentInput;

use crate::harness::{Client, PASSWORD, Resp, World, good_elements, register_person, uscc};

/// Operations acting on objects that belong to no department: any holder of the permission
/// may call them, wherever they work.
const UNSCOPED: &[&str] = &[
    "POST /api/v1/basic-items",
    "PUT /api/v1/basic-items/{code}",
    "POST /api/v1/keys/rotate",
    "GET /api/v1/audit",
    "GET /api/v1/audit/head",
    "POST /api/v1/people/lookup",
    "POST /api/v1/calendar/years/{year}",
    "POST /api/v1/window/uploads",
    "POST /api/v1/supervision/sweep",
    "POST /api/v1/licence-types",
    "POST /api/v1/organisations/verify",
    // The exchange catalog and its lists are every department's reading.
    "GET /api/v1/exchange/resources",
    "GET /api/v1/exchange/resources/{id}",
    "GET /api/v1/exchange/resources/export",
    "GET /api/v1/exchange/lists/responsibility",
    "GET /api/v1/exchange/lists/negative",
    "GET /api/v1/exchange/demands",
    // Bundle applications span departments: the window's list and the statistics.
    "GET /api/v1/bundle-cases",
    "GET /api/v1/bundle-stats",
    // "One thing" bundle definitions belong to no department.
    "GET /api/v1/bundle-defs",
    "POST /api/v1/bundle-defs",
    "GET /api/v1/bundle-defs/{code}",
    "GET /api/v1/bundle-defs/{code}/versions/{version}",
    "PUT /api/v1/bundle-defs/{code}/versions/{version}",
    "GET /api/v1/bundle-defs/{code}/versions/{version}/definition",
    "POST /api/v1/bundle-defs/{code}/versions/{version}/submit",
    "POST /api/v1/bundle-defs/{code}/versions/{version}/review",
    "POST /api/v1/bundle-defs/{code}/new-version",
    "POST /api/v1/bundle-defs/{code}/retire",
    // Appeals: statistics within the caller's reach; Open311 keys belong to no department.
    "GET /api/v1/appeal-stats",
    "POST /api/v1/appeal-categories",
    "POST /api/v1/appeal-knowledge",
    "PUT /api/v1/appeal-time-limits",
    "GET /api/v1/open311-keys",
    "POST /api/v1/open311-keys",
    "POST /api/v1/open311-keys/{id}/revoke",
    // Grids: every staff member's reading; the appeal administrator's import and workers.
    "GET /api/v1/appeal-grids",
    "GET /api/v1/appeal-grids/{code}",
    "PUT /api/v1/appeal-grids/{code}/workers",
    "POST /api/v1/appeal-grid-imports",
    // KPIs: figures within the caller's reach; definitions and the refresh belong to no
    // department.
    "GET /api/v1/supervision/screen",
    "GET /api/v1/supervision/kpis/{code}/league",
    "GET /api/v1/supervision/kpis/{code}/divisions",
    "GET /api/v1/supervision/kpis/{code}/drill",
    "GET /api/v1/supervision/claim-progress",
    "GET /api/v1/supervision/kpi-definitions",
    "PUT /api/v1/supervision/kpi-definitions/{code}",
    "GET /api/v1/supervision/measures",
    "POST /api/v1/supervision/kpi-refresh",
    // Random inspection: the pools and conflicts belong to no department.
    "GET /api/v1/inspections/entities",
    "POST /api/v1/inspections/entities",
    "GET /api/v1/inspections/inspectors",
    "GET /api/v1/inspections/conflicts",
    "POST /api/v1/inspections/conflicts",
    // Electronic supervision: the rules and the scan belong to no department.
    "GET /api/v1/supervision/watch/rules",
    "PUT /api/v1/supervision/watch/rules/{code}",
    "POST /api/v1/supervision/watch/scan",
    // The credit red and black lists belong to no department.
    "GET /api/v1/credit/entries",
    "POST /api/v1/credit/import",
    "POST /api/v1/credit/revocations",
    "POST /api/v1/credit/sync",
];

/// Lists and exports: every holder of the permission gets an answer, filtered to their reach.
/// The marker (an object of department A) must be in A's answer and not in B's.
const FILTERED: &[&str] = &[
    "GET /api/v1/staff",
    "GET /api/v1/admin/items",
    "GET /api/v1/api-tokens",
    "GET /api/v1/items/export",
    "GET /api/v1/departments/export",
    "GET /api/v1/oidc/clients",
    "GET /api/v1/cases",
    "GET /api/v1/process-data",
    "GET /api/v1/rating-followups",
    "GET /api/v1/supervision/followups",
    "GET /api/v1/supervision/warnings",
    "GET /api/v1/licences",
    "GET /api/v1/exchange/data/grants",
    "GET /api/v1/exchange/my-resources",
    "GET /api/v1/exchange/review",
    "GET /api/v1/appeals",
    "GET /api/v1/inspections/plans",
    "GET /api/v1/supervision/watch/warnings",
];

/// Bundle-application routes (一件事) whose objects this test cannot make while the node has
/// no bundle definitions (`services.rs` wires an empty placeholder until the bundles
/// domain's service replaces it): the rule at the door is checked (anonymous, wrong kind,
/// another department or person refused), the right caller's success is not.
/// Coordinator: give them a published bundle and an application of A, then empty this list.
const NO_BUNDLE_DEFINITIONS: &[&str] = &[
    "POST /api/v1/bundles/{code}/applications",
    "GET /api/v1/me/bundle-cases/{no}",
    "POST /api/v1/bundle-cases/{no}/withdraw",
    "POST /api/v1/bundle-cases/{no}/rating",
    "POST /api/v1/bundle-cases/{no}/supplements",
    "GET /api/v1/bundle-cases/{no}",
    "POST /api/v1/window/bundle-cases",
];

/// Imports: another department's rows are refused as a whole (import_rejected), nothing written.
const IMPORTS: &[&str] = &[
    "POST /api/v1/items/import",
    "POST /api/v1/departments/import",
    "POST /api/v1/exchange/resources/import",
];

/// A person's own things (any signed-in person may call them, for themself).
const PERSON_SELF: &[&str] = &[
    "GET /api/v1/me",
    "POST /api/v1/me/acting-as",
    "POST /api/v1/organisations",
    "POST /api/v1/me/uploads",
    "POST /api/v1/me/cases",
    "GET /api/v1/me/cases",
    "GET /api/v1/me/licences",
    "GET /api/v1/me/licences/uses",
    "GET /api/v1/me/licences/notices",
    "POST /api/v1/me/licences/notices/read",
    "GET /api/v1/me/licences/copies",
    "GET /api/v1/me/data-uses",
    "GET /api/v1/me/bundle-cases",
    "GET /api/v1/me/appeals",
];

/// A valid arrangement for the calendar import (`{year}` = 2027).
const CALENDAR_2027: &str =
    "date,kind,occasion_zh,occasion_en\n2027-01-01,holiday,元旦,New Year's Day\n";

struct Fixtures {
    item_code: String,
    dept_a: i64,
    dept_a_uscc: String,
    dept_b: i64,
    hall_a: i64,
    window_a: i64,
    staff_target: i64,
    /// A pending change to an administrator account (三员分立): the city's security
    /// administrator asked to make an account of A an audit administrator.
    admin_change: i64,
    token_a: i64,
    oidc_client_a: String,
    org_a: i64,
    grant_a: i64,
    admin_p1: Client,
    other_p2: Client,
    /// A case of A (its administrator's own application), accepted, with a bad rating.
    case_no: String,
    case_sha: String,
    followup: i64,
    /// A licence issued by A.
    licence_a: String,
    /// P1's electronic ID card, authorised for the case.
    id_card: String,
    /// An annotated copy (加注件) of P1's ID card.
    copy_code: String,
    /// A licence import job of A.
    import_a: i64,
    /// Sharing requests and grants of A.
    sharing: crate::exchange_sharing::MatrixFixtures,
    /// A shared resource (of B) that A's department holds a grant on.
    exchange_code: String,
    /// A published resource of A (its code as a path segment) and a load of it (归集).
    resource_a: String,
    load_a: i64,
    /// An exchange resource of A: version 1 published, version 2 submitted.
    catalog_resource_a: i64,
    resource_code_a: String,
    /// A demand (需求清单) of A, open.
    demand_a: i64,
    /// A return-flow package of a resource of A (its provider), exported here.
    package_a: Vec<u8>,
    /// A work order (工单) of A (division 440802), filed by P1, with its revision; an Open311
    /// key.
    appeal_a: String,
    appeal_rev: i64,
    open311_key: i64,
    /// A supervision warning (电子监察) of A.
    watch_warning: i64,
}

fn refused(r: &Resp) -> bool {
    matches!(
        r.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    )
}

fn role_for(perm: &str) -> Role {
    let p = Permission::parse(perm).unwrap_or_else(|| panic!("unknown permission `{perm}`"));
    *Role::ALL
        .iter()
        .find(|r| r.permissions().contains(&p))
        .unwrap_or_else(|| panic!("no role grants `{perm}`"))
}

async fn fixtures(w: &World) -> Fixtures {
    let sys = Ctx::system("matrix");
    let dept_b = w
        .state
        .org
        .create_department(
            &sys,
            &DepartmentInput {
                uscc: uscc("11440803MB2C7777"),
                name: "湛江市霞山区市场监督管理局".into(),
                division_code: "440803".into(),
                kind: "bureau".into(),
                phone: "0759-3200000".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let dept_a = w.chikan_scjg;
    crate::inspections::matrix_fixture(w, dept_a).await;
    let dept_a_uscc = uscc("11440802MB2C9999");
    // An item of A, published.
    let editor = w.sign_in("chikan").await;
    let r = w
        .post(
            &editor,
            "/api/v1/items",
            json!({ "basic_code": "000117008000", "department_id": dept_a }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let item_code = r.json()["code"].as_str().unwrap().to_string();
    let r = w
        .put(
            &editor,
            &format!("/api/v1/items/{item_code}/draft"),
            json!({ "elements": good_elements() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(
            &editor,
            &format!("/api/v1/items/{item_code}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reviewer = w.sign_in("reviewer").await;
    let r = w
        .post(
            &reviewer,
            &format!("/api/v1/items/{item_code}/approve"),
            json!({ "note": "同意" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A hall with a window in A's county.
    let org = w.sign_in("orgadmin").await;
    let r = w
        .post(
            &org,
            "/api/v1/halls",
            json!({ "name": "赤坎区政务服务中心", "kind": "center", "division_code": "440802", "department_id": null, "address": "赤坎区", "phone": "0759-3100001", "hours": "工作日" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let hall_a = r.json()["id"].as_i64().unwrap();
    let r = w
        .post(
            &org,
            &format!("/api/v1/halls/{hall_a}/windows"),
            json!({ "number": "1", "name": "综合受理", "kind": "comprehensive" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let window_a = r.json()["id"].as_i64().unwrap();
    // A staff account of A that the matrix manages.
    let staff_target = w
        .state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "matrix_target".into(),
                name: "赤坎目标".into(),
                department_id: dept_a,
                roles: vec!["catalog_editor".into()],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap()
        .id;
    let admin_target = w
        .state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "matrix_admin_target".into(),
                name: "赤坎待任管理员".into(),
                department_id: dept_a,
                roles: vec![],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap()
        .id;
    let security = w.sign_in("security").await;
    let r = w
        .put(
            &security,
            &format!("/api/v1/staff/{admin_target}/roles"),
            json!({ "roles": ["audit_admin"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let admin_change = r.json()["id"].as_i64().unwrap();
    let token_a = w
        .state
        .identity
        .issue_token(
            &sys,
            &yiwang_identity::TokenInput {
                name: "赤坎审批系统".into(),
                department_id: dept_a,
                permissions: vec!["catalog.edit".into()],
                days: 30,
            },
        )
        .await
        .unwrap()
        .info
        .id;
    let oidc_client_a = w
        .state
        .oidc
        .register_client(
            &sys,
            &yiwang_identity::oidc::ClientInput {
                name: "赤坎单点登录系统".into(),
                department_id: dept_a,
                redirect_uris: vec!["https://chikan.example.gov.cn/callback".into()],
                public: false,
                scopes: vec![],
            },
        )
        .await
        .unwrap()
        .client
        .client_id;
    // Enterprise A, its administrator P1, an agent P3; P2 is an unrelated citizen.
    let admin_p1 = register_person(w, "张一", "440802199001011238", "13800000001").await;
    let other_p2 = register_person(w, "李二", "440803198506150024", "13800000002").await;
    let _agent = register_person(w, "王三", "440811199203040017", "13800000003").await;
    let r = w
        .post(
            &admin_p1,
            "/api/v1/organisations",
            json!({ "uscc": uscc("91440802MA5XXXXX"), "name": "湛江市赤坎区甲餐饮有限公司", "legal_representative": "张一" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let org_a = r.json()["id"].as_i64().unwrap();
    w.state
        .identity
        .verify_org_at_window(
            &sys,
            &yiwang_identity::OrgWindowVerification {
                uscc: uscc("91440802MA5XXXXX"),
                name: "湛江市赤坎区甲餐饮有限公司".into(),
                legal_representative: "张一".into(),
                id_number: "440802199001011238".into(),
            },
        )
        .await
        .unwrap();
    let r = w
        .post(
            &admin_p1,
            &format!("/api/v1/organisations/{org_a}/agents"),
            json!({ "name": "王三", "id_number": "440811199203040017", "scopes": ["apply"], "until": "2027-06-30" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let grant_a = r.json()["id"].as_i64().unwrap();
    // P1's own application to A (M02 by P1's electronic ID card, 免证办), accepted by the
    // window, rated badly at submission.
    w.state
        .licences
        .define_type(&sys, &crate::cases::id_card_type())
        .await
        .unwrap();
    let id_card = w
        .state
        .licences
        .issue(
            &sys,
            &crate::cases::id_card_for("张一", "440802199001011238", dept_a),
        )
        .await
        .unwrap()
        .identifier;
    let ticket = crate::cases::upload(
        w,
        &admin_p1,
        "/api/v1/me/uploads",
        "申请书.pdf",
        crate::cases::pdf(7),
    )
    .await;
    let r = w
        .post(
            &admin_p1,
            "/api/v1/me/cases",
            json!({"item_code": item_code, "materials": [{"entry": "M01", "ticket": ticket}, {"entry": "M02", "licence": id_card}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let case_no = r.json()["case_no"].as_str().unwrap().to_string();
    let case_sha = r.json()["materials"][0]["sha"]
        .as_str()
        .unwrap()
        .to_string();
    let clerk = w.sign_in("clerk").await;
    let r = w
        .post(
            &clerk,
            &format!("/api/v1/cases/{case_no}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = w
        .post(
            &admin_p1,
            &format!("/api/v1/me/cases/{case_no}/ratings"),
            json!({"service": "apply", "level": 1, "comment": "系统卡顿"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let followup = r.json()["followup"]["id"].as_i64().unwrap();
    w.state
        .licences
        .define_type(&sys, &licence_type())
        .await
        .unwrap();
    let licence_a = w
        .state
        .licences
        .issue(&sys, &issue_input(dept_a))
        .await
        .unwrap()
        .identifier;
    let r = w
        .post(
            &admin_p1,
            &format!("/api/v1/me/licences/{id_card}/copies"),
            json!({"purpose": "办理公积金提取", "recipient": "", "valid_until": "2026-12-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let copy_code = r.json()["code"].as_str().unwrap().to_string();
    // A licence import job of A (its file has a bad header: it ends rejected, with errors).
    let import_a = w
        .state
        .imports
        .create(&sys, "11100000MB0143235W001", dept_a, "a.csv", b"x\n1\n")
        .await
        .unwrap()
        .id;
    w.state.imports.drive(import_a).await.unwrap();
    let sharing = crate::exchange_sharing::matrix_fixtures(w, dept_a).await;
    // A population resource provided by B, granted to A (the data API's routes).
    let res = yiwang_exchange::fixtures::published(
        &w.state.exchange,
        dept_b,
        "101001",
        yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::Conditional),
    )
    .await
    .unwrap();
    let now = w.state.clock.now();
    yiwang_exchange::repo::grants::insert(
        &mut w.state.db.clone(),
        &yiwang_exchange::repo::grants::NewGrant {
            resource_id: res.id,
            consumer_department_id: dept_a,
            request_id: None,
            fields: &["id_number".to_string(), "name".to_string()],
            purpose: "核验",
            valid_from: now - time::Duration::days(1),
            valid_to: now + time::Duration::days(30),
            rate_per_minute: 10_000,
        },
        "system:matrix",
        now,
    )
    .await
    .unwrap();
    let exchange_code = res.code.0.clone();
    let resource = yiwang_exchange::fixtures::published(
        &w.state.exchange,
        dept_a,
        "101001",
        yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::Conditional),
    )
    .await
    .unwrap();
    let load_a = w
        .state
        .collector
        .push(&sys, resource.code.as_str(), &Default::default())
        .await
        .unwrap()
        .id;
    let resource_a = resource.code.as_str().replace('/', "-");
    let ex = &w.state.exchange;
    let res = yiwang_exchange::fixtures::published(
        ex,
        dept_a,
        "102001",
        yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::Unconditional),
    )
    .await
    .unwrap();
    ex.new_version(&sys, res.id).await.unwrap();
    ex.submit(&sys, res.id, 2).await.unwrap();
    let demand_a = ex
        .create_demand(
            &sys,
            &yiwang_exchange::lists::NewDemand {
                department_id: dept_a,
                name: "赤坎区需求".into(),
                purpose: "办事".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let package_a = package_of(w, dept_a).await;
    let (appeal_a, appeal_rev, open311_key) = appeal_fixtures(w, dept_a, &admin_p1).await;
    let watch_warning =
        crate::supervision_watch::matrix_warning(w, dept_a, &admin_p1, &item_code, &id_card).await;
    Fixtures {
        watch_warning,
        appeal_a,
        appeal_rev,
        open311_key,
        sharing,
        exchange_code,
        resource_a,
        load_a,
        catalog_resource_a: res.id,
        resource_code_a: res.code.0.clone(),
        demand_a,
        package_a,
        copy_code,
        import_a,
        id_card,
        licence_a,
        case_no,
        case_sha,
        followup,
        item_code,
        dept_a,
        dept_a_uscc,
        dept_b,
        hall_a,
        window_a,
        staff_target,
        admin_change,
        token_a,
        oidc_client_a,
        org_a,
        grant_a,
        admin_p1,
        other_p2,
    }
}

/// The appeals' category of A (`MX01`), a work order of A filed by P1 in 440802 (its number
/// and revision), and an Open311 key (its id).
async fn appeal_fixtures(w: &World, dept_a: i64, p1: &Client) -> (String, i64, i64) {
    let sys = Ctx::system("matrix");
    w.state
        .appeals
        .save_category(
            &sys,
            yiwang_appeals::views::CategoryInput {
                code: "MX01".into(),
                name: "矩阵分类".into(),
                parent_code: None,
                department_id: Some(dept_a),
                specialty: None,
                description: String::new(),
                keywords: String::new(),
                active: true,
            },
        )
        .await
        .unwrap();
    let r = w.post(p1, "/api/v1/appeals", appeal_body()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let no = r.json()["appeal"]["appeal_no"]
        .as_str()
        .unwrap()
        .to_string();
    let rev = w.state.appeals.get(&sys, &no).await.unwrap().revision;
    // A unit grid of A (`MXG1`).
    yiwang_appeals::fixture::add_square(
        &w._db.db,
        &w.state.appeals,
        &yiwang_appeals::fixture::Square {
            code: "MXG1",
            name: "矩阵网格",
            kind: yiwang_appeals::GridKind::Unit,
            specialty: None,
            division: "440802",
            department_id: Some(dept_a),
            lon: 110.30,
            lat: 21.20,
            size: 0.01,
        },
        &[],
    )
    .await
    .unwrap();
    let (key, _) = w
        .state
        .appeals
        .issue_key(&sys, "矩阵App", "")
        .await
        .unwrap();
    (no, rev, key.id)
}

fn appeal_body() -> Value {
    json!({
        "channel": "web", "appeal_type": "help", "category": "MX01", "division": "440802",
        "content": "路灯不亮", "address": "赤坎区人民大道北1号",
        "contact_name": "张一", "contact_phone": "13800000001"
    })
}

/// A published population resource of `dept` with one row, exported as a package.
async fn package_of(w: &World, dept: i64) -> Vec<u8> {
    use yiwang_exchange::base::sources::{POPULATION_CLASS, POPULATION_NAME, source_meta};
    let svc = &w.state.exchange;
    let r = yiwang_exchange::fixtures::published(
        svc,
        dept,
        POPULATION_CLASS,
        source_meta(POPULATION_CLASS, POPULATION_NAME).unwrap(),
    )
    .await
    .unwrap();
    let row = json!({"id_number": "440802199001011238", "name": "张一", "division": "440802"});
    yiwang_exchange::base::load_rows(
        svc,
        &r,
        &[row],
        time::macros::datetime!(2026-01-05 02:00 UTC),
    )
    .await
    .unwrap();
    let filter = yiwang_exchange::package::PackageFilter::default();
    svc.export_package(&Ctx::system("matrix"), r.code.as_str(), &filter)
        .await
        .unwrap()
        .0
}

fn licence_type() -> yiwang_licences::LicenceType {
    yiwang_licences::LicenceType {
        code: "11100000MB0143235W001".into(),
        name: "食品经营许可证".into(),
        definer_name: "国家市场监督管理总局".into(),
        holder_type: "org".into(),
        face_schema:
            json!([{"key": "address", "label": "经营场所", "kind": "address", "required": true}])
                .to_string(),
        validity_years: 5,
    }
}

fn issue_input(dept: i64) -> yiwang_licences::IssueInput {
    yiwang_licences::IssueInput {
        type_code: "11100000MB0143235W001".into(),
        holder_name: "湛江市赤坎区甲餐饮有限公司".into(),
        holder_code: uscc("91440802MA5XXXXX"),
        face: json!({"address": "湛江市赤坎区海滨大道北8号"}),
        issuer_department_id: dept,
        ..Default::default()
    }
}

fn concrete(path: &str, f: &Fixtures) -> String {
    if let Some(p) = crate::exchange_sharing::matrix_path(path, &f.sharing, f.dept_a) {
        return p;
    }
    let id = if path.starts_with("/api/v1/oidc/clients/") {
        return path.replace("{id}", &f.oidc_client_a);
    } else if path.starts_with("/api/v1/departments/") {
        f.dept_a
    } else if path.starts_with("/api/v1/halls/") {
        f.hall_a
    } else if path.starts_with("/api/v1/staff/") {
        f.staff_target
    } else if path.starts_with("/api/v1/admin-changes/") {
        f.admin_change
    } else if path.starts_with("/api/v1/api-tokens/") {
        f.token_a
    } else if path.starts_with("/api/v1/organisations/") {
        f.org_a
    } else if path.starts_with("/api/v1/rating-followups/") {
        f.followup
    } else if path.starts_with("/api/v1/licences/imports/") {
        f.import_a
    } else if path.starts_with("/api/v1/exchange/departments/") {
        f.dept_a
    } else if path.starts_with("/api/v1/exchange/resources/{code}") {
        f.load_a
    } else if path.starts_with("/api/v1/exchange/resources/") {
        f.catalog_resource_a
    } else if path.starts_with("/api/v1/exchange/demands/") {
        f.demand_a
    } else if path.starts_with("/api/v1/open311-keys/") {
        f.open311_key
    } else if path.starts_with("/api/v1/supervision/departments/") {
        f.dept_a
    } else if path.starts_with("/api/v1/supervision/watch/warnings/") {
        f.watch_warning
    } else {
        -1
    };
    let code = if path.starts_with("/api/v1/items/") {
        f.item_code.clone()
    } else if path.starts_with("/api/v1/basic-items/") {
        "000117008000".to_string()
    } else if path.starts_with("/api/v1/divisions/") {
        "440802".to_string()
    } else if path.starts_with("/api/v1/exchange/resources/") {
        f.resource_a.clone()
    } else if path.starts_with("/api/v1/supervision/watch/rules/") {
        "fast_approval".to_string()
    } else if path.starts_with("/api/v1/supervision/") {
        // A KPI (definitions belong to no department).
        "on_time_rate".to_string()
    } else if path.starts_with("/api/v1/appeal-grids/") {
        "MXG1".to_string()
    } else if path.starts_with("/api/v1/bundle") {
        // A bundle code (definitions belong to no department: any will do).
        "open-shop".to_string()
    } else {
        "?".to_string()
    };
    let no = if path.contains("/cases/") {
        f.case_no.clone()
    } else if path.contains("/appeals/") {
        f.appeal_a.clone()
    } else if path.contains("/inspections/") {
        crate::inspections::MATRIX_PLAN.to_string()
    } else {
        "1".to_string()
    };
    let (class, seq) = f.exchange_code.split_once('/').unwrap();
    let out = path
        .replace("{class}", class)
        .replace("{seq}", seq)
        .replace("{key}", "440802199001011238")
        .replace("{id}", &id.to_string())
        .replace("{code}", &code)
        .replace("{no}", &no)
        .replace("{sha}", &f.case_sha)
        .replace("{identifier}", &f.id_card)
        .replace("{copy}", &f.copy_code)
        .replace("{window_id}", &f.window_a.to_string())
        .replace("{grant_id}", &f.grant_a.to_string())
        .replace("{year}", "2027")
        .replace("{version}", "2");
    assert!(
        !out.contains('{') && !out.contains("-1") && !out.contains('?'),
        "no fixture for a parameter of {path}: add one to this test"
    );
    if out == "/api/v1/licences/imports" {
        // The type and the department (A) the file is imported for.
        return format!("{out}?type=11100000MB0143235W001&department={}", f.dept_a);
    }
    if out.starts_with("/api/v1/exchange/data/") && out.contains("/rows/") {
        return format!("{out}?purpose=%E6%A0%B8%E9%AA%8C&case_number=M-1");
    }
    if out.ends_with("/export") {
        return format!("{out}?format=csv");
    }
    if out.ends_with("/bundle-stats") {
        return format!("{out}?from=2026-11-01&to=2026-11-30");
    }
    if out.ends_with("/appeal-stats") {
        return format!("{out}?from=2026-11-01&to=2026-11-30");
    }
    if out.ends_with("/appeal-duplicates") {
        return format!("{out}?category=MX01&lon=110.36&lat=21.27");
    }
    if out.ends_with("/process-data") {
        return format!("{out}?from=2026-11-01&to=2026-11-30");
    }
    out
}

/// A body that would succeed for department A (so that a refusal of B is about B).
fn body_for(op: &str, f: &Fixtures) -> Value {
    if let Some(b) = crate::exchange_sharing::matrix_body(op, &f.sharing, f.dept_a) {
        return b;
    }
    if let Some(b) = crate::inspections::matrix_body(op, f.dept_a) {
        return b;
    }
    match op {
        "POST /api/v1/items" => json!({ "basic_code": "000117008000", "department_id": f.dept_a }),
        "POST /api/v1/appeals" => appeal_body(),
        "POST /api/v1/appeals/{no}/actions" => json!({
            "action": "dispatch", "revision": f.appeal_rev, "to_department": f.dept_a, "text": "派单"
        }),
        "POST /api/v1/open311-keys" => json!({ "name": "赤坎新App", "contact": "" }),
        "POST /api/v1/appeal-categories" => {
            json!({ "code": "MX02", "name": "矩阵二", "department_id": f.dept_a })
        }
        "POST /api/v1/appeal-knowledge" => {
            json!({ "category_code": "MX01", "question": "路灯不亮找谁？", "answer": "拨打12345。" })
        }
        "PUT /api/v1/appeal-grids/{code}/workers" => json!({ "workers": [] }),
        "POST /api/v1/appeal-grid-imports" => json!({
            "type": "FeatureCollection",
            "features": [{
                "type": "Feature",
                "geometry": { "type": "Polygon", "coordinates": [[
                    [110.40, 21.20], [110.41, 21.20], [110.41, 21.21], [110.40, 21.21], [110.40, 21.20]
                ]] },
                "properties": { "code": "MXG2", "name": "矩阵网格二", "kind": "unit", "division": "440802" }
            }]
        }),
        "PUT /api/v1/appeal-time-limits" => {
            serde_json::to_value(yiwang_appeals::TimeLimits::guangdong()).unwrap()
        }
        "POST /api/v1/bundle-cases/{no}/rating" => json!({ "score": 5 }),
        "POST /api/v1/bundle-cases/{no}/supplements" => {
            json!({ "materials": [{ "material": "lease", "ticket": "t" }] })
        }
        "POST /api/v1/bundles/{code}/applications" => {
            json!({ "answers": {}, "form": {}, "materials": [] })
        }
        "POST /api/v1/departments" => json!({
            "uscc": uscc("11440802MB2C8888"), "name": "赤坎区测试局", "division_code": "440802", "kind": "bureau"
        }),
        "POST /api/v1/halls" => {
            json!({ "name": "赤坎区第二服务中心", "kind": "center", "division_code": "440802" })
        }
        "POST /api/v1/halls/{id}/windows" => {
            json!({ "number": "2", "name": "部门专窗", "kind": "department" })
        }
        "POST /api/v1/staff" => json!({
            "username": "matrix_new", "name": "新同事", "department_id": f.dept_a, "roles": [], "password": PASSWORD
        }),
        "POST /api/v1/api-tokens" => json!({
            "name": "赤坎新系统", "department_id": f.dept_a, "permissions": ["catalog.edit"], "days": 30
        }),
        "POST /api/v1/oidc/clients" => json!({
            "name": "赤坎新系统", "department_id": f.dept_a,
            "redirect_uris": ["https://chikan.example.gov.cn/cb2"], "public": false, "scopes": []
        }),
        "PUT /api/v1/staff/{id}/roles" => json!({ "roles": ["catalog_editor", "catalog_admin"] }),
        "PUT /api/v1/items/{code}/draft" | "PUT /api/v1/items/{code}/versions/{no}" => {
            json!({ "elements": good_elements() })
        }
        "PUT /api/v1/departments/{id}" => json!({
            "uscc": f.dept_a_uscc, "name": "湛江市赤坎区市场监督管理局", "division_code": "440802", "kind": "bureau",
            "phone": "0759-3100000"
        }),
        "PUT /api/v1/halls/{id}" => json!({
            "name": "赤坎区政务服务中心", "kind": "center", "division_code": "440802", "address": "赤坎区",
            "phone": "0759-3100001", "hours": "工作日"
        }),
        "PUT /api/v1/halls/{id}/windows/{window_id}" => {
            json!({ "number": "1", "name": "综合受理", "kind": "comprehensive" })
        }
        "POST /api/v1/people/lookup" => json!({ "id_number": "440802199001011238" }),
        "POST /api/v1/organisations/verify" => json!({
            "uscc": uscc("91440802MA5XXXXX"), "name": "湛江市赤坎区甲餐饮有限公司",
            "legal_representative": "张一", "id_number": "440802199001011238"
        }),
        "POST /api/v1/window/cases" => json!({ "item_code": f.item_code }),
        "POST /api/v1/licence-types" => serde_json::to_value(licence_type()).unwrap(),
        "POST /api/v1/licences" => {
            let i = issue_input(f.dept_a);
            json!({"type_code": i.type_code, "holder_name": i.holder_name, "holder_code": i.holder_code,
                   "face": i.face, "issuer_department_id": f.dept_a})
        }
        "POST /api/v1/licences/status" => {
            json!({"identifier": f.licence_a, "status": "suspended", "reason": "核查"})
        }
        "POST /api/v1/me/licences/{identifier}/copies" => {
            json!({"purpose": "办理社保卡", "valid_until": "2026-12-01"})
        }
        "POST /api/v1/cases/{no}/actions" => json!({ "action": "claim" }),
        "POST /api/v1/cases/{no}/not-accept" => json!({ "reason": "不属于受理范围" }),
        "POST /api/v1/cases/{no}/notice" => json!({ "items": [{ "reason": "缺少签字" }] }),
        "POST /api/v1/cases/{no}/special-procedures" => {
            json!({ "special_type": "2", "reason": "现场核查", "days": 5 })
        }
        "POST /api/v1/cases/{no}/special-procedures/end" => json!({ "result": "核查通过" }),
        "POST /api/v1/cases/{no}/deliver" => json!({ "method": "electronic" }),
        "POST /api/v1/me/cases/{no}/ratings" => json!({ "service": "apply", "level": 5 }),
        "POST /api/v1/rating-followups/{id}" => json!({ "step": "verify", "text": "已回访" }),
        "POST /api/v1/supervision/watch/warnings/{id}/actions" => {
            json!({ "action": "note", "text": "矩阵检查" })
        }
        "PUT /api/v1/supervision/watch/rules/{code}" => {
            json!({ "name_zh": "审批用时过短", "kind": "fast_approval", "params": {}, "severity": "red", "active": true })
        }
        "POST /api/v1/rating-followups/{id}/decision" => json!({ "uphold": false, "note": "维持" }),
        "POST /api/v1/exchange/data/{class}/{seq}/query" => {
            json!({ "purpose": "核验", "case_number": "M-1", "filters": {} })
        }
        "POST /api/v1/exchange/resources" => json!({
            "classification": "102001", "department_id": f.dept_a,
            "meta": yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::Unconditional)
        }),
        "PUT /api/v1/exchange/resources/{id}/versions/{version}" => json!({
            "meta": yiwang_exchange::fixtures::population_meta(yiwang_exchange::ShareType::Unconditional)
        }),
        "POST /api/v1/exchange/resources/{id}/versions/{version}/reject" => {
            json!({ "note": "退回" })
        }
        "POST /api/v1/exchange/resources/{id}/retire"
        | "POST /api/v1/exchange/demands/{id}/decline" => {
            json!({ "reason": "停用" })
        }
        "POST /api/v1/exchange/demands" => {
            json!({ "department_id": f.dept_a, "name": "需求", "purpose": "办事" })
        }
        "POST /api/v1/exchange/demands/{id}/claim" => {
            json!({ "department_id": f.dept_a, "resource_code": f.resource_code_a })
        }
        _ => json!({}),
    }
}

/// GETs first, then writes, deletes last, so that no write removes another's fixture.
fn order(method: &str) -> u8 {
    match method {
        "get" => 0,
        "delete" => 2,
        _ => 1,
    }
}

#[tokio::test]
async fn every_route_allows_and_refuses_as_declared() {
    let w = World::new().await;
    let f = fixtures(&w).await;
    let doc = w.get(&w.anonymous(), "/openapi.json").await.json();
    let mut ops: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.clone(), path.clone(), op.clone()));
        }
    }
    ops.sort_by_key(|(m, p, _)| (order(m), p.clone()));
    let citizen = f.other_p2.clone();
    // Staff of A and of B per role, signed in once.
    let mut staff: HashMap<(Role, bool), Client> = HashMap::new();
    let mut checked = 0;
    for (method, path, op) in &ops {
        let key = format!("{} {path}", method.to_uppercase());
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let security = op
            .get("security")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{key} declares no access rule"));
        let url = concrete(path, &f);
        // The import body: A's own export, so that its rows belong to A.
        let (ct, body_a): (&str, Vec<u8>) = if IMPORTS.contains(&key.as_str()) {
            ("text/csv", Vec::new())
        } else if key == "POST /api/v1/exchange/packages" {
            // A's resource: only a data administrator over A imports it.
            ("application/zip", f.package_a.clone())
        } else if key == "POST /api/v1/calendar/years/{year}" {
            // A year's arrangement as CSV (the second holder finds the year covered: 409).
            ("text/csv", CALENDAR_2027.as_bytes().to_vec())
        } else {
            (
                "application/json",
                serde_json::to_vec(&body_for(&key, &f)).unwrap(),
            )
        };
        let call = |c: Client, body: Vec<u8>| {
            let w = &w;
            let m = m.clone();
            let url = url.clone();
            async move { w.send(&c, m, &url, Some(ct), body).await }
        };
        let rule = security.first().cloned().unwrap_or(json!({}));
        let rule = rule.as_object().unwrap();
        if rule.is_empty() {
            // Public: nobody is refused for lack of identity. (A fresh citizen session: one
            // of these is sign-out.)
            let fresh = crate::harness::person_sign_in(&w, "13800000002").await;
            for (who, c) in [("anonymous", w.anonymous()), ("citizen", fresh)] {
                let r = call(c, body_a.clone()).await;
                assert!(
                    !matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                    "{key} is public but refused the {who}: {} {}",
                    r.status,
                    r.text()
                );
            }
            checked += 1;
            continue;
        }
        let (scheme, scopes) = rule.iter().next().unwrap();
        match scheme.as_str() {
            "session" if scopes[0] == "administrator" => {
                // Any of the three administrators (the domain decides the rest): refused to
                // the anonymous, citizens and business staff; the audit administrator (another
                // role than the requester's) may list, confirm and then reject (409: decided).
                for (who, c, status) in [
                    ("anonymous", w.anonymous(), StatusCode::UNAUTHORIZED),
                    ("citizen", citizen.clone(), StatusCode::FORBIDDEN),
                    (
                        "business staff",
                        w.sign_in("chikan").await,
                        StatusCode::FORBIDDEN,
                    ),
                ] {
                    let r = call(c, body_a.clone()).await;
                    assert_eq!(r.status, status, "{key} {who}: {}", r.text());
                }
                let r = call(w.sign_in("auditor").await, body_a.clone()).await;
                assert!(
                    !refused(&r),
                    "{key} refused an administrator: {} {}",
                    r.status,
                    r.text()
                );
            }
            "session" => {
                let perm = scopes[0].as_str().unwrap();
                let role = role_for(perm);
                for a_side in [false, true] {
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        staff.entry((role, a_side))
                    {
                        let username =
                            format!("m_{}_{}", role.as_str(), if a_side { "a" } else { "b" });
                        w.state
                            .identity
                            .create_staff(
                                &Ctx::system("matrix"),
                                &StaffInput {
                                    username: username.clone(),
                                    name: format!("矩阵{}", role.zh()),
                                    department_id: if a_side { f.dept_a } else { f.dept_b },
                                    roles: vec![role.as_str().into()],
                                    password: PASSWORD.into(),
                                },
                            )
                            .await
                            .unwrap();
                        slot.insert(w.sign_in(&username).await);
                    }
                }
                let a = staff[&(role, true)].clone();
                let b = staff[&(role, false)].clone();
                let body_a = if key == "POST /api/v1/exchange/resources/import" {
                    // A's catalog without its codes (the data administrator reads no catalog
                    // through the API: exchange.consume is the departments' business).
                    let csv = w
                        .state
                        .exchange
                        .export_catalog(&Ctx::system("matrix"), yiwang_sheets::Format::Csv)
                        .await
                        .unwrap();
                    String::from_utf8(csv)
                        .unwrap()
                        .replace(&f.resource_code_a, "")
                        .into_bytes()
                } else if IMPORTS.contains(&key.as_str()) {
                    let export = if path.contains("items") {
                        "/api/v1/items/export"
                    } else {
                        "/api/v1/departments/export"
                    };
                    let r = w.get(&a, &format!("{export}?format=csv")).await;
                    assert_eq!(r.status, StatusCode::OK, "{export}: {}", r.text());
                    r.body
                } else {
                    body_a
                };
                let r = call(w.anonymous(), body_a.clone()).await;
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{key} anonymous: {}",
                    r.text()
                );
                let r = call(citizen.clone(), body_a.clone()).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{key} citizen: {}",
                    r.text()
                );
                let rb = call(b, body_a.clone()).await;
                if FILTERED.contains(&key.as_str())
                    || crate::exchange_sharing::MATRIX_FILTERED.contains(&key.as_str())
                {
                    let marker =
                        if let Some(m) = crate::exchange_sharing::matrix_marker(path, &f.sharing) {
                            m
                        } else if path.contains("departments") {
                            f.dept_a_uscc.clone()
                        } else if path.contains("staff") {
                            "matrix_target".to_string()
                        } else if path.contains("api-tokens") {
                            "赤坎审批系统".to_string()
                        } else if path.contains("oidc") {
                            "赤坎单点登录系统".to_string()
                        } else if path == "/api/v1/licences" {
                            f.licence_a.clone()
                        } else if path.contains("/exchange/data/grants") {
                            f.exchange_code.clone()
                        } else if path.contains("exchange") {
                            f.resource_code_a.clone()
                        } else if path == "/api/v1/appeals" {
                            f.appeal_a.clone()
                        } else if path.contains("/inspections/plans") {
                            crate::inspections::MATRIX_PLAN.to_string()
                        } else if path.contains("warnings") {
                            "湛江市赤坎区市场监督管理局".to_string()
                        } else if path.contains("cases")
                            || path.contains("process-data")
                            || path.contains("followups")
                        {
                            f.case_no.clone()
                        } else {
                            f.item_code.clone()
                        };
                    assert_eq!(
                        rb.status,
                        StatusCode::OK,
                        "{key} other department: {}",
                        rb.text()
                    );
                    assert!(
                        !rb.text().contains(&marker),
                        "{key} shows A's {marker} to B"
                    );
                    let ra = call(a, body_a.clone()).await;
                    assert_eq!(
                        ra.status,
                        StatusCode::OK,
                        "{key} right department: {}",
                        ra.text()
                    );
                    assert!(
                        ra.text().contains(&marker),
                        "{key}: A's answer lacks {marker}: {}",
                        ra.text()
                    );
                } else if UNSCOPED.contains(&key.as_str()) {
                    assert!(
                        !matches!(rb.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                        "{key} refused a holder of {perm}: {} {}",
                        rb.status,
                        rb.text()
                    );
                    let ra = call(a, body_a.clone()).await;
                    assert!(
                        !matches!(ra.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                        "{key} refused a holder of {perm}: {} {}",
                        ra.status,
                        ra.text()
                    );
                } else {
                    let import_refused = IMPORTS.contains(&key.as_str())
                        && rb.status == StatusCode::UNPROCESSABLE_ENTITY
                        && rb.json()["error"]["code"] == "import_rejected";
                    assert!(
                        refused(&rb) || import_refused,
                        "{key} let another department's {} through: {} {}",
                        role.as_str(),
                        rb.status,
                        rb.text()
                    );
                    let ra = call(a, body_a.clone()).await;
                    assert!(
                        !refused(&ra) || NO_BUNDLE_DEFINITIONS.contains(&key.as_str()),
                        "{key} refused the right department's {}: {} {}",
                        role.as_str(),
                        ra.status,
                        ra.text()
                    );
                }
            }
            "person" => {
                assert!(
                    scopes.as_array().map(Vec::is_empty).unwrap_or(false),
                    "{key}"
                );
                let r = call(w.anonymous(), body_a.clone()).await;
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{key} anonymous: {}",
                    r.text()
                );
                let any_staff = w.sign_in("chikan").await;
                let r = call(any_staff, body_a.clone()).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{key} staff: {}", r.text());
                if PERSON_SELF.contains(&key.as_str()) {
                    let r = call(citizen.clone(), body_a.clone()).await;
                    assert!(
                        !refused(&r),
                        "{key} refused a person their own: {} {}",
                        r.status,
                        r.text()
                    );
                } else {
                    let r = call(citizen.clone(), body_a.clone()).await;
                    assert!(
                        refused(&r),
                        "{key} let another person at enterprise A: {} {}",
                        r.status,
                        r.text()
                    );
                    let r = call(f.admin_p1.clone(), body_a.clone()).await;
                    assert!(
                        !refused(&r) || NO_BUNDLE_DEFINITIONS.contains(&key.as_str()),
                        "{key} refused enterprise A's administrator: {} {}",
                        r.status,
                        r.text()
                    );
                }
            }
            other => panic!("{key}: unknown access rule `{other}`"),
        }
        checked += 1;
    }
    assert!(checked >= 60, "{checked} operations checked");
}
