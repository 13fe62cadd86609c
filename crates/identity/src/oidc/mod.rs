//! Single sign-on for department systems (单点登录): Yiwang as an OpenID Connect provider.
//!
//! A system administrator registers a department's system as a *client*: its exact redirect
//! addresses, the scopes it may ask for, and whether it is confidential (it gets a secret, shown
//! once, kept as an argon2id hash) or public (no secret; PKCE only). The system sends a member of
//! staff to the authorization endpoint (authorization code flow; PKCE with `S256` is required of
//! every client); once they are signed in to Yiwang, the system gets a one-time code (valid 60 s),
//! which it exchanges with its secret and the PKCE verifier for
//!
//! * an **ID token**: a JWT signed with ES256 (ECDSA P-256, SHA-256; the client libraries know
//!   no SM2) carrying `iss`, `sub` (`staff:<account id>`, stable), `aud`, `exp`, `iat`,
//!   `auth_time`, `nonce`, `at_hash`, and the claims of the granted scopes: `profile` → `name`,
//!   `preferred_username`; `department` → `department_id`, `department_name`, `division_code`;
//! * an **access token**: opaque (32 random bytes), stored only as its SM3 hash, valid 10 min,
//!   good for the userinfo endpoint only. Opaque rather than a JWT so that it can be revoked: a
//!   replayed code revokes the tokens issued for it (RFC 6749 §4.1.2), and deactivating a client
//!   ends its tokens at once.
//!
//! The signing key is generated on first use and stored (`oidc_signing_keys`); every key ever
//! used stays published in the JWKS. There is no consent screen (clients are registered by the
//! administration, not by third parties) and no refresh token. Yiwang says *who* the member of
//! staff is; what they may do in the department system is for that system to decide.
//!
//! Every registration, deactivation, code, token, userinfo answer and refusal is audited.
//! Errors carry the `oidc.*` codes of the kernel's catalog; the part after `oidc.` is the
//! protocol's own error code.
//!
//! Owns the tables `oidc_clients`, `oidc_codes`, `oidc_access_tokens`, `oidc_signing_keys`.
//! Knows nothing of HTTP: the web layer turns requests into the types here and errors into
//! protocol answers.//!
//! The module is split by job: [`clients`] (registration, client authentication), [`codes`]
//! (the authorization endpoint, PKCE), [`tokens`] (the token and userinfo endpoints, claims),
//! [`keys`] (the signing key, JWKS, JWS) and [`repo`] (every SQL statement).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record_now};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::{Error, ErrorCode};
use yiwang_store::Db;

mod clients;
mod codes;
mod keys;
mod repo;
mod tokens;

pub use clients::check_redirect_uri;
pub use codes::pkce_matches;

/// The only token signing algorithm.
pub const ALG: &str = "ES256";
/// Scopes a client may be registered for; `openid` is always included.
pub const SCOPES: &[&str] = &["openid", "profile", "department"];
/// How long an authorization code is valid.
pub const CODE_TTL: Duration = Duration::seconds(60);
/// How long ID and access tokens are valid.
pub const TOKEN_TTL: Duration = Duration::minutes(10);
/// Unused and expired codes and tokens are deleted this long after they expire (a replayed code
/// is still recognised, and its tokens revoked, until then).
const KEEP_EXPIRED: Duration = Duration::days(1);
/// Most redirect addresses one client may register.
const MAX_REDIRECTS: usize = 10;

/// Single sign-on for department systems.
#[derive(Clone)]
pub struct OidcService {
    db: Db,
    clock: Arc<dyn Clock>,
    issuer: Arc<str>,
    key: Arc<tokio::sync::Mutex<Option<Arc<keys::KeyEntry>>>>,
    /// The node's key ring: the signing key's private half is stored sealed with SM4 under it.
    keys: crate::Keys,
}

/// Associated data of the sealed signing key.
pub(crate) const SIGNING_KEY_CONTEXT: &str = "oidc.signing_key";

impl std::fmt::Debug for OidcService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcService")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OidcClient {
    pub client_id: String,
    pub name: String,
    pub department_id: i64,
    /// Exact redirect addresses; a request's `redirect_uri` must equal one of them byte for byte.
    pub redirect_uris: Vec<String>,
    /// A public client has no secret and is authenticated by PKCE alone.
    pub public: bool,
    /// Scopes the system may ask for.
    pub scopes: Vec<String>,
    pub active: bool,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A newly registered client and its secret (shown this once, never again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredClient {
    #[serde(flatten)]
    pub client: OidcClient,
    /// The client secret of a confidential client (`null` for a public client). Yiwang keeps
    /// only its hash: store it now.
    pub client_secret: Option<String>,
}

/// What an administrator fills in to register a department system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ClientInput {
    pub name: String,
    /// The department that runs the system.
    pub department_id: i64,
    /// `https://` addresses (plain `http://` only for loopback hosts), no fragment.
    pub redirect_uris: Vec<String>,
    /// A public client (runs on people's devices; no secret, PKCE only).
    pub public: bool,
    /// Scopes from `openid`, `profile`, `department`; empty means all of them.
    pub scopes: Vec<String>,
}

