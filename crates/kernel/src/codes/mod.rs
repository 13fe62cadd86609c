//! National identifiers as validated newtypes.
//!
//! Parse at the edge ([`IdNumber::parse`], [`Uscc::parse`], [`DivisionCode::parse`]); a value of
//! these types is valid by construction. Failures are [`FieldError`](crate::FieldError)s with a
//! stable rule name and a bilingual message, so callers can attach them to the field that held
//! the input.

pub mod division;
pub mod id_number;
pub mod iso7064;
pub mod uscc;

pub use division::{DivisionCode, DivisionLevel};
pub use id_number::{Gender, IdNumber};
pub use uscc::Uscc;
