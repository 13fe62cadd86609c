//! SQL of the exchange domain. One SQL text per query for both backends; only this module (and
//! its children) touches the `exchange_*` tables.

pub mod base;
pub mod bulk;
pub mod calls;
pub mod grants;
pub mod kpi_facts;
// The data API's one read per lookup: stamp, grant and row.
pub mod loads;
pub mod lookups;
pub mod requests;
pub mod resources;
pub mod rows;
// Collected rows sealed at rest (migration 0023).
pub mod seal;
// The catalog's work and the demand list (migration 0019).
pub mod catalog;
pub mod demands;
