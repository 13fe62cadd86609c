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
//! | 材料 `materials` | 实施编码*, 材料编号 (`key`), 材料名称* (`name`), 来源渠道, 出具机构, 原件份数, 复印件份数, 是否必要, 情形说明, 材料形式, 受理标准/填报须知 (`notes`), 空白表格, 示例样表, 可替代证照类型代码 (`licence_type`) |
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
//! The application form (`form`, [`crate::form`]) and the case workflow (`workflow`) are not
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

// Columns ---------------------------------------------------------------------------------------

/// How a column's cells are read and written.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Identifies the row (实施编码, 基本编码, …): read by the importer itself.
    Key,
    Text,
    Code(&'static CodeTable),
    Codes(&'static CodeTable),
    Int,
    /// A time limit: a whole number, or 即办 for 0.
    Limit,
    Bool,
}

#[derive(Debug, Clone, Copy)]
struct Field {
    col: Column,
    kind: Kind,
}

const fn fd(key: &'static str, zh: &'static str, kind: Kind) -> Field {
    Field {
        col: Column::new(key, zh, false),
        kind,
    }
}

const fn fa(
    key: &'static str,
    zh: &'static str,
    aliases: &'static [&'static str],
    kind: Kind,
) -> Field {
    Field {
        col: Column {
            aliases,
            ..Column::new(key, zh, false)
        },
        kind,
    }
}

const fn required(mut f: Field) -> Field {
    f.col.required = true;
    f
}

const ITEM_CODE: Field = required(fa("code", "实施编码", &["实施清单编码"], Kind::Key));

const ITEM_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fa("basic_code", "基本编码", &["基本目录编码"], Kind::Key)),
    fd("name", "事项名称", Kind::Key),
    required(fa(
        "department_uscc",
        "实施部门统一社会信用代码",
        &["实施主体代码", "实施主体编码", "实施机构统一社会信用代码"],
        Kind::Key,
    )),
    fa(
        "division_code",
        "实施区划代码",
        &["行政区划代码", "区划代码"],
        Kind::Key,
    ),
    fa(
        "exercise_level",
        "行使层级",
        &["行使层级代码"],
        Kind::Code(&codes::LEVELS),
    ),
    fa(
        "subject_nature",
        "实施主体性质",
        &["实施主体性质代码"],
        Kind::Code(&codes::SUBJECT_NATURE),
    ),
    fd("power_source", "权力来源", Kind::Code(&codes::POWER_SOURCE)),
    fd("authority_division", "权限划分", Kind::Text),
    fd("exercise_content", "行使内容", Kind::Text),
    fa(
        "joint_departments",
        "共同实施部门",
        &["联办机构"],
        Kind::Text,
    ),
    fd("handling_body", "承办机构", Kind::Text),
    fd("acceptance_conditions", "受理条件", Kind::Text),
    fd("process", "办理流程", Kind::Text),
    fd("special_procedures", "特别程序", Kind::Text),
    fd("intermediary_services", "中介服务", Kind::Text),
    fd("quantity_limit", "数量限制", Kind::Text),
    fd("statutory_limit", "法定办结时限", Kind::Limit),
    fa(
        "statutory_unit",
        "法定时限单位",
        &["法定办结时限单位"],
        Kind::Code(&codes::TIME_UNITS),
    ),
    fa(
        "statutory_note",
        "法定时限说明",
        &["法定办结时限说明"],
        Kind::Text,
    ),
    fd("promised_limit", "承诺办结时限", Kind::Limit),
    fa(
        "promised_unit",
        "承诺时限单位",
        &["承诺办结时限单位"],
        Kind::Code(&codes::TIME_UNITS),
    ),
    fa(
        "promised_note",
        "承诺时限说明",
        &["承诺办结时限说明"],
        Kind::Text,
    ),
    fd("case_type", "办件类型", Kind::Code(&codes::CASE_TYPES)),
    fd(
        "result_type",
        "审批结果类型",
        Kind::Code(&codes::RESULT_TYPES),
    ),
    fa("result_name", "审批结果名称", &["结果名称"], Kind::Text),
    fd("result_sample", "结果样本", Kind::Text),
    fd("is_fee", "是否收费", Kind::Bool),
    fd("fee_basis", "收费依据", Kind::Text),
    fd(
        "service_objects",
        "服务对象",
        Kind::Codes(&codes::SERVICE_OBJECTS),
    ),
    fa(
        "personal_themes",
        "自然人主题",
        &["自然人服务主题"],
        Kind::Codes(&codes::PERSONAL_THEMES),
    ),
    fa(
        "enterprise_themes",
        "法人主题",
        &["法人服务主题"],
        Kind::Codes(&codes::ENTERPRISE_THEMES),
    ),
    fd("keywords", "关键词", Kind::Text),
    fd(
        "handling_forms",
        "办理形式",
        Kind::Codes(&codes::HANDLING_FORMS),
    ),
    fa(
        "online_depth",
        "网上办理深度",
        &["网办深度"],
        Kind::Codes(&codes::ONLINE_DEPTH),
    ),
    fd("online_url", "网办地址", Kind::Text),
    fa("visits", "到办事现场次数", &["到现场次数"], Kind::Int),
    fa(
        "visits_reason",
        "必须现场办理原因",
        &["必须现场办理原因说明"],
        Kind::Text,
    ),
    fd("cross_scope", "通办范围", Kind::Code(&codes::CROSS_SCOPES)),
    fa(
        "appointment",
        "是否支持预约",
        &["是否支持预约办理"],
        Kind::Bool,
    ),
    fd("online_payment", "是否支持网上支付", Kind::Bool),
    fd("express", "是否支持物流快递", Kind::Bool),
    fa(
        "in_hall",
        "是否进驻大厅",
        &["是否进驻政务服务大厅"],
        Kind::Bool,
    ),
    fd("location", "办理地点", Kind::Text),
    fd("hours", "办理时间", Kind::Text),
    fd("consult_phone", "咨询电话", Kind::Text),
    fa("supervise_phone", "监督投诉电话", &["监督电话"], Kind::Text),
];

