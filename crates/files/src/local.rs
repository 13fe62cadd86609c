//! The file store on the local disk: `<data-dir>/files/ab/cd/<sm3hex>`.
//!
//! # Durability
//!
//! `put` acknowledges only what would survive `kill -9` or a power cut:
//!
//! 1. the bytes go to a fresh temporary file (`.put-*.tmp`, mode 0600) in the final directory;
//! 2. the file is `fsync`ed (data and size);
//! 3. it is renamed over the final name — atomic, so the final name only ever shows complete
//!    content, never a prefix;
//! 4. the directory is `fsync`ed, so the new name itself is on disk; so are the parent
//!    directories (`ab/`, `files/`), whose entries may have just been created by this `put` or
//!    by a concurrent one that has not synced them yet — unless this process has already
//!    synced them since the directory existed (a directory's name, once on disk, stays: the
//!    store never removes directories), so a `put` into a known directory costs two `fsync`s
//!    (the file and its directory) instead of four.
//!
//! Only then does `put` return. A crash before step 3 leaves at most a `.put-*.tmp` file, which
//! no reader ever looks at (sweeping old ones is left to an operator task, see ARCHITECTURE.md).
//!
//! A `put` of bytes already stored reads the existing copy: if it verifies, the file and its
//! directories are synced once more (the copy may have been renamed into place by a process
//! that crashed before its own directory sync) and the answer is the same; if it does not
//! verify, the new bytes replace it through the same steps — a re-upload heals a damaged copy.
//!
//! The blocking file-system work runs on tokio's blocking pool.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use yiwang_kernel::{Error, Result};

use crate::digest::Sm3Hex;
use crate::store::{BoxFuture, FileStore, StoredFile, corrupted};

/// Files under `<data-dir>/files`, two directory levels from the digest's first four digits
/// (65,536 leaf directories keep each one small).
#[derive(Debug, Clone)]
pub struct LocalFileStore {
    root: Arc<PathBuf>,
    /// Directories whose own name this process has made durable (their parent was synced
    /// after they existed).
    durable: Arc<Mutex<HashSet<PathBuf>>>,
}

impl LocalFileStore {
    /// Opens (creating if needed) `<data_dir>/files`.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<LocalFileStore> {
        let data_dir = data_dir.as_ref();
        let root = data_dir.join("files");
        fs::create_dir_all(&root).map_err(|e| io_error("create", &root, e))?;
        sync_dir(data_dir)?;
        Ok(LocalFileStore {
            root: Arc::new(root),
            durable: Arc::new(Mutex::new(HashSet::new())),
        })
    }

    /// `<data-dir>/files`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this digest lives.
    pub fn path_of(&self, digest: &Sm3Hex) -> PathBuf {
        let d = digest.as_str();
        self.root.join(&d[0..2]).join(&d[2..4]).join(d)
    }

    fn put_blocking(&self, bytes: &[u8]) -> Result<StoredFile> {
        let file = StoredFile::describe(bytes)?;
        let path = self.path_of(&file.digest_sm3_hex);
        let leaf = path
            .parent()
            .ok_or_else(|| Error::internal("stored file path has no parent"))?;
        let middle = leaf
            .parent()
            .ok_or_else(|| Error::internal("stored file path has no grandparent"))?;
        // A directory known to be durable exists (directories are never removed): no `mkdir`
        // (which costs the file system more than a look-up when the name exists).
        if !self.known_durable(leaf) {
            for dir in [middle, leaf] {
                match fs::create_dir(dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io_error("create", dir, e)),
                }
            }
        }
        if self
            .read_verified(&path, &file.digest_sm3_hex)
            .is_ok_and(|b| b.is_some())
        {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| io_error("sync", &path, e))?;
        } else {
            write_durably(leaf, &path, bytes)?;
        }
        sync_dir(leaf)?;
        // Each directory's own name, once per process: sync its parent, then remember it.
        for (dir, parent) in [(leaf, middle), (middle, self.root.as_path())] {
            if !self.known_durable(dir) {
                sync_dir(parent)?;
                if let Ok(mut d) = self.durable.lock() {
                    d.insert(dir.to_path_buf());
                }
            }
        }
        Ok(file)
    }

    fn known_durable(&self, dir: &Path) -> bool {
        self.durable.lock().is_ok_and(|d| d.contains(dir))
    }

    fn read_verified(&self, path: &Path, digest: &Sm3Hex) -> Result<Option<Bytes>> {
        match fs::read(path) {
            Ok(bytes) if digest.matches(&bytes) => Ok(Some(Bytes::from(bytes))),
            Ok(_) => Err(corrupted(digest)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read", path, e)),
        }
    }
}

/// Temporary file in `dir`, fsync, rename to `path`.
fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".put-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_error("write", tmp.path(), e))?;
    // On failure the temporary file is removed when the error (holding it) is dropped.
    tmp.persist(path)
        .map_err(|e| io_error("rename into", path, e.error))?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync directory", dir, e))
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Error {
    Error::unavailable(format!("file store: cannot {what} {}: {e}", path.display()))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("file store task failed: {e}")))?
}

impl FileStore for LocalFileStore {
    fn put(&self, bytes: Bytes) -> BoxFuture<'_, Result<StoredFile>> {
        let store = self.clone();
        Box::pin(blocking(move || store.put_blocking(&bytes)))
    }

    fn get<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<Option<Bytes>>> {
        let (store, digest) = (self.clone(), digest.clone());
        Box::pin(blocking(move || {
            store.read_verified(&store.path_of(&digest), &digest)
        }))
    }

    fn exists<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<bool>> {
        let path = self.path_of(digest);
        Box::pin(blocking(move || match fs::metadata(&path) {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error("look at", &path, e)),
        }))
    }
}
