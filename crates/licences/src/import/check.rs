//! The file's columns and the checks of one row (no database): header matching (a fixed
//! column or a face field, by key, Chinese label or alias), holder codes, dates, face fields,
//! the identifier; and the keys the duplicate checks compare.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Map, Value};
use time::{Date, Duration};
use yiwang_forms::{FieldKind, FormField};
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, FieldError};
use yiwang_sheets::SheetRow;

use super::ImportProblem;
use crate::identifier::Identifier;
use crate::service::{LicenceType, numbers_as_text};

/// A fixed column of the import file: key, Chinese header, other accepted headers, required.
struct Col {
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

/// The fixed columns; then one column per face field (its key or its Chinese label).
const COLUMNS: &[Col] = &[
    Col {
        key: "identifier",
        zh: "证照标识",
        aliases: &["电子证照标识", "证照标识码"],
        required: false,
    },
    Col {
        key: "number",
        zh: "证照编号",
        aliases: &["证照号码"],
        required: true,
    },
    Col {
        key: "holder_name",
        zh: "持证主体",
        aliases: &["持证主体名称", "持证人", "持证人姓名"],
        required: true,
    },
    Col {
        key: "holder_code",
        zh: "持证主体代码",
        aliases: &["身份证号码", "公民身份号码", "统一社会信用代码", "证件号码"],
        required: true,
    },
    Col {
        key: "issue_date",
        zh: "发证日期",
        aliases: &["颁证日期", "签发日期"],
        required: true,
    },
    Col {
        key: "valid_from",
        zh: "有效期起始日期",
        aliases: &["有效期起", "有效期开始日期"],
        required: true,
    },
    Col {
        key: "valid_to",
        zh: "有效期截止日期",
        aliases: &["有效期至", "有效期结束日期"],
        required: false,
    },
];

/// The title of the import file's column a problem's field names (`holder_code` →
/// 持证主体代码, `face.subject` → the face field's label), for people fixing the file; the
/// field itself when no column has it.
pub fn column_title(t: &LicenceType, field: &str) -> String {
    if let Some(c) = COLUMNS.iter().find(|c| c.key == field) {
        return c.zh.to_string();
    }
    if let Some(rest) = field.strip_prefix("face.") {
        let key = rest.split(['.', '[']).next().unwrap_or(rest);
        let schema: Vec<FormField> = serde_json::from_str(&t.face_schema).unwrap_or_default();
        if let Some(f) = schema.iter().find(|f| f.key == key) {
            return f.label.clone();
        }
    }
    field.to_string()
}

/// The headers of an import file for a type: the fixed columns, then the face fields.
pub fn template_headers(t: &LicenceType) -> Vec<String> {
    let schema: Vec<FormField> = serde_json::from_str(&t.face_schema).unwrap_or_default();
    COLUMNS
        .iter()
        .map(|c| c.zh.to_string())
        .chain(schema.iter().map(|f| f.label.clone()))
        .collect()
}

fn normal_header(h: &str) -> &str {
    let h = h.trim().trim_start_matches('*').trim();
    h.split(['(', '（']).next().unwrap_or(h).trim()
}

fn header_is(h: &str, names: &[&str]) -> bool {
    let full = h.trim().trim_start_matches('*').trim();
    let short = normal_header(h);
    names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(full) || n.eq_ignore_ascii_case(short))
}

/// A row validated for sealing.
pub(super) struct Prepared {
    pub line: usize,
    /// The row's position among the file's data rows (0-based).
    pub ordinal: u64,
    pub identifier: Option<String>,
    /// For a row without an identifier: how many such rows come before it.
    pub generated: Option<u64>,
    pub number: String,
    pub holder_name: String,
    pub holder_code: String,
    pub issue_date: Date,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub face: Value,
}

#[derive(Debug)]
pub(super) struct Resolved {
    pub fixed: HashMap<&'static str, usize>,
    pub face: Vec<(usize, FormField)>,
}

/// Everything needed to validate rows of one job (no database).
pub(super) struct Checker {
    type_code: String,
    holder_type: String,
    schema: Vec<FormField>,
    today: Date,
    cols: Resolved,
}

pub(super) fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, fmt) {
        return Some(d);
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let parts: Vec<&str> = s
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() == 3 && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        let y: i32 = parts[0].parse().ok()?;
        let m: u8 = parts[1].parse().ok()?;
        let d: u8 = parts[2].parse().ok()?;
        if parts[0].len() == 4 {
            return Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok();
        }
        return None;
    }
    if digits.len() == 8 && digits.len() == s.len() {
        let y: i32 = digits[..4].parse().ok()?;
        let m: u8 = digits[4..6].parse().ok()?;
        let d: u8 = digits[6..].parse().ok()?;
        return Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok();
    }
    // An Excel date serial (days since 1899-12-30), as XLSX cells holding dates read back.
    if let Ok(serial) = s.parse::<f64>()
        && (20_000.0..=80_000.0).contains(&serial)
        && serial.fract() == 0.0
    {
        let base = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
        return base.checked_add(Duration::days(serial as i64));
    }
    None
}

