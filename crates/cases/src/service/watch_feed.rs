//! The feed electronic supervision (电子监察, crate `yiwang-supervision`) reads: the process
//! data after a cursor with what the monitoring rules need, and the open cases whose deadline
//! clock shows a warning. Only the platform itself or holders of `supervision.handle` may read
//! it (it names approvers and carries the applicant's surname and an address blind index).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use yiwang_catalog::model::Elements;
use yiwang_forms::FieldKind;
use yiwang_identity::kin;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::{Error, Result};

use super::CaseService;
use crate::repo::watch_feed::{self, FeedRow};

/// One process event as the monitoring rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchEvent {
    /// The event's id: the feed's cursor.
    pub event_id: i64,
    pub case_no: String,
    pub department_id: i64,
    pub division_code: String,
    pub item_code: String,
    pub item_name: String,
    /// 事项类型 of the case (办件类型).
    pub case_type: String,
    pub action: String,
    pub at: OffsetDateTime,
    /// `staff:<username>`, `system:<task>`, …
    pub actor: String,
    pub actor_name: String,
    pub accepted_at: Option<OffsetDateTime>,
    /// Materials on the case (files handed in).
    pub materials: i64,
    /// Returns and requests for supplements on the case up to and including this event.
    pub returns: i64,
    /// The case's deadline colour now (`none`, `yellow`, `red`).
    pub warning: String,
    /// For a decision: `grant` or `refuse`.
    pub decision: Option<String>,
    /// For a decision on a natural person's case: the applicant's surname.
    pub applicant_surname: Option<String>,
    /// For a decision: the blind index of the address in the applicant's form
    /// (`yiwang_identity::kin::address_index`).
    pub applicant_address_index: Option<String>,
}

/// An open case whose clock shows yellow or red.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueCase {
    pub case_id: i64,
    pub case_no: String,
    pub department_id: i64,
    pub division_code: String,
    pub item_code: String,
    pub item_name: String,
    pub case_type: String,
    pub warning: String,
    pub promised_due: Option<Date>,
    pub statutory_due: Option<Date>,
    pub since: OffsetDateTime,
}

fn may_read(ctx: &Ctx) -> Result<()> {
    match &ctx.actor {
        Actor::System { .. } => Ok(()),
        a if a.has(Permission::SupervisionHandle) => Ok(()),
        a => a
            .require(Permission::SupervisionHandle)
            .and(Err(Error::forbidden())),
    }
}

/// The form's address: the first `address` field with a value, preferring the applicant's
/// registered address.
fn form_address(
    elements: &Elements,
    form: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let mut fields: Vec<&yiwang_forms::FormField> = elements
        .form
        .iter()
        .filter(|f| f.kind == FieldKind::Address)
        .collect();
    fields.sort_by_key(|f| {
        if f.prefill.map(|p| p.as_str()) == Some("person_address") {
            0
        } else {
            1
        }
    });
    fields
        .iter()
        .filter_map(|f| form.get(&f.key).and_then(|v| v.as_str()))
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

impl CaseService {
    /// Up to `limit` (1–1000) process events after event id `after`, in order.
    pub async fn watch_feed(&self, ctx: &Ctx, after: i64, limit: i64) -> Result<Vec<WatchEvent>> {
        may_read(ctx)?;
        let mut c = self.db.clone();
        let rows = watch_feed::events_after(&mut c, after, limit.clamp(1, 1000)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.watch_event(r).await?);
        }
        Ok(out)
    }

    async fn watch_event(&self, r: FeedRow) -> Result<WatchEvent> {
        let decided = r.action == "decided";
        let decision = if decided {
            serde_json::from_str::<serde_json::Value>(&r.data)
                .ok()
                .and_then(|d| d["decision"].as_str().map(str::to_string))
        } else {
            None
        };
        let (surname, address) = if decided {
            let surname = (r.applicant_type == "1").then(|| kin::surname(&r.applicant_name));
            let form = self.keys.open(super::context::FORM, &r.form_enc)?;
            let form: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&form).unwrap_or_default();
            let info = self.info(&r.item_code, Some(r.item_version)).await?;
            let address = match form_address(&info.elements, &form) {
                Some(a) => kin::address_index(&self.keys, &a)?,
                None => None,
            };
            (surname, address)
        } else {
            (None, None)
        };
        Ok(WatchEvent {
            event_id: r.event_id,
            case_no: r.case_no,
            department_id: r.department_id,
            division_code: r.division_code,
            item_code: r.item_code,
            item_name: r.item_name,
            case_type: r.case_type,
            action: r.action,
            at: r.at,
            actor: r.actor,
            actor_name: r.actor_name,
            accepted_at: r.accepted_at,
            materials: r.materials,
            returns: r.returns,
            warning: r.warning,
            decision,
            applicant_surname: surname,
            applicant_address_index: address,
        })
    }

    /// Up to `limit` (1–1000) open cases showing a yellow or red warning, by case id after
    /// `after`.
    pub async fn watch_overdue(
        &self,
        ctx: &Ctx,
        after: i64,
        limit: i64,
    ) -> Result<Vec<OverdueCase>> {
        may_read(ctx)?;
        let mut c = self.db.clone();
        let rows = watch_feed::overdue_after(&mut c, after, limit.clamp(1, 1000)).await?;
        Ok(rows
            .into_iter()
            .map(|r| OverdueCase {
                case_id: r.id,
                case_no: r.case_no,
                department_id: r.department_id,
                division_code: r.division_code,
                item_code: r.item_code,
                item_name: r.item_name,
                case_type: r.case_type,
                warning: r.warning,
                promised_due: r.promised_due,
                statutory_due: r.statutory_due,
                since: r.updated_at,
            })
            .collect())
    }
}
