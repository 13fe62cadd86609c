//! Placing the domain's problems next to their inputs, in the page's language, and naming
//! each by its input's label for the page's error summary.

use std::collections::BTreeMap;

use serde::Serialize;
use yiwang_catalog::model::Material;
use yiwang_forms::FormField;
use yiwang_kernel::Error;
use yiwang_kernel::i18n::Lang;

use crate::pages::ErrorView;

/// A problem as shown next to an input, in the page's language.
#[derive(Debug, Clone, Serialize)]
pub struct ErrText {
    /// The `id` of the message element (`<input id>-error`).
    pub id: String,
    pub text: String,
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
pub(crate) fn input_of(path: &str, refs: &[String]) -> String {
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
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    let mut out: Errs = BTreeMap::new();
    for f in &e.fields {
        let name = input_of(&f.field, refs);
        let t = f.text(lang).to_string();
        out.entry(name.clone())
            .and_modify(|x| {
                if !x.text.contains(&t) {
                    x.text.push_str(sep);
                    x.text.push_str(&t);
                }
            })
            .or_insert(ErrText {
                id: format!("{}-error", input_id(&name)),
                text: t,
            });
    }
    out
}

fn label_in(f: &FormField, lang: Lang) -> String {
    if lang == Lang::En && !f.label_en.trim().is_empty() {
        f.label_en.clone()
    } else {
        f.label.clone()
    }
}

/// The label of the input named `input` (`f.movers.0.id_number` is "迁移人员第1行 · 公民身份号码"),
/// empty when the form has no such input.
pub fn label_of_input(
    input: &str,
    fields: &[FormField],
    materials: &[Material],
    lang: Lang,
) -> String {
    if let Some(entry) = input.strip_prefix("m.") {
        return materials
            .iter()
            .find(|m| m.key == entry)
            .map(|m| m.name.clone())
            .unwrap_or_default();
    }
    let Some(rest) = input.strip_prefix("f.") else {
        return String::new();
    };
    let mut parts = rest.splitn(3, '.');
    let key = parts.next().unwrap_or_default();
    let Some(f) = fields.iter().find(|f| f.key == key) else {
        return String::new();
    };
    match (
        parts.next().and_then(|r| r.parse::<usize>().ok()),
        parts.next(),
    ) {
        (Some(row), Some(col)) => {
            let column = f
                .columns
                .iter()
                .find(|c| c.key == col)
                .map(|c| label_in(c, lang))
                .unwrap_or_else(|| col.to_string());
            crate::i18n::text("form.row_cell", lang)
                .replace("{t}", &label_in(f, lang))
                .replace("{n}", &(row + 1).to_string())
                .replace("{c}", &column)
        }
        _ => label_in(f, lang),
    }
}

/// The summary of `e` on an application form: each problem named by its input's label.
pub fn error_view(
    e: &Error,
    lang: Lang,
    refs: &[String],
    fields: &[FormField],
    materials: &[Material],
) -> ErrorView {
    ErrorView::placed(e, lang, &|path: &str| {
        let input = input_of(path, refs);
        let label = label_of_input(&input, fields, materials, lang);
        (input, label, crate::pages::errors::names_itself(path))
    })
}
