//! Which parts of data sharing a caller works in (数据共享的工作区), for the pages' links: the
//! header, the start page and the exchange pages' own navigation offer exactly these. Each
//! area is decided by the permission the domain's own check of that work asks for (the
//! department or division is then checked by the domain on every read and write); pages never
//! decide it again.

use serde::Serialize;
use yiwang_kernel::auth::{Actor, Permission};

use crate::catalog::{ADMIN, STEWARD};

/// The areas of data sharing open to one caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Areas {
    /// The resource catalog, a resource's detail and the three lists: every member of staff
    /// (`catalog::may_read`; department systems read them through the API).
    pub catalog: bool,
    /// "My resources": registering, editing and submitting resources, their loads (归集) —
    /// a department's data steward, or the division's data administrator (`STEWARD`).
    pub steward: bool,
    /// The review queue (目录审核): the division's data administrator (`ADMIN`).
    pub review: bool,
    /// Requests made, the request form and grants held (`exchange.consume`).
    pub consume: bool,
    /// Requests received with their decisions, and grants given (`exchange.provide`: the
    /// list of requests received asks for it).
    pub inbox: bool,
    /// Undecided requests with their warnings (督办, `exchange.supervise`).
    pub supervision: bool,
    /// Sharing statistics: a steward their department's, a supervisor every department's.
    pub stats: bool,
    /// The access log of one's department's data (`exchange.provide`).
    pub calls: bool,
    /// Filing a demand (需求清单): staff who consume or provide data, or administer it.
    pub file_demand: bool,
    /// Working the demand list — assign, mark met, decline (`ADMIN`).
    pub work_demands: bool,
}

impl Areas {
    /// The areas of `actor`: none for anyone but staff.
    pub fn of(actor: &Actor) -> Areas {
        if !matches!(actor, Actor::Staff(_)) {
            return Areas::default();
        }
        let has = |p: Permission| actor.has(p);
        let any = |ps: &[Permission]| ps.iter().any(|p| actor.has(*p));
        Areas {
            catalog: crate::catalog::may_read(actor),
            steward: any(STEWARD),
            review: any(ADMIN),
            consume: has(Permission::ExchangeConsume),
            inbox: has(Permission::ExchangeProvide),
            supervision: has(Permission::ExchangeSupervise),
            stats: has(Permission::ExchangeProvide) || has(Permission::ExchangeSupervise),
            calls: has(Permission::ExchangeProvide),
            file_demand: any(&[
                Permission::ExchangeConsume,
                Permission::ExchangeProvide,
                Permission::ExchangeAdmin,
            ]),
            work_demands: any(ADMIN),
        }
    }

    /// Whether any area besides reading the catalog is open: the header links to the
    /// catalog for these callers.
    pub fn works(&self) -> bool {
        self.steward || self.review || self.consume || self.inbox || self.supervision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_kernel::auth::{Role, Staff};
    use yiwang_kernel::codes::DivisionCode;

    fn staff(role: Role) -> Actor {
        Actor::Staff(Staff {
            user_id: 1,
            username: "u".into(),
            name: "测试".into(),
            department_id: 1,
            division: DivisionCode::parse("440800").unwrap(),
            roles: vec![role],
        })
    }

    #[test]
    fn each_role_gets_the_areas_of_its_work() {
        let steward = Areas::of(&staff(Role::DataSteward));
        assert!(steward.steward && steward.consume && steward.inbox && steward.calls);
        assert!(!steward.review && !steward.work_demands && !steward.supervision);
        let admin = Areas::of(&staff(Role::DataAdmin));
        assert!(admin.review && admin.work_demands && admin.steward && !admin.inbox);
        assert!(admin.supervision && !admin.consume && !admin.calls);
        let officer = Areas::of(&staff(Role::CaseOfficer));
        assert!(officer.consume && officer.file_demand && officer.works());
        assert!(!officer.steward && !officer.inbox && !officer.stats);
        let supervisor = Areas::of(&staff(Role::CaseSupervisor));
        assert!(supervisor.supervision && supervisor.stats && !supervisor.consume);
        let clerk = Areas::of(&staff(Role::CaseClerk));
        assert!(clerk.catalog && !clerk.works());
        assert_eq!(Areas::of(&Actor::Anonymous), Areas::default());
    }
}
