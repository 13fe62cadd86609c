//! The cases domain through its service, on a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set): submission, acceptance, a transition refused for the
//! state, the time limit, reach, idempotency keys and the progress query's throttle. HTTP
//! behaviour is tested in `crates/web/tests`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::json;
use time::Duration;
use time::macros::{date, datetime};
use yiwang_calendar::CalendarService;
use yiwang_cases::throttle::ProgressPolicy;
use yiwang_cases::{Application, CaseConfig, CaseService, CaseView, MaterialRef, Status, Warning};
use yiwang_catalog::CatalogService;
use yiwang_catalog::model::{BasicItemInput, Elements};
use yiwang_catalog::service::ClaimInput;
use yiwang_files::{Intake, Limits, MemoryFileStore};
use yiwang_identity::{IdentityConfig, IdentityService, Keys, PersonRegistration, StaffInput};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

const ID: &str = "440802199001011238";
const PHONE: &str = "13812345678";

struct Fx {
    _t: TestDb,
    clock: FixedClock,
    services: Services,
    cases: CaseService,
    code: String,
    citizen: Ctx,
    clerk: Ctx,
    officer: Ctx,
    /// A case officer of another district's department: no reach over the city's cases.
    outsider: Ctx,
}

/// What a second server process on the same database would build.
#[derive(Clone)]
struct Services {
    db: yiwang_store::Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    catalog: CatalogService,
    identity: IdentityService,
}

impl Services {
    fn cases(&self, config: CaseConfig) -> CaseService {
        CaseService::new(
            self.db.clone(),
            self.clock.clone(),
            self.keys.clone(),
            self.catalog.clone(),
            CalendarService::new(self.db.clone(), self.clock.clone()),
            self.identity.clone(),
            Intake::new(Arc::new(MemoryFileStore::new()), Limits::default()),
            config,
            yiwang_licences::LicenceService::new(
                self.db.clone(),
                self.clock.clone(),
                self.keys.clone(),
                self.identity.clone(),
            ),
        )
    }
}

fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

fn elements() -> Elements {
    serde_json::from_value(json!({
        "exercise_level": "3", "subject_nature": "1", "power_source": "1",
        "acceptance_conditions": "申请人已取得营业执照等合法主体资格证明。",
        "process": "申请—受理—审查—决定—送达",
        "process_steps": [
            {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
            {"name": "审查", "limit": 4, "description": "材料审查"},
            {"name": "决定", "limit": 1, "description": "作出决定"}
        ],
        "statutory_limit": 20, "statutory_unit": "1",
        "promised_limit": 6, "promised_unit": "1",
        "case_type": "2", "result_type": "2", "result_name": "批准文书",
        "result_sample": "https://www.zhanjiang.gov.cn/zwfw/samples/spjyxkz.pdf",
        "service_objects": ["2"], "enterprise_themes": ["E02"], "keywords": "餐饮",
        "handling_forms": ["1", "2"], "online_depth": ["1", "2", "3", "4", "5", "6"],
        "online_url": "https://www.gdzwfw.gov.cn/", "visits": 0,
        "location": "湛江市政务服务中心二楼A区综合受理窗口", "hours": "工作日 8:30-17:30",
        "consult_phone": "0759-3388123", "supervise_phone": "0759-12345",
        "faqs": [{"question": "是否需要现场核查？", "answer": "经营场所变化时需要。"}],
        "materials": [
            {"name": "申请书", "source": "1", "originals": 1, "copies": 0, "required": true, "format": "3"}
        ],
        "form": [
            {"key": "name", "label": "申请人姓名", "kind": "text", "required": true, "prefill": "applicant_name"},
            {"key": "shop", "label": "店铺名称", "kind": "text", "required": true}
        ]
    }))
    .unwrap()
}

async fn staff(
    identity: &IdentityService,
    username: &str,
    department_id: i64,
    division: &str,
    role: Role,
) -> Ctx {
    let a = identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id,
                roles: vec![role.as_str().to_string()],
                password: "Passw0rd-for-tests".into(),
            },
        )
        .await
        .unwrap();
    Ctx::new(
        Actor::Staff(Staff {
            user_id: a.id,
            username: a.username,
            name: a.name,
            department_id,
            division: DivisionCode::parse(division).unwrap(),
            roles: vec![role],
        }),
        "10.0.0.9",
    )
}

