//! The loader: the domain services acting as `system:demo`, creating what the plan lists —
//! departments, the basic directory, halls and windows, implementation items through their
//! lifecycle, staff and people — each step skipping what exists.

use std::collections::HashMap;

use yiwang_catalog::model::Elements;
use yiwang_catalog::{CatalogService, ClaimInput, Through};
use yiwang_identity::service::{IdentityService, StaffInput};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::codes::Uscc;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode};
use yiwang_org::OrgService;
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::{HallInput, WindowInput};

use crate::build::{self, Implementer};
use crate::data::departments::{CITY, COUNTIES, County, Desk};
use crate::data::{self, Def};
use crate::plan::{DeptKey, Stage, department_plan, stage_of};
use crate::{DEMO_PASSWORD, DemoReport, context};

/// A department the demo knows, by (county code or `None` for the city, key).
#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub(crate) id: i64,
    pub(crate) uscc: Uscc,
    pub(crate) name: String,
    pub(crate) phone: String,
    pub(crate) address: String,
    pub(crate) desk: Desk,
    pub(crate) office: &'static str,
}

/// The services the demo writes through, and what it has created.
pub(crate) struct Loader {
    pub(crate) ctx: Ctx,
    pub(crate) org: OrgService,
    pub(crate) catalog: CatalogService,
    pub(crate) identity: IdentityService,
    pub(crate) depts: HashMap<DeptKey, Known>,
    pub(crate) wrote: bool,
}

pub(crate) fn page1() -> Page {
    Page { page: 1, size: 1 }
}

impl Loader {
    pub(crate) async fn department_by_uscc(
        &self,
        uscc: &str,
    ) -> Result<Option<yiwang_org::Department>, Error> {
        let f = DepartmentFilter {
            q: Some(uscc.to_string()),
            ..Default::default()
        };
        let found = self
            .org
            .list_departments(&f, Page { page: 1, size: 5 })
            .await?;
        Ok(found.items.into_iter().find(|d| d.uscc.as_str() == uscc))
    }

    pub(crate) async fn departments(&mut self) -> Result<(), Error> {
        for p in department_plan()? {
            let d = match self.department_by_uscc(&p.input.uscc).await? {
                Some(d) => d,
                None => {
                    self.wrote = true;
                    self.org
                        .create_department(&self.ctx, &p.input)
                        .await
                        .map_err(context(format!("department {}", p.input.name)))?
                }
            };
            self.depts.insert(
                p.key,
                Known {
                    id: d.id,
                    uscc: d.uscc,
                    name: d.name,
                    phone: p.input.phone,
                    address: p.input.address,
                    desk: p.desk,
                    office: p.office,
                },
            );
        }
        Ok(())
    }

    pub(crate) fn dept(
        &self,
        county: Option<&'static str>,
        key: &'static str,
    ) -> Result<&Known, Error> {
        self.depts.get(&(county, key)).ok_or_else(|| {
            Error::internal(format!(
                "demo: no department {key} in {}",
                county.unwrap_or(CITY)
            ))
        })
    }

