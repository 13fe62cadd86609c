//! Sharing requests and grants (共享申请与授权, 国发〔2016〕51号, STANDARDS §8.4).
//!
//! A consumer department's steward (`exchange.consume`) asks for fields of a published
//! resource for a purpose, a scenario, a legal basis, the service items it serves and a
//! period. By the resource's sharing type: 不予共享 is refused at once quoting its basis
//! ([`crate::lists::refusal_for`], the negative-list check); 无条件共享 is granted at once (a grant row
//! for the fields and period, still audited); 有条件共享 goes to the provider department's
//! steward (`exchange.provide`), who grants (may narrow fields and period, sets a rate per
//! minute) or refuses with a reason, within 10 working days ([`rules::due_date`]). The
//! supervisor (`exchange.supervise`) sees undecided requests with their warning colour. A
//! grant is revoked (reason required) by the provider or the division's administrator; the
//! consumer may withdraw an undecided request.
//!
//! States: `submitted → granted | refused | withdrawn`; a granted request's grant then becomes
//! `revoked` or `expired` (by date), shown as the request's [`RequestStatus`].
//!
//! By job: this file (the service, inputs, views, submission), `decide` (grant, refuse,
//! withdraw, revoke), `queries` (one request, lists, supervision, grants), `stats`
//! (statistics per department and period), `rules` (pure).

mod decide;
mod queries;
pub mod rules;
pub mod stats;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, Time};
use utoipa::ToSchema;

use yiwang_audit::Entry;
use yiwang_calendar::CalendarService;
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::clock::{CHINA_OFFSET, Clock};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::Department;
use yiwang_store::{Conn, Db};

use crate::model::{ResourceCode, ShareType};
use crate::repo::grants::{GrantRow, NewGrant};
use crate::repo::requests::{NewRequest, RequestRow};
use crate::repo::{grants, requests, resources};

pub use queries::{LIST_LIMIT, Side};
pub use rules::{Timing, Warning};
pub use stats::{CallCounts, CallLog, DepartmentStats};

time::serde::format_description!(pub ymd, Date, "[year]-[month]-[day]");

/// The sharing requests and grants of the exchange domain.
#[derive(Clone)]
pub struct SharingService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) calendar: CalendarService,
    pub(crate) calls: Option<Arc<dyn CallLog>>,
}

impl std::fmt::Debug for SharingService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharingService")
            .field("calls", &self.calls.is_some())
            .finish()
    }
}

/// A sharing request as the consumer sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestInput {
    /// The resource's code (`前段码/后段码`).
    pub resource_code: String,
    /// The department asking (the caller's own, or one within the caller's reach).
    pub consumer_department_id: i64,
    /// The data items asked for, by field name.
    pub fields: Vec<String>,
    /// 用途.
    pub purpose: String,
    /// 应用场景.
    pub scenario: String,
    /// The legal or policy basis of the use (required for conditional resources).
    #[serde(default)]
    pub legal_basis: String,
    /// 实施编码 of the service items the data serves.
    #[serde(default)]
    pub service_items: Vec<String>,
    /// First day of the period, `YYYY-MM-DD`.
    pub from: String,
    /// Last day of the period (included), `YYYY-MM-DD`.
    pub to: String,
}

/// The provider's grant: optionally narrower fields and period, and the rate limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GrantInput {
    /// A subset of the fields asked for; all of them when absent.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// A period inside the one asked for; the requested one when absent.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// Calls per minute the consumer may make (1–6000).
    pub rate_per_minute: i64,
}

/// A reason (refusal, revocation — required; withdrawal — optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the provider's decision.
    Submitted,
    /// Granted and its grant not revoked nor past its period.
    Granted,
    Refused,
    Withdrawn,
    /// Granted, then the grant was revoked.
    Revoked,
    /// Granted, and the grant's period is over.
    Expired,
}

impl RequestStatus {
    pub const ALL: &'static [RequestStatus] = &[
        RequestStatus::Submitted,
        RequestStatus::Granted,
        RequestStatus::Refused,
        RequestStatus::Withdrawn,
        RequestStatus::Revoked,
        RequestStatus::Expired,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Submitted => "submitted",
            RequestStatus::Granted => "granted",
            RequestStatus::Refused => "refused",
            RequestStatus::Withdrawn => "withdrawn",
            RequestStatus::Revoked => "revoked",
            RequestStatus::Expired => "expired",
        }
    }
}

/// A grant's state at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Its period has not begun.
    Pending,
    Active,
    Expired,
    Revoked,
}

