//! The uploaded files as tables: one workbook, or an item CSV with optional child CSVs.

use super::*;

/// The tables of one upload, each named by its canonical sheet name.
#[derive(Debug, Clone, Default)]
pub(super) struct Tables {
    pub(super) items: Sheet,
    pub(super) materials: Option<Sheet>,
    pub(super) fees: Option<Sheet>,
    pub(super) faqs: Option<Sheet>,
    pub(super) steps: Option<Sheet>,
}

pub(super) fn no_sheet(zh: &str, en: &str) -> Error {
    Error::import_rejected(vec![]).with_detail(zh, en)
}

pub(super) fn take_sheet(sheets: &mut Vec<Sheet>, name: &str) -> Option<Sheet> {
    let i = sheets.iter().position(|s| s.name.trim() == name)?;
    let mut s = sheets.remove(i);
    s.name = name.to_string();
    Some(s)
}

/// A child table uploaded as its own file (CSV, or a workbook whose sheet of that name or whose
/// first sheet is the table).
pub(super) fn read_child(bytes: Option<&[u8]>, table: Table) -> Result<Option<Sheet>> {
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

pub(super) fn read_tables(files: &ImportFiles<'_>) -> Result<(Tables, String)> {
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
