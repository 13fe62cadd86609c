//! Tables in and out: the CSV and XLSX files departments already keep.
//!
//! Reading: CSV in UTF-8 (with or without BOM) or GBK/GB18030 (detected: anything that is not
//! valid UTF-8 is decoded as GB18030, GBK's superset), comma- or tab-separated; XLSX workbooks
//! with one sheet per table. Every row keeps the line number the user sees in their editor
//! (header = line 1) so that error reports point at the right row.
//!
//! Writing: CSV as UTF-8 with a BOM (so Excel shows Chinese correctly) and XLSX with every cell
//! written as text (so codes such as `914403001922038216` are never turned into numbers); a
//! cell a spreadsheet would run as a formula is neutralised in both ([`cell`]).
//!
//! Hostile files are refused, not obeyed: reading has a memory budget and caps ([`limits`]),
//! and is blocking, CPU-bound work — callers run it on a blocking thread.
//!
//! This crate knows nothing of departments or items; domains declare their [`Column`]s.

pub mod cell;
mod csv_file;
pub mod limits;
pub mod testing;
mod xlsx;

pub use cell::{clean, neutralise};
pub use csv_file::{CsvStream, decode, detect_encoding, read_csv, write_csv};
pub use xlsx::{check_xlsx, read_xlsx, write_xlsx};

use yiwang_kernel::{FieldError, error::RowError};

/// A table read from or written to a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// 1-based line (CSV) or row (XLSX) number as the user sees it.
    pub line: usize,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// XLSX files are ZIP archives; everything else is read as CSV.
    pub fn detect(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Text encodings a CSV may arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

/// A column a domain expects: a stable key, the Chinese header departments use, and other
/// spellings accepted on import (the English key is always accepted).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub zh: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

impl Column {
    pub const fn new(key: &'static str, zh: &'static str, required: bool) -> Self {
        Column {
            key,
            zh,
            required,
            aliases: &[],
        }
    }

    fn matches(&self, header: &str) -> bool {
        let h = header.trim().trim_start_matches('*').trim();
        let h_no_paren = h.split(['(', '（']).next().unwrap_or(h).trim();
        [self.key, self.zh]
            .iter()
            .chain(self.aliases.iter())
            .any(|n| n.eq_ignore_ascii_case(h) || n.eq_ignore_ascii_case(h_no_paren))
    }
}

/// Column positions of one sheet, resolved from its header.
#[derive(Debug, Clone)]
pub struct Layout {
    pub sheet: String,
    positions: Vec<(&'static str, usize)>,
}

impl Layout {
    /// Matches the header against `columns`; a missing required column is a row error on line 1.
    pub fn resolve(sheet: &Sheet, columns: &[Column]) -> Result<Layout, Vec<RowError>> {
        let mut positions = Vec::new();
        let mut errors = Vec::new();
        for col in columns {
            match sheet.headers.iter().position(|h| col.matches(h)) {
                Some(i) => positions.push((col.key, i)),
                None if col.required => errors.push(RowError::from_field(
                    &sheet.name,
                    1,
                    FieldError::new(
                        col.key,
                        "missing_column",
                        format!("缺少必需的列“{}”", col.zh),
                        format!("Missing required column \"{}\" ({})", col.key, col.zh),
                    ),
                )),
                None => {}
            }
        }
        if errors.is_empty() {
            Ok(Layout {
                sheet: sheet.name.clone(),
                positions,
            })
        } else {
            Err(errors)
        }
    }

    /// The trimmed cell of `key` in `row` ("" when the column or cell is absent).
    pub fn get<'a>(&self, row: &'a SheetRow, key: &str) -> &'a str {
        self.positions
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, i)| row.cells.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn has(&self, key: &str) -> bool {
        self.positions.iter().any(|(k, _)| *k == key)
    }
}