const MATERIAL_FIELDS: &[Field] = &[
    ITEM_CODE,
    fd("key", "材料编号", Kind::Text),
    required(fd("name", "材料名称", Kind::Text)),
    fa(
        "source",
        "来源渠道",
        &["材料来源"],
        Kind::Code(&codes::MATERIAL_SOURCES),
    ),
    fa("issuer", "出具机构", &["出具单位"], Kind::Text),
    fd("originals", "原件份数", Kind::Int),
    fd("copies", "复印件份数", Kind::Int),
    fa("required", "是否必要", &["是否必备材料"], Kind::Bool),
    fd("condition", "情形说明", Kind::Text),
    fd("format", "材料形式", Kind::Code(&codes::MATERIAL_FORMATS)),
    fa(
        "notes",
        "受理标准/填报须知",
        &["受理标准", "填报须知"],
        Kind::Text,
    ),
    fd("blank_form", "空白表格", Kind::Text),
    fd("sample", "示例样表", Kind::Text),
    fa(
        "licence_type",
        "可替代证照类型代码",
        &["证照类型代码"],
        Kind::Text,
    ),
];

const FEE_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fd("name", "收费项目名称", Kind::Text)),
    fd("standard", "收费标准", Kind::Text),
    fd("basis", "收费依据", Kind::Text),
    fd("reducible", "是否允许减免", Kind::Bool),
];

const FAQ_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fd("question", "问题", Kind::Text)),
    fa("answer", "解答", &["答案", "回答"], Kind::Text),
];

const STEP_FIELDS: &[Field] = &[
    ITEM_CODE,
    required(fd("name", "环节名称", Kind::Text)),
    fd("limit", "环节时限", Kind::Limit),
    fd("description", "环节说明", Kind::Text),
];

// Cells -----------------------------------------------------------------------------------------

const SEPARATORS: [char; 5] = ['、', ',', '，', ';', '；'];

/// Joins the values of a multi-valued cell on export.
const JOINER: &str = "、";

fn parse_bool(field: &str, s: &str) -> std::result::Result<bool, FieldError> {
    match s.trim().to_lowercase().as_str() {
        "是" | "1" | "true" | "y" | "yes" => Ok(true),
        "否" | "0" | "false" | "n" | "no" | "" => Ok(false),
        _ => Err(FieldError::new(
            field,
            "bool",
            format!("“{s}”应为“是”或“否”（也可写1/0、true/false、Y/N）"),
            format!("\"{s}\" must be 是 or 否 (yes/no; 1/0, true/false and Y/N also work)"),
        )),
    }
}

/// A whole number; an empty cell is 0, and so is 即办 for a time limit. `20.0` (as spreadsheets
/// store numbers) is 20.
fn parse_int(field: &str, s: &str, limit: bool) -> std::result::Result<i64, FieldError> {
    let s = s.trim();
    if s.is_empty() || (limit && s == "即办") {
        return Ok(0);
    }
    let int_part = match s.split_once('.') {
        Some((i, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => i,
        _ => s,
    };
    int_part.parse::<i64>().map_err(|_| {
        FieldError::new(
            field,
            "number",
            format!("“{s}”应为整数"),
            format!("\"{s}\" must be a whole number"),
        )
    })
}

fn split_multi(s: &str) -> impl Iterator<Item = &str> {
    s.split(SEPARATORS).map(str::trim).filter(|p| !p.is_empty())
}

/// Reads one cell. `Key` cells are returned as text.
fn parse_cell(kind: Kind, field: &str, s: &str) -> std::result::Result<Value, FieldError> {
    let s = s.trim();
    Ok(match kind {
        Kind::Key | Kind::Text => Value::String(s.to_string()),
        Kind::Code(t) => {
            if s.is_empty() {
                Value::String(String::new())
            } else {
                Value::String(t.field(field, s)?.to_string())
            }
        }
        // A whole cell that is one label is not split (English labels may hold commas).
        Kind::Codes(t) if !s.is_empty() && t.parse(s).is_some() => {
            Value::Array(t.parse(s).into_iter().map(Value::from).collect())
        }
        Kind::Codes(t) => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for part in split_multi(s) {
                let c = t.field(field, part)?;
                if seen.insert(c) {
                    out.push(Value::from(c));
                }
            }
            Value::Array(out)
        }
        Kind::Int => Value::from(parse_int(field, s, false)?),
        Kind::Limit => Value::from(parse_int(field, s, true)?),
        Kind::Bool => Value::Bool(parse_bool(field, s)?),
    })
}

/// Writes one cell.
fn format_cell(kind: Kind, v: Option<&Value>) -> String {
    match (kind, v) {
        (_, None | Some(Value::Null)) => String::new(),
        (Kind::Bool, Some(v)) => if v.as_bool() == Some(true) {
            "是"
        } else {
            "否"
        }
        .to_string(),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(Value::Number(n))) => n.to_string(),
        (_, Some(Value::Array(a))) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(JOINER),
        (_, Some(other)) => other.to_string(),
    }
}

fn to_object<T: Serialize>(v: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(v).map_err(Error::internal)? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::internal("a record did not serialise to an object")),
    }
}

fn from_object<T: DeserializeOwned>(m: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(m)).map_err(Error::internal)
}

/// Sets the values of the columns present in `layout` (except `Key` columns) on `obj`.
fn overlay(
    obj: &mut Map<String, Value>,
    layout: &Layout,
    row: &SheetRow,
    fields: &[Field],
    errs: &mut Vec<FieldError>,
) {
    for f in fields {
        if matches!(f.kind, Kind::Key) || !layout.has(f.col.key) {
            continue;
        }
        match parse_cell(f.kind, f.col.key, layout.get(row, f.col.key)) {
            Ok(v) => {
                obj.insert(f.col.key.to_string(), v);
            }
            Err(e) => errs.push(e),
        }
    }
}

// Reading ---------------------------------------------------------------------------------------

/// The tables of one upload, each named by its canonical sheet name.
#[derive(Debug, Clone, Default)]
struct Tables {
    items: Sheet,
    materials: Option<Sheet>,
    fees: Option<Sheet>,
    faqs: Option<Sheet>,
    steps: Option<Sheet>,
}

fn no_sheet(zh: &str, en: &str) -> Error {
    Error::import_rejected(vec![]).with_detail(zh, en)
}

fn take_sheet(sheets: &mut Vec<Sheet>, name: &str) -> Option<Sheet> {
    let i = sheets.iter().position(|s| s.name.trim() == name)?;
    let mut s = sheets.remove(i);
    s.name = name.to_string();
    Some(s)
}