async fn fixture_with(config: CaseConfig) -> Fx {
    let t = TestDb::new().await.unwrap();
    let clock = FixedClock::new(datetime!(2026-11-23 02:00 UTC));
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = Keys::ephemeral().unwrap();
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), shared.clone());
    let dept = |name: &str, body: &str, div: &str, kind: &str| DepartmentInput {
        uscc: uscc(body),
        name: name.into(),
        division_code: div.into(),
        kind: kind.into(),
        phone: "0759-3100000".into(),
        ..Default::default()
    };
    let scjg = org
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
    let zsj = org
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
    let chikan = org
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
    let identity = IdentityService::new(
        t.db.clone(),
        shared.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let catalog = CatalogService::new(t.db.clone(), shared.clone());
    catalog
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
    let item = catalog
        .claim(
            &sys,
            &ClaimInput {
                basic_code: "000117008000".into(),
                department_id: scjg,
                division_code: None,
                code: None,
            },
        )
        .await
        .unwrap();
    let code = item.code.clone();
    catalog
        .save_draft(&sys, &code, &elements(), None)
        .await
        .unwrap();
    catalog.submit(&sys, &code).await.unwrap();
    catalog.approve(&sys, &code, "同意").await.unwrap();
    let (_, session) = identity
        .register_person(
            &PersonRegistration {
                name: "陈小明".into(),
                id_number: ID.into(),
                phone: PHONE.into(),
                password: "Passw0rd-for-tests".into(),
            },
            "",
        )
        .await
        .unwrap();
    let clerk = staff(&identity, "clerk", zsj, "440800", Role::CaseClerk).await;
    let officer = staff(&identity, "officer", scjg, "440800", Role::CaseOfficer).await;
    let outsider = staff(
        &identity,
        "chikanofficer",
        chikan,
        "440802",
        Role::CaseOfficer,
    )
    .await;
    let services = Services {
        db: t.db.clone(),
        clock: shared,
        keys,
        catalog,
        identity,
    };
    Fx {
        cases: services.cases(config),
        services,
        _t: t,
        clock,
        code,
        citizen: Ctx::new(session.actor, "10.0.0.1"),
        clerk,
        officer,
        outsider,
    }
}

async fn fixture() -> Fx {
    fixture_with(CaseConfig::default()).await
}

fn pdf(n: u32) -> bytes::Bytes {
    bytes::Bytes::from(format!(
        "%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj % {n}\ntrailer <<>>\n%%EOF\n"
    ))
}

impl Fx {
    async fn application(&self, shop: &str) -> Application {
        let t = self
            .cases
            .upload(&self.citizen, "申请书.pdf", pdf(1))
            .await
            .unwrap();
        Application {
            item_code: self.code.clone(),
            form: json!({ "shop": shop }),
            materials: vec![MaterialRef {
                entry: "M01".into(),
                ticket: t.ticket,
                licence: String::new(),
            }],
            channel: String::new(),
        }
    }

    async fn submitted(&self) -> CaseView {
        let app = self.application("海滨小馆").await;
        self.cases
            .submit(&self.citizen, &app, None)
            .await
            .unwrap()
            .0
    }

    async fn accepted(&self) -> CaseView {
        let v = self.submitted().await;
        self.cases
            .accept(&self.clerk, &v.case_no, Some(v.revision))
            .await
            .unwrap()
    }
}

fn code_of<T: std::fmt::Debug>(r: yiwang_kernel::Result<T>) -> ErrorCode {
    r.expect_err("refused").code
}

