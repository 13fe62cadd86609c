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
    /// Create, deactivate and reactivate staff accounts; reset their passwords (系统管理员).
    AccountsManage => "accounts.manage",
    /// Register and deactivate OpenID Connect clients (department systems signing in through
    /// Yiwang).
    OidcClientsManage => "oidc.clients",
    /// Grant and withdraw staff roles (安全管理员).
    RolesManage => "roles.manage",
    /// Issue and revoke API tokens of department systems, with their scopes.
    ApiTokensManage => "api_tokens.manage",
    /// Rotate the key that encrypts personal data at rest.
    KeysRotate => "keys.rotate",
    /// Look up registered natural persons and legal persons (masked).
    PeopleRead => "people.read",
    /// Confirm an enterprise account's binding to its legal representative at a window, after
    /// seeing the business licence (企业身份核验).
    OrgVerify => "org.verify",
    /// Issue one-time password-reset codes (找回账号) for citizens and staff after checking
    /// their identity; never for the administrators of 三员分立. Every code is audited.
    AccountRecover => "account.recover",
    /// See full ID and phone numbers instead of masked ones; every such read is audited.
    PersonalDataReveal => "personal_data.reveal",
    /// Import a year's official holiday arrangement into the working-day calendar (a setting,
    /// so the system administrator's).
    CalendarManage => "calendar.manage",
    /// Receive applications at the window on the applicant's behalf, pre-check them, accept or
    /// refuse to accept them, request supplements (一次性告知) and deliver results (综合窗口).
    CaseReceive => "case.receive",
    /// Handle accepted cases: the workflow steps (审查、审核、决定), special procedures, and the
    /// follow-up of bad ratings of one's department.
    CaseHandle => "case.handle",
    /// Read cases (inbox, detail, timeline, materials) within one's reach.
    CaseRead => "case.read",
    /// Supervise time limits (效能监督): warnings, urging, deciding rating appeals.
    CaseSupervise => "case.supervise",
    /// Export process data (办件过程数据) with applicants' full identifiers for the national
    /// exchange; every export is audited.
    CaseExport => "case.export",
    /// Issue licences of one's department, suspend, reinstate or revoke them (发证).
    LicenceIssue => "licence.issue",
    /// Define licence types and rotate departments' seal keys (证照管理).
    LicenceManage => "licence.manage",
    /// Provide data (数据提供): maintain one's department's resources in the resource catalog,
    /// load (归集) their rows, decide requests for them and read every use of them.
    ExchangeProvide => "exchange.provide",
    /// Use shared data (数据使用): request resources for one's department and read granted
    /// fields through its grants (the data API, case screens); every read is audited.
    ExchangeConsume => "exchange.consume",
    /// Administer the resource catalog of the division (数据资源管理): review and publish
    /// resources, keep the three lists, base libraries and return-flow packages (回流).
    ExchangeAdmin => "exchange.admin",
    /// Supervise data sharing: overdue request decisions and the sharing statistics.
    ExchangeSupervise => "exchange.supervise",
    /// Take appeals on the 12345 hotline and at the window on a caller's behalf (话务受理),
    /// answer 咨询 from the knowledge base at once (直接办结) and make follow-up calls (回访).
    AppealIntake => "appeal.intake",
    /// Dispatch work orders (派单) to grids and departments, re-dispatch returned ones, decide
    /// extension requests, review replies (审核) and merge or link duplicates (12345 派单员).
    AppealDispatch => "appeal.dispatch",
    /// Handle the work orders dispatched to one's department or grid: sign for them, transfer
    /// or return them with reasons, ask for an extension, record handling and reply (承办).
    AppealHandle => "appeal.handle",
    /// Supervise work orders (督办): overdue orders, supervision notes, completion, on-time and
    /// satisfaction rates per grid, department and period.
    AppealSupervise => "appeal.supervise",
    /// Keep the appeal settings of the division: categories (事项分类) and their owning
    /// departments, the knowledge base (知识库), grids (网格) and their workers, time limits.
    AppealAdmin => "appeal.admin",
    /// Read the figures (KPIs) of one's reach, their drill-downs, the dashboards and bulletins
    /// (领导驾驶舱, 一屏全览, 考评, 通报).
    SupervisionView => "supervision.view",
    /// Handle electronic-supervision warnings (电子监察预警) through supervision cases to an
    /// outcome.
    SupervisionHandle => "supervision.handle",
    /// Keep the KPI definitions and the monitoring rules of the division (指标与监察规则).
    SupervisionAdmin => "supervision.admin",
    /// Keep the credit red and black lists (信用红黑名单) for joint reward and punishment
    /// (联合奖惩): import, synchronise from the exchange, revoke.
    CreditManage => "credit.manage",
    /// Organise random inspections (双随机、一公开): item lists, entity and inspector pools,
    /// plans, draws and publication.
    InspectionPlan => "inspection.plan",
    /// Record the results of the inspections one was drawn for (执法检查人员).
    InspectionRecord => "inspection.record",
}

