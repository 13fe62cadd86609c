//! One cell's text on its way in and out: formula injection (OWASP "CSV injection").
//!
//! A spreadsheet treats a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return
//! before one) as a formula. Every CSV this crate writes puts a single quote `'` before such a
//! cell ([`neutralise`]); XLSX cells are always strings, and such cells also get Excel's
//! quote prefix so editing them keeps them text. Reading undoes our own quote and trims blanks,
//! but never trims a tab or carriage return off the front of a formula.

use std::borrow::Cow;

/// Characters that start a formula in a spreadsheet.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would read `cell` as a formula.
pub fn formula_like(cell: &str) -> bool {
    cell.starts_with(FORMULA)
}

/// The cell as written to a CSV: prefixed with `'` when it would start a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as read: surrounding blanks trimmed, except a tab or carriage return in front of a
/// formula; a `'` written by [`neutralise`] removed.
pub fn clean(cell: &str) -> String {
    let t = cell.trim();
    if let Some(rest) = t.strip_prefix('\'')
        && formula_like(rest)
    {
        return rest.trim_end().to_string();
    }
    let lead = &cell[..cell.len() - cell.trim_start().len()];
    if lead.contains(['\t', '\r']) && formula_like(t) {
        let keep = lead.rfind(['\t', '\r']).unwrap_or(0);
        return cell[keep..].trim_end().to_string();
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_quoted_on_the_way_out_and_unquoted_on_the_way_in() {
        for c in ["=1+1", "+86 759 1234567", "-3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(c), format!("'{c}"), "{c:?}");
            assert_eq!(clean(&neutralise(c)), c.trim_end(), "{c:?}");
        }
        for c in ["湛江", "1-2", "a=b", ""] {
            assert_eq!(neutralise(c), c);
            assert_eq!(clean(c), c);
        }
        // A leading tab is not trimmed into a formula; other blanks are trimmed.
        assert_eq!(clean("\t=1+1"), "\t=1+1");
        assert_eq!(clean(" \t=1+1 "), "\t=1+1");
        assert_eq!(clean("\t湛江 "), "湛江");
        assert_eq!(clean("  'abc"), "'abc");
    }
}
