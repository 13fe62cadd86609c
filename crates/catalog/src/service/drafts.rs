//! Claiming an item (认领) and editing its drafts: claim, new version, save draft.

use super::{CatalogService, ClaimInput, claim_defaults, inherited_error, level_for};

use serde_json::json;
use time::OffsetDateTime;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::Department;
use yiwang_org::divisions::registry;
use yiwang_org::service::department_in;
use yiwang_store::Tx;

use crate::lifecycle::{Action, transition};
use crate::model::{BasicItem, Elements, Item, ItemStatus, ItemVersion};
use crate::repo::{self, ItemRow};
use crate::rules;

/// A claim whose permission, division, basic item and code are checked
/// ([`CatalogService::check_claim`]), ready to be written.
pub(super) struct Claim {
    dept: Department,
    division: DivisionCode,
    basic: BasicItem,
    code: String,
}

impl Claim {
    /// The implementation code the claimed item gets.
    pub(super) fn code(&self) -> &str {
        &self.code
    }

    /// The implementing department.
    pub(super) fn department_id(&self) -> i64 {
        self.dept.id
    }

    /// The division the item is implemented in.
    pub(super) fn division(&self) -> &DivisionCode {
        &self.division
    }

    /// The elements the claimed item's first draft starts from ([`claim_defaults`]).
    pub(super) fn defaults(&self) -> Elements {
        claim_defaults(&self.basic, &self.dept, &self.division)
    }
}

impl CatalogService {
    /// Claims a basic item for a department (认领): creates the implementation item and its
    /// first draft, inheriting name, basic code, type and legal basis.
    pub async fn claim(&self, ctx: &Ctx, input: &ClaimInput) -> Result<Item> {
        let claim = self.check_claim(ctx, input).await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let (row, entry) = Self::claim_in(&mut tx, ctx, &claim, now).await?;
        record(&mut tx, &entry, now).await?;
        let out = Self::assemble(&mut tx, row, true).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The checks of a claim made before its transaction: the caller's permission on the
    /// department and division, the division, the basic item and the code.
    pub(super) async fn check_claim(&self, ctx: &Ctx, input: &ClaimInput) -> Result<Claim> {
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
        Ok(Claim {
            dept,
            division,
            basic,
            code,
        })
    }

    /// Writes a checked claim inside `tx`: the item, its first draft and the history line;
    /// gives the item and the audit entry for the caller to record.
    pub(super) async fn claim_in<'a>(
        tx: &mut Tx,
        ctx: &'a Ctx,
        claim: &Claim,
        now: OffsetDateTime,
    ) -> Result<(ItemRow, Entry<'a>)> {
        let Claim {
            dept,
            division,
            basic,
            code,
        } = claim;
        let e = claim.defaults();
        let actor = ctx.actor.label();
        if repo::item_by_claim(tx, basic.id, dept.id, division.as_str())
            .await?
            .is_some()
        {
            return Err(Error::new(ErrorCode::Duplicate).with_detail(
                "该部门已在此区划认领过该事项",
                "The department has already claimed this item in this division",
            ));
        }
        if repo::item_by_code(tx, code).await?.is_some() {
            return Err(Error::field(FieldError::new(
                "code",
                "item_code.taken",
                "该实施编码已被使用",
                "This implementation code is already in use",
            )));
        }
        let id =
            repo::insert_item(tx, code, basic.id, dept.id, division.as_str(), &actor, now).await?;
        repo::insert_version(tx, id, 1, &e, &actor, now).await?;
        let row = Self::item_row(tx, code).await?;
        Self::history(
            tx,
            &row,
            1,
            "claim",
            &ctx.actor,
            &format!("基本目录 {}", basic.code),
            now,
        )
        .await?;
        let entry = Entry::success(&ctx.actor, "catalog.item.claim", format!("item:{code}"))
            .source(&ctx.source)
            .data(json!({ "basic_code": basic.code, "department": dept.id }));
        Ok((row, entry))
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
        let (no, entry) = self
            .save_draft_in(&mut tx, ctx, &row, input, revision, now)
            .await?;
        record(&mut tx, &entry, now).await?;
        let v = repo::version(&mut tx, row.id, no)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(v)
    }

    /// Saves the open draft of `row` inside `tx` with its history line (the caller has checked
    /// the permission); gives the version's number and the audit entry for the caller to record.
    pub(super) async fn save_draft_in<'a>(
        &self,
        tx: &mut Tx,
        ctx: &'a Ctx,
        row: &ItemRow,
        input: &Elements,
        revision: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<(i64, Entry<'a>)> {
        let code = &row.code;
        let Some(open) = repo::open_version(tx, row.id).await? else {
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
        let dep = Self::department(tx, row.department_id).await?;
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
        let mut errs = rules::shape(&e);
        if errs.is_empty() {
            errs = self.unknown_resources(&e).await?;
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        if !repo::save_draft(
            tx,
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
        Self::history(tx, row, open.version_no, "edit", &ctx.actor, "", now).await?;
        let entry = Entry::success(&ctx.actor, "catalog.item.edit", format!("item:{code}"))
            .source(&ctx.source)
            .data(json!({ "version": open.version_no }));
        Ok((open.version_no, entry))
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
}
