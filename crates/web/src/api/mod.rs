//! The JSON API under `/api/v1`, its OpenAPI document, and the system endpoints
//! (`/healthz`, `/readyz`, `/openapi.json`).
//!
//! Access rules are declared on each operation as its OpenAPI `security` requirement:
//! `security(())` for public operations, `security(("session" = ["<permission>"]))` for those
//! needing a signed-in member of staff holding a permission (the domain also checks the scope),
//! `security(("person" = []))` for those of a signed-in natural person (the domain checks that
//! the object is theirs), `security(("session" = ["administrator"]))` for those of any of the
//! three administrators (三员分立; the domain decides the rest). An operation needing a permission also accepts a department system's
//! API token (`bearer`) carrying that permission, within the token's department.

pub mod act_doc;
pub mod admins;
pub mod appeal_grids;
pub mod appeal_settings;
pub mod appeals;
pub mod auth;
pub mod bundle_cases;
pub mod bundles;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod credit;
pub mod exchange_access;
pub mod exchange_catalog;
pub mod exchange_collect;
pub mod exchange_packages;
pub mod exchange_sharing;
pub mod identity;
pub mod inspection;
pub mod licences;
pub mod oidc;
pub mod org;
pub mod supervision_kpi;
pub mod supervision_watch;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::{Error, ErrorCode};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, Tag};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every API route, each registered with its OpenAPI operation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(admins::router())
        .merge(org::router())
        .merge(catalog::router())
        .merge(identity::router())
        .merge(oidc::router())
        .merge(calendar::router())
        .merge(cases::router())
        .merge(licences::router())
        .merge(exchange_sharing::router())
        .merge(exchange_access::router())
        .merge(exchange_collect::router())
        .merge(exchange_catalog::router())
        .merge(exchange_packages::router())
        .merge(bundles::router())
        .merge(bundle_cases::router())
        .merge(appeals::router())
        .merge(appeal_settings::router())
        .merge(appeal_grids::router())
        .merge(supervision_kpi::router())
        .merge(inspection::router())
        .merge(supervision_watch::router())
        .merge(credit::router())
}

/// Completes the generated document: info, tags and the session security scheme.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title("Yiwang 一网通办 API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Integrated government-service platform. Errors answer `{\"error\": {\"code\", \"zh\", \"en\", \"fields\", \"rows\"}}` \
             with a stable code. State-changing calls made with the session cookie must send the session's CSRF token in \
             the `X-CSRF-Token` header (returned by sign-in and by `GET /api/v1/auth/me`).",
        ))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::session::SESSION_COOKIE,
            "Session cookie set by POST /api/v1/auth/sign-in. The scopes listed on an operation are the permissions it needs.",
        ))),
    );
    components.add_security_scheme(
        "person",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::session::SESSION_COOKIE,
            "Session cookie of a natural person (POST /api/v1/people/sign-in or /register).",
        ))),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                .description(Some(
                    "API token of a department system (`yw_…`), issued by a security administrator; \
                     accepted wherever its permissions suffice, within its department.",
                ))
                .build(),
        ),
    );
    doc.tags = Some(vec![
        tag("auth", "Sign-in and sessions (统一身份认证)"),
        tag(
            "identity",
            "Natural and legal persons, agents (自然人、法人、经办人)",
        ),
        tag("audit", "Audit log (审计日志)"),
        tag("org", "Divisions, departments, service halls (机构)"),
        tag("catalog", "Service-item catalog (事项管理)"),
        tag(
            "oidc",
            "Department systems signing staff in through Yiwang (单点登录接入系统)",
        ),
        tag(
            "calendar",
            "Working-day calendar: holidays, make-up working days, counting (工作日历)",
        ),
        tag(
            "licences",
            "Electronic licences: verification, seals, issuing, wallet (电子证照)",
        ),
        tag(
            "cases",
            "Applications and case handling, progress, supervision, ratings (办件、好差评)",
        ),
        tag(
            "exchange",
            "Data sharing and exchange: resource catalog, sharing requests and grants, statistics (数据共享交换)",
        ),
        tag(
            "exchange-data",
            "Data API of shared resources: lookups, queries, access logs, who used my data (数据调用、用数记录)",
        ),
        tag(
            "exchange-collect",
            "Collection of shared resources' rows: uploads, pushes, quality reports (数据归集)",
        ),
        tag(
            "exchange",
            "Data sharing and exchange: resource catalog, three lists (数据共享交换：信息资源目录、三清单)",
        ),
        tag(
            "bundles",
            "\"One thing\" bundles: definitions, the public list, guide and plan (一件事一次办)",
        ),
        tag(
            "bundle-cases",
            "Applications for \"one thing\" bundles: one form, one set of materials, one progress (一件事一次办)",
        ),
        tag(
            "appeals",
            "12345 appeals and grids: work orders, flow, statistics, settings, Open311 api keys (12345诉求、网格化)",
        ),
        tag(
            "kpi",
            "KPIs: the leader's screen, league tables, map, scorecards, drill-down, definitions (考评指标、一屏全览)",
        ),
        tag(
            "inspections",
            "Random inspection: item list, pools, plans, reproducible draws, results (双随机、一公开)",
        ),
        tag(
            "credit",
            "Credit red and black lists and the check at acceptance (信用红黑名单、联合奖惩)",
        ),
    ]);
    doc
}

