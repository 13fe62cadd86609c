//! Organisation (机构): administrative divisions, departments (部门) and service halls (大厅)
//! with their windows (窗口).
//!
//! Owns the tables `departments`, `halls`, `hall_windows` and the embedded division registry.
//! Rules are in [`model`] (plain Rust), SQL in [`repo`], authorisation and audit in [`service`],
//! files in [`io`]. Knows nothing of HTTP.

pub mod divisions;
pub mod io;
pub mod model;
pub mod repo;
pub mod service;

pub use divisions::{Division, Divisions, registry};
pub use model::{
    Department, DepartmentInput, DeptKind, Hall, HallInput, HallKind, Window, WindowInput,
    WindowKind,
};
pub use service::OrgService;
