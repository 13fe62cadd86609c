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
//! protocol answers.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use yiwang_audit::{Entry, record, record_now};
use yiwang_kernel::auth::{Actor, Ctx, Permission, Scope, Target};
use yiwang_kernel::clock::Clock;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_org::service::department_in;
use yiwang_store::{Conn, Db, Sql, args, like_prefix};

use crate::password;
use crate::service::{random_token, token_hash};

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
    key: Arc<tokio::sync::Mutex<Option<Arc<KeyEntry>>>>,
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

/// The active signing key (never printed).
struct KeyEntry {
    kid: String,
    key: SigningKey,
}

/// A registered department system, as shown to administrators.
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

/// Where the authorization endpoint sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// Back to the department system: with a code, or with a protocol error.
    Redirect(String),
    /// Nobody is signed in: sign in, then repeat the same request.
    SignInRequired,
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

#[derive(Debug, sqlx::FromRow)]
struct ClientRow {
    client_id: String,
    name: String,
    department_id: i64,
    redirect_uris: String,
    secret_hash: Option<String>,
    public_client: bool,
    scopes: String,
    active: bool,
    created_by: String,
    created_at: OffsetDateTime,
}

const CLIENT_COLS: &str = "c.client_id, c.name, c.department_id, c.redirect_uris, c.secret_hash, \
     c.public_client, c.scopes, c.active, c.created_by, c.created_at";

impl ClientRow {
    fn redirects(&self) -> Vec<String> {
        serde_json::from_str(&self.redirect_uris).unwrap_or_default()
    }

    fn scopes(&self) -> Vec<&str> {
        self.scopes.split_whitespace().collect()
    }

    fn view(&self) -> OidcClient {
        OidcClient {
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            department_id: self.department_id,
            redirect_uris: self.redirects(),
            public: self.public_client,
            scopes: self.scopes().into_iter().map(str::to_string).collect(),
            active: self.active,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
        }
    }

    fn object(&self) -> String {
        format!("oidc_client:{}", self.client_id)
    }
}

#[derive(Debug, sqlx::FromRow)]
struct CodeRow {
    client_id: String,
    account_id: i64,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    scope: String,
    auth_time: OffsetDateTime,
    expires_at: OffsetDateTime,
}

#[derive(Debug, sqlx::FromRow)]
struct AccessRow {
    client_id: String,
    account_id: i64,
    scope: String,
    expires_at: OffsetDateTime,
    revoked: bool,
    client_active: bool,
}

/// What the tokens say about a member of staff.
#[derive(Debug, sqlx::FromRow)]
struct StaffRow {
    id: i64,
    username: String,
    name: String,
    department_id: i64,
    department_name: String,
    division_code: String,
    active: bool,
}

fn err(code: ErrorCode, zh: &str, en: &str) -> Error {
    Error::new(code).with_detail(zh, en)
}

/// The stable subject identifier of a member of staff.
pub fn subject(account_id: i64) -> String {
    format!("staff:{account_id}")
}

/// PKCE (RFC 7636 §4.6): `BASE64URL(SHA-256(verifier)) == challenge`, in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = B64.encode(Sha256::digest(verifier.as_bytes()));
    computed.len() == challenge.len()
        && computed
            .bytes()
            .zip(challenge.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A code verifier has 43 to 128 unreserved characters (RFC 7636 §4.1).
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 challenge is the base64url form of a SHA-256 digest: 43 characters.
fn valid_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `at_hash`: the left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6).
fn at_hash(access_token: &str) -> String {
    let d = Sha256::digest(access_token.as_bytes());
    B64.encode(&d[..16])
}

/// Checks a redirect address an administrator registers: absolute, `https` (or `http` on a
/// loopback host, for systems under development), no fragment, no user name or password.
pub fn check_redirect_uri(field: &str, s: &str) -> std::result::Result<String, FieldError> {
    let bad = || {
        FieldError::new(
            field,
            "redirect_uri.format",
            "回调地址须为完整的 https:// 地址（仅本机地址可用 http://），不能包含 # 片段或账号密码",
            "A redirect address is an absolute https:// address (http:// only for loopback hosts), without a #fragment or credentials",
        )
    };
    let s = s.trim();
    if s.is_empty() || s.len() > 500 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad());
    }
    let u = url::Url::parse(s).map_err(|_| bad())?;
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad()),
    };
    let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && loopback);
    if !scheme_ok || u.fragment().is_some() || !u.username().is_empty() || u.password().is_some() {
        return Err(bad());
    }
    Ok(s.to_string())
}

