//! Placing the domain's problems next to their inputs, in the page's language and the other.

use std::collections::BTreeMap;

use serde::Serialize;
use yiwang_kernel::Error;
use yiwang_kernel::i18n::Lang;

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
pub(super) fn input_of(path: &str, refs: &[String]) -> String {
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
