//! SQL of the identity domain, one file per concern. One SQL text per query for both backends.
//!
//! The service files (`service`, `signin`, `people`, `orgs`, `agents`, `tokens`, `admins`,
//! `lockout`, `exchange`) keep the rules and call these functions; the OpenID Connect
//! provider keeps its own SQL in `oidc::repo`.

pub(crate) mod admins;
pub(crate) mod agents;
pub(crate) mod lockout;
pub(crate) mod names;
pub(crate) mod orgs;
pub(crate) mod people;
pub(crate) mod recovery;
pub(crate) mod sealed;
pub(crate) mod sessions;
pub(crate) mod staff;
pub(crate) mod tokens;

/// Which departments' rows a list may show: a caller's [`yiwang_kernel::auth::Scope`] turned
/// into department ids through the org domain ([`crate::reach::departments`]), so no identity
/// query joins the org domain's tables.
#[derive(Debug, Clone)]
pub(crate) enum Departments {
    Nothing,
    Only(Vec<i64>),
    Everything,
}

impl Departments {
    /// Appends ` AND <column> IN (…)` to `q`, or reports that nothing can match.
    pub(crate) fn restrict(&self, q: &mut yiwang_store::Sql, column: &str) -> bool {
        match self {
            Departments::Nothing => false,
            Departments::Only(ids) if ids.is_empty() => false,
            Departments::Only(ids) => {
                q.push(&format!(" AND {column} IN "));
                q.list(ids.iter().copied());
                true
            }
            Departments::Everything => true,
        }
    }
}
