//! The subcommands of the `yiwang` binary, one module each (`main.rs` parses and dispatches).

pub mod audit;
pub mod backup;
pub mod calendar;
pub mod cases;
pub mod credit;
pub mod doctor;
pub mod exchange;
pub mod exchange_packages;
pub mod files;
pub mod inspection;
pub mod kpi;
pub mod licences;
pub mod replica;
pub mod repo;
pub mod restore;
pub mod serve;
pub mod setup;
pub mod sheets;
pub mod watch;
