//! Reading the catalog: browse by classification (类/项/目) and provider, search, a published
//! resource's detail, a version with its history, "my resources" and the review queue.

use serde::Deserialize;
use utoipa::IntoParams;

use yiwang_kernel::auth::Ctx;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_store::Conn;

use super::search::Query;
use super::{
    ADMIN, ResourceHistoryEntry, ResourceView, STEWARD, VersionDetail, departments, is_published,
    may,
};
use crate::model::{Category, Resource, ShareType};
use crate::repo::{catalog as repo, resources};
use crate::service::ExchangeService;

/// What the catalog's browse and search select.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogFilter {
    /// Words to search for in names, summaries and data items (two-character words match, as
    /// in the item search).
    pub q: Option<String>,
    /// A classification prefix: 类 (1 digit), 类项 (3), 类项目 (6) or longer.
    pub class: Option<String>,
    /// The provider department.
    pub department: Option<i64>,
    /// `unconditional`, `conditional` or `not_shared`.
    pub share_type: Option<String>,
}

impl CatalogFilter {
    /// Checks the filter's values; a bad one is a 422 naming the parameter.
    pub fn check(&self) -> Result<()> {
        if let Some(c) = self
            .class
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let ok = c.len() <= 12
                && c.bytes().all(|b| b.is_ascii_digit())
                && Category::parse(&c[..1]).is_some();
            if !ok {
                return Err(Error::field(FieldError::new(
                    "class",
                    "exchange.classification",
                    "分类应为数字前缀：类（1 基础/2 主题/3 部门）、项、目",
                    "The classification is a digit prefix: category (1, 2 or 3), item, entry",
                )));
            }
        }
        if let Some(s) = self.share_type.as_deref().filter(|s| !s.is_empty())
            && ShareType::parse(s).is_none()
        {
            return Err(Error::field(FieldError::one_of(
                "share_type",
                &["unconditional", "conditional", "not_shared"],
            )));
        }
        Ok(())
    }

    fn selects(&self, r: &Resource, dept_name: &str, q: &Query) -> bool {
        let class_ok = self
            .class
            .as_deref()
            .map(str::trim)
            .is_none_or(|c| r.classification.0.starts_with(c));
        let dept_ok = self.department.is_none_or(|d| r.department_id == d);
        let share_ok = self
            .share_type
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(ShareType::parse)
            .is_none_or(|s| r.meta.share_type == s);
        class_ok && dept_ok && share_ok && q.matches(&search_fields(r, dept_name))
    }
}

/// The texts a resource is found by: name, summary, provider, the data items' names, code.
fn search_fields(r: &Resource, dept_name: &str) -> Vec<String> {
    let mut f = vec![
        r.meta.name.clone(),
        r.meta.summary.clone(),
        dept_name.to_string(),
        r.code.0.clone(),
    ];
    f.extend(r.meta.items.iter().map(|i| i.name.clone()));
    f
}

fn history(rows: Vec<repo::HistoryRow>) -> Vec<ResourceHistoryEntry> {
    rows.into_iter()
        .map(|h| ResourceHistoryEntry {
            version: h.version,
            action: h.action,
            note: h.note,
            actor: h.actor,
            at: h.at,
        })
        .collect()
}

