//! The item list (抽查事项清单) and the two rosters (两库: entities and inspectors), and declared
//! conflicts (回避). Writes need `inspection.plan` over the department concerned.

use std::collections::HashMap;

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Target};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::error::{Problems, RowError};
use yiwang_kernel::{Error, FieldError, Result, text};
use yiwang_sheets::{Column, Format, Layout};

use super::model::{
    ConflictInput, ConflictView, EntityInput, EntityView, InspectorInput, InspectorView, ItemInput,
    ItemView, PoolImportReport,
};
use super::repo::{self, EntityRow, InspectorRow, ItemRow};
use crate::SupervisionService;

/// A code: 1–32 letters, digits, `-` or `_`.
pub(crate) fn code_ok(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn code_error(field: &str) -> FieldError {
    FieldError::new(
        field,
        "inspection.code_format",
        "编码应为1～32位字母、数字、“-”或“_”",
        "A code has 1–32 letters, digits, '-' or '_'",
    )
}

/// The columns of an entity pool file (CSV or XLSX).
pub const ENTITY_COLUMNS: &[Column] = &[
    Column::new("uscc", "统一社会信用代码", true),
    Column::new("name", "名称", true),
    Column::new("stratum", "分层", true),
    Column::new("industry", "行业", false),
    Column::new("division", "行政区划", true),
    Column::new("risk_flags", "风险标记", false),
];

impl SupervisionService {
    pub(crate) fn insp_now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Audits a refusal (in its own transaction) and returns the error.
    pub(crate) async fn refuse_inspection(
        &self,
        ctx: &Ctx,
        object: String,
        attempted: &str,
        e: Error,
    ) -> Error {
        yiwang_audit::refused(&self.db, ctx, object, attempted, e, self.insp_now()).await
    }

    /// The division of a department (404 when there is none).
    pub(crate) async fn insp_department(&self, id: i64) -> Result<(DivisionCode, String)> {
        let mut c = self.db.clone();
        let d = yiwang_org::service::department_in(&mut c, id)
            .await?
            .ok_or_else(|| {
                Error::field(FieldError::new(
                    "department_id",
                    "inspection.department_unknown",
                    "没有该部门",
                    "No such department",
                ))
            })?;
        Ok((d.division_code, d.name))
    }

    /// Requires `perm` over department `id`, auditing a refusal.
    pub(crate) async fn insp_require(
        &self,
        ctx: &Ctx,
        perm: Permission,
        id: i64,
        object: String,
        attempted: &str,
    ) -> Result<()> {
        if let Err(e) = ctx.actor.require(perm) {
            return Err(self.refuse_inspection(ctx, object, attempted, e).await);
        }
        let (division, _) = self.insp_department(id).await?;
        let target = Target {
            department_id: Some(id),
            division: &division,
        };
        match ctx.actor.require_on(perm, target) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.refuse_inspection(ctx, object, attempted, e).await),
        }
    }

    pub(crate) async fn insp_department_names(&self) -> Result<HashMap<i64, String>> {
        let mut c = self.db.clone();
        let mut out = HashMap::new();
        for r in repo::items(&mut c).await? {
            if let std::collections::hash_map::Entry::Vacant(v) = out.entry(r.department_id) {
                let n = yiwang_org::service::department_in(&mut c, r.department_id)
                    .await?
                    .map(|d| d.name)
                    .unwrap_or_default();
                v.insert(n);
            }
        }
        Ok(out)
    }

    /// The item list (public: 抽查事项清单 is published).
    pub async fn inspection_items(&self) -> Result<Vec<ItemView>> {
        let mut c = self.db.clone();
        let names = self.insp_department_names().await?;
        Ok(repo::items(&mut c)
            .await?
            .into_iter()
            .map(|r| item_view(r, &names))
            .collect())
    }

    /// Creates or changes the item `input.code`.
    pub async fn save_inspection_item(&self, ctx: &Ctx, input: ItemInput) -> Result<ItemView> {
        let code = input.code.trim().to_string();
        let object = format!("inspection_item:{code}");
        self.insp_require(
            ctx,
            Permission::InspectionPlan,
            input.department_id,
            object.clone(),
            "inspection.item.save",
        )
        .await?;
        let mut p = Problems::new();
        if !code_ok(&code) {
            p.push(code_error("code"));
        }
        let name = p.take(text::required("name", &input.name, 200));
        let basis = p.take(text::required("legal_basis", &input.legal_basis, 2000));
        let object_type = p.take(text::required("object_type", &input.object_type, 100));
        p.into_result()?;
        let row = ItemRow {
            id: 0,
            code: code.clone(),
            name: name.unwrap_or_default(),
            department_id: input.department_id,
            legal_basis: basis.unwrap_or_default(),
            object_type: object_type.unwrap_or_default(),
            active: input.active,
        };
        let now = self.insp_now();
        let mut tx = self.db.write().await?;
        repo::upsert_item(&mut tx, &row, now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.item.save", object)
                .source(&ctx.source)
                .data(json!({"name": row.name, "department_id": row.department_id, "active": row.active})),
            now,
        )
        .await?;
        tx.commit().await?;
        let names = self.insp_department_names().await?;
        Ok(item_view(row, &names))
    }

    /// A page of the entity pool (staff with `inspection.record`).
    pub async fn inspection_entities(
        &self,
        ctx: &Ctx,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<EntityView>, i64)> {
        if let Err(e) = ctx.actor.require(Permission::InspectionRecord) {
            return Err(self
                .refuse_inspection(ctx, "inspection_entities".into(), "inspection.entities", e)
                .await);
        }
        let mut c = self.db.clone();
        let rows = repo::entities(&mut c, limit.clamp(1, 500), offset.max(0)).await?;
        let total = repo::entity_count(&mut c).await?;
        Ok((rows.into_iter().map(entity_view).collect(), total))
    }

    /// Imports (inserts or updates) entities of the pool from a CSV or XLSX file: all or
    /// nothing, errors by line.
    pub async fn import_inspection_entities(
        &self,
        ctx: &Ctx,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<PoolImportReport> {
        let sheet = match Format::detect(bytes) {
            Format::Csv => yiwang_sheets::read_csv(file_name, bytes)?.0,
            Format::Xlsx => yiwang_sheets::read_xlsx(bytes)?
                .into_iter()
                .next()
                .unwrap_or_default(),
        };
        let layout = Layout::resolve(&sheet, ENTITY_COLUMNS).map_err(Error::import_rejected)?;
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for r in &sheet.rows {
            let input = EntityInput {
                uscc: layout.get(r, "uscc").to_string(),
                name: layout.get(r, "name").to_string(),
                stratum: layout.get(r, "stratum").to_string(),
                industry: layout.get(r, "industry").to_string(),
                division: layout.get(r, "division").to_string(),
                risk_flags: layout.get(r, "risk_flags").to_string(),
            };
            match entity_row(&input, &format!("import:{file_name}")) {
                Ok(row) => rows.push(row),
                Err(es) => errors.extend(
                    es.into_iter()
                        .map(|e| RowError::from_field(&sheet.name, r.line, e)),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(Error::import_rejected(errors));
        }
        self.save_inspection_entities(ctx, rows, file_name).await
    }

    /// Inserts or updates entities of the pool (each validated; all or nothing).
    pub async fn add_inspection_entities(
        &self,
        ctx: &Ctx,
        inputs: Vec<EntityInput>,
        source: &str,
    ) -> Result<PoolImportReport> {
        let mut rows = Vec::new();
        let mut p = Problems::new();
        for (i, input) in inputs.iter().enumerate() {
            match entity_row(input, source) {
                Ok(r) => rows.push(r),
                Err(es) => p.extend(es.into_iter().map(|e| e.within(&format!("entities[{i}]")))),
            }
        }
        p.into_result()?;
        self.save_inspection_entities(ctx, rows, source).await
    }

    async fn save_inspection_entities(
        &self,
        ctx: &Ctx,
        rows: Vec<EntityRow>,
        source: &str,
    ) -> Result<PoolImportReport> {
        let object = "inspection_entities".to_string();
        if let Err(e) = ctx.actor.require(Permission::InspectionPlan) {
            return Err(self
                .refuse_inspection(ctx, object, "inspection.entities.import", e)
                .await);
        }
        let now = self.insp_now();
        let mut tx = self.db.write().await?;
        for r in &rows {
            repo::upsert_entity(&mut tx, r, now).await?;
        }
        let total = repo::entity_count(&mut tx).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.entities.import", object)
                .source(&ctx.source)
                .data(json!({"source": source, "rows": rows.len(), "total": total})),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(PoolImportReport {
            imported: rows.len(),
            total,
        })
    }

    /// The inspector pool (staff with `inspection.record`).
    pub async fn inspection_inspectors(&self, ctx: &Ctx) -> Result<Vec<InspectorView>> {
        if let Err(e) = ctx.actor.require(Permission::InspectionRecord) {
            return Err(self
                .refuse_inspection(
                    ctx,
                    "inspection_inspectors".into(),
                    "inspection.inspectors",
                    e,
                )
                .await);
        }
        let mut c = self.db.clone();
        Ok(repo::inspectors(&mut c)
            .await?
            .into_iter()
            .map(inspector_view)
            .collect())
    }

    /// Adds or changes an inspector of the pool: a staff account with a certificate number,
    /// qualified for listed items.
    pub async fn save_inspector(&self, ctx: &Ctx, input: InspectorInput) -> Result<InspectorView> {
        let object = format!("inspector:{}", input.staff_id);
        let staff = self
            .identity
            .staff_by_id(input.staff_id)
            .await?
            .ok_or_else(|| {
                Error::field(FieldError::new(
                    "staff_id",
                    "inspection.staff_unknown",
                    "没有该工作人员账号",
                    "No such staff account",
                ))
            })?;
        self.insp_require(
            ctx,
            Permission::InspectionPlan,
            staff.department_id,
            object.clone(),
            "inspection.inspector.save",
        )
        .await?;
        let mut p = Problems::new();
        let cert = p.take(text::required("cert_no", &input.cert_no, 50));
        let mut c = self.db.clone();
        let mut codes: Vec<String> = Vec::new();
        for code in &input.item_codes {
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            if repo::item(&mut c, code).await?.is_none() {
                p.push(FieldError::new(
                    "item_codes",
                    "inspection.item_unknown",
                    format!("抽查事项“{code}”不在清单中"),
                    format!("Item \"{code}\" is not on the list"),
                ));
            }
            codes.push(code.to_string());
        }
        codes.sort();
        codes.dedup();
        p.into_result()?;
        let (division, _) = self.insp_department(staff.department_id).await?;
        let row = InspectorRow {
            id: 0,
            staff_id: staff.id,
            name: staff.name.clone(),
            cert_no: cert.unwrap_or_default(),
            department_id: staff.department_id,
            item_codes: codes.join(","),
            division: division.as_str().to_string(),
            active: input.active,
        };
        let now = self.insp_now();
        let mut tx = self.db.write().await?;
        repo::upsert_inspector(&mut tx, &row, now).await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.inspector.save", object)
                .source(&ctx.source)
                .data(json!({"cert_no": row.cert_no, "items": codes, "active": row.active})),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(inspector_view(row))
    }

    /// Declared conflicts (回避), with reasons (organisers only).
    pub async fn inspection_conflicts(&self, ctx: &Ctx) -> Result<Vec<ConflictView>> {
        if let Err(e) = ctx.actor.require(Permission::InspectionPlan) {
            return Err(self
                .refuse_inspection(
                    ctx,
                    "inspection_conflicts".into(),
                    "inspection.conflicts",
                    e,
                )
                .await);
        }
        let mut c = self.db.clone();
        Ok(repo::conflicts(&mut c)
            .await?
            .into_iter()
            .map(|r| ConflictView {
                staff_id: r.staff_id,
                uscc: r.uscc,
                reason: r.reason,
            })
            .collect())
    }

    /// Declares a conflict: an organiser for anyone, an inspector for themself.
    pub async fn declare_conflict(&self, ctx: &Ctx, input: ConflictInput) -> Result<ConflictView> {
        let object = format!("inspector:{}", input.staff_id);
        let own = ctx.actor.user_id() == Some(input.staff_id)
            && ctx.actor.has(Permission::InspectionRecord);
        if !own && let Err(e) = ctx.actor.require(Permission::InspectionPlan) {
            return Err(self
                .refuse_inspection(ctx, object, "inspection.conflict.declare", e)
                .await);
        }
        let mut p = Problems::new();
        let uscc = p.take(Uscc::parse(&input.uscc));
        let reason = p.take(text::required("reason", &input.reason, 500));
        if self.identity.staff_by_id(input.staff_id).await?.is_none() {
            p.push(FieldError::new(
                "staff_id",
                "inspection.staff_unknown",
                "没有该工作人员账号",
                "No such staff account",
            ));
        }
        p.into_result()?;
        let uscc = uscc.map(|u| u.as_str().to_string()).unwrap_or_default();
        let reason = reason.unwrap_or_default();
        let now = self.insp_now();
        let mut tx = self.db.write().await?;
        repo::insert_conflict(
            &mut tx,
            input.staff_id,
            &uscc,
            &reason,
            &ctx.actor.label(),
            now,
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "inspection.conflict.declare", object)
                .source(&ctx.source)
                .data(json!({"uscc": uscc})),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ConflictView {
            staff_id: input.staff_id,
            uscc,
            reason,
        })
    }
}

fn item_view(r: ItemRow, names: &HashMap<i64, String>) -> ItemView {
    ItemView {
        department_name: names.get(&r.department_id).cloned().unwrap_or_default(),
        code: r.code,
        name: r.name,
        department_id: r.department_id,
        legal_basis: r.legal_basis,
        object_type: r.object_type,
        active: r.active,
    }
}

fn entity_view(r: EntityRow) -> EntityView {
    EntityView {
        uscc: r.uscc,
        name: r.name,
        stratum: r.stratum,
        industry: r.industry,
        division: r.division,
        risk_flags: r.risk_flags,
        active: r.active,
        source: r.source,
    }
}

pub(crate) fn inspector_view(r: InspectorRow) -> InspectorView {
    InspectorView {
        staff_id: r.staff_id,
        name: r.name,
        cert_no: r.cert_no,
        department_id: r.department_id,
        item_codes: split_codes(&r.item_codes),
        division: r.division,
        active: r.active,
    }
}

pub(crate) fn split_codes(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Validates one entity of the pool.
fn entity_row(
    input: &EntityInput,
    source: &str,
) -> std::result::Result<EntityRow, Vec<FieldError>> {
    let mut p = Problems::new();
    let uscc = p.take(Uscc::parse(&input.uscc));
    let name = p.take(text::required("name", &input.name, 200));
    let stratum = input.stratum.trim().to_string();
    if !code_ok(&stratum) {
        p.push(code_error("stratum"));
    }
    let industry = p.take(text::optional("industry", &input.industry, 100));
    let division = p.take(DivisionCode::parse(&input.division));
    let flags = p.take(text::optional("risk_flags", &input.risk_flags, 200));
    if !p.is_empty() {
        return Err(p.0);
    }
    Ok(EntityRow {
        id: 0,
        uscc: uscc.map(|u| u.as_str().to_string()).unwrap_or_default(),
        name: name.unwrap_or_default(),
        stratum,
        industry: industry.unwrap_or_default(),
        division: division.map(|d| d.as_str().to_string()).unwrap_or_default(),
        risk_flags: flags.unwrap_or_default(),
        active: true,
        source: source.to_string(),
    })
}
