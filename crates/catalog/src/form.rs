//! Application forms as data (申请表单): each implementation item declares the fields an
//! applicant fills in ([`FormField`]); the portal renders them, and the server checks what was
//! submitted with [`validate`] before a case is created.
//!
//! * [`check_definition`] checks a form as an editor wrote it (run by
//!   [`crate::rules::shape`] on every save): keys, labels, which attributes fit which kind,
//!   options, table columns, prefills. Every broken rule names its path (`form[2].options[1].code`)
//!   and a stable rule id.
//! * [`validate`] checks submitted values — a JSON object keyed by field key, a table being an
//!   array of row objects — and answers either the normalised values or **every** problem, each
//!   on its path (`form.<key>`, `form.<key>[<row>].<column>`) with a message naming the field's
//!   label in Chinese and English. It never panics, whatever JSON it is given, and validating
//!   its own output again gives the same output.
//!
//! Normalisation: strings are trimmed; an empty or absent optional field is left out; numbers
//! become JSON numbers (integers when whole; numeric strings such as `"12.50"` are accepted);
//! dates are `YYYY-MM-DD`; a choice is one option code, a multiple choice the distinct codes in
//! the options' order; ID numbers are upper-case 18-character numbers (a 15-digit legacy number
//! is upgraded, GB 11643); credit codes upper-case (GB 32100); phones without spaces; division
//! codes as in the registry.
//!
//! Phone rule: after removing spaces and a leading `+86`, either a mainland mobile number
//! `1[3-9]` followed by 9 digits, or a landline with its area code and a hyphen: `0` and 2–3
//! digits, `-`, 7–8 digits (`0759-1234567`, `020-12345678`). Extensions and short service
//! numbers are not accepted in a form.
//!
//! Knows nothing of cases, HTTP or storage; prefills ([`Prefill`]) are filled by the portal from
//! the signed-in applicant, this module only checks that a prefill fits its field's kind.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use time::{Date, Month};
use utoipa::ToSchema;
use yiwang_kernel::FieldError;
use yiwang_kernel::clock::{Clock, SystemClock};
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::text;
use yiwang_org::divisions::registry;

/// Most fields in one form.
pub const MAX_FIELDS: usize = 100;
/// Most columns of a table field.
pub const MAX_COLUMNS: usize = 30;
/// Most options of a choice field.
pub const MAX_OPTIONS: usize = 200;
/// Longest label (Chinese), in characters.
pub const MAX_LABEL: usize = 50;
/// Longest English label, in characters.
pub const MAX_LABEL_EN: usize = 100;
/// Longest help text, in characters.
pub const MAX_HELP: usize = 200;
/// Rows of a table field when `max_rows` is not set.
pub const DEFAULT_MAX_ROWS: u32 = 200;
/// Highest `max_rows` a definition may set.
pub const MAX_ROWS: u32 = 1000;
/// Decimal places of a number field when `decimals` is not set.
pub const DEFAULT_DECIMALS: u8 = 2;
/// Highest `decimals` a definition may set.
pub const MAX_DECIMALS: u8 = 6;
/// Largest magnitude of a number (keeps every accepted number exact in JSON).
pub const MAX_NUMBER: f64 = 1e15;

/// One field of an application form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FormField {
    /// `^[a-z][a-z0-9_]{0,39}$`, unique within the form (or within a table's columns). The key
    /// of the submitted value.
    pub key: String,
    /// Chinese label, required, at most 50 characters.
    pub label: String,
    /// English label (optional).
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Help shown under the input, at most 200 characters.
    pub help: String,
    /// Longest value in characters (`text`, `textarea`, `address`; defaults 200, 2000, 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Smallest value (`number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest value (`number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Most decimal places (`number`, default 2; 0 for whole numbers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// The options of `choice` and `multi_choice` (at least one, codes unique).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FormOption>,
    /// The columns of a `table` (at least one; a column is never itself a table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub columns: Vec<FormField>,
    /// Fewest rows of a `table` when it is filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rows: Option<u32>,
    /// Most rows of a `table` (default 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<u32>,
    /// Filled by the portal from the signed-in applicant, so nothing is keyed in twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
}

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    #[default]
    Text,
    /// Several lines of text.
    Textarea,
    /// A decimal number, with `min`, `max` and `decimals`.
    Number,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// One of the options.
    Choice,
    /// Any number of the options (distinct).
    MultiChoice,
    /// A citizen ID number (GB 11643).
    IdNumber,
    /// A unified social credit code (GB 32100).
    Uscc,
    /// A mobile or landline number (see the module documentation).
    Phone,
    /// An administrative division code that exists in the division registry.
    Division,
    /// A street address (text).
    Address,
    /// Rows of `columns`: an array of objects.
    Table,
}

