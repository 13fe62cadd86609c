//! The memory budget of reading one file, and the gate that bounds how many are read at once.
//!
//! An XLSX workbook is refused before anything is allocated from what it declares: every part
//! is inflated once and counted (a part larger than its declared size, larger than
//! [`MAX_UNCOMPRESSED`] in total, or inflating more than [`MAX_RATIO`] times is refused), and
//! the shared-strings table must not declare more strings than it holds. While reading, the
//! cells held ([`MAX_CELLS`], blanks inside a row included), their text ([`MAX_TEXT`]) and
//! the columns ([`MAX_COLUMNS`]) are capped. So one workbook costs at most about
//! 88 MiB (shared strings: 64 MiB of text and 24 B each) + 56 MiB (a million cells, 56 B each
//! while being placed) + 64 MiB (their text) ≈ 210 MiB besides the file itself, and at most
//! [`PARSES_AT_ONCE`] workbooks are read at a time (≈ 420 MiB).
//!
//! A CSV is read either whole (its size is bounded by the upload limit) or as a stream whose
//! one record may not pass [`MAX_RECORD_BYTES`] nor span more than [`MAX_RECORD_LINES`] lines
//! (an unclosed quote is found in linear time, not after the rest of the file).

use std::sync::{Condvar, Mutex};

use yiwang_kernel::error::RowError;
use yiwang_kernel::{Error, ErrorCode};

/// Bytes of all the parts of a workbook, as really inflated.
pub const MAX_UNCOMPRESSED: u64 = 64 << 20;
/// Inflated/compressed ratio allowed for a part above [`RATIO_FROM`] bytes (XML compresses
/// some 10–30 times; zip bombs a thousand times).
pub const MAX_RATIO: u64 = 200;
/// Parts smaller than this are not checked for their ratio.
pub const RATIO_FROM: u64 = 1 << 20;
/// Parts (files) in one workbook.
pub const MAX_PARTS: usize = 2_000;
/// Shared strings of one workbook.
pub const MAX_STRINGS: u64 = 1_000_000;
/// Cells held while reading a workbook (every row as wide as its last non-blank cell).
pub const MAX_CELLS: usize = 1_000_000;
/// Columns of a sheet (XLSX allows 16,384; our tables have a few dozen).
pub const MAX_COLUMNS: u32 = 1_024;
/// Bytes of cell text held while reading a workbook.
pub const MAX_TEXT: usize = 64 << 20;
/// Bytes of one CSV record read as a stream.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// Lines one CSV record (a quoted field with line breaks) may span.
pub const MAX_RECORD_LINES: usize = 10_000;
/// Workbooks read at the same time (the others wait).
pub const PARSES_AT_ONCE: usize = 2;

/// A file refused by a limit or for its structure: `rule` names what it broke.
pub(crate) fn refused(
    rule: &str,
    line: usize,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> Error {
    let (zh, en) = (zh.into(), en.into());
    let mut e = Error::new(ErrorCode::FileRefused).with_detail(zh.clone(), en.clone());
    e.rows = vec![RowError {
        sheet: "file".into(),
        line,
        field: "file".into(),
        rule: rule.into(),
        zh,
        en,
    }];
    e
}

static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// A turn to read a workbook; the next waiting reader goes when it is dropped.
pub(crate) struct Turn;

/// Waits (blocking: call it on a blocking thread) until fewer than [`PARSES_AT_ONCE`]
/// workbooks are being read.
pub(crate) fn turn() -> Turn {
    let mut n = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    while *n >= PARSES_AT_ONCE {
        n = FREED.wait(n).unwrap_or_else(|p| p.into_inner());
    }
    *n += 1;
    Turn
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut n = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        FREED.notify_one();
    }
}