/// The parameters of an authorization request (empty values count as absent).
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    /// Seconds since the person's sign-in beyond which they must sign in again.
    pub max_age: Option<String>,
    /// Parameters that appeared more than once (refused, RFC 6749 §3.1).
    pub repeated: Vec<String>,
}

impl AuthorizeRequest {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> AuthorizeRequest {
        let mut r = AuthorizeRequest::default();
        for (k, v) in pairs {
            if v.is_empty() {
                continue;
            }
            let slot = match k.as_str() {
                "response_type" => &mut r.response_type,
                "client_id" => &mut r.client_id,
                "redirect_uri" => &mut r.redirect_uri,
                "scope" => &mut r.scope,
                "state" => &mut r.state,
                "nonce" => &mut r.nonce,
                "code_challenge" => &mut r.code_challenge,
                "code_challenge_method" => &mut r.code_challenge_method,
                "prompt" => &mut r.prompt,
                "max_age" => &mut r.max_age,
                _ => continue,
            };
            if slot.is_some() {
                r.repeated.push(k);
            } else {
                *slot = Some(v);
            }
        }
        r
    }
}

impl AuthorizeRequest {
    /// The query of the request to repeat after a fresh sign-in: `prompt=login` and `max_age`
    /// are satisfied by that sign-in, and asking again would send the person round in circles.
    /// The previous session has been ended, so the shorter request cannot skip the sign-in.
    pub fn after_sign_in(query: &str) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "max_age" => {}
                "prompt" => {
                    let rest: Vec<&str> = v.split_whitespace().filter(|p| *p != "login").collect();
                    if !rest.is_empty() {
                        out.append_pair(&k, &rest.join(" "));
                    }
                }
                _ => {
                    out.append_pair(&k, &v);
                }
            }
        }
        out.finish()
    }
}

/// Where the authorization endpoint sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// Back to the department system: with a code, or with a protocol error.
    Redirect(String),
    /// Nobody is signed in: sign in, then repeat the request. `fresh`: the request asked for
    /// a new sign-in (`prompt=login`, or `max_age` exceeded): the current session, if any, is
    /// to be ended first, and the repeated request is [`AuthorizeRequest::after_sign_in`].
    SignInRequired { fresh: bool },
}

/// The parameters of a token request.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Client id and secret from an `Authorization: Basic` header, already decoded.
    pub basic: Option<(String, String)>,
    pub repeated: Vec<String>,
}

impl TokenRequest {
    /// From the form fields; `basic` is filled in by the caller.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> TokenRequest {
        let mut r = TokenRequest::default();
        for (k, v) in pairs {
            if v.is_empty() {
                continue;
            }
            let slot = match k.as_str() {
                "grant_type" => &mut r.grant_type,
                "code" => &mut r.code,
                "redirect_uri" => &mut r.redirect_uri,
                "code_verifier" => &mut r.code_verifier,
                "client_id" => &mut r.client_id,
                "client_secret" => &mut r.client_secret,
                _ => continue,
            };
            if slot.is_some() {
                r.repeated.push(k);
            } else {
                *slot = Some(v);
            }
        }
        r
    }
}

/// A successful token answer (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
}

fn err(code: ErrorCode, zh: &str, en: &str) -> Error {
    Error::new(code).with_detail(zh, en)
}

/// The stable subject identifier of a member of staff.
pub fn subject(account_id: i64) -> String {
    format!("staff:{account_id}")
}

impl OidcService {
    /// `issuer` is the public base address of Yiwang, e.g. `https://zwfw.zhanjiang.gov.cn`.
    pub fn new(db: Db, clock: Arc<dyn Clock>, issuer: &str, keys: crate::Keys) -> OidcService {
        OidcService {
            db,
            clock,
            issuer: issuer.trim_end_matches('/').into(),
            key: Arc::new(tokio::sync::Mutex::new(None)),
            keys,
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The discovery document (`/.well-known/openid-configuration`).
    pub fn discovery(&self) -> Json {
        let i = &self.issuer;
        json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/oidc/authorize"),
            "token_endpoint": format!("{i}/oidc/token"),
            "userinfo_endpoint": format!("{i}/oidc/userinfo"),
            "jwks_uri": format!("{i}/oidc/jwks"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALG],
            "scopes_supported": SCOPES,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
                "name", "preferred_username", "department_id", "department_name", "division_code",
            ],
            "authorization_response_iss_parameter_supported": true,
            "ui_locales_supported": ["zh-CN", "en"],
        })
    }

    /// Records a refusal in its own transaction; a failing audit write is logged, and the
    /// refusal still answered.
    async fn refuse(&self, entry: Entry<'_>, e: Error) -> Error {
        let entry = entry.data(
            json!({ "error": e.code.as_str(), "detail": e.message(yiwang_kernel::i18n::Lang::En) }),
        );
        if let Err(le) = record_now(&self.db, &entry, self.clock.now()).await {
            tracing::error!(error = %le, "audit write failed");
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_noticed_and_empty_ones_ignored() {
        let r = AuthorizeRequest::from_pairs(
            [
                ("client_id", "a"),
                ("scope", "openid"),
                ("scope", "openid profile"),
                ("nonce", ""),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        assert_eq!(r.client_id.as_deref(), Some("a"));
        assert_eq!(r.repeated, vec!["scope".to_string()]);
        assert_eq!(r.nonce, None);
    }
}
