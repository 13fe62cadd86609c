//! Server-rendered pages (minijinja templates embedded in the binary), Chinese first with an
//! English switch, and an elder-friendly large-text mode (适老化).
//!
//! Every visible string goes through the i18n catalog ([`crate::i18n`]) via the template
//! function `t(key)`; code values are shown through the catalog's code tables in the page's
//! language. Preferences (language, elder mode) are cookies set by `GET /prefs`.

mod account;
mod admin;
mod admin_changes;
mod appeal_admin;
mod appeal_hotline;
mod appeal_work;
mod appeals;
mod appeals_follow;
mod appform;
mod assets;
mod audit;
mod auth;
mod bundle_apply;
mod bundle_staff;
mod bundles_admin;
mod bundles_public;
mod calendar_admin;
mod cases;
mod casework;
mod credit;
pub(crate) mod errors;
mod exchange_access;
mod exchange_catalog;
mod exchange_collect;
mod exchange_editor;
mod exchange_lists;
mod exchange_sharing;
mod inspection_public;
mod inspection_staff;
mod item_editor;
mod licence_staff;
mod licences;
mod names;
mod open311_keys;
mod org_verify;
mod public;
mod receipts;
mod recovery;
mod sso;
mod staff;
mod start;
mod supervision;
mod supervision_watch;
mod template_list;

pub use auth::{DemoHint, FormData};
pub use errors::{ErrorView, bad_query, error_page, error_page_in, found, not_found_page};

use std::sync::OnceLock;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, State, Value, context};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use yiwang_catalog::codes::ALL_TABLES;
use yiwang_kernel::auth::{Actor, Ctx, Permission};
use yiwang_kernel::clock::CHINA_OFFSET;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode};

use crate::AppState;
use crate::i18n;
use crate::session::CurrentSession;

use template_list::TEMPLATES;

/// Every template's name and source (the i18n key test and the render-every-template test
/// walk them; a new template must be added to `TEMPLATES` in `template_list.rs`).
pub fn template_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    TEMPLATES.iter().copied()
}

/// The names of every template.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(n, _)| *n)
}

/// The template environment.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Templates, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .map_err(|e| Error::internal(format!("template {name}: {e}")))?;
        }
        env.add_global("asset_v", assets::VERSION.as_str());
        env.add_function("t", f_t);
        env.add_function("code", f_code);
        env.add_function("codes", f_codes);
        env.add_function("opts", f_opts);
        env.add_function("limit", f_limit);
        env.add_function("pct", f_pct);
        env.add_function("yesno", f_yesno);
        env.add_function("dt", f_dt);
        env.add_function("status", f_status);
        env.add_function("item_status", f_item_status);
        env.add_function("action", f_action);
        env.add_function("kind", f_kind);
        env.add_function("hall_kind", f_hall_kind);
        env.add_function("window_kind", f_window_kind);
        env.add_function("case_status", f_case_status);
        env.add_function("pick", f_pick);
        env.add_function("tk", f_tk);
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::internal(format!("render {name}: {e:#}")))
    }
}

/// The shared template environment.
pub fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| match Templates::new() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "templates failed to load");
            Templates {
                env: Environment::new(),
            }
        }
    })
}

fn lang(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::Zh)
}

fn f_t(state: &State, key: &str) -> String {
    i18n::text(key, lang(state))
}

fn table(key: &str) -> Option<&'static yiwang_catalog::codes::CodeTable> {
    ALL_TABLES.iter().copied().find(|t| t.key == key)
}

fn f_code(state: &State, table_key: &str, code: Value) -> String {
    let code = code.to_string();
    match table(table_key) {
        Some(t) => t.label(&code, lang(state)),
        None => code,
    }
}

fn f_codes(state: &State, table_key: &str, codes: Value) -> String {
    let sep = if lang(state) == Lang::Zh { "、" } else { ", " };
    match codes.try_iter() {
        Ok(it) => it
            .map(|c| f_code(state, table_key, c))
            .collect::<Vec<_>>()
            .join(sep),
        Err(_) => String::new(),
    }
}

