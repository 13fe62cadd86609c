//! The demo city: 湛江市 (Zhanjiang, 440800) and its nine county-level divisions, loaded through
//! the domain services exactly as real input would be.
//!
//! [`load`] creates, with `Ctx::system("demo")`:
//!
//! * 165 departments: 34 city bodies and 14–15 bodies in each county-level division (the city
//!   government, 政务服务和数据管理局, 市场监督管理局, 公安局 or its district 分局, …, and the
//!   vertically managed tax bureaus), each with a unified social credit code whose organisation
//!   code also passes GB 11714, county bodies under their county government;
//! * a basic directory of 152 items (16 main items grouping 136 claimable items and sub-items)
//!   covering every item type, with legal bases and statutory limits;
//! * 448 implementation items claimed by city and county departments, filled in, submitted and
//!   approved — every published one passes the submission quality rules; four are left as
//!   drafts (one deliberately incomplete, to show the quality rules) and three await review;
//!   six basic items carry an application form in every implementation and two a case
//!   workflow (a parallel review, and an automatic 秒批 step), see [`data::forms`];
//! * 16 halls: the city's government service centre with 25 windows, a centre in every county,
//!   five township centres and a 24-hour self-service area;
//! * staff accounts for every role ([`accounts`]), all with [`DEMO_PASSWORD`];
//! * 17 cases (办件) of the two demo citizens and their enterprise in every state — submitted
//!   online and at the window, awaiting supplements, at different workflow steps (the parallel
//!   review, an automatic 秒批 filing), paused, in a special procedure, concluded, delivered,
//!   withdrawn, not accepted, rated — dated in the past working days so that some are overdue
//!   or at risk on the day of the load (`cases`, `data::cases`); their material files go to the
//!   file store given to [`load_with_files`].
//!
//! Every row passes the same validation, quality rules, history and audit as real input. The
//! data is deterministic (no randomness: codes are derived from names) and the load is
//! idempotent: when the demo is already there nothing is written and `loaded` is `false`; a
//! load that was interrupted is completed by the next one (each step skips what exists).

use std::collections::HashMap;
use std::sync::Arc;

use yiwang_catalog::model::Elements;
use yiwang_catalog::{CatalogService, ClaimInput};
use yiwang_files::{FileStore, MemoryFileStore};
use yiwang_identity::Keys;
use yiwang_identity::service::{IdentityConfig, IdentityService, StaffInput};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::Uscc;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode};
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::{DepartmentInput, HallInput, OrgService, WindowInput};
use yiwang_store::Db;

mod build;
mod cases;
mod data;
mod ids;
mod licences;

use build::Implementer;
use data::Def;
use data::departments::{CITY, CITY_DEPTS, COUNTIES, COUNTY_DEPTS, County, CountyDept, Desk};
use ids::{CodeMint, OrgType};

/// What [`load`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// `false` if the demo was already there (then nothing was written).
    pub loaded: bool,
    /// Totals in the database after the load.
    pub departments: usize,
    pub basic_items: usize,
    pub items: usize,
    pub published: usize,
    pub halls: usize,
    pub staff: usize,
    pub cases: usize,
}

/// The password of every demo staff account.
pub const DEMO_PASSWORD: &str = "Yiwang@2026";

/// A demo staff account, for the README and the sign-in page hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role_zh: &'static str,
    pub role_en: &'static str,
    pub department: &'static str,
}

/// The demo staff accounts.
pub fn accounts() -> &'static [DemoAccount] {
    &data::accounts::ACCOUNTS
}

/// The task name the demo acts under (`system:demo` in history and audit).
const TASK: &str = "demo";

/// Where an implementation item stops in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Filled in, not submitted.
    Draft,
    /// Filled in but missing its FAQs and step table, so that submitting it shows the quality
    /// rules at work.
    IncompleteDraft,
    /// Awaiting review.
    Submitted,
    Published,
}

