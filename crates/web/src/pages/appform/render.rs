//! Rendering a form: each field as an input by its kind, the prefills shown (masked), a
//! submitted form shown read-only, and the division codes offered while typing.

use super::{EMPTY_ROWS, ErrText, Errs, Values, input_id, read::scalar_text};
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use yiwang_forms::{FieldKind, FormField, Prefill};
use yiwang_kernel::codes::{DivisionCode, DivisionLevel};
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
    let mut value = values.get(&name).to_string();
    if f.kind == FieldKind::Division && value.bytes().all(|b| b.is_ascii_digit()) {
        // A stored code is shown by its name (the name is accepted back).
        value = yiwang_org::divisions::registry().display_name(&value);
    }
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
        (FieldKind::Division, Value::String(s)) => {
            yiwang_org::divisions::registry().display_name(s)
        }
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

/// Divisions offered while typing a division, by the name people write (`湛江市霞山区`):
/// the home province's cities, the home city's counties and their towns. Any other division
/// may be typed by name or code.
pub fn division_choices(home: &DivisionCode) -> Vec<OptView> {
    let reg = yiwang_org::divisions::registry();
    let city = match home.level() {
        DivisionLevel::County | DivisionLevel::Town | DivisionLevel::Village => {
            home.parent().unwrap_or_else(|| home.clone())
        }
        _ => home.clone(),
    };
    let mut codes: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !codes.iter().any(|x| x == c) {
            codes.push(c.to_string());
        }
    };
    for d in reg.children(home.province().as_str()) {
        add(d.code.as_str());
    }
    for county in reg.children(city.as_str()) {
        add(county.code.as_str());
        for town in reg.children(county.code.as_str()) {
            add(town.code.as_str());
        }
    }
    codes
        .into_iter()
        .map(|c| OptView {
            label: c.clone(),
            code: reg.display_name(&c),
            selected: false,
        })
        .collect()
}
