//! The exchange domain's service. Each action: authorise (deny by default) → validate → write in
//! one transaction together with its audit entry.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use yiwang_audit::Entry;
use yiwang_identity::{Keys, SealedData};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_org::Department;
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Db};

use crate::model::{Classification, Resource, ResourceCode, ResourceMeta, VersionStatus};
use crate::repo::resources;
use crate::repo::rows::RowSeal;

/// The exchange domain's entry point.
#[derive(Clone, Debug)]
pub struct ExchangeService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    /// Collected rows are sealed at rest under the node's key ring (`repo::seal`).
    seal: RowSeal,
}

/// A resource to register (登记): its classification, provider and first version's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewResource {
    /// 前段码 (类/项/目/细目 digits).
    pub classification: String,
    /// 后段码 to use (e.g. a code the resource already has elsewhere); the next free one when
    /// absent.
    #[serde(default)]
    pub sequence: Option<u32>,
    pub department_id: i64,
    pub meta: ResourceMeta,
}

impl ExchangeService {
    pub fn new(db: Db, clock: Arc<dyn Clock>, keys: Keys) -> ExchangeService {
        ExchangeService {
            db,
            clock,
            seal: RowSeal::new(keys),
        }
    }

    /// The sealing of collected rows (what `repo::rows` takes).
    pub fn seal(&self) -> &RowSeal {
        &self.seal
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The department `id` inside a transaction, for authorisation targets.
    pub(crate) async fn department(c: &mut impl Conn, id: i64) -> Result<Department> {
        department_in(c, id).await?.ok_or_else(|| {
            Error::validation(vec![yiwang_kernel::FieldError::new(
                "department_id",
                "exists",
                "没有这个部门",
                "No such department",
            )])
        })
    }

    /// Registers a resource of a department as a draft (version 1). The department's data
    /// steward, or the division's data administrator.
    pub async fn register(&self, ctx: &Ctx, input: &NewResource) -> Result<Resource> {
        let now = self.clock.now();
        // Every problem of the form at once: classification, sequence, metadata.
        let mut problems = Vec::new();
        let class = Classification::parse(&input.classification)
            .map_err(|e| problems.extend(e.fields))
            .ok();
        if input.sequence.is_some_and(|s| !(1..=999_999).contains(&s)) {
            problems.push(yiwang_kernel::FieldError::new(
                "sequence",
                "exchange.resource_code",
                "后段码为 1–999999 的顺序号",
                "The sequence is a number from 1 to 999999",
            ));
        }
        if let Err(e) = input.meta.check() {
            problems.extend(e.fields);
        }
        let Some(class) = class.filter(|_| problems.is_empty()) else {
            return Err(Error::validation(problems));
        };
        let mut tx = self.db.write().await?;
        let dept = Self::department(&mut tx, input.department_id).await?;
        let target = Target {
            department_id: Some(dept.id),
            division: &dept.division_code,
        };
        let allowed = ctx.actor.may_on(Permission::ExchangeProvide, target)
            || ctx.actor.may_on(Permission::ExchangeAdmin, target);
        if !allowed {
            tx.rollback().await?;
            let e = Error::forbidden();
            yiwang_audit::denied(
                &self.db,
                ctx,
                format!("department:{}", dept.id),
                "exchange.resource.create",
                now,
            )
            .await;
            return Err(e);
        }
        let seq = match input.sequence {
            Some(s) => s,
            None => resources::next_sequence(&mut tx, &class).await?,
        };
        let code = ResourceCode::new(&class, seq);
        if resources::published_by_code(&mut tx, code.as_str())
            .await?
            .is_some()
            || code_taken(&mut tx, &code).await?
        {
            return Err(Error::new(ErrorCode::Duplicate));
        }
        let actor = ctx.actor.label();
        let id =
            resources::insert(&mut tx, &code, &class, dept.id, &input.meta, &actor, now).await?;
        crate::repo::catalog::history_add(&mut tx, id, 1, "create", "", &actor, now).await?;
        let entry = Entry::success(
            &ctx.actor,
            "exchange.resource.create",
            format!("resource:{}", code.as_str()),
        )
        .source(&ctx.source)
        .data(serde_json::json!({ "name": input.meta.name, "department_id": dept.id }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        let r = resources::version(&mut tx, id, 1)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(r)
    }

    /// Publishes a version (draft or submitted) of a resource: the division's data
    /// administrator, by the one rule of publishing (`publish_from`).
    pub async fn publish(&self, ctx: &Ctx, resource_id: i64, version: i64) -> Result<Resource> {
        self.publish_from(
            ctx,
            resource_id,
            version,
            &[VersionStatus::Draft, VersionStatus::Submitted],
        )
        .await?;
        let mut db = self.db.clone();
        resources::version(&mut db, resource_id, version)
            .await?
            .ok_or_else(Error::not_found)
    }

    /// The published version of a resource by code (anyone may read the catalog of shared
    /// resources' metadata; rows are another matter).
    pub async fn published_by_code(&self, code: &str) -> Result<Option<Resource>> {
        let mut db = self.db.clone();
        resources::published_by_code(&mut db, code).await
    }
}

/// A key rotation rewraps the sealed collected rows (the identity service calls this after its
/// own columns: `IdentityService::with_sealed_data`).
impl SealedData for ExchangeService {
    fn rewrap<'a>(
        &'a self,
        batch: i64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64>> + Send + 'a>> {
        Box::pin(self.seal.rewrap(&self.db, batch))
    }
}

async fn code_taken(c: &mut impl Conn, code: &ResourceCode) -> Result<bool> {
    resources::id_by_code(c, code.as_str())
        .await
        .map(|o| o.is_some())
}