#[derive(Serialize)]
struct Opt {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

/// Options of a code table with the current value(s) marked.
fn f_opts(state: &State, table_key: &str, current: Value) -> Vec<Value> {
    let selected: Vec<String> = match current.try_iter() {
        Ok(it) if current.as_str().is_none() => it.map(|v| v.to_string()).collect(),
        _ => vec![current.to_string()],
    };
    let l = lang(state);
    table(table_key)
        .map(|t| {
            t.entries
                .iter()
                .map(|e| {
                    ser(&Opt {
                        code: e.code,
                        label: l.pick(e.zh, e.en),
                        selected: selected.iter().any(|s| s == e.code),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A time limit: `0` is 即办 (instant), otherwise the number and its unit.
fn f_limit(state: &State, n: i64, unit: &str) -> String {
    let l = lang(state);
    if n == 0 {
        return i18n::text("limit.instant", l);
    }
    let unit = table("time_unit")
        .map(|t| t.label(unit, l))
        .unwrap_or_default();
    match l {
        Lang::Zh => format!("{n}个{unit}")
            .replace("个月", "个月")
            .replace("个年", "年")
            .replace("个小时", "小时"),
        Lang::En => format!("{n} {unit}"),
    }
}

fn f_pct(state: &State, rate: Value) -> String {
    match rate
        .as_i64()
        .map(|v| v as f64)
        .or_else(|| f64::try_from(rate.clone()).ok())
    {
        Some(r) if !rate.is_none() && !rate.is_undefined() => format!("{:.1}%", r * 100.0),
        _ => i18n::text("guide.not_applicable", lang(state)),
    }
}

fn f_yesno(state: &State, b: Value) -> String {
    i18n::text(if b.is_true() { "yes" } else { "no" }, lang(state))
}

/// An RFC 3339 timestamp shown in China time, `2026-11-22 15:15`.
fn f_dt(v: Value) -> String {
    let s = v.to_string();
    match OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(CHINA_OFFSET);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => s,
    }
}

fn f_status(state: &State, s: &str) -> String {
    match yiwang_catalog::VersionStatus::parse(s) {
        Some(v) => lang(state).pick(v.zh(), v.en()).to_string(),
        None => s.to_string(),
    }
}

fn f_item_status(state: &State, s: &str) -> String {
    i18n::text(&format!("item_status.{s}"), lang(state))
}

fn f_action(state: &State, s: &str) -> String {
    i18n::text(&format!("history.{s}"), lang(state))
}

/// The text of a key made of a prefix and a value (`tk("warning", "red")` → `warning.red`);
/// nothing for a missing value.
fn f_tk(state: &State, prefix: &str, v: Value) -> String {
    if v.is_undefined() || v.is_none() {
        return String::new();
    }
    i18n::text(&format!("{prefix}.{v}"), lang(state))
}

/// A case status (`handling` …) in the page's language.
fn f_case_status(state: &State, s: &str) -> String {
    yiwang_cases::Status::parse(s)
        .map(|x| lang(state).pick(x.zh(), x.en()).to_string())
        .unwrap_or_else(|| s.to_string())
}

/// The Chinese or the English of a pair a domain gives in both (an event's name …).
fn f_pick(state: &State, zh: Value, en: Value) -> String {
    let text = |v: &Value| {
        if v.is_undefined() || v.is_none() {
            String::new()
        } else {
            v.to_string()
        }
    };
    let (zh, en) = (text(&zh), text(&en));
    if lang(state) == Lang::En && !en.is_empty() {
        en
    } else {
        zh
    }
}

fn f_kind(state: &State, s: &str) -> String {
    yiwang_org::DeptKind::parse(s)
        .map(|k| lang(state).pick(k.zh(), k.en()).to_string())
        .unwrap_or_else(|| s.to_string())
}

fn f_hall_kind(state: &State, s: &str) -> String {
    yiwang_org::HallKind::parse(s)
        .map(|k| lang(state).pick(k.zh(), k.en()).to_string())
        .unwrap_or_else(|| s.to_string())
}

fn f_window_kind(state: &State, s: &str) -> String {
    yiwang_org::WindowKind::parse(s)
        .map(|k| lang(state).pick(k.zh(), k.en()).to_string())
        .unwrap_or_else(|| s.to_string())
}

/// Any serialisable value as a template value.
pub fn ser<T: Serialize + ?Sized>(v: &T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

/// The signed-in member of staff as shown in the header.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub name: String,
    pub username: String,
    pub department: String,
    pub roles: String,
}

/// The signed-in natural person as shown in the header, with the enterprise the session acts
/// for (shown prominently on every page).
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub name: String,
    pub acting_for: Option<ActingView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActingView {
    pub org_id: i64,
    pub name: String,
    pub uscc: String,
    pub administrator: bool,
}

/// Everything a page needs about the request: who, which language, which mode, where.
pub struct PageCx {
    pub ctx: Ctx,
    pub lang: Lang,
    pub elder: bool,
    pub csrf: Option<String>,
    pub path: String,
    /// The member of staff signed in, if any.
    pub user: Option<UserView>,
    /// The natural person signed in, if any.
    pub person: Option<PersonView>,
    /// The session token (a person's page switches what the session acts for).
    pub token: Option<String>,
}

impl FromRequestParts<AppState> for PageCx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cur = parts
            .extensions
            .get::<CurrentSession>()
            .cloned()
            .unwrap_or_default();
        let lang = crate::extract::lang_of(parts);
        let elder = crate::session::cookie(&parts.headers, "yiwang_elder").as_deref() == Some("1");
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let source = crate::proxy::source_of(&parts.extensions);
        let token = cur.1.clone();
        let (actor, csrf) = match cur.0 {
            Some(s) => (s.actor, Some(s.csrf)),
            None => (Actor::Anonymous, None),
        };
        let person = actor.person().map(|p| PersonView {
            name: p.name.clone(),
            acting_for: p.acting_for.as_ref().map(|a| ActingView {
                org_id: a.org_id,
                name: a.name.clone(),
                uscc: a.uscc.clone(),
                administrator: a.administrator,
            }),
        });
        let user = match actor.staff() {
            Some(s) => {
                // A department gone is a blank name; a database that cannot answer is the
                // error page.
                let department = match found(state.org.department(s.department_id).await) {
                    Ok(d) => d.map(|d| d.name).unwrap_or_default(),
                    Err(e) => return Err(error_page_in(&e, lang)),
                };
                Some(UserView {
                    name: s.name.clone(),
                    username: s.username.clone(),
                    department,
                    roles: s
                        .roles
                        .iter()
                        .map(|r| lang.pick(r.zh(), r.en()))
                        .collect::<Vec<_>>()
                        .join(if lang == Lang::Zh { "、" } else { ", " }),
                })
            }
            None => None,
        };
        Ok(PageCx {
            ctx: Ctx::new(actor, source),
            lang,
            elder,
            csrf,
            path,
            user,
            person,
            token,
        })
    }
}

impl PageCx {
    fn base(&self, nav: &str) -> Value {
        context! {
            lang => self.lang.as_str(),
            elder => self.elder,
            csrf => self.csrf.clone().unwrap_or_default(),
            path => self.path.clone(),
            user => ser(&self.user),
            person => ser(&self.person),
            nav => nav,
            // Which case areas the header links to.
            nav_can => context! {
                cases => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::CaseRead),
                window => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::CaseReceive),
                supervision => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::CaseSupervise),
                watch => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::SupervisionHandle),
                licences => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::LicenceIssue),
                licence_types => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::LicenceManage),
                exchange_calls => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::ExchangeProvide),
                exchange => self.exchange_areas().works(),
                // Appeals (12345 诉求): the operator's screen and the work orders.
                hotline => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::AppealIntake),
                staff_appeals => appeal_work::works_appeals(self),
                appeal_admin => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::AppealAdmin),
                inspections => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::InspectionRecord),
                // The supervision dashboards (一屏全览).
                dashboards => self.ctx.actor.staff().is_some() && self.ctx.actor.has(Permission::SupervisionView),
                // The exchange pages' own navigation (`staff/exchange_nav.html`).
                exchange_areas => ser(&self.exchange_areas()),
            },
        }
    }

    /// The parts of data sharing the signed-in caller works in (decided by the exchange
    /// domain from the permissions its checks ask for).
    pub fn exchange_areas(&self) -> yiwang_exchange::Areas {
        yiwang_exchange::Areas::of(&self.ctx.actor)
    }

    /// Renders a page; `extra` is merged over the common context.
    pub fn render(&self, name: &str, nav: &str, extra: Value) -> Response {
        let ctx = context! { ..extra, ..self.base(nav) };
        match templates().render(name, ctx) {
            Ok(html) => Html(html).into_response(),
            Err(e) => error_page_in(&e, self.lang),
        }
    }

    /// Renders a page with an error box above its content, with the error's status. A failure
    /// of the server (5xx: the database unreachable …) is no problem of the input: it is the
    /// error page, like [`PageCx::fail`], never the page with whatever could be shown.
    pub fn render_error(&self, name: &str, nav: &str, e: &Error, extra: Value) -> Response {
        if e.status() >= 500 {
            return self.fail(e);
        }
        self.render_problems(name, nav, e, ErrorView::of(e, self.lang), extra)
    }

    /// Renders a page with the error box of `view` (see [`PageCx::render_error`]): each
    /// problem of the summary links to its input and is named by its label, both as found on
    /// the page.
    pub fn render_problems(
        &self,
        name: &str,
        nav: &str,
        e: &Error,
        mut view: ErrorView,
        extra: Value,
    ) -> Response {
        if e.status() >= 500 {
            return self.fail(e);
        }
        crate::error::log(e);
        let base = self.base(nav);
        let html = |view: &ErrorView| {
            let page = context! { ..extra.clone(), ..base.clone() };
            templates().render(name, context! { error => ser(view), ..page })
        };
        let first = match html(&view) {
            Ok(h) => h,
            Err(err) => return error_page_in(&err, self.lang),
        };
        let page = if view.locate(&first, self.lang) {
            match html(&view) {
                Ok(h) => h,
                Err(err) => return error_page_in(&err, self.lang),
            }
        } else {
            first
        };
        let mut r = Html(page).into_response();
        *r.status_mut() = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        crate::error::retry_after(&mut r, e);
        r
    }

    /// The error page for a failed action (sign-in required leads to the sign-in page).
    pub fn fail(&self, e: &Error) -> Response {
        if e.code == ErrorCode::Unauthenticated {
            return Redirect::to(&format!("/signin?next={}", urlencode(&self.path)))
                .into_response();
        }
        error_page_in(e, self.lang)
    }
}

