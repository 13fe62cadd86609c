//! The authorisation context: who is acting, with which roles, over which scope.
//!
//! Deny by default: a domain action calls one of the `require*` methods before it reads or
//! writes anything, and every method refuses unless a role of the actor grants the permission
//! over a scope that covers the target. HTTP handlers only build the [`Actor`]; they never decide.
//!
//! Roles are either *department-scoped* (they act on their own department's objects only) or
//! *division-scoped* (they act on everything inside their division: a county role covers that
//! county, a city role the whole city).

use serde::{Deserialize, Serialize};

use crate::codes::DivisionCode;
use crate::error::{Error, ErrorCode};

macro_rules! permissions {
    ($( $(#[$doc:meta])* $v:ident => $s:literal, )*) => {
        /// Everything an actor may be allowed to do. The string form is stored and audited.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Permission { $( $(#[$doc])* $v, )* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[ $( Permission::$v, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Permission::$v => $s, )* }
            }
            pub fn parse(s: &str) -> Option<Permission> {
                match s { $( $s => Some(Permission::$v), )* _ => None }
            }
        }
    };
}

permissions! {
    /// Create, claim and edit implementation items of one's department; submit them for review.
    CatalogEdit => "catalog.edit",
    /// Approve or reject submitted items, publish and retire items.
    CatalogReview => "catalog.review",
    /// Maintain the basic directory (基本目录).
    CatalogDirectory => "catalog.directory",
    /// Read unpublished drafts and the review history.
    CatalogReadDrafts => "catalog.read_drafts",
    /// Import and export item lists.
    CatalogImport => "catalog.import",
    /// Maintain departments, service halls and windows.
    OrgManage => "org.manage",
    /// Import and export departments.
    OrgImport => "org.import",
    /// Read the audit log.
    AuditRead => "audit.read",
    /// Manage staff accounts.
    AccountsManage => "accounts.manage",
    /// Register and deactivate the department systems that sign staff in through Yiwang
    /// (OpenID Connect clients).
    OidcClientsManage => "oidc.clients",
}

/// How far a role's grants reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reach {
    /// Only objects of the actor's own department.
    Department,
    /// Everything inside the actor's division.
    Division,
}

macro_rules! roles {
    ($( $(#[$doc:meta])* $v:ident => ($s:literal, $zh:literal, $en:literal, $reach:ident, [$($p:ident),* $(,)?]), )*) => {
        /// Roles a staff account can hold; each grants permissions with a reach.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Role { $( $(#[$doc])* $v, )* }

        impl Role {
            pub const ALL: &'static [Role] = &[ $( Role::$v, )* ];
            pub fn as_str(self) -> &'static str { match self { $( Role::$v => $s, )* } }
            pub fn zh(self) -> &'static str { match self { $( Role::$v => $zh, )* } }
            pub fn en(self) -> &'static str { match self { $( Role::$v => $en, )* } }
            pub fn reach(self) -> Reach { match self { $( Role::$v => Reach::$reach, )* } }
            pub fn permissions(self) -> &'static [Permission] {
                match self { $( Role::$v => &[$(Permission::$p),*], )* }
            }
            pub fn parse(s: &str) -> Option<Role> {
                match s { $( $s => Some(Role::$v), )* _ => None }
            }
        }
    };
}

roles! {
    /// Department staff who maintain their department's implementation items (事项编辑).
    CatalogEditor => ("catalog_editor", "事项编辑员", "catalog editor", Department,
        [CatalogEdit, CatalogReadDrafts, CatalogImport]),
    /// Reviewer at the government-service administration (事项审核员).
    CatalogReviewer => ("catalog_reviewer", "事项审核员", "catalog reviewer", Division,
        [CatalogReview, CatalogReadDrafts]),
    /// Maintains the basic directory and imports catalogs for the whole division (目录管理员).
    CatalogAdmin => ("catalog_admin", "目录管理员", "catalog administrator", Division,
        [CatalogDirectory, CatalogReadDrafts, CatalogImport, CatalogEdit]),
    /// Maintains departments, halls and windows (机构管理员).
    OrgAdmin => ("org_admin", "机构管理员", "organisation administrator", Division,
        [OrgManage, OrgImport]),
    /// System administrator (系统管理员): accounts and settings, nothing else.
    SystemAdmin => ("system_admin", "系统管理员", "system administrator", Division,
        [AccountsManage, OidcClientsManage]),
    /// Audit administrator (审计管理员): reads the audit log, nothing else.
    AuditAdmin => ("audit_admin", "审计管理员", "audit administrator", Division,
        [AuditRead]),
}

/// A signed-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub department_id: i64,
    pub division: DivisionCode,
    pub roles: Vec<Role>,
}

