//! Catalog actions. Each one: authorise (deny by default) → validate → write in one transaction
//! together with the item history and the audit entry.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record, record_now};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::{DivisionCode, DivisionLevel};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::Department;
use yiwang_org::divisions::registry;
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Db, Tx};

use crate::codes;
use crate::index::LiveIndex;
use crate::lifecycle::{Action, retire_allowed, transition};
use crate::model::{
    AdminItemRow, BasicItem, BasicItemInput, Elements, HistoryEntry, Item, ItemStatus, ItemSummary,
    ItemVersion, VersionStatus,
};
use crate::repo::{self, AdminFilter, ItemRow};
use crate::rules;
use crate::search::{Search, SearchParams};

/// The catalog domain's entry point. Clones share one in-memory search index ([`crate::index`]).
#[derive(Clone, Debug)]
pub struct CatalogService {
    db: Db,
    clock: Arc<dyn Clock>,
    index: Arc<LiveIndex>,
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
fn level_for(d: &DivisionCode) -> &'static str {
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
        if matches!(e.code, ErrorCode::Forbidden | ErrorCode::Unauthenticated) {
            let entry = Entry::failure(&ctx.actor, "auth.denied", object)
                .source(&ctx.source)
                .data(json!({ "attempted": attempted, "code": e.code.as_str() }));
            if let Err(log_err) = record_now(&self.db, &entry, self.clock.now()).await {
                tracing::error!(error = %log_err, "could not write the audit entry of a refusal");
            }
        }
        e
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

    // Basic directory ---------------------------------------------------------------------------

