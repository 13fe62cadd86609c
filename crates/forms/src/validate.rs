//! Value validation: checks what was submitted against a form and answers the normalised
//! values or every problem, each on its path (`form.<key>`, `form.<key>[<row>].<column>`) with
//! a message naming the field in Chinese and English (see the crate documentation for the
//! normal forms). Never panics, whatever JSON it is given.

use serde_json::{Map, Number, Value};
use time::Date;
use yiwang_kernel::FieldError;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::text;
use yiwang_org::divisions::registry;

use crate::field::{FieldKind, FormField};
use crate::normalise::{decimals, format_date, parse_date, parse_decimal, phone};
use crate::{DEFAULT_DECIMALS, DEFAULT_MAX_ROWS, MAX_NUMBER};

/// Validates submitted values against a form, as of today in China (birth dates in ID numbers
/// cannot be in the future). Services with a [`Clock`] should call [`validate_on`] with
/// `clock.today()`.
pub fn validate(
    fields: &[FormField],
    values: &Value,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    validate_on(fields, values, SystemClock.today())
}

/// Validates submitted values against a form: `values` is an object keyed by field key (`null`
/// counts as an empty form), a table an array of row objects. Answers the normalised values,
/// or every problem (see the crate documentation).
pub fn validate_on(
    fields: &[FormField],
    values: &Value,
    today: Date,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let empty = Map::new();
    let obj = match values {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(vec![FieldError::new(
                "form",
                "form.not_object",
                "申请表单的内容应为以字段编码为键的对象",
                "The form values must be an object keyed by field key",
            )]);
        }
    };
    let mut errs = Vec::new();
    let out = object(fields, obj, "form", None, today, &mut errs);
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// How a field is named in messages: `“经营者名称”`, or `“从业人员”第2行的“姓名”` in a table.
struct Name {
    zh: String,
    en: String,
}

impl Name {
    fn of(f: &FormField, row: Option<(&Name, usize)>) -> Name {
        let en_label = if f.label_en.trim().is_empty() {
            &f.label
        } else {
            &f.label_en
        };
        match row {
            None => Name {
                zh: format!("“{}”", f.label),
                en: format!("\"{en_label}\""),
            },
            Some((table, i)) => Name {
                zh: format!("{}第{}行的“{}”", table.zh, i + 1, f.label),
                en: format!("{} row {}, \"{en_label}\"", table.en, i + 1),
            },
        }
    }
}

/// A value quoted in a message, cut to 40 characters.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

fn object(
    fields: &[FormField],
    obj: &Map<String, Value>,
    prefix: &str,
    row: Option<(&Name, usize)>,
    today: Date,
    errs: &mut Vec<FieldError>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        let path = format!("{prefix}.{}", f.key);
        let name = Name::of(f, row);
        if let Some(v) = field(f, obj.get(&f.key), &path, &name, today, errs) {
            out.insert(f.key.clone(), v);
        }
    }
    for k in obj.keys() {
        if !fields.iter().any(|f| f.key == *k) {
            errs.push(FieldError::new(
                format!("{prefix}.{k}"),
                "form.unknown_field",
                format!("表单中没有字段“{}”", shown(k)),
                format!("The form has no field \"{}\"", shown(k)),
            ));
        }
    }
    out
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

fn problem(path: &str, rule: &str, name: &Name, zh: &str, en: &str) -> FieldError {
    FieldError::new(
        path,
        rule,
        format!("{}{zh}", name.zh),
        format!("{} {en}", name.en),
    )
}

/// A kernel or registry error for this field, its message prefixed with the field's name.
fn named(path: &str, name: &Name, e: FieldError) -> FieldError {
    FieldError::new(
        path,
        e.rule,
        format!("{}：{}", name.zh, e.zh),
        format!("{}: {}", name.en, e.en),
    )
}

fn type_error(path: &str, name: &Name, zh: &str, en: &str) -> FieldError {
    problem(
        path,
        "form.type",
        name,
        &format!("应为{zh}"),
        &format!("must be {en}"),
    )
}

