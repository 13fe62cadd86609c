//! The citizen's appeal pages (12345 诉求 / 随手拍): what 12345 is and the knowledge base
//! (`/appeals`), filing an appeal with photos and a point picked on the map (`/appeals/new`)
//! with likely duplicates offered before filing, and the receipt. Following an appeal (mine,
//! the owner's page, the anonymous query) is `appeals_follow`.
//!
//! `AppealService` decides everything (who may file, validation, routing, duplicates); the
//! handlers turn the form into a `NewAppeal` and problems into the page's error summary.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yiwang_appeals::{
    AppealBrief, AppealType, AppealView, CategoryView, Channel, LonLat, MapRequest, NewAppeal,
    PhotoUpload,
};
use yiwang_kernel::auth::Actor;
use yiwang_kernel::i18n::Lang;
use yiwang_kernel::{Error, ErrorCode, FieldError};

use super::appform::{ErrText, Errs, input_id};
use super::{ErrorView, PageCx, ser};
use crate::AppState;
use crate::transfer::Multipart;

/// Largest filing body: nine photos of 10 MB and the form.
pub const APPEAL_BODY_LIMIT: usize = 9 * 10 * 1024 * 1024 + 1024 * 1024;

/// The photo types the input offers (the server decides by content).
pub const PHOTO_ACCEPT: &str = ".jpg,.jpeg,.png,image/jpeg,image/png";

/// Width of the map in the filing form (viewBox units follow the projection).
const MAP_WIDTH: u32 = 720;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/appeals", get(home))
        .route(
            "/appeals/new",
            get(new_page)
                .post(file)
                .layer(DefaultBodyLimit::max(APPEAL_BODY_LIMIT)),
        )
        .merge(super::appeals_follow::router())
}

#[derive(Deserialize, Default)]
struct HomeQuery {
    q: Option<String>,
}

/// What 12345 is, the ways in, and the knowledge base's common answers.
async fn home(State(state): State<AppState>, cx: PageCx) -> Response {
    let q: HomeQuery = match cx.query() {
        Ok(q) => q,
        Err(e) => return cx.fail(&e),
    };
    let q = q.q.unwrap_or_default().trim().to_string();
    let shown = context! { q => q.clone() };
    if q.is_empty() {
        return cx.render("appeals/home.html", "appeals", shown);
    }
    match state.appeals.knowledge(&q, None, 10).await {
        Ok(answers) => cx.render(
            "appeals/home.html",
            "appeals",
            context! { answers => ser(&answers), searched => true, ..shown },
        ),
        Err(e) => cx.render_error("appeals/home.html", "appeals", &e, shown),
    }
}

/// The filing form as typed (kept when the page is shown again).
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct AppealForm {
    pub appeal_type: String,
    pub category: String,
    pub title: String,
    pub content: String,
    pub address: String,
    pub lon: String,
    pub lat: String,
    pub anonymous: bool,
    pub confidential: bool,
    pub contact_name: String,
    pub contact_phone: String,
    pub complained_unit: String,
}

impl AppealForm {
    fn of(mp: &Multipart) -> AppealForm {
        let t = |k: &str| mp.get(k).trim().to_string();
        let flag = |k: &str| matches!(mp.get(k), "1" | "on" | "true");
        AppealForm {
            appeal_type: t("appeal_type"),
            category: t("category"),
            title: t("title"),
            content: mp.get("content").trim().to_string(),
            address: t("address"),
            lon: t("lon"),
            lat: t("lat"),
            anonymous: flag("anonymous"),
            confidential: flag("confidential"),
            contact_name: t("contact_name"),
            contact_phone: t("contact_phone"),
            complained_unit: t("complained_unit"),
        }
    }

