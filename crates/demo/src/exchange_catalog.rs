//! The demo city's resource catalog (政务信息资源目录) and demand list (需求清单), loaded through
//! `ExchangeService` as the system: every resource registered under its fixed code, published
//! (or left submitted / as a draft), and the demands registered and moved to their outcome.
//! Idempotent: a resource whose code exists and a demand whose (department, name) exists are
//! skipped. The data and the two base resources' codes are in `data::exchange_catalog`.

use std::collections::HashMap;
use std::sync::Arc;

use yiwang_exchange::lists::{ClaimDemand, NewDemand};
use yiwang_exchange::model::{
    DataItem, ItemType, OpenType, QualityRule, ResourceFormat, ResourceMeta, ShareMethod,
    ShareType, UpdateCycle,
};
use yiwang_exchange::{ExchangeService, NewResource};
use yiwang_identity::Keys;
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;
use yiwang_kernel::paging::Page;
use yiwang_org::OrgService;
use yiwang_org::repo::DepartmentFilter;
use yiwang_store::Db;

use crate::context;
use crate::data::exchange_catalog::{DEMANDS, RESOURCES, Res, Share, State};

/// Reads `field:名称:<type><length>:<flags>` items.
pub(crate) fn items(spec: &str) -> Result<Vec<DataItem>, Error> {
    spec.split(';')
        .map(|it| {
            let parts: Vec<&str> = it.split(':').collect();
            let [field, name, ty, flags] = parts.as_slice() else {
                return Err(Error::internal(format!("demo catalog item {it}")));
            };
            let (code, len) = ty.split_at(1);
            let item_type = ItemType::parse(code)
                .ok_or_else(|| Error::internal(format!("demo catalog type {ty}")))?;
            let key = flags.contains('k');
            let mut rules = Vec::new();
            if key {
                rules.push(QualityRule::Required);
            }
            if *field == "id_number" || name.ends_with("公民身份号码") {
                rules.push(QualityRule::IdNumber);
            } else if *field == "uscc" || name.ends_with("统一社会信用代码") {
                rules.push(QualityRule::Uscc);
            }
            match *field {
                "sex" => rules.push(QualityRule::CodeList {
                    values: vec!["1".into(), "2".into(), "9".into()],
                }),
                "division" => rules.push(QualityRule::Pattern {
                    pattern: r"\d{6}".into(),
                }),
                _ => {}
            }
            Ok(DataItem {
                name: (*name).into(),
                field: (*field).into(),
                item_type,
                length: len.parse().ok(),
                key,
                personal: flags.contains('p'),
                description: String::new(),
                rules,
            })
        })
        .collect()
}

fn meta(r: &Res) -> Result<ResourceMeta, Error> {
    let (share_type, share_condition, share_basis) = match r.share {
        Share::Unconditional => (ShareType::Unconditional, "", ""),
        Share::Conditional(c, b) => (ShareType::Conditional, c, b),
        Share::NotShared(b) => (ShareType::NotShared, "", b),
    };
    let mut items = items(r.items)?;
    if r.name == "法人基本信息" {
        for i in items.iter_mut().filter(|i| i.field == "status") {
            i.rules.push(QualityRule::CodeList {
                values: ["存续", "在业", "吊销", "注销", "迁出"]
                    .map(String::from)
                    .to_vec(),
            });
        }
    }
    Ok(ResourceMeta {
        name: r.name.into(),
        summary: r.summary.into(),
        format: ResourceFormat::Database,
        items,
        share_type,
        share_condition: share_condition.into(),
        share_basis: share_basis.into(),
        share_method: if share_type == ShareType::Unconditional {
            ShareMethod::Database
        } else {
            ShareMethod::ServiceInterface
        },
        open_type: if share_type == ShareType::Unconditional && !r.items.contains(":p") {
            OpenType::Conditional
        } else {
            OpenType::NotOpen
        },
        open_condition: String::new(),
        update_cycle: UpdateCycle::parse(r.cycle)
            .ok_or_else(|| Error::internal(format!("demo catalog cycle {}", r.cycle)))?,
        related: Vec::new(),
    })
}

/// Department ids by exact name.
async fn departments(org: &OrgService) -> Result<HashMap<String, i64>, Error> {
    let mut out = HashMap::new();
    let mut page = 1;
    loop {
        let p = org
            .list_departments(&DepartmentFilter::default(), Page { page, size: 100 })
            .await?;
        let n = p.items.len();
        out.extend(p.items.into_iter().map(|d| (d.name, d.id)));
        if n < 100 {
            return Ok(out);
        }
        page += 1;
    }
}

