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

/// A page's error as shown to people.
#[derive(Serialize)]
pub struct ErrorView {
    pub message: String,
    pub fields: Vec<BTreeMap<&'static str, String>>,
    pub rows: Vec<BTreeMap<&'static str, String>>,
    /// Field problems by form field (`scopes[1]` counts for `scopes`), for showing each next
    /// to its input.
    pub by_field: BTreeMap<String, String>,
}

/// The form field a problem's path belongs to: `roles[2]` → `roles`, `materials[0].name` →
/// `materials`.
pub(super) fn form_field(path: &str) -> &str {
    let end = path.find(['[', '.']).unwrap_or(path.len());
    &path[..end]
}

impl ErrorView {
    pub fn of(e: &Error, lang: Lang) -> ErrorView {
        let mut by_field: BTreeMap<String, String> = BTreeMap::new();
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
                .or_insert(text);
        }
        ErrorView {
            by_field,
            message: e.message(lang),
            fields: e
                .fields
                .iter()
                .map(|f| {
                    BTreeMap::from([
                        ("field", f.field.clone()),
                        ("text", f.text(lang).to_string()),
                        ("rule", f.rule.clone()),
                    ])
                })
                .collect(),
            rows: e
                .rows
                .iter()
                .map(|r| {
                    BTreeMap::from([
                        ("sheet", r.sheet.clone()),
                        ("line", r.line.to_string()),
                        ("field", r.field.clone()),
                        ("text", lang.pick(&r.zh, &r.en).to_string()),
                        ("rule", r.rule.clone()),
                    ])
                })
                .collect(),
        }
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
