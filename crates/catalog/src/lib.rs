//! The service-item catalog (政务服务事项管理), docs/standards/service-items.md.
//!
//! * Basic directory items (基本目录) hold what every level shares (三级四同); departments
//!   claim them (认领) into implementation items (实施清单) that inherit name, basic code,
//!   type and legal basis, which cannot be changed locally.
//! * Each implementation item has versions: draft → submitted → published → superseded or
//!   retired ([`lifecycle`]). A published version never changes; an edit makes a new version.
//!   Each version's elements ([`model::Elements`], GB/T 39046 表4) are one immutable document.
//! * Submission runs the completeness and data-quality rules of docs/standards/service-items.md §4.8 ([`rules`]).
//! * An item may declare its application form (`yiwang_forms`: fields the portal renders and
//!   `yiwang_forms::validate` checks on the server) and its case workflow
//!   (`yiwang_workflow::Definition`); both are elements of the version and checked on every save.
//! * Publishing derives the searchable catalog (`catalog_entries`, tags and a bigram index,
//!   [`search`]) in the same transaction, and bumps the catalog generation.
//! * The reviewer compares a submitted draft with the published version field by field
//!   ([`diff::compare`]).
//! * Public search answers from an in-memory index of the published catalog ([`index`]),
//!   rebuilt when the generation changes; the SQL search stays as the reference.
//!
//! Owns the tables `basic_items`, `items`, `item_versions`, `item_history`, `catalog_*`
//! (including `catalog_generation`).
//! Knows nothing of HTTP.

pub mod codes;
pub mod diff;
pub mod index;
pub mod io;
pub mod kpi_facts;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod rules;
pub mod search;
pub mod service;

pub use model::{
    BasicItem, BasicItemInput, Elements, Item, ItemStatus, ItemSummary, ItemVersion, VersionStatus,
};
pub use service::{CatalogService, ClaimInput, NoteInput, Through};
