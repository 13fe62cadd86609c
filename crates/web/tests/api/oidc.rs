//! Single sign-on: a department system signs a member of staff in through Yiwang with a real
//! OpenID Connect client library (`openidconnect`), over a real TCP connection; the protocol's
//! refusals; client registration rights; the sessionless machine endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{Method, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest;
use time::OffsetDateTime;
use yiwang_store::Conn;
use yiwang_web::{AppState, WebConfig};

use crate::harness::{Client, PASSWORD, World};

pub(crate) const CALLBACK: &str = "https://licensing.scjg.example/sso/callback";

// ---- A real HTTP client for the library and for the "browser" -----------------------------

type Hyper = HyperClient<HttpConnector, Full<Bytes>>;

fn hyper() -> Hyper {
    HyperClient::builder(TokioExecutor::new()).build_http()
}

#[derive(Debug)]
struct HttpError(String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpError {}

async fn send(
    hc: &Hyper,
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let (parts, body) = req.into_parts();
    let req = axum::http::Request::from_parts(parts, Full::new(Bytes::from(body)));
    let resp = hc
        .request(req)
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|e| HttpError(e.to_string()))?
        .to_bytes()
        .to_vec();
    Ok(axum::http::Response::from_parts(parts, bytes))
}

/// A browser: keeps cookies, never follows redirects by itself.
struct Browser {
    hc: Hyper,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Browser {
    async fn request(&mut self, method: Method, url: &str, form: Option<String>) -> Page {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_string()
        };
        let mut b = axum::http::Request::builder().method(method).uri(&url);
        if !self.cookies.is_empty() {
            let c = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            b = b.header(header::COOKIE, c);
        }
        if form.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let req = b.body(form.unwrap_or_default().into_bytes()).unwrap();
        let resp = send(&self.hc, req).await.unwrap();
        for set in resp.headers().get_all(header::SET_COOKIE) {
            let first = set.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        Page {
            status: resp.status(),
            location: resp
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_string()),
            body: String::from_utf8_lossy(resp.body()).into_owned(),
        }
    }

    async fn get(&mut self, url: &str) -> Page {
        self.request(Method::GET, url, None).await
    }

    async fn post(&mut self, url: &str, form: String) -> Page {
        self.request(Method::POST, url, Some(form)).await
    }
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!("{name}=\"");
    let i = tag.find(&pat)? + pat.len();
    let end = tag[i..].find('"')?;
    Some(unescape(&tag[i..i + end]))
}

/// The fields of the form with this id: `(action, [(name, value)])` of its hidden inputs.
fn form_fields(html: &str, id: &str) -> (String, Vec<(String, String)>) {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id} in {html}"));
    let open = html[..start].rfind("<form").unwrap();
    let end = start + html[start..].find("</form>").unwrap();
    let form = &html[open..end];
    let action = attr(&form[..form.find('>').unwrap()], "action").unwrap();
    let mut fields = Vec::new();
    for part in form.split("<input").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        if attr(tag, "type").as_deref() == Some("hidden") {
            fields.push((
                attr(tag, "name").unwrap(),
                attr(tag, "value").unwrap_or_default(),
            ));
        }
    }
    (action, fields)
}

/// Department claims, as the department system reads them.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeptClaims {
    department_id: i64,
    department_name: String,
    division_code: String,
}

impl AdditionalClaims for DeptClaims {}

