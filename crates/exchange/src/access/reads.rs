//! Who read what: the provider's access log (every read of its resources) and the data
//! subject's "who used my data" (用数记录: reads of rows whose key is their ID number, or their
//! enterprise's USCC). Subjects see department names, never staff names.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use yiwang_kernel::auth::{AgentScope, Ctx, Permission, Target};
use yiwang_kernel::{Error, Result};
use yiwang_org::service::department_in;
use yiwang_store::Db;

use super::{DataAccess, SUBJECT_CONTEXT, subject_code};
use crate::repo::calls::{self, CallRow};
use crate::repo::{grants, resources};
use crate::service::ExchangeService;

/// One read of a provider's data, as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallRecord {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub consumer_department_id: i64,
    pub consumer_department: String,
    /// Who called: `staff:<username>` or `client:<token id>` (a department system).
    pub actor: String,
    /// `lookup` (by key) or `query` (filters).
    pub kind: String,
    pub resource_code: String,
    pub resource_name: String,
    pub grant_id: i64,
    pub purpose: String,
    pub case_number: String,
    pub fields: Vec<String>,
    /// The fields' item names (信息项名称), in the same order.
    pub items: Vec<String>,
    pub row_count: i64,
}

/// One read of a person's or an enterprise's data, as the data subject sees it (用数记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SubjectRead {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The department that read (never a member of staff's name).
    pub department: String,
    /// Whose data it was (the provider department).
    pub provider: String,
    pub resource_name: String,
    pub purpose: String,
    pub case_number: String,
    pub fields: Vec<String>,
    /// The fields' item names (信息项名称), in the same order.
    pub items: Vec<String>,
}

/// A grant the caller's department reads under (for the case screen's panel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MyGrant {
    pub grant_id: i64,
    pub resource_code: String,
    pub resource_name: String,
    pub provider: String,
    pub fields: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_to: OffsetDateTime,
}

/// A page of the access log.
pub const LOG_PAGE: i64 = 100;

