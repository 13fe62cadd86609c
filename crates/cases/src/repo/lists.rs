//! SQL of case lists: "my cases", the staff inbox and the supervisor's open cases.

use time::OffsetDateTime;
use yiwang_kernel::Result;
use yiwang_kernel::auth::Scope;
use yiwang_kernel::paging::{Page, Paged};
use yiwang_store::{Conn, Sql, like_prefix};

use crate::model::{CaseSummary, Status};

const SUMMARY_COLS: &str = "c.case_no, c.item_code, c.item_name, c.department_id, c.applicant_name, c.status, c.warning, c.submitted_at, c.promised_due, c.revision";

/// Whose cases.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    /// A person's own (not an enterprise's).
    Person(i64),
    /// An enterprise's.
    Org(i64),
}

/// A member of staff, for "waiting for me": account, department, role names.
#[derive(Debug, Clone)]
pub struct Me {
    pub user_id: i64,
    pub department_id: i64,
    pub roles: Vec<String>,
}

/// The inbox's filters, checked by the caller.
#[derive(Debug, Clone)]
pub struct InboxQuery<'a> {
    /// Where `case.read` reaches.
    pub scope: &'a Scope,
    pub me: Option<Me>,
    /// Only cases waiting for `me`.
    pub mine: bool,
    pub status: Option<&'a str>,
    pub warning: Option<&'a str>,
    pub item_code: Option<&'a str>,
    /// Submitted at or after.
    pub from: Option<OffsetDateTime>,
    /// Submitted before.
    pub before: Option<OffsetDateTime>,
}

/// A page of cases, newest first (after those waiting on the applicant, when `waiting_first`).
async fn page_of(
    c: &mut impl Conn,
    filter: Sql,
    page: Page,
    waiting_first: bool,
) -> Result<Paged<CaseSummary>> {
    let mut count = Sql::new("SELECT COUNT(*) FROM cases c WHERE ");
    count.args = filter.args.clone();
    count.push(&filter.text);
    let (total,): (i64,) = c.fetch_one(&count.text, &count.args).await?;
    let mut q = Sql::new(&format!("SELECT {SUMMARY_COLS} FROM cases c WHERE "));
    q.args = filter.args;
    q.push(&filter.text);
    q.push(" ORDER BY ");
    if waiting_first {
        // The statuses come from the domain rule, never from input.
        let waiting: Vec<String> = Status::ALL
            .iter()
            .filter(|s| s.waits_on_applicant())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        q.push(&format!(
            "CASE WHEN c.status IN ({}) THEN 0 ELSE 1 END, ",
            waiting.join(", ")
        ));
    }
    q.push("c.submitted_at DESC, c.id DESC LIMIT ");
    q.bind(page.limit());
    q.push(" OFFSET ");
    q.bind(page.offset());
    let items: Vec<CaseSummary> = c.fetch_all(&q.text, &q.args).await?;
    Ok(Paged {
        items,
        total,
        page: page.page,
        size: page.size,
    })
}

pub async fn of_owner(c: &mut impl Conn, owner: Owner, page: Page) -> Result<Paged<CaseSummary>> {
    let mut sql = Sql::new("");
    match owner {
        Owner::Person(id) => sql.cond("c.person_id = ? AND c.org_id IS NULL", [id]),
        Owner::Org(id) => sql.cond("c.org_id = ?", [id]),
    };
    page_of(c, sql, page, true).await
}

/// `c.department_id` / `c.division_code` within `scope`.
fn push_scope(sql: &mut Sql, scope: &Scope) {
    match scope {
        Scope::Nothing => {
            sql.push("1 = 0");
        }
        Scope::Department(d) => {
            sql.cond("c.department_id = ?", [*d]);
        }
        Scope::Division(d) => {
            sql.cond(
                "c.division_code LIKE ? ESCAPE '\\'",
                [like_prefix(d.prefix())],
            );
        }
        Scope::Everything => {
            sql.push("1 = 1");
        }
    }
}

fn push_waiting_for(sql: &mut Sql, me: &Me) {
    sql.cond(
        " EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND (t.officer_id = ? OR (t.officer_id IS NULL AND t.department_id = ? AND t.role IN ",
        [me.user_id, me.department_id],
    );
    sql.list(me.roles.clone());
    sql.push(")))");
}

/// The staff inbox: cases within reach (or waiting for me), filtered.
pub async fn inbox(
    c: &mut impl Conn,
    q: &InboxQuery<'_>,
    page: Page,
) -> Result<Paged<CaseSummary>> {
    let mut sql = Sql::new("1 = 1");
    if q.mine {
        let Some(me) = &q.me else {
            return Ok(Paged {
                items: Vec::new(),
                total: 0,
                page: page.page,
                size: page.size,
            });
        };
        sql.push(" AND");
        push_waiting_for(&mut sql, me);
    } else {
        sql.push(" AND (");
        push_scope(&mut sql, q.scope);
        if let Some(me) = &q.me {
            sql.push(" OR");
            push_waiting_for(&mut sql, me);
        }
        sql.push(")");
    }
    if let Some(s) = q.status {
        sql.cond(" AND c.status = ?", [s]);
    }
    if let Some(w) = q.warning {
        sql.cond(" AND c.warning = ?", [w]);
    }
    if let Some(code) = q.item_code {
        sql.cond(" AND c.item_code = ?", [code]);
    }
    if let Some(t) = q.from {
        sql.cond(" AND c.submitted_at >= ?", [t]);
    }
    if let Some(t) = q.before {
        sql.cond(" AND c.submitted_at < ?", [t]);
    }
    page_of(c, sql, page, false).await
}

/// Open cases (handling, paused, special) within `scope`, by department and due date.
pub async fn open_in(c: &mut impl Conn, scope: &Scope) -> Result<Vec<CaseSummary>> {
    let mut sql = Sql::new(&format!(
        "SELECT {SUMMARY_COLS} FROM cases c WHERE c.status IN ('handling', 'paused', 'special') AND "
    ));
    push_scope(&mut sql, scope);
    sql.push(" ORDER BY c.department_id, c.promised_due, c.id");
    c.fetch_all(&sql.text, &sql.args).await
}
