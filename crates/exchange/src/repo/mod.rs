//! SQL of the exchange domain. One SQL text per query for both backends; only this module (and
//! its children) touches the `exchange_*` tables.

pub mod base;
pub mod grants;
pub mod resources;
pub mod rows;
