//! Reviewing definitions: approve (publish: the previous published version is superseded and
//! the bundle offers the new one) or reject with an opinion; retire a bundle (not offered any
//! more; applications already running continue on their version).

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode, Result};

use super::{BundleService, VersionView, note, parse_doc, view};
use crate::lifecycle::{self, Action, transition};
use crate::repo;

impl BundleService {
    /// Approves (publishes) or rejects the submitted version `no`. A reviewer may not approve
    /// a version they submitted; the fit to the items is checked again at publication (an
    /// item may have changed since submission).
    pub async fn review(
        &self,
        ctx: &Ctx,
        code: &str,
        no: i64,
        approve: bool,
        opinion: &str,
    ) -> Result<VersionView> {
        let object = format!("bundle:{code}");
        let event = if approve {
            "bundle.publish"
        } else {
            "bundle.reject"
        };
        self.require_any(ctx, &[Permission::CatalogReview], event, object.clone())
            .await?;
        let opinion = note("opinion", opinion, !approve)?;
        let mut c = self.db.clone();
        let row = Self::row(&mut c, code).await?;
        let v = Self::version_row(&mut c, row.id, no).await?;
        let action = if approve {
            Action::Approve
        } else {
            Action::Reject
        };
        let to = transition(&v.status, action)?;
        if approve {
            if let (Some(s), Some(me)) = (v.submitted_by_user, ctx.actor.user_id())
                && s == me
            {
                let e = Error::new(ErrorCode::SelfReview);
                return Err(yiwang_audit::refused(
                    &self.db,
                    ctx,
                    object,
                    event,
                    e,
                    self.clock.now(),
                )
                .await);
            }
            self.fits(&parse_doc(&v.doc)?).await?;
        }
        let def = parse_doc(&v.doc)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::row(&mut tx, code).await?;
        if !repo::set_status(&mut tx, row.id, no, lifecycle::SUBMITTED, to).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        repo::mark_reviewed(
            &mut tx,
            row.id,
            no,
            &ctx.actor.label(),
            &opinion,
            approve,
            now,
        )
        .await?;
        if approve {
            if let Some(prev) = row.published_version.filter(|p| *p != no) {
                repo::set_status(
                    &mut tx,
                    row.id,
                    prev,
                    lifecycle::PUBLISHED,
                    lifecycle::SUPERSEDED,
                )
                .await?;
            }
            repo::set_bundle(
                &mut tx,
                row.id,
                &def.name,
                &def.theme,
                lifecycle::PUBLISHED,
                Some(no),
                now,
            )
            .await?;
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, event, object)
                .source(&ctx.source)
                .reason(&opinion)
                .data(json!({ "version": no })),
            now,
        )
        .await?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        tx.commit().await?;
        view(code, v)
    }

    /// Retires the published bundle with a reason: it is not offered any more (applications
    /// already submitted continue on their version, which stays readable).
    pub async fn retire(&self, ctx: &Ctx, code: &str, reason: &str) -> Result<VersionView> {
        let object = format!("bundle:{code}");
        self.require_any(
            ctx,
            &[Permission::CatalogReview],
            "bundle.retire",
            object.clone(),
        )
        .await?;
        let reason = note("reason", reason, true)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::row(&mut tx, code).await?;
        let no = row
            .published_version
            .filter(|_| row.status == lifecycle::PUBLISHED)
            .ok_or_else(|| {
                Error::new(ErrorCode::InvalidState).with_detail(
                    "只有已发布的一件事才能下线",
                    "Only a published bundle can be retired",
                )
            })?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        let to = transition(&v.status, Action::Retire)?;
        if !repo::set_status(&mut tx, row.id, no, &v.status, to).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        repo::mark_retired(&mut tx, row.id, no, &reason).await?;
        repo::set_bundle(
            &mut tx,
            row.id,
            &row.name,
            &row.theme,
            lifecycle::RETIRED,
            None,
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "bundle.retire", object)
                .source(&ctx.source)
                .reason(&reason)
                .data(json!({ "version": no })),
            now,
        )
        .await?;
        let v = Self::version_row(&mut tx, row.id, no).await?;
        tx.commit().await?;
        view(code, v)
    }
}
