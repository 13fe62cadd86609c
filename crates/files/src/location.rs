//! Which store a node uses: the local one under its data directory (the default) or a bucket
//! (`--files s3://bucket/prefix`, `YIWANG_FILES`). Start-up opens it once and hands out the
//! `Arc<dyn FileStore>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yiwang_kernel::Result;

use crate::local::LocalFileStore;
use crate::s3::{S3Config, S3FileStore};
use crate::store::FileStore;

/// Where material files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `<data-dir>/files` on this machine.
    Local(PathBuf),
    /// A bucket of an S3-compatible service.
    S3(S3Config),
}

impl Location {
    /// `setting` empty or absent: the local store under `data_dir`; `s3://bucket/prefix`: a
    /// bucket, with its endpoint and credentials from the environment. Anything else is refused
    /// (field `files`).
    pub fn from_setting(setting: Option<&str>, data_dir: &Path) -> Result<Location> {
        match setting.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Location::Local(data_dir.to_path_buf())),
            Some(url) => Ok(Location::S3(S3Config::from_env(url)?)),
        }
    }

    /// Opens the store; a bucket is checked first (reachable, credentials accepted), so a
    /// misconfigured node stops at start-up instead of at the first upload.
    pub async fn open(&self) -> Result<Arc<dyn FileStore>> {
        Ok(match self {
            Location::Local(dir) => Arc::new(LocalFileStore::open(dir)?),
            Location::S3(cfg) => {
                let s = S3FileStore::open(cfg)?;
                s.check().await?;
                Arc::new(s)
            }
        })
    }

    /// For logs: the directory, or `s3://bucket/prefix at endpoint` (never credentials).
    pub fn describe(&self) -> String {
        match self {
            Location::Local(dir) => dir.join("files").display().to_string(),
            Location::S3(cfg) => cfg.to_string(),
        }
    }
}
