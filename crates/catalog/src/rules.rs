//! Validation of item elements: shape checks on every save, completeness and the data-quality
//! rules of docs/standards/service-items.md §4.8 on submission. Every failure names its field (`materials[2].name`).

use std::collections::HashSet;

use yiwang_kernel::codes::Uscc;
use yiwang_kernel::{FieldError, text};

use crate::codes::{self, CodeTable};
use crate::model::{BasicItemInput, Elements};

/// Item types that are applied for (依申请) and so need materials, forms and channels.
pub const APPLICATION_TYPES: &[&str] = &["01", "05", "07", "08", "09", "10", "20"];

struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    fn new() -> Self {
        Check { errors: Vec::new() }
    }

    fn push(&mut self, field: &str, rule: &str, zh: impl Into<String>, en: impl Into<String>) {
        self.errors.push(FieldError::new(field, rule, zh, en));
    }

    fn len(&mut self, field: &str, v: &str, max: usize) {
        if text::chars(v) > max {
            self.errors.push(FieldError::max_chars(field, max));
        }
        if v.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.push(
                field,
                "control_chars",
                "含有不可见的控制字符",
                "Contains control characters",
            );
        }
    }

    fn code(&mut self, field: &str, table: &CodeTable, v: &str) {
        if !v.is_empty()
            && table.get(v).is_none()
            && let Err(e) = table.field(field, v)
        {
            self.errors.push(e);
        }
    }

    fn codes(&mut self, field: &str, table: &CodeTable, vs: &[String]) {
        let mut seen = HashSet::new();
        for (i, v) in vs.iter().enumerate() {
            let f = format!("{field}[{i}]");
            if table.get(v).is_none() {
                if let Err(e) = table.field(&f, v) {
                    self.errors.push(e);
                }
            } else if !seen.insert(v) {
                self.push(&f, "duplicate", "重复的取值", "Duplicate value");
            }
        }
    }

    fn range(&mut self, field: &str, v: i64, min: i64, max: i64) {
        if v < min || v > max {
            self.errors.push(FieldError::range(field, min, max));
        }
    }

    fn required(&mut self, field: &str, v: &str) {
        if v.trim().is_empty() {
            self.errors.push(FieldError::required(field));
        }
    }

    fn address(&mut self, field: &str, v: &str) {
        let ok = v.is_empty()
            || v.starts_with("https://")
            || v.starts_with("http://")
            || v.starts_with("/files/");
        if !ok {
            self.push(
                field,
                "url",
                "应为以 http:// 或 https:// 开头的网址",
                "Must be a web address starting with http:// or https://",
            );
        }
    }

    fn phone(&mut self, field: &str, v: &str) {
        if !v.is_empty() && !text::is_phone(v) {
            self.push(
                field,
                "phone.format",
                "电话号码格式不正确（如 0759-3388123）",
                "Not a valid phone number (e.g. 0759-3388123)",
            );
        }
    }
}

/// The 21-character licence type code: definer's USCC + 3 digits (docs/standards/licences.md §7.2).
pub fn licence_type_ok(s: &str) -> bool {
    s.len() == 21
        && s.is_char_boundary(18)
        && Uscc::parse(&s[..18]).is_ok()
        && s[18..].bytes().all(|b| b.is_ascii_digit())
}