#[tokio::test]
async fn an_online_application_is_submitted_and_accepted_with_its_time_limit() {
    let f = fixture().await;
    let v = f.submitted().await;
    assert_eq!(v.status, Status::Submitted);
    assert!(v.case_no.ends_with("20261123000001"), "{}", v.case_no);
    // Prefilled from the signed-in person; numbers masked in the view.
    assert_eq!(v.form["name"], "陈小明");
    assert_eq!(v.applicant_cert, "440802********1238");
    assert_eq!(v.materials.len(), 1);

    let a = f
        .cases
        .accept(&f.clerk, &v.case_no, Some(v.revision))
        .await
        .unwrap();
    assert_eq!(a.status, Status::Handling);
    assert_eq!(a.revision, v.revision + 1);
    // Accepted on Monday 23 November 2026: six working days counted from the next day.
    assert_eq!(a.promised_due, Some(date!(2026 - 12 - 01)));
    assert!(!a.steps.is_empty(), "the workflow started");
    let events: Vec<&str> = a.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(&events[..2], ["submitted", "accepted"]);
}

#[tokio::test]
async fn a_transition_the_state_does_not_allow_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let v = f.accepted().await;
    let again = f.cases.accept(&f.clerk, &v.case_no, None).await;
    assert_eq!(code_of(again), ErrorCode::InvalidState);
    let deliver = f
        .cases
        .deliver(&f.clerk, &v.case_no, None, "electronic", "")
        .await;
    assert_eq!(code_of(deliver), ErrorCode::InvalidState);
    let now = f.cases.case(&f.clerk, &v.case_no).await.unwrap();
    assert_eq!((now.status, now.revision), (Status::Handling, v.revision));
    // A stale revision from someone within reach is a conflict.
    let stale = f
        .cases
        .start_special(
            &f.officer,
            &v.case_no,
            Some(v.revision - 1),
            "1",
            "",
            "延长",
            3,
        )
        .await;
    assert_eq!(code_of(stale), ErrorCode::Conflict);
}

#[tokio::test]
async fn the_deadline_turns_red_when_the_time_limit_passes() {
    let f = fixture().await;
    let v = f.accepted().await;
    assert_eq!(v.warning, Warning::None);
    f.clock.advance(Duration::days(14));
    let report = f.cases.sweep().await.unwrap();
    assert_eq!((report.checked, report.red), (1, 1), "{report:?}");
    let now = f.cases.case(&f.officer, &v.case_no).await.unwrap();
    assert_eq!(now.warning, Warning::Red);
}

