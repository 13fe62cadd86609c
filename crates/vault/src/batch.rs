//! Sealing and indexing many values of one column: the same stored forms as
//! [`KeyRing::seal`] and [`KeyRing::blind_index`], with the per-call setup done once — the
//! SM4 key schedule and GHASH key of the current data key, the HMAC-SM3 states after the index
//! key and the context. For bulk paths (collection seals millions of rows); a [`Sealer`] or an
//! [`Indexer`] is cheap to make, make one per batch (a rotation changes the current key).

use aes_gcm::aead::KeyInit;
use base64::Engine;
use hmac::{Hmac, Mac};
use sm3::Sm3;
use zeroize::Zeroizing;

use crate::error::{Result, VaultError};
use crate::field::{B64, NONCE_LEN, Sm4Gcm, VERSION, check_context, encrypt_with};
use crate::keys::{INDEX_KEY_LEN, KeyRing, fill_random};

/// Seals values for one context under the ring's current key ([`KeyRing::sealer`]).
pub struct Sealer {
    cipher: Sm4Gcm,
    prefix: String,
    context: String,
}

/// Blind indexes of values for one context ([`KeyRing::indexer`]).
#[derive(Clone)]
pub struct Indexer {
    /// HMAC-SM3 after the index key and `context ‖ 0x00`.
    mac: Hmac<Sm3>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("prefix", &self.prefix)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A [`Sealer`] for `context` under the current key.
    pub fn sealer(&self, context: &str) -> Result<Sealer> {
        check_context(context)?;
        let key = self
            .data_keys
            .get(self.current)
            .ok_or(VaultError::UnknownKey { id: String::new() })?;
        Ok(Sealer {
            cipher: Sm4Gcm::new((&*key.key).into()),
            prefix: format!("{VERSION}.{}.", key.id),
            context: context.to_string(),
        })
    }

    /// An [`Indexer`] for `context` under the index key.
    pub fn indexer(&self, context: &str) -> Result<Indexer> {
        check_context(context)?;
        let mut block_key = Zeroizing::new([0u8; 64]);
        block_key[..INDEX_KEY_LEN].copy_from_slice(&self.index_key.0[..]);
        let mut mac = <Hmac<Sm3> as KeyInit>::new((&*block_key).into());
        mac.update(context.as_bytes());
        mac.update(&[0]);
        Ok(Indexer { mac })
    }
}

impl Sealer {
    /// [`KeyRing::seal_bytes`] with this sealer's key and context: a fresh random nonce each
    /// time, the stored form `v1.<key id>.<base64url>`.
    pub fn seal_bytes(&self, plaintext: &[u8]) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let raw = encrypt_with(&self.cipher, &nonce, &self.context, plaintext)?;
        let mut out = String::with_capacity(self.prefix.len() + raw.len().div_ceil(3) * 4);
        out.push_str(&self.prefix);
        B64.encode_string(&raw, &mut out);
        Ok(out)
    }
}

impl Indexer {
    /// [`KeyRing::blind_index`] of `value` for this indexer's context.
    pub fn index(&self, value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..crate::field::INDEX_HEX_LEN / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_forms_equal_the_single_ones() {
        let mut ring = KeyRing::generate().unwrap();
        ring.rotate().unwrap();
        let ix = ring.indexer("exchange.row_key").unwrap();
        for v in ["", "440802199001011234", "湛江", &"x".repeat(300)] {
            assert_eq!(
                ix.index(v),
                ring.blind_index("exchange.row_key", v).unwrap()
            );
            assert_ne!(ix.index(v), ring.blind_index("exchange.row", v).unwrap());
        }
        let s = ring.sealer("exchange.row").unwrap();
        let sealed = s.seal_bytes("张三".as_bytes()).unwrap();
        assert!(sealed.starts_with("v1.k2."), "{sealed}");
        assert_eq!(&*ring.open("exchange.row", &sealed).unwrap(), "张三");
        assert_ne!(s.seal_bytes(b"a").unwrap(), s.seal_bytes(b"a").unwrap());
        assert!(ring.open("exchange.other", &sealed).is_err());
        assert!(matches!(ring.sealer("a b"), Err(VaultError::BadContext)));
        assert!(matches!(ring.indexer(""), Err(VaultError::BadContext)));
        assert!(!format!("{s:?} {ix:?}").contains("key:"));
    }
}
