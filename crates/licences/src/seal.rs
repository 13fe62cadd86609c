//! SM2 seals (docs/standards/sm-crypto.md §12.4): SM2DSA over `SM3(Z ‖ M)` with the default distinguishing ID
//! `1234567812345678` (GM/T 0009), DER signatures, public keys as uncompressed SEC1
//! (`04 ‖ x ‖ y`, 65 bytes).

use sm2::dsa::signature::hazmat::PrehashVerifier;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::Generate;
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

/// GM/T 0009 default distinguishing identifier.
pub const DEFAULT_ID: &str = "1234567812345678";

/// A seal's signing key (the private scalar stays in memory only while signing).
pub struct SealKey {
    signing: SigningKey,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey").finish_non_exhaustive()
    }
}

/// Why a seal could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    BadKey,
    BadSignature,
}

impl SealKey {
    /// A fresh random key (OS randomness).
    pub fn generate() -> Result<SealKey, SealError> {
        let secret = sm2::SecretKey::generate();
        let signing = SigningKey::new(DEFAULT_ID, &secret).map_err(|_| SealError::BadKey)?;
        Ok(SealKey { signing })
    }

    /// From the 32-byte private scalar.
    pub fn from_bytes(d: &[u8]) -> Result<SealKey, SealError> {
        let secret = sm2::SecretKey::from_slice(d).map_err(|_| SealError::BadKey)?;
        let signing = SigningKey::new(DEFAULT_ID, &secret).map_err(|_| SealError::BadKey)?;
        Ok(SealKey { signing })
    }

    /// The private scalar, to be sealed at rest (SM4 under the node's key ring).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.signing.to_bytes().to_vec())
    }

    /// The public key, uncompressed SEC1 (`04 ‖ x ‖ y`).
    pub fn public_key(&self) -> Vec<u8> {
        self.signing.verifying_key().to_sec1_bytes().to_vec()
    }

    /// Signs `message` (the licence's canonical form): DER `SEQUENCE { r, s }`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.signing.sign(message);
        sig.to_der().as_bytes().to_vec()
    }
}

/// Verifies a DER (or raw 64-byte `r ‖ s`) signature of `message` under `public_key` (SEC1,
/// with or without the `04` prefix).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SealError> {
    let pk: Vec<u8> = if public_key.len() == 64 {
        std::iter::once(4u8)
            .chain(public_key.iter().copied())
            .collect()
    } else {
        public_key.to_vec()
    };
    let vk = VerifyingKey::from_sec1_bytes(DEFAULT_ID, &pk).map_err(|_| SealError::BadKey)?;
    let sig = parse_signature(signature)?;
    vk.verify(message, &sig)
        .map_err(|_| SealError::BadSignature)
}

/// The curve's `a ‖ b ‖ Gx ‖ Gy` (GB/T 32918.5, docs/standards/sm-crypto.md §12.3), as they enter
/// the signer's hash Z.
const CURVE_ABG: [u8; 128] = [
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
    0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
    0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
    0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
    0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
    0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
    0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0,
];

/// A seal's public key parsed once, with its signer hash `Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖
/// xA ‖ yA)` (default ID), for checking many seals: [`SealVerifier::digest`] gives a message's
/// `e = SM3(Z ‖ M)` and [`SealVerifier::verify_digest`] runs the elliptic-curve check on it. The
/// same check as [`verify`], split so that `e` can be kept instead of the message.
#[derive(Debug, Clone)]
pub struct SealVerifier {
    key: VerifyingKey,
    z: [u8; 32],
}

impl SealVerifier {
    /// From a public key as SEC1 (with or without the `04` prefix, uncompressed).
    pub fn new(public_key: &[u8]) -> Result<SealVerifier, SealError> {
        let pk: Vec<u8> = if public_key.len() == 64 {
            std::iter::once(4u8)
                .chain(public_key.iter().copied())
                .collect()
        } else {
            public_key.to_vec()
        };
        let key = VerifyingKey::from_sec1_bytes(DEFAULT_ID, &pk).map_err(|_| SealError::BadKey)?;
        let point = key.to_sec1_bytes();
        let Some(xy) = point.get(1..65) else {
            return Err(SealError::BadKey);
        };
        let id_bits = u16::try_from(DEFAULT_ID.len() * 8).map_err(|_| SealError::BadKey)?;
        let mut h = Sm3::new();
        h.update(id_bits.to_be_bytes());
        h.update(DEFAULT_ID.as_bytes());
        h.update(CURVE_ABG);
        h.update(xy);
        Ok(SealVerifier {
            key,
            z: h.finalize().into(),
        })
    }

