//! Import and export of implementation items (实施清单) as CSV (UTF-8 or GBK/GB18030, detected
//! by `yiwang_sheets`) and XLSX, laid out the way departments already keep them.
//!
//! # File layout
//!
//! Five tables. An XLSX workbook holds them as the sheets `事项`, `材料`, `收费`, `常见问题` and
//! `办理环节`; as CSV every table is a file of its own (the item file, plus any of the others).
//! Every row of the four child tables names its item by 实施编码. The first non-empty row of a
//! table is its header. A column is found by its Chinese header (a leading `*` and a bracketed
//! suffix such as `（必填）` are ignored), by its key (the serde field name of [`Elements`],
//! [`Material`], [`Fee`], [`Faq`], [`ProcessStep`]; always accepted) or by an alias; the order
//! of the columns does not matter. Required columns are marked *.
//!
//! | Table (sheet) | Columns: Chinese header (key) |
//! |---|---|
//! | 事项 `items` | 实施编码* (`code`), 基本编码* (`basic_code`), 事项名称 (`name`), 实施部门统一社会信用代码* (`department_uscc`), 实施区划代码 (`division_code`), 行使层级, 实施主体性质, 权力来源, 权限划分, 行使内容, 共同实施部门, 承办机构, 受理条件, 办理流程, 特别程序, 中介服务, 数量限制, 法定办结时限, 法定时限单位, 法定时限说明, 承诺办结时限, 承诺时限单位, 承诺时限说明, 办件类型, 审批结果类型, 审批结果名称, 结果样本, 是否收费, 收费依据, 服务对象, 自然人主题, 法人主题, 关键词, 办理形式, 网上办理深度, 网办地址, 到办事现场次数, 必须现场办理原因, 通办范围, 是否支持预约, 是否支持网上支付, 是否支持物流快递, 是否进驻大厅, 办理地点, 办理时间, 咨询电话, 监督投诉电话 (keys: the [`Elements`] fields) |
//! | 材料 `materials` | 实施编码*, 材料编号 (`key`), 材料名称* (`name`), 来源渠道, 出具机构, 原件份数, 复印件份数, 是否必要, 情形说明, 材料形式, 受理标准/填报须知 (`notes`), 空白表格, 示例样表, 可替代证照类型代码 (`licence_type`), 可代替的基础库 (`replaced_by`: `population` or `legal_person`) |
//! | 收费 `fees` | 实施编码*, 收费项目名称*, 收费标准, 收费依据, 是否允许减免 |
//! | 常见问题 `faqs` | 实施编码*, 问题*, 解答 |
//! | 办理环节 `steps` | 实施编码*, 环节名称*, 环节时限, 环节说明 |
//!
//! 事项类型, 设定依据 and 实施主体 are not columns: they are inherited from the basic directory
//! and the department. Cell values:
//! * code fields hold a code or its Chinese (or English) label: `2` or `企业法人`;
//! * multi-valued code fields (服务对象, 自然人主题, 法人主题, 办理形式, 网上办理深度) hold their
//!   values separated by `、`, `,` or `;` (full-width `，` `；` too); repeated values count once;
//! * booleans: 是/否, 1/0, true/false, Y/N (an empty cell is 否);
//! * whole numbers (an empty cell is 0; 即办 is 0 in the time-limit columns).
//!
//! Export writes codes (never labels), 是/否 and digits, values joined by `、`, every cell as text;
//! importing an export reads back exactly what was exported.
//!
//! The application form (`form`, [`yiwang_forms`]) and the case workflow (`workflow`) are not
//! columns: a flat sheet cannot hold them. Export leaves them out; an import keeps the ones the
//! item already has (a row only overlays its columns on the current elements), so importing
//! an export never loses them. They are edited through the API (`PUT /items/{code}/draft`).
//!
//! # Import
//! All or nothing per upload. Every row of every table is parsed and checked first — cell
//! values, duplicate 实施编码, child rows whose item is not in the item table, basic code and
//! department known, the department within the caller's scope, 三级四同 (a stated 事项名称 must
//! be the basic item's), the item's state, and the shape rules ([`rules::shape`]) of the
//! resulting elements, each reported on the line that holds the value (`materials[2].name` is
//! reported on the material's own line). Any problem rejects the upload with every
//! [`RowError`] and nothing written. Otherwise, in one transaction:
//! * a 实施编码 not yet in use claims the basic item for the department (item + draft version 1,
//!   with the defaults of [`CatalogService::claim`]);
//! * an existing item gets its open draft replaced or, when it only has a published version, a
//!   new draft version; a published version is never touched, and an item under review or
//!   retired is a row error;
//! * a column that is present sets its element (an empty cell empties it); a column that is
//!   absent keeps the current value (or the claim default). A child table that is supplied
//!   replaces that list for every item of the item table; one not supplied keeps it. Materials
//!   without 材料编号 keep the key of the current material with the same name, or get a new one;
//! * imported versions are drafts: they still go through submit and approval. Each item gets an
//!   `import` history row; one `catalog.import` audit entry records the counts.
//!
//! # Export
//! The published version of every item in the caller's scope; one `catalog.export` audit entry.
//!
//! # Files
//! `columns` (the five tables' columns), `cells` (one cell in and out), `read` (the uploaded
//! files as tables), `parse` (rows to elements, no database), `plan` (rows checked against
//! the database), `export` (the export sheets); this file holds the types and the two
//! service methods.

