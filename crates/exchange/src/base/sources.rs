//! The two base libraries' definitions (data) and the metadata of the resources that feed them.
//!
//! Population (人口基础库): the public-security register 人口基本信息 (101001) is authoritative
//! for identity attributes; the social-insurance register 社会保险参保信息 (101002) supplies the
//! phone and a residence address that is usually fresher (the newest wins there). Legal persons
//! (法人基础库): the market-regulation register 法人基本信息 (102001) is authoritative; the tax
//! register 纳税人登记信息 (102002) is a second source of the name, legal representative and
//! address (the address: newest wins).

use crate::fixtures::{item, population_meta};
use crate::model::{
    DataItem, ItemType, OpenType, QualityRule, ResourceFormat, ResourceMeta, ShareMethod,
    ShareType, UpdateCycle,
};

use super::{AttributeDef, Conflict, Library, LibraryDef, Source};

pub const POPULATION_CLASS: &str = "101001";
pub const POPULATION_NAME: &str = "人口基本信息";
pub const INSURANCE_CLASS: &str = "101002";
pub const INSURANCE_NAME: &str = "社会保险参保信息";
pub const LEGAL_PERSON_CLASS: &str = "102001";
pub const LEGAL_PERSON_NAME: &str = "法人基本信息";
pub const TAX_CLASS: &str = "102002";
pub const TAX_NAME: &str = "纳税人登记信息";

const fn src(
    classification: &'static str,
    resource: &'static str,
    field: &'static str,
    rank: u8,
) -> Source {
    Source {
        classification,
        resource,
        field,
        rank,
    }
}

const P: &str = POPULATION_CLASS;
const PN: &str = POPULATION_NAME;
const S: &str = INSURANCE_CLASS;
const SN: &str = INSURANCE_NAME;
const L: &str = LEGAL_PERSON_CLASS;
const LN: &str = LEGAL_PERSON_NAME;
const T: &str = TAX_CLASS;
const TN: &str = TAX_NAME;

/// 人口基础库.
pub static POPULATION: LibraryDef = LibraryDef {
    library: Library::Population,
    zh: "人口基础库",
    en: "Population base library",
    attributes: &[
        AttributeDef {
            attribute: "name",
            zh: "姓名",
            en: "Name",
            conflict: Conflict::Authority,
            sources: &[src(P, PN, "name", 1), src(S, SN, "name", 2)],
        },
        AttributeDef {
            attribute: "sex",
            zh: "性别",
            en: "Sex",
            conflict: Conflict::Authority,
            sources: &[src(P, PN, "sex", 1)],
        },
        AttributeDef {
            attribute: "birth_date",
            zh: "出生日期",
            en: "Date of birth",
            conflict: Conflict::Authority,
            sources: &[src(P, PN, "birth_date", 1)],
        },
        AttributeDef {
            attribute: "address",
            zh: "户籍地址",
            en: "Registered address",
            conflict: Conflict::Authority,
            sources: &[src(P, PN, "address", 1)],
        },
        AttributeDef {
            attribute: "residence",
            zh: "居住地址",
            en: "Residence address",
            conflict: Conflict::Newest,
            sources: &[src(S, SN, "address", 1), src(P, PN, "address", 2)],
        },
        AttributeDef {
            attribute: "phone",
            zh: "联系电话",
            en: "Phone",
            conflict: Conflict::Newest,
            sources: &[src(S, SN, "phone", 1)],
        },
        AttributeDef {
            attribute: "division",
            zh: "户籍所在行政区划",
            en: "Division of registration",
            conflict: Conflict::Authority,
            sources: &[src(P, PN, "division", 1)],
        },
    ],
};

