//! The demo credit lists (信用红黑名单): a black-listed building-materials trader of 霞山区 with a
//! food-business application awaiting acceptance at the city window (scenario `s19`: the clerk
//! sees the basis and the measures and must acknowledge them before accepting), and the demo
//! restaurant company on the red list as an A-grade taxpayer with 容缺受理 and 优先办理.
//! Imported through the supervision service like an officer's file.
//!
//! The city's credit platform also publishes its lists in the data exchange (信用红黑名单信息,
//! resource [`RESOURCE`], provided by the data bureau): a black-listed person (失信被执行人), a
//! black-listed enterprise and a red-listed one, synchronised into the lists at load, so the
//! credit officer's "synchronise" button works out of the box.

use std::sync::Arc;

use yiwang_appeals::AppealService;
use yiwang_calendar::CalendarService;
use yiwang_cases::{CaseConfig, CaseService};
use yiwang_catalog::CatalogService;
use yiwang_exchange::{ExchangeService, SharingService};
use yiwang_files::{FileStore, Intake, Limits};
use yiwang_identity::Keys;
use yiwang_identity::service::{IdentityConfig, IdentityService};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::paging::Page;
use yiwang_store::Db;
use yiwang_supervision::credit::CreditQuery;
use yiwang_supervision::{Sources, SupervisionService};

use crate::data::accounts::{ENTERPRISE, PEOPLE};
use crate::loader::Loader;

/// The demo's credit-list resource in the data exchange (classification 208001, theme 信用).
pub const RESOURCE: &str = "208001/000001";

/// The black-listed enterprise: body of its USCC (the check character is computed), name.
pub(crate) const BLACK: (&str, &str) = ("91440803MA5CXC8N2", "湛江市霞山区鑫诚建材贸易有限公司");

/// The black-listed enterprise's USCC.
pub(crate) fn black_uscc() -> Result<String, Error> {
    uscc(BLACK.0)
}

fn uscc(body: &str) -> Result<String, Error> {
    yiwang_kernel::codes::Uscc::from_body(body)
        .map(|u| u.to_string())
        .map_err(|e| Error::internal(e.en))
}

/// The window applicant of scenario `s19` (the black-listed enterprise, its agent 黄丽).
pub(crate) fn black_applicant() -> Result<yiwang_cases::WindowApplicant, Error> {
    Ok(yiwang_cases::WindowApplicant {
        kind: "org".into(),
        name: BLACK.1.into(),
        cert_no: black_uscc()?,
        contact_name: PEOPLE[1].name.into(),
        contact_phone: PEOPLE[1].phone.into(),
        legal_representative: "周国强".into(),
    })
}

/// A supervision service over `db` (the lists need none of its sources, but it is built whole).
fn service(
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    store: Arc<dyn FileStore>,
) -> Result<SupervisionService, Error> {
    let identity = IdentityService::new(
        db.clone(),
        clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let calendar = CalendarService::new(db.clone(), clock.clone());
    let catalog = CatalogService::new(db.clone(), clock.clone());
    let licences = yiwang_licences::LicenceService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        identity.clone(),
    );
    let cases = CaseService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        catalog.clone(),
        calendar.clone(),
        identity.clone(),
        Intake::new(store.clone(), Limits::default()),
        CaseConfig::default(),
        licences.clone(),
    );
    let appeals = AppealService::new(
        db.clone(),
        clock.clone(),
        keys.clone(),
        identity.clone(),
        calendar.clone(),
        store,
    );
    let sources = Sources {
        catalog,
        cases,
        licences,
        exchange: ExchangeService::new(db.clone(), clock.clone(), keys.clone()),
        sharing: SharingService::new(db.clone(), clock.clone(), calendar.clone()),
        appeals,
    };
    let home = DivisionCode::parse("440800").map_err(|e| Error::internal(e.en))?;
    Ok(SupervisionService::new(
        db.clone(),
        clock,
        keys,
        identity,
        calendar,
        sources,
        home,
    ))
}