impl FieldKind {
    pub const ALL: &'static [FieldKind] = &[
        FieldKind::Text,
        FieldKind::Textarea,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Choice,
        FieldKind::MultiChoice,
        FieldKind::IdNumber,
        FieldKind::Uscc,
        FieldKind::Phone,
        FieldKind::Division,
        FieldKind::Address,
        FieldKind::Table,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::MultiChoice => "multi_choice",
            FieldKind::IdNumber => "id_number",
            FieldKind::Uscc => "uscc",
            FieldKind::Phone => "phone",
            FieldKind::Division => "division",
            FieldKind::Address => "address",
            FieldKind::Table => "table",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            FieldKind::Text => "单行文本",
            FieldKind::Textarea => "多行文本",
            FieldKind::Number => "数字",
            FieldKind::Date => "日期",
            FieldKind::Choice => "单选",
            FieldKind::MultiChoice => "多选",
            FieldKind::IdNumber => "身份证号码",
            FieldKind::Uscc => "统一社会信用代码",
            FieldKind::Phone => "电话号码",
            FieldKind::Division => "行政区划",
            FieldKind::Address => "地址",
            FieldKind::Table => "表格",
        }
    }

    fn is_text(self) -> bool {
        matches!(
            self,
            FieldKind::Text | FieldKind::Textarea | FieldKind::Address
        )
    }

    fn is_choice(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::MultiChoice)
    }

    /// Longest text when `max_len` is not set.
    fn default_max_len(self) -> u32 {
        match self {
            FieldKind::Textarea => 2000,
            _ => 200,
        }
    }

    /// Highest `max_len` a definition may set.
    fn max_max_len(self) -> u32 {
        match self {
            FieldKind::Textarea => 10_000,
            _ => 1000,
        }
    }
}

/// One option of a choice field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FormOption {
    /// The submitted value: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`, unique within the field.
    pub code: String,
    /// Chinese label, required, at most 50 characters.
    pub label: String,
    pub label_en: String,
}

/// Where the portal takes a field's value from (the signed-in applicant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// The person's name (a `text` field).
    ApplicantName,
    /// The person's ID number (an `id_number` field).
    ApplicantIdNumber,
    /// The person's phone (a `phone` field).
    ApplicantPhone,
    /// The name of the legal person the applicant acts for (a `text` field).
    OrgName,
    /// The credit code of the legal person the applicant acts for (a `uscc` field).
    OrgUscc,
}

impl Prefill {
    pub fn as_str(self) -> &'static str {
        match self {
            Prefill::ApplicantName => "applicant_name",
            Prefill::ApplicantIdNumber => "applicant_id_number",
            Prefill::ApplicantPhone => "applicant_phone",
            Prefill::OrgName => "org_name",
            Prefill::OrgUscc => "org_uscc",
        }
    }

    /// The kind of field this prefill fits.
    pub fn kind(self) -> FieldKind {
        match self {
            Prefill::ApplicantName | Prefill::OrgName => FieldKind::Text,
            Prefill::ApplicantIdNumber => FieldKind::IdNumber,
            Prefill::ApplicantPhone => FieldKind::Phone,
            Prefill::OrgUscc => FieldKind::Uscc,
        }
    }
}

