//! Demo sharing requests and grants (共享申请与授权) among the city's departments, in every
//! state: refused at once (不予共享, the negative list), granted at once (无条件共享), granted,
//! refused and withdrawn by hand, undecided (on time, yellow, red — submitted the right number
//! of working days ago), revoked and expired.
//!
//! The resources asked for are the demo catalog's (loaded before this module: 人口基本信息
//! 101001/000001, 在逃人员信息 301001/000002 on the negative list, 法人基本信息 102001/000001,
//! 社会保险参保缴费信息 202001/000001), looked up by code; a missing one is registered and
//! published here under the same code. Submissions in the past go through a
//! sharing service whose clock stands at that day, so due dates and warnings come out of the
//! calendar as they would have. Idempotent: nothing is written when any request exists.

use std::sync::Arc;

use time::{Date, Duration, OffsetDateTime};
use yiwang_calendar::CalendarService;
use yiwang_exchange::fixtures::{item, population_meta};
use yiwang_exchange::model::{
    ItemType, OpenType, QualityRule, ResourceFormat, ResourceMeta, ShareMethod, ShareType,
    UpdateCycle,
};
use yiwang_exchange::sharing::{GrantInput, ReasonInput, RequestInput, Side};
use yiwang_exchange::{ExchangeService, NewResource, Resource, SharingService};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{CHINA_OFFSET, Clock, FixedClock};
use yiwang_store::Db;

use crate::loader::Loader;
use crate::plan::department_plan;

/// A resource the demo asks for: provider (city department key), classification, 后段码,
/// metadata.
struct DemoResource {
    dept: &'static str,
    class: &'static str,
    seq: u32,
    meta: fn() -> ResourceMeta,
}

fn population_conditional() -> ResourceMeta {
    population_meta(ShareType::Conditional)
}

fn household_changes() -> ResourceMeta {
    let mut m = population_meta(ShareType::NotShared);
    m.name = "户籍变更敏感信息".into();
    m.summary = "户籍迁移、变更登记中的敏感事项记录".into();
    m.share_basis =
        "《中华人民共和国个人信息保护法》第二十八条、《中华人民共和国户口登记条例》".into();
    m
}

fn market_entities() -> ResourceMeta {
    let mut uscc = item("统一社会信用代码", "uscc", ItemType::Char, Some(18));
    uscc.key = true;
    uscc.rules = vec![QualityRule::Required, QualityRule::Uscc];
    let mut name = item("市场主体名称", "name", ItemType::Char, Some(200));
    name.rules = vec![QualityRule::Required];
    let mut rep = item(
        "法定代表人",
        "legal_representative",
        ItemType::Char,
        Some(50),
    );
    rep.personal = true;
    ResourceMeta {
        name: "市场主体登记信息".into(),
        summary: "市场主体的统一社会信用代码、名称、法定代表人、住所、成立日期".into(),
        format: ResourceFormat::Database,
        items: vec![
            uscc,
            name,
            rep,
            item("住所", "address", ItemType::Char, Some(200)),
            item("成立日期", "established", ItemType::Date, None),
        ],
        share_type: ShareType::Unconditional,
        share_condition: String::new(),
        share_basis: String::new(),
        share_method: ShareMethod::ServiceInterface,
        open_type: OpenType::Conditional,
        open_condition: "公示信息依法向社会开放".into(),
        update_cycle: UpdateCycle::Daily,
        related: Vec::new(),
    }
}

fn social_insurance() -> ResourceMeta {
    let mut m = population_meta(ShareType::Conditional);
    m.name = "社会保险参保信息".into();
    m.summary = "参保人员的身份号码、姓名、参保险种与缴费状态".into();
    m.share_condition = "用于办理社会保障、就业和人才服务事项".into();
    m.share_basis = "《中华人民共和国社会保险法》第八十一条".into();
    m.update_cycle = UpdateCycle::Monthly;
    m
}

const RESOURCES: &[DemoResource] = &[
    DemoResource {
        dept: "gaj",
        class: "101001",
        seq: 1,
        meta: population_conditional,
    },
    DemoResource {
        dept: "gaj",
        class: "301001",
        seq: 2,
        meta: household_changes,
    },
    DemoResource {
        dept: "scjg",
        class: "102001",
        seq: 1,
        meta: market_entities,
    },
    DemoResource {
        dept: "sbj",
        class: "202001",
        seq: 1,
        meta: social_insurance,
    },
];

/// What happens to a demo request.
#[derive(Clone, Copy)]
enum Fate {
    /// Left undecided, submitted this many working days ago.
    Undecided(i64),
    /// Granted by the provider this many working days after submission.
    Granted,
    Refused,
    Withdrawn,
    /// Granted at once (unconditional), then revoked.
    Revoked,
    /// Granted at once for a period that is over.
    Expired,
    /// As the sharing type decides at once (negative list, unconditional).
    AtOnce,
}

/// (consumer, resource index, fate).
const REQUESTS: &[(&str, usize, Fate)] = &[
    ("rsj", 0, Fate::Granted),
    ("ybj", 0, Fate::Undecided(13)),
    ("wlj", 3, Fate::Undecided(9)),
    ("zsj", 0, Fate::Undecided(1)),
    ("scjg", 3, Fate::Refused),
    ("gaj", 3, Fate::Withdrawn),
    ("rsj", 2, Fate::AtOnce),
    ("ybj", 2, Fate::Revoked),
    ("wlj", 2, Fate::Expired),
    ("ybj", 1, Fate::AtOnce),
];

pub(crate) async fn dept_id(l: &Loader, key: &str) -> Result<i64, Error> {
    let plan = department_plan()?;
    let p = plan
        .iter()
        .find(|p| p.key == (None, key))
        .ok_or_else(|| Error::internal(format!("demo: no city department {key}")))?;
    l.department_by_uscc(&p.input.uscc)
        .await?
        .map(|d| d.id)
        .ok_or_else(|| Error::internal(format!("demo: department {key} not loaded")))
}

