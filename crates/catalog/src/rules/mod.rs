//! Validation of item elements: shape checks on every save ([`shape`], `shape.rs`),
//! completeness (`complete.rs`) and the data-quality rules of docs/standards/service-items.md
//! §4.8 (`quality.rs`) on submission ([`for_submission`]), the basic directory's items
//! ([`basic_item`]). Every failure names its field (`materials[2].name`); the rules write into
//! one collector (`check.rs`).

mod check;
mod complete;
mod quality;
mod shape;

use yiwang_kernel::FieldError;
use yiwang_kernel::codes::Uscc;

use crate::codes;
use crate::model::{BasicItemInput, Elements};
use check::Check;
pub use shape::shape;

/// Item types that are applied for (依申请) and so need materials, forms and channels.
pub const APPLICATION_TYPES: &[&str] = &["01", "05", "07", "08", "09", "10", "20"];

/// The 21-character licence type code: definer's USCC + 3 digits (docs/standards/licences.md §7.2).
pub fn licence_type_ok(s: &str) -> bool {
    s.len() == 21
        && s.is_char_boundary(18)
        && Uscc::parse(&s[..18]).is_ok()
        && s[18..].bytes().all(|b| b.is_ascii_digit())
}

/// 基本编码 / 实施编码 characters: digits and upper-case letters.
pub fn code_ok(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// Everything checked on submission: shape, completeness and quality.
pub fn for_submission(e: &Elements) -> Vec<FieldError> {
    let mut c = Check { errors: shape(e) };
    complete::complete(e, &mut c);
    quality::quality(e, &mut c);
    c.errors
}

/// Validates a basic directory item.
pub fn basic_item(b: &BasicItemInput) -> Vec<FieldError> {
    let mut c = Check::new();
    if !code_ok(b.code.trim(), 12) {
        c.push(
            "code",
            "basic_code.format",
            "基本编码应为1至12位数字或大写字母",
            "A basic code has 1 to 12 digits or upper-case letters",
        );
    }
    c.required("name", &b.name);
    c.len("name", &b.name, 200);
    c.required("item_type", &b.item_type);
    c.code("item_type", &codes::ITEM_TYPES, b.item_type.trim());
    c.required("legal_basis", &b.legal_basis);
    c.len("legal_basis", &b.legal_basis, 5000);
    if !b.parent_code.is_empty() && !code_ok(&b.parent_code, 12) {
        c.push(
            "parent_code",
            "basic_code.format",
            "主项基本编码格式不正确",
            "The main item's basic code is malformed",
        );
    }
    for (i, l) in b
        .levels
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        c.code(&format!("levels[{i}]"), &codes::LEVELS, l);
    }
    if let Some(n) = b.statutory_limit {
        c.range("statutory_limit", n, 0, 3650);
    }
    c.code(
        "statutory_unit",
        &codes::TIME_UNITS,
        b.statutory_unit.trim(),
    );
    c.errors
}

#[cfg(test)]
mod tests;
