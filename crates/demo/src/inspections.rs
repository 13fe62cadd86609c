//! Random inspection (双随机、一公开) in the demo city, through the supervision service: the
//! city market regulation bureau's organiser `choucha` and inspectors `jiancha1`…`jiancha4`
//! (with certificate numbers), an item list of three items, a pool of 48 demo enterprises in
//! three risk strata across the nine divisions, a declared conflict, one plan drawn with every
//! result recorded and published, and one plan awaiting its draw. Idempotent: nothing is
//! written once a plan exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use yiwang_appeals::AppealService;
use yiwang_calendar::CalendarService;
use yiwang_catalog::CatalogService;
use yiwang_exchange::{ExchangeService, SharingService};
use yiwang_identity::service::{IdentityConfig, IdentityService};
use yiwang_identity::{Keys, StaffInput};
use yiwang_kernel::Error;
use yiwang_kernel::auth::{Ctx, Role};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::Uscc;
use yiwang_org::OrgService;
use yiwang_store::Db;
use yiwang_supervision::inspection::draw::Quota;
use yiwang_supervision::inspection::model::{
    ConflictInput, EntityInput, InspectorInput, ItemInput, PlanFilter, PlanInput, PlanQuotas,
    ResultInput,
};
use yiwang_supervision::{Sources, SupervisionService};

use crate::{DEMO_PASSWORD, context};

/// The department organising the demo inspections.
pub const DEPARTMENT: &str = "湛江市市场监督管理局";

/// The organiser and the inspectors: username, name, role, certificate number.
pub const STAFF: [(&str, &str, Role, &str); 5] = [
    ("choucha", "邓国强", Role::InspectionOrganiser, ""),
    ("jiancha1", "李振华", Role::Inspector, "粤执440800202601"),
    ("jiancha2", "王晓燕", Role::Inspector, "粤执440800202602"),
    ("jiancha3", "张伟明", Role::Inspector, "粤执440800202603"),
    ("jiancha4", "刘海燕", Role::Inspector, "粤执440800202604"),
];

const ITEMS: [(&str, &str, &str, &str); 3] = [
    (
        "SCJG-SP-01",
        "食品经营者经营许可及经营行为的检查",
        "《中华人民共和国食品安全法》第一百一十条；《食品经营许可和备案管理办法》",
        "食品经营者",
    ),
    (
        "SCJG-GS-01",
        "企业公示信息情况的检查",
        "《企业信息公示暂行条例》第十四条",
        "企业",
    ),
    (
        "SCJG-JL-01",
        "计量器具使用情况的检查",
        "《中华人民共和国计量法》第九条",
        "使用计量器具的经营者",
    ),
];

const DIVISIONS: [&str; 9] = [
    "440802", "440803", "440804", "440811", "440823", "440825", "440881", "440882", "440883",
];
const KINDS: [(&str, &str); 4] = [
    ("餐饮", "餐饮有限公司"),
    ("食品销售", "食品商行"),
    ("农贸市场", "农贸市场经营管理有限公司"),
    ("零售", "百货商店"),
];
const PLACES: [&str; 12] = [
    "海滨", "南桥", "调顺", "沙湾", "中山", "寸金", "霞湖", "东新", "湖光", "乐华", "民安", "龙头",
];

fn entities() -> Result<Vec<EntityInput>, Error> {
    let mut out = Vec::new();
    for i in 0..48usize {
        let division = DIVISIONS[i % DIVISIONS.len()];
        let (industry, suffix) = KINDS[i % KINDS.len()];
        let body = format!("9144{}MA{:06}X", &division[2..], 520_000 + i * 37);
        let uscc = Uscc::from_body(&body[..17]).map_err(Error::field)?;
        out.push(EntityInput {
            uscc: uscc.as_str().to_string(),
            name: format!("湛江市{}{}{}", PLACES[i % PLACES.len()], i + 1, suffix),
            // Risk strata (风险分类): A low, B medium, C high.
            stratum: ["A", "A", "B", "A", "B", "C"][i % 6].to_string(),
            industry: industry.to_string(),
            division: division.to_string(),
            risk_flags: if i % 6 == 5 {
                "投诉较多".into()
            } else {
                String::new()
            },
        });
    }
    Ok(out)
}

/// A supervision service over the demo database (its sources built as the server builds them).
pub fn service(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> SupervisionService {
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let calendar = CalendarService::new(db.clone(), clock.clone());
    let catalog = CatalogService::new(db.clone(), clock.clone());
    let cases = yiwang_cases::CaseService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        catalog.clone(),
        calendar.clone(),
        identity.clone(),
        yiwang_files::Intake::new(
            Arc::new(yiwang_files::MemoryFileStore::new()),
            yiwang_files::Limits::default(),
        ),
        yiwang_cases::CaseConfig::default(),
        yiwang_licences::LicenceService::new(
            db.clone(),
            clock.clone(),
            keys.clone(),
            identity.clone(),
        ),
    );
    let licences = yiwang_licences::LicenceService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        identity.clone(),
    );
    let exchange = ExchangeService::new(db.clone(), clock.clone(), keys.clone());
    let sharing = SharingService::new(db.clone(), clock.clone(), calendar.clone());
    let appeals = AppealService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        identity.clone(),
        calendar.clone(),
        Arc::new(yiwang_files::MemoryFileStore::new()),
    );
    SupervisionService::new(
        db.clone(),
        clock,
        keys,
        identity,
        calendar,
        Sources {
            catalog,
            cases,
            licences,
            exchange,
            sharing,
            appeals,
        },
        yiwang_kernel::codes::DivisionCode::six::<440800>(),
    )
}