async fn resource(l: &Loader, svc: &ExchangeService, r: &DemoResource) -> Result<Resource, Error> {
    let code = format!("{}/{:06}", r.class, r.seq);
    if let Some(found) = svc.published_by_code(&code).await? {
        return Ok(found);
    }
    let dept = dept_id(l, r.dept).await?;
    let made = svc
        .register(
            &l.ctx,
            &NewResource {
                classification: r.class.into(),
                sequence: Some(r.seq),
                department_id: dept,
                meta: (r.meta)(),
            },
        )
        .await?;
    svc.publish(&l.ctx, made.id, made.version).await
}

/// The day `n` working days before `today` (a working day itself).
fn working_days_ago(cal: &yiwang_calendar::Calendar, today: Date, n: i64) -> Result<Date, Error> {
    let mut d = today;
    for _ in 0..400 {
        d = d
            .previous_day()
            .ok_or_else(|| Error::internal("demo: date"))?;
        // Estimated across a year not loaded yet (a demo run early in January).
        let working = cal
            .is_working_day(d)
            .unwrap_or_else(|_| yiwang_calendar::estimated_working_day(d));
        if working && cal.working_days_between_estimate(d, today)?.value == n {
            return Ok(d);
        }
    }
    Err(Error::internal("demo: no such working day"))
}

/// 10:00 in China on `d`.
fn ten_am(d: Date) -> OffsetDateTime {
    d.with_hms(10, 0, 0)
        .map(|t| t.assume_offset(CHINA_OFFSET))
        .unwrap_or_else(|_| d.midnight().assume_utc())
}

fn ask(code: &str, consumer: i64, from: Date, to: Date, fields: Vec<String>) -> RequestInput {
    RequestInput {
        resource_code: code.into(),
        consumer_department_id: consumer,
        fields,
        purpose: "办理政务服务事项时核验申请人信息，减少申请材料".into(),
        scenario: "一网通办受理、审批环节在线核验".into(),
        legal_basis:
            "《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）"
                .into(),
        service_items: Vec::new(),
        from: from.to_string(),
        to: to.to_string(),
    }
}

/// Loads the demo requests and grants; `true` when something was written.
pub(crate) async fn load(l: &Loader, db: &Db, clock: Arc<dyn Clock>) -> Result<bool, Error> {
    let now = clock.now();
    let calendar = CalendarService::new(db.clone(), clock.clone());
    let cal = calendar.current().await?;
    let current = SharingService::new(db.clone(), clock.clone(), calendar);
    let all = current.requests(&l.ctx, Side::Made, None).await?;
    if !all.is_empty() {
        return Ok(false);
    }
    let exchange = ExchangeService::new(db.clone(), clock.clone(), l.identity.keys().clone());
    let mut resources = Vec::new();
    for r in RESOURCES {
        resources.push(resource(l, &exchange, r).await?);
    }
    let today = now.to_offset(CHINA_OFFSET).date();
    // A service whose clock stands at a chosen moment (submissions and decisions in the past).
    let at = |t: OffsetDateTime| {
        let c: Arc<dyn Clock> = Arc::new(FixedClock::new(t));
        SharingService::new(db.clone(), c.clone(), CalendarService::new(db.clone(), c))
    };
    let ctx = Ctx::system("demo");
    for (consumer, which, fate) in REQUESTS {
        let r = resources
            .get(*which)
            .ok_or_else(|| Error::internal("demo: resource index"))?;
        let consumer = dept_id(l, consumer).await?;
        if consumer == r.department_id {
            continue;
        }
        let fields: Vec<String> = r
            .meta
            .items
            .iter()
            .take(3)
            .map(|i| i.field.clone())
            .collect();
        let submitted = match fate {
            Fate::Undecided(n) => working_days_ago(&cal, today, *n)?,
            Fate::Granted | Fate::Refused | Fate::Withdrawn => working_days_ago(&cal, today, 15)?,
            Fate::Revoked => working_days_ago(&cal, today, 20)?,
            Fate::Expired => today - Duration::days(90),
            Fate::AtOnce => working_days_ago(&cal, today, 2)?,
        };
        let to = if matches!(fate, Fate::Expired) {
            submitted + Duration::days(30)
        } else {
            submitted + Duration::days(365)
        };
        let svc = at(ten_am(submitted));
        let made = svc
            .submit(
                &ctx,
                &ask(r.code.as_str(), consumer, submitted, to, fields.clone()),
            )
            .await?;
        let later = at(ten_am(working_days_ago(&cal, today, 8)?));
        let reason = |s: &str| ReasonInput { reason: s.into() };
        match fate {
            Fate::Granted => {
                let input = GrantInput {
                    fields: Some(fields.into_iter().take(2).collect()),
                    rate_per_minute: 120,
                    ..Default::default()
                };
                later.grant(&ctx, made.id, &input).await?;
            }
            Fate::Refused => {
                later
                    .refuse(&ctx, made.id, &reason("申请用途不属于该资源的共享条件范围，请补充与社会保障事项相关的依据后重新申请"))
                    .await?;
            }
            Fate::Withdrawn => {
                later
                    .withdraw(&ctx, made.id, &reason("已通过其他渠道取得"))
                    .await?;
            }
            Fate::Revoked => {
                if let Some(g) = &made.grant {
                    later
                        .revoke(&ctx, g.id, &reason("使用部门超出约定用途调用，暂停授权"))
                        .await?;
                }
            }
            Fate::Undecided(_) | Fate::Expired | Fate::AtOnce => {}
        }
    }
    Ok(true)
}