impl GrantStatus {
    pub fn of(g: &GrantRow, now: OffsetDateTime) -> GrantStatus {
        if g.revoked_at.is_some() {
            GrantStatus::Revoked
        } else if now >= g.valid_to {
            GrantStatus::Expired
        } else if now < g.valid_from {
            GrantStatus::Pending
        } else {
            GrantStatus::Active
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Pending => "pending",
            GrantStatus::Active => "active",
            GrantStatus::Expired => "expired",
            GrantStatus::Revoked => "revoked",
        }
    }
}

/// A grant as its consumer, provider and the supervisor see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: i64,
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub provider_department_id: i64,
    pub consumer_department_id: i64,
    pub request_id: Option<i64>,
    /// The granted data items' field names.
    pub fields: Vec<String>,
    pub purpose: String,
    /// Start of the period (inclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    /// End of the period (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub valid_to: OffsetDateTime,
    pub rate_per_minute: i64,
    pub status: GrantStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<String>,
    pub revoke_reason: String,
}

/// A sharing request with its grant and, while undecided, its timing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharingRequest {
    pub id: i64,
    pub resource_id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub resource_version: i64,
    pub provider_department_id: i64,
    pub provider_department_name: String,
    pub consumer_department_id: i64,
    pub consumer_department_name: String,
    /// The resource's sharing type when the request was made: `unconditional`, `conditional`
    /// or `not_shared` (the stored code; a string here because the enum's schema does not
    /// carry its codes).
    pub share_type: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub scenario: String,
    pub legal_basis: String,
    pub service_items: Vec<String>,
    #[schema(value_type = String)]
    #[serde(with = "ymd")]
    pub period_from: Date,
    #[schema(value_type = String)]
    #[serde(with = "ymd")]
    pub period_to: Date,
    pub status: RequestStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub submitted_by: String,
    /// The provider's reply is due by this date (10 working days).
    #[schema(value_type = String)]
    #[serde(with = "ymd")]
    pub due_date: Date,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
    /// Working days from submission to the decision.
    pub decision_days: Option<i64>,
    /// The refusal's reason (for a negative-list refusal: the resource's legal basis), or a
    /// withdrawal's note.
    pub reason: String,
    pub grant: Option<GrantView>,
    /// While undecided: elapsed working days, warning colour, days overdue.
    pub timing: Option<Timing>,
    /// Optimistic revision (informational).
    pub revision: i64,
}

/// The instant a date (China) begins.
pub(crate) fn start_of(d: Date) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_offset(CHINA_OFFSET)
}

/// The instant after the last day of a period ends.
pub(crate) fn end_of(d: Date) -> OffsetDateTime {
    start_of(d) + time::Duration::days(1)
}

pub(crate) fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA_OFFSET).date()
}

impl SharingService {
    pub fn new(db: Db, clock: Arc<dyn Clock>, calendar: CalendarService) -> SharingService {
        SharingService {
            db,
            clock,
            calendar,
            calls: None,
        }
    }

    /// Counts calls and rows shared from the data API's call log (wired by the node; until
    /// then the statistics leave those two figures empty).
    pub fn with_call_log(mut self, calls: Arc<dyn CallLog>) -> SharingService {
        self.calls = Some(calls);
        self
    }

    /// Audits a refusal in a transaction of its own and answers it.
    async fn deny(&self, ctx: &Ctx, object: String, attempted: &str) -> Error {
        let now = self.clock.now();
        yiwang_audit::denied(&self.db, ctx, object, attempted, now).await;
        match ctx.actor {
            yiwang_kernel::auth::Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
            _ => Error::forbidden(),
        }
    }

