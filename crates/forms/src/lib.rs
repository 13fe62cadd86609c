//! Application forms as data (申请表单): a service item, a licence type's face or any other
//! record declares the fields a person fills in ([`FormField`]); the portal renders them, and
//! the server checks what was submitted with [`validate`] before anything is stored.
//!
//! * [`check_definition`] checks a form as an editor wrote it (the catalog runs it on every
//!   save of an item version, licences on every licence type): keys, labels, which attributes
//!   fit which kind, options, table columns, prefills. Every broken rule names its path
//!   (`form[2].options[1].code`) and a stable rule id.
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
//! Where things are: the field model (`field.rs`), definition checks (`definition.rs`), value
//! validation (`validate.rs`) and the scalar readers it normalises with (`normalise.rs`);
//! everything public is re-exported here, so a user writes `yiwang_forms::FormField`.
//!
//! Pure rules: no SQL, no HTTP, no async. Knows nothing of items, cases or licences; prefills
//! ([`Prefill`]) are filled by the portal from the signed-in applicant, this crate only checks
//! that a prefill fits its field's kind. Division fields are checked against the embedded
//! division registry of `yiwang-org` (its only use of that crate).

mod definition;
mod field;
mod normalise;
mod validate;

#[cfg(test)]
mod tests;

pub use definition::check_definition;
pub use field::{FieldKind, FormField, FormOption, Prefill};
pub use validate::{validate, validate_on};

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
