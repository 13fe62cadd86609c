//! Who may read an order and what they may do to it (deny by default). The status decides what
//! can happen (`lifecycle`); this decides who: the dispatcher of the division, the handler (the
//! assignee, or staff with `appeal.handle` reaching the order's department), the supervisor,
//! the operator, the citizen who owns it.

use yiwang_kernel::auth::{Actor, Ctx, Permission, Target};
use yiwang_kernel::codes::DivisionCode;

use crate::lifecycle::{self, Action};
use crate::model::Status;
use crate::repo::appeals::AppealRow;

/// The capacities in which a reader stands to one order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Roles {
    pub owner: bool,
    pub intake: bool,
    pub dispatch: bool,
    pub handle: bool,
    pub supervise: bool,
    pub system: bool,
}

impl Roles {
    pub fn any(&self) -> bool {
        self.owner || self.intake || self.dispatch || self.handle || self.supervise || self.system
    }

    /// Whether the reader sees who appealed (a confidential order hides it from handlers and
    /// supervisors).
    pub fn sees_contact(&self, confidential: bool) -> bool {
        !confidential || self.owner || self.intake || self.dispatch || self.system
    }

    /// Whether the reader is staff working on orders (not merely the owner).
    pub fn staff(&self) -> bool {
        self.intake || self.dispatch || self.handle || self.supervise || self.system
    }
}

/// The order's division as a code (the home division when the stored one is malformed).
pub(crate) fn division_of(row: &AppealRow, home: &DivisionCode) -> DivisionCode {
    DivisionCode::parse(&row.division).unwrap_or_else(|_| home.clone())
}

/// The reader's capacities on `row`.
pub(crate) fn roles_on(ctx: &Ctx, row: &AppealRow, home: &DivisionCode) -> Roles {
    let division = division_of(row, home);
    let target = Target {
        department_id: row.department_id,
        division: &division,
    };
    match &ctx.actor {
        Actor::System { .. } => Roles {
            system: true,
            ..Roles::default()
        },
        Actor::Person(p) => Roles {
            owner: row.person_id == Some(p.person_id),
            ..Roles::default()
        },
        Actor::Staff(s) => {
            let a = &ctx.actor;
            let handle = a.has(Permission::AppealHandle)
                && (row.assignee_id == Some(s.user_id)
                    || (row.department_id.is_some() && a.may_on(Permission::AppealHandle, target)));
            Roles {
                owner: false,
                intake: a.may_on(Permission::AppealIntake, target),
                dispatch: a.may_on(Permission::AppealDispatch, target),
                handle,
                supervise: a.may_on(Permission::AppealSupervise, target),
                system: false,
            }
        }
        Actor::Anonymous | Actor::Client(_) => Roles::default(),
    }
}

/// Whether someone standing in `r` may take `action` at all (whatever the status).
pub(crate) fn may(r: &Roles, action: Action) -> bool {
    if r.system {
        return true;
    }
    match action {
        Action::Dispatch
        | Action::Redo
        | Action::Merge
        | Action::Archive
        | Action::DecideExtension => r.dispatch,
        Action::Sign
        | Action::Return
        | Action::Handle
        | Action::Reply
        | Action::RequestExtension => r.handle,
        Action::Transfer => r.handle || r.dispatch,
        Action::Visit | Action::Reopen => r.owner || r.intake,
        Action::Supervise => r.supervise,
    }
}

/// Whether the order's state allows `action` now (status and the extension flag).
pub(crate) fn state_allows(row: &AppealRow, status: Status, action: Action) -> bool {
    if lifecycle::next(status, action).is_none() {
        return false;
    }
    match action {
        Action::RequestExtension => !row.extension_pending,
        Action::DecideExtension => row.extension_pending,
        _ => true,
    }
}

/// What someone standing in `r` may do to the order now, in the pages' order.
pub(crate) fn allowed(r: &Roles, row: &AppealRow, status: Status) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| may(r, *a) && state_allows(row, status, *a))
        .collect()
}
