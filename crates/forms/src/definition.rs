//! Definition checks: is a form, as an editor wrote it, well made? Keys, labels, which
//! attributes fit which kind, options, table columns and row limits, prefills. Every broken
//! rule is reported, on its path (`form[2].options[1].code`) with a stable rule id.

use std::collections::HashSet;

use yiwang_kernel::FieldError;
use yiwang_kernel::text;

use crate::field::{FieldKind, FormField, FormOption};
use crate::{
    DEFAULT_MAX_ROWS, MAX_COLUMNS, MAX_DECIMALS, MAX_FIELDS, MAX_HELP, MAX_LABEL, MAX_LABEL_EN,
    MAX_NUMBER, MAX_OPTIONS, MAX_ROWS,
};

/// Checks a form definition: every broken rule, with its path (`form[2].options[1].code`) and
/// a stable rule id.
pub fn check_definition(fields: &[FormField]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if fields.len() > MAX_FIELDS {
        errs.push(FieldError::new(
            "form",
            "too_many",
            format!("申请表单不能超过{MAX_FIELDS}个字段"),
            format!("A form has at most {MAX_FIELDS} fields"),
        ));
    }
    check_fields(fields, "form", false, &mut errs);
    errs
}

fn check_fields(fields: &[FormField], base: &str, in_table: bool, errs: &mut Vec<FieldError>) {
    let mut keys = HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let path = format!("{base}[{i}]");
        if f.key.is_empty() {
            errs.push(FieldError::required(format!("{path}.key")));
        } else if !key_ok(&f.key) {
            errs.push(FieldError::new(
                format!("{path}.key"),
                "form.key",
                "字段编码应以小写字母开头，由小写字母、数字和下划线组成，不超过40个字符",
                "A field key starts with a lower-case letter and has at most 40 lower-case letters, digits and underscores",
            ));
        } else if !keys.insert(f.key.as_str()) {
            errs.push(FieldError::new(
                format!("{path}.key"),
                "form.key_duplicate",
                format!("字段编码“{}”重复", f.key),
                format!("The field key \"{}\" is used twice", f.key),
            ));
        }
        check_field(f, &path, in_table, errs);
    }
}

fn check_field(f: &FormField, path: &str, in_table: bool, errs: &mut Vec<FieldError>) {
    let at = |attr: &str| format!("{path}.{attr}");
    label(errs, &at("label"), &f.label, true, MAX_LABEL);
    label(errs, &at("label_en"), &f.label_en, false, MAX_LABEL_EN);
    label(errs, &at("help"), &f.help, false, MAX_HELP);

    let kind = f.kind;
    for (attr, present, fits) in [
        ("max_len", f.max_len.is_some(), kind.is_text()),
        ("min", f.min.is_some(), kind == FieldKind::Number),
        ("max", f.max.is_some(), kind == FieldKind::Number),
        ("decimals", f.decimals.is_some(), kind == FieldKind::Number),
        ("options", !f.options.is_empty(), kind.is_choice()),
        ("columns", !f.columns.is_empty(), kind == FieldKind::Table),
        ("min_rows", f.min_rows.is_some(), kind == FieldKind::Table),
        ("max_rows", f.max_rows.is_some(), kind == FieldKind::Table),
    ] {
        if present && !fits {
            errs.push(FieldError::new(
                at(attr),
                "form.not_for_kind",
                format!("“{attr}”不适用于{}字段", kind.zh()),
                format!("\"{attr}\" does not apply to a {} field", kind.as_str()),
            ));
        }
    }

    if let Some(n) = f.max_len
        && kind.is_text()
        && !(1..=kind.max_max_len()).contains(&n)
    {
        errs.push(FieldError::range(
            at("max_len"),
            1,
            i64::from(kind.max_max_len()),
        ));
    }
    if kind == FieldKind::Number {
        for (attr, v) in [("min", f.min), ("max", f.max)] {
            if let Some(x) = v
                && !(x.is_finite() && x.abs() <= MAX_NUMBER)
            {
                errs.push(FieldError::new(
                    at(attr),
                    "range",
                    "应在 -10^15 到 10^15 之间",
                    "Must be between -10^15 and 10^15",
                ));
            }
        }
        if let (Some(a), Some(b)) = (f.min, f.max)
            && a > b
        {
            errs.push(FieldError::new(
                at("max"),
                "form.min_max",
                "最大值不能小于最小值",
                "The maximum cannot be less than the minimum",
            ));
        }
        if let Some(d) = f.decimals
            && d > MAX_DECIMALS
        {
            errs.push(FieldError::range(
                at("decimals"),
                0,
                i64::from(MAX_DECIMALS),
            ));
        }
    }
    if kind.is_choice() {
        check_options(&f.options, path, errs);
    }
    if kind == FieldKind::Table {
        if in_table {
            errs.push(FieldError::new(
                at("kind"),
                "form.nested_table",
                "表格的列不能是表格",
                "A table column cannot itself be a table",
            ));
        }
        if f.columns.is_empty() {
            errs.push(FieldError::new(
                at("columns"),
                "form.columns_required",
                "表格字段至少需要一列",
                "A table field needs at least one column",
            ));
        } else if f.columns.len() > MAX_COLUMNS {
            errs.push(FieldError::new(
                at("columns"),
                "too_many",
                format!("表格不能超过{MAX_COLUMNS}列"),
                format!("A table has at most {MAX_COLUMNS} columns"),
            ));
        }
        if let Some(n) = f.max_rows
            && !(1..=MAX_ROWS).contains(&n)
        {
            errs.push(FieldError::range(at("max_rows"), 1, i64::from(MAX_ROWS)));
        }
        let max = f.max_rows.unwrap_or(DEFAULT_MAX_ROWS);
        if let Some(n) = f.min_rows
            && n > max
        {
            errs.push(FieldError::new(
                at("min_rows"),
                "form.rows_min_max",
                format!("最少行数不能大于最多行数（{max}）"),
                format!("The minimum number of rows cannot exceed the maximum ({max})"),
            ));
        }
        if !in_table {
            check_fields(&f.columns, &at("columns"), true, errs);
        }
    }
    if let Some(p) = f.prefill {
        if in_table {
            errs.push(FieldError::new(
                at("prefill"),
                "form.prefill_in_table",
                "表格的列不能自动填充",
                "A table column cannot be prefilled",
            ));
        } else if p.kind() != kind {
            errs.push(FieldError::new(
                at("prefill"),
                "form.prefill_kind",
                format!("自动填充“{}”只适用于{}字段", p.as_str(), p.kind().zh()),
                format!(
                    "The prefill \"{}\" fits only a {} field",
                    p.as_str(),
                    p.kind().as_str()
                ),
            ));
        }
    }
}