/// 法人基础库.
pub static LEGAL_PERSON: LibraryDef = LibraryDef {
    library: Library::LegalPerson,
    zh: "法人基础库",
    en: "Legal-person base library",
    attributes: &[
        AttributeDef {
            attribute: "name",
            zh: "名称",
            en: "Name",
            conflict: Conflict::Authority,
            sources: &[src(L, LN, "name", 1), src(T, TN, "name", 2)],
        },
        AttributeDef {
            attribute: "legal_representative",
            zh: "法定代表人",
            en: "Legal representative",
            conflict: Conflict::Authority,
            sources: &[
                src(L, LN, "legal_representative", 1),
                src(T, TN, "legal_representative", 2),
            ],
        },
        AttributeDef {
            attribute: "org_type",
            zh: "市场主体类型",
            en: "Type",
            conflict: Conflict::Authority,
            sources: &[src(L, LN, "org_type", 1)],
        },
        AttributeDef {
            attribute: "established",
            zh: "成立日期",
            en: "Established",
            conflict: Conflict::Authority,
            sources: &[src(L, LN, "established", 1)],
        },
        AttributeDef {
            attribute: "address",
            zh: "住所",
            en: "Address",
            conflict: Conflict::Newest,
            sources: &[src(L, LN, "address", 1), src(T, TN, "address", 2)],
        },
        AttributeDef {
            attribute: "status",
            zh: "登记状态",
            en: "Status",
            conflict: Conflict::Authority,
            sources: &[src(L, LN, "status", 1)],
        },
        AttributeDef {
            attribute: "division",
            zh: "住所所在行政区划",
            en: "Division",
            conflict: Conflict::Authority,
            sources: &[src(L, LN, "division", 1), src(T, TN, "division", 2)],
        },
    ],
};

fn keyed(mut i: DataItem, rule: QualityRule) -> DataItem {
    i.key = true;
    i.rules = vec![QualityRule::Required, rule];
    i
}

fn meta(name: &str, summary: &str, items: Vec<DataItem>, share: ShareType) -> ResourceMeta {
    ResourceMeta {
        name: name.into(),
        summary: summary.into(),
        format: ResourceFormat::Database,
        items,
        share_type: share,
        share_condition: "用于办理政务服务事项时核验申请人信息".into(),
        share_basis: "《国务院关于印发政务信息资源共享管理暂行办法的通知》（国发〔2016〕51号）"
            .into(),
        share_method: ShareMethod::ServiceInterface,
        open_type: OpenType::NotOpen,
        open_condition: String::new(),
        update_cycle: UpdateCycle::Daily,
        related: Vec::new(),
    }
}

/// The metadata of a base library's source resource by (classification, name), for the demo and
/// tests (the catalog publishes the real ones).
pub fn source_meta(classification: &str, name: &str) -> Option<ResourceMeta> {
    Some(match (classification, name) {
        (POPULATION_CLASS, POPULATION_NAME) => population_meta(ShareType::Conditional),
        (INSURANCE_CLASS, INSURANCE_NAME) => {
            let mut n = item("姓名", "name", ItemType::Char, Some(50));
            n.personal = true;
            let mut phone = item("联系电话", "phone", ItemType::Char, Some(20));
            phone.personal = true;
            let mut address = item("居住地址", "address", ItemType::Char, Some(200));
            address.personal = true;
            meta(
                INSURANCE_NAME,
                "参保人的身份号码、姓名、联系电话、居住地址",
                vec![
                    keyed(
                        item("公民身份号码", "id_number", ItemType::Char, Some(18)),
                        QualityRule::IdNumber,
                    ),
                    n,
                    phone,
                    address,
                ],
                ShareType::Conditional,
            )
        }
        (LEGAL_PERSON_CLASS, LEGAL_PERSON_NAME) => meta(
            LEGAL_PERSON_NAME,
            "市场主体的统一社会信用代码、名称、法定代表人、类型、成立日期、住所、登记状态",
            vec![
                keyed(
                    item("统一社会信用代码", "uscc", ItemType::Char, Some(18)),
                    QualityRule::Uscc,
                ),
                item("名称", "name", ItemType::Char, Some(100)),
                item(
                    "法定代表人",
                    "legal_representative",
                    ItemType::Char,
                    Some(50),
                ),
                item("市场主体类型", "org_type", ItemType::Char, Some(50)),
                item("成立日期", "established", ItemType::Date, None),
                item("住所", "address", ItemType::Char, Some(200)),
                item("登记状态", "status", ItemType::Char, Some(20)),
                item("行政区划代码", "division", ItemType::Char, Some(12)),
            ],
            ShareType::Unconditional,
        ),
        (TAX_CLASS, TAX_NAME) => meta(
            TAX_NAME,
            "纳税人的统一社会信用代码、名称、法定代表人、生产经营地址",
            vec![
                keyed(
                    item("统一社会信用代码", "uscc", ItemType::Char, Some(18)),
                    QualityRule::Uscc,
                ),
                item("纳税人名称", "name", ItemType::Char, Some(100)),
                item(
                    "法定代表人",
                    "legal_representative",
                    ItemType::Char,
                    Some(50),
                ),
                item("生产经营地址", "address", ItemType::Char, Some(200)),
                item("行政区划代码", "division", ItemType::Char, Some(12)),
            ],
            ShareType::Conditional,
        ),
        _ => return None,
    })
}
