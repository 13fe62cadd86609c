//! Two complete service sets and routers on one database — two replicas behind a load balancer
//! (docs/replicas.md): a request may land on either. Sessions, Open311 keys revoked on the
//! other node, OpenID Connect signing keys (one key however many nodes start at once, tokens
//! from one verified with the other's JWKS) and a data-key rotation on the other node.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;
use yiwang_kernel::auth::Ctx;

use crate::harness::World;
use crate::oidc::{CALLBACK, VERIFIER, code_for, exchange, register, token_form, userinfo};
use crate::open311::{good_post, json_error, post};

/// Checks an ES256 JWT's signature against the key of its `kid` in `jwks`; answers the kid.
fn verify_with(jwt: &str, jwks: &Value) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
    let kid = header["kid"].as_str().unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
    let mut sec1 = vec![4u8];
    sec1.extend(B64.decode(jwk["x"].as_str().unwrap()).unwrap());
    sec1.extend(B64.decode(jwk["y"].as_str().unwrap()).unwrap());
    let vk = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
    let sig = Signature::from_slice(&B64.decode(parts[2]).unwrap()).unwrap();
    vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .unwrap();
    kid.to_string()
}

async fn jwks(w: &World) -> Value {
    let r = w.get(&w.anonymous(), "/oidc/jwks").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn an_open311_key_revoked_on_one_node_is_refused_on_the_other() {
    let (a, _) = crate::open311::world().await;
    let b = a.replica(a.keys.clone());
    assert_ne!(a.state.node.id(), b.state.node.id());
    let sys = Ctx::system("test");
    let (view, key) = a
        .state
        .appeals
        .issue_key(&sys, "网格通App", "")
        .await
        .unwrap();
    // B learns the key (and remembers it) by using it.
    for w in [&b, &a, &b] {
        let ok = post(w, "/open311/v2/requests.json", &good_post(&key)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    }
    // Revoked on A: B refuses it at its next request, though B had it remembered.
    a.state.appeals.revoke_key(&sys, view.id).await.unwrap();
    json_error(
        &post(&b, "/open311/v2/requests.json", &good_post(&key)).await,
        403,
    );
    // A bad request with the revoked key answers the key first on B as well.
    let mut bad = good_post(&key);
    bad.retain(|(k, _)| *k != "description");
    json_error(&post(&b, "/open311/v2/requests.json", &bad).await, 403);
    json_error(
        &post(&a, "/open311/v2/requests.json", &good_post(&key)).await,
        403,
    );
}

#[tokio::test]
async fn one_oidc_signing_key_and_tokens_verify_on_either_node() {
    let a = World::new().await;
    let b = a.replica(a.keys.clone());
    let c = a.replica(a.keys.clone());
    // Three nodes meet the first OIDC request at the same moment: one signing key.
    let (ja, jb, jc) = tokio::join!(jwks(&a), jwks(&b), jwks(&c));
    assert_eq!(ja["keys"].as_array().unwrap().len(), 1, "{ja}");
    assert_eq!(ja, jb);
    assert_eq!(ja, jc);
    // A member of staff signs in on A; the system's requests land on B, then C, then A.
    let reg = register(&a, false, &[CALLBACK]).await;
    let (id, secret) = (
        reg["client_id"].as_str().unwrap(),
        reg["client_secret"].as_str().unwrap(),
    );
    let editor = a.sign_in("editor").await;
    let code = code_for(&b, &editor, id).await;
    let r = exchange(&c, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let tokens = r.json();
    let id_token = tokens["id_token"].as_str().unwrap();
    // Signed on C, verified with the keys A and B publish.
    let kid = verify_with(id_token, &jwks(&a).await);
    assert_eq!(verify_with(id_token, &jwks(&b).await), kid);
    let access = tokens["access_token"].as_str().unwrap();
    for w in [&a, &b] {
        assert_eq!(userinfo(w, access).await.status(), StatusCode::OK);
    }
    // A replayed code on B revokes the token C issued, everywhere.
    let r = exchange(&b, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for w in [&a, &b, &c] {
        assert_eq!(userinfo(w, access).await.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_data_key_rotated_on_one_node_is_used_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let a = World::with_keys(yiwang_identity::Keys::load(dir.path()).unwrap()).await;
    // B started from the same key file, and has not used the OIDC key yet.
    let b = a.replica(yiwang_identity::Keys::load(dir.path()).unwrap());
    let before = jwks(&a).await;
    let old = a.keys.current_key_id();
    let sys = Ctx::system("test");
    let (new, rewrapped) = a.state.identity.rotate_keys(&sys).await.unwrap();
    assert_ne!(new, old);
    assert!(rewrapped >= 1, "the OIDC signing key is rewrapped");
    // B meets the signing key sealed under a key it does not know: it reloads the key file.
    let reg = register(&b, false, &[CALLBACK]).await;
    let (id, secret) = (
        reg["client_id"].as_str().unwrap(),
        reg["client_secret"].as_str().unwrap(),
    );
    let editor = b.sign_in("editor").await;
    let code = code_for(&b, &editor, id).await;
    let r = exchange(&b, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let id_token = r.json()["id_token"].as_str().unwrap().to_string();
    // The same signing key as before the rotation, published by both.
    verify_with(&id_token, &before);
    assert_eq!(jwks(&b).await, before);
    // A third node, started before the rotation and idle since: its heartbeat re-reads the key
    // file and seals new values under the new key from then on.
    let c = a.replica(yiwang_identity::Keys::load(dir.path()).unwrap());
    let stale = yiwang_identity::Keys::load(dir.path()).unwrap();
    assert_eq!(c.keys.current_key_id(), new);
    assert!(!c.keys.refresh().unwrap());
    let d = a.replica(stale);
    a.state.identity.rotate_keys(&sys).await.unwrap();
    assert!(d.keys.refresh().unwrap());
    assert_eq!(d.keys.current_key_id(), a.keys.current_key_id());
    let sealed = d.keys.seal("people.phone", "13800138000").unwrap();
    assert!(
        sealed.starts_with(&format!("v1.{}.", a.keys.current_key_id())),
        "{sealed}"
    );
}