    pub(crate) async fn directory(&mut self) -> Result<(), Error> {
        for d in data::directory::all() {
            match self.catalog.basic(d.code).await {
                Ok(_) => continue,
                Err(e) if e.code == ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
            self.wrote = true;
            self.catalog
                .create_basic(&self.ctx, &build::basic_input(&d))
                .await
                .map_err(context(format!("basic item {} {}", d.code, d.name)))?;
        }
        Ok(())
    }

    pub(crate) async fn halls(&mut self) -> Result<(), Error> {
        let existing = self.org.list_halls(None).await?;
        for h in data::halls::halls() {
            let county = h.county.map(|c| c.code);
            let dept = match h.dept {
                Some(k) => Some(self.dept(county, k)?.id),
                None => None,
            };
            let hall = match existing
                .iter()
                .find(|x| x.name == h.name && x.division_code.as_str() == h.division)
            {
                Some(x) => x.clone(),
                None => {
                    self.wrote = true;
                    let input = HallInput {
                        name: h.name.clone(),
                        kind: h.kind.to_string(),
                        division_code: h.division.clone(),
                        department_id: dept,
                        address: h.address.clone(),
                        phone: h.phone.clone(),
                        hours: h.hours.clone(),
                    };
                    self.org
                        .create_hall(&self.ctx, &input)
                        .await
                        .map_err(context(format!("hall {}", h.name)))?
                }
            };
            for w in &h.windows {
                if hall.windows.iter().any(|x| x.number == w.number) {
                    continue;
                }
                let department_id = match w.dept {
                    Some(k) => Some(self.dept(county, k)?.id),
                    None => None,
                };
                self.wrote = true;
                let input = WindowInput {
                    number: w.number.clone(),
                    name: w.name.clone(),
                    kind: w.kind.to_string(),
                    department_id,
                    active: Some(true),
                };
                self.org
                    .save_window(&self.ctx, hall.id, None, &input)
                    .await
                    .map_err(context(format!("window {} of {}", w.number, h.name)))?;
            }
        }
        Ok(())
    }

    pub(crate) fn implementer(
        &self,
        d: &Def,
        county: Option<&'static County>,
    ) -> Result<Implementer, Error> {
        let c = county.map(|c| c.code);
        let key = match county {
            Some(_) if !d.county_dept.is_empty() => d.county_dept,
            _ => d.dept,
        };
        let k = self.dept(c, key)?;
        let joint = if d.joint.is_empty() {
            String::new()
        } else {
            self.dept(c, d.joint)?.name.clone()
        };
        Ok(Implementer {
            name: k.name.clone(),
            phone: k.phone.clone(),
            address: k.address.clone(),
            desk: k.desk,
            office: k.office,
            county,
            joint,
        })
    }

    pub(crate) async fn items(&mut self) -> Result<(), Error> {
        for d in data::directory::all() {
            if !d.claimable() {
                continue;
            }
            let mut at: Vec<Option<&'static County>> = Vec::new();
            if d.city {
                at.push(None);
            }
            at.extend(COUNTIES.iter().filter(|c| d.counties.includes(c)).map(Some));
            for county in at {
                self.item(&d, county).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn item(
        &mut self,
        d: &Def,
        county: Option<&'static County>,
    ) -> Result<(), Error> {
        let division = county.map(|c| c.code).unwrap_or(CITY);
        let imp = self.implementer(d, county)?;
        let key = match county {
            Some(_) if !d.county_dept.is_empty() => d.county_dept,
            _ => d.dept,
        };
        let dept = self.dept(county.map(|c| c.code), key)?.clone();
        let level = if county.is_some() { "4" } else { "3" };
        let code = format!("{}{level}{}", dept.uscc.as_str(), d.code);
        let what = format!("item {} {} in {division}", d.code, d.name);
        let c = county.map(|c| c.code);
        let stage = stage_of(d.code, division);
        let through = match stage {
            Stage::Draft | Stage::IncompleteDraft => Through::Draft,
            Stage::Submitted => Through::Submitted,
            Stage::Published => Through::Published("演示数据：要素齐全，同意发布"),
        };
        // Claimed, drafted, submitted and approved in one transaction: an item is there
        // whole or not at all, so one found already claimed was loaded before.
        let draft = |open: &Elements| {
            let mut e = build::elements(d, &imp, &code, open)?;
            e.workflow =
                data::forms::workflow(d.code, &code, d.name, &|k| Ok(self.dept(c, k)?.id))?;
            if stage == Stage::IncompleteDraft {
                e.faqs.clear();
                e.process_steps.clear();
            }
            Ok(e)
        };
        let claim = ClaimInput {
            basic_code: d.code.to_string(),
            department_id: dept.id,
            division_code: Some(division.to_string()),
            code: Some(code.clone()),
        };
        match self
            .catalog
            .claim_through(&self.ctx, &claim, draft, through)
            .await
        {
            Ok(_) => {
                self.wrote = true;
                Ok(())
            }
            Err(e) if already_claimed(&e) => Ok(()),
            Err(e) => Err(context(format!("loading {what}"))(e)),
        }
    }

    pub(crate) async fn staff(&mut self) -> Result<(), Error> {
        for a in data::accounts::DETAILS {
            if self.identity.staff_exists(a.username).await? {
                continue;
            }
            let dept = self.dept(a.county, a.dept)?.id;
            self.wrote = true;
            let input = StaffInput {
                username: a.username.to_string(),
                name: a.name.to_string(),
                department_id: dept,
                roles: vec![a.role.as_str().to_string()],
                password: DEMO_PASSWORD.to_string(),
            };
            self.identity
                .create_staff_with_hash(&self.ctx, &input, crate::demo_hash().await?)
                .await
                .map_err(context(format!("account {}", a.username)))?;
        }
        Ok(())
    }

    /// Two citizens; the first administers a restaurant company, the second is its agent.
    pub(crate) async fn people(&mut self) -> Result<(), Error> {
        use yiwang_identity::{AgentGrantInput, OrgRegistration, PersonRegistration};
        let mut ctxs = Vec::new();
        for p in data::accounts::PEOPLE {
            if self.identity.person_exists(p.id_number).await? {
                continue;
            }
            self.wrote = true;
            let (token, session) = self
                .identity
                .register_person(
                    &PersonRegistration {
                        name: p.name.to_string(),
                        id_number: p.id_number.to_string(),
                        phone: p.phone.to_string(),
                        password: DEMO_PASSWORD.to_string(),
                    },
                    "",
                )
                .await
                .map_err(context(format!("person {}", p.name)))?;
            self.identity.sign_out(&token, "").await?;
            ctxs.push(Ctx::new(session.actor, ""));
        }
        // Only on a first load of both people: the enterprise and the grant.
        let [admin, _agent] = ctxs.as_slice() else {
            return Ok(());
        };
        let (body, name) = data::accounts::ENTERPRISE;
        let uscc = Uscc::from_body(body).map_err(|e| Error::internal(e.en))?;
        let org = self
            .identity
            .register_org(
                admin,
                &OrgRegistration {
                    uscc: uscc.to_string(),
                    name: name.to_string(),
                    legal_representative: data::accounts::PEOPLE[0].name.to_string(),
                },
            )
            .await
            .map_err(context("the demo enterprise".to_string()))?;
        // Its legal representative showed the business licence at a window (企业身份核验).
        self.identity
            .verify_org_at_window(
                &self.ctx,
                &yiwang_identity::OrgWindowVerification {
                    uscc: uscc.to_string(),
                    name: name.to_string(),
                    legal_representative: data::accounts::PEOPLE[0].name.to_string(),
                    id_number: data::accounts::PEOPLE[0].id_number.to_string(),
                },
            )
            .await
            .map_err(context("verifying the demo enterprise".to_string()))?;
        let agent = data::accounts::PEOPLE[1];
        self.identity
            .grant_agent(
                admin,
                org.id,
                &AgentGrantInput {
                    name: agent.name.to_string(),
                    id_number: agent.id_number.to_string(),
                    scopes: vec!["apply".into(), "cases".into(), "licences".into()],
                    until: "2027-12-31".into(),
                },
            )
            .await
            .map_err(context("the demo agent grant".to_string()))?;
        Ok(())
    }

    pub(crate) async fn report(&self) -> Result<DemoReport, Error> {
        let n = |t: i64| usize::try_from(t).unwrap_or(0);
        let departments = self
            .org
            .list_departments(&DepartmentFilter::default(), page1())
            .await?
            .total;
        let basic = self.catalog.list_basic(None, None, page1()).await?.total;
        let items = self
            .catalog
            .admin_items(&self.ctx, &Default::default(), page1())
            .await?
            .total;
        let published = self.catalog.published_count().await?;
        let halls = self.org.list_halls(None).await?.len();
        let staff = self.identity.list_staff(&self.ctx, page1()).await?.total;
        Ok(DemoReport {
            loaded: false,
            departments: n(departments),
            basic_items: n(basic),
            items: n(items),
            published: n(published),
            halls,
            staff: n(staff),
            cases: 0,
        })
    }
}

/// Whether a claim was refused because the item is there already (the department claimed it
/// in that division, or its code is taken).
fn already_claimed(e: &Error) -> bool {
    e.code == ErrorCode::Duplicate || e.fields.iter().any(|f| f.rule == "item_code.taken")
}
