//! Field encryption with SM4-GCM, rewrapping after a key rotation, and the keyed blind index
//! (HMAC-SM3).
//!
//! ## Stored form
//! `v1.<key id>.<base64url without padding of nonce(12) ‖ ciphertext ‖ tag(16)>`, pure ASCII,
//! e.g. `v1.k2.qL0…`. The associated data of SM4-GCM is the caller's *context* (the column,
//! e.g. `citizen.id_number`), so a value copied into another column does not open. The key id
//! travels with the value, so values sealed under older keys keep opening after a rotation
//! and [`KeyRing::rewrap`] can move them to the current key at leisure.
//!
//! ## Blind index
//! `hex(HMAC-SM3(index key, context ‖ 0x00 ‖ value))[..32]` (128 bits). Equal inputs give equal
//! index values, so an equality lookup is `WHERE id_number_idx = $1` with the index of the
//! searched value; nothing is decrypted to search. The context separates columns: the same
//! number as an ID number and as a phone number indexes differently. Callers pass the
//! *normalized* value (the canonical ID number with an upper-case `X`, a phone number as its
//! digits) and should seal that same normalized value, so a reindex can recompute the index
//! from the sealed value alone.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{AesGcm, Nonce, Tag};
use base64::Engine;
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use zeroize::Zeroizing;

use crate::error::{Result, VaultError};
use crate::keys::{DataKey, INDEX_KEY_LEN, IndexKey, KeyRing, fill_random, valid_key_id};

/// SM4 in Galois/Counter Mode with a 96-bit nonce and a 128-bit tag.
pub(crate) type Sm4Gcm = AesGcm<Sm4, U12>;

/// The version tag that starts every stored value.
pub const VERSION: &str = "v1";
pub(crate) const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Length of a blind index value in hex characters (128 bits).
pub const INDEX_HEX_LEN: usize = 32;
const MAX_CONTEXT_LEN: usize = 64;
pub(crate) const B64: base64::engine::GeneralPurpose =
    base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The outcome of [`KeyRing::rewrap_batch`] over a batch of rows.
#[derive(Debug)]
pub struct RewrapBatch<K> {
    /// Rows whose value was re-encrypted under the current key: write `new` back (ideally
    /// `WHERE <row> AND col = old`, so a concurrent edit is not overwritten).
    pub rewrapped: Vec<Rewrapped<K>>,
    /// How many rows were already under the current key (nothing to write).
    pub already_current: usize,
    /// Rows that could not be opened (unknown key, tampered, malformed), with the reason;
    /// they are left as they are for a person to look at.
    pub failed: Vec<(K, VaultError)>,
}

/// One row re-encrypted by [`KeyRing::rewrap_batch`].
#[derive(Debug)]
pub struct Rewrapped<K> {
    /// Whatever the caller uses to find the row again (its primary key).
    pub row: K,
    /// The stored value as it was read.
    pub old: String,
    /// The same plaintext sealed under the current key.
    pub new: String,
}

/// The id of the key that sealed `stored` (for reporting which keys are still in use).
pub fn key_id_of(stored: &str) -> Result<&str> {
    parse(stored).map(|(id, _)| id)
}

impl KeyRing {
    /// Encrypts `plaintext` for the column named by `context` under the current key.
    /// Each call draws a fresh random nonce, so equal plaintexts give different stored values
    /// (use [`blind_index`](KeyRing::blind_index) to find equal values).
    pub fn seal(&self, context: &str, plaintext: &str) -> Result<String> {
        self.seal_bytes(context, plaintext.as_bytes())
    }

    /// [`seal`](KeyRing::seal) for bytes (e.g. an SM2 private key).
    pub fn seal_bytes(&self, context: &str, plaintext: &[u8]) -> Result<String> {
        check_context(context)?;
        let key = self
            .data_keys
            .get(self.current)
            .ok_or(VaultError::UnknownKey { id: String::new() })?;
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        Ok(format!(
            "{VERSION}.{}.{}",
            key.id,
            B64.encode(encrypt(key, &nonce, context, plaintext)?)
        ))
    }

