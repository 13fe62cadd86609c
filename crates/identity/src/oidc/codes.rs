//! The authorization endpoint: checks a department system's request, asks for sign-in when
//! needed, and answers with a one-time code bound to a PKCE challenge.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::json;
use sha2::{Digest, Sha256};
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::{Error, ErrorCode, Result};

use super::repo::{self, NewCode};
use super::{AuthorizeOutcome, AuthorizeRequest, CODE_TTL, KEEP_EXPIRED, OidcService, err};
use crate::service::{random_token, token_hash};

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
pub(super) fn valid_verifier(v: &str) -> bool {
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

/// `redirect_uri` with the answer's parameters added to its query.
pub(super) fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Result<String> {
    let mut u = url::Url::parse(redirect_uri).map_err(Error::internal)?;
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Ok(u.to_string())
}

impl OidcService {
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
            Some(id) => repo::client(&mut c, id).await?,
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
        if prompts.contains(&"none") && prompts.len() > 1 {
            return to_client(invalid(
                "prompt=none 不能与其他取值同用",
                "prompt=none cannot be combined with other values",
            ))
            .await;
        }
        let max_age = match req.max_age.as_deref() {
            None => None,
            Some(m) => match m.parse::<u32>() {
                Ok(n) => Some(i64::from(n)),
                Err(_) => {
                    return to_client(invalid(
                        "max_age 须为非负整数（秒）",
                        "max_age must be a non-negative whole number of seconds",
                    ))
                    .await;
                }
            },
        };
        let wants_login = prompts.contains(&"login");
        let now = self.clock.now();
        // Who is signed in, and since when (the session's sign-in is the authentication time).
        let signed_in = match (ctx.actor.staff(), session_token) {
            (Some(staff), Some(t)) => {
                let hash = token_hash(t);
                repo::session_signed_in_at(&mut c, &hash)
                    .await?
                    .map(|at| (staff, hash, at))
            }
            _ => None,
        };
        let Some((staff, session_hash, auth_time)) = signed_in else {
            if prompts.contains(&"none") {
                return to_client(Error::new(ErrorCode::OidcLoginRequired)).await;
            }
            return Ok(AuthorizeOutcome::SignInRequired {
                fresh: wants_login || max_age.is_some(),
            });
        };
        // prompt=login, or a sign-in older than max_age: the person signs in afresh
        // (OpenID Connect Core §3.1.2.1).
        // max_age=0 asks for a sign-in made for this very request.
        let too_old = max_age.is_some_and(|m| m == 0 || (now - auth_time).whole_seconds() > m);
        if wants_login || too_old {
            if prompts.contains(&"none") {
                return to_client(Error::new(ErrorCode::OidcLoginRequired)).await;
            }
            return Ok(AuthorizeOutcome::SignInRequired { fresh: true });
        }
        // Issue the code, bound to the session: it and its tokens end when the session does.
        let code = random_token();
        let scope = scopes.join(" ");
        let mut tx = self.db.write().await?;
        repo::purge_expired(&mut tx, now - KEEP_EXPIRED).await?;
        repo::insert_code(
            &mut tx,
            &NewCode {
                code_hash: &token_hash(&code),
                client_id: &client.client_id,
                account_id: staff.user_id,
                redirect_uri: &redirect_uri,
                code_challenge: &challenge,
                nonce: req.nonce.clone(),
                scope: &scope,
                auth_time,
                session_hash: &session_hash,
                now,
                expires_at: now + CODE_TTL,
            },
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn redirects_keep_the_registered_query() {
        let u = redirect_with(
            "https://a.example/cb?tenant=1",
            &[("code", "abc"), ("state", "x y&z")],
        )
        .unwrap();
        assert_eq!(u, "https://a.example/cb?tenant=1&code=abc&state=x+y%26z");
    }
}
