//! Reading a load's file one row at a time: CSV (UTF-8 or GBK/GB18030, streamed by
//! [`yiwang_sheets::CsvStream`]), XLSX (read whole within the sheets crate's budget) and JSON
//! lines (one object per line, keys are field or item names). Rows come out with their line
//! number and their cells in item order.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use yiwang_kernel::Error;
use yiwang_kernel::i18n::Lang;
use yiwang_sheets::{CsvStream, Encoding, SheetRow};

use super::check::{Issue, Schema, item_index, scalar_text};
use crate::model::ResourceMeta;

/// Where the file's bytes are.
#[derive(Debug, Clone)]
pub enum Input {
    /// Kept in the file store (uploads).
    Bytes(bytes::Bytes),
    /// A local file read in place (the command line, benchmarks): never held whole.
    Path(PathBuf),
}

impl Input {
    fn open(&self) -> Result<Box<dyn Read + Send>, Error> {
        Ok(match self {
            Input::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
            Input::Path(p) => Box::new(std::fs::File::open(p).map_err(|e| {
                Error::internal(format!("exchange load file {}: {e}", p.display()))
            })?),
        })
    }

    /// Lines in the file (a cheap estimate of the rows to come, for the progress bar).
    pub fn count_lines(&self) -> Result<i64, Error> {
        let mut r = self.open()?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut n = 0i64;
        loop {
            let k = r.read(&mut buf).map_err(Error::internal)?;
            if k == 0 {
                return Ok(n);
            }
            n += i64::try_from(buf[..k].iter().filter(|&&b| b == b'\n').count()).unwrap_or(0);
        }
    }

    pub fn read_all(&self) -> Result<Vec<u8>, Error> {
        let mut v = Vec::new();
        self.open()?.read_to_end(&mut v).map_err(Error::internal)?;
        Ok(v)
    }
}

/// One row read: its cells in item order, or a problem of the row (JSON lines).
pub enum Read1 {
    Row(i64, Vec<String>),
    Bad(Issue),
}

enum Inner {
    Csv(CsvStream<Box<dyn Read + Send>>, Schema),
    Xlsx(std::vec::IntoIter<SheetRow>, Schema),
    Jsonl(std::io::Lines<BufReader<Box<dyn Read + Send>>>, i64),
}

/// The rows of a file.
pub struct Rows {
    inner: Inner,
    meta: ResourceMeta,
    pub encoding: Option<&'static str>,
}

/// A sheets error as a file problem.
pub fn file_issue(e: &Error) -> Issue {
    let line = e
        .rows
        .first()
        .map(|r| i64::try_from(r.line).unwrap_or(0))
        .unwrap_or(0);
    let rule = e
        .rows
        .first()
        .map(|r| r.rule.clone())
        .unwrap_or_else(|| "exchange.file".into());
    Issue::new(
        line,
        "",
        "",
        &rule,
        e.message(Lang::Zh),
        e.message(Lang::En),
    )
}

impl Rows {
    /// Opens the file and reads its header. File problems come back as issues.
    pub fn open(meta: &ResourceMeta, input: &Input, format: &str) -> Result<Rows, Vec<Issue>> {
        let fail = |e: Error| vec![file_issue(&e)];
        let (inner, encoding) = match format {
            "csv" => {
                let enc =
                    yiwang_sheets::detect_encoding(input.open().map_err(fail)?).map_err(fail)?;
                let s = CsvStream::new(input.open().map_err(fail)?, enc).map_err(fail)?;
                let schema = Schema::from_headers(meta, s.headers())?;
                let name = match enc {
                    Encoding::Utf8 => "utf-8",
                    Encoding::Gb18030 => "gb18030",
                };
                (Inner::Csv(s, schema), Some(name))
            }
            "xlsx" => {
                let bytes = input.read_all().map_err(fail)?;
                yiwang_sheets::check_xlsx(&bytes).map_err(fail)?;
                let mut sheets = yiwang_sheets::read_xlsx(&bytes).map_err(fail)?;
                if sheets.is_empty() {
                    return Err(vec![Issue::new(
                        0,
                        "",
                        "",
                        "exchange.file",
                        "工作簿中没有工作表".into(),
                        "The workbook has no sheet".into(),
                    )]);
                }
                let sheet = sheets.swap_remove(0);
                let schema = Schema::from_headers(meta, &sheet.headers)?;
                (Inner::Xlsx(sheet.rows.into_iter(), schema), None)
            }
            _ => (
                Inner::Jsonl(BufReader::new(input.open().map_err(fail)?).lines(), 0),
                Some("utf-8"),
            ),
        };
        Ok(Rows {
            inner,
            meta: meta.clone(),
            encoding,
        })
    }

    /// The cells of a JSON object in item order; unknown keys are a problem of the row.
    #[allow(clippy::result_large_err)]
    pub fn object_cells(
        meta: &ResourceMeta,
        line: i64,
        obj: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<String>, Issue> {
        let mut cells = vec![String::new(); meta.items.len()];
        for (k, v) in obj {
            match item_index(meta, k) {
                Some(i) => cells[i] = scalar_text(v),
                None => {
                    return Err(Issue::new(
                        line,
                        "",
                        k,
                        "exchange.unknown_field",
                        format!("“{k}”不是本资源的信息项名称或字段名"),
                        format!(
                            "\"{k}\" is neither an item name nor a field name of this resource"
                        ),
                    ));
                }
            }
        }
        Ok(cells)
    }
}

impl Iterator for Rows {
    type Item = Result<Read1, Issue>;

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.meta.items.len();
        match &mut self.inner {
            Inner::Csv(s, schema) => match s.next()? {
                Ok(r) => Some(Ok(Read1::Row(
                    i64::try_from(r.line).unwrap_or(0),
                    schema.cells(n, r.cells),
                ))),
                Err(e) => Some(Err(file_issue(&e))),
            },
            Inner::Xlsx(rows, schema) => {
                let r = rows.next()?;
                Some(Ok(Read1::Row(
                    i64::try_from(r.line).unwrap_or(0),
                    schema.cells(n, r.cells),
                )))
            }
            Inner::Jsonl(lines, line) => loop {
                let l = match lines.next()? {
                    Ok(l) => l,
                    Err(e) => {
                        return Some(Err(Issue::new(
                            *line + 1,
                            "",
                            "",
                            "exchange.file",
                            format!("第{}行无法读取（应为UTF-8文本）：{e}", *line + 1),
                            format!(
                                "Line {} cannot be read (UTF-8 text expected): {e}",
                                *line + 1
                            ),
                        )));
                    }
                };
                *line += 1;
                if l.trim().is_empty() {
                    continue;
                }
                let parsed: Result<serde_json::Map<String, serde_json::Value>, _> =
                    serde_json::from_str(l.trim_start_matches('\u{feff}'));
                return Some(Ok(match parsed {
                    Ok(obj) => match Rows::object_cells(&self.meta, *line, &obj) {
                        Ok(cells) => Read1::Row(*line, cells),
                        Err(i) => Read1::Bad(i),
                    },
                    Err(_) => Read1::Bad(Issue::new(
                        *line,
                        "",
                        "",
                        "exchange.json",
                        "该行不是一个JSON对象".into(),
                        "The line is not a JSON object".into(),
                    )),
                }));
            },
        }
    }
}