    /// Decrypts a value sealed for `context`, under whichever key of the ring it names.
    pub fn open(&self, context: &str, stored: &str) -> Result<Zeroizing<String>> {
        let bytes = self.open_bytes(context, stored)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| VaultError::Malformed {
            reason: "the plaintext is not UTF-8 text",
        })?;
        Ok(Zeroizing::new(text.to_owned()))
    }

    /// [`open`](KeyRing::open) for values sealed with [`seal_bytes`](KeyRing::seal_bytes).
    pub fn open_bytes(&self, context: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>> {
        check_context(context)?;
        let (id, raw) = parse(stored)?;
        let key = self
            .data_keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| VaultError::UnknownKey { id: id.to_owned() })?;
        decrypt(key, context, &raw)
    }

    /// Whether `stored` is not under the current key (also true for a malformed value, which
    /// [`rewrap`](KeyRing::rewrap) then reports).
    pub fn needs_rewrap(&self, stored: &str) -> bool {
        key_id_of(stored).map_or(true, |id| id != self.current_key_id())
    }

    /// The prefix every value sealed under the current key starts with, e.g. `v1.k3.`: select
    /// the rows still to rewrap with `WHERE col NOT LIKE 'v1.k3.%'` (key ids are `[a-z0-9]`,
    /// so the prefix holds no `LIKE` wildcard).
    pub fn current_prefix(&self) -> String {
        format!("{VERSION}.{}.", self.current_key_id())
    }

    /// Re-encrypts `stored` under the current key: `Ok(None)` when it already is (nothing to
    /// write, and nothing is decrypted), `Ok(Some(new))` otherwise. The plaintext never leaves
    /// this function.
    ///
    /// The rotation loop, done by the caller in small transactions while the service runs
    /// (readers open old and new values alike, so there is no downtime):
    ///
    /// ```text
    /// ring.rotate(); ring.save(path); swap the shared ring      -- new writes use the new key
    /// loop {
    ///     BEGIN
    ///     rows = SELECT id, col FROM t WHERE col NOT LIKE '<ring.current_prefix()>%'
    ///            ORDER BY id LIMIT 200
    ///     if rows is empty { COMMIT; break }
    ///     batch = ring.rewrap_batch("t.col", rows)
    ///     for r in batch.rewrapped: UPDATE t SET col = r.new WHERE id = r.row AND col = r.old
    ///     COMMIT                                           -- report batch.failed, skip them
    /// }
    /// ring.retire("k1"); ring.save(path)                   -- once no value names k1
    /// ```
    pub fn rewrap(&self, context: &str, stored: &str) -> Result<Option<String>> {
        check_context(context)?;
        let (id, _) = parse(stored)?;
        if id == self.current_key_id() {
            return Ok(None);
        }
        let plaintext = self.open_bytes(context, stored)?;
        self.seal_bytes(context, &plaintext).map(Some)
    }

    /// [`rewrap`](KeyRing::rewrap) over a batch of `(row, stored)` pairs, sorted into rows to
    /// write back, rows already current, and rows that failed. Never stops on a bad row.
    pub fn rewrap_batch<K>(
        &self,
        context: &str,
        rows: impl IntoIterator<Item = (K, String)>,
    ) -> RewrapBatch<K> {
        let mut batch = RewrapBatch {
            rewrapped: Vec::new(),
            already_current: 0,
            failed: Vec::new(),
        };
        for (row, old) in rows {
            match self.rewrap(context, &old) {
                Ok(Some(new)) => batch.rewrapped.push(Rewrapped { row, old, new }),
                Ok(None) => batch.already_current += 1,
                Err(e) => batch.failed.push((row, e)),
            }
        }
        batch
    }

    /// The blind index of a normalized `value` in the column named by `context`:
    /// 32 hex characters, stable for the ring's index key, independent of the data keys.
    pub fn blind_index(&self, context: &str, value: &str) -> Result<String> {
        self.index_key.blind_index(context, value)
    }

    /// For a reindex under a new index key: opens `stored` and returns the blind index of its
    /// plaintext under `new_key`. Loop over the rows as for a rewrap, filling a new index
    /// column, then [`replace_index_key`](KeyRing::replace_index_key) and switch lookups over.
    pub fn reindex(&self, new_key: &IndexKey, context: &str, stored: &str) -> Result<String> {
        let plaintext = self.open(context, stored)?;
        new_key.blind_index(context, &plaintext)
    }
}

impl IndexKey {
    /// The blind index of `value` under this key; see [`KeyRing::blind_index`].
    pub fn blind_index(&self, context: &str, value: &str) -> Result<String> {
        check_context(context)?;
        // HMAC pads a short key with zeros up to the block size (64 bytes for SM3); doing it
        // here lets the infallible constructor be used. The result is the same HMAC.
        let mut block_key = Zeroizing::new([0u8; 64]);
        block_key[..INDEX_KEY_LEN].copy_from_slice(&self.0[..]);
        let mut mac = <Hmac<Sm3> as KeyInit>::new((&*block_key).into());
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        Ok(hex::encode(&out[..INDEX_HEX_LEN / 2]))
    }
}