/// `redirect_uri` with the answer's parameters added to its query.
fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Result<String> {
    let mut u = url::Url::parse(redirect_uri).map_err(Error::internal)?;
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Ok(u.to_string())
}

/// The public half of a key as a JWK, and its RFC 7638 thumbprint (used as `kid`).
fn public_jwk(key: &VerifyingKey) -> Result<(String, Json)> {
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
fn sign_jwt(key: &KeyEntry, claims: &Map<String, Json>) -> Result<String> {
    let header = json!({ "alg": ALG, "typ": "JWT", "kid": key.kid });
    let input = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(&header).map_err(Error::internal)?),
        B64.encode(serde_json::to_vec(claims).map_err(Error::internal)?)
    );
    let sig: Signature = key.key.sign(input.as_bytes());
    Ok(format!("{input}.{}", B64.encode(sig.to_bytes())))
}

/// The claims of the granted scopes.
fn scope_claims(s: &StaffRow, scope: &str) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("sub".into(), json!(subject(s.id)));
    for sc in scope.split_whitespace() {
        match sc {
            "profile" => {
                m.insert("name".into(), json!(s.name));
                m.insert("preferred_username".into(), json!(s.username));
            }
            "department" => {
                m.insert("department_id".into(), json!(s.department_id));
                m.insert("department_name".into(), json!(s.department_name));
                m.insert("division_code".into(), json!(s.division_code));
            }
            _ => {}
        }
    }
    m
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

    /// The published keys (`/oidc/jwks`): every key ever used, newest first.
    pub async fn jwks(&self) -> Result<Json> {
        self.signing_key().await?;
        let mut c = self.db.clone();
        let rows: Vec<(String,)> = c
            .fetch_all(
                "SELECT public_jwk FROM oidc_signing_keys ORDER BY created_at DESC, kid",
                args![],
            )
            .await?;
        let keys = rows
            .into_iter()
            .map(|(j,)| serde_json::from_str::<Json>(&j).map_err(Error::internal))
            .collect::<Result<Vec<_>>>()?;
        Ok(json!({ "keys": keys }))
    }

    async fn active_key(&self, c: &mut impl Conn) -> Result<Option<KeyEntry>> {
        let row: Option<(String, String)> = c
            .fetch_optional(
                "SELECT kid, private_key FROM oidc_signing_keys WHERE algorithm = $1 AND active = $2",
                args![ALG, true],
            )
            .await?;
        match row {
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
    async fn signing_key(&self) -> Result<Arc<KeyEntry>> {
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
        let inserted = tx
            .execute(
                "INSERT INTO oidc_signing_keys (kid, algorithm, public_jwk, private_key, created_at, active) VALUES ($1, $2, $3, $4, $5, $6)",
                args![&kid, ALG, jwk.to_string(), pem.as_str(), now, true],
            )
            .await;
        match inserted {
            Ok(_) => {}
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

    async fn client_row(c: &mut impl Conn, client_id: &str) -> Result<Option<ClientRow>> {
        c.fetch_optional(
            &format!("SELECT {CLIENT_COLS} FROM oidc_clients c WHERE c.client_id = $1"),
            args![client_id],
        )
        .await
    }

    async fn staff_row(c: &mut impl Conn, account_id: i64) -> Result<Option<StaffRow>> {
        c.fetch_optional(
            "SELECT a.id, a.username, a.name, a.department_id, d.name AS department_name, d.division_code, a.active \
             FROM staff_accounts a JOIN departments d ON d.id = a.department_id WHERE a.id = $1",
            args![account_id],
        )
        .await
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

    // ---- Administration ------------------------------------------------------------------

    /// Registers a department system (system administrators, for departments in their
    /// division). A confidential client's secret is in the answer, and nowhere else ever.
    pub async fn register_client(
        &self,
        ctx: &Ctx,
        input: &ClientInput,
    ) -> Result<RegisteredClient> {
        let mut c = self.db.clone();
        let dept = department_in(&mut c, input.department_id).await?;
        let allowed = match &dept {
            Some(d) => ctx.actor.require_on(
                Permission::OidcClientsManage,
                Target {
                    department_id: Some(d.id),
                    division: &d.division_code,
                },
            ),
            None => ctx.actor.require(Permission::OidcClientsManage),
        };
        if let Err(e) = allowed {
            let entry = Entry::failure(&ctx.actor, "auth.denied", "oidc_client:new")
                .source(&ctx.source)
                .data(json!({ "attempted": "oidc.client.create" }));
            if let Err(le) = record_now(&self.db, &entry, self.clock.now()).await {
                tracing::error!(error = %le, "audit write failed");
            }
            return Err(e);
        }
        let mut errs = Vec::new();
        let name = match text::required("name", &input.name, 100) {
            Ok(n) => n,
            Err(e) => {
                errs.push(e);
                String::new()
            }
        };
        if dept.is_none() {
            errs.push(FieldError::new(
                "department_id",
                "department.unknown",
                "部门不存在",
                "The department does not exist",
            ));
        }
        let mut redirects: Vec<String> = Vec::new();
        if input.redirect_uris.is_empty() {
            errs.push(FieldError::required("redirect_uris"));
        } else if input.redirect_uris.len() > MAX_REDIRECTS {
            errs.push(FieldError::new(
                "redirect_uris",
                "max_items",
                format!("回调地址最多 {MAX_REDIRECTS} 个"),
                format!("At most {MAX_REDIRECTS} redirect addresses"),
            ));
        }
        for (i, r) in input.redirect_uris.iter().enumerate() {
            let field = format!("redirect_uris[{i}]");
            match check_redirect_uri(&field, r) {
                Ok(u) if redirects.contains(&u) => errs.push(FieldError::new(
                    field,
                    "duplicate",
                    "回调地址重复",
                    "This redirect address is listed twice",
                )),
                Ok(u) => redirects.push(u),
                Err(e) => errs.push(e),
            }
        }
        let mut scopes = vec!["openid".to_string()];
        let asked: Vec<&str> = if input.scopes.is_empty() {
            SCOPES.to_vec()
        } else {
            input.scopes.iter().map(|s| s.trim()).collect()
        };
        for (i, s) in asked.iter().enumerate() {
            if !SCOPES.contains(s) {
                errs.push(FieldError::one_of(format!("scopes[{i}]"), SCOPES));
            } else if !scopes.iter().any(|x| x == s) {
                scopes.push(s.to_string());
            }
        }
        if !errs.is_empty() {
            return Err(Error::validation(errs));
        }
        let client_id = format!("ywc-{}", hex::encode(rand::random::<[u8; 10]>()));
        let secret = (!input.public).then(random_token);
        let secret_hash = match &secret {
            None => None,
            Some(s) => {
                let s = s.clone();
                Some(
                    tokio::task::spawn_blocking(move || password::hash(&s))
                        .await
                        .map_err(Error::internal)??,
                )
            }
        };
        let now = self.clock.now();
        let redirects_json = serde_json::to_string(&redirects).map_err(Error::internal)?;
        let scopes_text = scopes.join(" ");
        let created_by = ctx.actor.label();
        let mut tx = self.db.write().await?;
        tx.execute(
            "INSERT INTO oidc_clients (client_id, name, department_id, redirect_uris, secret_hash, public_client, scopes, active, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            args![&client_id, &name, input.department_id, &redirects_json, secret_hash, input.public, &scopes_text, true, &created_by, now],
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(
                &ctx.actor,
                "oidc.client.create",
                format!("oidc_client:{client_id}"),
            )
            .source(&ctx.source)
            .data(json!({
                "name": name,
                "department": input.department_id,
                "public": input.public,
                "redirect_uris": redirects,
                "scopes": scopes_text,
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(RegisteredClient {
            client: OidcClient {
                client_id,
                name,
                department_id: input.department_id,
                redirect_uris: redirects,
                public: input.public,
                scopes,
                active: true,
                created_by,
                created_at: now,
            },
            client_secret: secret,
        })
    }

    /// The department systems the caller may manage, oldest first.
    pub async fn list_clients(&self, ctx: &Ctx) -> Result<Vec<OidcClient>> {
        ctx.actor.require(Permission::OidcClientsManage)?;
        let mut q = Sql::new(&format!(
            "SELECT {CLIENT_COLS} FROM oidc_clients c JOIN departments d ON d.id = c.department_id WHERE 1 = 1"
        ));
        match ctx.actor.scope_of(Permission::OidcClientsManage) {
            Scope::Division(d) => {
                q.cond(
                    " AND d.division_code LIKE ? ESCAPE '\\'",
                    [like_prefix(d.prefix())],
                );
            }
            Scope::Department(id) => {
                q.cond(" AND c.department_id = ?", [id]);
            }
            Scope::Everything => {}
            Scope::Nothing => return Err(Error::forbidden()),
        }
        q.push(" ORDER BY c.id");
        let mut c = self.db.clone();
        let rows: Vec<ClientRow> = c.fetch_all(&q.text, &q.args).await?;
        Ok(rows.iter().map(ClientRow::view).collect())
    }

    /// Deactivates a department system: it can no longer sign anyone in, and its outstanding
    /// codes and access tokens stop working at once. Deactivating twice changes nothing.
    pub async fn deactivate_client(&self, ctx: &Ctx, client_id: &str) -> Result<OidcClient> {
        let denied = async |e: Error| {
            let entry = Entry::failure(
                &ctx.actor,
                "auth.denied",
                format!("oidc_client:{client_id}"),
            )
            .source(&ctx.source)
            .data(json!({ "attempted": "oidc.client.deactivate" }));
            if let Err(le) = record_now(&self.db, &entry, self.clock.now()).await {
                tracing::error!(error = %le, "audit write failed");
            }
            e
        };
        if let Err(e) = ctx.actor.require(Permission::OidcClientsManage) {
            return Err(denied(e).await);
        }
        let mut c = self.db.clone();
        let row = Self::client_row(&mut c, client_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let dept = department_in(&mut c, row.department_id)
            .await?
            .ok_or_else(|| Error::internal("client without department"))?;
        if let Err(e) = ctx.actor.require_on(
            Permission::OidcClientsManage,
            Target {
                department_id: Some(dept.id),
                division: &dept.division_code,
            },
        ) {
            return Err(denied(e).await);
        }
        if !row.active {
            return Ok(row.view());
        }
        let now = self.clock.now();
        let by = ctx.actor.label();
        let mut tx = self.db.write().await?;
        tx.execute(
            "UPDATE oidc_clients SET active = $1, deactivated_by = $2, deactivated_at = $3 WHERE client_id = $4",
            args![false, &by, now, client_id],
        )
        .await?;
        tx.execute(
            "UPDATE oidc_codes SET used = $1 WHERE client_id = $2",
            args![true, client_id],
        )
        .await?;
        tx.execute(
            "UPDATE oidc_access_tokens SET revoked = $1 WHERE client_id = $2",
            args![true, client_id],
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "oidc.client.deactivate", row.object()).source(&ctx.source),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(OidcClient {
            active: false,
            ..row.view()
        })
    }

    // ---- The authorization endpoint ------------------------------------------------------

    /// Handles an authorization request for the member of staff in `ctx` (signed in with the
    /// session `session_token`), or asks for sign-in first.
    ///
    /// An unknown or deactivated client, or a `redirect_uri` that is not registered exactly,
    /// is an error for the person in front of the browser (`oidc.invalid_redirect_uri`): the
    /// browser is never sent to an address Yiwang cannot vouch for. Every other problem goes
    /// back to the client as `error=…&state=…` on its redirect address.
    pub async fn authorize(
        &self,
        ctx: &Ctx,
        session_token: Option<&str>,
        req: &AuthorizeRequest,
    ) -> Result<AuthorizeOutcome> {
        let claimed = req.client_id.clone().unwrap_or_default();
        let object = format!("oidc_client:{claimed}");
        let page_error = |zh: &str, en: &str| err(ErrorCode::OidcInvalidRedirect, zh, en);
        let refuse_page = async |e: Error| {
            self.refuse(
                Entry::failure(&ctx.actor, "oidc.code.issue", object.clone()).source(&ctx.source),
                e,
            )
            .await
        };
        if req
            .repeated
            .iter()
            .any(|p| p == "client_id" || p == "redirect_uri")
        {
            return Err(refuse_page(page_error(
                "接入系统标识（client_id）或回调地址（redirect_uri）参数重复",
                "client_id or redirect_uri appears more than once",
            ))
            .await);
        }
        let mut c = self.db.clone();
        let client = match req.client_id.as_deref() {
            None => None,
            Some(id) => Self::client_row(&mut c, id).await?,
        };
        let Some(client) = client.filter(|c| c.active) else {
            return Err(refuse_page(page_error(
                "接入系统未注册或已停用",
                "The client is not registered or has been deactivated",
            ))
            .await);
        };
        let Some(redirect_uri) = req
            .redirect_uri
            .clone()
            .filter(|r| client.redirects().iter().any(|x| x == r))
        else {
            return Err(refuse_page(page_error(
                "回调地址未在该接入系统登记",
                "The redirect address is not registered for this client",
            ))
            .await);
        };
        let state = req.state.clone().unwrap_or_default();
        // From here on, problems are answered on the client's redirect address.
        let to_client = async |e: Error| {
            let e = self
                .refuse(
                    Entry::failure(&ctx.actor, "oidc.code.issue", client.object())
                        .source(&ctx.source),
                    e,
                )
                .await;
            let code = e.code.as_str().trim_start_matches("oidc.").to_string();
            let description = e.message(yiwang_kernel::i18n::Lang::En);
            let mut params = vec![
                ("error", code.as_str()),
                ("error_description", &description),
            ];
            if !state.is_empty() {
                params.push(("state", &state));
            }
            params.push(("iss", &self.issuer));
            redirect_with(&redirect_uri, &params).map(AuthorizeOutcome::Redirect)
        };
        let invalid = |zh: &str, en: &str| err(ErrorCode::OidcInvalidRequest, zh, en);
        if let Some(p) = req.repeated.first() {
            return to_client(invalid(
                &format!("参数 {p} 重复"),
                &format!("The parameter {p} appears more than once"),
            ))
            .await;
        }
        match req.response_type.as_deref() {
            Some("code") => {}
            None => {
                return to_client(invalid("缺少 response_type", "response_type is missing")).await;
            }
            Some(_) => {
                return to_client(Error::new(ErrorCode::OidcUnsupportedResponseType)).await;
            }
        }
        let scopes: Vec<&str> = req
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if !scopes.contains(&"openid") {
            return to_client(err(
                ErrorCode::OidcInvalidScope,
                "授权范围须包含 openid",
                "The scope must include openid",
            ))
            .await;
        }
        let allowed = client.scopes();
        if let Some(s) = scopes.iter().find(|s| !allowed.contains(s)) {
            return to_client(err(
                ErrorCode::OidcInvalidScope,
                &format!("该接入系统无权申请授权范围 {s}"),
                &format!("The client may not ask for the scope {s}"),
            ))
            .await;
        }
        if req.code_challenge_method.as_deref() != Some("S256") {
            return to_client(invalid(
                "须使用 PKCE（code_challenge_method=S256）",
                "PKCE is required (code_challenge_method=S256)",
            ))
            .await;
        }
        let Some(challenge) = req.code_challenge.clone().filter(|c| valid_challenge(c)) else {
            return to_client(invalid(
                "code_challenge 缺失或格式不正确",
                "code_challenge is missing or malformed",
            ))
            .await;
        };
        if state.len() > 1024 || req.nonce.as_deref().map(str::len).unwrap_or(0) > 512 {
            return to_client(invalid("state 或 nonce 过长", "state or nonce is too long")).await;
        }
        let prompts: Vec<&str> = req
            .prompt
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let Some(staff) = ctx.actor.staff() else {
            if prompts.contains(&"none") {
                return to_client(Error::new(ErrorCode::OidcLoginRequired)).await;
            }
            return Ok(AuthorizeOutcome::SignInRequired);
        };
        // Issue the code.
        let now = self.clock.now();
        let auth_time = match session_token {
            Some(t) => {
                let row: Option<(OffsetDateTime,)> = c
                    .fetch_optional(
                        "SELECT created_at FROM sessions WHERE token_hash = $1",
                        args![token_hash(t)],
                    )
                    .await?;
                row.map(|r| r.0).unwrap_or(now)
            }
            None => now,
        };
        let code = random_token();
        let scope = scopes.join(" ");
        let mut tx = self.db.write().await?;
        tx.execute(
            "DELETE FROM oidc_codes WHERE expires_at < $1",
            args![now - KEEP_EXPIRED],
        )
        .await?;
        tx.execute(
            "DELETE FROM oidc_access_tokens WHERE expires_at < $1",
            args![now - KEEP_EXPIRED],
        )
        .await?;
        tx.execute(
            "INSERT INTO oidc_codes (code_hash, client_id, account_id, redirect_uri, code_challenge, nonce, scope, auth_time, created_at, expires_at, used) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            args![token_hash(&code), &client.client_id, staff.user_id, &redirect_uri, &challenge, req.nonce.clone(), &scope, auth_time, now, now + CODE_TTL, false],
        )
        .await?;
        record(
            &mut tx,
            &Entry::success(&ctx.actor, "oidc.code.issue", client.object())
                .source(&ctx.source)
                .data(json!({ "scope": scope, "redirect_uri": redirect_uri })),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut params = vec![("code", code.as_str())];
        if !state.is_empty() {
            params.push(("state", &state));
        }
        params.push(("iss", &self.issuer));
        Ok(AuthorizeOutcome::Redirect(redirect_with(
            &redirect_uri,
            &params,
        )?))
    }

    // ---- The token endpoint --------------------------------------------------------------

    /// Authenticates the client of a token request: `client_secret_basic` or
    /// `client_secret_post` for a confidential client, `client_id` alone for a public one.
    async fn authenticate_client(&self, req: &TokenRequest) -> Result<ClientRow> {
        let invalid_client = |zh: &str, en: &str| err(ErrorCode::OidcInvalidClient, zh, en);
        let (id, secret) = match (&req.basic, &req.client_secret) {
            (Some(_), Some(_)) => {
                return Err(err(
                    ErrorCode::OidcInvalidRequest,
                    "只能使用一种接入系统认证方式",
                    "Use only one client authentication method",
                ));
            }
            (Some((id, s)), None) => {
                if req.client_id.as_deref().is_some_and(|b| b != id) {
                    return Err(invalid_client(
                        "client_id 与认证信息不一致",
                        "client_id differs from the Authorization header",
                    ));
                }
                (id.clone(), Some(s.clone()).filter(|s| !s.is_empty()))
            }
            (None, s) => match &req.client_id {
                Some(id) => (id.clone(), s.clone()),
                None => {
                    return Err(invalid_client(
                        "缺少接入系统认证信息",
                        "Client authentication is missing",
                    ));
                }
            },
        };
        let mut c = self.db.clone();
        let row = Self::client_row(&mut c, &id).await?.filter(|r| r.active);
        let unknown = || invalid_client("接入系统认证失败", "Client authentication failed");
        match (row, secret) {
            (Some(r), None) if r.public_client => Ok(r),
            (Some(r), Some(s)) if !r.public_client => {
                let stored = r.secret_hash.clone();
                let ok =
                    tokio::task::spawn_blocking(move || password::verify(&s, stored.as_deref()))
                        .await
                        .map_err(Error::internal)?;
                if ok { Ok(r) } else { Err(unknown()) }
            }
            (None, Some(s)) => {
                // Spend the same time as for a wrong secret.
                tokio::task::spawn_blocking(move || password::verify(&s, None))
                    .await
                    .map_err(Error::internal)?;
                Err(unknown())
            }
            _ => Err(unknown()),
        }
    }

    /// Exchanges an authorization code for an ID token and an access token.
    pub async fn token(&self, source: &str, req: &TokenRequest) -> Result<Tokens> {
        let anonymous = Actor::Anonymous;
        let claimed = req
            .basic
            .as_ref()
            .map(|b| b.0.clone())
            .or_else(|| req.client_id.clone())
            .unwrap_or_default();
        let client = match self.authenticate_client(req).await {
            Ok(c) => c,
            Err(e) => {
                return Err(self
                    .refuse(
                        Entry::failure(
                            &anonymous,
                            "oidc.token.issue",
                            format!("oidc_client:{claimed}"),
                        )
                        .source(source),
                        e,
                    )
                    .await);
            }
        };
        let object = client.object();
        let refuse = async |e: Error| {
            self.refuse(
                Entry::failure(&anonymous, "oidc.token.issue", object.clone()).source(source),
                e,
            )
            .await
        };
        let invalid = |zh: &str, en: &str| err(ErrorCode::OidcInvalidRequest, zh, en);
        if let Some(p) = req.repeated.first() {
            return Err(refuse(invalid(
                &format!("参数 {p} 重复"),
                &format!("The parameter {p} appears more than once"),
            ))
            .await);
        }
        match req.grant_type.as_deref() {
            Some("authorization_code") => {}
            None => return Err(refuse(invalid("缺少 grant_type", "grant_type is missing")).await),
            Some(_) => return Err(refuse(Error::new(ErrorCode::OidcUnsupportedGrantType)).await),
        }
        let Some(code) = req.code.as_deref() else {
            return Err(refuse(invalid("缺少 code", "code is missing")).await);
        };
        let key = self.signing_key().await?;
        let now = self.clock.now();
        let code_hash = token_hash(code);
        let mut tx = self.db.write().await?;
        let row: Option<CodeRow> = tx
            .fetch_optional(
                "SELECT client_id, account_id, redirect_uri, code_challenge, nonce, scope, auth_time, expires_at FROM oidc_codes WHERE code_hash = $1",
                args![&code_hash],
            )
            .await?;
        let grant = |zh: &str, en: &str| err(ErrorCode::OidcInvalidGrant, zh, en);
        let Some(row) = row else {
            drop(tx);
            return Err(refuse(grant("授权码无效", "Unknown authorization code")).await);
        };
        // Single use: whoever presents the code first consumes it, whatever happens next.
        let claimed_now = tx
            .execute(
                "UPDATE oidc_codes SET used = $1 WHERE code_hash = $2 AND used = $3",
                args![true, &code_hash, false],
            )
            .await?;
        let mut acting_for = String::new();
        let problem = if claimed_now == 0 {
            // A replayed code: the tokens issued for it may be in the wrong hands.
            tx.execute(
                "UPDATE oidc_access_tokens SET revoked = $1 WHERE code_hash = $2",
                args![true, &code_hash],
            )
            .await?;
            Some(grant(
                "授权码已被使用（由此签发的令牌已撤销）",
                "The authorization code was already used (the tokens issued for it are revoked)",
            ))
        } else if row.client_id != client.client_id {
            Some(grant(
                "授权码不是签发给该接入系统的",
                "The authorization code was issued to another client",
            ))
        } else if now >= row.expires_at {
            Some(grant("授权码已过期", "The authorization code has expired"))
        } else if req.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
            Some(grant(
                "redirect_uri 与授权请求不一致",
                "redirect_uri differs from the authorization request",
            ))
        } else if !req
            .code_verifier
            .as_deref()
            .is_some_and(|v| valid_verifier(v) && pkce_matches(v, &row.code_challenge))
        {
            Some(grant(
                "PKCE 校验失败（code_verifier 不匹配）",
                "PKCE verification failed (code_verifier does not match)",
            ))
        } else {
            None
        };
        let staff = match problem {
            Some(_) => None,
            None => Self::staff_row(&mut tx, row.account_id)
                .await?
                .filter(|s| s.active),
        };
        if let Some(s) = &staff {
            acting_for = format!("staff:{}", s.username);
        }
        let Some(staff) = staff else {
            let e = problem.unwrap_or_else(|| {
                grant("该工作人员账号已停用", "The staff account is deactivated")
            });
            let entry = Entry::failure(&anonymous, "oidc.token.issue", object.clone())
                .source(source)
                .data(json!({ "error": e.code.as_str(), "detail": e.message(yiwang_kernel::i18n::Lang::En), "account": row.account_id }));
            record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            return Err(e);
        };
        let access_token = random_token();
        let expires = now + TOKEN_TTL;
        tx.execute(
            "INSERT INTO oidc_access_tokens (token_hash, client_id, account_id, code_hash, scope, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![token_hash(&access_token), &client.client_id, staff.id, &code_hash, &row.scope, now, expires, false],
        )
        .await?;
        let mut claims = scope_claims(&staff, &row.scope);
        claims.insert("iss".into(), json!(&*self.issuer));
        claims.insert("aud".into(), json!(client.client_id));
        claims.insert("iat".into(), json!(now.unix_timestamp()));
        claims.insert("exp".into(), json!(expires.unix_timestamp()));
        claims.insert("auth_time".into(), json!(row.auth_time.unix_timestamp()));
        if let Some(n) = &row.nonce {
            claims.insert("nonce".into(), json!(n));
        }
        claims.insert("at_hash".into(), json!(at_hash(&access_token)));
        let id_token = sign_jwt(&key, &claims)?;
        record(
            &mut tx,
            &Entry {
                acting_for: acting_for.clone(),
                ..Entry::success(&anonymous, "oidc.token.issue", object.clone())
                    .source(source)
                    .data(json!({ "sub": subject(staff.id), "scope": row.scope, "kid": key.kid }))
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Tokens {
            access_token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL.whole_seconds(),
            id_token,
            scope: row.scope,
        })
    }

    // ---- The userinfo endpoint -----------------------------------------------------------

    /// The claims about the member of staff an access token was issued for.
    pub async fn userinfo(&self, source: &str, access_token: &str) -> Result<Map<String, Json>> {
        let anonymous = Actor::Anonymous;
        let invalid = || Error::new(ErrorCode::OidcInvalidToken);
        let now = self.clock.now();
        let mut c = self.db.clone();
        let row: Option<AccessRow> = if access_token.is_empty() || access_token.len() > 200 {
            None
        } else {
            c.fetch_optional(
                "SELECT t.client_id, t.account_id, t.scope, t.expires_at, t.revoked, c.active AS client_active \
                 FROM oidc_access_tokens t JOIN oidc_clients c ON c.client_id = t.client_id WHERE t.token_hash = $1",
                args![token_hash(access_token)],
            )
            .await?
        };
        let object = row
            .as_ref()
            .map(|r| format!("oidc_client:{}", r.client_id))
            .unwrap_or_else(|| "oidc_client:".to_string());
        let refuse = async |e: Error| {
            self.refuse(
                Entry::failure(&anonymous, "oidc.userinfo", object.clone()).source(source),
                e,
            )
            .await
        };
        let Some(row) = row.filter(|r| !r.revoked && r.client_active && now < r.expires_at) else {
            return Err(refuse(invalid()).await);
        };
        let Some(staff) = Self::staff_row(&mut c, row.account_id)
            .await?
            .filter(|s| s.active)
        else {
            return Err(refuse(invalid()).await);
        };
        let acting_for = format!("staff:{}", staff.username);
        let entry = Entry {
            acting_for: acting_for.clone(),
            ..Entry::success(&anonymous, "oidc.userinfo", object.clone())
                .source(source)
                .data(json!({ "scope": row.scope }))
        };
        record_now(&self.db, &entry, now).await?;
        Ok(scope_claims(&staff, &row.scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(valid_verifier(verifier));
        assert!(valid_challenge(challenge));
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!valid_verifier("short"));
        assert!(!valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn redirect_addresses() {
        for ok in [
            "https://scjg.zhanjiang.gov.cn/sso/callback",
            "https://10.1.2.3:8443/cb?tenant=1",
            "http://127.0.0.1:9000/cb",
            "http://localhost/cb",
            "http://[::1]:8080/cb",
        ] {
            assert_eq!(check_redirect_uri("r", ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in [
            "",
            "/relative",
            "http://scjg.zhanjiang.gov.cn/cb",
            "https://a.example/cb#frag",
            "https://user:pw@a.example/cb",
            "javascript:alert(1)",
            "https://a.example/c b",
            "ftp://a.example/",
        ] {
            assert!(check_redirect_uri("r", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirects_keep_the_registered_query() {
        let u = redirect_with(
            "https://a.example/cb?tenant=1",
            &[("code", "abc"), ("state", "x y&z")],
        )
        .unwrap();
        assert_eq!(u, "https://a.example/cb?tenant=1&code=abc&state=x+y%26z");
    }

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

    #[test]
    fn at_hash_is_the_left_half() {
        // Independently computed: base64url(sha256(token)[:16]) with Python's hashlib.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNVlavmXD"),
            "k6AD7S3mkxM89VhMDwlC3w"
        );
    }

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
