//! Catalog actions. Each one: authorise (deny by default) → validate → write in one transaction
//! together with the item history and the audit entry.
//!
//! This module holds the service, its inputs and the helpers every action shares (permission
//! checks with their refusal audit, item lookup, history, assembling an [`Item`]); the actions
//! live by job in `basic` (the basic directory), `drafts` (claim and edit), `review`
//! (submit → approve/reject, retire, discard), `publish` (claim through to publication in one
//! transaction, from the same steps) and `queries` (reads, search, lists).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::{DivisionCode, DivisionLevel};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::Department;
use yiwang_org::divisions::registry;
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Db, Tx};

use crate::index::LiveIndex;
use crate::model::{BasicItem, Elements, Item, ItemStatus, ItemVersion};
use crate::repo::{self, ItemRow};

mod basic;
mod drafts;
mod publish;
mod queries;
pub mod resources;
mod review;

pub use publish::Through;

/// The catalog domain's entry point. Clones share one in-memory search index ([`crate::index`]).
#[derive(Clone, Debug)]
pub struct CatalogService {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    index: Arc<LiveIndex>,
    resources: resources::Source,
}

/// A request to claim (认领) a basic item for a department.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ClaimInput {
    /// 基本编码 of the basic directory item.
    pub basic_code: String,
    pub department_id: i64,
    /// Division the item is implemented in; defaults to the department's division.
    pub division_code: Option<String>,
    /// 实施编码 to use (e.g. an existing code being migrated); generated when absent.
    pub code: Option<String>,
}

/// A reviewer's decision or an editor's note.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NoteInput {
    pub note: String,
}

fn inherited_error(field: &str) -> Error {
    Error {
        fields: vec![FieldError::new(
            field,
            "inherited",
            "该要素继承自基本目录（三级四同），不能在本地修改",
            "This element is inherited from the basic directory and cannot be changed locally",
        )],
        ..Error::new(ErrorCode::InheritedElement)
    }
}

/// Exercising level (表A.2) from the division an item is implemented in.
pub(crate) fn level_for(d: &DivisionCode) -> &'static str {
    match d.level() {
        DivisionLevel::Province => "2",
        DivisionLevel::Prefecture => "3",
        DivisionLevel::County => "4",
        DivisionLevel::Town => "5",
        DivisionLevel::Village => "6",
    }
}

/// The elements a freshly claimed item starts from: inherited from the basic item, the
/// implementing department's name and code, and the defaults [`CatalogService::claim`] sets
/// (kept identical to it; used by the importer when a row claims a new item).
pub(crate) fn claim_defaults(
    basic: &BasicItem,
    dept: &Department,
    division: &DivisionCode,
) -> Elements {
    let mut e = Elements::default();
    e.inherit(basic);
    e.department_name = dept.name.clone();
    e.department_uscc = dept.uscc.to_string();
    e.exercise_level = level_for(division).to_string();
    e.subject_nature = "1".into();
    e.power_source = "1".into();
    e.statutory_limit = basic.statutory_limit.unwrap_or(0);
    e.statutory_unit = if basic.statutory_unit.is_empty() {
        "1".into()
    } else {
        basic.statutory_unit.clone()
    };
    e.promised_unit = e.statutory_unit.clone();
    e.case_type = "2".into();
    e
}

impl CatalogService {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        CatalogService {
            index: LiveIndex::new(db.clone()),
            db,
            clock,
            resources: None,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Records a refusal and returns the error.
    pub(crate) async fn refused(
        &self,
        ctx: &Ctx,
        attempted: &str,
        object: String,
        e: Error,
    ) -> Error {
        yiwang_audit::refused(&self.db, ctx, object, attempted, e, self.clock.now()).await
    }

    async fn require_on(
        &self,
        ctx: &Ctx,
        perm: Permission,
        attempted: &str,
        object: String,
        target: Target<'_>,
    ) -> Result<()> {
        match ctx.actor.require_on(perm, target) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refused(ctx, attempted, object, e).await),
        }
    }

    async fn require(
        &self,
        ctx: &Ctx,
        perm: Permission,
        attempted: &str,
        object: String,
    ) -> Result<()> {
        match ctx.actor.require(perm) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refused(ctx, attempted, object, e).await),
        }
    }

    // Implementation items -----------------------------------------------------------------------

    async fn item_row(c: &mut impl Conn, code: &str) -> Result<ItemRow> {
        repo::item_by_code(c, code)
            .await?
            .ok_or_else(Error::not_found)
    }

    fn target(item: &ItemRow) -> Result<(DivisionCode, i64)> {
        let d = DivisionCode::parse(&item.division_code).map_err(|e| Error::internal(e.en))?;
        Ok((d, item.department_id))
    }

    async fn department(c: &mut impl Conn, id: i64) -> Result<Department> {
        department_in(c, id).await?.ok_or_else(|| {
            Error::field(FieldError::new(
                "department_id",
                "department.unknown",
                "部门不存在",
                "The department does not exist",
            ))
        })
    }

    async fn history(
        tx: &mut Tx,
        item: &ItemRow,
        no: i64,
        action: &str,
        actor: &Actor,
        note: &str,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        repo::add_history(
            tx,
            item.id,
            no,
            action,
            &actor.label(),
            actor.user_id(),
            note,
            now,
        )
        .await
    }

    async fn assemble(c: &mut impl Conn, row: ItemRow, with_open: bool) -> Result<Item> {
        let published = match row.published_version {
            Some(no) if row.status() == ItemStatus::Published => {
                repo::version(c, row.id, no).await?
            }
            _ => None,
        };
        let open = if with_open {
            repo::open_version(c, row.id).await?
        } else {
            None
        };
        let division_name = DivisionCode::parse(&row.division_code)
            .map(|d| registry().full_name(&d))
            .unwrap_or_default();
        Ok(Item {
            id: row.id,
            status: row.status(),
            code: row.code,
            basic_item_id: row.basic_item_id,
            department_id: row.department_id,
            division_code: row.division_code,
            division_name,
            published_version: row.published_version,
            latest_version: row.latest_version,
            published,
            open,
        })
    }

    async fn open_for(&self, tx: &mut Tx, row: &ItemRow) -> Result<ItemVersion> {
        repo::open_version(tx, row.id).await?.ok_or_else(|| {
            Error::new(ErrorCode::InvalidState).with_detail(
                "该事项没有待处理的版本",
                "The item has no version in progress",
            )
        })
    }
}
