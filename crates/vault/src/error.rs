//! The one error type of the vault. Messages name what went wrong, never key material or
//! plaintext, so they may be logged as they are.

use std::path::PathBuf;

/// Everything that can go wrong when loading keys, sealing or opening a value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The stored value names a data key that this ring does not hold (retired too early, or
    /// the process runs with an older key file than the one that sealed it).
    #[error("unknown data key id `{id}`")]
    UnknownKey { id: String },

    /// Authentication failed: the value was altered, sealed for another context (column), or
    /// sealed under a different key with the same id.
    #[error("the value cannot be decrypted: tampered, wrong context or wrong key")]
    Undecryptable,

    /// The stored string is not of the form `v1.<key id>.<base64url>`, or decrypts to bytes
    /// that are not UTF-8 where text was expected.
    #[error("malformed stored value: {reason}")]
    Malformed { reason: &'static str },

    /// A context must be 1–64 ASCII characters from `[A-Za-z0-9_.:-]`.
    #[error("invalid context (1-64 characters of A-Z a-z 0-9 _ . : -)")]
    BadContext,

    /// The key file or the key environment value cannot be used; `reason` says why.
    #[error("bad key file {}: {reason}", path.as_ref().map_or_else(|| "(environment value)".to_owned(), |p| format!("`{}`", p.display())))]
    KeyFile {
        path: Option<PathBuf>,
        reason: String,
    },

    /// Reading or writing the key file failed.
    #[error("key file `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),

    /// The cipher refused the input (a value far larger than any field: over 64 GiB).
    #[error("the value is too large to encrypt")]
    TooLarge,
}

impl VaultError {
    pub(crate) fn key_file(path: Option<&std::path::Path>, reason: impl Into<String>) -> Self {
        VaultError::KeyFile {
            path: path.map(std::path::Path::to_path_buf),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        VaultError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
