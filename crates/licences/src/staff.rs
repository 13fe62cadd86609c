//! What issuing staff see: the licences their departments issued (制证发证台账), searchable
//! by identifier, number, holder name or holder number (matched through its blind index, so
//! the number itself is never stored or searched in clear), and the departments they may
//! issue for.

use std::collections::HashMap;
use yiwang_kernel::auth::{Ctx, Permission, Scope};
use yiwang_kernel::paging::{Page, Paged};
use yiwang_kernel::{FieldError, Result};

use yiwang_org::Department;
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::service::{department_in, departments_in};
use yiwang_store::Conn;

use crate::repo;
use crate::repo::licences::{Issued, Issuers};
use crate::service::{HOLDER_CONTEXT, Licence, LicenceService};

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

/// The departments within `scope`, by division and id.
async fn departments(c: &mut impl Conn, scope: &Scope) -> Result<Vec<Department>> {
    match scope {
        Scope::Nothing => Ok(Vec::new()),
        Scope::Department(d) => Ok(department_in(c, *d).await?.into_iter().collect()),
        Scope::Division(d) => {
            let f = DepartmentFilter {
                division: Some(d.clone()),
                ..Default::default()
            };
            departments_in(c, &f).await
        }
        Scope::Everything => departments_in(c, &DepartmentFilter::default()).await,
    }
}

impl LicenceService {
    /// Licences issued by the departments within the caller's `licence.issue` reach, newest
    /// first.
    pub async fn issued(&self, ctx: &Ctx, f: &IssuedFilter, page: Page) -> Result<Paged<Licence>> {
        ctx.actor.require(Permission::LicenceIssue)?;
        let mut db = self.db.clone();
        let issuers = match ctx.actor.scope_of(Permission::LicenceIssue) {
            Scope::Nothing => Issuers::Nothing,
            Scope::Department(d) => Issuers::Departments(vec![d]),
            scope @ Scope::Division(_) => Issuers::Departments(
                departments(&mut db, &scope)
                    .await?
                    .iter()
                    .map(|d| d.id)
                    .collect(),
            ),
            Scope::Everything => Issuers::Everything,
        };
        let status = f.status.as_deref().filter(|s| !s.is_empty());
        if let Some(s) = status
            && !matches!(s, "valid" | "suspended" | "revoked")
        {
            return Err(yiwang_kernel::Error::field(FieldError::one_of(
                "status",
                &["valid", "suspended", "revoked"],
            )));
        }
        let type_code = f
            .type_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let q = match f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(q) => Some((
                q,
                self.keys
                    .blind_index(HOLDER_CONTEXT, &q.to_ascii_uppercase())?,
            )),
            None => None,
        };
        let filter = Issued {
            issuers,
            status,
            type_code,
            q,
        };
        let (rows, total) = repo::licences::issued(&mut db, &filter, page).await?;
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
        let mut db = self.db.clone();
        let scope = ctx.actor.scope_of(Permission::LicenceIssue);
        Ok(departments(&mut db, &scope)
            .await?
            .into_iter()
            .map(|d| IssuingDepartment {
                id: d.id,
                name: d.name,
            })
            .collect())
    }

    /// Every seal key with its department's name, current ones first within a department.
    pub async fn seal_keys_by_department(&self) -> Result<Vec<DepartmentSealKey>> {
        let mut db = self.db.clone();
        let names: HashMap<i64, String> = departments_in(&mut db, &DepartmentFilter::default())
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        // Newest first within a department, departments by name.
        let mut keys: Vec<DepartmentSealKey> = repo::seal_keys::all(&mut db)
            .await?
            .into_iter()
            .rev()
            .filter_map(|k| {
                Some(DepartmentSealKey {
                    department_name: names.get(&k.department_id)?.clone(),
                    department_id: k.department_id,
                    key_id: k.key_id,
                    public_key: k.public_key,
                    created_at: k.created_at,
                    retired_at: k.retired_at,
                })
            })
            .collect();
        keys.sort_by(|a, b| a.department_name.cmp(&b.department_name));
        Ok(keys)
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