    /// `e = SM3(Z ‖ message)`, what the signature is over.
    pub fn digest(&self, message: &[u8]) -> [u8; 32] {
        let mut h = Sm3::new_with_prefix(self.z);
        h.update(message);
        h.finalize().into()
    }

    /// Checks `signature` against a digest made by [`SealVerifier::digest`] with this key.
    pub fn verify_digest(&self, e: &[u8; 32], signature: &Signature) -> Result<(), SealError> {
        self.key
            .verify_prehash(e, signature)
            .map_err(|_| SealError::BadSignature)
    }
}

/// A DER (or raw 64-byte `r ‖ s`) signature.
pub fn parse_signature(signature: &[u8]) -> Result<Signature, SealError> {
    if signature.len() == 64 {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    }
    .map_err(|_| SealError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    /// GM/T 0003.5-2012 附录A / GB/T 32918.5-2017 附录A (docs/standards/sm-crypto.md §12.6).
    #[test]
    fn the_published_vector_verifies() {
        let px = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
        let py = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
        let public = unhex(&format!("04{px}{py}"));
        let der = unhex(
            "3046022100F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
             022100B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA",
        );
        assert_eq!(verify(&public, b"message digest", &der), Ok(()));
        // Raw r‖s and a public key without 04 are accepted too.
        let raw = unhex(
            "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
             B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA",
        );
        assert_eq!(verify(&public[1..], b"message digest", &raw), Ok(()));
        // Another message, or the private key of the vector signing its public key, agree.
        assert_eq!(
            verify(&public, b"message digesT", &der),
            Err(SealError::BadSignature)
        );
        let d = unhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
        let key = SealKey::from_bytes(&d).unwrap();
        assert_eq!(key.public_key(), public);

        // The split check agrees: Z computed here, e = SM3(Z ‖ M), then the curve.
        let v = SealVerifier::new(&public).unwrap();
        let sig = parse_signature(&der).unwrap();
        assert_eq!(v.verify_digest(&v.digest(b"message digest"), &sig), Ok(()));
        assert_eq!(
            v.verify_digest(&v.digest(b"message digesT"), &sig),
            Err(SealError::BadSignature)
        );
        let v = SealVerifier::new(&public[1..]).unwrap();
        let raw = parse_signature(&raw).unwrap();
        assert_eq!(v.verify_digest(&v.digest(b"message digest"), &raw), Ok(()));
    }

    #[test]
    fn the_split_check_agrees_with_the_crate_for_fresh_keys() {
        for i in 0..8u8 {
            let key = SealKey::generate().unwrap();
            let msg = vec![i; usize::from(i) * 37];
            let sig = key.sign(&msg);
            let v = SealVerifier::new(&key.public_key()).unwrap();
            let parsed = parse_signature(&sig).unwrap();
            assert_eq!(verify(&key.public_key(), &msg, &sig), Ok(()));
            assert_eq!(v.verify_digest(&v.digest(&msg), &parsed), Ok(()));
            let other = SealKey::generate().unwrap();
            let w = SealVerifier::new(&other.public_key()).unwrap();
            assert!(w.verify_digest(&w.digest(&msg), &parsed).is_err());
        }
        assert_eq!(SealVerifier::new(&[4, 1, 2]).err(), Some(SealError::BadKey));
        assert_eq!(
            parse_signature(&[0x30, 0x00]).err(),
            Some(SealError::BadSignature)
        );
    }

    #[test]
    fn sign_and_verify_round_trip() {
        let key = SealKey::generate().unwrap();
        let sig = key.sign("营业执照|91440802MA5XXXXX".as_bytes());
        assert_eq!(
            verify(
                &key.public_key(),
                "营业执照|91440802MA5XXXXX".as_bytes(),
                &sig
            ),
            Ok(())
        );
        assert!(verify(&key.public_key(), b"other", &sig).is_err());
        let again = SealKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(verify(&[1, 2, 3], b"x", &sig).is_err());
        assert!(verify(&key.public_key(), b"x", &[0x30, 0x00]).is_err());
    }
}