fn tag(name: &str, description: &str) -> Tag {
    let mut t = Tag::new(name);
    t.description = Some(description.to_string());
    t
}

/// `/healthz`, `/readyz` and `/openapi.json`. The document is served as serialised once here:
/// held as its JSON text rather than as the `OpenApi` value (about 12 MB of small allocations,
/// and a deep copy for every request before).
pub fn system_router(doc: &OpenApi) -> Router<AppState> {
    let json = match serde_json::to_vec(doc) {
        Ok(v) => Ok(axum::body::Bytes::from(v)),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document cannot be serialised");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    Router::new()
        .route("/healthz", get(|| async { (StatusCode::OK, "ok") }))
        .route("/readyz", get(readyz))
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    json.map(|body| {
                        (
                            [(axum::http::header::CONTENT_TYPE, "application/json")],
                            body,
                        )
                    })
                }
            }),
        )
}

async fn readyz(State(state): State<AppState>) -> Response {
    match yiwang_store::ready(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => crate::error::json_response(&e),
    }
}

/// The access rule an operation declares in its OpenAPI `security`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Public,
    /// A member of staff (or an API token) holding this permission somewhere.
    Permission(Permission),
    /// A member of staff (or an API token) holding any of these permissions: several
    /// alternative requirements `[{"session": ["a"]}, {"session": ["b"]}]` (OpenAPI: any one
    /// suffices), for operations whose answer depends on the caller's role (a work order's
    /// queue: the dispatcher's, the handler's, the supervisor's).
    AnyPermission(Vec<Permission>),
    /// A signed-in natural person.
    Person,
    /// A member of staff holding one of the three administrator roles (三员分立), declared as
    /// the pseudo-scope `administrator`: no permission is shared by the three (by design).
    Administrator,
    /// No valid rule was declared: nobody may call it.
    Denied,
}

/// The session scope of operations open to any of the three administrators.
pub const ADMINISTRATOR: &str = "administrator";

/// Declared rules by (method, path template). An operation with a missing or unknown rule is
/// an error: the application does not start with a route nobody decided about.
pub fn rules(doc: &OpenApi) -> Result<HashMap<(Method, String), Rule>, String> {
    let mut out = HashMap::new();
    let value = serde_json::to_value(doc).map_err(|e| e.to_string())?;
    let paths = value["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in paths {
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes())
                .map_err(|e| format!("{method} {path}: {e}"))?;
            let security = op["security"]
                .as_array()
                .ok_or_else(|| format!("{method} {path} declares no access rule"))?;
            let first = security.first().and_then(|v| v.as_object());
            let rule = match first.and_then(|o| o.iter().next()) {
                None => Rule::Public,
                Some((scheme, scopes))
                    if scheme == "session"
                        && scopes.get(0).and_then(|v| v.as_str()) == Some(ADMINISTRATOR) =>
                {
                    Rule::Administrator
                }
                Some((scheme, scopes)) if scheme == "session" => {
                    let perm = scopes
                        .get(0)
                        .and_then(|v| v.as_str())
                        .and_then(Permission::parse)
                        .ok_or_else(|| format!("{method} {path}: unknown permission"))?;
                    Rule::Permission(perm)
                }
                Some((scheme, _)) if scheme == "person" => Rule::Person,
                Some((scheme, _)) => return Err(format!("{method} {path}: unknown rule {scheme}")),
            };
            // Alternatives: every requirement a single permission of the session.
            let rule = match rule {
                Rule::Permission(first) if security.len() > 1 => {
                    let mut any = vec![first];
                    for alt in &security[1..] {
                        let perm = alt
                            .as_object()
                            .and_then(|o| o.get("session"))
                            .and_then(|scopes| scopes.get(0))
                            .and_then(|v| v.as_str())
                            .filter(|p| *p != ADMINISTRATOR)
                            .and_then(Permission::parse)
                            .ok_or_else(|| {
                                format!("{method} {path}: an alternative is not a permission")
                            })?;
                        any.push(perm);
                    }
                    Rule::AnyPermission(any)
                }
                other => other,
            };
            out.insert((m, path.clone()), rule);
        }
    }
    Ok(out)
}

