//! Import and export of departments as CSV (UTF-8 or GBK) and XLSX.
//!
//! Import is all-or-nothing per file: every row is validated first and every problem reported
//! with its line, field and rule; only a file without problems is written, in one transaction.
//! Rows are matched to existing departments by USCC (existing ones are updated). A parent may be
//! a department already stored or one in the same file, in any order.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::error::RowError;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_sheets::{
    Column, Format, Layout, Sheet, read_csv, read_xlsx, sheet_for, write_csv, write_xlsx,
};

use crate::divisions::registry;
use crate::model::{DepartmentInput, NewDepartment};
use crate::repo::{self, DepartmentFilter};
use crate::service::{OrgService, refused};

pub const SHEET: &str = "部门";

/// The header of the column of the departments table that holds `field` (`uscc` → 统一社会信用代码).
pub fn column_title(field: &str) -> Option<&'static str> {
    COLUMNS.iter().find(|c| c.key == field).map(|c| c.zh)
}

pub const COLUMNS: &[Column] = &[
    Column::new("name", "部门名称", true),
    Column {
        aliases: &["USCC", "信用代码"],
        ..Column::new("uscc", "统一社会信用代码", true)
    },
    Column {
        aliases: &["区划代码"],
        ..Column::new("division_code", "行政区划代码", true)
    },
    Column::new("short_name", "简称", false),
    Column::new("parent_uscc", "上级部门统一社会信用代码", false),
    Column::new("kind", "部门类型", false),
    Column::new("phone", "联系电话", false),
    Column::new("address", "办公地址", false),
];

/// What an import did. (Named apart in the OpenAPI document: other domains have an
/// `ImportReport` too, and one schema name would hide the others.)
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DepartmentImportReport)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// `utf-8`, `gb18030` or `xlsx`.
    pub encoding: String,
}

fn pick_sheet(bytes: &[u8]) -> Result<(Sheet, String)> {
    match Format::detect(bytes) {
        Format::Xlsx => {
            let sheets = read_xlsx(bytes)?;
            let s = sheets
                .iter()
                .find(|s| s.name == SHEET)
                .or_else(|| sheets.first())
                .cloned()
                .ok_or_else(|| {
                    Error::import_rejected(vec![])
                        .with_detail("工作簿中没有工作表", "The workbook has no sheets")
                })?;
            Ok((s, "xlsx".into()))
        }
        Format::Csv => {
            let (s, enc) = read_csv(SHEET, bytes)?;
            let enc = match enc {
                yiwang_sheets::Encoding::Utf8 => "utf-8",
                yiwang_sheets::Encoding::Gb18030 => "gb18030",
            };
            Ok((s, enc.into()))
        }
    }
}

