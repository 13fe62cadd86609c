//! SQL of the catalog domain. One SQL text per query for both backends.

use time::OffsetDateTime;
use yiwang_kernel::auth::Scope;
use yiwang_kernel::paging::Page;
use yiwang_kernel::{Error, Result};
use yiwang_store::{Conn, Sql, args, like_contains, like_prefix};

use crate::model::{
    AdminItemRow, BasicItem, BasicItemInput, Elements, HistoryEntry, ItemStatus, ItemSummary,
    ItemVersion, VersionStatus,
};
use crate::search::Search;

pub mod kpi_facts;
pub mod search;

const BASIC_COLS: &str = "id, code, name, item_type, legal_basis, parent_code, levels, statutory_limit, statutory_unit, status, revision, updated_at";

pub async fn insert_basic(
    c: &mut impl Conn,
    b: &BasicItemInput,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO basic_items (code, name, item_type, legal_basis, parent_code, levels, statutory_limit, statutory_unit, status, revision, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', 1, $9, $9, $10) RETURNING id",
            args![b.code.trim(), b.name.trim(), b.item_type.trim(), b.legal_basis.trim(), b.parent_code.trim(), b.levels.trim(), b.statutory_limit, b.statutory_unit.trim(), now, actor],
        )
        .await?;
    Ok(id)
}

pub async fn update_basic(
    c: &mut impl Conn,
    id: i64,
    b: &BasicItemInput,
    revision: Option<i64>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE basic_items SET name = $1, item_type = $2, legal_basis = $3, parent_code = $4, levels = $5, statutory_limit = $6, \
             statutory_unit = $7, revision = revision + 1, updated_at = $8, updated_by = $9 WHERE id = $10 AND (revision = $11 OR $11 IS NULL)",
            args![b.name.trim(), b.item_type.trim(), b.legal_basis.trim(), b.parent_code.trim(), b.levels.trim(), b.statutory_limit, b.statutory_unit.trim(), now, actor, id, revision],
        )
        .await?;
    Ok(n == 1)
}

pub async fn basic(c: &mut impl Conn, id: i64) -> Result<Option<BasicItem>> {
    c.fetch_optional(
        &format!("SELECT {BASIC_COLS} FROM basic_items WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn basic_by_code(c: &mut impl Conn, code: &str) -> Result<Option<BasicItem>> {
    c.fetch_optional(
        &format!("SELECT {BASIC_COLS} FROM basic_items WHERE code = $1"),
        args![code],
    )
    .await
}

pub async fn list_basic(
    c: &mut impl Conn,
    q: Option<&str>,
    item_type: Option<&str>,
    page: Option<Page>,
) -> Result<(Vec<BasicItem>, i64)> {
    let filter = |s: &mut Sql| {
        if let Some(q) = q {
            s.cond(
                " AND (name LIKE ? ESCAPE '\\' OR code = ?)",
                [like_contains(q), q.to_uppercase()],
            );
        }
        if let Some(t) = item_type {
            s.cond(" AND item_type = ?", [t]);
        }
    };
    let mut count = Sql::new("SELECT COUNT(*) FROM basic_items WHERE 1 = 1");
    filter(&mut count);
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let mut s = Sql::new(&format!("SELECT {BASIC_COLS} FROM basic_items WHERE 1 = 1"));
    filter(&mut s);
    s.push(" ORDER BY code");
    if let Some(p) = page {
        s.cond(" LIMIT ? OFFSET ?", [p.limit(), p.offset()]);
    }
    Ok((c.fetch_all(&s.text, &s.args).await?, total))
}

/// An implementation item's identity row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub code: String,
    pub basic_item_id: i64,
    pub department_id: i64,
    pub division_code: String,
    pub status: String,
    pub published_version: Option<i64>,
    pub latest_version: i64,
}

impl ItemRow {
    pub fn status(&self) -> ItemStatus {
        ItemStatus::parse(&self.status).unwrap_or(ItemStatus::Draft)
    }
}

const ITEM_COLS: &str = "id, code, basic_item_id, department_id, division_code, status, published_version, latest_version";

pub async fn item_by_code(c: &mut impl Conn, code: &str) -> Result<Option<ItemRow>> {
    c.fetch_optional(
        &format!("SELECT {ITEM_COLS} FROM items WHERE code = $1"),
        args![code],
    )
    .await
}

pub async fn item_by_claim(
    c: &mut impl Conn,
    basic_id: i64,
    department_id: i64,
    division: &str,
) -> Result<Option<ItemRow>> {
    c.fetch_optional(
        &format!("SELECT {ITEM_COLS} FROM items WHERE basic_item_id = $1 AND department_id = $2 AND division_code = $3"),
        args![basic_id, department_id, division],
    )
    .await
}

pub async fn insert_item(
    c: &mut impl Conn,
    code: &str,
    basic_id: i64,
    department_id: i64,
    division: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let (id,): (i64,) = c
        .fetch_one(
            "INSERT INTO items (code, basic_item_id, department_id, division_code, status, published_version, latest_version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, 'draft', NULL, 1, $5, $6, $5) RETURNING id",
            args![code, basic_id, department_id, division, now, actor],
        )
        .await?;
    Ok(id)
}

pub async fn set_item_state(
    c: &mut impl Conn,
    id: i64,
    status: ItemStatus,
    published: Option<i64>,
    latest: i64,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE items SET status = $1, published_version = $2, latest_version = $3, updated_at = $4 WHERE id = $5",
        args![status.as_str(), published, latest, now, id],
    )
    .await?;
    Ok(())
}