/// A child table uploaded as its own file (CSV, or a workbook whose sheet of that name or whose
/// first sheet is the table).
fn read_child(bytes: Option<&[u8]>, table: Table) -> Result<Option<Sheet>> {
    let Some(b) = bytes else {
        return Ok(None);
    };
    match Format::detect(b) {
        Format::Csv => Ok(Some(read_csv(table.sheet(), b)?.0)),
        Format::Xlsx => {
            let mut sheets = read_xlsx(b)?;
            let s = take_sheet(&mut sheets, table.sheet()).or_else(|| {
                (!sheets.is_empty()).then(|| {
                    let mut s = sheets.remove(0);
                    s.name = table.sheet().to_string();
                    s
                })
            });
            s.map(Some).ok_or_else(|| {
                no_sheet(
                    &format!("“{}”文件中没有工作表", table.sheet()),
                    &format!("The {} file has no sheet", table.as_str()),
                )
            })
        }
    }
}

fn read_tables(files: &ImportFiles<'_>) -> Result<(Tables, String)> {
    match Format::detect(files.items) {
        Format::Xlsx => {
            if files.materials.is_some()
                || files.fees.is_some()
                || files.faqs.is_some()
                || files.steps.is_some()
            {
                return Err(no_sheet(
                    "XLSX工作簿应在一个文件中包含全部工作表（事项、材料、收费、常见问题、办理环节），请不要另外上传其他文件",
                    "An XLSX workbook holds every table as a sheet (事项, 材料, 收费, 常见问题, 办理环节); do not upload other files with it",
                ));
            }
            let mut sheets = read_xlsx(files.items)?;
            let children = [MATERIALS_SHEET, FEES_SHEET, FAQS_SHEET, STEPS_SHEET];
            let items = match take_sheet(&mut sheets, ITEMS_SHEET) {
                Some(s) => s,
                None => {
                    let i = sheets
                        .iter()
                        .position(|s| !children.contains(&s.name.trim()))
                        .ok_or_else(|| {
                            no_sheet(
                                "工作簿中没有“事项”工作表",
                                "The workbook has no sheet \"事项\" (items)",
                            )
                        })?;
                    let mut s = sheets.remove(i);
                    s.name = ITEMS_SHEET.to_string();
                    s
                }
            };
            let tables = Tables {
                items,
                materials: take_sheet(&mut sheets, MATERIALS_SHEET),
                fees: take_sheet(&mut sheets, FEES_SHEET),
                faqs: take_sheet(&mut sheets, FAQS_SHEET),
                steps: take_sheet(&mut sheets, STEPS_SHEET),
            };
            Ok((tables, "xlsx".into()))
        }
        Format::Csv => {
            let (items, enc) = read_csv(ITEMS_SHEET, files.items)?;
            let enc = match enc {
                Encoding::Utf8 => "utf-8",
                Encoding::Gb18030 => "gb18030",
            };
            let tables = Tables {
                items,
                materials: read_child(files.materials, Table::Materials)?,
                fees: read_child(files.fees, Table::Fees)?,
                faqs: read_child(files.faqs, Table::Faqs)?,
                steps: read_child(files.steps, Table::Steps)?,
            };
            Ok((tables, enc.into()))
        }
    }
}

// Parsing (no database) -------------------------------------------------------------------------

/// One row of the item table, read but not yet checked against the database.
#[derive(Debug, Clone)]
struct ItemIn {
    line: usize,
    /// 实施编码, upper-cased; usable only when `code_ok`.
    code: String,
    code_ok: bool,
    basic_code: String,
    name: String,
    department_uscc: String,
    division_code: String,
    /// The element values of the columns present in the file.
    values: Map<String, Value>,
}

#[derive(Debug, Clone)]
struct ChildIn<T> {
    line: usize,
    value: T,
}

/// The rows of a child table by 实施编码, in file order; `None` when the table was not supplied.
type Children<T> = Option<HashMap<String, Vec<ChildIn<T>>>>;

#[derive(Debug, Default)]
struct Parsed {
    items: Vec<ItemIn>,
    materials: Children<Material>,
    fees: Children<Fee>,
    faqs: Children<Faq>,
    steps: Children<ProcessStep>,
    /// Data rows over all tables.
    rows: usize,
    errors: Vec<RowError>,
}