fn bad_date(field: &str) -> FieldError {
    FieldError::new(
        field,
        "date.format",
        "日期格式应为 YYYY-MM-DD",
        "A date must be written YYYY-MM-DD",
    )
}

impl Checker {
    /// The checker of a file of type `t` whose header is `headers`, or the header's problems.
    pub(super) fn new(
        t: &LicenceType,
        headers: &[String],
        today: Date,
    ) -> std::result::Result<Checker, Vec<ImportProblem>> {
        let schema: Vec<FormField> = serde_json::from_str(&t.face_schema).unwrap_or_default();
        let cols = Checker::resolve(headers, &schema)?;
        Ok(Checker {
            type_code: t.code.clone(),
            holder_type: t.holder_type.clone(),
            schema,
            today,
            cols,
        })
    }

    pub(super) fn resolve(
        headers: &[String],
        schema: &[FormField],
    ) -> std::result::Result<Resolved, Vec<ImportProblem>> {
        let mut fixed = HashMap::new();
        let mut face = Vec::new();
        let mut used = vec![false; headers.len()];
        let mut problems = Vec::new();
        for c in COLUMNS {
            let names: Vec<&str> = [c.key, c.zh]
                .iter()
                .chain(c.aliases.iter())
                .copied()
                .collect();
            match headers
                .iter()
                .enumerate()
                .position(|(i, h)| !used[i] && header_is(h, &names))
            {
                Some(i) => {
                    used[i] = true;
                    fixed.insert(c.key, i);
                }
                None if c.required => problems.push(ImportProblem::error(
                    1,
                    FieldError::new(
                        c.key,
                        "missing_column",
                        format!("缺少必需的列“{}”", c.zh),
                        format!("Missing required column \"{}\" ({})", c.key, c.zh),
                    ),
                )),
                None => {}
            }
        }
        for f in schema {
            match headers
                .iter()
                .enumerate()
                .position(|(i, h)| !used[i] && header_is(h, &[f.key.as_str(), f.label.as_str()]))
            {
                Some(i) => {
                    used[i] = true;
                    face.push((i, f.clone()));
                }
                None if f.required => problems.push(ImportProblem::error(
                    1,
                    FieldError::new(
                        format!("face.{}", f.key),
                        "missing_column",
                        format!("缺少照面信息列“{}”", f.label),
                        format!("Missing face column \"{}\" ({})", f.key, f.label),
                    ),
                )),
                None => {}
            }
        }
        for (i, h) in headers.iter().enumerate() {
            if !used[i] && !h.trim().is_empty() {
                problems.push(ImportProblem::error(
                    1,
                    FieldError::new(
                        h.trim(),
                        "unknown_column",
                        format!("无法识别的列“{}”（应为固定列或该证照类型的照面信息字段）", h.trim()),
                        format!(
                            "Unknown column \"{}\" (expected a fixed column or a face field of the type)",
                            h.trim()
                        ),
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Resolved { fixed, face })
        } else {
            Err(problems)
        }
    }

    pub(super) fn cell<'a>(&self, row: &'a SheetRow, key: &str) -> &'a str {
        self.cols
            .fixed
            .get(key)
            .and_then(|&i| row.cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// Validates one row: the prepared row, or its problems (warnings may come with a row).
    pub(super) fn prepare(
        &self,
        row: &SheetRow,
        ordinal: u64,
        problems: &mut Vec<ImportProblem>,
    ) -> Option<Prepared> {
        let line = row.line;
        let mut errs: Vec<FieldError> = Vec::new();
        let identifier = match self.cell(row, "identifier") {
            "" => None,
            s => {
                match Identifier::parse(s) {
                    Ok(p) => {
                        if p.identifier.type_code != self.type_code {
                            errs.push(FieldError::new(
                            "identifier",
                            "licence.identifier_type",
                            format!("证照标识中的类型代码 {} 与导入的证照类型 {} 不符", p.identifier.type_code, self.type_code),
                            format!(
                                "The identifier's type code {} differs from the imported type {}",
                                p.identifier.type_code, self.type_code
                            ),
                        ));
                        }
                        if !p.check_ok {
                            problems.push(ImportProblem::warning(
                            line,
                            FieldError::new(
                                "identifier",
                                "licence.identifier_check",
                                format!(
                                    "证照标识的校验位 {} 与 ISO 7064 MOD 37,36 计算结果不符，已按原样导入",
                                    p.identifier.check
                                ),
                                format!(
                                    "The identifier's check character {} differs from ISO 7064 MOD 37,36; imported as given",
                                    p.identifier.check
                                ),
                            ),
                        ));
                        }
                        Some(p.identifier.to_string())
                    }
                    Err(e) => {
                        errs.push(e);
                        None
                    }
                }
            }
        };
        let number = match self.cell(row, "number") {
            "" => {
                errs.push(FieldError::required("number"));
                None
            }
            s if s.chars().count() > 100 => {
                errs.push(FieldError::max_chars("number", 100));
                None
            }
            s => Some(s.to_string()),
        };
        let holder_name =
            yiwang_kernel::text::required("holder_name", self.cell(row, "holder_name"), 100)
                .map_err(|e| errs.push(e))
                .ok();
        let code = self.cell(row, "holder_code");
        let holder_code = if code.is_empty() {
            errs.push(FieldError::required("holder_code"));
            None
        } else if self.holder_type == "person" {
            IdNumber::parse(code, self.today)
                .map(|i| i.as_str().to_string())
                .map_err(|e| errs.push(e.within("holder_code")))
                .ok()
        } else {
            Uscc::parse(code)
                .map(|u| u.as_str().to_string())
                .map_err(|e| errs.push(e.within("holder_code")))
                .ok()
        };
        let mut date = |key: &str, required: bool| -> Option<Date> {
            match self.cell(row, key) {
                "" => {
                    if required {
                        errs.push(FieldError::required(key));
                    }
                    None
                }
                s => parse_date(s).or_else(|| {
                    errs.push(bad_date(key));
                    None
                }),
            }
        };
        let issue_date = date("issue_date", true);
        let valid_from = date("valid_from", true);
        let valid_to = date("valid_to", false);
        if let Some(d) = issue_date
            && d > self.today
        {
            errs.push(FieldError::new(
                "issue_date",
                "date.future",
                "发证日期不能晚于今天",
                "The issue date cannot be in the future",
            ));
        }
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && to < from
        {
            errs.push(FieldError::new(
                "valid_to",
                "date.order",
                "有效期截止日期不能早于起始日期",
                "The end of validity cannot precede its start",
            ));
        }
        let mut values = Map::new();
        for (i, f) in &self.cols.face {
            let cell = row.cells.get(*i).map(|s| s.trim()).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            // Files carry an option's label (小学) as often as its code: labels become codes.
            let code_of = |s: &str| -> Value {
                let s = s.trim();
                let o = f.options.iter().find(|o| o.code == s || o.label == s);
                Value::String(o.map(|o| o.code.clone()).unwrap_or_else(|| s.to_string()))
            };
            let v = match f.kind {
                FieldKind::Choice => code_of(cell),
                FieldKind::MultiChoice => Value::Array(
                    cell.split([';', '；', '、', '|'])
                        .filter(|s| !s.trim().is_empty())
                        .map(code_of)
                        .collect(),
                ),
                FieldKind::Table => {
                    serde_json::from_str(cell).unwrap_or(Value::String(cell.to_string()))
                }
                _ => Value::String(cell.to_string()),
            };
            values.insert(f.key.clone(), v);
        }
        let face = match yiwang_forms::validate_on(&self.schema, &Value::Object(values), self.today)
        {
            Ok(m) => Some(numbers_as_text(Value::Object(m))),
            Err(es) => {
                errs.extend(es.into_iter().map(|mut e| {
                    // `form.address` → `face.address`: the column the user fixes.
                    if let Some(rest) = e.field.strip_prefix("form") {
                        e.field = format!("face{rest}");
                    }
                    e
                }));
                None
            }
        };
        if !errs.is_empty() {
            problems.extend(errs.into_iter().map(|e| ImportProblem::error(line, e)));
            return None;
        }
        Some(Prepared {
            line,
            ordinal,
            identifier,
            generated: None,
            number: number?,
            holder_name: holder_name?,
            holder_code: holder_code?,
            issue_date: issue_date?,
            valid_from: valid_from?,
            valid_to,
            face: face?,
        })
    }
}

/// A file-level problem (line 1) as an import problem.
pub(super) fn file_problem(e: &Error) -> ImportProblem {
    let (zh, en) = (e.message(Lang::Zh), e.message(Lang::En));
    // A refused file names its rule (`xlsx.shared_strings_count`, `csv.record_too_long` …).
    let (line, code) = match e.rows.first() {
        Some(r) => (i64::try_from(r.line.max(1)).unwrap_or(1), r.rule.clone()),
        None => (1, "file.unreadable".into()),
    };
    ImportProblem {
        line,
        field: "file".into(),
        code,
        level: "error".into(),
        message_zh: zh,
        message_en: en,
    }
}

pub(super) fn key128(kind: u8, s: &str) -> u128 {
    let mut a = DefaultHasher::new();
    (kind, 0x9e37_u16, s).hash(&mut a);
    let mut b = DefaultHasher::new();
    (s, kind, 0x7f4a_u16).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The line a key was first seen on, or `None` (and `line` remembered) when it is new.
pub(super) fn first_line(seen: &mut HashMap<u128, u32>, key: u128, line: u32) -> Option<u32> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(line);
            None
        }
    }
}
