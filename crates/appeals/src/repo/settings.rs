//! Settings: categories (`appeal_categories`), the knowledge base (`appeal_knowledge`), time
//! limits (`appeal_time_limits`).

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql, args};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub department_id: Option<i64>,
    pub specialty: Option<String>,
    pub description: String,
    pub keywords: String,
    pub active: bool,
}

const CAT_COLS: &str =
    "id, code, name, parent_code, department_id, specialty, description, keywords, active";

pub async fn categories(c: &mut impl Conn) -> Result<Vec<CategoryRow>> {
    c.fetch_all(
        &format!("SELECT {CAT_COLS} FROM appeal_categories ORDER BY code"),
        args![],
    )
    .await
}

pub async fn category(c: &mut impl Conn, code: &str) -> Result<Option<CategoryRow>> {
    c.fetch_optional(
        &format!("SELECT {CAT_COLS} FROM appeal_categories WHERE code = $1"),
        args![code],
    )
    .await
}

/// A category with what filing under it needs, read in one statement: one row per stored
/// time limit (`limit_type`/`limit_days`; none stored: one row with both NULL) and the
/// latest grid import's id (`grids_version`, 0 before any: the routing index's freshness).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntakeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub department_id: Option<i64>,
    pub specialty: Option<String>,
    pub description: String,
    pub keywords: String,
    pub active: bool,
    pub limit_type: Option<String>,
    pub limit_days: Option<i64>,
    pub grids_version: i64,
}

impl IntakeRow {
    pub fn category(&self) -> CategoryRow {
        CategoryRow {
            id: self.id,
            code: self.code.clone(),
            name: self.name.clone(),
            parent_code: self.parent_code.clone(),
            department_id: self.department_id,
            specialty: self.specialty.clone(),
            description: self.description.clone(),
            keywords: self.keywords.clone(),
            active: self.active,
        }
    }
}

/// The category `code` with the stored time limits and the grids' version (no rows: no such
/// category).
pub async fn intake(c: &mut impl Conn, code: &str) -> Result<Vec<IntakeRow>> {
    c.fetch_all(
        "SELECT c.id, c.code, c.name, c.parent_code, c.department_id, c.specialty, \
         c.description, c.keywords, c.active, t.appeal_type AS limit_type, t.days AS limit_days, \
         COALESCE((SELECT MAX(g.id) FROM grid_imports g), 0) AS grids_version \
         FROM appeal_categories c LEFT JOIN appeal_time_limits t ON 1 = 1 WHERE c.code = $1",
        args![code],
    )
    .await
}

/// Inserts or updates the category `r.code`.
pub async fn upsert_category(c: &mut impl Conn, r: &CategoryRow, at: OffsetDateTime) -> Result<()> {
    c.execute(
        "INSERT INTO appeal_categories (code, name, parent_code, department_id, specialty, \
         description, keywords, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (code) DO UPDATE SET name = $2, parent_code = $3, department_id = $4, \
         specialty = $5, description = $6, keywords = $7, active = $8, updated_at = $9",
        args![
            &r.code,
            &r.name,
            r.parent_code.as_deref(),
            r.department_id,
            r.specialty.as_deref(),
            &r.description,
            &r.keywords,
            r.active,
            at
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KnowledgeRow {
    pub id: i64,
    pub category_code: Option<String>,
    pub question: String,
    pub answer: String,
    pub keywords: String,
    pub department_id: Option<i64>,
    pub active: bool,
    pub used: i64,
}

const KB_COLS: &str = "id, category_code, question, answer, keywords, department_id, active, used";

pub async fn knowledge_by_id(c: &mut impl Conn, id: i64) -> Result<Option<KnowledgeRow>> {
    c.fetch_optional(
        &format!("SELECT {KB_COLS} FROM appeal_knowledge WHERE id = $1"),
        args![id],
    )
    .await
}

/// Active entries whose question, keywords or answer contain any of `terms` (all entries when
/// `terms` is empty), optionally of one category; the caller ranks them.
pub async fn knowledge_search(
    c: &mut impl Conn,
    terms: &[String],
    category: Option<&str>,
    limit: i64,
) -> Result<Vec<KnowledgeRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {KB_COLS} FROM appeal_knowledge WHERE active = TRUE"
    ));
    if let Some(cat) = category {
        q.cond(" AND category_code = ?", [cat]);
    }
    if !terms.is_empty() {
        q.push(" AND (");
        for (i, t) in terms.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            let like = yiwang_store::like_contains(t);
            q.cond(
                "question LIKE ? ESCAPE '\\' OR keywords LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\'",
                [like.clone(), like.clone(), like],
            );
        }
        q.push(")");
    }
    q.cond(" ORDER BY used DESC, id LIMIT ?", [limit]);
    c.fetch_all(&q.text, &q.args).await
}

pub async fn insert_knowledge(
    c: &mut impl Conn,
    r: &KnowledgeRow,
    by: &str,
    at: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO appeal_knowledge (category_code, question, answer, keywords, \
             department_id, active, used, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $8) RETURNING id",
            args![
                r.category_code.as_deref(),
                &r.question,
                &r.answer,
                &r.keywords,
                r.department_id,
                r.active,
                by,
                at
            ],
        )
        .await?;
    Ok(id)
}

pub async fn update_knowledge(
    c: &mut impl Conn,
    r: &KnowledgeRow,
    at: OffsetDateTime,
) -> Result<u64> {
    c.execute(
        "UPDATE appeal_knowledge SET category_code = $1, question = $2, answer = $3, \
         keywords = $4, department_id = $5, active = $6, updated_at = $7 WHERE id = $8",
        args![
            r.category_code.as_deref(),
            &r.question,
            &r.answer,
            &r.keywords,
            r.department_id,
            r.active,
            at,
            r.id
        ],
    )
    .await
}

/// Counts one more answer given with the entry.
pub async fn knowledge_used(c: &mut impl Conn, id: i64) -> Result<u64> {
    c.execute(
        "UPDATE appeal_knowledge SET used = used + 1 WHERE id = $1",
        args![id],
    )
    .await
}

/// The stored limits: (appeal type code, days).
pub async fn time_limits(c: &mut impl Conn) -> Result<Vec<(String, i64)>> {
    c.fetch_all(
        "SELECT appeal_type, days FROM appeal_time_limits ORDER BY appeal_type",
        args![],
    )
    .await
}

pub async fn set_time_limit(
    c: &mut impl Conn,
    appeal_type: &str,
    days: i64,
    by: &str,
    at: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO appeal_time_limits (appeal_type, days, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (appeal_type) DO UPDATE SET days = $2, \
         updated_by = $3, updated_at = $4",
        args![appeal_type, days, by, at],
    )
    .await?;
    Ok(())
}
