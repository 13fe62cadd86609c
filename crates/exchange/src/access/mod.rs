//! The audited data API (数据调用): a consumer department's systems (API tokens with
//! `exchange.consume`) and staff (`exchange.consume`) read a published resource's rows — by key,
//! optionally "as of" a time, or with equality filters and keyset paging — through their
//! department's active grant, which decides the fields that come back. Every call names its
//! purpose and case number, is rate-limited per grant ([`limit`]) and is recorded with the data
//! subjects it read and an audit entry before it is answered ([`log`]). The provider sees every
//! read of its data, the data subject sees who read theirs ([`reads`]).

mod cache;
pub mod limit;
pub mod log;
pub mod reads;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use yiwang_identity::{IdentityService, Keys};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::Db;

use crate::model::{QualityRule, Resource};
use crate::repo::calls::NewCall;
use crate::repo::grants::{self, GrantRow};
use crate::repo::lookups;
use crate::repo::rows::{self, RowSeal, StoredRow};
use crate::service::ExchangeService;

/// Blind-index context of a data subject's ID number or USCC in the call log.
pub const SUBJECT_CONTEXT: &str = "exchange.subject";
/// Largest page of a filtered query.
pub const MAX_PAGE: u32 = 100;
/// Rows a filtered query examines at most per call; the cursor continues from there.
pub const SCAN_BUDGET: usize = 5_000;

/// What every call must say: what for, and for which case (办件编号).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallPurpose {
    /// 用途 (what the data is used for).
    pub purpose: String,
    /// 办件编号 (the case the read serves).
    pub case_number: String,
}

/// A filtered query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueryInput {
    pub purpose: String,
    pub case_number: String,
    /// Equality on granted fields (`{"sex": "1"}`).
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    /// The cursor of the previous page (`next`, opaque).
    #[serde(default)]
    pub after: Option<String>,
    /// Page size, 1–100 (20 by default).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Read the rows as they stood at this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub as_of: Option<OffsetDateTime>,
}

/// One row as the consumer sees it: only the granted fields.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DataRow {
    /// The row's key (a compound key's values joined by U+001F).
    pub key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub valid_to: Option<OffsetDateTime>,
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// The answer to a lookup by key.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LookupAnswer {
    /// The call log entry recording this read.
    pub call_id: i64,
    pub resource: String,
    pub grant_id: i64,
    /// The fields answered (the grant's).
    pub fields: Vec<String>,
    /// The row, or null when the key has none (at that time).
    pub row: Option<DataRow>,
}

/// A page of a filtered query.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QueryAnswer {
    pub call_id: i64,
    pub resource: String,
    pub grant_id: i64,
    pub fields: Vec<String>,
    pub rows: Vec<DataRow>,
    /// Where the next page starts (send it as `after`); null at the end. Opaque: the blind
    /// index of the last key read (rows are paged in index order, not key order).
    pub next: Option<String>,
}

/// The data API's service.
#[derive(Clone, Debug)]
pub struct DataAccess {
    db: Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    identity: IdentityService,
    limiter: Arc<limit::Limiter>,
    log: log::CallLog,
    resources: Arc<cache::Resources>,
    /// Rows are sealed at rest: lookups go by the key's blind index (`repo::seal`).
    seal: RowSeal,
}

/// What a call reads under: the consumer, the resource and the grant.
struct Access {
    consumer: i64,
    resource: Arc<Resource>,
    grant: GrantRow,
    fields: Vec<String>,
}

impl DataAccess {
    pub fn new(exchange: &ExchangeService, keys: Keys, identity: IdentityService) -> DataAccess {
        DataAccess {
            db: exchange.db().clone(),
            clock: exchange.clock().clone(),
            keys,
            identity,
            limiter: Arc::new(limit::Limiter::default()),
            log: log::CallLog::default(),
            resources: Arc::default(),
            seal: exchange.seal().clone(),
        }
    }

    /// The same data API on replica `node`: each grant's rate is split between the live
    /// replicas ([`limit`]).
    pub fn with_node(mut self, node: yiwang_store::cluster::Node) -> DataAccess {
        self.limiter = Arc::new(limit::Limiter::new(node));
        self
    }