    /// The point typed or picked: both coordinates or none; anything else names its input.
    fn point(&self) -> Result<Option<LonLat>, Error> {
        if self.lon.is_empty() && self.lat.is_empty() {
            return Ok(None);
        }
        let num = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
        let mut problems = Vec::new();
        let lon = num(&self.lon);
        let lat = num(&self.lat);
        if !lon.is_some_and(|v| (-180.0..=180.0).contains(&v)) {
            problems.push(FieldError::new(
                "lon",
                "point.lon",
                "经度应为 -180 到 180 之间的数字（如 110.3594）",
                "Longitude must be a number from -180 to 180 (e.g. 110.3594)",
            ));
        }
        if !lat.is_some_and(|v| (-90.0..=90.0).contains(&v)) {
            problems.push(FieldError::new(
                "lat",
                "point.lat",
                "纬度应为 -90 到 90 之间的数字（如 21.2707）",
                "Latitude must be a number from -90 to 90 (e.g. 21.2707)",
            ));
        }
        match (lon, lat) {
            (Some(lon), Some(lat)) if problems.is_empty() => Ok(LonLat::new(lon, lat)),
            _ => Err(Error::validation(problems)),
        }
    }

    fn appeal_type(&self) -> Result<AppealType, Error> {
        AppealType::parse(&self.appeal_type).ok_or_else(|| {
            let codes: Vec<&str> = AppealType::ALL.iter().map(|t| t.as_str()).collect();
            Error::field(if self.appeal_type.is_empty() {
                FieldError::required("appeal_type")
            } else {
                FieldError::one_of("appeal_type", &codes)
            })
        })
    }
}

/// The input a problem's path concerns on the filing form (`point.lat` → `lat`, `photos[2]`
/// → `photos`).
fn input_of(path: &str) -> String {
    let head = &path[..path.find('[').unwrap_or(path.len())];
    match head {
        "point" | "point.lat" | "lat" | "location" => "lat".into(),
        "point.lon" | "lon" | "long" => "lon".into(),
        "type" | "appeal_type" => "appeal_type".into(),
        "phone" | "contact.phone" => "contact_phone".into(),
        "name" | "contact.name" => "contact_name".into(),
        other => other.split('.').next().unwrap_or(other).to_string(),
    }
}

/// Every field problem of `e` next to its input.
pub(super) fn placed(e: &Error, lang: Lang) -> Errs {
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    let mut out: Errs = BTreeMap::new();
    for f in &e.fields {
        let name = input_of(&f.field);
        let t = f.text(lang).to_string();
        out.entry(name.clone())
            .and_modify(|x| {
                if !x.text.contains(&t) {
                    x.text.push_str(sep);
                    x.text.push_str(&t);
                }
            })
            .or_insert(ErrText {
                id: format!("{}-error", input_id(&name)),
                text: t,
            });
    }
    out
}

/// The error summary of `e` on a page whose inputs are named as [`input_of`] says.
pub(super) fn summary(e: &Error, lang: Lang) -> ErrorView {
    ErrorView::placed(e, lang, &|path: &str| {
        (input_of(path), String::new(), false)
    })
}

#[derive(Serialize)]
struct CategoryGroup {
    name: String,
    items: Vec<CategoryView>,
}

/// The categories one may file under (those no other category hangs below), by group.
fn category_groups(all: Vec<CategoryView>) -> Vec<CategoryGroup> {
    let parents: std::collections::HashSet<String> =
        all.iter().filter_map(|c| c.parent_code.clone()).collect();
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for c in all.into_iter().filter(|c| !parents.contains(&c.code)) {
        let name = c.group_name.clone().unwrap_or_default();
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.items.push(c),
            None => groups.push(CategoryGroup {
                name,
                items: vec![c],
            }),
        }
    }
    groups
}

#[derive(Serialize)]
struct TypeOpt {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
}

