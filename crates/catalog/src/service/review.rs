//! The review lifecycle of a version: submit, withdraw, approve, reject, retire, discard.

use super::CatalogService;

use serde_json::json;
use time::OffsetDateTime;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::Tx;

use crate::lifecycle::{Action, retire_allowed, transition};
use crate::model::{Item, ItemStatus, VersionStatus};
use crate::repo::{self, ItemRow};
use crate::rules;

impl CatalogService {
    /// Submits the draft for review after the completeness and quality rules (docs/standards/service-items.md §4.8).
    pub async fn submit(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        self.step(ctx, code, Action::Submit, "").await
    }

    /// Takes a submitted version back to draft.
    pub async fn withdraw(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        self.step(ctx, code, Action::Withdraw, "").await
    }

    /// Approves and publishes the submitted version (the reviewer may not be its submitter).
    pub async fn approve(&self, ctx: &Ctx, code: &str, note: &str) -> Result<Item> {
        self.step(ctx, code, Action::Approve, note).await
    }

    /// Returns the submitted version to its editor with a note (required).
    pub async fn reject(&self, ctx: &Ctx, code: &str, note: &str) -> Result<Item> {
        self.step(ctx, code, Action::Reject, note).await
    }

    /// Retires the published item (取消); the reason is required.
    pub async fn retire(&self, ctx: &Ctx, code: &str, note: &str) -> Result<Item> {
        self.step(ctx, code, Action::Retire, note).await
    }

