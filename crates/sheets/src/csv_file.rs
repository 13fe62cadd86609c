//! CSV in (UTF-8 or GBK/GB18030, comma or tab; whole or as a stream) and out (UTF-8 with BOM).

use yiwang_kernel::{Error, ErrorCode};

use crate::cell::{clean, neutralise};
use crate::limits::{MAX_RECORD_BYTES, MAX_RECORD_LINES, refused};
use crate::{Encoding, Sheet, SheetRow};

fn file_error(zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::new(ErrorCode::ImportRejected).with_detail(zh, en)
}

fn utf16() -> Error {
    file_error(
        "不支持UTF-16编码的文件，请另存为UTF-8或GBK编码的CSV",
        "UTF-16 files are not supported; save the CSV as UTF-8 or GBK",
    )
}

/// Decodes CSV bytes to text, reporting which encoding was found.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), Error> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if b.starts_with(b"\xFF\xFE") || b.starts_with(b"\xFE\xFF") {
        return Err(utf16());
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

/// The number of line breaks from byte `from` to the first non-blank character at or after
/// byte `offset`, plus one (the csv reader reports a record as starting at the blank lines
/// that precede it).
fn line_at(text: &str, from: usize, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut o = offset.min(bytes.len());
    while o < bytes.len() && (bytes[o] == b'\n' || bytes[o] == b'\r') {
        o += 1;
    }
    1 + bytes[from.min(o)..o]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
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
    // Line numbers are counted incrementally (counting from the start for every record
    // would be quadratic).
    let (mut counted_to, mut lines_before) = (0usize, 0usize);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            file_error(
                format!("CSV格式错误（第{line}行）"),
                format!("Malformed CSV (line {line})"),
            )
        })?;
        let line = match rec.position() {
            Some(p) => {
                let start = (p.byte() as usize).min(text.len());
                if start >= counted_to {
                    lines_before += text.as_bytes()[counted_to..start]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    counted_to = start;
                }
                lines_before + line_at(&text, start, start)
            }
            None => 0,
        };
        let cells: Vec<String> = rec.iter().map(clean).collect();
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
            return Err(utf16());
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
/// a quoted field only at the start of the field, `""` inside it is a quote. Work is linear in
/// the input: a record longer than [`MAX_RECORD_BYTES`] or spanning more than
/// [`MAX_RECORD_LINES`] lines (usually an unclosed quote) is refused (`csv.record_too_long`).
pub struct CsvStream<R> {
    src: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    text: String,
    pos: usize,
    /// Bytes after `pos` already searched for a line break.
    scanned: usize,
    eof: bool,
    /// Lines consumed so far.
    line: usize,
    delimiter: Option<char>,
    headers: Vec<String>,
    /// Set after an error: the stream ends there.
    failed: bool,
}

fn too_long(start: usize) -> Error {
    refused(
        "csv.record_too_long",
        start,
        format!(
            "CSV格式错误（第{start}行：一条记录超过{} KiB或跨越{}行，可能是引号未闭合）",
            MAX_RECORD_BYTES / 1024,
            MAX_RECORD_LINES
        ),
        format!(
            "Malformed CSV (line {start}: a record is longer than {} KiB or spans more than {} lines; probably an unclosed quote)",
            MAX_RECORD_BYTES / 1024,
            MAX_RECORD_LINES
        ),
    )
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
            scanned: 0,
            eof: false,
            line: 0,
            delimiter: None,
            headers: Vec::new(),
            failed: false,
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

    /// The next physical line without its line break, or `None` at the end; a line longer
    /// than [`MAX_RECORD_BYTES`] is refused (`record_start` names it).
    fn next_line(&mut self, record_start: usize) -> Result<Option<String>, Error> {
        loop {
            let from = self.pos + self.scanned;
            if let Some(i) = self.text[from..].find('\n') {
                let l = &self.text[self.pos..from + i];
                let l = l.strip_suffix('\r').unwrap_or(l).to_string();
                self.pos = from + i + 1;
                self.scanned = 0;
                self.line += 1;
                return Ok(Some(l));
            }
            self.scanned = self.text.len() - self.pos;
            if self.scanned > MAX_RECORD_BYTES {
                return Err(too_long(record_start.max(self.line + 1)));
            }
            if !self.fill()? {
                self.scanned = 0;
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
            let Some(mut rec) = self.next_line(self.line + 1)? else {
                return Ok(None);
            };
            let start = self.line;
            // Only the new line's quotes are counted: linear in the record's length.
            let mut open = quotes(&rec) % 2 == 1;
            while open {
                if self.line - start >= MAX_RECORD_LINES {
                    return Err(too_long(start));
                }
                let Some(more) = self.next_line(start)? else {
                    return Err(refused(
                        "csv.unclosed_quote",
                        start,
                        format!("CSV格式错误（第{start}行：引号未闭合）"),
                        format!("Malformed CSV (line {start}: unclosed quote)"),
                    ));
                };
                if rec.len() + more.len() > MAX_RECORD_BYTES {
                    return Err(too_long(start));
                }
                open ^= quotes(&more) % 2 == 1;
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

fn quotes(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'"').count()
}

impl<R: std::io::Read> Iterator for CsvStream<R> {
    type Item = Result<SheetRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = self.next_record().transpose();
        self.failed = matches!(r, Some(Err(_)));
        r
    }
}

/// The cleaned fields of one CSV record.
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
            out.push(clean(&cur));
            cur.clear();
            field_start = true;
            continue;
        } else {
            cur.push(c);
        }
        field_start = false;
    }
    out.push(clean(&cur));
    out
}

/// Writes a CSV (UTF-8 with BOM); a cell a spreadsheet would read as a formula is written
/// with a leading `'` ([`crate::neutralise`]).
pub fn write_csv(sheet: &Sheet) -> Result<Vec<u8>, Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut out);
        w.write_record(sheet.headers.iter().map(|c| neutralise(c).into_owned()))
            .map_err(Error::internal)?;
        for r in &sheet.rows {
            w.write_record(r.cells.iter().map(|c| neutralise(c).into_owned()))
                .map_err(Error::internal)?;
        }
        w.flush().map_err(Error::internal)?;
    }
    Ok(out)
}
