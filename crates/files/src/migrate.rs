//! Copying a local store into another store (a bucket), verifying every digest.
//!
//! For each file under `<data-dir>/files/ab/cd/<sm3hex>`, in digest order:
//!
//! 1. the target's copy is read back and verified; if it verifies, the file is skipped (so a
//!    run that stopped half-way resumes where it was, re-checking what it copied);
//! 2. otherwise the local copy is read and verified, `put` into the target (which heals a
//!    damaged target copy), and the target's copy is read back and verified again.
//!
//! A file that fails anywhere (a local copy that no longer matches its name, a name that is no
//! digest, a copy that does not verify after the copy) is counted as bad and the run goes on;
//! the report names them in digest order. A target that cannot be reached stops the run
//! (nothing is lost: run it again).

use std::path::{Path, PathBuf};

use futures::stream::{self, StreamExt};
use yiwang_kernel::{Error, ErrorCode, Result};

use crate::digest::Sm3Hex;
use crate::local::LocalFileStore;
use crate::store::FileStore;

/// What became of one local file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Copied and read back verified.
    Copied { bytes: u64 },
    /// Already in the target and verified there.
    Skipped,
    /// Not copied, or copied but not verified: why (English, for the operator's log).
    Bad { name: String, reason: String },
}

/// Counts so far (given to the progress callback after each file) and at the end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub copied: usize,
    pub skipped: usize,
    pub bytes_copied: u64,
    /// (file name, reason) of every bad file, in digest order.
    pub bad: Vec<(String, String)>,
}

impl Progress {
    fn add(&mut self, o: Outcome) {
        self.done += 1;
        match o {
            Outcome::Copied { bytes } => {
                self.copied += 1;
                self.bytes_copied += bytes;
            }
            Outcome::Skipped => self.skipped += 1,
            Outcome::Bad { name, reason } => self.bad.push((name, reason)),
        }
    }
}

/// Files copied at once (each held in memory while it is copied: at most this many times the
/// per-file limit).
pub const CONCURRENCY: usize = 4;

/// Every file of the local store (paths, sorted by file name), temporary files left out.
pub fn local_files(from: &LocalFileStore) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let root = from.root();
    for ab in read_dir(root)? {
        if !ab.is_dir() {
            continue;
        }
        for cd in read_dir(&ab)? {
            if !cd.is_dir() {
                continue;
            }
            for f in read_dir(&cd)? {
                let hidden = f
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if f.is_file() && !hidden {
                    out.push(f);
                }
            }
        }
    }
    out.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(out)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::unavailable(format!("file store: cannot list {}: {e}", dir.display()))
    })?;
    entries
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::unavailable(format!("file store: cannot list {}: {e}", dir.display())))
}

/// Copies every file of `from` into `to` and verifies it there; `progress` is called after
/// each file. Errors only when a store cannot be reached; bad files are in the report.
pub async fn migrate(
    from: &LocalFileStore,
    to: &dyn FileStore,
    mut progress: impl FnMut(&Progress),
) -> Result<Progress> {
    let files = local_files(from)?;
    let mut p = Progress {
        total: files.len(),
        ..Progress::default()
    };
    progress(&p);
    let mut outcomes = stream::iter(files.iter())
        .map(|path| one(from, to, path))
        .buffered(CONCURRENCY);
    while let Some(o) = outcomes.next().await {
        p.add(o?);
        progress(&p);
    }
    Ok(p)
}

/// A failure of the store itself (stop the run) rather than of this file's bytes.
fn unreachable(e: &Error) -> bool {
    e.code == ErrorCode::Unavailable
}

async fn one(from: &LocalFileStore, to: &dyn FileStore, path: &Path) -> Result<Outcome> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let bad = |reason: String| {
        Ok(Outcome::Bad {
            name: name.clone(),
            reason,
        })
    };
    let Ok(digest) = Sm3Hex::parse(&name) else {
        return bad(format!("{} is not named by an SM3 digest", path.display()));
    };
    if from.path_of(&digest) != path {
        return bad(format!(
            "{} is not where its digest puts it",
            path.display()
        ));
    }
    match to.get(&digest).await {
        Ok(Some(_)) => return Ok(Outcome::Skipped),
        Ok(None) => {}
        Err(e) if unreachable(&e) => return Err(e),
        // A damaged copy in the target: copied again below (`put` replaces it).
        Err(_) => {}
    }
    let bytes = match from.get(&digest).await {
        Ok(Some(b)) => b,
        Ok(None) => return bad("the local file disappeared during the copy".into()),
        Err(e) if unreachable(&e) => return Err(e),
        Err(_) => return bad("the local copy does not match its SM3 digest".into()),
    };
    let size = u64::try_from(bytes.len()).map_err(Error::internal)?;
    match to.put(bytes).await {
        Ok(f) if f.digest_sm3_hex == digest => {}
        Ok(f) => {
            return bad(format!(
                "the target stored it as {} instead",
                f.digest_sm3_hex
            ));
        }
        Err(e) if unreachable(&e) => return Err(e),
        Err(e) => {
            return bad(format!(
                "the target refused it: {}",
                e.message(yiwang_kernel::i18n::Lang::En)
            ));
        }
    }
    match to.get(&digest).await {
        Ok(Some(_)) => Ok(Outcome::Copied { bytes: size }),
        Ok(None) => bad("the target has no copy after the copy".into()),
        Err(e) if unreachable(&e) => Err(e),
        Err(_) => bad("the target's copy does not match its SM3 digest after the copy".into()),
    }
}