pub async fn delete_item(c: &mut impl Conn, id: i64) -> Result<()> {
    c.execute("DELETE FROM item_history WHERE item_id = $1", args![id])
        .await?;
    c.execute("DELETE FROM item_versions WHERE item_id = $1", args![id])
        .await?;
    c.execute("DELETE FROM items WHERE id = $1", args![id])
        .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct VersionRow {
    version_no: i64,
    status: String,
    revision: i64,
    elements: String,
    created_at: OffsetDateTime,
    created_by: String,
    updated_at: OffsetDateTime,
    updated_by: String,
    submitted_at: Option<OffsetDateTime>,
    submitted_by: Option<String>,
    reviewed_at: Option<OffsetDateTime>,
    reviewed_by: Option<String>,
    review_note: String,
    published_at: Option<OffsetDateTime>,
}

const VERSION_COLS: &str = "version_no, status, revision, elements, created_at, created_by, updated_at, updated_by, submitted_at, submitted_by, reviewed_at, reviewed_by, review_note, published_at";

impl VersionRow {
    fn into_model(self) -> Result<ItemVersion> {
        let elements: Elements = serde_json::from_str(&self.elements)
            .map_err(|e| Error::internal(format!("stored elements unreadable: {e}")))?;
        Ok(ItemVersion {
            version_no: self.version_no,
            status: VersionStatus::parse(&self.status).ok_or_else(|| {
                Error::internal(format!("unknown version status {}", self.status))
            })?,
            revision: self.revision,
            elements,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            submitted_at: self.submitted_at,
            submitted_by: self.submitted_by,
            reviewed_at: self.reviewed_at,
            reviewed_by: self.reviewed_by,
            review_note: self.review_note,
            published_at: self.published_at,
        })
    }
}

pub async fn version(c: &mut impl Conn, item_id: i64, no: i64) -> Result<Option<ItemVersion>> {
    let r: Option<VersionRow> = c
        .fetch_optional(
            &format!(
                "SELECT {VERSION_COLS} FROM item_versions WHERE item_id = $1 AND version_no = $2"
            ),
            args![item_id, no],
        )
        .await?;
    r.map(VersionRow::into_model).transpose()
}

pub async fn open_version(c: &mut impl Conn, item_id: i64) -> Result<Option<ItemVersion>> {
    let r: Option<VersionRow> = c
        .fetch_optional(
            &format!("SELECT {VERSION_COLS} FROM item_versions WHERE item_id = $1 AND status IN ('draft', 'submitted')"),
            args![item_id],
        )
        .await?;
    r.map(VersionRow::into_model).transpose()
}

pub async fn versions(c: &mut impl Conn, item_id: i64) -> Result<Vec<ItemVersion>> {
    let rows: Vec<VersionRow> = c
        .fetch_all(
            &format!(
                "SELECT {VERSION_COLS} FROM item_versions WHERE item_id = $1 ORDER BY version_no"
            ),
            args![item_id],
        )
        .await?;
    rows.into_iter().map(VersionRow::into_model).collect()
}

/// Who submitted a version (the user id, for the four-eyes rule).
pub async fn submitted_by_user(c: &mut impl Conn, item_id: i64, no: i64) -> Result<Option<i64>> {
    let r: Option<(Option<i64>,)> = c
        .fetch_optional(
            "SELECT submitted_by_user FROM item_versions WHERE item_id = $1 AND version_no = $2",
            args![item_id, no],
        )
        .await?;
    Ok(r.and_then(|x| x.0))
}

fn json(e: &Elements) -> Result<String> {
    serde_json::to_string(e).map_err(Error::internal)
}

pub async fn insert_version(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    e: &Elements,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO item_versions (item_id, version_no, status, revision, name, elements, created_at, created_by, updated_at, updated_by, review_note) \
         VALUES ($1, $2, 'draft', 1, $3, $4, $5, $6, $5, $6, '')",
        args![item_id, no, &e.name, json(e)?, now, actor],
    )
    .await?;
    Ok(())
}