/// Loads the catalog and the demand list; `true` when something was written.
pub(crate) async fn load(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<bool, Error> {
    let ctx = Ctx::system(crate::TASK);
    let org = OrgService::new(db.clone(), clock.clone());
    let svc = ExchangeService::new(db.clone(), clock, keys);
    let depts = departments(&org).await?;
    let dept = |name: &str| {
        depts
            .get(name)
            .copied()
            .ok_or_else(|| Error::internal(format!("demo catalog: no department {name}")))
    };
    let mut wrote = false;
    let mut conn = db.clone();
    for r in RESOURCES {
        let code = format!("{}/{:06}", r.class, r.seq);
        if yiwang_exchange::repo::resources::id_by_code(&mut conn, &code)
            .await?
            .is_some()
        {
            continue;
        }
        wrote = true;
        let input = NewResource {
            classification: r.class.into(),
            sequence: Some(r.seq),
            department_id: dept(r.dept)?,
            meta: meta(r)?,
        };
        let v = svc
            .register(&ctx, &input)
            .await
            .map_err(context(format!("resource {code}")))?;
        match r.state {
            State::Draft => {}
            State::Submitted => {
                svc.submit(&ctx, v.id, 1).await?;
            }
            State::Published => {
                svc.submit(&ctx, v.id, 1).await?;
                svc.approve(&ctx, v.id, 1).await?;
            }
        }
    }
    let existing = svc.demands(&ctx, None).await?;
    for n in DEMANDS {
        let d = dept(n.dept)?;
        if existing
            .iter()
            .any(|e| e.department_id == d && e.name == n.name)
        {
            continue;
        }
        wrote = true;
        let created = svc
            .create_demand(
                &ctx,
                &NewDemand {
                    department_id: d,
                    name: n.name.into(),
                    description: n.description.into(),
                    fields: n.fields.iter().map(|f| f.to_string()).collect(),
                    purpose: n.purpose.into(),
                    basis: n.basis.into(),
                },
            )
            .await
            .map_err(context(format!("demand {}", n.name)))?;
        let mut parts = n.outcome.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(step @ ("claimed" | "provided")), Some(provider), Some(code)) => {
                let claim = ClaimDemand {
                    department_id: dept(provider)?,
                    resource_code: code.into(),
                };
                svc.claim_demand(&ctx, created.id, &claim).await?;
                if step == "provided" {
                    svc.demand_provided(&ctx, created.id).await?;
                }
            }
            (Some("declined"), Some(reason), _) => {
                svc.decline_demand(&ctx, created.id, reason).await?;
            }
            _ => {}
        }
    }
    Ok(wrote)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_demo_catalog_is_large_varied_and_valid() {
        assert!(RESOURCES.len() >= 60, "{}", RESOURCES.len());
        let depts: HashSet<&str> = RESOURCES.iter().map(|r| r.dept).collect();
        assert!(depts.len() >= 15, "{}", depts.len());
        let mut codes = HashSet::new();
        for r in RESOURCES {
            assert!(
                codes.insert(format!("{}/{:06}", r.class, r.seq)),
                "{}",
                r.name
            );
            let m = meta(r).unwrap();
            m.check()
                .unwrap_or_else(|e| panic!("{}: {:?}", r.name, e.fields));
        }
        let not_shared = RESOURCES
            .iter()
            .filter(|r| matches!(r.share, Share::NotShared(_)))
            .count();
        let conditional = RESOURCES
            .iter()
            .filter(|r| matches!(r.share, Share::Conditional(..)))
            .count();
        assert!(
            not_shared >= 5 && conditional >= 20,
            "{not_shared} {conditional}"
        );
        // The two base resources other modules load rows into, with the items they expect.
        let fields = |code: &str| {
            let r = RESOURCES
                .iter()
                .find(|r| format!("{}/{:06}", r.class, r.seq) == code)
                .unwrap();
            assert_eq!(r.state, State::Published);
            meta(r)
                .unwrap()
                .items
                .into_iter()
                .map(|i| i.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields("101001/000001"),
            [
                "id_number",
                "name",
                "sex",
                "birth_date",
                "address",
                "division"
            ]
        );
        assert_eq!(
            fields("102001/000001"),
            [
                "uscc",
                "name",
                "legal_representative",
                "registered_capital",
                "established",
                "address",
                "status",
                "division"
            ]
        );
        // Every demand's provider resource is in the catalog.
        for n in DEMANDS {
            if let Some(code) = n.outcome.split(':').nth(2) {
                assert!(codes.contains(code), "{}", n.name);
            }
        }
    }
}