/// What a permission is being exercised on.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The department owning the object, if it has one.
    pub department_id: Option<i64>,
    /// The division the object belongs to.
    pub division: &'a DivisionCode,
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// Nobody signed in.
    Anonymous,
    /// A member of staff.
    Staff(Staff),
    /// The platform itself acting from the command line (migrations, demo loader, imports run
    /// by an operator on the server). Never reachable over HTTP.
    System { task: String },
}

impl Actor {
    pub fn system(task: &str) -> Actor {
        Actor::System {
            task: task.to_string(),
        }
    }

    /// A stable label for logs and history: `staff:<username>` or `system:<task>`.
    pub fn label(&self) -> String {
        match self {
            Actor::Anonymous => "anonymous".to_string(),
            Actor::Staff(s) => format!("staff:{}", s.username),
            Actor::System { task } => format!("system:{task}"),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::Staff(s) => Some(s.user_id),
            _ => None,
        }
    }

    pub fn staff(&self) -> Option<&Staff> {
        match self {
            Actor::Staff(s) => Some(s),
            _ => None,
        }
    }

    fn denied(&self) -> Error {
        match self {
            Actor::Anonymous => Error::new(ErrorCode::Unauthenticated),
            _ => Error::forbidden(),
        }
    }

    /// Whether the actor holds `perm` through any role, regardless of scope.
    pub fn has(&self, perm: Permission) -> bool {
        match self {
            Actor::Anonymous => false,
            Actor::System { .. } => true,
            Actor::Staff(s) => s.roles.iter().any(|r| r.permissions().contains(&perm)),
        }
    }

    /// Requires `perm` through some role (used before listing, where the list is then filtered
    /// by [`Actor::scope_of`]).
    pub fn require(&self, perm: Permission) -> Result<(), Error> {
        if self.has(perm) {
            Ok(())
        } else {
            Err(self.denied())
        }
    }

    /// Requires `perm` over `target`: a department-reach role must belong to the target's
    /// department; a division-reach role's division must contain the target's division.
    pub fn require_on(&self, perm: Permission, target: Target<'_>) -> Result<(), Error> {
        if self.may_on(perm, target) {
            Ok(())
        } else {
            Err(self.denied())
        }
    }

    pub fn may_on(&self, perm: Permission, target: Target<'_>) -> bool {
        match self {
            Actor::Anonymous => false,
            Actor::System { .. } => true,
            Actor::Staff(s) => s.roles.iter().any(|r| {
                r.permissions().contains(&perm)
                    && match r.reach() {
                        Reach::Department => target.department_id == Some(s.department_id),
                        Reach::Division => target.division.within(&s.division),
                    }
            }),
        }
    }

    /// The widest scope in which the actor holds `perm`, for filtering lists.
    pub fn scope_of(&self, perm: Permission) -> Scope {
        match self {
            Actor::Anonymous => Scope::Nothing,
            Actor::System { .. } => Scope::Everything,
            Actor::Staff(s) => {
                let mut scope = Scope::Nothing;
                for r in &s.roles {
                    if !r.permissions().contains(&perm) {
                        continue;
                    }
                    match r.reach() {
                        Reach::Division => return Scope::Division(s.division.clone()),
                        Reach::Department => scope = Scope::Department(s.department_id),
                    }
                }
                scope
            }
        }
    }
}

