//! Reading what the browser posted: the submitted values by input name (from the multipart
//! body [`crate::transfer::read_multipart`] reads), and the form JSON built from them (and
//! back, for showing again).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use yiwang_forms::{FieldKind, FormField};

/// Form values as input name → value pairs (a multiple choice has several pairs).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Values(pub Vec<(String, String)>);

impl Values {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Rows of table `key` (after [`submitted_values`] they are numbered 0..n).
    pub fn rows(&self, key: &str) -> usize {
        let prefix = format!("f.{key}.");
        self.0
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('.').next()?.parse::<usize>().ok())
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }

    /// The pairs of one top-level field (all its cells for a table).
    fn of_field(&self, key: &str) -> Vec<(String, String)> {
        let exact = format!("f.{key}");
        let prefix = format!("f.{key}.");
        let mut v: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, val)| (*k == exact || k.starts_with(&prefix)) && !val.trim().is_empty())
            .map(|(k, val)| (k.clone(), val.trim().to_string()))
            .collect();
        v.sort();
        v
    }
}

/// The form's values as submitted: the `f.` fields, each table's empty rows dropped and the
/// others renumbered from 0.
pub fn submitted_values(fields: &[FormField], text: &[(String, String)]) -> Values {
    let mut out = Vec::new();
    for f in fields {
        let name = format!("f.{}", f.key);
        if f.kind == FieldKind::Table {
            let prefix = format!("{name}.");
            let mut rows: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
            for (k, v) in text {
                let Some(rest) = k.strip_prefix(&prefix) else {
                    continue;
                };
                let Some((i, col)) = rest.split_once('.') else {
                    continue;
                };
                let Ok(i) = i.parse::<usize>() else { continue };
                if f.columns.iter().any(|c| c.key == col) {
                    rows.entry(i)
                        .or_default()
                        .push((col.to_string(), v.clone()));
                }
            }
            let filled = rows
                .into_values()
                .filter(|cells| cells.iter().any(|(_, v)| !v.trim().is_empty()));
            for (n, cells) in filled.enumerate() {
                for (col, v) in cells {
                    out.push((format!("{name}.{n}.{col}"), v));
                }
            }
        } else {
            for (k, v) in text {
                if *k == name {
                    out.push((k.clone(), v.clone()));
                }
            }
        }
    }
    Values(out)
}

fn cell_json(f: &FormField, values: &Values, name: &str) -> Option<Value> {
    if f.kind == FieldKind::MultiChoice {
        let all = values.all(name);
        (!all.is_empty()).then(|| Value::Array(all.into_iter().map(Value::String).collect()))
    } else {
        let v = values.get(name).trim();
        (!v.is_empty()).then(|| Value::String(v.to_string()))
    }
}

/// The form JSON for the domain; fields in `skip` (filled by the server) and empty fields are
/// left out.
pub fn form_json(fields: &[FormField], values: &Values, skip: &BTreeSet<String>) -> Value {
    let mut out = Map::new();
    for f in fields {
        if skip.contains(&f.key) {
            continue;
        }
        let name = format!("f.{}", f.key);
        if f.kind == FieldKind::Table {
            let rows: Vec<Value> = (0..values.rows(&f.key))
                .map(|i| {
                    let mut row = Map::new();
                    for c in &f.columns {
                        if let Some(v) = cell_json(c, values, &format!("{name}.{i}.{}", c.key)) {
                            row.insert(c.key.clone(), v);
                        }
                    }
                    Value::Object(row)
                })
                .collect();
            if !rows.is_empty() {
                out.insert(f.key.clone(), Value::Array(rows));
            }
        } else if let Some(v) = cell_json(f, values, &name) {
            out.insert(f.key.clone(), v);
        }
    }
    Value::Object(out)
}

pub(super) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn push_json(out: &mut Vec<(String, String)>, name: &str, v: &Value) {
    match v {
        Value::Array(items) => {
            for i in items {
                if let Some(s) = scalar_text(i) {
                    out.push((name.to_string(), s));
                }
            }
        }
        other => {
            if let Some(s) = scalar_text(other) {
                out.push((name.to_string(), s));
            }
        }
    }
}

/// The values of a stored form (a case's), as inputs show them.
pub fn values_of_json(fields: &[FormField], form: &Value) -> Values {
    let mut out = Vec::new();
    for f in fields {
        let Some(v) = form.get(&f.key) else { continue };
        let name = format!("f.{}", f.key);
        if f.kind == FieldKind::Table {
            if let Value::Array(rows) = v {
                for (i, row) in rows.iter().enumerate() {
                    for c in &f.columns {
                        if let Some(cell) = row.get(&c.key) {
                            push_json(&mut out, &format!("{name}.{i}.{}", c.key), cell);
                        }
                    }
                }
            }
        } else {
            push_json(&mut out, &name, v);
        }
    }
    Values(out)
}

/// The fields an applicant corrects in a supplement: not those filled from their verified
/// identity.
pub fn editable(fields: &[FormField]) -> Vec<FormField> {
    fields
        .iter()
        .filter(|f| f.prefill.is_none())
        .cloned()
        .collect()
}

/// The top-level fields whose submitted value differs from the stored one, as form JSON
/// (what a supplement changes).
pub fn changed_fields(fields: &[FormField], before: &Values, after: &Values) -> Value {
    let changed: Vec<FormField> = fields
        .iter()
        .filter(|f| before.of_field(&f.key) != after.of_field(&f.key))
        .cloned()
        .collect();
    let mut out = match form_json(&changed, after, &BTreeSet::new()) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // A field emptied on purpose is sent as null, so the domain sees the change.
    for f in &changed {
        out.entry(f.key.clone()).or_insert(Value::Null);
    }
    Value::Object(out)
}
