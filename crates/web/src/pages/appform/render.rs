//! Rendering a form: each field as an input by its kind, the prefills shown (masked), a
//! submitted form shown read-only, and the division codes offered while typing.

use super::{EMPTY_ROWS, ErrText, Errs, Values, input_id, read::scalar_text};
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use yiwang_forms::{FieldKind, FormField, Prefill};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::i18n::Lang;

#[derive(Debug, Clone, Serialize)]
pub struct OptView {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// One input of the form (a table's cells are fields too).
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub key: String,
    pub name: String,
    pub id: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub help: String,
    pub value: String,
    pub options: Vec<OptView>,
    pub max_len: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub columns: Vec<FieldView>,
    pub rows: Vec<Vec<FieldView>>,
    /// Filled from the signed-in applicant and shown read-only (masked where personal).
    pub prefilled: Option<String>,
    /// Left empty, the server fills it from the applicant entered (window reception).
    pub prefill_hint: bool,
    pub error: Option<ErrText>,
}

fn label_of(f: &FormField, lang: Lang) -> String {
    if lang == Lang::En && !f.label_en.trim().is_empty() {
        f.label_en.clone()
    } else {
        f.label.clone()
    }
}

fn view_of(
    f: &FormField,
    name: String,
    values: &Values,
    errs: &Errs,
    lang: Lang,
    rows: Vec<Vec<FieldView>>,
) -> FieldView {
    let chosen = values.all(&name);
    let value = values.get(&name).to_string();
    FieldView {
        key: f.key.clone(),
        id: input_id(&name),
        label: label_of(f, lang),
        kind: f.kind.as_str(),
        required: f.required,
        help: f.help.clone(),
        options: f
            .options
            .iter()
            .map(|o| OptView {
                code: o.code.clone(),
                label: if lang == Lang::En && !o.label_en.is_empty() {
                    o.label_en.clone()
                } else {
                    o.label.clone()
                },
                selected: if f.kind == FieldKind::MultiChoice {
                    chosen.contains(&o.code)
                } else {
                    value == o.code
                },
            })
            .collect(),
        max_len: f.max_len,
        min: f.min,
        max: f.max,
        columns: Vec::new(),
        rows,
        prefilled: None,
        prefill_hint: false,
        error: errs.get(&name).cloned(),
        value,
        name,
    }
}

/// The inputs of a form. `prefilled` holds, by field key, what is shown read-only instead of
/// an input (the server fills those); `hint_prefills` marks prefilled fields as "left empty,
/// taken from the applicant" (window reception).
pub fn field_views(
    fields: &[FormField],
    values: &Values,
    errs: &Errs,
    lang: Lang,
    prefilled: &BTreeMap<String, String>,
    hint_prefills: bool,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| {
            let name = format!("f.{}", f.key);
            let rows = if f.kind == FieldKind::Table {
                let filled = values.rows(&f.key);
                let cap = f.max_rows.unwrap_or(yiwang_forms::DEFAULT_MAX_ROWS) as usize;
                let wanted = EMPTY_ROWS
                    .max(f.min_rows.unwrap_or(0) as usize)
                    .max(filled + 1)
                    .min(cap)
                    .max(filled);
                (0..wanted)
                    .map(|i| {
                        f.columns
                            .iter()
                            .map(|c| {
                                view_of(
                                    c,
                                    format!("{name}.{i}.{}", c.key),
                                    values,
                                    errs,
                                    lang,
                                    Vec::new(),
                                )
                            })
                            .collect()
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let mut v = view_of(f, name, values, errs, lang, rows);
            v.columns = f
                .columns
                .iter()
                .map(|c| view_of(c, String::new(), &Values::default(), errs, lang, Vec::new()))
                .collect();
            v.prefilled = prefilled.get(&f.key).cloned();
            v.prefill_hint = hint_prefills && f.prefill.is_some();
            v
        })
        .collect()
}
/// The prefills of the signed-in person that are known, by prefill kind, as shown (masked).
pub fn shown_prefills(
    fields: &[FormField],
    known: &[(Prefill, String)],
) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter_map(|f| {
            let p = f.prefill?;
            known
                .iter()
                .find(|(k, v)| *k == p && !v.is_empty())
                .map(|(_, v)| (f.key.clone(), v.clone()))
        })
        .collect()
}

/// A stored form as read-only rows: each field's label and its value in words.
#[derive(Debug, Clone, Serialize)]
pub struct ShownField {
    pub label: String,
    pub text: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn value_words(f: &FormField, v: &Value, lang: Lang) -> String {
    let option = |code: &str| {
        f.options
            .iter()
            .find(|o| o.code == code)
            .map(|o| {
                if lang == Lang::En && !o.label_en.is_empty() {
                    o.label_en.clone()
                } else {
                    o.label.clone()
                }
            })
            .unwrap_or_else(|| code.to_string())
    };
    match (f.kind, v) {
        (FieldKind::Choice, Value::String(s)) => option(s),
        (FieldKind::MultiChoice, Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str())
            .map(option)
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "、" } else { ", " }),
        (FieldKind::IdNumber, Value::String(s)) => mask_id(s),
        (FieldKind::Phone, Value::String(s)) => mask_phone(s),
        (FieldKind::Division, Value::String(s)) => match yiwang_org::divisions::registry().get(s) {
            Some(d) => format!("{}（{s}）", d.name),
            None => s.clone(),
        },
        (_, other) => scalar_text(other).unwrap_or_default(),
    }
}

