//! The start page's queues: what waits for the signed-in member of staff, with its count, for
//! each kind of work their roles give them — the clerk's applications to accept, the officer's
//! and reviewer's own and overdue cases, the editor's drafts and the reviewer's submitted
//! versions (in `admin::dashboard_counts`), the supervisor's warnings and follow-ups, the licence
//! officer's register and imports, the administrators' accounts, changes and tokens. Each
//! count comes from the domain service that owns the work, with the caller's own reach, so a
//! queue never shows what the list behind its link would not.

use serde::Serialize;
use yiwang_cases::InboxFilter;
use yiwang_exchange::lists::DemandStatus;
use yiwang_exchange::sharing::{RequestStatus, Side};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Permission;
use yiwang_kernel::paging::Page;
use yiwang_licences::IssuedFilter;

use super::PageCx;
use crate::AppState;

/// One queue of the start page: a count and the list it counts.
#[derive(Debug, Serialize)]
pub struct Queue {
    /// The element id (`q-window` …) and the i18n key's last part (`start.q.window`).
    pub id: &'static str,
    pub n: i64,
    pub href: &'static str,
    /// Work that is late or waits on this person: shown in red when not zero.
    pub hot: bool,
}

const ONE: Page = Page { page: 1, size: 1 };

fn queue(id: &'static str, n: i64, href: &'static str, hot: bool) -> Queue {
    debug_assert!(QUEUE_IDS.contains(&id), "{id}");
    Queue { id, n, href, hot }
}

/// The queues of the signed-in member of staff, in the order of their work.
pub async fn queues(state: &AppState, cx: &PageCx) -> Result<Vec<Queue>, Error> {
    let a = &cx.ctx.actor;
    let ctx = &cx.ctx;
    let mut out = Vec::new();
    if a.staff().is_none() {
        return Ok(out);
    }
    if a.has(Permission::CaseRead) {
        let count =
            |f: InboxFilter| async move { state.cases.inbox(ctx, &f, ONE).await.map(|p| p.total) };
        if a.has(Permission::CaseReceive) {
            let n = count(InboxFilter {
                status: Some("submitted".into()),
                ..Default::default()
            })
            .await?;
            out.push(queue(
                "to_accept",
                n,
                "/staff/cases?status=submitted",
                false,
            ));
        }
        if a.has(Permission::CaseHandle) || a.has(Permission::CaseReceive) {
            let mine = count(InboxFilter {
                mine: true,
                ..Default::default()
            })
            .await?;
            out.push(queue("mine", mine, "/staff/cases?mine=1", false));
        }
        let red = count(InboxFilter {
            warning: Some("red".into()),
            ..Default::default()
        })
        .await?;
        out.push(queue("overdue", red, "/staff/cases?warning=red", true));
        let supplement = count(InboxFilter {
            status: Some("supplement".into()),
            ..Default::default()
        })
        .await?;
        out.push(queue(
            "supplement",
            supplement,
            "/staff/cases?status=supplement",
            false,
        ));
    }
    if a.has(Permission::CaseSupervise) {
        let w = state.cases.warnings(ctx).await?;
        let red: i64 = w.iter().map(|d| d.red).sum();
        let yellow: i64 = w.iter().map(|d| d.yellow).sum();
        out.push(queue("sv_red", red, "/staff/supervision", true));
        out.push(queue("sv_yellow", yellow, "/staff/supervision", false));
        let open = state.cases.followups(ctx, true).await?;
        out.push(queue(
            "followups",
            i64::try_from(open.len()).unwrap_or(i64::MAX),
            "/staff/supervision",
            false,
        ));
    }
    if a.has(Permission::LicenceIssue) {
        let count = |status: Option<&'static str>| async move {
            let f = IssuedFilter {
                status: status.map(str::to_string),
                ..Default::default()
            };
            state.licences.issued(ctx, &f, ONE).await.map(|p| p.total)
        };
        out.push(queue(
            "licences_valid",
            count(Some("valid")).await?,
            "/staff/licences?status=valid",
            false,
        ));
        out.push(queue(
            "licences_suspended",
            count(Some("suspended")).await?,
            "/staff/licences?status=suspended",
            false,
        ));
        let jobs = state.imports.jobs(ctx).await?;
        let running = jobs.iter().filter(|j| !j.finished()).count();
        let failed = jobs
            .iter()
            .filter(|j| matches!(j.status.as_str(), "rejected" | "failed"))
            .count();
        out.push(queue(
            "imports_running",
            i64::try_from(running).unwrap_or(i64::MAX),
            "/staff/licences/imports",
            false,
        ));
        out.push(queue(
            "imports_failed",
            i64::try_from(failed).unwrap_or(i64::MAX),
            "/staff/licences/imports",
            true,
        ));
    }
    if a.has(Permission::LicenceManage) {
        let n = state.licences.types().await?.len();
        out.push(queue(
            "licence_types",
            i64::try_from(n).unwrap_or(i64::MAX),
            "/staff/licence-types",
            false,
        ));
    }
    exchange_queues(state, cx, &mut out).await?;
    appeal_queues(state, cx, &mut out).await?;
    if a.has(Permission::CalendarManage) {
        let n = super::calendar_admin::missing_years(state).await?.len();
        out.push(queue(
            "calendar",
            i64::try_from(n).unwrap_or(i64::MAX),
            "/admin/calendar",
            true,
        ));
    }
    if a.has(Permission::AccountsManage) || a.has(Permission::RolesManage) {
        let n = state.identity.list_staff(ctx, ONE).await?.total;
        out.push(queue("accounts", n, "/admin/staff", false));
    }
    if yiwang_identity::admins::admin_role_of(a).is_some() {
        let me = a.user_id();
        let pending = state.identity.admin_changes(ctx).await?;
        let waiting = pending
            .iter()
            .filter(|c| {
                c.status == "pending" && Some(c.requested_by_id) != me && Some(c.account_id) != me
            })
            .count();
        out.push(queue(
            "changes",
            i64::try_from(waiting).unwrap_or(i64::MAX),
            "/admin/changes",
            true,
        ));
    }
    Ok(out)
}

