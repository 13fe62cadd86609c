//! Organisation actions: authorise, validate, write, audit — in that order, in one transaction.

use std::sync::Arc;

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_store::{Conn, Db, Tx};

use crate::divisions::registry;
use crate::model::{Department, DepartmentInput, Hall, HallInput, NewDepartment, WindowInput};
use crate::repo::{self, DepartmentFilter};

/// The organisation domain's entry point.
#[derive(Clone, Debug)]
pub struct OrgService {
    db: Db,
    clock: Arc<dyn Clock>,
}

/// Records a refusal in the audit log (in its own transaction) and passes the error on.
pub(crate) async fn refused(
    db: &Db,
    ctx: &Ctx,
    action: &str,
    object: String,
    e: Error,
    now: time::OffsetDateTime,
) -> Error {
    yiwang_audit::refused(db, ctx, object, action, e, now).await
}

impl OrgService {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        OrgService { db, clock }
    }

    async fn authorise(
        &self,
        ctx: &Ctx,
        perm: Permission,
        action: &str,
        object: String,
        target: Target<'_>,
    ) -> Result<()> {
        match ctx.actor.require_on(perm, target) {
            Ok(()) => Ok(()),
            Err(e) => Err(refused(&self.db, ctx, action, object, e, self.clock.now()).await),
        }
    }

    // Departments ------------------------------------------------------------------------------

    /// Public: departments are published information.
    pub async fn list_departments(
        &self,
        f: &DepartmentFilter,
        page: Page,
    ) -> Result<Paged<Department>> {
        let mut c = self.db.clone();
        let (items, total) = repo::list_departments(&mut c, f, Some(page)).await?;
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    pub async fn department(&self, id: i64) -> Result<Department> {
        let mut c = self.db.clone();
        repo::department(&mut c, id)
            .await?
            .ok_or_else(Error::not_found)
    }

    async fn resolve_parent(tx: &mut Tx, d: &NewDepartment) -> Result<Option<i64>> {
        match &d.parent_uscc {
            None => Ok(None),
            Some(u) => match repo::department_by_uscc(tx, u.as_str()).await? {
                Some(p) => Ok(Some(p.id)),
                None => Err(Error::field(FieldError::new(
                    "parent_uscc",
                    "parent.unknown",
                    "上级部门不存在",
                    "The parent department does not exist",
                ))),
            },
        }
    }

    fn uscc_taken() -> Error {
        Error::field(FieldError::new(
            "uscc",
            "uscc.taken",
            "该统一社会信用代码已被其他部门使用",
            "Another department already has this unified social credit code",
        ))
    }

    pub async fn create_department(
        &self,
        ctx: &Ctx,
        input: &DepartmentInput,
    ) -> Result<Department> {
        // Authorise against the division named in the input (if it parses); otherwise against
        // the widest scope, so a refused caller learns nothing from validation errors.
        let division = DivisionCode::parse(&input.division_code).ok();
        if let Some(d) = &division {
            self.authorise(
                ctx,
                Permission::OrgManage,
                "org.department.create",
                format!("division:{d}"),
                Target {
                    department_id: None,
                    division: d,
                },
            )
            .await?;
        } else if let Err(e) = ctx.actor.require(Permission::OrgManage) {
            return Err(refused(
                &self.db,
                ctx,
                "org.department.create",
                "department:new".into(),
                e,
                self.clock.now(),
            )
            .await);
        }
        let d = input.validate(registry()).map_err(Error::validation)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if repo::department_by_uscc(&mut tx, d.uscc.as_str())
            .await?
            .is_some()
        {
            return Err(Self::uscc_taken());
        }
        let parent = Self::resolve_parent(&mut tx, &d).await?;
        let id = repo::insert_department(&mut tx, &d, parent, now).await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "org.department.create",
                format!("department:{id}"),
            )
            .source(&ctx.source)
            .data(json!({ "uscc": d.uscc.as_str(), "name": d.name })),
            now,
        )
        .await?;
        let out = repo::department(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn update_department(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &DepartmentInput,
        revision: Option<i64>,
    ) -> Result<Department> {
        let current = self.department(id).await?;
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.department.update",
            format!("department:{id}"),
            Target {
                department_id: Some(id),
                division: &current.division_code,
            },
        )
        .await?;
        let d = input.validate(registry()).map_err(Error::validation)?;
        // Moving a department to another division needs the right over that division too.
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.department.update",
            format!("department:{id}"),
            Target {
                department_id: Some(id),
                division: &d.division,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if let Some(other) = repo::department_by_uscc(&mut tx, d.uscc.as_str()).await?
            && other.id != id
        {
            return Err(Self::uscc_taken());
        }
        let parent = Self::resolve_parent(&mut tx, &d).await?;
        if parent == Some(id) {
            return Err(Error::field(FieldError::new(
                "parent_uscc",
                "parent.self",
                "上级部门不能是本部门",
                "A department cannot be its own parent",
            )));
        }
        if !repo::update_department(&mut tx, id, &d, parent, revision, now).await? {
            return Err(Error::new(ErrorCode::Conflict));
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "org.department.update",
                format!("department:{id}"),
            )
            .source(&ctx.source)
            .data(json!({ "uscc": d.uscc.as_str(), "name": d.name })),
            now,
        )
        .await?;
        let out = repo::department(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn delete_department(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let current = self.department(id).await?;
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.department.delete",
            format!("department:{id}"),
            Target {
                department_id: Some(id),
                division: &current.division_code,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        repo::delete_department(&mut tx, id).await.map_err(|e| {
            if e.code == ErrorCode::InvalidState {
                e.with_detail(
                    "该部门仍有下级部门、事项、窗口或工作人员，不能删除",
                    "The department still has sub-departments, items, windows or staff and cannot be deleted",
                )
            } else {
                e
            }
        })?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "org.department.delete",
                format!("department:{id}"),
            )
            .source(&ctx.source)
            .data(json!({ "uscc": current.uscc.as_str(), "name": current.name })),
            now,
        )
        .await?;
        tx.commit().await
    }

    // Halls and windows --------------------------------------------------------------------------

    pub async fn list_halls(&self, division: Option<&DivisionCode>) -> Result<Vec<Hall>> {
        let mut c = self.db.clone();
        repo::list_halls(&mut c, division).await
    }

    pub async fn hall(&self, id: i64) -> Result<Hall> {
        let mut c = self.db.clone();
        repo::hall(&mut c, id).await?.ok_or_else(Error::not_found)
    }

    async fn check_department(tx: &mut Tx, id: Option<i64>, field: &str) -> Result<()> {
        if let Some(id) = id
            && repo::department(tx, id).await?.is_none()
        {
            return Err(Error::field(FieldError::new(
                field,
                "department.unknown",
                "所选部门不存在",
                "The department does not exist",
            )));
        }
        Ok(())
    }

    pub async fn create_hall(&self, ctx: &Ctx, input: &HallInput) -> Result<Hall> {
        match DivisionCode::parse(&input.division_code) {
            Ok(d) => {
                self.authorise(
                    ctx,
                    Permission::OrgManage,
                    "org.hall.create",
                    format!("division:{d}"),
                    Target {
                        department_id: None,
                        division: &d,
                    },
                )
                .await?
            }
            Err(_) => {
                if let Err(e) = ctx.actor.require(Permission::OrgManage) {
                    return Err(refused(
                        &self.db,
                        ctx,
                        "org.hall.create",
                        "hall:new".into(),
                        e,
                        self.clock.now(),
                    )
                    .await);
                }
            }
        }
        let h = input.validate(registry()).map_err(Error::validation)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        Self::check_department(&mut tx, h.department_id, "department_id").await?;
        let id = repo::insert_hall(&mut tx, &h, now)
            .await
            .map_err(Self::hall_name_taken)?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.hall.create", format!("hall:{id}"))
                .source(&ctx.source)
                .data(json!({ "name": h.name })),
            now,
        )
        .await?;
        let out = repo::hall(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    fn hall_name_taken(e: Error) -> Error {
        if e.code == ErrorCode::Duplicate {
            Error::field(FieldError::new(
                "name",
                "hall.name_taken",
                "同一行政区划内已有同名大厅",
                "A hall with this name already exists in the division",
            ))
        } else {
            e
        }
    }

    pub async fn update_hall(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &HallInput,
        revision: Option<i64>,
    ) -> Result<Hall> {
        let current = self.hall(id).await?;
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.hall.update",
            format!("hall:{id}"),
            Target {
                department_id: None,
                division: &current.division_code,
            },
        )
        .await?;
        let h = input.validate(registry()).map_err(Error::validation)?;
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.hall.update",
            format!("hall:{id}"),
            Target {
                department_id: None,
                division: &h.division,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        Self::check_department(&mut tx, h.department_id, "department_id").await?;
        if !repo::update_hall(&mut tx, id, &h, revision, now)
            .await
            .map_err(Self::hall_name_taken)?
        {
            return Err(Error::new(ErrorCode::Conflict));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.hall.update", format!("hall:{id}"))
                .source(&ctx.source)
                .data(json!({ "name": h.name })),
            now,
        )
        .await?;
        let out = repo::hall(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    /// Creates (`window_id = None`) or changes a window of a hall.
    pub async fn save_window(
        &self,
        ctx: &Ctx,
        hall_id: i64,
        window_id: Option<i64>,
        input: &WindowInput,
    ) -> Result<Hall> {
        let hall = self.hall(hall_id).await?;
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.window.save",
            format!("hall:{hall_id}"),
            Target {
                department_id: None,
                division: &hall.division_code,
            },
        )
        .await?;
        let w = input.validate().map_err(Error::validation)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        Self::check_department(&mut tx, w.department_id, "department_id").await?;
        if repo::window_number_taken(&mut tx, hall_id, &w.number, window_id).await? {
            return Err(Error::field(FieldError::new(
                "number",
                "window.number_taken",
                "本大厅已有该窗口号",
                "This hall already has a window with this number",
            )));
        }
        let id = match window_id {
            None => repo::insert_window(&mut tx, hall_id, &w).await?,
            Some(id) => {
                if !repo::update_window(&mut tx, hall_id, id, &w).await? {
                    return Err(Error::not_found());
                }
                id
            }
        };
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.window.save", format!("window:{id}"))
                .source(&ctx.source)
                .data(json!({ "hall": hall_id, "number": w.number })),
            now,
        )
        .await?;
        let out = repo::hall(&mut tx, hall_id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn delete_window(&self, ctx: &Ctx, hall_id: i64, window_id: i64) -> Result<Hall> {
        let hall = self.hall(hall_id).await?;
        self.authorise(
            ctx,
            Permission::OrgManage,
            "org.window.delete",
            format!("window:{window_id}"),
            Target {
                department_id: None,
                division: &hall.division_code,
            },
        )
        .await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if !repo::delete_window(&mut tx, hall_id, window_id).await? {
            return Err(Error::not_found());
        }
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "org.window.delete",
                format!("window:{window_id}"),
            )
            .source(&ctx.source)
            .data(json!({ "hall": hall_id })),
            now,
        )
        .await?;
        let out = repo::hall(&mut tx, hall_id)
            .await?
            .ok_or_else(Error::not_found)?;
        tx.commit().await?;
        Ok(out)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

/// Looks up a department inside a caller's transaction (used by other domains).
pub async fn department_in(c: &mut impl Conn, id: i64) -> Result<Option<Department>> {
    repo::department(c, id).await
}

/// The departments `f` selects, by division and id, inside a caller's transaction (used by
/// other domains, which never read the org domain's tables themselves).
pub async fn departments_in(c: &mut impl Conn, f: &DepartmentFilter) -> Result<Vec<Department>> {
    Ok(repo::list_departments(c, f, None).await?.0)
}

/// Who may read a domain's facts (指标事实) and over which departments: `SupervisionView`
/// (scope by its reach) or a System actor (deny by default; a refusal is audited with
/// `object`). Answers the departments to count, `None` for all; `wanted` (a drill-down's
/// department filter) narrows it. Every domain's `kpi_facts`/`kpi_members` starts here.
pub async fn facts_reach(
    db: &Db,
    ctx: &Ctx,
    wanted: Option<&[i64]>,
    object: &str,
    at: time::OffsetDateTime,
) -> Result<Option<Vec<i64>>> {
    use yiwang_kernel::auth::Scope;
    if let Err(e) = ctx.actor.require(Permission::SupervisionView) {
        return Err(refused(db, ctx, "kpi.facts", object.to_string(), e, at).await);
    }
    let reach = match ctx.actor.scope_of(Permission::SupervisionView) {
        Scope::Everything => None,
        Scope::Nothing => Some(Vec::new()),
        Scope::Department(id) => Some(vec![id]),
        Scope::Division(d) => {
            let f = DepartmentFilter {
                division: Some(d),
                ..DepartmentFilter::default()
            };
            let mut c = db.clone();
            Some(
                departments_in(&mut c, &f)
                    .await?
                    .into_iter()
                    .map(|d| d.id)
                    .collect(),
            )
        }
    };
    Ok(match (reach, wanted) {
        (None, None) => None,
        (None, Some(w)) => Some(w.to_vec()),
        (Some(r), None) => Some(r),
        (Some(r), Some(w)) => Some(r.into_iter().filter(|id| w.contains(id)).collect()),
    })
}

/// The halls inside `division` (all with `None`) with their windows, inside a caller's
/// connection (used by other domains: the catalog's one-window facts).
pub async fn halls_in(c: &mut impl Conn, division: Option<&DivisionCode>) -> Result<Vec<Hall>> {
    repo::list_halls(c, division).await
}