    /// Public: the basic directory is published information.
    pub async fn list_basic(
        &self,
        q: Option<&str>,
        item_type: Option<&str>,
        page: Page,
    ) -> Result<Paged<BasicItem>> {
        let mut c = self.db.clone();
        let (items, total) = repo::list_basic(&mut c, q, item_type, Some(page)).await?;
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    pub async fn basic(&self, code: &str) -> Result<BasicItem> {
        let mut c = self.db.clone();
        repo::basic_by_code(&mut c, code)
            .await?
            .ok_or_else(Error::not_found)
    }

    pub async fn create_basic(&self, ctx: &Ctx, input: &BasicItemInput) -> Result<BasicItem> {
        self.require(
            ctx,
            Permission::CatalogDirectory,
            "catalog.basic.create",
            format!("basic:{}", input.code),
        )
        .await?;
        let mut b = input.clone();
        b.code = b.code.trim().to_uppercase();
        if let Some(t) = codes::ITEM_TYPES.parse(&b.item_type) {
            b.item_type = t.to_string();
        }
        if let Some(u) = codes::TIME_UNITS.parse(&b.statutory_unit) {
            b.statutory_unit = u.to_string();
        }
        let errs = rules::basic_item(&b);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if repo::basic_by_code(&mut tx, &b.code).await?.is_some() {
            return Err(Error::field(FieldError::new(
                "code",
                "basic_code.taken",
                "该基本编码已存在",
                "This basic code already exists",
            )));
        }
        let id = repo::insert_basic(&mut tx, &b, &ctx.actor.label(), now).await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "catalog.basic.create",
                format!("basic:{}", b.code),
            )
            .source(&ctx.source)
            .data(json!({ "name": b.name })),
            now,
        )
        .await?;
        let out = repo::basic(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn update_basic(
        &self,
        ctx: &Ctx,
        code: &str,
        input: &BasicItemInput,
        revision: Option<i64>,
    ) -> Result<BasicItem> {
        self.require(
            ctx,
            Permission::CatalogDirectory,
            "catalog.basic.update",
            format!("basic:{code}"),
        )
        .await?;
        let current = self.basic(code).await?;
        let mut b = input.clone();
        b.code = current.code.clone();
        if let Some(t) = codes::ITEM_TYPES.parse(&b.item_type) {
            b.item_type = t.to_string();
        }
        if let Some(u) = codes::TIME_UNITS.parse(&b.statutory_unit) {
            b.statutory_unit = u.to_string();
        }
        let errs = rules::basic_item(&b);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if !repo::update_basic(&mut tx, current.id, &b, revision, &ctx.actor.label(), now).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.basic.update", format!("basic:{code}"))
                .source(&ctx.source)
                .data(json!({ "name": b.name })),
            now,
        )
        .await?;
        let out = repo::basic(&mut tx, current.id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
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

    /// Claims a basic item for a department (认领): creates the implementation item and its
    /// first draft, inheriting name, basic code, type and legal basis.
    pub async fn claim(&self, ctx: &Ctx, input: &ClaimInput) -> Result<Item> {
        let mut c = self.db.clone();
        let dept = match department_in(&mut c, input.department_id).await? {
            Some(d) => d,
            None => {
                // Do not tell an unauthorised caller whether the department exists.
                self.require(
                    ctx,
                    Permission::CatalogEdit,
                    "catalog.item.claim",
                    format!("department:{}", input.department_id),
                )
                .await?;
                return Err(Error::field(FieldError::new(
                    "department_id",
                    "department.unknown",
                    "部门不存在",
                    "The department does not exist",
                )));
            }
        };
        let division = match input
            .division_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => dept.division_code.clone(),
            Some(s) => registry()
                .existing(s, false)
                .map_err(|e| Error::field(e.within("division_code")))?,
        };
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.claim",
            format!("department:{}", dept.id),
            Target {
                department_id: Some(dept.id),
                division: &division,
            },
        )
        .await?;
        if !division.within(&dept.division_code) {
            return Err(Error::field(FieldError::new(
                "division_code",
                "division.outside_department",
                "实施区划须在部门所属行政区划之内",
                "The division must lie inside the department's division",
            )));
        }
        let basic = repo::basic_by_code(&mut c, input.basic_code.trim())
            .await?
            .ok_or_else(|| {
                Error::field(FieldError::new(
                    "basic_code",
                    "basic_code.unknown",
                    "基本目录中没有该事项",
                    "No such item in the basic directory",
                ))
            })?;
        if basic.status != "active" {
            return Err(Error::field(FieldError::new(
                "basic_code",
                "basic_code.retired",
                "该基本目录事项已停用",
                "This basic directory item is no longer active",
            )));
        }
        let level = level_for(&division);
        let code = match input
            .code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(c) => {
                let c = c.to_uppercase();
                if !rules::code_ok(&c, 36) {
                    return Err(Error::field(FieldError::new(
                        "code",
                        "item_code.format",
                        "实施编码应为1至36位数字或大写字母",
                        "An implementation code has 1 to 36 digits or upper-case letters",
                    )));
                }
                c
            }
            None => format!("{}{}{}", dept.uscc.as_str(), level, basic.code),
        };
        let e = claim_defaults(&basic, &dept, &division);
        let now = self.clock.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        if repo::item_by_claim(&mut tx, basic.id, dept.id, division.as_str())
            .await?
            .is_some()
        {
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                "该部门已在此区划认领过该事项",
                "The department has already claimed this item in this division",
            ));
        }
        if repo::item_by_code(&mut tx, &code).await?.is_some() {
            return Err(Error::field(FieldError::new(
                "code",
                "item_code.taken",
                "该实施编码已被使用",
                "This implementation code is already in use",
            )));
        }
        let id = repo::insert_item(
            &mut tx,
            &code,
            basic.id,
            dept.id,
            division.as_str(),
            &actor,
            now,
        )
        .await?;
        repo::insert_version(&mut tx, id, 1, &e, &actor, now).await?;
        let row = Self::item_row(&mut tx, &code).await?;
        Self::history(
            &mut tx,
            &row,
            1,
            "claim",
            &ctx.actor,
            &format!("基本目录 {}", basic.code),
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.item.claim", format!("item:{code}"))
                .source(&ctx.source)
                .data(json!({ "basic_code": basic.code, "department": dept.id })),
            now,
        )
        .await?;
        let out = Self::assemble(&mut tx, row, true).await?;
        tx.commit().await?;
        Ok(out)
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

    /// An item as the caller may see it: the published version for everyone; drafts and
    /// versions under review only for staff allowed to read them. An item that was never
    /// published is not found for anyone else.
    pub async fn item(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        let drafts = ctx.actor.may_on(
            Permission::CatalogReadDrafts,
            Target {
                department_id: Some(dept),
                division: &division,
            },
        );
        if !drafts && row.status() != ItemStatus::Published {
            return Err(Error::not_found());
        }
        Self::assemble(&mut c, row, drafts).await
    }

    /// One version. Published and superseded versions are public; others need draft access.
    pub async fn version(&self, ctx: &Ctx, code: &str, no: i64) -> Result<ItemVersion> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let v = repo::version(&mut c, row.id, no)
            .await?
            .ok_or_else(Error::not_found)?;
        if matches!(v.status, VersionStatus::Draft | VersionStatus::Submitted) {
            let (division, dept) = Self::target(&row)?;
            if !ctx.actor.may_on(
                Permission::CatalogReadDrafts,
                Target {
                    department_id: Some(dept),
                    division: &division,
                },
            ) {
                return Err(Error::not_found());
            }
        }
        Ok(v)
    }

    pub async fn versions(&self, ctx: &Ctx, code: &str) -> Result<Vec<ItemVersion>> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        let drafts = ctx.actor.may_on(
            Permission::CatalogReadDrafts,
            Target {
                department_id: Some(dept),
                division: &division,
            },
        );
        let all = repo::versions(&mut c, row.id).await?;
        if !drafts && row.status() != ItemStatus::Published {
            return Err(Error::not_found());
        }
        Ok(all
            .into_iter()
            .filter(|v| {
                drafts || !matches!(v.status, VersionStatus::Draft | VersionStatus::Submitted)
            })
            .collect())
    }

    /// Who did what to the item (staff with draft access).
    pub async fn history_of(&self, ctx: &Ctx, code: &str) -> Result<Vec<HistoryEntry>> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        if let Err(e) = ctx.actor.require_on(
            Permission::CatalogReadDrafts,
            Target {
                department_id: Some(dept),
                division: &division,
            },
        ) {
            return Err(self
                .refused(ctx, "catalog.item.history", format!("item:{code}"), e)
                .await);
        }
        repo::history(&mut c, row.id).await
    }

    /// Starts a new version as a copy of the published one ("an edit makes a new version").
    pub async fn new_version(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.new_version",
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let now = self.clock.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        let row = Self::item_row(&mut tx, code).await?;
        if repo::open_version(&mut tx, row.id).await?.is_some() {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "该事项已有未发布的版本，请先完成或撤销",
                "The item already has an unpublished version; finish or discard it first",
            ));
        }
        let Some(pno) = row
            .published_version
            .filter(|_| row.status() == ItemStatus::Published)
        else {
            return Err(Error::new(ErrorCode::InvalidState).with_detail(
                "只有已发布的事项才能创建新版本",
                "Only a published item can get a new version",
            ));
        };
        let published = repo::version(&mut tx, row.id, pno)
            .await?
            .ok_or_else(Error::not_found)?;
        let mut e = published.elements.clone();
        let basic = repo::basic(&mut tx, row.basic_item_id)
            .await?
            .ok_or_else(Error::not_found)?;
        e.inherit(&basic);
        let dep = Self::department(&mut tx, row.department_id).await?;
        e.department_name = dep.name.clone();
        e.department_uscc = dep.uscc.to_string();
        let no = row.latest_version + 1;
        repo::insert_version(&mut tx, row.id, no, &e, &actor, now).await?;
        repo::set_item_state(
            &mut tx,
            row.id,
            row.status(),
            row.published_version,
            no,
            now,
        )
        .await?;
        Self::history(
            &mut tx,
            &row,
            no,
            "new_version",
            &ctx.actor,
            &format!("基于第{pno}版"),
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "catalog.item.new_version",
                format!("item:{code}"),
            )
            .source(&ctx.source)
            .data(json!({ "version": no })),
            now,
        )
        .await?;
        let row = Self::item_row(&mut tx, code).await?;
        let out = Self::assemble(&mut tx, row, true).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Saves the open draft. Inherited elements must be left as they are (or empty); the
    /// implementing department's name and code are always taken from the department.
    pub async fn save_draft(
        &self,
        ctx: &Ctx,
        code: &str,
        input: &Elements,
        revision: Option<i64>,
    ) -> Result<ItemVersion> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.edit",
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::item_row(&mut tx, code).await?;
        let Some(open) = repo::open_version(&mut tx, row.id).await? else {
            // Only frozen versions: a published version never changes.
            return Err(Error::new(ErrorCode::PublishedImmutable));
        };
        transition(open.status, Action::Edit)?;
        let cur = &open.elements;
        for (field, old, new) in [
            ("name", &cur.name, &input.name),
            ("basic_code", &cur.basic_code, &input.basic_code),
            ("item_type", &cur.item_type, &input.item_type),
            ("legal_basis", &cur.legal_basis, &input.legal_basis),
        ] {
            if !new.trim().is_empty() && new.trim() != old.trim() {
                return Err(inherited_error(field));
            }
        }
        let mut e = input.clone();
        e.name = cur.name.clone();
        e.basic_code = cur.basic_code.clone();
        e.item_type = cur.item_type.clone();
        e.legal_basis = cur.legal_basis.clone();
        let dep = Self::department(&mut tx, row.department_id).await?;
        e.department_name = dep.name.clone();
        e.department_uscc = dep.uscc.to_string();
        // Carry the stable keys of materials that keep their name.
        for m in &mut e.materials {
            if m.key.is_empty()
                && let Some(old) = cur.materials.iter().find(|o| o.name == m.name)
            {
                m.key = old.key.clone();
            }
        }
        e.assign_material_keys();
        let errs = rules::shape(&e);
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        if !repo::save_draft(
            &mut tx,
            row.id,
            open.version_no,
            &e,
            revision,
            &ctx.actor.label(),
            now,
        )
        .await?
        {
            return Err(Error::new(ErrorCode::Conflict));
        }
        Self::history(&mut tx, &row, open.version_no, "edit", &ctx.actor, "", now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.item.edit", format!("item:{code}"))
                .source(&ctx.source)
                .data(json!({ "version": open.version_no })),
            now,
        )
        .await?;
        let v = repo::version(&mut tx, row.id, open.version_no)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(v)
    }

    /// Editing a version directly: only a draft can change (a published version never does).
    pub async fn save_version(
        &self,
        ctx: &Ctx,
        code: &str,
        no: i64,
        input: &Elements,
        revision: Option<i64>,
    ) -> Result<ItemVersion> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.edit",
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let v = repo::version(&mut c, row.id, no)
            .await?
            .ok_or_else(Error::not_found)?;
        transition(v.status, Action::Edit)?;
        self.save_draft(ctx, code, input, revision).await
    }

    async fn open_for(&self, tx: &mut Tx, row: &ItemRow) -> Result<ItemVersion> {
        repo::open_version(tx, row.id).await?.ok_or_else(|| {
            Error::new(ErrorCode::InvalidState).with_detail(
                "该事项没有待处理的版本",
                "The item has no version in progress",
            )
        })
    }

    /// Submits the draft for review after the completeness and quality rules (§4.8).
    pub async fn submit(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        self.step(ctx, code, Action::Submit, "").await
    }

    /// Takes a submitted version back to draft.
    pub async fn withdraw(&self, ctx: &Ctx, code: &str) -> Result<Item> {
        self.step(ctx, code, Action::Withdraw, "").await
    }

    /// Approves and publishes the submitted version (the reviewer may not be its submitter).
    pub async fn approve(&self, ctx: &Ctx, code: &str, note: &str) -> Result<Item> {
        self.step(ctx, code, Action::Approve, note).await
    }

    /// Returns the submitted version to its editor with a note (required).
    pub async fn reject(&self, ctx: &Ctx, code: &str, note: &str) -> Result<Item> {
        self.step(ctx, code, Action::Reject, note).await
    }

    /// Retires the published item (取消); the reason is required.
    pub async fn retire(&self, ctx: &Ctx, code: &str, note: &str) -> Result<Item> {
        self.step(ctx, code, Action::Retire, note).await
    }

    /// Deletes the draft; an item never published disappears with it.
    pub async fn discard(&self, ctx: &Ctx, code: &str) -> Result<Option<Item>> {
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            Permission::CatalogEdit,
            "catalog.item.discard",
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let row = Self::item_row(&mut tx, code).await?;
        let open = self.open_for(&mut tx, &row).await?;
        transition(open.status, Action::Discard)?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.item.discard", format!("item:{code}"))
                .source(&ctx.source)
                .data(json!({ "version": open.version_no })),
            now,
        )
        .await?;
        let out = if row.published_version.is_none() {
            repo::delete_item(&mut tx, row.id).await?;
            None
        } else {
            repo::delete_version(&mut tx, row.id, open.version_no).await?;
            let latest = row.latest_version - 1;
            repo::set_item_state(
                &mut tx,
                row.id,
                row.status(),
                row.published_version,
                latest,
                now,
            )
            .await?;
            Self::history(
                &mut tx,
                &row,
                open.version_no,
                "discard",
                &ctx.actor,
                "",
                now,
            )
            .await?;
            let row = Self::item_row(&mut tx, code).await?;
            Some(Self::assemble(&mut tx, row, true).await?)
        };
        tx.commit().await?;
        Ok(out)
    }

    async fn step(&self, ctx: &Ctx, code: &str, action: Action, note: &str) -> Result<Item> {
        let (perm, event) = match action {
            Action::Submit => (Permission::CatalogEdit, "catalog.item.submit"),
            Action::Withdraw => (Permission::CatalogEdit, "catalog.item.withdraw"),
            Action::Approve => (Permission::CatalogReview, "catalog.item.approve"),
            Action::Reject => (Permission::CatalogReview, "catalog.item.reject"),
            Action::Retire => (Permission::CatalogReview, "catalog.item.retire"),
            Action::Edit | Action::Discard => return Err(Error::internal("not a step")),
        };
        let mut c = self.db.clone();
        let row = Self::item_row(&mut c, code).await?;
        let (division, dept) = Self::target(&row)?;
        self.require_on(
            ctx,
            perm,
            event,
            format!("item:{code}"),
            Target {
                department_id: Some(dept),
                division: &division,
            },
        )
        .await?;
        let note = note.trim();
        if matches!(action, Action::Reject | Action::Retire) && note.is_empty() {
            return Err(Error::field(FieldError::new(
                "note",
                "required",
                "请填写退回或下线的理由",
                "Give the reason for returning or retiring the item",
            )));
        }
        if yiwang_kernel::text::chars(note) > 1000 {
            return Err(Error::field(FieldError::max_chars("note", 1000)));
        }
        let now = self.clock.now();
        let actor = ctx.actor.label();
        let mut tx = self.db.write().await?;
        let row = Self::item_row(&mut tx, code).await?;
        let (version, from) = if action == Action::Retire {
            let no = row
                .published_version
                .filter(|_| row.status() == ItemStatus::Published)
                .ok_or_else(|| {
                    Error::new(ErrorCode::InvalidState).with_detail(
                        "只有已发布的事项才能下线",
                        "Only a published item can be retired",
                    )
                })?;
            retire_allowed(repo::open_version(&mut tx, row.id).await?.map(|v| v.status))?;
            (
                repo::version(&mut tx, row.id, no)
                    .await?
                    .ok_or_else(Error::not_found)?,
                VersionStatus::Published,
            )
        } else {
            let v = self.open_for(&mut tx, &row).await?;
            let s = v.status;
            (v, s)
        };
        let to = transition(from, action)?;
        match action {
            Action::Submit => {
                let errs = rules::for_submission(&version.elements);
                if !errs.is_empty() {
                    return Err(Error {
                        fields: errs,
                        ..Error::new(ErrorCode::QualityRules)
                    });
                }
            }
            Action::Approve => {
                let submitter =
                    repo::submitted_by_user(&mut tx, row.id, version.version_no).await?;
                if let (Some(s), Some(me)) = (submitter, ctx.actor.user_id())
                    && s == me
                {
                    return Err(self
                        .refused(
                            ctx,
                            event,
                            format!("item:{code}"),
                            Error::new(ErrorCode::SelfReview),
                        )
                        .await);
                }
                // The rules may have changed since submission: check again.
                let errs = rules::for_submission(&version.elements);
                if !errs.is_empty() {
                    return Err(Error {
                        fields: errs,
                        ..Error::new(ErrorCode::QualityRules)
                    });
                }
            }
            _ => {}
        }
        if !repo::set_version_status(&mut tx, row.id, version.version_no, from, to).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        match action {
            Action::Submit => {
                repo::mark_submitted(
                    &mut tx,
                    row.id,
                    version.version_no,
                    &actor,
                    ctx.actor.user_id(),
                    now,
                )
                .await?
            }
            Action::Reject => {
                repo::mark_reviewed(
                    &mut tx,
                    row.id,
                    version.version_no,
                    &actor,
                    note,
                    false,
                    now,
                )
                .await?
            }
            Action::Approve => {
                if let Some(prev) = row
                    .published_version
                    .filter(|_| row.status() == ItemStatus::Published)
                {
                    repo::set_version_status(
                        &mut tx,
                        row.id,
                        prev,
                        VersionStatus::Published,
                        VersionStatus::Superseded,
                    )
                    .await?;
                }
                repo::mark_reviewed(&mut tx, row.id, version.version_no, &actor, note, true, now)
                    .await?;
                repo::set_item_state(
                    &mut tx,
                    row.id,
                    ItemStatus::Published,
                    Some(version.version_no),
                    row.latest_version,
                    now,
                )
                .await?;
                let dep = Self::department(&mut tx, row.department_id).await?;
                repo::index(
                    &mut tx,
                    &row,
                    version.version_no,
                    &version.elements,
                    &dep.name,
                    now,
                )
                .await?;
            }
            Action::Retire => {
                repo::mark_retired(&mut tx, row.id, version.version_no, now).await?;
                repo::set_item_state(
                    &mut tx,
                    row.id,
                    ItemStatus::Retired,
                    row.published_version,
                    row.latest_version,
                    now,
                )
                .await?;
                repo::unindex(&mut tx, row.id).await?;
            }
            _ => {}
        }
        Self::history(
            &mut tx,
            &row,
            version.version_no,
            action.as_str(),
            &ctx.actor,
            note,
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, event, format!("item:{code}"))
                .source(&ctx.source)
                .reason(note)
                .data(json!({ "version": version.version_no })),
            now,
        )
        .await?;
        let row = Self::item_row(&mut tx, code).await?;
        let out = Self::assemble(&mut tx, row, true).await?;
        tx.commit().await?;
        if matches!(action, Action::Approve | Action::Retire) {
            // The published catalog changed: this process's searches see it from now on.
            if let Err(e) = self.refresh_index().await {
                tracing::warn!(error = %e, "could not refresh the catalog search index");
            }
        }
        Ok(out)
    }

    // Lists ------------------------------------------------------------------------------------

    /// Public search over the published catalog, answered from the in-memory index (built on
    /// first use, kept fresh as [`crate::index`] describes).
    pub async fn search(&self, p: &SearchParams) -> Result<Paged<ItemSummary>> {
        let s = Self::validate_search(p)?;
        let (items, total) = self.index.get().await?.search(&s);
        Ok(Paged {
            items,
            total,
            page: s.page.page,
            size: s.page.size,
        })
    }

    /// The same search answered by SQL against the database: the reference implementation of
    /// the search semantics (tests compare the index with it; the benchmark measures both).
    pub async fn search_sql(&self, p: &SearchParams) -> Result<Paged<ItemSummary>> {
        let s = Self::validate_search(p)?;
        let mut c = self.db.clone();
        let (items, total) = repo::search(&mut c, &s).await?;
        Ok(Paged {
            items,
            total,
            page: s.page.page,
            size: s.page.size,
        })
    }

    /// Brings this service's search index up to the database's catalog generation now,
    /// rebuilding it if the published catalog changed (returns whether it did). Publishing and
    /// retiring call it; a background task calls it every [`crate::index::CHECK_EVERY`].
    pub async fn refresh_index(&self) -> Result<bool> {
        self.index.refresh().await
    }

    /// The catalog generation this service's search index was built at (`None` before the
    /// first search).
    pub fn index_generation(&self) -> Option<i64> {
        self.index.generation()
    }

    /// Validates search parameters into a [`Search`].
    pub fn validate_search(p: &SearchParams) -> Result<Search> {
        let mut errs = Vec::new();
        let page = match Page::new(p.page, p.size) {
            Ok(pg) => pg,
            Err(e) => {
                errs.extend(e.fields);
                Page::default()
            }
        };
        let q = p.q.as_deref().unwrap_or("");
        if yiwang_kernel::text::chars(q) > 100 {
            errs.push(FieldError::max_chars("q", 100));
        }
        let division = match p
            .division
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(d) => match DivisionCode::parse(d) {
                Ok(d) => Some(d),
                Err(e) => {
                    errs.push(e.within("division"));
                    None
                }
            },
        };
        let mut code =
            |field: &str, table: &codes::CodeTable, v: &Option<String>| -> Option<String> {
                match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(s) => match table.field(field, s) {
                        Ok(c) => Some(c.to_string()),
                        Err(e) => {
                            errs.push(e);
                            None
                        }
                    },
                }
            };
        let item_type = code("item_type", &codes::ITEM_TYPES, &p.item_type);
        let service_object = code("service_object", &codes::SERVICE_OBJECTS, &p.service_object);
        let cross_scope = code("cross_scope", &codes::CROSS_SCOPES, &p.cross_scope);
        let case_type = code("case_type", &codes::CASE_TYPES, &p.case_type);
        let theme = match p.theme.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(t) => match codes::PERSONAL_THEMES
                .parse(t)
                .or_else(|| codes::ENTERPRISE_THEMES.parse(t))
            {
                Some(c) => Some(c.to_string()),
                None => {
                    errs.push(FieldError::new(
                        "theme",
                        "code.unknown",
                        "主题代码无效",
                        "Unknown theme code",
                    ));
                    None
                }
            },
        };
        if let Some(l) = p.online_level
            && !(0..=4).contains(&l)
        {
            errs.push(FieldError::range("online_level", 0, 4));
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        Ok(Search {
            terms: crate::search::terms(q),
            division,
            department_id: p.department_id,
            item_type,
            service_object,
            theme,
            online_level: p.online_level,
            cross_scope,
            case_type,
            licence_free: p.licence_free,
            page,
        })
    }

    /// Items an administrator may see, in any status.
    pub async fn admin_items(
        &self,
        ctx: &Ctx,
        f: &AdminFilter,
        page: Page,
    ) -> Result<Paged<AdminItemRow>> {
        self.require(
            ctx,
            Permission::CatalogReadDrafts,
            "catalog.item.list",
            "items".into(),
        )
        .await?;
        let scope = ctx.actor.scope_of(Permission::CatalogReadDrafts);
        let mut c = self.db.clone();
        let (items, total) = repo::admin_list(&mut c, &scope, f, page).await?;
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// The number of the published version of item `code` (public knowledge), or `None` when
    /// the item does not exist or is not published: one indexed read, for callers that cache
    /// published versions (which never change) and only need to know which one is current.
    pub async fn published_version_no(&self, code: &str) -> Result<Option<i64>> {
        let mut c = self.db.clone();
        Ok(repo::item_by_code(&mut c, code)
            .await?
            .filter(|r| r.status() == ItemStatus::Published)
            .and_then(|r| r.published_version))
    }

    pub async fn published_count(&self) -> Result<i64> {
        let mut c = self.db.clone();
        repo::count_published(&mut c).await
    }
}