mod cells;
mod columns;
mod export;
mod parse;
mod plan;
mod read;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_kernel::error::RowError;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result};
use yiwang_org::Department;
use yiwang_org::divisions::registry;
use yiwang_org::service::department_in;
pub use yiwang_sheets::Format;
use yiwang_sheets::{
    Column, Encoding, Layout, Sheet, SheetRow, read_csv, read_xlsx, sheet_for, write_csv,
    write_xlsx,
};
use yiwang_store::Tx;

use crate::codes::{self, CodeTable};
use crate::model::{
    BasicItem, Elements, Faq, Fee, ItemStatus, Material, ProcessStep, VersionStatus,
};
use crate::repo::{self, ItemRow};
use crate::rules;
use crate::service::{CatalogService, claim_defaults};

// The parts share one namespace: each `use super::*`.
use self::{cells::*, columns::*, export::*, parse::*, plan::*, read::*};

pub const ITEMS_SHEET: &str = "事项";
pub const MATERIALS_SHEET: &str = "材料";
pub const FEES_SHEET: &str = "收费";
pub const FAQS_SHEET: &str = "常见问题";
pub const STEPS_SHEET: &str = "办理环节";

/// One table of the item files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Items,
    Materials,
    Fees,
    Faqs,
    Steps,
}

impl Table {
    pub const ALL: &'static [Table] = &[
        Table::Items,
        Table::Materials,
        Table::Fees,
        Table::Faqs,
        Table::Steps,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Items => "items",
            Table::Materials => "materials",
            Table::Fees => "fees",
            Table::Faqs => "faqs",
            Table::Steps => "steps",
        }
    }

    /// Accepts the key (`materials`) or the sheet name (`材料`).
    pub fn parse(s: &str) -> Option<Table> {
        let s = s.trim();
        Table::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(s) || t.sheet() == s)
    }

    /// The sheet name (also the `sheet` of row errors).
    pub fn sheet(self) -> &'static str {
        match self {
            Table::Items => ITEMS_SHEET,
            Table::Materials => MATERIALS_SHEET,
            Table::Fees => FEES_SHEET,
            Table::Faqs => FAQS_SHEET,
            Table::Steps => STEPS_SHEET,
        }
    }

    /// The header of the column that holds `field` in this table, as the file writes it
    /// (`name` → 事项名称 in 事项; `name` → 材料名称 in 材料).
    pub fn column_title(self, field: &str) -> Option<&'static str> {
        self.fields()
            .iter()
            .find(|f| f.col.key == field)
            .map(|f| f.col.zh)
    }

    /// The table named `sheet` (事项, 材料, …).
    pub fn of_sheet(sheet: &str) -> Option<Table> {
        Table::ALL.iter().copied().find(|t| t.sheet() == sheet)
    }

    fn fields(self) -> &'static [Field] {
        match self {
            Table::Items => ITEM_FIELDS,
            Table::Materials => MATERIAL_FIELDS,
            Table::Fees => FEE_FIELDS,
            Table::Faqs => FAQ_FIELDS,
            Table::Steps => STEP_FIELDS,
        }
    }

    fn index(self) -> usize {
        match self {
            Table::Items => 0,
            Table::Materials => 1,
            Table::Fees => 2,
            Table::Faqs => 3,
            Table::Steps => 4,
        }
    }

    /// Every column of the table (for headers and [`Layout::resolve`]).
    pub fn columns(self) -> Vec<Column> {
        self.fields().iter().map(|f| f.col).collect()
    }
}

