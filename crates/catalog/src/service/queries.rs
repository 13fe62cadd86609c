//! Reading the catalog: one item, its versions and history, the public search (index and
//! SQL), the administrators' list and the published counts.

use super::CatalogService;

use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError, Result};

use crate::codes;
use crate::model::{
    AdminItemRow, HistoryEntry, Item, ItemStatus, ItemSummary, ItemVersion, VersionStatus,
};
use crate::repo::{self, AdminFilter};
use crate::search::{Search, SearchParams};

impl CatalogService {
    /// An item as the caller may see it: the published version for everyone; drafts and
    /// versions under review only for staff allowed to read them. An item that was never
    /// published is not found for anyone else.
    pub async fn item(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        let drafts = ctx.actor.may_on(
            Permission::CatalogReadDrafts,
            Target {
                department_id: Some(dept),
                division: &division,
            },
        );
        if !drafts && row.status() != ItemStatus::Published {
            return Err(Error::not_found());
        }
        Self::assemble(&mut c, row, drafts).await
    }

    /// One version. Published and superseded versions are public; others need draft access.
    pub async fn version(&self, ctx: &Ctx, code: &str, no: i64) -> Result<ItemVersion> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let v = repo::version(&mut c, row.id, no)
            .await?
            .ok_or_else(Error::not_found)?;
        if matches!(v.status, VersionStatus::Draft | VersionStatus::Submitted) {
            let (division, dept) = Self::target(&row)?;
            if !ctx.actor.may_on(
                Permission::CatalogReadDrafts,
                Target {
                    department_id: Some(dept),
                    division: &division,
                },
            ) {
                return Err(Error::not_found());
            }
        }
        Ok(v)
    }

    pub async fn versions(&self, ctx: &Ctx, code: &str) -> Result<Vec<ItemVersion>> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        let drafts = ctx.actor.may_on(
            Permission::CatalogReadDrafts,
            Target {
                department_id: Some(dept),
                division: &division,
            },
        );
        let all = repo::versions(&mut c, row.id).await?;
        if !drafts && row.status() != ItemStatus::Published {
            return Err(Error::not_found());
        }
        Ok(all
            .into_iter()
            .filter(|v| {
                drafts || !matches!(v.status, VersionStatus::Draft | VersionStatus::Submitted)
            })
            .collect())
    }

    /// Who did what to the item (staff with draft access).
    pub async fn history_of(&self, ctx: &Ctx, code: &str) -> Result<Vec<HistoryEntry>> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        if let Err(e) = ctx.actor.require_on(
            Permission::CatalogReadDrafts,
            Target {
                department_id: Some(dept),
                division: &division,
            },
        ) {
            return Err(self
                .refused(ctx, "catalog.item.history", format!("item:{code}"), e)
                .await);
        }
        repo::history(&mut c, row.id).await
    }
    /// Public search over the published catalog, answered from the in-memory index (built on
    /// first use, kept fresh as [`crate::index`] describes).
    pub async fn search(&self, p: &SearchParams) -> Result<Paged<ItemSummary>> {
        let s = Self::validate_search(p)?;
        let (items, total) = self.index.get().await?.search(&s);
        Ok(Paged {
            items,
            total,
            page: s.page.page,
            size: s.page.size,
        })
    }

    /// The same search answered by SQL against the database: the reference implementation of
    /// the search semantics (tests compare the index with it; the benchmark measures both).
    pub async fn search_sql(&self, p: &SearchParams) -> Result<Paged<ItemSummary>> {
        let s = Self::validate_search(p)?;
        let mut c = self.db.clone();
        let (items, total) = repo::search(&mut c, &s).await?;
        Ok(Paged {
            items,
            total,
            page: s.page.page,
            size: s.page.size,
        })
    }

    /// Brings this service's search index up to the database's catalog generation now,
    /// rebuilding it if the published catalog changed (returns whether it did). Publishing and
    /// retiring call it; a background task calls it every [`crate::index::CHECK_EVERY`].
    pub async fn refresh_index(&self) -> Result<bool> {
        self.index.refresh().await
    }

    /// The catalog generation this service's search index was built at (`None` before the
    /// first search).
    pub fn index_generation(&self) -> Option<i64> {
        self.index.generation()
    }

    /// Validates search parameters into a [`Search`].
    pub fn validate_search(p: &SearchParams) -> Result<Search> {
        let mut errs = Vec::new();
        let page = match Page::new(p.page, p.size) {
            Ok(pg) => pg,
            Err(e) => {
                errs.extend(e.fields);
                Page::default()
            }
        };
        let q = p.q.as_deref().unwrap_or("");
        if yiwang_kernel::text::chars(q) > 100 {
            errs.push(FieldError::max_chars("q", 100));
        }
        let division = match p
            .division
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(d) => match DivisionCode::parse(d) {
                Ok(d) => Some(d),
                Err(e) => {
                    errs.push(e.within("division"));
                    None
                }
            },
        };
        let mut code =
            |field: &str, table: &codes::CodeTable, v: &Option<String>| -> Option<String> {
                match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(s) => match table.field(field, s) {
                        Ok(c) => Some(c.to_string()),
                        Err(e) => {
                            errs.push(e);
                            None
                        }
                    },
                }
            };
        let item_type = code("item_type", &codes::ITEM_TYPES, &p.item_type);
        let service_object = code("service_object", &codes::SERVICE_OBJECTS, &p.service_object);
        let cross_scope = code("cross_scope", &codes::CROSS_SCOPES, &p.cross_scope);
        let case_type = code("case_type", &codes::CASE_TYPES, &p.case_type);
        let theme = match p.theme.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(t) => match codes::PERSONAL_THEMES
                .parse(t)
                .or_else(|| codes::ENTERPRISE_THEMES.parse(t))
            {
                Some(c) => Some(c.to_string()),
                None => {
                    errs.push(FieldError::new(
                        "theme",
                        "code.unknown",
                        "主题代码无效",
                        "Unknown theme code",
                    ));
                    None
                }
            },
        };
        if let Some(l) = p.online_level
            && !(0..=4).contains(&l)
        {
            errs.push(FieldError::range("online_level", 0, 4));
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        Ok(Search {
            terms: crate::search::terms(q),
            division,
            department_id: p.department_id,
            item_type,
            service_object,
            theme,
            online_level: p.online_level,
            cross_scope,
            case_type,
            licence_free: p.licence_free,
            page,
        })
    }

    /// Items an administrator may see, in any status.
    pub async fn admin_items(
        &self,
        ctx: &Ctx,
        f: &AdminFilter,
        page: Page,
    ) -> Result<Paged<AdminItemRow>> {
        self.require(
            ctx,
            Permission::CatalogReadDrafts,
            "catalog.item.list",
            "items".into(),
        )
        .await?;
        let scope = ctx.actor.scope_of(Permission::CatalogReadDrafts);
        let mut c = self.db.clone();
        let (mut items, total) = repo::admin_list(&mut c, &scope, f, page).await?;
        let mut names: std::collections::HashMap<i64, String> = Default::default();
        for item in &mut items {
            let name = match names.get(&item.department_id) {
                Some(n) => n.clone(),
                None => {
                    let n = yiwang_org::service::department_in(&mut c, item.department_id)
                        .await?
                        .map(|d| d.name)
                        .unwrap_or_default();
                    names.insert(item.department_id, n.clone());
                    n
                }
            };
            item.department_name = name;
        }
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// The number of the published version of item `code` (public knowledge), or `None` when
    /// the item does not exist or is not published: one indexed read, for callers that cache
    /// published versions (which never change) and only need to know which one is current.
    pub async fn published_version_no(&self, code: &str) -> Result<Option<i64>> {
        let mut c = self.db.clone();
        Ok(repo::item_by_code(&mut c, code)
            .await?
            .filter(|r| r.status() == ItemStatus::Published)
            .and_then(|r| r.published_version))
    }

    pub async fn published_count(&self) -> Result<i64> {
        let mut c = self.db.clone();
        repo::count_published(&mut c).await
    }
}
