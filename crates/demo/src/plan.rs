//! What the demo creates, planned without a database: every department with its code (parents
//! first), where each implementation item stops in its lifecycle, and the item codes that
//! follow from the plan.

use std::collections::HashMap;

use yiwang_kernel::Error;
use yiwang_kernel::codes::Uscc;
use yiwang_org::DepartmentInput;

use crate::data;
use crate::data::departments::{
    CITY, CITY_DEPTS, COUNTIES, COUNTY_DEPTS, County, CountyDept, Desk,
};
use crate::ids::{self, CodeMint, OrgType};

/// Where an implementation item stops in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
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
pub(crate) const UNPUBLISHED: &[(&str, &str, Stage)] = &[
    ("000117009001", CITY, Stage::Draft),
    ("000117011000", CITY, Stage::IncompleteDraft),
    ("000117001002", "440802", Stage::Draft),
    ("000109008000", CITY, Stage::Draft),
    ("000105006002", CITY, Stage::Submitted),
    ("000117013000", CITY, Stage::Submitted),
    ("000117008002", "440802", Stage::Submitted),
];

pub(crate) fn stage_of(basic: &str, division: &str) -> Stage {
    UNPUBLISHED
        .iter()
        .find(|(b, d, _)| *b == basic && *d == division)
        .map(|(_, _, s)| *s)
        .unwrap_or(Stage::Published)
}

pub(crate) type DeptKey = (Option<&'static str>, &'static str);

/// One department to create.
pub(crate) struct DeptPlan {
    pub(crate) key: DeptKey,
    pub(crate) input: DepartmentInput,
    pub(crate) desk: Desk,
    pub(crate) office: &'static str,
}

/// Every department of the demo with its code, in creation order (parents first).
pub(crate) fn department_plan() -> Result<Vec<DeptPlan>, Error> {
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

pub(crate) fn county_parent(
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
pub(crate) fn marker_uscc() -> Result<Uscc, Error> {
    CodeMint::new().uscc(OrgType::Organ, CITY, "湛江市人民政府")
}

/// The implementation code of basic item `basic` in `county` (`None`: the city), from the
/// department plan (as [`Loader::item`] forms it).
pub(crate) fn item_code(
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
