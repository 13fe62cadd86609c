//! Staff pages: dashboard, item lists, item detail with its lifecycle actions, the element
//! editor, claiming, the basic directory, organisation, import and export.
//!
//! Every action goes through the same domain services as the API; these handlers only turn
//! forms into inputs and errors into pages.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Serialize;
use yiwang_catalog::repo::AdminFilter;
use yiwang_catalog::{BasicItemInput, ClaimInput, VersionStatus};
use yiwang_kernel::auth::{Actor, Permission, Scope};
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, ErrorCode, FieldError};
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::{DepartmentInput, DeptKind};

use super::auth::FormData;
use super::names::actor_names;
use super::{PageCx, flash, found, pager, ser};
use crate::AppState;
use crate::i18n;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/items", get(items))
        .route("/admin/items/{code}", get(item))
        .route(
            "/admin/items/{code}/edit",
            get(super::item_editor::edit_page).post(super::item_editor::edit_save),
        )
        .route("/admin/items/{code}/{action}", post(item_action))
        .route("/admin/claim", get(claim_page).post(claim))
        .route("/admin/basic", get(basic_page).post(basic_create))
        .route("/admin/org", get(org_page))
        .route("/admin/org/departments", post(dept_create))
        .route("/admin/import", get(import_page))
        .route("/admin/import/{what}", post(import_upload))
}

/// The staff area is for staff: anonymous callers are sent to sign in, and a signed-in
/// citizen is refused (what each member of staff may do is decided by the domain).
pub(super) fn signed_in(cx: &PageCx) -> Result<(), Error> {
    match &cx.ctx.actor {
        Actor::Staff(_) => Ok(()),
        Actor::Anonymous => Err(Error::new(ErrorCode::Unauthenticated)),
        _ => Err(Error::forbidden()),
    }
}

#[derive(Serialize, Default)]
struct Can {
    read_drafts: bool,
    edit: bool,
    review: bool,
    directory: bool,
    org: bool,
    import: bool,
    catalog: bool,
    sso: bool,
    staff: bool,
    /// Any of the three administrators: changes to administrator accounts (三员分立).
    admin_changes: bool,
    tokens: bool,
    /// The credit red and black lists (信用红黑名单).
    credit: bool,
    audit: bool,
    cases: bool,
    window: bool,
    supervision: bool,
    recovery: bool,
    licences: bool,
    licence_types: bool,
    /// Data sharing's areas (the exchange domain's `Areas`) and whether any is work.
    exchange: yiwang_exchange::Areas,
    exchange_works: bool,
}

fn can(cx: &PageCx) -> Can {
    let a = &cx.ctx.actor;
    Can {
        read_drafts: a.has(Permission::CatalogReadDrafts),
        edit: a.has(Permission::CatalogEdit),
        review: a.has(Permission::CatalogReview),
        directory: a.has(Permission::CatalogDirectory),
        org: a.has(Permission::OrgManage) || a.has(Permission::OrgImport),
        import: a.has(Permission::OrgImport) || a.has(Permission::CatalogImport),
        catalog: a.has(Permission::CatalogImport),
        sso: a.has(Permission::OidcClientsManage),
        staff: a.has(Permission::AccountsManage) || a.has(Permission::RolesManage),
        admin_changes: yiwang_identity::admins::admin_role_of(a).is_some(),
        tokens: a.has(Permission::ApiTokensManage) || a.has(Permission::KeysRotate),
        credit: a.has(Permission::CreditManage),
        audit: a.has(Permission::AuditRead),
        cases: a.has(Permission::CaseRead),
        window: a.has(Permission::CaseReceive),
        supervision: a.has(Permission::CaseSupervise),
        recovery: a.has(Permission::AccountRecover),
        licences: a.has(Permission::LicenceIssue),
        licence_types: a.has(Permission::LicenceManage),
        exchange: cx.exchange_areas(),
        exchange_works: cx.exchange_areas().works(),
    }
}