impl ExchangeService {
    /// The published catalog, browsed and searched: by classification prefix, provider, share
    /// type and words. Ranked as the item search: the whole query in the name first, then
    /// shorter names, then by code; without words, by code.
    pub async fn browse(
        &self,
        ctx: &Ctx,
        f: &CatalogFilter,
        page: Page,
    ) -> Result<Paged<ResourceView>> {
        self.require_reader(ctx, "catalog").await?;
        f.check()?;
        let mut db = self.db().clone();
        let depts = departments(&mut db).await?;
        let q = Query::new(f.q.as_deref().unwrap_or(""));
        let name_of = |id: i64| depts.get(&id).map(|d| d.name.clone()).unwrap_or_default();
        let mut hits: Vec<(Resource, String)> = resources::all_published(&mut db)
            .await?
            .into_iter()
            .filter_map(|r| {
                let n = name_of(r.department_id);
                f.selects(&r, &n, &q).then_some((r, n))
            })
            .collect();
        if !q.is_empty() {
            hits.sort_by_key(|(r, _)| q.rank(&r.meta.name, r.code.as_str()));
        }
        let total = hits.len() as i64;
        let items = hits
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(0))
            .take(usize::try_from(page.limit()).unwrap_or(20))
            .map(|(r, department_name)| ResourceView {
                published_version: Some(r.version),
                revision: 0,
                resource: r,
                department_name,
            })
            .collect();
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// A published resource with every §8.3 metadata and its data items.
    pub async fn resource(&self, ctx: &Ctx, resource_id: i64) -> Result<ResourceView> {
        self.require_reader(ctx, &format!("resource:{resource_id}"))
            .await?;
        let mut db = self.db().clone();
        let r = resources::published(&mut db, resource_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let name = Self::department(&mut db, r.department_id).await?.name;
        Ok(ResourceView {
            published_version: Some(r.version),
            revision: 0,
            resource: r,
            department_name: name,
        })
    }

    /// A published resource by its code (前段码/后段码).
    pub async fn resource_by_code(&self, ctx: &Ctx, code: &str) -> Result<ResourceView> {
        let mut db = self.db().clone();
        let id = resources::id_by_code(&mut db, code)
            .await?
            .ok_or_else(Error::not_found)?;
        self.resource(ctx, id).await
    }

    pub(crate) async fn detail_in(
        &self,
        c: &mut impl Conn,
        resource_id: i64,
        version: i64,
    ) -> Result<VersionDetail> {
        let r = resources::version(c, resource_id, version)
            .await?
            .ok_or_else(Error::not_found)?;
        let revision = match resources::latest(c, resource_id).await? {
            Some((l, rev)) if l.version == version => rev,
            _ => 0,
        };
        let published_version = repo::published_version(c, resource_id).await?;
        let department_name = Self::department(c, r.department_id).await?.name;
        let history = history(repo::history(c, resource_id).await?);
        Ok(VersionDetail {
            view: ResourceView {
                resource: r,
                department_name,
                revision,
                published_version,
            },
            history,
        })
    }

    /// One version of a resource with the resource's history: its provider's stewards and the
    /// division's data administrator (drafts are not the catalog yet).
    pub async fn version_detail(
        &self,
        ctx: &Ctx,
        resource_id: i64,
        version: i64,
    ) -> Result<VersionDetail> {
        let mut db = self.db().clone();
        let d = self.detail_in(&mut db, resource_id, version).await?;
        let dept = Self::department(&mut db, d.view.resource.department_id).await?;
        if !may(ctx, STEWARD, &dept) {
            let object = format!("resource:{}", d.view.resource.code.as_str());
            let tx = self.db().read().await?;
            return Err(self.deny(tx, ctx, object, "exchange.resource.read").await);
        }
        Ok(d)
    }

    /// The latest version of every resource of the departments the caller is a steward (or
    /// the data administrator) of: drafts, submitted, published and retired ones.
    pub async fn my_resources(&self, ctx: &Ctx) -> Result<Vec<ResourceView>> {
        self.views(ctx, STEWARD, false).await
    }

    /// The departments the caller may register resources for and assign demands to (their
    /// own as a data steward; every department of the division as its data administrator),
    /// by name.
    pub async fn provider_departments(&self, ctx: &Ctx) -> Result<Vec<yiwang_org::Department>> {
        let mut db = self.db().clone();
        let mut out: Vec<_> = departments(&mut db)
            .await?
            .into_values()
            .filter(|d| may(ctx, STEWARD, d))
            .collect();
        out.sort_by(|a, b| (&a.division_code, &a.name).cmp(&(&b.division_code, &b.name)));
        Ok(out)
    }

    /// Submitted versions waiting for the caller's review (the data administrator's division).
    pub async fn review_queue(&self, ctx: &Ctx) -> Result<Vec<ResourceView>> {
        self.views(ctx, ADMIN, true).await
    }

    async fn views(
        &self,
        ctx: &Ctx,
        perms: &[yiwang_kernel::auth::Permission],
        queue: bool,
    ) -> Result<Vec<ResourceView>> {
        let mut db = self.db().clone();
        let depts = departments(&mut db).await?;
        let rows = if queue {
            repo::submitted(&mut db).await?
        } else {
            repo::latest_all(&mut db).await?
        };
        let mut out = Vec::new();
        for (r, revision) in rows {
            let Some(d) = depts.get(&r.department_id) else {
                continue;
            };
            if !may(ctx, perms, d) {
                continue;
            }
            let published_version = if is_published(&r) {
                Some(r.version)
            } else {
                repo::published_version(&mut db, r.id).await?
            };
            out.push(ResourceView {
                department_name: d.name.clone(),
                revision,
                published_version,
                resource: r,
            });
        }
        Ok(out)
    }
}
