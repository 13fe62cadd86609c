//! The node's key ring as the domains use it: shared by every request, swapped after a rotation
//! without a restart.
//!
//! A running server holds the ring behind an `RwLock<Arc<KeyRing>>`. Rotation (`yiwang keys
//! rotate`, or the API) writes the new ring to the key file and swaps it; a *second* server
//! process on the same database that meets a value sealed under a key id it does not know
//! reloads the key file once and retries, so several processes keep working through a rotation;
//! and each server's heartbeat re-reads the key file ([`Keys::refresh`]), so within seconds
//! every replica seals new values under the new key as well.
//! Old keys stay in the ring until every value has been re-encrypted
//! ([`crate::IdentityService::rewrap_personal_data`]).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use yiwang_kernel::{Error, Result};
use yiwang_vault::{KeyRing, VaultError, Zeroizing, key_id_of};

/// Contexts (associated data) of the sealed columns: a value cannot be moved to another column.
pub mod context {
    pub const ID_NUMBER: &str = "people.id_number";
    pub const PHONE: &str = "people.phone";
    /// Keyed hash of a login name for the lockout counter.
    pub const LOGIN: &str = "sign_in.login";
}

/// Data another domain keeps sealed under the ring in a shape the identity's list of sealed
/// columns cannot rewrap (no `id` column, e.g. the exchange's collected rows): the domain
/// rewraps it itself, and a key rotation ([`crate::IdentityService::rotate_keys`]) calls it
/// after the identity's own columns ([`crate::IdentityService::with_sealed_data`]).
pub trait SealedData: Send + Sync + std::fmt::Debug {
    /// Re-encrypts every value not under the current key, `batch` rows a transaction, while
    /// the service runs. Returns the rows rewritten.
    fn rewrap<'a>(&'a self, batch: i64) -> Pin<Box<dyn Future<Output = Result<u64>> + Send + 'a>>;
}

#[derive(Clone, Debug)]
pub struct Keys {
    ring: Arc<RwLock<Arc<KeyRing>>>,
    /// The key file the ring came from (`None` when it came from the environment or a test).
    path: Option<PathBuf>,
    /// The ring came from `YIWANG_MASTER_KEYS`: it cannot be rotated in place (there is no
    /// file to write the new key to, and a key nobody keeps would lose the data).
    from_env: bool,
}

fn vault(e: VaultError) -> Error {
    Error::internal(format!("key ring: {e}"))
}

impl Keys {
    pub fn new(ring: KeyRing, path: Option<PathBuf>) -> Keys {
        Keys {
            ring: Arc::new(RwLock::new(Arc::new(ring))),
            path,
            from_env: false,
        }
    }

    /// A fresh random ring kept only in memory (tests, throwaway runs).
    pub fn ephemeral() -> Result<Keys> {
        Ok(Keys::new(KeyRing::generate().map_err(vault)?, None))
    }

    /// The key file in `data_dir` (created on first start), unless `YIWANG_MASTER_KEYS` holds
    /// the ring.
    pub fn load(data_dir: &std::path::Path) -> Result<Keys> {
        if let Some(ring) = KeyRing::from_env(yiwang_vault::ENV_VAR).map_err(vault)? {
            return Ok(Keys {
                from_env: true,
                ..Keys::new(ring, None)
            });
        }
        let path = data_dir.join("keys.json");
        let ring = KeyRing::load_or_create(&path).map_err(vault)?;
        Ok(Keys::new(ring, Some(path)))
    }

    pub fn ring(&self) -> Arc<KeyRing> {
        match self.ring.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn swap(&self, ring: KeyRing) {
        let ring = Arc::new(ring);
        match self.ring.write() {
            Ok(mut g) => *g = ring,
            Err(poisoned) => *poisoned.into_inner() = ring,
        }
    }

    pub fn seal(&self, context: &str, plaintext: &str) -> Result<String> {
        self.ring().seal(context, plaintext).map_err(vault)
    }

    /// Opens a sealed value; a key id this process does not know makes it reload the key file
    /// once (another process rotated).
    pub fn open(&self, context: &str, stored: &str) -> Result<Zeroizing<String>> {
        let ring = self.ring();
        match ring.open(context, stored) {
            Err(VaultError::UnknownKey { .. }) => {
                let Some(path) = &self.path else {
                    return Err(vault(VaultError::UnknownKey {
                        id: key_id_of(stored).unwrap_or("?").to_string(),
                    }));
                };
                self.swap(KeyRing::load(path).map_err(vault)?);
                self.ring().open(context, stored).map_err(vault)
            }
            other => other.map_err(vault),
        }
    }

    pub fn blind_index(&self, context: &str, value: &str) -> Result<String> {
        self.ring().blind_index(context, value).map_err(vault)
    }

    /// Re-encrypts `stored` under the current key; `None` when it already is.
    pub fn rewrap(&self, context: &str, stored: &str) -> Result<Option<String>> {
        self.ring().rewrap(context, stored).map_err(vault)
    }

    /// Adds a new current data key, saves the key file, and swaps the ring in. Returns the new
    /// key id. Values are re-encrypted afterwards, in small batches, while the server runs.
    pub fn rotate(&self) -> Result<String> {
        if self.from_env {
            return Err(Error::new(yiwang_kernel::ErrorCode::InvalidState).with_detail(
                "密钥来自环境变量 YIWANG_MASTER_KEYS，无法在线轮换：请生成新的密钥值（保留旧密钥）后重启",
                "The keys come from YIWANG_MASTER_KEYS and cannot be rotated in place: set a new value (keeping the old keys) and restart",
            ));
        }
        let mut ring = (*self.ring()).clone();
        let id = ring.rotate().map_err(vault)?.to_string();
        if let Some(path) = &self.path {
            ring.save(path).map_err(vault)?;
        }
        self.swap(ring);
        Ok(id)
    }

    /// Reads the key file again and swaps the ring in when its current key changed (another
    /// replica rotated): from then on this process seals new values under the new key too,
    /// instead of under the old one until it happens to meet a value it cannot open. The
    /// server's heartbeat calls it every few seconds. False when nothing changed, or the ring
    /// has no file.
    pub fn refresh(&self) -> Result<bool> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        let ring = KeyRing::load(path).map_err(vault)?;
        if ring.current_key_id() == self.ring().current_key_id() {
            return Ok(false);
        }
        self.swap(ring);
        Ok(true)
    }

    pub fn current_key_id(&self) -> String {
        self.ring().current_key_id().to_string()
    }
}
