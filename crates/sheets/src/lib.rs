//! Tables in and out: the CSV and XLSX files departments already keep.
//!
//! Reading: CSV in UTF-8 (with or without BOM) or GBK/GB18030 (detected: anything that is not
//! valid UTF-8 is decoded as GB18030, GBK's superset), comma- or tab-separated; XLSX workbooks
//! with one sheet per table. Every row keeps the line number the user sees in their editor
//! (header = line 1) so that error reports point at the right row.
//!
//! Writing: CSV as UTF-8 with a BOM (so Excel shows Chinese correctly) and XLSX with every cell
//! written as text (so codes such as `914403001922038216` are never turned into numbers).
//!
//! This crate knows nothing of departments or items; domains declare their [`Column`]s.

use std::io::Cursor;

use yiwang_kernel::{Error, ErrorCode, FieldError, error::RowError};

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

fn file_error(zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::new(ErrorCode::ImportRejected).with_detail(zh, en)
}

/// Decodes CSV bytes to text, reporting which encoding was found.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), Error> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if b.starts_with(b"\xFF\xFE") || b.starts_with(b"\xFE\xFF") {
        return Err(file_error(
            "不支持UTF-16编码的文件，请另存为UTF-8或GBK编码的CSV",
            "UTF-16 files are not supported; save the CSV as UTF-8 or GBK",
        ));
    }
    match std::str::from_utf8(b) {
        Ok(s) => Ok((s.to_string(), Encoding::Utf8)),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(b);
            if had_errors {
                Err(file_error(
                    "无法识别文件编码（应为UTF-8或GBK/GB18030）",
                    "Cannot read the file's encoding (expected UTF-8 or GBK/GB18030)",
                ))
            } else {
                Ok((text.into_owned(), Encoding::Gb18030))
            }
        }
    }
}

/// The 1-based line of the first non-blank character at or after byte `offset` (the csv
/// reader reports a record as starting at the blank lines that precede it).
fn line_at(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut o = offset.min(bytes.len());
    while o < bytes.len() && (bytes[o] == b'\n' || bytes[o] == b'\r') {
        o += 1;
    }
    1 + bytes[..o].iter().filter(|&&b| b == b'\n').count()
}

/// Reads one CSV table. The first non-empty line is the header.
pub fn read_csv(name: &str, bytes: &[u8]) -> Result<(Sheet, Encoding), Error> {
    let (text, enc) = decode(bytes)?;
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet {
        name: name.to_string(),
        ..Sheet::default()
    };
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            file_error(
                format!("CSV格式错误（第{line}行）"),
                format!("Malformed CSV (line {line})"),
            )
        })?;
        let line = rec
            .position()
            .map(|p| line_at(&text, p.byte() as usize))
            .unwrap_or(0);
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if sheet.headers.is_empty() {
            sheet.headers = cells;
        } else {
            sheet.rows.push(SheetRow { line, cells });
        }
    }
    Ok((sheet, enc))
}

/// Finds the encoding of a CSV arriving as a stream, reading it to the end in bounded
/// memory: UTF-8 (with or without BOM) if every byte sequence is valid UTF-8, else GB18030.
pub fn detect_encoding(mut src: impl std::io::Read) -> Result<Encoding, Error> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry = 0usize;
    let mut first = true;
    loop {
        let n = src.read(&mut buf[carry..]).map_err(Error::internal)?;
        if n == 0 {
            return Ok(if carry == 0 {
                Encoding::Utf8
            } else {
                Encoding::Gb18030
            });
        }
        let end = carry + n;
        if first && (buf[..end].starts_with(b"\xFF\xFE") || buf[..end].starts_with(b"\xFE\xFF")) {
            return Err(file_error(
                "不支持UTF-16编码的文件，请另存为UTF-8或GBK编码的CSV",
                "UTF-16 files are not supported; save the CSV as UTF-8 or GBK",
            ));
        }
        first = false;
        match std::str::from_utf8(&buf[..end]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                // A character cut at the end of the buffer: keep its bytes for the next read.
                let valid = e.valid_up_to();
                buf.copy_within(valid..end, 0);
                carry = end - valid;
            }
            Err(_) => return Ok(Encoding::Gb18030),
        }
    }
}

/// A CSV read one record at a time (for files too large to hold): the same rules as
/// [`read_csv`] — the first non-empty record is the header, blank records are skipped, every
/// record keeps the line number the user sees (where it starts), comma or tab separated.
///
/// A record ends at a line break outside quotes (an even number of `"` so far); a quote opens
/// a quoted field only at the start of the field, `""` inside it is a quote.
pub struct CsvStream<R> {
    src: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    text: String,
    pos: usize,
    eof: bool,
    /// Lines consumed so far.
    line: usize,
    delimiter: Option<char>,
    headers: Vec<String>,
}

