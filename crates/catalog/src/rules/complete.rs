//! Completeness on submission: the elements an item must have (more for items applied for).

use yiwang_kernel::FieldError;

use super::APPLICATION_TYPES;
use super::check::Check;
use crate::model::Elements;

/// Required elements for submission.
pub(super) fn complete(e: &Elements, c: &mut Check) {
    for (f, v) in [
        ("name", &e.name),
        ("basic_code", &e.basic_code),
        ("item_type", &e.item_type),
        ("legal_basis", &e.legal_basis),
        ("department_name", &e.department_name),
        ("exercise_level", &e.exercise_level),
        ("subject_nature", &e.subject_nature),
        ("statutory_unit", &e.statutory_unit),
        ("promised_unit", &e.promised_unit),
        ("case_type", &e.case_type),
        ("consult_phone", &e.consult_phone),
        ("supervise_phone", &e.supervise_phone),
    ] {
        c.required(f, v);
    }
    let applied_for = APPLICATION_TYPES.contains(&e.item_type.as_str());
    if applied_for {
        for (f, v) in [
            ("acceptance_conditions", &e.acceptance_conditions),
            ("location", &e.location),
            ("hours", &e.hours),
        ] {
            c.required(f, v);
        }
        if e.process.trim().is_empty() && e.process_steps.is_empty() {
            c.errors.push(FieldError::required("process"));
        }
        if e.service_objects.is_empty() {
            c.errors.push(FieldError::required("service_objects"));
        }
        if e.handling_forms.is_empty() {
            c.errors.push(FieldError::required("handling_forms"));
        }
        if e.materials.is_empty() {
            c.push(
                "materials",
                "required",
                "依申请事项至少需要一项申请材料",
                "An item applied for needs at least one material",
            );
        }
    }
    if (e.handling_forms.iter().any(|f| f == "2" || f == "3")) && e.online_url.trim().is_empty() {
        c.push(
            "online_url",
            "required",
            "支持网上办理的事项须填写网办地址",
            "Items handled online need the online address",
        );
    }
    if e.statutory_unit == e.promised_unit
        && e.statutory_limit > 0
        && e.promised_limit > e.statutory_limit
    {
        c.push(
            "promised_limit",
            "promised_exceeds_statutory",
            "承诺办结时限不能超过法定办结时限",
            "The promised time limit cannot exceed the statutory limit",
        );
    }
    for (i, m) in e.materials.iter().enumerate() {
        let p = |f: &str| format!("materials[{i}].{f}");
        c.required(&p("name"), &m.name);
        c.required(&p("source"), &m.source);
        c.required(&p("format"), &m.format);
        if m.source == "2" {
            c.required(&p("issuer"), &m.issuer);
        }
        if m.originals == 0 && m.copies == 0 && m.format == "1" {
            c.push(
                &p("originals"),
                "material.count",
                "纸质材料须注明原件或复印件份数",
                "Paper materials need a number of originals or copies",
            );
        }
    }
    for (i, f) in e.faqs.iter().enumerate() {
        c.required(&format!("faqs[{i}].question"), &f.question);
        c.required(&format!("faqs[{i}].answer"), &f.answer);
    }
    for (i, s) in e.process_steps.iter().enumerate() {
        c.required(&format!("process_steps[{i}].name"), &s.name);
    }
}
