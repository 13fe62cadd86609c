//! Data sharing and exchange (数据共享交换): the government information resource catalog
//! (政务信息资源目录, docs/standards/exchange.md), the three lists (三清单), collection (归集) of
//! resources' rows with quality checks and history, sharing requests and grants, the audited
//! data API, base libraries (基础库) and the return flow (回流).
//!
//! The foundation (this commit's modules) is the vocabulary (`model`), the catalog's and the
//! rows' SQL (`repo::resources`, `repo::rows`) and the service with registering and publishing a
//! resource (`service`). Rows are stored one JSON document per (resource, key, validity
//! interval), clustered on the key: "current", "as of" and history are ranges of one index.
//!
//! The catalog's work (`catalog`: editing, review, browse and search, import/export) and the
//! three lists (`lists`: responsibility, negative with `lists::refusal_for`, demands).

pub mod access;
pub mod areas;
pub mod base;
pub mod catalog;
pub mod collect;
pub mod fixtures;
pub mod kpi_facts;
pub mod lists;
pub mod model;
pub mod package;
pub mod repo;
pub mod service;
pub mod sharing;

pub use access::DataAccess;
pub use areas::Areas;
pub use model::{
    Category, Classification, DataItem, ItemType, OpenType, QualityRule, Resource, ResourceCode,
    ResourceFormat, ResourceMeta, ShareMethod, ShareType, UpdateCycle, VersionStatus,
};
pub use service::{ExchangeService, NewResource};
pub use sharing::SharingService;