pub(crate) async fn register(w: &World, public: bool, redirects: &[&str]) -> Value {
    let admin = w.sign_in("sysadmin").await;
    let r = w
        .post(
            &admin,
            "/api/v1/oidc/clients",
            json!({
                "name": "食品经营许可审批系统",
                "department_id": w.city_scjg,
                "redirect_uris": redirects,
                "public": public,
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

/// A running server on a real port whose issuer is its own address.
async fn serve(w: &World) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::standalone(
        w.state.db.clone(),
        Arc::new(w.clock.clone()),
        WebConfig {
            public_url: base.clone(),
            ..WebConfig::default()
        },
        w.state.identity.keys().clone(),
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(yiwang_web::serve(
        listener,
        yiwang_web::app(state),
        async move {
            let _ = stopped.await;
        },
    ));
    (base, stop)
}

#[tokio::test]
async fn a_department_system_signs_staff_in_with_a_real_oidc_client() {
    let w = World::new().await;
    // The library checks token times against the real clock.
    w.clock.set(OffsetDateTime::now_utc());
    let reg = register(&w, false, &[CALLBACK]).await;
    let client_id = reg["client_id"].as_str().unwrap().to_string();
    let secret = reg["client_secret"].as_str().unwrap().to_string();
    let (base, _stop) = serve(&w).await;

    let hc = hyper();
    let http = {
        let hc = hc.clone();
        move |req: openidconnect::HttpRequest| {
            let hc = hc.clone();
            async move { send(&hc, req).await }
        }
    };

    // Discovery and the keys, as the library reads them.
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(base.clone()).unwrap(), &http)
        .await
        .unwrap();
    assert_eq!(meta.issuer().as_str(), base);
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.to_string()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("department".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser: not signed in, so Yiwang's sign-in page first, then back.
    let mut browser = Browser {
        hc: hc.clone(),
        base: base.clone(),
        cookies: Vec::new(),
    };
    let r = browser.get(auth_url.as_str()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to_signin = r.location.unwrap();
    assert!(
        to_signin.starts_with("/signin?next=%2Foidc%2Fauthorize%3F"),
        "{to_signin}"
    );
    let r = browser.get(&to_signin).await;
    assert_eq!(r.status, StatusCode::OK);
    let (action, hidden) = form_fields(&r.body, "signin-form");
    assert_eq!(action, "/signin");
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &hidden {
        form.append_pair(k, v);
    }
    form.append_pair("username", "editor");
    form.append_pair("password", PASSWORD);
    let r = browser.post(&action, form.finish()).await;
    // The browser goes on from a page (a redirect chain of a form post would be checked
    // against the sign-in page's `form-action 'self'`).
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refresh = r.body.split("content=\"0;url=").nth(1).unwrap();
    let back = unescape(&refresh[..refresh.find('"').unwrap()]);
    assert!(back.starts_with("/oidc/authorize?"), "{back}");
    let r = browser.get(&back).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let answer = url::Url::parse(&r.location.unwrap()).unwrap();
    assert!(answer.as_str().starts_with(CALLBACK));
    let q: std::collections::HashMap<String, String> = answer.query_pairs().into_owned().collect();
    assert_eq!(q.get("state"), Some(state.secret()));
    assert_eq!(q.get("iss"), Some(&base));
    let code = q.get("code").unwrap().clone();

    // The department system's server exchanges the code (client_secret_basic) …
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    // … and the library verifies the ID token: signature (ES256, key from the JWKS), issuer,
    // audience, expiry, nonce.
    let id_token = tokens.id_token().unwrap();
    let verifier = client.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    let editor_id = w
        .state
        .identity
        .list_staff(
            &yiwang_kernel::auth::Ctx::system("test"),
            yiwang_kernel::paging::Page::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.username == "editor")
        .unwrap()
        .id;
    assert_eq!(claims.subject().as_str(), format!("staff:{editor_id}"));
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("editor")
    );
    assert_eq!(
        claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some("测试editor")
    );
    assert!(claims.auth_time().is_some());
    // The access token is bound to the ID token (at_hash), checked the library's way.
    let expected = claims.access_token_hash().unwrap();
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected);
    assert_eq!(
        *id_token.signing_alg().unwrap(),
        CoreJwsSigningAlgorithm::EcdsaP256Sha256
    );
    // The department claims are in the (verified) token.
    let payload: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            id_token.to_string().split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["department_id"], w.city_scjg);
    assert_eq!(payload["department_name"], "湛江市市场监督管理局");
    assert_eq!(payload["division_code"], "440800");

    // Userinfo with the access token, read with the department claims.
    let info: UserInfoClaims<DeptClaims, CoreGenderClaim> = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(
        info.preferred_username().map(|u| u.as_str()),
        Some("editor")
    );
    assert_eq!(info.additional_claims().department_id, w.city_scjg);
    assert_eq!(info.additional_claims().division_code, "440800");

    // The code was for one use only.
    let again = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new("x".repeat(43)))
        .request_async(&http)
        .await;
    assert!(again.is_err());

    // Signed in already: the next sign-in through the system is one redirect.
    let (challenge, _verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let r = browser.get(auth_url.as_str()).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(
        r.location
            .unwrap()
            .starts_with(&format!("{CALLBACK}?code="))
    );

    // Everything was audited.
    let mut c = w.state.db.clone();
    let events: Vec<(String, String)> = c
        .fetch_all(
            "SELECT action, outcome FROM audit_log WHERE action LIKE 'oidc.%' ORDER BY seq",
            yiwang_store::args![],
        )
        .await
        .unwrap();
    let events: Vec<String> = events
        .into_iter()
        .map(|(a, o)| format!("{a} {o}"))
        .collect();
    for e in [
        "oidc.client.create success",
        "oidc.key.create success",
        "oidc.code.issue success",
        "oidc.token.issue success",
        "oidc.userinfo success",
        "oidc.token.issue failure",
    ] {
        assert!(events.contains(&e.to_string()), "{e} not in {events:?}");
    }
    assert!(matches!(
        yiwang_audit::verify(&w.state.db, None).await.unwrap(),
        yiwang_audit::Verdict::Intact { .. }
    ));
}

// ---- Refusals, in process -------------------------------------------------------------------

fn challenge_of(verifier: &str) -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        sha2::Sha256::digest(verifier.as_bytes()),
    )
}

pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub(crate) fn authorize_path(client_id: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge_of(VERIFIER);
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "openid profile")
        .append_pair("state", "st-1")
        .append_pair("nonce", "n-1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let mut path = format!("/oidc/authorize?{}", q.finish());
    for (k, v) in extra {
        // Later values replace earlier ones: rebuild without the key.
        let kept: Vec<(String, String)> =
            form_urlencoded::parse(path.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .filter(|(a, _)| a != k)
                .collect();
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.extend_pairs(kept);
        if !v.is_empty() {
            q.append_pair(k, v);
        }
        path = format!("/oidc/authorize?{}", q.finish());
    }
    path
}

pub(crate) fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

pub(crate) async fn code_for(w: &World, c: &Client, client_id: &str) -> String {
    let r = w.get(c, &authorize_path(client_id, CALLBACK, &[])).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    query_of(loc).get("code").unwrap().clone()
}

pub(crate) async fn exchange(w: &World, fields: &[(&str, &str)]) -> crate::harness::Resp {
    let mut f = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        f.append_pair(k, v);
    }
    w.send(
        &w.anonymous(),
        Method::POST,
        "/oidc/token",
        Some("application/x-www-form-urlencoded"),
        f.finish().into_bytes(),
    )
    .await
}

pub(crate) fn token_form<'a>(
    client_id: &'a str,
    secret: &'a str,
    code: &'a str,
    verifier: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", verifier),
        ("client_id", client_id),
        ("client_secret", secret),
    ]
}

pub(crate) async fn userinfo(w: &World, token: &str) -> axum::response::Response {
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .uri("/oidc/userinfo")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    w.app.clone().oneshot(req).await.unwrap()
}

