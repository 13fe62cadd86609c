//! SM2 seals (docs/standards/sm-crypto.md §12.4): SM2DSA over `SM3(Z ‖ M)` with the default distinguishing ID
//! `1234567812345678` (GM/T 0009), DER signatures, public keys as uncompressed SEC1
//! (`04 ‖ x ‖ y`, 65 bytes).

use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::Generate;
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
    let sig = if signature.len() == 64 {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    }
    .map_err(|_| SealError::BadSignature)?;
    vk.verify(message, &sig)
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