async fn dashboard(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let c = can(&cx);
    let (drafts, submitted, published) = if c.read_drafts {
        match dashboard_counts(&state, &cx).await {
            Ok((d, s, p)) => (Some(d), Some(s), Some(p)),
            Err(e) => return cx.fail(&e),
        }
    } else {
        (None, None, None)
    };
    let queues = match super::start::queues(&state, &cx).await {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let claim = match super::supervision::claim_block(&state, &cx).await {
        Ok(b) => b,
        Err(e) => return cx.fail(&e),
    };
    let watch = match super::supervision::warnings_block(&state, &cx).await {
        Ok(b) => b,
        Err(e) => return cx.fail(&e),
    };
    cx.render("admin/dashboard.html", "admin", context! { counts => context! { drafts, submitted, published }, queues => ser(&queues), can => ser(&c), flash => flash(&cx), claim, watch })
}

/// The dashboard's counts of drafts, submitted versions and published items within reach.
async fn dashboard_counts(state: &AppState, cx: &PageCx) -> Result<(i64, i64, i64), Error> {
    let count = |f: AdminFilter| async move {
        state
            .catalog
            .admin_items(&cx.ctx, &f, Page { page: 1, size: 1 })
            .await
            .map(|p| p.total)
    };
    Ok((
        count(AdminFilter {
            version_status: Some("draft".into()),
            ..Default::default()
        })
        .await?,
        count(AdminFilter {
            version_status: Some("submitted".into()),
            ..Default::default()
        })
        .await?,
        count(AdminFilter {
            status: Some("published".into()),
            ..Default::default()
        })
        .await?,
    ))
}

#[derive(serde::Deserialize, Default, Serialize)]
struct ItemsQuery {
    q: Option<String>,
    status: Option<String>,
    version_status: Option<String>,
    page: Option<u32>,
}

async fn items(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let q: ItemsQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let page = Page {
        page: q.page.unwrap_or(1).max(1),
        size: 30,
    };
    let f = AdminFilter {
        q: q.q.clone(),
        status: q.status.clone(),
        version_status: q.version_status.clone(),
        department_id: None,
    };
    match state.catalog.admin_items(&cx.ctx, &f, page).await {
        Ok(p) => {
            let mut pairs: Vec<(&str, String)> = Vec::new();
            for (k, v) in [
                ("q", &q.q),
                ("status", &q.status),
                ("version_status", &q.version_status),
            ] {
                if let Some(v) = v {
                    pairs.push((k, v.clone()));
                }
            }
            let base = if pairs.is_empty() {
                "/admin/items".to_string()
            } else {
                format!(
                    "/admin/items?{}",
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish()
                )
            };
            let statuses: Vec<Value> = VersionStatus::ALL
                .iter()
                .map(|s| context! { code => s.as_str(), label => cx.lang.pick(s.zh(), s.en()) })
                .collect();
            cx.render(
                "admin/items.html",
                "admin",
                context! { page => ser(&p), pager => pager(&base, p.page, p.total, p.size), f => ser(&q), statuses, can_edit => can(&cx).edit },
            )
        }
        Err(e) => cx.fail(&e),
    }
}

async fn item_context(state: &AppState, cx: &PageCx, code: &str) -> Result<Value, Error> {
    let item = state.catalog.item(&cx.ctx, code).await?;
    let versions = state.catalog.versions(&cx.ctx, code).await?;
    let name = item
        .open
        .as_ref()
        .or(item.published.as_ref())
        .map(|v| v.elements.name.clone())
        .unwrap_or_default();
    let a = &cx.ctx.actor;
    let division = yiwang_kernel::codes::DivisionCode::parse(&item.division_code)
        .map_err(|e| Error::internal(e.en))?;
    let target = yiwang_kernel::auth::Target {
        department_id: Some(item.department_id),
        division: &division,
    };
    // The history is for those who may read drafts; asking without that right would only
    // record a refusal.
    let history = if a.may_on(Permission::CatalogReadDrafts, target) {
        state.catalog.history_of(&cx.ctx, code).await?
    } else {
        Vec::new()
    };
    // What the version in progress changes, field by field, against the published one.
    let changes = match (&item.open, &item.published) {
        (Some(open), Some(published)) => Some(yiwang_catalog::diff::compare(
            &published.elements,
            &open.elements,
        )),
        _ => None,
    };
    let can = context! {
        edit => a.may_on(Permission::CatalogEdit, target),
        review => a.may_on(Permission::CatalogReview, target),
    };
    const WHO: [&str; 4] = ["created_by", "updated_by", "submitted_by", "reviewed_by"];
    let open = actor_names(state, cx, item.open.as_slice(), &WHO).await?;
    let published = actor_names(state, cx, item.published.as_slice(), &WHO).await?;
    let versions = actor_names(state, cx, &versions, &WHO).await?;
    let history = actor_names(state, cx, &history, &["actor"]).await?;
    Ok(context! {
        name,
        open => ser(&open.first()),
        published => ser(&published.first()),
        item => ser(&item),
        versions => ser(&versions),
        history => ser(&history),
        changes => ser(&changes),
        can,
    })
}

async fn item(State(state): State<AppState>, cx: PageCx, Path(code): Path<String>) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    match item_context(&state, &cx, &code).await {
        Ok(ctx) => cx.render(
            "admin/item.html",
            "admin",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn item_action(
    State(state): State<AppState>,
    cx: PageCx,
    Path((code, action)): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let note = form.get("note");
    let ctx = &cx.ctx;
    let result = match action.as_str() {
        "submit" => state.catalog.submit(ctx, &code).await.map(|_| "submitted"),
        "withdraw" => state
            .catalog
            .withdraw(ctx, &code)
            .await
            .map(|_| "withdrawn"),
        "new-version" => state
            .catalog
            .new_version(ctx, &code)
            .await
            .map(|_| "new_version"),
        "retire" => state
            .catalog
            .retire(ctx, &code, note)
            .await
            .map(|_| "retired"),
        "review" => match form.get("decision") {
            "approve" => state
                .catalog
                .approve(ctx, &code, note)
                .await
                .map(|_| "approved"),
            "reject" => state
                .catalog
                .reject(ctx, &code, note)
                .await
                .map(|_| "rejected"),
            _ => Err(Error::field(FieldError::one_of(
                "decision",
                &["approve", "reject"],
            ))),
        },
        "discard" => match state.catalog.discard(ctx, &code).await {
            Ok(Some(_)) => Ok("discarded"),
            Ok(None) => return Redirect::to("/admin/items?done=discarded").into_response(),
            Err(e) => Err(e),
        },
        _ => Err(Error::not_found()),
    };
    match result {
        Ok(done) => Redirect::to(&format!("/admin/items/{code}?done={done}")).into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::NotFound) => cx.fail(&e),
        Err(e) => match item_context(&state, &cx, &code).await {
            Ok(ctx) => cx.render_error("admin/item.html", "admin", &e, ctx),
            Err(e2) => cx.fail(&e2),
        },
    }
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    page: Option<u32>,
}

async fn claim_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let q: ListQuery = cx.query()?;
    let search = q.q;
    let basics = state
        .catalog
        .list_basic(search.as_deref(), None, Page { page: 1, size: 100 })
        .await?
        .items;
    // Departments the caller may claim for.
    let departments = match (
        cx.ctx.actor.scope_of(Permission::CatalogEdit),
        cx.ctx.actor.staff(),
    ) {
        (Scope::Department(id), _) => found(state.org.department(id).await)?.into_iter().collect(),
        (Scope::Division(d), _) => {
            state
                .org
                .list_departments(
                    &DepartmentFilter {
                        division: Some(d),
                        ..Default::default()
                    },
                    Page { page: 1, size: 100 },
                )
                .await?
                .items
        }
        _ => Vec::new(),
    };
    Ok(context! { basics => ser(&basics), departments => ser(&departments), q => search })
}

async fn claim_page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    match claim_context(&state, &cx).await {
        Ok(ctx) => cx.render("admin/claim.html", "admin", ctx),
        Err(e) => cx.fail(&e),
    }
}