/// Everything the filing form shows around the typed values.
async fn new_context(
    state: &AppState,
    cx: &PageCx,
    form: &AppealForm,
    errs: &Errs,
    duplicates: Option<&[AppealBrief]>,
    photos_dropped: bool,
) -> Result<Value, Error> {
    let categories = category_groups(state.appeals.categories(true).await?);
    let marker = form.point().ok().flatten();
    let map = state
        .appeals
        .map_svg(
            &cx.ctx,
            MapRequest {
                grids: true,
                orders: false,
                status: None,
                pick: true,
                marker,
                width: MAP_WIDTH,
            },
        )
        .await?;
    let types: Vec<TypeOpt> = AppealType::ALL
        .iter()
        .map(|t| TypeOpt {
            code: t.as_str(),
            zh: t.zh(),
            en: t.en(),
        })
        .collect();
    // A signed-in person's phone is on record: shown masked, used when the input is left empty.
    let account_phone = match &cx.ctx.actor {
        Actor::Person(_) => Some(state.identity.me(&cx.ctx).await?.phone),
        _ => None,
    };
    Ok(context! {
        f => ser(form),
        errs => ser(errs),
        categories => ser(&categories),
        types => ser(&types),
        map,
        accept => PHOTO_ACCEPT,
        account_phone,
        duplicates => ser(&duplicates),
        photos_dropped,
    })
}

/// The filing form, empty (a signed-in person's name filled in).
async fn new_page(State(state): State<AppState>, cx: PageCx) -> Response {
    let mut form = AppealForm {
        appeal_type: AppealType::Help.as_str().to_string(),
        ..Default::default()
    };
    if let Some(p) = &cx.person {
        form.contact_name = p.name.clone();
    }
    match new_context(&state, &cx, &form, &Errs::new(), None, false).await {
        Ok(ctx) => cx.render("appeals/new.html", "appeals", ctx),
        Err(e) => cx.fail(&e),
    }
}

/// The form again with the problem (or the error page when the form itself cannot be shown).
async fn form_error(state: &AppState, cx: &PageCx, form: &AppealForm, e: &Error) -> Response {
    if e.code == ErrorCode::Unauthenticated || e.status() >= 500 {
        return cx.fail(e);
    }
    let errs = placed(e, cx.lang);
    match new_context(state, cx, form, &errs, None, false).await {
        Ok(ctx) => cx.render_problems("appeals/new.html", "appeals", e, summary(e, cx.lang), ctx),
        Err(e2) => cx.fail(&e2),
    }
}

