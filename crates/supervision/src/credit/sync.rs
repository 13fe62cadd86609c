//! Loading credit lists through the exchange (联合奖惩 名单归集): a resource published in the
//! data-sharing catalog whose items are the list file's columns ([`COLUMNS`]: `list`,
//! `subject_kind`, `subject_name`, `subject_number`, `basis`, `measures`, `facilitation`,
//! `authority`, `valid_from`, `valid_to`) is read as the platform — as the base libraries read
//! their sources — and its current rows become entries with source `exchange:<code>`.
//!
//! Every row is checked as an imported line is (all or nothing, errors by row). A row already
//! held (same list, subject, authority and start) is updated when it changed and left alone
//! when it did not, so a second run writes nothing; an active entry of that source whose row
//! is no longer current in the resource is retired (撤销, with the reason). An entry a credit
//! officer revoked stays revoked. Audited (`credit.sync`) with the counts.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_exchange::fixtures::item;
use yiwang_exchange::model::{
    ItemType, OpenType, QualityRule, ResourceFormat, ResourceMeta, ShareMethod, ShareType,
    UpdateCycle,
};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_sheets::{Sheet, SheetRow};

use super::COLUMNS;
use super::import::parse_rows;
use super::repo::{self, EntryRow};
use crate::SupervisionService;

/// Rows read from the exchange per page.
const PAGE: i64 = 500;

/// What a synchronisation found and wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CreditSyncReport {
    /// The exchange resource read.
    pub resource: String,
    /// Its current rows.
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    /// Rows whose entry was already held as it is (or was revoked by a credit officer).
    pub unchanged: usize,
    /// Entries of this source whose row is gone from the resource, revoked.
    pub retired: usize,
}

/// The shape of a credit-list resource (信用红黑名单信息) as the data-sharing catalog publishes it:
/// one item per list-file column (the column's English key as the field), keyed by the listing's
/// number (名单编号, `entry_no`). The demo publishes one; a provider may publish its own.
pub fn resource_meta() -> ResourceMeta {
    let mut entry_no = item("名单编号", "entry_no", ItemType::Char, Some(64));
    entry_no.key = true;
    entry_no.rules = vec![QualityRule::Required];
    let mut items = vec![entry_no];
    for c in COLUMNS {
        let (t, len) = match c.key {
            "valid_from" | "valid_to" => (ItemType::Date, None),
            "basis" | "measures" => (ItemType::Char, Some(2000)),
            _ => (ItemType::Char, Some(200)),
        };
        let mut i = item(c.zh, c.key, t, len);
        i.personal = c.key == "subject_number";
        if c.required {
            i.rules = vec![QualityRule::Required];
        }
        items.push(i);
    }
    ResourceMeta {
        name: "信用红黑名单信息".into(),
        summary: "守信激励（红名单）和失信惩戒（黑名单）对象及其认定依据、措施、认定部门和有效期".into(),
        format: ResourceFormat::Database,
        items,
        share_type: ShareType::Conditional,
        share_condition: "用于政务服务事项受理时的信用核查和联合奖惩".into(),
        share_basis: "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）".into(),
        share_method: ShareMethod::ServiceInterface,
        open_type: OpenType::NotOpen,
        open_condition: String::new(),
        update_cycle: UpdateCycle::Daily,
        related: Vec::new(),
    }
}

/// A cell's text: a string as itself, null or absent as empty, anything else as JSON.
fn cell(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string(),
    }
}

/// Whether a held entry says what a new row says (the sealed number aside: sealing is
/// randomised, the blind index is equal by construction).
fn same(held: &EntryRow, new: &EntryRow) -> bool {
    held.subject_kind == new.subject_kind
        && held.subject_name == new.subject_name
        && held.subject_mask == new.subject_mask
        && held.basis == new.basis
        && held.measures == new.measures
        && held.facilitation == new.facilitation
        && held.valid_to == new.valid_to
        && held.source == new.source
}

impl SupervisionService {
    /// The exchange resource the lists were last synchronised from (`None`: never).
    pub async fn credit_sync_source(&self, ctx: &Ctx) -> Result<Option<String>> {
        self.require_credit(ctx, "credit_entries", "credit.read")
            .await?;
        let mut c = self.db.clone();
        Ok(repo::last_exchange_source(&mut c)
            .await?
            .and_then(|s| s.strip_prefix("exchange:").map(str::to_string)))
    }