async fn claim(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let input = ClaimInput {
        basic_code: form.get("basic_code").trim().to_string(),
        department_id: form.get("department_id").parse().unwrap_or(0),
        division_code: Some(form.get("division_code").trim().to_string()).filter(|s| !s.is_empty()),
        code: Some(form.get("code").trim().to_string()).filter(|s| !s.is_empty()),
    };
    match state.catalog.claim(&cx.ctx, &input).await {
        Ok(item) => Redirect::to(&format!("/admin/items/{}/edit", item.code)).into_response(),
        Err(e) if e.code == ErrorCode::Unauthenticated => cx.fail(&e),
        Err(e) => match claim_context(&state, &cx).await {
            Ok(ctx) => cx.render_error("admin/claim.html", "admin", &e, ctx),
            Err(e2) => cx.fail(&e2),
        },
    }
}

async fn basic_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let q: ListQuery = cx.query()?;
    let page = Page {
        page: q.page.unwrap_or(1).max(1),
        size: 50,
    };
    let search = q.q;
    let p = state
        .catalog
        .list_basic(search.as_deref(), None, page)
        .await?;
    let base = match &search {
        Some(s) => format!("/admin/basic?q={}", super::urlencode(s)),
        None => "/admin/basic".into(),
    };
    Ok(
        context! { pager => pager(&base, p.page, p.total, p.size), page => ser(&p), q => search, can_create => cx.ctx.actor.has(Permission::CatalogDirectory) },
    )
}

