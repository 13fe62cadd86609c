//! SQL of the licence domain, one SQL text for both backends, by concern: the licences
//! themselves, their events, use grants and the staff register (`licences`), licence types
//! (`types`), seal keys (`seal_keys`), annotated copies (`copies`) and holder notices
//! (`notices`). The bulk import keeps its own in `import/repo.rs`. Departments are the org
//! domain's: they are read through `yiwang_org::service`, never joined here.

pub mod copies;
pub mod kpi_facts;
pub mod licences;
pub mod notices;
pub mod seal_keys;
pub mod types;