#[tokio::test]
async fn the_sweep_never_writes_a_clock_over_an_action_committed_since_it_read_the_case() {
    let f = fixture().await;
    let v = f.accepted().await;
    let mut db = f._t.db.clone();
    let read = yiwang_cases::repo::by_no(&mut db, &v.case_no)
        .await
        .unwrap()
        .unwrap();
    // Someone acts on the case after the sweep read it (its own clock comes with it).
    f.cases
        .start_special(&f.officer, &v.case_no, Some(v.revision), "1", "", "延长", 3)
        .await
        .unwrap();
    let stale = date!(2026 - 11 - 24);
    let mut tx = f._t.db.write().await.unwrap();
    let wrote =
        yiwang_cases::repo::save_clock(&mut tx, read.id, read.revision, Some(stale), None, "red")
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert!(!wrote, "a clock computed from the older row is not written");
    let now = f.cases.case(&f.clerk, &v.case_no).await.unwrap();
    assert_ne!(now.promised_due, Some(stale));
    assert_eq!(now.warning, Warning::None);
    // At the case's current revision the sweep's write goes through.
    let fresh = yiwang_cases::repo::by_no(&mut db, &v.case_no)
        .await
        .unwrap()
        .unwrap();
    let mut tx = f._t.db.write().await.unwrap();
    let wrote = yiwang_cases::repo::save_clock(
        &mut tx,
        fresh.id,
        fresh.revision,
        fresh.promised_due,
        fresh.statutory_due,
        "yellow",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(wrote);
    let now = f.cases.case(&f.clerk, &v.case_no).await.unwrap();
    assert_eq!(now.warning, Warning::Yellow);
    assert_eq!(
        now.revision, fresh.revision,
        "the sweep does not bump the revision"
    );
}

#[tokio::test]
async fn a_case_outside_the_callers_reach_answers_like_an_unknown_number() {
    let f = fixture().await;
    let v = f.accepted().await;
    let unknown = "NO20261123999999";
    // Whatever the action, revision or state: not found, exactly as for a made-up number.
    for no in [v.case_no.as_str(), unknown] {
        assert_eq!(
            code_of(f.cases.case(&f.outsider, no).await),
            ErrorCode::NotFound
        );
        let special = f
            .cases
            .start_special(&f.outsider, no, Some(1), "2", "听证", "越权", 5)
            .await;
        assert_eq!(code_of(special), ErrorCode::NotFound, "{no}");
        let accept = f.cases.accept(&f.outsider, no, Some(99)).await;
        assert_eq!(code_of(accept), ErrorCode::NotFound, "{no}");
        let withdraw = f.cases.withdraw(&f.outsider, no, None, "").await;
        assert_eq!(code_of(withdraw), ErrorCode::NotFound, "{no}");
    }
    // Within reach, the same stale revision is a conflict and the wrong state is named.
    let accept = f.cases.accept(&f.clerk, &v.case_no, Some(99)).await;
    assert_eq!(code_of(accept), ErrorCode::Conflict);
    let now = f.cases.case(&f.citizen, &v.case_no).await.unwrap();
    assert_eq!(now.revision, v.revision, "nothing changed");
}

#[tokio::test]
async fn an_idempotency_key_answers_the_same_request_once_and_refuses_another() {
    let f = fixture().await;
    let app = f.application("海滨小馆").await;
    let (first, created) = f.cases.submit(&f.citizen, &app, Some("k-1")).await.unwrap();
    assert!(created);
    // The retry (even with a ticket issued anew for the same file) answers the first case.
    let mut retry = f.application("海滨小馆").await;
    retry.form = json!({ "shop": "海滨小馆" });
    let (again, created) = f
        .cases
        .submit(&f.citizen, &retry, Some("k-1"))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.case_no, first.case_no);
    // Another application under the same key is refused, not answered with the first case.
    let other = f.application("另一家店").await;
    let e = f
        .cases
        .submit(&f.citizen, &other, Some("k-1"))
        .await
        .expect_err("refused");
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.fields[0].rule, "idempotency_key.reused");
    let (_, created) = f
        .cases
        .submit(&f.citizen, &other, Some("k-2"))
        .await
        .unwrap();
    assert!(created);
}

/// Applications submitted at once each get a number of its own with no gaps; under one
/// idempotency key they resolve to one case (and a different application under a key taken in
/// the same batch is refused); on SQLite, where durable commits are counted, they shared
/// commits (PostgreSQL keeps no such count: that check is SQLite's only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_submitted_together_get_their_own_numbers_and_keys_resolve_to_one_case() {
    let f = fixture().await;
    let commits_before = f._t.db.group_stats().map(|(c, _)| c);
    let mut apps = Vec::new();
    for i in 0..32 {
        apps.push((f.application(&format!("小馆{i}")).await, format!("k-{i}")));
    }
    for _ in 0..4 {
        apps.push((f.application("同键小馆").await, "same".to_string()));
    }
    apps.push((f.application("同键小馆").await, "clash".to_string()));
    apps.push((f.application("另一家店").await, "clash".to_string()));
    let mut tasks = Vec::new();
    for (app, key) in apps {
        let (cases, ctx) = (f.cases.clone(), f.citizen.clone());
        tasks.push(tokio::spawn(async move {
            (key.clone(), cases.submit(&ctx, &app, Some(&key)).await)
        }));
    }
    let mut numbers = Vec::new();
    let (mut same, mut clash, mut refused) = (Vec::new(), Vec::new(), 0);
    for t in tasks {
        match t.await.unwrap() {
            (k, Ok((v, created))) if k == "same" => same.push((v.case_no, created)),
            (k, Ok((v, created))) if k == "clash" => clash.push((v.case_no, created)),
            (k, Err(e)) if k == "clash" => {
                assert_eq!(e.fields[0].rule, "idempotency_key.reused");
                refused += 1;
            }
            (k, Ok((v, created))) => {
                assert!(created, "{k}");
                assert_eq!(v.status, Status::Submitted);
                assert_eq!(v.events.len(), 1, "{k}: one event");
                numbers.push(v.case_no);
            }
            (k, Err(e)) => panic!("{k}: {e:?}"),
        }
    }
    assert_eq!(same.iter().filter(|(_, c)| *c).count(), 1, "{same:?}");
    assert!(same.iter().all(|(no, _)| *no == same[0].0), "{same:?}");
    assert_eq!((clash.len(), refused), (1, 1), "{clash:?}");
    assert!(clash[0].1);
    numbers.push(same[0].0.clone());
    numbers.push(clash[0].0.clone());
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 34, "every case has a number of its own");
    let seq = |no: &str| no[no.len() - 6..].parse::<i64>().unwrap();
    assert_eq!(
        seq(&numbers[33]) - seq(&numbers[0]),
        33,
        "the day's sequence has no gaps: {numbers:?}"
    );
    if let (Some(before), Some((after, _))) = (commits_before, f._t.db.group_stats()) {
        assert!(
            after - before < 38,
            "38 applications submitted at once took {} durable commits",
            after - before
        );
    }
}