/// Validates every row; returns the departments in an order where parents come first.
fn validate_rows(sheet: &Sheet) -> std::result::Result<Vec<(usize, NewDepartment)>, Vec<RowError>> {
    let layout = Layout::resolve(sheet, COLUMNS)?;
    let mut errors = Vec::new();
    let mut good = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &sheet.rows {
        let input = DepartmentInput {
            uscc: layout.get(row, "uscc").into(),
            name: layout.get(row, "name").into(),
            short_name: layout.get(row, "short_name").into(),
            division_code: layout.get(row, "division_code").into(),
            parent_uscc: layout.get(row, "parent_uscc").into(),
            kind: layout.get(row, "kind").into(),
            phone: layout.get(row, "phone").into(),
            address: layout.get(row, "address").into(),
        };
        match input.validate(registry()) {
            Err(es) => errors.extend(
                es.into_iter()
                    .map(|e| RowError::from_field(&layout.sheet, row.line, e)),
            ),
            Ok(d) => {
                if let Some(first) = seen.insert(d.uscc.as_str().to_string(), row.line) {
                    errors.push(RowError::from_field(
                        &layout.sheet,
                        row.line,
                        FieldError::new(
                            "uscc",
                            "uscc.duplicate_in_file",
                            format!("与第{first}行的统一社会信用代码重复"),
                            format!("Same unified social credit code as line {first}"),
                        ),
                    ));
                } else {
                    good.push((row.line, d));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Parents first: repeatedly take rows whose parent is outside the file or already taken.
    let in_file: HashSet<String> = good
        .iter()
        .map(|(_, d)| d.uscc.as_str().to_string())
        .collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut ordered = Vec::with_capacity(good.len());
    let mut rest = good;
    while !rest.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) =
            rest.into_iter()
                .partition(|(_, d): &(usize, NewDepartment)| match &d.parent_uscc {
                    None => true,
                    Some(p) => !in_file.contains(p.as_str()) || placed.contains(p.as_str()),
                });
        if ready.is_empty() {
            return Err(waiting
                .iter()
                .map(|(line, _)| {
                    RowError::from_field(
                        SHEET,
                        *line,
                        FieldError::new(
                            "parent_uscc",
                            "parent.cycle",
                            "上级部门关系存在循环",
                            "The parent relations form a cycle",
                        ),
                    )
                })
                .collect());
        }
        for (line, d) in ready {
            placed.insert(d.uscc.as_str().to_string());
            ordered.push((line, d));
        }
        rest = waiting;
    }
    Ok(ordered)
}

impl OrgService {
    /// Imports a department file. Nothing is written unless every row is valid.
    pub async fn import_departments(&self, ctx: &Ctx, bytes: &[u8]) -> Result<ImportReport> {
        if let Err(e) = ctx.actor.require(Permission::OrgImport) {
            return Err(refused(
                self.db(),
                ctx,
                "org.import",
                "departments".into(),
                e,
                self.clock().now(),
            )
            .await);
        }
        // Reading and checking the file is CPU work: on the blocking pool, off the request threads.
        let owned = bytes.to_vec();
        let (rows, encoding) = tokio::task::spawn_blocking(move || -> Result<_> {
            let (sheet, encoding) = pick_sheet(&owned)?;
            let rows = validate_rows(&sheet).map_err(Error::import_rejected)?;
            Ok((rows, encoding))
        })
        .await
        .map_err(|e| Error::internal(format!("import task: {e}")))??;
        // Every row must lie in the caller's scope.
        let scope = ctx.actor.scope_of(Permission::OrgImport);
        let out_of_scope: Vec<RowError> = rows
            .iter()
            .filter(|(_, d)| match &scope {
                Scope::Everything => false,
                Scope::Division(s) => !d.division.within(s),
                _ => true,
            })
            .map(|(line, _)| {
                RowError::from_field(
                    SHEET,
                    *line,
                    FieldError::new(
                        "division_code",
                        "scope",
                        "该行政区划不在您的管理范围内",
                        "This division is outside your jurisdiction",
                    ),
                )
            })
            .collect();
        if !out_of_scope.is_empty() {
            return Err(Error::import_rejected(out_of_scope));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let mut ids: HashMap<String, i64> = HashMap::new();
        let (mut created, mut updated) = (0, 0);
        let mut errors = Vec::new();
        for (line, d) in &rows {
            let parent = match &d.parent_uscc {
                None => None,
                Some(p) => match ids.get(p.as_str()) {
                    Some(id) => Some(*id),
                    None => match repo::department_by_uscc(&mut tx, p.as_str()).await? {
                        Some(dep) => Some(dep.id),
                        None => {
                            errors.push(RowError::from_field(SHEET, *line, FieldError::new("parent_uscc", "parent.unknown", "上级部门不存在（既不在文件中也不在系统中）", "The parent department is neither in the file nor in the system")));
                            continue;
                        }
                    },
                },
            };
            let id = match repo::department_by_uscc(&mut tx, d.uscc.as_str()).await? {
                Some(existing) => {
                    repo::update_department(&mut tx, existing.id, d, parent, None, now).await?;
                    updated += 1;
                    existing.id
                }
                None => {
                    created += 1;
                    repo::insert_department(&mut tx, d, parent, now).await?
                }
            };
            ids.insert(d.uscc.as_str().to_string(), id);
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            return Err(Error::import_rejected(errors));
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.import", "departments")
                .source(&ctx.source)
                .data(json!({ "created": created, "updated": updated, "rows": rows.len(), "encoding": encoding })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ImportReport {
            created,
            updated,
            encoding,
        })
    }

    /// Exports the departments in the caller's scope.
    pub async fn export_departments(&self, ctx: &Ctx, format: Format) -> Result<Vec<u8>> {
        if let Err(e) = ctx.actor.require(Permission::OrgImport) {
            return Err(refused(
                self.db(),
                ctx,
                "org.export",
                "departments".into(),
                e,
                self.clock().now(),
            )
            .await);
        }
        let filter = match ctx.actor.scope_of(Permission::OrgImport) {
            Scope::Division(d) => DepartmentFilter {
                division: Some(d),
                ..Default::default()
            },
            Scope::Everything => DepartmentFilter::default(),
            _ => return Err(Error::forbidden()),
        };
        let mut tx = self.db().write().await?;
        let (deps, _) = repo::list_departments(&mut tx, &filter, None).await?;
        let by_id: HashMap<i64, String> = deps.iter().map(|d| (d.id, d.uscc.to_string())).collect();
        let mut rows = Vec::with_capacity(deps.len());
        for d in &deps {
            let parent = match d.parent_id {
                None => String::new(),
                Some(p) => match by_id.get(&p) {
                    Some(u) => u.clone(),
                    None => repo::department(&mut tx, p)
                        .await?
                        .map(|x| x.uscc.to_string())
                        .unwrap_or_default(),
                },
            };
            rows.push(vec![
                d.name.clone(),
                d.uscc.to_string(),
                d.division_code.to_string(),
                d.short_name.clone(),
                parent,
                d.kind.zh().to_string(),
                d.phone.clone(),
                d.address.clone(),
            ]);
        }
        let now = self.clock().now();
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "org.export", "departments")
                .source(&ctx.source)
                .data(json!({ "rows": rows.len(), "format": format.extension() })),
            now,
        )
        .await?;
        tx.commit().await?;
        let sheet = sheet_for(SHEET, COLUMNS, rows);
        match format {
            Format::Csv => write_csv(&sheet),
            Format::Xlsx => write_xlsx(&[sheet]),
        }
    }
}
