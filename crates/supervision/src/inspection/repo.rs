//! SQL of random inspection (migration 0034): one SQL text per query for both backends; only
//! this module touches the `inspection_*` tables.

use time::{Date, OffsetDateTime};
use yiwang_kernel::Result;
use yiwang_store::{Conn, args};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub legal_basis: String,
    pub object_type: String,
    pub active: bool,
}

const ITEM_COLS: &str = "id, code, name, department_id, legal_basis, object_type, active";

pub async fn items(c: &mut impl Conn) -> Result<Vec<ItemRow>> {
    c.fetch_all(
        &format!("SELECT {ITEM_COLS} FROM inspection_items ORDER BY code"),
        args![],
    )
    .await
}

pub async fn item(c: &mut impl Conn, code: &str) -> Result<Option<ItemRow>> {
    c.fetch_optional(
        &format!("SELECT {ITEM_COLS} FROM inspection_items WHERE code = $1"),
        args![code],
    )
    .await
}

pub async fn upsert_item(c: &mut impl Conn, r: &ItemRow, at: OffsetDateTime) -> Result<()> {
    c.execute(
        "INSERT INTO inspection_items (code, name, department_id, legal_basis, object_type, \
         active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (code) DO UPDATE SET name = $2, department_id = $3, legal_basis = $4, \
         object_type = $5, active = $6, updated_at = $7",
        args![
            &r.code,
            &r.name,
            r.department_id,
            &r.legal_basis,
            &r.object_type,
            r.active,
            at
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntityRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub stratum: String,
    pub industry: String,
    pub division: String,
    pub risk_flags: String,
    pub active: bool,
    pub source: String,
}

const ENTITY_COLS: &str = "id, uscc, name, stratum, industry, division, risk_flags, active, source";

/// Active entities by USCC (the draw filters them further in memory).
pub async fn active_entities(c: &mut impl Conn) -> Result<Vec<EntityRow>> {
    c.fetch_all(
        &format!("SELECT {ENTITY_COLS} FROM inspection_entities WHERE active = TRUE ORDER BY uscc"),
        args![],
    )
    .await
}

pub async fn entities(c: &mut impl Conn, limit: i64, offset: i64) -> Result<Vec<EntityRow>> {
    c.fetch_all(
        &format!("SELECT {ENTITY_COLS} FROM inspection_entities ORDER BY uscc LIMIT $1 OFFSET $2"),
        args![limit, offset],
    )
    .await
}

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Count {
    pub n: i64,
}

pub async fn entity_count(c: &mut impl Conn) -> Result<i64> {
    let r: Count = c
        .fetch_one("SELECT COUNT(*) AS n FROM inspection_entities", args![])
        .await?;
    Ok(r.n)
}

pub async fn upsert_entity(c: &mut impl Conn, r: &EntityRow, at: OffsetDateTime) -> Result<()> {
    c.execute(
        "INSERT INTO inspection_entities (uscc, name, stratum, industry, division, risk_flags, \
         active, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (uscc) DO UPDATE SET name = $2, stratum = $3, industry = $4, division = $5, \
         risk_flags = $6, active = $7, source = $8, updated_at = $9",
        args![
            &r.uscc,
            &r.name,
            &r.stratum,
            &r.industry,
            &r.division,
            &r.risk_flags,
            r.active,
            &r.source,
            at
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InspectorRow {
    pub id: i64,
    pub staff_id: i64,
    pub name: String,
    pub cert_no: String,
    pub department_id: i64,
    pub item_codes: String,
    pub division: String,
    pub active: bool,
}

const INSPECTOR_COLS: &str =
    "id, staff_id, name, cert_no, department_id, item_codes, division, active";

pub async fn inspectors(c: &mut impl Conn) -> Result<Vec<InspectorRow>> {
    c.fetch_all(
        &format!("SELECT {INSPECTOR_COLS} FROM inspection_inspectors ORDER BY staff_id"),
        args![],
    )
    .await
}

pub async fn upsert_inspector(
    c: &mut impl Conn,
    r: &InspectorRow,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO inspection_inspectors (staff_id, name, cert_no, department_id, item_codes, \
         division, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (staff_id) DO UPDATE SET name = $2, cert_no = $3, department_id = $4, \
         item_codes = $5, division = $6, active = $7, updated_at = $8",
        args![
            r.staff_id,
            &r.name,
            &r.cert_no,
            r.department_id,
            &r.item_codes,
            &r.division,
            r.active,
            at
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConflictRow {
    pub id: i64,
    pub staff_id: i64,
    pub uscc: String,
    pub reason: String,
}

pub async fn conflicts(c: &mut impl Conn) -> Result<Vec<ConflictRow>> {
    c.fetch_all(
        "SELECT id, staff_id, uscc, reason FROM inspection_conflicts ORDER BY staff_id, uscc",
        args![],
    )
    .await
}

pub async fn insert_conflict(
    c: &mut impl Conn,
    staff_id: i64,
    uscc: &str,
    reason: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO inspection_conflicts (staff_id, uscc, reason, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (staff_id, uscc) DO UPDATE SET reason = $3",
        args![staff_id, uscc, reason, by, at],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub plan_no: String,
    pub title: String,
    pub department_id: i64,
    pub item_codes: String,
    pub filter: String,
    pub quotas: String,
    pub team_size: i64,
    pub entropy_source: String,
    pub deadline: Date,
    pub status: String,
    pub finished_on: Option<Date>,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

const PLAN_COLS: &str = "id, plan_no, title, department_id, item_codes, filter, quotas, \
     team_size, entropy_source, deadline, status, finished_on, published_at, created_at";

pub async fn plans(c: &mut impl Conn) -> Result<Vec<PlanRow>> {
    c.fetch_all(
        &format!("SELECT {PLAN_COLS} FROM inspection_plans ORDER BY created_at DESC, id DESC"),
        args![],
    )
    .await
}

pub async fn plan(c: &mut impl Conn, plan_no: &str) -> Result<Option<PlanRow>> {
    c.fetch_optional(
        &format!("SELECT {PLAN_COLS} FROM inspection_plans WHERE plan_no = $1"),
        args![plan_no],
    )
    .await
}

pub async fn plan_count_like(c: &mut impl Conn, prefix: &str) -> Result<i64> {
    let r: Count = c
        .fetch_one(
            "SELECT COUNT(*) AS n FROM inspection_plans WHERE plan_no LIKE $1",
            args![format!("{prefix}%")],
        )
        .await?;
    Ok(r.n)
}

pub async fn insert_plan(
    c: &mut impl Conn,
    r: &PlanRow,
    by: &str,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO inspection_plans (plan_no, title, department_id, item_codes, filter, quotas, \
         team_size, entropy_source, deadline, status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        args![
            &r.plan_no,
            &r.title,
            r.department_id,
            &r.item_codes,
            &r.filter,
            &r.quotas,
            r.team_size,
            &r.entropy_source,
            r.deadline,
            &r.status,
            by,
            at
        ],
    )
    .await?;
    Ok(())
}

/// Moves a plan from `from` to `to` (0 rows when it was no longer in `from`).
pub async fn set_plan_status(
    c: &mut impl Conn,
    id: i64,
    from: &str,
    to: &str,
    at: OffsetDateTime,
) -> Result<u64> {
    c.execute(
        "UPDATE inspection_plans SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
        args![id, from, to, at],
    )
    .await
}

pub async fn publish_plan(
    c: &mut impl Conn,
    id: i64,
    finished_on: Date,
    at: OffsetDateTime,
) -> Result<u64> {
    c.execute(
        "UPDATE inspection_plans SET status = 'published', finished_on = $2, published_at = $3, \
         updated_at = $3 WHERE id = $1 AND status = 'drawn'",
        args![id, finished_on, at],
    )
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DrawRow {
    pub id: i64,
    pub plan_id: i64,
    pub algorithm: String,
    pub input: String,
    pub population_hash: String,
    pub inspectors_hash: String,
    pub seed: String,
    pub outcome: String,
    pub drawn_by: String,
    pub drawn_at: OffsetDateTime,
}

const DRAW_COLS: &str = "id, plan_id, algorithm, input, population_hash, inspectors_hash, seed, \
     outcome, drawn_by, drawn_at";

pub async fn draw_of(c: &mut impl Conn, plan_id: i64) -> Result<Option<DrawRow>> {
    c.fetch_optional(
        &format!("SELECT {DRAW_COLS} FROM inspection_draws WHERE plan_id = $1"),
        args![plan_id],
    )
    .await
}

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Id {
    pub id: i64,
}

pub async fn insert_draw(c: &mut impl Conn, r: &DrawRow) -> Result<i64> {
    let id: Id = c
        .fetch_one(
            "INSERT INTO inspection_draws (plan_id, algorithm, input, population_hash, \
             inspectors_hash, seed, outcome, drawn_by, drawn_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![
                r.plan_id,
                &r.algorithm,
                &r.input,
                &r.population_hash,
                &r.inspectors_hash,
                &r.seed,
                &r.outcome,
                &r.drawn_by,
                r.drawn_at
            ],
        )
        .await?;
    Ok(id.id)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResultRow {
    pub id: i64,
    pub draw_id: i64,
    pub position: i64,
    pub uscc: String,
    pub name: String,
    pub stratum: String,
    pub inspectors: String,
    pub result_code: Option<String>,
    pub inspected_on: Option<Date>,
    pub notes: String,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<OffsetDateTime>,
}

const RESULT_COLS: &str = "id, draw_id, position, uscc, name, stratum, inspectors, result_code, \
     inspected_on, notes, recorded_by, recorded_at";

pub async fn results(c: &mut impl Conn, draw_id: i64) -> Result<Vec<ResultRow>> {
    c.fetch_all(
        &format!(
            "SELECT {RESULT_COLS} FROM inspection_results WHERE draw_id = $1 ORDER BY position"
        ),
        args![draw_id],
    )
    .await
}

pub async fn insert_result(c: &mut impl Conn, r: &ResultRow) -> Result<()> {
    c.execute(
        "INSERT INTO inspection_results (draw_id, position, uscc, name, stratum, inspectors) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            r.draw_id,
            r.position,
            &r.uscc,
            &r.name,
            &r.stratum,
            &r.inspectors
        ],
    )
    .await?;
    Ok(())
}

pub async fn record_result(
    c: &mut impl Conn,
    id: i64,
    code: &str,
    on: Date,
    notes: &str,
    by: &str,
    at: OffsetDateTime,
) -> Result<u64> {
    c.execute(
        "UPDATE inspection_results SET result_code = $2, inspected_on = $3, notes = $4, \
         recorded_by = $5, recorded_at = $6 WHERE id = $1",
        args![id, code, on, notes, by, at],
    )
    .await
}
