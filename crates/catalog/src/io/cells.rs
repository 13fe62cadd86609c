//! One cell in and out: booleans, numbers, codes by code or label, multi-valued cells;
//! the element object a row overlays.

use super::*;

pub(super) const SEPARATORS: [char; 5] = ['、', ',', '，', ';', '；'];

/// Joins the values of a multi-valued cell on export.
pub(super) const JOINER: &str = "、";

pub(super) fn parse_bool(field: &str, s: &str) -> std::result::Result<bool, FieldError> {
    match s.trim().to_lowercase().as_str() {
        "是" | "1" | "true" | "y" | "yes" => Ok(true),
        "否" | "0" | "false" | "n" | "no" | "" => Ok(false),
        _ => Err(FieldError::new(
            field,
            "bool",
            format!("“{s}”应为“是”或“否”（也可写1/0、true/false、Y/N）"),
            format!("\"{s}\" must be 是 or 否 (yes/no; 1/0, true/false and Y/N also work)"),
        )),
    }
}

/// A whole number; an empty cell is 0, and so is 即办 for a time limit. `20.0` (as spreadsheets
/// store numbers) is 20.
pub(super) fn parse_int(field: &str, s: &str, limit: bool) -> std::result::Result<i64, FieldError> {
    let s = s.trim();
    if s.is_empty() || (limit && s == "即办") {
        return Ok(0);
    }
    let int_part = match s.split_once('.') {
        Some((i, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => i,
        _ => s,
    };
    int_part.parse::<i64>().map_err(|_| {
        FieldError::new(
            field,
            "number",
            format!("“{s}”应为整数"),
            format!("\"{s}\" must be a whole number"),
        )
    })
}

pub(super) fn split_multi(s: &str) -> impl Iterator<Item = &str> {
    s.split(SEPARATORS).map(str::trim).filter(|p| !p.is_empty())
}

/// Reads one cell. `Key` cells are returned as text.
pub(super) fn parse_cell(
    kind: Kind,
    field: &str,
    s: &str,
) -> std::result::Result<Value, FieldError> {
    let s = s.trim();
    Ok(match kind {
        Kind::Key | Kind::Text => Value::String(s.to_string()),
        Kind::Code(t) => {
            if s.is_empty() {
                Value::String(String::new())
            } else {
                Value::String(t.field(field, s)?.to_string())
            }
        }
        // A whole cell that is one label is not split (English labels may hold commas).
        Kind::Codes(t) if !s.is_empty() && t.parse(s).is_some() => {
            Value::Array(t.parse(s).into_iter().map(Value::from).collect())
        }
        Kind::Codes(t) => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for part in split_multi(s) {
                let c = t.field(field, part)?;
                if seen.insert(c) {
                    out.push(Value::from(c));
                }
            }
            Value::Array(out)
        }
        Kind::Int => Value::from(parse_int(field, s, false)?),
        Kind::Limit => Value::from(parse_int(field, s, true)?),
        Kind::Bool => Value::Bool(parse_bool(field, s)?),
    })
}

/// Writes one cell.
pub(super) fn format_cell(kind: Kind, v: Option<&Value>) -> String {
    match (kind, v) {
        (_, None | Some(Value::Null)) => String::new(),
        (Kind::Bool, Some(v)) => if v.as_bool() == Some(true) {
            "是"
        } else {
            "否"
        }
        .to_string(),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(Value::Number(n))) => n.to_string(),
        (_, Some(Value::Array(a))) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(JOINER),
        (_, Some(other)) => other.to_string(),
    }
}

pub(super) fn to_object<T: Serialize>(v: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(v).map_err(Error::internal)? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::internal("a record did not serialise to an object")),
    }
}

pub(super) fn from_object<T: DeserializeOwned>(m: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(m)).map_err(Error::internal)
}

/// Sets the values of the columns present in `layout` (except `Key` columns) on `obj`.
pub(super) fn overlay(
    obj: &mut Map<String, Value>,
    layout: &Layout,
    row: &SheetRow,
    fields: &[Field],
    errs: &mut Vec<FieldError>,
) {
    for f in fields {
        if matches!(f.kind, Kind::Key) || !layout.has(f.col.key) {
            continue;
        }
        match parse_cell(f.kind, f.col.key, layout.get(row, f.col.key)) {
            Ok(v) => {
                obj.insert(f.col.key.to_string(), v);
            }
            Err(e) => errs.push(e),
        }
    }
}