impl PageCx {
    /// The query string of the page's address (without `?`; empty when there is none).
    pub fn query_str(&self) -> &str {
        self.path.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    /// The page's query string as `T`. Missing and empty parameters are absent (`?page=` is
    /// page 1); a value that does not fit (`?page=abc`, `?page=-1`) is a 400 naming the
    /// parameter ([`bad_query`]), never silently ignored.
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, Error> {
        crate::extract::query_field(self.query_str()).map_err(bad_query)
    }
}

/// The one rule for every redirect a request names (`next=`): a path on this site, else
/// `default`. Anything a browser could read as another site — `//host`, `/\\host`, or those
/// hidden behind white space or control characters, which browsers strip (`/%09/host`) — and
/// anything that cannot be a header value (CR, LF) falls back to `default`.
pub(crate) fn safe_next(n: &str, default: &str) -> String {
    if n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control() || c.is_whitespace())
        && axum::http::HeaderValue::from_str(n).is_ok()
    {
        n.to_string()
    } else {
        default.to_string()
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Paging links for a template (`pager.*`): numbers around the current page, 0 = gap.
pub fn pager(base: &str, page: u32, total: i64, size: u32) -> Value {
    let pages = if size == 0 {
        0
    } else {
        ((total + i64::from(size) - 1) / i64::from(size)).max(0) as u32
    };
    let mut numbers = Vec::new();
    for p in 1..=pages {
        if p == 1 || p == pages || (p + 2 >= page && p <= page + 2) {
            numbers.push(p);
        } else if numbers.last() != Some(&0) {
            numbers.push(0);
        }
    }
    let sep = if base.contains('?') { "&" } else { "?" };
    context! {
        base => format!("{base}{sep}"),
        current => page,
        pages => pages,
        numbers => numbers,
        prev => if page > 1 { Some(page - 1) } else { None },
        next => if page < pages { Some(page + 1) } else { None },
    }
}

/// A moment in China time, `2026-11-22 15:15:07`.
pub fn china_time(t: OffsetDateTime) -> String {
    yiwang_kernel::clock::china_datetime(t)
}

/// The China-time day of a moment, `2026-11-22`.
pub fn china_date(t: OffsetDateTime) -> String {
    let d = t.to_offset(CHINA_OFFSET).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A numeric id from a path segment; anything else is "not found", never a 500.
pub fn id_of(s: &str) -> Result<i64, Error> {
    s.parse::<i64>().map_err(|_| Error::not_found())
}

/// The `done=` flash message of a page after a redirect.
pub fn flash(cx: &PageCx) -> Option<String> {
    form_urlencoded::parse(cx.query_str().as_bytes())
        .find(|(k, _)| k == "done")
        .map(|(_, v)| i18n::text(&format!("flash.{v}"), cx.lang))
        .filter(|t| !t.starts_with("flash."))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::router())
        .merge(public::router())
        .merge(auth::router())
        .merge(account::router())
        .merge(cases::router())
        .merge(licences::router())
        .merge(casework::router())
        .merge(licence_staff::router())
        .merge(org_verify::router())
        .merge(receipts::router())
        .merge(recovery::router())
        .merge(admin::router())
        .merge(sso::router())
        .merge(staff::router())
        .merge(admin_changes::router())
        .merge(audit::router())
        .merge(exchange_sharing::router())
        .merge(exchange_access::router())
        .merge(exchange_collect::router())
        .merge(exchange_catalog::router())
        .merge(exchange_editor::router())
        .merge(exchange_lists::router())
        .merge(calendar_admin::router())
        .merge(bundle_apply::router())
        .merge(bundle_staff::router())
        .merge(bundles_public::router())
        .merge(bundles_admin::router())
        .merge(appeals::router())
        .merge(appeal_hotline::router())
        .merge(appeal_work::router())
        .merge(appeal_admin::router())
        .merge(open311_keys::router())
        .merge(inspection_staff::router())
        .merge(inspection_public::router())
        .merge(supervision_watch::router())
        .merge(credit::router())
        .merge(supervision::router())
}

#[cfg(test)]
mod tests;
