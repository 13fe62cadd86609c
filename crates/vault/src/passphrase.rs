//! Sealing a secret under an operator's passphrase (the key file inside a backup).
//!
//! The key is derived from the passphrase with argon2id (m = 64 MiB, t = 3, p = 1, a fresh
//! 16-byte salt per seal) and the secret sealed with SM4-GCM exactly as a field is
//! ([`crate::field`]), the caller's context as associated data. The stored form carries
//! everything needed to open it again:
//! `p1.argon2id.<m>.<t>.<p>.<base64url salt>.<base64url nonce ‖ ciphertext ‖ tag>`.
//! A wrong passphrase, an altered value or another context all fail to open
//! ([`VaultError::Undecryptable`]); nothing tells them apart.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use zeroize::Zeroizing;

use crate::error::{Result, VaultError};
use crate::field::{B64, NONCE_LEN, decrypt, encrypt};
use crate::keys::{DATA_KEY_LEN, DataKey, fill_random};

const TAG: &str = "p1.argon2id";
const SALT_LEN: usize = 16;
/// Memory cost in KiB (64 MiB): a guess costs what an operator's restore costs once.
const M_COST: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;
/// The largest memory cost a stored value may ask for (1 GiB): a crafted value cannot make
/// `open` exhaust memory.
const MAX_M_COST: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 16;

fn derive(passphrase: &[u8], salt: &[u8], m: u32, t: u32, p: u32) -> Result<DataKey> {
    let malformed = |_| VaultError::Malformed {
        reason: "bad key-derivation parameters",
    };
    let params = Params::new(m, t, p, Some(DATA_KEY_LEN)).map_err(malformed)?;
    let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, salt, &mut key[..])
        .map_err(malformed)?;
    Ok(DataKey {
        id: "passphrase".to_owned(),
        key,
    })
}

/// Seals `plaintext` for `context` under a key derived from `passphrase`.
pub fn seal_with_passphrase(passphrase: &str, context: &str, plaintext: &[u8]) -> Result<String> {
    if passphrase.is_empty() {
        return Err(VaultError::Malformed {
            reason: "the passphrase is empty",
        });
    }
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    let key = derive(passphrase.as_bytes(), &salt, M_COST, T_COST, P_COST)?;
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let sealed = encrypt(&key, &nonce, context, plaintext)?;
    Ok(format!(
        "{TAG}.{M_COST}.{T_COST}.{P_COST}.{}.{}",
        B64.encode(salt),
        B64.encode(sealed)
    ))
}

/// Opens a value sealed by [`seal_with_passphrase`].
pub fn open_with_passphrase(
    passphrase: &str,
    context: &str,
    stored: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    let malformed = || VaultError::Malformed {
        reason: "not a passphrase-sealed value (p1.argon2id.…)",
    };
    let rest = stored
        .trim()
        .strip_prefix(TAG)
        .and_then(|r| r.strip_prefix('.'))
        .ok_or_else(malformed)?;
    let parts: Vec<&str> = rest.split('.').collect();
    let [m, t, p, salt, sealed] = parts[..] else {
        return Err(malformed());
    };
    let num = |s: &str| s.parse::<u32>().map_err(|_| malformed());
    let (m, t, p) = (num(m)?, num(t)?, num(p)?);
    if m > MAX_M_COST || t > MAX_T_COST || p != P_COST {
        return Err(VaultError::Malformed {
            reason: "key-derivation parameters out of range",
        });
    }
    let salt = B64.decode(salt).map_err(|_| malformed())?;
    let sealed = B64.decode(sealed).map_err(|_| malformed())?;
    let key = derive(passphrase.as_bytes(), &salt, m, t, p)?;
    decrypt(&key, context, &sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let s = seal_with_passphrase("correct horse", "backup.keys", b"secret ring").unwrap();
        assert!(s.starts_with("p1.argon2id.65536.3.1."), "{s}");
        let opened = open_with_passphrase("correct horse", "backup.keys", &s).unwrap();
        assert_eq!(&opened[..], b"secret ring");
        assert!(matches!(
            open_with_passphrase("wrong horse", "backup.keys", &s),
            Err(VaultError::Undecryptable)
        ));
        assert!(matches!(
            open_with_passphrase("correct horse", "other.context", &s),
            Err(VaultError::Undecryptable)
        ));
        let huge = s.replacen(".65536.", ".99999999.", 1);
        assert!(matches!(
            open_with_passphrase("correct horse", "backup.keys", &huge),
            Err(VaultError::Malformed { .. })
        ));
        assert!(open_with_passphrase("x", "backup.keys", "v1.k1.abc").is_err());
        assert!(seal_with_passphrase("", "backup.keys", b"x").is_err());
    }
}