fn check_options(options: &[FormOption], path: &str, errs: &mut Vec<FieldError>) {
    if options.is_empty() {
        errs.push(FieldError::new(
            format!("{path}.options"),
            "form.options_required",
            "单选或多选字段至少需要一个选项",
            "A choice field needs at least one option",
        ));
    } else if options.len() > MAX_OPTIONS {
        errs.push(FieldError::new(
            format!("{path}.options"),
            "too_many",
            format!("选项不能超过{MAX_OPTIONS}个"),
            format!("At most {MAX_OPTIONS} options"),
        ));
    }
    let mut codes = HashSet::new();
    for (i, o) in options.iter().enumerate() {
        let p = format!("{path}.options[{i}]");
        if o.code.is_empty() {
            errs.push(FieldError::required(format!("{p}.code")));
        } else if !option_code_ok(&o.code) {
            errs.push(FieldError::new(
                format!("{p}.code"),
                "form.option_code",
                "选项代码由字母、数字、下划线、连字符和点组成，以字母或数字开头，不超过40个字符",
                "An option code has at most 40 letters, digits, '_', '-' and '.', starting with a letter or digit",
            ));
        } else if !codes.insert(o.code.as_str()) {
            errs.push(FieldError::new(
                format!("{p}.code"),
                "form.option_duplicate",
                format!("选项代码“{}”重复", o.code),
                format!("The option code \"{}\" is used twice", o.code),
            ));
        }
        label(errs, &format!("{p}.label"), &o.label, true, MAX_LABEL);
        label(
            errs,
            &format!("{p}.label_en"),
            &o.label_en,
            false,
            MAX_LABEL_EN,
        );
    }
}

fn label(errs: &mut Vec<FieldError>, path: &str, v: &str, required: bool, max: usize) {
    if required && v.trim().is_empty() {
        errs.push(FieldError::required(path));
    }
    if text::chars(v) > max {
        errs.push(FieldError::max_chars(path, max));
    }
    if v.chars().any(char::is_control) {
        errs.push(FieldError::new(
            path,
            "control_chars",
            "含有不可见的控制字符",
            "Contains control characters",
        ));
    }
}

/// `^[a-z][a-z0-9_]{0,39}$`.
pub(crate) fn key_ok(k: &str) -> bool {
    let b = k.as_bytes();
    (1..=40).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// `^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`.
pub(crate) fn option_code_ok(c: &str) -> bool {
    let b = c.as_bytes();
    (1..=40).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}
