//! Application forms on pages (申请表单): an item's form fields as inputs by kind, the submitted
//! multipart body turned into the form JSON the cases domain validates, material files
//! uploaded through [`yiwang_cases::CaseService::upload`], and each problem placed next to its
//! input in both languages.
//!
//! Input names: a field is `f.<key>` (a multiple choice repeats it), a table cell
//! `f.<key>.<row>.<column>`, a material's file `m.<entry>` with the ticket of a file already
//! uploaded in `t.<entry>` and its name in `tn.<entry>` (kept when the page is shown again
//! after a problem, so nothing is uploaded twice). Empty table rows are dropped and the rest
//! renumbered from 0 before validation, so a problem at `form.staff[1].name` is the second
//! non-empty row as shown again.
//!
//! Validation is the domain's: this module only reshapes what the browser sent (numbers stay
//! the strings typed; the server normalises them).

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde::Serialize;
use serde_json::{Map, Value};
use yiwang_cases::MaterialRef;
use yiwang_catalog::model::Material;
use yiwang_forms::{FieldKind, FormField, Prefill};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use crate::AppState;

/// Rows of a table shown empty for the applicant to fill.
pub const EMPTY_ROWS: usize = 3;

/// The file types a material input offers (the server decides by content).
pub const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.ofd";

/// One uploaded file of a multipart body.
pub struct FilePart {
    pub name: String,
    pub file_name: String,
    pub bytes: Bytes,
}

