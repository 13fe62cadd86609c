//! The subcommands of the `yiwang` binary, one module each (`main.rs` parses and dispatches).

pub mod audit;
pub mod calendar;
pub mod cases;
pub mod credit;
pub mod exchange;
pub mod exchange_packages;
pub mod inspection;
pub mod kpi;
pub mod licences;
pub mod serve;
pub mod setup;
pub mod sheets;
pub mod watch;