pub(crate) fn oauth_error(r: &crate::harness::Resp) -> String {
    r.json()["error"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn codes_are_single_use_short_lived_and_bound_to_pkce() {
    let w = World::new().await;
    let reg = register(&w, false, &[CALLBACK]).await;
    let id = reg["client_id"].as_str().unwrap();
    let secret = reg["client_secret"].as_str().unwrap();
    let editor = w.sign_in("editor").await;

    // A wrong PKCE verifier.
    let code = code_for(&w, &editor, id).await;
    let wrong = "A".repeat(43);
    let r = exchange(&w, &token_form(id, secret, &code, &wrong)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(oauth_error(&r), "invalid_grant");
    assert!(
        r.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("PKCE")
    );
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    // … burns the code.
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(oauth_error(&r), "invalid_grant");

    // Reuse: the first exchange works, the second is refused and revokes the first's token.
    let code = code_for(&w, &editor, id).await;
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let tokens = r.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 600);
    assert_eq!(tokens["scope"], "openid profile");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let r = userinfo(&w, &access).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&r), "invalid_grant");
    let r = userinfo(&w, &access).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.headers()
            .get(header::WWW_AUTHENTICATE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );

    // Expired: a code lives 60 seconds.
    let code = code_for(&w, &editor, id).await;
    w.clock.advance(time::Duration::seconds(61));
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(oauth_error(&r), "invalid_grant");
    assert!(
        r.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // The redirect address must be the one of the authorization request.
    let code = code_for(&w, &editor, id).await;
    let mut f = token_form(id, secret, &code, VERIFIER);
    f[2] = ("redirect_uri", "https://licensing.scjg.example/other");
    assert_eq!(oauth_error(&exchange(&w, &f).await), "invalid_grant");

    // Client authentication: a wrong secret is 401 invalid_client; Basic works too.
    let code = code_for(&w, &editor, id).await;
    let r = exchange(&w, &token_form(id, "wrong-secret", &code, VERIFIER)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(oauth_error(&r), "invalid_client");
    assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());
    let r = exchange(&w, &token_form("ywc-nobody", secret, &code, VERIFIER)).await;
    assert_eq!(oauth_error(&r), "invalid_client");
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{id}:{secret}"),
    );
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("code_verifier", VERIFIER)
        .finish();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/oidc/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = {
        use tower::ServiceExt;
        w.app.clone().oneshot(req).await.unwrap()
    };
    assert_eq!(r.status(), StatusCode::OK);

    // Other grant types are not supported; JSON bodies are not forms.
    let r = exchange(
        &w,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(oauth_error(&r), "unsupported_grant_type");
    let r = w
        .post(
            &w.anonymous(),
            "/oidc/token",
            json!({"grant_type": "authorization_code"}),
        )
        .await;
    assert_eq!(oauth_error(&r), "invalid_request");

    // A public client: no secret, PKCE only; a secret is refused.
    let public = register(&w, true, &[CALLBACK]).await;
    assert!(public["client_secret"].is_null());
    let pid = public["client_id"].as_str().unwrap();
    let code = code_for(&w, &editor, pid).await;
    let r = exchange(
        &w,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
            ("client_id", pid),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let code = code_for(&w, &editor, pid).await;
    let r = exchange(&w, &token_form(pid, "anything", &code, VERIFIER)).await;
    assert_eq!(oauth_error(&r), "invalid_client");
}

#[tokio::test]
async fn authorization_errors_are_pages_or_go_back_to_the_system() {
    let w = World::new().await;
    let reg = register(&w, false, &[CALLBACK]).await;
    let id = reg["client_id"].as_str().unwrap();
    let editor = w.sign_in("editor").await;

    // An unregistered redirect address: a 400 page, never a redirect.
    for path in [
        authorize_path(id, "https://evil.example/steal", &[]),
        authorize_path(id, "https://licensing.scjg.example/sso/callback/", &[]),
        authorize_path("ywc-unknown", CALLBACK, &[]),
        authorize_path(id, CALLBACK, &[("redirect_uri", "")]),
        format!(
            "{}&redirect_uri=https%3A%2F%2Fevil.example",
            authorize_path(id, CALLBACK, &[])
        ),
    ] {
        let r = w.get(&editor, &path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(r.headers.get(header::LOCATION).is_none(), "{path}");
        assert!(r.text().contains("<html"), "{path}");
        assert!(
            r.text().contains("回调地址") || r.text().contains("接入系统"),
            "{path}"
        );
    }
    // The same for someone not signed in (the check comes before sign-in).
    let r = w
        .get(
            &w.anonymous(),
            &authorize_path(id, "https://evil.example/", &[]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Other problems go back to the system with the state.
    for (extra, error) in [
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (vec![("code_challenge", "")], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "profile")], "invalid_scope"),
        (vec![("scope", "openid email")], "invalid_scope"),
    ] {
        let r = w.get(&editor, &authorize_path(id, CALLBACK, &extra)).await;
        assert_eq!(r.status, StatusCode::FOUND, "{extra:?}");
        let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
        assert!(loc.starts_with(CALLBACK), "{loc}");
        let q = query_of(loc);
        assert_eq!(q.get("error").map(String::as_str), Some(error), "{extra:?}");
        assert_eq!(q.get("state").map(String::as_str), Some("st-1"));
        assert!(!q.contains_key("code"));
    }
    // prompt=none without a session.
    let r = w
        .get(
            &w.anonymous(),
            &authorize_path(id, CALLBACK, &[("prompt", "none")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert_eq!(
        query_of(loc).get("error").map(String::as_str),
        Some("login_required")
    );
    // Not signed in: the sign-in page, with a way back.
    let path = authorize_path(id, CALLBACK, &[]);
    let r = w.get(&w.anonymous(), &path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let loc = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert_eq!(
        loc,
        format!("/signin?next={}", yiwang_web::pages::urlencode(&path))
    );
    let page = w.get(&w.anonymous(), loc).await.text();
    assert!(
        page.contains("name=\"next\" value=\"&#x2f;oidc&#x2f;authorize?"),
        "{page}"
    );
    // Signing in with that `next` continues to the authorization endpoint.
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("username", "editor")
        .append_pair("password", PASSWORD)
        .append_pair("next", &path)
        .finish();
    let r = w
        .send(
            &w.anonymous(),
            Method::POST,
            "/signin",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get(header::SET_COOKIE).is_some());
    assert!(r.text().contains("http-equiv=\"refresh\""));
    assert!(r.text().contains("id=\"continue-link\""));

    // A deactivated client signs nobody in any more; its tokens stop working.
    let code = code_for(&w, &editor, id).await;
    let admin = w.sign_in("sysadmin").await;
    let r = w
        .send(
            &admin,
            Method::DELETE,
            &format!("/api/v1/oidc/clients/{id}"),
            None,
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["active"], false);
    let r = w.get(&editor, &authorize_path(id, CALLBACK, &[])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let secret = reg["client_secret"].as_str().unwrap();
    let r = exchange(&w, &token_form(id, secret, &code, VERIFIER)).await;
    assert_eq!(oauth_error(&r), "invalid_client");
}

#[tokio::test]
async fn only_system_administrators_register_department_systems() {
    let w = World::new().await;
    let input = json!({
        "name": "审批系统",
        "department_id": w.city_scjg,
        "redirect_uris": [CALLBACK],
    });
    let r = w
        .post(&w.anonymous(), "/api/v1/oidc/clients", input.clone())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for user in ["editor", "cataloger", "orgadmin", "auditor"] {
        let c = w.sign_in(user).await;
        let r = w.post(&c, "/api/v1/oidc/clients", input.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(r.code(), "forbidden");
        let r = w.get(&c, "/api/v1/oidc/clients").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    let admin = w.sign_in("sysadmin").await;
    let r = w.post(&admin, "/api/v1/oidc/clients", input.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let id = created["client_id"].as_str().unwrap();
    assert!(id.starts_with("ywc-"));
    assert_eq!(created["client_secret"].as_str().unwrap().len(), 43);
    assert_eq!(
        created["scopes"],
        json!(["openid", "profile", "department"])
    );
    // The secret is kept as a hash only and never listed.
    let list = w.get(&admin, "/api/v1/oidc/clients").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list
            .text()
            .contains(created["client_secret"].as_str().unwrap())
    );
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    let mut c = w.state.db.clone();
    let (hash,): (String,) = c
        .fetch_one(
            "SELECT secret_hash FROM oidc_clients WHERE client_id = $1",
            yiwang_store::args![id],
        )
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    // Bad input: field errors in Chinese and English.
    let r = w
        .post(
            &admin,
            "/api/v1/oidc/clients",
            json!({
                "name": "",
                "department_id": 999999,
                "redirect_uris": ["http://licensing.scjg.example/cb", "https://a.example/#x"],
                "scopes": ["openid", "email"],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(!f["zh"].as_str().unwrap().is_empty() && !f["en"].as_str().unwrap().is_empty());
            f["field"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "department_id",
            "redirect_uris[0]",
            "redirect_uris[1]",
            "scopes[1]"
        ]
    );
    // Nor can a catalog editor deactivate one.
    let editor = w.sign_in("editor").await;
    let r = w
        .send(
            &editor,
            Method::DELETE,
            &format!("/api/v1/oidc/clients/{id}"),
            None,
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Refusals are audited.
    let (denied,): (i64,) = c
        .fetch_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied' AND data LIKE '%oidc%client%'",
            yiwang_store::args![],
        )
        .await
        .unwrap();
    assert!(denied >= 5, "{denied}");
}

#[tokio::test]
async fn machine_endpoints_are_sessionless_and_other_posts_still_need_the_token() {
    let w = World::new().await;
    let mut editor = w.sign_in("editor").await;
    editor.csrf = None;
    // The token endpoint ignores the cookie: no anti-forgery check, and no session either.
    let r = w
        .send(
            &editor,
            Method::POST,
            "/oidc/token",
            Some("application/x-www-form-urlencoded"),
            b"grant_type=authorization_code&code=x".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    assert_eq!(oauth_error(&r), "invalid_client");
    let r = w
        .send(&editor, Method::POST, "/oidc/userinfo", None, vec![])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The session cookie is no access token.
    let r = w.get(&editor, "/oidc/userinfo").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Everything else still wants the token.
    for path in [
        "/api/v1/oidc/clients",
        "/oidc/token/",
        "/admin/sso",
        "/signout",
    ] {
        let r = w
            .send(
                &editor,
                Method::POST,
                path,
                Some("application/x-www-form-urlencoded"),
                b"a=b".to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text());
    }
}

#[tokio::test]
async fn discovery_keys_and_admin_page() {
    let w = World::new().await;
    let anon = w.anonymous();
    let d = w
        .get(&anon, "/.well-known/openid-configuration")
        .await
        .json();
    assert_eq!(d["issuer"], "http://127.0.0.1:8080");
    assert_eq!(d["token_endpoint"], "http://127.0.0.1:8080/oidc/token");
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["ES256"]));
    let keys = w.get(&anon, "/oidc/jwks").await.json();
    let keys = keys["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["crv"], "P-256");
    assert!(keys[0].get("d").is_none(), "no private part");
    // The key is generated once.
    let again = w.get(&anon, "/oidc/jwks").await.json();
    assert_eq!(again["keys"][0]["kid"], keys[0]["kid"]);

    // The admin page: sign-in first, refused to others, and it registers with the secret shown once.
    let r = w.get(&anon, "/admin/sso").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let editor = w.sign_in("editor").await;
    assert_eq!(
        w.get(&editor, "/admin/sso").await.status,
        StatusCode::FORBIDDEN
    );
    let admin = w.sign_in("sysadmin").await;
    let dash = w.get(&admin, "/admin").await.text();
    assert!(dash.contains("id=\"admin-sso\""));
    let r = w.get(&admin, "/admin/sso").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("id=\"sso-form\""));
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", admin.csrf.as_deref().unwrap())
        .append_pair("name", "企业开办系统")
        .append_pair("department_id", &w.city_scjg.to_string())
        .append_pair(
            "redirect_uris",
            &format!("{CALLBACK}\r\nhttp://127.0.0.1:9000/cb\r\n"),
        )
        .append_pair("scopes", "profile")
        .finish();
    let r = w
        .send(
            &admin,
            Method::POST,
            "/admin/sso",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"sso-client-secret\""));
    assert!(html.contains("企业开办系统"));
    // In English, with a bad address.
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", admin.csrf.as_deref().unwrap())
        .append_pair("name", "x")
        .append_pair("department_id", &w.city_scjg.to_string())
        .append_pair("redirect_uris", "ftp://x")
        .finish();
    let en = Client {
        cookie: Some(format!("{}; yiwang_lang=en", admin.cookie.clone().unwrap())),
        csrf: admin.csrf.clone(),
    };
    let r = w
        .send(
            &en,
            Method::POST,
            "/admin/sso",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("redirect address"));
}