/// 基本编码 / 实施编码 characters: digits and upper-case letters.
pub fn code_ok(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

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

/// Required elements for submission.
fn complete(e: &Elements, c: &mut Check) {
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

/// The data-quality rules of docs/standards/service-items.md §4.8 (Wenzhou/Zhejiang item audit).
fn quality(e: &Elements, c: &mut Check) {
    // 1. 承诺时限 = 即办 ⇔ 即办件.
    if e.promised_limit == 0 && e.case_type == "2" {
        c.push(
            "case_type",
            "q1.instant",
            "承诺办结时限为即办（0）时，办件类型应为即办件",
            "A promised limit of 0 (instant) requires the case type 'instant'",
        );
    }
    if e.promised_limit > 0 && e.case_type == "1" {
        c.push(
            "case_type",
            "q1.instant",
            "即办件的承诺办结时限应为即办（0）",
            "An instant item must have a promised limit of 0",
        );
    }
    // 2. Result name ⇒ result type and sample, and the type matches the name.
    if e.item_type == "01" && e.result_name.trim().is_empty() {
        c.push(
            "result_name",
            "q2.result",
            "行政许可事项须填写审批结果名称",
            "A licensing item needs a result name",
        );
    }
    let rn = e.result_name.trim();
    if !rn.is_empty() {
        if e.result_type.is_empty() {
            c.push(
                "result_type",
                "q2.result",
                "填写了审批结果名称时须选择审批结果类型",
                "A result name needs a result type",
            );
        }
        if e.result_sample.trim().is_empty() {
            c.push(
                "result_sample",
                "q2.result",
                "填写了审批结果名称时须提供结果样本",
                "A result name needs a result sample",
            );
        }
        let expect = if rn.contains("批复") || rn.contains("批文") {
            Some(("3", "审批办结"))
        } else if (rn.ends_with('证') || rn.ends_with("证书"))
            && !rn.ends_with("凭证")
            && !rn.ends_with("证明")
        {
            Some(("1", "出证办结"))
        } else if rn.ends_with('文') {
            Some(("2", "出文办结"))
        } else {
            None
        };
        if let Some((code, zh)) = expect
            && !e.result_type.is_empty()
            && e.result_type != code
        {
            c.push(
                "result_type",
                "q2.result_type",
                format!("结果名称“{rn}”对应的审批结果类型应为{zh}"),
                format!("The result \"{rn}\" implies result type {code}"),
            );
        }
    }
    // 3. Visits ⇔ reason.
    if e.visits > 0 && e.visits_reason.trim().is_empty() {
        c.push(
            "visits_reason",
            "q3.visits_reason",
            "到办事现场次数不为0时须说明必须现场办理的原因",
            "A visit count above 0 needs the reason why the visit is necessary",
        );
    }
    if e.visits == 0 && !e.visits_reason.trim().is_empty() {
        c.push(
            "visits_reason",
            "q3.visits_reason",
            "到办事现场次数为0时不应填写现场办理原因",
            "With no visits there is no reason for a visit",
        );
    }
    // 4. No visit and not online ⇒ by post.
    let online = e.handling_forms.iter().any(|f| f == "2" || f == "3");
    if APPLICATION_TYPES.contains(&e.item_type.as_str())
        && e.visits == 0
        && !online
        && !e.handling_forms.iter().any(|f| f == "4")
    {
        c.push(
            "handling_forms",
            "q4.no_visit_channel",
            "零跑动且不支持网办的事项，办理形式须包含快递申请",
            "With no visit and no online channel, the handling forms must include post",
        );
    }
    // 5. 全程网办 (Ⅳ) ⇒ 0 visits: guaranteed by the derivation of the level; a fully online
    //    capability set with visits is reported so the editor knows the level dropped to Ⅲ.
    let full = ["1", "2", "3", "4", "5", "6"]
        .iter()
        .all(|d| e.online_depth.iter().any(|x| x == d));
    if full && e.visits > 0 {
        c.push(
            "visits",
            "q5.full_online",
            "网办深度为全程网办时到办事现场次数应为0",
            "A fully online item needs 0 visits",
        );
    }
    // 6. Fees.
    if e.is_fee {
        if e.fee_basis.trim().is_empty() {
            c.push(
                "fee_basis",
                "q6.fee",
                "收费事项须填写收费依据",
                "A charged item needs the legal basis of the fee",
            );
        }
        if e.fees.is_empty() {
            c.push(
                "fees",
                "q6.fee",
                "收费事项须列出收费项目",
                "A charged item needs its fee items",
            );
        }
        for (i, f) in e.fees.iter().enumerate() {
            c.required(&format!("fees[{i}].name"), &f.name);
            c.required(&format!("fees[{i}].standard"), &f.standard);
        }
    } else {
        if e.online_payment {
            c.push(
                "online_payment",
                "q6.fee",
                "不收费事项不应支持网上支付",
                "An item without fees cannot offer online payment",
            );
        }
        if !e.fees.is_empty() {
            c.push(
                "fees",
                "q6.fee",
                "不收费事项不应有收费项目",
                "An item without fees cannot have fee items",
            );
        }
    }
    // 7. Phones differ and carry an area code; a precise address; hours mention working days.
    let area = |s: &str| {
        let s = s.trim();
        match s.split_once('-') {
            Some((a, n)) => {
                a.starts_with('0')
                    && (3..=4).contains(&a.len())
                    && a.bytes().all(|b| b.is_ascii_digit())
                    && (5..=8).contains(&n.len())
                    && n.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        }
    };
    if !e.consult_phone.is_empty() && !area(&e.consult_phone) {
        c.push(
            "consult_phone",
            "q7.area_code",
            "咨询电话须带区号（如 0759-3388123）",
            "The enquiry phone needs its area code (e.g. 0759-3388123)",
        );
    }
    if !e.supervise_phone.is_empty() && !area(&e.supervise_phone) {
        c.push(
            "supervise_phone",
            "q7.area_code",
            "监督投诉电话须带区号（如 0759-12345）",
            "The complaints phone needs its area code (e.g. 0759-12345)",
        );
    }
    if !e.consult_phone.is_empty() && e.consult_phone.trim() == e.supervise_phone.trim() {
        c.push(
            "supervise_phone",
            "q7.same_phone",
            "监督投诉电话不能与咨询电话相同",
            "The complaints phone must differ from the enquiry phone",
        );
    }
    if !e.location.is_empty()
        && !["窗口", "室", "号", "楼", "层", "厅"]
            .iter()
            .any(|k| e.location.contains(k))
    {
        c.push(
            "location",
            "q7.location",
            "办理地点应精确到大厅、楼层、窗口或房间",
            "The location must be precise to the hall, floor, window or room",
        );
    }
    if !e.hours.is_empty()
        && !["工作日", "周一", "星期一", "24小时"]
            .iter()
            .any(|k| e.hours.contains(k))
    {
        c.push(
            "hours",
            "q7.hours",
            "办理时间应说明工作日及时段",
            "The hours must state the working days and times",
        );
    }
    // 8. Service objects agree with the themes; licensing items have FAQs and a step table
    //    whose durations fit in the promised limit.
    let has_obj = |codes: &[&str]| {
        e.service_objects
            .iter()
            .any(|o| codes.contains(&o.as_str()))
    };
    if !e.personal_themes.is_empty() && !has_obj(&["1"]) {
        c.push(
            "personal_themes",
            "q8.themes",
            "填写了自然人主题，服务对象须包含自然人",
            "Personal themes need the service object 'natural person'",
        );
    }
    if !e.enterprise_themes.is_empty() && !has_obj(&["2", "3", "4", "6"]) {
        c.push(
            "enterprise_themes",
            "q8.themes",
            "填写了法人主题，服务对象须包含法人或其他组织",
            "Enterprise themes need an organisation among the service objects",
        );
    }
    if has_obj(&["1"])
        && e.personal_themes.is_empty()
        && APPLICATION_TYPES.contains(&e.item_type.as_str())
    {
        c.push(
            "personal_themes",
            "q8.themes",
            "服务对象包含自然人时须选择自然人主题",
            "With natural persons among the service objects, choose a personal theme",
        );
    }
    if has_obj(&["2"])
        && e.enterprise_themes.is_empty()
        && APPLICATION_TYPES.contains(&e.item_type.as_str())
    {
        c.push(
            "enterprise_themes",
            "q8.themes",
            "服务对象包含企业法人时须选择法人主题",
            "With enterprises among the service objects, choose an enterprise theme",
        );
    }
    if e.item_type == "01" {
        if e.faqs.is_empty() {
            c.push(
                "faqs",
                "q8.faq",
                "行政许可事项至少需要一条常见问题",
                "A licensing item needs at least one FAQ",
            );
        }
        if e.process_steps.is_empty() {
            c.push(
                "process_steps",
                "q8.steps",
                "行政许可事项须以表格列出办理环节",
                "A licensing item needs its process as a table of steps",
            );
        }
    }
    let steps: i64 = e.process_steps.iter().map(|s| s.limit).sum();
    if !e.process_steps.is_empty() && steps > e.promised_limit {
        c.push(
            "process_steps",
            "q8.steps_limit",
            format!(
                "各环节时限之和（{steps}）超过承诺办结时限（{}）",
                e.promised_limit
            ),
            format!(
                "The steps take {steps} in total, more than the promised limit of {}",
                e.promised_limit
            ),
        );
    }
}

/// Everything checked on submission: shape, completeness and quality.
pub fn for_submission(e: &Elements) -> Vec<FieldError> {
    let mut c = Check { errors: shape(e) };
    complete(e, &mut c);
    quality(e, &mut c);
    c.errors
}

/// Validates a basic directory item.
pub fn basic_item(b: &BasicItemInput) -> Vec<FieldError> {
    let mut c = Check::new();
    if !code_ok(b.code.trim(), 12) {
        c.push(
            "code",
            "basic_code.format",
            "基本编码应为1至12位数字或大写字母",
            "A basic code has 1 to 12 digits or upper-case letters",
        );
    }
    c.required("name", &b.name);
    c.len("name", &b.name, 200);
    c.required("item_type", &b.item_type);
    c.code("item_type", &codes::ITEM_TYPES, b.item_type.trim());
    c.required("legal_basis", &b.legal_basis);
    c.len("legal_basis", &b.legal_basis, 5000);
    if !b.parent_code.is_empty() && !code_ok(&b.parent_code, 12) {
        c.push(
            "parent_code",
            "basic_code.format",
            "主项基本编码格式不正确",
            "The main item's basic code is malformed",
        );
    }
    for (i, l) in b
        .levels
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        c.code(&format!("levels[{i}]"), &codes::LEVELS, l);
    }
    if let Some(n) = b.statutory_limit {
        c.range("statutory_limit", n, 0, 3650);
    }
    c.code(
        "statutory_unit",
        &codes::TIME_UNITS,
        b.statutory_unit.trim(),
    );
    c.errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Faq, Fee, Material, ProcessStep};

    /// A complete, quality-clean licensing item.
    pub(crate) fn good() -> Elements {
        Elements {
            name: "食品经营许可证核发".into(),
            basic_code: "000117008000".into(),
            item_type: "01".into(),
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            department_name: "湛江市市场监督管理局".into(),
            department_uscc: "11440800MB2C0000XX".into(),
            exercise_level: "3".into(),
            subject_nature: "1".into(),
            power_source: "1".into(),
            acceptance_conditions: "申请人取得营业执照等合法主体资格".into(),
            process: "申请—受理—审查—决定—送达".into(),
            process_steps: vec![
                ProcessStep {
                    name: "受理".into(),
                    limit: 1,
                    description: String::new(),
                },
                ProcessStep {
                    name: "审查".into(),
                    limit: 5,
                    description: String::new(),
                },
                ProcessStep {
                    name: "决定".into(),
                    limit: 1,
                    description: String::new(),
                },
            ],
            statutory_limit: 20,
            statutory_unit: "1".into(),
            promised_limit: 7,
            promised_unit: "1".into(),
            case_type: "2".into(),
            result_type: "1".into(),
            result_name: "食品经营许可证".into(),
            result_sample: "https://zwfw.zhanjiang.gov.cn/samples/spjyxkz.pdf".into(),
            service_objects: vec!["2".into()],
            enterprise_themes: vec!["E02".into()],
            handling_forms: vec!["1".into(), "2".into()],
            online_depth: ["1", "2", "3", "4", "5", "6"].map(String::from).to_vec(),
            online_url: "https://www.gdzwfw.gov.cn/".into(),
            location: "湛江市政务服务中心二楼 A区 12号窗口".into(),
            hours: "工作日 上午8:30-12:00，下午14:30-17:30".into(),
            consult_phone: "0759-3388123".into(),
            supervise_phone: "0759-12345".into(),
            faqs: vec![Faq {
                question: "需要现场核查吗？".into(),
                answer: "仅经营场所变更时需要。".into(),
            }],
            materials: vec![Material {
                key: "M01".into(),
                name: "食品经营许可申请书".into(),
                source: "1".into(),
                originals: 1,
                format: "3".into(),
                required: true,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn rules(v: &[FieldError]) -> Vec<(String, String)> {
        v.iter()
            .map(|e| (e.field.clone(), e.rule.clone()))
            .collect()
    }

    #[test]
    fn a_good_item_passes_everything() {
        assert_eq!(rules(&for_submission(&good())), vec![]);
    }

    #[test]
    fn rule_1_instant_matches_case_type() {
        let mut e = good();
        e.promised_limit = 0;
        e.process_steps.clear();
        assert!(rules(&for_submission(&e)).contains(&("case_type".into(), "q1.instant".into())));
    }

    #[test]
    fn rule_2_result_type_follows_the_name() {
        let mut e = good();
        e.result_type = "2".into();
        assert!(
            rules(&for_submission(&e)).contains(&("result_type".into(), "q2.result_type".into()))
        );
        e.result_name = "建设项目批复".into();
        e.result_type = "3".into();
        assert!(
            !rules(&for_submission(&e))
                .iter()
                .any(|(_, r)| r == "q2.result_type")
        );
        e.result_sample.clear();
        assert!(rules(&for_submission(&e)).contains(&("result_sample".into(), "q2.result".into())));
    }

    #[test]
    fn rule_3_visits_need_a_reason() {
        let mut e = good();
        e.visits = 1;
        let r = rules(&for_submission(&e));
        assert!(r.contains(&("visits_reason".into(), "q3.visits_reason".into())));
        assert!(r.contains(&("visits".into(), "q5.full_online".into())));
    }

    #[test]
    fn rule_4_zero_visits_offline_needs_post() {
        let mut e = good();
        e.handling_forms = vec!["1".into()];
        e.online_url.clear();
        assert!(
            rules(&for_submission(&e))
                .contains(&("handling_forms".into(), "q4.no_visit_channel".into()))
        );
        e.handling_forms.push("4".into());
        assert!(
            !rules(&for_submission(&e))
                .iter()
                .any(|(_, r)| r == "q4.no_visit_channel")
        );
    }

    #[test]
    fn rule_6_fees() {
        let mut e = good();
        e.online_payment = true;
        assert!(rules(&for_submission(&e)).contains(&("online_payment".into(), "q6.fee".into())));
        e.is_fee = true;
        let r = rules(&for_submission(&e));
        assert!(r.contains(&("fee_basis".into(), "q6.fee".into())));
        assert!(r.contains(&("fees".into(), "q6.fee".into())));
        e.fee_basis = "粤价〔2019〕1号".into();
        e.fees = vec![Fee {
            name: "工本费".into(),
            standard: "每证10元".into(),
            ..Default::default()
        }];
        assert!(
            !rules(&for_submission(&e))
                .iter()
                .any(|(_, r)| r == "q6.fee")
        );
    }

    #[test]
    fn rule_7_phones_location_hours() {
        let mut e = good();
        e.supervise_phone = e.consult_phone.clone();
        e.location = "湛江市".into();
        e.hours = "上午".into();
        let r = rules(&for_submission(&e));
        assert!(r.contains(&("supervise_phone".into(), "q7.same_phone".into())));
        assert!(r.contains(&("location".into(), "q7.location".into())));
        assert!(r.contains(&("hours".into(), "q7.hours".into())));
        e.consult_phone = "3388123".into();
        assert!(
            rules(&for_submission(&e)).contains(&("consult_phone".into(), "q7.area_code".into()))
        );
    }

    #[test]
    fn rule_8_themes_faq_and_steps() {
        let mut e = good();
        e.personal_themes = vec!["P05".into()];
        e.faqs.clear();
        e.process_steps[1].limit = 50;
        let r = rules(&for_submission(&e));
        assert!(r.contains(&("personal_themes".into(), "q8.themes".into())));
        assert!(r.contains(&("faqs".into(), "q8.faq".into())));
        assert!(r.contains(&("process_steps".into(), "q8.steps_limit".into())));
    }

    #[test]
    fn shape_errors_name_nested_fields() {
        let mut e = good();
        e.materials[0].licence_type = "123".into();
        e.materials[0].originals = -1;
        e.service_objects = vec!["9".into()];
        e.online_url = "ftp://x".into();
        let r = rules(&shape(&e));
        assert!(r.contains(&(
            "materials[0].licence_type".into(),
            "licence_type.format".into()
        )));
        assert!(r.contains(&("materials[0].originals".into(), "range".into())));
        assert!(r.contains(&("service_objects[0]".into(), "code.unknown".into())));
        assert!(r.contains(&("online_url".into(), "url".into())));
    }

    #[test]
    fn shape_checks_the_form_and_the_workflow() {
        let mut e = good();
        e.form = serde_json::from_value(serde_json::json!([
            {"key": "Bad", "label": "名称", "kind": "text"},
            {"key": "kind", "label": "类型", "kind": "choice"}
        ]))
        .unwrap();
        e.workflow = Some(
            serde_json::from_value(serde_json::json!({
                "code": "", "version": 1, "name": "流程", "stages": []
            }))
            .unwrap(),
        );
        let r = rules(&shape(&e));
        for (field, rule) in [
            ("form[0].key", "form.key"),
            ("form[1].options", "form.options_required"),
            ("workflow.code", "required"),
            ("workflow.stages", "workflow.no_stages"),
        ] {
            assert!(
                r.contains(&(field.into(), rule.into())),
                "{field} {rule}: {r:?}"
            );
        }
        assert_eq!(rules(&for_submission(&e)).len(), r.len());
    }

    #[test]
    fn licence_type_codes() {
        assert!(licence_type_ok("11100000000013127D001"));
        assert!(!licence_type_ok("11100000000013127D00"));
        assert!(!licence_type_ok("11100000000013127X001"));
        assert!(!licence_type_ok("证照类型代码证照类型代"));
    }
}
