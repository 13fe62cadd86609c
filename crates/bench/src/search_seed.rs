//! The catalog `yiwang bench search` searches: the demo city, then copies of its published
//! items claimed by town governments (乡镇/街道), Zhanjiang's first and then the rest of
//! Guangdong's, until N items are published — a province's catalog is the same items
//! implemented in many places.
//!
//! The first copies (whole departments, until at least [`PER_ITEM`]) are written one by one with the catalog's own repository
//! functions, exactly the rows a publish writes (`items`, `item_versions`, then
//! `catalog::repo::index`: `catalog_entries`, `catalog_tags`, `catalog_grams`, the generation).
//! The rest are cloned from those per department with set-based `INSERT … SELECT`s of the same
//! five tables (one statement per table and department): the clone's rows are the template's
//! with the department, division and item code changed, so its grams and tags are the
//! template's (neither depends on the department). The cloned version keeps the template's
//! elements JSON with the department's name replaced; nothing the search reads comes from it.

use std::sync::Arc;

use yiwang_catalog::repo;
use yiwang_kernel::auth::Scope;
use yiwang_kernel::clock::Clock;
use yiwang_kernel::codes::{DivisionLevel, Uscc};
use yiwang_org::model::{DeptKind, NewDepartment};
use yiwang_org::registry;
use yiwang_store::{Conn, Db, args};

/// Copies written one by one through the catalog's repository (whole departments, at least
/// this many) before the SQL cloning.
pub const PER_ITEM: usize = 500;
/// Departments cloned per transaction.
const DEPTS_PER_TX: usize = 20;

/// How the catalog was filled.
#[derive(Debug, Default, Clone, Copy)]
pub struct Seeded {
    /// Published items now.
    pub items: usize,
    /// Copies written one by one through the repository.
    pub per_item: usize,
    /// Copies cloned by SQL.
    pub cloned: usize,
    /// Town governments claiming copies.
    pub departments: usize,
    /// Distinct basic items copied (one template each).
    pub templates: usize,
}

/// A town government as a claiming department: id, USCC, name, division.
struct Town {
    id: i64,
    uscc: Uscc,
    name: String,
    division: String,
}

/// Town-level divisions under `code`, depth first.
fn towns_under(code: &str, out: &mut Vec<yiwang_org::Division>) {
    for d in registry().children(code) {
        if d.code.level() == DivisionLevel::Town {
            out.push(d.clone());
        } else if !matches!(d.code.level(), DivisionLevel::Village) {
            towns_under(d.code.as_str(), out);
        }
    }
}

