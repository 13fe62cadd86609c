use std::collections::HashSet;

use yiwang_catalog::rules;
use yiwang_kernel::auth::Role;
use yiwang_kernel::codes::uscc::org_code_ok;

use super::*;
use crate::build::{self, Implementer};
use crate::data::departments::{CITY, COUNTIES, County};
use crate::data::materials::LICENCE_TYPES;
use crate::data::{self, Def};
use crate::plan::*;
use yiwang_catalog::model::Elements;
use yiwang_kernel::codes::Uscc;

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
    // The plan's accounts, then 赤坎区's grid workers (one per street office, crate::grids).
    let streets = &data::grids::STREETS;
    // Last, random inspection's organiser and inspectors (crate::inspections).
    let inspection = &crate::inspections::STAFF;
    assert_eq!(
        accounts().len(),
        details.len() + streets.len() + inspection.len()
    );
    for (a, s) in accounts()[details.len() + streets.len()..]
        .iter()
        .zip(inspection)
    {
        assert_eq!(a.username, s.0);
        assert_eq!((a.role_zh, a.role_en), (s.2.zh(), s.2.en()));
        assert_eq!(a.department, crate::inspections::DEPARTMENT);
    }
    for (a, s) in accounts()[details.len()..].iter().zip(streets) {
        assert_eq!(a.username, s.worker_username());
        assert_eq!(
            (a.role_zh, a.role_en),
            (Role::GridWorker.zh(), Role::GridWorker.en())
        );
        assert_eq!(a.department, s.office_name());
    }
    let plan = department_plan().unwrap();
    for (a, d) in accounts().iter().zip(details) {
        assert_eq!(a.username, d.username);
        assert_eq!(a.role_zh, d.role.zh());
        assert_eq!(a.role_en, d.role.en());
        let p = plan.iter().find(|p| p.key == (d.county, d.dept)).unwrap();
        assert_eq!(a.department, p.input.name, "{}", a.username);
        assert!(yiwang_identity::password::check_policy("p", DEMO_PASSWORD, a.username).is_ok());
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
