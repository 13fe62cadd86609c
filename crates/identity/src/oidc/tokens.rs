//! The token endpoint (a code for an ID token and an access token) and the userinfo endpoint,
//! and the claims they carry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};
use yiwang_audit::{Entry, record, record_now};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::{Error, ErrorCode, Result};

use super::codes::{pkce_matches, valid_verifier};
use super::keys::sign_jwt;
use super::repo::{self, AccessRow, NewAccessToken, StaffRow};
use super::{OidcService, TOKEN_TTL, TokenRequest, Tokens, err, subject};
use crate::service::{random_token, token_hash};

/// `at_hash`: the left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6).
fn at_hash(access_token: &str) -> String {
    let d = Sha256::digest(access_token.as_bytes());
    B64.encode(&d[..16])
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
        let row = repo::code(&mut tx, &code_hash).await?;
        let grant = |zh: &str, en: &str| err(ErrorCode::OidcInvalidGrant, zh, en);
        let Some(row) = row else {
            drop(tx);
            return Err(refuse(grant("授权码无效", "Unknown authorization code")).await);
        };
        // Single use: whoever presents the code first consumes it, whatever happens next.
        let claimed_now = repo::claim_code(&mut tx, &code_hash).await?;
        let mut acting_for = String::new();
        let problem = if !claimed_now {
            // A replayed code: the tokens issued for it may be in the wrong hands.
            repo::revoke_tokens_of_code(&mut tx, &code_hash).await?;
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
        } else if row.session_expires_at.is_none_or(|end| now >= end) {
            Some(grant(
                "签发授权码的登录会话已结束（已退出登录）",
                "The sign-in session the code was issued in has ended (signed out)",
            ))
        } else {
            None
        };
        let staff = match problem {
            Some(_) => None,
            None => repo::staff(&mut tx, row.account_id)
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
        repo::insert_access_token(
            &mut tx,
            &NewAccessToken {
                token_hash: &token_hash(&access_token),
                client_id: &client.client_id,
                account_id: staff.id,
                code_hash: &code_hash,
                session_hash: row.session_hash.as_deref(),
                scope: &row.scope,
                now,
                expires_at: expires,
            },
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
            repo::access_token(&mut c, &token_hash(access_token)).await?
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
        // An access token lives no longer than the session it was signed in with: signing out
        // (or the session's end) stops it at once.
        let alive = |r: &AccessRow| {
            !r.revoked
                && r.client_active
                && now < r.expires_at
                && r.session_expires_at.is_some_and(|end| now < end)
        };
        let Some(row) = row.filter(alive) else {
            return Err(refuse(invalid()).await);
        };
        let Some(staff) = repo::staff(&mut c, row.account_id)
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

    #[test]
    fn at_hash_is_the_left_half() {
        // Independently computed: base64url(sha256(token)[:16]) with Python's hashlib.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNVlavmXD"),
            "k6AD7S3mkxM89VhMDwlC3w"
        );
    }
}
