//! The pure rules of a bundle: which parts apply under the questionnaire's answers (`plan`),
//! which merged fields and materials those parts need, how each part's item form is filled
//! from the merged form (`map_part`), how an item form's problem is named on the merged form
//! (`blame`), and what the bundle saves the applicant (`savings`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use yiwang_forms::FormField;
use yiwang_kernel::FieldError;

use crate::model::{Bundle, Condition, ItemSpec, Part, Source, Transform};

/// The questionnaire's answers: question key → chosen value.
pub type Answers = BTreeMap<String, String>;

/// Reads the answers of a request: every question answered with one of its choices, nothing
/// else. Errors name `answers.<key>`.
pub fn read_answers(b: &Bundle, raw: &Value) -> Result<Answers, Vec<FieldError>> {
    let empty = Map::new();
    let obj = match raw {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(vec![FieldError::new(
                "answers",
                "type",
                "问题回答应为对象（问题 → 选项）",
                "The answers must be an object (question → choice)",
            )]);
        }
    };
    let mut errs = Vec::new();
    let mut out = Answers::new();
    for k in obj.keys() {
        if !b.questions.iter().any(|q| &q.key == k) {
            errs.push(FieldError::new(
                format!("answers.{k}"),
                "bundle.unknown_question",
                format!("没有名为“{k}”的问题"),
                format!("There is no question \"{k}\""),
            ));
        }
    }
    for q in &b.questions {
        let field = format!("answers.{}", q.key);
        let v = match obj.get(&q.key) {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Bool(true)) => "yes".to_string(),
            Some(Value::Bool(false)) => "no".to_string(),
            _ => String::new(),
        };
        if v.is_empty() {
            errs.push(FieldError::new(
                field,
                "required",
                format!("请回答：{}", q.text),
                format!("Please answer: {}", or(&q.text_en, &q.text)),
            ));
            continue;
        }
        if !q.choices.iter().any(|c| c.value == v) {
            let allowed: Vec<&str> = q.choices.iter().map(|c| c.value.as_str()).collect();
            errs.push(FieldError::one_of(field, &allowed));
            continue;
        }
        out.insert(q.key.clone(), v);
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

fn or<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.trim().is_empty() { b } else { a }
}

/// Whether a condition holds under the answers.
pub fn holds(c: &Condition, a: &Answers) -> bool {
    match c {
        Condition::Answer { question, values } => a
            .get(question)
            .is_some_and(|v| values.iter().any(|x| x == v)),
        Condition::All(cs) => cs.iter().all(|c| holds(c, a)),
        Condition::Any(cs) => cs.iter().any(|c| holds(c, a)),
    }
}

/// What applies under one set of answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    /// Keys of the parts that apply, in the definition's order.
    pub parts: Vec<String>,
    /// Keys of the parts left out, with the question that left each out.
    pub dropped: Vec<String>,
    /// Keys of the merged fields the applying parts read, in the definition's order.
    pub fields: Vec<String>,
    /// Bundle materials the applying parts need: key and whether some part requires it.
    pub materials: Vec<PlannedMaterial>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlannedMaterial {
    pub key: String,
    pub required: bool,
    /// The parts it is attached to.
    pub parts: Vec<String>,
}

