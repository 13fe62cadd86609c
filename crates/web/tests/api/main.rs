//! Integration tests: the real router, in-process, against a real database (a fresh SQLite file
//! per test, or a fresh PostgreSQL schema when YIWANG_TEST_DATABASE_URL is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract;
mod harness;

mod admins;
mod appeal_pages;
mod appeal_staff_pages;
mod appeals_api;
mod bundle_cases;
mod bundle_pages;
mod bundle_staff_pages;
mod bundles;
mod calendar;
mod calendar_page;
mod case_guards;
mod case_pages;
mod cases;
mod catalog;
mod credit;
mod enterprises;
mod errors;
mod exchange_access;
mod exchange_access_pages;
mod exchange_base;
mod exchange_catalog;
mod exchange_catalog_pages;
mod exchange_collect;
mod exchange_editor_pages;
mod exchange_sharing;
mod exchange_sharing_pages;
mod grids_api;
mod hostile_files;
mod identity;
mod inspections;
mod journey;
mod licence_imports;
mod licence_notices;
mod licence_pages;
mod licences;
mod matrix;
mod metrics;
mod oidc;
mod oidc_sessions;
mod open311;
mod open311_keys_page;
mod org;
mod outages;
mod page_inputs;
mod pages;
mod receipts;
mod recovery;
mod settings;
mod shared_data;
mod signin_limits;
mod staff_names;
mod staff_screens;
mod supervision_kpi;
mod supervision_watch;
mod system;
mod two_nodes;
