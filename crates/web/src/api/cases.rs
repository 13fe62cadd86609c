//! Applications and cases (办件): uploads and applications of signed-in persons, window
//! reception, the staff inbox and case actions, the public progress query, supervision,
//! process-data export and ratings (好差评).
//!
//! Every state-changing call takes the `revision` the caller last saw (optional but
//! recommended): if someone acted in between, the answer is `conflict` (409) naming the current
//! state, and nothing changes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_calendar::data::parse_date;
use yiwang_cases::model::WarningRow;
use yiwang_cases::{
    AppealDecision, Application, CaseSummary, CaseView, Followup, FollowupItem, FollowupStep,
    InboxFilter, MaterialRef, NoticeItem, Progress, Rating, RatingInput, SweepReport, UploadTicket,
    WindowApplication,
};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{Error, FieldError};

use crate::AppState;
use crate::api::auth::PageQuery;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_mine))
        .routes(routes!(upload_window))
        .routes(routes!(apply, my_cases))
        .routes(routes!(my_case))
        .routes(routes!(withdraw))
        .routes(routes!(supplement_mine))
        .routes(routes!(rate, my_ratings))
        .routes(routes!(progress))
        .routes(routes!(receive))
        .routes(routes!(inbox))
        .routes(routes!(case_detail))
        .routes(routes!(receipt))
        .routes(routes!(material))
        .routes(routes!(case_licence))
        .routes(routes!(accept))
        .routes(routes!(not_accept))
        .routes(routes!(notice))
        .routes(routes!(supplement_window))
        .routes(routes!(act))
        .routes(routes!(urge))
        .routes(routes!(start_special))
        .routes(routes!(end_special))
        .routes(routes!(deliver))
        .routes(routes!(case_ratings))
        .routes(routes!(warnings))
        .routes(routes!(sweep))
        .routes(routes!(process_data))
        .routes(routes!(followups))
        .routes(routes!(followup_step))
        .routes(routes!(appeals))
        .routes(routes!(decide_appeal))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (shown back; its extension must match the content).
    pub name: Option<String>,
}

