//! Base-library data of the demo city (数据共享交换, issue 13 item 10): population rows for the
//! demo citizens and legal-person rows for the demo enterprise and two others, in the four
//! resources that feed the base libraries — 人口基本信息 (101001, 市公安局), 社会保险参保信息
//! (101002, 市人社局), 法人基本信息 (102001, 市市场监管局), 纳税人登记信息 (102002, 市税务局) — each
//! registered and published by the system if the catalog does not have it yet (matched by
//! classification and name).
//!
//! History shows in the libraries: 陈小明 moved house in 2026 (an "as of" 2025 read gives the old
//! address), and the tax register holds a newer address of the demo enterprise (the `newest`
//! rule picks it). One deliberate disagreement: the library names 李华 as the legal
//! representative of 湛江市霞山区南海贸易有限公司, so 黄丽 registering it in her own name is
//! refused naming the legal representative. Rows go in once (when the legal-person resource
//! has none); a second load writes nothing.

use std::sync::Arc;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use yiwang_exchange::ExchangeService;
use yiwang_exchange::base::sources::{
    INSURANCE_CLASS, INSURANCE_NAME, LEGAL_PERSON_CLASS, LEGAL_PERSON_NAME, POPULATION_CLASS,
    POPULATION_NAME, TAX_CLASS, TAX_NAME,
};
use yiwang_exchange::base::{ensure_source, load_rows};
use yiwang_identity::Keys;
use yiwang_kernel::Error;
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::Uscc;
use yiwang_kernel::paging::Page;
use yiwang_org::OrgService;
use yiwang_org::repo::DepartmentFilter;
use yiwang_store::Db;

use crate::context;
use crate::data::accounts::{ENTERPRISE, PEOPLE};

/// The enterprise whose library entry disagrees with a registration by 黄丽 (body, name, the
/// legal representative on record).
pub const DISAGREEING: (&str, &str, &str) =
    ("91440803MA4W9N3P6", "湛江市霞山区南海贸易有限公司", "李华");
/// An enterprise only the tax register holds (the library answers from its second source).
const TAX_ONLY: (&str, &str, &str) = (
    "91440800MA4WAB7R8",
    "湛江经济技术开发区海港物流有限公司",
    "黄丽",
);

const FIRST: OffsetDateTime = datetime!(2025-01-02 01:00 UTC);
const MOVED: OffsetDateTime = datetime!(2026-03-02 01:00 UTC);
const INSURED: OffsetDateTime = datetime!(2025-07-01 01:00 UTC);

fn uscc(body: &str) -> Result<String, Error> {
    Uscc::from_body(body)
        .map(|u| u.to_string())
        .map_err(|e| Error::internal(e.en))
}

pub(crate) async fn department(org: &OrgService, name: &str) -> Result<i64, Error> {
    let f = DepartmentFilter {
        q: Some(name.to_string()),
        ..Default::default()
    };
    org.list_departments(&f, Page { page: 1, size: 10 })
        .await?
        .items
        .into_iter()
        .find(|d| d.name == name)
        .map(|d| d.id)
        .ok_or_else(|| Error::internal(format!("demo: no department {name}")))
}

fn person(n: usize, address: &str, division: &str) -> Value {
    let p = PEOPLE[n];
    let birth = format!(
        "{}-{}-{}",
        &p.id_number[6..10],
        &p.id_number[10..12],
        &p.id_number[12..14]
    );
    // GB 11643: the 17th digit is odd for men, even for women.
    let sex = match p.id_number.as_bytes().get(16) {
        Some(d) if (d - b'0') % 2 == 1 => "1",
        _ => "2",
    };
    json!({"id_number": p.id_number, "name": p.name, "sex": sex, "birth_date": birth,
           "address": address, "division": division})
}

#[allow(clippy::too_many_arguments)]
fn legal(
    u: &str,
    name: &str,
    rep: &str,
    kind: &str,
    established: &str,
    address: &str,
    division: &str,
) -> Value {
    json!({"uscc": u, "name": name, "legal_representative": rep, "org_type": kind,
           "established": established, "address": address, "status": "存续",
           "division": division})
}

