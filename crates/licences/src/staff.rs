//! What issuing staff see: the licences their departments issued (制证发证台账), searchable
//! by identifier, number, holder name or holder number (matched through its blind index, so
//! the number itself is never stored or searched in clear), and the departments they may
//! issue for.

use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{FieldError, Result};
use yiwang_store::{Conn, Sql, args, like_prefix};

use crate::service::{COLS, HOLDER_CONTEXT, Licence, LicenceService, Row};

/// Filters of the issued-licence list.
#[derive(Debug, Clone, Default)]
pub struct IssuedFilter {
    /// 证照标识, 证照编号, the holder's name, or their ID number / USCC.
    pub q: Option<String>,
    /// 证照类型代码.
    pub type_code: Option<String>,
    /// `valid`, `suspended` or `revoked`.
    pub status: Option<String>,
}

/// A department staff may issue licences for.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct IssuingDepartment {
    pub id: i64,
    pub name: String,
}

/// Appends the issuer-department condition for `scope` (`l` = licences).
fn scope_clause(sql: &mut Sql, scope: &Scope) {
    match scope {
        Scope::Nothing => {
            sql.push(" AND 1 = 0");
        }
        Scope::Department(d) => {
            sql.cond(" AND l.issuer_department_id = ?", [*d]);
        }
        Scope::Division(d) => {
            sql.cond(
                " AND l.issuer_department_id IN (SELECT id FROM departments WHERE division_code LIKE ? ESCAPE '\\')",
                [like_prefix(d.prefix())],
            );
        }
        Scope::Everything => {}
    }
}

impl LicenceService {
    /// Licences issued by the departments within the caller's `licence.issue` reach, newest
    /// first.
    pub async fn issued(&self, ctx: &Ctx, f: &IssuedFilter, page: Page) -> Result<Paged<Licence>> {
        ctx.actor.require(Permission::LicenceIssue)?;
        let mut sql = Sql::new("1 = 1");
        scope_clause(&mut sql, &ctx.actor.scope_of(Permission::LicenceIssue));
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            if !matches!(s, "valid" | "suspended" | "revoked") {
                return Err(yiwang_kernel::Error::field(FieldError::one_of(
                    "status",
                    &["valid", "suspended", "revoked"],
                )));
            }
            sql.cond(" AND l.status = ?", [s]);
        }
        if let Some(t) = f
            .type_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            sql.cond(" AND l.type_code = ?", [t]);
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let idx = self
                .keys
                .blind_index(HOLDER_CONTEXT, &q.to_ascii_uppercase())?;
            sql.cond(
                " AND (l.identifier = ? OR l.number = ? OR l.holder_name = ? OR l.holder_code_idx = ?)",
                [q.to_string(), q.to_string(), q.to_string(), idx],
            );
        }
        let mut db = self.db.clone();
        let mut count = Sql::new("SELECT COUNT(*) FROM licences l WHERE ");
        count.args = sql.args.clone();
        count.push(&sql.text);
        let (total,): (i64,) = db.fetch_one(&count.text, &count.args).await?;
        let cols = COLS
            .split(", ")
            .map(|c| format!("l.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut q = Sql::new(&format!("SELECT {cols} FROM licences l WHERE "));
        q.args = sql.args.clone();
        q.push(&sql.text);
        q.push(" ORDER BY l.id DESC LIMIT ");
        q.bind(page.limit());
        q.push(" OFFSET ");
        q.bind(page.offset());
        let rows: Vec<Row> = db.fetch_all(&q.text, &q.args).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            items.push(self.view(&mut db, r).await?);
        }
        Ok(Paged {
            items,
            total,
            page: page.page,
            size: page.size,
        })
    }

    /// The departments the caller may issue licences for (`licence.issue` reach).
    pub async fn issuing_departments(&self, ctx: &Ctx) -> Result<Vec<IssuingDepartment>> {
        ctx.actor.require(Permission::LicenceIssue)?;
        let mut sql = Sql::new("SELECT id, name FROM departments d WHERE 1 = 1");
        match ctx.actor.scope_of(Permission::LicenceIssue) {
            Scope::Nothing => {
                sql.push(" AND 1 = 0");
            }
            Scope::Department(d) => {
                sql.cond(" AND d.id = ?", [d]);
            }
            Scope::Division(d) => {
                sql.cond(
                    " AND d.division_code LIKE ? ESCAPE '\\'",
                    [like_prefix(d.prefix())],
                );
            }
            Scope::Everything => {}
        }
        sql.push(" ORDER BY d.division_code, d.id");
        let mut db = self.db.clone();
        db.fetch_all(&sql.text, &sql.args).await
    }

    /// Every seal key with its department's name, current ones first within a department.
    pub async fn seal_keys_by_department(&self) -> Result<Vec<DepartmentSealKey>> {
        let mut db = self.db.clone();
        db.fetch_all(
            "SELECT k.department_id, d.name AS department_name, k.key_id, k.public_key, k.created_at, k.retired_at \
             FROM seal_keys k JOIN departments d ON d.id = k.department_id ORDER BY d.name, k.id DESC",
            args![],
        )
        .await
    }
}

/// A seal key beside the name of its department.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct DepartmentSealKey {
    pub department_id: i64,
    pub department_name: String,
    pub key_id: String,
    pub public_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<time::OffsetDateTime>,
}
