//! The key ring: SM4 data keys (one current, older ones kept to decrypt), the blind-index key,
//! and their two outside forms — a key file and an environment value.
//!
//! ## Key file
//! JSON, mode 0600, written atomically (temporary file, fsync, rename or link, fsync of the
//! directory):
//!
//! ```json
//! {
//!   "format": "yiwang-vault-keys/1",
//!   "current": "k2",
//!   "data_keys": [
//!     { "id": "k1", "key": "<32 hex characters: 128-bit SM4 key>" },
//!     { "id": "k2", "key": "<32 hex characters>" }
//!   ],
//!   "index_key": "<64 hex characters: 256-bit HMAC-SM3 key>"
//! }
//! ```
//!
//! A key file that group or others may read or write is refused (as ssh does), so a copy made
//! with a loose umask is noticed instead of silently trusted.
//!
//! ## Environment value
//! [`ENV_VAR`] (`YIWANG_MASTER_KEYS`) holds the same JSON, either as it is or base64-encoded
//! (standard alphabet) so it fits on one line; [`KeyRing::to_env_value`] produces the latter.
//!
//! ## Why the index key is not rotated with the data keys
//! A blind index must give the same value for the same input on every row, or lookups miss.
//! Data keys can rotate row by row because each stored value names its key; an index value
//! carries no key id, so changing the index key means recomputing every index column before
//! lookups use the new key (a full reindex). The ring therefore keeps one index key; should it
//! ever leak, [`KeyRing::reindex`] and [`KeyRing::replace_index_key`] support a planned reindex.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Result, VaultError};

/// The environment variable that may hold the key ring (JSON or base64 of the JSON).
pub const ENV_VAR: &str = "YIWANG_MASTER_KEYS";

/// The `format` tag of the key file.
pub const FORMAT: &str = "yiwang-vault-keys/1";

pub(crate) const DATA_KEY_LEN: usize = 16;
pub(crate) const INDEX_KEY_LEN: usize = 32;
const MAX_KEY_ID_LEN: usize = 16;

/// One SM4 data key with its short id.
#[derive(Clone)]
pub(crate) struct DataKey {
    pub(crate) id: String,
    pub(crate) key: Zeroizing<[u8; DATA_KEY_LEN]>,
}

/// The 256-bit HMAC-SM3 key of the blind index. Zeroized on drop; `Debug` shows no bytes.
#[derive(Clone)]
pub struct IndexKey(pub(crate) Zeroizing<[u8; INDEX_KEY_LEN]>);

impl IndexKey {
    /// A fresh random index key from the operating system's generator.
    pub fn generate() -> Result<IndexKey> {
        let mut key = Zeroizing::new([0u8; INDEX_KEY_LEN]);
        fill_random(&mut key[..])?;
        Ok(IndexKey(key))
    }
}

impl fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IndexKey(<redacted>)")
    }
}

/// A set of SM4 data keys (one of them current) and the blind-index key.
///
/// Sealing uses the current data key; opening uses whichever key the stored value names.
/// All key bytes are zeroized when the ring is dropped, and `Debug` prints key ids only.
/// The ring is immutable while shared: to rotate in a running server, clone it, [`rotate`],
/// [`save`], and swap the shared `Arc<KeyRing>`.
///
/// [`rotate`]: KeyRing::rotate
/// [`save`]: KeyRing::save
#[derive(Clone)]
pub struct KeyRing {
    /// Oldest first; ids are unique.
    pub(crate) data_keys: Vec<DataKey>,
    /// Index into `data_keys`.
    pub(crate) current: usize,
    pub(crate) index_key: IndexKey,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.data_keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("KeyRing")
            .field("data_keys", &ids)
            .field("current", &self.current_key_id())
            .field("index_key", &"<redacted>")
            .finish()
    }
}

impl KeyRing {
    /// A fresh ring: one random data key `k1` (current) and a random index key.
    pub fn generate() -> Result<KeyRing> {
        Ok(KeyRing {
            data_keys: vec![DataKey {
                id: "k1".to_owned(),
                key: random_data_key()?,
            }],
            current: 0,
            index_key: IndexKey::generate()?,
        })
    }

