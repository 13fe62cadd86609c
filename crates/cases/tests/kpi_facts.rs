//! The cases domain's facts (指标事实) on a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set): for every measure, the members' values over a period add
//! up to the facts of the period; days are Asia/Shanghai; reach and refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use yiwang_calendar::CalendarService;
use yiwang_cases::kpi_facts::MEASURES;
use yiwang_cases::{Application, CaseConfig, CaseService, CaseView, MaterialRef};
use yiwang_catalog::CatalogService;
use yiwang_catalog::model::{BasicItemInput, Elements};
use yiwang_catalog::service::ClaimInput;
use yiwang_files::{Intake, Limits, MemoryFileStore};
use yiwang_identity::{IdentityConfig, IdentityService, Keys, PersonRegistration, StaffInput};
use yiwang_kernel::ErrorCode;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::facts::{FactRow, MemberQuery};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::facts::testing::{self as facts_testing, sums};
use yiwang_store::testing::TestDb;
use yiwang_store::{Conn, args};

const ID: &str = "440802199001011238";
const PHONE: &str = "13812345678";

struct Fx {
    scjg: i64,
    chikan: i64,
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
        scjg,
        chikan,
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

/// Inserts a copy of case `id` with another number, department, channel and times.
#[allow(clippy::too_many_arguments)]
async fn clone_case(
    db: &mut yiwang_store::Db,
    id: i64,
    no: &str,
    dept: i64,
    channel: &str,
    case_type: &str,
    submitted: OffsetDateTime,
    concluded: Option<(OffsetDateTime, &str)>,
    accept_date: Option<Date>,
    promised_due: Option<Date>,
) -> i64 {
    db.execute(
        "INSERT INTO cases (case_no, item_id, item_code, item_version, item_name, department_id, \
         division_code, case_type, channel, applicant_type, applicant_name, applicant_cert_type, \
         applicant_cert_enc, applicant_cert_idx, applicant_cert_mask, contact_name, \
         contact_phone_enc, contact_phone_idx, contact_phone_mask, submitted_by, form_enc, status, \
         submitted_at, accept_date, promised_due, concluded_at, result_code, revision, updated_at) \
         SELECT $1, item_id, item_code, item_version, item_name, $2, division_code, $3, $4, \
         applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, \
         applicant_cert_idx, applicant_cert_mask, contact_name, contact_phone_enc, \
         contact_phone_idx, contact_phone_mask, submitted_by, form_enc, status, $5, $6, $7, $8, \
         $9, 1, $5 FROM cases WHERE id = $10",
        args![
            no,
            dept,
            case_type,
            channel,
            submitted,
            accept_date,
            promised_due,
            concluded.map(|c| c.0),
            concluded.map(|c| c.1.to_string()),
            id
        ],
    )
    .await
    .unwrap();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let r: Id = db
        .fetch_one("SELECT id FROM cases WHERE case_no = $1", args![no])
        .await
        .unwrap();
    r.id
}

async fn rate(
    db: &mut yiwang_store::Db,
    case_id: i64,
    dept: i64,
    service: &str,
    assess: i64,
    level: i64,
    at: OffsetDateTime,
    excluded: bool,
    followup: Option<&str>,
) {
    db.execute(
        "INSERT INTO ratings (case_id, service, assess_number, level, channel, rated_at, excluded) \
         VALUES ($1, $2, $3, $4, 'pc', $5, $6)",
        args![case_id, service, assess, level, at, excluded],
    )
    .await
    .unwrap();
    if let Some(status) = followup {
        db.execute(
            "INSERT INTO rating_followups (rating_id, case_id, department_id, status, due_date, \
             revision, updated_at) SELECT id, case_id, $1, $2, $3, 1, $4 FROM ratings \
             WHERE case_id = $5 AND service = $6 AND assess_number = $7",
            args![
                dept,
                status,
                date!(2026 - 12 - 31),
                at,
                case_id,
                service,
                assess
            ],
        )
        .await
        .unwrap();
    }
}

async fn bundle(
    db: &mut yiwang_store::Db,
    no: &str,
    depts: &[i64],
    submitted: OffsetDateTime,
    concluded: Option<OffsetDateTime>,
) {
    db.execute(
        "INSERT INTO bundle_cases (bundle_no, bundle_id, bundle_code, bundle_version, bundle_name, \
         applicant_type, applicant_name, applicant_cert_type, applicant_cert_enc, \
         applicant_cert_idx, applicant_cert_mask, contact_name, contact_phone_enc, submitted_by, \
         channel, answers, form_enc, savings, status, promised_days, submitted_at, concluded_at, \
         revision, updated_at) VALUES ($1, 1, 'open-shop', 1, '开店一件事', '1', '陈小明', '111', \
         'x', 'x', 'x', '陈小明', 'x', 'person:1', '2', '{}', 'x', '{}', $2, 5, $3, $4, 1, $3)",
        args![
            no,
            if concluded.is_some() {
                "concluded"
            } else {
                "handling"
            },
            submitted,
            concluded
        ],
    )
    .await
    .unwrap();
    for (i, d) in depts.iter().enumerate() {
        db.execute(
            "INSERT INTO bundle_parts (bundle_case_id, seq, part_key, item_code, department_id, \
             state, result_enc) SELECT id, $1, $2, 'X', $3, 'waiting', '' FROM bundle_cases \
             WHERE bundle_no = $4",
            args![i64::try_from(i).unwrap() + 1, format!("p{i}"), *d, no],
        )
        .await
        .unwrap();
    }
}

/// The members of `measures` over the period, read page by page, summed per measure.
async fn member_sums(
    cases: &CaseService,
    ctx: &Ctx,
    measures: &[&'static str],
    departments: Option<Vec<i64>>,
    from: Date,
    to: Date,
) -> BTreeMap<&'static str, i64> {
    let read = |q: MemberQuery| async move { cases.kpi_members(ctx, &q).await };
    facts_testing::member_sums(read, measures, departments, from, to)
        .await
        .unwrap()
}

fn supervisor(dept: i64, role: Role) -> Ctx {
    Ctx::new(
        Actor::Staff(Staff {
            user_id: 999,
            username: "leader".into(),
            name: "领导".into(),
            department_id: dept,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![role],
        }),
        "10.0.0.7",
    )
}

#[tokio::test]
async fn members_add_up_to_the_facts_of_every_measure() {
    let f = fixture().await;
    let seed = f.accepted().await;
    let mut db = f.services.db.clone();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let seed_id: Id = db
        .fetch_one(
            "SELECT id FROM cases WHERE case_no = $1",
            args![seed.case_no.as_str()],
        )
        .await
        .unwrap();
    let (s, c) = (f.scjg, f.chikan);
    // 23:59 and 00:00 Shanghai on each side of 1/2 November.
    let late = datetime!(2026-11-01 15:59:59 UTC);
    let midnight = datetime!(2026-11-01 16:00 UTC);
    let d1 = date!(2026 - 11 - 01);
    let d2 = date!(2026 - 11 - 02);
    let d3 = date!(2026 - 11 - 03);
    // Online, concluded on time (due the day it concluded).
    let a = clone_case(
        &mut db,
        seed_id.id,
        "A1",
        s,
        "2",
        "2",
        late,
        Some((midnight, "6")),
        Some(d1),
        Some(d2),
    )
    .await;
    // Window, concluded late (due the day before).
    let b = clone_case(
        &mut db,
        seed_id.id,
        "B1",
        s,
        "1",
        "2",
        midnight,
        Some((datetime!(2026-11-03 03:00 UTC), "7")),
        Some(d2),
        Some(d2),
    )
    .await;
    // Withdrawn (作废): not concluded.
    clone_case(
        &mut db,
        seed_id.id,
        "C1",
        c,
        "3",
        "2",
        midnight,
        Some((datetime!(2026-11-02 05:00 UTC), "2")),
        None,
        None,
    )
    .await;
    // 即办件 concluded on its acceptance day, and one a day later.
    let d = clone_case(
        &mut db,
        seed_id.id,
        "D1",
        c,
        "1",
        "1",
        late,
        Some((datetime!(2026-11-02 01:00 UTC), "6")),
        Some(d2),
        None,
    )
    .await;
    clone_case(
        &mut db,
        seed_id.id,
        "E1",
        c,
        "1",
        "1",
        late,
        Some((datetime!(2026-11-02 17:00 UTC), "6")),
        Some(d2),
        None,
    )
    .await;
    // No due date at all: on time. Outside the period: not counted.
    clone_case(
        &mut db,
        seed_id.id,
        "F1",
        s,
        "4",
        "2",
        late,
        Some((datetime!(2026-11-02 09:00 UTC), "0")),
        None,
        None,
    )
    .await;
    clone_case(
        &mut db,
        seed_id.id,
        "G1",
        s,
        "2",
        "2",
        datetime!(2026-10-30 12:00 UTC),
        Some((datetime!(2026-11-04 16:00 UTC), "6")),
        None,
        None,
    )
    .await;
    rate(&mut db, a, s, "apply", 1, 5, midnight, false, None).await;
    rate(&mut db, a, s, "apply", 2, 1, midnight, false, None).await; // 追评: not counted
    rate(
        &mut db,
        a,
        s,
        "conclude",
        1,
        1,
        late,
        false,
        Some("rectified"),
    )
    .await;
    rate(&mut db, b, s, "apply", 1, 2, midnight, false, Some("open")).await;
    rate(
        &mut db,
        b,
        s,
        "conclude",
        1,
        1,
        midnight,
        true,
        Some("excluded"),
    )
    .await; // excluded
    rate(&mut db, d, c, "apply", 1, 3, late, false, None).await;
    bundle(
        &mut db,
        "YJS1",
        &[c, s],
        late,
        Some(datetime!(2026-11-02 08:00 UTC)),
    )
    .await;
    bundle(&mut db, "YJS2", &[s], midnight, None).await;

    let sys = Ctx::system("kpi");
    let leader = supervisor(s, Role::Leader);
    let (from, to) = (d1, d3);
    let facts = f.cases.kpi_facts(&sys, from, to).await.unwrap();
    let want: BTreeMap<&str, i64> = [
        ("cases.submitted", 6),
        ("cases.submitted_online", 2),
        ("cases.concluded", 5),
        ("cases.concluded_on_time", 3),
        ("ratings.total", 4),
        ("ratings.good", 1),
        ("ratings.bad", 2),
        ("ratings.bad_rectified", 1),
        ("bundles.applications", 2),
        ("bundles.concluded", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(sums(&facts), want);
    // Days are Shanghai days: 23:59:59 counts on the 1st, midnight on the 2nd.
    let on = |day: Date, m: &str, dept: i64| {
        facts
            .iter()
            .filter(|r| r.day == day && r.measure == m && r.department_id == dept)
            .map(|r| r.value)
            .sum::<i64>()
    };
    assert_eq!(on(d1, "cases.submitted", s), 2);
    assert_eq!(on(d2, "cases.submitted", s), 1);
    assert_eq!(on(d1, "bundles.applications", c), 1);
    // Recomputing gives the same rows.
    assert_eq!(f.cases.kpi_facts(&sys, from, to).await.unwrap(), facts);
    // One grouped pass over the period gives every day what that day read alone gives, for
    // the platform and within a leader's reach (the department filter).
    for ctx in [&sys, &leader] {
        let key = |r: &FactRow| (r.day, r.measure, r.department_id, r.value);
        let mut whole: Vec<_> = f
            .cases
            .kpi_facts(ctx, from, to)
            .await
            .unwrap()
            .iter()
            .map(key)
            .collect();
        let mut by_day = Vec::new();
        for day in yiwang_kernel::facts::days(from, to) {
            by_day.extend(
                f.cases
                    .kpi_facts(ctx, day, day)
                    .await
                    .unwrap()
                    .iter()
                    .map(key),
            );
        }
        whole.sort();
        by_day.sort();
        assert!(!whole.is_empty());
        assert_eq!(whole, by_day);
    }

    let all: Vec<&'static str> = MEASURES.iter().map(|m| m.code).collect();
    assert_eq!(
        member_sums(&f.cases, &sys, &all, None, from, to).await,
        want
    );
    assert_eq!(
        member_sums(&f.cases, &leader, &all, None, from, to).await,
        want
    );
    for m in &all {
        let one = member_sums(&f.cases, &sys, &[m], None, from, to).await;
        assert_eq!(one.get(m).copied().unwrap_or(0), want[m], "{m}");
    }
    // One department: its facts and its members agree too.
    let own: Vec<FactRow> = facts
        .iter()
        .filter(|r| r.department_id == c)
        .cloned()
        .collect();
    let theirs = member_sums(&f.cases, &sys, &all, Some(vec![c]), from, to).await;
    let mut own_sums = sums(&own);
    own_sums.retain(|_, v| *v != 0);
    let mut theirs = theirs;
    theirs.retain(|_, v| *v != 0);
    assert_eq!(own_sums, theirs);
    // A member carries its page.
    let q = MemberQuery {
        measures: vec!["cases.concluded"],
        departments: None,
        from,
        to,
        limit: 10,
        offset: 0,
    };
    let (page, total) = f.cases.kpi_members(&sys, &q).await.unwrap();
    assert_eq!(total, 5);
    assert!(page.iter().any(|m| m.reference == "A1"
        && m.href.as_deref() == Some("/staff/cases/A1")
        && m.kind == "case"));
}

#[tokio::test]
async fn facts_are_for_supervisors_within_their_reach() {
    let f = fixture().await;
    f.accepted().await;
    let today = f
        .clock
        .now()
        .to_offset(yiwang_kernel::clock::CHINA_OFFSET)
        .date();
    // A clerk holds no SupervisionView: refused.
    let refused = f.cases.kpi_facts(&f.clerk, today, today).await;
    assert_eq!(refused.unwrap_err().code, ErrorCode::Forbidden);
    let anon = f.cases.kpi_facts(&Ctx::anonymous(), today, today).await;
    assert_eq!(anon.unwrap_err().code, ErrorCode::Unauthenticated);
    // Both refusals are audited.
    #[derive(sqlx::FromRow)]
    struct N {
        n: i64,
    }
    let n: N = f
        .services
        .db
        .clone()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'auth.denied' \
             AND object = 'kpi:cases' AND outcome = 'failure'",
            args![],
        )
        .await
        .unwrap();
    assert_eq!(n.n, 2);
    // The market bureau's head sees its department's case; the district's head sees none.
    let head = supervisor(f.scjg, Role::DepartmentHead);
    let rows = f.cases.kpi_facts(&head, today, today).await.unwrap();
    assert_eq!(sums(&rows).get("cases.submitted"), Some(&1));
    let other = supervisor(f.chikan, Role::DepartmentHead);
    let rows = f.cases.kpi_facts(&other, today, today).await.unwrap();
    assert!(rows.is_empty(), "{rows:?}");
    // Asking for another department's members gives nothing.
    let q = MemberQuery {
        measures: vec!["cases.submitted"],
        departments: Some(vec![f.scjg]),
        from: today,
        to: today,
        limit: 10,
        offset: 0,
    };
    assert_eq!(f.cases.kpi_members(&other, &q).await.unwrap().1, 0);
    assert_eq!(f.cases.kpi_members(&head, &q).await.unwrap().1, 1);
    // A period too long for a drill-down names the field.
    let long = MemberQuery {
        from: date!(2020 - 01 - 01),
        ..q
    };
    let e = f.cases.kpi_members(&head, &long).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
}
