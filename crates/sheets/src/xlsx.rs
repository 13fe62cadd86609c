//! XLSX in (bounded: see [`crate::limits`]) and out (every cell a string).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use yiwang_kernel::{Error, ErrorCode};

use crate::cell::{clean, formula_like};
use crate::limits::{
    MAX_CELLS, MAX_COLUMNS, MAX_PARTS, MAX_RATIO, MAX_STRINGS, MAX_TEXT, MAX_UNCOMPRESSED,
    RATIO_FROM, refused, turn,
};
use crate::{Sheet, SheetRow};

fn unreadable(cause: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ImportRejected)
        .with_detail(
            "无法读取XLSX文件（文件损坏或不是XLSX格式）",
            "Cannot read the XLSX file (damaged or not XLSX)",
        )
        .with_internal(cause)
}

/// Counts the `<si>` elements of a shared-strings part and reads its declared `uniqueCount`,
/// fed in pieces (a hand-rolled scan: tag names only, namespace prefixes ignored).
#[derive(Default)]
struct SharedStringsScan {
    naming: bool,
    name: Vec<u8>,
    in_sst: bool,
    sst_attrs: Vec<u8>,
    seen_sst: bool,
    count: u64,
    declared: Option<u64>,
}

impl SharedStringsScan {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.in_sst {
                if b == b'>' {
                    self.in_sst = false;
                    self.declared = declared_count(&self.sst_attrs);
                } else if self.sst_attrs.len() < 4096 {
                    self.sst_attrs.push(b);
                }
            } else if self.naming {
                if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/') {
                    self.naming = false;
                    let local = match self.name.iter().rposition(|&c| c == b':') {
                        Some(i) => &self.name[i + 1..],
                        None => &self.name[..],
                    };
                    if local == b"si" {
                        self.count += 1;
                    } else if local == b"sst" && !self.seen_sst {
                        self.seen_sst = true;
                        self.in_sst = b != b'>';
                    }
                } else if self.name.len() < 64 {
                    self.name.push(b);
                }
            } else if b == b'<' {
                self.naming = true;
                self.name.clear();
            }
        }
    }
}