/// Files the appeal: likely duplicates are offered first (unless the filer chose to file
/// anyway), then the service validates, routes and answers the receipt.
async fn file(
    State(state): State<AppState>,
    cx: PageCx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mp = match crate::transfer::read_multipart(&headers, body).await {
        Ok(m) => m,
        Err(e) => return form_error(&state, &cx, &AppealForm::default(), &e).await,
    };
    let form = AppealForm::of(&mp);
    let (point, appeal_type) = match (form.point(), form.appeal_type()) {
        (Ok(p), Ok(t)) => (p, t),
        (Err(a), Err(b)) => {
            let mut fields = a.fields;
            fields.extend(b.fields);
            return form_error(&state, &cx, &form, &Error::validation(fields)).await;
        }
        (Err(e), _) | (_, Err(e)) => return form_error(&state, &cx, &form, &e).await,
    };
    let photos: Vec<PhotoUpload> = mp
        .files
        .iter()
        .filter(|f| f.name == "photos" && !f.bytes.is_empty())
        .map(|f| PhotoUpload {
            name: f.file_name.clone(),
            bytes: f.bytes.clone(),
        })
        .collect();
    let file_anyway = matches!(mp.get("file_anyway"), "1" | "on" | "true");
    if !file_anyway && !form.category.is_empty() && point.is_some() {
        match state
            .appeals
            .duplicates(&cx.ctx, &form.category, point)
            .await
        {
            Ok(d) if !d.is_empty() => {
                return match new_context(
                    &state,
                    &cx,
                    &form,
                    &Errs::new(),
                    Some(&d),
                    !photos.is_empty(),
                )
                .await
                {
                    Ok(ctx) => cx.render("appeals/new.html", "appeals", ctx),
                    Err(e) => cx.fail(&e),
                };
            }
            Ok(_) => {}
            // A problem of the input is the filing's to name, with every other one.
            Err(e) if e.status() < 500 => {}
            Err(e) => return cx.fail(&e),
        }
    }
    // A signed-in person leaving the phone empty is reached at the number on record.
    let mut phone = form.contact_phone.clone();
    if phone.is_empty() && !form.anonymous && matches!(cx.ctx.actor, Actor::Person(_)) {
        match state.identity.applicant(&cx.ctx).await {
            Ok(a) => phone = a.phone,
            Err(e) => return form_error(&state, &cx, &form, &e).await,
        }
    }
    let input = NewAppeal {
        channel: Channel::Web,
        appeal_type,
        category: form.category.clone(),
        title: form.title.clone(),
        content: form.content.clone(),
        address: form.address.clone(),
        division: None,
        point,
        contact_name: if form.anonymous {
            String::new()
        } else {
            form.contact_name.clone()
        },
        contact_phone: if form.anonymous { String::new() } else { phone },
        contact_email: String::new(),
        anonymous: form.anonymous,
        confidential: form.confidential,
        complained_unit: if appeal_type == AppealType::Complaint {
            form.complained_unit.clone()
        } else {
            String::new()
        },
        media_url: String::new(),
        photos,
    };
    match state.appeals.submit(&cx.ctx, input).await {
        Ok(filed) => {
            let owner = matches!(cx.ctx.actor, Actor::Person(_)) && !form.anonymous;
            if owner {
                Redirect::to(&format!(
                    "/appeals/{}?done=apc_filed",
                    filed.appeal.appeal_no
                ))
                .into_response()
            } else {
                // The query code is shown once, on this answer, never in an address.
                cx.render(
                    "appeals/receipt.html",
                    "appeals",
                    receipt(&filed.appeal, Some(&filed.token)),
                )
            }
        }
        Err(e) => form_error(&state, &cx, &form, &e).await,
    }
}

/// The receipt of a filed appeal: its number (and query code for anonymous filers), where it
/// went and by when it is due.
pub(super) fn receipt(v: &AppealView, token: Option<&str>) -> Value {
    context! {
        r => context! {
            appeal_no => v.appeal_no.clone(),
            token => token.map(str::to_string),
            status => v.status.as_str(),
            status_zh => v.status_zh.clone(),
            status_en => v.status_en.clone(),
            grid => v.grid.as_ref().map(|g| g.name.clone()),
            department => v.department.as_ref().map(|d| d.name.clone()),
            due => super::china_date(v.due_at),
            limit_days => v.limit_days,
            photos => v.photos.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_land_on_the_inputs_of_the_form() {
        assert_eq!(input_of("point"), "lat");
        assert_eq!(input_of("point.lon"), "lon");
        assert_eq!(input_of("photos[3]"), "photos");
        assert_eq!(input_of("contact_phone"), "contact_phone");
        assert_eq!(input_of("title"), "title");
    }

    #[test]
    fn a_point_is_both_coordinates_or_none() {
        let f = |lon: &str, lat: &str| AppealForm {
            lon: lon.into(),
            lat: lat.into(),
            ..Default::default()
        };
        assert_eq!(f("", "").point().unwrap(), None);
        let p = f("110.36", "21.27").point().unwrap().unwrap();
        assert!((p.lon - 110.36).abs() < 1e-9 && (p.lat - 21.27).abs() < 1e-9);
        let e = f("110.36", "").point().unwrap_err();
        assert_eq!(e.fields.len(), 1);
        assert_eq!(e.fields[0].field, "lat");
        let e = f("abc", "95").point().unwrap_err();
        assert_eq!(e.fields.len(), 2);
    }
}
