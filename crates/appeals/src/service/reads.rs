//! Reads: one order (staff in reach, or its owner), the anonymous follower with the query
//! code, the citizen's own orders, the staff queue by role, the caller's history.

use serde_json::json;
use time::Duration;
use yiwang_audit::{Entry, record_now};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Scope};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};

use super::AppealService;
use super::PHONE_CONTEXT;
use super::access::{Roles, roles_on};
use super::checks::phone_key;
use crate::lifecycle::Action;
use crate::repo::appeals::{AppealRow, ListFilter};
use crate::repo::{self};
use crate::views::{ActInput, AppealBrief, AppealView, QueueFilter};

/// Failed tracking attempts allowed per appeal number within [`TRACK_WINDOW_MINUTES`].
const TRACK_FAILURES: usize = 10;
const TRACK_WINDOW_MINUTES: i64 = 15;

/// Constant-time comparison of two query codes (case-insensitive).
fn same_code(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase());
    if a.len() != b.len() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

impl AppealService {
    /// One order: staff whose role reaches it, or the citizen who owns it. A confidential
    /// order's contact shown to intake or dispatch staff is audited (`appeal.read_contact`).
    pub async fn get(&self, ctx: &Ctx, appeal_no: &str) -> Result<AppealView> {
        let row = self.row(appeal_no).await?;
        let roles = roles_on(ctx, &row, &self.home_division);
        let object = format!("appeal:{}", row.appeal_no);
        if !roles.any() {
            let e = match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            };
            return Err(self.refuse(ctx, object, "appeal.read", e).await);
        }
        if row.confidential && roles.staff() && roles.sees_contact(true) && !roles.system {
            record_now(
                &self.db,
                &Entry::success(&ctx.actor, "appeal.read_contact", object)
                    .source(&ctx.source)
                    .data(json!({ "confidential": true })),
                self.now(),
            )
            .await?;
        }
        self.view_as(&row, roles).await
    }

    /// The order for whoever holds its number and query code (throttled per number).
    async fn tracked(&self, appeal_no: &str, code: &str) -> Result<AppealRow> {
        let no = appeal_no.trim().to_string();
        let now = self.now();
        let window = Duration::minutes(TRACK_WINDOW_MINUTES);
        {
            let mut f = match self.track_failures.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            f.retain(|_, v| {
                v.retain(|t| *t > now - window);
                !v.is_empty()
            });
            // Each live replica allows its share of the cap.
            let cap = usize::try_from(self.node.share(TRACK_FAILURES as i64)).unwrap_or(1);
            if let Some(v) = f.get(&no)
                && v.len() >= cap
            {
                let first = v.iter().min().copied().unwrap_or(now);
                let wait = (first + window - now).whole_seconds().max(1);
                return Err(Error::rate_limited(u64::try_from(wait).unwrap_or(60)));
            }
        }
        let mut c = self.db.clone();
        match repo::appeals::by_no(&mut c, &no).await? {
            Some(r) if same_code(&r.token, code) => Ok(r),
            _ => {
                let mut f = match self.track_failures.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                f.entry(no).or_default().push(now);
                Err(Error::not_found().with_detail(
                    "工单编号或查询码不正确",
                    "The order number or query code is wrong",
                ))
            }
        }
    }

    /// The anonymous follower with the query code (throttled).
    pub async fn track(&self, appeal_no: &str, code: &str) -> Result<AppealView> {
        let row = self.tracked(appeal_no, code).await?;
        self.view_as(&row, Self::code_holder()).await
    }

    /// The anonymous filer's rating (回访) — or reopening — with the query code.
    pub async fn visit_tracked(
        &self,
        appeal_no: &str,
        code: &str,
        input: ActInput,
    ) -> Result<AppealView> {
        let row = self.tracked(appeal_no, code).await?;
        if !matches!(input.action, Action::Visit | Action::Reopen) {
            return Err(Error::field(FieldError::one_of(
                "action",
                &["visit", "reopen"],
            )));
        }
        let ctx = Ctx::anonymous();
        self.act_as(&ctx, row, Self::code_holder(), input).await
    }

    /// The holder of an order's query code stands as its owner.
    fn code_holder() -> Roles {
        Roles {
            owner: true,
            ..Roles::default()
        }
    }

    /// The signed-in citizen's own appeals, newest first.
    pub async fn mine(&self, ctx: &Ctx, page: Page) -> Result<Paged<AppealBrief>> {
        let Some(p) = ctx.actor.person() else {
            let e = match ctx.actor {
                Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
                _ => Error::forbidden(),
            };
            return Err(self
                .refuse(ctx, "appeals:mine".into(), "appeal.mine", e)
                .await);
        };
        let f = ListFilter {
            person_id: Some(p.person_id),
            ..ListFilter::default()
        };
        self.page_of(&f, page).await
    }

    /// The staff queue: dispatchers, operators and supervisors see their division, handlers
    /// their department's orders and those assigned to them.
    pub async fn queue(
        &self,
        ctx: &Ctx,
        filter: QueueFilter,
        page: Page,
    ) -> Result<Paged<AppealBrief>> {
        let perms = [
            Permission::AppealDispatch,
            Permission::AppealSupervise,
            Permission::AppealIntake,
            Permission::AppealHandle,
        ];
        let mut f = ListFilter::default();
        let mut widest: Option<Scope> = None;
        for p in perms {
            match ctx.actor.scope_of(p) {
                Scope::Nothing => {}
                Scope::Everything => widest = Some(Scope::Everything),
                Scope::Division(d) => {
                    if !matches!(widest, Some(Scope::Everything | Scope::Division(_))) {
                        widest = Some(Scope::Division(d));
                    }
                }
                Scope::Department(id) => {
                    if widest.is_none() {
                        widest = Some(Scope::Department(id));
                    }
                }
            }
        }
        match widest {
            None => {
                let e = ctx
                    .actor
                    .require(Permission::AppealHandle)
                    .err()
                    .unwrap_or_else(Error::forbidden);
                return Err(self
                    .refuse(ctx, "appeals:queue".into(), "appeal.queue", e)
                    .await);
            }
            Some(Scope::Everything) => {}
            Some(Scope::Division(d)) => f.division_prefix = Some(d.prefix().to_string()),
            Some(Scope::Department(id)) => {
                f.departments = Some(vec![id]);
                f.assignee = ctx.actor.user_id();
            }
            Some(Scope::Nothing) => {}
        }
        if let Some(s) = filter.status {
            f.statuses = vec![s.as_str().to_string()];
        }
        if filter.overdue {
            f.overdue_at = Some(self.now());
        }
        if let Some(code) = filter
            .grid
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let mut c = self.db.clone();
            // An unknown grid matches nothing.
            f.grid_id = Some(
                repo::routing::grid_by_code(&mut c, code)
                    .await?
                    .map_or(-1, |g| g.id),
            );
        }
        f.department_id = filter.department_id;
        if let Some(cat) = filter
            .category
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            f.categories = vec![cat.to_string()];
        }
        f.q = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        self.page_of(&f, page).await
    }

    async fn page_of(&self, f: &ListFilter, page: Page) -> Result<Paged<AppealBrief>> {
        let mut c = self.db.clone();
        let total = repo::appeals::count(&mut c, f).await?;
        let rows = repo::appeals::list(&mut c, f, page.limit(), page.offset()).await?;
        Ok(Paged {
            items: self.briefs(&rows).await?,
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// A caller's earlier appeals by phone number (appeal.intake), newest first (at most 50).
    pub async fn caller_history(&self, ctx: &Ctx, phone: &str) -> Result<Vec<AppealBrief>> {
        if let Err(e) = ctx.actor.require(Permission::AppealIntake) {
            return Err(self
                .refuse(
                    ctx,
                    "appeals:caller_history".into(),
                    "appeal.caller_history",
                    e,
                )
                .await);
        }
        let key = phone_key(phone);
        if key.len() < 5 {
            return Err(Error::field(FieldError::new(
                "phone",
                "phone.format",
                "请填写来电号码",
                "Give the caller's number",
            )));
        }
        let f = ListFilter {
            phone_idx: Some(self.keys.blind_index(PHONE_CONTEXT, &key)?),
            ..ListFilter::default()
        };
        let mut c = self.db.clone();
        let rows = repo::appeals::list(&mut c, &f, 50, 0).await?;
        self.briefs(&rows).await
    }
}

#[cfg(test)]
mod tests {
    use super::same_code;

    #[test]
    fn codes_compare_without_case() {
        assert!(same_code("ABCD2345", "abcd2345"));
        assert!(!same_code("ABCD2345", "ABCD2346"));
        assert!(!same_code("ABCD", "ABCD2"));
    }
}
