//! SQL of the appeals domain (migration 0027). One SQL text per query for both backends; only
//! this module touches these tables. By table group: `appeals` (orders, sequences, photos,
//! links), `events`, `settings` (categories, knowledge, limits), `keys` (Open311), `routing`
//! (grids as the index and the orders need them); `grids` (the import and workers, H-geo).

pub mod appeals;
pub mod events;
pub mod grids;
pub mod keys;
pub mod kpi_facts;
pub mod routing;
pub mod settings;