    /// The id of the key that [`seal`](KeyRing::seal) uses.
    pub fn current_key_id(&self) -> &str {
        self.data_keys
            .get(self.current)
            .map_or("", |k| k.id.as_str())
    }

    /// All data key ids, oldest first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.data_keys.iter().map(|k| k.id.as_str())
    }

    /// Adds a fresh random data key and makes it current; older keys stay for decryption.
    /// Returns the new id (`k<n+1>` after the highest `k<n>`). Persist with [`save`].
    ///
    /// [`save`]: KeyRing::save
    pub fn rotate(&mut self) -> Result<&str> {
        let highest = self
            .data_keys
            .iter()
            .filter_map(|k| k.id.strip_prefix('k')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        let mut n = highest.saturating_add(1);
        let mut id = format!("k{n}");
        while self.data_keys.iter().any(|k| k.id == id) {
            n = n.wrapping_add(1);
            id = format!("k{n}");
        }
        let key = random_data_key()?;
        self.data_keys.push(DataKey { id, key });
        self.current = self.data_keys.len() - 1;
        Ok(self.current_key_id())
    }

    /// Removes an old data key once no stored value uses it any more (after a complete
    /// rewrap). Returns whether a key was removed; the current key is never removed.
    pub fn retire(&mut self, id: &str) -> bool {
        let Some(pos) = self.data_keys.iter().position(|k| k.id == id) else {
            return false;
        };
        if pos == self.current {
            return false;
        }
        self.data_keys.remove(pos);
        if pos < self.current {
            self.current -= 1;
        }
        true
    }

    /// Swaps in a new blind-index key and returns the old one. Only as the last step of a
    /// reindex (see [`KeyRing::reindex`]); every index value computed before is invalid after.
    pub fn replace_index_key(&mut self, new: IndexKey) -> IndexKey {
        std::mem::replace(&mut self.index_key, new)
    }

    // ----- key file ---------------------------------------------------------------------

    /// Reads the key file at `path`. Refused if group or others have any access to it.
    pub fn load(path: &Path) -> Result<KeyRing> {
        let mut file = File::open(path).map_err(|e| VaultError::io(path, e))?;
        check_private(&file, path)?;
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text)
            .map_err(|e| VaultError::io(path, e))?;
        KeyRing::from_json(&text, Some(path))
    }

    /// Loads the key file at `path`, or, if there is none, creates it with a fresh ring
    /// (mode 0600, fsync of the file and of its directory) and returns that ring. The file
    /// appears complete or not at all, and if two processes race, both end with the same ring.
    /// The directory must exist.
    pub fn load_or_create(path: &Path) -> Result<KeyRing> {
        match fs::symlink_metadata(path) {
            Ok(_) => return KeyRing::load(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(VaultError::io(path, e)),
        }
        let ring = KeyRing::generate()?;
        let tmp = write_temp(path, &ring.to_json()?)?;
        // A hard link never replaces an existing file: whoever links first wins.
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_dir(path)?;
                Ok(ring)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => KeyRing::load(path),
            Err(e) => Err(VaultError::io(path, e)),
        }
    }

    /// Writes the ring to `path`, replacing any file there atomically (temporary file in the
    /// same directory, fsync, rename, fsync of the directory), mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = write_temp(path, &self.to_json()?)?;
        if let Err(e) = fs::rename(&tmp, path) {
            let _ = fs::remove_file(&tmp);
            return Err(VaultError::io(path, e));
        }
        sync_dir(path)
    }

    // ----- environment form -------------------------------------------------------------

    /// Reads the ring from the environment variable `var` (usually [`ENV_VAR`]); `Ok(None)`
    /// when it is not set.
    pub fn from_env(var: &str) -> Result<Option<KeyRing>> {
        match std::env::var(var) {
            Ok(value) => {
                let value = Zeroizing::new(value);
                KeyRing::from_env_value(&value).map(Some)
            }
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(VaultError::key_file(
                None,
                format!("{var} is not valid Unicode"),
            )),
        }
    }

    /// Parses an environment value: the key file's JSON as it is, or base64 of it.
    pub fn from_env_value(value: &str) -> Result<KeyRing> {
        let value = value.trim();
        if value.starts_with('{') {
            return KeyRing::from_json(value, None);
        }
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(value)
                .map_err(|_| {
                    VaultError::key_file(None, "neither JSON nor base64 (standard alphabet)")
                })?,
        );
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| VaultError::key_file(None, "the base64 value does not decode to text"))?;
        KeyRing::from_json(text, None)
    }

    /// The ring as a one-line environment value (base64 of the key file JSON).
    pub fn to_env_value(&self) -> Result<Zeroizing<String>> {
        let json = self.to_json()?;
        Ok(Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(&*json),
        ))
    }

    // ----- JSON -------------------------------------------------------------------------

    fn to_json(&self) -> Result<Zeroizing<Vec<u8>>> {
        let file = KeyFileJson {
            format: FORMAT.to_owned(),
            current: self.current_key_id().to_owned(),
            data_keys: self
                .data_keys
                .iter()
                .map(|k| KeyEntry {
                    id: k.id.clone(),
                    key: hex::encode(&k.key[..]),
                })
                .collect(),
            index_key: hex::encode(&self.index_key.0[..]),
        };
        // Reserve enough up front so the buffer never reallocates (a reallocation would leave
        // an unzeroized copy of the keys behind).
        let mut out = Zeroizing::new(Vec::with_capacity(256 + 96 * self.data_keys.len()));
        serde_json::to_writer_pretty(&mut *out, &file)
            .map_err(|_| VaultError::key_file(None, "cannot serialise the key ring"))?;
        out.push(b'\n');
        Ok(out)
    }

    fn from_json(text: &str, path: Option<&Path>) -> Result<KeyRing> {
        let bad = |reason: String| VaultError::key_file(path, reason);
        let file: KeyFileJson = serde_json::from_str(text).map_err(|e| bad(json_reason(&e)))?;
        if file.format != FORMAT {
            return Err(bad(format!("`format` must be \"{FORMAT}\"")));
        }
        if file.data_keys.is_empty() {
            return Err(bad("`data_keys` is empty".to_owned()));
        }
        let mut data_keys: Vec<DataKey> = Vec::with_capacity(file.data_keys.len());
        for entry in &file.data_keys {
            if !valid_key_id(&entry.id) {
                return Err(bad(format!(
                    "key id `{}` must be 1-{MAX_KEY_ID_LEN} characters of a-z 0-9",
                    entry.id.escape_default()
                )));
            }
            if data_keys.iter().any(|k| k.id == entry.id) {
                return Err(bad(format!("key id `{}` appears twice", entry.id)));
            }
            let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
            decode_hex(&entry.key, &mut key[..]).map_err(|()| {
                bad(format!(
                    "key `{}` must be {} hex characters (a 128-bit SM4 key)",
                    entry.id,
                    DATA_KEY_LEN * 2
                ))
            })?;
            data_keys.push(DataKey {
                id: entry.id.clone(),
                key,
            });
        }
        let current = data_keys
            .iter()
            .position(|k| k.id == file.current)
            .ok_or_else(|| {
                bad(format!(
                    "`current` names `{}`, which is not in `data_keys`",
                    file.current.escape_default()
                ))
            })?;
        let mut index = Zeroizing::new([0u8; INDEX_KEY_LEN]);
        decode_hex(&file.index_key, &mut index[..]).map_err(|()| {
            bad(format!(
                "`index_key` must be {} hex characters (a 256-bit key)",
                INDEX_KEY_LEN * 2
            ))
        })?;
        Ok(KeyRing {
            data_keys,
            current,
            index_key: IndexKey(index),
        })
    }
}