/// Saves a draft when it is still a draft at `revision` (or any revision if `None`).
pub async fn save_draft(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    e: &Elements,
    revision: Option<i64>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE item_versions SET name = $1, elements = $2, revision = revision + 1, updated_at = $3, updated_by = $4 \
             WHERE item_id = $5 AND version_no = $6 AND status = 'draft' AND (revision = $7 OR $7 IS NULL)",
            args![&e.name, json(e)?, now, actor, item_id, no, revision],
        )
        .await?;
    Ok(n == 1)
}

/// Moves a version from one status to another; false if it was not in `from` any more.
pub async fn set_version_status(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    from: VersionStatus,
    to: VersionStatus,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE item_versions SET status = $1, revision = revision + 1 WHERE item_id = $2 AND version_no = $3 AND status = $4",
            args![to.as_str(), item_id, no, from.as_str()],
        )
        .await?;
    Ok(n == 1)
}

pub async fn mark_submitted(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    actor: &str,
    user: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE item_versions SET submitted_at = $1, submitted_by = $2, submitted_by_user = $3, review_note = '' WHERE item_id = $4 AND version_no = $5",
        args![now, actor, user, item_id, no],
    )
    .await?;
    Ok(())
}

pub async fn mark_reviewed(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    actor: &str,
    note: &str,
    published: bool,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE item_versions SET reviewed_at = $1, reviewed_by = $2, review_note = $3, published_at = CASE WHEN $4 THEN $1 ELSE published_at END \
         WHERE item_id = $5 AND version_no = $6",
        args![now, actor, note, published, item_id, no],
    )
    .await?;
    Ok(())
}

pub async fn mark_retired(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "UPDATE item_versions SET retired_at = $1 WHERE item_id = $2 AND version_no = $3",
        args![now, item_id, no],
    )
    .await?;
    Ok(())
}

pub async fn delete_version(c: &mut impl Conn, item_id: i64, no: i64) -> Result<()> {
    c.execute(
        "DELETE FROM item_versions WHERE item_id = $1 AND version_no = $2 AND status = 'draft'",
        args![item_id, no],
    )
    .await?;
    Ok(())
}

pub async fn add_history(
    c: &mut impl Conn,
    item_id: i64,
    no: i64,
    action: &str,
    actor: &str,
    user: Option<i64>,
    note: &str,
    now: OffsetDateTime,
) -> Result<()> {
    c.execute(
        "INSERT INTO item_history (item_id, version_no, action, actor, actor_user_id, at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![item_id, no, action, actor, user, now, note],
    )
    .await?;
    Ok(())
}

pub async fn history(c: &mut impl Conn, item_id: i64) -> Result<Vec<HistoryEntry>> {
    c.fetch_all("SELECT version_no, action, actor, at, note FROM item_history WHERE item_id = $1 ORDER BY id", args![item_id]).await
}

/// Replaces the published-catalog rows of an item (entry, tags, grams) and bumps the catalog
/// generation.
pub async fn index(
    c: &mut impl Conn,
    item: &ItemRow,
    no: i64,
    e: &Elements,
    department_name: &str,
    now: OffsetDateTime,
) -> Result<()> {
    delete_catalog_rows(c, item.id).await?;
    let fields = e.search_fields();
    c.execute(
        "INSERT INTO catalog_entries (item_id, version_no, code, basic_code, name, item_type, department_id, department_name, division_code, \
         case_type, online_level, visits, cross_scope, promised_limit, promised_unit, statutory_limit, statutory_unit, licence_free, search_text, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        args![
            item.id, no, &item.code, &e.basic_code, &e.name, &e.item_type, item.department_id, department_name, &item.division_code,
            &e.case_type, e.online_level(), e.visits, &e.cross_scope, e.promised_limit, &e.promised_unit, e.statutory_limit,
            &e.statutory_unit, e.licence_free(), crate::search::search_text(&fields), now
        ],
    )
    .await?;
    let mut tags: Vec<(&str, &String)> = Vec::new();
    tags.extend(e.service_objects.iter().map(|c| ("object", c)));
    tags.extend(e.personal_themes.iter().map(|c| ("ptheme", c)));
    tags.extend(e.enterprise_themes.iter().map(|c| ("etheme", c)));
    tags.extend(e.handling_forms.iter().map(|c| ("form", c)));
    tags.extend(e.online_depth.iter().map(|c| ("depth", c)));
    tags.sort();
    tags.dedup();
    for chunk in tags.chunks(200) {
        let mut s = Sql::new("INSERT INTO catalog_tags (kind, code, item_id) VALUES ");
        for (i, (k, code)) in chunk.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.cond(
                "(?, ?, ?)",
                [
                    yiwang_store::Value::from(*k),
                    (*code).into(),
                    item.id.into(),
                ],
            );
        }
        c.execute(&s.text, &s.args).await?;
    }
    let grams: Vec<String> = crate::search::index_grams(&fields).into_iter().collect();
    for chunk in grams.chunks(300) {
        let mut s = Sql::new("INSERT INTO catalog_grams (gram, item_id) VALUES ");
        for (i, g) in chunk.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.cond("(?, ?)", [yiwang_store::Value::from(g), item.id.into()]);
        }
        c.execute(&s.text, &s.args).await?;
    }
    bump_generation(c).await?;
    Ok(())
}

