//! How pages show problems: the error box of a page (`ErrorView`), the error page of a failure
//! (`error_page_in`), lookups a page can do without (`found`: only "not found" is let through,
//! any other failure is the page's), and bad query input (`bad_query`, a 400 naming the
//! parameter and the rule).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::templates;
use crate::i18n;

/// A page's error as shown to people: the message, then the summary of field problems (each
/// a link to its input, named by the input's label), import rows by column title.
#[derive(Serialize)]
pub struct ErrorView {
    pub message: String,
    pub fields: Vec<ProblemView>,
    pub rows: Vec<BTreeMap<&'static str, String>>,
    /// Field problems by form field (`scopes[1]` counts for `scopes`), for showing each next
    /// to its input.
    pub by_field: BTreeMap<String, String>,
}

/// One problem of the summary: `<a href="#{href}">{label}：{text}</a>`.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemView {
    /// The name of the input the problem concerns (not shown).
    #[serde(skip)]
    pub input: String,
    /// The `id` of that input on the page; empty when the page has none.
    pub href: String,
    /// The input's label as the page shows it; empty when it has none.
    pub label: String,
    /// The message names the field itself (the forms domain writes “店铺名称”为必填项): the
    /// label is not put before it again.
    pub named: bool,
    pub text: String,
}

/// The column of an import row problem as the file's header names it (a catalog table's or
/// the departments table's), never the internal field name; a field no table knows stays as
/// it is (e.g. a whole-row problem).
fn column_title(sheet: &str, field: &str) -> String {
    let title = match yiwang_catalog::io::Table::of_sheet(sheet) {
        Some(t) => t.column_title(field),
        None if sheet == yiwang_org::io::SHEET => yiwang_org::io::column_title(field),
        None => None,
    };
    title
        .map(str::to_string)
        .unwrap_or_else(|| field.to_string())
}

/// Whether the message of a problem at `path` names its field already: the forms domain
/// writes every application-form problem with the field's label (`“迁移人员”第1行的“姓名”…`).
pub(crate) fn names_itself(path: &str) -> bool {
    path.starts_with("form.")
}

/// The form field a problem's path belongs to: `roles[2]` → `roles`, `materials[0].name` →
/// `materials`.
pub(super) fn form_field(path: &str) -> &str {
    let end = path.find(['[', '.']).unwrap_or(path.len());
    &path[..end]
}

impl ErrorView {
    /// The view of `e` on a page of fixed inputs: a problem at `roles[2]` concerns the input
    /// named `roles` (one at `form.x` the application form's `f.x`); its label is found on
    /// the page ([`ErrorView::locate`]).
    pub fn of(e: &Error, lang: Lang) -> ErrorView {
        Self::placed(e, lang, &|path: &str| {
            let input = if path.starts_with("form.") || path.starts_with("materials") {
                super::appform::input_of(path, &[])
            } else {
                form_field(path).to_string()
            };
            (input, String::new(), names_itself(path))
        })
    }

    /// The view of `e` where `place` names, for a problem's path, its input, its label (an
    /// empty label is looked up on the page) and whether the message names the field itself.
    pub fn placed(
        e: &Error,
        lang: Lang,
        place: &dyn Fn(&str) -> (String, String, bool),
    ) -> ErrorView {
        let mut by_field: BTreeMap<String, String> = BTreeMap::new();
        let mut fields: Vec<ProblemView> = Vec::new();
        for f in &e.fields {
            let text = f.text(lang).to_string();
            by_field
                .entry(form_field(&f.field).to_string())
                .and_modify(|t| {
                    if !t.contains(&text) {
                        t.push_str(if lang == Lang::Zh { "；" } else { "; " });
                        t.push_str(&text);
                    }
                })
                .or_insert(text.clone());
            let (input, label, named) = place(&f.field);
            if !fields.iter().any(|p| p.input == input && p.text == text) {
                fields.push(ProblemView {
                    input,
                    href: String::new(),
                    label,
                    named,
                    text,
                });
            }
        }
        ErrorView {
            by_field,
            message: e.message(lang),
            fields,
            rows: e
                .rows
                .iter()
                .map(|r| {
                    BTreeMap::from([
                        ("sheet", r.sheet.clone()),
                        ("line", r.line.to_string()),
                        ("field", column_title(&r.sheet, &r.field)),
                        ("text", lang.pick(&r.zh, &r.en).to_string()),
                        ("rule", r.rule.clone()),
                    ])
                })
                .collect(),
        }
    }

