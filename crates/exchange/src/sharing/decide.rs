//! Deciding requests and ending grants: the provider grants or refuses, the consumer
//! withdraws, the provider or the division's administrator revokes a grant. Each step in one
//! transaction with its audit entry; refusals audited on their own.

use yiwang_audit::Entry;
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode, Result};

use super::{
    GrantInput, GrantView, ReasonInput, SharingRequest, SharingService, china_date, end_of,
    grant_view, rules, start_of, target,
};
use crate::repo::grants::{self, NewGrant};
use crate::repo::{requests, resources};
use crate::service::ExchangeService;

fn not_submitted() -> Error {
    Error::new(ErrorCode::InvalidState).with_detail(
        "该申请已办结（已授权、不予同意或已撤回），不能再处理",
        "The request has been decided (granted, refused or withdrawn) already",
    )
}

impl SharingService {
    /// The provider grants a conditional request: the fields (a subset of those asked for),
    /// the period (inside the one asked for) and the rate per minute.
    pub async fn grant(&self, ctx: &Ctx, id: i64, input: &GrantInput) -> Result<SharingRequest> {
        let now = self.clock.now();
        let today = china_date(now);
        let cal = self.calendar.current().await?;
        let mut tx = self.db.write().await?;
        let row = requests::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let provider = ExchangeService::department(&mut tx, row.provider_department_id).await?;
        if !ctx
            .actor
            .may_on(Permission::ExchangeProvide, target(&provider))
        {
            tx.rollback().await?;
            return Err(self
                .deny(
                    ctx,
                    format!("exchange_request:{id}"),
                    "exchange.request.grant",
                )
                .await);
        }
        if row.state != "submitted" {
            return Err(not_submitted());
        }
        let resource = resources::version(&mut tx, row.resource_id, row.resource_version)
            .await?
            .ok_or_else(Error::not_found)?;
        let asked = row.field_names()?;
        let fields = input.fields.clone().unwrap_or_else(|| asked.clone());
        let mut errs = Vec::new();
        rules::fields(&mut errs, "fields", &fields, &resource, Some(&asked));
        rules::rate(&mut errs, input.rate_per_minute);
        let from = input
            .from
            .clone()
            .unwrap_or_else(|| row.period_from.to_string());
        let to = input
            .to
            .clone()
            .unwrap_or_else(|| row.period_to.to_string());
        let period = rules::period(
            &mut errs,
            &from,
            &to,
            today,
            Some((row.period_from, row.period_to)),
        );
        let (Some((from, to)), true) = (period, errs.is_empty()) else {
            return Err(Error::validation(errs));
        };
        let actor = ctx.actor.label();
        let grant = grants::insert(
            &mut tx,
            &NewGrant {
                resource_id: row.resource_id,
                consumer_department_id: row.consumer_department_id,
                request_id: Some(id),
                fields: &fields,
                purpose: &row.purpose,
                valid_from: start_of(from),
                valid_to: end_of(to),
                rate_per_minute: input.rate_per_minute,
            },
            &actor,
            now,
        )
        .await?;
        let days =
            rules::working_days(&cal, china_date(row.submitted_at), today).map_err(Error::from)?;
        if !requests::decide(&mut tx, id, "granted", &actor, now, days, "", Some(grant)).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        let entry = Entry::success(
            &ctx.actor,
            "exchange.request.grant",
            format!("exchange_request:{id}"),
        )
        .source(&ctx.source)
        .data(serde_json::json!({
            "grant_id": grant, "fields": fields, "from": from.to_string(), "to": to.to_string(),
            "rate_per_minute": input.rate_per_minute, "working_days": days,
        }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        let row = requests::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let view = self.view(&mut tx, row, &cal, now).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The provider refuses a conditional request, stating the reason (required).
    pub async fn refuse(&self, ctx: &Ctx, id: i64, input: &ReasonInput) -> Result<SharingRequest> {
        self.close(ctx, id, input, false).await
    }

    /// The consumer withdraws an undecided request (the note is optional).
    pub async fn withdraw(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &ReasonInput,
    ) -> Result<SharingRequest> {
        self.close(ctx, id, input, true).await
    }

    async fn close(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &ReasonInput,
        withdraw: bool,
    ) -> Result<SharingRequest> {
        let now = self.clock.now();
        let today = china_date(now);
        let cal = self.calendar.current().await?;
        let (perm, action, state) = if withdraw {
            (
                Permission::ExchangeConsume,
                "exchange.request.withdraw",
                "withdrawn",
            )
        } else {
            (
                Permission::ExchangeProvide,
                "exchange.request.refuse",
                "refused",
            )
        };
        let mut tx = self.db.write().await?;
        let row = requests::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let dept_id = if withdraw {
            row.consumer_department_id
        } else {
            row.provider_department_id
        };
        let dept = ExchangeService::department(&mut tx, dept_id).await?;
        if !ctx.actor.may_on(perm, target(&dept)) {
            tx.rollback().await?;
            return Err(self
                .deny(ctx, format!("exchange_request:{id}"), action)
                .await);
        }
        if row.state != "submitted" {
            return Err(not_submitted());
        }
        let reason = input.reason.trim();
        let mut errs = Vec::new();
        if withdraw {
            if reason.chars().count() > 500 {
                rules::text(&mut errs, "reason", reason, 500);
            }
        } else {
            rules::text(&mut errs, "reason", reason, 1000);
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let days = if withdraw {
            0
        } else {
            rules::working_days(&cal, china_date(row.submitted_at), today).map_err(Error::from)?
        };
        let actor = ctx.actor.label();
        if !requests::decide(&mut tx, id, state, &actor, now, days, reason, None).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        let entry = Entry::success(&ctx.actor, action, format!("exchange_request:{id}"))
            .source(&ctx.source)
            .reason(reason)
            .data(serde_json::json!({ "working_days": days }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        let row = requests::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let view = self.view(&mut tx, row, &cal, now).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Revokes a grant (reason required): the provider department's steward, or the data
    /// administrator of the provider's division.
    pub async fn revoke(&self, ctx: &Ctx, grant_id: i64, input: &ReasonInput) -> Result<GrantView> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let g = grants::by_id(&mut tx, grant_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let (resource, _) = resources::latest(&mut tx, g.resource_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let provider = ExchangeService::department(&mut tx, resource.department_id).await?;
        let t = target(&provider);
        let allowed = ctx.actor.may_on(Permission::ExchangeProvide, t)
            || ctx.actor.may_on(Permission::ExchangeAdmin, t);
        if !allowed {
            tx.rollback().await?;
            return Err(self
                .deny(
                    ctx,
                    format!("exchange_grant:{grant_id}"),
                    "exchange.grant.revoke",
                )
                .await);
        }
        let reason = input.reason.trim();
        let mut errs = Vec::new();
        rules::text(&mut errs, "reason", reason, 1000);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        if g.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::InvalidState)
                .with_detail("该授权已撤销", "The grant has been revoked already"));
        }
        let actor = ctx.actor.label();
        if !grants::revoke(&mut tx, grant_id, &actor, reason, now).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        let entry = Entry::success(
            &ctx.actor,
            "exchange.grant.revoke",
            format!("exchange_grant:{grant_id}"),
        )
        .source(&ctx.source)
        .reason(reason)
        .data(serde_json::json!({
            "resource": resource.code.as_str(),
            "consumer_department_id": g.consumer_department_id,
            "request_id": g.request_id,
        }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        let g = grants::by_id(&mut tx, grant_id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        grant_view(
            g,
            resource.code.as_str(),
            &resource.meta.name,
            resource.department_id,
            now,
        )
    }
}