/// A multipart form: its text fields in order and its files (empty file inputs left out).
#[derive(Default)]
pub struct Multipart {
    pub text: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

impl Multipart {
    pub fn get(&self, k: &str) -> &str {
        self.text
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Reads a `multipart/form-data` body.
pub async fn read_multipart(headers: &HeaderMap, body: Bytes) -> Result<Multipart, Error> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(ct).map_err(|_| Error::new(ErrorCode::BadRequest))?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut out = Multipart::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| Error::new(ErrorCode::BadRequest).with_internal(e))?
    {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field
            .bytes()
            .await
            .map_err(|e| Error::new(ErrorCode::BadRequest).with_internal(e))?;
        match file_name {
            Some(f) => {
                if !data.is_empty() || !f.is_empty() {
                    out.files.push(FilePart {
                        name,
                        file_name: f,
                        bytes: data,
                    });
                }
            }
            None => {
                let text = String::from_utf8(data.to_vec())
                    .map_err(|e| Error::new(ErrorCode::BadRequest).with_internal(e))?;
                out.text.push((name, text));
            }
        }
    }
    Ok(out)
}

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

fn scalar_text(v: &Value) -> Option<String> {
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

/// A problem as shown next to an input: in the page's language, and in the other one below.
#[derive(Debug, Clone, Serialize)]
pub struct ErrText {
    /// The `id` of the message element (`<input id>-error`).
    pub id: String,
    pub text: String,
    pub other: String,
    pub other_lang: &'static str,
}

/// Problems by input name.
pub type Errs = BTreeMap<String, ErrText>;

/// The `id` of an input of this name.
pub fn input_id(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The input a problem's path belongs to. `refs` are the checklist entries of the materials
/// as sent (`materials[1].ticket` concerns the second).
fn input_of(path: &str, refs: &[String]) -> String {
    if let Some(rest) = path.strip_prefix("form.") {
        // key, then optional [row] and .column, then optional [n] of a multiple choice.
        let key_end = rest.find(['[', '.']).unwrap_or(rest.len());
        let key = &rest[..key_end];
        let tail = &rest[key_end..];
        if let Some(after) = tail.strip_prefix('[')
            && let Some((row, more)) = after.split_once(']')
            && let Some(col) = more.strip_prefix('.')
        {
            let col = &col[..col.find(['[', '.']).unwrap_or(col.len())];
            return format!("f.{key}.{row}.{col}");
        }
        return format!("f.{key}");
    }
    if let Some(entry) = path.strip_prefix("materials.") {
        return format!("m.{entry}");
    }
    if let Some(rest) = path.strip_prefix("materials[")
        && let Some((i, _)) = rest.split_once(']')
        && let Ok(i) = i.parse::<usize>()
        && let Some(entry) = refs.get(i)
    {
        return format!("m.{entry}");
    }
    if path.starts_with("applicant.") {
        return path.to_string();
    }
    path[..path.find('[').unwrap_or(path.len())].to_string()
}

/// Places every field problem of `e` next to its input.
pub fn place_errors(e: &Error, lang: Lang, refs: &[String]) -> Errs {
    let other = match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    let sep = |l: Lang| if l == Lang::Zh { "；" } else { "; " };
    let mut out: Errs = BTreeMap::new();
    for f in &e.fields {
        let name = input_of(&f.field, refs);
        let (t, o) = (f.text(lang).to_string(), f.text(other).to_string());
        out.entry(name.clone())
            .and_modify(|x| {
                if !x.text.contains(&t) {
                    x.text.push_str(sep(lang));
                    x.text.push_str(&t);
                    x.other.push_str(sep(other));
                    x.other.push_str(&o);
                }
            })
            .or_insert(ErrText {
                id: format!("{}-error", input_id(&name)),
                text: t,
                other: o,
                other_lang: if other == Lang::Zh { "zh-CN" } else { "en" },
            });
    }
    out
}

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

/// A checklist entry as an upload input.
#[derive(Debug, Clone, Serialize)]
pub struct MaterialView {
    pub key: String,
    pub name: String,
    pub input: String,
    pub id: String,
    /// An upload is required (必要, unconditional, no electronic licence replaces it).
    pub required: bool,
    pub condition: String,
    /// An electronic licence may replace it (可用电子证照免提交).
    pub licence: bool,
    pub notes: String,
    /// A file uploaded on an earlier attempt, kept.
    pub ticket: String,
    pub file_name: String,
    pub error: Option<ErrText>,
    /// The applicant's licences that may stand in for it: (identifier, label).
    pub offers: Vec<(String, String)>,
}

/// Whether a checklist entry must be uploaded (the domain's rule).
pub fn must_upload(m: &Material) -> bool {
    m.required && m.condition.trim().is_empty() && m.licence_type.trim().is_empty()
}

pub fn material_views(
    materials: &[Material],
    kept: &BTreeMap<String, (String, String)>,
    errs: &Errs,
) -> Vec<MaterialView> {
    materials
        .iter()
        .map(|m| {
            let input = format!("m.{}", m.key);
            let (ticket, file_name) = kept.get(&m.key).cloned().unwrap_or_default();
            MaterialView {
                key: m.key.clone(),
                name: m.name.clone(),
                id: input_id(&input),
                required: must_upload(m),
                condition: m.condition.clone(),
                licence: !m.licence_type.trim().is_empty(),
                notes: m.notes.clone(),
                ticket,
                file_name,
                error: errs.get(&input).cloned(),
                input,
                offers: Vec::new(),
            }
        })
        .collect()
}

/// Offers the applicant's licences of the type an entry accepts (免证办).
pub fn offer_licences(
    views: &mut [MaterialView],
    materials: &[Material],
    wallet: &[(String, String, String)],
) {
    for (v, m) in views.iter_mut().zip(materials) {
        let t = m.licence_type.trim();
        if t.is_empty() {
            continue;
        }
        v.offers = wallet
            .iter()
            .filter(|(code, _, _)| code == t)
            .map(|(_, id, label)| (id.clone(), label.clone()))
            .collect();
    }
}

/// What the materials of a submission came to: the references for the domain (in order),
/// the files kept for showing again (entry → ticket and name), and the upload problems.
#[derive(Default)]
pub struct Uploaded {
    pub refs: Vec<MaterialRef>,
    pub kept: BTreeMap<String, (String, String)>,
    pub problems: Vec<FieldError>,
}

impl Uploaded {
    pub fn entries(&self) -> Vec<String> {
        self.refs.iter().map(|r| r.entry.clone()).collect()
    }
}

/// Uploads the files of a multipart form for the checklist `materials` (a new file replaces a
/// kept one); every refusal becomes a problem of its entry.
pub async fn upload_materials(
    state: &AppState,
    ctx: &Ctx,
    materials: &[Material],
    mp: &Multipart,
) -> Uploaded {
    let mut out = Uploaded::default();
    for m in materials {
        let input = format!("m.{}", m.key);
        let file = mp.files.iter().find(|f| f.name == input);
        match file {
            Some(f) => match state.cases.upload(ctx, &f.file_name, f.bytes.clone()).await {
                Ok(t) => {
                    out.kept
                        .insert(m.key.clone(), (t.ticket.clone(), f.file_name.clone()));
                    out.refs.push(MaterialRef {
                        entry: m.key.clone(),
                        ticket: t.ticket,
                        ..Default::default()
                    });
                }
                Err(e) => out.problems.push(upload_problem(&m.key, &f.file_name, &e)),
            },
            None if !mp.get(&format!("l.{}", m.key)).trim().is_empty() => {
                out.refs.push(MaterialRef {
                    entry: m.key.clone(),
                    licence: mp.get(&format!("l.{}", m.key)).trim().to_string(),
                    ..Default::default()
                });
            }
            None => {
                let ticket = mp.get(&format!("t.{}", m.key)).trim();
                if !ticket.is_empty() {
                    out.kept.insert(
                        m.key.clone(),
                        (
                            ticket.to_string(),
                            mp.get(&format!("tn.{}", m.key)).to_string(),
                        ),
                    );
                    out.refs.push(MaterialRef {
                        entry: m.key.clone(),
                        ticket: ticket.to_string(),
                        ..Default::default()
                    });
                }
            }
        }
    }
    out
}

/// A refused upload as a problem of its checklist entry, naming the file.
fn upload_problem(entry: &str, file_name: &str, e: &Error) -> FieldError {
    let detail = |l: Lang| {
        let mut s = e.message(l);
        for f in &e.fields {
            s.push_str(if l == Lang::Zh { "；" } else { "; " });
            s.push_str(f.text(l));
        }
        s
    };
    FieldError::new(
        format!("materials.{entry}"),
        e.code.as_str(),
        format!("文件“{file_name}”未能上传：{}", detail(Lang::Zh)),
        format!(
            "File \"{file_name}\" was not uploaded: {}",
            detail(Lang::En)
        ),
    )
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

/// Division codes offered while typing a division (the province's cities and this city's
/// counties; any other code may be typed).
pub fn division_choices() -> Vec<OptView> {
    let reg = yiwang_org::divisions::registry();
    let mut out = Vec::new();
    for parent in ["440000", "440800"] {
        if let Some(d) = reg.get(parent) {
            out.push(OptView {
                code: d.code.as_str().to_string(),
                label: d.name.clone(),
                selected: false,
            });
        }
        for d in reg.children(parent) {
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

/// A fresh idempotency key for one application form (sent back as a hidden field).
pub fn idempotency_key() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("page-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn food() -> Vec<FormField> {
        serde_json::from_value(json!([
            {"key": "name", "label": "名称", "kind": "text", "required": true},
            {"key": "items", "label": "项目", "kind": "multi_choice", "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
            {"key": "staff", "label": "从业人员", "kind": "table", "columns": [
                {"key": "name", "label": "姓名", "kind": "text", "required": true},
                {"key": "post", "label": "岗位", "kind": "text"}
            ]}
        ]))
        .unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn empty_rows_are_dropped_and_the_rest_renumbered() {
        let f = food();
        let v = submitted_values(
            &f,
            &pairs(&[
                ("f.name", " 海滨 "),
                ("f.items", "a"),
                ("f.items", "b"),
                ("f.staff.0.name", ""),
                ("f.staff.0.post", ""),
                ("f.staff.1.name", "张三"),
                ("f.staff.2.post", "厨师"),
                ("other", "x"),
            ]),
        );
        assert_eq!(v.rows("staff"), 2);
        let j = form_json(&f, &v, &BTreeSet::new());
        assert_eq!(
            j,
            json!({"name": "海滨", "items": ["a", "b"], "staff": [{"name": "张三"}, {"post": "厨师"}]})
        );
        let skip = BTreeSet::from(["name".to_string()]);
        assert!(form_json(&f, &v, &skip).get("name").is_none());
        // The stored form shows again as the same values.
        let back = values_of_json(&f, &j);
        assert_eq!(form_json(&f, &back, &BTreeSet::new()), j);
        assert_eq!(changed_fields(&f, &back, &back), json!({}));
    }

    #[test]
    fn a_changed_field_is_sent_and_an_emptied_one_as_null() {
        let f = food();
        let before = values_of_json(&f, &json!({"name": "甲", "items": ["a"]}));
        let after = submitted_values(&f, &pairs(&[("f.name", "乙")]));
        assert_eq!(
            changed_fields(&f, &before, &after),
            json!({"name": "乙", "items": null})
        );
    }

    #[test]
    fn problems_land_on_their_inputs() {
        let refs = vec!["M01".to_string(), "M03".to_string()];
        for (path, input) in [
            ("form.name", "f.name"),
            ("form.items[1]", "f.items"),
            ("form.staff", "f.staff"),
            ("form.staff[2].name", "f.staff.2.name"),
            ("form.staff[0].tags[1]", "f.staff.0.tags"),
            ("form.staff[0]", "f.staff"),
            ("materials.M02", "m.M02"),
            ("materials[1].ticket", "m.M03"),
            ("materials[7].ticket", "materials"),
            ("applicant.cert_no", "applicant.cert_no"),
            ("items[0].reason", "items"),
            ("reason", "reason"),
        ] {
            assert_eq!(input_of(path, &refs), input, "{path}");
        }
        let e = Error::validation(vec![
            FieldError::required("form.name"),
            FieldError::max_chars("form.name", 3),
        ]);
        let errs = place_errors(&e, Lang::Zh, &[]);
        let t = &errs["f.name"];
        assert_eq!(t.id, "f-name-error");
        assert!(t.text.contains('；') && t.other.contains("; "), "{t:?}");
    }

    #[test]
    fn numbers_are_masked_when_shown() {
        assert_eq!(mask_id("440802199001011238"), "440802********1238");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0759-1234567"), "0759-***4567");
        let f: Vec<FormField> = serde_json::from_value(json!([
            {"key": "id", "label": "身份证", "kind": "id_number"},
            {"key": "p", "label": "电话", "kind": "phone"}
        ]))
        .unwrap();
        let shown = shown_form(
            &f,
            &json!({"id": "440802199001011238", "p": "13812345678"}),
            Lang::Zh,
        );
        assert_eq!(shown[0].text, "440802********1238");
        assert_eq!(shown[1].text, "138****5678");
    }

    #[test]
    fn tables_show_three_empty_rows_or_one_more_than_filled() {
        let f = food();
        let views = field_views(
            &f,
            &Values::default(),
            &Errs::new(),
            Lang::Zh,
            &BTreeMap::new(),
            false,
        );
        assert_eq!(views[2].rows.len(), EMPTY_ROWS);
        assert_eq!(views[2].rows[1][0].name, "f.staff.1.name");
        assert_eq!(views[2].rows[1][0].id, "f-staff-1-name");
        let v = submitted_values(
            &f,
            &pairs(&[
                ("f.staff.0.name", "a"),
                ("f.staff.1.name", "b"),
                ("f.staff.2.name", "c"),
            ]),
        );
        let views = field_views(&f, &v, &Errs::new(), Lang::Zh, &BTreeMap::new(), false);
        assert_eq!(views[2].rows.len(), 4);
        assert!(views[1].options.iter().all(|o| !o.selected));
    }
}