async fn basic_page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    match basic_context(&state, &cx).await {
        Ok(ctx) => cx.render(
            "admin/basic.html",
            "admin",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn basic_create(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let limit = form.get("statutory_limit").trim();
    let input = BasicItemInput {
        code: form.get("code").trim().to_string(),
        name: form.get("name").trim().to_string(),
        item_type: form.get("item_type").trim().to_string(),
        legal_basis: form.get("legal_basis").trim().to_string(),
        statutory_limit: if limit.is_empty() {
            None
        } else {
            limit.parse().ok()
        },
        statutory_unit: "1".into(),
        ..Default::default()
    };
    match state.catalog.create_basic(&cx.ctx, &input).await {
        Ok(_) => Redirect::to("/admin/basic?done=created").into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => match basic_context(&state, &cx).await {
            Ok(ctx) => cx.render_error(
                "admin/basic.html",
                "admin",
                &e,
                context! { form => ser(&input), ..ctx },
            ),
            Err(e2) => cx.fail(&e2),
        },
    }
}

async fn org_context(state: &AppState, cx: &PageCx) -> Result<Value, Error> {
    let q: ListQuery = cx.query()?;
    let page = Page {
        page: q.page.unwrap_or(1).max(1),
        size: 50,
    };
    let division = match cx.ctx.actor.scope_of(Permission::OrgManage) {
        Scope::Division(d) => Some(d),
        _ => cx.ctx.actor.staff().map(|s| s.division.clone()),
    };
    let deps = state
        .org
        .list_departments(
            &DepartmentFilter {
                division: division.clone(),
                ..Default::default()
            },
            page,
        )
        .await?;
    let halls = state.org.list_halls(division.as_ref()).await?;
    let kinds: Vec<Value> = DeptKind::ALL
        .iter()
        .map(|k| context! { code => k.as_str(), label => cx.lang.pick(k.zh(), k.en()) })
        .collect();
    Ok(
        context! { pager => pager("/admin/org", deps.page, deps.total, deps.size), departments => ser(&deps), halls => ser(&halls), kinds },
    )
}

async fn org_page(State(state): State<AppState>, cx: PageCx) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    match org_context(&state, &cx).await {
        Ok(ctx) => cx.render(
            "admin/org.html",
            "admin",
            context! { flash => flash(&cx), ..ctx },
        ),
        Err(e) => cx.fail(&e),
    }
}

async fn dept_create(State(state): State<AppState>, cx: PageCx, form: FormData) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let input = DepartmentInput {
        uscc: form.get("uscc").into(),
        name: form.get("name").into(),
        short_name: form.get("short_name").into(),
        division_code: form.get("division_code").into(),
        parent_uscc: form.get("parent_uscc").into(),
        kind: form.get("kind").into(),
        phone: form.get("phone").into(),
        address: form.get("address").into(),
    };
    match state.org.create_department(&cx.ctx, &input).await {
        Ok(_) => Redirect::to("/admin/org?done=created").into_response(),
        Err(e) if matches!(e.code, ErrorCode::Unauthenticated | ErrorCode::Forbidden) => {
            cx.fail(&e)
        }
        Err(e) => match org_context(&state, &cx).await {
            Ok(ctx) => cx.render_error(
                "admin/org.html",
                "admin",
                &e,
                context! { form => ser(&input), ..ctx },
            ),
            Err(e2) => cx.fail(&e2),
        },
    }
}

fn import_can(cx: &PageCx) -> Value {
    context! { org => cx.ctx.actor.has(Permission::OrgImport), catalog => cx.ctx.actor.has(Permission::CatalogImport) }
}

async fn import_page(cx: PageCx) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    cx.render(
        "admin/import.html",
        "admin",
        context! { can => import_can(&cx) },
    )
}

fn report_text(lang: Lang, created: usize, updated: usize, encoding: &str) -> String {
    i18n::text("import.done", lang)
        .replace("{c}", &created.to_string())
        .replace("{u}", &updated.to_string())
        .replace("{e}", encoding)
}

async fn import_upload(
    State(state): State<AppState>,
    cx: PageCx,
    Path(what): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = signed_in(&cx) {
        return cx.fail(&e);
    }
    let parts = match crate::transfer::multipart_parts(&headers, body).await {
        Ok(p) => p,
        Err(e) => {
            return cx.render_error(
                "admin/import.html",
                "admin",
                &e,
                context! { can => import_can(&cx) },
            );
        }
    };
    let part = |n: &str| {
        parts
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_slice())
    };
    let result = match what.as_str() {
        "departments" => match part("file") {
            Some(bytes) => state
                .org
                .import_departments(&cx.ctx, bytes)
                .await
                .map(|r| report_text(cx.lang, r.created, r.updated, &r.encoding)),
            None => Err(Error::field(FieldError::required("file"))),
        },
        "items" => match part("items") {
            Some(items) => {
                let files = yiwang_catalog::io::ImportFiles {
                    items,
                    materials: part("materials"),
                    fees: part("fees"),
                    faqs: part("faqs"),
                    steps: part("steps"),
                };
                state
                    .catalog
                    .import_items(&cx.ctx, files)
                    .await
                    .map(|r| report_text(cx.lang, r.created, r.updated, &r.encoding))
            }
            None => Err(Error::field(FieldError::required("items"))),
        },
        _ => Err(Error::not_found()),
    };
    match result {
        Ok(report) => cx.render(
            "admin/import.html",
            "admin",
            context! { can => import_can(&cx), report },
        ),
        Err(e) => cx.render_error(
            "admin/import.html",
            "admin",
            &e,
            context! { can => import_can(&cx) },
        ),
    }
}