/// Removes an item from the published catalog (entry, tags, grams) and bumps the catalog
/// generation.
pub async fn unindex(c: &mut impl Conn, item_id: i64) -> Result<()> {
    delete_catalog_rows(c, item_id).await?;
    bump_generation(c).await?;
    Ok(())
}

async fn delete_catalog_rows(c: &mut impl Conn, item_id: i64) -> Result<()> {
    c.execute(
        "DELETE FROM catalog_grams WHERE item_id = $1",
        args![item_id],
    )
    .await?;
    c.execute(
        "DELETE FROM catalog_tags WHERE item_id = $1",
        args![item_id],
    )
    .await?;
    c.execute(
        "DELETE FROM catalog_entries WHERE item_id = $1",
        args![item_id],
    )
    .await?;
    Ok(())
}

/// Bumps the generation of the published catalog and returns the new one. Every change to
/// `catalog_entries`, `catalog_tags` or `catalog_grams` calls it in the same transaction
/// ([`index`], [`unindex`]): the in-memory search index of every server process compares it
/// with the generation it was built at ([`crate::index`]).
pub async fn bump_generation(c: &mut impl Conn) -> Result<i64> {
    let (g,): (i64,) = c
        .fetch_one(
            "UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1 RETURNING generation",
            args![],
        )
        .await?;
    Ok(g)
}

/// The current generation of the published catalog (one primary-key row).
pub async fn catalog_generation(c: &mut impl Conn) -> Result<i64> {
    let (g,): (i64,) = c
        .fetch_one(
            "SELECT generation FROM catalog_generation WHERE id = 1",
            args![],
        )
        .await?;
    Ok(g)
}

/// A published entry as the in-memory search index loads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexRow {
    #[sqlx(flatten)]
    pub summary: ItemSummary,
    pub search_text: String,
}

/// A filterable tag (service object or theme) as the in-memory search index loads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagRow {
    pub kind: String,
    pub code: String,
    pub item_id: i64,
}

/// Everything the in-memory search index needs, with the generation it belongs to. Run it in
/// a read transaction ([`yiwang_store::Db::read`]) so the reads see one snapshot.
pub async fn index_snapshot(c: &mut impl Conn) -> Result<(i64, Vec<IndexRow>, Vec<TagRow>)> {
    let (generation, rows) = index_entries(c).await?;
    let (_, tags) = index_tags(c).await?;
    Ok((generation, rows, tags))
}

/// The published entries and the generation they belong to (run it in a read transaction).
pub async fn index_entries(c: &mut impl Conn) -> Result<(i64, Vec<IndexRow>)> {
    let generation = catalog_generation(c).await?;
    let rows: Vec<IndexRow> = c
        .fetch_all(
            &format!(
                "SELECT {}, e.search_text FROM catalog_entries e",
                search::COLUMNS
            ),
            args![],
        )
        .await?;
    Ok((generation, rows))
}

/// The filterable tags and the generation they belong to (run it in a read transaction).
pub async fn index_tags(c: &mut impl Conn) -> Result<(i64, Vec<TagRow>)> {
    let generation = catalog_generation(c).await?;
    let tags: Vec<TagRow> = c
        .fetch_all(
            "SELECT kind, code, item_id FROM catalog_tags WHERE kind IN ('object', 'ptheme', 'etheme')",
            args![],
        )
        .await?;
    Ok((generation, tags))
}

#[derive(Debug, sqlx::FromRow)]
struct SearchRow {
    #[sqlx(flatten)]
    summary: ItemSummary,
    total: i64,
}