impl Permission {
    /// What a department system's API token may hold: the business of its own department, and
    /// nothing else. An allow-list: a permission added later is not for tokens until it is
    /// listed here. Settings (the calendar), administrators' powers (三员分立), personal data,
    /// supervision, exports of full identifiers and division-wide powers stay with people.
    pub const FOR_TOKENS: &'static [Permission] = &[
        Permission::CatalogEdit,
        Permission::CatalogReadDrafts,
        Permission::CatalogImport,
        Permission::CaseReceive,
        Permission::CaseHandle,
        Permission::CaseRead,
        Permission::LicenceIssue,
        Permission::ExchangeProvide,
        Permission::ExchangeConsume,
    ];

    /// Whether an API token may hold this permission.
    pub fn for_tokens(self) -> bool {
        Permission::FOR_TOKENS.contains(&self)
    }
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
    /// System administrator (系统管理员): accounts, settings and registered systems, nothing
    /// else; cannot grant roles (三员分立).
    SystemAdmin => ("system_admin", "系统管理员", "system administrator", Division,
        [AccountsManage, OidcClientsManage, CalendarManage]),
    /// Security administrator (安全管理员): roles, permissions and API token scopes, nothing else.
    SecurityAdmin => ("security_admin", "安全管理员", "security administrator", Division,
        [RolesManage, ApiTokensManage, KeysRotate]),
    /// Audit administrator (审计管理员): reads the audit log, nothing else.
    AuditAdmin => ("audit_admin", "审计管理员", "audit administrator", Division,
        [AuditRead]),
    /// Identity verification officer (实名核验专员): helps people with their accounts, and may
    /// see a full ID number when a case needs it (each reveal is audited).
    IdentityOfficer => ("identity_officer", "实名核验专员", "identity verification officer", Division,
        [PeopleRead, PersonalDataReveal, OrgVerify, AccountRecover]),
    /// Clerk of the one-stop window (综合窗口受理员): receives applications for every
    /// department of the division, accepts them, requests supplements, delivers results.
    CaseClerk => ("case_clerk", "综合窗口受理员", "window clerk", Division,
        [CaseReceive, CaseRead, OrgVerify]),
    /// Case officer of a department (审批人员): reviews, approves and decides cases.
    CaseOfficer => ("case_officer", "审批人员", "case officer", Department,
        [CaseHandle, CaseRead, ExchangeConsume, AppealHandle]),
    /// Efficiency supervisor (效能监督员): deadlines and warnings across the division, rating
    /// appeals, process-data export.
    CaseSupervisor => ("case_supervisor", "效能监督员", "efficiency supervisor", Division,
        [CaseSupervise, CaseRead, CaseExport, ExchangeSupervise, AppealSupervise, SupervisionView,
         SupervisionHandle]),
    /// Licence officer of an issuing department (制证发证人员).
    LicenceOfficer => ("licence_officer", "制证发证人员", "licence officer", Department,
        [LicenceIssue]),
    /// Licence administrator of the division (电子证照管理员): types and seal keys.
    LicenceAdmin => ("licence_admin", "电子证照管理员", "licence administrator", Division,
        [LicenceManage]),
    /// A department's data steward (部门数据专员): its resources, their loads and the requests
    /// it makes and receives.
    DataSteward => ("data_steward", "部门数据专员", "data steward", Department,
        [ExchangeProvide, ExchangeConsume]),
    /// The division's data resource administrator (数据资源管理员, the data bureau): reviews the
    /// catalog, keeps the three lists, base libraries and return flow.
    DataAdmin => ("data_admin", "数据资源管理员", "data resource administrator", Division,
        [ExchangeAdmin, ExchangeSupervise]),
    /// Operator of the 12345 hotline (12345 话务员): takes calls and web appeals, answers from
    /// the knowledge base, makes follow-up calls.
    HotlineOperator => ("hotline_operator", "12345话务员", "hotline operator", Division,
        [AppealIntake]),
    /// Dispatcher of the 12345 office (12345 派单员): routes, dispatches and reviews work
    /// orders across the division.
    AppealDispatcher => ("appeal_dispatcher", "12345派单员", "appeal dispatcher", Division,
        [AppealDispatch, AppealIntake]),
    /// Grid worker (网格员) of a street or community: handles the orders routed to their grids.
    GridWorker => ("grid_worker", "网格员", "grid worker", Department,
        [AppealHandle]),
    /// Administrator of appeals and grids (网格化管理员): categories, knowledge base, grids and
    /// their workers, time limits.
    AppealAdmin => ("appeal_admin", "网格化管理员", "appeal and grid administrator", Division,
        [AppealAdmin]),
    /// A leader of the division (领导): the one screen of figures (一屏全览), scorecards, league
    /// tables and bulletins, and the cases behind a figure (the drill-down); reads, never acts.
    Leader => ("leader", "领导", "leader", Division,
        [SupervisionView, CaseRead]),
    /// Head of a department (部门负责人): the department's own figures and its catalog claim
    /// progress (认领进度) on the start page.
    DepartmentHead => ("department_head", "部门负责人", "department head", Department,
        [SupervisionView]),
    /// Electronic-supervision officer (电子监察员): handles warnings through supervision cases
    /// and reads the figures behind them.
    SupervisionOfficer => ("supervision_officer", "电子监察员", "supervision officer", Division,
        [SupervisionHandle, SupervisionView, CaseRead]),
    /// Administrator of figures and monitoring rules (考评管理员): KPI definitions, rules.
    SupervisionAdmin => ("supervision_admin", "考评管理员", "evaluation administrator", Division,
        [SupervisionAdmin, SupervisionView]),
    /// Credit officer (信用管理员): the red and black lists and their measures.
    CreditOfficer => ("credit_officer", "信用管理员", "credit officer", Division,
        [CreditManage]),
    /// Organiser of random inspections in a regulating department (双随机抽查组织员).
    InspectionOrganiser => ("inspection_organiser", "双随机抽查组织员", "inspection organiser", Department,
        [InspectionPlan, InspectionRecord]),
    /// Law-enforcement inspector (执法检查人员): records the results of drawn inspections.
    Inspector => ("inspector", "执法检查人员", "inspector", Department,
        [InspectionRecord]),
}