    /// Synchronises the lists with the published exchange resource `code` (credit officers,
    /// the platform): see the module's documentation.
    pub async fn sync_credit(&self, ctx: &Ctx, code: &str) -> Result<CreditSyncReport> {
        self.require_credit(ctx, "credit_entries", "credit.sync")
            .await?;
        let code = yiwang_kernel::text::required("resource", code, 40).map_err(Error::field)?;
        let exchange = &self.sources.exchange;
        let Some(resource) = exchange.published_by_code(&code).await? else {
            return Err(Error::field(FieldError::new(
                "resource",
                "credit.resource_unknown",
                format!("数据共享目录中没有已发布的信息资源“{code}”"),
                format!("No published exchange resource \"{code}\""),
            )));
        };
        // The sheet's columns are the resource's item fields (missing ones are named).
        let sheet_name = format!("{}（{}）", resource.meta.name, code);
        let mut sheet = Sheet {
            name: sheet_name,
            headers: resource
                .meta
                .items
                .iter()
                .map(|i| i.field.clone())
                .collect(),
            rows: Vec::new(),
        };
        let mut db = exchange.db().clone();
        let mut after: Option<String> = None;
        loop {
            let page = yiwang_exchange::repo::rows::scan(
                &mut db,
                exchange.seal(),
                resource.id,
                after.as_deref(),
                None,
                PAGE,
            )
            .await?;
            for r in &page {
                let values = r.values()?;
                sheet.rows.push(SheetRow {
                    // Row numbers as a reader of the resource counts them (1 is the header).
                    line: sheet.rows.len() + 2,
                    cells: sheet.headers.iter().map(|h| cell(values.get(h))).collect(),
                });
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.index.clone()),
                _ => break,
            }
        }
        let today = self.clock.today();
        let parsed = parse_rows(&sheet, today, true).map_err(|rows| {
            Error::import_rejected(rows).with_detail(
                format!("交换资源“{code}”中有不合规的名单记录，未作任何更改"),
                format!(
                    "The exchange resource \"{code}\" holds invalid entries; nothing was changed"
                ),
            )
        })?;
        let now = self.clock.now();
        let source = format!("exchange:{code}");
        let sealed = self.seal_rows(&parsed, &source, &ctx.actor.label(), now)?;
        let mut tx = self.db.write().await?;
        let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
        // The keys of the resource's current rows: an entry of this source outside them is
        // retired.
        let current: HashSet<(&str, &str, &str, time::Date)> = sealed
            .iter()
            .map(|r| {
                (
                    r.list_kind.as_str(),
                    r.subject_idx.as_str(),
                    r.authority.as_str(),
                    r.valid_from,
                )
            })
            .collect();
        for r in &sealed {
            match repo::find(
                &mut tx,
                &r.list_kind,
                &r.subject_idx,
                &r.authority,
                r.valid_from,
            )
            .await?
            {
                Some(held) if same(&held, r) || held.status != "active" => unchanged += 1,
                Some(_) => {
                    repo::upsert(&mut tx, r, now).await?;
                    updated += 1;
                }
                None => {
                    repo::upsert(&mut tx, r, now).await?;
                    inserted += 1;
                }
            }
        }
        let reason = format!(
            "已不在交换资源“{code}”的现行记录中 / no longer current in exchange resource {code}"
        );
        let mut retired = 0;
        for id in repo::active_of_source(&mut tx, &source).await? {
            let Some(row) = repo::by_id(&mut tx, id).await? else {
                continue;
            };
            let key = (
                row.list_kind.as_str(),
                row.subject_idx.as_str(),
                row.authority.as_str(),
                row.valid_from,
            );
            if current.contains(&key) {
                continue;
            }
            retired += repo::revoke(&mut tx, id, &reason, &ctx.actor.label(), now).await? as usize;
        }
        let report = CreditSyncReport {
            resource: code.clone(),
            rows: parsed.len(),
            inserted,
            updated,
            unchanged,
            retired,
        };
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "credit.sync", "credit_entries")
                .source(&ctx.source)
                .data(json!(report)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}