/// Runs a catalog search in SQL: one page and the total count. The reference implementation
/// of the search semantics; [`crate::index::CatalogIndex::search`] answers the same.
pub async fn search(c: &mut impl Conn, s: &Search) -> Result<(Vec<ItemSummary>, i64)> {
    let q = search::build(s);
    let rows: Vec<SearchRow> = c.fetch_all(&q.text, &q.args).await?;
    let total = match rows.first() {
        Some(r) => r.total,
        // An empty page may still lie beyond the last match: count separately.
        None if s.page.page > 1 => {
            let mut first = s.clone();
            first.page = yiwang_kernel::paging::Page { page: 1, size: 1 };
            let q = search::build(&first);
            let rows: Vec<SearchRow> = c.fetch_all(&q.text, &q.args).await?;
            rows.first().map(|r| r.total).unwrap_or(0)
        }
        None => 0,
    };
    Ok((rows.into_iter().map(|r| r.summary).collect(), total))
}

/// Counts published items per code of a tag kind or column, for facets and KPIs.
pub async fn count_published(c: &mut impl Conn) -> Result<i64> {
    let (n,): (i64,) = c
        .fetch_one("SELECT COUNT(*) FROM catalog_entries", args![])
        .await?;
    Ok(n)
}

/// Filters of the administrators' item list.
#[derive(Debug, Clone, Default)]
pub struct AdminFilter {
    pub q: Option<String>,
    pub status: Option<String>,
    /// Latest-version status (`draft`, `submitted`, …): e.g. the review queue.
    pub version_status: Option<String>,
    pub department_id: Option<i64>,
}

pub async fn admin_list(
    c: &mut impl Conn,
    scope: &Scope,
    f: &AdminFilter,
    page: Page,
) -> Result<(Vec<AdminItemRow>, i64)> {
    let base = "FROM items i \
                JOIN item_versions v ON v.item_id = i.id AND v.version_no = i.latest_version WHERE 1 = 1";
    let filter = |s: &mut Sql| -> bool {
        match scope {
            Scope::Nothing => return false,
            Scope::Department(id) => {
                s.cond(" AND i.department_id = ?", [*id]);
            }
            Scope::Division(d) => {
                s.cond(
                    " AND i.division_code LIKE ? ESCAPE '\\'",
                    [like_prefix(d.prefix())],
                );
            }
            Scope::Everything => {}
        }
        if let Some(q) = &f.q {
            s.cond(
                " AND (v.name LIKE ? ESCAPE '\\' OR i.code = ?)",
                [like_contains(q), q.to_uppercase()],
            );
        }
        if let Some(st) = &f.status {
            s.cond(" AND i.status = ?", [st.as_str()]);
        }
        if let Some(vs) = &f.version_status {
            s.cond(" AND v.status = ?", [vs.as_str()]);
        }
        if let Some(d) = f.department_id {
            s.cond(" AND i.department_id = ?", [d]);
        }
        true
    };
    let mut count = Sql::new(&format!("SELECT COUNT(*) {base}"));
    if !filter(&mut count) {
        return Ok((Vec::new(), 0));
    }
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let mut s = Sql::new(&format!(
        "SELECT i.id, i.code, v.name, i.department_id, i.division_code, i.status, i.published_version, \
         i.latest_version, v.status AS latest_status, i.updated_at {base}"
    ));
    filter(&mut s);
    s.cond(
        " ORDER BY i.updated_at DESC, i.id DESC LIMIT ? OFFSET ?",
        [page.limit(), page.offset()],
    );
    Ok((c.fetch_all(&s.text, &s.args).await?, total))
}

/// All items with a published version in a scope, for export.
pub async fn published_in(c: &mut impl Conn, scope: &Scope) -> Result<Vec<(ItemRow, ItemVersion)>> {
    let mut s = Sql::new(&format!(
        "SELECT {ITEM_COLS} FROM items WHERE status = 'published'"
    ));
    match scope {
        Scope::Nothing => return Ok(Vec::new()),
        Scope::Department(id) => {
            s.cond(" AND department_id = ?", [*id]);
        }
        Scope::Division(d) => {
            s.cond(
                " AND division_code LIKE ? ESCAPE '\\'",
                [like_prefix(d.prefix())],
            );
        }
        Scope::Everything => {}
    }
    s.push(" ORDER BY id");
    let items: Vec<ItemRow> = c.fetch_all(&s.text, &s.args).await?;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        if let Some(no) = it.published_version
            && let Some(v) = version(c, it.id, no).await?
        {
            out.push((it, v));
        }
    }
    Ok(out)
}