async fn do_upload(
    state: &AppState,
    ctx: &yiwang_kernel::auth::Ctx,
    q: UploadQuery,
    headers: &HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<UploadTicket>)> {
    let bytes = crate::transfer::upload_for(ctx, headers, body, "file").await?;
    let name = q.name.unwrap_or_default();
    let t = state.cases.upload(ctx, &name, Bytes::from(bytes)).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Uploads one material file (PDF, JPEG, PNG or OFD; type from the content, at most 20 MiB)
/// for a later application; answers a ticket to present with it.
#[utoipa::path(post, path = "/api/v1/me/uploads", tag = "cases", security(("person" = [])),
    params(UploadQuery),
    request_body(content = Vec<u8>, description = "The file as the raw body, or the part `file` of multipart/form-data", content_type = "application/octet-stream"),
    responses((status = 201, body = UploadTicket), (status = 401, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 415, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn upload_mine(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<UploadTicket>)> {
    do_upload(&state, &ctx, q, &headers, body).await
}

/// Uploads a material at the window (clerks), for a window reception.
#[utoipa::path(post, path = "/api/v1/window/uploads", tag = "cases", security(("session" = ["case.receive"])),
    params(UploadQuery),
    request_body(content = Vec<u8>, description = "The file as the raw body, or the part `file` of multipart/form-data", content_type = "application/octet-stream"),
    responses((status = 201, body = UploadTicket), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 415, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn upload_window(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<UploadTicket>)> {
    do_upload(&state, &ctx, q, &headers, body).await
}

/// Applies online for an item (网上申报), for oneself or the enterprise one acts for. Send an
/// `Idempotency-Key` header: a retry with the same key answers the case created the first time
/// (200 instead of 201).
#[utoipa::path(post, path = "/api/v1/me/cases", tag = "cases", security(("person" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1–100 letters, digits or - _ . :")),
    request_body = Application,
    responses((status = 201, body = CaseView), (status = 200, body = CaseView, description = "a retry: the case the key created"),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn apply(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Application>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_string());
    let (view, created) = state.cases.submit(&ctx, &body, key.as_deref()).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(view),
    ))
}

/// My applications (or the enterprise's I act for), newest first.
#[utoipa::path(get, path = "/api/v1/me/cases", tag = "cases", security(("person" = [])),
    params(PageQuery),
    responses((status = 200, body = Paged<CaseSummary>), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn my_cases(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<CaseSummary>>> {
    let page = Page::new(q.page, q.size)?;
    Ok(Json(state.cases.my_cases(&ctx, page).await?))
}

/// One of my cases with its timeline, materials and form.
#[utoipa::path(get, path = "/api/v1/me/cases/{no}", tag = "cases", security(("person" = [])),
    params(("no" = String, Path, description = "Case number (办件编号)")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn my_case(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<CaseView>> {
    let v = state.cases.case(&ctx, &no).await?;
    Ok(Json(v))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Revised {
    /// The revision the caller last saw.
    pub revision: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WithReason {
    pub revision: Option<i64>,
    pub reason: String,
}

/// Withdraws my application (before the decision).
#[utoipa::path(post, path = "/api/v1/me/cases/{no}/withdraw", tag = "cases", security(("person" = [])),
    params(("no" = String, Path)), request_body = WithReason,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<WithReason>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .withdraw(&ctx, &no, b.revision, &b.reason)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SupplementBody {
    pub revision: Option<i64>,
    /// Changed form fields (merged into the form).
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub materials: Vec<MaterialRef>,
}

/// Hands in supplements (补正): new files and changed form fields.
#[utoipa::path(post, path = "/api/v1/me/cases/{no}/supplements", tag = "cases", security(("person" = [])),
    params(("no" = String, Path)), request_body = SupplementBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn supplement_mine(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<SupplementBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .supplement(&ctx, &no, b.revision, &b.form, &b.materials)
            .await?,
    ))
}

/// Rates a service of my case (好差评: 1 非常不满意 … 5 非常满意).
#[utoipa::path(post, path = "/api/v1/me/cases/{no}/ratings", tag = "cases", security(("person" = [])),
    params(("no" = String, Path)), request_body = RatingInput,
    responses((status = 201, body = Rating), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn rate(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<RatingInput>,
) -> ApiResult<(StatusCode, Json<Rating>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.cases.rate(&ctx, &no, &b).await?),
    ))
}

/// The ratings of my case and how bad ones were followed up.
#[utoipa::path(get, path = "/api/v1/me/cases/{no}/ratings", tag = "cases", security(("person" = [])),
    params(("no" = String, Path)),
    responses((status = 200, body = Vec<Rating>), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn my_ratings(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<Vec<Rating>>> {
    Ok(Json(state.cases.ratings_of(&ctx, &no).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// 办件编号.
    pub case_no: Option<String>,
    /// The applicant's ID number (or USCC), or the contact phone.
    pub credential: Option<String>,
}

/// Public progress query (办件进度查询): the steps and dates of a case, no personal data.
/// A wrong credential answers like an unknown case; failed queries are throttled per case
/// number and per caller (429 with `Retry-After`).
#[utoipa::path(get, path = "/api/v1/progress", tag = "cases", security(()),
    params(ProgressQuery),
    responses((status = 200, body = Progress), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
        (status = 429, body = ErrorResponse, headers(("Retry-After" = u64, description = "Seconds until a query may pass again")))))]
pub async fn progress(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ProgressQuery>,
) -> ApiResult<Json<Progress>> {
    Ok(Json(
        state
            .cases
            .progress(
                &ctx,
                q.case_no.as_deref().unwrap_or(""),
                q.credential.as_deref().unwrap_or(""),
            )
            .await?,
    ))
}

/// Window reception (窗口收件): a clerk files an application on the applicant's behalf.
#[utoipa::path(post, path = "/api/v1/window/cases", tag = "cases", security(("session" = ["case.receive"])),
    request_body = WindowApplication,
    responses((status = 201, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn receive(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<WindowApplication>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.cases.receive(&ctx, &b).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    pub status: Option<String>,
    pub item_code: Option<String>,
    /// `none`, `yellow` or `red`.
    pub warning: Option<String>,
    /// Submitted on or after, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only cases waiting for me.
    pub mine: Option<bool>,
    pub page: Option<u32>,
    pub size: Option<u32>,
}

fn date_param(field: &str, raw: Option<&str>) -> Result<Option<Date>, Error> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(s).map(Some).ok_or_else(|| {
            Error::field(FieldError::new(
                field,
                "date.format",
                format!("日期“{s}”无效，应为 YYYY-MM-DD"),
                format!("Invalid date \"{s}\"; expected YYYY-MM-DD"),
            ))
        }),
    }
}

/// The staff inbox: cases within reach, or waiting for me, filtered.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("session" = ["case.read"])),
    params(InboxQuery),
    responses((status = 200, body = Paged<CaseSummary>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn inbox(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<Paged<CaseSummary>>> {
    let f = InboxFilter {
        status: q.status,
        item_code: q.item_code,
        warning: q.warning,
        from: date_param("from", q.from.as_deref())?,
        to: date_param("to", q.to.as_deref())?,
        mine: q.mine.unwrap_or(false),
    };
    let page = Page::new(q.page, q.size)?;
    Ok(Json(state.cases.inbox(&ctx, &f, page).await?))
}

/// A case with its timeline, materials, form, stops and active steps.
#[utoipa::path(get, path = "/api/v1/cases/{no}", tag = "cases", security(("session" = ["case.read"])),
    params(("no" = String, Path)),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn case_detail(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(state.cases.case(&ctx, &no).await?))
}

/// The acceptance receipt (受理回执) of a case as a one-page PDF: case number with its QR code,
/// item, applicant (masked), materials received, acceptance and promised completion dates,
/// hotlines, the progress-query address. Window clerks (`case.receive`) only; audited.
#[utoipa::path(get, path = "/api/v1/cases/{no}/receipt.pdf", tag = "cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn receipt(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Response> {
    let site = yiwang_cases::Site {
        platform: crate::i18n::text("site.subtitle", yiwang_kernel::i18n::Lang::Zh),
        public_url: state.config.public_url.clone(),
    };
    let pdf = state.cases.receipt(&ctx, &no, &site).await?;
    Ok(crate::transfer::pdf_response(
        &format!("receipt-{}.pdf", no.trim()),
        pdf,
    ))
}

/// A material file of a case (audited).
#[utoipa::path(get, path = "/api/v1/cases/{no}/materials/{sha}", tag = "cases", security(("session" = ["case.read"])),
    params(("no" = String, Path), ("sha" = String, Path, description = "SM3 of the file, hex")),
    responses((status = 200, description = "the file, with the media type it was uploaded as", content((Vec<u8> = "*/*"))), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn material(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((no, sha)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let (name, media, bytes) = state.cases.material(&ctx, &no, &sha).await?;
    Ok(crate::transfer::stored_file_response(&name, &media, bytes))
}

/// An electronic licence the applicant authorised for this case (免证办). Every view is
/// logged for the holder (用证记录) and audited.
#[utoipa::path(get, path = "/api/v1/cases/{no}/licences/{identifier}", tag = "cases", security(("session" = ["case.read"])),
    params(("no" = String, Path), ("identifier" = String, Path, description = "证照标识")),
    responses((status = 200, body = yiwang_licences::Licence), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn case_licence(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath((no, identifier)): ApiPath<(String, String)>,
) -> ApiResult<Json<yiwang_licences::Licence>> {
    let case = state.cases.case(&ctx, &no).await?;
    if !case
        .materials
        .iter()
        .any(|m| m.source == "licence" && m.sha == identifier)
    {
        return Err(Error::not_found().into());
    }
    Ok(Json(
        state
            .licences
            .view_for_case(&ctx, &case.case_no, &identifier)
            .await?,
    ))
}

/// 受理: the pre-check passed; the workflow starts.
#[utoipa::path(post, path = "/api/v1/cases/{no}/accept", tag = "cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)), request_body = Revised,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn accept(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<Revised>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(state.cases.accept(&ctx, &no, b.revision).await?))
}

/// 不予受理, with the reason.
#[utoipa::path(post, path = "/api/v1/cases/{no}/not-accept", tag = "cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)), request_body = WithReason,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn not_accept(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<WithReason>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .not_accept(&ctx, &no, b.revision, &b.reason)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NoticeBody {
    pub revision: Option<i64>,
    /// Everything missing, at once (一次性告知).
    pub items: Vec<NoticeItem>,
}

/// 一次性告知: lists everything missing before acceptance (only once per case).
#[utoipa::path(post, path = "/api/v1/cases/{no}/notice", tag = "cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)), request_body = NoticeBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn notice(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<NoticeBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .request_supplements(&ctx, &no, b.revision, &b.items)
            .await?,
    ))
}

/// Hands in supplements at the window on the applicant's behalf.
#[utoipa::path(post, path = "/api/v1/cases/{no}/supplements", tag = "cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)), request_body = SupplementBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn supplement_window(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<SupplementBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .supplement(&ctx, &no, b.revision, &b.form, &b.materials)
            .await?,
    ))
}

/// An officer's workflow action (documented as `act_doc::ActRequest`).
#[derive(Debug, Deserialize)]
pub struct ActBody {
    pub revision: Option<i64>,
    /// The step to act on, when the officer takes part in several (parallel branches).
    #[serde(default)]
    pub step: Option<String>,
    /// `{"action": "approve", "opinion": "…"}`, `{"action": "return", "to_step": "s1",
    /// "opinion": "…"}`, `refuse`, `transfer`/`delegate` (`to`: officer id), `add_signer`/
    /// `remove_signer`/`copy_to` (`who`), `recall`, `claim`, `request_supplement` (`items`).
    #[serde(flatten)]
    pub action: yiwang_workflow::Action,
}

/// Acts on a step of the case (审批操作).
#[utoipa::path(post, path = "/api/v1/cases/{no}/actions", tag = "cases", security(("session" = ["case.handle"])),
    params(("no" = String, Path)), request_body = super::act_doc::ActRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn act(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<ActBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .act(&ctx, &no, b.revision, b.step.as_deref(), b.action)
            .await?,
    ))
}