/// Fills the catalog up to `n` published items (see the module header).
pub async fn populate(db: &Db, clock: Arc<dyn Clock>, n: usize) -> anyhow::Result<Seeded> {
    yiwang_demo::load(db, clock.clone(), yiwang_identity::Keys::ephemeral()?).await?;
    let mut c = db.clone();
    let mut templates = repo::published_in(&mut c, &Scope::Everything).await?;
    // One template per basic item, so that a department's copy of a basic item is one row.
    templates.sort_by_key(|(row, _)| (row.basic_item_id, row.id));
    templates.dedup_by_key(|(row, _)| row.basic_item_id);
    let have = repo::count_published(&mut c).await? as usize;
    let mut seeded = Seeded {
        items: have,
        templates: templates.len(),
        ..Seeded::default()
    };
    if have >= n || templates.is_empty() {
        return Ok(seeded);
    }
    // Zhanjiang's towns first, then the rest of Guangdong's.
    let mut divisions = Vec::new();
    towns_under("440800", &mut divisions);
    let mut rest = Vec::new();
    towns_under("440000", &mut rest);
    rest.retain(|d| !d.code.as_str().starts_with("4408"));
    divisions.extend(rest);
    let wanted = (n - have).div_ceil(templates.len()).min(divisions.len());
    divisions.truncate(wanted);

    let now = clock.now();
    let mut tx = db.write().await?;
    let mut towns = Vec::with_capacity(divisions.len());
    for (i, t) in divisions.iter().enumerate() {
        let body = format!("11{}BM{:07}", &t.code.as_str()[..6], i);
        let uscc = Uscc::from_body(&body).map_err(|e| anyhow::anyhow!(e.en))?;
        let name = format!("{}人民政府", t.name);
        let d = NewDepartment {
            uscc: uscc.clone(),
            name: name.clone(),
            short_name: String::new(),
            division: t.code.clone(),
            parent_uscc: None,
            kind: DeptKind::Township,
            phone: String::new(),
            address: String::new(),
        };
        let id = yiwang_org::repo::insert_department(&mut tx, &d, None, now).await?;
        towns.push(Town {
            id,
            uscc,
            name,
            division: t.code.as_str().to_string(),
        });
    }
    tx.commit().await?;

    // One by one through the repository: whole departments, up to PER_ITEM copies.
    let mut next_town = 0;
    while seeded.items < n && seeded.per_item < PER_ITEM {
        let Some(town) = towns.get(next_town) else {
            break;
        };
        next_town += 1;
        seeded.departments += 1;
        let mut tx = db.write().await?;
        for (row, v) in &templates {
            if seeded.items >= n {
                break;
            }
            let mut e = v.elements.clone();
            e.department_name = town.name.clone();
            e.department_uscc = town.uscc.to_string();
            e.exercise_level = "5".into();
            let code = format!("{}5{}", town.uscc.as_str(), e.basic_code);
            let id = repo::insert_item(
                &mut tx,
                &code,
                row.basic_item_id,
                town.id,
                &town.division,
                "system:bench",
                now,
            )
            .await?;
            repo::insert_version(&mut tx, id, 1, &e, "system:bench", now).await?;
            repo::set_version_status(
                &mut tx,
                id,
                1,
                yiwang_catalog::VersionStatus::Draft,
                yiwang_catalog::VersionStatus::Published,
            )
            .await?;
            repo::set_item_state(
                &mut tx,
                id,
                yiwang_catalog::ItemStatus::Published,
                Some(1),
                1,
                now,
            )
            .await?;
            let item = repo::item_by_code(&mut tx, &code)
                .await?
                .ok_or_else(|| anyhow::anyhow!("item vanished"))?;
            repo::index(&mut tx, &item, 1, &e, &town.name, now).await?;
            seeded.items += 1;
            seeded.per_item += 1;
        }
        tx.commit().await?;
    }

    // The rest cloned by SQL, department by department.
    let ids: Vec<String> = templates.iter().map(|(r, _)| r.id.to_string()).collect();
    let clone = Cloner::new(&ids.join(", "));
    for chunk in towns
        .get(next_town..)
        .unwrap_or_default()
        .chunks(DEPTS_PER_TX)
    {
        if seeded.items >= n {
            break;
        }
        let mut tx = db.write().await?;
        for town in chunk {
            let left = n.saturating_sub(seeded.items);
            if left == 0 {
                break;
            }
            let made = clone.department(&mut tx, town, left, now).await?;
            seeded.departments += 1;
            seeded.items += made;
            seeded.cloned += made;
        }
        repo::bump_generation(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(seeded)
}

/// The cloning statements for one template set (`templates`: item ids, comma-separated).
struct Cloner {
    items: String,
    versions: String,
    entries: String,
    tags: String,
    grams: String,
}

impl Cloner {
    fn new(templates: &str) -> Cloner {
        // A new item `n` of department $1 and its template `t` (same basic item).
        let pair = format!(
            "FROM items n JOIN items t ON t.basic_item_id = n.basic_item_id AND t.id IN ({templates}) \
             WHERE n.department_id = $1"
        );
        Cloner {
            items: format!(
                "INSERT INTO items (code, basic_item_id, department_id, division_code, status, published_version, \
                 latest_version, created_at, created_by, updated_at) \
                 SELECT $2 || '5' || e.basic_code, t.basic_item_id, $1, $3, 'published', 1, 1, $4, 'system:bench', $4 \
                 FROM items t JOIN catalog_entries e ON e.item_id = t.id WHERE t.id IN ({templates}) \
                 ORDER BY t.id LIMIT $5"
            ),
            versions: format!(
                "INSERT INTO item_versions (item_id, version_no, status, revision, name, elements, created_at, created_by, \
                 updated_at, updated_by, review_note) \
                 SELECT n.id, 1, 'published', 2, v.name, REPLACE(v.elements, e.department_name, $2), $3, 'system:bench', \
                 $3, 'system:bench', '' {pair_v}",
                pair_v = pair.replace(
                    "WHERE",
                    "JOIN item_versions v ON v.item_id = t.id AND v.version_no = t.published_version \
                     JOIN catalog_entries e ON e.item_id = t.id WHERE"
                )
            ),
            entries: format!(
                "INSERT INTO catalog_entries (item_id, version_no, code, basic_code, name, item_type, department_id, \
                 department_name, division_code, case_type, online_level, visits, cross_scope, promised_limit, \
                 promised_unit, statutory_limit, statutory_unit, licence_free, search_text, published_at) \
                 SELECT n.id, 1, n.code, e.basic_code, e.name, e.item_type, n.department_id, $2, n.division_code, \
                 e.case_type, e.online_level, e.visits, e.cross_scope, e.promised_limit, e.promised_unit, \
                 e.statutory_limit, e.statutory_unit, e.licence_free, e.search_text, $3 {}",
                pair.replace("WHERE", "JOIN catalog_entries e ON e.item_id = t.id WHERE")
            ),
            tags: format!(
                "INSERT INTO catalog_tags (kind, code, item_id) SELECT g.kind, g.code, n.id {}",
                pair.replace("WHERE", "JOIN catalog_tags g ON g.item_id = t.id WHERE")
            ),
            grams: format!(
                "INSERT INTO catalog_grams (gram, item_id) SELECT g.gram, n.id {}",
                pair.replace("WHERE", "JOIN catalog_grams g ON g.item_id = t.id WHERE")
            ),
        }
    }

    /// Clones up to `limit` templates for `town`; answers how many.
    async fn department(
        &self,
        c: &mut impl Conn,
        town: &Town,
        limit: usize,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<usize> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let made = c
            .execute(
                &self.items,
                args![
                    town.id,
                    town.uscc.as_str(),
                    town.division.as_str(),
                    now,
                    limit
                ],
            )
            .await?;
        c.execute(&self.versions, args![town.id, town.name.as_str(), now])
            .await?;
        c.execute(&self.entries, args![town.id, town.name.as_str(), now])
            .await?;
        c.execute(&self.tags, args![town.id]).await?;
        c.execute(&self.grams, args![town.id]).await?;
        Ok(usize::try_from(made).unwrap_or(0))
    }
}
