//! Claiming an item and taking it as far as publication in one transaction: for a platform
//! task setting a catalog up (the demo city's loader). The same checks, history lines and audit
//! events as claim → save draft → submit → approve called one by one, with one durable commit
//! and one advance of the audit chain instead of four.

use super::review::step_event;
use super::{CatalogService, ClaimInput};

use yiwang_audit::record_all;
use yiwang_kernel::Result;
use yiwang_kernel::auth::{Ctx, Permission, Target};

use crate::lifecycle::Action;
use crate::model::Elements;

/// How far [`CatalogService::claim_through`] takes a newly claimed item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Through<'a> {
    /// Claimed, with the elements saved as its draft.
    Draft,
    /// Submitted for review.
    Submitted,
    /// Approved with this note, hence published.
    Published(&'a str),
}

impl CatalogService {
    /// Claims `input` (认领), saves the draft `draft` makes of the claimed defaults (the
    /// elements [`claim`](Self::claim) gives a new item; it runs before the transaction), and
    /// submits and approves it as far as `through` says, in one transaction: all or nothing.
    /// Each step's permission is
    /// checked first on the claimed department and division (claim and edit: catalog editing;
    /// approval: catalog review), and each step runs the checks it runs alone — the shape and
    /// quality rules, the lifecycle, and the rule that a reviewer may not approve what they
    /// submitted, so only an actor without a staff account (a platform task) can publish this
    /// way. An item already claimed is refused as [`claim`](Self::claim) refuses it
    /// (`duplicate`, or `item_code.taken`). Gives the new item's code.
    pub async fn claim_through(
        &self,
        ctx: &Ctx,
        input: &ClaimInput,
        draft: impl FnOnce(&Elements) -> Result<Elements>,
        through: Through<'_>,
    ) -> Result<String> {
        let claim = self.check_claim(ctx, input).await?;
        let code = claim.code().to_string();
        let target = Target {
            department_id: Some(claim.department_id()),
            division: claim.division(),
        };
        let mut steps = Vec::new();
        match through {
            Through::Draft => {}
            Through::Submitted => steps.push((Action::Submit, "")),
            Through::Published(note) => {
                steps.push((Action::Submit, ""));
                steps.push((
                    Action::Approve,
                    super::review::step_note(Action::Approve, note)?,
                ));
            }
        }
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.edit",
            format!("item:{code}"),
            target,
        )
        .await?;
        for (action, _) in &steps {
            let (perm, event) = step_event(*action)?;
            self.require_on(ctx, perm, event, format!("item:{code}"), target)
                .await?;
        }
        let elements = draft(&claim.defaults())?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let (row, claimed) = Self::claim_in(&mut tx, ctx, &claim, now).await?;
        let (_, edited) = self
            .save_draft_in(&mut tx, ctx, &row, &elements, None, now)
            .await?;
        let mut entries = vec![(claimed, now), (edited, now)];
        // Saving and submitting change the version, not the item row `row` was read as.
        for (action, note) in steps {
            entries.push((
                self.step_in(&mut tx, ctx, &row, action, note, now).await?,
                now,
            ));
        }
        record_all(&mut tx, &entries).await?;
        tx.commit().await?;
        if matches!(through, Through::Published(_)) {
            // The published catalog changed: this process's searches see it from now on.
            if let Err(e) = self.refresh_index().await {
                tracing::warn!(error = %e, "could not refresh the catalog search index");
            }
        }
        Ok(code)
    }
}