/// Which parts apply, which fields and materials they need. A part whose `after` part does not
/// apply cannot be planned (the answers combine in a way the definition does not support).
/// `items` gives each item's checklist, for whether a material is required.
pub fn plan(
    b: &Bundle,
    a: &Answers,
    items: &HashMap<String, ItemSpec>,
) -> Result<Plan, Vec<FieldError>> {
    let applies: HashSet<&str> = b
        .parts
        .iter()
        .filter(|p| p.when.as_ref().is_none_or(|c| holds(c, a)))
        .map(|p| p.key.as_str())
        .collect();
    let mut errs = Vec::new();
    for p in b.parts.iter().filter(|p| applies.contains(p.key.as_str())) {
        for dep in &p.after {
            if !applies.contains(dep.as_str()) {
                errs.push(FieldError::new(
                    "answers",
                    "bundle.dependency_dropped",
                    format!("按您的回答，“{}”所依赖的“{}”不办理，无法合并办理；请调整回答或单独申请", part_name(p, items), dep),
                    format!("With these answers \"{}\" needs \"{}\", which does not apply; change the answers or apply for it alone", part_name(p, items), dep),
                ));
            }
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let parts: Vec<&Part> = b
        .parts
        .iter()
        .filter(|p| applies.contains(p.key.as_str()))
        .collect();
    let mut used = HashSet::new();
    for p in &parts {
        for m in &p.fields {
            match &m.from {
                Source::Field { field, .. } => {
                    used.insert(field.as_str());
                }
                Source::Join { fields, .. } => used.extend(fields.iter().map(String::as_str)),
                _ => {}
            }
        }
    }
    let mut materials: Vec<PlannedMaterial> = Vec::new();
    for bm in &b.materials {
        let mut pm = PlannedMaterial {
            key: bm.key.clone(),
            required: false,
            parts: Vec::new(),
        };
        for p in &parts {
            for mm in p.materials.iter().filter(|mm| mm.material == bm.key) {
                if !pm.parts.contains(&p.key) {
                    pm.parts.push(p.key.clone());
                }
                let required = items
                    .get(&p.item)
                    .is_some_and(|i| i.materials.iter().any(|(k, _, req)| k == &mm.entry && *req));
                pm.required |= required;
            }
        }
        if !pm.parts.is_empty() {
            materials.push(pm);
        }
    }
    Ok(Plan {
        parts: parts.iter().map(|p| p.key.clone()).collect(),
        dropped: b
            .parts
            .iter()
            .filter(|p| !applies.contains(p.key.as_str()))
            .map(|p| p.key.clone())
            .collect(),
        fields: b
            .fields
            .iter()
            .filter(|f| used.contains(f.key.as_str()))
            .map(|f| f.key.clone())
            .collect(),
        materials,
    })
}

fn part_name<'a>(p: &'a Part, items: &'a HashMap<String, ItemSpec>) -> &'a str {
    if !p.name.trim().is_empty() {
        return &p.name;
    }
    items
        .get(&p.item)
        .map(|i| i.name.as_str())
        .unwrap_or(&p.key)
}

/// The merged fields a plan asks, in order (the bundle's own definitions).
pub fn planned_fields<'a>(b: &'a Bundle, plan: &Plan) -> Vec<&'a FormField> {
    b.fields
        .iter()
        .filter(|f| plan.fields.contains(&f.key))
        .collect()
}

/// Values of an earlier part's result: the licence's identifier and its face fields.
#[derive(Debug, Clone, Default)]
pub struct ResultValues {
    pub identifier: String,
    pub face: Map<String, Value>,
}

impl ResultValues {
    /// `identifier`, `number` (face `number`, else the identifier) or `face.<key>`.
    pub fn get(&self, what: &str) -> Option<String> {
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        };
        match what {
            "identifier" => Some(self.identifier.clone()),
            "number" => self
                .face
                .get("number")
                .and_then(text)
                .or_else(|| Some(self.identifier.clone())),
            w => w
                .strip_prefix("face.")
                .and_then(|k| self.face.get(k))
                .and_then(text),
        }
    }
}

/// A mapping that could not be made (a transform's table misses the value, a result value is
/// absent), named on the merged form.
fn mapping_error(field: &str, zh: String, en: String) -> FieldError {
    FieldError::new(format!("form.{field}"), "bundle.mapping", zh, en)
}

fn apply(t: &Transform, v: &Value, field: &str) -> Result<Value, FieldError> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => return Ok(Value::Null),
        v => v.to_string(),
    };
    match t {
        Transform::Map { table } => table
            .iter()
            .find(|(from, _)| from == &s)
            .map(|(_, to)| Value::String(to.clone()))
            .ok_or_else(|| {
                mapping_error(
                    field,
                    format!("取值“{s}”无法转换为事项所需的取值"),
                    format!("The value \"{s}\" has no counterpart in the item's form"),
                )
            }),
        Transform::Take { n } => Ok(Value::String(s.chars().take(*n).collect())),
        Transform::Scale { factor } => match s.trim().parse::<f64>() {
            Ok(x) => Ok(serde_json::Number::from_f64(x * factor)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
            Err(_) => Err(mapping_error(
                field,
                "应为数字".into(),
                "Must be a number".into(),
            )),
        },
        Transform::Wrap { prefix, suffix } => Ok(Value::String(format!("{prefix}{s}{suffix}"))),
    }
}

