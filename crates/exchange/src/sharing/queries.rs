//! Reading requests and grants: one request (its consumer, its provider, the supervisor or
//! the administrator), the requests a department made, those it received, the supervisor's
//! undecided requests with their warning colours, and grants held or given. Lists are
//! filtered to the caller's reach.

use time::OffsetDateTime;
use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::{Error, Result};
use yiwang_org::repo::DepartmentFilter;
use yiwang_store::Conn;

use super::{
    GrantView, RequestStatus, SharingRequest, SharingService, Warning, grant_view, target,
};
use crate::repo::grants;
use crate::repo::requests::{self, RequestFilter};
use crate::service::ExchangeService;

/// Most rows a list answers.
pub const LIST_LIMIT: i64 = 500;

/// The departments where `ctx` holds `perm`: `None` for everywhere, an error when nowhere.
pub(crate) async fn reach(
    c: &mut impl Conn,
    ctx: &Ctx,
    perm: Permission,
) -> Result<Option<Vec<i64>>> {
    match ctx.actor.scope_of(perm) {
        Scope::Nothing => Err(match ctx.actor {
            yiwang_kernel::auth::Actor::Anonymous => {
                Error::new(yiwang_kernel::ErrorCode::Unauthenticated)
            }
            _ => Error::forbidden(),
        }),
        Scope::Everything => Ok(None),
        Scope::Department(d) => Ok(Some(vec![d])),
        Scope::Division(div) => {
            let f = DepartmentFilter {
                division: Some(div),
                ..Default::default()
            };
            let ds = yiwang_org::service::departments_in(c, &f).await?;
            Ok(Some(ds.into_iter().map(|d| d.id).collect()))
        }
    }
}

/// Which side of the requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Requests the caller's departments made (`exchange.consume`).
    Made,
    /// Requests the caller's departments received (`exchange.provide`).
    Received,
}

impl SharingService {
    /// One request: its consumer's or provider's staff, or the supervisor or administrator of
    /// the provider's division.
    pub async fn request(&self, ctx: &Ctx, id: i64) -> Result<SharingRequest> {
        let now = self.clock.now();
        let cal = self.calendar.current().await?;
        let mut tx = self.db.read().await?;
        let row = requests::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let consumer = ExchangeService::department(&mut tx, row.consumer_department_id).await?;
        let provider = ExchangeService::department(&mut tx, row.provider_department_id).await?;
        let a = &ctx.actor;
        let allowed = a.may_on(Permission::ExchangeConsume, target(&consumer))
            || a.may_on(Permission::ExchangeProvide, target(&provider))
            || a.may_on(Permission::ExchangeSupervise, target(&provider))
            || a.may_on(Permission::ExchangeAdmin, target(&provider));
        if !allowed {
            tx.rollback().await?;
            return Err(self
                .deny(
                    ctx,
                    format!("exchange_request:{id}"),
                    "exchange.request.read",
                )
                .await);
        }
        let view = self.view(&mut tx, row, &cal, now).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The requests the caller's departments made or received, newest first, optionally in
    /// one status.
    pub async fn requests(
        &self,
        ctx: &Ctx,
        side: Side,
        status: Option<RequestStatus>,
    ) -> Result<Vec<SharingRequest>> {
        let now = self.clock.now();
        let cal = self.calendar.current().await?;
        let mut tx = self.db.read().await?;
        let perm = match side {
            Side::Made => Permission::ExchangeConsume,
            Side::Received => Permission::ExchangeProvide,
        };
        let ids = reach(&mut tx, ctx, perm).await?;
        let ids = ids.unwrap_or_default();
        let everything = matches!(ctx.actor.scope_of(perm), Scope::Everything);
        let mut f = RequestFilter {
            // A stored state narrows the query; revoked/expired are granted requests.
            state: status.map(|s| match s {
                RequestStatus::Revoked | RequestStatus::Expired => "granted".to_string(),
                s => s.as_str().to_string(),
            }),
            ..Default::default()
        };
        if !everything {
            match side {
                Side::Made => f.consumers = Some(ids),
                Side::Received => f.providers = Some(ids),
            }
        }
        let rows = requests::list(&mut tx, &f, LIST_LIMIT).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let v = self.view(&mut tx, r, &cal, now).await?;
            if status.is_none_or(|s| s == v.status) {
                out.push(v);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The supervisor's view (督办): every undecided request whose provider is within the
    /// caller's `exchange.supervise` reach, red first (most days overdue first), then
    /// yellow, then the others, each with its timing.
    pub async fn supervision(&self, ctx: &Ctx) -> Result<Vec<SharingRequest>> {
        let now = self.clock.now();
        let cal = self.calendar.current().await?;
        let mut tx = self.db.read().await?;
        let ids = reach(&mut tx, ctx, Permission::ExchangeSupervise).await?;
        let rows = requests::undecided(&mut tx, ids.as_deref()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.view(&mut tx, r, &cal, now).await?);
        }
        tx.commit().await?;
        let rank = |v: &SharingRequest| match v.timing.map(|t| t.warning) {
            Some(Warning::Red) => 0,
            Some(Warning::Yellow) => 1,
            _ => 2,
        };
        out.sort_by_key(|v| {
            (
                rank(v),
                -v.timing.map(|t| t.days_overdue).unwrap_or(0),
                v.due_date,
                v.id,
            )
        });
        Ok(out)
    }

    /// Grants the caller's departments hold (`given = false`, `exchange.consume`) or gave on
    /// their resources (`given = true`, `exchange.provide`; also the division's
    /// administrator through `exchange.admin`), newest first.
    pub async fn grants(&self, ctx: &Ctx, given: bool) -> Result<Vec<GrantView>> {
        let now = self.clock.now();
        let mut tx = self.db.read().await?;
        let perm = if given {
            if ctx.actor.has(Permission::ExchangeProvide) {
                Permission::ExchangeProvide
            } else {
                Permission::ExchangeAdmin
            }
        } else {
            Permission::ExchangeConsume
        };
        let ids = match reach(&mut tx, ctx, perm).await? {
            Some(ids) => ids,
            None => {
                let f = DepartmentFilter::default();
                yiwang_org::service::departments_in(&mut tx, &f)
                    .await?
                    .into_iter()
                    .map(|d| d.id)
                    .collect()
            }
        };
        let grant_ids = requests::grant_ids(&mut tx, &ids, given, LIST_LIMIT).await?;
        let labels = requests::grant_labels(&mut tx, &grant_ids).await?;
        let mut out = Vec::with_capacity(grant_ids.len());
        for id in grant_ids {
            let Some(g) = grants::by_id(&mut tx, id).await? else {
                continue;
            };
            let label = labels.iter().find(|l| l.id == id);
            let (code, name, provider) = label
                .map(|l| {
                    (
                        l.resource_code.as_str(),
                        l.resource_name.as_str(),
                        l.provider_department_id,
                    )
                })
                .unwrap_or(("", "", 0));
            out.push(grant_view(g, code, name, provider, now)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The clock's now (for pages that show dates relative to it).
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
