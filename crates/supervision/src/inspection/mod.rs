//! Random inspection (双随机、一公开, docs/standards §10, docs/inspection-draw.md): the item
//! list (抽查事项清单), the entity and inspector pools (两库) with declared conflicts (回避),
//! plans, reproducible draws from a published seed (`draw`, plain Rust), results and their
//! publication within 20 working days. SQL only in `repo`; no HTTP here.

pub mod draw;
pub mod model;
mod plans;
mod pools;
mod repo;

pub use plans::{matches, parse_published, redraw};
pub use pools::ENTITY_COLUMNS;
