//! The file-store trait and the in-memory store.
//!
//! A [`FileStore`] keeps bytes under their SM3 digest. The backend is chosen once at start-up
//! and passed around as `Arc<dyn FileStore>`; that is why the methods return boxed futures
//! (an `async fn` in a trait cannot be called through `dyn`).
//!
//! Every implementation keeps the same promises:
//!
//! * `put` detects the type ([`crate::detect`]) and refuses anything not accepted, so a store
//!   only ever holds PDF, JPEG, PNG or OFD;
//! * `put` returns only once the bytes are durable — it is the acknowledgement to the citizen;
//! * `put` of bytes already stored is not an error and makes no second copy;
//! * `get` checks the SM3 digest of what it read and answers an error, never the bytes, when
//!   they do not match (a damaged copy is never served);
//! * digests are [`Sm3Hex`], checked before they reach a path or an object key.
//!
//! # The S3-compatible store
//!
//! [`crate::S3FileStore`] implements the same trait with the same key layout
//! (`<prefix>/files/ab/cd/<sm3hex>` in one bucket): `put` computes the digest locally, sends
//! `PUT` with `If-None-Match: *` (a conditional write: an existing object is left as it is, and
//! `412 Precondition Failed` means "already there", which is success once that copy verifies;
//! a copy that does not verify is replaced, as on disk), the SM3 in
//! `x-amz-meta-sm3` and a SHA-256 transport checksum (`x-amz-checksum-sha256`, since S3 knows no
//! SM3); S3-compatible services acknowledge a `PUT` only once the object is stored durably, so
//! that answer is the acknowledgement. `get` downloads and verifies the SM3 exactly like the
//! local store; `exists` is a `HEAD`. Start-up picks `LocalFileStore` or `S3FileStore` from the
//! configuration ([`crate::Location`]) and hands out the `Arc<dyn FileStore>`; nothing else
//! changes.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use bytes::Bytes;
use serde::Serialize;
use yiwang_kernel::{Error, Result};

use crate::detect::{MediaType, detect};
use crate::digest::Sm3Hex;

/// A future that can be sent to another thread, as `dyn FileStore` methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a store answers for stored bytes: enough to link them to a case's checklist entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    pub digest_sm3_hex: Sm3Hex,
    pub size: u64,
    pub media_type: MediaType,
}

impl StoredFile {
    /// Detects the type and computes the digest (the part of `put` every store shares).
    pub fn describe(bytes: &[u8]) -> Result<StoredFile> {
        let media_type = detect(bytes)?;
        Ok(StoredFile {
            digest_sm3_hex: Sm3Hex::of(bytes),
            size: u64::try_from(bytes.len()).map_err(Error::internal)?,
            media_type,
        })
    }
}

/// Content-addressed storage of material files. See the module documentation for the promises.
pub trait FileStore: Send + Sync {
    /// Stores `bytes` (of an accepted type) and returns once they are durable.
    fn put(&self, bytes: Bytes) -> BoxFuture<'_, Result<StoredFile>>;

    /// The bytes with this digest, verified; `None` when there are none.
    fn get<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<Option<Bytes>>>;

    /// Whether bytes with this digest are stored (not verified; `get` verifies).
    fn exists<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<bool>>;
}

/// Corrupted bytes are an internal error (logged with the digest), never served.
pub(crate) fn corrupted(digest: &Sm3Hex) -> Error {
    Error::internal(format!(
        "stored file {digest} is corrupted: its content no longer has that SM3 digest"
    ))
}

/// A store in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryFileStore {
    files: Mutex<HashMap<Sm3Hex, Bytes>>,
}

impl MemoryFileStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn files(&self) -> std::sync::MutexGuard<'_, HashMap<Sm3Hex, Bytes>> {
        // A panic while holding the lock cannot leave the map half-updated (single insert).
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many distinct files are stored.
    pub fn len(&self) -> usize {
        self.files().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the stored bytes behind `digest` (to test corruption detection).
    #[doc(hidden)]
    pub fn overwrite_for_tests(&self, digest: &Sm3Hex, bytes: Bytes) {
        self.files().insert(digest.clone(), bytes);
    }
}

impl FileStore for MemoryFileStore {
    fn put(&self, bytes: Bytes) -> BoxFuture<'_, Result<StoredFile>> {
        Box::pin(async move {
            let file = StoredFile::describe(&bytes)?;
            self.files()
                .entry(file.digest_sm3_hex.clone())
                .or_insert(bytes);
            Ok(file)
        })
    }

    fn get<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<Option<Bytes>>> {
        Box::pin(async move {
            let found = self.files().get(digest).cloned();
            match found {
                Some(bytes) if !digest.matches(&bytes) => Err(corrupted(digest)),
                other => Ok(other),
            }
        })
    }

    fn exists<'a>(&'a self, digest: &'a Sm3Hex) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { Ok(self.files().contains_key(digest)) })
    }
}
