//! Department systems as clients: registration and deactivation by system administrators,
//! the check of redirect addresses, and client authentication at the token endpoint.

use serde_json::json;
use yiwang_audit::{Entry, record};
use yiwang_kernel::auth::{Ctx, Permission, Scope, Target};
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};
use yiwang_org::service::department_in;

use super::repo::{self, ClientRow, NewClient};
use super::{
    ClientInput, MAX_REDIRECTS, OidcClient, OidcService, RegisteredClient, SCOPES, TokenRequest,
    err,
};
use crate::password;
use crate::service::random_token;

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

impl OidcService {
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
            let now = self.clock.now();
            yiwang_audit::denied(&self.db, ctx, "oidc_client:new", "oidc.client.create", now).await;
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
        repo::insert_client(
            &mut tx,
            &NewClient {
                client_id: &client_id,
                name: &name,
                department_id: input.department_id,
                redirects_json: &redirects_json,
                secret_hash,
                public: input.public,
                scopes: &scopes_text,
                created_by: &created_by,
                now,
            },
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
        let scope = ctx.actor.scope_of(Permission::OidcClientsManage);
        if matches!(scope, Scope::Nothing) {
            return Err(Error::forbidden());
        }
        let mut c = self.db.clone();
        let reach = crate::reach::departments(&mut c, &scope).await?;
        let rows = repo::clients(&mut c, &reach).await?;
        Ok(rows.iter().map(ClientRow::view).collect())
    }

    /// Deactivates a department system: it can no longer sign anyone in, and its outstanding
    /// codes and access tokens stop working at once. Deactivating twice changes nothing.
    pub async fn deactivate_client(&self, ctx: &Ctx, client_id: &str) -> Result<OidcClient> {
        let denied = async |e: Error| {
            let object = format!("oidc_client:{client_id}");
            let now = self.clock.now();
            yiwang_audit::denied(&self.db, ctx, object, "oidc.client.deactivate", now).await;
            e
        };
        if let Err(e) = ctx.actor.require(Permission::OidcClientsManage) {
            return Err(denied(e).await);
        }
        let mut c = self.db.clone();
        let row = repo::client(&mut c, client_id)
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
        repo::deactivate_client(&mut tx, client_id, &by, now).await?;
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

    /// Authenticates the client of a token request: `client_secret_basic` or
    /// `client_secret_post` for a confidential client, `client_id` alone for a public one.
    pub(super) async fn authenticate_client(&self, req: &TokenRequest) -> Result<ClientRow> {
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
        let row = repo::client(&mut c, &id).await?.filter(|r| r.active);
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