fn parse_items(sheet: &Sheet, p: &mut Parsed) -> Option<HashSet<String>> {
    let layout = match Layout::resolve(sheet, &Table::Items.columns()) {
        Ok(l) => l,
        Err(es) => {
            p.errors.extend(es);
            return None;
        }
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &sheet.rows {
        p.rows += 1;
        let mut errs = Vec::new();
        let code = layout.get(row, "code").to_uppercase();
        let mut code_ok = false;
        if code.is_empty() {
            errs.push(FieldError::required("code"));
        } else if !rules::code_ok(&code, 36) {
            errs.push(FieldError::new(
                "code",
                "item_code.format",
                "实施编码应为1至36位数字或大写字母",
                "An implementation code has 1 to 36 digits or upper-case letters",
            ));
        } else if let Some(first) = seen.get(&code) {
            errs.push(FieldError::new(
                "code",
                "item_code.duplicate_in_file",
                format!("与第{first}行的实施编码重复"),
                format!("Same implementation code as line {first}"),
            ));
        } else {
            seen.insert(code.clone(), row.line);
            code_ok = true;
        }
        let basic_code = layout.get(row, "basic_code").to_uppercase();
        if basic_code.is_empty() {
            errs.push(FieldError::required("basic_code"));
        }
        let uscc = layout.get(row, "department_uscc").to_ascii_uppercase();
        if uscc.is_empty() {
            errs.push(FieldError::required("department_uscc"));
        } else if let Err(e) = Uscc::parse(&uscc) {
            errs.push(e.within("department_uscc"));
        }
        let mut values = Map::new();
        overlay(&mut values, &layout, row, ITEM_FIELDS, &mut errs);
        p.errors.extend(
            errs.into_iter()
                .map(|e| RowError::from_field(ITEMS_SHEET, row.line, e)),
        );
        p.items.push(ItemIn {
            line: row.line,
            code,
            code_ok,
            basic_code,
            name: layout.get(row, "name").to_string(),
            department_uscc: uscc,
            division_code: layout.get(row, "division_code").to_string(),
            values,
        });
    }
    Some(seen.into_keys().collect())
}

fn parse_children<T: Serialize + DeserializeOwned + Default>(
    sheet: Option<&Sheet>,
    table: Table,
    items: Option<&HashSet<String>>,
    p: &mut Parsed,
) -> Result<Children<T>> {
    let Some(sheet) = sheet else {
        return Ok(None);
    };
    let mut out: HashMap<String, Vec<ChildIn<T>>> = HashMap::new();
    let layout = match Layout::resolve(sheet, &table.columns()) {
        Ok(l) => l,
        Err(es) => {
            p.errors.extend(es);
            return Ok(Some(out));
        }
    };
    let base = to_object(&T::default())?;
    for row in &sheet.rows {
        p.rows += 1;
        let mut errs = Vec::new();
        let code = layout.get(row, "code").to_uppercase();
        if code.is_empty() {
            errs.push(FieldError::required("code"));
        } else if let Some(items) = items
            && !items.contains(&code)
        {
            errs.push(FieldError::new(
                "code",
                "item.not_in_file",
                format!("实施编码“{code}”不在事项表中"),
                format!("The implementation code \"{code}\" is not in the item table"),
            ));
        }
        let mut obj = base.clone();
        overlay(&mut obj, &layout, row, table.fields(), &mut errs);
        let value: T = from_object(obj)?;
        p.errors.extend(
            errs.into_iter()
                .map(|e| RowError::from_field(table.sheet(), row.line, e)),
        );
        out.entry(code).or_default().push(ChildIn {
            line: row.line,
            value,
        });
    }
    Ok(Some(out))
}

/// Reads every table: cell values, required cells, duplicate codes, orphan child rows.
fn parse_tables(t: &Tables) -> Result<Parsed> {
    let mut p = Parsed::default();
    let codes = parse_items(&t.items, &mut p);
    let codes = codes.as_ref();
    p.materials = parse_children(t.materials.as_ref(), Table::Materials, codes, &mut p)?;
    p.fees = parse_children(t.fees.as_ref(), Table::Fees, codes, &mut p)?;
    p.faqs = parse_children(t.faqs.as_ref(), Table::Faqs, codes, &mut p)?;
    p.steps = parse_children(t.steps.as_ref(), Table::Steps, codes, &mut p)?;
    Ok(p)
}

/// Lines of an item's child rows (`None`: the table was not supplied).
#[derive(Debug, Default)]
struct ChildLines {
    materials: Option<Vec<usize>>,
    fees: Option<Vec<usize>>,
    faqs: Option<Vec<usize>>,
    steps: Option<Vec<usize>>,
}

fn take_children<T: Clone>(
    children: &Children<T>,
    code: &str,
    target: &mut Vec<T>,
) -> Option<Vec<usize>> {
    let map = children.as_ref()?;
    let rows = map.get(code).map(Vec::as_slice).unwrap_or(&[]);
    *target = rows.iter().map(|c| c.value.clone()).collect();
    Some(rows.iter().map(|c| c.line).collect())
}

/// The elements of one row over `base`: the row's columns, then the supplied child tables.
/// Materials without a key keep the key of the base material with the same name.
fn compose(base: &Elements, it: &ItemIn, p: &Parsed) -> Result<(Elements, ChildLines)> {
    let mut obj = to_object(base)?;
    for (k, v) in &it.values {
        obj.insert(k.clone(), v.clone());
    }
    let mut e: Elements = from_object(obj)?;
    let lines = ChildLines {
        materials: take_children(&p.materials, &it.code, &mut e.materials),
        fees: take_children(&p.fees, &it.code, &mut e.fees),
        faqs: take_children(&p.faqs, &it.code, &mut e.faqs),
        steps: take_children(&p.steps, &it.code, &mut e.process_steps),
    };
    let mut used: HashSet<String> = e
        .materials
        .iter()
        .filter(|m| !m.key.is_empty())
        .map(|m| m.key.clone())
        .collect();
    for m in &mut e.materials {
        if m.key.is_empty()
            && let Some(old) = base
                .materials
                .iter()
                .find(|o| o.name == m.name && !o.key.is_empty() && !used.contains(&o.key))
        {
            m.key = old.key.clone();
            used.insert(m.key.clone());
        }
    }
    e.assign_material_keys();
    Ok((e, lines))
}

/// Puts a shape error of the elements on the line that holds the value: `materials[2].name`
/// on the material's own line when the material table was supplied, else on the item's line.
fn locate(e: FieldError, item_line: usize, lines: &ChildLines) -> RowError {
    let lists = [
        ("materials[", MATERIALS_SHEET, &lines.materials),
        ("fees[", FEES_SHEET, &lines.fees),
        ("faqs[", FAQS_SHEET, &lines.faqs),
        ("process_steps[", STEPS_SHEET, &lines.steps),
    ];
    for (prefix, sheet, ls) in lists {
        if let Some(rest) = e.field.strip_prefix(prefix)
            && let Some((idx, sub)) = rest.split_once(']')
            && let Ok(i) = idx.parse::<usize>()
            && let Some(line) = ls.as_ref().and_then(|v| v.get(i))
        {
            let sub = sub.trim_start_matches('.');
            let field = if sub.is_empty() {
                e.field.clone()
            } else {
                sub.to_string()
            };
            return RowError::from_field(sheet, *line, FieldError { field, ..e });
        }
    }
    RowError::from_field(ITEMS_SHEET, item_line, e)
}

// Checking against the database -----------------------------------------------------------------

/// What the write phase does with one row.
#[derive(Debug)]
enum Target {
    /// Claim: a new item and its draft version 1.
    New {
        basic_id: i64,
        basic_code: String,
        department_id: i64,
        division: String,
    },
    /// Replace the open draft of this number.
    Draft(ItemRow, i64),
    /// A new draft version after the published one of this number.
    FromPublished(ItemRow, i64),
}

#[derive(Debug)]
struct Plan {
    code: String,
    target: Target,
    elements: Elements,
}

fn row_err(line: usize, field: &str, rule: &str, zh: String, en: String) -> RowError {
    RowError::from_field(ITEMS_SHEET, line, FieldError::new(field, rule, zh, en))
}

fn in_scope(scope: &Scope, dept: &Department, division: &DivisionCode) -> bool {
    match scope {
        Scope::Everything => true,
        Scope::Department(id) => dept.id == *id,
        Scope::Division(d) => dept.division_code.within(d) && division.within(d),
        Scope::Nothing => false,
    }
}

#[derive(Default)]
struct Lookups {
    basics: HashMap<String, Option<BasicItem>>,
    departments: HashMap<String, Option<Department>>,
}

impl Lookups {
    async fn basic(&mut self, tx: &mut Tx, code: &str) -> Result<Option<BasicItem>> {
        if let Some(b) = self.basics.get(code) {
            return Ok(b.clone());
        }
        let b = repo::basic_by_code(tx, code).await?;
        self.basics.insert(code.to_string(), b.clone());
        Ok(b)
    }

    async fn department(&mut self, tx: &mut Tx, uscc: &str) -> Result<Option<Department>> {
        if let Some(d) = self.departments.get(uscc) {
            return Ok(d.clone());
        }
        let d = yiwang_org::repo::department_by_uscc(tx, uscc).await?;
        self.departments.insert(uscc.to_string(), d.clone());
        Ok(d)
    }
}

/// Checks every parsed item row against the database and the caller's scope and builds what to
/// write. Problems are added to `errors`; nothing is written.
async fn plan(
    tx: &mut Tx,
    scope: &Scope,
    p: &Parsed,
    errors: &mut Vec<RowError>,
) -> Result<Vec<Plan>> {
    let mut look = Lookups::default();
    let mut plans = Vec::with_capacity(p.items.len());
    let mut claims: HashMap<(i64, i64, String), usize> = HashMap::new();
    for it in p.items.iter().filter(|it| it.code_ok) {
        let line = it.line;
        let basic = if it.basic_code.is_empty() {
            None
        } else {
            let b = look.basic(tx, &it.basic_code).await?;
            if b.is_none() {
                errors.push(row_err(
                    line,
                    "basic_code",
                    "basic_code.unknown",
                    format!("基本目录中没有基本编码为“{}”的事项", it.basic_code),
                    format!(
                        "No item with the basic code \"{}\" in the basic directory",
                        it.basic_code
                    ),
                ));
            }
            b
        };
        let dept = if Uscc::parse(&it.department_uscc).is_ok() {
            let d = look.department(tx, &it.department_uscc).await?;
            if d.is_none() {
                errors.push(row_err(
                    line,
                    "department_uscc",
                    "department.unknown",
                    format!("没有统一社会信用代码为“{}”的部门", it.department_uscc),
                    format!(
                        "No department has the unified social credit code \"{}\"",
                        it.department_uscc
                    ),
                ));
            }
            d
        } else {
            None
        };
        let existing = repo::item_by_code(tx, &it.code).await?;
        let stated = it.division_code.trim();
        let division = if stated.is_empty() {
            match (&existing, &dept) {
                (Some(row), _) => DivisionCode::parse(&row.division_code).ok(),
                (None, Some(d)) => Some(d.division_code.clone()),
                (None, None) => None,
            }
        } else {
            match registry().existing(stated, false) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(RowError::from_field(
                        ITEMS_SHEET,
                        line,
                        e.within("division_code"),
                    ));
                    None
                }
            }
        };
        let (Some(basic), Some(dept), Some(division)) = (basic, dept, division) else {
            continue;
        };
        if !in_scope(scope, &dept, &division) {
            errors.push(row_err(
                line,
                "department_uscc",
                "scope",
                format!("部门“{}”不在您的导入权限范围内", dept.name),
                format!(
                    "The department \"{}\" is outside the scope you may import for",
                    dept.name
                ),
            ));
            continue;
        }
        let before = errors.len();
        let (target, base) = match existing {
            Some(row) => {
                if row.basic_item_id != basic.id {
                    errors.push(row_err(
                        line,
                        "basic_code",
                        "inherited",
                        format!("实施编码“{}”认领的是另一个基本目录事项，基本编码不能修改", it.code),
                        format!("The item \"{}\" implements another basic item; its basic code cannot change", it.code),
                    ));
                }
                if row.department_id != dept.id {
                    errors.push(row_err(
                        line,
                        "department_uscc",
                        "item.department_mismatch",
                        format!("实施编码“{}”属于另一个部门，不能改为由本部门实施", it.code),
                        format!("The item \"{}\" belongs to another department", it.code),
                    ));
                }
                if !stated.is_empty() && row.division_code != division.as_str() {
                    errors.push(row_err(
                        line,
                        "division_code",
                        "item.division_mismatch",
                        format!(
                            "实施编码“{}”的实施区划为{}，不能修改",
                            it.code, row.division_code
                        ),
                        format!(
                            "The item \"{}\" is implemented in {}; that cannot change",
                            it.code, row.division_code
                        ),
                    ));
                }
                if row.status() == ItemStatus::Retired {
                    errors.push(row_err(
                        line,
                        "code",
                        "item.retired",
                        "该事项已下线（取消），不能导入".into(),
                        "This item was retired and cannot be imported".into(),
                    ));
                    continue;
                }
                match repo::open_version(tx, row.id).await? {
                    Some(v) if v.status == VersionStatus::Draft => {
                        let no = v.version_no;
                        (Target::Draft(row, no), v.elements)
                    }
                    Some(_) => {
                        errors.push(row_err(
                            line,
                            "code",
                            "item.under_review",
                            "该事项有正在审核的版本，请撤回或审核完成后再导入".into(),
                            "This item has a version under review; withdraw it or finish the review first".into(),
                        ));
                        continue;
                    }
                    None => {
                        let published = match row
                            .published_version
                            .filter(|_| row.status() == ItemStatus::Published)
                        {
                            Some(no) => repo::version(tx, row.id, no).await?,
                            None => None,
                        };
                        let Some(v) = published else {
                            return Err(Error::internal(format!(
                                "item {} has neither an open nor a published version",
                                row.code
                            )));
                        };
                        let no = v.version_no;
                        (Target::FromPublished(row, no), v.elements)
                    }
                }
            }
            None => {
                if basic.status != "active" {
                    errors.push(row_err(
                        line,
                        "basic_code",
                        "basic_code.retired",
                        "该基本目录事项已停用".into(),
                        "This basic directory item is no longer active".into(),
                    ));
                }
                if !division.within(&dept.division_code) {
                    errors.push(row_err(
                        line,
                        "division_code",
                        "division.outside_department",
                        "实施区划须在部门所属行政区划之内".into(),
                        "The division must lie inside the department's division".into(),
                    ));
                }
                if let Some(other) =
                    repo::item_by_claim(tx, basic.id, dept.id, division.as_str()).await?
                {
                    errors.push(row_err(
                        line,
                        "code",
                        "item.claimed",
                        format!("该部门已在此区划认领过该事项，实施编码为“{}”", other.code),
                        format!(
                            "The department already claimed this item in this division as \"{}\"",
                            other.code
                        ),
                    ));
                }
                let key = (basic.id, dept.id, division.as_str().to_string());
                if let Some(first) = claims.get(&key) {
                    errors.push(row_err(
                        line,
                        "code",
                        "item.claimed_in_file",
                        format!("与第{first}行认领的是同一部门、同一区划的同一基本目录事项"),
                        format!("Line {first} claims the same basic item for the same department and division"),
                    ));
                } else {
                    claims.insert(key, line);
                }
                let base = claim_defaults(&basic, &dept, &division);
                let target = Target::New {
                    basic_id: basic.id,
                    basic_code: basic.code.clone(),
                    department_id: dept.id,
                    division: division.as_str().to_string(),
                };
                (target, base)
            }
        };
        let name = it.name.trim();
        if !name.is_empty() && name != basic.name && name != base.name {
            errors.push(row_err(
                line,
                "name",
                "inherited",
                format!("事项名称继承自基本目录（三级四同），应为“{}”", basic.name),
                format!("The item name is inherited from the basic directory (\"{}\") and cannot be changed", basic.name),
            ));
        }
        let (mut e, lines) = compose(&base, it, p)?;
        e.inherit(&basic);
        e.department_name = dept.name.clone();
        e.department_uscc = dept.uscc.to_string();
        errors.extend(
            rules::shape(&e)
                .into_iter()
                .map(|fe| locate(fe, line, &lines)),
        );
        if errors.len() == before {
            plans.push(Plan {
                code: it.code.clone(),
                target,
                elements: e,
            });
        }
    }
    Ok(plans)
}