/// The context of one request: who acts and from where. Domain services take it for every
/// action so that authorisation and the audit trail cannot be skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctx {
    pub actor: Actor,
    /// Source address of the request (empty for the command line).
    pub source: String,
}

impl Ctx {
    pub fn new(actor: Actor, source: impl Into<String>) -> Ctx {
        Ctx {
            actor,
            source: source.into(),
        }
    }

    /// The platform itself, from the command line.
    pub fn system(task: &str) -> Ctx {
        Ctx::new(Actor::system(task), "")
    }

    pub fn anonymous() -> Ctx {
        Ctx::new(Actor::Anonymous, "")
    }
}

/// Where an actor may exercise a permission, as a list filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Nothing,
    Department(i64),
    Division(DivisionCode),
    Everything,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(dept: i64, div: &str, roles: &[Role]) -> Actor {
        Actor::Staff(Staff {
            user_id: 1,
            username: "u".into(),
            name: "U".into(),
            department_id: dept,
            division: DivisionCode::parse(div).unwrap(),
            roles: roles.to_vec(),
        })
    }

    #[test]
    fn deny_by_default() {
        let d = DivisionCode::parse("440802").unwrap();
        let t = Target {
            department_id: Some(7),
            division: &d,
        };
        for p in Permission::ALL {
            assert!(!Actor::Anonymous.may_on(*p, t));
            assert!(!staff(7, "440802", &[]).may_on(*p, t));
        }
        assert_eq!(
            Actor::Anonymous
                .require(Permission::CatalogEdit)
                .unwrap_err()
                .code,
            ErrorCode::Unauthenticated
        );
        assert_eq!(
            staff(7, "440802", &[])
                .require(Permission::CatalogEdit)
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn department_reach_stays_in_the_department() {
        let d = DivisionCode::parse("440802").unwrap();
        let editor = staff(7, "440802", &[Role::CatalogEditor]);
        let own = Target {
            department_id: Some(7),
            division: &d,
        };
        let other = Target {
            department_id: Some(8),
            division: &d,
        };
        assert!(editor.may_on(Permission::CatalogEdit, own));
        assert!(!editor.may_on(Permission::CatalogEdit, other));
        assert!(!editor.may_on(Permission::CatalogReview, own));
    }

    #[test]
    fn division_reach_covers_lower_divisions_only() {
        let city = staff(1, "440800", &[Role::CatalogReviewer]);
        let county = staff(2, "440802", &[Role::CatalogReviewer]);
        let c802 = DivisionCode::parse("440802").unwrap();
        let c803 = DivisionCode::parse("440803").unwrap();
        let city_code = DivisionCode::parse("440800").unwrap();
        let t = |d| Target {
            department_id: Some(99),
            division: d,
        };
        assert!(city.may_on(Permission::CatalogReview, t(&c802)));
        assert!(city.may_on(Permission::CatalogReview, t(&c803)));
        assert!(county.may_on(Permission::CatalogReview, t(&c802)));
        assert!(!county.may_on(Permission::CatalogReview, t(&c803)));
        assert!(!county.may_on(Permission::CatalogReview, t(&city_code)));
    }

    #[test]
    fn only_system_administrators_register_sso_clients() {
        for r in Role::ALL {
            assert_eq!(
                r.permissions().contains(&Permission::OidcClientsManage),
                *r == Role::SystemAdmin,
                "{r:?}"
            );
        }
    }

    #[test]
    fn audit_admin_does_nothing_but_read_the_audit_log() {
        assert_eq!(Role::AuditAdmin.permissions(), &[Permission::AuditRead]);
        for r in Role::ALL {
            if *r != Role::AuditAdmin {
                assert!(!r.permissions().contains(&Permission::AuditRead), "{r:?}");
            }
        }
    }
}