/// The key file's shape. Its strings hold key material, so they are wiped on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileJson {
    format: String,
    current: String,
    data_keys: Vec<KeyEntry>,
    index_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: String,
    key: String,
}

impl Drop for KeyFileJson {
    fn drop(&mut self) {
        self.index_key.zeroize();
        for entry in &mut self.data_keys {
            entry.key.zeroize();
        }
    }
}

/// A reason from a JSON error that can never echo a value (which might be key material).
fn json_reason(e: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    let msg = e.to_string();
    if msg.starts_with("missing field") || msg.starts_with("unknown field") {
        // Names a field of the format, never a value.
        let field = msg.split(" at line").next().unwrap_or("");
        format!("{field} ({at})")
    } else if e.is_data() {
        format!("a value has the wrong type ({at})")
    } else {
        format!("not valid JSON ({at})")
    }
}

pub(crate) fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Decodes exactly `out.len()` bytes of hex; the error carries no detail (no key characters).
fn decode_hex(text: &str, out: &mut [u8]) -> std::result::Result<(), ()> {
    hex::decode_to_slice(text.trim(), out).map_err(|_| ())
}

pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| VaultError::Random(e.to_string()))
}

fn random_data_key() -> Result<Zeroizing<[u8; DATA_KEY_LEN]>> {
    let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
    fill_random(&mut key[..])?;
    Ok(key)
}

