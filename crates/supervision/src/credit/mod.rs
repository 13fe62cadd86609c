//! Credit red and black lists (信用红黑名单) for joint reward and punishment (联合奖惩).
//!
//! One entry lists one subject — an enterprise by its USCC, a person by their ID number — on
//! the red list (守信激励: facilitations such as 容缺受理 `tolerant_acceptance`, 优先办理
//! `priority`, 减少检查 `fewer_checks`) or the black list (失信惩戒), with its legal basis (认定
//! 依据), its measures, the authority that listed it (认定部门) and its validity. The number is
//! sealed, found by its blind index and shown masked.
//!
//! Credit officers (`credit.manage`) import lists from CSV or XLSX (all or nothing, errors
//! named by line) or synchronise them with a resource published in the exchange (`sync`),
//! search and revoke them. The cases domain checks a case's applicant at
//! pre-check and acceptance through [`SupervisionService::credit_listings`] (wired in by the
//! platform as `yiwang_cases::CreditCheck`); this module knows nothing of cases.

mod import;
pub mod repo;
mod sync;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::codes::{IdNumber, Uscc};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

pub use import::{COLUMNS, CreditImportReport};
pub use sync::{CreditSyncReport, resource_meta};

use crate::SupervisionService;
use repo::EntryRow;

time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");

/// Blind-index and sealed-column context of a listed subject's USCC or ID number. A key
/// rotation rewraps `credit_entries.subject_enc` under this context (the identity crate's list
/// of other domains' sealed columns names it; a test checks they agree).
pub const SUBJECT: &str = "credit_entries.subject";

/// The facilitations a red-list entry may grant, with their names.
pub const FACILITATIONS: &[(&str, &str, &str)] = &[
    ("tolerant_acceptance", "容缺受理", "tolerant acceptance"),
    ("priority", "优先办理", "priority handling"),
    ("fewer_checks", "减少检查频次", "fewer inspections"),
];

/// An entry of a list, as credit officers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditEntry {
    pub id: i64,
    /// `red` or `black`.
    pub list: String,
    /// `enterprise` or `person`.
    pub subject_kind: String,
    pub subject_name: String,
    /// The USCC or ID number, masked.
    pub subject_mask: String,
    pub basis: String,
    pub measures: String,
    pub facilitation: Vec<String>,
    pub authority: String,
    #[schema(value_type = String)]
    #[serde(with = "ymd")]
    pub valid_from: Date,
    #[schema(value_type = Option<String>)]
    #[serde(with = "ymd::option")]
    pub valid_to: Option<Date>,
    /// `import` or `exchange:<resource code>`.
    pub source: String,
    /// `active` or `revoked`.
    pub status: String,
    pub revoked_reason: String,
    pub revoked_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

fn view(r: EntryRow) -> CreditEntry {
    CreditEntry {
        id: r.id,
        list: r.list_kind,
        subject_kind: r.subject_kind,
        subject_name: r.subject_name,
        subject_mask: r.subject_mask,
        basis: r.basis,
        measures: r.measures,
        facilitation: split_codes(&r.facilitation),
        authority: r.authority,
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        source: r.source,
        status: r.status,
        revoked_reason: r.revoked_reason,
        revoked_by: r.revoked_by,
        revoked_at: r.revoked_at,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

fn split_codes(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// A USCC masked: the first six and the last four characters.
pub fn mask_uscc(u: &str) -> String {
    let chars: Vec<char> = u.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..6]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 10))
        .chain(chars[n - 4..].iter())
        .collect()
}

/// What the list page asks for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CreditQuery {
    /// `red` or `black` (both when empty).
    pub list: Option<String>,
    /// A name fragment, or a whole USCC or ID number (found by its blind index).
    pub q: Option<String>,
    pub include_revoked: bool,
}

impl SupervisionService {
    async fn require_credit(&self, ctx: &Ctx, object: &str, attempted: &str) -> Result<()> {
        match ctx.actor.require(Permission::CreditManage) {
            Ok(()) => Ok(()),
            Err(e) => {
                Err(
                    yiwang_audit::refused(&self.db, ctx, object, attempted, e, self.clock.now())
                        .await,
                )
            }
        }
    }

