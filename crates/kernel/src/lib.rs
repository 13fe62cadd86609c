//! The shared kernel: what every Yiwang domain needs and nothing more.
//!
//! * [`codes`] — validated newtypes for the national identifiers (citizen ID number, GB 11643;
//!   unified social credit code, GB 32100; division code, GB/T 2260). A value of these types has
//!   passed validation and never needs validating again.
//! * [`error`] — the one error type, its catalog of stable codes with HTTP status and bilingual
//!   messages, and per-field errors.
//! * [`clock`] — the source of "now", settable in tests.
//! * [`auth`] — the authorisation context (who acts, with which roles, in which scope) and the
//!   permission catalog. Domains call [`auth::Actor::require`] before every action.
//! * [`i18n`] — language selection and bilingual text.
//! * [`facts`] — what domains count per day and department for the platform's figures (KPIs),
//!   and the members behind each count.
//!
//! The kernel knows nothing about HTTP, SQL or any one domain.

pub mod auth;
pub mod clock;
pub mod codes;
pub mod error;
pub mod facts;
pub mod i18n;
pub mod paging;
pub mod schema;
pub mod text;

pub use error::{Error, ErrorCode, FieldError, Result};