/// Orders row errors by table, then line.
fn sort_errors(errors: &mut [RowError]) {
    let rank = |s: &str| {
        Table::ALL
            .iter()
            .position(|t| t.sheet() == s)
            .unwrap_or(Table::ALL.len())
    };
    errors.sort_by_key(|e| (rank(&e.sheet), e.line));
}

// Export ----------------------------------------------------------------------------------------

/// One item as exported.
#[derive(Debug)]
struct ExportItem<'a> {
    code: &'a str,
    division_code: &'a str,
    department_uscc: String,
    elements: &'a Elements,
}

fn child_rows<T: Serialize>(
    code: &str,
    list: &[T],
    table: Table,
    out: &mut Vec<Vec<String>>,
) -> Result<()> {
    for v in list {
        let obj = to_object(v)?;
        out.push(
            table
                .fields()
                .iter()
                .map(|f| match f.col.key {
                    "code" => code.to_string(),
                    k => format_cell(f.kind, obj.get(k)),
                })
                .collect(),
        );
    }
    Ok(())
}

/// The five sheets of an export, in [`Table::ALL`] order.
fn build_sheets(items: &[ExportItem<'_>]) -> Result<Vec<Sheet>> {
    let mut rows: [Vec<Vec<String>>; 5] = Default::default();
    for x in items {
        let obj = to_object(x.elements)?;
        rows[0].push(
            ITEM_FIELDS
                .iter()
                .map(|f| match f.col.key {
                    "code" => x.code.to_string(),
                    "division_code" => x.division_code.to_string(),
                    "department_uscc" => x.department_uscc.clone(),
                    k => format_cell(f.kind, obj.get(k)),
                })
                .collect(),
        );
        let e = x.elements;
        child_rows(x.code, &e.materials, Table::Materials, &mut rows[1])?;
        child_rows(x.code, &e.fees, Table::Fees, &mut rows[2])?;
        child_rows(x.code, &e.faqs, Table::Faqs, &mut rows[3])?;
        child_rows(x.code, &e.process_steps, Table::Steps, &mut rows[4])?;
    }
    Ok(Table::ALL
        .iter()
        .zip(rows)
        .map(|(t, r)| sheet_for(t.sheet(), &t.columns(), r))
        .collect())
}

// Service ---------------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Faq, Fee, Material, ProcessStep};

    fn sample() -> Elements {
        Elements {
            name: "食品经营许可证核发".into(),
            basic_code: "000117008000".into(),
            item_type: "01".into(),
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            department_name: "湛江市市场监督管理局".into(),
            department_uscc: "11100000000013127D".into(),
            exercise_level: "3".into(),
            subject_nature: "1".into(),
            power_source: "2".into(),
            authority_division: "市级负责".into(),
            acceptance_conditions: "申请人取得营业执照，\n经营场所符合要求".into(),
            process: "申请—受理—审查—决定".into(),
            process_steps: vec![
                ProcessStep {
                    name: "受理".into(),
                    limit: 1,
                    description: "窗口受理, 核对材料".into(),
                },
                ProcessStep {
                    name: "决定".into(),
                    limit: 2,
                    description: String::new(),
                },
            ],
            statutory_limit: 20,
            statutory_unit: "1".into(),
            promised_limit: 7,
            promised_unit: "1".into(),
            promised_note: "\"含\"公示期".into(),
            case_type: "2".into(),
            result_type: "1".into(),
            result_name: "食品经营许可证".into(),
            result_sample: "https://example.gov.cn/s.pdf".into(),
            is_fee: true,
            fee_basis: "粤价〔2019〕1号".into(),
            fees: vec![Fee {
                name: "工本费".into(),
                standard: "每证10元".into(),
                basis: "粤价".into(),
                reducible: true,
            }],
            service_objects: vec!["1".into(), "2".into()],
            personal_themes: vec!["P05".into()],
            enterprise_themes: vec!["E02".into(), "E01".into()],
            keywords: "食品,许可".into(),
            handling_forms: vec!["1".into(), "2".into()],
            online_depth: ["1", "2", "3", "4"].map(String::from).to_vec(),
            online_url: "https://www.gdzwfw.gov.cn/".into(),
            visits: 1,
            visits_reason: "现场核查".into(),
            cross_scope: "3".into(),
            appointment: true,
            online_payment: true,
            express: false,
            in_hall: true,
            location: "二楼 12号窗口".into(),
            hours: "工作日 8:30-17:30".into(),
            consult_phone: "0759-3388123".into(),
            supervise_phone: "0759-12345".into(),
            faqs: vec![Faq {
                question: "需要现场核查吗？".into(),
                answer: "需要。".into(),
            }],
            materials: vec![
                Material {
                    key: "M01".into(),
                    name: "申请书".into(),
                    source: "1".into(),
                    originals: 1,
                    copies: 2,
                    required: true,
                    format: "3".into(),
                    ..Default::default()
                },
                Material {
                    key: "M07".into(),
                    name: "营业执照".into(),
                    source: "2".into(),
                    issuer: "市场监管部门".into(),
                    condition: "企业申请时".into(),
                    format: "2".into(),
                    notes: "加盖公章".into(),
                    licence_type: "11100000000013127D001".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    fn bare(e: &Elements) -> Elements {
        Elements {
            name: e.name.clone(),
            basic_code: e.basic_code.clone(),
            item_type: e.item_type.clone(),
            legal_basis: e.legal_basis.clone(),
            department_name: e.department_name.clone(),
            department_uscc: e.department_uscc.clone(),
            ..Default::default()
        }
    }

    fn export_tables(e: &Elements) -> Vec<Sheet> {
        let x = ExportItem {
            code: "11100000000013127D3000117008000",
            division_code: "440800",
            department_uscc: e.department_uscc.clone(),
            elements: e,
        };
        build_sheets(&[x]).unwrap()
    }

    fn rules_of(p: &Parsed) -> Vec<(String, usize, String, String)> {
        p.errors
            .iter()
            .map(|e| (e.sheet.clone(), e.line, e.field.clone(), e.rule.clone()))
            .collect()
    }

    #[test]
    fn columns_cover_every_element() {
        let keys = |m: Map<String, Value>| m.keys().cloned().collect::<HashSet<_>>();
        let cols = |t: Table| {
            t.fields()
                .iter()
                .map(|f| f.col.key.to_string())
                .collect::<HashSet<_>>()
        };
        let mut elements = keys(to_object(&Elements::default()).unwrap());
        for k in [
            "item_type",
            "legal_basis",
            "department_name",
            "process_steps",
            "fees",
            "faqs",
            "materials",
            // Not flat: kept from the current version on import (see the module header).
            "form",
        ] {
            assert!(elements.remove(k), "{k}");
        }
        let mut items = cols(Table::Items);
        assert!(items.remove("code") && items.remove("division_code"));
        assert_eq!(items, elements);
        for (t, obj) in [
            (Table::Materials, to_object(&Material::default()).unwrap()),
            (Table::Fees, to_object(&Fee::default()).unwrap()),
            (Table::Faqs, to_object(&Faq::default()).unwrap()),
            (Table::Steps, to_object(&ProcessStep::default()).unwrap()),
        ] {
            let mut c = cols(t);
            assert!(c.remove("code"));
            assert_eq!(c, keys(obj), "{t:?}");
        }
        // No header is claimed by two columns of one table.
        for t in Table::ALL {
            let mut names = HashSet::new();
            for f in t.fields() {
                for n in [f.col.key, f.col.zh].iter().chain(f.col.aliases) {
                    assert!(names.insert(n.to_lowercase()), "{t:?} {n}");
                }
            }
        }
    }

    #[test]
    fn cells_parse_codes_labels_booleans_and_numbers() {
        assert_eq!(parse_bool("f", "是"), Ok(true));
        assert_eq!(parse_bool("f", "Y"), Ok(true));
        assert_eq!(parse_bool("f", "TRUE"), Ok(true));
        assert_eq!(parse_bool("f", "0"), Ok(false));
        assert_eq!(parse_bool("f", ""), Ok(false));
        assert_eq!(parse_bool("f", "maybe").unwrap_err().rule, "bool");
        assert_eq!(parse_int("f", "20", false), Ok(20));
        assert_eq!(parse_int("f", "20.0", false), Ok(20));
        assert_eq!(parse_int("f", "", false), Ok(0));
        assert_eq!(parse_int("f", "即办", true), Ok(0));
        assert_eq!(parse_int("f", "即办", false).unwrap_err().rule, "number");
        assert_eq!(parse_int("f", "20天", false).unwrap_err().rule, "number");
        assert_eq!(parse_int("f", "2.5", false).unwrap_err().rule, "number");
        let objs = Kind::Codes(&codes::SERVICE_OBJECTS);
        assert_eq!(
            parse_cell(objs, "service_objects", "自然人、2；企业法人, 4").unwrap(),
            json!(["1", "2", "4"])
        );
        assert_eq!(
            parse_cell(objs, "service_objects", "外星人")
                .unwrap_err()
                .rule,
            "code.unknown"
        );
        assert_eq!(
            parse_cell(
                Kind::Codes(&codes::ENTERPRISE_THEMES),
                "enterprise_themes",
                "agriculture, forestry and fishery"
            )
            .unwrap(),
            json!(["E15"])
        );
        let level = Kind::Code(&codes::LEVELS);
        // A label containing 、 in a single-valued field is not split.
        assert_eq!(
            parse_cell(level, "exercise_level", "镇（乡、街道）级").unwrap(),
            json!("5")
        );
        assert_eq!(parse_cell(level, "exercise_level", "").unwrap(), json!(""));
        assert_eq!(format_cell(Kind::Bool, Some(&json!(true))), "是");
        assert_eq!(format_cell(Kind::Bool, Some(&json!(false))), "否");
        assert_eq!(format_cell(objs, Some(&json!(["1", "2"]))), "1、2");
        assert_eq!(format_cell(Kind::Int, Some(&json!(3))), "3");
    }

    #[test]
    fn export_then_parse_gives_the_same_elements() {
        let e = sample();
        for bytes in [
            write_xlsx(&export_tables(&e)).unwrap(),
            // CSV: every table through its own file.
            Vec::new(),
        ] {
            let t = if bytes.is_empty() {
                let s = export_tables(&e);
                let csv: Vec<Vec<u8>> = s.iter().map(|s| write_csv(s).unwrap()).collect();
                let files = ImportFiles {
                    items: &csv[0],
                    materials: Some(&csv[1]),
                    fees: Some(&csv[2]),
                    faqs: Some(&csv[3]),
                    steps: Some(&csv[4]),
                };
                read_tables(&files).unwrap().0
            } else {
                read_tables(&ImportFiles::single(&bytes)).unwrap().0
            };
            let p = parse_tables(&t).unwrap();
            assert_eq!(rules_of(&p), vec![]);
            assert_eq!(p.items.len(), 1);
            assert_eq!(p.rows, 1 + 2 + 1 + 1 + 2);
            let it = &p.items[0];
            assert_eq!(it.basic_code, e.basic_code);
            assert_eq!(it.name, e.name);
            assert_eq!(it.division_code, "440800");
            let (back, lines) = compose(&bare(&e), it, &p).unwrap();
            assert_eq!(back, e);
            assert_eq!(lines.materials, Some(vec![2, 3]));
        }
    }

    #[test]
    fn headers_by_chinese_key_or_alias_and_absent_columns_keep_values() {
        let csv = "*实施编码,basic_code,实施主体代码,是否支持预约办理,服务对象（可多选）\n\
                   A1,B1,11100000000013127D,Y,自然人;企业法人\n";
        let (t, enc) = read_tables(&ImportFiles::single(csv.as_bytes())).unwrap();
        assert_eq!(enc, "utf-8");
        let p = parse_tables(&t).unwrap();
        assert_eq!(rules_of(&p), vec![]);
        let base = sample();
        let (e, lines) = compose(&base, &p.items[0], &p).unwrap();
        assert!(e.appointment);
        assert_eq!(e.service_objects, ["1", "2"]);
        // Everything else, child lists included, is kept.
        assert_eq!(e.hours, base.hours);
        assert_eq!(e.materials, base.materials);
        assert!(lines.materials.is_none());
        assert_eq!(
            locate(
                FieldError::new("materials[1].name", "max_chars", "", ""),
                2,
                &lines
            )
            .sheet,
            ITEMS_SHEET
        );
    }

    #[test]
    fn importing_an_export_keeps_the_form_and_the_workflow() {
        let mut e = sample();
        e.form = serde_json::from_value(json!([
            {"key": "name", "label": "经营者名称", "kind": "text", "required": true,
             "prefill": "org_name"},
            {"key": "format", "label": "主体业态", "kind": "choice",
             "options": [{"code": "shop", "label": "食品销售经营者"}]}
        ]))
        .unwrap();
        e.workflow = Some(
            serde_json::from_value(json!({
                "code": "W1", "version": 1, "name": "食品经营许可流程",
                "stages": [{"kind": "step", "code": "accept", "name": "受理",
                            "performer": {"role": "case_officer", "department": "item"},
                            "sign": "single", "actions": ["approve", "return"]}]
            }))
            .unwrap(),
        );
        assert_eq!(rules::shape(&e), vec![]);
        let sheets = export_tables(&e);
        for s in &sheets {
            assert!(
                !s.headers.iter().any(|h| h == "form" || h == "workflow"),
                "{:?}",
                s.headers
            );
        }
        let t = read_tables(&ImportFiles::single(&write_xlsx(&sheets).unwrap()))
            .unwrap()
            .0;
        let p = parse_tables(&t).unwrap();
        let (back, _) = compose(&e, &p.items[0], &p).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.form.len(), 2);
        assert!(back.workflow.is_some());
    }

    #[test]
    fn form_errors_name_sheet_line_and_field() {
        let items = "实施编码,基本编码,实施部门统一社会信用代码,行使层级,法定办结时限,是否收费\n\
                     A1,B1,11100000000013127D,市级,20,否\n\
                     A1,B1,11100000000013127D,3,20,否\n\
                     a-2,B1,123,9,二十,也许\n";
        let materials = "实施编码,材料名称,原件份数\nA1,申请书,1\nZZ,其他,x\n";
        let files = ImportFiles {
            items: items.as_bytes(),
            materials: Some(materials.as_bytes()),
            ..Default::default()
        };
        let (t, _) = read_tables(&files).unwrap();
        let p = parse_tables(&t).unwrap();
        let r = rules_of(&p);
        let s = |sh: &str, l: usize, f: &str, ru: &str| {
            (sh.to_string(), l, f.to_string(), ru.to_string())
        };
        assert_eq!(
            r,
            vec![
                s(ITEMS_SHEET, 3, "code", "item_code.duplicate_in_file"),
                s(ITEMS_SHEET, 4, "code", "item_code.format"),
                s(ITEMS_SHEET, 4, "department_uscc", "uscc.length"),
                s(ITEMS_SHEET, 4, "exercise_level", "code.unknown"),
                s(ITEMS_SHEET, 4, "statutory_limit", "number"),
                s(ITEMS_SHEET, 4, "is_fee", "bool"),
                s(MATERIALS_SHEET, 3, "code", "item.not_in_file"),
                s(MATERIALS_SHEET, 3, "originals", "number"),
            ]
        );
        assert_eq!(p.items[0].values.get("exercise_level"), Some(&json!("3")));
    }

    #[test]
    fn missing_columns_and_workbook_shape() {
        let (t, _) = read_tables(&ImportFiles::single("事项名称\n甲\n".as_bytes())).unwrap();
        let p = parse_tables(&t).unwrap();
        let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "basic_code", "department_uscc"]);
        assert!(p.errors.iter().all(|e| e.line == 1));
        let xlsx = write_xlsx(&export_tables(&sample())).unwrap();
        let files = ImportFiles {
            items: &xlsx,
            fees: Some(b"x"),
            ..Default::default()
        };
        assert_eq!(
            read_tables(&files).unwrap_err().code,
            ErrorCode::ImportRejected
        );
    }

    #[test]
    fn shape_errors_land_on_the_child_line() {
        let lines = ChildLines {
            materials: Some(vec![5, 9]),
            steps: Some(vec![3]),
            ..Default::default()
        };
        let r = locate(
            FieldError::new("materials[1].licence_type", "licence_type.format", "", ""),
            2,
            &lines,
        );
        assert_eq!(
            (r.sheet.as_str(), r.line, r.field.as_str()),
            (MATERIALS_SHEET, 9, "licence_type")
        );
        let r = locate(
            FieldError::new("process_steps[0].limit", "range", "", ""),
            2,
            &lines,
        );
        assert_eq!(
            (r.sheet.as_str(), r.line, r.field.as_str()),
            (STEPS_SHEET, 3, "limit")
        );
        let r = locate(
            FieldError::new("service_objects[0]", "duplicate", "", ""),
            2,
            &lines,
        );
        assert_eq!(
            (r.sheet.as_str(), r.line, r.field.as_str()),
            (ITEMS_SHEET, 2, "service_objects[0]")
        );
    }

    #[test]
    fn material_keys_follow_names() {
        let base = sample();
        let csv_items = "实施编码,基本编码,实施部门统一社会信用代码\nA1,B1,11100000000013127D\n";
        let csv_mat = "实施编码,材料名称\nA1,营业执照\nA1,新材料\nA1,申请书\n";
        let files = ImportFiles {
            items: csv_items.as_bytes(),
            materials: Some(csv_mat.as_bytes()),
            ..Default::default()
        };
        let (t, _) = read_tables(&files).unwrap();
        let p = parse_tables(&t).unwrap();
        let (e, _) = compose(&base, &p.items[0], &p).unwrap();
        let keys: Vec<&str> = e.materials.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["M07", "M02", "M01"]);
    }

    #[test]
    fn table_names() {
        assert_eq!(Table::parse("materials"), Some(Table::Materials));
        assert_eq!(Table::parse("常见问题"), Some(Table::Faqs));
        assert_eq!(Table::parse("x"), None);
    }
}