// Definitions ----------------------------------------------------------------------------------

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
fn key_ok(k: &str) -> bool {
    let b = k.as_bytes();
    (1..=40).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// `^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`.
fn option_code_ok(c: &str) -> bool {
    let b = c.as_bytes();
    (1..=40).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

// Values ---------------------------------------------------------------------------------------

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
/// or every problem (see the module documentation).
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
            match registry().existing(s, false) {
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

/// Decimal places of a plain decimal numeral (`"3.10"` → 2).
fn decimals(s: &str) -> usize {
    s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0)
}

/// `-?[0-9]+(\.[0-9]+)?`, at most 40 characters: the value and its decimal places.
fn parse_decimal(s: &str) -> Option<(f64, usize)> {
    if s.len() > 40 {
        return None;
    }
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let x: f64 = s.parse().ok()?;
    x.is_finite().then_some((x, frac.map_or(0, str::len)))
}

/// `YYYY-MM-DD`, a real date.
fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let y = i32::try_from(num(0..4)?).ok()?;
    let m = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let d = u8::try_from(num(8..10)?).ok()?;
    Date::from_calendar_date(y, m, d).ok()
}

fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The phone rule of the module documentation; the normalised number.
fn phone(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    let p = compact.strip_prefix("+86").unwrap_or(&compact);
    let p = p.strip_prefix('-').unwrap_or(p);
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let b = p.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && digits(p);
    let landline = match p.split_once('-') {
        Some((area, local)) => {
            area.starts_with('0')
                && (3..=4).contains(&area.len())
                && digits(area)
                && (7..=8).contains(&local.len())
                && digits(local)
        }
        None => false,
    };
    (mobile || landline).then(|| p.to_string())
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 03 - 01);

    fn fld(key: &str, label: &str, kind: FieldKind) -> FormField {
        FormField {
            key: key.into(),
            label: label.into(),
            kind,
            ..Default::default()
        }
    }

    fn req(f: FormField) -> FormField {
        FormField {
            required: true,
            ..f
        }
    }

    fn opts(codes: &[(&str, &str)]) -> Vec<FormOption> {
        codes
            .iter()
            .map(|(c, l)| FormOption {
                code: (*c).into(),
                label: (*l).into(),
                label_en: String::new(),
            })
            .collect()
    }

    /// A form with every kind of field.
    fn every_kind() -> Vec<FormField> {
        vec![
            FormField {
                prefill: Some(Prefill::OrgName),
                ..req(fld("name", "经营者名称", FieldKind::Text))
            },
            fld("note", "备注", FieldKind::Textarea),
            FormField {
                min: Some(0.0),
                max: Some(10000.0),
                ..fld("capital", "注册资本（万元）", FieldKind::Number)
            },
            FormField {
                decimals: Some(0),
                min: Some(1.0),
                ..fld("staff", "从业人数", FieldKind::Number)
            },
            fld("start", "开业日期", FieldKind::Date),
            FormField {
                options: opts(&[("shop", "食品销售经营者"), ("restaurant", "餐饮服务经营者")]),
                ..req(fld("format", "主体业态", FieldKind::Choice))
            },
            FormField {
                options: opts(&[
                    ("prepacked", "预包装食品"),
                    ("bulk", "散装食品"),
                    ("hot", "热食类食品"),
                ]),
                ..fld("items", "经营项目", FieldKind::MultiChoice)
            },
            fld("legal_id", "法定代表人身份证号", FieldKind::IdNumber),
            FormField {
                prefill: Some(Prefill::OrgUscc),
                ..fld("uscc", "统一社会信用代码", FieldKind::Uscc)
            },
            FormField {
                prefill: Some(Prefill::ApplicantPhone),
                ..fld("phone", "联系电话", FieldKind::Phone)
            },
            fld("division", "经营场所区划", FieldKind::Division),
            fld("address", "经营场所", FieldKind::Address),
            FormField {
                columns: vec![
                    req(fld("name", "姓名", FieldKind::Text)),
                    req(fld("id_number", "身份证号", FieldKind::IdNumber)),
                    fld("health_cert", "健康证号", FieldKind::Text),
                ],
                max_rows: Some(3),
                ..fld("staff_list", "从业人员", FieldKind::Table)
            },
        ]
    }

    fn rules(errs: &[FieldError]) -> Vec<(String, String)> {
        errs.iter()
            .map(|e| (e.field.clone(), e.rule.clone()))
            .collect()
    }

    fn has(errs: &[FieldError], field: &str, rule: &str) -> bool {
        errs.iter().any(|e| e.field == field && e.rule == rule)
    }

    fn check(v: Value) -> Result<Map<String, Value>, Vec<FieldError>> {
        validate_on(&every_kind(), &v, TODAY)
    }

    #[test]
    fn a_good_definition_passes() {
        assert_eq!(rules(&check_definition(&every_kind())), vec![]);
        assert_eq!(rules(&check_definition(&[])), vec![]);
    }

    #[test]
    fn definition_rules_name_their_paths() {
        let mut f = every_kind();
        f[0].key = "Name".into();
        f[1].label = String::new();
        f[3].key = "capital".into();
        f[2].options = opts(&[("x", "x")]);
        f[3].decimals = Some(9);
        f[3].min = Some(5.0);
        f[3].max = Some(1.0);
        f[4].max_len = Some(10);
        f[5].options[1].code = "shop".into();
        f[6].options[0].code = "不行".into();
        f[6].options[1].label = String::new();
        f[7].prefill = Some(Prefill::ApplicantName);
        f[8].options.clear();
        f[8].kind = FieldKind::Choice;
        f[8].prefill = None;
        f[9].help = "很".repeat(201);
        f[11].max_len = Some(0);
        f[12].columns.push(FormField {
            columns: vec![fld("x", "x", FieldKind::Text)],
            ..fld("inner", "嵌套", FieldKind::Table)
        });
        f[12].columns[0].prefill = Some(Prefill::ApplicantName);
        f[12].columns[1].key = "name".into();
        f[12].min_rows = Some(5);
        let got = rules(&check_definition(&f));
        for (field, rule) in [
            ("form[0].key", "form.key"),
            ("form[3].key", "form.key_duplicate"),
            ("form[1].label", "required"),
            ("form[2].options", "form.not_for_kind"),
            ("form[3].decimals", "range"),
            ("form[3].max", "form.min_max"),
            ("form[4].max_len", "form.not_for_kind"),
            ("form[5].options[1].code", "form.option_duplicate"),
            ("form[6].options[0].code", "form.option_code"),
            ("form[6].options[1].label", "required"),
            ("form[7].prefill", "form.prefill_kind"),
            ("form[8].options", "form.options_required"),
            ("form[9].help", "max_chars"),
            ("form[11].max_len", "range"),
            ("form[12].min_rows", "form.rows_min_max"),
            ("form[12].columns[0].prefill", "form.prefill_in_table"),
            ("form[12].columns[1].key", "form.key_duplicate"),
            ("form[12].columns[3].kind", "form.nested_table"),
        ] {
            assert!(
                got.contains(&(field.to_string(), rule.to_string())),
                "{field} {rule} missing from {got:?}"
            );
        }
        // Messages come in both languages.
        for e in check_definition(&f) {
            assert!(!e.zh.is_empty() && !e.en.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn definition_limits() {
        let many: Vec<FormField> = (0..101)
            .map(|i| fld(&format!("f{i}"), "字段", FieldKind::Text))
            .collect();
        assert!(has(&check_definition(&many), "form", "too_many"));
        let table = fld("t", "表", FieldKind::Table);
        assert!(has(
            &check_definition(std::slice::from_ref(&table)),
            "form[0].columns",
            "form.columns_required"
        ));
        let long_key = "a".repeat(41);
        assert!(has(
            &check_definition(&[fld(&long_key, "x", FieldKind::Text)]),
            "form[0].key",
            "form.key"
        ));
        assert!(key_ok(&"a".repeat(40)) && key_ok("a1_b") && !key_ok("1a") && !key_ok("_a"));
        assert!(option_code_ok("A-1.b_2") && !option_code_ok("-a") && !option_code_ok(""));
    }

    #[test]
    fn definitions_round_trip_as_json() {
        let f = every_kind();
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v[6]["kind"], "multi_choice");
        assert_eq!(v[0]["prefill"], "org_name");
        assert!(v[0].get("options").is_none() && v[0].get("max_len").is_none());
        let back: Vec<FormField> = serde_json::from_value(v).unwrap();
        assert_eq!(back, f);
        // Defaults: only a key, a label and a kind.
        let min: FormField =
            serde_json::from_value(json!({"key": "k", "label": "标签", "kind": "id_number"}))
                .unwrap();
        assert_eq!(min.kind, FieldKind::IdNumber);
        assert!(!min.required && min.options.is_empty());
    }

    #[test]
    fn a_complete_submission_is_normalised() {
        let out = check(json!({
            "name": "  湛江市海滨餐饮有限公司 ",
            "note": "第一行\n第二行",
            "capital": "50.50",
            "staff": 12.0,
            "start": "2025-03-01",
            "format": "restaurant",
            "items": ["hot", "prepacked"],
            "legal_id": "11010519491231002x",
            "uscc": "91110000600037341l",
            "phone": "138 0013 8000",
            "division": "440802",
            "address": "赤坎区海滨大道北1号",
            "staff_list": [
                {"name": "张三", "id_number": "440524188001010014", "health_cert": "JK2025001"},
                {"name": "李四", "id_number": "130503670401001"}
            ],
            "empty_optional_is_still_unknown": null
        }));
        let errs = out.unwrap_err();
        assert_eq!(
            rules(&errs),
            vec![(
                "form.empty_optional_is_still_unknown".to_string(),
                "form.unknown_field".to_string()
            )]
        );
        let out = check(json!({
            "name": "  湛江市海滨餐饮有限公司 ",
            "note": "第一行\n第二行",
            "capital": "50.50",
            "staff": 12.0,
            "start": "2025-03-01",
            "format": "restaurant",
            "items": ["hot", "prepacked"],
            "legal_id": "11010519491231002x",
            "uscc": "91110000600037341l",
            "phone": "138 0013 8000",
            "division": "440802",
            "address": "赤坎区海滨大道北1号",
            "staff_list": [
                {"name": "张三", "id_number": "440524188001010014", "health_cert": "JK2025001"},
                {"name": "李四", "id_number": "130503670401001", "health_cert": ""}
            ]
        }))
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({
                "name": "湛江市海滨餐饮有限公司",
                "note": "第一行\n第二行",
                "capital": 50.5,
                "staff": 12,
                "start": "2025-03-01",
                "format": "restaurant",
                "items": ["prepacked", "hot"],
                "legal_id": "11010519491231002X",
                "uscc": "91110000600037341L",
                "phone": "13800138000",
                "division": "440802",
                "address": "赤坎区海滨大道北1号",
                "staff_list": [
                    {"name": "张三", "id_number": "440524188001010014", "health_cert": "JK2025001"},
                    {"name": "李四", "id_number": "130503196704010016"}
                ]
            })
        );
    }

    #[test]
    fn required_fields_and_empty_optionals() {
        let out = check(json!({"name": " ", "format": null, "note": "", "items": []}));
        let errs = out.unwrap_err();
        assert_eq!(
            rules(&errs),
            vec![
                ("form.name".to_string(), "required".to_string()),
                ("form.format".to_string(), "required".to_string()),
            ]
        );
        assert_eq!(errs[0].zh, "“经营者名称”为必填项");
        assert_eq!(errs[0].en, "\"经营者名称\" is required");
        let ok = check(json!({"name": "某公司", "format": "shop", "note": "  "})).unwrap();
        assert_eq!(
            Value::Object(ok),
            json!({"name": "某公司", "format": "shop"})
        );
        // null is an empty form; anything else that is not an object is refused.
        assert!(has(
            &check(Value::Null).unwrap_err(),
            "form.name",
            "required"
        ));
        for v in [json!([]), json!("x"), json!(1), json!(true)] {
            assert_eq!(
                rules(&check(v).unwrap_err()),
                vec![("form".into(), "form.not_object".into())]
            );
        }
    }

    fn only(field: &str, v: Value) -> Vec<FieldError> {
        let mut obj = json!({"name": "某公司", "format": "shop"});
        obj[field] = v;
        check(obj).err().unwrap_or_default()
    }

    #[test]
    fn text_kinds() {
        assert!(has(&only("name", json!(12)), "form.name", "form.type"));
        assert!(has(
            &only("name", json!("a\nb")),
            "form.name",
            "control_chars"
        ));
        assert!(only("note", json!("a\r\nb\tc")).is_empty());
        assert!(has(
            &only("note", json!("a\u{0}b")),
            "form.note",
            "control_chars"
        ));
        assert!(has(
            &only("address", json!("路".repeat(201))),
            "form.address",
            "max_chars"
        ));
        assert!(only("address", json!("路".repeat(200))).is_empty());
        assert!(has(
            &only("note", json!("字".repeat(2001))),
            "form.note",
            "max_chars"
        ));
        let e = only("name", json!("名".repeat(201)));
        assert_eq!(e[0].zh, "“经营者名称”不能超过200个字符");
    }

    #[test]
    fn numbers() {
        for ok in [
            json!(0),
            json!("10000"),
            json!(9999.99),
            json!("-0"),
            json!(" 3.1 "),
        ] {
            assert!(only("capital", ok.clone()).is_empty(), "{ok}");
        }
        for (bad, rule) in [
            (json!("1e5"), "form.number"),
            (json!("abc"), "form.number"),
            (json!("1."), "form.number"),
            (json!(".5"), "form.number"),
            (json!(true), "form.number"),
            (json!({"v": 1}), "form.number"),
            (json!(10000.01), "range"),
            (json!(-1), "range"),
            (json!("1.234"), "form.decimals"),
        ] {
            assert!(
                has(&only("capital", bad.clone()), "form.capital", rule),
                "{bad}"
            );
        }
        assert!(has(
            &only("staff", json!(2.5)),
            "form.staff",
            "form.decimals"
        ));
        assert!(has(&only("staff", json!(0)), "form.staff", "range"));
        assert!(has(&only("staff", json!(1e16)), "form.staff", "range"));
        assert!(has(&only("staff", json!(u64::MAX)), "form.staff", "range"));
        let e = only("staff", json!(2.5));
        assert_eq!(e[0].zh, "“从业人数”应为整数");
    }

    #[test]
    fn dates() {
        for bad in [
            "2025-02-29",
            "2025-2-1",
            "20250201",
            "2025/02/01",
            "2025-13-01",
            "２０２５-01-01",
        ] {
            assert!(
                has(&only("start", json!(bad)), "form.start", "form.date"),
                "{bad}"
            );
        }
        assert!(only("start", json!("2024-02-29")).is_empty());
        assert!(has(
            &only("start", json!(20250201)),
            "form.start",
            "form.type"
        ));
    }

    #[test]
    fn choices() {
        assert!(has(
            &only("format", json!("bar")),
            "form.format",
            "form.choice"
        ));
        assert!(has(
            &only("format", json!(["shop"])),
            "form.format",
            "form.type"
        ));
        let e = only("items", json!(["hot", "hot", "x", 1]));
        assert_eq!(
            rules(&e),
            vec![
                ("form.items[1]".to_string(), "duplicate".to_string()),
                ("form.items[2]".to_string(), "form.choice".to_string()),
                ("form.items[3]".to_string(), "form.type".to_string()),
            ]
        );
        assert!(has(&only("items", json!("hot")), "form.items", "form.type"));
    }

    #[test]
    fn identifiers() {
        let e = only("legal_id", json!("110105194912310021"));
        assert!(has(&e, "form.legal_id", "id_number.check_digit"));
        assert!(e[0].zh.starts_with("“法定代表人身份证号”："), "{}", e[0].zh);
        // Born after "today".
        assert!(has(
            &only("legal_id", json!("110105209912310029")),
            "form.legal_id",
            "id_number.birth_date_future"
        ));
        assert!(has(
            &only("uscc", json!("91310000MA1FL0F17U")),
            "form.uscc",
            "uscc.check_digit"
        ));
        assert!(has(&only("uscc", json!("123")), "form.uscc", "uscc.length"));
        assert!(only("uscc", json!("91350100M000100Y43")).is_empty());
    }

    #[test]
    fn phones() {
        for ok in [
            "13800138000",
            "+86 138 0013 8000",
            "0759-1234567",
            "020-12345678",
            "0759 -1234567",
        ] {
            assert!(phone(ok).is_some(), "{ok}");
        }
        assert_eq!(phone("+86-13800138000").as_deref(), Some("13800138000"));
        for bad in [
            "12800138000",
            "1380013800",
            "07591234567",
            "759-1234567",
            "0759-123456",
            "12345",
            "0759-1234567-8",
        ] {
            assert!(phone(bad).is_none(), "{bad}");
            assert!(
                has(&only("phone", json!(bad)), "form.phone", "phone.format"),
                "{bad}"
            );
        }
    }

    #[test]
    fn divisions_come_from_the_registry() {
        assert!(only("division", json!("440802")).is_empty());
        assert!(
            only("division", json!("440802001")).is_empty()
                || registry().get("440802001").is_none()
        );
        assert!(has(
            &only("division", json!("449999")),
            "form.division",
            "division.unknown"
        ));
        assert!(has(
            &only("division", json!("44080")),
            "form.division",
            "division.format"
        ));
    }

    #[test]
    fn tables() {
        let e = only(
            "staff_list",
            json!([
                {"name": "张三"},
                "not a row",
                {"name": "李四", "id_number": "110105194912310021", "age": 3}
            ]),
        );
        assert_eq!(
            rules(&e),
            vec![
                (
                    "form.staff_list[0].id_number".to_string(),
                    "required".to_string()
                ),
                ("form.staff_list[1]".to_string(), "form.type".to_string()),
                (
                    "form.staff_list[2].id_number".to_string(),
                    "id_number.check_digit".to_string()
                ),
                (
                    "form.staff_list[2].age".to_string(),
                    "form.unknown_field".to_string()
                ),
            ]
        );
        assert_eq!(e[0].zh, "“从业人员”第1行的“身份证号”为必填项");
        assert_eq!(e[0].en, "\"从业人员\" row 1, \"身份证号\" is required");
        let four = json!([{}, {}, {}, {}]);
        assert_eq!(
            rules(&only("staff_list", four)),
            vec![("form.staff_list".to_string(), "form.rows".to_string())]
        );
        assert!(has(
            &only("staff_list", json!({"name": "x"})),
            "form.staff_list",
            "form.type"
        ));
        let mut f = every_kind();
        f[12].min_rows = Some(2);
        f[12].required = true;
        let base = json!({"name": "某公司", "format": "shop"});
        assert!(has(
            &validate_on(&f, &base, TODAY).unwrap_err(),
            "form.staff_list",
            "required"
        ));
        let mut one = base.clone();
        one["staff_list"] = json!([{"name": "张三", "id_number": "440524188001010014"}]);
        assert!(has(
            &validate_on(&f, &one, TODAY).unwrap_err(),
            "form.staff_list",
            "form.rows"
        ));
    }

    #[test]
    fn english_labels_are_used_when_given() {
        let mut f = every_kind();
        f[0].label_en = "Operator name".into();
        let e = validate_on(&f, &json!({"format": "shop"}), TODAY).unwrap_err();
        assert_eq!(e[0].en, "\"Operator name\" is required");
        assert_eq!(e[0].zh, "“经营者名称”为必填项");
    }

    #[test]
    fn the_system_clock_variant_agrees() {
        let v = json!({"name": "某公司", "format": "shop", "legal_id": "11010519491231002X"});
        assert_eq!(validate(&every_kind(), &v), check(v));
    }

    // Property tests ---------------------------------------------------------------------------

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{0,10}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Plausible values for a field of `kind`: often valid, sometimes not.
    fn plausible(kind: FieldKind) -> BoxedStrategy<Value> {
        let s = |v: &[&'static str]| {
            prop::sample::select(v.to_vec())
                .prop_map(|x| Value::String(x.to_string()))
                .boxed()
        };
        match kind {
            FieldKind::Text | FieldKind::Address => prop_oneof![
                " ?[\\p{Han}a-z0-9 ]{0,20} ?".prop_map(Value::String),
                s(&["", " 好 "])
            ]
            .boxed(),
            FieldKind::Textarea => "[\\p{Han}\\n\\t a-z]{0,30}".prop_map(Value::String).boxed(),
            FieldKind::Number => prop_oneof![
                (-20000i64..20000).prop_map(Value::from),
                (-20000.0f64..20000.0).prop_map(Value::from),
                "-?[0-9]{1,6}(\\.[0-9]{1,3})?".prop_map(Value::String),
            ]
            .boxed(),
            FieldKind::Date => prop_oneof![
                "20[0-9]{2}-(0[1-9]|1[0-2])-[0-3][0-9]".prop_map(Value::String),
                s(&["2024-02-29", "2025-02-29"]),
            ]
            .boxed(),
            FieldKind::Choice => s(&["shop", "restaurant", " shop ", "bar"]),
            FieldKind::MultiChoice => prop::collection::vec(
                prop::sample::select(vec!["prepacked", "bulk", "hot", "x"]),
                0..4,
            )
            .prop_map(|v| Value::Array(v.into_iter().map(Value::from).collect()))
            .boxed(),
            FieldKind::IdNumber => s(&[
                "11010519491231002x",
                "440524188001010014",
                "130503670401001",
                "110105194912310021",
            ]),
            FieldKind::Uscc => s(&[
                "91110000600037341l",
                "91350100M000100Y43",
                "91310000MA1FL0F17U",
            ]),
            FieldKind::Phone => s(&["13800138000", "+86 139 0000 0000", "0759-1234567", "12345"]),
            FieldKind::Division => s(&["440802", "440800", "449999", "440802001"]),
            FieldKind::Table => prop::collection::vec(
                (
                    plausible(FieldKind::Text),
                    plausible(FieldKind::IdNumber),
                    prop::option::of(plausible(FieldKind::Text)),
                )
                    .prop_map(|(n, id, h)| {
                        let mut row = json!({"name": n, "id_number": id});
                        if let Some(h) = h {
                            row["health_cert"] = h;
                        }
                        row
                    }),
                0..4,
            )
            .prop_map(Value::Array)
            .boxed(),
        }
    }

    fn plausible_form() -> impl Strategy<Value = Value> {
        let fields = every_kind();
        let parts: Vec<BoxedStrategy<(String, Option<Value>)>> = fields
            .iter()
            .map(|f| {
                let key = f.key.clone();
                prop::option::of(plausible(f.kind))
                    .prop_map(move |v| (key.clone(), v))
                    .boxed()
            })
            .collect();
        parts.prop_map(|kv| {
            Value::Object(
                kv.into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect(),
            )
        })
    }

    fn idempotent(v: &Value) -> Result<(), TestCaseError> {
        let f = every_kind();
        if let Ok(out) = validate_on(&f, v, TODAY) {
            let again = validate_on(&f, &Value::Object(out.clone()), TODAY);
            prop_assert_eq!(again, Ok(out));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn never_panics_on_any_json(v in any_json()) {
            let _ = validate_on(&every_kind(), &v, TODAY);
            // The same value under every key, and as a table's rows.
            let mut obj = Map::new();
            for f in every_kind() {
                obj.insert(f.key, v.clone());
            }
            let _ = validate_on(&every_kind(), &Value::Object(obj), TODAY);
            let _ = validate_on(&every_kind(), &json!({"staff_list": [v.clone(), {"name": v}]}), TODAY);
            idempotent(&v)?;
        }

        #[test]
        fn validating_the_output_again_changes_nothing(v in plausible_form()) {
            let f = every_kind();
            let mut v = v;
            if let Err(errs) = validate_on(&f, &v, TODAY) {
                // Every problem names a field of the form; dropping the fields named and
                // filling the required ones leaves a valid submission.
                prop_assert!(!errs.is_empty());
                let Value::Object(obj) = &mut v else {
                    return Err(TestCaseError::fail("not an object"));
                };
                for e in errs {
                    prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
                    let key = e
                        .field
                        .strip_prefix("form.")
                        .and_then(|k| k.split(['.', '[']).next())
                        .unwrap_or_default();
                    prop_assert!(f.iter().any(|x| x.key == key), "{}", e.field);
                    obj.remove(key);
                }
                obj.entry("name").or_insert(json!("某公司"));
                obj.entry("format").or_insert(json!("shop"));
            }
            let out = validate_on(&f, &v, TODAY);
            prop_assert!(out.is_ok(), "{:?}", out);
            let out = out.unwrap_or_default();
            let again = validate_on(&f, &Value::Object(out.clone()), TODAY);
            prop_assert_eq!(again, Ok(out));
        }

        #[test]
        fn never_panics_on_any_definition(
            keys in prop::collection::vec("[a-z_]{0,3}", 0..5),
            kinds in prop::collection::vec(prop::sample::select(FieldKind::ALL.to_vec()), 0..5),
            v in any_json(),
        ) {
            // Arbitrary (mostly broken) definitions must not make validation panic either.
            let fields: Vec<FormField> = keys
                .iter()
                .zip(&kinds)
                .map(|(k, kind)| FormField {
                    columns: vec![fld(k, "列", *kind)],
                    options: opts(&[("a", "甲")]),
                    ..fld(k, "字段", *kind)
                })
                .collect();
            let _ = check_definition(&fields);
            let _ = validate_on(&fields, &v, TODAY);
        }
    }
}