/// The rows the demo's exchange resource holds (fields of
/// [`yiwang_supervision::credit::resource_meta`]).
fn exchange_rows() -> Result<Vec<serde_json::Value>, Error> {
    Ok(vec![
        serde_json::json!({
            "entry_no": "ZJXY-2026-B-0007",
            "list": "black", "subject_kind": "person", "subject_name": "陈某某",
            "subject_number": "440803197506120031",
            "basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条：有履行能力而拒不履行生效法律文书确定义务（(2025)粤0803执1234号）",
            "measures": "限制高消费；不得担任企业法定代表人；从严审核行政许可申请",
            "facilitation": "", "authority": "湛江市霞山区人民法院",
            "valid_from": "2026-02-10", "valid_to": "2028-02-09",
        }),
        serde_json::json!({
            "entry_no": "ZJXY-2026-B-0012",
            "list": "black", "subject_kind": "enterprise", "subject_name": "湛江市赤坎区恒达建筑工程有限公司",
            "subject_number": uscc("91440802MA4WJ3K7X")?,
            "basis": "《建筑市场信用管理暂行办法》第十四条：转包违法分包被列入建筑市场主体“黑名单”",
            "measures": "限制参与政府投资项目招标投标；从严审核资质申请",
            "facilitation": "", "authority": "湛江市住房和城乡建设局",
            "valid_from": "2026-03-01", "valid_to": "2027-02-28",
        }),
        serde_json::json!({
            "entry_no": "ZJXY-2026-R-0031",
            "list": "red", "subject_kind": "enterprise", "subject_name": "湛江市麻章区海鲜加工有限公司",
            "subject_number": uscc("91440811MA4X2Q8P5")?,
            "basis": "《广东省守信联合激励办法》第八条：海关高级认证企业",
            "measures": "通关便利；行政审批绿色通道",
            "facilitation": "优先办理", "authority": "湛江海关",
            "valid_from": "2026-01-01", "valid_to": "",
        }),
    ])
}

/// Publishes the demo's credit-list resource with its rows (unless published) and synchronises
/// the lists with it.
async fn from_exchange(
    l: &Loader,
    s: &SupervisionService,
    exchange: &ExchangeService,
) -> Result<(), Error> {
    let r = match exchange.published_by_code(RESOURCE).await? {
        Some(r) => r,
        None => {
            let dept = crate::exchange_grants::dept_id(l, "zsj").await?;
            let made = exchange
                .register(
                    &l.ctx,
                    &yiwang_exchange::NewResource {
                        classification: "208001".into(),
                        sequence: Some(1),
                        department_id: dept,
                        meta: yiwang_supervision::credit::resource_meta(),
                    },
                )
                .await?;
            exchange.publish(&l.ctx, made.id, made.version).await?
        }
    };
    let now = exchange.clock().now();
    yiwang_exchange::base::load_rows(exchange, &r, &exchange_rows()?, now).await?;
    s.sync_credit(&l.ctx, RESOURCE)
        .await
        .map_err(crate::context("credit lists from the exchange"))?;
    Ok(())
}

/// Imports the demo lists unless some list is there; true when something was written.
pub(crate) async fn load(
    l: &Loader,
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    store: Arc<dyn FileStore>,
) -> Result<bool, Error> {
    let exchange = ExchangeService::new(db.clone(), clock.clone(), keys.clone());
    let s = service(db, clock, keys, store)?;
    let ctx = Ctx::system(crate::TASK);
    let any = s
        .credit_entries(&ctx, &CreditQuery::default(), Page { page: 1, size: 1 })
        .await?;
    if any.total > 0 {
        return Ok(false);
    }
    let csv = format!(
        "名单类型,主体类型,主体名称,统一社会信用代码或身份证号,认定依据,惩戒或激励措施,便利措施,认定部门,有效期起,有效期止\n\
         黑名单,企业,{},{},《企业信息公示暂行条例》第十七条、《严重违法失信企业名单管理暂行办法》：隐瞒真实情况弄虚作假而被列入严重违法失信企业名单,依法从严审核行政许可申请；限制参与政府采购和工程招投标；不得享受容缺受理等便利,,湛江市市场监督管理局,2026-01-15,2029-01-14\n\
         红名单,企业,{},{},《关于对纳税信用A级纳税人实施联合激励措施的合作备忘录》：2025年度纳税信用A级,行政审批绿色通道,容缺受理、优先办理,国家税务总局湛江市税务局,2026-01-01,2027-12-31\n",
        BLACK.1,
        black_uscc()?,
        ENTERPRISE.1,
        uscc(ENTERPRISE.0)?,
    );
    s.import_credit(&ctx, csv.as_bytes())
        .await
        .map_err(crate::context("credit lists"))?;
    from_exchange(l, &s, &exchange).await?;
    Ok(true)
}