/// The `uniqueCount` attribute of the `<sst>` tag (saturating; `None` when absent).
fn declared_count(attrs: &[u8]) -> Option<u64> {
    let key = b"uniqueCount";
    let i = attrs.windows(key.len()).position(|w| w == key)?;
    let rest = &attrs[i + key.len()..];
    let digits = rest
        .iter()
        .skip_while(|&&c| matches!(c, b' ' | b'=' | b'"' | b'\''))
        .take_while(|c| c.is_ascii_digit());
    Some(digits.fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Inflates every part of the workbook once, counting: refuses what a reader would
/// otherwise allocate from the file's declarations (see [`crate::limits`]).
fn prescan(bytes: &[u8]) -> Result<(), Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_PARTS {
        return Err(refused(
            "xlsx.parts",
            1,
            format!("XLSX文件包含的部件过多（超过{MAX_PARTS}个）"),
            format!("The XLSX file has too many parts (more than {MAX_PARTS})"),
        ));
    }
    let too_large = || {
        refused(
            "xlsx.uncompressed_size",
            1,
            format!(
                "XLSX文件解压后超过{} MiB，请拆分后导入",
                MAX_UNCOMPRESSED >> 20
            ),
            format!(
                "The XLSX file inflates to more than {} MiB; split it",
                MAX_UNCOMPRESSED >> 20
            ),
        )
    };
    let bomb = |name: &str| {
        refused(
            "xlsx.compression_ratio",
            1,
            format!("XLSX文件的部件“{name}”压缩比异常（超过{MAX_RATIO}倍），疑似压缩炸弹"),
            format!(
                "The XLSX part \"{name}\" is compressed more than {MAX_RATIO} times: a zip bomb"
            ),
        )
    };
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        let name: String = part
            .name()
            .map(|n| n.chars().take(100).collect())
            .unwrap_or_default();
        let declared = part.size();
        let packed = part.compressed_size().max(1);
        if declared > MAX_UNCOMPRESSED - total {
            return Err(too_large());
        }
        if declared >= RATIO_FROM && declared / packed > MAX_RATIO {
            return Err(bomb(&name));
        }
        let shared = name.to_ascii_lowercase().ends_with("sharedstrings.xml");
        let mut scan = SharedStringsScan::default();
        let mut actual = 0u64;
        let mut r = (&mut part).take(declared.saturating_add(1));
        loop {
            let n = r.read(&mut buf).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            actual += n as u64;
            if actual > declared {
                return Err(refused(
                    "xlsx.size_mismatch",
                    1,
                    format!("XLSX文件的部件“{name}”解压后大于其声明的大小（{declared}字节）"),
                    format!(
                        "The XLSX part \"{name}\" inflates beyond its declared size ({declared} bytes)"
                    ),
                ));
            }
            if shared {
                scan.feed(&buf[..n]);
            }
        }
        total += actual;
        if shared {
            if scan.count > MAX_STRINGS {
                return Err(refused(
                    "xlsx.shared_strings",
                    1,
                    format!("XLSX文件的共享字符串超过{MAX_STRINGS}个"),
                    format!("The XLSX file has more than {MAX_STRINGS} shared strings"),
                ));
            }
            if let Some(d) = scan.declared
                && d > scan.count.max(1024)
            {
                return Err(refused(
                    "xlsx.shared_strings_count",
                    1,
                    format!(
                        "XLSX文件声明有{d}个共享字符串，实际只有{}个（文件被篡改或损坏）",
                        scan.count
                    ),
                    format!(
                        "The XLSX file declares {d} shared strings but holds {} (tampered or damaged)",
                        scan.count
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Checks a workbook's parts against the limits without reading its sheets (blocking): a
/// quick refusal before a file is accepted for later reading.
pub fn check_xlsx(bytes: &[u8]) -> Result<(), Error> {
    prescan(bytes)
}

/// Cells and text held so far while reading one workbook.
#[derive(Default)]
struct Held {
    cells: usize,
    text: usize,
}

impl Held {
    fn add(&mut self, cells: usize, text: usize) -> Result<(), Error> {
        self.cells = self.cells.saturating_add(cells);
        self.text = self.text.saturating_add(text);
        if self.cells > MAX_CELLS {
            return Err(refused(
                "xlsx.too_many_cells",
                1,
                format!("XLSX文件的单元格超过{MAX_CELLS}个，请拆分后导入"),
                format!("The XLSX file has more than {MAX_CELLS} cells; split it"),
            ));
        }
        if self.text > MAX_TEXT {
            return Err(refused(
                "xlsx.too_much_text",
                1,
                format!("XLSX文件的文字内容超过{} MiB，请拆分后导入", MAX_TEXT >> 20),
                format!(
                    "The XLSX file holds more than {} MiB of text; split it",
                    MAX_TEXT >> 20
                ),
            ));
        }
        Ok(())
    }
}

/// Reads every sheet of an XLSX workbook within the limits of [`crate::limits`] (blocking
/// and CPU-bound: call it on a blocking thread). Rows keep their sheet row number; columns
/// start at the first used column; a row is as wide as its last non-blank cell.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Sheet>, Error> {
    use calamine::{Reader, Xlsx};
    let _turn = turn();
    prescan(bytes)?;
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::XlsxError| {
            let mut err = unreadable("");
            err.internal = Some(e.to_string().into());
            err
        })?;
    let mut held = Held::default();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let sheet = read_sheet(&mut wb, &name, &mut held).map_err(|e| {
            if e.code != ErrorCode::Internal {
                return e;
            }
            let mut err = Error::new(ErrorCode::ImportRejected).with_detail(
                format!("无法读取工作表“{name}”"),
                format!("Cannot read sheet \"{name}\""),
            );
            err.internal = e.internal;
            err
        })?;
        out.push(sheet);
    }
    Ok(out)
}

fn read_sheet(
    wb: &mut calamine::Xlsx<Cursor<&[u8]>>,
    name: &str,
    held: &mut Held,
) -> Result<Sheet, Error> {
    let mut sheet = Sheet {
        name: name.to_string(),
        ..Sheet::default()
    };
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(sheet),
        Err(e) => return Err(Error::internal(e)),
    };
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut first_col = u32::MAX;
    while let Some(cell) = reader.next_cell().map_err(Error::internal)? {
        let (row, col) = cell.get_position();
        let value: calamine::Data = cell.get_value().clone().into();
        if value == calamine::Data::Empty {
            continue;
        }
        if col >= MAX_COLUMNS {
            return Err(refused(
                "xlsx.too_many_columns",
                row as usize + 1,
                format!("工作表“{name}”第{}行的单元格超出第{MAX_COLUMNS}列", row + 1),
                format!(
                    "Sheet \"{name}\" has a cell beyond column {MAX_COLUMNS} on row {}",
                    row + 1
                ),
            ));
        }
        let text = clean(&value.to_string());
        held.add(1, text.len())?;
        first_col = first_col.min(col);
        rows.entry(row).or_default().push((col, text));
    }
    drop(reader);
    for (row, mut cells) in rows {
        if cells.iter().all(|(_, t)| t.is_empty()) {
            continue;
        }
        cells.sort_by_key(|(c, _)| *c);
        let last = cells.iter().rposition(|(_, t)| !t.is_empty()).unwrap_or(0);
        let width = cells
            .get(last)
            .map_or(0, |(c, _)| (c - first_col) as usize + 1);
        // The blanks a row's width adds are held too.
        held.add(width.saturating_sub(cells.len()), 0)?;
        let mut line = vec![String::new(); width];
        for (c, t) in cells.into_iter().take(last + 1) {
            if let Some(slot) = line.get_mut((c - first_col) as usize) {
                *slot = t;
            }
        }
        if sheet.headers.is_empty() {
            sheet.headers = line;
        } else {
            sheet.rows.push(SheetRow {
                line: row as usize + 1,
                cells: line,
            });
        }
    }
    Ok(sheet)
}

/// Writes an XLSX workbook, one worksheet per sheet, every cell as a string (never a
/// formula); a cell that looks like one also gets Excel's quote prefix, so editing it in a
/// spreadsheet keeps it text.
pub fn write_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, Error> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let quoted = rust_xlsxwriter::Format::new()
        .set_num_format("@")
        .set_quote_prefix();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).map_err(Error::internal)?;
        for (c, h) in s.headers.iter().enumerate() {
            let col = u16::try_from(c).map_err(Error::internal)?;
            ws.write_string_with_format(0, col, h, &bold)
                .map_err(Error::internal)?;
            ws.set_column_width(col, 16).map_err(Error::internal)?;
        }
        for (i, r) in s.rows.iter().enumerate() {
            let row = u32::try_from(i + 1).map_err(Error::internal)?;
            for (c, v) in r.cells.iter().enumerate() {
                let col = u16::try_from(c).map_err(Error::internal)?;
                let f = if formula_like(v) { &quoted } else { &text };
                ws.write_string_with_format(row, col, v, f)
                    .map_err(Error::internal)?;
            }
        }
    }
    wb.save_to_buffer().map_err(Error::internal)
}