impl DataAccess {
    /// Every read of a provider department's resources, newest first, before call `before`:
    /// the department's data steward (`exchange.provide`), or the division's data
    /// administrator or supervisor.
    pub async fn provider_log(
        &self,
        ctx: &Ctx,
        department_id: i64,
        before: Option<i64>,
    ) -> Result<Vec<CallRecord>> {
        let now = self.clock.now();
        let mut db = self.db.clone();
        let dept = ExchangeService::department(&mut db, department_id).await?;
        let target = Target {
            department_id: Some(dept.id),
            division: &dept.division_code,
        };
        let allowed = [
            Permission::ExchangeProvide,
            Permission::ExchangeAdmin,
            Permission::ExchangeSupervise,
        ]
        .iter()
        .any(|p| ctx.actor.may_on(*p, target));
        if !allowed {
            yiwang_audit::denied(
                &self.db,
                ctx,
                format!("department:{department_id}"),
                "exchange.data.read",
                now,
            )
            .await;
            return Err(Error::forbidden());
        }
        let rows = calls::of_provider(&mut db, department_id, before, LOG_PAGE).await?;
        let mut names = Names::default();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let consumer_department = names.of(&mut db, r.consumer_department_id).await?;
            out.push(CallRecord {
                consumer_department,
                items: names.items(&mut db, &r).await?,
                fields: fields_of(&r),
                id: r.id,
                at: r.at,
                consumer_department_id: r.consumer_department_id,
                actor: r.actor,
                kind: r.kind,
                resource_code: r.resource_code,
                resource_name: r.resource_name,
                grant_id: r.grant_id,
                purpose: r.purpose,
                case_number: r.case_number,
                row_count: r.row_count,
            });
        }
        Ok(out)
    }

    /// The signed-in person's 用数记录: reads of rows keyed by their ID number — or, acting
    /// for an enterprise, by its USCC — newest first (the last 200).
    pub async fn my_reads(&self, ctx: &Ctx) -> Result<Vec<SubjectRead>> {
        let who = self.identity.applicant_for(ctx, AgentScope::Cases).await?;
        let code = match &who.org {
            Some(o) => o.uscc.clone(),
            None => who.id_number.clone(),
        };
        let idx = self
            .keys
            .blind_index(SUBJECT_CONTEXT, &subject_code(&code))?;
        let mut db = self.db.clone();
        let rows = calls::of_subject(&mut db, &idx, 200).await?;
        let mut names = Names::default();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(SubjectRead {
                department: names.of(&mut db, r.consumer_department_id).await?,
                provider: names.of(&mut db, r.provider_department_id).await?,
                items: names.items(&mut db, &r).await?,
                fields: fields_of(&r),
                at: r.at,
                resource_name: r.resource_name,
                purpose: r.purpose,
                case_number: r.case_number,
            });
        }
        Ok(out)
    }

    /// The reads recorded against a case number made by the caller's department (the case
    /// screen shows them).
    pub async fn case_reads(&self, ctx: &Ctx, case_number: &str) -> Result<Vec<CallRecord>> {
        let Some(s) = ctx.actor.staff() else {
            return Err(Error::forbidden());
        };
        ctx.actor.require(Permission::ExchangeConsume)?;
        let mut db = self.db.clone();
        let rows = calls::of_case(&mut db, case_number.trim(), 50).await?;
        let mut names = Names::default();
        let mut out = Vec::new();
        for r in rows
            .into_iter()
            .filter(|r| r.consumer_department_id == s.department_id)
        {
            out.push(CallRecord {
                consumer_department: names.of(&mut db, r.consumer_department_id).await?,
                items: names.items(&mut db, &r).await?,
                fields: fields_of(&r),
                id: r.id,
                at: r.at,
                consumer_department_id: r.consumer_department_id,
                actor: r.actor,
                kind: r.kind,
                resource_code: r.resource_code,
                resource_name: r.resource_name,
                grant_id: r.grant_id,
                purpose: r.purpose,
                case_number: r.case_number,
                row_count: r.row_count,
            });
        }
        Ok(out)
    }

    /// The active grants of the caller's department (staff with `exchange.consume`).
    pub async fn my_grants(&self, ctx: &Ctx) -> Result<Vec<MyGrant>> {
        let now = self.clock.now();
        let dept = match &ctx.actor {
            yiwang_kernel::auth::Actor::Staff(s) => s.department_id,
            yiwang_kernel::auth::Actor::Client(c) => c.department_id,
            _ => return Err(Error::forbidden()),
        };
        ctx.actor.require(Permission::ExchangeConsume)?;
        let mut db = self.db.clone();
        let mut names = Names::default();
        let mut out = Vec::new();
        for g in grants::for_consumer(&mut db, dept).await? {
            if !g.active_at(now) {
                continue;
            }
            let Some(r) = resources::published(&mut db, g.resource_id).await? else {
                continue;
            };
            let granted = g.field_names()?;
            out.push(MyGrant {
                grant_id: g.id,
                resource_code: r.code.0.clone(),
                resource_name: r.meta.name.clone(),
                provider: names.of(&mut db, r.department_id).await?,
                fields: r
                    .meta
                    .items
                    .iter()
                    .filter(|i| granted.contains(&i.field))
                    .map(|i| i.field.clone())
                    .collect(),
                valid_to: g.valid_to,
            });
        }
        Ok(out)
    }
}

fn fields_of(r: &CallRow) -> Vec<String> {
    serde_json::from_str(&r.fields).unwrap_or_default()
}

/// Department names and resources' item names, looked up once each.
#[derive(Default)]
struct Names(HashMap<i64, String>, HashMap<i64, HashMap<String, String>>);

impl Names {
    /// The item names of a call's fields (by the resource's published version; a field no
    /// longer published shows as itself).
    async fn items(&mut self, db: &mut Db, r: &CallRow) -> Result<Vec<String>> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.1.entry(r.resource_id) {
            let map = resources::published(db, r.resource_id)
                .await?
                .map(|res| {
                    res.meta
                        .items
                        .into_iter()
                        .map(|i| (i.field, i.name))
                        .collect()
                })
                .unwrap_or_default();
            slot.insert(map);
        }
        let map = self.1.get(&r.resource_id);
        Ok(fields_of(r)
            .into_iter()
            .map(|f| map.and_then(|m| m.get(&f)).cloned().unwrap_or(f))
            .collect())
    }

    async fn of(&mut self, db: &mut Db, id: i64) -> Result<String> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let name = department_in(db, id)
            .await?
            .map(|d| d.name)
            .unwrap_or_else(|| format!("#{id}"));
        self.0.insert(id, name.clone());
        Ok(name)
    }
}
