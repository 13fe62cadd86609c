//! Every parsed row checked against the database (basic directory, department, scope, item
//! state): what the write phase does with it.

use super::*;

/// What the write phase does with one row.
#[derive(Debug)]
pub(super) enum Target {
    /// Claim: a new item and its draft version 1.
    New {
        basic_id: i64,
        basic_code: String,
        department_id: i64,
        division: String,
    },
    /// Replace the open draft of this number.
    Draft(ItemRow, i64),
    /// A new draft version after the published one of this number.
    FromPublished(ItemRow, i64),
}

#[derive(Debug)]
pub(super) struct Plan {
    /// The item's line in the item table.
    pub(super) line: usize,
    pub(super) code: String,
    pub(super) target: Target,
    pub(super) elements: Elements,
}

pub(super) fn row_err(line: usize, field: &str, rule: &str, zh: String, en: String) -> RowError {
    RowError::from_field(ITEMS_SHEET, line, FieldError::new(field, rule, zh, en))
}

pub(super) fn in_scope(scope: &Scope, dept: &Department, division: &DivisionCode) -> bool {
    match scope {
        Scope::Everything => true,
        Scope::Department(id) => dept.id == *id,
        Scope::Division(d) => dept.division_code.within(d) && division.within(d),
        Scope::Nothing => false,
    }
}

#[derive(Default)]
pub(super) struct Lookups {
    pub(super) basics: HashMap<String, Option<BasicItem>>,
    pub(super) departments: HashMap<String, Option<Department>>,
}

impl Lookups {
    async fn basic(&mut self, tx: &mut Tx, code: &str) -> Result<Option<BasicItem>> {
        if let Some(b) = self.basics.get(code) {
            return Ok(b.clone());
        }
        let b = repo::basic_by_code(tx, code).await?;
        self.basics.insert(code.to_string(), b.clone());
        Ok(b)
    }

    async fn department(&mut self, tx: &mut Tx, uscc: &str) -> Result<Option<Department>> {
        if let Some(d) = self.departments.get(uscc) {
            return Ok(d.clone());
        }
        let d = yiwang_org::repo::department_by_uscc(tx, uscc).await?;
        self.departments.insert(uscc.to_string(), d.clone());
        Ok(d)
    }
}

