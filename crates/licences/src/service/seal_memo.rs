//! What a seal check keeps between verifications of the same licence, so that a repeated
//! verification costs one read and the elliptic-curve check, not the whole canonical form again.
//!
//! A seal check takes the stored licence (every signed column, the sealed holder number, the
//! signature) and its seal key's public key, opens the holder number, rebuilds the signed
//! document, canonicalises it, hashes it with the signer's Z (`e = SM3(Z ‖ M)`) and checks the
//! SM2 signature on `e`. All but the last step are a pure function of the stored bytes, so
//! [`SealMemo`] keeps, per licence, an SM3 fingerprint of exactly those bytes together with `e`,
//! the parsed key and the parsed signature. The next check of the licence reads the row again
//! (so a status change or any edit of a stored field made by any process on the database is
//! seen at once), fingerprints it, and only when the fingerprint is the kept one reuses `e`;
//! the signature is checked on every verification all the same. Anything else is checked from
//! scratch. No plaintext is kept: `e` and the fingerprint are hashes.
//!
//! Bounded: at most [`MAX_KEPT`] licences and [`MAX_KEYS`] parsed keys; when full, forgotten
//! at once (the next checks rebuild).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sm2::dsa::Signature;
use sm3::{Digest, Sm3};

use super::Row;
use crate::seal::{SealVerifier, parse_signature};

/// Most licences whose check is kept (about 200 bytes each).
pub(crate) const MAX_KEPT: usize = 20_000;
/// Most parsed public keys kept.
pub(crate) const MAX_KEYS: usize = 1_024;

/// What is kept of one licence's check.
struct Kept {
    /// SM3 of every stored input of the check (see [`fingerprint`]).
    inputs: [u8; 32],
    /// `SM3(Z ‖ canonical form)`.
    e: [u8; 32],
    key: Arc<SealVerifier>,
    signature: Signature,
}

/// The kept parts of seal checks, shared by the clones of one licence service.
#[derive(Default)]
pub(crate) struct SealMemo {
    kept: Mutex<HashMap<i64, Kept>>,
    keys: Mutex<HashMap<String, Arc<SealVerifier>>>,
}

/// The prepared parts of a check, before the curve.
pub(crate) struct Prepared {
    pub(crate) e: [u8; 32],
    pub(crate) key: Arc<SealVerifier>,
    pub(crate) signature: Signature,
}

/// SM3 over every stored input of a seal check, each length-prefixed: the signed columns as
/// stored (the holder number still sealed), the signature and the public key (hex).
pub(crate) fn fingerprint(r: &Row, public_key: &str) -> [u8; 32] {
    let mut h = Sm3::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    // A date as its Julian day (4 bytes); no date as nothing.
    let dates = [Some(r.issue_date), Some(r.valid_from), r.valid_to]
        .map(|d| d.map(|d| d.to_julian_day().to_le_bytes()));
    for s in [
        &r.identifier,
        &r.type_code,
        &r.number,
        &r.holder_type,
        &r.holder_name,
        &r.holder_code_enc,
        &r.issuer_name,
        &r.issuer_uscc,
        &r.face,
        &r.seal_key_id,
        &r.signature,
    ] {
        field(s.as_bytes());
    }
    for d in &dates {
        field(d.as_ref().map_or(&[][..], |b| &b[..]));
    }
    match &r.previous_identifier {
        Some(p) => {
            field(b"1");
            field(p.as_bytes());
        }
        None => field(b"0"),
    }
    field(public_key.as_bytes());
    h.finalize().into()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SealMemo {
    /// The kept check of licence `id` if its stored inputs still have fingerprint `inputs`.
    pub(crate) fn get(&self, id: i64, inputs: &[u8; 32]) -> Option<Prepared> {
        let kept = lock(&self.kept);
        let k = kept.get(&id).filter(|k| &k.inputs == inputs)?;
        Some(Prepared {
            e: k.e,
            key: k.key.clone(),
            signature: k.signature,
        })
    }

    /// Keeps the prepared check of licence `id` for stored inputs with fingerprint `inputs`.
    pub(crate) fn put(&self, id: i64, inputs: [u8; 32], p: &Prepared) {
        let mut kept = lock(&self.kept);
        if kept.len() >= MAX_KEPT && !kept.contains_key(&id) {
            kept.clear();
        }
        kept.insert(
            id,
            Kept {
                inputs,
                e: p.e,
                key: p.key.clone(),
                signature: p.signature,
            },
        );
    }

    /// The parsed key of public key `hex` (parsed once), or `None` when it is not a key.
    pub(crate) fn key(&self, hex: &str) -> Option<Arc<SealVerifier>> {
        if let Some(k) = lock(&self.keys).get(hex) {
            return Some(k.clone());
        }
        let k = Arc::new(SealVerifier::new(&hex::decode(hex).ok()?).ok()?);
        let mut keys = lock(&self.keys);
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(hex.to_string(), k.clone());
        Some(k)
    }
}

/// The signature stored as hex, parsed.
pub(crate) fn signature(hex: &str) -> Option<Signature> {
    parse_signature(&hex::decode(hex).ok()?).ok()
}
