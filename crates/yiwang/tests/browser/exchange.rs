//! The data API's pages in the browser (issue 13): after a department system reads a demo
//! citizen's row through its grant, the provider's data steward finds the read in the access
//! log and the citizen finds it in "who used my data" (用数记录) — with the reading department,
//! not a member of staff.

use yiwang_exchange::fixtures;
use yiwang_exchange::repo::{grants, rows};
use yiwang_identity::StaffInput;
use yiwang_kernel::auth::{Actor, ApiClient, Ctx, Permission};
use yiwang_org::repo::DepartmentFilter;
use yiwang_web::AppState;

use crate::support::*;

/// The demo citizen whose row is read.
pub const CITIZEN: &str = "440802198805120013";
/// The case number the read is recorded against.
pub const CASE: &str = "BROWSER-0001";

/// What [`seed`] made.
pub struct Seeded {
    /// The provider's data steward (password: the demo's).
    pub steward: String,
    /// The department that read.
    pub consumer: String,
}

/// A population resource of one demo department with the citizen's row, a grant to another
/// department, its data steward, and one read by that department's system.
pub async fn seed(state: &AppState) -> Seeded {
    let sys = Ctx::system("browser-test");
    let mut db = state.db.clone();
    let depts = yiwang_org::service::departments_in(&mut db, &DepartmentFilter::default())
        .await
        .unwrap();
    let (provider, consumer) = (&depts[0], &depts[1]);
    state
        .identity
        .create_staff(
            &sys,
            &StaffInput {
                username: "data_steward".into(),
                name: "数据专员".into(),
                department_id: provider.id,
                roles: vec!["data_steward".into()],
                password: yiwang_demo::DEMO_PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let r = fixtures::published(
        &state.exchange,
        provider.id,
        "101001",
        fixtures::population_meta(yiwang_exchange::ShareType::Conditional),
    )
    .await
    .unwrap();
    let now = state.clock.now();
    let data =
        serde_json::json!({"id_number": CITIZEN, "name": "演示市民", "sex": "1"}).to_string();
    rows::insert(&mut db, state.exchange.seal(), r.id, CITIZEN, now, 1, &data)
        .await
        .unwrap();
    let fields = vec!["id_number".to_string(), "name".to_string()];
    grants::insert(
        &mut db,
        &grants::NewGrant {
            resource_id: r.id,
            consumer_department_id: consumer.id,
            request_id: None,
            fields: &fields,
            purpose: "办理业务时核验身份",
            valid_from: now - time::Duration::days(1),
            valid_to: now + time::Duration::days(30),
            rate_per_minute: 600,
        },
        "system:browser-test",
        now,
    )
    .await
    .unwrap();
    let system = Ctx::new(
        Actor::Client(ApiClient {
            token_id: 1,
            name: "业务系统".into(),
            department_id: consumer.id,
            division: consumer.division_code.clone(),
            permissions: vec![Permission::ExchangeConsume],
        }),
        "",
    );
    let purpose = yiwang_exchange::access::CallPurpose {
        purpose: "办理业务时核验身份".into(),
        case_number: CASE.into(),
    };
    let a = state
        .exchange_access
        .lookup(&system, r.code.as_str(), CITIZEN, &purpose, None)
        .await
        .unwrap();
    assert!(a.row.is_some());
    Seeded {
        steward: "data_steward".into(),
        consumer: consumer.name.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_and_the_citizen_see_a_read_of_the_citizens_data() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let (_db, addr, state) = platform().await;
    let base = format!("http://{addr}");
    let seeded = seed(&state).await;
    let c = browser(&driver).await;

    // The provider's data steward: the header links to the access log, which lists the read.
    sign_in_staff(&c, &base, &seeded.steward).await;
    click(&c, "nav-exchange-calls").await;
    wait_for_address(&c, "/staff/exchange/calls").await;
    let log = text_of(&c, "#exchange-calls").await;
    assert!(log.contains(CASE), "{log}");
    assert!(log.contains(&seeded.consumer), "{log}");
    assert!(log.contains("办理业务时核验身份"), "{log}");
    sign_out(&c).await;

    // The citizen: 用数记录 from the header names the department, the case and the items.
    sign_in_person(&c, &base, CITIZEN, false).await;
    click(&c, "nav-data-uses").await;
    wait_for_address(&c, "/my/data-uses").await;
    let uses = text_of(&c, "#data-uses").await;
    assert!(uses.contains(CASE), "{uses}");
    assert!(uses.contains(&seeded.consumer), "{uses}");
    assert!(uses.contains("人口基本信息"), "{uses}");
    assert!(
        !uses.contains("client:") && !uses.contains("业务系统"),
        "{uses}"
    );
    sign_out(&c).await;
    c.close().await.unwrap();
}
