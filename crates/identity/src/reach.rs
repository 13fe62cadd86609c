//! A caller's reach over departments, resolved through the org domain (which owns the
//! departments table): the identity lists filter by department id, never by joining it.

use yiwang_kernel::Result;
use yiwang_kernel::auth::Scope;
use yiwang_org::repo::DepartmentFilter;
use yiwang_org::service::departments_in;
use yiwang_store::Conn;

use crate::repo::Departments;

/// The departments `scope` reaches: one department, every department inside a division, all,
/// or none.
pub(crate) async fn departments(c: &mut impl Conn, scope: &Scope) -> Result<Departments> {
    Ok(match scope {
        Scope::Nothing => Departments::Nothing,
        Scope::Everything => Departments::Everything,
        Scope::Department(id) => Departments::Only(vec![*id]),
        Scope::Division(d) => {
            let f = DepartmentFilter {
                division: Some(d.clone()),
                ..Default::default()
            };
            Departments::Only(
                departments_in(c, &f)
                    .await?
                    .into_iter()
                    .map(|d| d.id)
                    .collect(),
            )
        }
    })
}
