//! Logged reads of the data API (数据调用) in the demo: the city's human-resources bureau
//! (市人社局), which holds active demo grants on 人口基本信息 `101001/000001` and 法人基本信息
//! `102001/000001`, looks up the demo citizens and the demo enterprise while handling their
//! cases — through [`DataAccess`], the real path, signed in as its case officer
//! (`rsj_officer`), so every read writes the call log, its data subjects and the audit entry.
//! The providers' access logs (`/staff/exchange/calls`) and the citizens' 用数记录
//! (`/my/data-uses`) then have something to show. Each read names a demo case of the person
//! read (or the newest demo case). Idempotent: nothing is written when the bureau has made
//! any call.

use std::sync::Arc;

use yiwang_exchange::access::CallPurpose;
use yiwang_exchange::{DataAccess, ExchangeService};
use yiwang_identity::{IdentityConfig, IdentityService, Keys};
use yiwang_kernel::Error;
use yiwang_kernel::auth::{Actor, Ctx};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::Uscc;
use yiwang_store::Db;

use crate::data::accounts::{ENTERPRISE, PEOPLE};
use crate::{DEMO_PASSWORD, context};

/// The consumer's account (a case officer of 市人社局: `exchange.consume`).
const READER: &str = "rsj_officer";
const READER_DEPARTMENT: &str = "湛江市人力资源和社会保障局";
const POPULATION: &str = "101001/000001";
const LEGAL_PERSON: &str = "102001/000001";

/// Makes the demo reads once; true when something was written.
pub(crate) async fn load(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<bool, Error> {
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let exchange = ExchangeService::new(db.clone(), clock.clone(), keys.clone());
    let access = DataAccess::new(&exchange, keys.clone(), identity.clone());
    let org = yiwang_org::OrgService::new(db.clone(), clock.clone());
    let reader = crate::exchange_rows::department(&org, READER_DEPARTMENT).await?;
    let mut c = db.clone();
    if !yiwang_exchange::repo::calls::of_consumer(&mut c, reader, None, 1)
        .await?
        .is_empty()
    {
        return Ok(false);
    }
    let cases = crate::cases::summaries(db, clock, keys).await?;
    let case_of = |name: &str| {
        cases
            .iter()
            .find(|c| c.applicant_name == name)
            .or(cases.first())
            .map(|c| c.case_no.clone())
            .ok_or_else(|| Error::internal("demo: no case to read for"))
    };
    let (token, session) = identity.sign_in(READER, DEMO_PASSWORD, "").await?;
    let ctx = Ctx::new(session.actor, "");
    if !matches!(ctx.actor, Actor::Staff(_)) {
        return Err(Error::internal("demo: the reader is no staff member"));
    }
    let purpose = |case_number: String| CallPurpose {
        purpose: "社会保障事项受理：核验申请人身份信息".into(),
        case_number,
    };
    for p in PEOPLE {
        access
            .lookup(
                &ctx,
                POPULATION,
                p.id_number,
                &purpose(case_of(p.name)?),
                None,
            )
            .await
            .map_err(context(format!("demo read of {POPULATION}")))?;
    }
    let enterprise = Uscc::from_body(ENTERPRISE.0)
        .map_err(|e| Error::internal(e.en))?
        .to_string();
    access
        .lookup(
            &ctx,
            LEGAL_PERSON,
            &enterprise,
            &CallPurpose {
                purpose: "就业补贴申领：核验用人单位登记信息".into(),
                case_number: case_of(PEOPLE[0].name)?,
            },
            None,
        )
        .await
        .map_err(context(format!("demo read of {LEGAL_PERSON}")))?;
    identity.sign_out(&token, "").await?;
    Ok(true)
}