impl<R: std::io::Read> CsvStream<R> {
    /// Opens the stream and reads its header (empty when the file has no records).
    pub fn new(src: R, encoding: Encoding) -> Result<Self, Error> {
        let enc = match encoding {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gb18030 => encoding_rs::GB18030,
        };
        let mut s = CsvStream {
            src,
            decoder: enc.new_decoder_with_bom_removal(),
            raw: vec![0u8; 64 * 1024],
            text: String::new(),
            pos: 0,
            eof: false,
            line: 0,
            delimiter: None,
            headers: Vec::new(),
        };
        if let Some(h) = s.next_record()? {
            s.headers = h.cells;
        }
        Ok(s)
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Decodes more input into `text`; `false` at the end of the input.
    fn fill(&mut self) -> Result<bool, Error> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.text.drain(..self.pos);
            self.pos = 0;
        }
        let n = self.src.read(&mut self.raw).map_err(Error::internal)?;
        let last = n == 0;
        self.text.reserve(
            self.decoder
                .max_utf8_buffer_length_without_replacement(n)
                .unwrap_or(n * 3 + 16),
        );
        let (res, _) =
            self.decoder
                .decode_to_string_without_replacement(&self.raw[..n], &mut self.text, last);
        if let encoding_rs::DecoderResult::Malformed(_, _) = res {
            return Err(file_error(
                format!("文件编码错误（第{}行附近）", self.line + 1),
                format!("Invalid text encoding (near line {})", self.line + 1),
            ));
        }
        if last {
            self.eof = true;
        }
        Ok(true)
    }

    /// The next physical line without its line break, or `None` at the end.
    fn next_line(&mut self) -> Result<Option<String>, Error> {
        loop {
            if let Some(i) = self.text[self.pos..].find('\n') {
                let l = &self.text[self.pos..self.pos + i];
                let l = l.strip_suffix('\r').unwrap_or(l).to_string();
                self.pos += i + 1;
                self.line += 1;
                return Ok(Some(l));
            }
            if !self.fill()? {
                if self.pos < self.text.len() {
                    let l = self.text[self.pos..].to_string();
                    let l = l.strip_suffix('\r').map(str::to_string).unwrap_or(l);
                    self.pos = self.text.len();
                    self.line += 1;
                    return Ok(Some(l));
                }
                return Ok(None);
            }
        }
    }

    /// The next non-blank record (header included), with the line it starts on.
    fn next_record(&mut self) -> Result<Option<SheetRow>, Error> {
        loop {
            let Some(mut rec) = self.next_line()? else {
                return Ok(None);
            };
            let start = self.line;
            while rec.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
                let Some(more) = self.next_line()? else {
                    return Err(file_error(
                        format!("CSV格式错误（第{start}行：引号未闭合）"),
                        format!("Malformed CSV (line {start}: unclosed quote)"),
                    ));
                };
                rec.push('\n');
                rec.push_str(&more);
            }
            let delimiter = *self.delimiter.get_or_insert_with(|| {
                if rec.contains('\t') && !rec.contains(',') {
                    '\t'
                } else {
                    ','
                }
            });
            let cells = split_record(&rec, delimiter);
            if cells.iter().all(String::is_empty) {
                continue;
            }
            return Ok(Some(SheetRow { line: start, cells }));
        }
    }
}

impl<R: std::io::Read> Iterator for CsvStream<R> {
    type Item = Result<SheetRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// The trimmed fields of one CSV record.
fn split_record(rec: &str, delimiter: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut field_start = true;
    let mut chars = rec.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && field_start {
            quoted = true;
        } else if c == delimiter {
            out.push(cur.trim().to_string());
            cur.clear();
            field_start = true;
            continue;
        } else {
            cur.push(c);
        }
        field_start = false;
    }
    out.push(cur.trim().to_string());
    out
}

/// Reads every sheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Sheet>, Error> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).map_err(
        |e: calamine::XlsxError| {
            let mut err = file_error(
                "无法读取XLSX文件（文件损坏或不是XLSX格式）",
                "Cannot read the XLSX file (damaged or not XLSX)",
            );
            err.internal = Some(e.to_string().into());
            err
        },
    )?;
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| {
            let mut err = file_error(
                format!("无法读取工作表“{name}”"),
                format!("Cannot read sheet \"{name}\""),
            );
            err.internal = Some(e.to_string().into());
            err
        })?;
        let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
        let mut sheet = Sheet {
            name: name.clone(),
            ..Sheet::default()
        };
        for (i, row) in range.rows().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .map(|c| c.to_string().trim().to_string())
                .collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            let line = start_row + i + 1;
            if sheet.headers.is_empty() {
                sheet.headers = cells;
            } else {
                sheet.rows.push(SheetRow { line, cells });
            }
        }
        out.push(sheet);
    }
    Ok(out)
}

/// Writes a CSV (UTF-8 with BOM).
pub fn write_csv(sheet: &Sheet) -> Result<Vec<u8>, Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut out);
        w.write_record(&sheet.headers).map_err(Error::internal)?;
        for r in &sheet.rows {
            w.write_record(&r.cells).map_err(Error::internal)?;
        }
        w.flush().map_err(Error::internal)?;
    }
    Ok(out)
}

/// Writes an XLSX workbook, one worksheet per sheet, every cell as text.
pub fn write_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, Error> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
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
                ws.write_string_with_format(row, col, v, &text)
                    .map_err(Error::internal)?;
            }
        }
    }
    wb.save_to_buffer().map_err(Error::internal)
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
