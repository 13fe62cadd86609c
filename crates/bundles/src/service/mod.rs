//! Bundle definitions as data, versioned and reviewed like items ([`BundleService`]). Each
//! action: authorise (deny by default; refusals audited) → validate → write in one transaction
//! with its audit entry.
//!
//! By job: `edit` (create, edit a draft, submit, new version), `review` (approve = publish,
//! reject, retire), `public` (the published bundles, search, the plan of an application and
//! [`BundleDefs`](crate::BundleDefs) for the cases domain). Item facts come from the catalog's
//! current published versions ([`CatalogService`]); this domain reads no catalog table.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use yiwang_catalog::CatalogService;
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_store::{Conn, Db};

use crate::model::{Bundle, ItemSpec};
use crate::repo::{self, BundleRow, VersionRow};
use crate::spec::PublishedBundle;

mod edit;
mod public;
mod review;

pub use public::{
    BundleGuide, BundleSummary, MaterialView, PartSummary, PlanView, PlannedPart, matches,
};

/// The bundles domain's entry point. Clones share the caches of published versions (which
/// never change) and of items' published facts.
#[derive(Clone, Debug)]
pub struct BundleService {
    db: Db,
    clock: Arc<dyn Clock>,
    catalog: CatalogService,
    published: Arc<RwLock<HashMap<(String, i64), Arc<PublishedBundle>>>>,
    specs: Arc<RwLock<HashMap<(String, i64), ItemSpec>>>,
}

/// One version of a definition with its review trail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionView {
    pub code: String,
    pub version: i64,
    /// One of [`crate::lifecycle::VERSION_STATES`].
    pub status: String,
    /// Compare-and-set revision: send it back when editing or submitting.
    pub revision: i64,
    pub def: Bundle,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub submitted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    /// The reviewer's opinion (a rejection's reason).
    pub review_opinion: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    pub retire_reason: String,
}

/// A version's number and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VersionState {
    pub version: i64,
    pub status: String,
}

/// A bundle in the staff's list: its latest name and theme, status, offered version and every
/// version's status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleEntry {
    pub code: String,
    pub name: String,
    pub theme: String,
    /// One of [`crate::lifecycle::BUNDLE_STATES`].
    pub status: String,
    pub published_version: Option<i64>,
    pub versions: Vec<VersionState>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A bundle with every version (newest first).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleHistory {
    pub code: String,
    pub name: String,
    pub theme: String,
    pub status: String,
    pub published_version: Option<i64>,
    pub versions: Vec<VersionView>,
}

/// Submitting a version: the revision last read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SubmitInput {
    pub revision: i64,
}

/// A reviewer's decision: approve (publish) or reject with an opinion (required to reject).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReviewInput {
    pub approve: bool,
    pub opinion: String,
}

/// Retiring a bundle: the reason (required).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RetireInput {
    pub reason: String,
}

/// Reads a stored definition.
fn parse_doc(doc: &str) -> Result<Bundle> {
    serde_json::from_str(doc).map_err(|e| Error::internal(format!("bundle definition: {e}")))
}

fn view(code: &str, v: VersionRow) -> Result<VersionView> {
    Ok(VersionView {
        code: code.to_string(),
        version: v.version_no,
        def: parse_doc(&v.doc)?,
        status: v.status,
        revision: v.revision,
        created_by: v.created_by,
        created_at: v.created_at,
        submitted_by: v.submitted_by,
        submitted_at: v.submitted_at,
        reviewed_by: v.reviewed_by,
        reviewed_at: v.reviewed_at,
        review_opinion: v.review_opinion,
        published_at: v.published_at,
        retire_reason: v.retire_reason,
    })
}

/// A required note (a rejection's opinion, a retirement's reason) of at most 1000 characters.
fn note(field: &str, s: &str, required: bool) -> Result<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(Error::field(FieldError::required(field)));
    }
    if s.chars().count() > 1000 {
        return Err(Error::field(FieldError::max_chars(field, 1000)));
    }
    Ok(s.to_string())
}