/// Contexts are developer-chosen column names; restricting them keeps `context ‖ 0x00 ‖
/// value` unambiguous and the associated data printable.
pub(crate) fn check_context(context: &str) -> Result<()> {
    let ok = !context.is_empty()
        && context.len() <= MAX_CONTEXT_LEN
        && context
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(VaultError::BadContext)
    }
}

/// Splits a stored value into its key id and raw `nonce ‖ ciphertext ‖ tag`.
fn parse(stored: &str) -> Result<(&str, Vec<u8>)> {
    let malformed = |reason| VaultError::Malformed { reason };
    let mut parts = stored.splitn(3, '.');
    let (Some(version), Some(id), Some(payload)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected v1.<key id>.<base64url>"));
    };
    if version != VERSION {
        return Err(malformed("unknown version (expected v1)"));
    }
    if !valid_key_id(id) {
        return Err(malformed("invalid key id"));
    }
    let raw = B64
        .decode(payload)
        .map_err(|_| malformed("the payload is not base64url without padding"))?;
    if raw.len() < NONCE_LEN + TAG_LEN {
        return Err(malformed("the payload is too short"));
    }
    Ok((id, raw))
}

fn cipher(key: &DataKey) -> Sm4Gcm {
    Sm4Gcm::new((&*key.key).into())
}

/// `nonce ‖ ciphertext ‖ tag`. The buffer is sized up front, so the plaintext copied into it is
/// encrypted in place and never left behind by a reallocation.
pub(crate) fn encrypt(
    key: &DataKey,
    nonce: &[u8; NONCE_LEN],
    context: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    encrypt_with(&cipher(key), nonce, context, plaintext)
}

/// [`encrypt`] with a cipher already keyed (the batch sealer keeps one).
pub(crate) fn encrypt_with(
    cipher: &Sm4Gcm,
    nonce: &[u8; NONCE_LEN],
    context: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    buf.extend_from_slice(nonce);
    buf.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(
            nonce.into(),
            context.as_bytes(),
            (&mut buf[NONCE_LEN..]).into(),
        )
        .map_err(|_| VaultError::TooLarge)?;
    buf.extend_from_slice(&tag);
    Ok(buf)
}

