//! Importing and exporting the catalog as one table with **one row per data item** (信息项):
//! the resource's columns (code, classification, name, provider, summary, format, sharing,
//! opening, update cycle, related resources) repeat on each of its items' rows; on import they
//! are read from the resource's first row (later rows may leave them blank). Consecutive rows
//! with the same code — or, without a code, the same name and provider — are one resource.
//! CSV (UTF-8 or GBK) or XLSX (the first sheet, or the sheet named 信息资源目录). All or
//! nothing: any bad row rejects the file with every problem by line; nothing is written.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use yiwang_audit::Entry;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::error::RowError;
use yiwang_kernel::{Error, FieldError, Result};
use yiwang_sheets::{Column, Format, Layout, Sheet, read_csv, read_xlsx, sheet_for};

use super::{ADMIN, departments, may};
use crate::model::{
    Classification, DataItem, ItemType, OpenType, QualityRule, Resource, ResourceCode,
    ResourceFormat, ResourceMeta, ShareMethod, ShareType, UpdateCycle,
};
use crate::repo::{catalog as repo, resources};
use crate::service::ExchangeService;

/// The sheet's name in an exported workbook (and preferred on import).
pub const SHEET: &str = "信息资源目录";

/// The columns, in export order.
pub const COLUMNS: &[Column] = &[
    Column::new("code", "信息资源代码", false),
    Column::new("classification", "信息资源分类", true),
    Column::new("name", "信息资源名称", true),
    Column {
        key: "department",
        zh: "信息资源提供方",
        required: true,
        aliases: &["提供方", "提供部门"],
    },
    Column::new("summary", "信息资源摘要", false),
    Column::new("format", "信息资源格式", true),
    Column::new("share_type", "共享类型", true),
    Column::new("share_condition", "共享条件", false),
    Column {
        key: "share_basis",
        zh: "共享依据",
        required: false,
        aliases: &["不予共享依据"],
    },
    Column::new("share_method", "共享方式", true),
    Column::new("open_type", "开放类型", true),
    Column::new("open_condition", "开放条件", false),
    Column::new("update_cycle", "更新周期", true),
    Column::new("related", "关联资源代码", false),
    Column::new("publish_date", "发布日期", false),
    Column::new("item_name", "信息项名称", true),
    Column::new("item_field", "字段名", true),
    Column::new("item_type", "数据类型", true),
    Column::new("item_length", "数据长度", false),
    Column::new("item_key", "主键", false),
    Column::new("item_personal", "个人信息", false),
    Column::new("item_description", "信息项说明", false),
    Column::new("item_rules", "质量规则", false),
];

/// What an import created, one entry per resource (the per-row report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogImport {
    pub created: Vec<ImportedResource>,
    /// Data rows read.
    pub rows: usize,
    /// Whether the resources were published at once (else drafts submitted for review).
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportedResource {
    /// The line of the resource's first row.
    pub line: usize,
    pub id: i64,
    pub code: String,
    pub name: String,
    pub items: usize,
}

/// One resource read from the file, its provider still as written.
#[derive(Debug, Clone)]
struct Parsed {
    line: usize,
    code: Option<ResourceCode>,
    class: Classification,
    department: String,
    meta: ResourceMeta,
}

fn yes(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "否" | "false" | "0" | "n" | "no" => Some(false),
        "是" | "true" | "1" | "y" | "yes" => Some(true),
        _ => None,
    }
}

fn coded<T>(
    errs: &mut Vec<RowError>,
    line: usize,
    key: &str,
    zh_col: &str,
    v: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let r = parse(v);
    if r.is_none() {
        errs.push(RowError::from_field(
            SHEET,
            line,
            FieldError::new(
                key,
                "exchange.code_value",
                format!("“{zh_col}”的值“{v}”不是可用的代码或名称"),
                format!("\"{v}\" is not a known value of {key}"),
            ),
        ));
    }
    r
}

fn group_key(l: &Layout, row: &yiwang_sheets::SheetRow) -> String {
    let code = l.get(row, "code");
    if code.is_empty() {
        format!("{}\u{1f}{}", l.get(row, "name"), l.get(row, "department"))
    } else {
        code.to_string()
    }
}

