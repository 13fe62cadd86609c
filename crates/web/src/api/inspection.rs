//! Random inspection (双随机、一公开): the item list, the two rosters, plans, draws, results and
//! the public reads (plans, draws with their seed, hashes and inputs, published results; no
//! sign-in). The supervision service authorises and audits every change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_supervision::inspection::model::{
    ConflictInput, ConflictView, DrawRequest, EntityInput, EntityView, InspectionPlanView,
    InspectorInput, InspectorView, ItemInput, ItemView, PlanDetail, PlanInput, PoolImportReport,
    ResultInput,
};

use crate::AppState;
use crate::error::{ApiResult, ErrorResponse};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(items, save_item))
        .routes(routes!(entities, add_entities))
        .routes(routes!(inspectors, save_inspector))
        .routes(routes!(conflicts, declare_conflict))
        .routes(routes!(plans, create_plan))
        .routes(routes!(plan))
        .routes(routes!(draw))
        .routes(routes!(record_result))
        .routes(routes!(publish))
        .routes(routes!(public_plans))
        .routes(routes!(public_plan))
        .routes(routes!(public_input))
}

/// The item list (抽查事项清单): what may be inspected, by whom, on which legal basis.
#[utoipa::path(get, path = "/api/v1/inspection-items", tag = "inspections", security(()),
    responses((status = 200, body = Vec<ItemView>)))]
pub async fn items(State(state): State<AppState>) -> ApiResult<Json<Vec<ItemView>>> {
    Ok(Json(state.supervision.inspection_items().await?))
}