    /// Submits a request. Answers it as stored: refused at once (不予共享, with the basis),
    /// granted at once (无条件共享) or submitted to the provider (有条件共享).
    pub async fn submit(&self, ctx: &Ctx, input: &RequestInput) -> Result<SharingRequest> {
        let now = self.clock.now();
        let today = china_date(now);
        let cal = self.calendar.current().await?;
        let mut errs = Vec::new();
        let code = match ResourceCode::parse(&input.resource_code) {
            Ok(c) => Some(c),
            Err(_) => {
                errs.push(FieldError::new(
                    "resource_code",
                    "exchange.resource_code",
                    "信息资源代码应为“前段码/后段码”，如 101001/000001",
                    "A resource code is \"classification/sequence\", e.g. 101001/000001",
                ));
                None
            }
        };
        let mut tx = self.db.write().await?;
        let consumer =
            crate::service::ExchangeService::department(&mut tx, input.consumer_department_id)
                .await
                .map_err(|_| {
                    Error::validation(vec![FieldError::new(
                        "consumer_department_id",
                        "exists",
                        "没有这个部门",
                        "No such department",
                    )])
                })?;
        if !ctx
            .actor
            .may_on(Permission::ExchangeConsume, target(&consumer))
        {
            tx.rollback().await?;
            return Err(self
                .deny(
                    ctx,
                    format!("department:{}", consumer.id),
                    "exchange.request.submit",
                )
                .await);
        }
        let resource = match &code {
            Some(c) => resources::published_by_code(&mut tx, c.as_str()).await?,
            None => None,
        };
        let Some(resource) = resource else {
            if code.is_some() {
                errs.push(FieldError::new(
                    "resource_code",
                    "exists",
                    "目录中没有这个已发布的信息资源",
                    "No published resource has this code",
                ));
            }
            return Err(Error::validation(errs));
        };
        if resource.department_id == consumer.id {
            errs.push(FieldError::new(
                "resource_code",
                "exchange.own_resource",
                "这是本部门提供的信息资源，无需申请",
                "This resource is the department's own: there is nothing to ask for",
            ));
        }
        rules::fields(&mut errs, "fields", &input.fields, &resource, None);
        rules::text(&mut errs, "purpose", &input.purpose, 500);
        rules::text(&mut errs, "scenario", &input.scenario, 500);
        if resource.meta.share_type == ShareType::Conditional || !input.legal_basis.is_empty() {
            rules::text(&mut errs, "legal_basis", &input.legal_basis, 500);
        }
        rules::service_items(&mut errs, &input.service_items);
        let period = rules::period(&mut errs, &input.from, &input.to, today, None);
        let (Some((from, to)), true) = (period, errs.is_empty()) else {
            return Err(Error::validation(errs));
        };
        if requests::pending_exists(&mut tx, consumer.id, resource.id).await? {
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                "本部门对该信息资源已有待审批的申请",
                "The department already has an undecided request for this resource",
            ));
        }
        let due = rules::due_date(&cal, today)?;
        let actor = ctx.actor.label();
        let trimmed = |v: &[String]| v.iter().map(|s| s.trim().to_string()).collect::<Vec<_>>();
        let fields = trimmed(&input.fields);
        let items = trimmed(&input.service_items);
        let id = requests::insert(
            &mut tx,
            &NewRequest {
                resource_id: resource.id,
                resource_version: resource.version,
                provider_department_id: resource.department_id,
                consumer_department_id: consumer.id,
                share_type: resource.meta.share_type.code(),
                fields: &fields,
                purpose: input.purpose.trim(),
                scenario: input.scenario.trim(),
                legal_basis: input.legal_basis.trim(),
                service_items: &items,
                period_from: from,
                period_to: to,
                due_date: due,
            },
            &actor,
            now,
        )
        .await?;
        let object = format!("exchange_request:{id}");
        let entry = Entry::success(&ctx.actor, "exchange.request.submit", object.clone())
            .source(&ctx.source)
            .data(serde_json::json!({
                "resource": resource.code.as_str(),
                "consumer_department_id": consumer.id,
                "provider_department_id": resource.department_id,
                "fields": fields,
                "share_type": resource.meta.share_type.code(),
            }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        if let Some(basis) = crate::lists::refusal_for(&mut tx, &resource).await? {
            let (zh, _en) = rules::refusal_text(&basis);
            // 负面清单: refused at once, the basis quoted (the platform decides, not a person).
            requests::decide(
                &mut tx,
                id,
                "refused",
                "system:negative_list",
                now,
                0,
                &zh,
                None,
            )
            .await?;
            let entry = Entry::success(&ctx.actor, "exchange.request.refuse", object)
                .source(&ctx.source)
                .reason(&zh)
                .data(serde_json::json!({ "negative_list": true }));
            yiwang_audit::record(&mut tx, &entry, now).await?;
        } else if resource.meta.share_type == ShareType::Unconditional {
            let grant = grants::insert(
                &mut tx,
                &NewGrant {
                    resource_id: resource.id,
                    consumer_department_id: consumer.id,
                    request_id: Some(id),
                    fields: &fields,
                    purpose: input.purpose.trim(),
                    valid_from: start_of(from),
                    valid_to: end_of(to),
                    rate_per_minute: rules::DEFAULT_RATE_PER_MINUTE,
                },
                "system:unconditional",
                now,
            )
            .await?;
            requests::decide(
                &mut tx,
                id,
                "granted",
                "system:unconditional",
                now,
                0,
                "",
                Some(grant),
            )
            .await?;
            let entry = Entry::success(&ctx.actor, "exchange.request.grant", object)
                .source(&ctx.source)
                .data(serde_json::json!({
                    "grant_id": grant, "fields": fields, "unconditional": true,
                    "rate_per_minute": rules::DEFAULT_RATE_PER_MINUTE,
                }));
            yiwang_audit::record(&mut tx, &entry, now).await?;
        }
        let row = requests::by_id(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        let view = self.view(&mut tx, row, &cal, now).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A stored request as a view: department names, grant, timing.
    pub(crate) async fn view(
        &self,
        c: &mut impl Conn,
        row: RequestRow,
        cal: &yiwang_calendar::Calendar,
        now: OffsetDateTime,
    ) -> Result<SharingRequest> {
        let name = |d: Option<Department>| d.map(|d| d.name).unwrap_or_default();
        let provider =
            name(yiwang_org::service::department_in(c, row.provider_department_id).await?);
        let consumer =
            name(yiwang_org::service::department_in(c, row.consumer_department_id).await?);
        let grant = match row.grant_id {
            Some(g) => grants::by_id(c, g).await?,
            None => None,
        };
        let grant_status = grant.as_ref().map(|g| GrantStatus::of(g, now));
        let status = match (row.state.as_str(), grant_status) {
            ("submitted", _) => RequestStatus::Submitted,
            ("refused", _) => RequestStatus::Refused,
            ("withdrawn", _) => RequestStatus::Withdrawn,
            (_, Some(GrantStatus::Revoked)) => RequestStatus::Revoked,
            (_, Some(GrantStatus::Expired)) => RequestStatus::Expired,
            _ => RequestStatus::Granted,
        };
        let timing = if status == RequestStatus::Submitted {
            // The due date again from the submission: exact once an estimated year is loaded.
            let submitted = china_date(row.submitted_at);
            let due = rules::due_date(cal, submitted).unwrap_or(row.due_date);
            rules::timing(cal, submitted, due, china_date(now)).ok()
        } else {
            None
        };
        let grant = grant.map(|g| {
            grant_view(
                g,
                &row.resource_code,
                &row.resource_name,
                row.provider_department_id,
                now,
            )
        });
        Ok(SharingRequest {
            id: row.id,
            resource_id: row.resource_id,
            fields: row.field_names()?,
            service_items: row.service_item_codes()?,
            resource_code: row.resource_code,
            resource_name: row.resource_name,
            resource_version: row.resource_version,
            provider_department_id: row.provider_department_id,
            provider_department_name: provider,
            consumer_department_id: row.consumer_department_id,
            consumer_department_name: consumer,
            share_type: row.share_type,
            purpose: row.purpose,
            scenario: row.scenario,
            legal_basis: row.legal_basis,
            period_from: row.period_from,
            period_to: row.period_to,
            status,
            submitted_at: row.submitted_at,
            submitted_by: row.submitted_by,
            due_date: row.due_date,
            decided_at: row.decided_at,
            decided_by: row.decided_by,
            decision_days: row.decision_days,
            reason: row.reason,
            grant: grant.transpose()?,
            timing,
            revision: row.revision,
        })
    }
}

pub(crate) fn target(d: &Department) -> Target<'_> {
    Target {
        department_id: Some(d.id),
        division: &d.division_code,
    }
}

pub(crate) fn grant_view(
    g: GrantRow,
    code: &str,
    name: &str,
    provider: i64,
    now: OffsetDateTime,
) -> Result<GrantView> {
    Ok(GrantView {
        status: GrantStatus::of(&g, now),
        fields: g.field_names()?,
        id: g.id,
        resource_id: g.resource_id,
        resource_code: code.to_string(),
        resource_name: name.to_string(),
        provider_department_id: provider,
        consumer_department_id: g.consumer_department_id,
        request_id: g.request_id,
        purpose: g.purpose,
        valid_from: g.valid_from,
        valid_to: g.valid_to,
        rate_per_minute: g.rate_per_minute,
        created_at: g.created_at,
        created_by: g.created_by,
        revoked_at: g.revoked_at,
        revoked_by: g.revoked_by,
        revoke_reason: g.revoke_reason,
    })
}