/// One field: `None` when it is empty (and then an error if required) or wrong (an error).
fn field(
    f: &FormField,
    v: Option<&Value>,
    path: &str,
    name: &Name,
    today: Date,
    errs: &mut Vec<FieldError>,
) -> Option<Value> {
    if is_empty(v) {
        if f.required {
            errs.push(problem(path, "required", name, "为必填项", "is required"));
        }
        return None;
    }
    let v = v?;
    let string = |errs: &mut Vec<FieldError>| match v {
        Value::String(s) => Some(s.trim()),
        _ => {
            errs.push(type_error(path, name, "文本", "text"));
            None
        }
    };
    match f.kind {
        FieldKind::Text | FieldKind::Textarea | FieldKind::Address => {
            let s = string(errs)?;
            let max = f.max_len.unwrap_or_else(|| f.kind.default_max_len());
            let mut ok = true;
            if text::chars(s) > max as usize {
                ok = false;
                errs.push(problem(
                    path,
                    "max_chars",
                    name,
                    &format!("不能超过{max}个字符"),
                    &format!("must be at most {max} characters"),
                ));
            }
            let multiline = f.kind == FieldKind::Textarea;
            if s.chars()
                .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
            {
                ok = false;
                errs.push(problem(
                    path,
                    "control_chars",
                    name,
                    if multiline {
                        "含有不可见的控制字符"
                    } else {
                        "含有换行或不可见的控制字符"
                    },
                    if multiline {
                        "contains control characters"
                    } else {
                        "contains line breaks or control characters"
                    },
                ));
            }
            ok.then(|| Value::String(s.to_string()))
        }
        FieldKind::Number => number(f, v, path, name, errs),
        FieldKind::Date => {
            let s = string(errs)?;
            match parse_date(s) {
                Some(d) => Some(Value::String(format_date(d))),
                None => {
                    errs.push(problem(
                        path,
                        "form.date",
                        name,
                        "应为有效日期，格式为 YYYY-MM-DD（如 2025-03-01）",
                        "must be a real date written YYYY-MM-DD (e.g. 2025-03-01)",
                    ));
                    None
                }
            }
        }
        FieldKind::Choice => {
            let s = string(errs)?;
            match f.options.iter().find(|o| o.code == s) {
                Some(o) => Some(Value::String(o.code.clone())),
                None => {
                    errs.push(not_an_option(path, name, s));
                    None
                }
            }
        }
        FieldKind::MultiChoice => {
            let Value::Array(items) = v else {
                errs.push(type_error(
                    path,
                    name,
                    "选项代码的列表",
                    "a list of option codes",
                ));
                return None;
            };
            let mut chosen: Vec<usize> = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let Value::String(s) = item else {
                    ok = false;
                    errs.push(type_error(&p, name, "选项代码", "an option code"));
                    continue;
                };
                let s = s.trim();
                match f.options.iter().position(|o| o.code == s) {
                    None => {
                        ok = false;
                        errs.push(not_an_option(&p, name, s));
                    }
                    Some(at) if chosen.contains(&at) => {
                        ok = false;
                        errs.push(problem(
                            &p,
                            "duplicate",
                            name,
                            &format!("重复选择了“{}”", shown(s)),
                            &format!("lists \"{}\" twice", shown(s)),
                        ));
                    }
                    Some(at) => chosen.push(at),
                }
            }
            chosen.sort_unstable();
            ok.then(|| {
                Value::Array(
                    chosen
                        .into_iter()
                        .filter_map(|i| f.options.get(i))
                        .map(|o| Value::String(o.code.clone()))
                        .collect(),
                )
            })
        }
        FieldKind::IdNumber => {
            let s = string(errs)?;
            match IdNumber::parse(s, today) {
                Ok(id) => Some(Value::String(id.as_str().to_string())),
                Err(e) => {
                    errs.push(named(path, name, e));
                    None
                }
            }
        }
        FieldKind::Uscc => {
            let s = string(errs)?;
            match Uscc::parse(s) {
                Ok(u) => Some(Value::String(u.as_str().to_string())),
                Err(e) => {
                    errs.push(named(path, name, e));
                    None
                }
            }
        }
        FieldKind::Phone => {
            let s = string(errs)?;
            match phone(s) {
                Some(p) => Some(Value::String(p)),
                None => {
                    errs.push(problem(
                        path,
                        "phone.format",
                        name,
                        "应为11位手机号码或带区号的固定电话（如 13800138000、0759-1234567）",
                        "must be an 11-digit mobile number or a landline with its area code (e.g. 13800138000, 0759-1234567)",
                    ));
                    None
                }
            }
        }
        FieldKind::Division => {
            let s = string(errs)?;
            match registry().resolve(s, false) {
                Ok(d) => Some(Value::String(d.as_str().to_string())),
                Err(e) => {
                    errs.push(named(path, name, e));
                    None
                }
            }
        }
        FieldKind::Table => table(f, v, path, name, today, errs),
    }
}

