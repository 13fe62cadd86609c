//! SQL of the exchange domain. One SQL text per query for both backends; only this module (and
//! its children) touches the `exchange_*` tables.

pub mod calls;
pub mod bulk;
pub mod grants;
pub mod requests;
pub mod loads;
pub mod resources;
pub mod rows;