/// Items left unpublished, by (basic code, division), so the editors and the review queue
/// have content.
const UNPUBLISHED: &[(&str, &str, Stage)] = &[
    ("000117009001", CITY, Stage::Draft),
    ("000117011000", CITY, Stage::IncompleteDraft),
    ("000117001002", "440802", Stage::Draft),
    ("000109008000", CITY, Stage::Draft),
    ("000105006002", CITY, Stage::Submitted),
    ("000117013000", CITY, Stage::Submitted),
    ("000117008002", "440802", Stage::Submitted),
];

fn stage_of(basic: &str, division: &str) -> Stage {
    UNPUBLISHED
        .iter()
        .find(|(b, d, _)| *b == basic && *d == division)
        .map(|(_, _, s)| *s)
        .unwrap_or(Stage::Published)
}

/// Adds what the demo was doing to an error's log cause.
fn context(what: impl std::fmt::Display) -> impl FnOnce(Error) -> Error {
    move |e: Error| {
        let cause = match &e.internal {
            Some(c) => format!("demo: {what}: {c}"),
            None => format!("demo: {what}: {}", describe(&e)),
        };
        Error {
            internal: Some(cause.into()),
            ..e
        }
    }
}

fn describe(e: &Error) -> String {
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| format!("{} {} ({})", f.field, f.rule, f.en))
        .collect();
    format!("{} {}", e.code.as_str(), fields.join("; "))
}

/// A department the demo knows, by (county code or `None` for the city, key).
#[derive(Debug, Clone)]
struct Known {
    id: i64,
    uscc: Uscc,
    name: String,
    phone: String,
    address: String,
    desk: Desk,
    office: &'static str,
}

type DeptKey = (Option<&'static str>, &'static str);

/// One department to create.
struct DeptPlan {
    key: DeptKey,
    input: DepartmentInput,
    desk: Desk,
    office: &'static str,
}

/// Every department of the demo with its code, in creation order (parents first).
fn department_plan() -> Result<Vec<DeptPlan>, Error> {
    let mut mint = CodeMint::new();
    let mut out: Vec<DeptPlan> = Vec::new();
    let mut codes: HashMap<DeptKey, String> = HashMap::new();
    for d in CITY_DEPTS {
        let uscc = mint.uscc(d.org, CITY, d.name)?;
        codes.insert((None, d.key), uscc.to_string());
        let parent = if d.parent.is_empty() {
            String::new()
        } else {
            codes
                .get(&(None, d.parent))
                .cloned()
                .ok_or_else(|| Error::internal(format!("demo: parent {} of {}", d.parent, d.key)))?
        };
        out.push(DeptPlan {
            key: (None, d.key),
            input: DepartmentInput {
                uscc: uscc.to_string(),
                name: d.name.to_string(),
                short_name: d.short.to_string(),
                division_code: CITY.to_string(),
                parent_uscc: parent,
                kind: d.kind.to_string(),
                phone: ids::phone('3', d.name),
                address: d.address.to_string(),
            },
            desk: d.desk,
            office: d.office,
        });
    }
    for c in COUNTIES {
        for t in COUNTY_DEPTS {
            if !t.exists_in(c) {
                continue;
            }
            let name = t.name_in(c);
            let uscc = mint.uscc(t.org, t.registered_in(c), &name)?;
            codes.insert((Some(c.code), t.key), uscc.to_string());
            let parent = county_parent(&codes, t, c)?;
            out.push(DeptPlan {
                key: (Some(c.code), t.key),
                input: DepartmentInput {
                    uscc: uscc.to_string(),
                    name: name.clone(),
                    short_name: t.short_in(c),
                    division_code: c.code.to_string(),
                    parent_uscc: parent,
                    kind: t.kind.to_string(),
                    phone: ids::phone(c.phone_lead, &name),
                    address: c.center_address.to_string(),
                },
                desk: t.desk,
                office: t.office,
            });
        }
    }
    Ok(out)
}

fn county_parent(
    codes: &HashMap<DeptKey, String>,
    t: &CountyDept,
    c: &'static County,
) -> Result<String, Error> {
    let p = t.parent_in(c);
    if p.is_empty() {
        return Ok(String::new());
    }
    let key: DeptKey = match p.strip_prefix("city:") {
        Some(k) => (None, k),
        None => (Some(c.code), p),
    };
    codes
        .get(&key)
        .cloned()
        .ok_or_else(|| Error::internal(format!("demo: parent {p} of {} in {}", t.key, c.code)))
}

