//! The basic directory (基本目录): listing, reading, creating and updating basic items.

use super::CatalogService;

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use crate::codes;
use crate::model::{BasicItem, BasicItemInput};
use crate::repo::{self};
use crate::rules;

impl CatalogService {
    /// Public: the basic directory is published information.
    pub async fn list_basic(
        &self,
        q: Option<&str>,
        item_type: Option<&str>,
        page: Page,
    ) -> Result<Paged<BasicItem>> {
        let mut c = self.db.clone();
        let (items, total) = repo::list_basic(&mut c, q, item_type, Some(page)).await?;
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    pub async fn basic(&self, code: &str) -> Result<BasicItem> {
        let mut c = self.db.clone();
        repo::basic_by_code(&mut c, code)
            .await?
            .ok_or_else(Error::not_found)
    }

    pub async fn create_basic(&self, ctx: &Ctx, input: &BasicItemInput) -> Result<BasicItem> {
        self.require(
            ctx,
            Permission::CatalogDirectory,
            "catalog.basic.create",
            format!("basic:{}", input.code),
        )
        .await?;
        let mut b = input.clone();
        b.code = b.code.trim().to_uppercase();
        if let Some(t) = codes::ITEM_TYPES.parse(&b.item_type) {
            b.item_type = t.to_string();
        }
        if let Some(u) = codes::TIME_UNITS.parse(&b.statutory_unit) {
            b.statutory_unit = u.to_string();
        }
        let errs = rules::basic_item(&b);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if repo::basic_by_code(&mut tx, &b.code).await?.is_some() {
            return Err(Error::field(FieldError::new(
                "code",
                "basic_code.taken",
                "该基本编码已存在",
                "This basic code already exists",
            )));
        }
        let id = repo::insert_basic(&mut tx, &b, &ctx.actor.label(), now).await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "catalog.basic.create",
                format!("basic:{}", b.code),
            )
            .source(&ctx.source)
            .data(json!({ "name": b.name })),
            now,
        )
        .await?;
        let out = repo::basic(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn update_basic(
        &self,
        ctx: &Ctx,
        code: &str,
        input: &BasicItemInput,
        revision: Option<i64>,
    ) -> Result<BasicItem> {
        self.require(
            ctx,
            Permission::CatalogDirectory,
            "catalog.basic.update",
            format!("basic:{code}"),
        )
        .await?;
        let current = self.basic(code).await?;
        let mut b = input.clone();
        b.code = current.code.clone();
        if let Some(t) = codes::ITEM_TYPES.parse(&b.item_type) {
            b.item_type = t.to_string();
        }
        if let Some(u) = codes::TIME_UNITS.parse(&b.statutory_unit) {
            b.statutory_unit = u.to_string();
        }
        let errs = rules::basic_item(&b);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if !repo::update_basic(&mut tx, current.id, &b, revision, &ctx.actor.label(), now).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.basic.update", format!("basic:{code}"))
                .source(&ctx.source)
                .data(json!({ "name": b.name })),
            now,
        )
        .await?;
        let out = repo::basic(&mut tx, current.id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }
}