    /// Looks up the row of `key` (a compound key's values separated by `,`, in key-item order)
    /// in the resource `code`, now or as it stood at `as_of`.
    pub async fn lookup(
        &self,
        ctx: &Ctx,
        code: &str,
        key: &str,
        purpose: &CallPurpose,
        as_of: Option<OffsetDateTime>,
    ) -> Result<LookupAnswer> {
        let now = self.clock.now();
        let consumer = self.authorise(ctx, code, purpose, now).await?;
        let parts: Vec<&str> = key.split(',').map(str::trim).collect();
        let joined = rows::join_key(parts.iter().copied());
        // One read: the resource's stamp, the grant and the key's row (by its blind index).
        let mut db = self.db.clone();
        let read = lookups::read(
            &mut db,
            code,
            consumer,
            now,
            &self.seal.index(&joined)?,
            as_of,
        )
        .await?
        .ok_or_else(Error::not_found)?;
        let resource = self
            .resources
            .resolve(&self.db, code, read.stamp)
            .await?
            .ok_or_else(Error::not_found)?;
        let a = self
            .admit(ctx, code, consumer, resource, read.grant, now)
            .await?;
        let key_items = a.resource.meta.items.iter().filter(|i| i.key).count();
        if parts.len() != key_items || parts.iter().any(|p| p.is_empty()) {
            return Err(Error::validation(vec![FieldError::new(
                "key",
                "exchange.key",
                format!("键应为 {key_items} 个值，以逗号分隔，依键信息项的顺序"),
                format!("The key is {key_items} value(s), separated by commas, in key-item order"),
            )]));
        }
        let row = read
            .row
            .map(|r| self.seal.open_for(&joined, r))
            .transpose()?;
        let row = row.map(|r| project(&r, &a.fields)).transpose()?;
        let subjects = match &row {
            Some(r) => self.subjects(&a.resource, [r.key.as_str()])?,
            None => Vec::new(),
        };
        let count = i64::from(row.is_some());
        let call_id = self
            .record(ctx, &a, "lookup", purpose, count, subjects)
            .await?;
        Ok(LookupAnswer {
            call_id,
            resource: a.resource.code.0.clone(),
            grant_id: a.grant.id,
            fields: a.fields,
            row,
        })
    }

