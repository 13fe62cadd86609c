//! The shape of an item's elements, checked on every save of a draft.

use std::collections::HashSet;

use yiwang_kernel::FieldError;

use super::check::Check;
use super::{code_ok, licence_type_ok};
use crate::codes;
use crate::model::Elements;

/// Checks run on every save of a draft: lengths, code values, ranges, formats, the application
/// form's definition ([`yiwang_forms::check_definition`], paths `form[…]`) and the workflow's
/// ([`yiwang_workflow::Definition::validate`], paths `workflow.…`).
pub fn shape(e: &Elements) -> Vec<FieldError> {
    let mut c = Check::new();
    c.len("name", &e.name, 200);
    c.len("legal_basis", &e.legal_basis, 5000);
    c.len("authority_division", &e.authority_division, 1000);
    c.len("exercise_content", &e.exercise_content, 5000);
    c.len("joint_departments", &e.joint_departments, 500);
    c.len("handling_body", &e.handling_body, 100);
    c.len("acceptance_conditions", &e.acceptance_conditions, 10000);
    c.len("process", &e.process, 10000);
    c.len("special_procedures", &e.special_procedures, 2000);
    c.len("intermediary_services", &e.intermediary_services, 2000);
    c.len("quantity_limit", &e.quantity_limit, 200);
    c.len("statutory_note", &e.statutory_note, 1000);
    c.len("promised_note", &e.promised_note, 1000);
    c.len("result_name", &e.result_name, 100);
    c.len("fee_basis", &e.fee_basis, 2000);
    c.len("keywords", &e.keywords, 200);
    c.len("visits_reason", &e.visits_reason, 500);
    c.len("location", &e.location, 200);
    c.len("hours", &e.hours, 150);
    c.code("item_type", &codes::ITEM_TYPES, &e.item_type);
    c.code("exercise_level", &codes::LEVELS, &e.exercise_level);
    c.code("subject_nature", &codes::SUBJECT_NATURE, &e.subject_nature);
    c.code("power_source", &codes::POWER_SOURCE, &e.power_source);
    c.code("statutory_unit", &codes::TIME_UNITS, &e.statutory_unit);
    c.code("promised_unit", &codes::TIME_UNITS, &e.promised_unit);
    c.code("case_type", &codes::CASE_TYPES, &e.case_type);
    c.code("result_type", &codes::RESULT_TYPES, &e.result_type);
    c.code("cross_scope", &codes::CROSS_SCOPES, &e.cross_scope);
    c.codes(
        "service_objects",
        &codes::SERVICE_OBJECTS,
        &e.service_objects,
    );
    c.codes(
        "personal_themes",
        &codes::PERSONAL_THEMES,
        &e.personal_themes,
    );
    c.codes(
        "enterprise_themes",
        &codes::ENTERPRISE_THEMES,
        &e.enterprise_themes,
    );
    c.codes("handling_forms", &codes::HANDLING_FORMS, &e.handling_forms);
    c.codes("online_depth", &codes::ONLINE_DEPTH, &e.online_depth);
    c.range("statutory_limit", e.statutory_limit, 0, 3650);
    c.range("promised_limit", e.promised_limit, 0, 3650);
    c.range("visits", e.visits, 0, 10);
    c.address("online_url", &e.online_url);
    c.address("result_sample", &e.result_sample);
    c.phone("consult_phone", &e.consult_phone);
    c.phone("supervise_phone", &e.supervise_phone);
    if e.process_steps.len() > 30 {
        c.push(
            "process_steps",
            "too_many",
            "办理环节不能超过30个",
            "At most 30 process steps",
        );
    }
    for (i, s) in e.process_steps.iter().enumerate() {
        c.len(&format!("process_steps[{i}].name"), &s.name, 50);
        c.len(
            &format!("process_steps[{i}].description"),
            &s.description,
            1000,
        );
        c.range(&format!("process_steps[{i}].limit"), s.limit, 0, 3650);
    }
    if e.fees.len() > 50 {
        c.push(
            "fees",
            "too_many",
            "收费项目不能超过50个",
            "At most 50 fee items",
        );
    }
    for (i, f) in e.fees.iter().enumerate() {
        c.len(&format!("fees[{i}].name"), &f.name, 100);
        c.len(&format!("fees[{i}].standard"), &f.standard, 500);
        c.len(&format!("fees[{i}].basis"), &f.basis, 1000);
    }
    if e.faqs.len() > 50 {
        c.push(
            "faqs",
            "too_many",
            "常见问题不能超过50条",
            "At most 50 questions",
        );
    }
    for (i, f) in e.faqs.iter().enumerate() {
        c.len(&format!("faqs[{i}].question"), &f.question, 500);
        c.len(&format!("faqs[{i}].answer"), &f.answer, 2000);
    }
    if e.materials.len() > 100 {
        c.push(
            "materials",
            "too_many",
            "申请材料不能超过100项",
            "At most 100 materials",
        );
    }
    let mut keys = HashSet::new();
    for (i, m) in e.materials.iter().enumerate() {
        let p = |f: &str| format!("materials[{i}].{f}");
        if !m.key.is_empty() && (!code_ok(&m.key, 8) || !keys.insert(m.key.clone())) {
            c.push(
                &p("key"),
                "material.key",
                "材料编号应唯一，由大写字母和数字组成",
                "Material keys are unique upper-case letters and digits",
            );
        }
        c.len(&p("name"), &m.name, 200);
        c.len(&p("issuer"), &m.issuer, 100);
        c.len(&p("condition"), &m.condition, 500);
        c.len(&p("notes"), &m.notes, 1000);
        c.code(&p("source"), &codes::MATERIAL_SOURCES, &m.source);
        c.code(&p("format"), &codes::MATERIAL_FORMATS, &m.format);
        c.range(&p("originals"), m.originals, 0, 99);
        c.range(&p("copies"), m.copies, 0, 99);
        c.address(&p("blank_form"), &m.blank_form);
        c.address(&p("sample"), &m.sample);
        if !m.licence_type.is_empty() && !licence_type_ok(&m.licence_type) {
            c.push(
                &p("licence_type"),
                "licence_type.format",
                "证照类型代码应为21位：定义机构统一社会信用代码（18位）+3位数字",
                "A licence type code has 21 characters: the definer's USCC (18) and 3 digits",
            );
        }
        if !m.replaced_by.is_empty()
            && !crate::model::DATA_REPLACEMENTS
                .iter()
                .any(|(code, _, _)| *code == m.replaced_by)
        {
            c.push(
                &p("replaced_by"),
                "material.replaced_by",
                "可代替材料的基础库应为 population（人口库）或 legal_person（法人库）",
                "A material may be replaced by the population or legal_person library only",
            );
        }
    }
    c.errors.extend(yiwang_forms::check_definition(&e.form));
    if let Some(w) = &e.workflow
        && let Err(errs) = w.validate()
    {
        c.errors
            .extend(errs.into_iter().map(|e| e.within("workflow")));
    }
    c.errors
}
