//! The demand list (需求清单): a department registers data it needs that no resource provides
//! yet (name, description, the data items wanted, purpose, basis). Status: `open` → `assigned`
//! (the division's data administrator names the department that should provide it) →
//! `claimed` (a provider department names the resource code that will serve it; from `open`
//! too) → `provided` (that resource is published). The data administrator may also mark an
//! unfinished demand met by a published resource (→ `provided` at once), or decline it with a
//! reason (→ `declined`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use yiwang_audit::Entry;
use yiwang_kernel::auth::{Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::{Conn, Tx};

use crate::catalog::{ADMIN, STEWARD, departments, may};
use crate::model::ResourceCode;
use crate::repo::{demands as repo, resources};
use crate::service::ExchangeService;

/// Where a demand stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DemandStatus {
    Open,
    /// The data administrator named the department that should provide it.
    Assigned,
    Claimed,
    Provided,
    Declined,
}

impl DemandStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DemandStatus::Open => "open",
            DemandStatus::Assigned => "assigned",
            DemandStatus::Claimed => "claimed",
            DemandStatus::Provided => "provided",
            DemandStatus::Declined => "declined",
        }
    }
    pub fn parse(s: &str) -> Option<DemandStatus> {
        Some(match s {
            "open" => DemandStatus::Open,
            "assigned" => DemandStatus::Assigned,
            "claimed" => DemandStatus::Claimed,
            "provided" => DemandStatus::Provided,
            "declined" => DemandStatus::Declined,
            _ => return None,
        })
    }
    pub fn zh(self) -> &'static str {
        match self {
            DemandStatus::Open => "待认领",
            DemandStatus::Assigned => "已分派",
            DemandStatus::Claimed => "已认领",
            DemandStatus::Provided => "已提供",
            DemandStatus::Declined => "不予提供",
        }
    }
    /// Whether a provider department may still take the demand on (open, or assigned to it):
    /// the data administrator may assign it, a steward claim it.
    pub fn awaits_provider(self) -> bool {
        matches!(self, DemandStatus::Open | DemandStatus::Assigned)
    }
    /// Whether the demand is still being worked (open, assigned or claimed).
    pub fn unfinished(self) -> bool {
        matches!(
            self,
            DemandStatus::Open | DemandStatus::Assigned | DemandStatus::Claimed
        )
    }
}

/// A demand to register.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewDemand {
    /// The department that needs the data.
    pub department_id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The data items wanted (names).
    #[serde(default)]
    pub fields: Vec<String>,
    pub purpose: String,
    /// The legal or policy basis for needing the data.
    #[serde(default)]
    pub basis: String,
}

/// A provider's claim: its department and the resource that will serve the demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClaimDemand {
    pub department_id: i64,
    /// A resource of that department (前段码/后段码), registered already (perhaps a draft).
    pub resource_code: String,
}

/// A demand on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Demand {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub name: String,
    pub description: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub basis: String,
    pub status: DemandStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_department_id: Option<i64>,
    #[serde(default)]
    pub provider_department_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_code: Option<String>,
    /// Why it was declined.
    #[serde(default)]
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

fn text_field(errs: &mut Vec<FieldError>, field: &str, v: &str, required: bool, max: usize) {
    let n = v.trim().chars().count();
    if required && n == 0 {
        errs.push(FieldError::required(field));
    } else if n > max {
        errs.push(FieldError::new(
            field,
            "max_length",
            format!("不超过 {max} 字"),
            format!("At most {max} characters"),
        ));
    }
}