    /// Finds, on the page as rendered, each problem's input (its `id`, for the link) and,
    /// where the label is not known yet, the text of its `<label for>`, else the catalog's
    /// `field.<name>`. Returns whether anything was found (the page is rendered again).
    pub fn locate(&mut self, html: &str, lang: Lang) -> bool {
        let mut changed = false;
        for p in &mut self.fields {
            if p.href.is_empty()
                && let Some(id) = page::id_of_input(html, &p.input)
            {
                p.href = id;
                changed = true;
            }
            if p.label.is_empty() {
                let label = page::label_of(html, &p.href)
                    .or_else(|| page::aria_label_of(html, &p.input))
                    .or_else(|| i18n::known(&format!("field.{}", p.input), lang));
                if let Some(l) = label {
                    p.label = l;
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Reading a rendered page for the inputs its problems concern.
mod page {
    /// The value of attribute `name` in the tag text `tag` (`<input id="x" name="y">`).
    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let pat = format!(" {name}=\"");
        let start = tag.find(&pat)? + pat.len();
        let len = tag[start..].find('"')?;
        Some(&tag[start..start + len])
    }

    /// The first input, select or textarea named `name` (not a hidden one): its tag text.
    fn input_tag<'a>(html: &'a str, name: &str) -> Option<&'a str> {
        if name.is_empty() {
            return None;
        }
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            let end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..end];
            let is_input = ["input ", "select ", "textarea "]
                .iter()
                .any(|t| tag.starts_with(t));
            if is_input && attr(tag, "name") == Some(name) && attr(tag, "type") != Some("hidden") {
                return Some(tag);
            }
        }
        None
    }

    /// The `id` of the input named `name`.
    pub fn id_of_input(html: &str, name: &str) -> Option<String> {
        attr(input_tag(html, name)?, "id").map(str::to_string)
    }

    /// The `aria-label` of the input named `name` (a table's cell).
    pub fn aria_label_of(html: &str, name: &str) -> Option<String> {
        attr(input_tag(html, name)?, "aria-label").map(str::to_string)
    }

    /// The words of `<label for="{id}">…</label>`, tags and the required mark left out.
    pub fn label_of(html: &str, id: &str) -> Option<String> {
        if id.is_empty() {
            return None;
        }
        let start = html.find(&format!("<label for=\"{id}\">"))?;
        let body = &html[start..];
        let body = &body[body.find('>')? + 1..body.find("</label>")?];
        let mut words = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => words.push(c),
                _ => {}
            }
        }
        let words = words.trim().trim_end_matches('*').trim().to_string();
        (!words.is_empty()).then_some(words)
    }
}

/// What a page does with a lookup it can do without (a department's name, a list beside the
/// main content): "not found" is `None`; any other failure — the database unreachable, a table
/// broken — is the page's failure, shown as the error page, never as an empty list or a blank.
pub fn found<T>(r: Result<T, Error>) -> Result<Option<T>, Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Bad input in a page's query string: a 400 naming the parameter and the rule in both
/// languages (the error page shows the message; the field is kept for forms that place it).
pub fn bad_query(f: FieldError) -> Error {
    let name = if f.field.is_empty() {
        "(query)".to_string()
    } else {
        f.field.clone()
    };
    let e = Error::new(ErrorCode::BadRequest).with_detail(
        format!("查询参数“{name}”：{}；规则 {}", f.zh, f.rule),
        format!("Query parameter “{name}”: {}; rule {}", f.en, f.rule),
    );
    Error {
        fields: vec![FieldError { field: name, ..f }],
        ..e
    }
}

/// A standalone error page (used where no page context exists).
pub fn error_page(e: &Error) -> Response {
    error_page_in(e, Lang::Zh)
}

pub fn error_page_in(e: &Error, lang: Lang) -> Response {
    crate::error::log(e);
    let title = i18n::text(&format!("error.title.{}", e.status()), lang);
    let ctx = context! { lang => lang.as_str(), path => "/", title => title, message => e.message(lang), elder => false };
    let html = templates().render("error.html", ctx).unwrap_or_else(|_| {
        format!(
            "<!doctype html><meta charset=utf-8><title>{0}</title><h1>{0}</h1><p>{1}</p>",
            e.code.as_str(),
            e.message(lang)
        )
    });
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Html(html)).into_response()
}

pub fn not_found_page() -> Response {
    error_page(&Error::not_found())
}
