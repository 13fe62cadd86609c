//! Application materials: uploaded files, their type, their limits and their storage.
//!
//! * [`detect`] — the type from the bytes (PDF, JPEG, PNG, OFD), never from the name or the
//!   declared content type; everything else is refused as `unsupported_media`, naming what it
//!   is when known.
//! * [`limits`] — per-file (default 20 MiB) and per-case (default 200 MiB) limits,
//!   `payload_too_large`.
//! * [`intake`] — screening one upload for a checklist entry (limits, type, the name's
//!   extension against the content) and storing it: a [`Material`] links the stored file to
//!   the entry.
//! * [`store`] — the [`FileStore`] trait (content-addressed by SM3; durable acknowledgement,
//!   idempotent, verified on read) and [`MemoryFileStore`]; [`local`] — [`LocalFileStore`]
//!   under `<data-dir>/files/ab/cd/<sm3hex>`; [`s3`] — [`S3FileStore`], the same layout in a
//!   bucket of an S3-compatible service; [`location`] — which of the two a node uses
//!   (`--files`); [`migrate`] — copying a local store into a bucket, verifying every digest.
//! * [`testing`] — (tests only) a SeaweedFS server on loopback ports.
//!
//! This crate knows nothing of HTTP, SQL, cases or who may upload: the caller (a domain
//! service) authorises, keeps the [`Material`] rows and the per-case totals, and audits.

pub mod detect;
pub mod digest;
pub mod intake;
pub mod limits;
pub mod local;
pub mod location;
pub mod migrate;
pub mod s3;
pub mod store;
#[doc(hidden)]
pub mod testing;

pub use detect::{MediaType, OtherKind, Refusal, detect, sniff};
pub use digest::Sm3Hex;
pub use intake::{Intake, Material, Upload, screen};
pub use limits::Limits;
pub use local::LocalFileStore;
pub use location::Location;
pub use s3::{S3Config, S3FileStore};
pub use store::{BoxFuture, FileStore, MemoryFileStore, StoredFile};
