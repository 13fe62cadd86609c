//! "One thing" bundles (一件事一次办 / 一事联办): the definition of a bundle as data
//! ([`model::Bundle`]), the checks a definition passes before it is saved or published
//! ([`check`]), and the pure rules of applying: the questionnaire decides the parts, the merged
//! form fills every part's item form, one set of materials serves every part ([`rules`]).
//!
//! Definitions are stored as versions reviewed like items ([`service::BundleService`], SQL in
//! [`repo`], the lifecycle's rules in [`lifecycle`]).
//!
//! What happens to an application (the parent case and one case per part) belongs to the cases
//! domain (`yiwang_cases::bundle`); this crate knows no SQL of cases.

pub mod check;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod rules;
pub mod service;
pub mod spec;
pub mod views;

#[cfg(test)]
mod fixture;

pub use model::{Bundle, Holder, ItemSpec};
pub use rules::{Answers, Plan, ResultValues, Savings};
pub use service::BundleService;
pub use spec::{BundleDefs, PublishedBundle, StaticDefs, item_spec};
