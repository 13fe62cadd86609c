//! The checks of a bundle definition: its own shape (`shape`, on every save) and its fit to the
//! implementation items it combines (`against_items`, on submission for review and again at
//! publication, against the items' current published versions). Errors name the definition's
//! path (`parts[1].fields[0].from`), in Chinese and English.

use std::collections::{HashMap, HashSet};

use yiwang_kernel::FieldError;

use crate::model::{Bundle, Condition, Holder, ItemSpec, Source, Transform};

const MAX_PARTS: usize = 20;
const MAX_QUESTIONS: usize = 20;

fn err(
    field: impl Into<String>,
    rule: &str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> FieldError {
    FieldError::new(field, rule, zh, en)
}

fn is_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_code(s: &str) -> bool {
    (3..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn text(errs: &mut Vec<FieldError>, field: &str, s: &str, max: usize, required: bool) {
    if required && s.trim().is_empty() {
        errs.push(FieldError::required(field));
    } else if s.chars().count() > max {
        errs.push(FieldError::max_chars(field, max));
    }
}

fn unique<'a>(
    errs: &mut Vec<FieldError>,
    what: &str,
    keys: impl Iterator<Item = (usize, &'a str)>,
) {
    let mut seen = HashSet::new();
    for (i, k) in keys {
        let field = format!("{what}[{i}].key");
        if !is_key(k) {
            errs.push(err(
                field,
                "bundle.key",
                "键应为 1–40 个字母、数字或下划线",
                "A key is 1–40 letters, digits or underscores",
            ));
        } else if !seen.insert(k) {
            errs.push(err(
                field,
                "bundle.duplicate_key",
                format!("键“{k}”重复"),
                format!("The key \"{k}\" is used twice"),
            ));
        }
    }
}

/// The definition's own rules: codes and keys, names, the questionnaire, the merged form (the
/// form rules of `yiwang-forms`), every reference within the definition, and parts' `after`
/// without cycles.
pub fn shape(b: &Bundle) -> Vec<FieldError> {
    let mut e = Vec::new();
    if !is_code(&b.code) {
        e.push(err(
            "code",
            "bundle.code",
            "编码应为 3–40 个小写字母、数字或连字符",
            "The code is 3–40 lower-case letters, digits or hyphens",
        ));
    }
    text(&mut e, "name", &b.name, 60, true);
    text(&mut e, "name_en", &b.name_en, 120, false);
    text(&mut e, "theme", &b.theme, 30, true);
    text(&mut e, "summary", &b.summary, 500, false);
    text(&mut e, "keywords", &b.keywords, 200, false);
    if b.promised_days == 0 || b.promised_days > 365 {
        e.push(FieldError::range("promised_days", 1, 365));
    }
    if b.questions.len() > MAX_QUESTIONS {
        e.push(FieldError::range("questions", 0, MAX_QUESTIONS as i64));
    }
    unique(
        &mut e,
        "questions",
        b.questions
            .iter()
            .enumerate()
            .map(|(i, q)| (i, q.key.as_str())),
    );
    for (i, q) in b.questions.iter().enumerate() {
        text(&mut e, &format!("questions[{i}].text"), &q.text, 100, true);
        if q.choices.len() < 2 {
            e.push(err(
                format!("questions[{i}].choices"),
                "bundle.choices",
                "每个问题至少有两个选项",
                "A question has at least two choices",
            ));
        }
        let mut seen = HashSet::new();
        for (j, c) in q.choices.iter().enumerate() {
            if !is_key(&c.value) || !seen.insert(c.value.as_str()) {
                e.push(err(
                    format!("questions[{i}].choices[{j}].value"),
                    "bundle.choice_value",
                    "选项值应唯一，且为字母、数字或下划线",
                    "A choice's value is unique and made of letters, digits or underscores",
                ));
            }
            text(
                &mut e,
                &format!("questions[{i}].choices[{j}].label"),
                &c.label,
                40,
                true,
            );
        }
    }
    e.extend(
        yiwang_forms::check_definition(&b.fields)
            .into_iter()
            .map(|x| x.within("fields")),
    );
    unique(
        &mut e,
        "materials",
        b.materials
            .iter()
            .enumerate()
            .map(|(i, m)| (i, m.key.as_str())),
    );
    for (i, m) in b.materials.iter().enumerate() {
        text(&mut e, &format!("materials[{i}].name"), &m.name, 100, true);
        text(
            &mut e,
            &format!("materials[{i}].notes"),
            &m.notes,
            500,
            false,
        );
    }
    if b.parts.len() < 2 || b.parts.len() > MAX_PARTS {
        e.push(err(
            "parts",
            "bundle.parts",
            format!("一件事应包含 2–{MAX_PARTS} 个事项"),
            format!("A bundle combines 2–{MAX_PARTS} items"),
        ));
    }
    unique(
        &mut e,
        "parts",
        b.parts.iter().enumerate().map(|(i, p)| (i, p.key.as_str())),
    );
    let fields: HashSet<&str> = b.fields.iter().map(|f| f.key.as_str()).collect();
    let materials: HashSet<&str> = b.materials.iter().map(|m| m.key.as_str()).collect();
    let parts: HashSet<&str> = b.parts.iter().map(|p| p.key.as_str()).collect();
    let mut items = HashSet::new();
    for (i, p) in b.parts.iter().enumerate() {
        let at = format!("parts[{i}]");
        if p.item.trim().is_empty() {
            e.push(FieldError::required(format!("{at}.item")));
        } else if !items.insert(p.item.as_str()) {
            e.push(err(
                format!("{at}.item"),
                "bundle.duplicate_item",
                format!("事项“{}”在一件事中出现两次", p.item),
                format!("The item \"{}\" appears twice in the bundle", p.item),
            ));
        }
        text(&mut e, &format!("{at}.name"), &p.name, 60, false);
        if let Some(c) = &p.when {
            condition(&mut e, &format!("{at}.when"), c, b);
        }
        for (j, a) in p.after.iter().enumerate() {
            if !parts.contains(a.as_str()) || a == &p.key {
                e.push(err(
                    format!("{at}.after[{j}]"),
                    "bundle.unknown_part",
                    format!("没有可依赖的事项“{a}”"),
                    format!("There is no other part \"{a}\" to wait for"),
                ));
            }
        }
        let mut targets = HashSet::new();
        for (j, m) in p.fields.iter().enumerate() {
            let f = format!("{at}.fields[{j}]");
            if !targets.insert(m.to.as_str()) {
                e.push(err(
                    format!("{f}.to"),
                    "bundle.duplicate_key",
                    format!("事项字段“{}”映射了两次", m.to),
                    format!("The item field \"{}\" is mapped twice", m.to),
                ));
            }
            source(
                &mut e,
                &format!("{f}.from"),
                &m.from,
                &fields,
                b,
                p.after.as_slice(),
            );
        }
        let mut entries = HashSet::new();
        for (j, m) in p.materials.iter().enumerate() {
            let f = format!("{at}.materials[{j}]");
            if !entries.insert(m.entry.as_str()) {
                e.push(err(
                    format!("{f}.entry"),
                    "bundle.duplicate_key",
                    format!("材料“{}”映射了两次", m.entry),
                    format!("The checklist entry \"{}\" is mapped twice", m.entry),
                ));
            }
            if !materials.contains(m.material.as_str()) {
                e.push(err(
                    format!("{f}.material"),
                    "bundle.unknown_material",
                    format!("一件事材料中没有“{}”", m.material),
                    format!("The bundle has no material \"{}\"", m.material),
                ));
            }
        }
    }
    if let Some(cycle) = cycle(b) {
        e.push(err(
            "parts",
            "bundle.cycle",
            format!("事项之间的依赖成环：{}", cycle.join(" → ")),
            format!(
                "The parts wait for each other in a cycle: {}",
                cycle.join(" → ")
            ),
        ));
    }
    e
}

fn condition(e: &mut Vec<FieldError>, at: &str, c: &Condition, b: &Bundle) {
    match c {
        Condition::Answer { question, values } => {
            match b.questions.iter().find(|q| &q.key == question) {
                None => e.push(err(
                    format!("{at}.question"),
                    "bundle.unknown_question",
                    format!("没有名为“{question}”的问题"),
                    format!("There is no question \"{question}\""),
                )),
                Some(q) => {
                    if values.is_empty()
                        || values
                            .iter()
                            .any(|v| !q.choices.iter().any(|c| &c.value == v))
                    {
                        e.push(err(
                        format!("{at}.values"),
                        "bundle.unknown_choice",
                        format!("条件的取值应为问题“{}”的选项", q.text),
                        format!("The condition's values must be choices of the question \"{question}\""),
                    ));
                    }
                }
            }
        }
        Condition::All(cs) | Condition::Any(cs) => {
            if cs.is_empty() {
                e.push(FieldError::required(at));
            }
            for (i, c) in cs.iter().enumerate() {
                condition(e, &format!("{at}[{i}]"), c, b);
            }
        }
    }
}

fn source(
    e: &mut Vec<FieldError>,
    at: &str,
    s: &Source,
    fields: &HashSet<&str>,
    b: &Bundle,
    after: &[String],
) {
    let field = |e: &mut Vec<FieldError>, f: &str| {
        if !fields.contains(f) {
            e.push(err(
                at,
                "bundle.unknown_field",
                format!("合并表单中没有字段“{f}”"),
                format!("The merged form has no field \"{f}\""),
            ));
        }
    };
    match s {
        Source::Field {
            field: f,
            transform,
        } => {
            field(e, f);
            if let Some(Transform::Map { table }) = transform
                && table.is_empty()
            {
                e.push(FieldError::required(format!("{at}.transform.map.table")));
            }
            if let Some(Transform::Scale { factor }) = transform
                && !factor.is_finite()
            {
                e.push(err(
                    format!("{at}.transform"),
                    "bundle.scale",
                    "倍数应为有限数",
                    "The factor must be a finite number",
                ));
            }
        }
        Source::Join { fields: fs, .. } => {
            if fs.is_empty() {
                e.push(FieldError::required(format!("{at}.join.fields")));
            }
            for f in fs {
                field(e, f);
            }
        }
        Source::Answer { question } => {
            if !b.questions.iter().any(|q| &q.key == question) {
                e.push(err(
                    at,
                    "bundle.unknown_question",
                    format!("没有名为“{question}”的问题"),
                    format!("There is no question \"{question}\""),
                ));
            }
        }
        Source::Const { .. } => {}
        Source::Result { part, value } => {
            if !after.contains(part) {
                e.push(err(
                    at,
                    "bundle.result_not_after",
                    format!("取用“{part}”的办理结果，须先在 after 中声明等待它"),
                    format!("A value of part \"{part}\"'s result needs \"{part}\" in `after`"),
                ));
            }
            let ok = value == "identifier"
                || value == "number"
                || value.strip_prefix("face.").is_some_and(|k| !k.is_empty());
            if !ok {
                e.push(err(
                    at,
                    "bundle.result_value",
                    "结果取值应为 identifier、number 或 face.<字段>",
                    "A result value is identifier, number or face.<field>",
                ));
            }
        }
    }
}

/// A cycle among the parts' `after`, as the keys along it.
fn cycle(b: &Bundle) -> Option<Vec<String>> {
    let after: HashMap<&str, &[String]> = b
        .parts
        .iter()
        .map(|p| (p.key.as_str(), p.after.as_slice()))
        .collect();
    // 0 unvisited, 1 on the path, 2 done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    fn visit<'a>(
        k: &'a str,
        after: &HashMap<&'a str, &'a [String]>,
        state: &mut HashMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(k) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|p| *p == k).unwrap_or(0);
                let mut c: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                c.push(k.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(k, 1);
        path.push(k);
        for d in after.get(k).copied().unwrap_or_default() {
            if let Some(c) = visit(d.as_str(), after, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(k, 2);
        None
    }
    for p in &b.parts {
        let mut path = Vec::new();
        if let Some(c) = visit(p.key.as_str(), &after, &mut state, &mut path) {
            return Some(c);
        }
    }
    None
}

/// The definition against the items' current published versions (`items`: by item code):
/// every item exists and is published; its applicant kind fits the bundle's holder; every
/// mapped target is a field of its form; every field its form requires has a source; every
/// checklist entry mapped exists, and every required entry is served; a mapped field's kind
/// fits the target's (a choice feeds a choice only through a `map` transform onto its options).
pub fn against_items(b: &Bundle, items: &HashMap<String, ItemSpec>) -> Vec<FieldError> {
    let mut e = Vec::new();
    for (i, p) in b.parts.iter().enumerate() {
        let at = format!("parts[{i}]");
        let Some(item) = items.get(&p.item) else {
            e.push(err(
                format!("{at}.item"),
                "item.not_published",
                format!("事项“{}”不存在或未发布", p.item),
                format!("Item \"{}\" does not exist or is not published", p.item),
            ));
            continue;
        };
        let person = b.holder == Holder::Person;
        if item.person_only.is_some_and(|po| po != person) {
            e.push(err(
                format!("{at}.item"),
                "bundle.holder",
                format!("事项“{}”的申请对象与一件事的申请人类型不符", item.name),
                format!(
                    "Item \"{}\" takes applications from another kind of applicant than the bundle",
                    item.name
                ),
            ));
        }
        for (j, m) in p.fields.iter().enumerate() {
            let Some(target) = item.form.iter().find(|f| f.key == m.to) else {
                e.push(err(
                    format!("{at}.fields[{j}].to"),
                    "bundle.unknown_item_field",
                    format!("事项“{}”的表单中没有字段“{}”", item.name, m.to),
                    format!(
                        "The form of item \"{}\" has no field \"{}\"",
                        item.name, m.to
                    ),
                ));
                continue;
            };
            if let Source::Field { field, transform } = &m.from
                && let Some(src) = b.fields.iter().find(|f| &f.key == field)
            {
                let choice = |k: yiwang_forms::FieldKind| {
                    matches!(
                        k,
                        yiwang_forms::FieldKind::Choice | yiwang_forms::FieldKind::MultiChoice
                    )
                };
                match transform {
                    None if choice(target.kind) => {
                        let missing: Vec<&str> = src
                            .options
                            .iter()
                            .filter(|o| !target.options.iter().any(|t| t.code == o.code))
                            .map(|o| o.code.as_str())
                            .collect();
                        if !choice(src.kind) || !missing.is_empty() {
                            e.push(err(
                                format!("{at}.fields[{j}].from"),
                                "bundle.kind",
                                format!("字段“{}”的取值不全在事项字段“{}”的选项中，需声明 map 转换", field, m.to),
                                format!("The values of \"{field}\" are not all options of the item field \"{}\"; declare a map transform", m.to),
                            ));
                        }
                    }
                    Some(Transform::Map { table }) if choice(target.kind) => {
                        for (_, to) in table {
                            if !target.options.iter().any(|t| &t.code == to) {
                                e.push(err(
                                    format!("{at}.fields[{j}].from.transform"),
                                    "bundle.kind",
                                    format!("“{to}”不是事项字段“{}”的选项", m.to),
                                    format!(
                                        "\"{to}\" is not an option of the item field \"{}\"",
                                        m.to
                                    ),
                                ));
                            }
                        }
                    }
                    _ if target.kind == yiwang_forms::FieldKind::Table
                        && src.kind != target.kind =>
                    {
                        e.push(err(
                            format!("{at}.fields[{j}].from"),
                            "bundle.kind",
                            format!("表格字段“{}”只能由表格字段填写", m.to),
                            format!(
                                "The table field \"{}\" can only be filled from a table field",
                                m.to
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        for f in item
            .form
            .iter()
            .filter(|f| f.required && f.prefill.is_none())
        {
            if !p.fields.iter().any(|m| m.to == f.key) {
                e.push(err(
                    format!("{at}.fields"),
                    "bundle.unmapped_field",
                    format!(
                        "事项“{}”的必填字段“{}”（{}）没有来源",
                        item.name, f.label, f.key
                    ),
                    format!(
                        "The required field \"{}\" ({}) of item \"{}\" has no source",
                        or(&f.label_en, &f.label),
                        f.key,
                        item.name
                    ),
                ));
            }
        }
        for (j, m) in p.materials.iter().enumerate() {
            if !item.materials.iter().any(|(k, _, _)| k == &m.entry) {
                e.push(err(
                    format!("{at}.materials[{j}].entry"),
                    "bundle.unknown_entry",
                    format!("事项“{}”的材料清单中没有“{}”", item.name, m.entry),
                    format!(
                        "The checklist of item \"{}\" has no entry \"{}\"",
                        item.name, m.entry
                    ),
                ));
            }
        }
        for (k, name, _) in item.materials.iter().filter(|(_, _, req)| *req) {
            if !p.materials.iter().any(|m| &m.entry == k) {
                e.push(err(
                    format!("{at}.materials"),
                    "bundle.unmapped_material",
                    format!("事项“{}”的必备材料“{name}”没有对应的一件事材料", item.name),
                    format!("The required material \"{name}\" of item \"{}\" is not served by a bundle material", item.name),
                ));
            }
        }
        if !item.online {
            e.push(err(
                format!("{at}.item"),
                "bundle.not_online",
                format!("事项“{}”不能网上申请，不能纳入网上一件事", item.name),
                format!("Item \"{}\" cannot be applied for online, so it cannot be part of an online bundle", item.name),
            ));
        }
    }
    e
}

fn or<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.trim().is_empty() { b } else { a }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