impl BundleService {
    pub fn new(db: Db, clock: Arc<dyn Clock>, catalog: CatalogService) -> Self {
        BundleService {
            db,
            clock,
            catalog,
            published: Arc::default(),
            specs: Arc::default(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Requires one of `perms` (the first one is named in the refusal), auditing a refusal.
    async fn require_any(
        &self,
        ctx: &Ctx,
        perms: &[Permission],
        attempted: &str,
        object: String,
    ) -> Result<()> {
        if perms.iter().any(|p| ctx.actor.has(*p)) {
            return Ok(());
        }
        let e = match perms.first() {
            Some(p) => ctx.actor.require(*p).err().unwrap_or_else(Error::forbidden),
            None => Error::forbidden(),
        };
        Err(yiwang_audit::refused(&self.db, ctx, object, attempted, e, self.clock.now()).await)
    }

    /// Whether the caller may read drafts and the review trail.
    fn reads_drafts(ctx: &Ctx) -> bool {
        [
            Permission::CatalogReadDrafts,
            Permission::CatalogEdit,
            Permission::CatalogReview,
        ]
        .iter()
        .any(|p| ctx.actor.has(*p))
    }

    async fn row(c: &mut impl Conn, code: &str) -> Result<BundleRow> {
        repo::bundle_by_code(c, code)
            .await?
            .ok_or_else(Error::not_found)
    }

    async fn version_row(c: &mut impl Conn, bundle_id: i64, no: i64) -> Result<VersionRow> {
        repo::version(c, bundle_id, no)
            .await?
            .ok_or_else(Error::not_found)
    }

    /// Every bundle with its versions' statuses (staff who read drafts).
    pub async fn list(&self, ctx: &Ctx) -> Result<Vec<BundleEntry>> {
        self.require_any(
            ctx,
            &[
                Permission::CatalogReadDrafts,
                Permission::CatalogEdit,
                Permission::CatalogReview,
            ],
            "bundle.list",
            "bundles".into(),
        )
        .await?;
        let mut c = self.db.clone();
        let rows = repo::bundles(&mut c).await?;
        let states = repo::version_states(&mut c).await?;
        Ok(rows
            .into_iter()
            .map(|b| BundleEntry {
                versions: states
                    .iter()
                    .filter(|(id, _, _)| *id == b.id)
                    .map(|(_, v, s)| VersionState {
                        version: *v,
                        status: s.clone(),
                    })
                    .collect(),
                code: b.code,
                name: b.name,
                theme: b.theme,
                status: b.status,
                published_version: b.published_version,
                updated_at: b.updated_at,
            })
            .collect())
    }

    /// A bundle with every version and its review trail (staff who read drafts).
    pub async fn history(&self, ctx: &Ctx, code: &str) -> Result<BundleHistory> {
        self.require_any(
            ctx,
            &[
                Permission::CatalogReadDrafts,
                Permission::CatalogEdit,
                Permission::CatalogReview,
            ],
            "bundle.history",
            format!("bundle:{code}"),
        )
        .await?;
        let mut c = self.db.clone();
        let b = Self::row(&mut c, code).await?;
        let mut versions = repo::versions(&mut c, b.id)
            .await?
            .into_iter()
            .map(|v| view(&b.code, v))
            .collect::<Result<Vec<_>>>()?;
        versions.reverse();
        Ok(BundleHistory {
            code: b.code,
            name: b.name,
            theme: b.theme,
            status: b.status,
            published_version: b.published_version,
            versions,
        })
    }

    /// One version. Published, superseded and retired versions are public; drafts, submitted
    /// and rejected ones only for staff who read drafts (others: not found).
    pub async fn version(&self, ctx: &Ctx, code: &str, no: i64) -> Result<VersionView> {
        let mut c = self.db.clone();
        let b = Self::row(&mut c, code).await?;
        let v = Self::version_row(&mut c, b.id, no).await?;
        if !crate::lifecycle::frozen(&v.status) && !Self::reads_drafts(ctx) {
            return Err(Error::not_found());
        }
        view(&b.code, v)
    }
}
