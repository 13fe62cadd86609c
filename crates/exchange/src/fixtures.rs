//! Resources for tests and the demo: a published resource in one call, as the system.

use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;

use crate::model::{
    DataItem, ItemType, OpenType, QualityRule, Resource, ResourceFormat, ResourceMeta, ShareMethod,
    ShareType, UpdateCycle,
};
use crate::service::{ExchangeService, NewResource};

/// A data item with the given name, field and type.
pub fn item(name: &str, field: &str, t: ItemType, length: Option<u32>) -> DataItem {
    DataItem {
        name: name.into(),
        field: field.into(),
        item_type: t,
        length,
        key: false,
        personal: false,
        description: String::new(),
        rules: Vec::new(),
    }
}

/// A small population resource (人口基本信息): ID number (key), name, sex, birth date, address,
/// division.
pub fn population_meta(share: ShareType) -> ResourceMeta {
    let mut id = item("公民身份号码", "id_number", ItemType::Char, Some(18));
    id.key = true;
    id.personal = true;
    id.rules = vec![QualityRule::Required, QualityRule::IdNumber];
    let mut name = item("姓名", "name", ItemType::Char, Some(50));
    name.personal = true;
    name.rules = vec![QualityRule::Required, QualityRule::MaxLength { max: 50 }];
    let mut sex = item("性别", "sex", ItemType::Char, Some(1));
    sex.rules = vec![QualityRule::CodeList {
        values: vec!["1".into(), "2".into(), "9".into()],
    }];
    let birth = item("出生日期", "birth_date", ItemType::Date, None);
    let mut address = item("住址", "address", ItemType::Char, Some(200));
    address.personal = true;
    let division = item("行政区划代码", "division", ItemType::Char, Some(12));
    ResourceMeta {
        name: "人口基本信息".into(),
        summary: "户籍人口的身份号码、姓名、性别、出生日期、住址".into(),
        format: ResourceFormat::Database,
        items: vec![id, name, sex, birth, address, division],
        share_type: share,
        share_condition: if share == ShareType::Conditional {
            "用于办理政务服务事项时核验申请人身份".into()
        } else {
            String::new()
        },
        share_basis: if share == ShareType::Unconditional {
            String::new()
        } else {
            "《中华人民共和国居民身份证法》第十九条".into()
        },
        share_method: ShareMethod::ServiceInterface,
        open_type: OpenType::NotOpen,
        open_condition: String::new(),
        update_cycle: UpdateCycle::Daily,
        related: Vec::new(),
    }
}

/// Registers and publishes `meta` for `department_id` under `classification`, as the system.
pub async fn published(
    svc: &ExchangeService,
    department_id: i64,
    classification: &str,
    meta: ResourceMeta,
) -> Result<Resource> {
    let ctx = Ctx::system("fixtures");
    let r = svc
        .register(
            &ctx,
            &NewResource {
                classification: classification.into(),
                sequence: None,
                department_id,
                meta,
            },
        )
        .await?;
    svc.publish(&ctx, r.id, r.version).await
}
