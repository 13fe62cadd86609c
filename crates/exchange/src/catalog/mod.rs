//! The resource catalog's work (政务信息资源目录, docs/standards/exchange.md §8.2–8.3), by job:
//! `edit` (a steward edits a draft, starts a new version from the published one, submits; the
//! division's data administrator approves — publishing — or rejects with a note, and retires),
//! `read` (browse by classification and provider, search, detail, "my resources", the review
//! queue), `search` (two-character words, pure), `io` (CSV/XLSX import and export).
//!
//! Every action writes its history row (`exchange_resource_history`) and its audit entry in
//! the action's transaction; refusals are audited after the rollback.

mod edit;
pub mod io;
mod read;
pub mod search;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::{Error, Result};
use yiwang_org::Department;
use yiwang_org::repo::DepartmentFilter;
use yiwang_store::{Conn, Tx};

use crate::model::{Resource, ShareType, VersionStatus};
use crate::service::ExchangeService;

pub use io::{CatalogImport, ImportedResource};
pub use read::CatalogFilter;

/// A resource version as the catalog's views show it: the version, its provider's name, the
/// revision to send back when editing a draft and the published version of the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResourceView {
    pub resource: Resource,
    pub department_name: String,
    /// Send it back when saving the draft (optimistic concurrency).
    pub revision: i64,
    /// The version the catalog shows (`None` before the first publication or after retirement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_version: Option<i64>,
}

/// One entry of a resource's history (编目记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResourceHistoryEntry {
    pub version: i64,
    /// `create`, `edit`, `new_version`, `submit`, `approve`, `reject`, `retire`, `import`.
    pub action: String,
    /// The reviewer's note (rejection) or the reason (retirement).
    #[serde(default)]
    pub note: String,
    /// Who (`staff:…`, `client:…`, `system:…`).
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A version with its whole history, for the steward's editor and the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub view: ResourceView,
    pub history: Vec<ResourceHistoryEntry>,
}

/// Whether the caller is someone who may read the catalog: staff, department systems and the
/// system. Persons and anonymous callers may not (the catalog is for government departments).
pub(crate) fn may_read(actor: &Actor) -> bool {
    matches!(
        actor,
        Actor::Staff(_) | Actor::Client(_) | Actor::System { .. }
    )
}

/// Whether the caller holds any of `perms` on the department.
pub(crate) fn may(ctx: &Ctx, perms: &[Permission], d: &Department) -> bool {
    let target = Target {
        department_id: Some(d.id),
        division: &d.division_code,
    };
    perms.iter().any(|p| ctx.actor.may_on(*p, target))
}

/// The steward's powers over a resource of a department (or the division's administrator's).
pub(crate) const STEWARD: &[Permission] = &[Permission::ExchangeProvide, Permission::ExchangeAdmin];
/// The data administrator's powers (review, publish, retire, decline).
pub(crate) const ADMIN: &[Permission] = &[Permission::ExchangeAdmin];

/// Every department by id (the catalog's views name providers; the org domain's own reader).
pub(crate) async fn departments(c: &mut impl Conn) -> Result<HashMap<i64, Department>> {
    let all = yiwang_org::service::departments_in(c, &DepartmentFilter::default()).await?;
    Ok(all.into_iter().map(|d| (d.id, d)).collect())
}

pub(crate) fn is_published(r: &Resource) -> bool {
    r.status == VersionStatus::Published
}

/// Resources whose published share type is 不予共享 are on the negative list.
pub(crate) fn not_shared(r: &Resource) -> bool {
    r.meta.share_type == ShareType::NotShared
}

impl ExchangeService {
    /// Refuses: rolls the transaction back, audits the refusal in its own transaction, and
    /// answers `forbidden`.
    pub(crate) async fn deny(&self, tx: Tx, ctx: &Ctx, object: String, action: &str) -> Error {
        let _ = tx.rollback().await;
        yiwang_audit::denied(self.db(), ctx, object, action, self.clock().now()).await;
        Error::forbidden()
    }

    /// Refuses a reader who is not staff, a department system or the system.
    pub(crate) async fn require_reader(&self, ctx: &Ctx, object: &str) -> Result<()> {
        if may_read(&ctx.actor) {
            return Ok(());
        }
        yiwang_audit::denied(
            self.db(),
            ctx,
            object.to_string(),
            "exchange.catalog.read",
            self.clock().now(),
        )
        .await;
        Err(Error::forbidden())
    }
}