/// Data sharing's queues (数据共享): requests waiting for the provider's decision, the
/// steward's drafts, versions waiting for review, overdue decisions for the supervisor and
/// demands nobody works yet — each for the callers whose work it is (`exchange::Areas` and
/// the permission the domain's list asks for).
async fn exchange_queues(state: &AppState, cx: &PageCx, out: &mut Vec<Queue>) -> Result<(), Error> {
    let a = &cx.ctx.actor;
    let ctx = &cx.ctx;
    let xa = cx.exchange_areas();
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    if a.has(Permission::ExchangeProvide) {
        let pending = state
            .sharing
            .requests(ctx, Side::Received, Some(RequestStatus::Submitted))
            .await?;
        out.push(queue(
            "exchange_inbox",
            len(pending.len()),
            "/staff/exchange/inbox",
            pending.iter().any(|r| {
                r.timing
                    .is_some_and(|t| t.warning == yiwang_exchange::sharing::rules::Warning::Red)
            }),
        ));
        let drafts = state.exchange.my_resources(ctx).await?;
        let drafts = drafts
            .iter()
            .filter(|v| v.resource.status == yiwang_exchange::VersionStatus::Draft)
            .count();
        out.push(queue(
            "exchange_drafts",
            len(drafts),
            "/staff/exchange/mine",
            false,
        ));
    }
    if xa.review {
        let n = state.exchange.review_queue(ctx).await?.len();
        out.push(queue(
            "exchange_review",
            len(n),
            "/staff/exchange/review",
            false,
        ));
    }
    if xa.supervision {
        let red = state
            .sharing
            .supervision(ctx)
            .await?
            .iter()
            .filter(|r| {
                r.timing
                    .is_some_and(|t| t.warning == yiwang_exchange::sharing::rules::Warning::Red)
            })
            .count();
        out.push(queue(
            "exchange_red",
            len(red),
            "/staff/exchange/supervision",
            true,
        ));
    }
    if xa.work_demands {
        let open = state
            .exchange
            .demands(ctx, Some(DemandStatus::Open))
            .await?
            .len();
        out.push(queue(
            "exchange_demands",
            len(open),
            "/staff/exchange/lists#demands",
            false,
        ));
    }
    Ok(())
}

/// The work orders' queues (12345 工单): waiting for dispatch (dispatcher), to sign and in hand
/// (handler), overdue (supervisor) — counted by `AppealService::queue` with the caller's reach.
async fn appeal_queues(state: &AppState, cx: &PageCx, out: &mut Vec<Queue>) -> Result<(), Error> {
    use yiwang_appeals::Status;
    use yiwang_appeals::views::QueueFilter;
    let a = &cx.ctx.actor;
    let count = |status: Option<Status>, overdue: bool| async move {
        let f = QueueFilter {
            status,
            overdue,
            ..Default::default()
        };
        state.appeals.queue(&cx.ctx, f, ONE).await.map(|p| p.total)
    };
    if a.has(Permission::AppealDispatch) {
        let n = count(Some(Status::Received), false).await?;
        out.push(queue(
            "appeal_dispatch",
            n,
            "/staff/appeals?status=received",
            false,
        ));
    }
    if a.has(Permission::AppealHandle) {
        let n = count(Some(Status::Dispatched), false).await?;
        out.push(queue(
            "appeal_sign",
            n,
            "/staff/appeals?status=dispatched",
            true,
        ));
        let n = count(Some(Status::Signed), false).await?
            + count(Some(Status::Handling), false).await?;
        out.push(queue("appeal_in_hand", n, "/staff/appeals", false));
    }
    if a.has(Permission::AppealSupervise) {
        let n = count(None, true).await?;
        out.push(queue("appeal_overdue", n, "/staff/appeals?overdue=1", true));
    }
    Ok(())
}

/// Every queue id a start page may show (each has a `start.q.<id>` text).
pub const QUEUE_IDS: [&str; 24] = [
    "to_accept",
    "mine",
    "overdue",
    "supplement",
    "sv_red",
    "sv_yellow",
    "followups",
    "licences_valid",
    "licences_suspended",
    "imports_running",
    "imports_failed",
    "licence_types",
    "exchange_inbox",
    "exchange_drafts",
    "exchange_review",
    "exchange_red",
    "exchange_demands",
    "calendar",
    "accounts",
    "changes",
    "appeal_dispatch",
    "appeal_sign",
    "appeal_in_hand",
    "appeal_overdue",
];

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_kernel::i18n::Lang;

    #[test]
    fn every_queue_has_its_label_in_both_languages() {
        for id in QUEUE_IDS {
            let key = format!("start.q.{id}");
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(
                    crate::i18n::text(&key, lang),
                    key,
                    "{key} has no {lang:?} text"
                );
            }
        }
    }
}
