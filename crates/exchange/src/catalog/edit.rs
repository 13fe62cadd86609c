//! Editing and reviewing resource versions: save a draft (revision check), start a new version
//! from the published one (a copy; the published version never changes), submit; approve
//! (publish) or reject with a note; retire.

use yiwang_audit::Entry;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::Tx;

use super::{ADMIN, STEWARD, VersionDetail, may};
use crate::model::{Resource, ResourceMeta, VersionStatus};
use crate::repo::{catalog as repo, resources};
use crate::service::ExchangeService;

impl ExchangeService {
    /// Loads a version and checks the caller holds one of `perms` on its provider; refusals
    /// are audited as `action`.
    async fn version_for(
        &self,
        tx: Tx,
        ctx: &Ctx,
        resource_id: i64,
        version: i64,
        perms: &[yiwang_kernel::auth::Permission],
        action: &str,
    ) -> Result<(Tx, Resource)> {
        let mut tx = tx;
        let Some(r) = resources::version(&mut tx, resource_id, version).await? else {
            return Err(Error::not_found());
        };
        let dept = Self::department(&mut tx, r.department_id).await?;
        if !may(ctx, perms, &dept) {
            let object = format!("resource:{}", r.code.as_str());
            return Err(self.deny(tx, ctx, object, action).await);
        }
        Ok((tx, r))
    }