    /// The blind index of a USCC or ID number as typed (upper case, no spaces).
    pub(crate) fn subject_index(&self, number: &str) -> Result<String> {
        let n: String = number
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        self.keys.blind_index(SUBJECT, &n)
    }

    /// Entries of the lists, newest first (credit officers).
    pub async fn credit_entries(
        &self,
        ctx: &Ctx,
        q: &CreditQuery,
        page: Page,
    ) -> Result<Paged<CreditEntry>> {
        self.require_credit(ctx, "credit_entries", "credit.read")
            .await?;
        let list = q.list.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(l) = list
            && l != "red"
            && l != "black"
        {
            return Err(Error::field(FieldError::new(
                "list",
                "credit.list",
                "名单类型应为 red（红名单）或 black（黑名单）",
                "The list is red or black",
            )));
        }
        let term = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        // A whole USCC (18) or ID number (15/18) is searched by its blind index.
        let number = term.filter(|t| {
            (t.len() == 18 || t.len() == 15) && t.chars().all(|c| c.is_ascii_alphanumeric())
        });
        let idx = match number {
            Some(n) => Some(self.subject_index(n)?),
            None => None,
        };
        let filter = repo::Filter {
            list,
            name: if idx.is_some() { None } else { term },
            idx: idx.as_deref(),
            include_revoked: q.include_revoked,
        };
        let mut c = self.db.clone();
        let (rows, total) = repo::list(&mut c, &filter, page.limit(), page.offset()).await?;
        Ok(Paged {
            items: rows.into_iter().map(view).collect(),
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// One entry (credit officers).
    pub async fn credit_entry(&self, ctx: &Ctx, id: i64) -> Result<CreditEntry> {
        self.require_credit(ctx, &format!("credit_entry:{id}"), "credit.read")
            .await?;
        let mut c = self.db.clone();
        repo::by_id(&mut c, id)
            .await?
            .map(view)
            .ok_or_else(Error::not_found)
    }

    /// Revokes an entry (撤销), with the reason. Audited.
    pub async fn revoke_credit(&self, ctx: &Ctx, id: i64, reason: &str) -> Result<CreditEntry> {
        let object = format!("credit_entry:{id}");
        self.require_credit(ctx, &object, "credit.revoke").await?;
        let reason = text::required("reason", reason, 500).map_err(Error::field)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let Some(row) = repo::by_id(&mut tx, id).await? else {
            return Err(Error::not_found());
        };
        if row.status != "active" {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("该名单记录已撤销", "The entry is already revoked"));
        }
        repo::revoke(&mut tx, id, &reason, &ctx.actor.label(), now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "credit.revoke", object)
                .source(&ctx.source)
                .data(json!({ "list": row.list_kind, "reason": reason })),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut c = self.db.clone();
        repo::by_id(&mut c, id)
            .await?
            .map(view)
            .ok_or_else(|| Error::internal("credit entry vanished"))
    }

    /// The entries in force today of a subject (`kind`: `enterprise` with a USCC, `person`
    /// with an ID number), for the check at a case's acceptance (the platform's read; the case
    /// records what it found). A malformed number holds no entry.
    pub async fn credit_listings(&self, kind: &str, number: &str) -> Result<Vec<CreditEntry>> {
        let n = number.trim();
        let valid = match kind {
            "enterprise" => Uscc::parse(n).is_ok(),
            "person" => IdNumber::parse(n, self.clock.today()).is_ok(),
            _ => false,
        };
        if !valid {
            return Ok(Vec::new());
        }
        let idx = self.subject_index(n)?;
        let mut c = self.db.clone();
        Ok(repo::in_force(&mut c, &idx, self.clock.today())
            .await?
            .into_iter()
            .filter(|r| r.subject_kind == kind)
            .map(view)
            .collect())
    }
}