fn parse_sheet(sheet: &Sheet) -> std::result::Result<Vec<Parsed>, Vec<RowError>> {
    let l = Layout::resolve(sheet, COLUMNS)?;
    let mut errs = Vec::new();
    let mut out: Vec<Parsed> = Vec::new();
    let mut groups: Vec<(String, Vec<&yiwang_sheets::SheetRow>)> = Vec::new();
    for row in &sheet.rows {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let k = group_key(&l, row);
        // A resource's rows follow each other; a continuation row may leave the resource's
        // columns blank.
        let blank = l.get(row, "code").is_empty() && l.get(row, "name").is_empty();
        match groups.last_mut() {
            Some((last, rows)) if *last == k || blank => rows.push(row),
            _ => groups.push((k, vec![row])),
        }
    }
    for (_, rows) in groups {
        let first = rows[0];
        let line = first.line;
        let mut bad = |field: &str, rule: &str, zh: String, en: String| {
            errs.push(RowError::from_field(
                SHEET,
                line,
                FieldError::new(field, rule, zh, en),
            ))
        };
        let g = |k: &str| l.get(first, k).to_string();
        let code = match g("code").as_str() {
            "" => None,
            c => match ResourceCode::parse(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    for f in e.fields {
                        bad("code", &f.rule, f.zh, f.en);
                    }
                    None
                }
            },
        };
        let class = match Classification::parse(&g("classification")) {
            Ok(c) => Some(c),
            Err(e) => {
                for f in e.fields {
                    bad("classification", &f.rule, f.zh, f.en);
                }
                None
            }
        };
        if let (Some(c), Some(cl)) = (&code, &class)
            && !c.as_str().starts_with(&format!("{}/", cl.0))
        {
            bad(
                "code",
                "exchange.resource_code",
                "信息资源代码的前段码应与信息资源分类一致".into(),
                "The code's classification part must be the classification".into(),
            );
        }
        if g("department").is_empty() {
            bad(
                "department",
                "required",
                "请填写信息资源提供方".into(),
                "The provider department is required".into(),
            );
        }
        let mut e2 = Vec::new();
        let format = coded(
            &mut e2,
            line,
            "format",
            "信息资源格式",
            &g("format"),
            ResourceFormat::parse,
        );
        let share_type = coded(
            &mut e2,
            line,
            "share_type",
            "共享类型",
            &g("share_type"),
            ShareType::parse,
        );
        let share_method = coded(
            &mut e2,
            line,
            "share_method",
            "共享方式",
            &g("share_method"),
            ShareMethod::parse,
        );
        let open_type = coded(
            &mut e2,
            line,
            "open_type",
            "开放类型",
            &g("open_type"),
            OpenType::parse,
        );
        let update_cycle = coded(
            &mut e2,
            line,
            "update_cycle",
            "更新周期",
            &g("update_cycle"),
            UpdateCycle::parse,
        );
        let mut items = Vec::new();
        for row in &rows {
            let c = |k: &str| l.get(row, k).to_string();
            let t = coded(
                &mut e2,
                row.line,
                "item_type",
                "数据类型",
                &c("item_type"),
                ItemType::parse,
            );
            let length = match c("item_length").as_str() {
                "" => None,
                s => match s.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        e2.push(RowError::from_field(
                            SHEET,
                            row.line,
                            FieldError::new(
                                "item_length",
                                "number",
                                "数据长度应为正整数",
                                "The data length is a positive whole number",
                            ),
                        ));
                        None
                    }
                },
            };
            let key = yes(&c("item_key"));
            let personal = yes(&c("item_personal"));
            for (k, v) in [("item_key", key), ("item_personal", personal)] {
                if v.is_none() {
                    e2.push(RowError::from_field(
                        SHEET,
                        row.line,
                        FieldError::new(
                            k,
                            "exchange.yes_no",
                            "应填“是”或“否”",
                            "Write 是 (yes) or 否 (no)",
                        ),
                    ));
                }
            }
            let rules: Vec<QualityRule> = match c("item_rules").as_str() {
                "" => Vec::new(),
                s => serde_json::from_str(s).unwrap_or_else(|_| {
                    e2.push(RowError::from_field(
                        SHEET,
                        row.line,
                        FieldError::new(
                            "item_rules",
                            "exchange.rules",
                            "质量规则应为 JSON 数组，如 [{\"rule\":\"required\"}]",
                            "Quality rules are a JSON array, e.g. [{\"rule\":\"required\"}]",
                        ),
                    ));
                    Vec::new()
                }),
            };
            if let Some(t) = t {
                items.push(DataItem {
                    name: c("item_name"),
                    field: c("item_field"),
                    item_type: t,
                    length,
                    key: key.unwrap_or(false),
                    personal: personal.unwrap_or(false),
                    description: c("item_description"),
                    rules,
                });
            }
        }
        errs.extend(e2);
        let (
            Some(class),
            Some(format),
            Some(share_type),
            Some(share_method),
            Some(open_type),
            Some(update_cycle),
        ) = (
            class,
            format,
            share_type,
            share_method,
            open_type,
            update_cycle,
        )
        else {
            continue;
        };
        let related = g("related")
            .split([',', '，', ';', '；', '、', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let meta = ResourceMeta {
            name: g("name"),
            summary: g("summary"),
            format,
            items,
            share_type,
            share_condition: g("share_condition"),
            share_basis: g("share_basis"),
            share_method,
            open_type,
            open_condition: g("open_condition"),
            update_cycle,
            related,
        };
        if let Err(e) = meta.check() {
            for f in e.fields {
                errs.push(RowError::from_field(SHEET, line, f));
            }
            continue;
        }
        out.push(Parsed {
            line,
            code,
            class,
            department: g("department"),
            meta,
        });
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

fn read_sheet(bytes: &[u8]) -> Result<Sheet> {
    match Format::detect(bytes) {
        Format::Csv => Ok(read_csv(SHEET, bytes)?.0),
        Format::Xlsx => {
            let mut sheets = read_xlsx(bytes)?;
            let i = sheets
                .iter()
                .position(|s| s.name.trim() == SHEET)
                .unwrap_or(0);
            if sheets.is_empty() {
                return Err(Error::import_rejected(vec![])
                    .with_detail("工作簿中没有工作表", "The workbook has no sheet"));
            }
            let mut s = sheets.swap_remove(i);
            s.name = SHEET.to_string();
            Ok(s)
        }
    }
}

/// The export's rows: one per data item of each resource.
pub fn rows_of(resources: &[(Resource, String)]) -> Vec<Vec<String>> {
    let b = |v: bool| if v { "是" } else { "否" }.to_string();
    let mut out = Vec::new();
    for (r, dept) in resources {
        let m = &r.meta;
        for i in &m.items {
            out.push(vec![
                r.code.0.clone(),
                r.classification.0.clone(),
                m.name.clone(),
                dept.clone(),
                m.summary.clone(),
                m.format.zh().into(),
                m.share_type.zh().into(),
                m.share_condition.clone(),
                m.share_basis.clone(),
                m.share_method.zh().into(),
                m.open_type.zh().into(),
                m.open_condition.clone(),
                m.update_cycle.zh().into(),
                m.related.join("，"),
                r.publish_date.map(|d| d.to_string()).unwrap_or_default(),
                i.name.clone(),
                i.field.clone(),
                i.item_type.zh().into(),
                i.length.map(|n| n.to_string()).unwrap_or_default(),
                b(i.key),
                b(i.personal),
                i.description.clone(),
                if i.rules.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(&i.rules).unwrap_or_default()
                },
            ]);
        }
    }
    out
}

impl ExchangeService {
    /// Imports resources (the division's data administrator, for departments within reach):
    /// each becomes a draft submitted for review, or is published at once with `publish`.
    pub async fn import_catalog(
        &self,
        ctx: &Ctx,
        bytes: Vec<u8>,
        publish: bool,
    ) -> Result<CatalogImport> {
        let (parsed, rows) = tokio::task::spawn_blocking(move || -> Result<_> {
            let sheet = read_sheet(&bytes)?;
            let n = sheet.rows.len();
            parse_sheet(&sheet)
                .map(|p| (p, n))
                .map_err(Error::import_rejected)
        })
        .await
        .map_err(|e| Error::internal(format!("catalog import task: {e}")))??;
        if parsed.is_empty() {
            return Err(Error::import_rejected(vec![])
                .with_detail("文件中没有信息资源", "The file holds no resource"));
        }
        let now = self.clock().now();
        let actor = ctx.actor.label();
        let mut tx = self.db().write().await?;
        let depts = departments(&mut tx).await?;
        let mut errs = Vec::new();
        let mut plan = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in parsed {
            let t = p.department.trim();
            let found: Vec<_> = depts
                .values()
                .filter(|d| d.name == t || d.uscc.to_string() == t || d.id.to_string() == t)
                .collect();
            let row_err = |rule: &str, zh: String, en: String, field: &str| {
                RowError::from_field(SHEET, p.line, FieldError::new(field, rule, zh, en))
            };
            let d = match found.as_slice() {
                [d] => *d,
                [] => {
                    errs.push(row_err(
                        "exists",
                        format!("没有部门“{t}”"),
                        format!("No department \"{t}\""),
                        "department",
                    ));
                    continue;
                }
                _ => {
                    errs.push(row_err(
                        "exchange.ambiguous",
                        format!("“{t}”对应多个部门，请填写统一社会信用代码"),
                        format!("\"{t}\" names several departments; give the USCC"),
                        "department",
                    ));
                    continue;
                }
            };
            if !may(ctx, ADMIN, d) {
                errs.push(row_err(
                    "forbidden",
                    format!("无权为“{}”导入信息资源", d.name),
                    format!("You may not import resources of {}", d.name),
                    "department",
                ));
                continue;
            }
            if let Some(c) = &p.code
                && (resources::id_by_code(&mut tx, c.as_str()).await?.is_some()
                    || !seen.insert(c.0.clone()))
            {
                errs.push(row_err(
                    "duplicate",
                    format!("信息资源代码“{}”已存在", c.0),
                    format!("Resource code {} exists already", c.0),
                    "code",
                ));
                continue;
            }
            plan.push((p, d.id));
        }
        if !errs.is_empty() {
            drop(tx);
            return Err(Error::import_rejected(errs));
        }
        let mut created = Vec::new();
        for (p, dept) in plan {
            let code = match p.code {
                Some(c) => c,
                None => {
                    let mut seq = resources::next_sequence(&mut tx, &p.class).await?;
                    loop {
                        let c = ResourceCode::new(&p.class, seq);
                        if resources::id_by_code(&mut tx, c.as_str()).await?.is_none() {
                            break c;
                        }
                        seq += 1;
                    }
                }
            };
            let id =
                resources::insert(&mut tx, &code, &p.class, dept, &p.meta, &actor, now).await?;
            repo::history_add(&mut tx, id, 1, "import", "", &actor, now).await?;
            if publish {
                resources::publish(&mut tx, id, 1, &actor, now).await?;
            } else {
                resources::set_status(
                    &mut tx,
                    id,
                    1,
                    crate::model::VersionStatus::Draft,
                    crate::model::VersionStatus::Submitted,
                )
                .await?;
            }
            created.push(ImportedResource {
                line: p.line,
                id,
                code: code.0,
                name: p.meta.name.clone(),
                items: p.meta.items.len(),
            });
        }
        let entry = Entry::success(&ctx.actor, "exchange.resource.import", "catalog")
            .source(&ctx.source)
            .data(serde_json::json!({ "resources": created.len(), "rows": rows, "published": publish }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(CatalogImport {
            created,
            rows,
            published: publish,
        })
    }

    /// The published catalog as a file (one row per data item; CSV with a BOM or XLSX).
    pub async fn export_catalog(&self, ctx: &Ctx, format: Format) -> Result<Vec<u8>> {
        self.require_reader(ctx, "catalog").await?;
        let mut db = self.db().clone();
        let depts = departments(&mut db).await?;
        let all: Vec<(Resource, String)> = resources::all_published(&mut db)
            .await?
            .into_iter()
            .map(|r| {
                let n = depts
                    .get(&r.department_id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default();
                (r, n)
            })
            .collect();
        let sheet = sheet_for(SHEET, COLUMNS, rows_of(&all));
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let entry = Entry::success(&ctx.actor, "exchange.catalog.export", "catalog")
            .source(&ctx.source)
            .data(serde_json::json!({ "resources": all.len(), "rows": sheet.rows.len() }));
        yiwang_audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        tokio::task::spawn_blocking(move || match format {
            Format::Csv => yiwang_sheets::write_csv(&sheet),
            Format::Xlsx => yiwang_sheets::write_xlsx(&[sheet]),
        })
        .await
        .map_err(|e| Error::internal(format!("catalog export task: {e}")))?
    }
}