/// Builds an export sheet with the Chinese headers of `columns`.
pub fn sheet_for(name: &str, columns: &[Column], rows: Vec<Vec<String>>) -> Sheet {
    Sheet {
        name: name.to_string(),
        headers: columns.iter().map(|c| c.zh.to_string()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, cells)| SheetRow { line: i + 2, cells })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column::new("name", "部门名称", true),
        Column::new("uscc", "统一社会信用代码", true),
        Column::new("phone", "联系电话", false),
    ];

    #[test]
    fn utf8_and_gbk_read_the_same() {
        let text = "部门名称,统一社会信用代码\n湛江市市场监督管理局,11440800MB2C12345X\n";
        let (a, ea) = read_csv("d", text.as_bytes()).unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (b, eb) = read_csv("d", &gbk).unwrap();
        assert_eq!(ea, Encoding::Utf8);
        assert_eq!(eb, Encoding::Gb18030);
        assert_eq!(a, b);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(read_csv("d", &bom).unwrap().0, a);
    }

    #[test]
    fn lines_are_counted_as_the_user_sees_them() {
        let text = "部门名称,统一社会信用代码\n\n甲,1\n\"多行\n名称\",2\n乙,3\n";
        let (s, _) = read_csv("d", text.as_bytes()).unwrap();
        let lines: Vec<usize> = s.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4, 6]);
    }

    #[test]
    fn headers_resolve_by_chinese_english_or_marked_names() {
        let (s, _) = read_csv("d", "*部门名称,USCC,联系电话（办公）\n甲,1,2\n".as_bytes()).unwrap();
        let cols = [
            Column::new("name", "部门名称", true),
            Column {
                aliases: &["USCC"],
                ..Column::new("uscc", "统一社会信用代码", true)
            },
            Column::new("phone", "联系电话", false),
        ];
        let l = Layout::resolve(&s, &cols).unwrap();
        assert_eq!(l.get(&s.rows[0], "name"), "甲");
        assert_eq!(l.get(&s.rows[0], "uscc"), "1");
        assert_eq!(l.get(&s.rows[0], "phone"), "2");
        let (s2, _) = read_csv("d", "部门名称\n甲\n".as_bytes()).unwrap();
        let errs = Layout::resolve(&s2, COLS).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "uscc");
    }

    #[test]
    fn xlsx_round_trips_text_cells() {
        let sheet = sheet_for(
            "部门",
            COLS,
            vec![vec![
                "湛江市人民政府".into(),
                "914403001922038216".into(),
                "0759-1234567".into(),
            ]],
        );
        let bytes = write_xlsx(std::slice::from_ref(&sheet)).unwrap();
        assert_eq!(Format::detect(&bytes), Format::Xlsx);
        let back = read_xlsx(&bytes).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].headers, sheet.headers);
        assert_eq!(back[0].rows[0].cells, sheet.rows[0].cells);
        assert_eq!(back[0].rows[0].line, 2);
    }

    #[test]
    fn csv_round_trips() {
        let sheet = sheet_for(
            "d",
            COLS,
            vec![vec!["甲,乙".into(), "x\"y".into(), "".into()]],
        );
        let bytes = write_csv(&sheet).unwrap();
        let (back, _) = read_csv("d", &bytes).unwrap();
        assert_eq!(back.headers, sheet.headers);
        assert_eq!(back.rows[0].cells, sheet.rows[0].cells);
    }

    #[test]
    fn garbage_is_rejected_not_panicked() {
        assert!(read_xlsx(b"PK\x03\x04garbage").is_err());
        assert!(read_csv("d", b"\xFF\xFEa\x00").is_err());
        // invalid in both UTF-8 and GB18030
        assert!(read_csv("d", b"\x80\x80\xFF").is_err());
    }

    #[test]
    fn the_stream_reads_what_read_csv_reads() {
        for text in [
            "部门名称,统一社会信用代码\n\n甲,1\n\"多行\n名称\",2\n乙,3\n",
            "\u{feff}部门名称,统一社会信用代码\r\n甲,\"a,\"\"b\"\"\"\r\n\r\n乙 , 3",
            "a\tb\n1\t2\n",
        ] {
            let (whole, _) = read_csv("d", text.as_bytes()).unwrap();
            for bytes in [
                text.as_bytes().to_vec(),
                encoding_rs::GBK
                    .encode(text.trim_start_matches('\u{feff}'))
                    .0
                    .into_owned(),
            ] {
                let enc = detect_encoding(bytes.as_slice()).unwrap();
                let s = CsvStream::new(bytes.as_slice(), enc).unwrap();
                assert_eq!(s.headers(), whole.headers.as_slice(), "{text}");
                let rows: Vec<SheetRow> = s.map(Result::unwrap).collect();
                assert_eq!(rows, whole.rows, "{text}");
            }
        }
        assert_eq!(detect_encoding("甲".as_bytes()).unwrap(), Encoding::Utf8);
        let gbk = encoding_rs::GBK.encode("甲乙").0.into_owned();
        assert_eq!(detect_encoding(gbk.as_slice()).unwrap(), Encoding::Gb18030);
        // Unclosed quote: an error naming the line, not a panic.
        let s = CsvStream::new("a,b\n1,\"x\n".as_bytes(), Encoding::Utf8).unwrap();
        assert!(s.map(|r| r.is_err()).last().unwrap());
        // A character split across the 64 KiB read buffer is still UTF-8.
        let mut big = "a\n".to_string();
        while big.len() < 70_000 {
            big.push_str("湛江\n");
        }
        assert_eq!(detect_encoding(big.as_bytes()).unwrap(), Encoding::Utf8);
        let n = CsvStream::new(big.as_bytes(), Encoding::Utf8)
            .unwrap()
            .count();
        assert_eq!(n, big.lines().count() - 1);
    }
}
