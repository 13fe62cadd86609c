//! The token signing key: generated on first use, stored sealed under the node's key ring,
//! published with every earlier key in the JWKS; compact JWS (ES256) signing.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::{Error, ErrorCode, Result};
use yiwang_store::Conn;

use super::{ALG, OidcService, SIGNING_KEY_CONTEXT, repo};

/// The active signing key (never printed).
pub(super) struct KeyEntry {
    pub kid: String,
    pub key: SigningKey,
}

/// The public half of a key as a JWK, and its RFC 7638 thumbprint (used as `kid`).
pub(super) fn public_jwk(key: &VerifyingKey) -> Result<(String, Json)> {
    let point = key.to_sec1_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(Error::internal("P-256 public key without coordinates"));
    };
    let (x, y) = (B64.encode(x), B64.encode(y));
    // RFC 7638: the required members in lexicographic order, no white space.
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = B64.encode(Sha256::digest(canonical.as_bytes()));
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "x": x, "y": y,
        "kid": kid, "use": "sig", "alg": ALG,
    });
    Ok((kid, jwk))
}

/// A compact JWS (ES256): `b64(header).b64(claims).b64(r ‖ s)`.
pub(super) fn sign_jwt(key: &KeyEntry, claims: &Map<String, Json>) -> Result<String> {
    let header = json!({ "alg": ALG, "typ": "JWT", "kid": key.kid });
    let input = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(&header).map_err(Error::internal)?),
        B64.encode(serde_json::to_vec(claims).map_err(Error::internal)?)
    );
    let sig: Signature = key.key.sign(input.as_bytes());
    Ok(format!("{input}.{}", B64.encode(sig.to_bytes())))
}

impl OidcService {
    /// The published keys (`/oidc/jwks`): every key ever used, newest first.
    pub async fn jwks(&self) -> Result<Json> {
        self.signing_key().await?;
        let mut c = self.db.clone();
        let keys = repo::public_jwks(&mut c)
            .await?
            .into_iter()
            .map(|j| serde_json::from_str::<Json>(&j).map_err(Error::internal))
            .collect::<Result<Vec<_>>>()?;
        Ok(json!({ "keys": keys }))
    }

    async fn active_key(&self, c: &mut impl Conn) -> Result<Option<KeyEntry>> {
        match repo::active_key(c).await? {
            None => Ok(None),
            Some((kid, sealed)) => {
                let pem = self.keys.open(SIGNING_KEY_CONTEXT, &sealed)?;
                let key = SigningKey::from_pkcs8_pem(&pem)
                    .map_err(|e| Error::internal(format!("oidc signing key {kid}: {e}")))?;
                Ok(Some(KeyEntry { kid, key }))
            }
        }
    }

    /// The active signing key: loaded once, generated and stored on first use.
    pub(super) async fn signing_key(&self) -> Result<Arc<KeyEntry>> {
        let mut slot = self.key.lock().await;
        if let Some(k) = slot.as_ref() {
            return Ok(k.clone());
        }
        let k = Arc::new(self.load_or_create_key().await?);
        *slot = Some(k.clone());
        Ok(k)
    }

    async fn load_or_create_key(&self) -> Result<KeyEntry> {
        let mut c = self.db.clone();
        if let Some(k) = self.active_key(&mut c).await? {
            return Ok(k);
        }
        let key = SigningKey::try_generate().map_err(Error::internal)?;
        let (kid, jwk) = public_jwk(key.verifying_key())?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| Error::internal(format!("pkcs8: {e}")))?;
        // The private key is stored only sealed (SM4-GCM) under the node's key ring.
        let pem = self.keys.seal(SIGNING_KEY_CONTEXT, &pem)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if let Some(k) = self.active_key(&mut tx).await? {
            return Ok(k);
        }
        match repo::insert_key(&mut tx, &kid, &jwk.to_string(), pem.as_str(), now).await {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::Duplicate => {
                // Another node generated the first key at the same moment: use theirs.
                drop(tx);
                return self
                    .active_key(&mut c)
                    .await?
                    .ok_or_else(|| Error::internal("oidc signing key vanished"));
            }
            Err(e) => return Err(e),
        }
        record(
            &mut tx,
            &Entry::success(
                &Actor::system("oidc"),
                "oidc.key.create",
                format!("oidc_key:{kid}"),
            )
            .data(json!({ "algorithm": ALG })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(KeyEntry { kid, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn tokens_are_es256_jws_verifiable_with_the_published_key() {
        let key = SigningKey::try_generate().unwrap();
        let (kid, jwk) = public_jwk(key.verifying_key()).unwrap();
        assert_eq!(jwk["kid"], kid.as_str());
        assert_eq!(kid.len(), 43);
        let entry = KeyEntry {
            kid: kid.clone(),
            key: key.clone(),
        };
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("staff:1"));
        let jwt = sign_jwt(&entry, &claims).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Json = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], kid.as_str());
        let sig_bytes = B64.decode(parts[2]).unwrap();
        assert_eq!(sig_bytes.len(), 64);
        let sig = Signature::from_slice(&sig_bytes).unwrap();
        // Rebuild the verifying key from the JWK alone.
        let mut sec1 = vec![4u8];
        sec1.extend(B64.decode(jwk["x"].as_str().unwrap()).unwrap());
        sec1.extend(B64.decode(jwk["y"].as_str().unwrap()).unwrap());
        let vk = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        // PKCS#8 round trip.
        let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        let back = SigningKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.verifying_key(), key.verifying_key());
    }
}