/// `440802********1238`: an ID number as pages show it.
pub fn mask_id(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() < 10 {
        return "*".repeat(c.len());
    }
    let head: String = c[..6].iter().collect();
    let tail: String = c[c.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(c.len() - 10))
}

/// `138****8000`, `0759-***4567`: a phone number as pages show it.
pub fn mask_phone(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    if c.len() < 7 {
        return "*".repeat(c.len());
    }
    let keep_head = if s.contains('-') {
        s.find('-').map(|i| i + 1).unwrap_or(3)
    } else {
        3
    };
    let head: String = c[..keep_head.min(c.len() - 4)].iter().collect();
    let tail: String = c[c.len() - 4..].iter().collect();
    format!(
        "{head}{}{tail}",
        "*".repeat(c.len() - head.chars().count() - 4)
    )
}

/// A stored form for reading, with ID numbers and phones masked.
pub fn shown_form(fields: &[FormField], form: &Value, lang: Lang) -> Vec<ShownField> {
    fields
        .iter()
        .filter_map(|f| {
            let v = form.get(&f.key)?;
            let label = label_of(f, lang);
            if f.kind == FieldKind::Table {
                let rows = v
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .map(|r| {
                                f.columns
                                    .iter()
                                    .map(|c| {
                                        r.get(&c.key)
                                            .map(|x| value_words(c, x, lang))
                                            .unwrap_or_default()
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(ShownField {
                    label,
                    text: String::new(),
                    columns: f.columns.iter().map(|c| label_of(c, lang)).collect(),
                    rows,
                })
            } else {
                Some(ShownField {
                    label,
                    text: value_words(f, v, lang),
                    columns: Vec::new(),
                    rows: Vec::new(),
                })
            }
        })
        .collect()
}

/// Division codes offered while typing a division (the home division's province with its
/// cities, and the home division with its counties; any other code may be typed).
pub fn division_choices(home: &DivisionCode) -> Vec<OptView> {
    let reg = yiwang_org::divisions::registry();
    let mut out: Vec<OptView> = Vec::new();
    for parent in [home.province(), home.clone()] {
        let parent = parent.as_str();
        for d in reg.get(parent).into_iter().chain(reg.children(parent)) {
            if !out.iter().any(|o| o.code == d.code.as_str()) {
                out.push(OptView {
                    code: d.code.as_str().to_string(),
                    label: d.name.clone(),
                    selected: false,
                });
            }
        }
    }
    out
}