/// The USCC of the city government: its presence means the demo has been loaded.
fn marker_uscc() -> Result<Uscc, Error> {
    CodeMint::new().uscc(OrgType::Organ, CITY, "湛江市人民政府")
}

struct Loader {
    ctx: Ctx,
    org: OrgService,
    catalog: CatalogService,
    identity: IdentityService,
    depts: HashMap<DeptKey, Known>,
    wrote: bool,
}

/// Loads the demo city into `db`, keeping the demo cases' material files in memory (they are
/// lost with the process: for callers without a file store, such as benchmarks and tests).
/// See the crate documentation.
pub async fn load(db: &Db, clock: Arc<dyn Clock>, keys: Keys) -> Result<DemoReport, Error> {
    load_with_files(db, clock, keys, Arc::new(MemoryFileStore::new())).await
}

/// Loads the demo city into `db`; the demo cases' material files go to `store` (the server's
/// file store). See the crate documentation.
pub async fn load_with_files(
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    store: Arc<dyn FileStore>,
) -> Result<DemoReport, Error> {
    let (licence_clock, licence_keys) = (clock.clone(), keys.clone());
    let mut l = Loader {
        ctx: Ctx::system(TASK),
        org: OrgService::new(db.clone(), clock.clone()),
        catalog: CatalogService::new(db.clone(), clock.clone()),
        identity: IdentityService::new(
            db.clone(),
            clock.clone(),
            IdentityConfig::default(),
            keys.clone(),
        ),
        depts: HashMap::new(),
        wrote: false,
    };
    let last = accounts()
        .last()
        .map(|a| a.username)
        .ok_or_else(|| Error::internal("demo: no accounts"))?;
    let complete = l
        .department_by_uscc(marker_uscc()?.as_str())
        .await?
        .is_some()
        && l.identity.staff_exists(last).await?
        && l.identity
            .person_exists(data::accounts::PEOPLE[1].id_number)
            .await?;
    if !complete {
        l.departments().await?;
        l.directory().await?;
        l.halls().await?;
        l.items().await?;
        l.staff().await?;
        l.people().await?;
        l.licences(db, licence_clock, licence_keys).await?;
    }
    let plan = department_plan()?;
    let item_code =
        |basic: &'static str, county: Option<&'static str>| item_code(&plan, basic, county);
    let env = cases::Env {
        db,
        clock: clock.clone(),
        keys: keys.clone(),
        store,
        item_code: &item_code,
    };
    if cases::load(&env).await? {
        l.wrote = true;
    }
    let mut report = l.report().await?;
    report.cases = usize::try_from(cases::count(db, clock, keys).await?).unwrap_or(0);
    report.loaded = l.wrote;
    Ok(report)
}

/// The implementation code of basic item `basic` in `county` (`None`: the city), from the
/// department plan (as [`Loader::item`] forms it).
fn item_code(
    plan: &[DeptPlan],
    basic: &'static str,
    county: Option<&'static str>,
) -> Result<String, Error> {
    let d = data::directory::all()
        .into_iter()
        .find(|d| d.code == basic)
        .ok_or_else(|| Error::internal(format!("demo: no basic item {basic}")))?;
    let key = match county {
        Some(_) if !d.county_dept.is_empty() => d.county_dept,
        _ => d.dept,
    };
    let dept = plan
        .iter()
        .find(|p| p.key == (county, key))
        .ok_or_else(|| Error::internal(format!("demo: no department {key} for {basic}")))?;
    let level = if county.is_some() { "4" } else { "3" };
    Ok(format!("{}{level}{basic}", dept.input.uscc))
}

fn page1() -> Page {
    Page { page: 1, size: 1 }
}