/// The files of one upload. For XLSX, the whole workbook is `items` and the others are `None`;
/// for CSV, `items` is the item table and the others the optional child tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportFiles<'a> {
    pub items: &'a [u8],
    pub materials: Option<&'a [u8]>,
    pub fees: Option<&'a [u8]>,
    pub faqs: Option<&'a [u8]>,
    pub steps: Option<&'a [u8]>,
}

impl<'a> ImportFiles<'a> {
    /// A single file: an XLSX workbook, or an item CSV without child tables.
    pub fn single(bytes: &'a [u8]) -> Self {
        ImportFiles {
            items: bytes,
            ..ImportFiles::default()
        }
    }
}

/// [`ImportFiles`] copied, to move onto a blocking thread.
struct OwnedFiles {
    items: Vec<u8>,
    materials: Option<Vec<u8>>,
    fees: Option<Vec<u8>>,
    faqs: Option<Vec<u8>>,
    steps: Option<Vec<u8>>,
}

impl OwnedFiles {
    fn of(f: &ImportFiles<'_>) -> Self {
        OwnedFiles {
            items: f.items.to_vec(),
            materials: f.materials.map(<[u8]>::to_vec),
            fees: f.fees.map(<[u8]>::to_vec),
            faqs: f.faqs.map(<[u8]>::to_vec),
            steps: f.steps.map(<[u8]>::to_vec),
        }
    }