    async fn finish(
        &self,
        mut tx: Tx,
        ctx: &Ctx,
        r: &Resource,
        version: i64,
        action: &str,
        event: &str,
        note: &str,
    ) -> Result<VersionDetail> {
        let now = self.clock().now();
        let actor = ctx.actor.label();
        repo::history_add(&mut tx, r.id, version, action, note, &actor, now).await?;
        let mut data = serde_json::json!({ "version": version });
        if !note.is_empty() {
            data["note"] = serde_json::Value::String(note.to_string());
        }
        let entry = Entry::success(&ctx.actor, event, format!("resource:{}", r.code.as_str()))
            .source(&ctx.source)
            .data(data);
        yiwang_audit::record(&mut tx, &entry, now).await?;
        let detail = self.detail_in(&mut tx, r.id, version).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Saves a draft's metadata. `revision` is the one the editor showed (stale → 409).
    pub async fn save_draft(
        &self,
        ctx: &Ctx,
        resource_id: i64,
        version: i64,
        meta: &ResourceMeta,
        revision: Option<i64>,
    ) -> Result<VersionDetail> {
        let tx = self.db().write().await?;
        let (mut tx, r) = self
            .version_for(
                tx,
                ctx,
                resource_id,
                version,
                STEWARD,
                "exchange.resource.edit",
            )
            .await?;
        if r.status != VersionStatus::Draft {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "只能修改草稿；已发布的版本不能修改，请新建版本",
                "Only a draft can be changed; start a new version to change a published one",
            ));
        }
        meta.check()?;
        if !resources::update_draft(&mut tx, resource_id, version, meta, revision).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        self.finish(tx, ctx, &r, version, "edit", "exchange.resource.edit", "")
            .await
    }

    /// Starts a new draft version as a copy of the published one.
    pub async fn new_version(&self, ctx: &Ctx, resource_id: i64) -> Result<VersionDetail> {
        let mut tx = self.db().write().await?;
        let Some((latest, _)) = resources::latest(&mut tx, resource_id).await? else {
            return Err(Error::not_found());
        };
        let (mut tx, _) = self
            .version_for(
                tx,
                ctx,
                resource_id,
                latest.version,
                STEWARD,
                "exchange.resource.version",
            )
            .await?;
        if latest.status != VersionStatus::Published {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "只能从已发布的最新版本新建版本（已有草稿或待审核的版本时请继续使用它）",
                "A new version starts from the latest version only when it is published (continue the draft or submitted one)",
            ));
        }
        let next = latest.version + 1;
        let actor = ctx.actor.label();
        let now = self.clock().now();
        resources::insert_version(&mut tx, resource_id, next, &latest.meta, &actor, now).await?;
        self.finish(
            tx,
            ctx,
            &latest,
            next,
            "new_version",
            "exchange.resource.version",
            "",
        )
        .await
    }

    /// Submits a draft for review (its metadata is checked again).
    pub async fn submit(&self, ctx: &Ctx, resource_id: i64, version: i64) -> Result<VersionDetail> {
        let tx = self.db().write().await?;
        let (mut tx, r) = self
            .version_for(
                tx,
                ctx,
                resource_id,
                version,
                STEWARD,
                "exchange.resource.submit",
            )
            .await?;
        if r.status != VersionStatus::Draft {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        r.meta.check()?;
        let moved = resources::set_status(
            &mut tx,
            resource_id,
            version,
            VersionStatus::Draft,
            VersionStatus::Submitted,
        )
        .await?;
        if !moved {
            return Err(Error::new(ErrorCode::Conflict));
        }
        self.finish(
            tx,
            ctx,
            &r,
            version,
            "submit",
            "exchange.resource.submit",
            "",
        )
        .await
    }

    /// Approves a submitted version: it is published and the previous one superseded. The
    /// division's data administrator.
    pub async fn approve(
        &self,
        ctx: &Ctx,
        resource_id: i64,
        version: i64,
    ) -> Result<VersionDetail> {
        self.publish_from(ctx, resource_id, version, &[VersionStatus::Submitted])
            .await
    }

    /// Publishes a version whose status is one of `from` — the one rule of publishing: the
    /// division's data administrator (`exchange.admin`) on the provider; the previously
    /// published version is superseded, never changed; history `approve`, audit
    /// `exchange.resource.publish`. The review publishes a submitted version ([`approve`]);
    /// [`ExchangeService::publish`] also a draft.
    ///
    /// [`approve`]: ExchangeService::approve
    pub(crate) async fn publish_from(
        &self,
        ctx: &Ctx,
        resource_id: i64,
        version: i64,
        from: &[VersionStatus],
    ) -> Result<VersionDetail> {
        let tx = self.db().write().await?;
        let (mut tx, r) = self
            .version_for(
                tx,
                ctx,
                resource_id,
                version,
                ADMIN,
                "exchange.resource.publish",
            )
            .await?;
        if !from.contains(&r.status) {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        let actor = ctx.actor.label();
        if !resources::publish(&mut tx, resource_id, version, &actor, self.clock().now()).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        self.finish(
            tx,
            ctx,
            &r,
            version,
            "approve",
            "exchange.resource.publish",
            "",
        )
        .await
    }

    /// Sends a submitted version back to its steward as a draft, with the reviewer's note.
    pub async fn reject(
        &self,
        ctx: &Ctx,
        resource_id: i64,
        version: i64,
        note: &str,
    ) -> Result<VersionDetail> {
        let note = note.trim();
        let tx = self.db().write().await?;
        let (mut tx, r) = self
            .version_for(
                tx,
                ctx,
                resource_id,
                version,
                ADMIN,
                "exchange.resource.reject",
            )
            .await?;
        if note.is_empty() || note.chars().count() > 1000 {
            return Err(Error::field(FieldError::new(
                "note",
                "required",
                "退回须写明意见（不超过 1000 字）",
                "A rejection needs a note (at most 1000 characters)",
            )));
        }
        if r.status != VersionStatus::Submitted {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        let moved = resources::set_status(
            &mut tx,
            resource_id,
            version,
            VersionStatus::Submitted,
            VersionStatus::Draft,
        )
        .await?;
        if !moved {
            return Err(Error::new(ErrorCode::Conflict));
        }
        self.finish(
            tx,
            ctx,
            &r,
            version,
            "reject",
            "exchange.resource.reject",
            note,
        )
        .await
    }

    /// Retires the published version of a resource (it leaves the catalog and the lists; its
    /// versions stay readable). The division's data administrator, with a reason.
    pub async fn retire(&self, ctx: &Ctx, resource_id: i64, reason: &str) -> Result<VersionDetail> {
        let reason = reason.trim();
        let mut tx = self.db().write().await?;
        let Some((latest, _)) = resources::latest(&mut tx, resource_id).await? else {
            return Err(Error::not_found());
        };
        let (mut tx, _) = self
            .version_for(
                tx,
                ctx,
                resource_id,
                latest.version,
                ADMIN,
                "exchange.resource.retire",
            )
            .await?;
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(Error::field(FieldError::new(
                "reason",
                "required",
                "停用须写明理由（不超过 1000 字）",
                "Retiring needs a reason (at most 1000 characters)",
            )));
        }
        let Some(published) = repo::published_version(&mut tx, resource_id).await? else {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "这个资源没有已发布的版本",
                "This resource has no published version",
            ));
        };
        if !repo::retire(&mut tx, resource_id, published).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        let Some(r) = resources::version(&mut tx, resource_id, published).await? else {
            return Err(Error::not_found());
        };
        self.finish(
            tx,
            ctx,
            &r,
            published,
            "retire",
            "exchange.resource.retire",
            reason,
        )
        .await
    }
}