impl Loader {
    async fn department_by_uscc(
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

    async fn departments(&mut self) -> Result<(), Error> {
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

    fn dept(&self, county: Option<&'static str>, key: &'static str) -> Result<&Known, Error> {
        self.depts.get(&(county, key)).ok_or_else(|| {
            Error::internal(format!(
                "demo: no department {key} in {}",
                county.unwrap_or(CITY)
            ))
        })
    }

    async fn directory(&mut self) -> Result<(), Error> {
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

    async fn halls(&mut self) -> Result<(), Error> {
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

    fn implementer(&self, d: &Def, county: Option<&'static County>) -> Result<Implementer, Error> {
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

    async fn items(&mut self) -> Result<(), Error> {
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

    async fn item(&mut self, d: &Def, county: Option<&'static County>) -> Result<(), Error> {
        let division = county.map(|c| c.code).unwrap_or(CITY);
        let imp = self.implementer(d, county)?;
        let key = match county {
            Some(_) if !d.county_dept.is_empty() => d.county_dept,
            _ => d.dept,
        };
        let dept = self.dept(county.map(|c| c.code), key)?.clone();
        let level = if county.is_some() { "4" } else { "3" };
        let code = format!("{}{level}{}", dept.uscc.as_str(), d.code);
        match self.catalog.item(&self.ctx, &code).await {
            Ok(_) => return Ok(()),
            Err(e) if e.code == ErrorCode::NotFound => {}
            Err(e) => return Err(e),
        }
        self.wrote = true;
        let what = format!("item {} {} in {division}", d.code, d.name);
        let claimed = self
            .catalog
            .claim(
                &self.ctx,
                &ClaimInput {
                    basic_code: d.code.to_string(),
                    department_id: dept.id,
                    division_code: Some(division.to_string()),
                    code: Some(code.clone()),
                },
            )
            .await
            .map_err(context(format!("claiming {what}")))?;
        let open: Elements = claimed
            .open
            .map(|v| v.elements)
            .ok_or_else(|| Error::internal(format!("demo: {what} has no draft after claiming")))?;
        let mut e = build::elements(d, &imp, &code, &open)?;
        let c = county.map(|c| c.code);
        e.workflow = data::forms::workflow(d.code, &code, d.name, &|k| Ok(self.dept(c, k)?.id))?;
        let stage = stage_of(d.code, division);
        if stage == Stage::IncompleteDraft {
            e.faqs.clear();
            e.process_steps.clear();
        }
        self.catalog
            .save_draft(&self.ctx, &code, &e, None)
            .await
            .map_err(context(format!("saving {what}")))?;
        if matches!(stage, Stage::Draft | Stage::IncompleteDraft) {
            return Ok(());
        }
        self.catalog
            .submit(&self.ctx, &code)
            .await
            .map_err(context(format!("submitting {what}")))?;
        if stage == Stage::Submitted {
            return Ok(());
        }
        self.catalog
            .approve(&self.ctx, &code, "演示数据：要素齐全，同意发布")
            .await
            .map_err(context(format!("approving {what}")))?;
        Ok(())
    }

    async fn staff(&mut self) -> Result<(), Error> {
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
                .create_staff(&self.ctx, &input)
                .await
                .map_err(context(format!("account {}", a.username)))?;
        }
        Ok(())
    }

    /// Two citizens; the first administers a restaurant company, the second is its agent.
    async fn people(&mut self) -> Result<(), Error> {
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

    async fn report(&self) -> Result<DemoReport, Error> {
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use yiwang_catalog::rules;
    use yiwang_kernel::auth::Role;
    use yiwang_kernel::codes::uscc::org_code_ok;

    use super::*;
    use crate::data::materials::LICENCE_TYPES;

    /// Every planned implementation: (def, county, implementer, item code), built without a
    /// database from the department plan.
    fn implementations() -> Vec<(Def, Option<&'static County>, Implementer, String)> {
        let plan = department_plan().unwrap();
        let known = |c: Option<&'static str>, k: &str| {
            plan.iter()
                .find(|p| p.key.0 == c && p.key.1 == k)
                .unwrap_or_else(|| panic!("no department {k} in {c:?}"))
        };
        let mut out = Vec::new();
        for d in data::directory::all() {
            let mut at: Vec<Option<&'static County>> = Vec::new();
            if d.city {
                at.push(None);
            }
            at.extend(COUNTIES.iter().filter(|c| d.counties.includes(c)).map(Some));
            for county in at {
                let c = county.map(|c| c.code);
                let key = if county.is_some() && !d.county_dept.is_empty() {
                    d.county_dept
                } else {
                    d.dept
                };
                let p = known(c, key);
                let imp = Implementer {
                    name: p.input.name.clone(),
                    phone: p.input.phone.clone(),
                    address: p.input.address.clone(),
                    desk: p.desk,
                    office: p.office,
                    county,
                    joint: if d.joint.is_empty() {
                        String::new()
                    } else {
                        known(c, d.joint).input.name.clone()
                    },
                };
                let level = if county.is_some() { "4" } else { "3" };
                let code = format!("{}{level}{}", p.input.uscc, d.code);
                out.push((d.clone(), county, imp, code));
            }
        }
        out
    }

    fn claimed(d: &Def, imp: &Implementer, county: Option<&County>) -> Elements {
        Elements {
            name: d.name.into(),
            basic_code: d.code.into(),
            item_type: d.ty.into(),
            legal_basis: d.basis.into(),
            department_name: imp.name.clone(),
            exercise_level: if county.is_some() { "4" } else { "3" }.into(),
            subject_nature: "1".into(),
            power_source: "1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_planned_item_passes_the_submission_rules() {
        let all = implementations();
        assert!(all.len() >= 300, "{} items", all.len());
        eprintln!("{} implementation items", all.len());
        let mut codes = HashSet::new();
        let mut licence_free = 0;
        let (mut forms, mut person_forms, mut workflows) = (HashSet::new(), 0, 0);
        for (d, county, imp, code) in &all {
            assert!(codes.insert(code.clone()), "duplicate item code {code}");
            assert!(rules::code_ok(code, 36), "{code}");
            let mut e = build::elements(d, imp, code, &claimed(d, imp, *county)).unwrap();
            e.workflow = data::forms::workflow(d.code, code, d.name, &|_| Ok(7)).unwrap();
            let published =
                stage_of(d.code, county.map(|c| c.code).unwrap_or(CITY)) == Stage::Published;
            if published && !e.form.is_empty() {
                forms.insert(d.code);
                if e.form
                    .iter()
                    .any(|f| f.prefill == Some(yiwang_forms::Prefill::ApplicantIdNumber))
                {
                    person_forms += 1;
                }
            }
            if published && e.workflow.is_some() {
                workflows += 1;
            }
            let errs = rules::for_submission(&e);
            assert!(
                errs.is_empty(),
                "{} {} in {:?}: {:?}",
                d.code,
                d.name,
                county.map(|c| c.name),
                errs.iter()
                    .map(|f| format!("{} {} {}", f.field, f.rule, f.zh))
                    .collect::<Vec<_>>()
            );
            if e.licence_free() {
                licence_free += 1;
            }
            // A material an e-licence may replace names a type the demo defines, so every
            // 免证办 item counted on the home page can really be applied for without paper.
            for m in e.materials.iter().filter(|m| !m.licence_type.is_empty()) {
                assert!(
                    data::licences::TYPES
                        .iter()
                        .any(|t| t.code == m.licence_type),
                    "{} {}: {} names undefined licence type {}",
                    d.code,
                    d.name,
                    m.name,
                    m.licence_type
                );
            }
        }
        assert!(licence_free >= 10, "{licence_free} licence-free items");
        assert!(forms.len() >= 5, "{forms:?}");
        assert!(
            person_forms >= 1 && workflows >= 2,
            "{person_forms} {workflows}"
        );
    }

    #[test]
    fn the_directory_is_well_formed() {
        let all = data::directory::all();
        assert!(
            (100..=160).contains(&all.len()),
            "{} basic items",
            all.len()
        );
        let mut seen = HashSet::new();
        let mut types = HashSet::new();
        for d in &all {
            assert!(seen.insert(d.code), "duplicate basic code {}", d.code);
            assert!(
                rules::basic_item(&build::basic_input(d)).is_empty(),
                "{}",
                d.code
            );
            assert_eq!(d.code.len(), 12);
            if !d.parent.is_empty() {
                assert!(seen.contains(d.parent), "{} before its parent", d.code);
                assert_eq!(&d.code[..9], &d.parent[..9], "{}", d.code);
            }
            if d.claimable() {
                types.insert(d.ty);
            }
            for spec in &d.materials {
                assert!(build::materials(d).is_ok(), "{} {spec}", d.code);
            }
        }
        for t in [
            "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20",
        ] {
            assert!(types.contains(t), "no item of type {t}");
        }
        for name in [
            "企业设立登记",
            "食品经营许可证核发",
            "国有建设用地使用权及房屋所有权首次登记",
            "国有建设用地使用权及房屋所有权转移登记",
            "抵押权首次登记",
            "出生登记",
            "社会保障卡申领",
            "购买自住住房提取住房公积金",
            "户口迁移（省内迁移）",
            "建设工程规划许可证核发",
        ] {
            assert!(all.iter().any(|d| d.name == name), "{name} missing");
        }
    }

    #[test]
    fn department_codes_are_valid_and_unique() {
        let plan = department_plan().unwrap();
        assert!(plan.len() >= 25 + 9 * 10, "{} departments", plan.len());
        let mut seen = HashSet::new();
        for p in &plan {
            let u = Uscc::parse(&p.input.uscc).unwrap();
            assert!(org_code_ok(u.as_str()), "{} {}", p.input.name, u);
            assert!(seen.insert(u.to_string()));
            assert!(yiwang_kernel::text::has_area_code(&p.input.phone));
        }
        assert_eq!(plan[0].input.uscc, marker_uscc().unwrap().to_string());
        assert_eq!(plan[0].input.name, "湛江市人民政府");
        // the same codes on every run
        let again = department_plan().unwrap();
        assert!(
            plan.iter()
                .zip(&again)
                .all(|(a, b)| a.input.uscc == b.input.uscc)
        );
    }

    #[test]
    fn licence_types_are_valid() {
        for lt in LICENCE_TYPES {
            assert!(rules::licence_type_ok(lt), "{lt}");
            assert!(org_code_ok(&lt[..18]), "{lt}");
        }
    }

    #[test]
    fn accounts_match_their_details() {
        let details = data::accounts::DETAILS;
        assert_eq!(accounts().len(), details.len());
        let plan = department_plan().unwrap();
        for (a, d) in accounts().iter().zip(details) {
            assert_eq!(a.username, d.username);
            assert_eq!(a.role_zh, d.role.zh());
            assert_eq!(a.role_en, d.role.en());
            let p = plan.iter().find(|p| p.key == (d.county, d.dept)).unwrap();
            assert_eq!(a.department, p.input.name, "{}", a.username);
            assert!(
                yiwang_identity::password::check_policy("p", DEMO_PASSWORD, a.username).is_ok()
            );
        }
        for (u, r) in [
            ("sysadmin", Role::SystemAdmin),
            ("auditor", Role::AuditAdmin),
            ("reviewer", Role::CatalogReviewer),
            ("cataloger", Role::CatalogAdmin),
            ("orgadmin", Role::OrgAdmin),
            ("scjg", Role::CatalogEditor),
            ("gaj", Role::CatalogEditor),
            ("chikan_scjg", Role::CatalogEditor),
            ("chikan_reviewer", Role::CatalogReviewer),
        ] {
            assert!(
                details.iter().any(|d| d.username == u && d.role == r),
                "{u}"
            );
        }
    }

    #[test]
    fn unpublished_items_exist_in_the_plan() {
        let all = implementations();
        for (b, div, _) in UNPUBLISHED {
            assert!(
                all.iter()
                    .any(|(d, c, _, _)| d.code == *b && c.map(|c| c.code).unwrap_or(CITY) == *div),
                "{b} {div}"
            );
        }
    }
}