    fn files(&self) -> ImportFiles<'_> {
        ImportFiles {
            items: &self.items,
            materials: self.materials.as_deref(),
            fees: self.fees.as_deref(),
            faqs: self.faqs.as_deref(),
            steps: self.steps.as_deref(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportReport {
    /// Items claimed by the import (new 实施编码).
    pub created: usize,
    /// Existing items that got a new or replaced draft.
    pub updated: usize,
    /// Data rows read, over all tables.
    pub rows: usize,
    /// `utf-8`, `gb18030` (of the item CSV) or `xlsx`.
    pub encoding: String,
}

// Service --------------------------------------------------------------------------------------

impl CatalogService {
    /// Imports implementation items (see the module documentation). Nothing is written unless
    /// every row of every table is valid.
    pub async fn import_items(&self, ctx: &Ctx, files: ImportFiles<'_>) -> Result<ImportReport> {
        if let Err(e) = ctx.actor.require(Permission::CatalogImport) {
            return Err(self.refused(ctx, "catalog.import", "items".into(), e).await);
        }
        let scope = ctx.actor.scope_of(Permission::CatalogImport);
        // Reading and parsing the files is CPU work: on the blocking pool, off the request threads.
        let owned = OwnedFiles::of(&files);
        let (parsed, encoding) = tokio::task::spawn_blocking(move || -> Result<_> {
            let (tables, encoding) = read_tables(&owned.files())?;
            Ok((parse_tables(&tables)?, encoding))
        })
        .await
        .map_err(|e| Error::internal(format!("import task: {e}")))??;
        if parsed.items.is_empty() && parsed.errors.is_empty() {
            return Err(no_sheet("事项表中没有数据行", "The item table has no rows"));
        }
        let mut errors = parsed.errors.clone();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let plans = plan(&mut tx, &scope, &parsed, &mut errors).await?;
        for pl in &plans {
            for fe in self.unknown_resources(&pl.elements).await? {
                errors.push(RowError::from_field(ITEMS_SHEET, pl.line, fe));
            }
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            sort_errors(&mut errors);
            return Err(Error::import_rejected(errors));
        }
        let actor = ctx.actor.label();
        let user = ctx.actor.user_id();
        let (mut created, mut updated) = (0, 0);
        for pl in &plans {
            let e = &pl.elements;
            match &pl.target {
                Target::New {
                    basic_id,
                    basic_code,
                    department_id,
                    division,
                } => {
                    let id = repo::insert_item(
                        &mut tx,
                        &pl.code,
                        *basic_id,
                        *department_id,
                        division,
                        &actor,
                        now,
                    )
                    .await?;
                    repo::insert_version(&mut tx, id, 1, e, &actor, now).await?;
                    repo::add_history(
                        &mut tx,
                        id,
                        1,
                        "import",
                        &actor,
                        user,
                        &format!("导入（认领基本目录 {basic_code}）"),
                        now,
                    )
                    .await?;
                    created += 1;
                }
                Target::Draft(row, no) => {
                    if !repo::save_draft(&mut tx, row.id, *no, e, None, &actor, now).await? {
                        return Err(Error::new(ErrorCode::Conflict));
                    }
                    repo::add_history(
                        &mut tx,
                        row.id,
                        *no,
                        "import",
                        &actor,
                        user,
                        "导入（替换草稿）",
                        now,
                    )
                    .await?;
                    updated += 1;
                }
                Target::FromPublished(row, pno) => {
                    let no = row.latest_version + 1;
                    repo::insert_version(&mut tx, row.id, no, e, &actor, now).await?;
                    repo::set_item_state(
                        &mut tx,
                        row.id,
                        row.status(),
                        row.published_version,
                        no,
                        now,
                    )
                    .await?;
                    repo::add_history(
                        &mut tx,
                        row.id,
                        no,
                        "import",
                        &actor,
                        user,
                        &format!("导入（基于第{pno}版）"),
                        now,
                    )
                    .await?;
                    updated += 1;
                }
            }
        }
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.import", "items")
                .source(&ctx.source)
                .data(json!({
                    "created": created,
                    "updated": updated,
                    "rows": parsed.rows,
                    "encoding": encoding,
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ImportReport {
            created,
            updated,
            rows: parsed.rows,
            encoding,
        })
    }

    /// Exports the published version of every item in the caller's scope: as CSV the one
    /// `table`, as XLSX the whole workbook (`table` is then ignored).
    pub async fn export_items(&self, ctx: &Ctx, format: Format, table: Table) -> Result<Vec<u8>> {
        if let Err(e) = ctx.actor.require(Permission::CatalogImport) {
            return Err(self.refused(ctx, "catalog.export", "items".into(), e).await);
        }
        let scope = ctx.actor.scope_of(Permission::CatalogImport);
        if scope == Scope::Nothing {
            return Err(self
                .refused(ctx, "catalog.export", "items".into(), Error::forbidden())
                .await);
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let published = repo::published_in(&mut tx, &scope).await?;
        // The department's current code (the one an import looks up), falling back to the
        // code recorded in the elements if the department is gone.
        let mut usccs: HashMap<i64, Option<String>> = HashMap::new();
        for (row, _) in &published {
            if let std::collections::hash_map::Entry::Vacant(slot) = usccs.entry(row.department_id)
            {
                let d = department_in(&mut tx, row.department_id).await?;
                slot.insert(d.map(|d| d.uscc.to_string()));
            }
        }
        let items: Vec<ExportItem<'_>> = published
            .iter()
            .map(|(row, v)| ExportItem {
                code: &row.code,
                division_code: &row.division_code,
                department_uscc: usccs
                    .get(&row.department_id)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| v.elements.department_uscc.clone()),
                elements: &v.elements,
            })
            .collect();
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "catalog.export", "items")
                .source(&ctx.source)
                .data(json!({
                    "items": items.len(),
                    "format": format.extension(),
                    "table": match format {
                        Format::Csv => table.as_str(),
                        Format::Xlsx => "all",
                    },
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        let sheets = build_sheets(&items)?;
        match format {
            Format::Csv => match sheets.get(table.index()) {
                Some(s) => write_csv(s),
                None => Err(Error::internal("missing export sheet")),
            },
            Format::Xlsx => write_xlsx(&sheets),
        }
    }
}