/// Creates or changes an item (by its code) of the caller's department.
#[utoipa::path(post, path = "/api/v1/inspection-items", tag = "inspections", security(("session" = ["inspection.plan"])),
    request_body = ItemInput,
    responses((status = 200, body = ItemView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_item(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<ItemInput>,
) -> ApiResult<Json<ItemView>> {
    Ok(Json(state.supervision.save_inspection_item(&ctx, b).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EntityPage {
    pub entities: Vec<EntityView>,
    pub total: i64,
}

/// The entity pool (检查对象名录库), by USCC.
#[utoipa::path(get, path = "/api/v1/inspections/entities", tag = "inspections", security(("session" = ["inspection.record"])),
    params(PageQuery),
    responses((status = 200, body = EntityPage), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn entities(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<EntityPage>> {
    let (entities, total) = state
        .supervision
        .inspection_entities(&ctx, q.limit.unwrap_or(100), q.offset.unwrap_or(0))
        .await?;
    Ok(Json(EntityPage { entities, total }))
}

/// Adds or updates entities of the pool (all or nothing; CSV/XLSX files on the page).
#[utoipa::path(post, path = "/api/v1/inspections/entities", tag = "inspections", security(("session" = ["inspection.plan"])),
    request_body = Vec<EntityInput>,
    responses((status = 200, body = PoolImportReport), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn add_entities(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<Vec<EntityInput>>,
) -> ApiResult<Json<PoolImportReport>> {
    Ok(Json(
        state
            .supervision
            .add_inspection_entities(&ctx, b, "api")
            .await?,
    ))
}

/// The inspector pool (执法检查人员名录库) with certificate numbers and qualified items.
#[utoipa::path(get, path = "/api/v1/inspections/inspectors", tag = "inspections", security(("session" = ["inspection.record"])),
    responses((status = 200, body = Vec<InspectorView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn inspectors(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<InspectorView>>> {
    Ok(Json(state.supervision.inspection_inspectors(&ctx).await?))
}

/// Adds or changes an inspector (a staff account of the caller's department).
#[utoipa::path(post, path = "/api/v1/inspections/inspectors", tag = "inspections", security(("session" = ["inspection.plan"])),
    request_body = InspectorInput,
    responses((status = 200, body = InspectorView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn save_inspector(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<InspectorInput>,
) -> ApiResult<Json<InspectorView>> {
    Ok(Json(state.supervision.save_inspector(&ctx, b).await?))
}

/// Declared conflicts of interest (回避) with their reasons.
#[utoipa::path(get, path = "/api/v1/inspections/conflicts", tag = "inspections", security(("session" = ["inspection.plan"])),
    responses((status = 200, body = Vec<ConflictView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn conflicts(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<ConflictView>>> {
    Ok(Json(state.supervision.inspection_conflicts(&ctx).await?))
}

/// Declares a conflict: an organiser for any inspector, an inspector for themself.
#[utoipa::path(post, path = "/api/v1/inspections/conflicts", tag = "inspections",
    security(("session" = ["inspection.plan"]), ("session" = ["inspection.record"])),
    request_body = ConflictInput,
    responses((status = 201, body = ConflictView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn declare_conflict(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<ConflictInput>,
) -> ApiResult<(StatusCode, Json<ConflictView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.supervision.declare_conflict(&ctx, b).await?),
    ))
}

/// The plans within the caller's reach.
#[utoipa::path(get, path = "/api/v1/inspections/plans", tag = "inspections", security(("session" = ["inspection.record"])),
    responses((status = 200, body = Vec<InspectionPlanView>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn plans(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<Vec<InspectionPlanView>>> {
    Ok(Json(state.supervision.inspection_plans(&ctx).await?))
}

/// Creates a plan (draft): items, population filter, quotas, team size, entropy source.
#[utoipa::path(post, path = "/api/v1/inspections/plans", tag = "inspections", security(("session" = ["inspection.plan"])),
    request_body = PlanInput,
    responses((status = 201, body = InspectionPlanView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn create_plan(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(b): ApiJson<PlanInput>,
) -> ApiResult<(StatusCode, Json<InspectionPlanView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.supervision.create_inspection_plan(&ctx, b).await?),
    ))
}

/// A plan with its draw and every result.
#[utoipa::path(get, path = "/api/v1/inspections/plans/{no}", tag = "inspections", security(("session" = ["inspection.record"])),
    params(("no" = String, Path, description = "计划编号")),
    responses((status = 200, body = PlanDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn plan(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<PlanDetail>> {
    Ok(Json(state.supervision.inspection_plan(&ctx, &no).await?))
}

/// Draws the plan (once): freezes the pools, runs yiwang-draw-v1 with the public entropy.
#[utoipa::path(post, path = "/api/v1/inspections/plans/{no}/draw", tag = "inspections", security(("session" = ["inspection.plan"])),
    params(("no" = String, Path, description = "计划编号")),
    request_body = DrawRequest,
    responses((status = 200, body = PlanDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn draw(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<DrawRequest>,
) -> ApiResult<Json<PlanDetail>> {
    Ok(Json(
        state
            .supervision
            .draw_inspection(&ctx, &no, &b.public_entropy)
            .await?,
    ))
}

/// Records the result of a drawn entity (an inspector of its team or an organiser).
#[utoipa::path(post, path = "/api/v1/inspections/plans/{no}/results", tag = "inspections", security(("session" = ["inspection.record"])),
    params(("no" = String, Path, description = "计划编号")),
    request_body = ResultInput,
    responses((status = 200, body = PlanDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn record_result(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
    ApiJson(b): ApiJson<ResultInput>,
) -> ApiResult<Json<PlanDetail>> {
    Ok(Json(
        state
            .supervision
            .record_inspection_result(&ctx, &no, b)
            .await?,
    ))
}

/// Publishes the results (公示) once every drawn entity has one.
#[utoipa::path(post, path = "/api/v1/inspections/plans/{no}/publish", tag = "inspections", security(("session" = ["inspection.plan"])),
    params(("no" = String, Path, description = "计划编号")),
    responses((status = 200, body = PlanDetail), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn publish(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<PlanDetail>> {
    Ok(Json(state.supervision.publish_inspection(&ctx, &no).await?))
}

/// Drawn and published plans (public).
#[utoipa::path(get, path = "/api/v1/public/inspections", tag = "inspections", security(()),
    responses((status = 200, body = Vec<InspectionPlanView>)))]
pub async fn public_plans(
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<InspectionPlanView>>> {
    Ok(Json(state.supervision.public_inspection_plans().await?))
}

/// A drawn plan (public): the draw's seed, hashes, inputs and outcome; results once published.
#[utoipa::path(get, path = "/api/v1/public/inspections/{no}", tag = "inspections", security(()),
    params(("no" = String, Path, description = "计划编号")),
    responses((status = 200, body = PlanDetail), (status = 404, body = ErrorResponse)))]
pub async fn public_plan(
    State(state): State<AppState>,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<PlanDetail>> {
    Ok(Json(state.supervision.public_inspection_plan(&no).await?))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublishedDraw {
    pub input: yiwang_supervision::inspection::draw::DrawInput,
    pub outcome: yiwang_supervision::inspection::draw::DrawOutcome,
}

/// The draw's inputs and outcome as one JSON file: `yiwang inspection redraw FILE.json` (or
/// any implementation of docs/inspection-draw.md) re-runs it.
#[utoipa::path(get, path = "/api/v1/public/inspections/{no}/draw.json", tag = "inspections", security(()),
    params(("no" = String, Path, description = "计划编号")),
    responses((status = 200, body = PublishedDraw), (status = 404, body = ErrorResponse)))]
pub async fn public_input(
    State(state): State<AppState>,
    ApiPath(no): ApiPath<String>,
) -> ApiResult<Json<PublishedDraw>> {
    let d = state
        .supervision
        .public_inspection_plan(&no)
        .await?
        .draw
        .ok_or_else(yiwang_kernel::Error::not_found)?;
    Ok(Json(PublishedDraw {
        input: d.input,
        outcome: d.outcome,
    }))
}