#[tokio::test]
async fn the_progress_query_is_throttled_per_case_number_and_per_source_across_processes() {
    let policy = ProgressPolicy {
        per_case: 3,
        per_source: 5,
        window: Duration::minutes(15),
    };
    let f = fixture_with(CaseConfig {
        progress: policy,
        ..Default::default()
    })
    .await;
    let v = f.submitted().await;
    let from = |source: &str| Ctx::new(Actor::Anonymous, source);
    // A second process on the same database counts the same failures.
    let other_node = f.services.cases(CaseConfig {
        progress: policy,
        ..Default::default()
    });
    assert!(
        f.cases
            .progress(&from("1.1.1.1"), &v.case_no, ID)
            .await
            .is_ok()
    );

    // A wrong credential and an unknown number answer the same.
    let wrong = f
        .cases
        .progress(&from("1.1.1.1"), &v.case_no, "13800000000")
        .await
        .expect_err("refused");
    let unknown = other_node
        .progress(&from("1.1.1.2"), "NO20261123999999", "13800000000")
        .await
        .expect_err("refused");
    assert_eq!(wrong.code, ErrorCode::NotFound);
    assert_eq!(wrong.body().code, unknown.body().code);
    assert_eq!(
        wrong.message(yiwang_kernel::i18n::Lang::Zh),
        unknown.message(yiwang_kernel::i18n::Lang::Zh)
    );

    // Three failures for this number (from anywhere): the fourth query is refused, even with
    // the right credential, and says when to come back.
    let _ = other_node
        .progress(&from("2.2.2.2"), &v.case_no, "13800000001")
        .await;
    let _ = f
        .cases
        .progress(&from("3.3.3.3"), &v.case_no, "13800000002")
        .await;
    let e = other_node
        .progress(&from("4.4.4.4"), &v.case_no, ID)
        .await
        .expect_err("throttled");
    assert_eq!(e.code, ErrorCode::RateLimited);
    let wait = e.retry_after.unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");

    // One source guessing many numbers: after five failures it is refused for any number,
    // while another source still gets through.
    for n in 0..4 {
        let _ = f
            .cases
            .progress(&from("1.1.1.1"), &format!("NO2026112300000{n}"), PHONE)
            .await;
    }
    let e = f
        .cases
        .progress(&from("1.1.1.1"), "NO20261123000009", PHONE)
        .await
        .expect_err("throttled");
    assert_eq!(e.code, ErrorCode::RateLimited);
    let e = f
        .cases
        .progress(&from("5.5.5.5"), "NO20261123000009", PHONE)
        .await
        .expect_err("not found");
    assert_eq!(e.code, ErrorCode::NotFound);

    // The failures age out of the window.
    f.clock.advance(Duration::minutes(16));
    let p = f.cases.progress(&from("1.1.1.1"), &v.case_no, PHONE).await;
    assert!(p.is_ok(), "{p:?}");
}
