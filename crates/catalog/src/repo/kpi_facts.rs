//! SQL of the catalog's facts (指标事实): the current published implementation items with
//! their published elements, and the basic items each department claimed (认领). The measures
//! themselves are read from the elements (JSON) in Rust (`crate::kpi_facts`): items are
//! thousands, not millions, and one reading serves both the facts and their members.

use yiwang_kernel::Result;
use yiwang_store::{Conn, Sql};

/// A published item and its published version's name and elements (JSON).
#[derive(Debug, sqlx::FromRow)]
pub struct PublishedRow {
    pub code: String,
    pub department_id: i64,
    pub division_code: String,
    pub name: String,
    pub elements: String,
}

/// A basic item a department has claimed, or (`parent = true`) one its parent department
/// claimed, with the basic item's suggested levels.
#[derive(Debug, sqlx::FromRow)]
pub struct ClaimRow {
    pub department_id: i64,
    pub code: String,
    pub name: String,
    pub levels: String,
}

fn departments(s: &mut Sql, column: &str, departments: Option<&[i64]>) {
    if let Some(d) = departments {
        s.push(&format!(" AND {column} IN "));
        s.list(d.iter().copied());
    }
}

/// Every published, not retired item (of `only` departments when given), by id.
pub async fn published(c: &mut impl Conn, only: Option<&[i64]>) -> Result<Vec<PublishedRow>> {
    let mut s = Sql::new(
        "SELECT i.code, i.department_id, i.division_code, v.name, v.elements FROM items i \
         JOIN item_versions v ON v.item_id = i.id AND v.version_no = i.published_version \
         WHERE i.status = 'published'",
    );
    departments(&mut s, "i.department_id", only);
    s.push(" ORDER BY i.id");
    c.fetch_all(&s.text, &s.args).await
}

/// The active basic items claimed by each department (not retired), one row per department
/// and basic item, of `only` departments when given.
pub async fn claims(c: &mut impl Conn, only: Option<&[i64]>) -> Result<Vec<ClaimRow>> {
    let mut s = Sql::new(
        "SELECT DISTINCT i.department_id, b.code, b.name, b.levels FROM items i \
         JOIN basic_items b ON b.id = i.basic_item_id \
         WHERE b.status = 'active' AND i.status <> 'retired'",
    );
    departments(&mut s, "i.department_id", only);
    s.push(" ORDER BY i.department_id, b.code");
    c.fetch_all(&s.text, &s.args).await
}