/// Loads the demo inspections; true when something was written.
pub(crate) async fn load(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<bool, Error> {
    let svc = service(db, clock.clone(), keys.clone());
    if !svc.public_inspection_plans().await?.is_empty() {
        return Ok(false);
    }
    let ctx = Ctx::system(crate::TASK);
    let org = OrgService::new(db.clone(), clock.clone());
    let dept = crate::exchange_rows::department(&org, DEPARTMENT).await?;
    let identity = IdentityService::new(db.clone(), clock.clone(), IdentityConfig::default(), keys);
    let mut ids = Vec::new();
    for (username, name, role, _) in STAFF {
        let id = match identity.active_staff_by_username(username).await? {
            Some(a) => a.id,
            None => {
                identity
                    .create_staff_with_hash(
                        &ctx,
                        &StaffInput {
                            username: username.into(),
                            name: name.into(),
                            department_id: dept,
                            roles: vec![role.as_str().into()],
                            password: DEMO_PASSWORD.into(),
                        },
                        crate::demo_hash().await?,
                    )
                    .await
                    .map_err(context(format_args!("inspection account {username}")))?
                    .id
            }
        };
        ids.push(id);
    }
    for (code, name, basis, object) in ITEMS {
        svc.save_inspection_item(
            &ctx,
            ItemInput {
                code: code.into(),
                name: name.into(),
                department_id: dept,
                legal_basis: basis.into(),
                object_type: object.into(),
                active: true,
            },
        )
        .await
        .map_err(context(format_args!("inspection item {code}")))?;
    }
    let pool = entities()?;
    svc.add_inspection_entities(&ctx, pool.clone(), "demo")
        .await
        .map_err(context("inspection entities"))?;
    for (i, (_, _, _, cert)) in STAFF.iter().enumerate().skip(1) {
        svc.save_inspector(
            &ctx,
            InspectorInput {
                staff_id: ids[i],
                cert_no: (*cert).into(),
                item_codes: ITEMS.iter().map(|t| t.0.to_string()).collect(),
                active: true,
            },
        )
        .await
        .map_err(context("inspector"))?;
    }
    // 李振华's brother-in-law runs one of the high-risk restaurants (回避).
    svc.declare_conflict(
        &ctx,
        ConflictInput {
            staff_id: ids[1],
            uscc: pool[5].uscc.clone(),
            reason: "近亲属担任该企业负责人".into(),
        },
    )
    .await
    .map_err(context("inspection conflict"))?;
    let today = svc.inspection_today();
    let deadline = today.checked_add(time::Duration::days(60)).unwrap_or(today);
    let mut strata = BTreeMap::new();
    strata.insert("C".to_string(), Quota::RatioPermille(1000));
    let plan = svc
        .create_inspection_plan(
            &ctx,
            PlanInput {
                title: "2026年度食品经营者“双随机”抽查（第一批）".into(),
                department_id: dept,
                item_codes: vec!["SCJG-SP-01".into(), "SCJG-GS-01".into()],
                filter: PlanFilter::default(),
                quotas: PlanQuotas {
                    default: Some(Quota::RatioPermille(100)),
                    strata,
                },
                team_size: 2,
                entropy_source: "抽取当日中国福利彩票3D开奖号码".into(),
                deadline,
            },
        )
        .await
        .map_err(context("inspection plan"))?;
    let detail = svc
        .draw_inspection(&ctx, &plan.plan_no, "福彩3D 第2026325期 开奖号码 6 2 9")
        .await
        .map_err(context("inspection draw"))?;
    let codes = [
        "no_problem",
        "corrected",
        "no_problem",
        "not_publicised",
        "no_problem",
    ];
    if let Some(d) = detail.draw {
        for (i, r) in d.results.iter().enumerate() {
            svc.record_inspection_result(
                &ctx,
                &plan.plan_no,
                ResultInput {
                    uscc: r.uscc.clone(),
                    result_code: codes[i % codes.len()].into(),
                    inspected_on: Some(today),
                    notes: if codes[i % codes.len()] == "corrected" {
                        "后厨防蝇设施不全，已责令限期改正".into()
                    } else {
                        String::new()
                    },
                },
            )
            .await
            .map_err(context("inspection result"))?;
        }
    }
    svc.publish_inspection(&ctx, &plan.plan_no)
        .await
        .map_err(context("inspection publish"))?;
    svc.create_inspection_plan(
        &ctx,
        PlanInput {
            title: "2026年度计量器具使用情况抽查".into(),
            department_id: dept,
            item_codes: vec!["SCJG-JL-01".into()],
            filter: PlanFilter {
                division: "440802".into(),
                strata: Vec::new(),
                industry: String::new(),
            },
            quotas: PlanQuotas {
                default: Some(Quota::Count(2)),
                strata: BTreeMap::new(),
            },
            team_size: 2,
            entropy_source: "抽取当日中国福利彩票3D开奖号码".into(),
            deadline,
        },
    )
    .await
    .map_err(context("inspection plan"))?;
    Ok(true)
}