pub(crate) fn decrypt(key: &DataKey, context: &str, raw: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let too_short = || VaultError::Malformed {
        reason: "the payload is too short",
    };
    let (nonce, rest) = raw.split_at_checked(NONCE_LEN).ok_or_else(too_short)?;
    let (ciphertext, tag) = rest
        .split_at_checked(rest.len().saturating_sub(TAG_LEN))
        .ok_or_else(too_short)?;
    let nonce = <&Nonce<U12>>::try_from(nonce).map_err(|_| too_short())?;
    let tag = <&Tag>::try_from(tag).map_err(|_| too_short())?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    cipher(key)
        .decrypt_inout_detached(nonce, context.as_bytes(), (&mut buf[..]).into(), tag)
        .map_err(|_| VaultError::Undecryptable)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: &str = "citizen.id_number";
    const ID: &str = "440802199001011234";

    fn ring() -> KeyRing {
        KeyRing::generate().unwrap()
    }

    #[test]
    fn round_trip() {
        let ring = ring();
        let stored = ring.seal(CTX, ID).unwrap();
        assert!(stored.starts_with("v1.k1."), "{stored}");
        assert!(stored.is_ascii());
        assert!(!stored.contains(ID));
        assert_eq!(&*ring.open(CTX, &stored).unwrap(), ID);
        // 12 + 18 + 16 bytes → 62 base64 characters.
        assert_eq!(stored.len(), "v1.k1.".len() + 62);
        // A fresh nonce every time.
        assert_ne!(ring.seal(CTX, ID).unwrap(), stored);
        // Empty text and bytes too.
        let empty = ring.seal(CTX, "").unwrap();
        assert_eq!(&*ring.open(CTX, &empty).unwrap(), "");
        let bytes = ring.seal_bytes("dept.seal_key", &[0, 159, 255]).unwrap();
        assert_eq!(
            &**ring.open_bytes("dept.seal_key", &bytes).unwrap(),
            &[0, 159, 255]
        );
        assert!(matches!(
            ring.open("dept.seal_key", &bytes),
            Err(VaultError::Malformed { .. })
        ));
    }

    #[test]
    fn wrong_context_fails() {
        let ring = ring();
        let stored = ring.seal(CTX, ID).unwrap();
        assert!(matches!(
            ring.open("citizen.phone", &stored),
            Err(VaultError::Undecryptable)
        ));
    }

    #[test]
    fn other_ring_fails() {
        let stored = ring().seal(CTX, ID).unwrap();
        assert!(matches!(
            ring().open(CTX, &stored),
            Err(VaultError::Undecryptable)
        ));
    }

    #[test]
    fn every_tampered_byte_fails() {
        let ring = ring();
        let stored = ring.seal(CTX, ID).unwrap();
        let (head, payload) = stored.split_at("v1.k1.".len());
        let raw = B64.decode(payload).unwrap();
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x01;
            let tampered = format!("{head}{}", B64.encode(&bad));
            assert!(
                matches!(ring.open(CTX, &tampered), Err(VaultError::Undecryptable)),
                "byte {i}"
            );
        }
        // Truncated and extended.
        let short = format!("{head}{}", B64.encode(&raw[..raw.len() - 1]));
        assert!(ring.open(CTX, &short).is_err());
        let mut long = raw.clone();
        long.push(0);
        assert!(
            ring.open(CTX, &format!("{head}{}", B64.encode(&long)))
                .is_err()
        );
    }

    #[test]
    fn malformed_stored_values() {
        let ring = ring();
        for bad in [
            "",
            "v1",
            "v1.k1",
            "v2.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "v1.K1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "v1..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "v1.k1.AAAA",
            "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/A",
            "v1.k1.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "440802199001011234",
        ] {
            assert!(
                matches!(ring.open(CTX, bad), Err(VaultError::Malformed { .. })),
                "{bad:?}"
            );
            assert!(ring.needs_rewrap(bad));
            assert!(ring.rewrap(CTX, bad).is_err());
        }
        let unknown = ring.seal(CTX, ID).unwrap().replacen("k1", "k7", 1);
        assert!(matches!(
            ring.open(CTX, &unknown),
            Err(VaultError::UnknownKey { id }) if id == "k7"
        ));
    }

    #[test]
    fn bad_contexts_are_refused() {
        let ring = ring();
        for ctx in ["", "a\0b", "中文", "a b", &"x".repeat(65)] {
            assert!(matches!(ring.seal(ctx, ID), Err(VaultError::BadContext)));
            assert!(matches!(
                ring.blind_index(ctx, ID),
                Err(VaultError::BadContext)
            ));
        }
        assert!(ring.seal(&"x".repeat(64), ID).is_ok());
        assert!(ring.seal("A-z_0.9:x", ID).is_ok());
    }

    #[test]
    fn old_key_opens_after_rotate_and_rewrap_moves_to_current() {
        let mut ring = ring();
        let old = ring.seal(CTX, ID).unwrap();
        assert!(!ring.needs_rewrap(&old));
        assert_eq!(ring.rewrap(CTX, &old).unwrap(), None);

        ring.rotate().unwrap();
        assert_eq!(ring.current_prefix(), "v1.k2.");
        assert_eq!(&*ring.open(CTX, &old).unwrap(), ID);
        assert!(ring.needs_rewrap(&old));
        let new = ring.seal(CTX, ID).unwrap();
        assert!(new.starts_with("v1.k2."));
        assert!(!ring.needs_rewrap(&new));

        let rewrapped = ring.rewrap(CTX, &old).unwrap().unwrap();
        assert!(rewrapped.starts_with(&ring.current_prefix()));
        assert_eq!(key_id_of(&rewrapped).unwrap(), "k2");
        assert_eq!(&*ring.open(CTX, &rewrapped).unwrap(), ID);
        assert_eq!(ring.rewrap(CTX, &rewrapped).unwrap(), None);
        // Rewrap keeps the context binding.
        assert!(matches!(
            ring.rewrap("citizen.phone", &old),
            Err(VaultError::Undecryptable)
        ));

        // Once every value is rewrapped, k1 can go; values under it then no longer open.
        assert!(ring.retire("k1"));
        assert_eq!(&*ring.open(CTX, &rewrapped).unwrap(), ID);
        assert!(matches!(
            ring.open(CTX, &old),
            Err(VaultError::UnknownKey { .. })
        ));
    }

    #[test]
    fn rewrap_batch_sorts_rows() {
        let mut ring = ring();
        let a = ring.seal(CTX, "a").unwrap();
        let b = ring.seal(CTX, "b").unwrap();
        ring.rotate().unwrap();
        let c = ring.seal(CTX, "c").unwrap();
        let rows = vec![
            (1, a.clone()),
            (2, c.clone()),
            (3, "garbage".to_owned()),
            (4, b.clone()),
        ];
        let batch = ring.rewrap_batch(CTX, rows);
        assert_eq!(batch.already_current, 1);
        assert_eq!(batch.failed.len(), 1);
        assert_eq!(batch.failed[0].0, 3);
        let done: Vec<(i32, &str, String)> = batch
            .rewrapped
            .iter()
            .map(|r| {
                (
                    r.row,
                    r.old.as_str(),
                    ring.open(CTX, &r.new).unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            done,
            [
                (1, a.as_str(), "a".to_owned()),
                (4, b.as_str(), "b".to_owned())
            ]
        );
        assert!(batch.rewrapped.iter().all(|r| !ring.needs_rewrap(&r.new)));
    }

    #[test]
    fn blind_index_is_stable_and_context_separated() {
        let ring = ring();
        let i1 = ring.blind_index(CTX, ID).unwrap();
        assert_eq!(i1.len(), INDEX_HEX_LEN);
        assert!(
            i1.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(ring.blind_index(CTX, ID).unwrap(), i1);
        assert_ne!(ring.blind_index("citizen.phone", ID).unwrap(), i1);
        assert_ne!(ring.blind_index(CTX, "440802199001011235").unwrap(), i1);
        // Independent of the data keys: rotation does not change it.
        let mut rotated = ring.clone();
        rotated.rotate().unwrap();
        assert_eq!(rotated.blind_index(CTX, ID).unwrap(), i1);
        // Another ring's index key gives another index.
        assert_ne!(self::ring().blind_index(CTX, ID).unwrap(), i1);
        // The separator keeps (context, value) pairs apart.
        assert_ne!(
            ring.blind_index("a.b", "c").unwrap(),
            ring.blind_index("a", ".bc").unwrap()
        );
    }

    #[test]
    fn blind_index_known_answer() {
        // Fixed key, computed independently with Python (hmac + OpenSSL SM3); the interop
        // test in tests/python_interop.rs checks the same with random keys.
        let ring = ring();
        let mut key = [0u8; INDEX_KEY_LEN];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut fixed = ring.clone();
        fixed.replace_index_key(IndexKey(Zeroizing::new(key)));
        assert_eq!(
            fixed.blind_index(CTX, ID).unwrap(),
            KNOWN_INDEX,
            "HMAC-SM3 changed"
        );
    }
    const KNOWN_INDEX: &str = "0e36dc410869e670067c7d6f0f9d22dd";

    #[test]
    fn sm4_gcm_known_answer() {
        // Key 00..0f, nonce 00..0b, computed independently with pyca `cryptography`
        // (OpenSSL's SM4-GCM).
        let mut key = [0u8; 16];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let fixed = KeyRing {
            data_keys: vec![DataKey {
                id: "k1".to_owned(),
                key: Zeroizing::new(key),
            }],
            current: 0,
            index_key: IndexKey::generate().unwrap(),
        };
        assert_eq!(&*fixed.open(CTX, KNOWN_SEALED).unwrap(), ID);
        let mut nonce = [0u8; NONCE_LEN];
        for (i, b) in nonce.iter_mut().enumerate() {
            *b = i as u8;
        }
        let raw = encrypt(&fixed.data_keys[0], &nonce, CTX, ID.as_bytes()).unwrap();
        assert_eq!(format!("v1.k1.{}", B64.encode(raw)), KNOWN_SEALED);
    }
    const KNOWN_SEALED: &str =
        "v1.k1.AAECAwQFBgcICQoLo3Luw_lYtDnGrER84YrIVBKjAs8zyBUzQa0w3iUmr_3GGA";

    #[test]
    fn reindex_under_a_new_key() {
        let mut ring = ring();
        let stored = ring.seal(CTX, ID).unwrap();
        let old_index = ring.blind_index(CTX, ID).unwrap();
        let new_key = IndexKey::generate().unwrap();
        let new_index = ring.reindex(&new_key, CTX, &stored).unwrap();
        assert_ne!(new_index, old_index);
        let old_key = ring.replace_index_key(new_key);
        assert_eq!(ring.blind_index(CTX, ID).unwrap(), new_index);
        assert_eq!(old_key.blind_index(CTX, ID).unwrap(), old_index);
    }
}