/// 催办: urges everyone holding an open step (supervisors).
#[utoipa::path(post, path = "/api/v1/cases/{no}/urge", tag = "cases", security(("session" = ["case.supervise"])),
    params(("no" = String, Path)), request_body = Revised,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn urge(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<Revised>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .act(&ctx, &no, b.revision, None, yiwang_workflow::Action::Urge)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SpecialBody {
    pub revision: Option<i64>,
    /// A.7: `1` 延长审批 (adds `days` working days), `2` hearing, inspection, testing, expert
    /// review … (the clock stops).
    pub special_type: String,
    pub name: String,
    pub reason: String,
    /// Working days of the extension, or the expected length.
    pub days: i64,
}

/// Starts a special procedure (特别程序).
#[utoipa::path(post, path = "/api/v1/cases/{no}/special-procedures", tag = "cases", security(("session" = ["case.handle"])),
    params(("no" = String, Path)), request_body = SpecialBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn start_special(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<SpecialBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .start_special(
                &ctx,
                &no,
                b.revision,
                b.special_type.trim(),
                &b.name,
                &b.reason,
                b.days,
            )
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SpecialEndBody {
    pub revision: Option<i64>,
    /// 特别程序结果 (hearing, inspection … results).
    pub result: String,
    pub opinion: String,
}

/// Ends the running special procedure.
#[utoipa::path(post, path = "/api/v1/cases/{no}/special-procedures/end", tag = "cases", security(("session" = ["case.handle"])),
    params(("no" = String, Path)), request_body = SpecialEndBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn end_special(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<SpecialEndBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .end_special(&ctx, &no, b.revision, &b.result, &b.opinion)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DeliverBody {
    pub revision: Option<i64>,
    /// `window`, `mail` or `electronic`.
    pub method: String,
    /// The tracking number (mail), or the recipient (window).
    pub reference: String,
}

/// 送达: the result reached the applicant.
#[utoipa::path(post, path = "/api/v1/cases/{no}/deliver", tag = "cases", security(("session" = ["case.receive"])),
    params(("no" = String, Path)), request_body = DeliverBody,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn deliver(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<DeliverBody>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        state
            .cases
            .deliver(&ctx, &no, b.revision, &b.method, &b.reference)
            .await?,
    ))
}

/// The ratings of a case.
#[utoipa::path(get, path = "/api/v1/cases/{no}/ratings", tag = "cases", security(("session" = ["case.read"])),
    params(("no" = String, Path)),
    responses((status = 200, body = Vec<Rating>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn case_ratings(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<Vec<Rating>>> {
    Ok(Json(state.cases.ratings_of(&ctx, &no).await?))
}

/// Overdue (red) and at-risk (yellow) cases by department (效能监督).
#[utoipa::path(get, path = "/api/v1/supervision/warnings", tag = "cases", security(("session" = ["case.supervise"])),
    responses((status = 200, body = Vec<WarningRow>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn warnings(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<WarningRow>>> {
    Ok(Json(state.cases.warnings(&ctx).await?))
}

/// Recomputes every open case's due dates and warning colour now (the server also does it
/// periodically).
#[utoipa::path(post, path = "/api/v1/supervision/sweep", tag = "cases", security(("session" = ["case.supervise"])),
    responses((status = 200, body = SweepReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn sweep(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<SweepReport>> {
    Ok(Json(state.cases.sweep_now(&ctx).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (China).
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
}

/// Process data (办件过程数据) of a date range in the national exchange shapes
/// (`up_pro_accept`, `up_pro_process`, `up_pro_special_procedure`, `up_pro_result`), as JSON
/// lines. Audited.
#[utoipa::path(get, path = "/api/v1/process-data", tag = "cases", security(("session" = ["case.export"])),
    params(RangeQuery),
    responses((status = 200, description = "JSON lines (application/x-ndjson)", content_type = "application/x-ndjson"),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn process_data(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let from = date_param("from", q.from.as_deref())?
        .ok_or_else(|| Error::field(FieldError::required("from")))?;
    let to = date_param("to", q.to.as_deref())?
        .ok_or_else(|| Error::field(FieldError::required("to")))?;
    let body = state.cases.export_process_data(&ctx, from, to).await?;
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson; charset=utf-8"),
    );
    Ok(r)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowupQuery {
    /// Include closed and excluded follow-ups.
    pub all: Option<bool>,
}

/// Follow-ups of bad ratings for my department (差评整改).
#[utoipa::path(get, path = "/api/v1/rating-followups", tag = "cases", security(("session" = ["case.handle"])),
    params(FollowupQuery),
    responses((status = 200, body = Vec<FollowupItem>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn followups(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<FollowupQuery>,
) -> ApiResult<Json<Vec<FollowupItem>>> {
    Ok(Json(
        state.cases.followups(&ctx, !q.all.unwrap_or(false)).await?,
    ))
}

/// Works a follow-up: `verify` (核实), `rectify` (整改), `reply` (反馈, closes it) or `appeal`
/// (申诉复核 of a mistaken or malicious rating).
#[utoipa::path(post, path = "/api/v1/rating-followups/{id}", tag = "cases", security(("session" = ["case.handle"])),
    params(("id" = i64, Path)), request_body = FollowupStep,
    responses((status = 200, body = Followup), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn followup_step(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FollowupStep>,
) -> ApiResult<Json<Followup>> {
    Ok(Json(state.cases.followup_step(&ctx, id, &b).await?))
}

/// Follow-ups in the division, for supervisors (appeals to decide among them).
#[utoipa::path(get, path = "/api/v1/supervision/followups", tag = "cases", security(("session" = ["case.supervise"])),
    params(FollowupQuery),
    responses((status = 200, body = Vec<FollowupItem>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn appeals(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<FollowupQuery>,
) -> ApiResult<Json<Vec<FollowupItem>>> {
    Ok(Json(
        state.cases.followups(&ctx, !q.all.unwrap_or(false)).await?,
    ))
}

/// Decides an appeal against a rating (supervisors).
#[utoipa::path(post, path = "/api/v1/rating-followups/{id}/decision", tag = "cases", security(("session" = ["case.supervise"])),
    params(("id" = i64, Path)), request_body = AppealDecision,
    responses((status = 200, body = Followup), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn decide_appeal(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AppealDecision>,
) -> ApiResult<Json<Followup>> {
    Ok(Json(state.cases.decide_appeal(&ctx, id, &b).await?))
}