impl NewDemand {
    pub fn check(&self) -> Result<()> {
        let mut errs = Vec::new();
        text_field(&mut errs, "name", &self.name, true, 200);
        text_field(&mut errs, "description", &self.description, false, 2000);
        text_field(&mut errs, "purpose", &self.purpose, true, 1000);
        text_field(&mut errs, "basis", &self.basis, false, 1000);
        if self.fields.len() > 200 || self.fields.iter().any(|f| f.trim().chars().count() > 100) {
            errs.push(FieldError::new(
                "fields",
                "max_length",
                "信息项最多 200 个，每个不超过 100 字",
                "At most 200 data items of at most 100 characters each",
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(errs))
        }
    }
}

/// A resource code typed for a demand, its problem named `resource_code`.
fn resource_code(s: &str) -> Result<ResourceCode> {
    ResourceCode::parse(s).map_err(|e| Error {
        fields: e
            .fields
            .into_iter()
            .map(|f| FieldError {
                field: "resource_code".into(),
                ..f
            })
            .collect(),
        ..e
    })
}

async fn view(c: &mut impl Conn, r: repo::DemandRow) -> Result<Demand> {
    let depts = departments(c).await?;
    Ok(to_demand(&depts, r))
}

fn to_demand(
    depts: &std::collections::HashMap<i64, yiwang_org::Department>,
    r: repo::DemandRow,
) -> Demand {
    let name = |id: Option<i64>| {
        id.and_then(|i| depts.get(&i))
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    Demand {
        id: r.id,
        department_name: name(Some(r.department_id)),
        department_id: r.department_id,
        name: r.name,
        description: r.description,
        fields: serde_json::from_str(&r.fields).unwrap_or_default(),
        purpose: r.purpose,
        basis: r.basis,
        status: DemandStatus::parse(&r.status).unwrap_or(DemandStatus::Open),
        provider_department_name: name(r.provider_department_id),
        provider_department_id: r.provider_department_id,
        resource_code: r.resource_code,
        reason: r.reason,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// A demand's next status, what it sets and how it is audited.
struct Move<'a> {
    to: &'a str,
    provider: Option<i64>,
    resource_code: Option<&'a str>,
    reason: &'a str,
    event: &'a str,
    data: serde_json::Value,
}

impl ExchangeService {
    /// The demand list, newest first (any member of staff or department system).
    pub async fn demands(&self, ctx: &Ctx, status: Option<DemandStatus>) -> Result<Vec<Demand>> {
        self.require_reader(ctx, "demands").await?;
        let mut db = self.db().clone();
        let depts = departments(&mut db).await?;
        Ok(repo::list(&mut db, status.map(DemandStatus::as_str))
            .await?
            .into_iter()
            .map(|r| to_demand(&depts, r))
            .collect())
    }

    /// Registers a demand of a department: its staff who consume or provide shared data.
    pub async fn create_demand(&self, ctx: &Ctx, input: &NewDemand) -> Result<Demand> {
        input.check()?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let dept = Self::department(&mut tx, input.department_id).await?;
        let perms = [
            Permission::ExchangeConsume,
            Permission::ExchangeProvide,
            Permission::ExchangeAdmin,
        ];
        if !may(ctx, &perms, &dept) {
            let object = format!("department:{}", dept.id);
            return Err(self.deny(tx, ctx, object, "exchange.demand.create").await);
        }
        let fields: Vec<&str> = input
            .fields
            .iter()
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
            .collect();
        let fields = serde_json::to_string(&fields)
            .map_err(|e| Error::internal(format!("demand fields: {e}")))?;
        let row = repo::NewDemandRow {
            department_id: dept.id,
            name: input.name.trim(),
            description: input.description.trim(),
            fields: &fields,
            purpose: input.purpose.trim(),
            basis: input.basis.trim(),
        };
        let id = repo::insert(&mut tx, &row, &ctx.actor.label(), now).await?;
        self.demand_done(
            tx,
            ctx,
            id,
            "exchange.demand.create",
            serde_json::json!({ "name": input.name.trim() }),
        )
        .await
    }

    /// Moves demand `d` from its status as read to `m.to` (a concurrent change → 409), then
    /// audits it and answers the demand as it now is, in one transaction.
    async fn advance(
        &self,
        mut tx: Tx,
        ctx: &Ctx,
        d: &repo::DemandRow,
        m: Move<'_>,
    ) -> Result<Demand> {
        let moved = repo::transition(
            &mut tx,
            d.id,
            &d.status,
            m.to,
            m.provider,
            m.resource_code,
            m.reason,
            &ctx.actor.label(),
            self.clock().now(),
        )
        .await?;
        if !moved {
            return Err(Error::new(ErrorCode::Conflict));
        }
        self.demand_done(tx, ctx, d.id, m.event, m.data).await
    }

    async fn demand_done(
        &self,
        mut tx: Tx,
        ctx: &Ctx,
        id: i64,
        event: &str,
        data: serde_json::Value,
    ) -> Result<Demand> {
        let entry = Entry::success(&ctx.actor, event, format!("demand:{id}"))
            .source(&ctx.source)
            .data(data);
        yiwang_audit::record(&mut tx, &entry, self.clock().now()).await?;
        let r = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
        let d = view(&mut tx, r).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// A provider department claims an open demand (or one assigned to it), naming its
    /// resource that will serve it.
    pub async fn claim_demand(&self, ctx: &Ctx, id: i64, input: &ClaimDemand) -> Result<Demand> {
        let code = resource_code(&input.resource_code)?;
        let mut tx = self.db().write().await?;
        let d = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
        let dept = Self::department(&mut tx, input.department_id).await?;
        if !may(ctx, STEWARD, &dept) {
            return Err(self
                .deny(tx, ctx, format!("demand:{id}"), "exchange.demand.claim")
                .await);
        }
        let owner = match resources::id_by_code(&mut tx, code.as_str()).await? {
            Some(rid) => resources::latest(&mut tx, rid)
                .await?
                .map(|(r, _)| r.department_id),
            None => None,
        };
        if owner != Some(dept.id) {
            return Err(Error::field(FieldError::new(
                "resource_code",
                "exchange.own_resource",
                "须填写本部门已登记的信息资源代码",
                "Give the code of a resource your department has registered",
            )));
        }
        match d.status.as_str() {
            "open" => {}
            "assigned" if d.provider_department_id == Some(dept.id) => {}
            "assigned" => {
                return Err(Error::new(ErrorCode::InvalidState).with_detail(
                    "这项需求已分派给其他部门",
                    "This demand is assigned to another department",
                ));
            }
            _ => return Err(Error::new(ErrorCode::InvalidState)),
        }
        self.advance(
            tx,
            ctx,
            &d,
            Move {
                to: "claimed",
                provider: Some(dept.id),
                resource_code: Some(code.as_str()),
                reason: "",
                event: "exchange.demand.claim",
                data: serde_json::json!({ "department_id": dept.id, "resource": code.as_str() }),
            },
        )
        .await
    }

    /// The claiming department marks a demand provided once its resource is published.
    pub async fn demand_provided(&self, ctx: &Ctx, id: i64) -> Result<Demand> {
        let mut tx = self.db().write().await?;
        let d = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
        let owner = d.provider_department_id.unwrap_or(d.department_id);
        let dept = Self::department(&mut tx, owner).await?;
        if !may(ctx, STEWARD, &dept) {
            return Err(self
                .deny(tx, ctx, format!("demand:{id}"), "exchange.demand.provide")
                .await);
        }
        if d.status != "claimed" {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        let code = d.resource_code.clone().unwrap_or_default();
        if resources::published_by_code(&mut tx, &code)
            .await?
            .is_none()
        {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "认领的信息资源尚未发布",
                "The claimed resource is not published yet",
            ));
        }
        self.advance(
            tx,
            ctx,
            &d,
            Move {
                to: "provided",
                provider: None,
                resource_code: None,
                reason: "",
                event: "exchange.demand.provide",
                data: serde_json::json!({ "resource": code }),
            },
        )
        .await
    }

    /// The division's data administrator declines an unfinished demand, with the reason.
    pub async fn decline_demand(&self, ctx: &Ctx, id: i64, reason: &str) -> Result<Demand> {
        let reason = reason.trim();
        let mut tx = self.db().write().await?;
        let d = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
        let dept = Self::department(&mut tx, d.department_id).await?;
        if !may(ctx, ADMIN, &dept) {
            return Err(self
                .deny(tx, ctx, format!("demand:{id}"), "exchange.demand.decline")
                .await);
        }
        let mut errs = Vec::new();
        text_field(&mut errs, "reason", reason, true, 1000);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        if !DemandStatus::parse(&d.status).is_some_and(DemandStatus::unfinished) {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        self.advance(
            tx,
            ctx,
            &d,
            Move {
                to: "declined",
                provider: None,
                resource_code: None,
                reason,
                event: "exchange.demand.decline",
                data: serde_json::json!({ "reason": reason }),
            },
        )
        .await
    }
    /// The division's data administrator assigns an open (or already assigned) demand to the
    /// department that should provide it.
    pub async fn assign_demand(&self, ctx: &Ctx, id: i64, department_id: i64) -> Result<Demand> {
        let mut tx = self.db().write().await?;
        let d = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
        let requester = Self::department(&mut tx, d.department_id).await?;
        let provider = Self::department(&mut tx, department_id).await?;
        if !may(ctx, ADMIN, &requester) || !may(ctx, ADMIN, &provider) {
            return Err(self
                .deny(tx, ctx, format!("demand:{id}"), "exchange.demand.assign")
                .await);
        }
        if !DemandStatus::parse(&d.status).is_some_and(DemandStatus::awaits_provider) {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        self.advance(
            tx,
            ctx,
            &d,
            Move {
                to: "assigned",
                provider: Some(provider.id),
                resource_code: None,
                reason: "",
                event: "exchange.demand.assign",
                data: serde_json::json!({ "department_id": provider.id }),
            },
        )
        .await
    }

    /// The division's data administrator marks an unfinished demand met by a published
    /// resource (its provider becomes the demand's provider).
    pub async fn meet_demand(&self, ctx: &Ctx, id: i64, code: &str) -> Result<Demand> {
        let code = resource_code(code)?;
        let mut tx = self.db().write().await?;
        let d = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
        let requester = Self::department(&mut tx, d.department_id).await?;
        if !may(ctx, ADMIN, &requester) {
            return Err(self
                .deny(tx, ctx, format!("demand:{id}"), "exchange.demand.meet")
                .await);
        }
        let Some(r) = resources::published_by_code(&mut tx, code.as_str()).await? else {
            return Err(Error::field(FieldError::new(
                "resource_code",
                "exchange.published_resource",
                "须填写目录中已发布的信息资源代码",
                "Give the code of a published resource of the catalog",
            )));
        };
        if !DemandStatus::parse(&d.status).is_some_and(DemandStatus::unfinished) {
            return Err(Error::new(ErrorCode::InvalidState));
        }
        self.advance(
            tx,
            ctx,
            &d,
            Move {
                to: "provided",
                provider: Some(r.department_id),
                resource_code: Some(code.as_str()),
                reason: "",
                event: "exchange.demand.meet",
                data: serde_json::json!({ "resource": code.as_str(), "department_id": r.department_id }),
            },
        )
        .await
    }
}