/// Enforces the declared rule before the request body is even read: anonymous callers of a
/// protected operation get 401, callers of the wrong kind or without the permission 403. The
/// domain then checks the scope (which department, whose enterprise) as before; this gate only
/// makes the declaration binding and keeps unauthorised callers away from input parsing.
pub async fn gate(
    State((state, rules)): State<(AppState, Arc<HashMap<(Method, String), Rule>>)>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    // Deny by default: a matched API route without a rule is refused to everyone.
    let rule = rules
        .get(&(req.method().clone(), path))
        .cloned()
        .unwrap_or(Rule::Denied);
    let actor = match req.extensions().get::<crate::session::CurrentClient>() {
        Some(c) => Actor::Client(c.0.clone()),
        None => req
            .extensions()
            .get::<crate::session::CurrentSession>()
            .and_then(|s| s.0.as_ref())
            .map(|s| s.actor.clone())
            .unwrap_or(Actor::Anonymous),
    };
    let refused = match (&rule, &actor) {
        (Rule::Public, _) => None,
        (Rule::Denied, _) => Some(Error::forbidden()),
        (_, Actor::Anonymous) => Some(Error::new(ErrorCode::Unauthenticated)),
        (Rule::Person, Actor::Person(_)) => None,
        (Rule::Person, _) => Some(Error::forbidden()),
        (Rule::Administrator, a) if yiwang_identity::admins::admin_role_of(a).is_some() => None,
        (Rule::Administrator, _) => Some(Error::forbidden()),
        (Rule::Permission(p), a) if a.has(*p) => None,
        (Rule::Permission(_), _) => Some(Error::forbidden()),
        (Rule::AnyPermission(ps), a) if ps.iter().any(|p| a.has(*p)) => None,
        (Rule::AnyPermission(_), _) => Some(Error::forbidden()),
    };
    match refused {
        None => next.run(req).await,
        Some(e) => {
            let source = crate::proxy::source_of(req.extensions());
            let attempted = format!("{} {}", req.method(), req.uri().path());
            let ctx = Ctx::new(actor, source);
            let now = state.clock.now();
            let e = yiwang_audit::refused(&state.db, &ctx, "api", &attempted, e, now).await;
            crate::error::json_response(&e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(op: serde_json::Value) -> OpenApi {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": { "/api/v1/x/{id}": { "post": op } }
        }))
        .unwrap()
    }

    #[test]
    fn every_operation_must_declare_a_known_rule() {
        let ok = |op| rules(&doc(op)).map(|r| r.values().next().cloned());
        assert_eq!(
            ok(serde_json::json!({ "responses": {}, "security": [{}] })),
            Ok(Some(Rule::Public))
        );
        assert_eq!(
            ok(
                serde_json::json!({ "responses": {}, "security": [{ "session": ["catalog.edit"] }] })
            ),
            Ok(Some(Rule::Permission(Permission::CatalogEdit)))
        );
        assert_eq!(
            ok(serde_json::json!({ "responses": {}, "security": [{ "person": [] }] })),
            Ok(Some(Rule::Person))
        );
        assert_eq!(
            ok(
                serde_json::json!({ "responses": {}, "security": [{ "session": ["administrator"] }] })
            ),
            Ok(Some(Rule::Administrator))
        );
        assert!(
            ok(serde_json::json!({ "responses": {} })).is_err(),
            "no rule"
        );
        assert!(
            ok(serde_json::json!({ "responses": {}, "security": [{ "session": ["no.such"] }] }))
                .is_err()
        );
        assert!(ok(serde_json::json!({ "responses": {}, "security": [{ "magic": [] }] })).is_err());
        assert_eq!(
            ok(serde_json::json!({ "responses": {}, "security": [
                { "session": ["appeal.dispatch"] }, { "session": ["appeal.handle"] }
            ] })),
            Ok(Some(Rule::AnyPermission(vec![
                Permission::AppealDispatch,
                Permission::AppealHandle
            ])))
        );
        assert!(
            ok(serde_json::json!({ "responses": {}, "security": [
                { "session": ["appeal.dispatch"] }, { "person": [] }
            ] }))
            .is_err()
        );
        // The router's path template is the document's.
        let r = rules(&doc(
            serde_json::json!({ "responses": {}, "security": [{}] }),
        ))
        .unwrap();
        assert!(r.contains_key(&(Method::POST, "/api/v1/x/{id}".to_string())));
    }
}