    /// A page of rows matching equality filters on granted fields, in the order of the keys'
    /// blind indexes after the cursor. At most [`SCAN_BUDGET`] rows are examined per call: a page may come back short
    /// with a `next` cursor, continue from there.
    pub async fn query(&self, ctx: &Ctx, code: &str, q: &QueryInput) -> Result<QueryAnswer> {
        let purpose = CallPurpose {
            purpose: q.purpose.clone(),
            case_number: q.case_number.clone(),
        };
        let a = self.open(ctx, code, &purpose).await?;
        let limit = q.limit.unwrap_or(20);
        let mut problems = Vec::new();
        if !(1..=MAX_PAGE).contains(&limit) {
            problems.push(FieldError::new(
                "limit",
                "exchange.page_size",
                "每页 1–100 行",
                "A page holds 1 to 100 rows",
            ));
        }
        for f in q.filters.keys() {
            if !a.fields.contains(f) {
                problems.push(FieldError::new(
                    format!("filters.{f}"),
                    "exchange.field_not_granted",
                    format!("只能按授权的信息项筛选：{f} 不在授权范围内"),
                    format!("Filters may only name granted fields: {f} is not granted"),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Error::validation(problems));
        }
        let mut db = self.db.clone();
        let mut after = q.after.clone().filter(|s| !s.is_empty());
        let mut found = Vec::new();
        let mut scanned = 0usize;
        let mut next = None;
        let batch = 500i64;
        loop {
            let chunk = rows::scan(
                &mut db,
                &self.seal,
                a.resource.id,
                after.as_deref(),
                q.as_of,
                batch,
            )
            .await?;
            let short = chunk.len() < batch as usize;
            for r in &chunk {
                scanned += 1;
                // The cursor is the key's blind index (rows are paged in index order).
                after = Some(r.index.clone());
                let values = r.values()?;
                if q.filters.iter().all(|(f, v)| text_of(values.get(f)) == *v) {
                    found.push(project(r, &a.fields)?);
                    if found.len() == limit as usize {
                        break;
                    }
                }
            }
            if found.len() == limit as usize {
                next = after.clone();
                break;
            }
            if short {
                break;
            }
            if scanned >= SCAN_BUDGET {
                next = after.clone();
                break;
            }
        }
        let subjects = self.subjects(&a.resource, found.iter().map(|r| r.key.as_str()))?;
        let call_id = self
            .record(ctx, &a, "query", &purpose, found.len() as i64, subjects)
            .await?;
        Ok(QueryAnswer {
            call_id,
            resource: a.resource.code.0.clone(),
            grant_id: a.grant.id,
            fields: a.fields,
            rows: found,
            next,
        })
    }

    /// The automatic-approval hook (智能秒批): whether the applicant's row (`key`) in resource
    /// `code`, read through the caller's department's grant and recorded against
    /// `case_number`, has `field` equal to `expected`. `None` when the key has no row.
    pub async fn check_fact(
        &self,
        ctx: &Ctx,
        code: &str,
        key: &str,
        field: &str,
        expected: &str,
        case_number: &str,
    ) -> Result<Option<bool>> {
        let purpose = CallPurpose {
            purpose: "智能秒批核验 automatic approval check".into(),
            case_number: case_number.into(),
        };
        let a = self.lookup(ctx, code, key, &purpose, None).await?;
        if !a.fields.iter().any(|f| f == field) {
            return Err(Error::validation(vec![FieldError::new(
                "field",
                "exchange.field_not_granted",
                format!("{field} 不在授权范围内"),
                format!("{field} is not granted"),
            )]));
        }
        Ok(a.row.map(|r| text_of(r.values.get(field)) == expected))
    }

    /// Authorises the caller, checks the purpose, finds the resource and the grant, takes a
    /// token of the grant's rate.
    async fn open(&self, ctx: &Ctx, code: &str, purpose: &CallPurpose) -> Result<Access> {
        let now = self.clock.now();
        let consumer = self.authorise(ctx, code, purpose, now).await?;
        let (resource, grant) = self
            .resources
            .published_with_grant(&self.db, code, consumer, now)
            .await?
            .ok_or_else(Error::not_found)?;
        self.admit(ctx, code, consumer, resource, grant, now).await
    }

    /// Whether the caller may read as its department (the consumer, answered) and states a
    /// purpose and a case number.
    async fn authorise(
        &self,
        ctx: &Ctx,
        code: &str,
        purpose: &CallPurpose,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let (consumer, division) = consumer_of(&ctx.actor)?;
        let target = Target {
            department_id: Some(consumer),
            division: &division,
        };
        if !ctx.actor.may_on(Permission::ExchangeConsume, target) {
            let object = format!("resource:{}", code.trim());
            yiwang_audit::denied(&self.db, ctx, object, "exchange.data.read", now).await;
            return Err(Error::forbidden());
        }
        check_purpose(purpose)?;
        Ok(consumer)
    }

    /// The access of a call once the published resource and the consumer's grant are read:
    /// refused (and audited) without an active grant, or over the grant's rate; else the
    /// granted fields in item order.
    async fn admit(
        &self,
        ctx: &Ctx,
        code: &str,
        consumer: i64,
        resource: Arc<Resource>,
        grant: Option<GrantRow>,
        now: OffsetDateTime,
    ) -> Result<Access> {
        let Some(grant) = grant else {
            let mut db = self.db.clone();
            let why = why_no_grant(&mut db, consumer, resource.id, now).await?;
            let object = format!("resource:{}", code.trim());
            yiwang_audit::denied(&self.db, ctx, object, "exchange.data.read", now).await;
            return Err(Error::forbidden().with_detail(why.0, why.1));
        };
        if let Err(wait) = self.limiter.take(grant.id, grant.rate_per_minute, now) {
            return Err(Error::rate_limited(wait).with_detail(
                format!("超过授权的调用频率（每分钟 {} 次）", grant.rate_per_minute),
                format!(
                    "Over the grant's rate ({} calls a minute)",
                    grant.rate_per_minute
                ),
            ));
        }
        let granted = grant.field_names()?;
        let fields = resource
            .meta
            .items
            .iter()
            .filter(|i| granted.contains(&i.field))
            .map(|i| i.field.clone())
            .collect();
        Ok(Access {
            consumer,
            resource,
            grant,
            fields,
        })
    }

    /// The blind indexes of the data subjects of rows: the key item checked as an ID number or
    /// a USCC (the first such), if the resource has one.
    fn subjects<'a>(
        &self,
        r: &Resource,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<String>> {
        let key_items: Vec<_> = r.meta.items.iter().filter(|i| i.key).collect();
        let Some(pos) = key_items.iter().position(|i| {
            i.rules
                .iter()
                .any(|q| matches!(q, QualityRule::IdNumber | QualityRule::Uscc))
        }) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for k in keys {
            if let Some(v) = k.split(rows::KEY_SEPARATOR).nth(pos) {
                let idx = self.keys.blind_index(SUBJECT_CONTEXT, &subject_code(v))?;
                if !out.contains(&idx) {
                    out.push(idx);
                }
            }
        }
        Ok(out)
    }

    async fn record(
        &self,
        ctx: &Ctx,
        a: &Access,
        kind: &'static str,
        purpose: &CallPurpose,
        row_count: i64,
        subjects: Vec<String>,
    ) -> Result<i64> {
        let fields = serde_json::to_string(&a.fields)
            .map_err(|e| Error::internal(format!("exchange call fields: {e}")))?;
        let call = NewCall {
            at: self.clock.now(),
            consumer_department_id: a.consumer,
            provider_department_id: a.resource.department_id,
            resource_id: a.resource.id,
            resource_code: a.resource.code.0.clone(),
            resource_name: a.resource.meta.name.clone(),
            grant_id: a.grant.id,
            actor: ctx.actor.label(),
            kind,
            purpose: purpose.purpose.trim().to_string(),
            case_number: purpose.case_number.trim().to_string(),
            fields,
            row_count,
        };
        self.log
            .record(&self.db, ctx, call, a.fields.clone(), subjects)
            .await
    }
}

/// The way a data subject's code is indexed: trimmed, upper case (ID numbers end in `X`, USCCs
/// are upper case).
pub fn subject_code(v: &str) -> String {
    v.trim().to_uppercase()
}

/// The consumer department (and its division) of a caller: staff or a department system.
fn consumer_of(actor: &Actor) -> Result<(i64, DivisionCode)> {
    match actor {
        Actor::Staff(s) => Ok((s.department_id, s.division.clone())),
        Actor::Client(c) => Ok((c.department_id, c.division.clone())),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

fn check_purpose(p: &CallPurpose) -> Result<()> {
    let mut problems = Vec::new();
    let purpose = p.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        problems.push(FieldError::new(
            "purpose",
            "exchange.purpose",
            "请说明用途（不超过 200 字）",
            "State the purpose (at most 200 characters)",
        ));
    }
    let case = p.case_number.trim();
    if case.is_empty() || case.chars().count() > 64 || case.chars().any(char::is_control) {
        problems.push(FieldError::new(
            "case_number",
            "exchange.case_number",
            "请填写办件编号（不超过 64 个字符）",
            "Give the case number (at most 64 characters)",
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(problems))
    }
}

/// Why a consumer has no active grant on a resource, in both languages.
async fn why_no_grant(
    db: &mut Db,
    consumer: i64,
    resource_id: i64,
    now: OffsetDateTime,
) -> Result<(String, String)> {
    let all: Vec<GrantRow> = grants::for_consumer(db, consumer)
        .await?
        .into_iter()
        .filter(|g| g.resource_id == resource_id)
        .collect();
    let why = if all.is_empty() {
        (
            "本部门没有该资源的共享授权，请先提出共享申请",
            "Your department has no grant on this resource; file a sharing request first",
        )
    } else if all
        .iter()
        .any(|g| g.revoked_at.is_none() && g.valid_from > now)
    {
        ("共享授权尚未生效", "The grant's period has not started yet")
    } else if all.iter().all(|g| g.revoked_at.is_some()) {
        ("共享授权已被撤销", "The grant has been revoked")
    } else {
        ("共享授权已过期", "The grant has expired")
    };
    Ok((why.0.to_string(), why.1.to_string()))
}

/// A stored row with only the granted fields.
fn project(r: &StoredRow, fields: &[String]) -> Result<DataRow> {
    let mut all = r.values()?;
    let mut values = serde_json::Map::new();
    for f in fields {
        if let Some(v) = all.remove(f) {
            values.insert(f.clone(), v);
        }
    }
    Ok(DataRow {
        key: r.row_key.clone(),
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        values,
    })
}

/// A value as text, for equality filters (a string as itself, anything else as JSON).
fn text_of(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Reads an "as of" parameter: an RFC 3339 time, or a date (`YYYY-MM-DD`) meaning as the data
/// stood at the end of that day (China time).
pub fn parse_as_of(s: &str) -> Result<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(s, &fmt) {
        Ok(d) => Ok(d
            .with_hms_milli(23, 59, 59, 999)
            .map_err(|e| Error::internal(format!("as_of: {e}")))?
            .assume_offset(yiwang_kernel::clock::CHINA_OFFSET)),
        Err(_) => Err(Error::validation(vec![FieldError::new(
            "as_of",
            "exchange.as_of",
            "时点应为日期（2026-11-05）或 RFC 3339 时间（2026-11-05T10:00:00+08:00）",
            "as_of is a date (2026-11-05) or an RFC 3339 time (2026-11-05T10:00:00+08:00)",
        )])),
    }
}
