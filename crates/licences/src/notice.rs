//! Telling holders about their licences (证照变更通知): a notice is written in the same
//! transaction as the change it reports — issued, renewed, suspended, reinstated, revoked —
//! and by the expiry sweep (expiring within [`EXPIRING_DAYS`], expired; once each). The holder
//! (a person, or whoever may see an enterprise's wallet) reads them beside the wallet and marks
//! them read. Licences imported in bulk (归集) are not announced one by one: they were issued
//! elsewhere, and their holders already hold them.

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Ctx;
use yiwang_store::Conn;

use crate::repo;
use crate::service::LicenceService;

/// A holder is told this many days before a licence expires.
pub const EXPIRING_DAYS: i64 = 30;

/// Notices of each kind written per transaction, so that a sweep after a bulk import of old
/// licences never holds the write lock for long.
const SWEEP_BATCH: i64 = 5_000;

/// What a notice reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Issued,
    Renewed,
    Suspended,
    Reinstated,
    Revoked,
    Expiring,
    Expired,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Issued => "issued",
            NoticeKind::Renewed => "renewed",
            NoticeKind::Suspended => "suspended",
            NoticeKind::Reinstated => "reinstated",
            NoticeKind::Revoked => "revoked",
            NoticeKind::Expiring => "expiring",
            NoticeKind::Expired => "expired",
        }
    }

    fn parse(s: &str) -> Option<NoticeKind> {
        Some(match s {
            "issued" => NoticeKind::Issued,
            "renewed" => NoticeKind::Renewed,
            "suspended" => NoticeKind::Suspended,
            "reinstated" => NoticeKind::Reinstated,
            "revoked" => NoticeKind::Revoked,
            "expiring" => NoticeKind::Expiring,
            "expired" => NoticeKind::Expired,
            _ => return None,
        })
    }

    /// The notice in Chinese and English.
    fn text(self, type_name: &str, valid_to: Option<Date>, reason: &str) -> (String, String) {
        let to = valid_to.map(ymd).unwrap_or_default();
        let why = |zh: &str| {
            if reason.is_empty() {
                String::new()
            } else {
                format!("{zh}{reason}")
            }
        };
        match self {
            NoticeKind::Issued => (
                format!("您的{type_name}已签发，可在电子证照夹中查看和使用。"),
                format!("Your {type_name} has been issued; it is in your licence wallet."),
            ),
            NoticeKind::Renewed => (
                format!("您的{type_name}已换发新证，原证照已注销{}。", why("：")),
                format!("Your {type_name} was renewed; the previous licence is revoked."),
            ),
            NoticeKind::Suspended => (
                format!("您的{type_name}已被暂停使用{}。", why("，原因：")),
                format!("Your {type_name} has been suspended. Reason: {reason}"),
            ),
            NoticeKind::Reinstated => (
                format!("您的{type_name}已恢复有效{}。", why("，说明：")),
                format!("Your {type_name} is valid again. Note: {reason}"),
            ),
            NoticeKind::Revoked => (
                format!("您的{type_name}已注销{}。", why("，原因：")),
                format!("Your {type_name} has been revoked. Reason: {reason}"),
            ),
            NoticeKind::Expiring => (
                format!("您的{type_name}将于{to}到期，请及时办理换领。"),
                format!("Your {type_name} expires on {to}; please renew it in time."),
            ),
            NoticeKind::Expired => (
                format!("您的{type_name}已于{to}到期失效。"),
                format!("Your {type_name} expired on {to}."),
            ),
        }
    }
}

fn ymd(d: Date) -> String {
    yiwang_kernel::clock::ymd(d)
}

/// One notice as its holder reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub id: i64,
    pub identifier: String,
    pub type_name: String,
    /// issued, renewed, suspended, reinstated, revoked, expiring or expired.
    pub kind: String,
    pub text_zh: String,
    pub text_en: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub read: bool,
}

