//! The stored file of a job read back: its chunks as one byte stream (blocking: runs on a
//! blocking thread and waits for the database on the runtime), and its data rows in order.

use std::io::Read;

use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, Result};
use yiwang_sheets::{CsvStream, Encoding, SheetRow};
use yiwang_store::Db;

use super::repo::{self, JobRow};

/// Reads the stored chunks of a job's file in order.
pub(super) struct ChunkReader {
    db: Db,
    rt: tokio::runtime::Handle,
    job: i64,
    seq: i64,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ChunkReader {
    pub(super) fn new(db: Db, rt: tokio::runtime::Handle, job: i64) -> Self {
        ChunkReader {
            db,
            rt,
            job,
            seq: 0,
            buf: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if self.done {
                return Ok(0);
            }
            let mut db = self.db.clone();
            let (job, seq) = (self.job, self.seq);
            let r = self
                .rt
                .block_on(async move { repo::chunk(&mut db, job, seq).await })
                .map_err(|e| std::io::Error::other(e.message(Lang::En)))?;
            match r {
                Some(data) => {
                    self.buf = data;
                    self.pos = 0;
                    self.seq += 1;
                }
                None => self.done = true,
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The data rows of a job's file, in order.
pub(super) enum Rows {
    Csv(Box<CsvStream<ChunkReader>>),
    Xlsx(std::vec::IntoIter<SheetRow>),
}

impl Iterator for Rows {
    type Item = Result<SheetRow>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Rows::Csv(s) => s.next(),
            Rows::Xlsx(it) => it.next().map(Ok),
        }
    }
}

/// Opens the rows of the job's file (blocking): a CSV as a stream, a workbook whole (its
/// sheet `证照`, else its first), read within `yiwang_sheets::limits`.
pub(super) fn open_rows(
    db: &Db,
    rt: &tokio::runtime::Handle,
    job: &JobRow,
    encoding: Encoding,
) -> Result<(Vec<String>, Rows)> {
    let reader = ChunkReader::new(db.clone(), rt.clone(), job.id);
    if job.format == "xlsx" {
        let mut bytes = Vec::new();
        let mut reader = reader;
        reader.read_to_end(&mut bytes).map_err(Error::internal)?;
        let mut sheets = yiwang_sheets::read_xlsx(&bytes)?;
        drop(bytes);
        let i = sheets.iter().position(|s| s.name == "证照").unwrap_or(0);
        if i >= sheets.len() {
            return Err(Error::import_rejected(vec![])
                .with_detail("工作簿中没有工作表", "The workbook has no sheets"));
        }
        let sheet = sheets.swap_remove(i);
        Ok((sheet.headers, Rows::Xlsx(sheet.rows.into_iter())))
    } else {
        let s = CsvStream::new(reader, encoding)?;
        let headers = s.headers().to_vec();
        Ok((headers, Rows::Csv(Box::new(s))))
    }
}