#[cfg(unix)]
fn check_private(file: &File, path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|e| VaultError::io(path, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(VaultError::key_file(
            Some(path),
            format!(
                "group or others may access it (mode {:o}); run `chmod 600` on it",
                mode & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_file: &File, _path: &Path) -> Result<()> {
    Ok(())
}

/// Writes `bytes` to a new private temporary file beside `path` and fsyncs it.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| VaultError::key_file(Some(path), "the path names no file"))?;
    let mut suffix = [0u8; 8];
    fill_random(&mut suffix)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", hex::encode(suffix)));
    let tmp = path.with_file_name(tmp_name);

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(VaultError::io(path, e))
        }
    }
}

/// Fsyncs the directory holding `path`, so a new or renamed entry survives a power loss.
fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| VaultError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_json(current: &str, keys: &[(&str, &str)], index: &str) -> String {
        let keys: Vec<String> = keys
            .iter()
            .map(|(id, k)| format!(r#"{{"id":"{id}","key":"{k}"}}"#))
            .collect();
        format!(
            r#"{{"format":"{FORMAT}","current":"{current}","data_keys":[{}],"index_key":"{index}"}}"#,
            keys.join(",")
        )
    }

    const K1: &str = "0123456789abcdeffedcba9876543210";
    const IDX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn generate_and_rotate() {
        let mut ring = KeyRing::generate().unwrap();
        assert_eq!(ring.current_key_id(), "k1");
        assert_eq!(ring.rotate().unwrap(), "k2");
        assert_eq!(ring.rotate().unwrap(), "k3");
        assert_eq!(ring.key_ids().collect::<Vec<_>>(), ["k1", "k2", "k3"]);
        assert_ne!(*ring.data_keys[0].key, *ring.data_keys[1].key);
    }

    #[test]
    fn retire_keeps_the_current_key() {
        let mut ring = KeyRing::generate().unwrap();
        ring.rotate().unwrap();
        assert!(!ring.retire("k2"), "current key must stay");
        assert!(!ring.retire("k9"));
        assert!(ring.retire("k1"));
        assert_eq!(ring.current_key_id(), "k2");
        assert_eq!(ring.key_ids().collect::<Vec<_>>(), ["k2"]);
        assert_eq!(ring.rotate().unwrap(), "k3");
    }

    #[test]
    fn debug_shows_no_key_material() {
        let ring = KeyRing::from_json(&ring_json("k1", &[("k1", K1)], IDX), None).unwrap();
        let shown = format!("{ring:?} {:?}", ring.index_key);
        assert!(shown.contains("k1"), "{shown}");
        assert!(!shown.to_lowercase().contains("0123456789"), "{shown}");
        assert!(!shown.contains("000102"), "{shown}");
        assert!(!shown.contains("[1, 35"), "{shown}");
    }

    #[test]
    fn key_file_create_load_round_trip_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let created = KeyRing::load_or_create(&path).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let loaded = KeyRing::load_or_create(&path).unwrap();
        assert_eq!(*loaded.data_keys[0].key, *created.data_keys[0].key);
        assert_eq!(*loaded.index_key.0, *created.index_key.0);
        // No temporary file left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut rotated = loaded.clone();
        rotated.rotate().unwrap();
        rotated.save(&path).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let again = KeyRing::load(&path).unwrap();
        assert_eq!(again.current_key_id(), "k2");
        assert_eq!(again.key_ids().count(), 2);
        assert_eq!(*again.data_keys[0].key, *created.data_keys[0].key);
        assert_eq!(*again.index_key.0, *created.index_key.0);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(FORMAT));
    }

    #[cfg(unix)]
    #[test]
    fn loose_permissions_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        KeyRing::generate().unwrap().save(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = KeyRing::load(&path).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("keys.json");
        assert!(matches!(
            KeyRing::load_or_create(&path),
            Err(VaultError::Io { .. })
        ));
    }

    #[test]
    fn env_value_json_and_base64() {
        let ring = KeyRing::generate().unwrap();
        let b64 = ring.to_env_value().unwrap();
        let from_b64 = KeyRing::from_env_value(&b64).unwrap();
        assert_eq!(*from_b64.data_keys[0].key, *ring.data_keys[0].key);
        let json = String::from_utf8(ring.to_json().unwrap().to_vec()).unwrap();
        let from_json = KeyRing::from_env_value(&format!("  {json}  ")).unwrap();
        assert_eq!(*from_json.index_key.0, *ring.index_key.0);
        assert!(matches!(
            KeyRing::from_env_value("not base64 !"),
            Err(VaultError::KeyFile { path: None, .. })
        ));
    }

    #[test]
    fn env_variable_unset_is_none() {
        assert!(
            KeyRing::from_env("YIWANG_VAULT_TEST_SURELY_UNSET")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bad_key_files_say_why_without_echoing_keys() {
        let cases: Vec<(String, &str)> = vec![
            ("{".to_owned(), "not valid JSON"),
            (
                r#"{"format":"yiwang-vault-keys/1","current":"k1","data_keys":[]}"#.to_owned(),
                "missing field `index_key`",
            ),
            (
                ring_json("k1", &[("k1", K1)], IDX).replace("/1", "/9"),
                "`format`",
            ),
            (ring_json("k1", &[], IDX), "`data_keys` is empty"),
            (ring_json("k2", &[("k1", K1)], IDX), "`current` names `k2`"),
            (
                ring_json("k1", &[("k1", K1), ("k1", K1)], IDX),
                "appears twice",
            ),
            (ring_json("K.1", &[("K.1", K1)], IDX), "key id `K.1`"),
            (
                ring_json("k1", &[("k1", "0123456789abcdeffedcba98765432zz")], IDX),
                "32 hex characters",
            ),
            (ring_json("k1", &[("k1", &K1[..30])], IDX), "32 hex"),
            (ring_json("k1", &[("k1", K1)], &IDX[..62]), "`index_key`"),
            (
                ring_json("k1", &[("k1", K1)], IDX)
                    .replace(&format!(r#""key":"{K1}""#), r#""key":12345678901234567890"#),
                "wrong type",
            ),
        ];
        for (text, expected) in cases {
            let err = KeyRing::from_json(&text, Some(Path::new("/etc/k.json"))).unwrap_err();
            let shown = err.to_string();
            assert!(matches!(err, VaultError::KeyFile { .. }), "{shown}");
            assert!(shown.contains(expected), "{shown} lacks {expected}");
            assert!(shown.contains("/etc/k.json"), "{shown}");
            assert!(!shown.contains("0123456789abcdef"), "{shown}");
            assert!(!shown.contains("1234567890123"), "{shown}");
        }
    }
}