/// The item form of one part from the merged form's validated values, the answers and the
/// results of earlier parts (`results`: part key → values; absent while the part waits).
/// A field whose source is an absent result is left out (`pending` names it).
pub fn map_part(
    p: &Part,
    form: &Map<String, Value>,
    answers: &Answers,
    results: &HashMap<String, ResultValues>,
) -> Result<(Map<String, Value>, Vec<String>), Vec<FieldError>> {
    let mut out = Map::new();
    let mut pending = Vec::new();
    let mut errs = Vec::new();
    for m in &p.fields {
        let v = match &m.from {
            Source::Field { field, transform } => {
                let v = form.get(field).cloned().unwrap_or(Value::Null);
                match transform {
                    Some(t) => match apply(t, &v, field) {
                        Ok(v) => v,
                        Err(e) => {
                            errs.push(e);
                            continue;
                        }
                    },
                    None => v,
                }
            }
            Source::Join { fields, separator } => {
                let parts: Vec<String> = fields
                    .iter()
                    .filter_map(|f| match form.get(f) {
                        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().into()),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect();
                if parts.is_empty() {
                    Value::Null
                } else {
                    Value::String(parts.join(separator))
                }
            }
            Source::Answer { question } => answers
                .get(question)
                .map(|s| Value::String(s.clone()))
                .unwrap_or(Value::Null),
            Source::Const { value } => Value::String(value.clone()),
            Source::Result { part, value } => match results.get(part).and_then(|r| r.get(value)) {
                Some(s) => Value::String(s),
                None => {
                    pending.push(m.to.clone());
                    continue;
                }
            },
        };
        if !v.is_null() {
            out.insert(m.to.clone(), v);
        }
    }
    if errs.is_empty() {
        Ok((out, pending))
    } else {
        Err(errs)
    }
}

/// The merged-form name of an item form's problem (`e.field` an item field path without the
/// `form.` prefix): the item field's source — `form.<key>` of the merged field, as a case
/// submission names its form's problems; `answers.<q>` for an answer; the part itself
/// (`parts.<part>.<field>`) for a constant or a result, which the definition provides.
pub fn blame(p: &Part, mut e: FieldError) -> FieldError {
    let item_field = e.field.split(['.', '[']).next().unwrap_or("").to_string();
    let source = p
        .fields
        .iter()
        .find(|m| m.to == item_field)
        .map(|m| &m.from);
    e.field = match source {
        Some(Source::Field { field, .. }) => format!("form.{field}"),
        Some(Source::Join { fields, .. }) => {
            format!(
                "form.{}",
                fields.first().map(String::as_str).unwrap_or_default()
            )
        }
        Some(Source::Answer { question }) => format!("answers.{question}"),
        _ => format!("parts.{}.{}", p.key, e.field),
    };
    e
}

/// A copy of an item form in which fields still waiting for a result are optional (checked
/// when the part starts, with the result's value in them).
pub fn without_pending(form: &[FormField], pending: &[String]) -> Vec<FormField> {
    form.iter()
        .cloned()
        .map(|mut f| {
            if pending.contains(&f.key) {
                f.required = false;
            }
            f
        })
        .collect()
}

/// What one bundle application saves the applicant, against applying for each part alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Savings {
    /// Parts applied for.
    pub parts: u32,
    /// Sum of the parts' promised time limits (working days), as if applied for one by one.
    pub items_days: u32,
    /// The bundle's promised time (working days).
    pub bundle_days: u32,
    /// Form fields the parts' items ask in all, and the merged fields asked instead.
    pub item_fields: u32,
    pub asked_fields: u32,
    /// Checklist entries the parts ask in all, and the bundle materials asked instead.
    pub item_materials: u32,
    pub asked_materials: u32,
    /// On-site visits saved (跑动次数): one visit per part alone, one for the bundle at most.
    pub visits_saved: u32,
}

/// The savings of a plan (docs/bundles.md: how each figure is counted).
pub fn savings(b: &Bundle, plan: &Plan, items: &HashMap<String, ItemSpec>) -> Savings {
    let parts: Vec<&Part> = b
        .parts
        .iter()
        .filter(|p| plan.parts.contains(&p.key))
        .collect();
    let n = parts.len() as u32;
    let mut s = Savings {
        parts: n,
        bundle_days: b.promised_days,
        asked_fields: plan.fields.len() as u32,
        asked_materials: plan.materials.len() as u32,
        visits_saved: n.saturating_sub(1),
        ..Savings::default()
    };
    for p in parts {
        if let Some(i) = items.get(&p.item) {
            s.items_days += i.promised_days;
            s.item_fields += i.form.len() as u32;
            s.item_materials += p.materials.len() as u32;
        }
    }
    s
}

#[cfg(test)]
mod tests;