impl Role {
    /// The three administrator roles of 三员分立; one account holds at most one of them.
    pub const ADMINISTRATORS: &'static [Role] =
        &[Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin];
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

/// A natural person (自然人) signed in, possibly acting for a legal person (法人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub person_id: i64,
    pub name: String,
    /// The legal person this person acts for in this session, as its administrator or as an
    /// agent (经办人). Checked against the live grant on every request.
    pub acting_for: Option<ActingFor>,
}

/// The legal person a natural person is acting for, and what the grant allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingFor {
    pub org_id: i64,
    pub uscc: String,
    pub name: String,
    /// True for the enterprise's own administrator (who grants and revokes agents).
    pub administrator: bool,
    pub scopes: Vec<AgentScope>,
}

macro_rules! agent_scopes {
    ($( $(#[$doc:meta])* $v:ident => ($s:literal, $zh:literal, $en:literal), )*) => {
        /// What an agent (经办人) may do for a legal person.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AgentScope { $( $(#[$doc])* $v, )* }

        impl AgentScope {
            pub const ALL: &'static [AgentScope] = &[ $( AgentScope::$v, )* ];
            pub fn as_str(self) -> &'static str { match self { $( AgentScope::$v => $s, )* } }
            pub fn zh(self) -> &'static str { match self { $( AgentScope::$v => $zh, )* } }
            pub fn en(self) -> &'static str { match self { $( AgentScope::$v => $en, )* } }
            pub fn parse(s: &str) -> Option<AgentScope> {
                match s { $( $s => Some(AgentScope::$v), )* _ => None }
            }
        }
    };
}

agent_scopes! {
    /// File applications in the enterprise's name and follow them (申报办件).
    Apply => ("apply", "申报办件", "file applications"),
    /// See the enterprise's applications and results (查询办件).
    Cases => ("cases", "查询办件", "see applications"),
    /// Use the enterprise's electronic licences (使用电子证照).
    Licences => ("licences", "使用电子证照", "use e-licences"),
}

/// A department system calling the API with a token: department reach, only the token's
/// permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClient {
    pub token_id: i64,
    pub name: String,
    pub department_id: i64,
    pub division: DivisionCode,
    pub permissions: Vec<Permission>,
}

impl ApiClient {
    /// The token id of the platform's own automatic approval (智能秒批) reading shared data for
    /// a case's department: no issued token has it (ids start at 1). Shown by name wherever
    /// actors are named.
    pub const AUTOMATIC_APPROVAL: i64 = 0;
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
    /// A natural person (citizen), possibly acting for a legal person. Holds no permissions:
    /// what a person may do is decided by ownership of the object, see [`Actor::person`].
    Person(Person),
    /// A department system with an API token.
    Client(ApiClient),
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
            Actor::Person(p) => format!("person:{}", p.person_id),
            Actor::Client(c) => format!("client:{}", c.token_id),
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

    pub fn person(&self) -> Option<&Person> {
        match self {
            Actor::Person(p) => Some(p),
            _ => None,
        }
    }

    /// The legal person being acted for, as recorded in the audit log (`org:<USCC>`), or "".
    pub fn acting_for_label(&self) -> String {
        match self {
            Actor::Person(Person {
                acting_for: Some(a),
                ..
            }) => format!("org:{}", a.uscc),
            _ => String::new(),
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
            Actor::Person(_) => false,
            Actor::Client(c) => perm.for_tokens() && c.permissions.contains(&perm),
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
            Actor::Person(_) => false,
            Actor::Client(c) => {
                perm.for_tokens()
                    && c.permissions.contains(&perm)
                    && target.department_id == Some(c.department_id)
            }
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
            Actor::Person(_) => Scope::Nothing,
            Actor::Client(c) if perm.for_tokens() && c.permissions.contains(&perm) => {
                Scope::Department(c.department_id)
            }
            Actor::Client(_) => Scope::Nothing,
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

    /// Tokens are department systems: no permission of an administrator role (三员分立), of
    /// identity or personal data, of settings or of supervision is ever theirs.
    #[test]
    fn tokens_hold_only_department_business() {
        for p in Permission::FOR_TOKENS {
            for r in Role::ADMINISTRATORS {
                assert!(!r.permissions().contains(p), "{p:?} belongs to {r:?}");
            }
        }
        for p in [
            Permission::CalendarManage,
            Permission::PeopleRead,
            Permission::PersonalDataReveal,
            Permission::OrgVerify,
            Permission::CaseSupervise,
            Permission::CaseExport,
            Permission::LicenceManage,
        ] {
            assert!(!p.for_tokens(), "{p:?}");
        }
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
    fn the_three_administrators_share_no_permission() {
        for (i, a) in Role::ADMINISTRATORS.iter().enumerate() {
            for b in &Role::ADMINISTRATORS[i + 1..] {
                for p in a.permissions() {
                    assert!(!b.permissions().contains(p), "{a:?} and {b:?} share {p:?}");
                }
            }
        }
        // Only the security administrator grants roles; nobody else holds an admin power.
        for r in Role::ALL {
            let admin_perms = [
                Permission::AccountsManage,
                Permission::RolesManage,
                Permission::AuditRead,
            ];
            let held: Vec<_> = admin_perms
                .iter()
                .filter(|p| r.permissions().contains(p))
                .collect();
            assert!(held.len() <= 1, "{r:?} holds {held:?}");
            if !held.is_empty() {
                assert!(Role::ADMINISTRATORS.contains(r), "{r:?}");
            }
        }
    }

    #[test]
    fn people_hold_no_permissions_and_clients_stay_in_their_department() {
        let d = DivisionCode::parse("440802").unwrap();
        let person = Actor::Person(Person {
            person_id: 1,
            name: "张三".into(),
            acting_for: None,
        });
        let client = Actor::Client(ApiClient {
            token_id: 3,
            name: "sys".into(),
            department_id: 7,
            division: d.clone(),
            permissions: vec![Permission::CatalogEdit],
        });
        let own = Target {
            department_id: Some(7),
            division: &d,
        };
        let other = Target {
            department_id: Some(8),
            division: &d,
        };
        for p in Permission::ALL {
            assert!(!person.may_on(*p, own));
            assert!(!client.may_on(*p, other));
        }
        assert!(client.may_on(Permission::CatalogEdit, own));
        assert!(!client.may_on(Permission::CatalogReview, own));
        assert_eq!(
            person.require(Permission::CatalogEdit).unwrap_err().code,
            ErrorCode::Forbidden
        );
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