/// Checks every parsed item row against the database and the caller's scope and builds what to
/// write. Problems are added to `errors`; nothing is written.
pub(super) async fn plan(
    tx: &mut Tx,
    scope: &Scope,
    p: &Parsed,
    errors: &mut Vec<RowError>,
) -> Result<Vec<Plan>> {
    let mut look = Lookups::default();
    let mut plans = Vec::with_capacity(p.items.len());
    let mut claims: HashMap<(i64, i64, String), usize> = HashMap::new();
    for it in p.items.iter().filter(|it| it.code_ok) {
        let line = it.line;
        let basic = if it.basic_code.is_empty() {
            None
        } else {
            let b = look.basic(tx, &it.basic_code).await?;
            if b.is_none() {
                errors.push(row_err(
                    line,
                    "basic_code",
                    "basic_code.unknown",
                    format!("基本目录中没有基本编码为“{}”的事项", it.basic_code),
                    format!(
                        "No item with the basic code \"{}\" in the basic directory",
                        it.basic_code
                    ),
                ));
            }
            b
        };
        let dept = if Uscc::parse(&it.department_uscc).is_ok() {
            let d = look.department(tx, &it.department_uscc).await?;
            if d.is_none() {
                errors.push(row_err(
                    line,
                    "department_uscc",
                    "department.unknown",
                    format!("没有统一社会信用代码为“{}”的部门", it.department_uscc),
                    format!(
                        "No department has the unified social credit code \"{}\"",
                        it.department_uscc
                    ),
                ));
            }
            d
        } else {
            None
        };
        let existing = repo::item_by_code(tx, &it.code).await?;
        let stated = it.division_code.trim();
        let division = if stated.is_empty() {
            match (&existing, &dept) {
                (Some(row), _) => DivisionCode::parse(&row.division_code).ok(),
                (None, Some(d)) => Some(d.division_code.clone()),
                (None, None) => None,
            }
        } else {
            match registry().existing(stated, false) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(RowError::from_field(
                        ITEMS_SHEET,
                        line,
                        e.within("division_code"),
                    ));
                    None
                }
            }
        };
        let (Some(basic), Some(dept), Some(division)) = (basic, dept, division) else {
            continue;
        };
        if !in_scope(scope, &dept, &division) {
            errors.push(row_err(
                line,
                "department_uscc",
                "scope",
                format!("部门“{}”不在您的导入权限范围内", dept.name),
                format!(
                    "The department \"{}\" is outside the scope you may import for",
                    dept.name
                ),
            ));
            continue;
        }
        let before = errors.len();
        let (target, base) = match existing {
            Some(row) => {
                if row.basic_item_id != basic.id {
                    errors.push(row_err(
                        line,
                        "basic_code",
                        "inherited",
                        format!("实施编码“{}”认领的是另一个基本目录事项，基本编码不能修改", it.code),
                        format!("The item \"{}\" implements another basic item; its basic code cannot change", it.code),
                    ));
                }
                if row.department_id != dept.id {
                    errors.push(row_err(
                        line,
                        "department_uscc",
                        "item.department_mismatch",
                        format!("实施编码“{}”属于另一个部门，不能改为由本部门实施", it.code),
                        format!("The item \"{}\" belongs to another department", it.code),
                    ));
                }
                if !stated.is_empty() && row.division_code != division.as_str() {
                    errors.push(row_err(
                        line,
                        "division_code",
                        "item.division_mismatch",
                        format!(
                            "实施编码“{}”的实施区划为{}，不能修改",
                            it.code, row.division_code
                        ),
                        format!(
                            "The item \"{}\" is implemented in {}; that cannot change",
                            it.code, row.division_code
                        ),
                    ));
                }
                if row.status() == ItemStatus::Retired {
                    errors.push(row_err(
                        line,
                        "code",
                        "item.retired",
                        "该事项已下线（取消），不能导入".into(),
                        "This item was retired and cannot be imported".into(),
                    ));
                    continue;
                }
                match repo::open_version(tx, row.id).await? {
                    Some(v) if v.status == VersionStatus::Draft => {
                        let no = v.version_no;
                        (Target::Draft(row, no), v.elements)
                    }
                    Some(_) => {
                        errors.push(row_err(
                            line,
                            "code",
                            "item.under_review",
                            "该事项有正在审核的版本，请撤回或审核完成后再导入".into(),
                            "This item has a version under review; withdraw it or finish the review first".into(),
                        ));
                        continue;
                    }
                    None => {
                        let published = match row
                            .published_version
                            .filter(|_| row.status() == ItemStatus::Published)
                        {
                            Some(no) => repo::version(tx, row.id, no).await?,
                            None => None,
                        };
                        let Some(v) = published else {
                            return Err(Error::internal(format!(
                                "item {} has neither an open nor a published version",
                                row.code
                            )));
                        };
                        let no = v.version_no;
                        (Target::FromPublished(row, no), v.elements)
                    }
                }
            }
            None => {
                if basic.status != "active" {
                    errors.push(row_err(
                        line,
                        "basic_code",
                        "basic_code.retired",
                        "该基本目录事项已停用".into(),
                        "This basic directory item is no longer active".into(),
                    ));
                }
                if !division.within(&dept.division_code) {
                    errors.push(row_err(
                        line,
                        "division_code",
                        "division.outside_department",
                        "实施区划须在部门所属行政区划之内".into(),
                        "The division must lie inside the department's division".into(),
                    ));
                }
                if let Some(other) =
                    repo::item_by_claim(tx, basic.id, dept.id, division.as_str()).await?
                {
                    errors.push(row_err(
                        line,
                        "code",
                        "item.claimed",
                        format!("该部门已在此区划认领过该事项，实施编码为“{}”", other.code),
                        format!(
                            "The department already claimed this item in this division as \"{}\"",
                            other.code
                        ),
                    ));
                }
                let key = (basic.id, dept.id, division.as_str().to_string());
                if let Some(first) = claims.get(&key) {
                    errors.push(row_err(
                        line,
                        "code",
                        "item.claimed_in_file",
                        format!("与第{first}行认领的是同一部门、同一区划的同一基本目录事项"),
                        format!("Line {first} claims the same basic item for the same department and division"),
                    ));
                } else {
                    claims.insert(key, line);
                }
                let base = claim_defaults(&basic, &dept, &division);
                let target = Target::New {
                    basic_id: basic.id,
                    basic_code: basic.code.clone(),
                    department_id: dept.id,
                    division: division.as_str().to_string(),
                };
                (target, base)
            }
        };
        let name = it.name.trim();
        if !name.is_empty() && name != basic.name && name != base.name {
            errors.push(row_err(
                line,
                "name",
                "inherited",
                format!("事项名称继承自基本目录（三级四同），应为“{}”", basic.name),
                format!("The item name is inherited from the basic directory (\"{}\") and cannot be changed", basic.name),
            ));
        }
        let (mut e, lines) = compose(&base, it, p)?;
        e.inherit(&basic);
        e.department_name = dept.name.clone();
        e.department_uscc = dept.uscc.to_string();
        errors.extend(
            rules::shape(&e)
                .into_iter()
                .map(|fe| locate(fe, line, &lines)),
        );
        if errors.len() == before {
            plans.push(Plan {
                line,
                code: it.code.clone(),
                target,
                elements: e,
            });
        }
    }
    Ok(plans)
}

/// Orders row errors by table, then line.
pub(super) fn sort_errors(errors: &mut [RowError]) {
    let rank = |s: &str| {
        Table::ALL
            .iter()
            .position(|t| t.sheet() == s)
            .unwrap_or(Table::ALL.len())
    };
    errors.sort_by_key(|e| (rank(&e.sheet), e.line));
}