/// The holder's notices, newest first, and how many are unread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notices {
    pub unread: i64,
    pub items: Vec<Notice>,
}

/// What an expiry sweep wrote.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct ExpirySweep {
    pub expiring: u64,
    pub expired: u64,
}

/// Writes a notice to the holder of licence `licence_id`, inside the caller's transaction.
pub(crate) async fn notify(
    c: &mut impl Conn,
    licence_id: i64,
    kind: NoticeKind,
    reason: &str,
    at: OffsetDateTime,
) -> Result<()> {
    repo::notices::insert(c, licence_id, kind.as_str(), reason, at).await
}

impl LicenceService {
    /// The signed-in holder's notices (the person's, or the enterprise's they act for), the
    /// newest 200.
    pub async fn notices(&self, ctx: &Ctx) -> Result<Notices> {
        let idx = self.holder_index(ctx).await?;
        let mut db = self.db.clone();
        let (rows, unread) = repo::notices::of_holder(&mut db, &idx).await?;
        let items = rows
            .into_iter()
            .filter_map(|r| {
                let kind = NoticeKind::parse(&r.kind)?;
                let (text_zh, text_en) = kind.text(&r.type_name, r.valid_to, &r.reason);
                Some(Notice {
                    id: r.id,
                    identifier: r.identifier,
                    type_name: r.type_name,
                    kind: r.kind,
                    text_zh,
                    text_en,
                    at: r.created_at,
                    read: r.read_at.is_some(),
                })
            })
            .collect();
        Ok(Notices { unread, items })
    }

    /// Marks every notice of the signed-in holder read; answers how many were unread.
    pub async fn mark_notices_read(&self, ctx: &Ctx) -> Result<u64> {
        let idx = self.holder_index(ctx).await?;
        let mut tx = self.db.write().await?;
        let n = repo::notices::mark_read(&mut tx, &idx, self.clock.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Tells holders of valid licences that expire within [`EXPIRING_DAYS`], or have expired,
    /// once per licence and kind. Run by the server's periodic sweep and `yiwang licences sweep`.
    pub async fn sweep_expiry(&self) -> Result<ExpirySweep> {
        let now = self.clock.now();
        let today = self.today();
        let soon = today + time::Duration::days(EXPIRING_DAYS);
        let mut total = ExpirySweep::default();
        // One short write transaction per batch (never a long hold of the write lock).
        loop {
            let mut tx = self.db.write().await?;
            // Once a licence has expired its holder needs no "expiring" notice any more.
            let expired = repo::notices::sweep_expired(&mut tx, now, today, SWEEP_BATCH).await?;
            let expiring =
                repo::notices::sweep_expiring(&mut tx, now, today, soon, SWEEP_BATCH).await?;
            tx.commit().await?;
            total.expired += expired;
            total.expiring += expiring;
            if expired < SWEEP_BATCH as u64 && expiring < SWEEP_BATCH as u64 {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_reads_in_both_languages() {
        let d = Date::from_calendar_date(2027, time::Month::March, 1).ok();
        for k in [
            NoticeKind::Issued,
            NoticeKind::Renewed,
            NoticeKind::Suspended,
            NoticeKind::Reinstated,
            NoticeKind::Revoked,
            NoticeKind::Expiring,
            NoticeKind::Expired,
        ] {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
            let (zh, en) = k.text("营业执照", d, "材料不实");
            assert!(
                zh.contains("营业执照") && en.contains("营业执照"),
                "{zh} / {en}"
            );
        }
        assert!(
            NoticeKind::Expiring
                .text("x", d, "")
                .0
                .contains("2027-03-01")
        );
        assert!(
            NoticeKind::Revoked
                .text("x", d, "材料不实")
                .0
                .contains("原因：材料不实")
        );
        assert!(!NoticeKind::Revoked.text("x", d, "").0.contains("原因"));
        assert_eq!(NoticeKind::parse("other"), None);
    }
}
