//! The demo's "one thing" bundles (一件事), published through the bundles domain as a catalog
//! administrator and a reviewer would (create → submit, which checks each definition against
//! the items' published versions → approve): a definition that no longer fits its items fails
//! the demo load, so the demo data and the items cannot drift apart.

use std::sync::Arc;

use yiwang_bundles::BundleService;
use yiwang_catalog::CatalogService;
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::Clock;
use yiwang_store::Db;

use crate::context;
use crate::data::bundles::{self, Resolver};

/// Publishes every demo bundle not yet published; true when something was written.
pub(crate) async fn load(
    db: &Db,
    clock: Arc<dyn Clock>,
    catalog: CatalogService,
    code: Resolver<'_>,
) -> Result<bool, Error> {
    let svc = BundleService::new(db.clone(), clock, catalog);
    // The author and the reviewer differ (a reviewer may not approve what they submitted).
    let author = Ctx::system("demo-catalog");
    let reviewer = Ctx::system(crate::TASK);
    let mut wrote = false;
    for b in bundles::all(code)? {
        if svc.published(&b.code).await?.is_some() {
            continue;
        }
        let what = format!("bundle {}", b.code);
        let v = svc.create(&author, &b).await.map_err(context(&what))?;
        let v = svc
            .submit(&author, &b.code, v.version, v.revision)
            .await
            .map_err(context(&what))?;
        svc.review(&reviewer, &b.code, v.version, true, "")
            .await
            .map_err(context(&what))?;
        wrote = true;
    }
    Ok(wrote)
}