    /// Deletes the draft; an item never published disappears with it.
    pub async fn discard(&self, ctx: &Ctx, code: &str) -> Result<Option<Item>> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.discard",
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::item_row(&mut tx, code).await?;
        let open = self.open_for(&mut tx, &row).await?;
        transition(open.status, Action::Discard)?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.item.discard", format!("item:{code}"))
                .source(&ctx.source)
                .data(json!({ "version": open.version_no })),
            now,
        )
        .await?;
        let out = if row.published_version.is_none() {
            repo::delete_item(&mut tx, row.id).await?;
            None
        } else {
            repo::delete_version(&mut tx, row.id, open.version_no).await?;
            let latest = row.latest_version - 1;
            repo::set_item_state(
                &mut tx,
                row.id,
                row.status(),
                row.published_version,
                latest,
                now,
            )
            .await?;
            Self::history(
                &mut tx,
                &row,
                open.version_no,
                "discard",
                &ctx.actor,
                "",
                now,
            )
            .await?;
            let row = Self::item_row(&mut tx, code).await?;
            Some(Self::assemble(&mut tx, row, true).await?)
        };
        tx.commit().await?;
        Ok(out)
    }

    async fn step(&self, ctx: &Ctx, code: &str, action: Action, note: &str) -> Result<Item> {
        let (perm, event) = step_event(action)?;
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            perm,
            event,
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let note = step_note(action, note)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::item_row(&mut tx, code).await?;
        let entry = self.step_in(&mut tx, ctx, &row, action, note, now).await?;
        record(&mut tx, &entry, now).await?;
        let row = Self::item_row(&mut tx, code).await?;
        let out = Self::assemble(&mut tx, row, true).await?;
        tx.commit().await?;
        if matches!(action, Action::Approve | Action::Retire) {
            // The published catalog changed: this process's searches see it from now on.
            if let Err(e) = self.refresh_index().await {
                tracing::warn!(error = %e, "could not refresh the catalog search index");
            }
        }
        Ok(out)
    }

    /// Takes `row`'s version one step (`action`) inside `tx` with its history line (the caller
    /// has checked the permission and the note: [`step_note`]); gives the audit entry for the
    /// caller to record.
    pub(super) async fn step_in<'a>(
        &self,
        tx: &mut Tx,
        ctx: &'a Ctx,
        row: &ItemRow,
        action: Action,
        note: &'a str,
        now: OffsetDateTime,
    ) -> Result<Entry<'a>> {
        let (_, event) = step_event(action)?;
        let code = &row.code;
        let actor = ctx.actor.label();
        let (version, from) = if action == Action::Retire {
            let no = row
                .published_version
                .filter(|_| row.status() == ItemStatus::Published)
                .ok_or_else(|| {
                    Error::new(ErrorCode::InvalidState).with_detail(
                        "只有已发布的事项才能下线",
                        "Only a published item can be retired",
                    )
                })?;
            retire_allowed(repo::open_version(tx, row.id).await?.map(|v| v.status))?;
            (
                repo::version(tx, row.id, no)
                    .await?
                    .ok_or_else(Error::not_found)?,
                VersionStatus::Published,
            )
        } else {
            let v = self.open_for(tx, row).await?;
            let s = v.status;
            (v, s)
        };
        let to = transition(from, action)?;
        match action {
            Action::Submit => {
                let errs = rules::for_submission(&version.elements);
                if !errs.is_empty() {
                    return Err(Error {
                        fields: errs,
                        ..Error::new(ErrorCode::QualityRules)
                    });
                }
            }
            Action::Approve => {
                let submitter = repo::submitted_by_user(tx, row.id, version.version_no).await?;
                if let (Some(s), Some(me)) = (submitter, ctx.actor.user_id())
                    && s == me
                {
                    return Err(self
                        .refused(
                            ctx,
                            event,
                            format!("item:{code}"),
                            Error::new(ErrorCode::SelfReview),
                        )
                        .await);
                }
                // The rules may have changed since submission: check again.
                let errs = rules::for_submission(&version.elements);
                if !errs.is_empty() {
                    return Err(Error {
                        fields: errs,
                        ..Error::new(ErrorCode::QualityRules)
                    });
                }
            }
            _ => {}
        }
        if !repo::set_version_status(tx, row.id, version.version_no, from, to).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        match action {
            Action::Submit => {
                repo::mark_submitted(
                    tx,
                    row.id,
                    version.version_no,
                    &actor,
                    ctx.actor.user_id(),
                    now,
                )
                .await?
            }
            Action::Reject => {
                repo::mark_reviewed(tx, row.id, version.version_no, &actor, note, false, now)
                    .await?
            }
            Action::Approve => {
                if let Some(prev) = row
                    .published_version
                    .filter(|_| row.status() == ItemStatus::Published)
                {
                    repo::set_version_status(
                        tx,
                        row.id,
                        prev,
                        VersionStatus::Published,
                        VersionStatus::Superseded,
                    )
                    .await?;
                }
                repo::mark_reviewed(tx, row.id, version.version_no, &actor, note, true, now)
                    .await?;
                repo::set_item_state(
                    tx,
                    row.id,
                    ItemStatus::Published,
                    Some(version.version_no),
                    row.latest_version,
                    now,
                )
                .await?;
                let dep = Self::department(tx, row.department_id).await?;
                repo::index(
                    tx,
                    row,
                    version.version_no,
                    &version.elements,
                    &dep.name,
                    now,
                )
                .await?;
            }
            Action::Retire => {
                repo::mark_retired(tx, row.id, version.version_no, now).await?;
                repo::set_item_state(
                    tx,
                    row.id,
                    ItemStatus::Retired,
                    row.published_version,
                    row.latest_version,
                    now,
                )
                .await?;
                repo::unindex(tx, row.id).await?;
            }
            _ => {}
        }
        Self::history(
            tx,
            row,
            version.version_no,
            action.as_str(),
            &ctx.actor,
            note,
            now,
        )
        .await?;
        Ok(Entry::success(&ctx.actor, event, format!("item:{code}"))
            .source(&ctx.source)
            .reason(note)
            .data(json!({ "version": version.version_no })))
    }
}

/// The permission a step needs and its audit event.
pub(super) fn step_event(action: Action) -> Result<(Permission, &'static str)> {
    Ok(match action {
        Action::Submit => (Permission::CatalogEdit, "catalog.item.submit"),
        Action::Withdraw => (Permission::CatalogEdit, "catalog.item.withdraw"),
        Action::Approve => (Permission::CatalogReview, "catalog.item.approve"),
        Action::Reject => (Permission::CatalogReview, "catalog.item.reject"),
        Action::Retire => (Permission::CatalogReview, "catalog.item.retire"),
        Action::Edit | Action::Discard => return Err(Error::internal("not a step")),
    })
}

/// A step's note, trimmed: required to return or retire an item, at most 1,000 characters.
pub(super) fn step_note(action: Action, note: &str) -> Result<&str> {
    let note = note.trim();
    if matches!(action, Action::Reject | Action::Retire) && note.is_empty() {
        return Err(Error::field(FieldError::new(
            "note",
            "required",
            "请填写退回或下线的理由",
            "Give the reason for returning or retiring the item",
        )));
    }
    if yiwang_kernel::text::chars(note) > 1000 {
        return Err(Error::field(FieldError::max_chars("note", 1000)));
    }
    Ok(note)
}