fn not_an_option(path: &str, name: &Name, s: &str) -> FieldError {
    problem(
        path,
        "form.choice",
        name,
        &format!("的取值“{}”不是可选项", shown(s)),
        &format!("has no option \"{}\"", shown(s)),
    )
}

fn number(
    f: &FormField,
    v: &Value,
    path: &str,
    name: &Name,
    errs: &mut Vec<FieldError>,
) -> Option<Value> {
    let parsed = match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some((i as f64, 0))
            } else if let Some(u) = n.as_u64() {
                Some((u as f64, 0))
            } else {
                n.as_f64()
                    .filter(|x| x.is_finite())
                    .map(|x| (x, decimals(&format!("{x}"))))
            }
        }
        Value::String(s) => parse_decimal(s.trim()),
        _ => None,
    };
    let Some((x, places)) = parsed else {
        errs.push(problem(
            path,
            "form.number",
            name,
            "应为数字（如 12 或 3.5）",
            "must be a number (e.g. 12 or 3.5)",
        ));
        return None;
    };
    let mut ok = true;
    let allowed = f.decimals.unwrap_or(DEFAULT_DECIMALS);
    if places > usize::from(allowed) {
        ok = false;
        errs.push(if allowed == 0 {
            problem(
                path,
                "form.decimals",
                name,
                "应为整数",
                "must be a whole number",
            )
        } else {
            problem(
                path,
                "form.decimals",
                name,
                &format!("最多保留{allowed}位小数"),
                &format!("has at most {allowed} decimal places"),
            )
        });
    }
    let below = x < -MAX_NUMBER || f.min.is_some_and(|m| x < m);
    let above = x > MAX_NUMBER || f.max.is_some_and(|m| x > m);
    if below || above {
        ok = false;
        let bound =
            |b: Option<f64>, default: &str| b.map_or(default.to_string(), |b| b.to_string());
        let (lo, hi) = (bound(f.min, "-10^15"), bound(f.max, "10^15"));
        errs.push(problem(
            path,
            "range",
            name,
            &format!("应在{lo}到{hi}之间"),
            &format!("must be between {lo} and {hi}"),
        ));
    }
    if !ok {
        return None;
    }
    if x.fract() == 0.0 {
        // |x| ≤ 10^15: exact as an integer.
        Some(Value::from(x as i64))
    } else {
        Number::from_f64(x).map(Value::Number)
    }
}

fn table(
    f: &FormField,
    v: &Value,
    path: &str,
    name: &Name,
    today: Date,
    errs: &mut Vec<FieldError>,
) -> Option<Value> {
    let Value::Array(rows) = v else {
        errs.push(type_error(
            path,
            name,
            "表格（行的列表）",
            "a table (a list of rows)",
        ));
        return None;
    };
    let max = f.max_rows.unwrap_or(DEFAULT_MAX_ROWS);
    if rows.len() > max as usize {
        // Rows past the limit are not even looked at.
        errs.push(problem(
            path,
            "form.rows",
            name,
            &format!("最多填写{max}行"),
            &format!("has at most {max} rows"),
        ));
        return None;
    }
    let before = errs.len();
    if let Some(min) = f.min_rows
        && rows.len() < min as usize
    {
        errs.push(problem(
            path,
            "form.rows",
            name,
            &format!("至少需要填写{min}行"),
            &format!("needs at least {min} rows"),
        ));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match row {
            Value::Object(cells) => {
                out.push(Value::Object(object(
                    &f.columns,
                    cells,
                    &p,
                    Some((name, i)),
                    today,
                    errs,
                )));
            }
            _ => errs.push(type_error(
                &p,
                &Name {
                    zh: format!("{}第{}行", name.zh, i + 1),
                    en: format!("{} row {}", name.en, i + 1),
                },
                "一行（对象）",
                "a row (an object)",
            )),
        }
    }
    (errs.len() == before).then_some(Value::Array(out))
}