/// Loads the rows once; true when something was written.
pub(crate) async fn load(
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    org: &OrgService,
) -> Result<bool, Error> {
    let svc = ExchangeService::new(db.clone(), clock.clone(), keys);
    let now = clock.now();
    let at = |t: OffsetDateTime| t.min(now);
    let mut res = Vec::new();
    for (class, name, provider) in [
        (POPULATION_CLASS, POPULATION_NAME, "湛江市公安局"),
        (
            INSURANCE_CLASS,
            INSURANCE_NAME,
            "湛江市人力资源和社会保障局",
        ),
        (
            LEGAL_PERSON_CLASS,
            LEGAL_PERSON_NAME,
            "湛江市市场监督管理局",
        ),
        (TAX_CLASS, TAX_NAME, "国家税务总局湛江市税务局"),
    ] {
        let dept = department(org, provider).await?;
        let r = ensure_source(&svc, class, name, dept)
            .await
            .map_err(context(format!("exchange resource {name}")))?
            .ok_or_else(|| Error::internal(format!("demo: {name} is no library source")))?;
        res.push(r);
    }
    let [population, insurance, legal_person, tax] = res.as_slice() else {
        return Err(Error::internal("demo: exchange sources"));
    };
    let rows = yiwang_exchange::repo::rows::count_current(&mut db.clone(), legal_person.id).await?;
    if rows > 0 {
        return Ok(false);
    }
    let rows_err = |what: &str| context(format!("exchange rows of {what}"));
    load_rows(
        &svc,
        population,
        &[
            person(0, "广东省湛江市赤坎区海滨大道南12号", "440802"),
            person(1, "广东省湛江市霞山区人民大道南45号", "440803"),
        ],
        at(FIRST),
    )
    .await
    .map_err(rows_err(POPULATION_NAME))?;
    // 陈小明 moved within 赤坎区: the register closes the old row and opens the new one.
    if at(MOVED) > at(FIRST) {
        load_rows(
            &svc,
            population,
            &[person(0, "广东省湛江市赤坎区康宁路8号", "440802")],
            at(MOVED),
        )
        .await
        .map_err(rows_err(POPULATION_NAME))?;
    }
    load_rows(
        &svc,
        insurance,
        &[
            json!({"id_number": PEOPLE[0].id_number, "name": PEOPLE[0].name,
                   "phone": PEOPLE[0].phone, "address": "湛江市赤坎区海滨大道南12号"}),
            json!({"id_number": PEOPLE[1].id_number, "name": PEOPLE[1].name,
                   "phone": PEOPLE[1].phone, "address": "湛江市霞山区解放西路20号"}),
        ],
        at(INSURED),
    )
    .await
    .map_err(rows_err(INSURANCE_NAME))?;
    let demo = uscc(ENTERPRISE.0)?;
    let (db_body, db_name, db_rep) = DISAGREEING;
    load_rows(
        &svc,
        legal_person,
        &[
            legal(
                &demo,
                ENTERPRISE.1,
                PEOPLE[0].name,
                "有限责任公司（自然人独资）",
                "2019-03-01",
                "湛江市赤坎区海滨大道北8号",
                "440802",
            ),
            legal(
                &uscc(db_body)?,
                db_name,
                db_rep,
                "有限责任公司",
                "2017-08-15",
                "湛江市霞山区友谊路16号",
                "440803",
            ),
        ],
        at(FIRST),
    )
    .await
    .map_err(rows_err(LEGAL_PERSON_NAME))?;
    let (t_body, t_name, t_rep) = TAX_ONLY;
    load_rows(
        &svc,
        tax,
        &[
            json!({"uscc": demo, "name": ENTERPRISE.1, "legal_representative": PEOPLE[0].name,
                   "address": "湛江市赤坎区海滨大道北8号之一", "division": "440802"}),
            json!({"uscc": uscc(t_body)?, "name": t_name, "legal_representative": t_rep,
                   "address": "湛江经济技术开发区乐山路27号", "division": "440800"}),
        ],
        at(MOVED),
    )
    .await
    .map_err(rows_err(TAX_NAME))?;
    Ok(true)
}
